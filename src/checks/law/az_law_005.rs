//! AZ-LAW-005: the workspace has no daily ingestion cap and is ingesting.

use super::*;
use crate::inventory::Workspace;

pub static CHECK: Check = Check {
    id: "AZ-LAW-005",
    title: "Log Analytics workspace has no daily ingestion cap",
    family: Family::Law,
    severity: Severity::High,
    scope: Scope::Resource,
    condition: "The workspace has no daily cap (`workspaceCapping.dailyQuotaGb` absent or -1) and \
`workspaceCapping.dataIngestionStatus` is not `OverQuota`, `ForceOff` or `SubscriptionSuspended` \
(a reached cap silently drops every log until the next day).",
    rationale: "Once a workspace reaches its daily cap, Azure Monitor stops collecting its data (a few Microsoft \
Defender for Cloud data types aside) until the cap resets the next day: sign-ins, audit logs and activity logs that \
arrive in the meantime are dropped, not queued. An attacker who floods the workspace with noise (or simply acts late in \
the day of a busy estate) blinds the SOC for hours, and the gap cannot be filled afterwards. A status of OverQuota, ForceOff or SubscriptionSuspended means the workspace is not \
ingesting right now.",
    reads: "10",
    parameters: &[],
    references: &[attack("T1562.008")],
    remediation: Remediation {
        portal: &[
            "Open the Log Analytics workspace > Settings > Usage and estimated costs > Daily cap.",
            "Set Daily cap to OFF and OK (control cost with commitment tiers, table plans or transformations instead of dropping security data).",
            "If the status stays OverQuota, ForceOff or SubscriptionSuspended, check the subscription's state and billing, and the workspace's Usage page for when ingestion stopped.",
        ],
        cli: "az monitor log-analytics workspace update --workspace-name {name} --resource-group {resource_group} --subscription {subscription} --quota -1",
        bicep: r#"resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: workspaceName
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 90
    workspaceCapping: {
      dailyQuotaGb: -1
    }
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_item(
        ctx.inv,
        "Log Analytics workspaces",
        "Log Analytics workspace",
        |s| &s.workspaces,
        |out, sub, ws| {
            let (status, reason) = judge(ws);
            out.push(status, &ws.id, Some(&sub.id), reason);
        },
    );
    out.done()
}

/// `pass` or `fail`, and the reason naming what was found.
fn judge(ws: &Workspace) -> (Status, String) {
    let name = ws.display_name();
    let mut problems = Vec::new();
    if let Some(gb) = ws.daily_cap_gb() {
        problems.push(format!(
            "has a daily cap of {gb} GB (workspaceCapping.dailyQuotaGb): once reached, every log is dropped until the cap resets"
        ));
    }
    if let Some(status) = ws.ingestion_stopped() {
        problems.push(format!(
            "has workspaceCapping.dataIngestionStatus {status}: it is not ingesting"
        ));
    }
    if !problems.is_empty() {
        return (
            Status::Fail,
            format!("workspace '{name}' {}", problems.join("; and ")),
        );
    }
    let status = ws
        .ingestion_status()
        .map(|s| format!("dataIngestionStatus {s}"))
        .unwrap_or_else(|| "no dataIngestionStatus".into());
    (
        Status::Pass,
        format!("workspace '{name}' has no daily cap ({status})"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::{json, Value};

    const WS: &str = "Microsoft.OperationalInsights/workspaces";

    fn capped(id: &str, name: &str, capping: Value) -> Value {
        json!({"id": id, "name": name, "properties": {"retentionInDays": 90, "workspaceCapping": capping}})
    }

    #[test]
    fn no_cap_passes_absent_or_minus_one() {
        let mut inv = inv();
        let minus_one = rid("rg", WS, "law-unlimited");
        let int_minus_one = rid("rg", WS, "law-int");
        let absent_quota = rid("rg", WS, "law-noquota");
        let no_capping = rid("rg", WS, "law-nocapping");
        let no_props = rid("rg", WS, "law-noprops");
        sub(&mut inv).workspaces = Ok(listing(vec![
            capped(
                &minus_one,
                "law-unlimited",
                json!({"dailyQuotaGb": -1.0, "quotaNextResetTime": "2026-11-20T14:00:00Z", "dataIngestionStatus": "RespectQuota"}),
            ),
            capped(
                &int_minus_one,
                "law-int",
                json!({"dailyQuotaGb": -1, "quotaNextResetTime": 0, "dataIngestionStatus": "respectquota"}),
            ),
            capped(
                &absent_quota,
                "law-noquota",
                json!({"dataIngestionStatus": null}),
            ),
            json!({"id": no_capping, "name": "law-nocapping", "properties": {"retentionInDays": 90}}),
            json!({"id": no_props, "name": "law-noprops"}),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 5);
        assert_result(
            &f,
            &minus_one,
            Status::Pass,
            "workspace 'law-unlimited' has no daily cap (dataIngestionStatus RespectQuota)",
        );
        assert_result(&f, &int_minus_one, Status::Pass, "no daily cap");
        assert_result(
            &f,
            &absent_quota,
            Status::Pass,
            "no daily cap (no dataIngestionStatus)",
        );
        assert_result(&f, &no_capping, Status::Pass, "no daily cap");
        assert_result(&f, &no_props, Status::Pass, "no daily cap");
    }

    #[test]
    fn a_daily_cap_fails_whatever_the_status() {
        let mut inv = inv();
        let small = rid("rg", WS, "law-capped");
        let zero = rid("rg", WS, "law-zero");
        let both = rid("rg", WS, "law-over");
        sub(&mut inv).workspaces = Ok(listing(vec![
            capped(
                &small,
                "law-capped",
                json!({"dailyQuotaGb": 0.5, "dataIngestionStatus": "RespectQuota"}),
            ),
            capped(&zero, "law-zero", json!({"dailyQuotaGb": 0})),
            capped(
                &both,
                "law-over",
                json!({"dailyQuotaGb": 5, "dataIngestionStatus": "OverQuota"}),
            ),
        ]));
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &small,
            Status::Fail,
            "workspace 'law-capped' has a daily cap of 0.5 GB (workspaceCapping.dailyQuotaGb)",
        );
        assert_result(&f, &zero, Status::Fail, "daily cap of 0 GB");
        assert_result(&f, &both, Status::Fail, "daily cap of 5 GB");
        assert_result(
            &f,
            &both,
            Status::Fail,
            "; and has workspaceCapping.dataIngestionStatus OverQuota: it is not ingesting",
        );
    }

    #[test]
    fn each_stopped_ingestion_status_fails_without_a_cap() {
        for status in [
            "OverQuota",
            "ForceOff",
            "SubscriptionSuspended",
            "overquota",
            "FORCEOFF",
        ] {
            let mut inv = inv();
            let id = rid("rg", WS, "law-stopped");
            sub(&mut inv).workspaces = Ok(listing(vec![capped(
                &id,
                "law-stopped",
                json!({"dailyQuotaGb": -1.0, "dataIngestionStatus": status}),
            )]));
            let f = run(&CHECK, &inv);
            assert_eq!(f.len(), 1, "{status}");
            assert_result(
                &f,
                &id,
                Status::Fail,
                &format!("workspace 'law-stopped' has workspaceCapping.dataIngestionStatus {status}: it is not ingesting"),
            );
        }
        // Other statuses (the documented ones and any future one) are not "stopped".
        for status in [
            "RespectQuota",
            "ForceOn",
            "ApproachingQuota",
            "ColdStorage",
            "SomethingNew",
        ] {
            let mut inv = inv();
            let id = rid("rg", WS, "law-ok");
            sub(&mut inv).workspaces = Ok(listing(vec![capped(
                &id,
                "law-ok",
                json!({"dataIngestionStatus": status}),
            )]));
            assert_result(&run(&CHECK, &inv), &id, Status::Pass, status);
        }
    }

    #[test]
    fn no_workspace_gives_no_result() {
        let mut inv = with_second(inv());
        sub(&mut inv).workspaces = Ok(listing(vec![]));
        sub_n(&mut inv, 1).workspaces = Ok(listing(vec![]));
        assert!(run(&CHECK, &inv).is_empty());
    }

    #[test]
    fn failed_list_and_malformed_workspaces_are_errors() {
        let mut inv = with_second(inv());
        let bad_quota = rid("rg", WS, "law-bad-quota");
        let bad_status = rid("rg", WS, "law-bad-status");
        let bad_capping = rid("rg", WS, "law-bad-capping");
        let good = rid("rg", WS, "law-good");
        sub(&mut inv).workspaces = Ok(listing(vec![
            capped(&bad_quota, "law-bad-quota", json!({"dailyQuotaGb": "-1"})),
            capped(
                &bad_status,
                "law-bad-status",
                json!({"dataIngestionStatus": 3}),
            ),
            capped(&bad_capping, "law-bad-capping", json!("unlimited")),
            capped(&good, "law-good", json!({"dailyQuotaGb": -1.0})),
            json!({"name": "law-no-id", "properties": {"workspaceCapping": {"dailyQuotaGb": 1}}}),
        ]));
        sub_n(&mut inv, 1).workspaces = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.OperationalInsights/workspaces",
        ));
        let f = run(&CHECK, &inv);
        for id in [&bad_quota, &bad_status, &bad_capping] {
            assert_result(&f, id, Status::Error, "could not be parsed");
        }
        assert_result(&f, &good, Status::Pass, "no daily cap");
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "item 4 of the Log Analytics workspaces list could not be read (no id)",
        );
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the Log Analytics workspaces list",
        );
        assert_eq!(f.len(), 6);
    }

    /// The upstream example (tests/fixtures/arm-examples, a PATCH response without an
    /// id) parses with its integer `dailyQuotaGb: -1` and passes.
    #[test]
    fn upstream_example_with_workspace_capping_passes() {
        let text = arm_example!("operationalinsights/WorkspacesUpdate.json");
        let example: Value = serde_json::from_str(text).unwrap();
        let mut body = example["responses"]["200"]["body"].clone();
        assert!(body.get("id").is_none(), "the upstream body has no id");
        let id = rid("oiautorest6685", WS, "oiautorest6685");
        body["id"] = json!(id);
        let ws: Workspace = parse(body.clone());
        assert_eq!(ws.daily_cap_gb(), None);
        assert_eq!(ws.ingestion_status(), Some("RespectQuota"));
        let mut inv = inv();
        sub(&mut inv).workspaces = Ok(listing(vec![body]));
        assert_result(
            &run(&CHECK, &inv),
            &id,
            Status::Pass,
            "workspace 'oiautorest6685' has no daily cap (dataIngestionStatus RespectQuota)",
        );
    }
}
