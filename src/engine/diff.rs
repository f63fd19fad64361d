//! Comparing two JSON reports: which failing results are new, fixed or
//! unchanged, and how score and coverage moved. Results are matched by their
//! identity (check id, resource id compared case-insensitively, item).

use crate::checks::{Severity, Status};
use crate::model::ResultKey;
use crate::util::text::printable;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The part of a JSON report a comparison reads.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportDoc {
    pub schema_version: String,
    #[serde(default)]
    pub tenant_id: Option<String>,
    pub scores: ScoresDoc,
    pub results: Vec<ResultDoc>,
    /// The report's `baseline` (name, version, parameters, …), when it has one.
    #[serde(default)]
    pub baseline: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScoresDoc {
    pub overall: ScoreDoc,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScoreDoc {
    pub score: Option<f64>,
    pub coverage: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultDoc {
    pub check_id: String,
    #[serde(default)]
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub resource_id: String,
    #[serde(default)]
    pub item: Option<String>,
    #[serde(default)]
    pub subscription_id: Option<String>,
    #[serde(default)]
    pub reason: String,
}

impl ResultDoc {
    pub fn from_row(x: &crate::engine::ResultRow) -> ResultDoc {
        ResultDoc {
            check_id: x.check_id.to_string(),
            title: x.title.to_string(),
            severity: x.severity,
            status: x.status,
            resource_id: x.resource_id.to_string(),
            item: x.item.clone(),
            subscription_id: x.subscription_id.clone(),
            reason: x.reason.clone(),
        }
    }

    pub fn key(&self) -> ResultKey {
        ResultKey::new(&self.check_id, &self.resource_id, self.item.as_deref())
    }
    /// `fail` or `error`: something to act on.
    pub fn is_failing(&self) -> bool {
        matches!(self.status, Status::Fail | Status::Error)
    }
}

impl ReportDoc {
    /// The comparable part of this run's evaluation (what its JSON report will hold).
    pub fn from_evaluation(tenant_id: Option<&str>, eval: &super::Evaluation) -> ReportDoc {
        ReportDoc::new(tenant_id, &eval.scores, &eval.results)
    }

    /// The comparable part of scores and results.
    pub fn new(
        tenant_id: Option<&str>,
        scores: &super::Scores,
        results: &[super::ResultRow],
    ) -> ReportDoc {
        ReportDoc {
            schema_version: crate::model::SCHEMA_VERSION.into(),
            tenant_id: tenant_id.map(str::to_string),
            scores: ScoresDoc {
                overall: ScoreDoc {
                    score: scores.overall.score,
                    coverage: scores.overall.coverage,
                },
            },
            results: results.iter().map(ResultDoc::from_row).collect(),
            baseline: None,
        }
    }

    /// With the baseline the report was judged against (as its JSON holds it).
    pub fn with_baseline(mut self, baseline: &impl Serialize) -> ReportDoc {
        self.baseline = serde_json::to_value(baseline).ok();
        self
    }
}

/// Why two reports may not be comparable: a different tenant, or a
/// different baseline (name, version, parameters, checks or rules; the
/// profile's file name aside).
pub fn comparability(old: &ReportDoc, new: &ReportDoc) -> Vec<String> {
    let mut out = Vec::new();
    let tenant = |d: &ReportDoc| d.tenant_id.as_deref().map(str::to_ascii_lowercase);
    if tenant(old) != tenant(new) {
        out.push(format!(
            "the reports are of different tenants ({} and {}): results are not comparable",
            old.tenant_id.as_deref().unwrap_or("unknown"),
            new.tenant_id.as_deref().unwrap_or("unknown")
        ));
    }
    let judged = |d: &ReportDoc| {
        d.baseline.clone().map(|mut b| {
            if let Some(o) = b.as_object_mut() {
                o.remove("profile");
            }
            b
        })
    };
    if let (Some(a), Some(b)) = (judged(old), judged(new)) {
        if a != b {
            let name = |v: &serde_json::Value| {
                format!(
                    "{} {}",
                    v["name"].as_str().unwrap_or("?"),
                    v["version"].as_str().unwrap_or("?")
                )
            };
            out.push(format!(
                "the reports were judged against different baselines ({} and {}{}): a change may come from the baseline, not the estate",
                name(&a),
                name(&b),
                if name(&a) == name(&b) { ", with other parameters, checks or rules" } else { "" }
            ));
        }
    }
    out
}

/// What a report says of the previous one (`scan --compare`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub previous: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_on_new: Option<Severity>,
    pub score_change: Option<f64>,
    pub fixed: usize,
    /// Failing before and waived now: not fixed.
    #[serde(skip_serializing_if = "is_zero")]
    pub waived: usize,
    pub removed: usize,
    pub unchanged: usize,
    /// Why the two reports may not be comparable.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The failing results that are new since the previous report.
    pub new: Vec<ResultDoc>,
}

impl Comparison {
    pub fn new(previous: &Path, d: &Diff, fail_on_new: Option<Severity>) -> Comparison {
        Comparison {
            previous: previous.display().to_string(),
            fail_on_new,
            score_change: d.score_change,
            fixed: d.fixed.len(),
            waived: d.waived.len(),
            removed: d.removed.len(),
            unchanged: d.unchanged.len(),
            warnings: d.warnings.clone(),
            new: d.new.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not an azward JSON report: {message}")]
    Format { path: PathBuf, message: String },
}

/// Reads a JSON report written by `azward scan --format json`.
pub fn load(path: &Path) -> Result<ReportDoc, DiffError> {
    let text = std::fs::read_to_string(path).map_err(|source| DiffError::Io {
        path: path.into(),
        source,
    })?;
    let doc: ReportDoc = serde_json::from_str(&text).map_err(|e| DiffError::Format {
        path: path.into(),
        message: e.to_string(),
    })?;
    if !doc.schema_version.starts_with("1.") {
        return Err(DiffError::Format {
            path: path.into(),
            message: format!(
                "schema_version {} is not supported (this azward reads 1.x)",
                doc.schema_version
            ),
        });
    }
    Ok(doc)
}

/// A failing result in both reports, with what changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unchanged {
    #[serde(flatten)]
    pub result: ResultDoc,
    /// The old severity, when the profile changed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_severity: Option<Severity>,
    /// The old status, when it moved between fail and error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<Status>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Diff {
    pub old_score: Option<f64>,
    pub new_score: Option<f64>,
    /// New minus old; `null` when either is n/a.
    pub score_change: Option<f64>,
    pub old_coverage: Option<f64>,
    pub new_coverage: Option<f64>,
    /// Failing (fail or error) now, and not failing (or absent) before.
    pub new: Vec<ResultDoc>,
    /// Failing before, and now pass or not applicable.
    pub fixed: Vec<ResultDoc>,
    /// Failing before and waived now: still to act on, not fixed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waived: Vec<ResultDoc>,
    /// Failing before and no longer reported at all (resource gone or check disabled).
    pub removed: Vec<ResultDoc>,
    /// Failing in both.
    pub unchanged: Vec<Unchanged>,
    /// Why the two reports may not be comparable (tenant, baseline).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Compares two reports.
pub fn diff(old: &ReportDoc, new: &ReportDoc) -> Diff {
    let old_by: BTreeMap<_, &ResultDoc> = old.results.iter().map(|r| (r.key(), r)).collect();
    let new_by: BTreeMap<_, &ResultDoc> = new.results.iter().map(|r| (r.key(), r)).collect();
    let mut d = Diff {
        old_score: old.scores.overall.score,
        new_score: new.scores.overall.score,
        score_change: match (old.scores.overall.score, new.scores.overall.score) {
            (Some(a), Some(b)) => Some(crate::engine::round2(b - a)),
            _ => None,
        },
        old_coverage: old.scores.overall.coverage,
        new_coverage: new.scores.overall.coverage,
        new: Vec::new(),
        fixed: Vec::new(),
        waived: Vec::new(),
        removed: Vec::new(),
        unchanged: Vec::new(),
        warnings: comparability(old, new),
    };
    for (k, n) in &new_by {
        if !n.is_failing() {
            continue;
        }
        match old_by.get(k) {
            Some(o) if o.is_failing() => d.unchanged.push(Unchanged {
                result: (*n).clone(),
                previous_severity: (o.severity != n.severity).then_some(o.severity),
                previous_status: (o.status != n.status).then_some(o.status),
            }),
            _ => d.new.push((*n).clone()),
        }
    }
    for (k, o) in &old_by {
        if !o.is_failing() {
            continue;
        }
        match new_by.get(k) {
            Some(n) if n.is_failing() => {}
            Some(n) if n.status == Status::Waived => d.waived.push((*n).clone()),
            Some(n) => {
                let mut now = (*n).clone();
                now.reason = format!("{} (was {}: {})", n.reason, o.status, o.reason);
                d.fixed.push(now);
            }
            None => d.removed.push((*o).clone()),
        }
    }
    d
}

impl Diff {
    /// New failing results at or above `threshold` (errors too, unless `allow_errors`).
    pub fn new_at_or_above(&self, threshold: Severity, allow_errors: bool) -> Vec<&ResultDoc> {
        self.new
            .iter()
            .filter(|r| {
                r.severity >= threshold
                    && (r.status == Status::Fail || (!allow_errors && r.status == Status::Error))
            })
            .collect()
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the diff serializes");
        s.push('\n');
        s
    }

    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for w in &self.warnings {
            s.push_str(&format!("warning: {}\n", printable(w)));
        }
        let f = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "n/a".into());
        let change = self
            .score_change
            .map(|c| format!(" ({c:+.2})"))
            .unwrap_or_default();
        s.push_str(&format!(
            "score: {} -> {}{change}\n",
            f(self.old_score),
            f(self.new_score)
        ));
        s.push_str(&format!(
            "coverage: {} -> {}\n",
            f(self.old_coverage),
            f(self.new_coverage)
        ));
        s.push_str(&format!(
            "{} new, {} fixed, {}{} removed, {} unchanged failing results\n",
            self.new.len(),
            self.fixed.len(),
            if self.waived.is_empty() {
                String::new()
            } else {
                format!("{} waived (not fixed), ", self.waived.len())
            },
            self.removed.len(),
            self.unchanged.len()
        ));
        let line = |r: &ResultDoc| {
            let item = r
                .item
                .as_deref()
                .map(|i| format!(" [{}]", printable(i)))
                .unwrap_or_default();
            format!(
                "  {} {} {} {}{item}: {}\n",
                printable(&r.check_id),
                r.severity,
                r.status,
                printable(&r.resource_id),
                printable(&r.reason)
            )
        };
        for (title, list) in [
            ("new", &self.new),
            ("fixed", &self.fixed),
            ("waived (not fixed)", &self.waived),
            ("removed", &self.removed),
        ] {
            if !list.is_empty() {
                s.push_str(&format!("\n{title}:\n"));
                list.iter().for_each(|r| s.push_str(&line(r)));
            }
        }
        let changed: Vec<&Unchanged> = self
            .unchanged
            .iter()
            .filter(|u| u.previous_severity.is_some() || u.previous_status.is_some())
            .collect();
        if !changed.is_empty() {
            s.push_str("\nunchanged, with a changed severity or status:\n");
            for u in changed {
                let was = match (u.previous_severity, u.previous_status) {
                    (Some(sev), Some(st)) => format!("was {sev} {st}"),
                    (Some(sev), None) => format!("was {sev}"),
                    (None, Some(st)) => format!("was {st}"),
                    (None, None) => String::new(),
                };
                s.push_str(&format!(
                    "  {} {} {} {} ({was})\n",
                    printable(&u.result.check_id),
                    u.result.severity,
                    u.result.status,
                    printable(&u.result.resource_id)
                ));
            }
        }
        s
    }

    pub fn to_markdown(&self) -> String {
        let f = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "n/a".into());
        let mut s = String::from("## azward: changes since the previous scan\n\n");
        for w in &self.warnings {
            s.push_str(&format!("> ⚠️ **warning**: {}\n\n", md(w)));
        }
        let change = self
            .score_change
            .map(|c| format!(" ({c:+.2})"))
            .unwrap_or_default();
        s.push_str(&format!(
            "Score **{}** → **{}**{change} · coverage {} → {}\n\n",
            f(self.old_score),
            f(self.new_score),
            f(self.old_coverage),
            f(self.new_coverage)
        ));
        s.push_str(&format!(
            "| new | fixed | removed | unchanged |\n|---|---|---|---|\n| {} | {} | {} | {} |\n",
            self.new.len(),
            self.fixed.len(),
            self.removed.len(),
            self.unchanged.len()
        ));
        if !self.waived.is_empty() {
            s.push_str(&format!(
                "\n{} failing result(s) are waived now: not fixed.\n",
                self.waived.len()
            ));
        }
        for (title, list) in [("New", &self.new), ("Fixed", &self.fixed)] {
            if list.is_empty() {
                continue;
            }
            s.push_str(&format!("\n### {title}\n\n| Check | Severity | Status | Resource | Reason |\n|---|---|---|---|---|\n"));
            for r in list.iter().take(50) {
                s.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    md(&r.check_id),
                    r.severity,
                    r.status,
                    md(&r.resource_id),
                    md(&r.reason)
                ));
            }
            if list.len() > 50 {
                s.push_str(&format!("\n…and {} more\n", list.len() - 50));
            }
        }
        s
    }
}

