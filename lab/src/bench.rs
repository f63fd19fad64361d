//! `azward-lab bench`: how close a live scan stays to the limit Azure itself sets.
//!
//! It generates an estate, serves it with the emulator (latency, ARM's read
//! quotas), scans it live and prints the requests made, the 429s received,
//! the wall time and the *throttle bound*: the least time any client could
//! need for those reads under those quotas,
//!
//! ```text
//! bound = max over quotas q of max(0, (reads_q − burst_q) / refill_q)
//!         + critical path × least latency
//! ```
//!
//! where `reads_q` are the requests that drew on quota `q` (a subscription's,
//! or the tenant's), and the critical path is the number of round trips that
//! must follow one another whatever the client (the subscriptions list, the
//! pages of the longest list, the per-resource reads, the archive containers,
//! their immutability policies). It compares the scan's results with a
//! fault-free replay of the same recording (lost results), and measures the
//! offline evaluation of a large recording: time, and peak memory (`VmHWM`).

use crate::emulator::{Emulator, EmulatorError, EmulatorOptions, Latency, Throttle};
use crate::generate::{self, GenerateError, GenerateOptions, GenerateSummary};
use azward::app::{self, Judgement};
use azward::azure::collect::{collect_scan, Target};
use azward::azure::credentials::AuthMethod;
use azward::azure::http::{ClientOptions, RateLimit, GRAPH_SCOPE};
use azward::azure::recording::{Recording, RecordingError};
use azward::azure::scan::ScanOutcome;
use azward::azure::scan::{self, Input, ScanError, ScanOptions};
use azward::report::Report;
use azward::util::progress::Progress;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub subscriptions: usize,
    pub resources: usize,
    pub misconfigured: f64,
    pub seed: u64,
    pub latency: Latency,
    /// Each subscription's read quota (the emulator enforces it; the client paces to it).
    pub quota: RateLimit,
    pub tenant_quota: RateLimit,
    pub concurrency: usize,
    /// The offline estate: subscriptions × resources each; no offline run when either is 0.
    pub offline_subscriptions: usize,
    pub offline_resources: usize,
    /// Measure the offline run in a child process of this executable
    /// (`azward-lab bench --offline-child FILE`), so its peak memory is its own;
    /// `None` measures it in this process.
    pub offline_exe: Option<PathBuf>,
    /// Offline runs made; the one with the median total time is reported
    /// (a shared machine has its noisy moments), with every run's total.
    pub offline_runs: usize,
    /// Where to write the estates (a temporary directory when `None`).
    pub dir: Option<PathBuf>,
    pub progress: bool,
    /// The live estate answers machines' extensions and associations with
    /// Resource Graph pages; `false`: with a GET per machine only (what a
    /// scan falls back to, and what it read before Resource Graph).
    pub resource_graph: bool,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            subscriptions: 20,
            resources: 2000,
            misconfigured: 0.3,
            seed: 1,
            latency: Latency {
                fixed: Duration::from_millis(80),
                jitter: Duration::ZERO,
            },
            quota: RateLimit::ARM,
            tenant_quota: RateLimit::ARM,
            concurrency: 64,
            offline_subscriptions: 20,
            offline_resources: 5000,
            offline_exe: None,
            offline_runs: 5,
            dir: None,
            progress: false,
            resource_graph: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error(transparent)]
    Recording(#[from] RecordingError),
    #[error(transparent)]
    Emulator(#[from] EmulatorError),
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the offline run failed: {0}")]
    Offline(String),
}

/// The figures of a live run.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveFigures {
    pub estate: GenerateSummary,
    pub requests: u64,
    pub throttled: u64,
    pub paced: u64,
    pub retries: u64,
    pub failed_reads: u64,
    pub wall: Duration,
    /// The throttle term of the bound, and the quota it comes from (`None`: the tenant's).
    pub bound_throttle: Duration,
    pub busiest: Option<String>,
    pub busiest_reads: u64,
    pub critical_path: u32,
    pub bound_latency: Duration,
    pub bound: Duration,
    pub results: usize,
    pub replay_results: usize,
    /// Results of the fault-free replay that the live scan does not have.
    pub lost: usize,
    pub coverage: Option<f64>,
}

