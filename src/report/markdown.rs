//! The Markdown summary, short enough for a pull-request comment or a
//! GitHub job summary: score, coverage, gate verdict, counts by severity and
//! status, the top failing checks, the results that could not be assessed,
//! and, when the caller gives them, the findings that are new since a
//! previous report.
//!
//! Every string that comes from Azure (resource ids, reasons, which name
//! resources and tags) goes through [`escape`]: it cannot end a table cell,
//! open a link or an image, start emphasis or code, inject HTML, become an
//! autolink (`https://…`, `www.…`, `user@host`), mention a GitHub user or
//! team, or reference an issue (`#123`).

use crate::checks::{Severity, Status};
use crate::engine::{CheckSummary, ResultRow};
use crate::report::{activity, truncate, Report};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// At most this many failing checks are listed.
pub const MAX_TOP_CHECKS: usize = 10;
/// At most this many new findings are listed.
pub const MAX_NEW_FINDINGS: usize = 20;
/// At most this many checks with errors are listed.
pub const MAX_ERROR_CHECKS: usize = 10;
/// Reasons are cut to this many characters in tables.
const MAX_REASON: usize = 200;

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.2}%"))
}

fn score(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.2} / 100"))
}

fn sev_rank(s: Severity) -> u8 {
    match s {
        Severity::Critical => 0,
        Severity::High => 1,
        Severity::Medium => 2,
        Severity::Low => 3,
    }
}

/// Renders the summary. `new_findings`: the failing results that are new
/// since a previous report, when one was given.
pub fn render(report: &Report, new_findings: Option<&[&ResultRow]>) -> String {
    let mut out = String::new();
    let overall = &report.scores.overall;
    out.push_str("## azward forensic-readiness scan\n\n");

    let count = |st: &str| {
        report
            .subscriptions
            .iter()
            .filter(|s| s.status == st)
            .count()
    };
    let (scanned, skipped, errored) = (count("scanned"), count("skipped"), count("unreadable"));
    let mut subs = format!("{scanned} subscription(s) scanned");
    if skipped > 0 {
        let _ = write!(subs, ", {skipped} skipped");
    }
    if errored > 0 {
        let _ = write!(subs, ", **{errored} unreadable**");
    }
    let gate = &report.gate;
    let verdict = if !gate.gate.is_set() {
        "not set".to_string()
    } else if gate.verdict.passed {
        "✅ passed".to_string()
    } else {
        "❌ **failed**".to_string()
    };
    let _ = writeln!(
        out,
        "**Score {}** · coverage {} · gate {verdict}\n",
        score(overall.score),
        pct(overall.coverage)
    );
    let tenant = report
        .tenant_id
        .as_deref()
        .map_or_else(|| "unknown".to_string(), escape);
    let _ = writeln!(
        out,
        "Tenant {tenant} · {subs} · baseline {} {} · azward {}\n",
        escape(&report.baseline.name),
        escape(&report.baseline.version),
        report.tool.version
    );
    if gate.gate.is_set() && !gate.verdict.passed {
        for r in &gate.verdict.reasons {
            let _ = writeln!(out, "- gate: {}", escape(r));
        }
        out.push('\n');
    }
    if !report.warnings.is_empty() {
        for w in &report.warnings {
            let _ = writeln!(out, "- ⚠️ **warning**: {}", escape(w));
        }
        out.push('\n');
    }

    counts_table(&mut out, report);
    top_failing(&mut out, report);
    errors(&mut out, report);
    evidence_in_motion(&mut out, report);
    out.push_str(&crate::report::history::markdown(report));
    if let Some(new) = new_findings {
        new_section(&mut out, new);
    }
    if let Some(h) = &report.history {
        super::runs::markdown(&mut out, h);
    }
    out
}

fn counts_table(out: &mut String, report: &Report) {
    let mut by_sev: BTreeMap<u8, [u64; 5]> = BTreeMap::new();
    let col = |s: Status| match s {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Waived => 2,
        Status::Pass => 3,
        Status::NotApplicable => 4,
    };
    for r in &report.results {
        by_sev.entry(sev_rank(r.severity)).or_default()[col(r.status)] += 1;
    }
    if by_sev.is_empty() {
        out.push_str("No results.\n\n");
        return;
    }
    out.push_str("| severity | fail | error | waived | pass | n/a |\n|---|--:|--:|--:|--:|--:|\n");
    for sev in Severity::ALL {
        if let Some(c) = by_sev.get(&sev_rank(sev)) {
            let _ = writeln!(
                out,
                "| {sev} | {} | {} | {} | {} | {} |",
                c[0], c[1], c[2], c[3], c[4]
            );
        }
    }
    out.push('\n');
}

/// Distinct resources with a result of `status` for the check.
fn resources(report: &Report, id: &str, status: Status) -> usize {
    report
        .results
        .iter()
        .filter(|r| r.check_id == id && r.status == status)
        .map(|r| r.resource_id.to_lowercase())
        .collect::<BTreeSet<_>>()
        .len()
}

