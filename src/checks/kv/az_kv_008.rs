//! AZ-KV-008: no Key Vault access policy grants purge.

use super::*;
use crate::inventory::AccessPolicy;

pub static CHECK: Check = Check {
    id: "AZ-KV-008",
    title: "No Key Vault access policy grants purge",
    family: Family::Kv,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "(Vaults using access policies: `enableRbacAuthorization` false or absent) no access policy grants `purge` \
or `all` on keys, secrets or certificates (compared case-insensitively). Vaults using Azure RBAC are not applicable.",
    rationale: "Purge is the permission that turns a recoverable deletion into a permanent one: an identity holding it \
can destroy keys (and with them every piece of data they encrypt) and secrets beyond recovery, and erase what an \
investigation would examine. Day-to-day workloads never need it; granting it (often through 'all') to applications or \
broad groups means a single stolen credential is enough for destruction.",
    reads: "6",
    parameters: &[],
    references: &[mcsb("PA-7")],
    remediation: Remediation {
        portal: &[
            "Open the key vault > Access policies.",
            "For each listed principal, Edit the policy and untick 'Purge' (and replace 'Select all' with the operations it needs) under Key, Secret and Certificate permissions, then Save.",
            "Better: switch the vault to Azure RBAC (AZ-KV-003) and grant purge to nobody by default.",
        ],
        cli: "az keyvault set-policy --name {name} --resource-group {resource_group} --subscription {subscription} --object-id <object-id> \
--key-permissions get list create update import delete backup restore recover --secret-permissions get list set delete backup restore recover \
--certificate-permissions get list create update import delete recover managecontacts getissuers listissuers",
        bicep: r#"resource policies 'Microsoft.KeyVault/vaults/accessPolicies@2024-11-01' = {
  name: '${vaultName}/replace'
  properties: {
    accessPolicies: [
      {
        tenantId: tenant().tenantId
        objectId: objectId
        permissions: {
          keys: [ 'get', 'list', 'create', 'update', 'import', 'delete', 'backup', 'restore', 'recover' ]
          secrets: [ 'get', 'list', 'set', 'delete', 'backup', 'restore', 'recover' ]
          certificates: [ 'get', 'list', 'create', 'update', 'import', 'delete', 'recover' ]
        }
      }
    ]
  }
}"#,
    },
    evaluate,
};

