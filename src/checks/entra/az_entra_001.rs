//! AZ-ENTRA-001: Entra ID audit and sign-in logs are exported.

use super::*;

const CATEGORIES: [&str; 2] = ["AuditLogs", "SignInLogs"];

pub static CHECK: Check = Check {
    id: "AZ-ENTRA-001",
    title: "Entra ID audit logs and sign-in logs are exported",
    family: Family::Entra,
    severity: Severity::High,
    scope: Scope::Tenant,
    condition: "The tenant's Entra ID diagnostic settings together enable AuditLogs and SignInLogs (a setting with a \
destination, including the legacy serviceBusRuleId, and an enabled entry naming the category or the group allLogs).",
    rationale: "Compromised cloud accounts (T1078.004) show up first in the sign-in logs: the unusual location, the new \
device, the password spray. The audit logs record what the attacker did with them (T1098): new credentials on an app, a role \
granted, MFA methods changed. Entra ID keeps both for 30 days at most, so without an export the identity side of an \
investigation is usually gone by the time it starts.",
    reads: "2",
    parameters: &[],
    references: &[mcsb("LT-3"), attack("T1078.004"), attack("T1098")],
    remediation: Remediation {
        portal: &[
            "Open Microsoft Entra admin center > Identity > Monitoring & health > Diagnostic settings (requires Security Administrator).",
            "Choose '+ Add diagnostic setting', tick AuditLogs and SignInLogs (and the other sign-in log categories).",
            "Choose 'Send to Log Analytics workspace' (and optionally 'Archive to a storage account'), then Save.",
        ],
        cli: "az rest --method put --url \"https://management.azure.com/providers/microsoft.aadiam/diagnosticSettings/entra-logs?api-version=2017-04-01\" \
--body '{\"properties\":{\"workspaceId\":\"<log-analytics-workspace-id>\",\"logs\":[{\"category\":\"AuditLogs\",\"enabled\":true},{\"category\":\"SignInLogs\",\"enabled\":true}]}}'",
        bicep: r#"targetScope = 'tenant'
param workspaceId string
resource entraLogs 'microsoft.aadiam/diagnosticSettings@2017-04-01' = {
  name: 'entra-logs'
  properties: {
    workspaceId: workspaceId
    logs: [for c in ['AuditLogs', 'SignInLogs']: {
      category: c
      enabled: true
    }]
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    support::tenant_categories(ctx, &CHECK, &CATEGORIES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::Inventory;
    use serde_json::json;

    fn tenant() -> String {
        format!("/tenants/{TENANT}")
    }

    #[test]
    fn one_tenant_result_even_without_subscriptions() {
        let mut inv = Inventory::new(Some(TENANT.into()));
        inv.entra_diagnostic_settings = Ok(listing(vec![json!({
            "id": "providers/Microsoft.Aadiam/diagnosticSettings/legacy", "name": "legacy",
            "properties": {"serviceBusRuleId": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.EventHub/namespaces/ns/authorizationrules/r",
                           "workspaceId": "",
                           "logs": [{"category": "AuditLogs", "enabled": true}, {"category": "signinlogs", "enabled": true}]}})]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &tenant(),
            Status::Pass,
            "setting 'legacy' sends AuditLogs and SignInLogs",
        );
        assert_eq!(f[0].subscription_id, None);
    }

    #[test]
    fn settings_together_all_logs_and_missing() {
        let mut inv = with_second(inv());
        inv.entra_diagnostic_settings = Ok(listing(vec![
            diag("audit", Some(WS), None, &[(Some("AuditLogs"), None, true)]),
            diag(
                "signin",
                None,
                Some(SA),
                &[(Some("SignInLogs"), None, true)],
            ),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(
            f.len(),
            1,
            "one result for the tenant, not per subscription"
        );
        assert_result(&f, &tenant(), Status::Pass, "settings 'audit' and 'signin'");

        inv.entra_diagnostic_settings = Ok(listing(vec![diag(
            "all",
            Some(WS),
            None,
            &[(None, Some("allLogs"), true)],
        )]));
        assert_result(&run(&CHECK, &inv), &tenant(), Status::Pass, "'all'");

        inv.entra_diagnostic_settings = Ok(listing(vec![
            diag(
                "audit",
                Some(WS),
                None,
                &[
                    (Some("AuditLogs"), None, true),
                    (Some("SignInLogs"), None, false),
                ],
            ),
            diag(
                "nodest",
                Some(""),
                None,
                &[(Some("SignInLogs"), None, true)],
            ),
        ]));
        assert_result(
            &run(&CHECK, &inv),
            &tenant(),
            Status::Fail,
            "do not enable SignInLogs",
        );

        inv.entra_diagnostic_settings = Ok(listing(vec![]));
        assert_result(
            &run(&CHECK, &inv),
            &tenant(),
            Status::Fail,
            "no diagnostic setting enables AuditLogs and SignInLogs",
        );
    }

    #[test]
    fn failed_or_malformed_read_is_error() {
        let mut inv = inv();
        inv.entra_diagnostic_settings =
            Err(forbidden("/providers/microsoft.aadiam/diagnosticSettings"));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(&f, &tenant(), Status::Error, "AuthorizationFailed");

        inv.entra_diagnostic_settings = Ok(listing(vec![
            diag("audit", Some(WS), None, &[(Some("AuditLogs"), None, true)]),
            json!({"name": "broken", "properties": {"logs": {"category": "SignInLogs"}}}),
        ]));
        assert_result(
            &run(&CHECK, &inv),
            &tenant(),
            Status::Error,
            "could not be parsed",
        );
    }
}