fn top_failing(out: &mut String, report: &Report) {
    let mut failing: Vec<(&CheckSummary, usize)> = report
        .checks
        .iter()
        .filter(|c| c.counts.fail > 0)
        .map(|c| (c, resources(report, c.id, Status::Fail)))
        .collect();
    if failing.is_empty() {
        out.push_str("No failing checks.\n\n");
        return;
    }
    failing.sort_by(|(a, an), (b, bn)| {
        sev_rank(a.severity)
            .cmp(&sev_rank(b.severity))
            .then(bn.cmp(an))
            .then(a.id.cmp(b.id))
    });
    let _ = writeln!(
        out,
        "### Top failing checks\n\n{} of {} checks fail.\n",
        failing.len(),
        report.checks.len()
    );
    out.push_str("| check | severity | failing resources | title |\n|---|---|--:|---|\n");
    for (c, n) in failing.iter().take(MAX_TOP_CHECKS) {
        let _ = writeln!(
            out,
            "| {} | {} | {n} | {} |",
            escape(c.id),
            c.severity,
            escape(c.title)
        );
    }
    if failing.len() > MAX_TOP_CHECKS {
        let _ = writeln!(
            out,
            "\n…and {} more failing check(s).",
            failing.len() - MAX_TOP_CHECKS
        );
    }
    out.push('\n');
}

fn errors(out: &mut String, report: &Report) {
    let total = report.scores.overall.counts.error;
    let with_errors: Vec<&CheckSummary> = report
        .checks
        .iter()
        .filter(|c| c.counts.error > 0)
        .collect();
    if total == 0 && with_errors.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### ⚠️ Not assessed: {total} result(s) in {} check(s)\n",
        with_errors.len()
    );
    out.push_str(
        "A read failed for these (permission, throttling, malformed data): they are not counted as passes and lower the coverage.\n\n",
    );
    out.push_str("| check | severity | errors | first reason |\n|---|---|--:|---|\n");
    for c in with_errors.iter().take(MAX_ERROR_CHECKS) {
        let first = report
            .results
            .iter()
            .find(|r| r.check_id == c.id && r.status == Status::Error)
            .map(|r| truncate(&r.reason, MAX_REASON))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            escape(c.id),
            c.severity,
            c.counts.error,
            escape(&first)
        );
    }
    if with_errors.len() > MAX_ERROR_CHECKS {
        let _ = writeln!(
            out,
            "\n…and {} more check(s) with errors.",
            with_errors.len() - MAX_ERROR_CHECKS
        );
    }
    out.push('\n');
}

fn new_section(out: &mut String, new: &[&ResultRow]) {
    let _ = writeln!(
        out,
        "### New findings since the previous report ({})\n",
        new.len()
    );
    if new.is_empty() {
        out.push_str("None.\n\n");
        return;
    }
    let mut rows: Vec<&ResultRow> = new.to_vec();
    rows.sort_by_key(|r| sev_rank(r.severity));
    out.push_str("| severity | check | resource | reason |\n|---|---|---|---|\n");
    for r in rows.iter().take(MAX_NEW_FINDINGS) {
        let resource = match &r.item {
            Some(i) => format!("{} ({i})", r.resource_id),
            None => r.resource_id.to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            r.severity,
            escape(r.check_id),
            escape(&resource),
            escape(&truncate(&r.reason, MAX_REASON))
        );
    }
    if rows.len() > MAX_NEW_FINDINGS {
        let _ = writeln!(out, "\n…and {} more.", rows.len() - MAX_NEW_FINDINGS);
    }
    out.push('\n');
}

/// At most this many SOC workspaces are listed.
pub const MAX_WORKSPACES: usize = 20;

/// One line per SOC workspace (see [`crate::report::activity`]).
fn evidence_in_motion(out: &mut String, report: &Report) {
    let all = activity::summaries(report);
    if all.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Evidence in motion\n\nRows per hour in the security tables of {} SOC workspace(s) over {}; silent and gaps mean more than {} hours without rows (the HTML report draws every table hour by hour).\n",
        all.len(),
        escape(&activity::window(report)),
        report.baseline.parameters.flow_max_silence_hours
    );
    for s in all.iter().take(MAX_WORKSPACES) {
        let _ = writeln!(
            out,
            "- **{}**: {}",
            escape(&truncate(s.name, 80)),
            s.line(report, escape, true)
        );
    }
    if all.len() > MAX_WORKSPACES {
        let _ = writeln!(
            out,
            "\n…and {} more SOC workspace(s).",
            all.len() - MAX_WORKSPACES
        );
    }
    out.push('\n');
}

/// Escapes a string for inline Markdown (GitHub Flavored) inside a table
/// cell: no cell end, emphasis, code, link, image, HTML, autolink, mention,
/// `#123` reference or control character (see
/// [`crate::util::text::markdown_inline`]).
pub fn escape(s: &str) -> String {
    crate::util::text::markdown_inline(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown() {
        assert_eq!(
            escape("a|b <img src=x> *x* _y_ `z` [l](u) \\ & ~s~"),
            "a\\|b \\<img src=x\\> \\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) \\\\ \\& \\~s\\~"
        );
        assert_eq!(escape("line\nbreak\r\ttab"), "line break  tab");
        assert_eq!(escape("@octocat"), "@\u{2060}octocat");
    }
}
