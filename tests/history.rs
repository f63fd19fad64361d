//! The tamper history end to end (baseline 1.2, "Tamper history"; recording
//! rows 36–37): a listing longer than the bound stops paging and makes its
//! scope `error`, unless an impairing event read before the bound fails it;
//! a profile's trusted callers pass the demo's nw-dev; `azward timeline`
//! prints the demo's timeline, and `scan --output-dir` writes timeline.csv.

mod common;

use azward::azure::api;
use azward::azure::scan::{self, HistoryOptions, Input};
use azward::checks::hist::EventClass;
use azward::checks::Status;
use azward::engine::ResultRow;
use azward::profile::Baseline;
use common::{Audit, TENANT};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const SUB: &str = "0a000000-0000-4000-8000-00000000000a";
const RECORDED_AT: &str = "2026-11-20T09:00:00Z";
const DEL: &str = "Microsoft.Insights/diagnosticSettings/delete";
const WRITE: &str = "Microsoft.Insights/diagnosticSettings/write";

fn line(url: &str, body: Value) -> String {
    json!({"method": "GET", "url": url, "status": 200, "body": body}).to_string()
}

fn event(n: usize, op: &str) -> Value {
    json!({"eventDataId": format!("e-{n}"), "eventTimestamp": format!("2026-11-0{n}T10:00:00.0000000Z"),
           "caller": "mallory@contoso.example", "operationName": {"value": op, "localizedValue": op},
           "status": {"value": "Succeeded", "localizedValue": "Succeeded"},
           "httpRequest": {"clientIpAddress": "203.0.113.9"},
           "resourceId": format!("/subscriptions/{SUB}/providers/microsoft.insights/diagnosticSettings/s{n}"),
           "correlationId": format!("c-{n}"), "subscriptionId": SUB})
}

/// One subscription whose Microsoft.Insights listing has three pages of two
/// events (`first` the operation of the first page's), every other listing
/// empty, and an empty tenant listing.
fn recording(first: &str) -> String {
    let w = HistoryOptions::default().window(azward::util::scan_time::parse(RECORDED_AT).unwrap());
    let url = |provider: Option<&str>, sub: Option<&str>| {
        api::history_url(sub, &api::history_filter(&w.start, &w.end, provider))
    };
    let mut lines = vec![
        json!({"recording": 1, "tenant_id": TENANT, "recorded_at": RECORDED_AT}).to_string(),
        line(
            "/subscriptions?api-version=2022-12-01",
            json!({"value": [{"id": format!("/subscriptions/{SUB}"), "subscriptionId": SUB,
                "displayName": "hist", "state": "Enabled", "tenantId": TENANT}]}),
        ),
        line(&url(None, None), json!({"value": []})),
    ];
    for provider in api::HISTORY_PROVIDERS {
        let first_page = url(Some(provider), Some(SUB));
        if provider != "Microsoft.Insights" {
            lines.push(line(&first_page, json!({"value": []})));
            continue;
        }
        let page = |n: usize| format!("{first_page}&$skiptoken={n}");
        let next = |n: usize| format!("https://management.azure.com{}", page(n));
        lines.push(line(
            &first_page,
            json!({"value": [event(1, first), event(2, WRITE)], "nextLink": next(2)}),
        ));
        lines.push(line(
            &page(2),
            json!({"value": [event(3, WRITE), event(4, WRITE)], "nextLink": next(3)}),
        ));
        lines.push(line(
            &page(3),
            json!({"value": [event(5, WRITE), event(6, WRITE)]}),
        ));
    }
    lines.join("\n")
}

/// `azward timeline`'s scan (rows 1, 36, 37) of `recording` with the bound,
/// and its AZ-HIST-001 on the subscription.
fn history_only(text: &str, max_events: usize) -> (scan::ScanOutcome, ResultRow) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.jsonl");
    std::fs::write(&path, text).unwrap();
    let opts = scan::ScanOptions {
        history: Some(HistoryOptions {
            max_events,
            ..HistoryOptions::default()
        }),
        history_only: true,
        ..scan::ScanOptions::new(Input::Replay(path))
    };
    let outcome = common::block_on(scan::run(&opts)).expect("the scan runs");
    let results = azward::engine::results(&outcome.inventory, &Baseline::default());
    let hist = results
        .into_iter()
        .find(|r| r.check_id == "AZ-HIST-001" && r.resource_id == format!("/subscriptions/{SUB}"))
        .expect("a result on the subscription");
    (outcome, hist)
}