/// What a policy grants that allows purging: `keys: purge`, `secrets: all`, …
fn purge_grants(p: &AccessPolicy) -> Vec<String> {
    let Some(perms) = &p.permissions else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (kind, list) in [
        ("keys", &perms.keys),
        ("secrets", &perms.secrets),
        ("certificates", &perms.certificates),
    ] {
        let granted: Vec<&str> = list
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .map(String::as_str)
            .filter(|x| x.eq_ignore_ascii_case("purge") || x.eq_ignore_ascii_case("all"))
            .collect();
        if !granted.is_empty() {
            found.push(format!("{kind}: {}", granted.join("/")));
        }
    }
    found
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_item(
        ctx.inv,
        "key vaults",
        "key vault",
        |s| &s.vaults,
        |out, sub, v| {
            let name = v.display_name();
            if v.rbac_authorization() {
                out.not_applicable(
                    &v.id,
                    Some(&sub.id),
                    format!("vault '{name}' uses Azure RBAC (enableRbacAuthorization true); access policies are not used"),
                );
                return;
            }
            let policies = v.props().access_policies.clone().unwrap_or_default();
            let offenders: Vec<String> = policies
                .iter()
                .filter_map(|p| {
                    let grants = purge_grants(p);
                    (!grants.is_empty()).then(|| {
                        format!(
                            "objectId {} ({})",
                            p.object_id.as_deref().unwrap_or("(not set)"),
                            grants.join(", ")
                        )
                    })
                })
                .collect();
            if offenders.is_empty() {
                out.pass(
                    &v.id,
                    Some(&sub.id),
                    format!(
                        "vault '{name}' uses access policies; none of its {} access polic{} grants purge or all on keys, secrets or certificates",
                        policies.len(),
                        if policies.len() == 1 { "y" } else { "ies" }
                    ),
                );
            } else {
                out.fail(
                    &v.id,
                    Some(&sub.id),
                    format!(
                        "vault '{name}': {} access polic{} grant purge: {}",
                        offenders.len(),
                        if offenders.len() == 1 { "y" } else { "ies" },
                        offenders.join("; ")
                    ),
                );
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

    fn policy_body(
        object_id: &str,
        keys: &[&str],
        secrets: &[&str],
        certs: &[&str],
    ) -> serde_json::Value {
        json!({"tenantId": TENANT, "objectId": object_id,
               "permissions": {"keys": keys, "secrets": secrets, "certificates": certs, "storage": ["purge"]}})
    }

    #[test]
    fn purge_and_all_fail_naming_object_ids() {
        let mut inv = inv();
        let bad = rid("rg", "Microsoft.KeyVault/vaults", "kv-bad");
        let good = rid("rg", "Microsoft.KeyVault/vaults", "kv-good");
        let storage_only = rid("rg", "Microsoft.KeyVault/vaults", "kv-storage");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": bad, "name": "kv-bad", "properties": {"enableRbacAuthorization": false, "accessPolicies": [
                policy_body("obj-app", &["get", "Purge"], &["get"], &[]),
                policy_body("obj-reader", &["get", "list"], &["get"], &["get"]),
                policy_body("obj-admin", &[], &["ALL"], &["purge"]),
            ]}}),
            json!({"id": good, "name": "kv-good", "properties": {"accessPolicies": [
                policy_body("obj-reader", &["get", "list"], &["get", "list"], &["get"]),
            ]}}),
            // `storage` permissions are not keys, secrets or certificates.
            json!({"id": storage_only, "name": "kv-storage", "properties": {"accessPolicies": [
                policy_body("obj-sa", &[], &[], &[]),
            ]}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &bad,
            Status::Fail,
            "2 access policies grant purge: objectId obj-app (keys: Purge); objectId obj-admin (secrets: ALL, certificates: purge)",
        );
        assert!(!result(&f, &bad, None).reason.contains("obj-reader"));
        assert_result(
            &f,
            &good,
            Status::Pass,
            "none of its 1 access policy grants purge",
        );
        assert_result(&f, &storage_only, Status::Pass, "uses access policies");
    }

    #[test]
    fn rbac_vaults_are_not_applicable_even_with_leftover_policies() {
        let mut inv = inv();
        let rbac = rid("rg", "Microsoft.KeyVault/vaults", "kv-rbac");
        let none = rid("rg", "Microsoft.KeyVault/vaults", "kv-none");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": rbac, "name": "kv-rbac", "properties": {"enableRbacAuthorization": true, "accessPolicies": [
                policy_body("obj-old", &["purge"], &[], &[]),
            ]}}),
            json!({"id": none, "name": "kv-none", "properties": {}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(&f, &rbac, Status::NotApplicable, "uses Azure RBAC");
        // absent enableRbacAuthorization = access policies; no policy grants purge.
        assert_result(&f, &none, Status::Pass, "none of its 0 access policies");
    }

    #[test]
    fn upstream_example_vault_fails() {
        let body: serde_json::Value =
            serde_json::from_str(arm_example!("keyvault/getVault.json")).expect("example parses");
        let vault = body["responses"]["200"]["body"].clone();
        let id = vault["id"].as_str().unwrap_or_default().to_string();
        let mut inv = inv();
        sub(&mut inv).vaults = Ok(listing(vec![vault]));
        assert_result(
            &run(&CHECK, &inv),
            &id,
            Status::Fail,
            "objectId 00000000-0000-0000-0000-000000000000 (keys: purge, secrets: purge, certificates: purge)",
        );
    }

    #[test]
    fn malformed_vault_and_failed_list_are_errors() {
        let mut inv = with_second(inv());
        let bad = rid("rg", "Microsoft.KeyVault/vaults", "kv-bad");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": bad, "properties": {"accessPolicies": [{"objectId": "x", "permissions": {"keys": "all"}}]}}),
        ]));
        sub_n(&mut inv, 1).vaults = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.KeyVault/vaults",
        ));
        let f = run(&CHECK, &inv);
        assert_result(&f, &bad, Status::Error, "could not be parsed");
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the key vaults list",
        );
        assert_eq!(f.len(), 2);
    }
}
