//! The application: one audit, from a typed configuration to everything the
//! outputs need. The command line, the lab tools and the tests all call
//! [`audit`] (or [`evaluate`] over an inventory they already hold), so the
//! pipeline exists once:
//!
//! scan → results → waivers → summary → framework → comparison → gate → report.
//!
//! The gate is judged here, once, `--fail-on-new` included; the report carries
//! the verdict and the exit code is read from [`Audit::passed`].

use crate::azure::credentials::AuthMethod;
use crate::azure::scan::{self, ScanError, ScanOptions, ScanOutcome};
use crate::engine::diff::{self, Comparison, ReportDoc};
use crate::engine::frameworks::{self, Framework};
use crate::engine::waivers::{self, Waivers};
use crate::engine::{self, Gate, ResultRow, Since};
use crate::model::ResultKey;
use crate::profile::Baseline;
use crate::report::{self, Report, Timing};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// A previous JSON report to compare with (`--compare`).
#[derive(Debug, Clone)]
pub struct Previous {
    /// The file, as the user named it (shown in the report and the gate).
    pub path: PathBuf,
    pub doc: ReportDoc,
}

impl Previous {
    /// Reads a report written by `azward scan --format json`.
    pub fn load(path: impl Into<PathBuf>) -> Result<Previous, diff::DiffError> {
        let path = path.into();
        let doc = diff::load(&path)?;
        Ok(Previous { path, doc })
    }
}

/// What to judge the estate against, and how: everything but the scan.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub baseline: Baseline,
    pub waivers: Option<Waivers>,
    /// The day waiver expiry is judged on.
    pub as_of: time::Date,
    /// Whether `as_of` was given (`--as-of`): then the report records it
    /// (a default of today is not recorded, so a report stays the same
    /// from one day to the next).
    pub as_of_given: bool,
    pub framework: Option<Framework>,
    pub previous: Option<Previous>,
    /// The history file's runs (`--history`): new and fixed since the
    /// previous run of the same tenant and baseline (the comparison, when
    /// `previous` is not given), and the trend.
    pub history: Option<crate::history::Loaded>,
    pub gate: Gate,
}

impl Judgement {
    /// [`Judgement::new`] as of today (UTC).
    pub fn today() -> Judgement {
        Judgement::new(time::OffsetDateTime::now_utc().date())
    }

    /// The default baseline, no waivers, no gate.
    pub fn new(as_of: time::Date) -> Judgement {
        Judgement {
            baseline: Baseline::default(),
            waivers: None,
            as_of,
            as_of_given: false,
            framework: None,
            previous: None,
            history: None,
            gate: Gate::default(),
        }
    }
}

/// One audit's configuration.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    pub scan: ScanOptions,
    pub judgement: Judgement,
}

/// Everything the outputs need.
#[derive(Debug, Clone)]
pub struct Audit {
    /// The report, with the gate's verdict.
    pub report: Report,
    /// The credential a live scan used.
    pub auth_used: Option<AuthMethod>,
}

impl Audit {
    /// Whether the gate holds (exit code 0).
    pub fn passed(&self) -> bool {
        self.report.gate.verdict.passed
    }

