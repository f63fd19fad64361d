//! Baseline "Isolation", as a property over recorded estates: fail each
//! read of one subscription in turn (a 403 in place of the recorded
//! answer) and check that no result outside that subscription changes,
//! except through the cross-subscription inputs the baseline names (log
//! archive accounts for AZ-ST-007…009, action groups for AZ-MON-009, flow
//! logs for AZ-NET-001, and the tenant-scope results), and that even there
//! no `fail` becomes `error`. Every report also has unique result
//! identities. The estates are the demo and the partial-failure recording:
//! every read of every scanned subscription, a few hundred small replays.

mod common;

use azward::azure::scan::{self, Input, ScanOptions};
use azward::checks::Status;
use azward::engine::{self, ResultRow};
use azward::profile::Baseline;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Checks whose results may depend on another subscription's reads.
const CROSS_SUBSCRIPTION: [&str; 5] = [
    "AZ-MON-009",
    "AZ-NET-001",
    "AZ-ST-007",
    "AZ-ST-008",
    "AZ-ST-009",
];

type Key = (&'static str, String, Option<String>);

fn key(r: &ResultRow) -> Key {
    (r.check_id, r.resource_id.key(), r.item.clone())
}

/// The results of a replay of `lines` (a recording's lines), by identity,
/// asserting that identities are unique.
fn results(rt: &tokio::runtime::Runtime, lines: &[String], what: &str) -> BTreeMap<Key, ResultRow> {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), lines.join("\n")).expect("write recording");
    let outcome = rt
        .block_on(scan::run(&ScanOptions::new(Input::Replay(
            file.path().to_path_buf(),
        ))))
        .unwrap_or_else(|e| panic!("{what}: the scan runs: {e}"));
    let rows = engine::results(&outcome.inventory, &Baseline::default());
    let mut out = BTreeMap::new();
    for r in rows {
        let k = key(&r);
        if let Some(first) = out.insert(k.clone(), r) {
            panic!("{what}: two results for {k:?} (the first: {first:?})");
        }
    }
    out
}

/// The lower-case subscription a recorded request reads, if any.
fn subscription_of_url(url: &str) -> Option<String> {
    let path = url.split('?').next()?;
    let rest = path.strip_prefix("/subscriptions/")?;
    let sub = rest.split('/').next()?;
    (!sub.is_empty() && rest.contains('/')).then(|| sub.to_ascii_lowercase())
}

fn in_subscription(r: &ResultRow, sub: &str) -> bool {
    r.subscription_id
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(sub))
}

fn check_isolation(path: &Path) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let text = std::fs::read_to_string(path).expect("recording");
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let name = path.display().to_string();
    let base = results(&rt, &lines, &name);
    // Which subscriptions were scanned: those with results.
    let scanned: BTreeSet<String> = base
        .values()
        .filter_map(|r| r.subscription_id.clone())
        .collect();
    assert!(
        scanned.len() >= 2,
        "{name}: an estate of several subscriptions"
    );
    let mut cases = 0;
    for (i, line) in lines.iter().enumerate() {
        let Ok(mut exchange) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let Some(url) = exchange.get("url").and_then(Value::as_str) else {
            continue;
        };
        let Some(sub) = subscription_of_url(url).filter(|s| scanned.contains(s)) else {
            continue;
        };
        if exchange.get("status").and_then(Value::as_u64) != Some(200) {
            continue;
        }
        let what = format!("{name}: 403 on {url}");
        exchange["status"] = json!(403);
        exchange["body"] = json!({"error": {"code": "AuthorizationFailed", "message": "injected by tests/isolation.rs"}});
        let mut mutated = lines.clone();
        mutated[i] = exchange.to_string();
        let after = results(&rt, &mutated, &what);
        cases += 1;
        for (k, before) in &base {
            if in_subscription(before, &sub) {
                continue;
            }
            let now = after.get(k);
            let cross = before.subscription_id.is_none() || CROSS_SUBSCRIPTION.contains(&k.0);
            if cross {
                if before.status == Status::Fail {
                    assert!(
                        now.is_none_or(|n| n.status != Status::Error),
                        "{what}: {k:?} turned from fail into error: {now:?}"
                    );
                }
                continue;
            }
            let now = now.unwrap_or_else(|| panic!("{what}: {k:?} ({before:?}) disappeared"));
            assert_eq!(
                (now.status, &now.reason),
                (before.status, &before.reason),
                "{what}: {k:?} changed outside subscription {sub}"
            );
        }
        for (k, now) in &after {
            if in_subscription(now, &sub) || base.contains_key(k) {
                continue;
            }
            let cross = now.subscription_id.is_none() || CROSS_SUBSCRIPTION.contains(&k.0);
            assert!(
                cross && now.status != Status::Error,
                "{what}: a new result outside subscription {sub}: {now:?}"
            );
        }
    }
    assert!(cases >= 20, "{name}: only {cases} reads were failed");
}

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
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
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
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
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