/// Escapes text from Azure for a Markdown table cell (see
/// [`crate::util::text::markdown_inline`]).
pub fn md(s: &str) -> String {
    crate::util::text::markdown_inline(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(score: f64, results: serde_json::Value) -> ReportDoc {
        serde_json::from_value(json!({"schema_version": "1.0", "scores": {"overall": {"score": score, "coverage": 100.0}}, "results": results})).unwrap()
    }

    fn r(check: &str, id: &str, sev: &str, status: &str) -> serde_json::Value {
        json!({"check_id": check, "resource_id": id, "severity": sev, "status": status, "reason": format!("{status} reason")})
    }

    #[test]
    fn new_fixed_removed_unchanged_and_changed_severity() {
        let old = doc(
            50.0,
            json!([
                r("AZ-KV-003", "/s/1/vaults/a", "high", "fail"),
                r("AZ-KV-003", "/s/1/vaults/b", "high", "fail"),
                r("AZ-KV-003", "/s/1/vaults/c", "high", "fail"),
                r("AZ-KV-006", "/s/1/vaults/a", "high", "fail"),
                r("AZ-ST-002", "/s/1/st/x", "high", "pass"),
            ]),
        );
        let new = doc(
            62.5,
            json!([
                r("AZ-KV-003", "/S/1/VAULTS/A", "high", "fail"),
                r("AZ-KV-003", "/s/1/vaults/b", "high", "pass"),
                r("AZ-KV-006", "/s/1/vaults/a", "critical", "fail"),
                r("AZ-ST-002", "/s/1/st/x", "high", "fail"),
                r("AZ-ST-002", "/s/1/st/y", "low", "error"),
            ]),
        );
        let d = diff(&old, &new);
        assert_eq!(d.score_change, Some(12.5));
        let ids = |v: &[ResultDoc]| {
            v.iter()
                .map(|r| format!("{} {}", r.check_id, r.resource_id))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&d.new), ["AZ-ST-002 /s/1/st/x", "AZ-ST-002 /s/1/st/y"]);
        assert_eq!(ids(&d.fixed), ["AZ-KV-003 /s/1/vaults/b"]);
        assert_eq!(ids(&d.removed), ["AZ-KV-003 /s/1/vaults/c"]);
        assert_eq!(d.unchanged.len(), 2, "case-insensitive identity");
        let sev = d
            .unchanged
            .iter()
            .find(|u| u.result.check_id == "AZ-KV-006")
            .unwrap();
        assert_eq!(sev.previous_severity, Some(Severity::High));
        assert_eq!(d.new_at_or_above(Severity::High, false).len(), 1);
        assert_eq!(d.new_at_or_above(Severity::Low, false).len(), 2);
        assert_eq!(
            d.new_at_or_above(Severity::Low, true).len(),
            1,
            "errors are allowed"
        );
        assert!(d
            .to_text()
            .contains("2 new, 1 fixed, 1 removed, 2 unchanged"));
        assert!(d.to_markdown().contains("| 2 | 1 | 1 | 2 |"));
    }

    #[test]
    fn waived_is_not_fixed_and_other_tenants_or_baselines_are_called_out() {
        let old = doc(
            50.0,
            json!([
                r("AZ-KV-003", "/s/1/vaults/a", "high", "fail"),
                r("AZ-KV-003", "/s/1/vaults/b", "high", "error"),
            ]),
        );
        let mut new = doc(
            100.0,
            json!([
                r("AZ-KV-003", "/s/1/vaults/a", "high", "waived"),
                r("AZ-KV-003", "/s/1/vaults/b", "high", "waived"),
            ]),
        );
        let d = diff(&old, &new);
        assert!(d.fixed.is_empty(), "{:?}", d.fixed);
        assert_eq!(d.waived.len(), 2);
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        assert!(
            d.to_text().contains("0 fixed, 2 waived (not fixed)"),
            "{}",
            d.to_text()
        );

        let mut old = old;
        old.tenant_id = Some("t-1".into());
        new.tenant_id = Some("T-2".into());
        old.baseline = Some(
            json!({"name": "azward default", "version": "1.2", "profile": "a.toml", "parameters": {"law_min_retention_days": 90}}),
        );
        new.baseline = Some(
            json!({"name": "azward default", "version": "1.2", "profile": "b.toml", "parameters": {"law_min_retention_days": 365}}),
        );
        let d = diff(&old, &new);
        assert_eq!(d.warnings.len(), 2, "{:?}", d.warnings);
        assert!(d.warnings[0].contains("different tenants (t-1 and T-2)"));
        assert!(d.warnings[1].contains("different baselines"));
        assert!(d
            .to_text()
            .starts_with("warning: the reports are of different tenants"));
        assert!(d.to_markdown().contains("different baselines"));
        // The profile's file name alone is no difference.
        new.tenant_id = Some("t-1".into());
        new.baseline = Some(
            json!({"name": "azward default", "version": "1.2", "profile": "c.toml", "parameters": {"law_min_retention_days": 90}}),
        );
        assert!(diff(&old, &new).warnings.is_empty());
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(md("a|b <img src=x> *c*"), "a\\|b \\<img src=x\\> \\*c\\*");
    }
}
