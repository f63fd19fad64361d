//! AZ-ST-001: storage services log reads, writes and deletes.

use super::support::require_categories;
use super::*;

const CATEGORIES: [&str; 3] = ["StorageRead", "StorageWrite", "StorageDelete"];

pub static CHECK: Check = Check {
    id: "AZ-ST-001",
    title: "Storage services log StorageRead, StorageWrite and StorageDelete",
    family: Family::St,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "Each present blob, file, queue and table service's diagnostic settings together enable StorageRead, StorageWrite \
and StorageDelete (a setting with a destination and an enabled entry naming the category, or the group allLogs; the group audit \
is not counted); one result per present service.",
    rationale: "Storage resource logs are the only record of who read, wrote or deleted which blob, file, queue message or table \
entity, from which IP address and with which key, SAS token or identity. Without them a responder cannot tell whether data was \
exfiltrated (T1530), which objects an attacker destroyed, or which leaked credential was used, and the storage account keeps no \
such history on its own.",
    reads: "7, 12",
    parameters: &[],
    references: &[cis("4.12"), cis("4.13"), cis("4.14"), attack("T1530")],
    remediation: Remediation {
        portal: &[
            "Open the storage account > Monitoring > Diagnostic settings.",
            "Select the service (blob, file, queue, table) and choose '+ Add diagnostic setting'.",
            "Tick StorageRead, StorageWrite and StorageDelete (or the group allLogs), choose a destination (Log Analytics workspace, and an archive storage account), then Save. Repeat for each service.",
        ],
        cli: "az monitor diagnostic-settings create --name storage-logs --resource {id} \
--workspace <log-analytics-workspace-id> \
--logs '[{\"category\":\"StorageRead\",\"enabled\":true},{\"category\":\"StorageWrite\",\"enabled\":true},{\"category\":\"StorageDelete\",\"enabled\":true}]'",
        bicep: r#"param workspaceId string
resource account 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' existing = {
  parent: account
  name: 'default'
}
resource blobLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'storage-logs'
  scope: blobService // likewise fileServices, queueServices and tableServices
  properties: {
    workspaceId: workspaceId
    logs: [for c in ['StorageRead', 'StorageWrite', 'StorageDelete']: {
      category: c
      enabled: true
    }]
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_list(ctx.inv, "storage accounts", |s| &s.storage_accounts, |out, sub, accounts| {
        // Which services a malformed account has cannot be known.
        for m in &accounts.malformed {
            if let Some(id) = &m.id {
                out.error(
                    id,
                    Some(&sub.id),
                    format!(
                        "the storage account could not be parsed, so its present services are unknown: {}",
                        m.error
                    ),
                );
            }
        }
        for a in &accounts.items {
            for svc in a.present_services() {
                let service_id = svc.service_id(&a.id);
                let label = format!("{} service of '{}'", svc.endpoint_key(), a.display_name());
                match ctx.inv.diagnostics_of(&service_id) {
                    Err(e) => {
                        out.read_error(
                            &service_id,
                            Some(&sub.id),
                            &format!("the diagnostic settings of the {label}"),
                            &e,
                        );
                    }
                    Ok(settings) => {
                        let v = require_categories(settings, &CATEGORIES, &[], false);
                        out.verdict(v.labelled(&label), &service_id, Some(&sub.id));
                    }
                }
            }
        }
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::{StorageService, STORAGE_SERVICES};
    use serde_json::json;

    fn account(name: &str, kind: &str) -> (String, serde_json::Value) {
        let id = rid("rg", "Microsoft.Storage/storageAccounts", name);
        let body = json!({"id": id, "name": name, "kind": kind, "properties": {}});
        (id, body)
    }

    const ALL: &[(Option<&str>, Option<&str>, bool)] = &[
        (Some("StorageRead"), None, true),
        (Some("StorageWrite"), None, true),
        (Some("StorageDelete"), None, true),
    ];

    #[test]
    fn one_result_per_present_service() {
        let mut inv = inv();
        let (v2, v2_body) = account("stv2", "StorageV2");
        let (blob_only, blob_body) = account("stblob", "BlockBlobStorage");
        // primaryEndpoints wins over kind: only blob and queue here.
        let eps = rid("rg", "Microsoft.Storage/storageAccounts", "steps");
        let eps_body = json!({"id": eps, "name": "steps", "kind": "StorageV2", "properties": {
            "primaryEndpoints": {"blob": "https://steps.blob.core.windows.net/", "queue": "https://steps.queue.core.windows.net/", "dfs": "x"}}});
        sub(&mut inv).storage_accounts = Ok(listing(vec![v2_body, blob_body, eps_body]));
        for svc in STORAGE_SERVICES {
            set_diagnostics(
                &mut inv,
                &svc.service_id(&v2),
                vec![diag("all", Some(WS), None, ALL)],
            );
        }
        // blob of stblob: categories spread over two settings (together).
        set_diagnostics(
            &mut inv,
            &StorageService::Blob.service_id(&blob_only),
            vec![
                diag("a", Some(WS), None, &[(Some("StorageRead"), None, true)]),
                diag(
                    "b",
                    None,
                    Some(SA),
                    &[
                        (Some("StorageWrite"), None, true),
                        (Some("StorageDelete"), None, true),
                    ],
                ),
            ],
        );
        set_diagnostics(
            &mut inv,
            &StorageService::Blob.service_id(&eps),
            vec![diag("g", Some(WS), None, &[(None, Some("allLogs"), true)])],
        );
        set_diagnostics(
            &mut inv,
            &StorageService::Queue.service_id(&eps),
            vec![diag(
                "partial",
                Some(WS),
                None,
                &[
                    (Some("StorageRead"), None, true),
                    (Some("StorageWrite"), None, true),
                ],
            )],
        );
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 4 + 1 + 2, "{f:#?}");
        for svc in STORAGE_SERVICES {
            assert_result(&f, &svc.service_id(&v2), Status::Pass, "service of 'stv2'");
        }
        assert_result(
            &f,
            &StorageService::Blob.service_id(&blob_only),
            Status::Pass,
            "settings 'a' and 'b'",
        );
        assert_result(
            &f,
            &StorageService::Blob.service_id(&eps),
            Status::Pass,
            "'g'",
        );
        assert_result(
            &f,
            &StorageService::Queue.service_id(&eps),
            Status::Fail,
            "queue service of 'steps': setting 'partial' does not enable StorageDelete",
        );
    }

    #[test]
    fn missing_settings_audit_group_and_no_destination_fail() {
        let mut inv = inv();
        let (a, body) = account("stfile", "FileStorage");
        sub(&mut inv).storage_accounts = Ok(listing(vec![body]));
        let file = StorageService::File.service_id(&a);
        set_diagnostics(&mut inv, &file, vec![]);
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &file,
            Status::Fail,
            "no diagnostic setting enables StorageRead",
        );

        set_diagnostics(
            &mut inv,
            &file,
            vec![diag(
                "audit",
                Some(WS),
                None,
                &[(None, Some("audit"), true)],
            )],
        );
        assert_result(
            &run(&CHECK, &inv),
            &file,
            Status::Fail,
            "'audit' was not counted",
        );

        set_diagnostics(&mut inv, &file, vec![diag("nowhere", Some(""), None, ALL)]);
        assert_result(
            &run(&CHECK, &inv),
            &file,
            Status::Fail,
            "'nowhere' (no destination)",
        );
    }

    #[test]
    fn failed_reads_and_malformed_items_are_errors() {
        let mut inv = inv();
        let (a, body) = account("stv2", "StorageV2");
        let bad = rid("rg", "Microsoft.Storage/storageAccounts", "stbad");
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            body,
            json!({"id": bad, "name": "stbad", "properties": {"allowBlobPublicAccess": "nope"}}),
            json!({"name": "noid", "properties": {}}),
        ]));
        let blob = StorageService::Blob.service_id(&a);
        let queue = StorageService::Queue.service_id(&a);
        let table = StorageService::Table.service_id(&a);
        set_diagnostics(&mut inv, &blob, vec![diag("all", Some(WS), None, ALL)]);
        fail_diagnostics(&mut inv, &queue);
        // table: one setting misses StorageDelete, another is malformed.
        inv.reads.diagnostic_settings.insert(
            crate::inventory::norm_id(&table),
            Ok(listing(vec![
                diag(
                    "rw",
                    Some(WS),
                    None,
                    &[
                        (Some("StorageRead"), None, true),
                        (Some("StorageWrite"), None, true),
                    ],
                ),
                json!({"name": "broken", "properties": {"logs": "oops"}}),
            ])),
        );
        // file: never read.
        let f = run(&CHECK, &inv);
        assert_result(&f, &blob, Status::Pass, "StorageRead");
        assert_result(&f, &queue, Status::Error, "AuthorizationFailed");
        assert_result(&f, &table, Status::Error, "could not be parsed");
        assert_result(
            &f,
            &StorageService::File.service_id(&a),
            Status::Error,
            "was not read",
        );
        assert_result(&f, &bad, Status::Error, "present services are unknown");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 2 of the storage accounts list",
        );
        assert_eq!(f.len(), 6);

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
}
