//! AZ-MON-009: alerts reach someone.

use super::*;
use crate::inventory::{last_segment, same_id, subscription_of, Inventory, SubscriptionStatus};

pub static CHECK: Check = Check {
    id: "AZ-MON-009",
    title: "Alert rules route to an existing, enabled action group with receivers",
    family: Family::Mon,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "Every enabled activity log alert and every enabled scheduled query rule routes to at least one action group \
that exists (in the action group list of a scanned subscription), is enabled, and has at least one receiver; the reason also \
names each referenced group that does not qualify. Disabled alerts and rules are not_applicable. A group in another \
subscription whose list could not be read does not qualify (the reason names it); when the alert's own subscription's list \
cannot be read, one error on the subscription stands for its alerts that no readable group serves.",
    rationale: "An alert that fires into a deleted, disabled or empty action group looks configured in every review and tells \
no one: the detection exists on paper while the attacker works unobserved. Action groups are deleted or emptied in clean-ups \
and by attackers alike, and nothing warns when the alerts that pointed at them go silent.",
    reads: "13, 14, 15",
    parameters: &[],
    references: &[baseline_ref("action groups")],
    remediation: Remediation {
        portal: &[
            "Open Monitor > Alerts > Action groups: create an action group (or fix the existing one) with at least one receiver (email, SMS, push, webhook, Logic App or ITSM), and make sure it is enabled.",
            "Open Monitor > Alerts > Alert rules, select the rule, and under Actions select that action group; remove references to deleted groups.",
            "For a scheduled query rule from the command line use `az monitor scheduled-query update --action-groups <action-group-id>`.",
        ],
        cli: "az monitor activity-log alert action-group add --name {name} --resource-group {resource_group} --subscription {subscription} \
--action-group <action-group-id>",
        bicep: r#"param socEmail string
resource soc 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-soc'
  location: 'global'
  properties: {
    enabled: true
    groupShortName: 'soc'
    emailReceivers: [
      { name: 'soc-mailbox', emailAddress: socEmail, useCommonAlertSchema: true }
    ]
  }
}"#,
    },
    evaluate,
};

/// The state of one referenced action group.
enum Route {
    Ok(String),
    Fail(String),
    /// Not assessable from what this scan read (a group in an unscanned or
    /// skipped subscription, or one that could not be parsed in the alert's
    /// own subscription).
    Error(String),
    /// The list of another scanned subscription that would hold it could
    /// not be read (baseline, "Isolation": a cross-subscription input, which
    /// never turns a `fail` into `error`).
    Unread(String),
    /// The alert's own subscription's action group list failed: the one
    /// `error` on that subscription stands for it.
    OwnListFailed,
}

fn route(inv: &Inventory, alert_sub: &str, ag_id: &str) -> Route {
    let short = last_segment(ag_id);
    // The first scanned subscription whose action groups hold the id.
    let found = inv.scanned().find_map(|s| {
        let Ok(groups) = &s.action_groups else {
            return None;
        };
        if let Some(g) = groups.items.iter().find(|g| same_id(&g.id, ag_id)) {
            let name = g.display_name();
            if !g.enabled() {
                return Some(Route::Fail(format!("action group '{name}' is disabled")));
            }
            return Some(match g.receiver_count() {
                0 => Route::Fail(format!("action group '{name}' has no receiver")),
                n => Route::Ok(format!(
                    "'{name}' (enabled, {n} receiver{})",
                    if n == 1 { "" } else { "s" }
                )),
            });
        }
        groups.malformed_with_id(ag_id).map(|m| {
            let why = format!("action group '{short}' could not be parsed: {}", m.error);
            if s.id.eq_ignore_ascii_case(alert_sub) {
                Route::Error(why)
            } else {
                Route::Unread(format!("{why} (subscription {})", s.id))
            }
        })
    });
    if let Some(r) = found {
        return r;
    }
    let Some(holder) = subscription_of(ag_id) else {
        return Route::Fail(format!(
            "action group '{}' does not exist (its id names no subscription)",
            ag_id.trim()
        ));
    };
    let Some(s) = inv
        .subscriptions
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(&holder))
    else {
        return Route::Error(format!(
            "action group '{short}' is in subscription {holder}, which was not scanned"
        ));
    };
    if let SubscriptionStatus::Skipped { reason } = &s.status {
        return Route::Error(format!(
            "action group '{short}' is in subscription {holder}, which was skipped ({reason})"
        ));
    }
    let own = holder.eq_ignore_ascii_case(alert_sub);
    match &s.action_groups {
        Err(_) if own => Route::OwnListFailed,
        Err(e) => Route::Unread(format!(
            "could not read the action groups list of subscription {holder} to find '{short}': {e}"
        )),
        Ok(groups) if !groups.malformed.is_empty() => {
            let why = format!(
                "action group '{short}' is not among the readable action groups of subscription {holder}, and {} item(s) of that list could not be parsed",
                groups.malformed.len()
            );
            if own {
                Route::Error(why)
            } else {
                Route::Unread(why)
            }
        }
        Ok(_) => Route::Fail(format!(
            "action group '{short}' does not exist (not in the action groups of subscription {holder})"
        )),
    }
}

