//! End to end over recordings: the demo estate, a partial failure, a
//! throttled replay, and recording round trips. (A live scan through the
//! loopback emulator is in the lab crate: lab/tests/e2e_live.rs.)

use azward::azure::collect::Target;
use azward::azure::http::ClientOptions;
use azward::azure::scan::{self, Input, ScanOptions};
use azward::checks::Status;
use azward::engine::{self, Evaluation, Gate, ResultRow};
use azward::profile::Baseline;
use azward::report::{Report, Timing};
use std::path::{Path, PathBuf};

const PROD: &str = "8a1f6c3e-52d4-4b9a-a7e0-3c9d15b2e6f4";
const DEV: &str = "c7e2d5b8-0f4a-4e61-9b3c-6a8d2f1e7b05";
const TENANT: &str = "4f3c2b1a-6d5e-4a7b-9c8d-0e1f2a3b4c5d";

fn recording(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/recordings")
        .join(name)
}

fn opts(input: Input) -> ScanOptions {
    ScanOptions {
        input,
        arm_endpoint: None,
        record: None,
        tenant_id: None,
        target: Target::All,
        client: ClientOptions::default(),
    }
}

async fn scan(o: ScanOptions) -> (scan::ScanOutcome, Evaluation) {
    let outcome = scan::run(&o).await.expect("scan runs");
    let eval = engine::evaluate(&outcome.inventory, &Baseline::default());
    (outcome, eval)
}

fn report(outcome: &scan::ScanOutcome, eval: &Evaluation) -> Report {
    let timing = Timing {
        started_at: "redacted".into(),
        finished_at: "redacted".into(),
        duration_ms: 0,
        http: outcome.stats,
    };
    Report::build(
        &outcome.inventory,
        &Baseline::default(),
        eval,
        outcome.source.clone(),
        timing,
        &Gate::default(),
        Gate::default().judge(eval, None),
    )
}

#[tokio::test]
async fn demo_report_is_stable() {
    let (a, ea) = scan(opts(Input::Demo)).await;
    let (b, eb) = scan(opts(Input::Demo)).await;
    let ja = report(&a, &ea).to_json();
    assert_eq!(
        ja,
        report(&b, &eb).to_json(),
        "same recording, same baseline: byte-identical report"
    );
    insta::assert_snapshot!("demo_report", ja);
    assert_eq!(
        ea.scores.overall.coverage,
        Some(100.0),
        "the demo answers every read"
    );
    assert_eq!(a.stats.failed_reads, 0);
    assert_eq!(a.inventory.subscriptions.len(), 3);
}

#[tokio::test]
async fn every_check_has_a_pass_and_a_fail_in_the_demo() {
    let (_, eval) = scan(opts(Input::Demo)).await;
    let tenant_scoped = ["AZ-ENTRA-001", "AZ-ENTRA-002", "AZ-SEN-001"];
    for c in &eval.checks {
        if tenant_scoped.contains(&c.id) {
            // One result for the tenant: decided, never an error, in the demo.
            assert_eq!(
                c.counts.pass + c.counts.fail,
                1,
                "{} has {:?}",
                c.id,
                c.counts
            );
        } else {
            assert!(
                c.counts.pass > 0 && c.counts.fail > 0,
                "{} has {:?} in the demo",
                c.id,
                c.counts
            );
        }
    }
    let status = |e: &Evaluation, id: &str| e.checks.iter().find(|c| c.id == id).unwrap().status;
    assert_eq!(status(&eval, "AZ-ENTRA-001"), Status::Pass);
    assert_eq!(status(&eval, "AZ-ENTRA-002"), Status::Fail);
    assert_eq!(status(&eval, "AZ-SEN-001"), Status::Pass);

    // The same tenant with no Entra ID export and no Sentinel: the tenant checks fail.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-entra-no-sentinel.jsonl");
    let text = String::from_utf8(scan::DEMO_RECORDING.to_vec()).unwrap();
    let changed: Vec<String> = text
        .lines()
        .map(|l| {
            let lower = l.to_lowercase();
            if lower.contains("\"url\":\"/providers/microsoft.aadiam/diagnosticsettings")
                || lower.contains("/onboardingstates?")
            {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["body"] = serde_json::json!({"value": []});
                v.to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&path, changed.join("\n")).unwrap();
    let (_, bare) = scan(opts(Input::Replay(path))).await;
    for id in tenant_scoped {
        assert_eq!(status(&bare, id), Status::Fail, "{id}");
    }
    assert_eq!(bare.scores.overall.coverage, Some(100.0));
}

fn results_of<'a>(eval: &'a Evaluation, sub: &str) -> Vec<&'a ResultRow> {
    eval.results
        .iter()
        .filter(|r| r.subscription_id.as_deref() == Some(sub))
        .collect()
}

