//! Calls 28–30 end to end over a replay (baseline 1.2, "Evidence in
//! motion"): the demo's workspace queries, throttled, timed out, partial and
//! without a scan clock. Each failure is an `error` on the FLOW results that
//! need that query, and changes nothing else.

mod common;

use azward::checks::Status;
use azward::report::Report;
use common::Audit;
use serde_json::{json, Value};
use std::collections::BTreeMap;

type Key = (String, String, Option<String>);

fn results(r: &Report) -> BTreeMap<Key, (Status, String)> {
    r.results
        .iter()
        .map(|x| {
            (
                (
                    x.check_id.to_string(),
                    x.resource_id.as_str().to_lowercase(),
                    x.item.as_ref().map(|i| i.to_lowercase()),
                ),
                (x.status, x.reason.clone()),
            )
        })
        .collect()
}

/// The demo recording with each line passed through `edit` (a line may
/// become several, or none).
fn demo_edited(edit: impl Fn(&str, Value) -> Vec<Value>) -> tempfile::NamedTempFile {
    let text = std::fs::read_to_string(common::repo_file("demo/estate.jsonl")).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("{\"method\"") {
            let v: Value = serde_json::from_str(line).unwrap();
            let url = v["url"].as_str().unwrap().to_string();
            for e in edit(&url, v) {
                out.push_str(&e.to_string());
                out.push('\n');
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    let f = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    std::fs::write(f.path(), out).unwrap();
    f
}

fn query(url: &str, workspace: &str, n: &str) -> bool {
    let q = url.split("&query=").nth(1).unwrap_or_default();
    url.contains(&format!("/workspaces/{workspace}/query?"))
        && match n {
            "Q1" => q.contains("Rows%3Dcount"),
            "Q2" => q.contains("DelaySeconds"),
            _ => q.contains("LastRow"),
        }
}

#[test]
fn failed_queries_are_errors_of_the_results_that_need_them_and_of_nothing_else() {
    let demo = Audit::demo().report();
    let rec = demo_edited(|url, v| {
        if query(url, "law-nw-sentinel-prod", "Q1") {
            // Throttled once, then answered: the same results.
            let mut throttled = v.clone();
            throttled["status"] = json!(429);
            throttled["headers"] = json!({"Retry-After": "2"});
            throttled["body"] =
                json!({"error": {"code": "TooManyRequests", "message": "slow down"}});
            return vec![throttled, v];
        }
        if query(url, "law-nw-dev", "Q3") {
            let mut timeout = v;
            timeout["status"] = json!(504);
            timeout["body"] =
                json!({"error": {"code": "GatewayTimeout", "message": "The query timed out"}});
            return vec![timeout];
        }
        if query(url, "law-nw-ops-prod", "Q2") {
            let mut partial = v;
            partial["body"]["error"] = json!({"code": "PartialError", "message": "Query result set has exceeded the internal limit"});
            return vec![partial];
        }
        vec![v]
    });
    let audited = Audit::replay(rec.path()).run_blocking();
    assert!(audited.outcome.stats.retries >= 1, "the 429 was retried");
    let (before, after) = (results(&demo), results(&audited.report));
    assert_eq!(before.len(), after.len());
    let mut changed = Vec::new();
    for (k, (status, reason)) in &after {
        let (was, _) = &before[k];
        if (was, reason) != (status, &before[k].1) {
            changed.push((k.clone(), *status, reason.clone()));
        }
    }
    let dev_ws = "/subscriptions/c7e2d5b8-0f4a-4e61-9b3c-6a8d2f1e7b05/resourcegroups/rg-dev-monitoring/providers/microsoft.operationalinsights/workspaces/law-nw-dev";
    for (k, status, reason) in &changed {
        assert_eq!(*status, Status::Error, "{k:?}: {reason}");
        let q3 = k.0 == "AZ-FLOW-004" && k.2.as_deref() == Some(dev_ws);
        let q2 = k.0 == "AZ-FLOW-003" && k.1.ends_with("/law-nw-ops-prod");
        assert!(
            q3 || q2,
            "only the results that need a failed query change: {k:?} {reason}"
        );
        if q3 {
            assert!(
                reason.contains("(Q3): GatewayTimeout (HTTP 504)"),
                "{reason}"
            );
        } else {
            assert!(
                reason.contains("partial or failed (PartialError"),
                "{reason}"
            );
        }
    }
    let dev_sources = before
        .keys()
        .filter(|k| k.0 == "AZ-FLOW-004" && k.2.as_deref() == Some(dev_ws))
        .count();
    assert_eq!(changed.len(), dev_sources + 1, "{changed:#?}");
    assert!(dev_sources >= 5);
}

#[test]
fn without_a_scan_clock_the_windowed_checks_are_errors() {
    let text = std::fs::read_to_string(common::repo_file("demo/estate.jsonl")).unwrap();
    let text = text.replace("\"recorded_at\": \"2026-11-20T09:00:00Z\", ", "");
    let f = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    std::fs::write(f.path(), text).unwrap();
    let (before, after) = (
        results(&Audit::demo().report()),
        results(&Audit::replay(f.path()).report()),
    );
    for (k, (status, reason)) in &after {
        if k.0 == "AZ-FLOW-001" || k.0 == "AZ-FLOW-002" {
            assert_eq!(*status, Status::Error, "{k:?}");
            assert!(reason.contains("the scan time is unknown"), "{reason}");
        } else if k.0 == "AZ-HIST-001" {
            // The Activity Log filters name the window: with no clock to
            // name it, the history is not read (a filter on the wall clock
            // would put this moment in the report: a replay would never
            // give the same report twice).
            assert_eq!(*status, Status::Error, "{k:?}");
            assert!(reason.contains("was not read"), "{reason}");
            assert!(!reason.contains("eventTimestamp"), "{reason}");
        } else {
            // Delays and sources are judged from the queries' own windows.
            assert_eq!((status, reason), (&before[k].0, &before[k].1), "{k:?}");
        }
    }
}

#[test]
fn a_replay_answers_on_the_recordings_clock_and_the_report_shows_the_window() {
    let r = Audit::demo().report();
    assert_eq!(r.table_activity.len(), 3);
    for w in &r.table_activity {
        assert_eq!(w.window_end.as_deref(), Some("2026-11-20T09:00:00Z"));
        assert_eq!(w.window_start.as_deref(), Some("2026-11-06T09:00:00Z"));
        assert!(w.error.is_none());
        assert_eq!(w.tables.len(), 10);
        for t in w.tables.iter().filter(|t| t.rows > 0) {
            // 14 days of hours and the scan's own hour.
            assert_eq!(t.hourly.len(), 14 * 24 + 1, "{}", t.table);
            assert_eq!(t.hourly.iter().sum::<u64>(), t.rows);
        }
    }
    let sentinel = r
        .table_activity
        .iter()
        .find(|w| w.workspace.ends_with("law-nw-sentinel-prod"))
        .unwrap();
    let silent = sentinel
        .tables
        .iter()
        .find(|t| t.table == "AADNonInteractiveUserSignInLogs")
        .unwrap();
    assert_eq!(silent.silent_hours, Some(74));
    assert_eq!(silent.last_hour.as_deref(), Some("2026-11-17T06:00:00Z"));
    let audit = sentinel
        .tables
        .iter()
        .find(|t| t.table == "AuditLogs")
        .unwrap();
    assert_eq!(audit.gaps, 1);
    assert!(sentinel
        .quiet_sources
        .iter()
        .any(|s| s.ends_with("pip-nw-prod-agw")));
}
