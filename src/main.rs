//! The `azward` command line. Exit codes: 0 the gate holds, 1 the gate
//! fails, 2 usage, configuration or authentication error (nothing assessed),
//! 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).

use anyhow::{bail, Context, Result};
use azward::app::{self, AuditConfig, Judgement, Previous};
use azward::azure::collect::Target;
use azward::azure::credentials::AuthMethod;
use azward::azure::http::ClientOptions;
use azward::azure::scan::{Input, ScanOptions};
use azward::checks::{Severity, REGISTRY};
use azward::engine::Gate;
use azward::profile::Baseline;
use azward::report::{self, terminal, Report};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// `azward --version`: the crate's version, or the build id a packager set at
/// compile time in `AZWARD_BUILD_VERSION` (the GitHub Action sets
/// `<version>+<hash of the sources>`, so a cached binary is known to be the
/// build of the action's own sources).
const VERSION: &str = match option_env!("AZWARD_BUILD_VERSION") {
    Some(v) => v,
    None => env!("CARGO_PKG_VERSION"),
};

#[derive(Parser)]
#[command(name = "azward", version = VERSION, about = "Audits the forensic-readiness posture of Azure estates", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan an estate (live, replayed from a recording, or the embedded demo) and report.
    Scan(Box<ScanArgs>),
    /// Compare two JSON reports: new, fixed and unchanged failing results, and the score change.
    Diff {
        /// The earlier report (`scan --format json`).
        old: PathBuf,
        /// The later report.
        new: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
        /// Write there (atomically) instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List every check.
    Checks {
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
        /// Include an organisation profile's changes and property rules.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
    },
    /// Print the tamper timeline: evidence-impairing operations, changes and
    /// leads from the Activity Log (reads only the subscriptions and their Activity Log).
    Timeline(Box<TimelineArgs>),
    /// List the runs a history file keeps (`scan --history FILE`) and the trend of score,
    /// coverage and failing results, overall, per family and per subscription.
    History(HistoryArgs),
    /// Evaluate a planned change (ARM/Bicep what-if output) over a base estate:
    /// the failing results it introduces, fixes and leaves.
    Plan(Box<PlanArgs>),
    /// Print the full documentation of one check.
    Explain {
        /// A check id, e.g. AZ-KV-003.
        id: String,
        /// Show parameter values and severity from an organisation profile.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
    },
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("changes").required(true).args(["what_if", "terraform"])))]
struct PlanArgs {
    /// `az deployment group|sub|mg|tenant what-if --no-pretty-print --output json`.
    #[arg(long = "what-if", value_name = "FILE")]
    what_if: Option<PathBuf>,
    /// A Terraform plan as JSON: `terraform show -json PLAN` (docs/planned-changes.md
    /// lists the resource types read).
    #[arg(long, value_name = "FILE")]
    terraform: Option<PathBuf>,
    /// With --terraform: the subscription of azurerm resources whose id the plan
    /// does not hold and whose provider block names none.
    #[arg(long, value_name = "ID", env = "ARM_SUBSCRIPTION_ID")]
    default_subscription: Option<String>,
    /// The embedded demo estate as the base.
    #[arg(long, conflicts_with_all = ["replay", "no_base", "subscription"])]
    demo: bool,
    /// A recording of the base estate (`scan --record`). Without --demo, --replay
    /// or --no-base, the base is read live from Azure (as `scan` does).
    #[arg(long, value_name = "FILE", conflicts_with = "no_base")]
    replay: Option<PathBuf>,
    /// No base estate: judge the planned resources alone; the checks that need the
    /// rest of the estate are listed as not assessed.
    #[arg(long)]
    no_base: bool,
    /// Live base or --replay: only this subscription (repeatable), as `scan --subscription`
    /// read it. Default: every subscription visible.
    #[arg(long = "subscription", value_name = "ID")]
    subscription: Vec<String>,
    /// Live base: the credential.
    #[arg(long, value_enum, default_value = "auto", env = "AZWARD_AUTH")]
    auth: AuthMethod,
    /// Live base: Resource Manager endpoint (sovereign clouds, the loopback emulator).
    #[arg(long, value_name = "URL", env = "AZWARD_ARM_ENDPOINT")]
    arm_endpoint: Option<String>,
    /// Live base: the tenant id, for `--auth none` (the emulator) or to override the token's.
    #[arg(long = "tenant", value_name = "ID", env = "AZWARD_TENANT")]
    tenant: Option<String>,
    /// An organisation profile (the same for the base and the planned estate).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: PlanFormat,
    /// Write there (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE", conflicts_with = "output_dir")]
    output: Option<PathBuf>,
    /// Write plan.md, plan.sarif and plan.json to DIR (atomically, from one read of the
    /// base) and the text to stdout.
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// Exit 1 when the change introduces a failing result (fail, or error:
    /// unknown until apply) at this severity or higher.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on_new: Option<Severity>,
}

