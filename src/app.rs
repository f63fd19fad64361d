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
    /// `azward plan`: the planned changes (those that create a resource or
    /// hold a value unknown until apply); a result that depends on an
    /// unknown value is `error`, never `pass`.
    pub planned_changes: Vec<crate::azure::whatif::Change>,
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
            planned_changes: Vec::new(),
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
    // A planned value unknown until apply turns what follows from it into `error`.
    engine::planned::mark_unknown(&mut results, &j.planned_changes);
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

/// `azward plan`: the base estate and the estate after a change's planned
/// resources are applied, judged against the same baseline, and the failing
/// results the change introduces, fixes and leaves.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The base estate's audit (`None` with `--no-base`).
    pub base: Option<Audit>,
    pub planned: Audit,
    pub report: report::plan::PlanReport,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Recording(#[from] crate::azure::recording::RecordingError),
    #[error("could not stage the live base estate: {0}")]
    Staging(std::io::Error),
    #[error("--no-base: the plan changes no resource in a subscription")]
    NothingToJudge,
}

/// The judgement of the planned estate: the changes with values unknown
/// until apply make what follows from them `error`.
fn planned_judgement(judgement: &Judgement, what_if: &crate::azure::whatif::WhatIf) -> Judgement {
    Judgement {
        planned_changes: what_if
            .changes
            .iter()
            .filter(|c| !c.unknown.is_empty() || c.change_type == "Create")
            .cloned()
            .collect(),
        ..judgement.clone()
    }
}

/// The call-set rows a check reads (none for a property rule).
fn rows_read_by(id: &str) -> Vec<String> {
    crate::checks::find(id)
        .map(|c| crate::azure::whatif::rows_in(c.reads))
        .unwrap_or_default()
}

/// Replays `rec` as `mode` with `scan`'s other options (`scan.record`
/// included: only the empty estate of `--no-base` records its replay).
fn replay_audit(
    scan: &ScanOptions,
    judgement: &Judgement,
    rec: impl Into<std::sync::Arc<crate::azure::recording::Recording>>,
    mode: &'static str,
) -> Result<Audit, AuditError> {
    use crate::azure::scan::Input;
    audit_blocking(AuditConfig {
        scan: ScanOptions {
            input: Input::Recording {
                recording: rec.into(),
                mode,
            },
            ..scan.clone()
        },
        judgement: judgement.clone(),
    })
}

/// Runs [`Plan`]: `scan.input` is the base (the demo, a recording, or a
/// live read, recorded on the way so the planned estate replays it); the
/// judgement's gate is not used (the plan's gate is `fail_on_new`).
pub fn plan_blocking(
    scan: ScanOptions,
    judgement: Judgement,
    what_if: &crate::azure::whatif::WhatIf,
    fail_on_new: Option<crate::checks::Severity>,
) -> Result<Plan, PlanError> {
    use crate::azure::recording::Recording;
    use crate::azure::scan::{Input, DEMO_NAME, DEMO_RECORDING};
    let (base, mode, live) = match &scan.input {
        Input::Demo => (
            Recording::from_bytes(DEMO_RECORDING, std::path::Path::new(DEMO_NAME))?,
            "demo",
            None,
        ),
        Input::Replay(p) => (Recording::load(p)?, "replay", None),
        Input::Recording { recording, mode } => ((**recording).clone(), *mode, None),
        Input::Live { .. } => {
            // The live read is the base; its recording (in a private
            // directory, removed on return) is what the change applies to.
            let dir = tempfile::tempdir().map_err(PlanError::Staging)?;
            let path = dir.path().join("base.jsonl");
            let audit = audit_blocking(AuditConfig {
                scan: ScanOptions {
                    record: Some(path.clone()),
                    ..scan.clone()
                },
                judgement: judgement.clone(),
            })?;
            let mut rec = Recording::load(&path)?;
            rec.source = std::path::PathBuf::from(format!(
                "live read at {}",
                rec.header
                    .recorded_at
                    .as_deref()
                    .unwrap_or("an unknown time")
            ));
            (rec, "replay", Some(audit))
        }
    };
    // A live base replays against the cloud its recording names.
    let replay_opts = ScanOptions {
        record: None,
        arm_endpoint: if live.is_some() {
            None
        } else {
            scan.arm_endpoint.clone()
        },
        ..scan.clone()
    };
    let base_name = base.source.display().to_string();
    // One copy of the recording at a time: the base is judged first, then
    // the same recording takes the change (a large estate's recording is
    // most of the memory a plan needs).
    let shared = std::sync::Arc::new(base);
    let base = match live {
        Some(a) => a,
        None => replay_audit(&replay_opts, &judgement, shared.clone(), mode)?,
    };
    let mut planned = std::sync::Arc::try_unwrap(shared).unwrap_or_else(|a| (*a).clone());
    let applied = crate::azure::whatif::apply(&mut planned.exchanges, what_if);
    let planned = replay_audit(
        &replay_opts,
        &planned_judgement(&judgement, what_if),
        planned,
        mode,
    )?;
    let d = diff::diff(&base.report.to_doc(), &planned.report.to_doc());
    let report = report::plan::PlanReport::new(
        &what_if.source.display().to_string(),
        &base_name,
        &d,
        &applied,
        fail_on_new,
        rows_read_by,
    );
    Ok(Plan {
        base: Some(base),
        planned,
        report,
    })
}

