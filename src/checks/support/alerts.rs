//! Baseline alert matching (AZ-MON-006 … 008): whether an activity log
//! alert matches an operation on a subscription, and why not.

use super::{join, Verdict};
use crate::checks::Out;
use crate::inventory::{
    eq_ci, last_segment, same_id, ActivityLogAlert, AlertCondition, Inventory, Listing,
    Subscription,
};

/// The activity log alerts of every scanned subscription, for the "at least
/// one" alert checks (AZ-MON-006/007/008): a failed list is one `error` on
/// the subscription; items that could not be parsed, with or without an id,
/// are left to [`alert_verdict`], which makes a result `error` only when no
/// readable alert passes it. So a pass stands with no `error` beside it for
/// the same subscription (baseline, "At least one conditions").
pub fn each_alert_list(
    out: &mut Out,
    inv: &Inventory,
    mut f: impl FnMut(&mut Out, &Subscription, &Listing<ActivityLogAlert>),
) {
    out.each_sub(inv, |out, sub| match &sub.activity_log_alerts {
        Ok(alerts) => f(out, sub, alerts),
        Err(e) => {
            out.error(
                &sub.resource_id(),
                Some(&sub.id),
                format!("could not read the activity log alerts list: {e}"),
            );
        }
    });
}

/// The resource type an operation acts on: the operation minus its last segment.
pub fn operation_resource_type(op: &str) -> &str {
    op.rsplit_once('/').map(|(t, _)| t).unwrap_or(op)
}

fn is_op_condition(c: &AlertCondition) -> bool {
    eq_ci(c.field.as_deref(), "operationName")
}

fn op_condition_names(c: &AlertCondition, op: &str) -> bool {
    eq_ci(c.equals.as_deref(), op)
        || c.contains_any
            .as_ref()
            .is_some_and(|v| v.iter().any(|x| x.eq_ignore_ascii_case(op)))
}

/// Baseline alert matching: whether `alert` matches operation `op` for the
/// subscription `sub_id` (enabled, an action group, scoped to the
/// subscription, and no narrowing condition).
pub fn alert_matches(alert: &ActivityLogAlert, sub_id: &str, op: &str) -> bool {
    alert_mismatch(alert, sub_id, op).is_none()
}

/// Why `alert` does not match operation `op` for subscription `sub_id`
/// (`None` when it matches), for the reasons of AZ-MON-006/007/008.
pub fn alert_mismatch(alert: &ActivityLogAlert, sub_id: &str, op: &str) -> Option<String> {
    let name = alert.display_name();
    if !alert.enabled() {
        return Some(format!("'{name}' is disabled"));
    }
    if alert.action_group_ids().is_empty() {
        return Some(format!("'{name}' has no action group"));
    }
    let sub_scope = format!("/subscriptions/{sub_id}");
    if !alert.scopes().iter().any(|s| same_id(s, &sub_scope)) {
        let scopes = alert.scopes();
        return Some(if scopes.is_empty() {
            format!("'{name}' has no scope")
        } else {
            format!(
                "'{name}' is scoped to {} rather than the subscription",
                join(
                    &scopes
                        .iter()
                        .map(|s| s.trim().to_string())
                        .collect::<Vec<_>>()
                )
            )
        });
    }
    let conditions = alert.conditions();
    if conditions.is_empty() {
        return Some(format!("'{name}' has no condition"));
    }
    for c in conditions {
        let field = c.field.as_deref();
        let problem = if eq_ci(field, "category") {
            (!(eq_ci(c.equals.as_deref(), "Administrative") && c.contains_any.is_none())).then(
                || {
                    format!(
                        "its category condition is '{}', not Administrative",
                        c.equals.as_deref().unwrap_or("(containsAny)")
                    )
                },
            )
        } else if is_op_condition(c) {
            (!op_condition_names(c, op))
                .then(|| "its operationName condition names other operations".to_string())
        } else if eq_ci(field, "resourceType") {
            (!(eq_ci(c.equals.as_deref(), operation_resource_type(op)) && c.contains_any.is_none()))
                .then(|| "its resourceType condition names another resource type".to_string())
        } else if field.is_none() {
            match &c.any_of {
                Some(any) if !any.is_empty() && any.iter().all(is_op_condition) => {
                    (!any.iter().any(|a| eq_ci(a.equals.as_deref(), op)))
                        .then(|| "its anyOf condition names other operations".to_string())
                }
                Some(_) => Some("it is narrowed by an anyOf condition on other fields".to_string()),
                None => Some("it has a condition with no field".to_string()),
            }
        } else {
            Some(format!(
                "it is narrowed by a '{}' condition",
                field.unwrap_or_default()
            ))
        };
        if let Some(p) = problem {
            return Some(format!("'{name}' does not match: {p}"));
        }
    }
    None
}