    /// With a comparison: the results of this report that are new since the previous one.
    pub fn new_results(&self) -> Option<Vec<&ResultRow>> {
        let c = self.report.comparison.as_ref()?;
        let keys: BTreeSet<ResultKey> = c.new.iter().map(|r| r.key()).collect();
        Some(
            self.report
                .results
                .iter()
                .filter(|r| keys.contains(&r.key()))
                .collect(),
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Scan(#[from] ScanError),
    /// A task of the audit panicked or was cancelled.
    #[error("the {0} stopped: {1}")]
    Stopped(&'static str, String),
}

/// Runs the whole audit. The scan runs as a task of its own (a replay spreads
/// its work over threads) and the evaluation on a blocking thread, so a caller
/// that races this future against Ctrl-C sees the signal at once.
pub async fn audit(config: AuditConfig) -> Result<Audit, AuditError> {
    let AuditConfig {
        mut scan,
        judgement,
    } = config;
    // The workspace queries ask for the tables and window in force.
    scan.flow = crate::azure::flow::FlowQueries::from_params(&judgement.baseline.params);
    // The Activity Log window is the baseline's `history_days` in force.
    if let Some(h) = scan.history.as_mut() {
        h.days = judgement.baseline.params.history_days;
    }
    let outcome = tokio::spawn(async move { scan::run(&scan).await })
        .await
        .map_err(|e| AuditError::Stopped("scan", e.to_string()))??;
    tokio::task::spawn_blocking(move || evaluate(&outcome, &judgement))
        .await
        .map_err(|e| AuditError::Stopped("evaluation", e.to_string()))
}

/// [`audit`] on a runtime of its own, for callers that are not async.
pub fn audit_blocking(config: AuditConfig) -> Result<Audit, AuditError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| AuditError::Stopped("runtime", e.to_string()))?
        .block_on(audit(config))
}

/// Judges a scanned estate: results, waivers, summary, framework,
/// comparison, the gate (once) and the report. Pure: no I/O.
pub fn evaluate(outcome: &ScanOutcome, j: &Judgement) -> Audit {
    let results = engine::results(&outcome.inventory, &j.baseline);
    evaluate_results(outcome, results, j)
}

/// [`evaluate`] from the checks' results on: what a test fixture calls to
/// stage results an estate did not give.
pub fn evaluate_results(
    outcome: &ScanOutcome,
    mut results: Vec<ResultRow>,
    j: &Judgement,
) -> Audit {
    let inv = &outcome.inventory;
    // Waivers change statuses before anything is summarized or scored.
    let waiver_report = j
        .waivers
        .as_ref()
        .map(|w| waivers::apply(w, &mut results, j.as_of));
    let eval = engine::summarize(inv, &j.baseline, results);
    let warnings =
        engine::warnings::warnings(&eval, j.waivers.as_ref().zip(waiver_report.as_ref()));
    let now = (j.previous.is_some() || j.history.is_some()).then(|| {
        ReportDoc::from_evaluation(inv.tenant_id.as_deref(), &eval)
            .with_baseline(&report::BaselineInfo::of(&j.baseline))
    });
    let baseline_key = crate::history::baseline_key(&j.baseline);
    // Without --compare, the previous run of the history is the one compared with.
    let from_history = j.history.as_ref().and_then(|h| {
        let (run, doc) = h.previous(inv.tenant_id.as_deref(), &baseline_key)?;
        Some(Previous {
            path: PathBuf::from(format!(
                "{} (run {}, {})",
                h.file.display(),
                run.id,
                run.started_at
            )),
            doc: doc.clone(),
        })
    });
    let compared = j
        .previous
        .as_ref()
        .or(from_history.as_ref())
        .zip(now.as_ref())
        .map(|(p, now)| (p, diff::diff(&p.doc, now)));
    let previous_name = compared.as_ref().map(|(p, _)| p.path.display().to_string());
    let since = compared
        .as_ref()
        .zip(previous_name.as_deref())
        .map(|((_, d), name)| Since {
            previous: name,
            diff: d,
        });
    let verdict = j.gate.judge(&eval, since.as_ref());
    let timing = Timing {
        started_at: report::rfc3339(outcome.started),
        finished_at: report::rfc3339(outcome.finished),
        duration_ms: outcome
            .finished
            .duration_since(outcome.started)
            .unwrap_or_default()
            .as_millis() as u64,
        http: outcome.stats,
    };
    let framework = j.framework.as_ref().map(|fw| frameworks::assess(fw, &eval));
    // The evaluation moves into the report: its rows are not copied.
    let mut report = Report::build(
        inv,
        &j.baseline,
        eval,
        outcome.source.clone(),
        timing,
        &j.gate,
        verdict,
    );
    report.waivers = waiver_report;
    report.warnings = warnings;
    if let Some((_, d)) = &compared {
        report.warnings.extend(d.warnings.iter().cloned());
    }
    report.as_of = j.as_of_given.then(|| {
        let d = j.as_of;
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    });
    report.framework = framework;
    report.comparison = compared
        .as_ref()
        .map(|(p, d)| Comparison::new(&p.path, d, j.gate.fail_on_new));
    if let (Some(h), Some(now)) = (&j.history, &now) {
        report.history = Some(h.view(now, &report, &baseline_key));
    }
    Audit {
        report,
        auth_used: outcome.auth_used,
    }
}

/// `azward plan`: the base estate and the estate after a what-if's changes,
/// judged against the same baseline, and the failing results the change
/// introduces, fixes and leaves.
#[derive(Debug, Clone)]
pub struct Plan {
    pub base: Audit,
    pub planned: Audit,
    pub report: report::plan::PlanReport,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Recording(#[from] crate::azure::recording::RecordingError),
    #[error("azward plan needs a base recording (--replay FILE or --demo); a live base is not supported yet")]
    LiveBase,
}

/// Runs [`Plan`]: `scan.input` is the base (the demo or a recording), the
/// judgement's gate is not used (the plan's gate is `fail_on_new`).
pub fn plan_blocking(
    scan: ScanOptions,
    judgement: Judgement,
    what_if: &crate::azure::whatif::WhatIf,
    fail_on_new: Option<crate::checks::Severity>,
) -> Result<Plan, PlanError> {
    use crate::azure::recording::Recording;
    use crate::azure::scan::{Input, DEMO_NAME, DEMO_RECORDING};
    use std::sync::Arc;
    let (base, mode) = match &scan.input {
        Input::Demo => (
            Recording::from_bytes(DEMO_RECORDING, std::path::Path::new(DEMO_NAME))?,
            "demo",
        ),
        Input::Replay(p) => (Recording::load(p)?, "replay"),
        Input::Recording { recording, mode } => ((**recording).clone(), *mode),
        Input::Live { .. } => return Err(PlanError::LiveBase),
    };
    let base_name = base.source.display().to_string();
    let mut planned = base.clone();
    let applied = crate::azure::whatif::apply(&mut planned.exchanges, what_if);
    let run = |rec: Recording| {
        audit_blocking(AuditConfig {
            scan: ScanOptions {
                input: Input::Recording {
                    recording: Arc::new(rec),
                    mode,
                },
                ..scan.clone()
            },
            judgement: judgement.clone(),
        })
    };
    let base = run(base)?;
    let planned = run(planned)?;
    let d = diff::diff(&base.report.to_doc(), &planned.report.to_doc());
    let report = report::plan::PlanReport::new(
        &what_if.source.display().to_string(),
        &base_name,
        &d,
        &applied,
        fail_on_new,
        |id| {
            crate::checks::find(id)
                .map(|c| report::plan::rows_in(c.reads))
                .unwrap_or_default()
        },
    );
    Ok(Plan {
        base,
        planned,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::azure::scan::Input;
    use crate::checks::Severity;

    fn demo(judgement: Judgement) -> Audit {
        audit_blocking(AuditConfig {
            scan: ScanOptions::new(Input::Demo),
            judgement,
        })
        .expect("the demo audits")
    }

    #[test]
    fn fail_on_new_is_judged_with_the_rest_of_the_gate() {
        let day = time::macros::date!(2026 - 12 - 05);
        let first = demo(Judgement::new(day));
        assert!(first.passed(), "no gate set: it holds");
        assert!(first.new_results().is_none());
        let gate = Gate {
            fail_on_new: Some(Severity::High),
            ..Gate::default()
        };

        // Against itself nothing is new: the gate holds.
        let same = Previous {
            path: "same.json".into(),
            doc: first.report.to_doc(),
        };
        let again = demo(Judgement {
            previous: Some(same),
            gate: gate.clone(),
            ..Judgement::new(day)
        });
        assert!(again.passed(), "{:?}", again.report.gate.verdict);
        assert_eq!(again.new_results().map(|v| v.len()), Some(0));

        // Against a report with no results every failing one is new.
        let mut empty = first.report.to_doc();
        empty.results.clear();
        let after = demo(Judgement {
            previous: Some(Previous {
                path: "empty.json".into(),
                doc: empty,
            }),
            gate: gate.clone(),
            ..Judgement::new(day)
        });
        assert!(!after.passed());
        let v = &after.report.gate.verdict;
        assert_eq!(v.reasons.len(), 1, "{v:?}");
        assert!(
            v.reasons[0].ends_with("at severity high or higher since empty.json"),
            "{v:?}"
        );
        let new = after.new_results().expect("a comparison");
        assert!(!new.is_empty());
        assert_eq!(
            new.len(),
            after.report.comparison.as_ref().unwrap().new.len()
        );

        // --fail-on-new with nothing to compare with never passes.
        let alone = demo(Judgement {
            gate,
            ..Judgement::new(day)
        });
        assert!(!alone.passed());
    }
}
