//! Runs the enabled checks over an inventory, orders the results, and
//! computes score, coverage and the gate (baseline "Score" and "Gate").

pub mod diff;
pub mod frameworks;
pub mod planned;
pub mod trend;
pub mod waivers;
pub mod warnings;

use crate::checks::{Check, Ctx, Family, Finding, Scope, Severity, Status};
use crate::inventory::Inventory;
use crate::model::{ResourceId, ResultKey};
use crate::profile::Baseline;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One result as reported: the finding with its check's metadata.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultRow {
    pub check_id: &'static str,
    pub title: &'static str,
    pub family: Family,
    /// The effective severity (after the baseline's overrides).
    pub severity: Severity,
    pub status: Status,
    pub resource_id: ResourceId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub subscription_id: Option<String>,
    pub reason: String,
    /// For `fail` results: the `az` command with this resource's names filled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation_cli: Option<String>,
    /// For `waived` results: the waiver that covers it and the status it had.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
}

/// The waiver applied to a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverNote {
    pub reason: String,
    pub owner: String,
    /// `YYYY-MM-DD`; the waiver applies through that day.
    pub expires: String,
    /// The status the result had before it was waived (`fail` or `error`).
    pub original_status: Status,
    /// Line of the waiver in its file.
    pub line: usize,
}

/// Counts of results by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub pass: u64,
    pub fail: u64,
    pub error: u64,
    pub waived: u64,
    pub not_applicable: u64,
}

impl Counts {
    pub fn add(&mut self, s: Status) {
        match s {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Error => self.error += 1,
            Status::Waived => self.waived += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
    }
    pub fn merge(&mut self, o: &Counts) {
        self.pass += o.pass;
        self.fail += o.fail;
        self.error += o.error;
        self.waived += o.waived;
        self.not_applicable += o.not_applicable;
    }
    pub fn total(&self) -> u64 {
        self.pass + self.fail + self.error + self.waived + self.not_applicable
    }
    /// The per-check status: fail, else error, else pass, else waived, else not applicable.
    pub fn check_status(&self) -> Status {
        if self.fail > 0 {
            Status::Fail
        } else if self.error > 0 {
            Status::Error
        } else if self.pass > 0 {
            Status::Pass
        } else if self.waived > 0 {
            Status::Waived
        } else {
            Status::NotApplicable
        }
    }
}

/// A check's line in the per-check summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckSummary {
    pub id: &'static str,
    pub title: &'static str,
    pub family: Family,
    pub severity: Severity,
    pub scope: Scope,
    pub status: Status,
    pub counts: Counts,
}

/// Score and coverage of a set of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// 0–100, two decimals; `null` when no check has a pass or fail.
    pub score: Option<f64>,
    /// 0–100, two decimals; `null` when nothing was assessed or errored.
    pub coverage: Option<f64>,
    pub counts: Counts,
    /// Checks that count in the score (at least one pass or fail).
    pub checks_scored: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    pub overall: Score,
    /// Keyed by subscription id; tenant-scope checks left out.
    pub by_subscription: BTreeMap<String, Score>,
    /// Keyed by family code (MON, LAW, …).
    pub by_family: BTreeMap<&'static str, Score>,
}

/// Everything a scan decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub results: Vec<ResultRow>,
    pub checks: Vec<CheckSummary>,
    pub scores: Scores,
    /// Subscriptions in scope that could not be read (baseline "Tenancy and
    /// scope": unreadable), as `(id, cause)`: a gate never holds over them.
    #[serde(skip)]
    pub unreadable: Vec<(String, String)>,
}

/// Rounds half away from zero to two decimals (`f64::round` rounds half away from zero).
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The baseline score over `rows` (which must be in check-id order).
pub fn score(rows: &[&ResultRow]) -> Score {
    let mut per_check: HashMap<&str, (Severity, Counts)> = HashMap::new();
    let mut counts = Counts::default();
    for r in rows {
        counts.add(r.status);
        per_check
            .entry(r.check_id)
            .or_insert((r.severity, Counts::default()))
            .1
            .add(r.status);
    }
    // Summed in check-id order, so the float result never depends on hashing.
    let mut per_check: Vec<(&str, (Severity, Counts))> = per_check.into_iter().collect();
    per_check.sort_unstable_by_key(|(id, _)| *id);
    let (mut num, mut den, mut scored) = (0.0f64, 0.0f64, 0u64);
    for (_, (sev, c)) in &per_check {
        let assessed = c.pass + c.fail;
        if assessed == 0 {
            continue;
        }
        let w = f64::from(sev.weight());
        num += w * (c.pass as f64 / assessed as f64);
        den += w;
        scored += 1;
    }
    let score = (den > 0.0).then(|| round2(100.0 * num / den));
    let covered = counts.pass + counts.fail + counts.waived;
    let cov_den = covered + counts.error;
    let coverage = (cov_den > 0).then(|| round2(100.0 * covered as f64 / cov_den as f64));
    Score {
        score,
        coverage,
        counts,
        checks_scored: scored,
    }
}

