//! AZ-KV-006: Key Vault soft delete and purge protection are on.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-KV-006",
    title: "Key Vault has soft delete and purge protection enabled",
    family: Family::Kv,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "Soft delete is on (`enableSoftDelete` true; absent counts as true) and `enablePurgeProtection` is true \
(absent counts as false).",
    rationale: "An attacker who wants to destroy evidence or hold an organization to ransom deletes keys, secrets or the \
vault itself, then purges them. Soft delete keeps deleted objects recoverable, but without purge protection anyone with \
the purge permission can erase them at once. With purge protection, deleted keys and secrets stay recoverable for the \
whole retention period, so encrypted data stays readable and the vault's contents can be examined after the incident.",
    reads: "6",
    parameters: &[],
    references: &[cis("3.3.5"), policy("0b60c0b2"), attack("T1485")],
    remediation: Remediation {
        portal: &[
            "Open the key vault > Settings > Properties.",
            "Under Purge protection select 'Enable purge protection (enforce a mandatory retention period for deleted vaults and vault objects)' and Save; this cannot be turned off afterwards.",
            "Soft delete is on for every vault created since 2020; a vault that still has it off must be migrated (az keyvault update --enable-soft-delete true).",
        ],
        cli: "az keyvault update --name {name} --resource-group {resource_group} --subscription {subscription} --enable-purge-protection true",
        bicep: r#"resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: vaultName
  location: location
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_item(
        ctx.inv,
        "key vaults",
        "key vault",
        |s| &s.vaults,
        |out, sub, v| {
            let props = v.props();
            let soft = match props.enable_soft_delete {
                Some(true) => "soft delete is on",
                Some(false) => "soft delete is off (enableSoftDelete false)",
                None => "soft delete is on (enableSoftDelete not set, defaults to true)",
            };
            let purge = match props.enable_purge_protection {
                Some(true) => "purge protection is on",
                Some(false) => "purge protection is off (enablePurgeProtection false)",
                None => "purge protection is off (enablePurgeProtection not set)",
            };
            let reason = format!("vault '{}': {soft}, {purge}", v.display_name());
            if v.soft_delete() && v.purge_protection() {
                out.pass(&v.id, Some(&sub.id), reason);
            } else {
                out.fail(&v.id, Some(&sub.id), reason);
            }
        },
    );
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    #[test]
    fn soft_delete_and_purge_protection_with_defaults() {
        let mut inv = inv();
        let both = rid("rg", "Microsoft.KeyVault/vaults", "kv-both");
        let default_soft = rid("rg", "Microsoft.KeyVault/vaults", "kv-defsoft");
        let no_purge = rid("rg", "Microsoft.KeyVault/vaults", "kv-nopurge");
        let unset = rid("rg", "Microsoft.KeyVault/vaults", "kv-unset");
        let soft_off = rid("rg", "Microsoft.KeyVault/vaults", "kv-softoff");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": both, "name": "kv-both", "properties": {"enableSoftDelete": true, "enablePurgeProtection": true}}),
            json!({"id": default_soft, "name": "kv-defsoft", "properties": {"enablePurgeProtection": true}}),
            json!({"id": no_purge, "name": "kv-nopurge", "properties": {"enableSoftDelete": true, "enablePurgeProtection": false}}),
            json!({"id": unset, "name": "kv-unset", "properties": {"tenantId": TENANT}}),
            json!({"id": soft_off, "name": "kv-softoff", "properties": {"enableSoftDelete": false, "enablePurgeProtection": true}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &both,
            Status::Pass,
            "soft delete is on, purge protection is on",
        );
        assert_result(
            &f,
            &default_soft,
            Status::Pass,
            "enableSoftDelete not set, defaults to true",
        );
        assert_result(
            &f,
            &no_purge,
            Status::Fail,
            "purge protection is off (enablePurgeProtection false)",
        );
        assert_result(&f, &unset, Status::Fail, "enablePurgeProtection not set");
        assert_result(&f, &soft_off, Status::Fail, "soft delete is off");
    }

    #[test]
    fn malformed_vault_and_failed_list_are_errors() {
        let mut inv = with_second(inv());
        let bad = rid("rg", "Microsoft.KeyVault/vaults", "kv-bad");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": bad, "properties": {"enablePurgeProtection": "true"}}),
            json!({"name": "anon", "properties": {"enablePurgeProtection": "true"}}),
        ]));
        sub_n(&mut inv, 1).vaults = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.KeyVault/vaults",
        ));
        let f = run(&CHECK, &inv);
        assert_result(&f, &bad, Status::Error, "the key vault could not be parsed");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 1 of the key vaults list",
        );
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the key vaults list",
        );
        assert_eq!(f.len(), 3);
    }
}
