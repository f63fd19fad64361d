//! Fixtures the test binaries share: the audit pipeline as the binary runs
//! it (`app::evaluate_results` after the scan), the demo estate's
//! report, and a small report whose handful of results covers every status.
//!
//! Test files build reports only through [`Audit`], which calls the
//! product's `app` pipeline, so a change of the pipeline changes this file
//! and nothing else. Each test binary uses some of these helpers, hence
//! the `dead_code` allowances.
#![allow(dead_code)]

use azward::app::{self, Judgement};
use azward::azure::collect::Target;
use azward::azure::scan::{self, Input, ScanOptions, ScanOutcome};
use azward::checks::{Severity, Status};
use azward::engine::{self, waivers, Gate, ResultRow};
use azward::profile::Baseline;
use azward::report::{Report, Timing};
use std::path::{Path, PathBuf};

/// The demo tenant and two of its subscriptions.
pub const TENANT: &str = "4f3c2b1a-6d5e-4a7b-9c8d-0e1f2a3b4c5d";
pub const PROD: &str = "8a1f6c3e-52d4-4b9a-a7e0-3c9d15b2e6f4";
pub const DEV: &str = "c7e2d5b8-0f4a-4e61-9b3c-6a8d2f1e7b05";

/// A file in the repository.
pub fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A recording under `tests/recordings`.
pub fn recording(name: &str) -> PathBuf {
    repo_file("tests/recordings").join(name)
}

/// Scan options for `input`, every subscription, default client.
pub fn options(input: Input) -> ScanOptions {
    ScanOptions::new(input)
}

/// Runs `f` on a runtime of its own (for tests that are not async).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// The fixed timing a test report carries, so that two runs compare equal.
pub fn fixed_timing(outcome: &ScanOutcome) -> Timing {
    Timing {
        started_at: "redacted".into(),
        finished_at: "redacted".into(),
        duration_ms: 0,
        http: outcome.stats,
    }
}

/// A scan and what it decided.
pub struct Audited {
    pub outcome: ScanOutcome,
    pub report: Report,
}

/// What to audit and how: the pipeline of `azward scan`.
pub struct Audit {
    pub scan: ScanOptions,
    pub baseline: Baseline,
    pub gate: Gate,
    /// A waivers file's text, applied as of the date.
    pub waivers: Option<(String, time::Date)>,
    /// `(started_at, finished_at, duration_ms)`; `redacted`, `redacted`, 0 when unset.
    pub timing: Option<(String, String, u64)>,
    /// A framework id, for `--framework`.
    pub framework: Option<String>,
}

impl Audit {
    pub fn new(input: Input) -> Audit {
        Audit {
            scan: options(input),
            baseline: Baseline::default(),
            gate: Gate::default(),
            waivers: None,
            timing: None,
            framework: None,
        }
    }

    pub fn demo() -> Audit {
        Audit::new(Input::Demo)
    }

    pub fn replay(path: impl Into<PathBuf>) -> Audit {
        Audit::new(Input::Replay(path.into()))
    }

    pub fn baseline(mut self, baseline: Baseline) -> Audit {
        self.baseline = baseline;
        self
    }

    pub fn gate(mut self, gate: Gate) -> Audit {
        self.gate = gate;
        self
    }

    pub fn fail_on(self, severity: Severity) -> Audit {
        self.gate(Gate {
            fail_on: Some(severity),
            ..Gate::default()
        })
    }

    pub fn target(mut self, target: Target) -> Audit {
        self.scan.target = target;
        self
    }

    pub fn waivers(mut self, text: &str, today: time::Date) -> Audit {
        self.waivers = Some((text.to_string(), today));
        self
    }

    pub fn framework(mut self, id: &str) -> Audit {
        self.framework = Some(id.to_string());
        self
    }

    pub fn timing(mut self, started_at: &str, finished_at: &str, duration_ms: u64) -> Audit {
        self.timing = Some((started_at.into(), finished_at.into(), duration_ms));
        self
    }