/// `azward plan --no-base`: the planned resources alone. The base is an
/// empty estate of the subscriptions the plan touches (every list it reads
/// answered empty); a result is judged only when it is on a planned
/// resource (or a part of it) and every read of its check is one the plan
/// answers for that resource; the other checks are listed as not assessed.
pub fn plan_without_base(
    scan: ScanOptions,
    judgement: Judgement,
    what_if: &crate::azure::whatif::WhatIf,
    fail_on_new: Option<crate::checks::Severity>,
) -> Result<Plan, PlanError> {
    use crate::azure::whatif::{matching, rows_of, Match};
    let scan = ScanOptions {
        record: None,
        ..scan
    };
    let mut planned = empty_estate(&scan, &judgement, what_if)?;
    let applied = crate::azure::whatif::apply(&mut planned.exchanges, what_if);
    let planned = replay_audit(
        &scan,
        &planned_judgement(&judgement, what_if),
        planned,
        "replay",
    )?;
    // The rows the plan answers for a change's resource: its own lists,
    // and for a created resource its per-resource reads (none but the plan's).
    let supplied = |c: &crate::azure::whatif::Change| -> Vec<String> {
        let mut rows: Vec<String> = rows_of(&c.resource_id)
            .iter()
            .map(|r| r.to_string())
            .collect();
        rows.push("1".into());
        if c.change_type == "Create" {
            rows.extend(["8", "9", "11", "12", "22"].map(String::from));
        }
        rows
    };
    let mut judged = std::collections::BTreeSet::new();
    let mut touched = std::collections::BTreeSet::new();
    let mut results = Vec::new();
    for r in &planned.report.results {
        let rows = rows_read_by(r.check_id);
        let hits = matching(&applied.applied, r.resource_id.as_str(), &rows, Match::Own);
        let ok = !hits.is_empty()
            && hits.iter().all(|&i| {
                let have = supplied(&applied.applied[i]);
                rows.iter().all(|x| have.contains(x))
            });
        if ok {
            judged.insert(r.check_id);
            results.push(r);
        } else if !hits.is_empty() {
            touched.insert(r.check_id);
        }
    }
    // Rows of the planned resources' types: a check reading none of them
    // judges nothing the plan changes.
    let planned_rows: Vec<String> = applied
        .applied
        .iter()
        .flat_map(|c| rows_of(&c.resource_id).iter().map(|r| r.to_string()))
        .collect();
    let not_assessed: Vec<report::plan::NotAssessed> = judgement
        .baseline
        .checks
        .iter()
        .filter(|c| !judged.contains(c.id))
        .map(|c| {
            let rows = rows_read_by(c.id);
            let reads = crate::checks::find(c.id).map(|k| k.reads).unwrap_or("");
            report::plan::NotAssessed {
                check_id: c.id.to_string(),
                reason: if touched.contains(c.id) {
                    format!("needs the rest of the estate (reads {reads})")
                } else if rows.iter().any(|r| planned_rows.contains(r)) {
                    format!("no result on a planned resource (reads {reads})")
                } else {
                    format!("reads no type the plan changes (reads {reads})")
                },
            }
        })
        .collect();
    let mut report = report::plan::PlanReport::alone(
        &what_if.source.display().to_string(),
        &results,
        &applied,
        fail_on_new,
        rows_read_by,
    );
    report.not_assessed = not_assessed;
    Ok(Plan {
        base: None,
        planned,
        report,
    })
}

