//! The scan history part of the reports (`scan --history FILE`): what is new and
//! fixed since the previous run of the same tenant and baseline, and the
//! trend of score, coverage and failing results. Each renderer calls the
//! function for its format once.

use crate::engine::diff::ResultDoc;
use crate::engine::trend::{HistoryView, TrendPoint};
use crate::report::markdown::escape as md;
use crate::report::truncate;
use crate::util::text::printable;
use std::fmt::Write as _;

/// At most this many new and this many fixed results are listed (each).
pub const MAX_LISTED: usize = 20;
const MAX_REASON: usize = 160;

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.2}{unit}"))
}

fn resource(r: &ResultDoc) -> String {
    match &r.item {
        Some(i) => format!("{} ({i})", r.resource_id),
        None => r.resource_id.clone(),
    }
}

/// Most severe first, then by check and resource.
fn sorted(list: &[ResultDoc]) -> Vec<&ResultDoc> {
    let mut v: Vec<&ResultDoc> = list.iter().collect();
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.check_id.cmp(&b.check_id))
            .then_with(|| a.resource_id.cmp(&b.resource_id))
    });
    v
}

fn headline(h: &HistoryView) -> String {
    match &h.previous {
        Some(p) => format!(
            "since run {} ({}): {} new, {} fixed · score {} → {} · coverage {} → {}",
            p.run,
            p.started_at,
            h.new.len(),
            h.fixed.len(),
            opt(p.score, ""),
            opt(h.trend.last().and_then(|t| t.score), ""),
            opt(p.coverage, "%"),
            opt(h.trend.last().and_then(|t| t.coverage), "%"),
        ),
        None => "the first run of this tenant and baseline in the history".to_string(),
    }
}

/// The terminal's lines (names without control characters).
pub fn terminal(h: &HistoryView) -> String {
    let mut out = format!(
        "\nhistory {}: {}\n",
        printable(&h.file),
        printable(&headline(h))
    );
    for (label, list) in [("new  ", &h.new), ("fixed", &h.fixed)] {
        let rows = sorted(list);
        for r in rows.iter().take(MAX_LISTED) {
            let _ = writeln!(
                out,
                "  {label} {:<8} {} {}",
                r.severity.as_str(),
                printable(&r.check_id),
                printable(&resource(r))
            );
        }
        if rows.len() > MAX_LISTED {
            let _ = writeln!(out, "  {label} …and {} more", rows.len() - MAX_LISTED);
        }
    }
    let trend: Vec<String> = h
        .trend
        .iter()
        .map(|t| format!("{} ({} failing)", opt(t.score, ""), t.failing))
        .collect();
    let _ = writeln!(
        out,
        "  trend over {} run(s): {}",
        h.trend.len(),
        trend.join(" → ")
    );
    out
}

fn md_list(out: &mut String, title: &str, list: &[ResultDoc]) {
    let _ = writeln!(out, "#### {title} ({})\n", list.len());
    if list.is_empty() {
        out.push_str("None.\n\n");
        return;
    }
    out.push_str("| severity | check | resource | reason |\n|---|---|---|---|\n");
    let rows = sorted(list);
    for r in rows.iter().take(MAX_LISTED) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            r.severity,
            md(&r.check_id),
            md(&resource(r)),
            md(&truncate(&r.reason, MAX_REASON))
        );
    }
    if rows.len() > MAX_LISTED {
        let _ = writeln!(out, "\n…and {} more.", rows.len() - MAX_LISTED);
    }
    out.push('\n');
}

/// The Markdown section: the change since the previous run and the trend.
pub fn markdown(out: &mut String, h: &HistoryView) {
    let _ = writeln!(out, "### Since the last run\n\n{}\n", md(&headline(h)));
    // The new ones are listed by the comparison's section (the previous run
    // is what the report is compared with, unless --compare named a report).
    if h.previous.is_some() {
        md_list(out, "Fixed since the last run", &h.fixed);
    }
    out.push_str("| run | started | score | coverage | failing |\n|---|---|---|---|---|\n");
    for t in &h.trend {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            t.run,
            md(&t.started_at),
            opt(t.score, ""),
            opt(t.coverage, "%"),
            t.failing
        );
    }
    out.push('\n');
}

