//! AZ-MON-004: every log-capable resource sends its resource logs somewhere.

use super::support::{log_targets, require_any_category};
use super::*;

pub static CHECK: Check = Check {
    id: "AZ-MON-004",
    title: "Log-capable resources have a diagnostic setting enabling resource logs",
    family: Family::Mon,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "Each log-capable resource has a diagnostic setting with a destination enabling at least one log category or \
category group; a storage account is assessed per present service (blob, file, queue, table), one result per service (an \
account whose primaryEndpoints names no service has none). When the storage accounts list cannot be read, one error on the \
subscription stands for its storage accounts.",
    rationale: "Resource logs are the data-plane record: who read which secret, which blob was downloaded, which firewall rule \
let traffic through. Azure does not keep them at all unless a diagnostic setting sends them somewhere, so a resource without \
one leaves no evidence of what was done to it or through it, and the gap cannot be filled after the incident.",
    reads: "4, 7, 12",
    parameters: &[],
    references: &[cis("6.4"), mcsb("LT-3"), policy("187242f4")],
    remediation: Remediation {
        portal: &[
            "Open the resource (for a storage account: the account, then Monitoring > Diagnostic settings, and pick blob, file, queue or table).",
            "Select Diagnostic settings > Add diagnostic setting.",
            "Tick the category group 'allLogs' (or 'audit' at least), choose 'Send to Log Analytics workspace' and/or 'Archive to a storage account', then Save.",
        ],
        cli: "az monitor diagnostic-settings create --name resource-logs --resource {id} \
--workspace <log-analytics-workspace-id> --logs '[{\"categoryGroup\":\"allLogs\",\"enabled\":true}]'",
        bicep: r#"param workspaceId string
param vaultName string
resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: vaultName
}
resource resourceLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'resource-logs'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [
      { categoryGroup: 'allLogs', enabled: true }
    ]
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_list(
        ctx.inv,
        "resources",
        |s| &s.resources,
        |out, sub, resources| {
            for t in log_targets(ctx.inv, sub, resources, |_| true) {
                match t.settings {
                    Err(reason) => {
                        out.error(&t.id, Some(&sub.id), format!("{}: {reason}", t.label));
                    }
                    Ok(settings) => {
                        out.verdict(
                            require_any_category(settings).labelled(&t.label),
                            &t.id,
                            Some(&sub.id),
                        );
                    }
                }
            }
        },
    );
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::StorageService;
    use serde_json::{json, Value};

    fn all_logs(name: &str) -> Value {
        diag(name, Some(WS), None, &[(None, Some("allLogs"), true)])
    }

    #[test]
    fn log_capable_resources_pass_fail_and_others_are_out_of_scope() {
        let mut inv = inv();
        let kv = rid("rg", "Microsoft.KeyVault/vaults", "kv1");
        let nsg = rid("rg", "Microsoft.Network/networkSecurityGroups", "nsg1");
        let fw = rid("rg", "Microsoft.Network/azureFirewalls", "fw1");
        let vm = rid("rg", "Microsoft.Compute/virtualMachines", "vm1");
        sub(&mut inv).resources = Ok(listing(vec![
            resource_body(&kv, "Microsoft.KeyVault/vaults"),
            resource_body(&nsg, "microsoft.network/networksecuritygroups"),
            resource_body(&fw, "Microsoft.Network/azureFirewalls"),
            resource_body(&vm, "Microsoft.Compute/virtualMachines"),
        ]));
        set_diagnostics(&mut inv, &kv, vec![all_logs("kv-to-law")]);
        set_diagnostics(&mut inv, &nsg, vec![]);
        set_diagnostics(
            &mut inv,
            &fw,
            vec![diag(
                "fw-metrics",
                Some(WS),
                None,
                &[(Some("AzureFirewallApplicationRule"), None, false)],
            )],
        );
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 3, "the VM is not log-capable: {f:#?}");
        assert_result(&f, &kv, Status::Pass, "'kv1' (Microsoft.KeyVault/vaults): setting 'kv-to-law' sends group allLogs to Log Analytics");
        assert_result(
            &f,
            &nsg,
            Status::Fail,
            "'nsg1' (microsoft.network/networksecuritygroups): no diagnostic setting",
        );
        assert_result(
            &f,
            &fw,
            Status::Fail,
            "setting 'fw-metrics' enables no log category",
        );
    }

    #[test]
    fn setting_without_destination_fails() {
        let mut inv = inv();
        let kv = rid("rg", "Microsoft.KeyVault/vaults", "kv1");
        sub(&mut inv).resources = Ok(listing(vec![resource_body(
            &kv,
            "Microsoft.KeyVault/vaults",
        )]));
        set_diagnostics(
            &mut inv,
            &kv,
            vec![diag(
                "blank",
                Some(""),
                None,
                &[(Some("AuditEvent"), None, true)],
            )],
        );
        assert_result(
            &run(&CHECK, &inv),
            &kv,
            Status::Fail,
            "'blank' (no destination)",
        );
    }

    #[test]
    fn failed_or_missing_settings_read_is_an_error_for_that_resource_only() {
        let mut inv = inv();
        let kv = rid("rg", "Microsoft.KeyVault/vaults", "kv1");
        let web = rid("rg", "Microsoft.Web/sites", "app1");
        let ok = rid("rg", "Microsoft.Logic/workflows", "wf1");
        sub(&mut inv).resources = Ok(listing(vec![
            resource_body(&kv, "Microsoft.KeyVault/vaults"),
            resource_body(&web, "Microsoft.Web/sites"),
            resource_body(&ok, "Microsoft.Logic/workflows"),
        ]));
        fail_diagnostics(&mut inv, &kv);
        set_diagnostics(&mut inv, &ok, vec![all_logs("wf")]);
        let f = run(&CHECK, &inv);
        assert_result(&f, &kv, Status::Error, "AuthorizationFailed");
        assert_result(&f, &web, Status::Error, "was not read");
        assert_result(&f, &ok, Status::Pass, "'wf'");
    }

    #[test]
    fn malformed_setting_makes_a_fail_an_error() {
        let mut inv = inv();
        let kv = rid("rg", "Microsoft.KeyVault/vaults", "kv1");
        sub(&mut inv).resources = Ok(listing(vec![resource_body(
            &kv,
            "Microsoft.KeyVault/vaults",
        )]));
        set_diagnostics(
            &mut inv,
            &kv,
            vec![
                json!({"id": format!("{kv}/providers/microsoft.insights/diagnosticSettings/x"), "name": "x", "properties": {"logs": {"a": 1}}}),
            ],
        );
        assert_result(
            &run(&CHECK, &inv),
            &kv,
            Status::Error,
            "could not be parsed",
        );
    }

    #[test]
    fn storage_account_is_assessed_per_present_service() {
        let mut inv = inv();
        sub(&mut inv).resources = Ok(listing(vec![resource_body(
            SA,
            "Microsoft.Storage/storageAccounts",
        )]));
        sub(&mut inv).storage_accounts = Ok(listing(vec![json!({
            "id": SA, "name": "stlogs", "kind": "StorageV2",
            "properties": {"primaryEndpoints": {"blob": "https://stlogs.blob.core.windows.net/", "queue": "https://stlogs.queue.core.windows.net/"}}
        })]));
        let blob = StorageService::Blob.service_id(SA);
        let queue = StorageService::Queue.service_id(SA);
        set_diagnostics(&mut inv, &blob, vec![all_logs("blob-logs")]);
        set_diagnostics(&mut inv, &queue, vec![]);
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 2, "file and table are not present: {f:#?}");
        assert_result(
            &f,
            &blob,
            Status::Pass,
            "blob service of 'stlogs': setting 'blob-logs'",
        );
        assert_result(
            &f,
            &queue,
            Status::Fail,
            "queue service of 'stlogs': no diagnostic setting",
        );
        assert!(f
            .iter()
            .all(|x| !crate::inventory::same_id(&x.resource_id, SA)));
    }

    #[test]
    fn storage_services_by_kind_when_no_endpoints_and_service_read_failure() {
        let mut inv = inv();
        let blob_only = rid("rg", "Microsoft.Storage/storageAccounts", "stblob");
        let v2 = rid("rg", "Microsoft.Storage/storageAccounts", "stv2");
        sub(&mut inv).resources = Ok(listing(vec![
            resource_body(&blob_only, "Microsoft.Storage/storageAccounts"),
            resource_body(&v2, "Microsoft.Storage/storageAccounts"),
        ]));
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": blob_only, "name": "stblob", "kind": "BlockBlobStorage", "properties": {}}),
            json!({"id": v2, "name": "stv2", "kind": "StorageV2"}),
        ]));
        set_diagnostics(
            &mut inv,
            &StorageService::Blob.service_id(&blob_only),
            vec![all_logs("b")],
        );
        for svc in crate::inventory::STORAGE_SERVICES {
            set_diagnostics(&mut inv, &svc.service_id(&v2), vec![all_logs("v2")]);
        }
        fail_diagnostics(&mut inv, &StorageService::Table.service_id(&v2));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 5, "{f:#?}");
        assert_result(
            &f,
            &StorageService::Blob.service_id(&blob_only),
            Status::Pass,
            "blob service of 'stblob'",
        );
        assert_result(
            &f,
            &StorageService::File.service_id(&v2),
            Status::Pass,
            "file service of 'stv2'",
        );
        assert_result(
            &f,
            &StorageService::Table.service_id(&v2),
            Status::Error,
            "table service of 'stv2': could not read diagnostic settings",
        );
    }

    #[test]
    fn storage_account_whose_services_are_unknown_is_an_error_on_the_account() {
        let mut inv = inv();
        let missing = rid("rg", "Microsoft.Storage/storageAccounts", "stmissing");
        let bad = rid("rg", "Microsoft.Storage/storageAccounts", "stbad");
        let odd = rid("rg", "Microsoft.Storage/storageAccounts", "stodd");
        sub(&mut inv).resources = Ok(listing(vec![
            resource_body(&missing, "Microsoft.Storage/storageAccounts"),
            resource_body(&bad, "Microsoft.Storage/storageAccounts"),
            resource_body(&odd, "Microsoft.Storage/storageAccounts"),
        ]));
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": bad, "name": "stbad", "kind": "StorageV2", "properties": {"primaryEndpoints": "blob"}}),
            json!({"id": odd, "name": "stodd", "kind": "SomethingNew"}),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 3, "{f:#?}");
        assert_result(
            &f,
            &missing,
            Status::Error,
            "missing from the storage accounts list",
        );
        assert_result(&f, &bad, Status::Error, "could not be parsed");
        assert_result(
            &f,
            &odd,
            Status::Error,
            "kind 'SomethingNew' names no service",
        );
    }

    /// Baseline "Storage list": one error on the subscription, not one per
    /// account; the other resources are assessed as usual.
    #[test]
    fn failed_storage_list_is_one_error_on_the_subscription() {
        let mut inv = inv();
        let a = rid("rg", "Microsoft.Storage/storageAccounts", "sta");
        let b = rid("rg", "Microsoft.Storage/storageAccounts", "stb");
        let kv = rid("rg", "Microsoft.KeyVault/vaults", "kv1");
        sub(&mut inv).resources = Ok(listing(vec![
            resource_body(&a, "Microsoft.Storage/storageAccounts"),
            resource_body(&kv, "Microsoft.KeyVault/vaults"),
            resource_body(&b, "Microsoft.Storage/storageAccounts"),
        ]));
        set_diagnostics(&mut inv, &kv, vec![]);
        sub(&mut inv).storage_accounts = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Storage/storageAccounts",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the storage accounts list",
        );
        assert_result(&f, &kv, Status::Fail, "no diagnostic setting");
    }

    #[test]
    fn primary_endpoints_naming_no_service_give_no_result() {
        let mut inv = inv();
        sub(&mut inv).resources = Ok(listing(vec![resource_body(
            SA,
            "Microsoft.Storage/storageAccounts",
        )]));
        sub(&mut inv).storage_accounts = Ok(listing(vec![json!({
            "id": SA, "name": "stlogs", "kind": "StorageV2",
            "properties": {"primaryEndpoints": {"web": "https://stlogs.z6.web.core.windows.net/"}}
        })]));
        assert_eq!(run(&CHECK, &inv), vec![]);
    }

    #[test]
    fn failed_resources_list_is_one_error_on_the_subscription() {
        let mut inv = with_second(inv());
        sub(&mut inv).resources = Err(forbidden("/subscriptions/x/resources"));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1, "SUB2 has no resources, so no results: {f:#?}");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the resources list",
        );
    }

    #[test]
    fn malformed_resource_is_assessed_by_the_type_its_id_names() {
        let mut inv = inv();
        let kv = rid("rg", "Microsoft.KeyVault/vaults", "kvodd");
        let vm = rid("rg", "Microsoft.Compute/virtualMachines", "vmodd");
        sub(&mut inv).resources = Ok(listing(vec![
            json!({"id": kv, "name": 12, "type": "Microsoft.KeyVault/vaults"}),
            json!({"id": vm, "name": 13}),
            json!({"name": "no-id", "type": "Microsoft.KeyVault/vaults"}),
        ]));
        set_diagnostics(&mut inv, &kv, vec![]);
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert_result(
            &f,
            &kv,
            Status::Fail,
            "'kvodd' (Microsoft.KeyVault/vaults): no diagnostic setting",
        );
        assert_result(&f, &sub_id(), Status::Error, "item 2 of the resources list");
    }
}
