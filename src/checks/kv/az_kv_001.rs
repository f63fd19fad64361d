//! AZ-KV-001: Key Vault audit logging (AuditEvent) is enabled.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-KV-001",
    title: "Key Vault AuditEvent logs are exported by a diagnostic setting",
    family: Family::Kv,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "A diagnostic setting of the vault, with a destination, enables the `AuditEvent` category (an enabled \
`allLogs` or `audit` category group counts).",
    rationale: "AuditEvent is the only record of data-plane access to a vault: who read which secret, exported which key, \
changed or purged what, and from where. Azure keeps none of it unless a diagnostic setting exports it, so without one a \
responder cannot tell which secrets a compromised identity read and therefore which credentials must be rotated; the \
answer becomes 'all of them'.",
    reads: "6, 12",
    parameters: &[],
    references: &[cis("6.1.4"), policy("cf820ca0"), attack("T1555.006")],
    remediation: Remediation {
        portal: &[
            "Open the key vault > Monitoring > Diagnostic settings > Add diagnostic setting.",
            "Tick the category group 'audit' (or 'allLogs'), which includes AuditEvent.",
            "Choose 'Send to Log Analytics workspace' (and optionally 'Archive to a storage account'), then Save.",
        ],
        cli: "az monitor diagnostic-settings create --name kv-audit --resource {id} \
--workspace <log-analytics-workspace-id> --logs '[{\"categoryGroup\":\"audit\",\"enabled\":true}]'",
        bicep: r#"param workspaceId string
resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: vaultName
}
resource kvAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'kv-audit'
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
    support::vault_audit_event(ctx, &CHECK, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    fn vault(name: &str) -> (String, serde_json::Value) {
        let id = rid("rg", "Microsoft.KeyVault/vaults", name);
        let body = json!({"id": id, "name": name, "properties": {"enableRbacAuthorization": true}});
        (id, body)
    }

    #[test]
    fn audit_event_category_and_groups() {
        let mut inv = inv();
        let (cat, cat_b) = vault("kv-cat");
        let (audit, audit_b) = vault("kv-audit");
        let (all, all_b) = vault("kv-all");
        let (none, none_b) = vault("kv-none");
        let (off, off_b) = vault("kv-off");
        let (nodest, nodest_b) = vault("kv-nodest");
        sub(&mut inv).vaults = Ok(listing(vec![
            cat_b, audit_b, all_b, none_b, off_b, nodest_b,
        ]));
        set_diagnostics(
            &mut inv,
            &cat,
            vec![diag(
                "to-sa",
                None,
                Some(SA),
                &[(Some("auditevent"), None, true)],
            )],
        );
        set_diagnostics(
            &mut inv,
            &audit,
            vec![diag("grp", Some(WS), None, &[(None, Some("audit"), true)])],
        );
        set_diagnostics(
            &mut inv,
            &all,
            vec![diag(
                "all",
                Some(WS),
                None,
                &[(None, Some("allLogs"), true)],
            )],
        );
        set_diagnostics(&mut inv, &none, vec![]);
        set_diagnostics(
            &mut inv,
            &off,
            vec![diag(
                "off",
                Some(WS),
                None,
                &[(Some("AuditEvent"), None, false)],
            )],
        );
        set_diagnostics(
            &mut inv,
            &nodest,
            vec![diag(
                "empty",
                Some(""),
                None,
                &[(Some("AuditEvent"), None, true)],
            )],
        );
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &cat,
            Status::Pass,
            "vault 'kv-cat': setting 'to-sa' sends AuditEvent",
        );
        assert_result(&f, &audit, Status::Pass, "setting 'grp' sends AuditEvent");
        assert_result(&f, &all, Status::Pass, "setting 'all'");
        assert_result(
            &f,
            &none,
            Status::Fail,
            "vault 'kv-none': no diagnostic setting enables AuditEvent",
        );
        assert_result(
            &f,
            &off,
            Status::Fail,
            "setting 'off' does not enable AuditEvent",
        );
        assert_result(&f, &nodest, Status::Fail, "'empty' (no destination)");
        assert_eq!(f.len(), 6);
    }

    #[test]
    fn other_category_does_not_count() {
        let mut inv = inv();
        let (id, body) = vault("kv-metrics");
        sub(&mut inv).vaults = Ok(listing(vec![body]));
        set_diagnostics(
            &mut inv,
            &id,
            vec![diag(
                "pol",
                Some(WS),
                None,
                &[(Some("AzurePolicyEvaluationDetails"), None, true)],
            )],
        );
        assert_result(
            &run(&CHECK, &inv),
            &id,
            Status::Fail,
            "does not enable AuditEvent",
        );
    }

    #[test]
    fn failed_and_unread_diagnostics_are_errors_for_that_vault_only() {
        let mut inv = inv();
        let (ok, ok_b) = vault("kv-ok");
        let (denied, denied_b) = vault("kv-denied");
        let (unread, unread_b) = vault("kv-unread");
        sub(&mut inv).vaults = Ok(listing(vec![ok_b, denied_b, unread_b]));
        set_diagnostics(
            &mut inv,
            &ok,
            vec![diag("a", Some(WS), None, &[(None, Some("audit"), true)])],
        );
        fail_diagnostics(&mut inv, &denied);
        let f = run(&CHECK, &inv);
        assert_result(&f, &ok, Status::Pass, "sends AuditEvent");
        assert_result(&f, &denied, Status::Error, "AuthorizationFailed");
        assert_result(&f, &unread, Status::Error, "was not read");
    }

    #[test]
    fn malformed_setting_turns_fail_into_error_but_not_pass() {
        let mut inv = inv();
        let (a, a_b) = vault("kv-a");
        let (b, b_b) = vault("kv-b");
        sub(&mut inv).vaults = Ok(listing(vec![a_b, b_b]));
        let bad = json!({"name": "bad", "properties": {"logs": "oops"}});
        set_diagnostics(&mut inv, &a, vec![bad.clone()]);
        set_diagnostics(
            &mut inv,
            &b,
            vec![
                bad,
                diag("ok", None, Some(SA), &[(Some("AuditEvent"), None, true)]),
            ],
        );
        let f = run(&CHECK, &inv);
        assert_result(&f, &a, Status::Error, "could not be parsed");
        assert_result(&f, &b, Status::Pass, "setting 'ok' sends AuditEvent");
    }

    #[test]
    fn malformed_vault_with_id_is_assessed_from_its_settings() {
        let mut inv = inv();
        let bad = rid("rg", "Microsoft.KeyVault/vaults", "kv-bad");
        sub(&mut inv).vaults = Ok(listing(vec![
            json!({"id": bad, "name": "kv-bad", "properties": {"enableSoftDelete": "yes"}}),
            json!({"name": "no-id", "properties": {"enableSoftDelete": "yes"}}),
        ]));
        set_diagnostics(
            &mut inv,
            &bad,
            vec![diag(
                "a",
                Some(WS),
                None,
                &[(Some("AuditEvent"), None, true)],
            )],
        );
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &bad,
            Status::Pass,
            "vault 'kv-bad': setting 'a' sends AuditEvent",
        );
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 1 of the key vaults list",
        );
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn failed_vault_list_is_one_error_on_the_subscription() {
        let mut inv = with_second(inv());
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
