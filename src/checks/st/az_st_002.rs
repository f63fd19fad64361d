//! AZ-ST-002: anonymous blob access is disallowed.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-ST-002",
    title: "Storage account disallows anonymous blob access",
    family: Family::St,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "`allowBlobPublicAccess` is false. An absent `allowBlobPublicAccess` is not assumed false (accounts created \
before November 2023 that never set it allow anonymous access) and fails with the reason \"not set\".",
    rationale: "A container opened to anonymous access can be read by anyone with its URL, and anonymous reads carry no \
identity: the logs show an IP address and nothing else, so a responder cannot attribute the access or revoke a credential to \
stop it. Anonymous access is a common cause of data exposure (T1530); disallowing it at the account makes every read an \
authenticated, attributable one.",
    reads: "7",
    parameters: &[],
    references: &[cis("4.17"), policy("4fa4b6c0"), attack("T1530")],
    remediation: Remediation {
        portal: &[
            "Open the storage account > Settings > Configuration.",
            "Set 'Allow Blob anonymous access' to Disabled, then Save.",
        ],
        cli: "az storage account update --name {name} --resource-group {resource_group} --subscription {subscription} --allow-blob-public-access false",
        bicep: r#"resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowBlobPublicAccess: false
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
            match a.allow_blob_public_access() {
                Some(false) => out.pass(
                    &a.id,
                    Some(&sub.id),
                    format!("account '{name}' disallows anonymous blob access (allowBlobPublicAccess is false)"),
                ),
                Some(true) => out.fail(
                    &a.id,
                    Some(&sub.id),
                    format!("account '{name}' allows anonymous blob access (allowBlobPublicAccess is true)"),
                ),
                None => out.fail(
                    &a.id,
                    Some(&sub.id),
                    format!("account '{name}': allowBlobPublicAccess not set (not assumed false: accounts that never set it allow anonymous access)"),
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
    fn false_true_absent_and_malformed() {
        let mut inv = inv();
        let off = rid("rg", "Microsoft.Storage/storageAccounts", "stoff");
        let on = rid("rg", "Microsoft.Storage/storageAccounts", "ston");
        let unset = rid("rg", "Microsoft.Storage/storageAccounts", "stunset");
        let bad = rid("rg", "Microsoft.Storage/storageAccounts", "stbad");
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": off, "name": "stoff", "kind": "StorageV2", "properties": {"allowBlobPublicAccess": false}}),
            json!({"id": on, "name": "ston", "kind": "StorageV2", "properties": {"allowBlobPublicAccess": true}}),
            json!({"id": unset, "name": "stunset", "kind": "Storage", "properties": {"supportsHttpsTrafficOnly": true}}),
            json!({"id": bad, "name": "stbad", "properties": {"allowBlobPublicAccess": "false"}}),
            json!({"name": "noid", "properties": {}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 5);
        assert_result(&f, &off, Status::Pass, "allowBlobPublicAccess is false");
        assert_result(&f, &on, Status::Fail, "'ston' allows anonymous blob access");
        assert_result(&f, &unset, Status::Fail, "not set");
        assert_result(&f, &bad, Status::Error, "could not be parsed");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 4 of the storage accounts list",
        );
    }

    #[test]
    fn failed_list_is_one_error() {
        let mut inv = with_second(inv());
        sub(&mut inv).storage_accounts = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Storage/storageAccounts",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(&f, &sub_id(), Status::Error, "AuthorizationFailed");
    }
}
