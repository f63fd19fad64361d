//! AZ-SEN-001: Microsoft Sentinel is onboarded on at least one workspace in scope.

use super::support::{join, onboarding, Onboarding};
use super::*;
use crate::inventory::last_segment;

pub static CHECK: Check = Check {
    id: "AZ-SEN-001",
    title: "Microsoft Sentinel is onboarded on a workspace in scope",
    family: Family::Sen,
    severity: Severity::High,
    scope: Scope::Tenant,
    condition: "At least one Log Analytics workspace in scope (the workspaces of every scanned subscription) is onboarded to \
Microsoft Sentinel (its onboarding states read returns a state). No workspace in scope fails. A workspace found onboarded \
passes even when other reads failed; otherwise a failed workspace list or onboarding read makes the result error.",
    rationale: "Logs that are collected but never analysed detect nothing. Sentinel correlates sign-ins, Activity Log, \
Defender alerts and resource logs into incidents, keeps the investigation graph, and runs the hunting queries a responder \
uses to scope a compromise; without it, every investigation starts from raw tables and nobody is alerted to the attack in \
the first place.",
    reads: "10, 22",
    parameters: &[],
    references: &[mcsb("LT-5")],
    remediation: Remediation {
        portal: &[
            "Open Microsoft Sentinel and select + Create.",
            "Choose the central security Log Analytics workspace and select Add.",
        ],
        cli: "az rest --method put --url https://management.azure.com<workspace-id>/providers/Microsoft.SecurityInsights/onboardingStates/default?api-version=2025-09-01 \
--body '{\"properties\":{}}'",
        bicep: r#"param workspaceName string
resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: workspaceName
}
resource onboarding 'Microsoft.SecurityInsights/onboardingStates@2025-09-01' = {
  scope: workspace
  name: 'default'
  properties: {}
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    let tenant = ctx.inv.tenant_resource_id();
    let mut seen = Vec::new();
    let mut unknown = Vec::new();
    // The first onboarded workspace decides; the others are then not looked at.
    let mut onboarded = None;
    drivers::each_listed_id(
        ctx.inv,
        "workspaces",
        |s| &s.workspaces,
        |w| &w.id,
        &mut unknown,
        |unknown, sub, ws| {
            if onboarded.is_some() {
                return;
            }
            let name = last_segment(ws);
            match onboarding(ctx.inv, ws) {
                Onboarding::Onboarded => {
                    onboarded = Some(format!(
                        "workspace '{name}' (subscription {}) is onboarded to Microsoft Sentinel",
                        sub.id
                    ));
                }
                Onboarding::NotOnboarded => seen.push(format!("'{name}'")),
                Onboarding::Unknown(cause) => unknown.push(format!("workspace '{name}': {cause}")),
            }
        },
    );
    if let Some(reason) = onboarded {
        out.pass(&tenant, None, reason);
        return out.done();
    }
    let found = if seen.is_empty() {
        "no readable workspace in scope is onboarded to Microsoft Sentinel".to_string()
    } else {
        format!(
            "none of the {} workspace(s) in scope is onboarded to Microsoft Sentinel ({})",
            seen.len(),
            join(&seen)
        )
    };
    if let Some(first) = unknown.first() {
        let more = if unknown.len() > 1 {
            format!(" (and {} more unread)", unknown.len() - 1)
        } else {
            String::new()
        };
        out.error(&tenant, None, format!("{found}, but {first}{more}"));
    } else if seen.is_empty() {
        out.fail(
            &tenant,
            None,
            "no Log Analytics workspace in scope, so Microsoft Sentinel is not onboarded anywhere",
        );
    } else {
        out.fail(&tenant, None, found);
    }
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::{norm_id, Inventory};
    use serde_json::json;

    fn tenant() -> String {
        format!("/tenants/{TENANT}")
    }

    fn ws(sub: &str, name: &str) -> String {
        format!("/subscriptions/{sub}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/{name}")
    }

    fn onboard(inv: &mut Inventory, id: &str, onboarded: bool) {
        let items = if onboarded {
            vec![
                json!({"id": format!("{id}/providers/Microsoft.SecurityInsights/onboardingStates/default"), "name": "default", "properties": {"customerManagedKey": false}}),
            ]
        } else {
            vec![]
        };
        inv.reads
            .onboarding_states
            .insert(norm_id(id), Ok(listing(items)));
    }

    #[test]
    fn one_onboarded_workspace_anywhere_passes() {
        let mut e = with_second(inv());
        let a = ws(SUB, "law-a");
        let b = ws(SUB2, "law-b");
        sub(&mut e).workspaces = Ok(listing(vec![json!({"id": a, "name": "law-a"})]));
        sub_n(&mut e, 1).workspaces = Ok(listing(vec![json!({"id": b, "name": "law-b"})]));
        onboard(&mut e, &a, false);
        onboard(&mut e, &b, true);
        let f = run(&CHECK, &e);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].subscription_id, None);
        assert_result(&f, &tenant(), Status::Pass, "workspace 'law-b'");

        // A pass found stands even when another read failed.
        e.reads
            .onboarding_states
            .insert(norm_id(&a), Err(forbidden("onboardingStates")));
        assert_result(&run(&CHECK, &e), &tenant(), Status::Pass, "law-b");

        onboard(&mut e, &a, false);
        onboard(&mut e, &b, false);
        assert_result(&run(&CHECK, &e), &tenant(), Status::Fail, "none of the 2 workspace(s) in scope is onboarded to Microsoft Sentinel ('law-a' and 'law-b')");
    }

    #[test]
    fn no_workspace_fails() {
        let f = run(&CHECK, &with_second(inv()));
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &tenant(),
            Status::Fail,
            "no Log Analytics workspace in scope",
        );
    }

    #[test]
    fn failed_reads_make_error_not_fail() {
        // A workspace list failed.
        let mut e = with_second(inv());
        let a = ws(SUB, "law-a");
        sub(&mut e).workspaces = Ok(listing(vec![json!({"id": a})]));
        onboard(&mut e, &a, false);
        sub_n(&mut e, 1).workspaces = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.OperationalInsights/workspaces",
        ));
        let f = run(&CHECK, &e);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &tenant(),
            Status::Error,
            "workspaces of subscription 22222222",
        );

        // An onboarding read failed, or was never made.
        let mut e = inv();
        sub(&mut e).workspaces = Ok(listing(vec![json!({"id": a})]));
        e.reads
            .onboarding_states
            .insert(norm_id(&a), Err(forbidden("onboardingStates")));
        assert_result(
            &run(&CHECK, &e),
            &tenant(),
            Status::Error,
            "AuthorizationFailed",
        );
        e.reads.onboarding_states.clear();
        assert_result(&run(&CHECK, &e), &tenant(), Status::Error, "was not read");

        // A workspace item without an id.
        let mut e = inv();
        sub(&mut e).workspaces = Ok(listing(vec![
            json!({"name": "x", "properties": {"retentionInDays": "long"}}),
        ]));
        assert_result(
            &run(&CHECK, &e),
            &tenant(),
            Status::Error,
            "item 0 of the workspaces list",
        );
    }

    #[test]
    fn malformed_workspace_with_id_is_followed() {
        let mut e = inv();
        let a = ws(SUB, "law-a");
        sub(&mut e).workspaces = Ok(listing(vec![
            json!({"id": a, "properties": {"retentionInDays": "long"}}),
        ]));
        onboard(&mut e, &a, true);
        assert_result(&run(&CHECK, &e), &tenant(), Status::Pass, "law-a");
    }
}
