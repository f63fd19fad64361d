//! AZ-ST-004: shared key access is disabled.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-ST-004",
    title: "Storage account disallows shared key access",
    family: Family::St,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "`allowSharedKeyAccess` is false (absent counts as true).",
    rationale: "Account keys and the SAS tokens signed with them grant full access with no identity attached: the logs show \
only that a key was used, not who held it, and a leaked key (T1552) keeps working until it is rotated. With shared key access \
disabled every request is authorized by Entra ID, so each access names a user or workload identity that a responder can trace, \
disable and review in the sign-in logs.",
    reads: "7",
    parameters: &[],
    references: &[policy("8c6a50c6"), attack("T1552")],
    remediation: Remediation {
        portal: &[
            "Move every client to Entra ID authorization (data roles such as Storage Blob Data Contributor) first.",
            "Open the storage account > Settings > Configuration.",
            "Set 'Allow storage account key access' to Disabled, then Save.",
        ],
        cli: "az storage account update --name {name} --resource-group {resource_group} --subscription {subscription} --allow-shared-key-access false",
        bicep: r#"resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_item(
        ctx.inv,
        "storage accounts",
        "storage account",
        |s| &s.storage_accounts,
        |out, sub, a| {
            let name = a.display_name();
            match a.props().allow_shared_key_access {
                Some(false) => out.pass(
                    &a.id,
                    Some(&sub.id),
                    format!("account '{name}' disallows shared key access (allowSharedKeyAccess is false)"),
                ),
                Some(true) => out.fail(
                    &a.id,
                    Some(&sub.id),
                    format!("account '{name}' allows shared key access (allowSharedKeyAccess is true)"),
                ),
                None => out.fail(
                    &a.id,
                    Some(&sub.id),
                    format!("account '{name}' allows shared key access (allowSharedKeyAccess not set, defaults to true)"),
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
    fn false_true_default_and_malformed() {
        let mut inv = inv();
        let ids: Vec<String> = ["stoff", "ston", "stunset", "stbad"]
            .iter()
            .map(|n| rid("rg", "Microsoft.Storage/storageAccounts", n))
            .collect();
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": ids[0], "name": "stoff", "properties": {"allowSharedKeyAccess": false}}),
            json!({"id": ids[1], "name": "ston", "properties": {"allowSharedKeyAccess": true}}),
            json!({"id": ids[2], "name": "stunset", "properties": {}}),
            json!({"id": ids[3], "name": "stbad", "properties": {"allowSharedKeyAccess": 0}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 4);
        assert_result(&f, &ids[0], Status::Pass, "allowSharedKeyAccess is false");
        assert_result(&f, &ids[1], Status::Fail, "allowSharedKeyAccess is true");
        assert_result(&f, &ids[2], Status::Fail, "not set, defaults to true");
        assert_result(&f, &ids[3], Status::Error, "could not be parsed");
    }

    #[test]
    fn failed_list_is_one_error_per_subscription() {
        let mut inv = with_second(inv());
        sub_n(&mut inv, 1).storage_accounts = Err(forbidden(
            "/subscriptions/y/providers/Microsoft.Storage/storageAccounts",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the storage accounts list",
        );
    }
}