impl LiveFigures {
    pub fn ratio(&self) -> f64 {
        self.wall.as_secs_f64() / self.bound.as_secs_f64().max(1e-9)
    }
}

/// The figures of an offline run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OfflineFigures {
    pub resources: usize,
    pub bytes: u64,
    pub load_ms: f64,
    pub collect_ms: f64,
    pub evaluate_ms: f64,
    pub report_ms: f64,
    pub results: usize,
    pub failed_reads: u64,
    /// Peak resident memory of the process that ran it (`VmHWM`), when known.
    pub peak_kb: Option<u64>,
    /// The peak as it stood after loading, collecting and evaluating (where
    /// the memory goes), when known.
    #[serde(default)]
    pub peak_kb_after: Option<[u64; 3]>,
    /// With several runs: the total time of each, in milliseconds, fastest
    /// first (these figures are the median run's; `peak_kb` is the highest).
    #[serde(default)]
    pub run_totals_ms: Vec<f64>,
}

impl OfflineFigures {
    pub fn total_ms(&self) -> f64 {
        self.load_ms + self.collect_ms + self.evaluate_ms + self.report_ms
    }
}

fn comparable(report: &Report) -> HashMap<(String, String, Option<String>, String, String), usize> {
    let mut out = HashMap::new();
    for r in &report.results {
        *out.entry((
            r.check_id.to_string(),
            r.resource_id.to_ascii_lowercase(),
            r.item.clone(),
            format!("{:?}", r.status),
            r.reason.clone(),
        ))
        .or_insert(0) += 1;
    }
    out
}

impl BenchOptions {
    /// The quotas the emulator enforces.
    fn throttle(&self) -> Throttle {
        Throttle {
            subscription: self.quota,
            tenant: self.tenant_quota,
            graph: RateLimit::GRAPH,
        }
    }
}