#[derive(Clone, Copy, ValueEnum)]
enum PlanFormat {
    Text,
    Json,
    Md,
    Sarif,
}

#[derive(Args)]
struct HistoryArgs {
    /// The history file (SQLite) that `scan --history` writes.
    #[arg(long, value_name = "FILE")]
    history: PathBuf,
    /// Only this tenant's runs.
    #[arg(long = "tenant", value_name = "ID")]
    tenant: Option<String>,
    /// How many of the latest runs the trend tables show.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    last: u16,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
    Md,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TimelineFormat {
    /// One line per event, oldest first, after a summary.
    Text,
    /// The timeline as in the JSON report's `timeline`.
    Json,
    /// The timeline CSV (as timeline.csv beside a scan's CSV).
    Csv,
}

#[derive(Args)]
struct TimelineArgs {
    /// The embedded demo estate.
    #[arg(long, conflicts_with_all = ["replay", "subscription"])]
    demo: bool,
    /// Replay a recording instead of reading Azure.
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
    /// Only this subscription (repeatable). Default: every subscription visible.
    #[arg(long = "subscription", value_name = "ID")]
    subscription: Vec<String>,
    /// Credential for a live scan.
    #[arg(long, value_enum, default_value = "auto")]
    auth: AuthMethod,
    /// Resource Manager endpoint (sovereign clouds, the loopback emulator).
    #[arg(long, value_name = "URL")]
    arm_endpoint: Option<String>,
    /// The tenant id, for `--auth none` (the emulator) or to override the token's.
    #[arg(long = "tenant", value_name = "ID")]
    tenant: Option<String>,
    /// An organisation baseline profile (`history_days`, `trusted_change_callers`).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Events per Activity Log listing beyond which that scope is an error.
    #[arg(long, value_name = "N", default_value_t = azward::azure::scan::DEFAULT_HISTORY_MAX_EVENTS as u64, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    history_max_events: u64,
    #[arg(long, value_enum, default_value = "text")]
    format: TimelineFormat,
    /// Write there (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutFormat {
    /// The terminal summary.
    Table,
    /// The versioned JSON report (docs/report-schema.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML: one test case per check and resource.
    Junit,
    /// CSV: one row per result.
    Csv,
    /// A short Markdown summary (pull-request comment, job summary).
    Md,
    /// One self-contained HTML report for auditors.
    Html,
}

impl OutFormat {
    /// The file name written in `--output-dir`.
    fn file_name(self) -> &'static str {
        match self {
            OutFormat::Table => "azward.txt",
            OutFormat::Json => "azward.json",
            OutFormat::Sarif => "azward.sarif",
            OutFormat::Junit => "azward.junit.xml",
            OutFormat::Csv => "azward.csv",
            OutFormat::Md => "azward.md",
            OutFormat::Html => "azward.html",
        }
    }

