//! AZ-MON-008: the ten CIS activity log alerts exist.

use super::support::{alert_verdict, each_alert_list};
use super::*;

/// The operations of CIS 6.2.1–6.2.10, in benchmark order.
pub(crate) const OPERATIONS: [&str; 10] = [
    "Microsoft.Authorization/policyAssignments/write",
    "Microsoft.Authorization/policyAssignments/delete",
    "Microsoft.Network/networkSecurityGroups/write",
    "Microsoft.Network/networkSecurityGroups/delete",
    "Microsoft.Security/securitySolutions/write",
    "Microsoft.Security/securitySolutions/delete",
    "Microsoft.Sql/servers/firewallRules/write",
    "Microsoft.Sql/servers/firewallRules/delete",
    "Microsoft.Network/publicIPAddresses/write",
    "Microsoft.Network/publicIPAddresses/delete",
];

pub static CHECK: Check = Check {
    id: "AZ-MON-008",
    title: "Activity log alerts exist for the CIS security-relevant operations",
    family: Family::Mon,
    severity: Severity::Medium,
    scope: Scope::Subscription,
    condition: "For each of the ten CIS operations (policyAssignments, networkSecurityGroups, securitySolutions, \
Sql/servers/firewallRules, publicIPAddresses; write and delete) an enabled activity log alert scoped to the subscription \
matches the operation and names an action group; one result per operation.",
    rationale: "These operations are how an attacker opens a path in and removes the guardrails around it: a new public IP or \
an opened NSG or SQL firewall rule exposes a workload, a deleted policy assignment or security solution removes detection. \
Each is a single API call that leaves only an Activity Log entry; an alert puts a human on it within minutes and gives the \
responder the first timestamp of the intrusion.",
    reads: "13",
    parameters: &[],
    references: &[
        cis("6.2.1"),
        cis("6.2.2"),
        cis("6.2.3"),
        cis("6.2.4"),
        cis("6.2.5"),
        cis("6.2.6"),
        cis("6.2.7"),
        cis("6.2.8"),
        cis("6.2.9"),
        cis("6.2.10"),
    ],
    remediation: Remediation {
        portal: &[
            "Open Monitor > Alerts > Create > Alert rule, and select the subscription as the scope.",
            "Condition: pick the operation's signal from the Administrative activity log (for example 'Create or Update Network Security Group'); leave level, status and caller at 'All'.",
            "Actions: select an action group with at least one receiver, keep 'Enable upon creation' ticked, and create it; repeat for each missing operation.",
        ],
        cli: "az monitor activity-log alert create --name alert-nsg-write --resource-group <resource-group> \
--subscription {subscription} --scope /subscriptions/{subscription} \
--condition category=Administrative and operationName=<operation-name> \
--action-group <action-group-id>",
        bicep: r#"param actionGroupId string
var operations = [
  'Microsoft.Authorization/policyAssignments/write'
  'Microsoft.Authorization/policyAssignments/delete'
  'Microsoft.Network/networkSecurityGroups/write'
  'Microsoft.Network/networkSecurityGroups/delete'
  'Microsoft.Security/securitySolutions/write'
  'Microsoft.Security/securitySolutions/delete'
  'Microsoft.Sql/servers/firewallRules/write'
  'Microsoft.Sql/servers/firewallRules/delete'
  'Microsoft.Network/publicIPAddresses/write'
  'Microsoft.Network/publicIPAddresses/delete'
]
resource alerts 'Microsoft.Insights/activityLogAlerts@2020-10-01' = [for (op, i) in operations: {
  name: 'alert-cis-6-2-${i + 1}'
  location: 'global'
  properties: {
    enabled: true
    scopes: [ subscription().id ]
    condition: {
      allOf: [
        { field: 'category', equals: 'Administrative' }
        { field: 'operationName', equals: op }
      ]
    }
    actions: { actionGroups: [ { actionGroupId: actionGroupId } ] }
  }
}]"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    // A failed list: one error on the subscription, no result per operation.
    each_alert_list(&mut out, ctx.inv, |out, sub, alerts| {
        for op in OPERATIONS {
            let v = alert_verdict(alerts, &sub.id, &[op], op);
            out.verdict(v, &sub.resource_id(), Some(&sub.id)).item = Some(op.to_string());
        }
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
            "properties": {"scopes": [format!("/subscriptions/{SUB}")], "condition": {"allOf": all_of},
                           "actions": {"actionGroups": [{"actionGroupId": AG}]}}
        })
    }

    fn item<'a>(f: &'a [Finding], op: &str) -> &'a Finding {
        result(f, &sub_id(), Some(op))
    }

    #[test]
    fn one_result_per_operation() {
        let mut inv = inv();
        let mut disabled = alert(
            "pip-delete",
            json!([{"field": "operationName", "equals": "Microsoft.Network/publicIPAddresses/delete"}]),
        );
        disabled["properties"]["enabled"] = json!(false);
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![
            alert(
                "nsg",
                json!([{"field": "category", "equals": "Administrative"},
                                {"field": "operationName", "containsAny": ["Microsoft.Network/networkSecurityGroups/write", "Microsoft.Network/networkSecurityGroups/delete"]}]),
            ),
            alert(
                "policy-write",
                json!([{"field": "operationName", "equals": "microsoft.authorization/policyassignments/write"}]),
            ),
            alert(
                "sql-fw",
                json!([{"anyOf": [
                {"field": "operationName", "equals": "Microsoft.Sql/servers/firewallRules/write"},
                {"field": "operationName", "equals": "Microsoft.Sql/servers/firewallRules/delete"}]}]),
            ),
            disabled,
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 10, "{f:#?}");
        assert!(f
            .iter()
            .all(|x| x.resource_id == sub_id() && x.item.is_some()));
        for op in [
            "Microsoft.Network/networkSecurityGroups/write",
            "Microsoft.Network/networkSecurityGroups/delete",
            "Microsoft.Authorization/policyAssignments/write",
            "Microsoft.Sql/servers/firewallRules/write",
            "Microsoft.Sql/servers/firewallRules/delete",
        ] {
            assert_eq!(
                item(&f, op).status,
                Status::Pass,
                "{op}: {:?}",
                item(&f, op)
            );
            assert!(item(&f, op).reason.contains(op), "{op}");
        }
        let pip = item(&f, "Microsoft.Network/publicIPAddresses/delete");
        assert_eq!(pip.status, Status::Fail);
        assert!(
            pip.reason.contains("'pip-delete' is disabled"),
            "{}",
            pip.reason
        );
        let sec = item(&f, "Microsoft.Security/securitySolutions/write");
        assert_eq!(sec.status, Status::Fail);
        assert!(
            sec.reason
                .contains("matches Microsoft.Security/securitySolutions/write"),
            "{}",
            sec.reason
        );
    }

    #[test]
    fn failed_list_is_one_error_without_item() {
        let mut inv = inv();
        sub(&mut inv).activity_log_alerts = Err(forbidden("/x/activityLogAlerts"));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the activity log alerts list",
        );
    }

    #[test]
    fn malformed_alert_makes_unmatched_operations_errors() {
        let mut inv = inv();
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![
            alert(
                "pip-write",
                json!([{"field": "operationName", "equals": "Microsoft.Network/publicIPAddresses/write"}]),
            ),
            json!({"id": rid("rg", "microsoft.insights/activityLogAlerts", "broken"), "properties": {"scopes": "oops"}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 10);
        assert_eq!(
            item(&f, "Microsoft.Network/publicIPAddresses/write").status,
            Status::Pass
        );
        let other = item(&f, "Microsoft.Network/publicIPAddresses/delete");
        assert_eq!(other.status, Status::Error);
        assert!(other.reason.contains("alert 'broken'"), "{}", other.reason);
        assert_eq!(f.iter().filter(|x| x.status == Status::Error).count(), 9);
    }

    #[test]
    fn resource_type_condition_narrows_to_that_type() {
        let mut inv = inv();
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![alert(
            "nsg-any",
            json!([{"field": "category", "equals": "Administrative"},
                   {"field": "resourceType", "equals": "Microsoft.Network/networkSecurityGroups"}]),
        )]));
        let f = run(&CHECK, &inv);
        assert_eq!(
            item(&f, "Microsoft.Network/networkSecurityGroups/write").status,
            Status::Pass
        );
        assert_eq!(
            item(&f, "Microsoft.Network/networkSecurityGroups/delete").status,
            Status::Pass
        );
        assert_eq!(
            item(&f, "Microsoft.Network/publicIPAddresses/write").status,
            Status::Fail
        );
    }

    #[test]
    fn an_id_less_alert_gives_no_subscription_error_beside_the_operations() {
        let mut inv = inv();
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![
            alert(
                "pip-write",
                json!([{"field": "operationName", "equals": "Microsoft.Network/publicIPAddresses/write"}]),
            ),
            json!({"name": "no-id", "properties": {"scopes": "oops"}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 10, "{f:#?}");
        assert!(f.iter().all(|x| x.item.is_some()), "{f:#?}");
        assert_eq!(
            item(&f, "Microsoft.Network/publicIPAddresses/write").status,
            Status::Pass
        );
        assert_eq!(f.iter().filter(|x| x.status == Status::Error).count(), 9);
    }
}