/// Generates the estate, serves it, scans it live and replays it.
pub async fn live(opts: &BenchOptions, dir: &Path) -> Result<LiveFigures, BenchError> {
    let path = dir.join("bench-estate.jsonl");
    let estate = generate::generate(
        &GenerateOptions {
            subscriptions: opts.subscriptions,
            resources: opts.resources,
            misconfigured: opts.misconfigured,
            seed: opts.seed,
            resource_graph: opts.resource_graph,
            ..Default::default()
        },
        &path,
    )?;
    let rec = Recording::load(&path)?;
    let emu = Emulator::start(
        &rec,
        "127.0.0.1:0".parse().expect("a socket address"),
        EmulatorOptions {
            throttle: Some(opts.throttle()),
            latency: opts.latency,
            seed: opts.seed,
            ..Default::default()
        },
    )
    .await?;
    drop(rec);
    let progress = if opts.progress {
        Progress::stderr(false)
    } else {
        Progress::disabled()
    };
    let live_opts = ScanOptions {
        input: Input::Live {
            auth: AuthMethod::None,
        },
        arm_endpoint: Some(emu.origin()),
        record: None,
        tenant_id: Some(estate.tenant_id.clone()),
        target: Target::All,
        client: ClientOptions {
            concurrency: opts.concurrency,
            rate_limit: Some(opts.quota.min_with(opts.tenant_quota)),
            progress: Some(progress.clone()),
            ..Default::default()
        },
        flow: Default::default(),
        // The emulator serves a generated recording: its clock.
        scan_time: azward::util::scan_time::parse(crate::generate::SYNTHETIC_RECORDED_AT),
        ..ScanOptions::new(Input::Demo)
    };
    let started = Instant::now();
    let outcome = scan::run(&live_opts).await?;
    let wall = started.elapsed();
    progress.finish();
    emu.stop();
    let emu_stats = emu.stats();
    drop(emu);
    let judgement = Judgement::today();
    let live_stats = outcome.stats;
    let live = app::evaluate(&outcome, &judgement).report;

    let replay = scan::run(&ScanOptions::new(Input::Replay(path.clone()))).await?;
    let replayed = app::evaluate(&replay, &judgement).report;
    let mut live_rows = comparable(&live);
    let mut lost = 0;
    for (row, n) in comparable(&replayed) {
        let have = live_rows.entry(row).or_insert(0);
        let kept = (*have).min(n);
        *have -= kept;
        lost += n - kept;
    }

    let (mut busiest, mut busiest_reads, mut bound_throttle) = (None, 0, Duration::ZERO);
    for (scope, reads) in &emu_stats.reads_by_scope {
        let limit = opts.throttle().for_scope(scope);
        let excess = reads.saturating_sub(u64::from(limit.burst)) as f64;
        let t = Duration::from_secs_f64(excess / limit.per_second.max(1e-9));
        if t > bound_throttle || (bound_throttle.is_zero() && *reads > busiest_reads) {
            bound_throttle = t;
            busiest = scope.clone();
            busiest_reads = *reads;
        }
    }
    let bound_latency = opts.latency.min() * estate.critical_path;
    Ok(LiveFigures {
        requests: live_stats.requests,
        throttled: live_stats.throttled,
        paced: progress.snapshot().paced_waits,
        retries: live_stats.retries,
        failed_reads: live_stats.failed_reads,
        wall,
        bound_throttle,
        busiest,
        busiest_reads,
        critical_path: estate.critical_path,
        bound_latency,
        bound: bound_throttle + bound_latency,
        results: live.results.len(),
        replay_results: replayed.results.len(),
        lost,
        coverage: live.scores.overall.coverage,
        estate,
    })
}

