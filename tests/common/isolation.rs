//! The isolation property (baseline "Isolation"), shared by
//! `tests/isolation.rs` (the demo and the test recordings) and
//! `lab/tests/isolation.rs` (generated estates): fail each read of one
//! subscription in turn (a 403 in place of the recorded answer) and check
//! that no result outside that subscription changes, except through the
//! cross-subscription inputs the baseline names (log archive accounts for
//! AZ-ST-007…009, action groups for AZ-MON-009, flow logs for AZ-NET-001,
//! and the tenant-scope results, which may change), and that even there no
//! subscription's `fail` becomes `error`. Every report also has unique result identities.
#![allow(dead_code)]

use azward::azure::scan::{self, Input, ScanOptions};
use azward::checks::Status;
use azward::engine::{self, ResultRow};
use azward::profile::Baseline;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A runtime for the replays.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Checks whose results may depend on another subscription's reads.
const CROSS_SUBSCRIPTION: [&str; 5] = [
    "AZ-MON-009",
    "AZ-NET-001",
    "AZ-ST-007",
    "AZ-ST-008",
    "AZ-ST-009",
];

pub type Key = (&'static str, String, Option<String>);

fn key(r: &ResultRow) -> Key {
    (r.check_id, r.resource_id.key(), r.item.clone())
}

/// The results of a replay of `lines` (a recording's lines), by identity,
/// asserting that identities are unique.
pub fn results(
    rt: &tokio::runtime::Runtime,
    lines: &[String],
    what: &str,
) -> BTreeMap<Key, ResultRow> {
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
pub fn subscription_of_url(url: &str) -> Option<String> {
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

/// The property over the recording at `path`: fail each read of each
/// scanned subscription in turn.
pub fn check_isolation(path: &Path) {
    let rt = runtime();
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
    let mut history_cases = 0;
    for (i, line) in lines.iter().enumerate() {
        let Ok(mut exchange) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let Some(url) = exchange
            .get("url")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            continue;
        };
        let Some(sub) = subscription_of_url(&url).filter(|s| scanned.contains(s)) else {
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
        if url.contains("/eventtypes/management/values") {
            // An Activity Log listing of `sub` (row 36): its AZ-HIST-001 is
            // error unless an impairing event read elsewhere fails it.
            history_cases += 1;
            let hist = after
                .values()
                .find(|r| r.check_id == "AZ-HIST-001" && in_subscription(r, &sub))
                .unwrap_or_else(|| panic!("{what}: no AZ-HIST-001 result on {sub}"));
            assert_ne!(hist.status, Status::Pass, "{what}: {hist:?}");
        }
        for (k, before) in &base {
            if in_subscription(before, &sub) {
                continue;
            }
            let now = after.get(k);
            // Tenant-scope results (no subscription) depend on every
            // subscription: "at least one" AZ-SEN-001 becomes `error` when a
            // workspace list fails, as the baseline asks.
            if before.subscription_id.is_none() {
                continue;
            }
            if CROSS_SUBSCRIPTION.contains(&k.0) {
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
            if now.subscription_id.is_none() {
                continue;
            }
            assert!(
                CROSS_SUBSCRIPTION.contains(&k.0) && now.status != Status::Error,
                "{what}: a new result outside subscription {sub}: {now:?}"
            );
        }
    }
    assert!(cases >= 20, "{name}: only {cases} reads were failed");
    if text.contains("/eventtypes/management/values") {
        assert!(
            history_cases > 0,
            "{name}: no Activity Log listing was failed"
        );
    }
}
