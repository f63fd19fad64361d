//! AZ-ENTRA-002: Entra ID non-interactive, service principal and managed identity sign-ins are exported.

use super::*;

const CATEGORIES: [&str; 3] = [
    "NonInteractiveUserSignInLogs",
    "ServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs",
];

pub static CHECK: Check = Check {
    id: "AZ-ENTRA-002",
    title: "Entra ID non-interactive, service principal and managed identity sign-ins are exported",
    family: Family::Entra,
    severity: Severity::Medium,
    scope: Scope::Tenant,
    condition: "The tenant's Entra ID diagnostic settings together enable NonInteractiveUserSignInLogs, \
ServicePrincipalSignInLogs and ManagedIdentitySignInLogs (a setting with a destination, including the legacy \
serviceBusRuleId, and an enabled entry naming the category or the group allLogs).",
    rationale: "Stolen refresh tokens, app secrets and workload identities (T1078.004) are used without any interactive \
sign-in: their activity appears only in the non-interactive, service principal and managed identity sign-in logs. Without \
these categories a responder sees the user's first login but none of the token replay that follows, and nothing of what a \
compromised application did.",
    reads: "2",
    parameters: &[],
    references: &[attack("T1078.004")],
    remediation: Remediation {
        portal: &[
            "Open Microsoft Entra admin center > Identity > Monitoring & health > Diagnostic settings (requires Security Administrator).",
            "Edit the setting that exports sign-in logs (or add one) and tick NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs and ManagedIdentitySignInLogs.",
            "Keep the destination (Log Analytics workspace, and optionally an archive storage account), then Save.",
        ],
        cli: "az rest --method put --url \"https://management.azure.com/providers/microsoft.aadiam/diagnosticSettings/entra-signins?api-version=2017-04-01\" \
--body '{\"properties\":{\"workspaceId\":\"<log-analytics-workspace-id>\",\"logs\":[{\"category\":\"NonInteractiveUserSignInLogs\",\"enabled\":true},{\"category\":\"ServicePrincipalSignInLogs\",\"enabled\":true},{\"category\":\"ManagedIdentitySignInLogs\",\"enabled\":true}]}}'",
        bicep: r#"targetScope = 'tenant'
param workspaceId string
resource entraSignIns 'microsoft.aadiam/diagnosticSettings@2017-04-01' = {
  name: 'entra-signins'
  properties: {
    workspaceId: workspaceId
    logs: [for c in ['NonInteractiveUserSignInLogs', 'ServicePrincipalSignInLogs', 'ManagedIdentitySignInLogs']: {
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
    fn all_three_together_pass_without_subscriptions() {
        let mut inv = Inventory::new(Some(TENANT.into()));
        inv.entra_diagnostic_settings = Ok(listing(vec![
            diag(
                "a",
                Some(WS),
                None,
                &[
                    (Some("NonInteractiveUserSignInLogs"), None, true),
                    (Some("ServicePrincipalSignInLogs"), None, true),
                ],
            ),
            diag(
                "b",
                None,
                Some(SA),
                &[(Some("managedidentitysigninlogs"), None, true)],
            ),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(&f, &tenant(), Status::Pass, "settings 'a' and 'b'");
        assert_eq!(f[0].subscription_id, None);
    }

    #[test]
    fn missing_categories_and_audit_group_fail() {
        let mut inv = inv();
        inv.entra_diagnostic_settings = Ok(listing(vec![diag(
            "interactive",
            Some(WS),
            None,
            &[
                (Some("AuditLogs"), None, true),
                (Some("SignInLogs"), None, true),
                (Some("ServicePrincipalSignInLogs"), None, true),
            ],
        )]));
        assert_result(
            &run(&CHECK, &inv),
            &tenant(),
            Status::Fail,
            "setting 'interactive' does not enable NonInteractiveUserSignInLogs and ManagedIdentitySignInLogs",
        );
        inv.entra_diagnostic_settings = Ok(listing(vec![diag(
            "audit",
            Some(WS),
            None,
            &[(None, Some("audit"), true)],
        )]));
        assert_result(
            &run(&CHECK, &inv),
            &tenant(),
            Status::Fail,
            "'audit' was not counted",
        );
        inv.entra_diagnostic_settings = Ok(listing(vec![diag(
            "all",
            Some(WS),
            None,
            &[(None, Some("AllLogs"), true)],
        )]));
        assert_result(&run(&CHECK, &inv), &tenant(), Status::Pass, "'all'");
    }

    #[test]
    fn failed_or_malformed_read_is_error() {
        let mut inv = inv();
        inv.entra_diagnostic_settings =
            Err(forbidden("/providers/microsoft.aadiam/diagnosticSettings"));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &tenant(),
            Status::Error,
            "could not read the Entra ID diagnostic settings",
        );

        inv.entra_diagnostic_settings = Ok(listing(vec![
            json!({"name": "broken", "properties": {"logs": 3}}),
        ]));
        assert_result(
            &run(&CHECK, &inv),
            &tenant(),
            Status::Error,
            "could not be parsed",
        );
    }
}