impl Score {
    /// Whether coverage, before rounding, is below `min` percent (`null`
    /// coverage is below everything): baseline "Gate" compares unrounded, so
    /// one `error` among 161,211 results is below 100.
    pub fn coverage_below(&self, min: f64) -> bool {
        let c = &self.counts;
        let covered = c.pass + c.fail + c.waived;
        let den = covered + c.error;
        // covered / den < min / 100, without dividing (exact for u64 counts
        // up to 2^53).
        den == 0 || (covered as f64) * 100.0 < min * den as f64
    }
}

impl ResultRow {
    /// The result's identity (and its place in the result order).
    pub fn key(&self) -> ResultKey {
        ResultKey::new(self.check_id, &self.resource_id, self.item.as_deref())
    }
}

/// Runs the baseline's checks and property rules, and scores them.
///
/// Checks are pure functions of the inventory, so they run on every core;
/// each check's results are ordered on its own, and the whole is the same,
/// byte for byte, as a run on one core.
pub fn evaluate(inv: &Inventory, baseline: &Baseline) -> Evaluation {
    summarize(inv, baseline, results(inv, baseline))
}

/// The results of the baseline's checks and property rules, in result
/// order (see [`evaluate`]), not yet summarized.
pub fn results(inv: &Inventory, baseline: &Baseline) -> Vec<ResultRow> {
    let ctx = Ctx {
        inv,
        params: &baseline.params,
    };
    let n_checks = baseline.checks.len();
    let mut parts: Vec<Vec<ResultRow>> =
        crate::util::parallel::map(n_checks + baseline.rules.len(), |i| {
            let rows: Vec<ResultRow> = match baseline.checks.get(i) {
                Some(enabled) => {
                    // The command with the parameters in force, once per check.
                    let cli = enabled.check.remediation.cli_template(&baseline.params);
                    (enabled.check.evaluate)(&ctx)
                        .into_iter()
                        .map(|f| row(enabled.check, enabled.severity, &cli, f))
                        .collect()
                }
                None => rule_rows(&baseline.rules[i - n_checks], inv),
            };
            sort_and_dedup(rows)
        });
    // Every row of a part carries the part's id, and ids are unique (the
    // registry's, and rule ids, which may not start with AZ- and may not
    // repeat), so parts in id order give the order of one global sort.
    parts.retain(|p| !p.is_empty());
    parts.sort_by_key(|p| p[0].check_id);
    debug_assert!(parts
        .windows(2)
        .all(|w| w[0][0].check_id != w[1][0].check_id));
    parts.into_iter().flatten().collect()
}

