//! AZ-MON-001: the Activity Log is exported.

use super::support::require_any_category;
use super::*;

pub static CHECK: Check = Check {
    id: "AZ-MON-001",
    title: "Activity Log is exported by a subscription diagnostic setting",
    family: Family::Mon,
    severity: Severity::High,
    scope: Scope::Subscription,
    condition: "The subscription has a diagnostic setting with a destination that enables at least one category (Activity Log exported).",
    rationale: "The Activity Log is the record of every control-plane change: who created, deleted or reconfigured what. \
Azure keeps it for only 90 days and it cannot be queried alongside other logs; without an export, the first questions of an \
investigation (what changed, when, by whom) have no answer once the incident is older than three months, and an attacker's \
changes cannot be correlated with sign-ins or resource logs.",
    reads: "5",
    parameters: &[],
    references: &[cis("6.1.1"), mcsb("LT-3"), attack("T1562.008")],
    remediation: Remediation {
        portal: &[
            "Open Monitor > Activity log > Export Activity Logs, and pick the subscription.",
            "Add diagnostic setting: tick every category (Administrative, Security, ServiceHealth, Alert, Recommendation, Policy, Autoscale, ResourceHealth).",
            "Choose 'Send to Log Analytics workspace' (and optionally 'Archive to a storage account'), then Save.",
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
    logs: [for c in ['Administrative', 'Security', 'ServiceHealth', 'Alert', 'Recommendation', 'Policy', 'Autoscale', 'ResourceHealth']: {
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
    out.each_list(
        ctx.inv,
        "subscription diagnostic settings",
        |s| &s.diagnostic_settings,
        |out, sub, settings| {
            let v = require_any_category(settings);
            out.verdict(v, &sub.resource_id(), Some(&sub.id));
        },
    );
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::Listing;

    #[test]
    fn passes_fails_and_errors_per_subscription() {
        let mut inv = with_second(inv());
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![diag(
            "to-law",
            Some(WS),
            None,
            &[(Some("Administrative"), None, true)],
        )]));
        // SUB2: only a setting whose workspaceId is "" (no destination).
        sub_n(&mut inv, 1).diagnostic_settings = Ok(listing(vec![diag(
            "empty",
            Some(""),
            None,
            &[(None, Some("allLogs"), true)],
        )]));
        let f = run(&CHECK, &inv);
        assert_result(&f, &sub_id(), Status::Pass, "'to-law' sends Administrative");
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Fail,
            "'empty' (no destination)",
        );

        sub_n(&mut inv, 1).diagnostic_settings = Ok(Listing::default());
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Fail,
            "no diagnostic setting",
        );

        sub_n(&mut inv, 1).diagnostic_settings = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Insights/diagnosticSettings",
        ));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "AuthorizationFailed",
        );
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn disabled_entries_do_not_count() {
        let mut inv = inv();
        sub(&mut inv).diagnostic_settings = Ok(listing(vec![diag(
            "off",
            Some(WS),
            None,
            &[(Some("Administrative"), None, false)],
        )]));
        assert_result(
            &run(&CHECK, &inv),
            &sub_id(),
            Status::Fail,
            "enables no log category",
        );
    }
}
