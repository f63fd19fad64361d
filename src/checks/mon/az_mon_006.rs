//! AZ-MON-006: someone is told when a diagnostic setting is deleted.

use super::support::{alert_verdict, each_alert_list};
use super::*;

pub(crate) const OP: &str = "Microsoft.Insights/diagnosticSettings/delete";

pub static CHECK: Check = Check {
    id: "AZ-MON-006",
    title: "An activity log alert fires when a diagnostic setting is deleted",
    family: Family::Mon,
    severity: Severity::High,
    scope: Scope::Subscription,
    condition: "An enabled activity log alert scoped to the subscription matches operation \
`Microsoft.Insights/diagnosticSettings/delete` and names an action group (its conditions are only category Administrative, \
that operation name, or its resource type; any other condition narrows it).",
    rationale: "Deleting a diagnostic setting is how an attacker blinds the defenders before acting (ATT&CK T1562.008): the \
logs simply stop, and nothing looks broken. The deletion itself is recorded in the Activity Log, but only an alert turns that \
record into a call to a human while the attacker is still in the estate, instead of a discovery weeks later when the \
evidence is needed and missing.",
    reads: "13",
    parameters: &[],
    references: &[attack("T1562.008"), attack("T1070")],
    remediation: Remediation {
        portal: &[
            "Open Monitor > Alerts > Create > Alert rule, and select the subscription as the scope.",
            "Condition: signal 'Delete Diagnostic Setting (Microsoft.Insights/diagnosticSettings)' from the Administrative activity log; leave level, status and caller at 'All'.",
            "Actions: select an action group with at least one receiver, name the rule, keep 'Enable upon creation' ticked, and create it.",
        ],
        cli: "az monitor activity-log alert create --name alert-diagnostic-settings-delete --resource-group <resource-group> \
--subscription {subscription} --scope /subscriptions/{subscription} \
--condition category=Administrative and operationName=Microsoft.Insights/diagnosticSettings/delete \
--action-group <action-group-id>",
        bicep: r#"param actionGroupId string
resource alert 'Microsoft.Insights/activityLogAlerts@2020-10-01' = {
  name: 'alert-diagnostic-settings-delete'
  location: 'global'
  properties: {
    enabled: true
    scopes: [ subscription().id ]
    condition: {
      allOf: [
        { field: 'category', equals: 'Administrative' }
        { field: 'operationName', equals: 'Microsoft.Insights/diagnosticSettings/delete' }
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
        let v = alert_verdict(alerts, &sub.id, &[OP], OP);
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

    fn alert(name: &str, scope: &str, all_of: Value) -> Value {
        json!({
            "id": rid("rg-ops", "microsoft.insights/activityLogAlerts", name),
            "name": name,
            "properties": {"scopes": [scope], "enabled": true, "condition": {"allOf": all_of},
                           "actions": {"actionGroups": [{"actionGroupId": AG}]}}
        })
    }

    fn op_alert(name: &str) -> Value {
        alert(
            name,
            &format!("/subscriptions/{SUB}"),
            json!([{"field": "category", "equals": "Administrative"}, {"field": "operationName", "equals": OP}]),
        )
    }

    #[test]
    fn a_matching_alert_passes_and_names_its_action_group() {
        let mut inv = inv();
        let mut absent_enabled = op_alert("diag-delete");
        absent_enabled["properties"]
            .as_object_mut()
            .unwrap()
            .remove("enabled");
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![absent_enabled]));
        assert_result(
            &run(&CHECK, &inv),
            &sub_id(),
            Status::Pass,
            "alert 'diag-delete' matches Microsoft.Insights/diagnosticSettings/delete on the subscription and notifies 'soc'",
        );
    }

    #[test]
    fn near_misses_fail_with_their_reasons() {
        let mut inv = inv();
        let mut disabled = op_alert("off");
        disabled["properties"]["enabled"] = json!(false);
        let mut no_ag = op_alert("silent");
        no_ag["properties"]["actions"] = json!({"actionGroups": []});
        let rg_scoped = alert(
            "rg-only",
            &format!("/subscriptions/{SUB}/resourceGroups/rg-app"),
            json!([{"field": "operationName", "equals": OP}]),
        );
        let narrowed = alert(
            "errors-only",
            &format!("/subscriptions/{SUB}"),
            json!([{"field": "operationName", "equals": OP}, {"field": "status", "equals": "Failed"}]),
        );
        let other = alert(
            "nsg",
            &format!("/subscriptions/{SUB}"),
            json!([{"field": "operationName", "equals": "Microsoft.Network/networkSecurityGroups/write"}]),
        );
        sub(&mut inv).activity_log_alerts =
            Ok(listing(vec![disabled, no_ag, rg_scoped, narrowed, other]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &sub_id(),
            Status::Fail,
            "(5 alerts read; 'off' is disabled; 'silent' has no action group",
        );
        let reason = &result(&f, &sub_id(), None).reason;
        assert!(
            reason.contains("'rg-only' is scoped to /subscriptions/"),
            "{reason}"
        );
        assert!(
            reason.contains("'errors-only' does not match: it is narrowed by a 'status' condition"),
            "{reason}"
        );
        assert!(
            !reason.contains("'nsg'"),
            "an alert about another operation is not named: {reason}"
        );
    }

    #[test]
    fn other_subscription_scope_and_no_alert_fail() {
        let mut inv = with_second(inv());
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![op_alert("diag-delete")]));
        // SUB2's list holds nothing; SUB's alert does not cover SUB2.
        let f = run(&CHECK, &inv);
        assert_result(&f, &sub_id(), Status::Pass, "'diag-delete'");
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Fail,
            "(0 alerts read)",
        );
    }

    #[test]
    fn failed_list_is_one_error_and_malformed_alert_makes_a_miss_an_error() {
        let mut inv = with_second(inv());
        sub(&mut inv).activity_log_alerts = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Insights/activityLogAlerts",
        ));
        let bad = json!({"id": rid("rg", "microsoft.insights/activityLogAlerts", "bad"), "properties": {"enabled": "yes"}});
        sub_n(&mut inv, 1).activity_log_alerts = Ok(listing(vec![bad.clone()]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 2);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the activity log alerts list",
        );
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "alert 'bad'",
        );

        // A pass found stands despite the malformed sibling.
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![bad, op_alert("diag-delete")]));
        let f = run(&CHECK, &inv);
        assert_result(&f, &sub_id(), Status::Pass, "'diag-delete'");
    }

    #[test]
    fn an_id_less_alert_beside_a_pass_gives_no_error() {
        let mut inv = inv();
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![
            json!({"name": "no-id", "properties": {"enabled": "yes"}}),
            op_alert("diag-delete"),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1, "one result per subscription: {f:#?}");
        assert_result(&f, &sub_id(), Status::Pass, "'diag-delete'");

        // With no pass, the id-less alert makes the one result an error.
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![
            json!({"name": "no-id", "properties": {"enabled": "yes"}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_result(&f, &sub_id(), Status::Error, "item 0 of the list");
    }
}
