//! Rows 33–34 through Azure Resource Graph, end to end (recording.md, "What
//! a scan reads"): one generated estate recorded with Resource Graph answers
//! and with a GET per machine gives the same report, apart from its source
//! and timing; a doubtful or missing answer falls back to the GETs; a live
//! scan through the emulator records the POST with its body and replays it.

use azward::app::{self, Judgement};
use azward::azure::credentials::AuthMethod;
use azward::azure::recording::Recording;
use azward::azure::scan::{self, Input, ScanOptions, ScanOutcome};
use azward_lab::emulator::{Emulator, EmulatorOptions};
use azward_lab::generate::{self, GenerateOptions, GenerateSummary};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn estate(dir: &Path, resource_graph: bool) -> (PathBuf, GenerateSummary) {
    estate_paged(dir, resource_graph, 7)
}

fn estate_paged(dir: &Path, resource_graph: bool, page_size: usize) -> (PathBuf, GenerateSummary) {
    let path = dir.join(format!("estate-{resource_graph}-{page_size}.jsonl"));
    let summary = generate::generate(
        &GenerateOptions {
            subscriptions: 3,
            resources: 120,
            misconfigured: 0.4,
            seed: 11,
            // Small pages: the Resource Graph answers come in several.
            page_size,
            resource_graph,
        },
        &path,
    )
    .unwrap();
    (path, summary)
}

async fn replay(path: &Path) -> ScanOutcome {
    scan::run(&ScanOptions::new(Input::Replay(path.to_path_buf())))
        .await
        .unwrap()
}

/// The JSON report without what differs by construction (its source, the
/// recording's hash, and its timing).
fn report_json(outcome: &ScanOutcome) -> String {
    let report = app::evaluate(outcome, &Judgement::today()).report;
    let mut v: Value = serde_json::from_str(&report.to_json()).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("source");
    o.remove("timing");
    serde_json::to_string_pretty(&v).unwrap()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn is_graph(line: &str) -> bool {
    line.contains("\"method\":\"POST\"") && line.contains("Microsoft.ResourceGraph")
}

fn is_machine_get(line: &str) -> bool {
    !is_graph(line)
        && (line.contains("/extensions?") || line.contains("/dataCollectionRuleAssociations?"))
}

fn machines(outcome: &ScanOutcome) -> usize {
    outcome
        .inventory
        .subscriptions
        .iter()
        .map(|s| {
            s.virtual_machines.as_ref().map_or(0, |l| l.items.len())
                + s.arc_machines.as_ref().map_or(0, |l| l.items.len())
        })
        .sum()
}

#[tokio::test]
async fn resource_graph_and_per_machine_gets_give_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let (graph_path, graph_summary) = estate(dir.path(), true);
    let (gets_path, gets_summary) = estate(dir.path(), false);
    let graph_lines = lines(&graph_path);
    let gets_lines = lines(&gets_path);
    let pages = graph_lines.iter().filter(|l| is_graph(l)).count();
    assert!(pages >= 4, "paged answers: {pages}");
    assert!(!graph_lines.iter().any(|l| is_machine_get(l)));
    assert!(!gets_lines.iter().any(|l| is_graph(l)));

    let by_graph = replay(&graph_path).await;
    let by_gets = replay(&gets_path).await;
    let n = machines(&by_graph);
    assert!(n >= 6, "machines in the estate: {n}");
    assert!(
        by_graph
            .inventory
            .subscriptions
            .iter()
            .any(|s| s.arc_machines.as_ref().is_ok_and(|l| !l.items.is_empty())),
        "Arc machines too"
    );
    assert_eq!(report_json(&by_graph), report_json(&by_gets));
    // Every exchange read once; no GET for a machine Resource Graph covered,
    // and none failed.
    assert_eq!(by_graph.stats.requests, graph_summary.exchanges);
    assert_eq!(by_graph.stats.failed_reads, 0);
    assert_eq!(by_gets.stats.failed_reads, 0);
    // The GET estate was asked for the queries first: two NotRecorded
    // answers, not failed reads of the scan.
    assert_eq!(by_gets.stats.requests, gets_summary.exchanges + 2);
    assert_eq!(
        gets_summary.exchanges - graph_summary.exchanges + pages as u64,
        2 * n as u64,
        "two GETs per machine replaced by {pages} pages"
    );
    let coverage = |o: &ScanOutcome| {
        app::evaluate(o, &Judgement::today())
            .report
            .scores
            .overall
            .coverage
    };
    assert_eq!(coverage(&by_graph), Some(100.0));
}