/// Replays `path` and evaluates it, timing each step (in this process).
pub fn offline_here(path: &Path) -> Result<OfflineFigures, BenchError> {
    let bytes = std::fs::metadata(path)?.len();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let t = Instant::now();
    let rec = Recording::load(path)?;
    let load_ms = ms(t.elapsed());
    let peak_load = peak_kb();
    let t = Instant::now();
    let (client, tenant, source) =
        azward::azure::scan::replay_client(rec, None, ClientOptions::default(), "replay");
    // As a scan does: the Activity Log window ends at the header's `recorded_at`.
    let recorded_at = source
        .recording
        .as_ref()
        .and_then(|r| r.recorded_at.as_deref())
        .and_then(azward::util::scan_time::parse);
    let window = recorded_at.map(|t| scan::HistoryOptions::default().window(t));
    let inventory = runtime
        .block_on(collect_scan(
            &client,
            &Target::All,
            tenant,
            &Default::default(),
            window,
        ))
        .map_err(|e| BenchError::Scan(e.into()))?;
    let collect_ms = ms(t.elapsed());
    let peak_collect = peak_kb();
    // As `scan --replay` does: the recording goes with the client, before evaluation.
    let http = client.stats.snapshot();
    drop(client);
    let resources = inventory
        .subscriptions
        .iter()
        .filter_map(|s| s.resources.as_ref().ok())
        .map(|l| l.items.len())
        .sum();
    // The product's own pipeline (results, summary, gate, report), as `scan` runs it.
    let t = Instant::now();
    let now = SystemTime::now();
    let outcome = ScanOutcome {
        inventory,
        source,
        stats: http,
        started: now,
        finished: now,
        scan_time: recorded_at.unwrap_or_else(|| azward::util::scan_time::live(now)),
        auth_used: None,
    };
    let report = app::evaluate(&outcome, &Judgement::today()).report;
    let evaluate_ms = ms(t.elapsed());
    let peak_evaluate = peak_kb();
    let t = Instant::now();
    let json = report.to_json();
    let report_ms = ms(t.elapsed());
    drop(json);
    Ok(OfflineFigures {
        resources,
        bytes,
        load_ms,
        collect_ms,
        evaluate_ms,
        report_ms,
        results: report.results.len(),
        failed_reads: http.failed_reads,
        peak_kb: peak_kb(),
        peak_kb_after: match (peak_load, peak_collect, peak_evaluate) {
            (Some(a), Some(b), Some(c)) => Some([a, b, c]),
            _ => None,
        },
        run_totals_ms: Vec::new(),
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Peak resident memory of this process (`VmHWM`, Linux), in kB.
pub fn peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs the offline measurement in a child process (`exe bench --offline-child FILE`).
fn offline_child(exe: &Path, path: &Path) -> Result<OfflineFigures, BenchError> {
    let out = std::process::Command::new(exe)
        .arg("bench")
        .arg("--offline-child")
        .arg(path)
        .stdin(std::process::Stdio::null())
        .output()?;
    if !out.status.success() {
        return Err(BenchError::Offline(format!(
            "{} exited with {}: {}",
            exe.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or("");
    serde_json::from_str(line).map_err(|e| BenchError::Offline(format!("{e}: {line:?}")))
}

/// The full benchmark: live, then offline.
pub async fn run(opts: &BenchOptions) -> Result<(LiveFigures, Option<OfflineFigures>), BenchError> {
    let tmp;
    let dir = match &opts.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let live = live(opts, &dir).await?;
    let offline = if opts.offline_subscriptions > 0 && opts.offline_resources > 0 {
        let path = dir.join("bench-offline.jsonl");
        generate::generate(
            &GenerateOptions {
                subscriptions: opts.offline_subscriptions,
                resources: opts.offline_resources,
                misconfigured: opts.misconfigured,
                seed: opts.seed,
                resource_graph: opts.resource_graph,
                ..Default::default()
            },
            &path,
        )?;
        let mut runs = Vec::new();
        for _ in 0..opts.offline_runs.max(1) {
            runs.push(match &opts.offline_exe {
                Some(exe) => offline_child(exe, &path)?,
                None => {
                    let p = path.clone();
                    tokio::task::spawn_blocking(move || offline_here(&p))
                        .await
                        .map_err(|e| BenchError::Offline(e.to_string()))??
                }
            });
        }
        let _ = std::fs::remove_file(&path);
        Some(median_run(runs))
    } else {
        None
    };
    Ok((live, offline))
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The figures as printed by `azward-lab bench`.
pub fn render(opts: &BenchOptions, live: &LiveFigures, offline: Option<&OfflineFigures>) -> String {
    let mut o = String::new();
    let e = &live.estate;
    let line = |o: &mut String, k: &str, v: String| o.push_str(&format!("{k:<17} {v}\n"));
    o.push_str(
        "azward-lab bench: a live scan of a generated estate through the loopback emulator\n",
    );
    line(
        &mut o,
        "estate",
        format!(
            "{} subscriptions × {} resources = {} resources ({}% misconfigured, seed {}), {} exchanges; machines answered {}",
            opts.subscriptions,
            thousands(opts.resources as u64),
            thousands(e.resources as u64),
            (opts.misconfigured * 100.0).round(),
            opts.seed,
            thousands(e.exchanges),
            if opts.resource_graph {
                "by Resource Graph"
            } else {
                "by a GET each"
            }
        ),
    );
    line(
        &mut o,
        "emulator",
        format!(
            "latency {}; read quota {} tokens + {}/s per subscription, {} + {}/s per tenant; Resource Graph {} + {}/s",
            opts.latency,
            opts.quota.burst,
            opts.quota.per_second,
            opts.tenant_quota.burst,
            opts.tenant_quota.per_second,
            RateLimit::GRAPH.burst,
            RateLimit::GRAPH.per_second
        ),
    );
    line(
        &mut o,
        "client",
        format!(
            "concurrency {}, paced per subscription to the same quota",
            opts.concurrency
        ),
    );
    line(&mut o, "requests made", thousands(live.requests));
    line(&mut o, "429s received", thousands(live.throttled));
    line(
        &mut o,
        "paced waits",
        format!(
            "{} (requests the client held back to stay within the quota)",
            thousands(live.paced)
        ),
    );
    line(
        &mut o,
        "retries",
        format!(
            "{}; failed reads {}",
            thousands(live.retries),
            thousands(live.failed_reads)
        ),
    );
    line(
        &mut o,
        "wall time",
        format!("{:.2} s", live.wall.as_secs_f64()),
    );
    let busiest = match &live.busiest {
        Some(s) if s == GRAPH_SCOPE => "Resource Graph".to_string(),
        Some(s) => format!("subscription {s}"),
        None => "the tenant".to_string(),
    };
    let limit = opts.throttle().for_scope(&live.busiest);
    line(
        &mut o,
        "throttle bound",
        format!(
            "{:.2} s = max over quotas of max(0, (reads − burst) / refill) + critical path × least latency",
            live.bound.as_secs_f64()
        ),
    );
    line(
        &mut o,
        "",
        format!(
            "= max(0, ({} − {}) / {}/s) [{busiest}] + {} round trips × {} = {:.2} s + {:.2} s",
            thousands(live.busiest_reads),
            limit.burst,
            limit.per_second,
            live.critical_path,
            show_ms(opts.latency.min()),
            live.bound_throttle.as_secs_f64(),
            live.bound_latency.as_secs_f64()
        ),
    );
    line(
        &mut o,
        "wall / bound",
        format!("{:.3} (target ≤ 1.25)", live.ratio()),
    );
    line(
        &mut o,
        "results",
        format!(
            "{} (a fault-free replay of the same recording: {}); lost results: {}",
            thousands(live.results as u64),
            thousands(live.replay_results as u64),
            live.lost
        ),
    );
    line(
        &mut o,
        "coverage",
        live.coverage
            .map(|c| format!("{c:.2}%"))
            .unwrap_or_else(|| "n/a".into()),
    );
    if let Some(off) = offline {
        line(
            &mut o,
            "offline",
            format!(
                "replay of {} resources ({} × {}; {:.0} MB): load {:.2} s + collect {:.2} s + evaluate {:.2} s + report {:.2} s = {:.2} s (target < 2 s)",
                thousands(off.resources as u64),
                opts.offline_subscriptions,
                thousands(opts.offline_resources as u64),
                off.bytes as f64 / 1e6,
                off.load_ms / 1000.0,
                off.collect_ms / 1000.0,
                off.evaluate_ms / 1000.0,
                off.report_ms / 1000.0,
                off.total_ms() / 1000.0,
            ),
        );
        if off.run_totals_ms.len() > 1 {
            line(
                &mut o,
                "",
                format!(
                    "the median of {} runs (totals: {})",
                    off.run_totals_ms.len(),
                    off.run_totals_ms
                        .iter()
                        .map(|t| format!("{:.2} s", t / 1000.0))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        line(
            &mut o,
            "",
            format!(
                "{} results, {} failed reads; peak memory (VmHWM{}) {} (target < 1 GB){}",
                thousands(off.results as u64),
                off.failed_reads,
                if off.run_totals_ms.len() > 1 {
                    ", the highest run"
                } else {
                    ""
                },
                off.peak_kb.map(mb).unwrap_or_else(|| "n/a".into()),
                off.peak_kb_after
                    .map(|[l, c, e]| format!(
                        "; {} after load, {} after collect, {} after evaluate",
                        mb(l),
                        mb(c),
                        mb(e)
                    ))
                    .unwrap_or_default()
            ),
        );
    }
    o
}

/// The run with the median total time, carrying every run's total and the
/// highest peak memory of them all.
fn median_run(mut runs: Vec<OfflineFigures>) -> OfflineFigures {
    runs.sort_by(|a, b| a.total_ms().total_cmp(&b.total_ms()));
    let totals: Vec<f64> = runs.iter().map(OfflineFigures::total_ms).collect();
    let peak = runs.iter().filter_map(|r| r.peak_kb).max();
    let mut median = runs.swap_remove(runs.len() / 2);
    median.run_totals_ms = totals;
    median.peak_kb = peak.or(median.peak_kb);
    median
}

fn mb(kb: u64) -> String {
    format!("{:.0} MB", kb as f64 / 1024.0)
}

fn show_ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

// ---------------------------------------------------------------------------
// `azward-lab bench`
// ---------------------------------------------------------------------------

/// `azward-lab bench`: scan a generated estate through the emulator and print the figures.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Subscriptions in the live estate.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub subscriptions: usize,
    /// Resources per subscription in the live estate.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    pub resources: usize,
    /// Emulator latency: fixed, or fixed±jitter.
    #[arg(long, value_name = "DURATION", default_value = "80ms", value_parser = Latency::parse)]
    pub latency: Latency,
    /// Tokens in each read bucket (subscription and tenant).
    #[arg(long, value_name = "N", default_value_t = 250)]
    pub bucket: u32,
    /// Tokens refilled per second.
    #[arg(long, value_name = "PER_SEC", default_value_t = 25.0)]
    pub refill: f64,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub concurrency: usize,
    /// Share of misconfigured resources.
    #[arg(long, value_name = "SHARE", default_value = "0.3", value_parser = generate::parse_share)]
    pub misconfigured: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Subscriptions in the offline estate (0: no offline run).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub offline_subscriptions: usize,
    /// Resources per subscription in the offline estate (0: no offline run).
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub offline_resources: usize,
    /// Offline runs to make; the median one is reported.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub offline_runs: usize,
    /// Keep the generated estates in this directory.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// No progress display.
    #[arg(long, short)]
    pub quiet: bool,
    /// Answer machines with a GET each instead of Resource Graph queries
    /// (the scan's fallback, and how it read them before).
    #[arg(long)]
    pub no_resource_graph: bool,
    /// (internal) Replay and evaluate FILE, print the figures as JSON.
    #[arg(long, value_name = "FILE", hide = true)]
    pub offline_child: Option<PathBuf>,
}

impl BenchArgs {
    pub fn options(&self) -> BenchOptions {
        let quota = RateLimit {
            burst: self.bucket,
            per_second: self.refill,
        };
        BenchOptions {
            subscriptions: self.subscriptions,
            resources: self.resources,
            misconfigured: self.misconfigured,
            seed: self.seed,
            latency: self.latency,
            quota,
            tenant_quota: quota,
            concurrency: self.concurrency.max(1),
            offline_subscriptions: self.offline_subscriptions,
            offline_resources: self.offline_resources,
            offline_exe: std::env::current_exe().ok(),
            offline_runs: self.offline_runs.max(1),
            dir: self.keep.clone(),
            progress: !self.quiet,
            resource_graph: !self.no_resource_graph,
        }
    }
}

/// Runs `azward-lab bench` and prints its figures on stdout.
pub fn run_cli(args: &BenchArgs) -> Result<(), BenchError> {
    if let Some(path) = &args.offline_child {
        let figures = offline_here(path)?;
        println!(
            "{}",
            serde_json::to_string(&figures).map_err(|e| BenchError::Offline(e.to_string()))?
        );
        return Ok(());
    }
    let opts = args.options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (live, offline) = runtime.block_on(run(&opts))?;
    print!("{}", render(&opts, &live, offline.as_ref()));
    Ok(())
}