/// An estate of the plan's subscriptions with nothing in them: the lists
/// a scan reads, each answered empty. Found by replaying a recording that
/// holds only the subscriptions and recording what the scan asked for.
fn empty_estate(
    scan: &ScanOptions,
    judgement: &Judgement,
    what_if: &crate::azure::whatif::WhatIf,
) -> Result<crate::azure::recording::Recording, PlanError> {
    use crate::azure::recording::{Exchange, Header, RecordedBody, Recording};
    use serde_json::json;
    let mut subs: Vec<String> = what_if
        .changes
        .iter()
        .filter_map(|c| {
            let mut it = c.resource_id.split('/');
            (it.next() == Some("") && it.next()?.eq_ignore_ascii_case("subscriptions"))
                .then(|| it.next().map(str::to_ascii_lowercase))
                .flatten()
        })
        .collect();
    subs.sort();
    subs.dedup();
    if subs.is_empty() {
        return Err(PlanError::NothingToJudge);
    }
    let tenant = scan
        .tenant_id
        .clone()
        .unwrap_or_else(|| "00000000-0000-0000-0000-000000000000".into());
    let list = json!({"value": subs.iter().map(|s| json!({
        "id": format!("/subscriptions/{s}"),
        "subscriptionId": s,
        "displayName": s,
        "state": "Enabled",
        "tenantId": tenant,
    })).collect::<Vec<_>>()});
    let get = |url: String, status: u16, body: serde_json::Value| Exchange {
        method: "GET".into(),
        url,
        status,
        body: Some(RecordedBody::from(&body)),
        headers: None,
        request_body: None,
    };
    let header = Header {
        tenant_id: Some(tenant.clone()),
        ..Header::default()
    };
    let mut rec = Recording {
        header,
        exchanges: vec![get("/subscriptions".into(), 200, list)],
        sha256: String::new(),
        source: std::path::PathBuf::from("none (--no-base: the planned resources alone)"),
    };
    // Two rounds: what the first asks of the empty lists, answered empty.
    for _ in 0..2 {
        let dir = tempfile::tempdir().map_err(PlanError::Staging)?;
        let path = dir.path().join("empty.jsonl");
        let opts = ScanOptions {
            record: Some(path.clone()),
            arm_endpoint: None,
            target: crate::azure::collect::Target::All,
            ..scan.clone()
        };
        replay_audit(&opts, judgement, rec.clone(), "replay")?;
        let seen = Recording::load(&path)?;
        let mut exchanges = Vec::new();
        for mut ex in seen.exchanges {
            let not_recorded = ex.status == 404
                && ex
                    .body
                    .as_ref()
                    .and_then(RecordedBody::to_value)
                    .is_some_and(|b| b["error"]["code"] == "NotRecorded");
            if not_recorded {
                if ex.method != "GET" {
                    continue;
                }
                ex.status = 200;
                ex.body = Some(RecordedBody::from(&json!({"value": []})));
            }
            exchanges.push(ex);
        }
        rec.exchanges = exchanges;
    }
    Ok(rec)
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