/// Whether any condition of `alert` (or of an `anyOf` inside it) names `op`
/// as operationName: the alerts worth naming when none matches.
pub fn alert_names_op(alert: &ActivityLogAlert, op: &str) -> bool {
    alert.conditions().iter().any(|c| {
        (is_op_condition(c) && op_condition_names(c, op))
            || c.any_of.as_ref().is_some_and(|any| {
                any.iter()
                    .any(|a| is_op_condition(a) && op_condition_names(a, op))
            })
    })
}

/// The "at least one alert" verdict of AZ-MON-006/007/008 for one
/// subscription: a matching alert for any of `ops` passes; otherwise a
/// malformed alert in the list (which might have matched) makes it `error`,
/// else `fail`, naming the alerts that name the operation but do not match.
/// `what` describes the operation(s) in the reason.
pub fn alert_verdict(
    alerts: &Listing<ActivityLogAlert>,
    sub_id: &str,
    ops: &[&str],
    what: &str,
) -> Verdict {
    for a in &alerts.items {
        if let Some(op) = ops.iter().find(|op| alert_matches(a, sub_id, op)) {
            return Verdict::Pass(format!(
                "enabled alert '{}' matches {op} on the subscription and notifies {}",
                a.display_name(),
                join(
                    &a.action_group_ids()
                        .iter()
                        .map(|g| format!("'{}'", last_segment(g)))
                        .collect::<Vec<_>>()
                )
            ));
        }
    }
    let near: Vec<String> = alerts
        .items
        .iter()
        .filter_map(|a| {
            ops.iter()
                .filter(|op| alert_names_op(a, op))
                .find_map(|op| alert_mismatch(a, sub_id, op))
        })
        .collect();
    let n = alerts.items.len() + alerts.malformed.len();
    let mut reason = format!(
        "no enabled activity log alert with an action group matches {what} on the subscription ({n} alert{} read",
        if n == 1 { "" } else { "s" }
    );
    if near.is_empty() {
        reason.push(')');
    } else {
        reason.push_str(&format!("; {})", near.join("; ")));
    }
    if let Some(m) = alerts.malformed.first() {
        let which = match &m.id {
            Some(id) => format!("alert '{}'", last_segment(id)),
            None => format!("item {} of the list", m.position),
        };
        return Verdict::Error(format!(
            "{reason}, and {} alert(s) could not be parsed ({which}: {})",
            alerts.malformed.len(),
            m.error
        ));
    }
    Verdict::Fail(reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn alert(v: serde_json::Value) -> ActivityLogAlert {
        serde_json::from_value(v).unwrap()
    }

    const SUB: &str = "11111111-1111-1111-1111-111111111111";
    const OP: &str = "Microsoft.Insights/diagnosticSettings/delete";

    fn base(all_of: serde_json::Value) -> serde_json::Value {
        json!({"id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Insights/activityLogAlerts/a",
               "properties": {"scopes": [format!("/subscriptions/{SUB}/")], "condition": {"allOf": all_of},
                              "actions": {"actionGroups": [{"actionGroupId": "/subscriptions/x/resourceGroups/rg/providers/microsoft.insights/actionGroups/ag"}]}}})
    }

    #[test]
    fn matches_equals_contains_and_any_of() {
        let eq = alert(base(
            json!([{"field": "category", "equals": "administrative"}, {"field": "operationName", "equals": OP.to_lowercase()}]),
        ));
        assert!(alert_matches(&eq, SUB, OP));
        let contains = alert(base(
            json!([{"field": "operationName", "containsAny": ["x", OP]}]),
        ));
        assert!(alert_matches(&contains, SUB, OP));
        let any = alert(base(
            json!([{"anyOf": [{"field": "operationName", "equals": "other"}, {"field": "operationName", "equals": OP}]}]),
        ));
        assert!(alert_matches(&any, SUB, OP));
        let rt = alert(base(
            json!([{"field": "resourceType", "equals": "microsoft.insights/diagnosticsettings"}, {"field": "operationName", "equals": OP}]),
        ));
        assert!(alert_matches(&rt, SUB, OP));
    }

    #[test]
    fn narrowing_conditions_and_scopes_do_not_match() {
        let level = alert(base(
            json!([{"field": "operationName", "equals": OP}, {"field": "level", "equals": "Critical"}]),
        ));
        assert!(!alert_matches(&level, SUB, OP));
        let other_op = alert(base(
            json!([{"field": "operationName", "equals": "Microsoft.Network/networkSecurityGroups/write"}]),
        ));
        assert!(!alert_matches(&other_op, SUB, OP));
        let mut rg = base(json!([{"field": "operationName", "equals": OP}]));
        rg["properties"]["scopes"] = json!([format!("/subscriptions/{SUB}/resourceGroups/rg")]);
        assert!(!alert_matches(&alert(rg), SUB, OP));
        let mut disabled = base(json!([{"field": "operationName", "equals": OP}]));
        disabled["properties"]["enabled"] = json!(false);
        assert!(!alert_matches(&alert(disabled), SUB, OP));
        let mut no_ag = base(json!([{"field": "operationName", "equals": OP}]));
        no_ag["properties"]["actions"] = json!({"actionGroups": []});
        assert!(!alert_matches(&alert(no_ag), SUB, OP));
        let mixed_any = alert(base(
            json!([{"anyOf": [{"field": "operationName", "equals": OP}, {"field": "status", "equals": "Succeeded"}]}]),
        ));
        assert!(!alert_matches(&mixed_any, SUB, OP));
    }
}

#[cfg(test)]
mod mon_helper_tests {
    use super::*;
    use serde_json::json;

    const SUB: &str = "11111111-1111-1111-1111-111111111111";
    const OP: &str = "Microsoft.Network/publicIPAddresses/write";

    fn alert(props: serde_json::Value) -> ActivityLogAlert {
        serde_json::from_value(json!({"id": "/subscriptions/x/resourceGroups/rg/providers/microsoft.insights/activityLogAlerts/a", "name": "a", "properties": props})).unwrap()
    }

    #[test]
    fn mismatch_explains_exactly_when_alert_matches_does_not_hold() {
        let ag = json!({"actionGroups": [{"actionGroupId": "/subscriptions/x/resourceGroups/rg/providers/microsoft.insights/actionGroups/ag"}]});
        let scope = json!([format!("/subscriptions/{SUB}")]);
        let conditions = [
            json!([{"field": "operationName", "equals": OP}]),
            json!([{"field": "category", "equals": "Administrative"}]),
            json!([{"field": "category", "equals": "Security"}]),
            json!([{"field": "category", "containsAny": ["Administrative"]}]),
            json!([{"field": "resourceType", "equals": "microsoft.network/publicipaddresses"}]),
            json!([{"field": "resourceType", "equals": "Microsoft.Network/networkSecurityGroups"}]),
            json!([{"field": "operationName", "containsAny": [OP]}]),
            json!([{"field": "operationName", "equals": "other"}]),
            json!([{"anyOf": [{"field": "operationName", "equals": OP}]}]),
            json!([{"anyOf": [{"field": "operationName", "equals": "other"}]}]),
            json!([{"anyOf": [{"field": "status", "equals": "x"}]}]),
            json!([{"anyOf": []}]),
            json!([{"equals": "x"}]),
            json!([{"field": "caller", "equals": "x"}, {"field": "operationName", "equals": OP}]),
            json!([]),
        ];
        let (mut checked, mut matched) = (0, 0);
        for c in &conditions {
            for enabled in [json!(true), json!(false), serde_json::Value::Null] {
                for actions in [ag.clone(), json!({})] {
                    for scopes in [
                        scope.clone(),
                        json!([format!("/subscriptions/{SUB}/resourceGroups/rg")]),
                        json!([]),
                    ] {
                        let a = alert(
                            json!({"enabled": enabled, "actions": actions, "scopes": scopes, "condition": {"allOf": c}}),
                        );
                        assert_eq!(
                            alert_mismatch(&a, SUB, OP).is_none(),
                            alert_matches(&a, SUB, OP),
                            "{c} {enabled} {actions} {scopes}: {:?}",
                            alert_mismatch(&a, SUB, OP)
                        );
                        checked += 1;
                        matched += usize::from(alert_matches(&a, SUB, OP));
                    }
                }
            }
        }
        assert_eq!(checked, conditions.len() * 18);
        assert_eq!(
            matched, 10,
            "enabled, notifying, on the subscription, matching condition"
        );
    }

    #[test]
    fn names_op_and_verdict() {
        let named = alert(
            json!({"condition": {"allOf": [{"anyOf": [{"field": "operationName", "equals": OP}]}]}}),
        );
        assert!(alert_names_op(&named, OP));
        assert!(!alert_names_op(
            &named,
            "Microsoft.Network/publicIPAddresses/delete"
        ));
        let listing = Listing::new(vec![named]);
        let v = alert_verdict(&listing, SUB, &[OP], OP);
        assert!(
            matches!(&v, Verdict::Fail(r) if r.contains("(1 alert read; 'a' has no action group)")),
            "{v:?}"
        );
    }
}
