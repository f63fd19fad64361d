//! AZ-LAW-003: a resource lock protects the workspace.

use super::support::scope_covers;
use super::*;
use crate::inventory::{last_segment, same_id, Lock};

pub static CHECK: Check = Check {
    id: "AZ-LAW-003",
    title: "Log Analytics workspace is protected by a resource lock",
    family: Family::Law,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "A lock covers the workspace: a `CanNotDelete` or `ReadOnly` lock at the workspace's scope or any ancestor \
scope (its resource group or the subscription).",
    rationale: "Deleting the workspace is the fastest way to destroy every log it holds, and attackers with Contributor \
rights use it to cover their tracks; a mistaken clean-up does the same damage. A CanNotDelete lock makes deletion a \
two-step operation that needs the lock removed first (itself an Activity Log event that can be alerted on), which buys the \
time for someone to notice.",
    reads: "10, 20",
    parameters: &[],
    references: &[attack("T1070"), attack("T1485")],
    remediation: Remediation {
        portal: &[
            "Open the Log Analytics workspace > Settings > Locks > + Add.",
            "Name the lock, choose lock type 'Delete' (CanNotDelete), add a note naming the owner, then OK.",
            "Alert on lock deletion (Microsoft.Authorization/locks/delete) so removing the protection is noticed.",
        ],
        cli: "az lock create --name protect-{name} --lock-type CanNotDelete --resource {id} --notes \"Security log workspace: do not delete\"",
        bicep: r#"resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: workspaceName
}
resource lock 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'protect-${workspaceName}'
  scope: workspace
  properties: {
    level: 'CanNotDelete'
    notes: 'Security log workspace: do not delete'
  }
}"#,
    },
    evaluate,
};