/// Rows in result order (check id, resource id and item, case-insensitive;
/// a stable sort), with exact repeats (same key, status and reason) dropped.
fn sort_and_dedup(rows: Vec<ResultRow>) -> Vec<ResultRow> {
    let mut keyed: Vec<(ResultKey, ResultRow)> = rows.into_iter().map(|r| (r.key(), r)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.dedup_by(|a, b| a.0 == b.0 && a.1.status == b.1.status && a.1.reason == b.1.reason);
    keyed.into_iter().map(|(_, r)| r).collect()
}

fn rule_rows(rule: &crate::checks::rules::PropertyRule, inv: &Inventory) -> Vec<ResultRow> {
    rule.evaluate(inv)
        .into_iter()
        .map(|f| ResultRow {
            check_id: rule.id,
            title: rule.title,
            family: Family::Custom,
            severity: rule.severity,
            status: f.status,
            resource_id: f.resource_id,
            item: f.item,
            subscription_id: f.subscription_id,
            reason: f.reason,
            remediation_cli: None,
            waiver: None,
        })
        .collect()
}

/// Per-check summaries and scores of a set of results (also after waivers changed them).
pub fn summarize(inv: &Inventory, baseline: &Baseline, results: Vec<ResultRow>) -> Evaluation {
    let mut counts_by_id: HashMap<&str, Counts> = HashMap::new();
    for r in &results {
        counts_by_id.entry(r.check_id).or_default().add(r.status);
    }
    let summary = |id: &'static str,
                   title: &'static str,
                   family: Family,
                   severity: Severity,
                   scope: Scope| {
        let counts = counts_by_id.get(id).copied().unwrap_or_default();
        CheckSummary {
            id,
            title,
            family,
            severity,
            scope,
            status: counts.check_status(),
            counts,
        }
    };
    let mut checks: Vec<CheckSummary> = baseline
        .checks
        .iter()
        .map(|e| {
            summary(
                e.id,
                e.check.title,
                e.check.family,
                e.severity,
                e.check.scope,
            )
        })
        .collect();
    checks.extend(
        baseline
            .rules
            .iter()
            .map(|r| summary(r.id, r.title, Family::Custom, r.severity, Scope::Resource)),
    );
    checks.sort_by_key(|c| c.id);
    let scores = scores(&results, inv, baseline);
    let unreadable = inv
        .subscriptions
        .iter()
        .filter_map(|s| match &s.status {
            crate::inventory::SubscriptionStatus::Error { error } => {
                Some((s.id.clone(), error.to_string()))
            }
            _ => None,
        })
        .collect();
    Evaluation {
        results,
        checks,
        scores,
        unreadable,
    }
}

fn scores(results: &[ResultRow], inv: &Inventory, baseline: &Baseline) -> Scores {
    let all: Vec<&ResultRow> = results.iter().collect();
    let tenant_scoped: HashSet<&str> = baseline
        .checks
        .iter()
        .filter(|c| c.check.scope == Scope::Tenant)
        .map(|c| c.id)
        .collect();
    let mut by_sub: HashMap<&str, Vec<&ResultRow>> = HashMap::new();
    let mut by_fam: HashMap<Family, Vec<&ResultRow>> = HashMap::new();
    for r in results {
        if let Some(sub) = r.subscription_id.as_deref() {
            if !tenant_scoped.contains(r.check_id) {
                by_sub.entry(sub).or_default().push(r);
            }
        }
        by_fam.entry(r.family).or_default().push(r);
    }
    let rows_of = |rows: Option<&Vec<&ResultRow>>| score(rows.map_or(&[][..], |v| &v[..]));
    let by_subscription = inv
        .scanned()
        .map(|s| (s.id.clone(), rows_of(by_sub.get(s.id.as_str()))))
        .collect();
    let by_family = Family::ALL
        .iter()
        .map(|f| (f.code(), rows_of(by_fam.get(f))))
        .collect();
    Scores {
        overall: score(&all),
        by_subscription,
        by_family,
    }
}

/// A finding as reported; `cli` is the check's command with the parameters in force.
fn row(check: &Check, severity: Severity, cli: &str, f: Finding) -> ResultRow {
    let remediation_cli = (f.status == Status::Fail).then(|| {
        crate::checks::fill_placeholders(cli, &f.resource_id, f.subscription_id.as_deref())
    });
    ResultRow {
        check_id: check.id,
        title: check.title,
        family: check.family,
        severity,
        status: f.status,
        resource_id: f.resource_id,
        item: f.item,
        subscription_id: f.subscription_id,
        reason: f.reason,
        remediation_cli,
        waiver: None,
    }
}

/// The CI gate (baseline "Gate").
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Gate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<Severity>,
    pub allow_errors: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_coverage: Option<f64>,
    /// `--fail-on-new`: judged against a previous report (see `diff`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_on_new: Option<Severity>,
}

/// The comparison a `--fail-on-new` gate is judged against.
pub struct Since<'a> {
    /// The previous report, as named to the user.
    pub previous: &'a str,
    pub diff: &'a diff::Diff,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateVerdict {
    pub passed: bool,
    /// Why it failed, one line each (empty when it holds).
    pub reasons: Vec<String>,
}

impl Gate {
    pub fn is_set(&self) -> bool {
        self.fail_on.is_some()
            || self.min_score.is_some()
            || self.min_coverage.is_some()
            || self.fail_on_new.is_some()
    }