    /// Scans and evaluates; `edit` changes the results before waivers and
    /// scores see them (a fixture's way to stage what an estate did not).
    pub async fn run_edited(&self, edit: impl FnOnce(&mut Vec<ResultRow>)) -> Audited {
        let outcome = scan::run(&self.scan).await.expect("the scan runs");
        let mut results = engine::results(&outcome.inventory, &self.baseline);
        edit(&mut results);
        let judgement = Judgement {
            baseline: self.baseline.clone(),
            waivers: self.waivers.as_ref().map(|(text, _)| {
                waivers::parse(text, Path::new("waivers.toml"), &self.baseline.known_ids())
                    .unwrap_or_else(|e| panic!("the fixture's waivers parse: {e}"))
            }),
            framework: self
                .framework
                .as_ref()
                .map(|id| engine::frameworks::load(id).expect("the framework loads")),
            gate: self.gate.clone(),
            ..Judgement::new(
                self.waivers
                    .as_ref()
                    .map_or(time::macros::date!(2026 - 11 - 20), |(_, d)| *d),
            )
        };
        // The product's own pipeline from the results on.
        let mut report = app::evaluate_results(&outcome, results, &judgement).report;
        report.timing = fixed_timing(&outcome);
        if let Some((started, finished, ms)) = &self.timing {
            report.timing.started_at = started.clone();
            report.timing.finished_at = finished.clone();
            report.timing.duration_ms = *ms;
        }
        Audited { outcome, report }
    }

    pub async fn run(&self) -> Audited {
        self.run_edited(|_| {}).await
    }

    /// [`Audit::run`] on a runtime of its own.
    pub fn run_blocking(&self) -> Audited {
        block_on(self.run())
    }

    /// The report of [`Audit::run_blocking`].
    pub fn report(&self) -> Report {
        self.run_blocking().report
    }
}

/// The demo estate, default baseline, no gate, fixed timing.
pub fn demo_report() -> Report {
    Audit::demo().report()
}

/// A recording replayed with the default baseline, no gate, fixed timing.
pub fn replay_report(path: &Path) -> Report {
    Audit::replay(path).report()
}

// ---------------------------------------------------------------- small report

/// The checks of the small report (and its property rule, `ORG-LAW-001`).
pub const SMALL_CHECKS: [&str; 2] = ["AZ-KV-008", "AZ-ST-001"];

/// A property rule, so that the formats show a profile's rule too.
const SMALL_PROFILE: &str = r#"
name = "small"
extends = "default"

[[rules]]
id = "ORG-LAW-001"
title = "Log Analytics workspaces carry a Retention tag"
resource_type = "Microsoft.OperationalInsights/workspaces"
condition = 'has(resource.tags.Retention)'
severity = "medium"
remediation = "Tag the workspace: az resource tag --ids <workspace-id> --tags Retention=365D"
"#;

/// A resource name and a reason written to break every format's escaping:
/// control characters, markup, markdown, quotes, CSV and formula syntax.
pub const HOSTILE_NAME: &str = "kv \"x\" <b>|*y*|</b> & 'z'\u{1}";
pub const HOSTILE_REASON: &str =
    "=HYPERLINK(\"x\") <script>alert(1)</script> | `code` *em* [l](u) @team, \"q\"\u{7}\r\nend";

/// The demo estate reduced to a handful of results: with two checks and a
/// property rule, the first result of each check in each status, and the
/// failing AZ-KV-008 result of vault `kv-nw-dev-tools`, which a waivers file
/// waives; then the passing AZ-ST-001 result made an error, and the other
/// failing AZ-KV-008 result given a hostile name, item, reason and
/// remediation. Gate: `--fail-on high`. Every status, both kinds of rule,
/// and every escaping path, in eight results.
pub fn small_report() -> Report {
    let mut baseline = Baseline::from_profile(SMALL_PROFILE, Path::new("small.toml"))
        .unwrap_or_else(|e| panic!("the small profile parses: {e}"));
    baseline.checks.retain(|c| SMALL_CHECKS.contains(&c.id));
    let audit = Audit::demo()
        .baseline(baseline)
        .fail_on(Severity::High)
        .waivers(
            r#"[[waiver]]
check = "AZ-KV-008"
resource = "/subscriptions/*/resourceGroups/*/providers/Microsoft.KeyVault/vaults/kv-nw-dev-tools"
reason = "break-glass identity keeps purge until CHG-1042"
owner = "platform-team@contoso.example"
expires = 2099-12-31
"#,
            time::macros::date!(2026 - 11 - 20),
        );
    block_on(audit.run_edited(|results| {
        let mut seen = std::collections::BTreeSet::new();
        results.retain(|r| {
            seen.insert((r.check_id, r.status)) || r.resource_id.ends_with("/kv-nw-dev-tools")
        });
        let errored = results
            .iter_mut()
            .find(|r| r.check_id == "AZ-ST-001" && r.status == Status::Pass)
            .expect("the demo has a passing AZ-ST-001 result");
        errored.status = Status::Error;
        errored.reason =
            "could not read the diagnostic settings: HTTP 403 AuthorizationFailed".into();
        let hostile = results
            .iter_mut()
            .find(|r| r.check_id == "AZ-KV-008" && r.status == Status::Fail)
            .expect("the demo has a failing AZ-KV-008 result");
        hostile.resource_id = format!(
            "/subscriptions/{PROD}/resourceGroups/rg a/providers/Microsoft.KeyVault/vaults/{HOSTILE_NAME}"
        )
        .into();
        hostile.reason = HOSTILE_REASON.into();
        hostile.item = Some("item <i>|\u{1b}[31m".into());
        hostile.remediation_cli = Some(format!("az keyvault set-policy --name '{HOSTILE_NAME}'"));
    }))
    .report
}

