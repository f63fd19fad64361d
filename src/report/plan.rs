//! `azward plan`'s report: the failing results a planned change introduces,
//! fixes and leaves, each with the planned resource's address (the ARM id of
//! the what-if change it follows from), and the changes not applied. Text,
//! JSON, a Markdown pull-request comment and SARIF (the address as logical
//! location).

pub use crate::azure::whatif::rows_in;
use crate::azure::whatif::{behind, Applied, Skipped};
use crate::checks::{Severity, Status};
use crate::engine::diff::{Diff, ResultDoc};
use crate::util::text::{markdown_inline, printable};
use serde::Serialize;
use serde_json::json;

/// A result with the planned changes it follows from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanResult {
    #[serde(flatten)]
    pub result: ResultDoc,
    /// The ARM ids of the changes on this resource, or else on resources
    /// under it (a diagnostic setting of it, say), or else on the resource it
    /// is part of (a storage account, for its blob service); empty when no
    /// change touches it (an effect on another resource).
    pub addresses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanReport {
    pub schema_version: &'static str,
    pub what_if: String,
    pub base: String,
    pub score_before: Option<f64>,
    pub score_after: Option<f64>,
    pub coverage_before: Option<f64>,
    pub coverage_after: Option<f64>,
    /// The changes applied to the base estate.
    pub applied: usize,
    /// The changes not applied, and why: never silently ignored.
    pub not_applied: Vec<Skipped>,
    pub new: Vec<PlanResult>,
    pub fixed: Vec<PlanResult>,
    pub unchanged: Vec<PlanResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_on_new: Option<Severity>,
    /// The gate: no new failing result at or above `fail_on_new`.
    pub passed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gate_reasons: Vec<String>,
    /// `--no-base`: the checks that needed the rest of the estate.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_assessed: Vec<NotAssessed>,
}

/// A check `--no-base` cannot judge, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotAssessed {
    pub check_id: String,
    pub reason: String,
}

impl PlanResult {
    /// Check, severity, status, resource and reason, the texts through `esc`.
    fn cells(&self, esc: impl Fn(&str) -> String) -> [String; 5] {
        let r = &self.result;
        [
            esc(&r.check_id),
            r.severity.to_string(),
            r.status.to_string(),
            esc(&r.resource_id),
            esc(&r.reason),
        ]
    }
}

/// The addresses of the changes behind a result (see [`behind`]).
fn addresses(applied: &Applied, resource_id: &str, check_rows: &[String]) -> Vec<String> {
    behind(&applied.applied, resource_id, check_rows)
        .into_iter()
        .map(|i| applied.applied[i].display_address().to_string())
        .collect()
}

impl PlanReport {
    pub fn new(
        what_if: &str,
        base: &str,
        d: &Diff,
        applied: &Applied,
        fail_on_new: Option<Severity>,
        rows_read_by: impl Fn(&str) -> Vec<String>,
    ) -> PlanReport {
        let with = |r: &ResultDoc| PlanResult {
            result: r.clone(),
            addresses: addresses(applied, &r.resource_id, &rows_read_by(&r.check_id)),
        };
        let gate_reasons: Vec<String> = fail_on_new
            .map(|sev| {
                let findings = d.new_at_or_above(sev, false).into_iter().map(|r| {
                    format!(
                        "{} {} {} on {}",
                        r.check_id, r.severity, r.status, r.resource_id
                    )
                });
                // A change that was not placed may hide a finding: never a pass.
                let unplaced = applied
                    .skipped
                    .iter()
                    .filter(|k| k.hides_findings())
                    .map(|k| format!("not applied: {} ({})", k.display_address(), k.reason));
                findings.chain(unplaced).collect()
            })
            .unwrap_or_default();
        PlanReport {
            schema_version: crate::model::SCHEMA_VERSION,
            what_if: what_if.to_string(),
            base: base.to_string(),
            score_before: d.old_score,
            score_after: d.new_score,
            coverage_before: d.old_coverage,
            coverage_after: d.new_coverage,
            applied: applied.applied.len(),
            not_applied: applied.skipped.clone(),
            new: d.new.iter().map(with).collect(),
            fixed: d.fixed.iter().map(with).collect(),
            unchanged: d.unchanged.iter().map(|u| with(&u.result)).collect(),
            fail_on_new,
            passed: gate_reasons.is_empty(),
            gate_reasons,
            not_assessed: Vec::new(),
        }
    }