    /// The command-line flags that set this gate, in a fixed order.
    pub fn flags(&self) -> Vec<String> {
        let mut f = Vec::new();
        if let Some(s) = self.fail_on {
            f.push(format!("--fail-on {s}"));
        }
        if let Some(s) = self.fail_on_new {
            f.push(format!("--fail-on-new {s}"));
        }
        if self.allow_errors && (self.fail_on.is_some() || self.fail_on_new.is_some()) {
            f.push("--allow-errors".into());
        }
        if let Some(s) = self.min_score {
            f.push(format!("--min-score {s}"));
        }
        if let Some(s) = self.min_coverage {
            f.push(format!("--min-coverage {s}"));
        }
        f
    }

    /// The verdict, judged once: severity thresholds, score, coverage and,
    /// with `--fail-on-new`, the findings new `since` a previous report.
    pub fn judge(&self, eval: &Evaluation, since: Option<&Since>) -> GateVerdict {
        let mut reasons = Vec::new();
        if let Some(threshold) = self.fail_on {
            let mut failing = 0;
            let mut erroring = 0;
            for r in eval.results.iter().filter(|r| r.severity >= threshold) {
                match r.status {
                    Status::Fail => failing += 1,
                    Status::Error if !self.allow_errors => erroring += 1,
                    _ => {}
                }
            }
            if failing > 0 {
                reasons.push(format!(
                    "{failing} failing result(s) at severity {threshold} or higher"
                ));
            }
            if erroring > 0 {
                reasons.push(format!("{erroring} result(s) at severity {threshold} or higher could not be assessed (error); --allow-errors to accept"));
            }
        }
        let overall = &eval.scores.overall;
        if let Some(min) = self.min_score {
            match overall.score {
                Some(s) if s >= min => {}
                Some(s) => reasons.push(format!("score {s:.2} is below --min-score {min}")),
                None => reasons.push(format!(
                    "score is n/a (nothing could be assessed), --min-score {min} requires one"
                )),
            }
        }
        if let Some(min) = self.min_coverage {
            match overall.coverage {
                Some(_) if !overall.coverage_below(min) => {}
                Some(_) => {
                    let c = &overall.counts;
                    let covered = c.pass + c.fail + c.waived;
                    reasons.push(format!(
                        "coverage {:.4}% ({covered} of {} results assessed) is below --min-coverage {min}",
                        100.0 * covered as f64 / (covered + c.error) as f64,
                        covered + c.error
                    ))
                }
                None => reasons.push(format!(
                    "coverage is n/a, --min-coverage {min} requires one"
                )),
            }
        }
        // Baseline "Tenancy and scope": an unreadable subscription can never
        // pass a gate. `--fail-on` already counts its `error` results by
        // severity; score and coverage leave them out, so a score from the
        // other subscriptions or the tenant would say nothing about it.
        if (self.min_score.is_some() || self.min_coverage.is_some()) && !self.allow_errors {
            for (id, cause) in &eval.unreadable {
                reasons.push(format!(
                    "subscription {id} is unreadable ({cause}); --allow-errors to accept"
                ));
            }
        }
        match (self.fail_on_new, since) {
            (Some(threshold), Some(since)) => {
                let fresh = since.diff.new_at_or_above(threshold, self.allow_errors);
                if !fresh.is_empty() {
                    reasons.push(format!(
                        "{} new finding(s) at severity {threshold} or higher since {}",
                        fresh.len(),
                        since.previous
                    ));
                }
            }
            // Never a pass by default: nothing to compare with is not "nothing new".
            (Some(_), None) => {
                reasons.push("--fail-on-new needs a previous report (--compare)".into())
            }
            (None, _) => {}
        }
        GateVerdict {
            passed: reasons.is_empty(),
            reasons,
        }
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    fn r(id: &'static str, sev: Severity, status: Status) -> ResultRow {
        ResultRow {
            check_id: id,
            title: "t",
            family: Family::Mon,
            severity: sev,
            status,
            resource_id: "/x".into(),
            item: None,
            subscription_id: None,
            reason: "r".into(),
            remediation_cli: None,
            waiver: None,
        }
    }

    #[test]
    fn score_follows_the_formula() {
        // A: high, 1 pass 1 fail (0.5 × 5); B: medium, 2 pass (1 × 3); C: low, only errors (not counted).
        let rows = [
            r("A", Severity::High, Status::Pass),
            r("A", Severity::High, Status::Fail),
            r("B", Severity::Medium, Status::Pass),
            r("B", Severity::Medium, Status::Pass),
            r("B", Severity::Medium, Status::NotApplicable),
            r("C", Severity::Low, Status::Error),
            r("D", Severity::Critical, Status::Waived),
        ];
        let refs: Vec<&ResultRow> = rows.iter().collect();
        let s = score(&refs);
        // 100 × (2.5 + 3) / 8 = 68.75
        assert_eq!(s.score, Some(68.75));
        // (2 + 2 + 1) / (5 + 1) = 83.333…
        assert_eq!(s.coverage, Some(83.33));
        assert_eq!(s.checks_scored, 2);
    }

    #[test]
    fn nothing_assessed_is_null_not_100_or_0() {
        let rows = [r("A", Severity::High, Status::Error)];
        let refs: Vec<&ResultRow> = rows.iter().collect();
        let s = score(&refs);
        assert_eq!(s.score, None);
        assert_eq!(s.coverage, Some(0.0));
        let s = score(&[]);
        assert_eq!((s.score, s.coverage), (None, None));
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round2(66.666_666), 66.67);
        assert_eq!(round2(12.345_000_1), 12.35);
        assert_eq!(round2(0.125), 0.13);
    }