/// Table activity (AZ-FLOW) whose workspace, table, source and error texts
/// carry `text`: a workspace over 14 days with a table that went silent, one
/// with a 40-hour gap, one that received no row, a quiet source and a failed
/// delay query; and a workspace whose queries failed.
pub fn hostile_activity(text: &str) -> Vec<azward::checks::flow::TableActivity> {
    use azward::checks::flow::{TableActivity, TableStrip};
    let hours = 14 * 24 + 1;
    let mut silent = vec![5u64; hours];
    silent[200..].fill(0);
    let mut gap = vec![3u64; hours];
    gap[100..140].fill(0);
    let strip = |table: String, hourly: Vec<u64>, last: &str, silent_hours, gaps| TableStrip {
        table,
        rows: hourly.iter().sum(),
        last_hour: Some(last.into()),
        silent_hours: Some(silent_hours),
        gaps,
        p95_delay_seconds: Some(120.0),
        hourly,
    };
    let ws = |name: &str| {
        format!("/subscriptions/{PROD}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/{name}")
    };
    vec![
        TableActivity {
            workspace: ws(&format!("law {text}")),
            subscription: PROD.into(),
            window_start: Some("2026-11-06T09:00:00Z".into()),
            window_end: Some("2026-11-20T09:00:00Z".into()),
            error: None,
            delays_error: Some(format!("Q2 {text}")),
            sources_error: None,
            tables: vec![
                // Last rows in the hour from 2026-11-14T16:00Z: 136 hours before the scan.
                strip(
                    format!("Silent {text}"),
                    silent,
                    "2026-11-14T16:00:00Z",
                    136,
                    0,
                ),
                strip(format!("Gap {text}"), gap, "2026-11-20T09:00:00Z", 0, 1),
                TableStrip {
                    table: format!("None {text}"),
                    rows: 0,
                    last_hour: None,
                    silent_hours: None,
                    gaps: 0,
                    p95_delay_seconds: None,
                    hourly: vec![],
                },
            ],
            quiet_sources: vec![format!(
                "/subscriptions/{PROD}/resourceGroups/rg/providers/Microsoft.Web/sites/app {text}"
            )],
        },
        TableActivity {
            workspace: ws("law-down"),
            subscription: PROD.into(),
            window_start: Some("2026-11-06T09:00:00Z".into()),
            window_end: Some("2026-11-20T09:00:00Z".into()),
            error: Some(format!("Q1 {text}")),
            delays_error: None,
            sources_error: Some(format!("Q3 {text}")),
            tables: vec![],
            quiet_sources: vec![],
        },
    ]
}

/// Results of `report` by status.
pub fn count(report: &Report, status: Status) -> usize {
    report.results.iter().filter(|r| r.status == status).count()
}

const SARIF_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/schemas/sarif-schema-2.1.0.json"
);

/// Panics unless `doc` is valid SARIF 2.1.0 (the official schema, in
/// `tests/fixtures/schemas`).
pub fn validate_sarif(doc: &serde_json::Value) {
    if let Err(e) = sarif_schema_check(doc) {
        panic!("SARIF output is not valid SARIF 2.1.0:\n{e}");
    }
}

/// `doc` checked against the official SARIF 2.1.0 schema.
pub fn sarif_schema_check(doc: &serde_json::Value) -> Result<(), String> {
    let text = std::fs::read_to_string(SARIF_SCHEMA)
        .unwrap_or_else(|e| panic!("the SARIF schema at {SARIF_SCHEMA}: {e}"));
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler
        .add_resource("urn:azward:sarif-schema-2.1.0.json", schema)
        .expect("schema added");
    let index = compiler
        .compile("urn:azward:sarif-schema-2.1.0.json", &mut schemas)
        .unwrap_or_else(|e| panic!("the SARIF schema compiles: {e:#}"));
    schemas.validate(doc, index).map_err(|e| format!("{e:#}"))
}
