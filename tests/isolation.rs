//! Baseline "Isolation" over the demo and the partial-failure recording
//! (the property is in `common/isolation.rs`; `lab/tests/isolation.rs` runs
//! it over generated estates), and the issue's own cases.

mod common;
#[path = "common/isolation.rs"]
mod prop;

use azward::checks::Status;
use azward::engine::ResultRow;
use prop::{check_isolation, results, runtime, subscription_of_url};
use serde_json::{json, Value};
use std::collections::BTreeSet;

#[test]
fn a_failed_read_changes_no_result_of_another_subscription_demo() {
    check_isolation(&common::repo_file("demo/estate.jsonl"));
}

#[test]
fn a_failed_read_changes_no_result_of_another_subscription_partial_failure() {
    check_isolation(&common::recording("partial-failure.jsonl"));
}

/// The issue's own case: in the partial-failure recording a 403 on one
/// subscription's network watchers turned `vnet-nw-prod-data` (in another
/// subscription) from `fail` into `error`.
#[test]
fn partial_failure_keeps_the_uncovered_network_failing() {
    let rt = runtime();
    let text = std::fs::read_to_string(common::recording("partial-failure.jsonl")).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let all = results(&rt, &lines, "partial-failure");
    let net: Vec<&ResultRow> = all
        .values()
        .filter(|r| {
            r.check_id == "AZ-NET-001" && r.resource_id.key().ends_with("/vnet-nw-prod-data")
        })
        .collect();
    assert_eq!(net.len(), 1, "{net:#?}");
    assert_eq!(net[0].status, Status::Fail, "{:?}", net[0]);
    assert!(
        net[0].reason.contains("could not be read"),
        "{}",
        net[0].reason
    );
}

/// Baseline "Log archive discovery": a 403 on flow logs is an `error` on the
/// subscription for AZ-ST-007…009 (so `--fail-on` without `--allow-errors`
/// fails), and no account is `not_applicable` only because of it.
#[test]
fn unread_flow_logs_make_archive_checks_error_not_not_applicable() {
    let rt = runtime();
    let text = std::fs::read_to_string(common::repo_file("demo/estate.jsonl")).unwrap();
    let mut failed_in = BTreeSet::new();
    let lines: Vec<String> = text
        .lines()
        .map(|l| match serde_json::from_str::<Value>(l) {
            Ok(mut e) if e["url"].as_str().is_some_and(|u| u.contains("/flowLogs")) => {
                failed_in.insert(subscription_of_url(e["url"].as_str().unwrap()).unwrap());
                e["status"] = json!(403);
                e["body"] =
                    json!({"error": {"code": "AuthorizationFailed", "message": "injected"}});
                e.to_string()
            }
            _ => l.to_string(),
        })
        .collect();
    assert!(!failed_in.is_empty());
    let all = results(&rt, &lines, "demo without flow logs");
    for check in ["AZ-ST-007", "AZ-ST-008", "AZ-ST-009"] {
        for sub in &failed_in {
            let k = (check, format!("/subscriptions/{sub}"), None);
            let r = all
                .get(&k)
                .unwrap_or_else(|| panic!("{check}: no error on {sub}"));
            assert_eq!(r.status, Status::Error, "{r:?}");
            assert!(
                r.reason.contains("archive accounts may be missing"),
                "{r:?}"
            );
        }
        assert!(
            all.values()
                .all(|r| r.check_id != check || r.status != Status::NotApplicable),
            "{check}: not_applicable while discovery is incomplete"
        );
    }
}