/// Both recordings in one file: the Resource Graph answers, altered, ahead
/// of the GETs.
fn with_graph_answers(dir: &Path, alter: impl Fn(Value) -> Option<Value>) -> PathBuf {
    let (graph_path, _) = estate(dir, true);
    let (gets_path, _) = estate(dir, false);
    let mut out = lines(&gets_path);
    for l in lines(&graph_path).iter().filter(|l| is_graph(l)) {
        if let Some(v) = alter(serde_json::from_str(l).unwrap()) {
            out.push(v.to_string());
        }
    }
    let path = dir.join("both.jsonl");
    std::fs::write(&path, out.join("\n")).unwrap();
    path
}

#[tokio::test]
async fn a_doubtful_answer_falls_back_to_the_gets_with_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let (gets_path, _) = estate(dir.path(), false);
    let expected = report_json(&replay(&gets_path).await);
    let gets = |o: &ScanOutcome| o.stats.requests;
    let baseline = replay(&gets_path).await;
    let n = machines(&baseline) as u64;
    // Requests other than rows 33–34 and the two first queries.
    let others = gets(&baseline) - 2 * n - 2;
    let (graph_path, _) = estate(dir.path(), true);
    let query_pages = |prefix: &str| {
        lines(&graph_path)
            .iter()
            .filter(|l| is_graph(l) && l.contains(&format!("\"query\":\"{prefix}")))
            .count() as u64
    };
    let (ext_pages, assoc_pages) = (query_pages("resources |"), query_pages("insightsresources"));
    assert!(
        ext_pages >= 2 && assoc_pages >= 2,
        "{ext_pages} {assoc_pages}"
    );

    // Untouched: the answers are used, the GETs are not.
    let path = with_graph_answers(dir.path(), Some);
    let used = replay(&path).await;
    assert_eq!(report_json(&used), expected);
    assert_eq!(gets(&used), others + ext_pages + assoc_pages, "no GET made");

    type Alter = Box<dyn Fn(Value) -> Option<Value>>;
    let cases: Vec<(&str, Alter)> = vec![
        (
            "truncated",
            Box::new(|mut v| {
                if let Some(b) = v["body"].as_object_mut() {
                    b.remove("$skipToken");
                    b.insert("resultTruncated".into(), json!("true"));
                }
                Some(v)
            }),
        ),
        (
            "403",
            Box::new(|mut v| {
                v["status"] = json!(403);
                v["body"] = json!({"error": {"code": "AuthorizationFailed", "message": "no"}});
                Some(v)
            }),
        ),
        (
            "throttled out",
            Box::new(|mut v| {
                v["status"] = json!(429);
                v["headers"] = json!({"Retry-After": "5"});
                v["body"] = json!({"error": {"code": "RateLimiting", "message": "slow"}});
                Some(v)
            }),
        ),
        (
            "a row without an id",
            Box::new(|mut v| {
                if let Some(rows) = v["body"]["data"].as_array_mut() {
                    rows.push(json!({"name": "who", "properties": null}));
                }
                Some(v)
            }),
        ),
        (
            "the last page missing",
            Box::new(|v| v["body"].get("$skipToken").is_some().then_some(v)),
        ),
    ];
    for (what, alter) in cases {
        let path = with_graph_answers(dir.path(), alter);
        let fell_back = replay(&path).await;
        assert_eq!(report_json(&fell_back), expected, "{what}");
        assert_eq!(fell_back.stats.failed_reads, 0, "{what}");
        assert!(
            gets(&fell_back) >= others + 2 * n + 2,
            "{what}: the GETs were made"
        );
    }

    // Only the associations' answer fails: extensions come from Resource
    // Graph, associations by GET.
    let path = with_graph_answers(dir.path(), |v| {
        let q = v["request_body"]["query"].as_str().unwrap_or_default();
        (!q.starts_with("insightsresources")).then_some(v)
    });
    let partial = replay(&path).await;
    assert_eq!(report_json(&partial), expected);
    assert_eq!(
        gets(&partial),
        others + ext_pages + 1 + n,
        "the extensions' pages, one failed query, a GET per machine"
    );
}

