//! Large-tenant behaviour on small estates: a generated estate replays
//! completely; a scan through a faulty emulator loses nothing a fault-free
//! scan finds; the emulator never sees a token or a write; Ctrl-C stops a
//! scan, exits 130 and writes no report; a small benchmark run is correct.
//!
//! No test here measures speed: a loaded machine is slow. Time limits are
//! guards against a hang (a minute or more), never the property tested.

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azward::azure::collect::{collect_scan, Target};
use azward::azure::credentials::AuthMethod;
use azward::azure::http::{ArmClient, Auth, ClientOptions, RateLimit};
use azward::azure::recording::Recording;
use azward::azure::scan::{self, Input, ScanOptions};
use azward::checks::Status;
use azward::engine::{self, Evaluation, ResultRow};
use azward::profile::Baseline;
use azward_lab::bench::{self, BenchOptions};
use azward_lab::emulator::{Emulator, EmulatorOptions, FaultRates, Faults, Latency};
use azward_lab::generate::{self, GenerateOptions, GenerateSummary};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;
use support::azward_exe;

fn small_estate(dir: &Path) -> (PathBuf, GenerateSummary) {
    let path = dir.join("estate.jsonl");
    let summary = generate::generate(
        &GenerateOptions {
            subscriptions: 3,
            resources: 60,
            misconfigured: 0.4,
            seed: 5,
            page_size: 25,
            resource_graph: true,
        },
        &path,
    )
    .unwrap();
    (path, summary)
}

fn fast_client() -> ClientOptions {
    ClientOptions {
        concurrency: 16,
        max_retries: 6,
        timeout: Duration::from_secs(5),
        base_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(40),
        ..Default::default()
    }
}

fn live(origin: &str, tenant: &str) -> ScanOptions {
    ScanOptions {
        input: Input::Live {
            auth: AuthMethod::None,
        },
        arm_endpoint: Some(origin.to_string()),
        record: None,
        tenant_id: Some(tenant.to_string()),
        target: Target::All,
        client: fast_client(),
        flow: Default::default(),
        scan_time: azward::util::scan_time::parse(azward_lab::generate::SYNTHETIC_RECORDED_AT),
        ..ScanOptions::new(Input::Demo)
    }
}

fn replay(path: &Path) -> ScanOptions {
    ScanOptions::new(Input::Replay(path.to_path_buf()))
}

type Key = (String, String, Option<String>);

fn by_key(eval: &Evaluation) -> BTreeMap<Key, &ResultRow> {
    eval.results
        .iter()
        .map(|r| {
            (
                (
                    r.check_id.to_string(),
                    r.resource_id.to_lowercase(),
                    r.item.clone(),
                ),
                r,
            )
        })
        .collect()
}

fn same(a: &ResultRow, b: &ResultRow) -> bool {
    a.status == b.status && a.reason == b.reason
}

#[tokio::test]
async fn a_generated_estate_replays_completely() {
    let dir = tempfile::tempdir().unwrap();
    let (path, summary) = small_estate(dir.path());
    let out = scan::run(&replay(&path)).await.unwrap();
    let eval = engine::evaluate(&out.inventory, &Baseline::default());
    assert_eq!(out.stats.failed_reads, 0, "every read is recorded");
    assert_eq!(
        out.stats.requests, summary.exchanges,
        "each exchange is read exactly once"
    );
    assert_eq!(eval.scores.overall.coverage, Some(100.0));
    assert!(!eval
        .results
        .iter()
        .any(|r| r.reason.contains("NotRecorded")));
    let resources: usize = out
        .inventory
        .subscriptions
        .iter()
        .map(|s| s.resources.as_ref().unwrap().items.len())
        .sum();
    assert_eq!(resources, 180);
    // The misconfiguration shows: both passes and fails.
    let count = |s: Status| eval.results.iter().filter(|r| r.status == s).count();
    assert!(count(Status::Pass) > 0 && count(Status::Fail) > 0);
    // Gzip and plain give the same estate.
    let gz = dir.path().join("estate.jsonl.gz");
    generate::generate(
        &GenerateOptions {
            subscriptions: 3,
            resources: 60,
            misconfigured: 0.4,
            seed: 5,
            page_size: 25,
            resource_graph: true,
        },
        &gz,
    )
    .unwrap();
    assert_eq!(
        Recording::load(&gz).unwrap().exchanges,
        Recording::load(&path).unwrap().exchanges
    );
}

