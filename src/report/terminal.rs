//! The terminal summary: score and coverage, counts by severity and status,
//! the failing checks with resource counts, and the gate.

use crate::checks::{Severity, Status};
use crate::report::{activity, truncate, Report};
use crate::util::text::printable as p;
use comfy_table::{
    presets::UTF8_FULL_CONDENSED, Attribute, Cell, CellAlignment, Color, ContentArrangement, Table,
};

/// Whether to colour: a terminal, and `NO_COLOR` unset (https://no-color.org).
pub fn colour_wanted(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn fmt_pct(v: Option<f64>, suffix: &str) -> String {
    match v {
        Some(v) => format!("{v:.2}{suffix}"),
        None => "n/a".into(),
    }
}

fn status_colour(s: Status) -> Color {
    match s {
        Status::Pass => Color::Green,
        Status::Fail => Color::Red,
        Status::Error => Color::Magenta,
        Status::Waived => Color::Cyan,
        Status::NotApplicable => Color::DarkGrey,
    }
}

fn sev_colour(s: Severity) -> Color {
    match s {
        Severity::Critical => Color::Red,
        Severity::High => Color::Red,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Blue,
    }
}

fn table(colour: bool) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(120);
    if !colour {
        t.force_no_tty();
    } else {
        t.enforce_styling();
    }
    t
}

fn cell(text: impl ToString, colour: Option<Color>, on: bool) -> Cell {
    let c = Cell::new(text);
    match (colour, on) {
        (Some(col), true) => c.fg(col),
        _ => c,
    }
}

