//! AZ-KV-003: Key Vault uses Azure RBAC for data-plane access.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-KV-003",
    title: "Key Vault uses the Azure RBAC permission model",
    family: Family::Kv,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "`enableRbacAuthorization` is true (absent counts as false: vaults created with access policies keep them).",
    rationale: "With access policies, anyone holding Contributor on the vault can grant themselves access to every secret, and \
the grant is a property change rather than a role assignment: it leaves no trace in Entra ID or the role assignment history a \
responder reviews. Azure RBAC makes every data-plane grant a role assignment, visible, reviewable and alertable, and lets \
Privileged Identity Management make it time-bound.",
    reads: "6",
    parameters: &[],
    references: &[cis("3.3.6"), policy("12d4fa5e"), mcsb("PA-7")],
    remediation: Remediation {
        portal: &[
            "Before switching, grant the needed Key Vault data roles (Key Vault Secrets User, Crypto User, …) to every identity that has an access policy.",
            "Open the key vault > Settings > Access configuration.",
            "Select 'Azure role-based access control' as the permission model and Apply.",
        ],
        cli: "az keyvault update --name {name} --resource-group {resource_group} --subscription {subscription} --enable-rbac-authorization true",
        bicep: r#"resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: vaultName
  location: location
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
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
            match v.props().enable_rbac_authorization {
                Some(true) => out.pass(&v.id, Some(&sub.id), format!("vault '{}' uses Azure RBAC", v.display_name())),
                Some(false) => out.fail(
                    &v.id,
                    Some(&sub.id),
                    format!("vault '{}' uses access policies (enableRbacAuthorization is false)", v.display_name()),
                ),
                None => out.fail(
                    &v.id,
                    Some(&sub.id),
                    format!("vault '{}' uses access policies (enableRbacAuthorization not set, defaults to false)", v.display_name()),
                ),
            };
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
    fn rbac_access_policies_default_and_malformed() {
        let mut inv = inv();
        let rbac = rid("rg", "Microsoft.KeyVault/vaults", "kv-rbac");
        let ap = rid("rg", "Microsoft.KeyVault/vaults", "kv-ap");
        let unset = rid("rg", "Microsoft.KeyVault/vaults", "kv-unset");
        let bad = rid("rg", "Microsoft.KeyVault/vaults", "kv-bad");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": rbac, "name": "kv-rbac", "properties": {"enableRbacAuthorization": true}}),
            json!({"id": ap, "name": "kv-ap", "properties": {"enableRbacAuthorization": false}}),
            json!({"id": unset, "name": "kv-unset", "properties": {"tenantId": TENANT}}),
            json!({"id": bad, "name": "kv-bad", "properties": {"enableRbacAuthorization": "yes please"}}),
            json!({"name": "no-id", "properties": {}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(&f, &rbac, Status::Pass, "uses Azure RBAC");
        assert_result(&f, &ap, Status::Fail, "enableRbacAuthorization is false");
        assert_result(&f, &unset, Status::Fail, "not set");
        assert_result(&f, &bad, Status::Error, "could not be parsed");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 4 of the key vaults list",
        );
    }

    #[test]
    fn failed_list_is_one_error_on_the_subscription() {
        let mut inv = inv();
        sub(&mut inv).vaults = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.KeyVault/vaults",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the key vaults list",
        );
    }
}
