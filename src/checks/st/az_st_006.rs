//! AZ-ST-006: blob and container soft delete are enabled.

use super::*;
use crate::inventory::{lookup, RetentionPolicy, StorageService};

pub static CHECK: Check = Check {
    id: "AZ-ST-006",
    title: "Blob soft delete and container soft delete are enabled",
    family: Family::St,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "The blob service's `deleteRetentionPolicy.enabled` and `containerDeleteRetentionPolicy.enabled` are both true \
(blob soft delete and container soft delete); accounts without a blob service are not applicable.",
    rationale: "Destroying data is a common last step of an intrusion (T1485), and an attacker covering their tracks deletes \
the blobs or whole containers that held evidence. Soft delete keeps deleted blobs and containers recoverable for the retention \
period, so a responder can restore what was deleted and see what the attacker chose to destroy.",
    reads: "7, 8",
    parameters: &[],
    references: &[cis("4.10"), attack("T1485")],
    remediation: Remediation {
        portal: &[
            "Open the storage account > Data management > Data protection.",
            "Tick 'Enable soft delete for blobs' and 'Enable soft delete for containers', set the retention days (for example 30), then Save.",
        ],
        cli: "az storage account blob-service-properties update --account-name {name} --resource-group {resource_group} --subscription {subscription} \
--enable-delete-retention true --delete-retention-days 30 --enable-container-delete-retention true --container-delete-retention-days 30",
        bicep: r#"resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 30 }
    containerDeleteRetentionPolicy: { enabled: true, days: 30 }
  }
}"#,
    },
    evaluate,
};

fn describe(what: &str, p: Option<&RetentionPolicy>) -> (bool, String) {
    match p.and_then(|p| p.enabled) {
        Some(true) => {
            let days = p
                .and_then(|p| p.days)
                .map(|d| format!(", {d} days"))
                .unwrap_or_default();
            (true, format!("{what} enabled{days}"))
        }
        Some(false) => (false, format!("{what} disabled")),
        None => (false, format!("{what} not set")),
    }
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    // Whether a malformed account has a blob service cannot be known.
    out.each_item(
        ctx.inv,
        "storage accounts",
        "storage account",
        |s| &s.storage_accounts,
        |out, sub, a| {
            let name = a.display_name();
            if !a.present_services().contains(&StorageService::Blob) {
                let why = if a.props().primary_endpoints.is_some() {
                    "its primaryEndpoints name no blob service".to_string()
                } else {
                    format!("kind {}", a.kind.as_deref().unwrap_or("not set"))
                };
                out.not_applicable(
                    &a.id,
                    Some(&sub.id),
                    format!("account '{name}' has no blob service ({why})"),
                );
                return;
            }
            let blob = match lookup(
                &ctx.inv.reads.blob_services,
                &a.id,
                "blob service properties",
            ) {
                Ok(b) => b,
                Err(e) => {
                    out.read_error(
                        &a.id,
                        Some(&sub.id),
                        &format!("the blob service properties of account '{name}'"),
                        &e,
                    );
                    return;
                }
            };
            let p = blob.properties.clone().unwrap_or_default();
            let (blob_ok, blob_text) =
                describe("blob soft delete", p.delete_retention_policy.as_ref());
            let (cont_ok, cont_text) = describe(
                "container soft delete",
                p.container_delete_retention_policy.as_ref(),
            );
            let reason = format!("account '{name}': {blob_text}, {cont_text}");
            if blob_ok && cont_ok {
                out.pass(&a.id, Some(&sub.id), reason);
            } else {
                out.fail(&a.id, Some(&sub.id), reason);
            }
        },
    );
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::norm_id;
    use serde_json::json;

    fn set_blob(inv: &mut crate::inventory::Inventory, account: &str, props: serde_json::Value) {
        inv.reads.blob_services.insert(
            norm_id(account),
            Ok(parse(
                json!({"id": format!("{account}/blobServices/default"), "properties": props}),
            )),
        );
    }

    #[test]
    fn both_one_none_and_not_applicable() {
        let mut inv = inv();
        let ids: Vec<String> = [
            "stboth",
            "stblobonly",
            "stnone",
            "stfile",
            "stunread",
            "stfailed",
            "stbad",
        ]
        .iter()
        .map(|n| rid("rg", "Microsoft.Storage/storageAccounts", n))
        .collect();
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": ids[0], "name": "stboth", "kind": "StorageV2", "properties": {}}),
            json!({"id": ids[1], "name": "stblobonly", "kind": "BlobStorage", "properties": {}}),
            json!({"id": ids[2], "name": "stnone", "kind": "StorageV2", "properties": {}}),
            json!({"id": ids[3], "name": "stfile", "kind": "FileStorage", "properties": {}}),
            json!({"id": ids[4], "name": "stunread", "kind": "StorageV2", "properties": {}}),
            json!({"id": ids[5], "name": "stfailed", "kind": "StorageV2", "properties": {}}),
            json!({"id": ids[6], "name": "stbad", "kind": "StorageV2", "properties": {"primaryEndpoints": "blob"}}),
        ]));
        set_blob(
            &mut inv,
            &ids[0],
            json!({"deleteRetentionPolicy": {"enabled": true, "days": 7}, "containerDeleteRetentionPolicy": {"enabled": true, "days": 7}}),
        );
        set_blob(
            &mut inv,
            &ids[1],
            json!({"deleteRetentionPolicy": {"enabled": true, "days": 7}, "containerDeleteRetentionPolicy": {"enabled": false}}),
        );
        set_blob(&mut inv, &ids[2], json!({"cors": {"corsRules": []}}));
        inv.reads
            .blob_services
            .insert(norm_id(&ids[5]), Err(forbidden("x/blobServices/default")));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 7);
        assert_result(
            &f,
            &ids[0],
            Status::Pass,
            "blob soft delete enabled, 7 days, container soft delete enabled",
        );
        assert_result(&f, &ids[1], Status::Fail, "container soft delete disabled");
        assert_result(
            &f,
            &ids[2],
            Status::Fail,
            "blob soft delete not set, container soft delete not set",
        );
        assert_result(
            &f,
            &ids[3],
            Status::NotApplicable,
            "no blob service (kind FileStorage)",
        );
        assert_result(&f, &ids[4], Status::Error, "was not read");
        assert_result(&f, &ids[5], Status::Error, "AuthorizationFailed");
        assert_result(&f, &ids[6], Status::Error, "could not be parsed");
    }

    #[test]
    fn primary_endpoints_decide_presence_and_failed_list() {
        let mut inv = inv();
        let a = rid("rg", "Microsoft.Storage/storageAccounts", "stq");
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": a, "name": "stq", "kind": "StorageV2",
            "properties": {"primaryEndpoints": {"queue": "https://stq.queue.core.windows.net/"}}}),
        ]));
        assert_result(
            &run(&CHECK, &inv),
            &a,
            Status::NotApplicable,
            "no blob service",
        );
        sub(&mut inv).storage_accounts = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Storage/storageAccounts",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the storage accounts list",
        );
    }

    #[test]
    fn primary_endpoints_naming_no_service_is_not_applicable() {
        let mut inv = inv();
        sub(&mut inv).storage_accounts = Ok(listing(vec![json!({
            "id": SA, "name": "stlogs", "kind": "StorageV2",
            "properties": {"primaryEndpoints": {}}
        })]));
        assert_result(
            &run(&CHECK, &inv),
            SA,
            Status::NotApplicable,
            "its primaryEndpoints name no blob service",
        );
    }
}