/// Renders the summary.
pub fn render(report: &Report, colour: bool) -> String {
    let mut out = String::new();
    let scanned = report
        .subscriptions
        .iter()
        .filter(|s| s.status == "scanned")
        .count();
    let skipped = report
        .subscriptions
        .iter()
        .filter(|s| s.status == "skipped")
        .count();
    let errored = report
        .subscriptions
        .iter()
        .filter(|s| s.status == "unreadable")
        .count();
    out.push_str(&format!(
        "azward {} · baseline {} {} · tenant {}\n",
        report.tool.version,
        p(&report.baseline.name),
        p(&report.baseline.version),
        p(report.tenant_id.as_deref().unwrap_or("unknown"))
    ));
    let source = match &report.source.recording {
        Some(r) => format!(
            "{} {} (sha256 {})",
            report.source.mode,
            p(&r.path),
            r.sha256
        ),
        None => format!("{} {}", report.source.mode, p(&report.source.arm_endpoint)),
    };
    out.push_str(&format!("source: {source}\n"));
    out.push_str(&format!(
        "subscriptions: {scanned} scanned, {skipped} skipped, {errored} unreadable\n"
    ));
    for s in report
        .subscriptions
        .iter()
        .filter(|s| s.status != "scanned")
    {
        out.push_str(&format!(
            "  {} {}: {} ({})\n",
            p(&s.id),
            p(s.display_name.as_deref().unwrap_or("")),
            s.status,
            p(s.reason.as_deref().unwrap_or(""))
        ));
    }
    for w in &report.warnings {
        out.push_str(&format!("warning: {}\n", p(w)));
    }
    out.push('\n');

    let o = &report.scores.overall;
    let mut t = table(colour);
    t.set_header(vec![
        "Score", "Coverage", "Results", "Pass", "Fail", "Error", "Waived", "N/A",
    ]);
    t.add_row(vec![
        cell(fmt_pct(o.score, ""), None, colour).add_attribute(Attribute::Bold),
        cell(fmt_pct(o.coverage, " %"), None, colour),
        cell(o.counts.total(), None, colour),
        cell(o.counts.pass, Some(Color::Green), colour),
        cell(o.counts.fail, Some(Color::Red), colour),
        cell(o.counts.error, Some(Color::Magenta), colour),
        cell(o.counts.waived, Some(Color::Cyan), colour),
        cell(o.counts.not_applicable, None, colour),
    ]);
    out.push_str(&t.to_string());
    out.push_str("\n\n");

    // Counts by severity and status.
    let mut t = table(colour);
    t.set_header(vec!["Severity", "Pass", "Fail", "Error", "Waived", "N/A"]);
    for sev in Severity::ALL {
        let rows: Vec<_> = report
            .results
            .iter()
            .filter(|r| r.severity == sev)
            .collect();
        let n = |s: Status| rows.iter().filter(|r| r.status == s).count();
        t.add_row(vec![
            cell(sev, Some(sev_colour(sev)), colour),
            cell(n(Status::Pass), None, colour),
            cell(n(Status::Fail), None, colour),
            cell(n(Status::Error), None, colour),
            cell(n(Status::Waived), None, colour),
            cell(n(Status::NotApplicable), None, colour),
        ]);
    }
    for col in 1..6 {
        if let Some(c) = t.column_mut(col) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    out.push_str(&t.to_string());
    out.push_str("\n\n");

    // Failing and unassessable checks.
    let mut problem: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.counts.fail > 0 || c.counts.error > 0)
        .collect();
    problem.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(b.id)));
    if problem.is_empty() {
        out.push_str("No failing or unassessed checks.\n");
    } else {
        let mut t = table(colour);
        t.set_header(vec![
            "Check", "Severity", "Title", "Failing", "Error", "Pass",
        ]);
        for c in problem {
            t.add_row(vec![
                cell(p(c.id), None, colour),
                cell(c.severity, Some(sev_colour(c.severity)), colour),
                cell(p(c.title), None, colour),
                cell(
                    c.counts.fail,
                    Some(status_colour(Status::Fail)),
                    colour && c.counts.fail > 0,
                ),
                cell(
                    c.counts.error,
                    Some(status_colour(Status::Error)),
                    colour && c.counts.error > 0,
                ),
                cell(c.counts.pass, None, colour),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }

    evidence_in_motion(&mut out, report);
    let timeline = crate::report::history::terminal(report);
    if !timeline.is_empty() {
        out.push('\n');
        out.push_str(&timeline);
    }

    if let Some(w) = &report.waivers {
        let applied: usize = w.applied.iter().map(|a| a.results).sum();
        out.push_str(&format!(
            "\nwaivers ({}): {} applied to {applied} result(s), {} expired, {} unused\n",
            p(&w.file),
            w.applied.len(),
            w.expired.len(),
            w.unused.len()
        ));
        for e in &w.expired {
            out.push_str(&format!(
                "  expired: line {} {} {} (owner {}, expired {}) no longer applies to {} result(s)\n",
                e.line,
                p(&e.check),
                p(&e.resource),
                p(&e.owner),
                p(&e.expires),
                e.would_cover
            ));
        }
        for u in &w.unused {
            out.push_str(&format!(
                "  unused: line {} {} {} (owner {}) matches no failing result\n",
                u.line,
                p(&u.check),
                p(&u.resource),
                p(&u.owner)
            ));
        }
    }

    if let Some(fw) = &report.framework {
        out.push_str(&format!(
            "\n{} ({} controls)\n",
            p(&fw.name),
            fw.controls.len()
        ));
        let mut t = table(colour);
        t.set_header(vec!["Control", "Status", "Checks", "Title"]);
        for c in fw.controls.iter().filter(|c| !c.checks.is_empty()) {
            t.add_row(vec![
                cell(p(&c.id), None, colour),
                cell(c.status.as_str(), None, colour),
                cell(p(&c.checks.join(", ")), None, colour),
                cell(p(&c.title), None, colour),
            ]);
        }
        out.push_str(&t.to_string());
        let summary: Vec<String> = fw.summary.iter().map(|(k, v)| format!("{v} {k}")).collect();
        out.push_str(&format!(
            "\ncontrols: {} (controls without a check are listed in the JSON report)\n",
            summary.join(", ")
        ));
    }

    if let Some(h) = &report.history {
        out.push_str(&super::runs::terminal(h));
    }

    let g = &report.gate;
    if g.gate.is_set() {
        if g.verdict.passed {
            out.push_str("\ngate: passed\n");
        } else {
            out.push_str(&format!(
                "\ngate: FAILED: {}\n",
                p(&g.verdict.reasons.join("; "))
            ));
        }
    }
    out
}

/// At most this many SOC workspaces get a line.
pub const MAX_WORKSPACES: usize = 20;

/// One line per SOC workspace: tables with rows, silent tables, gaps, the
/// slowest ingestion and the quiet sources.
fn evidence_in_motion(out: &mut String, report: &Report) {
    let all = activity::summaries(report);
    if all.is_empty() {
        return;
    }
    out.push_str(&format!(
        "\nevidence in motion ({}, {} SOC workspace(s)):\n",
        activity::window(report),
        all.len()
    ));
    for s in all.iter().take(MAX_WORKSPACES) {
        out.push_str(&format!(
            "  {}: {}\n",
            p(&truncate(s.name, 64)),
            s.line(report, |t| p(t).into_owned(), false)
        ));
    }
    if all.len() > MAX_WORKSPACES {
        out.push_str(&format!(
            "  …and {} more SOC workspace(s) (every one is in the JSON and HTML reports)\n",
            all.len() - MAX_WORKSPACES
        ));
    }
}
