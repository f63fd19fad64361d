//! Evidence in motion as the text outputs (Markdown, terminal) say it: one
//! line per SOC workspace, from the report's `table_activity` alone. What is
//! silent or a gap is judged by the helpers of `checks::flow`, with the
//! parameters in force, as AZ-FLOW-001…003 judge it.

use crate::checks::flow::{delay_label, TableActivity, TableStrip};
use crate::report::{resource_name, truncate, Report};

/// At most this many names of silent tables or quiet sources in a line.
pub const MAX_NAMES: usize = 3;
/// Errors are cut to this many characters in a line.
const MAX_ERROR: usize = 160;

/// One SOC workspace's table activity, summarized.
pub struct Summary<'a> {
    pub activity: &'a TableActivity,
    /// The workspace's name (the last segment of its id).
    pub name: &'a str,
    /// Tables that received rows in the window.
    pub with_rows: usize,
    /// Tables silent for more than `flow_max_silence_hours` (AZ-FLOW-001).
    pub silent: Vec<&'a TableStrip>,
    /// Gaps longer than `flow_max_silence_hours`, over every table (AZ-FLOW-002).
    pub gaps: usize,
    /// The table with the largest 95th percentile of ingestion delay.
    pub slowest: Option<(&'a TableStrip, f64)>,
}

impl<'a> Summary<'a> {
    pub fn of(report: &Report, activity: &'a TableActivity) -> Summary<'a> {
        let max_silence = report.baseline.parameters.flow_max_silence_hours;
        Summary {
            activity,
            name: crate::inventory::last_segment(&activity.workspace),
            with_rows: activity.tables.iter().filter(|t| t.rows > 0).count(),
            silent: activity.silent_tables(max_silence).collect(),
            gaps: activity.tables.iter().map(|t| t.gaps).sum(),
            slowest: activity
                .tables
                .iter()
                .filter_map(|t| t.p95_delay_seconds.map(|s| (t, s)))
                .max_by(|a, b| a.1.total_cmp(&b.1)),
        }
    }

    /// `9/10 tables with rows; silent: AuditLogs (74 h); 1 gap; p95 max
    /// 47 min (AzureDiagnostics), over 15 min; 3 quiet sources`, each name given to
    /// `esc`; the quiet sources named (at most [`MAX_NAMES`]) when `name_sources`.
    pub fn line(
        &self,
        report: &Report,
        esc: impl Fn(&str) -> String,
        name_sources: bool,
    ) -> String {
        let a = self.activity;
        let mut parts: Vec<String> = Vec::new();
        match &a.error {
            Some(e) => parts.push(format!("error: {}", esc(&truncate(e, MAX_ERROR)))),
            None => {
                parts.push(format!(
                    "{}/{} tables with rows",
                    self.with_rows,
                    a.tables.len()
                ));
                if !self.silent.is_empty() {
                    let names = capped(&self.silent, |t| {
                        format!("{} ({} h)", esc(&t.table), t.silent_hours.unwrap_or(0))
                    });
                    parts.push(format!("silent: {names}"));
                }
                parts.push(plural(self.gaps, "gap", "gaps"));
            }
        }
        match (&a.delays_error, self.slowest) {
            (Some(_), _) => parts.push("p95 delay unknown (query failed)".into()),
            (None, Some((t, s))) => {
                let max = report.baseline.parameters.flow_max_latency_minutes;
                let over = if s > (max * 60) as f64 {
                    format!(", over {max} min")
                } else {
                    String::new()
                };
                parts.push(format!(
                    "p95 max {} ({}){over}",
                    delay_label(s),
                    esc(&t.table)
                ))
            }
            (None, None) if a.error.is_none() => parts.push("no delay measured".into()),
            (None, None) => {}
        }
        let quiet = &a.quiet_sources;
        if a.sources_error.is_some() {
            parts.push("quiet sources unknown (query failed)".into());
        } else if name_sources && !quiet.is_empty() {
            let names = capped(quiet, |id| esc(&source_label(report, id)));
            parts.push(format!(
                "{}: {names}",
                plural(quiet.len(), "quiet source", "quiet sources")
            ));
        } else {
            parts.push(plural(quiet.len(), "quiet source", "quiet sources"));
        }
        parts.join("; ")
    }
}

/// Every SOC workspace's summary, in report order.
pub fn summaries(report: &Report) -> Vec<Summary<'_>> {
    report
        .table_activity
        .iter()
        .map(|a| Summary::of(report, a))
        .collect()
}

/// `14 days to 2026-11-20T09:00:00Z`: the window the activity covers.
pub fn window(report: &Report) -> String {
    let days = report.baseline.parameters.flow_lookback_days;
    match report
        .table_activity
        .iter()
        .find_map(|a| a.window_end.as_deref())
    {
        Some(end) => format!("{days} days to {end}"),
        None => "scan time unknown".into(),
    }
}

/// What a quiet source is called: `Activity Log (nw-prod)` for a
/// subscription, else the resource's name (`st1/blobServices/default`).
pub fn source_label(report: &Report, id: &str) -> String {
    let segs: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        [s, sub] if s.eq_ignore_ascii_case("subscriptions") => {
            let name = report
                .subscriptions
                .iter()
                .find(|e| e.id.eq_ignore_ascii_case(sub))
                .and_then(|e| e.display_name.as_deref())
                .unwrap_or(sub);
            format!("Activity Log ({name})")
        }
        _ => resource_name(id),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The first [`MAX_NAMES`] items named, then `+N more`.
fn capped<T>(items: &[T], name: impl Fn(&T) -> String) -> String {
    let mut names: Vec<String> = items.iter().take(MAX_NAMES).map(name).collect();
    if items.len() > MAX_NAMES {
        names.push(format!("+{} more", items.len() - MAX_NAMES));
    }
    names.join(", ")
}
