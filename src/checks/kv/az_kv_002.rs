//! AZ-KV-002: Key Vault AuditEvent logs reach Log Analytics.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-KV-002",
    title: "Key Vault AuditEvent logs reach a Log Analytics workspace",
    family: Family::Kv,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "AuditEvent reaches Log Analytics: a diagnostic setting of the vault with a non-empty `workspaceId` \
enables the `AuditEvent` category (an enabled `allLogs` or `audit` category group counts).",
    rationale: "Exported to a storage account only, vault audit logs survive but cannot be queried in time: during an \
incident the responder needs to ask within minutes which identities read which secrets, join that with sign-in and \
Activity Log data, and alert on mass secret reads or purges. That is only possible when AuditEvent lands in a Log Analytics \
workspace (and from there in Sentinel).",
    reads: "6, 12",
    parameters: &[],
    references: &[mcsb("LT-5")],
    remediation: Remediation {
        portal: &[
            "Open the key vault > Monitoring > Diagnostic settings > Add diagnostic setting.",
            "Tick the category group 'audit' (or 'allLogs'), which includes AuditEvent.",
            "Choose 'Send to Log Analytics workspace' and pick the central security workspace, then Save (an existing setting that only archives to storage can be edited to add the workspace).",
        ],
        cli: "az monitor diagnostic-settings create --name kv-audit-law --resource {id} \
--workspace <log-analytics-workspace-id> --logs '[{\"categoryGroup\":\"audit\",\"enabled\":true}]'",
        bicep: r#"param workspaceId string
resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: vaultName
}
resource kvAuditLaw 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'kv-audit-law'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [
      { categoryGroup: 'audit', enabled: true }
    ]
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    support::vault_audit_event(ctx, &CHECK, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    fn vault(name: &str) -> (String, serde_json::Value) {
        let id = rid("rg", "Microsoft.KeyVault/vaults", name);
        let body = json!({"id": id, "name": name, "properties": {}});
        (id, body)
    }

    #[test]
    fn only_settings_with_a_workspace_count() {
        let mut inv = inv();
        let (law, law_b) = vault("kv-law");
        let (sa, sa_b) = vault("kv-sa");
        let (both, both_b) = vault("kv-both");
        let (empty_ws, empty_ws_b) = vault("kv-emptyws");
        let (none, none_b) = vault("kv-none");
        sub(&mut inv).vaults = Ok(listing(vec![law_b, sa_b, both_b, empty_ws_b, none_b]));
        set_diagnostics(
            &mut inv,
            &law,
            vec![diag("grp", Some(WS), None, &[(None, Some("audit"), true)])],
        );
        set_diagnostics(
            &mut inv,
            &sa,
            vec![diag(
                "archive",
                None,
                Some(SA),
                &[(Some("AuditEvent"), None, true)],
            )],
        );
        // One setting archives AuditEvent, another sends only allLogs to LAW.
        set_diagnostics(
            &mut inv,
            &both,
            vec![
                diag(
                    "archive",
                    None,
                    Some(SA),
                    &[(Some("AuditEvent"), None, true)],
                ),
                diag("law", Some(WS), None, &[(None, Some("allLogs"), true)]),
            ],
        );
        set_diagnostics(
            &mut inv,
            &empty_ws,
            vec![diag(
                "x",
                Some(""),
                Some(SA),
                &[(Some("AuditEvent"), None, true)],
            )],
        );
        set_diagnostics(&mut inv, &none, vec![]);
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &law,
            Status::Pass,
            "vault 'kv-law': setting 'grp' sends AuditEvent to a Log Analytics workspace",
        );
        assert_result(
            &f,
            &sa,
            Status::Fail,
            "setting 'archive' does not enable AuditEvent to a Log Analytics workspace",
        );
        assert_result(
            &f,
            &both,
            Status::Pass,
            "setting 'law' sends AuditEvent to a Log Analytics workspace",
        );
        assert_result(&f, &empty_ws, Status::Fail, "to a Log Analytics workspace");
        assert_result(
            &f,
            &none,
            Status::Fail,
            "no diagnostic setting enables AuditEvent to a Log Analytics workspace",
        );
    }

    #[test]
    fn errors_failed_read_malformed_setting_and_list() {
        let mut inv = with_second(inv());
        let (denied, denied_b) = vault("kv-denied");
        let (bad_setting, bad_setting_b) = vault("kv-badsetting");
        let bad_vault = rid("rg", "Microsoft.KeyVault/vaults", "kv-badvault");
        sub(&mut inv).vaults = Ok(listing(vec![
            denied_b,
            bad_setting_b,
            json!({"id": bad_vault, "properties": {"accessPolicies": "none"}}),
        ]));
        fail_diagnostics(&mut inv, &denied);
        set_diagnostics(
            &mut inv,
            &bad_setting,
            vec![
                json!({"name": "bad", "properties": {"workspaceId": 7}}),
                diag(
                    "archive",
                    None,
                    Some(SA),
                    &[(Some("AuditEvent"), None, true)],
                ),
            ],
        );
        set_diagnostics(
            &mut inv,
            &bad_vault,
            vec![diag(
                "law",
                Some(WS),
                None,
                &[(Some("AuditEvent"), None, true)],
            )],
        );
        sub_n(&mut inv, 1).vaults = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.KeyVault/vaults",
        ));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &denied,
            Status::Error,
            "could not read the diagnostic settings of vault 'kv-denied'",
        );
        assert_result(
            &f,
            &bad_setting,
            Status::Error,
            "1 setting(s) could not be parsed",
        );
        assert_result(
            &f,
            &bad_vault,
            Status::Pass,
            "vault 'kv-badvault': setting 'law' sends AuditEvent",
        );
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the key vaults list",
        );
        assert_eq!(f.len(), 4);
    }
}
