//! AZ-MON-002: the Activity Log export covers the security-relevant categories.

use super::*;

/// The Activity Log categories the baseline requires.
pub(crate) const CATEGORIES: [&str; 4] = ["Administrative", "Security", "Policy", "Alert"];

pub static CHECK: Check = Check {
    id: "AZ-MON-002",
    title: "Activity Log export covers Administrative, Security, Policy and Alert",
    family: Family::Mon,
    severity: Severity::High,
    scope: Scope::Subscription,
    condition: "The subscription's diagnostic settings together enable Administrative, Security, Policy and Alert \
(each by its category, or by the group allLogs, in a setting with a destination; the group audit does not count for these categories).",
    rationale: "An export that keeps only some categories leaves holes exactly where a responder looks: Administrative holds every \
create, update and delete with its caller, Security holds Defender for Cloud alerts, Policy shows which guardrails were \
evaluated or bypassed, and Alert shows which alerts fired and when. Without all four, a timeline of an intrusion older than \
the Activity Log's 90 days cannot be rebuilt.",
    reads: "5",
    parameters: &[],
    references: &[cis("6.1.2"), mcsb("LT-3")],
    remediation: Remediation {
        portal: &[
            "Open Monitor > Activity log > Export Activity Logs, and pick the subscription.",
            "Edit the existing diagnostic setting (or add one) and tick Administrative, Security, Policy and Alert (or every category).",
            "Keep or choose a destination (Log Analytics workspace, storage account or event hub), then Save.",
        ],
        cli: "az monitor diagnostic-settings subscription create --name activity-log-export --location global --subscription {subscription} \
--workspace <log-analytics-workspace-id> \
--logs '[{\"category\":\"Administrative\",\"enabled\":true},{\"category\":\"Security\",\"enabled\":true},{\"category\":\"Policy\",\"enabled\":true},{\"category\":\"Alert\",\"enabled\":true}]'",
        bicep: r#"targetScope = 'subscription'
param workspaceId string
resource activityLogExport 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'activity-log-export'
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
    support::subscription_categories(ctx, &CHECK, &CATEGORIES, false)
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
    fn settings_together_pass_and_all_logs_counts() {
        let mut inv = with_second(inv());
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![
            diag(
                "a",
                Some(WS),
                None,
                &[cat("Administrative"), cat("Security")],
            ),
            diag("b", None, Some(SA), &[cat("policy"), cat("ALERT")]),
        ]));
        sub_n(&mut inv, 1).diagnostic_settings = Ok(listing(vec![diag(
            "all",
            None,
            Some(SA),
            &[(None, Some("allLogs"), true)],
        )]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 2);
        assert_result(&f, &sub_id(), Status::Pass, "settings 'a' and 'b' send");
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Pass,
            "setting 'all' sends Administrative, Security, Policy and Alert",
        );
    }

    #[test]
    fn missing_categories_are_named() {
        let mut inv = inv();
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![diag(
            "partial",
            Some(WS),
            None,
            &[
                cat("Administrative"),
                cat("Security"),
                (Some("Policy"), None, false),
            ],
        )]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &sub_id(),
            Status::Fail,
            "setting 'partial' does not enable Policy and Alert",
        );
    }

    #[test]
    fn audit_group_is_not_counted_and_no_destination_does_not_count() {
        let mut inv = with_second(inv());
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![diag(
            "audit",
            Some(WS),
            None,
            &[(None, Some("audit"), true)],
        )]));
        sub_n(&mut inv, 1).diagnostic_settings = Ok(listing(vec![diag(
            "nowhere",
            Some(""),
            None,
            &[(None, Some("allLogs"), true)],
        )]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &sub_id(),
            Status::Fail,
            "categoryGroup 'audit' was not counted",
        );
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Fail,
            "'nowhere' (no destination)",
        );
    }

    #[test]
    fn no_setting_fails() {
        let inv = inv();
        assert_result(
            &run(&CHECK, &inv),
            &sub_id(),
            Status::Fail,
            "no diagnostic setting enables Administrative, Security, Policy and Alert",
        );
    }

    #[test]
    fn failed_list_is_one_error() {
        let mut inv = inv();
        sub(&mut inv).diagnostic_settings = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Insights/diagnosticSettings",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the subscription diagnostic settings list",
        );
    }

    #[test]
    fn malformed_setting_makes_a_fail_an_error_but_not_a_pass() {
        let mut inv = inv();
        let bad = json!({"id": "/subscriptions/x/providers/microsoft.insights/diagnosticSettings/bad",
                         "name": "bad", "properties": {"logs": "oops"}});
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![
            diag("adm", Some(WS), None, &[cat("Administrative")]),
            bad.clone(),
        ]));
        assert_result(
            &run(&CHECK, &inv),
            &sub_id(),
            Status::Error,
            "could not be parsed",
        );
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![
            diag("all", Some(WS), None, &[(None, Some("allLogs"), true)]),
            bad,
        ]));
        assert_result(&run(&CHECK, &inv), &sub_id(), Status::Pass, "'all'");
    }

    #[test]
    fn item_without_id_is_named_by_position() {
        let mut inv = inv();
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![
            diag("all", Some(WS), None, &[(None, Some("allLogs"), true)]),
            json!({"name": 7}),
        ]));
        let f = run(&CHECK, &inv);
        // One result per identity: the pass stands and names the unread item.
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_result(
            &f,
            &sub_id(),
            Status::Pass,
            "also item 1 of the subscription diagnostic settings list",
        );
    }
}