    fn render(self, report: &Report, new_rows: Option<&[&azward::engine::ResultRow]>) -> String {
        match self {
            OutFormat::Table => terminal::render(report, false),
            OutFormat::Json => report.to_json(),
            OutFormat::Sarif => report::sarif::render(report),
            OutFormat::Junit => report::junit::render(report),
            OutFormat::Csv => report::csv::render(report),
            OutFormat::Md => report::markdown::render(report, new_rows),
            OutFormat::Html => report::html::render(report),
        }
    }
}

#[derive(Args)]
struct ScanArgs {
    /// Scan the embedded demo estate (no network, no files).
    #[arg(long, conflicts_with_all = ["replay", "subscription", "management_group"])]
    demo: bool,
    /// Replay a recording (JSON Lines, `.gz` accepted) instead of reading Azure.
    #[arg(long, value_name = "FILE")]
    replay: Option<PathBuf>,
    /// Write every exchange of this scan to a recording (`.gz` to compress).
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Scan only this subscription (repeatable). Default: every subscription visible.
    #[arg(long = "subscription", value_name = "ID")]
    subscription: Vec<String>,
    /// Scan the subscriptions under this management group, at any depth.
    #[arg(long, value_name = "ID", conflicts_with = "subscription")]
    management_group: Option<String>,
    /// Credential for a live scan.
    #[arg(long, value_enum, default_value = "auto", env = "AZWARD_AUTH")]
    auth: AuthMethod,
    /// Resource Manager endpoint (sovereign clouds, the loopback emulator).
    #[arg(long, value_name = "URL", env = "AZWARD_ARM_ENDPOINT")]
    arm_endpoint: Option<String>,
    /// The scan's tenant id, for `--auth none` (the emulator) or to override the token's.
    #[arg(long = "tenant", value_name = "ID", env = "AZWARD_TENANT")]
    tenant: Option<String>,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=512))]
    concurrency: u16,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: u64,
    /// Retries of a throttled (429), failed (5xx) or timed-out request.
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(0..=20))]
    max_retries: u32,
    /// Output formats, comma-separated: table (the terminal summary), json, sarif, junit, csv, md, html.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "table")]
    format: Vec<OutFormat>,
    /// Write the one file format given to FILE (atomically). Without it or --output-dir, it goes to stdout.
    #[arg(long, short, value_name = "FILE", conflicts_with = "output_dir")]
    output: Option<PathBuf>,
    /// Write every file format given to DIR as azward.json, .sarif, .junit.xml, .csv, .md, .html.
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// Fail the gate (exit 1) when a fail or error result has this severity or higher.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
    /// With --fail-on, do not count error results.
    #[arg(long)]
    allow_errors: bool,
    /// Fail the gate when the score is below N (or n/a).
    #[arg(long, value_name = "N", value_parser = parse_percent)]
    min_score: Option<f64>,
    /// Fail the gate when coverage is below P percent (or n/a).
    #[arg(long, value_name = "P", value_parser = parse_percent)]
    min_coverage: Option<f64>,
    /// An organisation baseline profile extending the default (docs/baseline-profiles.md).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Also report results by the controls of a framework: cis-azure-3.0 or mcsb-v1.
    #[arg(long, value_name = "ID")]
    framework: Option<String>,
    /// Exceptions: waived results are reported as `waived` (docs/waivers.md).
    #[arg(long, value_name = "FILE")]
    waivers: Option<PathBuf>,
    /// Judge waiver expiry as of this date (YYYY-MM-DD; default today, UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<time::Date>,
    /// A previous JSON report to compare with (new findings, fixed, score change).
    #[arg(long, value_name = "OLD.json")]
    compare: Option<PathBuf>,
    /// With --compare: fail the gate only for findings new since OLD at this severity or higher
    /// (errors count unless --allow-errors).
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity, requires = "compare")]
    fail_on_new: Option<Severity>,
    /// Keep this run in a history file (SQLite; created when missing): the report then shows
    /// what is new and fixed since the previous run of the same tenant and baseline, and the trend.
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// With --history: keep only the newest N runs of this tenant and baseline.
    #[arg(long, value_name = "N", requires = "history", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    keep_runs: Option<u32>,
    /// Print nothing on stderr but errors.
    #[arg(long, short)]
    quiet: bool,
    /// Events per Activity Log listing beyond which that scope's AZ-HIST-001 is an error.
    #[arg(long, value_name = "N", default_value_t = azward::azure::scan::DEFAULT_HISTORY_MAX_EVENTS as u64, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    history_max_events: u64,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s)
        .ok_or_else(|| format!("unknown severity {s:?} (critical, high, medium, low)"))
}