#[tokio::test]
async fn a_forbidden_subscription_and_a_malformed_vault_are_errors_and_the_rest_is_assessed() {
    let (outcome, eval) = scan(opts(Input::Replay(recording("partial-failure.jsonl")))).await;
    // The 403 subscription: every subscription-level check has one error on the subscription, nothing else.
    let dev = results_of(&eval, DEV);
    assert!(!dev.is_empty());
    for r in &dev {
        assert_eq!(r.status, Status::Error, "{r:?}");
        assert_eq!(r.resource_id, format!("/subscriptions/{DEV}"), "{r:?}");
        assert!(r.reason.contains("AuthorizationFailed"), "{r:?}");
    }
    let mut per_check: Vec<&str> = dev.iter().map(|r| r.check_id).collect();
    let n = per_check.len();
    per_check.dedup();
    assert_eq!(
        per_check.len(),
        n,
        "one error per check, not one per resource"
    );

    // The malformed vault: error for checks that need its fields, its siblings assessed.
    let payments = "kv-nw-prod-payments";
    let kv003: Vec<&ResultRow> = eval
        .results
        .iter()
        .filter(|r| r.check_id == "AZ-KV-003")
        .collect();
    let bad = kv003
        .iter()
        .find(|r| r.resource_id.ends_with(payments))
        .expect("the malformed vault has a result");
    assert_eq!(bad.status, Status::Error);
    assert!(bad.reason.contains("could not be parsed"), "{}", bad.reason);
    assert!(kv003
        .iter()
        .filter(|r| r.subscription_id.as_deref() == Some(PROD))
        .any(|r| r.status == Status::Pass));

    // Nothing in the failed subscription passes; coverage shows the gap.
    assert!(!eval
        .results
        .iter()
        .any(|r| r.subscription_id.as_deref() == Some(DEV) && r.status == Status::Pass));
    let cov = eval.scores.overall.coverage.unwrap();
    assert!(cov < 100.0 && cov > 0.0, "{cov}");
    assert_eq!(eval.scores.by_subscription[DEV].score, None);
    assert!(outcome.stats.failed_reads >= 15);
    let rep = report(&outcome, &eval);
    assert!(Gate {
        fail_on: Some(azward::checks::Severity::Low),
        allow_errors: false,
        ..Default::default()
    }
    .judge(&eval, None)
    .reasons
    .iter()
    .any(|r| r.contains("could not be assessed")));
    assert_eq!(
        rep.subscriptions
            .iter()
            .filter(|s| s.status == "scanned")
            .count(),
        2
    );
}