#[test]
fn a_listing_over_the_bound_stops_paging_and_is_error_unless_a_fail_was_read() {
    // Whole: three pages, six changes, nothing impairing.
    let (outcome, r) = history_only(&recording(WRITE), 100);
    assert_eq!(r.status, Status::Pass, "{r:?}");
    assert!(r.reason.contains("(6 event(s) read)"), "{}", r.reason);
    // Subscriptions, tenant, nine listings, two more pages.
    assert_eq!(outcome.stats.requests, 1 + 1 + 9 + 2);

    // Bound 3: the second page makes four, the third is never asked for.
    let (outcome, r) = history_only(&recording(WRITE), 3);
    assert_eq!(
        r.status,
        Status::Error,
        "never a pass on a truncated history: {r:?}"
    );
    assert!(
        r.reason.contains("HistoryBound") && r.reason.contains("more than 3 events"),
        "{}",
        r.reason
    );
    assert_eq!(outcome.stats.requests, 1 + 1 + 9 + 1);
    let t = azward::checks::hist::timeline(&outcome.inventory, &Baseline::default().params);
    let incomplete: Vec<&str> = t.incomplete().map(|s| s.scope.as_str()).collect();
    assert_eq!(incomplete, [format!("/subscriptions/{SUB}")]);

    // An impairing event read before the bound: the fail stands, and says
    // what could not be read.
    let (_, r) = history_only(&recording(DEL), 3);
    assert_eq!(r.status, Status::Fail, "{r:?}");
    assert!(
        r.reason.starts_with("1 evidence-impairing event(s)"),
        "{}",
        r.reason
    );
    assert!(r.reason.contains("HistoryBound"), "{}", r.reason);
}

fn hist(report: &azward::report::Report, scope: &str) -> ResultRow {
    report
        .results
        .iter()
        .find(|r| r.check_id == "AZ-HIST-001" && r.resource_id.eq_ignore_ascii_case(scope))
        .cloned()
        .unwrap_or_else(|| panic!("no AZ-HIST-001 on {scope}"))
}

#[test]
fn a_profile_that_trusts_the_caller_passes_the_demo_and_marks_its_events() {
    const DEV: &str = "/subscriptions/c7e2d5b8-0f4a-4e61-9b3c-6a8d2f1e7b05";
    let default = Audit::demo().report();
    assert_eq!(hist(&default, DEV).status, Status::Fail);

    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("trusting.toml");
    std::fs::write(
        &profile,
        "name = \"trusting\"\nextends = \"default\"\n[parameters]\n\
         trusted_change_callers = [\"SVC-BACKUP-LEGACY@northwind-forensics.example\"]\n",
    )
    .unwrap();
    let baseline = Baseline::load(&profile).expect("the profile loads");
    let report = Audit::demo().baseline(baseline).report();
    let r = hist(&report, DEV);
    assert_eq!(r.status, Status::Pass, "{r:?}");
    assert!(r.reason.contains("3 by trusted callers"), "{}", r.reason);
    let t = report.timeline.as_ref().expect("the demo has a timeline");
    assert_eq!(t.untrusted_impairing(), 0);
    let trusted: Vec<bool> = t
        .events
        .iter()
        .filter(|e| e.caller.starts_with("svc-backup-legacy@"))
        .map(|e| e.trusted)
        .collect();
    // Three impairing events and one lead (a role assignment), all marked.
    assert_eq!(trusted, [true; 4]);
    // Nothing else moved.
    let others = |rep: &azward::report::Report| -> Vec<(String, String, Status)> {
        rep.results
            .iter()
            .filter(|r| !(r.check_id == "AZ-HIST-001" && r.resource_id.eq_ignore_ascii_case(DEV)))
            .map(|r| (r.check_id.to_string(), r.resource_id.to_string(), r.status))
            .collect()
    };
    assert_eq!(others(&report), others(&default));
}

fn azward(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_azward"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

#[test]
fn azward_timeline_prints_the_demo_timeline_and_scan_writes_timeline_csv() {
    let o = azward(&["timeline", "--demo"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8_lossy(&o.stdout);
    let mut lines = text.lines();
    assert!(
        lines.next().is_some_and(
            |l| l.starts_with("3 evidence-impairing event(s) (3 by untrusted callers)")
        ),
        "{text}"
    );
    let impairing: Vec<&str> = text.lines().filter(|l| l.contains(" impairing ")).collect();
    assert_eq!(impairing.len(), 3, "{text}");
    assert!(
        impairing.iter().all(|l| l.contains("svc-backup-legacy@")),
        "{text}"
    );

    let o = azward(&["timeline", "--demo", "--format", "json"]);
    let json: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let report = Audit::demo().report();
    assert_eq!(
        json,
        serde_json::to_value(report.timeline.as_ref().unwrap()).unwrap()
    );

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = azward(&[
        "scan",
        "--demo",
        "--format",
        "json,csv",
        "--output-dir",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let csv = std::fs::read_to_string(out.join("timeline.csv")).expect("timeline.csv");
    let t = report.timeline.as_ref().unwrap();
    assert_eq!(csv.lines().count(), 1 + t.events.len());
    assert!(
        csv.starts_with("time,subscription_id,class,operation,"),
        "{csv}"
    );
    assert_eq!(
        csv.lines().filter(|l| l.contains(",impairing,")).count(),
        t.count(EventClass::Impairing)
    );
    // Only with the CSV format.
    let out2 = dir.path().join("json-only");
    azward(&[
        "scan",
        "--demo",
        "--format",
        "json",
        "--output-dir",
        out2.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(!Path::new(&out2.join("timeline.csv")).exists());
}
