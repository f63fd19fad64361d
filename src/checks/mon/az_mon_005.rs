//! AZ-MON-005: resource logs sent to Log Analytics use resource-specific tables.

use super::support::{log_targets, setting_word};
use super::*;
use crate::inventory::{eq_ci, DiagnosticSetting};

pub static CHECK: Check = Check {
    id: "AZ-MON-005",
    title: "Resource logs sent to Log Analytics use resource-specific tables",
    family: Family::Mon,
    severity: Severity::Low,
    scope: Scope::Resource,
    condition: "For resources whose type is in `dedicated_table_types`: each diagnostic setting that sends resource logs to \
Log Analytics (a non-empty `workspaceId` and an enabled log category or group) has `logAnalyticsDestinationType` Dedicated \
(resource-specific tables); absent means the shared AzureDiagnostics table. A resource with no such setting is not_applicable; \
other resources are not in scope.",
    rationale: "In the shared AzureDiagnostics table every resource type's fields are squeezed into one schema with a 500-column \
limit: columns beyond it are silently dropped into AdditionalFields, queries must know each type's column suffixes, and \
per-table retention cannot keep Key Vault or firewall evidence longer than noise. Resource-specific tables (AZKVAuditLogs, \
AZFW*, AKS tables) keep every field typed, queryable by Sentinel content, and retainable on their own.",
    reads: "4, 7, 12",
    parameters: &[Param::DedicatedTableTypes],
    references: &[baseline_ref("resource-specific preferred")],
    remediation: Remediation {
        portal: &[
            "Open the resource > Monitoring > Diagnostic settings, and Edit the setting that sends logs to a Log Analytics workspace.",
            "Under 'Send to Log Analytics workspace', set 'Destination table' to 'Resource specific'.",
            "Save, and update saved queries and workbooks that read AzureDiagnostics for this resource type.",
        ],
        cli: "az monitor diagnostic-settings create --name resource-logs --resource {id} \
--workspace <log-analytics-workspace-id> --export-to-resource-specific true \
--logs '[{\"categoryGroup\":\"allLogs\",\"enabled\":true}]'",
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
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      { categoryGroup: 'allLogs', enabled: true }
    ]
  }
}"#,
    },
    evaluate,
};