    /// `--no-base`: the judged results of the planned resources alone; each
    /// failing one (fail or error) is new, nothing is known to be fixed.
    pub fn alone(
        what_if: &str,
        judged: &[&crate::engine::ResultRow],
        applied: &Applied,
        fail_on_new: Option<Severity>,
        rows_read_by: impl Fn(&str) -> Vec<String>,
    ) -> PlanReport {
        let failing: Vec<ResultDoc> = judged
            .iter()
            .filter(|r| matches!(r.status, Status::Fail | Status::Error))
            .map(|r| ResultDoc::from_row(r))
            .collect();
        let d = Diff {
            new: failing,
            ..Diff::default()
        };
        PlanReport::new(
            what_if,
            "none (--no-base: the planned resources alone)",
            &d,
            applied,
            fail_on_new,
            rows_read_by,
        )
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the plan report serializes");
        s.push('\n');
        s
    }

    pub fn to_text(&self) -> String {
        let f = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "n/a".into());
        let mut s = format!(
            "plan {} over {}: {} changes applied, {} not applied\nscore: {} -> {}, coverage: {} -> {}\n{} new, {} fixed, {} unchanged failing results\n",
            printable(&self.what_if),
            printable(&self.base),
            self.applied,
            self.not_applied.len(),
            f(self.score_before),
            f(self.score_after),
            f(self.coverage_before),
            f(self.coverage_after),
            self.new.len(),
            self.fixed.len(),
            self.unchanged.len()
        );
        for (title, list) in [("new", &self.new), ("fixed", &self.fixed)] {
            if list.is_empty() {
                continue;
            }
            s.push_str(&format!("\n{title}:\n"));
            for r in list {
                let [check, sev, status, id, reason] = r.cells(|t| printable(t).into_owned());
                s.push_str(&format!("  {check} {sev} {status} {id}: {reason}\n"));
                for a in &r.addresses {
                    s.push_str(&format!("    planned change: {}\n", printable(a)));
                }
            }
        }
        if !self.not_applied.is_empty() {
            s.push_str("\nnot applied (the planned estate does not include them):\n");
            for k in &self.not_applied {
                s.push_str(&format!(
                    "  {} {}: {}\n",
                    printable(&k.change_type),
                    printable(k.display_address()),
                    printable(&k.reason)
                ));
            }
        }
        if !self.not_assessed.is_empty() {
            s.push_str(&format!(
                "\nnot assessed without a base estate ({} checks):\n",
                self.not_assessed.len()
            ));
            for n in &self.not_assessed {
                s.push_str(&format!("  {}: {}\n", n.check_id, printable(&n.reason)));
            }
        }
        s.push_str(&self.verdict_line());
        s.push('\n');
        s
    }

    fn verdict_line(&self) -> String {
        match (self.fail_on_new, self.passed) {
            (None, _) => "gate: none (--fail-on-new not given)".into(),
            (Some(sev), true) => format!("gate: passed (no new failing result at {sev} or higher)"),
            (Some(sev), false) => {
                let unplaced = self
                    .gate_reasons
                    .iter()
                    .filter(|r| r.starts_with("not applied: "))
                    .count();
                let mut line = format!(
                    "gate: FAILED ({} new failing results at {sev} or higher",
                    self.gate_reasons.len() - unplaced
                );
                if unplaced > 0 {
                    line.push_str(&format!(
                        "; {unplaced} changes not applied that could hide one"
                    ));
                }
                line.push(')');
                line
            }
        }
    }

    /// A pull-request comment: every text from Azure or the plan escaped.
    pub fn to_markdown(&self) -> String {
        let f = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "n/a".into());
        let mut s = format!(
            "## azward plan: {} new, {} fixed failing results\n\n{}\n\nScore {} → {}, coverage {} → {}. {} changes applied to the base estate, {} not applied. {} failing results unchanged.\n",
            self.new.len(),
            self.fixed.len(),
            markdown_inline(&self.verdict_line()),
            f(self.score_before),
            f(self.score_after),
            f(self.coverage_before),
            f(self.coverage_after),
            self.applied,
            self.not_applied.len(),
            self.unchanged.len()
        );
        for (title, list) in [("New failing results", &self.new), ("Fixed", &self.fixed)] {
            if list.is_empty() {
                continue;
            }
            s.push_str(&format!(
                "\n### {title}\n\n| Check | Severity | Status | Resource | Planned change | Reason |\n|---|---|---|---|---|---|\n"
            ));
            for r in list {
                let addr = if r.addresses.is_empty() {
                    "(indirect)".to_string()
                } else {
                    r.addresses
                        .iter()
                        .map(|a| markdown_inline(a))
                        .collect::<Vec<_>>()
                        .join("<br>")
                };
                let [check, sev, status, id, reason] = r.cells(markdown_inline);
                s.push_str(&format!(
                    "| {check} | {sev} | {status} | {id} | {addr} | {reason} |\n"
                ));
            }
        }
        if !self.not_applied.is_empty() {
            s.push_str(
                "\n### Not applied (not evaluated)\n\n| Change | Resource | Why |\n|---|---|---|\n",
            );
            for k in &self.not_applied {
                s.push_str(&format!(
                    "| {} | {} | {} |\n",
                    markdown_inline(&k.change_type),
                    markdown_inline(k.display_address()),
                    markdown_inline(&k.reason)
                ));
            }
        }
        if !self.not_assessed.is_empty() {
            s.push_str(&format!(
                "\n<details><summary>Not assessed without a base estate ({} checks)</summary>\n\n| Check | Why |\n|---|---|\n",
                self.not_assessed.len()
            ));
            for n in &self.not_assessed {
                s.push_str(&format!(
                    "| {} | {} |\n",
                    markdown_inline(&n.check_id),
                    markdown_inline(&n.reason)
                ));
            }
            s.push_str("\n</details>\n");
        }
        s
    }

    /// SARIF 2.1.0: new results (`baselineState` new) and unchanged ones, at
    /// the planned change's address as logical location.
    pub fn to_sarif(&self) -> String {
        let mut rules: Vec<serde_json::Value> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        let mut results = Vec::new();
        for (state, list) in [("new", &self.new), ("unchanged", &self.unchanged)] {
            for r in list {
                if seen.insert(r.result.check_id.clone()) {
                    rules.push(json!({
                        "id": r.result.check_id,
                        "shortDescription": {"text": r.result.title},
                    }));
                }
                let locs: Vec<_> = if r.addresses.is_empty() {
                    vec![&r.result.resource_id]
                } else {
                    r.addresses.iter().collect()
                };
                results.push(json!({
                    "ruleId": r.result.check_id,
                    "level": if r.result.status == Status::Error { "error" } else { super::sarif::level(r.result.severity) },
                    "baselineState": state,
                    "message": {"text": format!("{}: {}", r.result.status, r.result.reason)},
                    "locations": [{"logicalLocations": locs.iter().map(|a| json!({
                        "fullyQualifiedName": a, "kind": "resource"
                    })).collect::<Vec<_>>()}],
                }));
            }
        }
        rules.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        let doc = json!({
            "$schema": super::sarif::SCHEMA_URI,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "azward",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }},
                "results": results,
            }],
        });
        let mut s = serde_json::to_string_pretty(&doc).expect("SARIF serializes");
        s.push('\n');
        s
    }
}