/// Where a lock sits relative to the workspace, for reasons.
fn placement(scope: &str, target: &str) -> String {
    if same_id(scope, target) {
        return "on the workspace".to_string();
    }
    let segs: Vec<&str> = scope.split('/').filter(|x| !x.is_empty()).collect();
    match segs.as_slice() {
        [s0, _] if s0.eq_ignore_ascii_case("subscriptions") => "on the subscription".to_string(),
        [s0, _, r, rg]
            if s0.eq_ignore_ascii_case("subscriptions")
                && r.eq_ignore_ascii_case("resourceGroups") =>
        {
            format!("on resource group '{rg}'")
        }
        _ => format!("at {scope}"),
    }
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_list(ctx.inv, "Log Analytics workspaces", |s| &s.workspaces, |out, sub, workspaces| {
        // Decided from the workspace's id and the lock list: a workspace whose
        // own body could not be parsed is still assessed when its id is readable.
        let mut targets: Vec<(&str, &str)> = workspaces
            .items
            .iter()
            .map(|w| (w.id.as_str(), w.display_name()))
            .collect();
        targets.extend(
            workspaces
                .malformed
                .iter()
                .filter_map(|m| m.id.as_deref())
                .map(|id| (id, last_segment(id))),
        );
        if targets.is_empty() {
            return; // no workspace to assess: the lock list is not needed
        }
        let Some(locks) = out.list(sub, "management locks", &sub.locks) else {
            return;
        };
        for (id, name) in targets {
            let covering: Vec<&Lock> = locks
                .items
                .iter()
                .filter(|l| l.protects() && !l.scope().is_empty() && scope_covers(l.scope(), id))
                .collect();
            if !covering.is_empty() {
                let named: Vec<String> = covering
                    .iter()
                    .map(|l| {
                        format!(
                            "'{}' ({}) {}",
                            l.name.as_deref().unwrap_or_else(|| last_segment(&l.id)),
                            l.properties
                                .as_ref()
                                .and_then(|p| p.level.as_deref())
                                .unwrap_or(""),
                            placement(l.scope(), id)
                        )
                    })
                    .collect();
                out.pass(
                    id,
                    Some(&sub.id),
                    format!(
                        "workspace '{name}' is covered by lock{} {}",
                        if named.len() == 1 { "" } else { "s" },
                        support::join(&named)
                    ),
                );
                continue;
            }
            // Locks that could not be read and may cover the workspace.
            let mut unreadable = locks
                .items
                .iter()
                .filter(|l| l.protects() && l.scope().is_empty())
                .count();
            unreadable += locks
                .malformed
                .iter()
                .filter(|m| match &m.id {
                    Some(lock_id) => {
                        let scope = Lock {
                            id: lock_id.clone(),
                            ..Lock::default()
                        }
                        .scope()
                        .to_string();
                        scope.is_empty() || scope_covers(&scope, id)
                    }
                    None => true,
                })
                .count();
            let reason = format!(
                "no CanNotDelete or ReadOnly lock on workspace '{name}', its resource group or the subscription"
            );
            if unreadable > 0 {
                out.error(
                    id,
                    Some(&sub.id),
                    format!("{reason} among the locks read; {unreadable} lock(s) that may cover it could not be read"),
                );
            } else {
                out.fail(id, Some(&sub.id), reason);
            }
        }
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    fn lock(scope: &str, name: &str, level: &str) -> serde_json::Value {
        json!({
            "id": format!("{}/providers/Microsoft.Authorization/locks/{name}", scope.trim_end_matches('/')),
            "type": "Microsoft.Authorization/locks",
            "name": name,
            "properties": {"level": level, "notes": "keep"}
        })
    }

    fn rg(name: &str) -> String {
        format!("/subscriptions/{SUB}/resourceGroups/{name}")
    }

    fn ws(rg: &str, name: &str) -> (String, serde_json::Value) {
        let id = format!("/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{name}");
        let body = json!({"id": id, "name": name, "properties": {"retentionInDays": 90}});
        (id, body)
    }

    #[test]
    fn direct_and_inherited_locks_cover() {
        let mut inv = with_second(inv());
        let (own, own_b) = ws("rg-own", "law-own");
        let (by_rg, by_rg_b) = ws("rg-locked", "law-rg");
        let (none, none_b) = ws("rg-open", "law-open");
        let (similar, similar_b) = ws("rg-lock", "law-similar");
        sub(&mut inv).workspaces = Ok(listing(vec![own_b, by_rg_b, none_b, similar_b]));
        sub(&mut inv).locks = Ok(listing(vec![
            lock(&own, "ws-lock", "CanNotDelete"),
            lock(&rg("RG-LOCKED"), "rg-lock", "readonly"),
            // a lock on another resource in rg-open does not cover the workspace
            lock(
                &rid("rg-open", "Microsoft.Storage/storageAccounts", "st"),
                "st-lock",
                "CanNotDelete",
            ),
        ]));
        // SUB2: a subscription-wide lock.
        let (sub2_ws, _) = ws("rg-x", "law-x");
        let sub2_ws = sub2_ws.replace(SUB, SUB2);
        sub_n(&mut inv, 1).workspaces = Ok(listing(vec![
            json!({"id": sub2_ws, "name": "law-x", "properties": {}}),
        ]));
        sub_n(&mut inv, 1).locks = Ok(listing(vec![lock(
            &format!("/subscriptions/{SUB2}"),
            "sub-lock",
            "CanNotDelete",
        )]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &own,
            Status::Pass,
            "covered by lock 'ws-lock' (CanNotDelete) on the workspace",
        );
        assert_result(
            &f,
            &by_rg,
            Status::Pass,
            "lock 'rg-lock' (readonly) on resource group 'RG-LOCKED'",
        );
        assert_result(
            &f,
            &none,
            Status::Fail,
            "no CanNotDelete or ReadOnly lock on workspace 'law-open', its resource group or the subscription",
        );
        // resource group 'RG-LOCKED' is not an ancestor of 'rg-lock'
        assert_result(
            &f,
            &similar,
            Status::Fail,
            "no CanNotDelete or ReadOnly lock",
        );
        assert_result(
            &f,
            &sub2_ws,
            Status::Pass,
            "lock 'sub-lock' (CanNotDelete) on the subscription",
        );
    }

    #[test]
    fn other_levels_do_not_protect() {
        let mut inv = inv();
        let (id, body) = ws("rg", "law");
        sub(&mut inv).workspaces = Ok(listing(vec![body]));
        sub(&mut inv).locks = Ok(listing(vec![lock(&id, "odd", "NotSpecified")]));
        assert_result(
            &run(&CHECK, &inv),
            &id,
            Status::Fail,
            "no CanNotDelete or ReadOnly lock",
        );
    }

    #[test]
    fn unreadable_locks_make_a_would_be_fail_an_error() {
        let mut inv = inv();
        let (a, a_b) = ws("rg-a", "law-a");
        let (b, b_b) = ws("rg-b", "law-b");
        let (c, c_b) = ws("rg-c", "law-c");
        sub(&mut inv).workspaces = Ok(listing(vec![a_b, b_b, c_b]));
        sub(&mut inv).locks = Ok(listing(vec![
            // malformed, on rg-a: may cover law-a only
            json!({"id": format!("{}/providers/Microsoft.Authorization/locks/bad", rg("rg-a")), "properties": {"level": 1}}),
            lock(&rg("rg-c"), "c-lock", "CanNotDelete"),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &a,
            Status::Error,
            "1 lock(s) that may cover it could not be read",
        );
        assert_result(&f, &b, Status::Fail, "no CanNotDelete or ReadOnly lock");
        assert_result(&f, &c, Status::Pass, "'c-lock'");

        // An item with no id: one error on the subscription, and no fail anywhere.
        sub(&mut inv).locks = Ok(listing(vec![
            json!({"properties": {"level": 1}}),
            lock(&rg("rg-c"), "c-lock", "CanNotDelete"),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 0 of the management locks list",
        );
        assert_result(&f, &a, Status::Error, "could not be read");
        assert_result(&f, &b, Status::Error, "could not be read");
        assert_result(&f, &c, Status::Pass, "'c-lock'");
    }

    #[test]
    fn malformed_workspace_with_id_is_assessed_from_the_locks() {
        let mut inv = inv();
        let (id, _) = ws("rg-a", "law-bad");
        sub(&mut inv).workspaces = Ok(listing(vec![
            json!({"id": id, "properties": {"retentionInDays": "x"}}),
            json!({"properties": {"retentionInDays": "x"}}),
        ]));
        sub(&mut inv).locks = Ok(listing(vec![lock(&rg("rg-a"), "rg-lock", "CanNotDelete")]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &id,
            Status::Pass,
            "workspace 'law-bad' is covered by lock 'rg-lock'",
        );
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 1 of the Log Analytics workspaces list",
        );
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn failed_lock_list_is_one_error_on_the_subscription() {
        let mut inv = with_second(inv());
        let (_, a_b) = ws("rg-a", "law-a");
        let (_, b_b) = ws("rg-b", "law-b");
        sub(&mut inv).workspaces = Ok(listing(vec![a_b, b_b]));
        sub(&mut inv).locks = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Authorization/locks",
        ));
        // SUB2 has no workspace: its failed lock list is not needed.
        sub_n(&mut inv, 1).locks = Err(forbidden(
            "/subscriptions/y/providers/Microsoft.Authorization/locks",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the management locks list",
        );
    }

    #[test]
    fn failed_workspace_list_is_one_error_on_the_subscription() {
        let mut inv = inv();
        sub(&mut inv).workspaces = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.OperationalInsights/workspaces",
        ));
        sub(&mut inv).locks = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Authorization/locks",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "could not read the Log Analytics workspaces list",
        );
    }
}