/// Compares a scan through faults with a fault-free one: every result of a
/// readable subscription is there, equal to the fault-free one or an `error`
/// that says why. With a `denied` subscription, results elsewhere may keep
/// their verdict but add that a read in the denied subscription failed
/// (log archives and Sentinel are decided across subscriptions).
fn compare(clean: &Evaluation, faulty: &Evaluation, denied: Option<&str>) -> (usize, usize) {
    let clean_rows = by_key(clean);
    let faulty_rows = by_key(faulty);
    let mut equal = 0;
    for (key, c) in &clean_rows {
        if denied.is_some() && c.subscription_id.as_deref() == denied {
            continue;
        }
        match faulty_rows.get(key) {
            Some(f) if same(c, f) => equal += 1,
            Some(f) if denied.is_some() && f.status == c.status => {
                let tenant_level = c.subscription_id.is_none();
                assert!(
                    tenant_level || f.reason.starts_with(&c.reason),
                    "{c:?} became {f:?}"
                );
                equal += 1;
            }
            Some(f) => {
                assert_eq!(f.status, Status::Error, "{c:?} became {f:?}");
                assert!(!f.reason.trim().is_empty(), "{f:?}");
            }
            // Baseline "Log archive discovery": while a read that could
            // name an archive account failed, accounts that no read names
            // are not reported (never `not_applicable`); an `error` on the
            // subscription where the read failed stands for them.
            None if c.status == Status::NotApplicable
                && c.check_id.starts_with("AZ-ST-00")
                && faulty_rows.values().any(|f| {
                    f.check_id == c.check_id
                        && f.status == Status::Error
                        && f.reason.contains("archive accounts may be missing")
                }) => {}
            None => panic!("a result of a readable subscription was lost: {c:?}"),
        }
    }
    for (key, f) in &faulty_rows {
        if !clean_rows.contains_key(key) {
            assert_eq!(
                f.status,
                Status::Error,
                "an extra result must be an error: {f:?}"
            );
        }
    }
    if let Some(denied) = denied {
        let rows: Vec<&&ResultRow> = faulty_rows
            .values()
            .filter(|r| r.subscription_id.as_deref() == Some(denied))
            .collect();
        assert!(!rows.is_empty());
        for r in rows {
            assert_eq!(r.status, Status::Error, "{r:?}");
            assert!(r.reason.contains("AuthorizationFailed"), "{r:?}");
        }
    }
    (equal, clean_rows.len())
}

#[tokio::test]
async fn a_scan_through_faults_loses_nothing_that_a_fault_free_scan_finds() {
    let dir = tempfile::tempdir().unwrap();
    let (path, summary) = small_estate(dir.path());
    let rec = Recording::load(&path).unwrap();
    let addr = "127.0.0.1:0".parse().unwrap();
    let faulty = |denied: Vec<String>| EmulatorOptions {
        faults: Faults {
            rates: FaultRates::parse("5xx=10%,reset=2%,malformed=2%,truncated=1%").unwrap(),
            forbidden_subscriptions: denied,
            ..Default::default()
        },
        latency: Latency::parse("1ms±1ms").unwrap(),
        seed: 7,
        ..Default::default()
    };
    let denied = summary.subscription_ids[1].clone();
    let clean_emu = Emulator::start(&rec, addr, EmulatorOptions::default())
        .await
        .unwrap();
    let transient_emu = Emulator::start(&rec, addr, faulty(Vec::new()))
        .await
        .unwrap();
    let denied_emu = Emulator::start(&rec, addr, faulty(vec![denied.clone()]))
        .await
        .unwrap();
    let tenant = summary.tenant_id.clone();
    let (a, b, c) = (
        live(&clean_emu.origin(), &tenant),
        live(&transient_emu.origin(), &tenant),
        live(&denied_emu.origin(), &tenant),
    );
    let (clean, transient, with_denied) = tokio::join!(scan::run(&a), scan::run(&b), scan::run(&c));
    let (clean, transient, with_denied) =
        (clean.unwrap(), transient.unwrap(), with_denied.unwrap());
    let baseline = Baseline::default();
    let clean_eval = engine::evaluate(&clean.inventory, &baseline);
    for emu in [&transient_emu, &denied_emu] {
        let injected = emu.stats();
        assert!(injected.faults > 20, "faults were injected: {injected:?}");
    }
    assert!(transient.stats.retries > 0 && with_denied.stats.retries > 0);

    // The fault-free live scan equals the replay.
    let replayed = scan::run(&replay(&path)).await.unwrap();
    let replay_eval = engine::evaluate(&replayed.inventory, &baseline);
    assert_eq!(clean_eval.results, replay_eval.results);
    assert_eq!(clean_eval.scores.overall.coverage, Some(100.0));

    // Transient faults only: every read that succeeded gives the same result.
    let (equal, total) = compare(
        &clean_eval,
        &engine::evaluate(&transient.inventory, &baseline),
        None,
    );
    assert!(
        equal * 10 >= total * 9,
        "retries recover most reads ({equal} of {total} equal)"
    );
    // And a subscription that answers 403 to everything.
    let (equal, total) = compare(
        &clean_eval,
        &engine::evaluate(&with_denied.inventory, &baseline),
        Some(&denied),
    );
    assert!(equal * 10 >= total * 5, "{equal} of {total} equal");
}

