//! AZ-MON-007: someone is told when a Log Analytics workspace is deleted or changed.

use super::support::{alert_verdict, each_alert_list};
use super::*;

pub(crate) const OPS: [&str; 2] = [
    "Microsoft.OperationalInsights/workspaces/delete",
    "Microsoft.OperationalInsights/workspaces/write",
];

pub static CHECK: Check = Check {
    id: "AZ-MON-007",
    title: "An activity log alert fires when a Log Analytics workspace is deleted or changed",
    family: Family::Mon,
    severity: Severity::Medium,
    scope: Scope::Subscription,
    condition: "An enabled activity log alert scoped to the subscription matches operation \
`Microsoft.OperationalInsights/workspaces/delete` or `Microsoft.OperationalInsights/workspaces/write` and names an action group.",
    rationale: "The workspace is where the evidence lives: deleting it, shortening its retention, or turning on immediate purge \
destroys the logs a responder will need (ATT&CK T1562.008). An alert on the workspace's delete or write operations tells \
someone while the change can still be reversed (a deleted workspace is recoverable for 14 days) rather than when a query \
comes back empty.",
    reads: "13",
    parameters: &[],
    references: &[attack("T1562.008")],
    remediation: Remediation {
        portal: &[
            "Open Monitor > Alerts > Create > Alert rule, and select the subscription as the scope.",
            "Condition: signal 'Delete Workspace (Microsoft.OperationalInsights/workspaces)' (and a second rule for 'Create or Update Workspace') from the Administrative activity log; leave level, status and caller at 'All'.",
            "Actions: select an action group with at least one receiver, keep 'Enable upon creation' ticked, and create it.",
        ],
        cli: "az monitor activity-log alert create --name alert-workspace-delete --resource-group <resource-group> \
--subscription {subscription} --scope /subscriptions/{subscription} \
--condition category=Administrative and operationName=Microsoft.OperationalInsights/workspaces/delete \
--action-group <action-group-id>",
        bicep: r#"param actionGroupId string
resource alert 'Microsoft.Insights/activityLogAlerts@2020-10-01' = {
  name: 'alert-workspace-delete-or-write'
  location: 'global'
  properties: {
    enabled: true
    scopes: [ subscription().id ]
    condition: {
      allOf: [
        { field: 'category', equals: 'Administrative' }
        { field: 'operationName', containsAny: [ 'Microsoft.OperationalInsights/workspaces/delete', 'Microsoft.OperationalInsights/workspaces/write' ] }
      ]
    }
    actions: { actionGroups: [ { actionGroupId: actionGroupId } ] }
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    each_alert_list(&mut out, ctx.inv, |out, sub, alerts| {
        let v = alert_verdict(
            alerts,
            &sub.id,
            &OPS,
            "Microsoft.OperationalInsights/workspaces/delete or /write",
        );
        out.verdict(v, &sub.resource_id(), Some(&sub.id));
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::{json, Value};

    const AG: &str = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-ops/providers/microsoft.insights/actionGroups/soc";

    fn alert(name: &str, all_of: Value) -> Value {
        json!({
            "id": rid("rg-ops", "microsoft.insights/activityLogAlerts", name),
            "name": name,
            "properties": {"scopes": [format!("subscriptions/{SUB}/")], "enabled": true, "condition": {"allOf": all_of},
                           "actions": {"actionGroups": [{"actionGroupId": AG}]}}
        })
    }

    #[test]
    fn delete_or_write_passes() {
        let mut inv = with_second(inv());
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![alert(
            "law-delete",
            json!([{"field": "operationName", "equals": "microsoft.operationalinsights/workspaces/delete"}]),
        )]));
        let mut w = alert(
            "law-write",
            json!([{"field": "category", "equals": "Administrative"},
                   {"field": "resourceType", "equals": "Microsoft.OperationalInsights/workspaces"},
                   {"anyOf": [{"field": "operationName", "equals": "Microsoft.OperationalInsights/workspaces/write"}]}]),
        );
        w["properties"]["scopes"] = json!([format!("/subscriptions/{SUB2}")]);
        sub_n(&mut inv, 1).activity_log_alerts = Ok(listing(vec![w]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &sub_id(),
            Status::Pass,
            "'law-delete' matches Microsoft.OperationalInsights/workspaces/delete",
        );
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Pass,
            "'law-write' matches Microsoft.OperationalInsights/workspaces/write",
        );
    }

    #[test]
    fn near_miss_fails_and_names_why() {
        let mut inv = inv();
        let mut silent = alert(
            "law-any",
            json!([{"field": "operationName", "containsAny": ["Microsoft.OperationalInsights/workspaces/delete", "Microsoft.OperationalInsights/workspaces/write"]}]),
        );
        silent["properties"]["actions"] = json!({});
        let other_type = alert(
            "wrong-type",
            json!([{"field": "resourceType", "equals": "Microsoft.KeyVault/vaults"},
                   {"field": "operationName", "equals": "Microsoft.OperationalInsights/workspaces/delete"}]),
        );
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![silent, other_type]));
        let f = run(&CHECK, &inv);
        assert_result(&f, &sub_id(), Status::Fail, "'law-any' has no action group");
        assert_result(
            &f,
            &sub_id(),
            Status::Fail,
            "'wrong-type' does not match: its resourceType condition names another resource type",
        );
    }

    #[test]
    fn errors() {
        let mut inv = inv();
        sub(&mut inv).activity_log_alerts = Err(forbidden("/x/activityLogAlerts"));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the activity log alerts list",
        );
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![json!({"name": "no-id"})]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1, "one result on the subscription: {f:#?}");
        assert!(f.iter().all(|x| x.status == Status::Error));
        assert!(f.iter().any(
            |x| x.reason.contains("item 0 of the list could not be parsed")
                || x.reason.contains("(item 0 of the list:")
        ));
    }
}