/// Writes to stdout; a closed pipe (`azward … | head`) ends the output quietly.
fn emit(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("could not write to stdout"),
    }
}

fn parse_date(s: &str) -> Result<time::Date, String> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD)"))
}

fn parse_percent(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=100.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not between 0 and 100"))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Ctrl-C or SIGTERM at any moment: staged outputs are removed, exit 130/143.
    if let Err(e) = azward::util::interrupt::install(|written| {
        if written == 0 {
            "interrupted: no report written".into()
        } else {
            "interrupted".into()
        }
    }) {
        eprintln!("error: could not set up the signal handler: {e}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Scan(args) => run_scan(*args),
        Command::Diff {
            old,
            new,
            format,
            output,
        } => run_diff(&old, &new, format, output.as_deref()).map(|_| ExitCode::SUCCESS),
        Command::History(args) => azward_history(&args).map(|_| ExitCode::SUCCESS),
        Command::Checks { format, baseline } => {
            list_checks(format, baseline.as_deref()).map(|_| ExitCode::SUCCESS)
        }
        Command::Timeline(args) => run_timeline(*args).map(|_| ExitCode::SUCCESS),
        Command::Plan(args) => run_plan(*args),
        Command::Explain { id, baseline } => {
            explain(&id, baseline.as_deref()).map(|_| ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // One line per problem: a profile with several problems lists each.
            // A cause its context already quotes (`{source}` in the message,
            // or a transparent wrapper) is not printed a second time.
            let mut msg = String::new();
            for c in e.chain().map(|c| c.to_string()) {
                if !msg.contains(&c) {
                    if !msg.is_empty() {
                        msg.push_str(": ");
                    }
                    msg.push_str(&c);
                }
            }
            for line in msg.lines() {
                eprintln!("error: {}", azward::util::text::printable(line));
            }
            ExitCode::from(2)
        }
    }
}

/// What a scan reads: the demo, a recording, or Azure with `auth`.
fn input_of(demo: bool, replay: Option<&PathBuf>, auth: AuthMethod) -> Input {
    match (demo, replay) {
        (true, _) => Input::Demo,
        (false, Some(p)) => Input::Replay(p.clone()),
        (false, None) => Input::Live { auth },
    }
}

/// The subscriptions named with `--subscription`, or all of them.
fn target_of(subscriptions: &[String]) -> Result<Target> {
    if subscriptions.is_empty() {
        return Ok(Target::All);
    }
    for s in subscriptions {
        if s.trim().is_empty() || s.contains('/') {
            bail!("--subscription {s:?}: expected a subscription id (GUID)");
        }
    }
    Ok(Target::Subscriptions(subscriptions.to_vec()))
}

fn check_endpoint(endpoint: Option<&str>) -> Result<()> {
    match endpoint {
        Some(e) if !(e.starts_with("https://") || e.starts_with("http://")) => {
            bail!("--arm-endpoint {e:?}: expected an http(s) URL")
        }
        _ => Ok(()),
    }
}

/// `--history-max-events` (at most 10,000,000 by its parser) as a bound.
fn history_max_events(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn run_scan(args: ScanArgs) -> Result<ExitCode> {
    let input = input_of(args.demo, args.replay.as_ref(), args.auth);
    let target = match &args.management_group {
        Some(mg) => Target::ManagementGroup(mg.clone()),
        None => target_of(&args.subscription)?,
    };
    check_endpoint(args.arm_endpoint.as_deref())?;
    let file_formats: Vec<OutFormat> = args
        .format
        .iter()
        .copied()
        .filter(|f| *f != OutFormat::Table)
        .collect();
    if args.output.is_some() && file_formats.len() != 1 {
        bail!(
            "--output takes one file format (such as --format json); use --output-dir for several"
        );
    }
    if args.output.is_none() && args.output_dir.is_none() && file_formats.len() > 1 {
        bail!("several file formats go to --output-dir DIR");
    }
    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("could not create --output-dir {}", dir.display()))?;
    }
    // Progress on stderr for a live scan on a terminal (a replay takes no time).
    let progress = azward::util::progress::Progress::stderr(
        args.quiet || !matches!(input, Input::Live { .. }),
    );
    let opts = ScanOptions {
        input,
        arm_endpoint: args.arm_endpoint.clone(),
        record: args.record.clone(),
        tenant_id: args.tenant.clone(),
        target,
        client: ClientOptions {
            concurrency: usize::from(args.concurrency),
            max_retries: args.max_retries,
            timeout: Duration::from_secs(args.timeout),
            progress: Some(progress.clone()),
            ..Default::default()
        },
        // The workspace queries and the history window are set from the
        // baseline by the audit.
        history: Some(azward::azure::scan::HistoryOptions {
            max_events: history_max_events(args.history_max_events),
            ..Default::default()
        }),
        ..ScanOptions::new(Input::Demo)
    };
    let baseline = load_baseline(args.baseline.as_deref())?;
    // Opened (and migrated) before the scan: a file that is not a history fails at once.
    let mut history = match &args.history {
        Some(p) => Some(azward::history::Store::open(p)?),
        None => None,
    };
    let history_key = azward::history::baseline_key(&baseline);
    let judgement = Judgement {
        history: match &history {
            Some(h) => Some(h.load()?),
            None => None,
        },
        waivers: match &args.waivers {
            Some(p) => Some(azward::engine::waivers::load(p, &baseline.known_ids())?),
            None => None,
        },
        baseline,
        as_of_given: args.as_of.is_some(),
        as_of: args
            .as_of
            .unwrap_or_else(|| time::OffsetDateTime::now_utc().date()),
        framework: match &args.framework {
            Some(id) => Some(azward::engine::frameworks::load(id)?),
            None => None,
        },
        // Read before the scan: a bad file fails at once, not after minutes of reading Azure.
        previous: match &args.compare {
            Some(p) => Some(Previous::load(p)?),
            None => None,
        },
        gate: Gate {
            fail_on: args.fail_on,
            allow_errors: args.allow_errors,
            min_score: args.min_score,
            min_coverage: args.min_coverage,
            fail_on_new: args.fail_on_new,
        },
        planned_changes: Vec::new(),
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    // Every file of this run (the recording, the reports) is staged and put in
    // place at the end, together; a signal before then leaves none (the
    // handler installed in `main` ends the process, whatever it is doing).
    let outputs = azward::util::fsutil::OutputSet::open();
    let audited = runtime.block_on(app::audit(AuditConfig {
        scan: opts,
        judgement,
    }));
    progress.finish();
    let audit = audited?;
    if let (Some(m), false) = (audit.auth_used, args.quiet) {
        eprintln!("authenticated with {}", m.label());
    }
    let new_rows = audit.new_results();
    let report = &audit.report;
    let to_stdout = args.output.is_none() && args.output_dir.is_none() && !file_formats.is_empty();
    for f in &file_formats {
        let text = f.render(report, new_rows.as_deref());
        let path = match (&args.output, &args.output_dir) {
            (Some(p), _) => p.clone(),
            (None, Some(dir)) => dir.join(f.file_name()),
            (None, None) => {
                emit(&text)?;
                continue;
            }
        };
        azward::util::fsutil::write_atomic(&path, text.as_bytes())
            .with_context(|| format!("could not write {}", path.display()))?;
    }
    // The tamper timeline's CSV is a file of its own beside the results' CSV.
    if let (Some(dir), Some(t), true) = (
        &args.output_dir,
        &report.timeline,
        file_formats.contains(&OutFormat::Csv),
    ) {
        let path = dir.join("timeline.csv");
        azward::util::fsutil::write_atomic(&path, report::history::csv(t).as_bytes())
            .with_context(|| format!("could not write {}", path.display()))?;
    }
    let written = outputs.commit().context("could not write the outputs")?;
    // Recorded once the reports are in place, in one transaction.
    if let Some(h) = history.as_mut() {
        let (run, removed) = h.record(report, &history_key, args.keep_runs)?;
        if !args.quiet {
            let file = args
                .history
                .as_deref()
                .unwrap_or(std::path::Path::new(""))
                .display()
                .to_string();
            let removed = if removed > 0 {
                format!(" ({removed} older run(s) removed)")
            } else {
                String::new()
            };
            eprintln!(
                "recorded run {run} in {}{removed}",
                azward::util::text::printable(&file)
            );
        }
    }
    if !args.quiet {
        for path in written {
            let shown = path.display().to_string();
            eprintln!("wrote {}", azward::util::text::printable(&shown));
        }
    }
    if args.format.contains(&OutFormat::Table) {
        let on_stderr = to_stdout;
        let colour = terminal::colour_wanted(if on_stderr {
            std::io::stderr().is_terminal()
        } else {
            std::io::stdout().is_terminal()
        });
        let text = terminal::render(report, colour);
        if on_stderr {
            eprint!("{text}");
        } else {
            emit(&text)?;
        }
    }
    Ok(if audit.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run_plan(args: PlanArgs) -> Result<ExitCode> {
    let changes = match (&args.what_if, &args.terraform) {
        (Some(p), _) => azward::azure::whatif::WhatIf::load(p)?,
        (None, Some(p)) => azward::azure::terraform::load(p, args.default_subscription.as_deref())?,
        (None, None) => unreachable!("clap requires one"),
    };
    let judgement = Judgement {
        baseline: load_baseline(args.baseline.as_deref())?,
        ..Judgement::today()
    };
    check_endpoint(args.arm_endpoint.as_deref())?;
    let input = input_of(args.demo, args.replay.as_ref(), args.auth);
    let opts = ScanOptions {
        arm_endpoint: args.arm_endpoint.clone(),
        tenant_id: args.tenant.clone(),
        target: target_of(&args.subscription)?,
        ..ScanOptions::new(input)
    };
    let plan = if args.no_base {
        azward::app::plan_without_base(opts, judgement, &changes, args.fail_on_new)?
    } else {
        azward::app::plan_blocking(opts, judgement, &changes, args.fail_on_new)?
    };
    let r = &plan.report;
    if let Some(dir) = &args.output_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
        for (name, text) in [
            ("plan.md", r.to_markdown()),
            ("plan.sarif", r.to_sarif()),
            ("plan.json", r.to_json()),
        ] {
            let p = dir.join(name);
            azward::util::fsutil::write_atomic(&p, text.as_bytes())
                .with_context(|| format!("could not write {}", p.display()))?;
        }
    }
    let text = match args.format {
        PlanFormat::Text => r.to_text(),
        PlanFormat::Json => r.to_json(),
        PlanFormat::Md => r.to_markdown(),
        PlanFormat::Sarif => r.to_sarif(),
    };
    match &args.output {
        Some(p) => azward::util::fsutil::write_atomic(p, text.as_bytes())
            .with_context(|| format!("could not write {}", p.display()))?,
        None => emit(&text)?,
    }
    Ok(if r.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run_diff(
    old: &std::path::Path,
    new: &std::path::Path,
    format: DiffFormat,
    output: Option<&std::path::Path>,
) -> Result<()> {
    let d = azward::engine::diff::diff(
        &azward::engine::diff::load(old)?,
        &azward::engine::diff::load(new)?,
    );
    let text = match format {
        DiffFormat::Text => d.to_text(),
        DiffFormat::Json => d.to_json(),
        DiffFormat::Md => d.to_markdown(),
    };
    match output {
        Some(p) => azward::util::fsutil::write_atomic(p, text.as_bytes())
            .with_context(|| format!("could not write {}", p.display()))?,
        None => emit(&text)?,
    }
    Ok(())
}

fn load_baseline(path: Option<&std::path::Path>) -> Result<Baseline> {
    Ok(match path {
        Some(p) => Baseline::load(p)?,
        None => Baseline::default(),
    })
}

fn list_checks(format: ListFormat, profile: Option<&std::path::Path>) -> Result<()> {
    let baseline = load_baseline(profile)?;
    let mut rows: Vec<(String, String, String, String, String, bool)> = REGISTRY
        .iter()
        .map(|c| {
            let sev = baseline.severity_of(c.id).unwrap_or(c.severity);
            (
                c.id.to_string(),
                sev.to_string(),
                c.family.code().to_string(),
                format!("{:?}", c.scope).to_lowercase(),
                c.title.to_string(),
                !baseline.disabled.contains(&c.id),
            )
        })
        .collect();
    rows.extend(baseline.rules.iter().map(|r| {
        (
            r.id.to_string(),
            r.severity.to_string(),
            "CUSTOM".to_string(),
            "resource".to_string(),
            r.title.to_string(),
            true,
        )
    }));
    match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = rows
                .iter()
                .map(|(id, sev, fam, scope, title, enabled)| {
                    serde_json::json!({"id": id, "severity": sev, "family": fam, "scope": scope, "title": title, "enabled": enabled})
                })
                .collect();
            emit(&format!("{}\n", serde_json::to_string_pretty(&list)?))?;
        }
        ListFormat::Table => {
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
                .force_no_tty();
            t.set_header(vec!["ID", "Severity", "Family", "Scope", "Title"]);
            for (id, sev, fam, scope, title, enabled) in &rows {
                let title = if *enabled {
                    title.clone()
                } else {
                    format!("{title} (disabled by the profile)")
                };
                t.add_row(vec![
                    id.clone(),
                    sev.clone(),
                    fam.clone(),
                    scope.clone(),
                    title,
                ]);
            }
            emit(&format!("{t}\n{} checks\n", rows.len()))?;
        }
    }
    Ok(())
}

fn explain(id: &str, profile: Option<&std::path::Path>) -> Result<()> {
    let baseline = load_baseline(profile)?;
    let Some(info) = baseline.check_info(id) else {
        bail!("unknown check id {id:?}: `azward checks` lists them");
    };
    emit(&azward::report::docs::explain(&info))?;
    Ok(())
}

fn run_timeline(args: TimelineArgs) -> Result<()> {
    let input = input_of(args.demo, args.replay.as_ref(), args.auth);
    let target = target_of(&args.subscription)?;
    check_endpoint(args.arm_endpoint.as_deref())?;
    let baseline = load_baseline(args.baseline.as_deref())?;
    let opts = ScanOptions {
        arm_endpoint: args.arm_endpoint.clone(),
        tenant_id: args.tenant.clone(),
        target,
        history: Some(azward::azure::scan::HistoryOptions {
            days: baseline.params.history_days,
            max_events: history_max_events(args.history_max_events),
        }),
        history_only: true,
        ..ScanOptions::new(input)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let outcome = runtime.block_on(azward::azure::scan::run(&opts))?;
    if outcome.inventory.history.window.is_none() {
        anyhow::bail!("the recording has no `recorded_at`: the scan time, and so the Activity Log window, is unknown");
    }
    let t = azward::checks::hist::timeline(&outcome.inventory, &baseline.params);
    let text = match args.format {
        TimelineFormat::Json => format!("{}\n", serde_json::to_string_pretty(&t)?),
        TimelineFormat::Csv => report::history::csv(&t),
        TimelineFormat::Text => report::history::text(&t),
    };
    match &args.output {
        Some(p) => azward::util::fsutil::write_atomic(p, text.as_bytes())
            .with_context(|| format!("could not write {}", p.display()))?,
        None => emit(&text)?,
    }
    Ok(())
}

/// `azward history`: the runs, then the trend per family and per subscription
/// of each tenant and baseline over its latest runs.
fn azward_history(args: &HistoryArgs) -> Result<()> {
    use azward::history::{RunRow, Store};
    use azward::util::text::printable;
    if !args.history.exists() {
        bail!("{}: no such history file", args.history.display());
    }
    let store = Store::open(&args.history)?;
    let runs = store.runs(args.tenant.as_deref())?;
    let file = printable(&args.history.display().to_string()).into_owned();
    let mut out = String::new();
    let opt = |v: Option<f64>, unit: &str| {
        v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.2}{unit}"))
    };
    let count = |v: Option<u64>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
    let mut keys: Vec<(String, String)> = runs
        .iter()
        .map(|r| (r.tenant.clone(), r.baseline.clone()))
        .collect();
    keys.dedup();
    keys.sort();
    keys.dedup();
    out.push_str(&format!("history {file}: {} run(s)\n", runs.len()));
    for (tenant, baseline) in keys {
        let mine: Vec<&RunRow> = runs
            .iter()
            .filter(|r| r.tenant == tenant && r.baseline == baseline)
            .collect();
        out.push_str(&format!(
            "\ntenant {} · baseline {}\n",
            printable(if tenant.is_empty() {
                "unknown"
            } else {
                &tenant
            }),
            printable(&baseline)
        ));
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
            .force_no_tty();
        t.set_header(vec![
            "run",
            "started",
            "source",
            "score",
            "coverage",
            "failing",
            "new",
            "fixed",
            "recording",
        ]);
        for r in &mine {
            t.add_row(vec![
                r.id.to_string(),
                printable(&r.started_at).into_owned(),
                printable(&r.source_mode).into_owned(),
                opt(r.score, ""),
                opt(r.coverage, "%"),
                r.failing().to_string(),
                count(r.new_since_previous),
                count(r.fixed_since_previous),
                r.recording_sha256.as_deref().map_or("-".into(), |s| {
                    printable(&s[..s.len().min(12)]).into_owned()
                }),
            ]);
        }
        out.push_str(&format!("{t}\n"));
        let last: Vec<&RunRow> = mine
            .iter()
            .copied()
            .skip(mine.len().saturating_sub(usize::from(args.last)))
            .collect();
        let ids: Vec<i64> = last.iter().map(|r| r.id).collect();
        let groups = store.groups(&ids)?;
        for (kind, title) in [("family", "family"), ("subscription", "subscription")] {
            let mut names: Vec<&str> = groups
                .iter()
                .filter(|g| g.kind == kind)
                .map(|g| g.name.as_str())
                .collect();
            names.sort_unstable();
            names.dedup();
            if names.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "trend by {title} (failing results; score) over runs {}\n",
                ids.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            let mut t = comfy_table::Table::new();
            t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
                .force_no_tty();
            let mut header = vec![title.to_string()];
            header.extend(ids.iter().map(|i| format!("run {i}")));
            t.set_header(header);
            for name in names {
                let mut row = vec![printable(name).into_owned()];
                for id in &ids {
                    row.push(
                        groups
                            .iter()
                            .find(|g| g.run_id == *id && g.kind == kind && g.name == name)
                            .map_or("-".into(), |g| {
                                format!("{}; {}", g.failing, opt(g.score, ""))
                            }),
                    );
                }
                t.add_row(row);
            }
            out.push_str(&format!("{t}\n"));
        }
    }
    emit(&out)
}