#[derive(Debug)]
struct FixedToken;

const SECRET: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJ0aWQiOiJ0In0.scale-secret-signature";

#[async_trait::async_trait]
impl TokenCredential for FixedToken {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _o: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            Secret::new(SECRET),
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

#[tokio::test]
async fn the_request_log_holds_only_gets_and_never_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let (path, summary) = small_estate(dir.path());
    let rec = Recording::load(&path).unwrap();
    let emu = Emulator::start(
        &rec,
        "127.0.0.1:0".parse().unwrap(),
        EmulatorOptions::default(),
    )
    .await
    .unwrap();
    let auth = Auth::Credential {
        credential: Arc::new(FixedToken),
        scope: "https://management.azure.com/.default".into(),
    };
    let client = ArmClient::live(&emu.origin(), auth, fast_client()).unwrap();
    // With the Activity Log of the generated estate's scan time: every exchange.
    let window = scan::HistoryOptions::default()
        .window(azward::util::scan_time::parse(generate::SYNTHETIC_RECORDED_AT).unwrap());
    let inv = collect_scan(
        &client,
        &Target::All,
        Some(summary.tenant_id.clone()),
        &Default::default(),
        Some(window),
    )
    .await
    .unwrap();
    assert_eq!(client.stats.snapshot().failed_reads, 0);
    assert_eq!(inv.subscriptions.len(), 3);
    let log = emu.requests();
    assert_eq!(log.len() as u64, summary.exchanges);
    // Reads only: GETs, and the allow-listed Resource Graph query (POST).
    assert!(log.iter().all(|r| r.status == 200
        && (r.method == "GET"
            || azward::azure::http::is_graph_request(&r.method, &r.path_and_query))));
    assert!(log.iter().any(|r| r.method == "POST"));
    assert!(
        log.iter().all(|r| r.had_authorization),
        "the token was sent"
    );
    let shown = format!("{log:?}");
    assert!(!shown.contains("scale-secret") && !shown.contains("eyJ0"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_live_scan_and_writes_no_report() {
    let dir = tempfile::tempdir().unwrap();
    let (path, summary) = small_estate(dir.path());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let rec = Recording::load(&path).unwrap();
    let emu = rt
        .block_on(Emulator::start(
            &rec,
            "127.0.0.1:0".parse().unwrap(),
            EmulatorOptions {
                latency: Latency::parse("20s").unwrap(),
                ..Default::default()
            },
        ))
        .unwrap();
    let out = dir.path().join("report.json");
    let child = spawn_azward([
        "scan".as_ref(),
        "--auth".as_ref(),
        "none".as_ref(),
        "--arm-endpoint".as_ref(),
        emu.origin().as_ref(),
        "--tenant".as_ref(),
        summary.tenant_id.as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--quiet".as_ref(),
        "--output".as_ref(),
        out.as_os_str(),
    ]);
    // Wait until the scan is under way (its first reads have arrived; each
    // takes 20 s, so it is still under way when the signal comes).
    let deadline = Instant::now() + HANG_GUARD;
    while emu.in_flight() == 0 {
        assert!(
            Instant::now() < deadline,
            "the scan never reached the emulator"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    interrupt_and_check(child, &out, dir.path());
    drop(emu);
}

/// Starts `azward ARGS` with no stdin or stdout and stderr captured.
fn spawn_azward<'a>(args: impl IntoIterator<Item = &'a std::ffi::OsStr>) -> std::process::Child {
    std::process::Command::new(azward_exe())
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// How long a child process may take before a test calls it hung: a guard,
/// not a measure (what the tests assert is how the process ended).
const HANG_GUARD: Duration = Duration::from_secs(120);

const SIGINT: u32 = 2;
const SIGTERM: u32 = 15;

/// Waits until `child` has a handler for `signal` in place (on Linux, read
/// from `/proc`; elsewhere, after a pause), so that the signal is handled by
/// the program and not by the default action.
fn wait_for_handler(child: &mut std::process::Child, signal: u32) {
    let status = format!("/proc/{}/status", child.id());
    if std::fs::metadata(&status).is_err() {
        std::thread::sleep(Duration::from_millis(500));
        return;
    }
    let deadline = Instant::now() + HANG_GUARD;
    loop {
        let text = std::fs::read_to_string(&status).unwrap_or_default();
        let caught = text
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
            .unwrap_or(0);
        // Signal n is bit n − 1 of the mask.
        if caught & (1 << (signal - 1)) != 0 {
            return;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the process ended before it set up its handler for signal {signal}"
        );
        assert!(
            Instant::now() < deadline,
            "no handler for signal {signal} after {HANG_GUARD:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends SIGINT to a running `azward scan` (once it handles SIGINT) and
/// checks that it stops with exit 130 and says so, and leaves neither the
/// report `out` nor a temporary file in `dir`. (It would otherwise run on
/// and write its report: the scans given here are far from done.)
fn interrupt_and_check(mut child: std::process::Child, out: &Path, dir: &Path) {
    wait_for_handler(&mut child, SIGINT);
    assert!(
        child.try_wait().unwrap().is_none(),
        "the scan ended before it could be interrupted: make its estate larger"
    );
    let sent = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if sent.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("the scan did not stop after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    use std::io::Read as _;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: no report written"),
        "{stderr}"
    );
    assert!(!out.exists(), "no partial report");
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".azward-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A replay is CPU work spread over threads, not waiting on a network: it
/// must stop on Ctrl-C all the same.
#[test]
fn ctrl_c_stops_a_large_replay_and_writes_no_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.jsonl");
    generate::generate(
        &GenerateOptions {
            subscriptions: 16,
            resources: 3000,
            ..Default::default()
        },
        &path,
    )
    .unwrap();
    let out = dir.path().join("report.json");
    let child = spawn_azward([
        "scan".as_ref(),
        "--replay".as_ref(),
        path.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "--quiet".as_ref(),
        "--output".as_ref(),
        out.as_os_str(),
    ]);
    // As soon as the signal handler is in place, well before the replay of
    // 48,000 resources is over.
    interrupt_and_check(child, &out, dir.path());
}

#[tokio::test]
async fn a_small_benchmark_is_correct() {
    let quota = RateLimit {
        burst: 20,
        per_second: 200.0,
    };
    let opts = BenchOptions {
        subscriptions: 2,
        resources: 60,
        latency: Latency::parse("2ms").unwrap(),
        quota,
        tenant_quota: quota,
        concurrency: 8,
        offline_subscriptions: 1,
        offline_resources: 200,
        offline_runs: 3,
        ..Default::default()
    };
    let (live, offline) = bench::run(&opts).await.unwrap();
    let offline = offline.expect("an offline run");
    // Figures are printed, not asserted: CI machines vary.
    println!("{}", bench::render(&opts, &live, Some(&offline)));
    assert_eq!(live.lost, 0);
    assert_eq!(live.results, live.replay_results);
    assert_eq!(live.failed_reads, 0);
    assert_eq!(live.coverage, Some(100.0));
    assert_eq!(live.requests, live.estate.exchanges + live.retries);
    assert!(live.bound > Duration::ZERO && live.ratio() > 0.0);
    assert!(live.busiest_reads > u64::from(quota.burst));
    assert_eq!(offline.resources, 200);
    assert_eq!(offline.run_totals_ms.len(), 3, "every run's total is kept");
    assert!(offline.run_totals_ms.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(
        offline.total_ms(),
        offline.run_totals_ms[1],
        "the median run is reported"
    );
    assert_eq!(offline.failed_reads, 0);
    assert!(offline.results > 0);
}

#[cfg(unix)]
#[test]
fn generate_and_emulate_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cli.jsonl.gz");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_azward-lab"))
        .args([
            "generate",
            "--subscriptions",
            "2",
            "--resources",
            "20",
            "--seed",
            "3",
            "--output",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(Recording::load(&path).unwrap().header.recording, 1);

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_azward-lab"))
        .arg("emulate")
        .arg(&path)
        .args(["--max-runtime", "30s", "--latency", "1ms"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    use std::io::BufRead as _;
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let origin = line.trim().to_string();
    assert!(origin.starts_with("http://127.0.0.1:"), "{origin:?}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (status, remaining) = rt.block_on(async {
        let r = reqwest::get(format!("{origin}/subscriptions?api-version=2022-12-01"))
            .await
            .unwrap();
        let remaining = r
            .headers()
            .get("x-ms-ratelimit-remaining-tenant-reads")
            .map(|v| v.to_str().unwrap().to_string());
        (r.status().as_u16(), remaining)
    });
    assert_eq!((status, remaining.as_deref()), (200, Some("249")));
    wait_for_handler(&mut child, SIGTERM);
    let sent = Instant::now();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if sent.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("emulate ignored SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    use std::io::Read as _;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("stopped (SIGTERM)"), "{stderr}");
}
