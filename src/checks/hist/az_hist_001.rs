//! AZ-HIST-001: no evidence-impairing event by an untrusted caller in the
//! Activity Log of the last `history_days`.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-HIST-001",
    title: "No evidence-impairing operation by an untrusted caller in the Activity Log",
    family: Family::Hist,
    severity: Severity::High,
    scope: Scope::Subscription,
    condition: "No evidence-impairing event by an untrusted caller in the last `history_days` of the Activity Log: \
a `Succeeded` event whose operation is the delete of a diagnostic setting (Azure Monitor or Entra ID), activity log \
alert, action group, data collection rule or association, flow log, network watcher, immutability policy, lock, \
Sentinel data connector, analytics rule, setting or onboarding state, security contact or machine extension, a \
workspace delete, purge or table delete, or a deleted vault's purge. A caller is trusted when it equals \
(case-insensitive) an entry of `trusted_change_callers`. One result per subscription, and one at `/tenants/{id}` for \
tenant-level events; the reason counts them and names the latest (time, caller, operation, resource). A history that \
could not be read, or longer than the scanner's bound, makes the result `error` unless an impairing event found in \
what was read already fails it.",
    rationale: "An attacker who reaches Owner does not delete the Activity Log, which cannot be deleted; they delete \
the diagnostic setting that exports it, purge a workspace, delete a flow log, remove a lock, unplug a Sentinel \
connector or uninstall an agent (ATT&CK T1562.008, T1070, T1485). Azure keeps the trace of each of these in the \
Activity Log for 90 days. An impairing operation nobody approved is either an incident or a process gap, and the \
evidence it switched off is missing from then on; the tamper timeline beside the results names who did it, from \
where and when.",
    reads: "36, 37",
    parameters: &[Param::HistoryDays, Param::TrustedChangeCallers],
    references: &[attack("T1562.008"), attack("T1070"), attack("T1485")],
    remediation: Remediation {
        portal: &[
            "Open Monitor > Activity log, set the time span to the last {history_days} days and filter by the operation and resource the result names.",
            "Find out who the caller is and whether the change was approved; if it was not, treat it as an incident: restore the setting, lock or connector, and preserve what is left.",
            "If the caller is an approved deployment pipeline, add its object id, application id or user principal name to trusted_change_callers in the organisation profile.",
        ],
        cli: "az monitor activity-log list --subscription {subscription} --offset {history_days}d --status Succeeded \
--query \"[].{time:eventTimestamp, operation:operationName.value, caller:caller, resource:resourceId}\" --output table",
        bicep: r#"// Be told the next time: an activity log alert on the impairing operations.
param actionGroupId string
resource tamperAlert 'Microsoft.Insights/activityLogAlerts@2020-10-01' = {
  name: 'evidence-impairing-operations'
  location: 'global'
  properties: {
    enabled: true
    scopes: [ subscription().id ]
    condition: {
      allOf: [
        { field: 'category', equals: 'Administrative' }
        { anyOf: [
          { field: 'operationName', equals: 'Microsoft.Insights/diagnosticSettings/delete' }
          { field: 'operationName', equals: 'Microsoft.OperationalInsights/workspaces/delete' }
          { field: 'operationName', equals: 'Microsoft.Authorization/locks/delete' }
          { field: 'operationName', equals: 'Microsoft.Network/networkWatchers/flowLogs/delete' }
        ] }
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
    let h = &ctx.inv.history;
    let days = h
        .window
        .as_ref()
        .map_or(ctx.params.history_days, |w| w.days);
    out.each_sub(ctx.inv, |out, sub| {
        let read = h.subscriptions.get(&sub.id).filter(|_| h.window.is_some());
        let (id, what) = (sub.resource_id(), format!("subscription {}", sub.label()));
        // A subscription that could not itself be read, or whose every list
        // failed: its own error is the cause, unless the history that was
        // read holds an untrusted impairing event (a fail that stands).
        if let SubscriptionStatus::Error { error } = &sub.status {
            if let Some(r) = read.filter(|r| untrusted_impairing(r, ctx.params)) {
                judge(out, ctx.params, days, &id, Some(&sub.id), Some(r), &what);
            }
            out.read_error(&id, Some(&sub.id), &what, error);
            return;
        }
        judge(out, ctx.params, days, &id, Some(&sub.id), read, &what);
    });
    let tenant = ctx.inv.tenant_resource_id();
    judge(
        &mut out,
        ctx.params,
        days,
        &tenant,
        None,
        h.tenant.as_ref().filter(|_| h.window.is_some()),
        "the tenant",
    );
    out.done()
}

/// Whether `read` holds an evidence-impairing event by an untrusted caller.
fn untrusted_impairing(read: &HistoryRead, params: &Params) -> bool {
    read.distinct().any(|e| {
        matches!(classify(e), Some((EventClass::Impairing, _))) && !is_trusted(e.caller(), params)
    })
}

fn judge(
    out: &mut Out,
    params: &Params,
    days: i64,
    scope: &str,
    sub: Option<&str>,
    read: Option<&HistoryRead>,
    what: &str,
) {
    let Some(read) = read else {
        out.error(
            scope,
            sub,
            format!("the Activity Log of {what} was not read"),
        );
        return;
    };
    let mut impairing: Vec<(&ActivityEvent, bool)> = read
        .distinct()
        .filter(|e| matches!(classify(e), Some((EventClass::Impairing, _))))
        .map(|e| (e, is_trusted(e.caller(), params)))
        .collect();
    impairing.sort_by(|(a, _), (b, _)| {
        time_key(a.timestamp())
            .cmp(&time_key(b.timestamp()))
            .then_with(|| a.operation().cmp(b.operation()))
    });
    let untrusted: Vec<&ActivityEvent> = impairing
        .iter()
        .filter(|(_, t)| !t)
        .map(|(e, _)| *e)
        .collect();
    let trusted = impairing.len() - untrusted.len();
    let trusted_note = if trusted > 0 {
        format!("; {trusted} by trusted callers")
    } else {
        String::new()
    };
    if let Some(latest) = untrusted.last() {
        out.fail(
            scope,
            sub,
            format!(
                "{} evidence-impairing event(s) by untrusted callers in the last {days} days of the Activity Log of {what}{trusted_note}; latest: {} by '{}': {} on '{}'",
                untrusted.len(),
                latest.timestamp(),
                latest.caller(),
                latest.operation(),
                latest.resource_id.as_deref().unwrap_or("(no resource id)"),
            ),
        );
    }
    // What could not be read: `error` unless a fail above stands (then
    // `done` folds it into that reason).
    for e in &read.errors {
        out.error(
            scope,
            sub,
            format!("could not read the Activity Log of {what}: {e}"),
        );
    }
    for m in &read.malformed {
        out.error(
            scope,
            sub,
            format!(
                "event {} of the Activity Log of {what} could not be parsed (it may be evidence-impairing): {}",
                m.position, m.error
            ),
        );
    }
    if untrusted.is_empty() && read.errors.is_empty() && read.malformed.is_empty() {
        out.pass(
            scope,
            sub,
            format!(
                "no evidence-impairing event by an untrusted caller in the last {days} days of the Activity Log of {what} ({} event(s) read{trusted_note})",
                read.distinct().count()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::{HistoryRead, HistoryWindow, Malformed};
    use serde_json::{json, Value};

    fn event(op: &str, status: &str, caller: &str, time: &str) -> Value {
        json!({"eventDataId": format!("{op}-{caller}-{time}"), "eventTimestamp": time, "caller": caller,
               "operationName": {"value": op, "localizedValue": op},
               "status": {"value": status, "localizedValue": status},
               "httpRequest": {"clientIpAddress": "203.0.113.9"},
               "resourceId": format!("/subscriptions/{SUB}/resourceGroups/rg/providers/x/y/{caller}"),
               "correlationId": "c-1"})
    }

    fn read(events: Vec<Value>) -> HistoryRead {
        HistoryRead {
            events: events.into_iter().map(parse).collect(),
            ..HistoryRead::default()
        }
    }

    fn estate(sub_events: Option<HistoryRead>, tenant: Option<HistoryRead>) -> Inventory {
        let mut inv = inv();
        inv.history.window = Some(HistoryWindow {
            start: "2026-08-22T09:00:00Z".into(),
            end: "2026-11-20T09:00:00Z".into(),
            days: 90,
            max_events: 100,
        });
        if let Some(r) = sub_events {
            inv.history.subscriptions.insert(SUB.into(), r);
        }
        inv.history.tenant = tenant;
        inv
    }

    const DEL: &str = "Microsoft.Insights/diagnosticSettings/delete";

    fn tenant_id() -> String {
        format!("/tenants/{TENANT}")
    }

    #[test]
    fn an_untrusted_impairing_event_fails_and_the_latest_is_named() {
        let inv = estate(
            Some(read(vec![
                event(
                    DEL,
                    "Succeeded",
                    "mallory@contoso.com",
                    "2026-11-01T10:00:00.1234567Z",
                ),
                event(
                    "microsoft.operationalinsights/workspaces/purge/action",
                    "Succeeded",
                    "eve@contoso.com",
                    "2026-11-02T10:00:00Z",
                ),
                event(DEL, "Failed", "late@contoso.com", "2026-11-10T10:00:00Z"),
                event(
                    "Microsoft.Storage/storageAccounts/listKeys/action",
                    "Succeeded",
                    "lead@contoso.com",
                    "2026-11-11T10:00:00Z",
                ),
            ])),
            Some(read(vec![])),
        );
        let f = run(&CHECK, &inv);
        let r = result(&f, &sub_id(), None);
        assert_eq!(r.status, Status::Fail, "{r:?}");
        assert!(r.reason.starts_with("2 evidence-impairing"), "{}", r.reason);
        assert!(
            r.reason
                .contains("latest: 2026-11-02T10:00:00Z by 'eve@contoso.com'"),
            "{}",
            r.reason
        );
        assert_result(&f, &tenant_id(), Status::Pass, "0 event(s) read");
    }

    #[test]
    fn trusted_callers_pass_and_are_counted() {
        let inv = estate(
            Some(read(vec![event(
                DEL,
                "Succeeded",
                "Pipeline@Contoso.com",
                "2026-11-01T10:00:00Z",
            )])),
            Some(read(vec![])),
        );
        let mut params = crate::profile::Baseline::default().params;
        assert_eq!(
            status(&run_with(&CHECK, &inv, &params), &sub_id()),
            Status::Fail
        );
        params.trusted_change_callers = vec!["pipeline@contoso.com".into()];
        let f = run_with(&CHECK, &inv, &params);
        assert_result(&f, &sub_id(), Status::Pass, "1 by trusted callers");
    }

    #[test]
    fn a_failed_or_bounded_read_is_error_but_a_fail_stands_over_it() {
        let bound = ReadError {
            request:
                "GET /subscriptions/x/providers/Microsoft.Insights/eventtypes/management/values"
                    .into(),
            status: None,
            code: "HistoryBound".into(),
            message: "more than 100 events".into(),
        };
        // Nothing impairing read, one listing over the bound: error, never pass.
        let mut r = read(vec![event(
            "Microsoft.KeyVault/vaults/write",
            "Succeeded",
            "a",
            "2026-11-01T10:00:00Z",
        )]);
        r.errors.push(bound.clone());
        let f = run(&CHECK, &estate(Some(r.clone()), Some(read(vec![]))));
        assert_result(&f, &sub_id(), Status::Error, "HistoryBound");
        // An impairing event read stands: fail, naming what could not be read.
        r.events.push(parse(event(
            DEL,
            "Succeeded",
            "mallory",
            "2026-11-03T10:00:00Z",
        )));
        let f = run(&CHECK, &estate(Some(r), Some(read(vec![]))));
        let res = result(&f, &sub_id(), None);
        assert_eq!(res.status, Status::Fail);
        assert!(
            res.reason.contains("also could not read") && res.reason.contains("HistoryBound"),
            "{}",
            res.reason
        );
        assert_eq!(f.len(), 2, "one result per scope: {f:?}");
    }

    #[test]
    fn a_subscription_whose_lists_all_failed_still_fails_on_the_history_it_read() {
        // Every list 403 (the subscription is unreadable), its Activity Log
        // read: an impairing event found there is a fail that stands, and
        // the timeline that shows it agrees; nothing found stays `error`.
        let unreadable = |events: Vec<Value>| {
            let mut inv = estate(Some(read(events)), Some(read(vec![])));
            sub(&mut inv).status = SubscriptionStatus::Error {
                error: forbidden("resources"),
            };
            inv
        };
        let inv = unreadable(vec![event(
            DEL,
            "Succeeded",
            "mallory@contoso.com",
            "2026-11-01T10:00:00Z",
        )]);
        let f = run(&CHECK, &inv);
        assert_result(&f, &sub_id(), Status::Fail, "1 evidence-impairing event(s)");
        assert_result(&f, &sub_id(), Status::Fail, "also ");
        let inv = unreadable(vec![]);
        assert_eq!(status(&run(&CHECK, &inv), &sub_id()), Status::Error);
    }

    #[test]
    fn a_malformed_event_makes_error_and_unread_history_is_error() {
        let mut r = read(vec![]);
        r.malformed.push(Malformed {
            position: 3,
            id: None,
            error: "invalid type".into(),
        });
        let f = run(&CHECK, &estate(Some(r), None));
        assert_result(&f, &sub_id(), Status::Error, "event 3");
        // The tenant result always exists: error when its listing was not read.
        assert_result(&f, &tenant_id(), Status::Error, "not read");
        // No history read at all: every scope is error.
        let f = run(&CHECK, &inv());
        assert_eq!(status(&f, &sub_id()), Status::Error);
        assert_eq!(status(&f, &tenant_id()), Status::Error);
    }

    #[test]
    fn tenant_level_events_fail_the_tenant_only() {
        let tenant = read(vec![event(
            "microsoft.aadiam/diagnosticSettings/delete",
            "Succeeded",
            "x@y",
            "2026-11-05T00:00:00Z",
        )]);
        let f = run(&CHECK, &estate(Some(read(vec![])), Some(tenant)));
        assert_eq!(status(&f, &sub_id()), Status::Pass);
        assert_result(
            &f,
            &tenant_id(),
            Status::Fail,
            "microsoft.aadiam/diagnosticSettings/delete",
        );
    }

    #[test]
    fn classification_follows_the_baseline() {
        assert_eq!(
            classify_operation("MICROSOFT.AUTHORIZATION/LOCKS/DELETE"),
            Some((EventClass::Impairing, "T1485"))
        );
        assert_eq!(
            classify_operation("Microsoft.Compute/virtualMachines/extensions/delete"),
            Some((EventClass::Impairing, "T1562.001"))
        );
        assert_eq!(
            classify_operation("Microsoft.Security/pricings/write"),
            Some((EventClass::Change, "T1562.008"))
        );
        assert_eq!(
            classify_operation("Microsoft.Storage/storageAccounts/write"),
            Some((EventClass::Change, "T1562.008"))
        );
        assert_eq!(
            classify_operation("Microsoft.Compute/virtualMachines/runCommand/action"),
            Some((EventClass::Lead, "T1651"))
        );
        assert_eq!(
            classify_operation("Microsoft.Authorization/roleAssignments/write"),
            Some((EventClass::Lead, "T1098"))
        );
        assert_eq!(
            classify_operation("Microsoft.Compute/virtualMachines/write"),
            None
        );
        assert_eq!(
            classify_operation("Microsoft.Storage/storageAccounts/delete"),
            None
        );
    }

    #[test]
    fn the_timeline_is_ordered_and_the_same_whatever_the_listing_order() {
        let events = vec![
            event(
                "Microsoft.Authorization/roleAssignments/write",
                "Succeeded",
                "b",
                "2026-11-02T10:00:00Z",
            ),
            event(DEL, "Succeeded", "a", "2026-11-02T10:00:00.0000000Z"),
            event(
                "Microsoft.KeyVault/vaults/write",
                "Succeeded",
                "c",
                "2026-11-01T23:59:59.9999999Z",
            ),
            event(
                "Microsoft.Compute/virtualMachines/write",
                "Succeeded",
                "d",
                "2026-11-03T00:00:00Z",
            ),
        ];
        let mut params = crate::profile::Baseline::default().params;
        params.trusted_change_callers = vec!["c".into()];
        let t1 = timeline(
            &estate(Some(read(events.clone())), Some(read(vec![]))),
            &params,
        );
        let mut rev = events.clone();
        rev.reverse();
        // The same event listed twice (two pages) is shown once.
        rev.push(events[1].clone());
        let listed_twice = estate(Some(read(rev)), Some(read(vec![])));
        let t2 = timeline(&listed_twice, &params);
        assert_eq!(t1, t2);
        // ... and counted once by the check.
        assert_result(
            &run_with(&CHECK, &listed_twice, &params),
            &sub_id(),
            Status::Fail,
            "1 evidence-impairing event(s)",
        );
        let ops: Vec<(&str, EventClass, bool)> = t1
            .events
            .iter()
            .map(|e| (e.caller.as_str(), e.class, e.trusted))
            .collect();
        assert_eq!(
            ops,
            vec![
                ("c", EventClass::Change, true),
                ("a", EventClass::Impairing, false),
                ("b", EventClass::Lead, false)
            ]
        );
        assert_eq!(t1.latest_impairing(5)[0].client_ip, "203.0.113.9");
        assert_eq!(t1.scopes.len(), 2);
    }
}