fn comparable(eval: &Evaluation) -> Vec<(String, String, Option<String>, Status, String)> {
    eval.results
        .iter()
        .map(|r| {
            (
                r.check_id.to_string(),
                r.resource_id.to_lowercase(),
                r.item.clone(),
                r.status,
                r.reason.clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_throttled_and_paged_replay_gives_the_demo_results() {
    let (demo, demo_eval) = scan(opts(Input::Demo)).await;
    let (t, t_eval) = scan(opts(Input::Replay(recording("throttled.jsonl")))).await;
    assert_eq!(comparable(&t_eval), comparable(&demo_eval));
    assert_eq!(t.stats.throttled, 1);
    assert_eq!(t.stats.retries, 1);
    assert_eq!(
        t.stats.requests,
        demo.stats.requests + 2,
        "one retry and one extra page"
    );
}

#[tokio::test]
async fn named_subscriptions_are_read_one_by_one_and_unknown_ones_are_errors() {
    let mut o = opts(Input::Demo);
    o.target = Target::Subscriptions(vec![
        PROD.into(),
        "00000000-0000-0000-0000-00000000dead".into(),
    ]);
    let (outcome, eval) = scan(o).await;
    let subs: Vec<(&str, bool)> = outcome
        .inventory
        .subscriptions
        .iter()
        .map(|s| (s.id.as_str(), s.is_scanned()))
        .collect();
    assert_eq!(subs.len(), 2, "{subs:?}");
    let dead: Vec<&ResultRow> = results_of(&eval, "00000000-0000-0000-0000-00000000dead");
    assert!(
        !dead.is_empty()
            && dead
                .iter()
                .all(|r| r.status == Status::Error && r.reason.contains("NotRecorded"))
    );
    assert!(
        results_of(&eval, DEV).is_empty(),
        "only the named subscriptions are scanned"
    );
}

#[tokio::test]
async fn a_management_group_scans_its_descendant_subscriptions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mg.jsonl");
    let mut text = String::from_utf8(scan::DEMO_RECORDING.to_vec()).unwrap();
    let descendants = serde_json::json!({
        "method": "GET",
        "url": "/providers/Microsoft.Management/managementGroups/mg-nw/descendants?api-version=2023-04-01",
        "status": 200,
        "body": {"value": [
            {"id": "/providers/Microsoft.Management/managementGroups/mg-nw-prod", "type": "Microsoft.Management/managementGroups", "name": "mg-nw-prod", "properties": {"displayName": "Prod"}},
            {"id": format!("/subscriptions/{PROD}"), "type": "Microsoft.Management/managementGroups/subscriptions", "name": PROD, "properties": {"displayName": "nw-prod"}},
            {"id": "/subscriptions/99999999-9999-9999-9999-999999999999", "type": "Microsoft.Management/managementGroups/subscriptions", "name": "99999999-9999-9999-9999-999999999999", "properties": {"displayName": "hidden"}}
        ]}
    });
    text.push_str(&format!("{descendants}\n"));
    std::fs::write(&path, text).unwrap();
    let mut o = opts(Input::Replay(path));
    o.target = Target::ManagementGroup("mg-nw".into());
    let (outcome, eval) = scan(o).await;
    let subs: Vec<(&str, String)> = outcome
        .inventory
        .subscriptions
        .iter()
        .map(|s| (s.id.as_str(), format!("{:?}", s.status)))
        .collect();
    assert_eq!(subs.len(), 2, "{subs:?}");
    assert!(subs.iter().any(|(id, st)| *id == PROD && st == "Scanned"));
    assert!(subs
        .iter()
        .any(|(id, st)| id.starts_with("9999") && st.contains("SubscriptionNotVisible")));
    assert!(
        results_of(&eval, DEV).is_empty(),
        "the other subscription is outside the group"
    );
    assert!(results_of(&eval, PROD)
        .iter()
        .any(|r| r.status == Status::Pass));
    assert!(results_of(&eval, "99999999-9999-9999-9999-999999999999")
        .iter()
        .all(|r| r.status == Status::Error));

    // A group that cannot be read stops the scan: nothing to assess.
    let mut o = opts(Input::Demo);
    o.target = Target::ManagementGroup("mg-unknown".into());
    assert!(scan::run(&o).await.is_err());
}

/// A replay spreads subscriptions over threads; a resource that two
/// subscriptions' lists name (spelled differently) is still read, and
/// reported, the same way every time: as the first subscription spells it.
#[test]
fn a_resource_named_by_two_subscriptions_is_read_the_same_way_every_time() {
    let (a, b) = (
        "0a000000-0000-4000-8000-00000000000a",
        "0b000000-0000-4000-8000-00000000000b",
    );
    let sub = |id: &str| {
        serde_json::json!({"id": format!("/subscriptions/{id}"), "subscriptionId": id,
            "displayName": id, "state": "Enabled", "tenantId": TENANT})
    };
    let resources = |vault_id: &str| {
        serde_json::json!({"value": [{"id": vault_id, "name": "kv-shared",
            "type": "Microsoft.KeyVault/vaults", "location": "westeurope"}]})
    };
    let spelled_by_a = format!(
        "/subscriptions/{a}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/KV-Shared"
    );
    let spelled_by_b = spelled_by_a.to_lowercase();
    let line = |url: String, body: serde_json::Value| {
        serde_json::json!({"method": "GET", "url": url, "status": 200, "body": body}).to_string()
    };
    let text = [
        serde_json::json!({"recording": 1, "tenant_id": TENANT}).to_string(),
        line(
            "/subscriptions?api-version=2022-12-01".into(),
            serde_json::json!({"value": [sub(a), sub(b)]}),
        ),
        line(
            format!("/subscriptions/{a}/resources?api-version=2021-04-01"),
            resources(&spelled_by_a),
        ),
        line(
            format!("/subscriptions/{b}/resources?api-version=2021-04-01"),
            resources(&spelled_by_b),
        ),
    ]
    .join("\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.jsonl");
    std::fs::write(&path, text).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..8 {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let (outcome, eval) = rt.block_on(scan(opts(Input::Replay(path.clone()))));
        let json = report(&outcome, &eval).to_json();
        let reasons: Vec<String> = eval
            .results
            .iter()
            .filter(|r| r.check_id == "AZ-MON-004")
            .map(|r| format!("{:?} {} {}", r.status, r.resource_id, r.reason))
            .collect();
        // One result: the two spellings are one resource.
        assert_eq!(reasons.len(), 1, "{reasons:#?}");
        assert!(
            reasons.iter().all(|r| r.starts_with("Error")),
            "the settings were never recorded: {reasons:#?}"
        );
        let unread = reasons.iter().find(|r| r.contains(&spelled_by_a)).unwrap();
        assert!(
            unread.contains(&format!("GET {spelled_by_a}/providers")),
            "read as the first subscription spells it: {unread}"
        );
        seen.insert(
            json.lines()
                .filter(|l| !l.contains("_at\"") && !l.contains("duration_ms"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    assert_eq!(seen.len(), 1, "the same report every time");
}
