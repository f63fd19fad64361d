//! AZ-MON-003: the Activity Log reaches Log Analytics.

use super::az_mon_002::CATEGORIES;
use super::*;

pub static CHECK: Check = Check {
    id: "AZ-MON-003",
    title: "Activity Log reaches Log Analytics",
    family: Family::Mon,
    severity: Severity::Medium,
    scope: Scope::Subscription,
    condition: "The subscription's diagnostic settings with a non-empty `workspaceId` together enable Administrative, Security, \
Policy and Alert (Activity Log reaches Log Analytics).",
    rationale: "An export to a storage account or an event hub keeps the evidence, but only a Log Analytics workspace lets a \
responder query it in minutes, join control-plane changes with sign-ins and resource logs, and run Sentinel analytics and \
hunting over it. When the Activity Log is not in the workspace, the question 'what else did this identity change' turns \
into days of downloading and parsing blobs.",
    reads: "5",
    parameters: &[],
    references: &[mcsb("LT-5")],
    remediation: Remediation {
        portal: &[
            "Open Monitor > Activity log > Export Activity Logs, and pick the subscription.",
            "Edit the diagnostic setting (or add one): tick Administrative, Security, Policy and Alert.",
            "Tick 'Send to Log Analytics workspace' and choose the security workspace, then Save.",
        ],
        cli: "az monitor diagnostic-settings subscription create --name activity-log-to-law --location global --subscription {subscription} \
--workspace <log-analytics-workspace-id> \
--logs '[{\"category\":\"Administrative\",\"enabled\":true},{\"category\":\"Security\",\"enabled\":true},{\"category\":\"Policy\",\"enabled\":true},{\"category\":\"Alert\",\"enabled\":true}]'",
        bicep: r#"targetScope = 'subscription'
param workspaceId string
resource activityLogToLaw 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'activity-log-to-law'
  properties: {
    workspaceId: workspaceId
    logs: [for c in ['Administrative', 'Security', 'Policy', 'Alert']: {
      category: c
      enabled: true
    }]
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    support::subscription_categories(ctx, &CHECK, &CATEGORIES, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    fn cat(c: &str) -> (Option<&str>, Option<&str>, bool) {
        (Some(c), None, true)
    }

    #[test]
    fn workspace_settings_together_pass() {
        let mut inv = inv();
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![
            diag(
                "a",
                Some(WS),
                None,
                &[cat("Administrative"), cat("Security")],
            ),
            diag("b", Some(WS), Some(SA), &[cat("Policy"), cat("Alert")]),
        ]));
        assert_result(
            &run(&CHECK, &inv),
            &sub_id(),
            Status::Pass,
            "to a Log Analytics workspace",
        );
    }

    #[test]
    fn storage_only_export_fails() {
        let mut inv = inv();
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![diag(
            "archive",
            None,
            Some(SA),
            &[(None, Some("allLogs"), true)],
        )]));
        assert_result(
            &run(&CHECK, &inv),
            &sub_id(),
            Status::Fail,
            "does not enable Administrative, Security, Policy and Alert to a Log Analytics workspace",
        );
    }

    #[test]
    fn split_between_workspace_and_storage_names_what_misses_the_workspace() {
        let mut inv = inv();
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![
            diag(
                "law",
                Some(WS),
                None,
                &[cat("Administrative"), cat("Security")],
            ),
            diag("archive", None, Some(SA), &[cat("Policy"), cat("Alert")]),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &sub_id(),
            Status::Fail,
            "enable Policy and Alert to a Log Analytics",
        );
        // The same estate passes AZ-MON-002: the difference is the destination.
        let f2 = run(&crate::checks::mon::az_mon_002::CHECK, &inv);
        assert_result(&f2, &sub_id(), Status::Pass, "send");
    }

    #[test]
    fn empty_workspace_id_does_not_reach_log_analytics() {
        let mut inv = inv();
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![diag(
            "blank",
            Some(""),
            Some(SA),
            &[(None, Some("allLogs"), true)],
        )]));
        assert_result(&run(&CHECK, &inv), &sub_id(), Status::Fail, "'blank'");
    }

    #[test]
    fn failed_list_and_malformed_setting_are_errors() {
        let mut inv = with_second(inv());
        sub(&mut inv).diagnostic_settings = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Insights/diagnosticSettings",
        ));
        sub_n(&mut inv, 1).diagnostic_settings = Ok(listing(vec![
            diag("law", Some(WS), None, &[cat("Administrative")]),
            json!({"id": "/subscriptions/y/providers/microsoft.insights/diagnosticSettings/bad",
                   "name": "bad", "properties": {"workspaceId": 42}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 2);
        assert_result(&f, &sub_id(), Status::Error, "AuthorizationFailed");
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "1 setting(s) could not be parsed",
        );
    }
}