#[tokio::test]
async fn a_live_scan_records_the_query_with_its_body_and_replays_it() {
    let dir = tempfile::tempdir().unwrap();
    // One page a list: a recording made against the emulator keeps its
    // nextLinks to the emulator's origin, which a replay does not follow.
    let (path, summary) = estate_paged(dir.path(), true, 1000);
    let rec = Recording::load(&path).unwrap();
    let origin = "127.0.0.1:0".parse().unwrap();
    let emu = Emulator::start(&rec, origin, EmulatorOptions::default())
        .await
        .unwrap();
    let recorded = dir.path().join("recorded.jsonl");
    let live = ScanOptions {
        arm_endpoint: Some(emu.origin()),
        record: Some(recorded.clone()),
        tenant_id: Some(summary.tenant_id.clone()),
        // The generated estate's clock: its Activity Log filters and query
        // windows are the recorded ones.
        scan_time: azward::util::scan_time::parse(azward_lab::generate::SYNTHETIC_RECORDED_AT),
        ..ScanOptions::new(Input::Live {
            auth: AuthMethod::None,
        })
    };
    let outcome = tokio::time::timeout(Duration::from_secs(120), scan::run(&live))
        .await
        .expect("no hang")
        .unwrap();
    let log = emu.requests();
    assert!(log.iter().any(|r| r.method == "POST" && r.status == 200));
    assert!(
        !log.iter().any(|r| r.method == "GET"
            && (r.path_and_query.contains("/extensions?")
                || r.path_and_query
                    .contains("/dataCollectionRuleAssociations?"))),
        "no GET for a machine Resource Graph covered"
    );
    assert_eq!(outcome.stats.failed_reads, 0);
    let posts: Vec<Value> = lines(&recorded)
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["method"] == "POST")
        .collect();
    assert_eq!(posts.len(), 2, "one page each");
    for p in &posts {
        assert!(p["request_body"]["query"].is_string(), "{p}");
        assert!(p["request_body"]["subscriptions"].is_array(), "{p}");
    }
    let replayed = replay(&recorded).await;
    assert_eq!(report_json(&replayed), report_json(&outcome));
    assert_eq!(replayed.stats.requests, outcome.stats.requests);
}

/// The progress display expects exactly the requests made, whichever way
/// the machines are read: by Resource Graph, by GET, or by GET after a
/// refused query.
#[tokio::test]
async fn progress_expects_the_requests_made() {
    use azward::azure::collect::{collect, Target};
    use azward::azure::http::ClientOptions;
    use azward::util::progress::Progress;
    let dir = tempfile::tempdir().unwrap();
    let (graph, _) = estate(dir.path(), true);
    let (gets, _) = estate(dir.path(), false);
    let refused = with_graph_answers(dir.path(), |mut v| {
        v["status"] = json!(403);
        v["body"] = json!({"error": {"code": "AuthorizationFailed", "message": "no"}});
        Some(v)
    });
    for path in [graph, gets, refused] {
        let progress = Progress::disabled();
        let opts = ClientOptions {
            progress: Some(progress.clone()),
            ..Default::default()
        };
        let rec = Recording::load(&path).unwrap();
        let (client, tenant, _) = scan::replay_client(rec, None, opts, "replay");
        collect(&client, &Target::All, tenant, &Default::default())
            .await
            .unwrap();
        let p = progress.snapshot();
        assert_eq!(p.requests_expected, p.requests_done, "{}", path.display());
        assert_eq!(p.requests_done, client.stats.snapshot().requests);
    }
}