/// The HTML trend: an inline SVG line chart of score and coverage over the
/// runs (0–100), with each run's failing count as a label. `esc` is the
/// HTML renderer's escaping.
pub fn html(h: &HistoryView, esc: fn(&str) -> String) -> String {
    const W: f64 = 560.0;
    const H: f64 = 180.0;
    // Room for half a run label ("#12 · 140", centred) on either side.
    const LEFT: f64 = 40.0;
    const RIGHT: f64 = 36.0;
    const TOP: f64 = 14.0;
    const BOTTOM: f64 = 30.0;
    let n = h.trend.len();
    let x = |i: usize| {
        if n <= 1 {
            LEFT + (W - LEFT - RIGHT) / 2.0
        } else {
            LEFT + (W - LEFT - RIGHT) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - v.clamp(0.0, 100.0) / 100.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<section id="trend" class="card trend"><h2>Trend</h2><p class="trend-head">{}</p>"#,
        esc(&headline(h))
    );
    let _ = write!(
        s,
        r#"<svg class="trend-chart" viewBox="0 0 {W} {H}" role="img" aria-label="score and coverage over the last {n} runs">"#
    );
    for v in [0.0, 50.0, 100.0] {
        let _ = write!(
            s,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text class="axis" x="{}" y="{:.1}" text-anchor="end">{v}</text>"#,
            W - RIGHT,
            LEFT - 4.0,
            y(v) + 4.0,
            y = y(v)
        );
    }
    let series = |pick: fn(&TrendPoint) -> Option<f64>, class: &str| -> String {
        let pts: Vec<String> = h
            .trend
            .iter()
            .enumerate()
            .filter_map(|(i, t)| pick(t).map(|v| format!("{:.1},{:.1}", x(i), y(v))))
            .collect();
        let mut out = format!(r#"<polyline class="{class}" points="{}"/>"#, pts.join(" "));
        for p in &pts {
            let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(
                out,
                r#"<circle class="{class}" cx="{px}" cy="{py}" r="3"/>"#
            );
        }
        out
    };
    s.push_str(&series(|t| t.coverage, "coverage"));
    s.push_str(&series(|t| t.score, "score"));
    // A label under every run, or under every k-th (counted back from this
    // run, which always has one) when they would crowd.
    let every = n.div_ceil(8).max(1);
    for (i, t) in h.trend.iter().enumerate() {
        if !(n - 1 - i).is_multiple_of(every) {
            continue;
        }
        let _ = write!(
            s,
            r#"<text class="run" x="{:.1}" y="{}" text-anchor="middle">#{} · {}</text>"#,
            x(i),
            H - 10.0,
            t.run,
            t.failing
        );
    }
    s.push_str("</svg>");
    s.push_str(r#"<p class="legend"><span class="key score"></span>score <span class="key coverage"></span>coverage · under each run: its number and failing results</p>"#);
    if h.previous.is_some() {
        let _ = write!(
            s,
            r##"<p><a href="#new=1">{} new since the last run</a> (marked <span class="badge new">new</span> in the results) · {} fixed</p>"##,
            h.new.len(),
            h.fixed.len()
        );
        if !h.fixed.is_empty() {
            s.push_str(r#"<details><summary>Fixed since the last run</summary><ul class="fixed">"#);
            for r in sorted(&h.fixed).iter().take(MAX_LISTED) {
                let _ = write!(
                    s,
                    "<li><code>{}</code> {}</li>",
                    esc(&r.check_id),
                    esc(&resource(r))
                );
            }
            if h.fixed.len() > MAX_LISTED {
                let _ = write!(s, "<li>…and {} more</li>", h.fixed.len() - MAX_LISTED);
            }
            s.push_str("</ul></details>");
        }
    }
    s.push_str("</section>");
    s
}