/// Pushes the result of one enabled alert or rule (baseline: it routes to
/// at least one qualifying action group; the reason names each referenced
/// group that does not qualify).
fn assess(out: &mut Out, inv: &Inventory, sub: &str, id: &str, label: &str, groups: &[&str]) {
    if groups.is_empty() {
        out.fail(id, Some(sub), format!("{label} routes to no action group"));
        return;
    }
    let routes: Vec<Route> = groups.iter().map(|g| route(inv, sub, g)).collect();
    let pick = |want: fn(&Route) -> Option<&String>| -> Vec<&str> {
        routes.iter().filter_map(want).map(String::as_str).collect()
    };
    let oks = pick(|r| match r {
        Route::Ok(s) => Some(s),
        _ => None,
    });
    let fails = pick(|r| match r {
        Route::Fail(s) => Some(s),
        _ => None,
    });
    let errors = pick(|r| match r {
        Route::Error(s) => Some(s),
        _ => None,
    });
    let unread = pick(|r| match r {
        Route::Unread(s) => Some(s),
        _ => None,
    });
    let own_list_failed = routes.iter().any(|r| matches!(r, Route::OwnListFailed));
    let others: Vec<&str> = fails
        .iter()
        .chain(&errors)
        .chain(&unread)
        .copied()
        .collect();
    if !oks.is_empty() {
        let oks: Vec<String> = oks.iter().map(|s| s.to_string()).collect();
        let mut reason = format!("{label} routes to {}", super::support::join(&oks));
        if !others.is_empty() {
            reason.push_str(&format!("; also {}", others.join("; ")));
        }
        out.pass(id, Some(sub), reason);
    } else if own_list_failed {
        // The subscription's one `error` (its action group list) stands for it.
    } else if !errors.is_empty() {
        out.error(id, Some(sub), format!("{label}: {}", others.join("; ")));
    } else {
        // Every referenced group fails, or lies in another subscription
        // whose list could not be read (which never turns a fail into error).
        let mut reason = format!("{label} routes to no qualifying action group");
        if !fails.is_empty() {
            reason.push_str(&format!(": {}", fails.join("; ")));
        }
        if !unread.is_empty() {
            reason.push_str(&format!(
                "; no readable one qualifies, and {}",
                unread.join("; ")
            ));
        }
        out.fail(id, Some(sub), reason);
    }
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_sub(ctx.inv, |out, sub| {
        // A failed action group list is one error on the subscription.
        out.list(sub, "action groups", &sub.action_groups);
        out.items_of(
            sub,
            "activity log alerts",
            "activity log alert",
            &sub.activity_log_alerts,
            |out, sub, a| {
                let label = format!("activity log alert '{}'", a.display_name());
                if !a.enabled() {
                    out.not_applicable(&a.id, Some(&sub.id), format!("{label} is disabled"));
                    return;
                }
                assess(out, ctx.inv, &sub.id, &a.id, &label, &a.action_group_ids());
            },
        );
        out.items_of(
            sub,
            "scheduled query rules",
            "scheduled query rule",
            &sub.scheduled_query_rules,
            |out, sub, r| {
                let label = format!("scheduled query rule '{}'", r.display_name());
                if !r.enabled() {
                    out.not_applicable(&r.id, Some(&sub.id), format!("{label} is disabled"));
                    return;
                }
                assess(out, ctx.inv, &sub.id, &r.id, &label, &r.action_group_ids());
            },
        );
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::Subscription;
    use serde_json::{json, Value};

    fn ag_id(sub: &str, name: &str) -> String {
        format!("/subscriptions/{sub}/resourceGroups/rg-ops/providers/microsoft.insights/actionGroups/{name}")
    }

    fn group(sub: &str, name: &str, enabled: Option<bool>, emails: usize) -> Value {
        let receivers: Vec<Value> = (0..emails)
            .map(|i| json!({"name": format!("r{i}"), "emailAddress": "soc@example.com", "status": "Enabled"}))
            .collect();
        let mut v = json!({"id": ag_id(sub, name), "name": name, "location": "Global",
                           "properties": {"groupShortName": name, "emailReceivers": receivers, "smsReceivers": []}});
        if let Some(e) = enabled {
            v["properties"]["enabled"] = json!(e);
        }
        v
    }

    fn alert(name: &str, groups: &[String], enabled: Option<bool>) -> Value {
        let ags: Vec<Value> = groups.iter().map(|g| json!({"actionGroupId": g})).collect();
        let mut v = json!({"id": rid("rg-ops", "microsoft.insights/activityLogAlerts", name), "name": name,
                           "properties": {"scopes": [sub_id()], "condition": {"allOf": []}, "actions": {"actionGroups": ags}}});
        if let Some(e) = enabled {
            v["properties"]["enabled"] = json!(e);
        }
        v
    }

    fn rule(name: &str, groups: &[String], enabled: Option<bool>) -> Value {
        let mut v = json!({"id": rid("rg-ops", "microsoft.insights/scheduledqueryrules", name), "name": name,
                           "properties": {"severity": 2, "actions": {"actionGroups": groups}}});
        if let Some(e) = enabled {
            v["properties"]["enabled"] = json!(e);
        }
        v
    }

    fn alert_id(name: &str) -> String {
        rid("rg-ops", "microsoft.insights/activityLogAlerts", name)
    }
    fn rule_id(name: &str) -> String {
        rid("rg-ops", "microsoft.insights/scheduledqueryrules", name)
    }

    #[test]
    fn routes_pass_and_broken_routes_fail() {
        let mut inv = inv();
        sub(&mut inv).action_groups = Ok(listing(vec![
            group(SUB, "soc", Some(true), 2),
            group(SUB, "off", Some(false), 1),
            group(SUB, "empty", Some(true), 0),
            group(SUB, "implicit", None, 1),
        ]));
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![
            alert("good", &[ag_id(SUB, "SOC").to_uppercase()], None),
            alert(
                "to-off",
                &[ag_id(SUB, "soc"), ag_id(SUB, "off")],
                Some(true),
            ),
            alert("to-empty", &[ag_id(SUB, "empty")], Some(true)),
            alert("to-gone", &[ag_id(SUB, "deleted")], Some(true)),
            alert("nowhere", &[], Some(true)),
            alert("sleeping", &[], Some(false)),
        ]));
        sub(&mut inv).scheduled_query_rules = Ok(listing(vec![
            rule("q-good", &[ag_id(SUB, "implicit")], Some(true)),
            rule("q-empty", &[], None),
            rule("q-off", &[ag_id(SUB, "deleted")], Some(false)),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 9, "{f:#?}");
        assert_result(
            &f,
            &alert_id("good"),
            Status::Pass,
            "activity log alert 'good' routes to 'soc' (enabled, 2 receivers)",
        );
        // At least one qualifying group: the disabled one is named.
        assert_result(
            &f,
            &alert_id("to-off"),
            Status::Pass,
            "routes to 'soc' (enabled, 2 receivers); also action group 'off' is disabled",
        );
        assert_result(
            &f,
            &alert_id("to-empty"),
            Status::Fail,
            "action group 'empty' has no receiver",
        );
        assert_result(
            &f,
            &alert_id("to-gone"),
            Status::Fail,
            "action group 'deleted' does not exist",
        );
        assert_result(
            &f,
            &alert_id("nowhere"),
            Status::Fail,
            "routes to no action group",
        );
        assert_result(
            &f,
            &alert_id("sleeping"),
            Status::NotApplicable,
            "'sleeping' is disabled",
        );
        assert_result(
            &f,
            &rule_id("q-good"),
            Status::Pass,
            "scheduled query rule 'q-good' routes to 'implicit' (enabled, 1 receiver)",
        );
        assert_result(
            &f,
            &rule_id("q-empty"),
            Status::Fail,
            "scheduled query rule 'q-empty' routes to no action group",
        );
        assert_result(&f, &rule_id("q-off"), Status::NotApplicable, "is disabled");
    }

    #[test]
    fn action_group_in_another_scanned_subscription_counts() {
        let mut inv = with_second(inv());
        sub_n(&mut inv, 1).action_groups = Ok(listing(vec![group(SUB2, "central", Some(true), 1)]));
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![alert(
            "cross",
            &[ag_id(SUB2, "central")],
            None,
        )]));
        assert_result(
            &run(&CHECK, &inv),
            &alert_id("cross"),
            Status::Pass,
            "'central'",
        );
    }

    /// Baseline "Isolation": another subscription's failed list never turns
    /// a `fail` into `error`; the subscription's own failed list is one
    /// `error` on it.
    #[test]
    fn unreadable_holder_lists() {
        let mut inv = with_second(inv());
        sub(&mut inv).action_groups = Ok(listing(vec![
            group(SUB, "soc", Some(true), 1),
            group(SUB, "off", Some(false), 1),
        ]));
        sub_n(&mut inv, 1).action_groups = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Insights/actionGroups",
        ));
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![
            alert("cross", &[ag_id(SUB, "soc"), ag_id(SUB2, "central")], None),
            alert("only-cross", &[ag_id(SUB2, "central")], None),
            alert("mixed", &[ag_id(SUB, "off"), ag_id(SUB2, "central")], None),
        ]));
        let a2 = rid("rg", "microsoft.insights/activityLogAlerts", "x").replace(SUB, SUB2);
        let own_off =
            rid("rg", "microsoft.insights/activityLogAlerts", "own-off").replace(SUB, SUB2);
        let mut in_sub2 = alert("x", &[ag_id(SUB2, "central")], None);
        in_sub2["id"] = json!(a2);
        let mut own_and_off = alert(
            "own-off",
            &[ag_id(SUB2, "central"), ag_id(SUB, "off")],
            None,
        );
        own_and_off["id"] = json!(own_off);
        let mut served = alert("served", &[ag_id(SUB, "soc")], None);
        let served_id =
            rid("rg", "microsoft.insights/activityLogAlerts", "served").replace(SUB, SUB2);
        served["id"] = json!(served_id);
        sub_n(&mut inv, 1).activity_log_alerts = Ok(listing(vec![in_sub2, own_and_off, served]));
        let f = run(&CHECK, &inv);
        assert_result(&f, &alert_id("cross"), Status::Pass, "'soc'");
        assert_result(
            &f,
            &alert_id("only-cross"),
            Status::Fail,
            "could not read the action groups list of subscription 22222222",
        );
        assert_result(&f, &alert_id("mixed"), Status::Fail, "'off' is disabled");
        // SUB2's own list failed: one error there, its served alert passes.
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the action groups list",
        );
        assert_result(&f, &served_id, Status::Pass, "'soc'");
        assert_eq!(f.len(), 5, "no result for SUB2's unserved alerts: {f:#?}");
    }

    #[test]
    fn unscanned_or_skipped_holder_and_malformed_groups_are_errors() {
        let mut inv = inv();
        let skipped = "33333333-3333-3333-3333-333333333333";
        inv.subscriptions.push(Subscription::unread(
            skipped,
            SubscriptionStatus::Skipped {
                reason: "state Disabled".into(),
            },
        ));
        let other = "44444444-4444-4444-4444-444444444444";
        sub(&mut inv).action_groups = Ok(listing(vec![
            json!({"id": ag_id(SUB, "broken"), "properties": {"enabled": "yes"}}),
        ]));
        sub(&mut inv).activity_log_alerts = Ok(listing(vec![
            alert("to-other", &[ag_id(other, "x")], None),
            alert("to-skipped", &[ag_id(skipped, "y")], None),
            alert("to-broken", &[ag_id(SUB, "broken")], None),
            alert("to-missing", &[ag_id(SUB, "missing")], None),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &alert_id("to-other"),
            Status::Error,
            "which was not scanned",
        );
        assert_result(
            &f,
            &alert_id("to-skipped"),
            Status::Error,
            "which was skipped (state Disabled)",
        );
        assert_result(
            &f,
            &alert_id("to-broken"),
            Status::Error,
            "action group 'broken' could not be parsed",
        );
        // Missing, but the list holds an unreadable item that might be it.
        assert_result(
            &f,
            &alert_id("to-missing"),
            Status::Error,
            "1 item(s) of that list could not be parsed",
        );
    }

    #[test]
    fn failed_alert_lists_and_malformed_alerts() {
        let mut inv = inv();
        sub(&mut inv).activity_log_alerts = Err(forbidden("/x/activityLogAlerts"));
        sub(&mut inv).scheduled_query_rules = Ok(listing(vec![
            json!({"id": rule_id("bad"), "properties": {"enabled": "true"}}),
            json!({"name": "no-id"}),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(
            f.len(),
            2,
            "one merged error on the subscription, one on the rule: {f:#?}"
        );
        assert!(f.iter().any(|x| x.resource_id == sub_id()
            && x.status == Status::Error
            && x.reason
                .contains("could not read the activity log alerts list")));
        assert!(f.iter().any(|x| x.resource_id == sub_id()
            && x.status == Status::Error
            && x.reason
                .contains("item 1 of the scheduled query rules list")));
        assert_result(
            &f,
            &rule_id("bad"),
            Status::Error,
            "the scheduled query rule could not be parsed",
        );
    }
}