    fn eval(rows: Vec<ResultRow>) -> Evaluation {
        let refs: Vec<&ResultRow> = rows.iter().collect();
        let overall = score(&refs);
        Evaluation {
            results: rows,
            checks: vec![],
            scores: Scores {
                overall,
                by_subscription: BTreeMap::new(),
                by_family: BTreeMap::new(),
            },
            unreadable: vec![],
        }
    }

    #[test]
    fn min_coverage_compares_before_rounding() {
        let mut rows = vec![r("A", Severity::High, Status::Pass); 161_210];
        rows.push(r("A", Severity::High, Status::Error));
        let e = eval(rows);
        assert_eq!(e.scores.overall.coverage, Some(100.0), "shown rounded");
        let g = Gate {
            min_coverage: Some(100.0),
            ..Default::default()
        };
        let v = g.judge(&e, None);
        assert!(!v.passed, "{v:?}");
        assert!(v.reasons[0].contains("161210 of 161211"), "{v:?}");
        let g = Gate {
            min_coverage: Some(99.99),
            ..Default::default()
        };
        assert!(g.judge(&e, None).passed);
    }

    #[test]
    fn an_unreadable_subscription_fails_a_score_or_coverage_gate() {
        let mut e = eval(vec![r("A", Severity::High, Status::Pass)]);
        e.unreadable = vec![("0000".into(), "NotFound".into())];
        let g = Gate {
            min_score: Some(10.0),
            ..Default::default()
        };
        let v = g.judge(&e, None);
        assert!(!v.passed, "{v:?}");
        assert!(
            v.reasons[0].contains("subscription 0000 is unreadable"),
            "{v:?}"
        );
        assert!(Gate::default().judge(&e, None).passed, "no gate: exit 0");
        let g = Gate {
            min_coverage: Some(0.0),
            ..Default::default()
        };
        assert!(!g.judge(&e, None).passed);
        // --fail-on judges its `error` results by severity, as any other.
        let g = Gate {
            fail_on: Some(Severity::Critical),
            ..Default::default()
        };
        assert!(g.judge(&e, None).passed);
        let g = Gate {
            min_score: Some(10.0),
            allow_errors: true,
            ..Default::default()
        };
        assert!(g.judge(&e, None).passed);
    }

    #[test]
    fn gate_counts_errors_unless_allowed() {
        let e = eval(vec![
            r("A", Severity::High, Status::Error),
            r("B", Severity::Low, Status::Fail),
        ]);
        let g = Gate {
            fail_on: Some(Severity::High),
            ..Default::default()
        };
        assert!(!g.judge(&e, None).passed);
        let g = Gate {
            fail_on: Some(Severity::High),
            allow_errors: true,
            ..Default::default()
        };
        assert!(g.judge(&e, None).passed);
        let g = Gate {
            fail_on: Some(Severity::Low),
            allow_errors: true,
            ..Default::default()
        };
        assert!(!g.judge(&e, None).passed);
        let g = Gate {
            min_score: Some(1.0),
            ..Default::default()
        };
        let v = g.judge(&e, None);
        assert!(!v.passed && v.reasons[0].contains("below"), "{v:?}");
        let none = eval(vec![r("A", Severity::High, Status::Error)]);
        assert!(
            !Gate {
                min_score: Some(0.0),
                ..Default::default()
            }
            .judge(&none, None)
            .passed
        );
        assert!(
            !Gate {
                min_coverage: Some(50.0),
                ..Default::default()
            }
            .judge(&none, None)
            .passed
        );
        assert!(Gate::default().judge(&none, None).passed);
    }
}