/// A setting "sends resource logs to Log Analytics": a non-empty
/// `workspaceId` and at least one enabled log category or group.
fn sends_logs_to_law(s: &DiagnosticSetting) -> bool {
    s.workspace_id().is_some() && s.enables_any()
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    let types = &ctx.params.dedicated_table_types;
    let in_scope = |ty: &str| types.iter().any(|t| t.eq_ignore_ascii_case(ty));
    out.each_list(ctx.inv, "resources", |s| &s.resources, |out, sub, resources| {
        for t in log_targets(ctx.inv, sub, resources, in_scope) {
            let sub_id = Some(sub.id.as_str());
            let settings = match t.settings {
                Err(reason) => {
                    out.error(&t.id, sub_id, format!("{}: {reason}", t.label));
                    continue;
                }
                Ok(s) => s,
            };
            let to_law: Vec<&DiagnosticSetting> = settings
                .items
                .iter()
                .filter(|s| sends_logs_to_law(s))
                .collect();
            let shared: Vec<String> = to_law
                .iter()
                .filter_map(|s| {
                    let ty = s.props().log_analytics_destination_type.as_deref();
                    if eq_ci(ty, "Dedicated") {
                        return None;
                    }
                    Some(match ty {
                        Some(ty) if !ty.trim().is_empty() => {
                            format!("'{}' uses {ty}", s.display_name())
                        }
                        _ => format!(
                            "'{}' has no logAnalyticsDestinationType (AzureDiagnostics table)",
                            s.display_name()
                        ),
                    })
                })
                .collect();
            if !shared.is_empty() {
                out.fail(
                    &t.id,
                    sub_id,
                    format!(
                        "{}: resource logs go to the shared AzureDiagnostics table: setting {}",
                        t.label,
                        shared.join("; setting ")
                    ),
                );
            } else if let Some(m) = settings.malformed.first() {
                out.error(
                    &t.id,
                    sub_id,
                    format!(
                        "{}: {} setting(s) could not be parsed, so their destination table is unknown: {}",
                        t.label,
                        settings.malformed.len(),
                        m.error
                    ),
                );
            } else if to_law.is_empty() {
                out.not_applicable(
                    &t.id,
                    sub_id,
                    format!(
                        "{}: no diagnostic setting sends resource logs to Log Analytics",
                        t.label
                    ),
                );
            } else {
                out.pass(
                    &t.id,
                    sub_id,
                    format!(
                        "{}: {} send{} resource logs to resource-specific tables (Dedicated)",
                        t.label,
                        setting_word(&to_law),
                        if to_law.len() == 1 { "s" } else { "" }
                    ),
                );
            }
        }
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::checks::Params;
    use crate::inventory::StorageService;
    use serde_json::{json, Value};

    fn law(name: &str, dest: Option<&str>) -> Value {
        let mut v = diag(name, Some(WS), None, &[(None, Some("allLogs"), true)]);
        if let Some(d) = dest {
            v["properties"]["logAnalyticsDestinationType"] = json!(d);
        }
        v
    }

    #[test]
    fn dedicated_passes_shared_fails_and_other_types_are_out_of_scope() {
        let mut inv = inv();
        let kv = rid("rg", "Microsoft.KeyVault/vaults", "kv1");
        let fw = rid("rg", "Microsoft.Network/azureFirewalls", "fw1");
        let aks = rid("rg", "Microsoft.ContainerService/managedClusters", "aks1");
        let nsg = rid("rg", "Microsoft.Network/networkSecurityGroups", "nsg1");
        sub(&mut inv).resources = Ok(listing(vec![
            resource_body(&kv, "Microsoft.KeyVault/vaults"),
            resource_body(&fw, "Microsoft.Network/azureFirewalls"),
            resource_body(&aks, "microsoft.containerservice/managedclusters"),
            resource_body(&nsg, "Microsoft.Network/networkSecurityGroups"),
        ]));
        set_diagnostics(&mut inv, &kv, vec![law("kv-law", Some("dedicated"))]);
        set_diagnostics(&mut inv, &fw, vec![law("fw-law", Some("AzureDiagnostics"))]);
        set_diagnostics(
            &mut inv,
            &aks,
            vec![law("aks-ok", Some("Dedicated")), law("aks-old", None)],
        );
        set_diagnostics(&mut inv, &nsg, vec![law("nsg-law", None)]);
        let f = run(&CHECK, &inv);
        assert_eq!(
            f.len(),
            3,
            "the NSG type is not in dedicated_table_types: {f:#?}"
        );
        assert_result(&f, &kv, Status::Pass, "'kv1' (Microsoft.KeyVault/vaults): setting 'kv-law' sends resource logs to resource-specific tables");
        assert_result(
            &f,
            &fw,
            Status::Fail,
            "setting 'fw-law' uses AzureDiagnostics",
        );
        assert_result(
            &f,
            &aks,
            Status::Fail,
            "'aks-old' has no logAnalyticsDestinationType",
        );
    }

    #[test]
    fn no_setting_to_log_analytics_is_not_applicable() {
        let mut inv = inv();
        let kv = rid("rg", "Microsoft.KeyVault/vaults", "kv1");
        let kv2 = rid("rg", "Microsoft.KeyVault/vaults", "kv2");
        sub(&mut inv).resources = Ok(listing(vec![
            resource_body(&kv, "Microsoft.KeyVault/vaults"),
            resource_body(&kv2, "Microsoft.KeyVault/vaults"),
        ]));
        // Storage only, and a workspace setting that sends no logs (only a disabled entry).
        set_diagnostics(
            &mut inv,
            &kv,
            vec![
                diag(
                    "archive",
                    None,
                    Some(SA),
                    &[(Some("AuditEvent"), None, true)],
                ),
                diag(
                    "law-off",
                    Some(WS),
                    None,
                    &[(Some("AuditEvent"), None, false)],
                ),
            ],
        );
        set_diagnostics(&mut inv, &kv2, vec![]);
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &kv,
            Status::NotApplicable,
            "no diagnostic setting sends resource logs to Log Analytics",
        );
        assert_result(&f, &kv2, Status::NotApplicable, "'kv2'");
    }

    #[test]
    fn failed_read_and_malformed_setting_are_errors_but_a_shared_setting_still_fails() {
        let mut inv = inv();
        let kv = rid("rg", "Microsoft.KeyVault/vaults", "kv1");
        let kv2 = rid("rg", "Microsoft.KeyVault/vaults", "kv2");
        let kv3 = rid("rg", "Microsoft.KeyVault/vaults", "kv3");
        sub(&mut inv).resources = Ok(listing(vec![
            resource_body(&kv, "Microsoft.KeyVault/vaults"),
            resource_body(&kv2, "Microsoft.KeyVault/vaults"),
            resource_body(&kv3, "Microsoft.KeyVault/vaults"),
        ]));
        fail_diagnostics(&mut inv, &kv);
        let bad = json!({"id": "/x/diagnosticSettings/bad", "name": "bad", "properties": {"logAnalyticsDestinationType": 1}});
        set_diagnostics(
            &mut inv,
            &kv2,
            vec![law("ok", Some("Dedicated")), bad.clone()],
        );
        set_diagnostics(&mut inv, &kv3, vec![law("old", None), bad]);
        let f = run(&CHECK, &inv);
        assert_result(&f, &kv, Status::Error, "AuthorizationFailed");
        assert_result(&f, &kv2, Status::Error, "1 setting(s) could not be parsed");
        assert_result(
            &f,
            &kv3,
            Status::Fail,
            "'old' has no logAnalyticsDestinationType",
        );
    }

    #[test]
    fn failed_resources_list_is_one_error() {
        let mut inv = inv();
        sub(&mut inv).resources = Err(forbidden("/subscriptions/x/resources"));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the resources list",
        );
    }

    #[test]
    fn the_parameter_decides_the_scope_and_storage_goes_per_service() {
        let mut inv = inv();
        let kv = rid("rg", "Microsoft.KeyVault/vaults", "kv1");
        sub(&mut inv).resources = Ok(listing(vec![
            resource_body(&kv, "Microsoft.KeyVault/vaults"),
            resource_body(SA, "Microsoft.Storage/storageAccounts"),
        ]));
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": SA, "name": "stlogs", "kind": "BlobStorage"}),
        ]));
        let blob = StorageService::Blob.service_id(SA);
        set_diagnostics(&mut inv, &kv, vec![law("kv-old", None)]);
        set_diagnostics(&mut inv, &blob, vec![law("blob-law", Some("Dedicated"))]);
        let params = Params {
            dedicated_table_types: vec!["Microsoft.Storage/storageAccounts".into()],
            ..Params::defaults()
        };
        let f = run_with(&CHECK, &inv, &params);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_result(&f, &blob, Status::Pass, "blob service of 'stlogs'");
        // With the defaults the vault is in scope and the storage account is not.
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_result(&f, &kv, Status::Fail, "'kv-old'");
    }
}
