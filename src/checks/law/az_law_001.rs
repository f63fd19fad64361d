//! AZ-LAW-001: Log Analytics workspace interactive retention is long enough.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-LAW-001",
    title: "Log Analytics workspace retention meets the minimum",
    family: Family::Law,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "The workspace's `retentionInDays` is at least `law_min_retention_days` (absent counts as 30 days).",
    rationale: "Intrusions are typically discovered weeks or months after the first access. The workspace retention is \
how far back a responder can query the logs it holds; with the default 30 days, the initial access, the reconnaissance and \
the persistence an attacker set up have already been deleted by the time the incident is noticed, and an attacker who \
waits out the window erases their tracks without touching anything.",
    reads: "10",
    parameters: &[Param::LawMinRetentionDays],
    references: &[mcsb("LT-6"), attack("T1070")],
    remediation: Remediation {
        portal: &[
            "Open the Log Analytics workspace > Settings > Usage and estimated costs > Data retention.",
            "Set the retention to at least {law_min_retention_days} days (the baseline minimum in force; up to 730 days) and OK.",
            "For longer, cheaper retention of specific tables, also set a total retention per table (AZ-LAW-002).",
        ],
        cli: "az monitor log-analytics workspace update --workspace-name {name} --resource-group {resource_group} --subscription {subscription} --retention-time {law_min_retention_days}",
        bicep: r#"resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: workspaceName
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: {law_min_retention_days}
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    let min = ctx.params.law_min_retention_days;
    out.each_item(
        ctx.inv,
        "Log Analytics workspaces",
        "Log Analytics workspace",
        |s| &s.workspaces,
        |out, sub, ws| {
            let days = ws.retention_days();
            let set = ws
                .properties
                .as_ref()
                .and_then(|p| p.retention_in_days)
                .is_some();
            let what = if set {
                format!("retentionInDays is {days}")
            } else {
                format!("retentionInDays not set (defaults to {days})")
            };
            let reason = format!(
                "workspace '{}': {what}, minimum {min} days",
                ws.display_name()
            );
            if days >= min {
                out.pass(&ws.id, Some(&sub.id), reason);
            } else {
                out.fail(&ws.id, Some(&sub.id), reason);
            }
        },
    );
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::checks::Params;
    use serde_json::json;

    #[test]
    fn retention_against_the_minimum_with_default() {
        let mut inv = inv();
        let long = rid("rg", "Microsoft.OperationalInsights/workspaces", "law-long");
        let exact = rid(
            "rg",
            "Microsoft.OperationalInsights/workspaces",
            "law-exact",
        );
        let short = rid(
            "rg",
            "Microsoft.OperationalInsights/workspaces",
            "law-short",
        );
        let unset = rid(
            "rg",
            "Microsoft.OperationalInsights/workspaces",
            "law-unset",
        );
        sub(&mut inv).workspaces = Ok(listing(vec![
            json!({"id": long, "name": "law-long", "properties": {"retentionInDays": 365, "sku": {"name": "PerGB2018"}}}),
            json!({"id": exact, "name": "law-exact", "properties": {"retentionInDays": 90}}),
            json!({"id": short, "name": "law-short", "properties": {"retentionInDays": 89}}),
            json!({"id": unset, "name": "law-unset", "properties": {"customerId": "c"}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &long,
            Status::Pass,
            "workspace 'law-long': retentionInDays is 365, minimum 90 days",
        );
        assert_result(&f, &exact, Status::Pass, "retentionInDays is 90");
        assert_result(
            &f,
            &short,
            Status::Fail,
            "retentionInDays is 89, minimum 90 days",
        );
        assert_result(
            &f,
            &unset,
            Status::Fail,
            "retentionInDays not set (defaults to 30)",
        );

        let params = Params {
            law_min_retention_days: 30,
            ..Params::defaults()
        };
        let f = run_with(&CHECK, &inv, &params);
        assert_result(&f, &unset, Status::Pass, "defaults to 30), minimum 30 days");
    }

    #[test]
    fn malformed_workspace_and_failed_list_are_errors() {
        let mut inv = with_second(inv());
        let bad = rid("rg", "Microsoft.OperationalInsights/workspaces", "law-bad");
        sub(&mut inv).workspaces = Ok(listing(vec![
            json!({"id": bad, "properties": {"retentionInDays": "ninety"}}),
            json!({"properties": {"retentionInDays": "ninety"}}),
        ]));
        sub_n(&mut inv, 1).workspaces = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.OperationalInsights/workspaces",
        ));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &bad,
            Status::Error,
            "the Log Analytics workspace could not be parsed",
        );
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 1 of the Log Analytics workspaces list",
        );
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the Log Analytics workspaces list",
        );
        assert_eq!(f.len(), 3);
    }
}
