//! Evidence in motion (FLOW) checks, baseline 1.2: is the evidence actually
//! arriving in the SOC workspaces? Judged from the workspaces' query API
//! (calls 28–30) on the scan's clock, so a replay answers as the live scan did.
//!
//! Also builds the report's per-workspace table activity ([`table_activity`]):
//! the same facts the checks judge, drawn as hourly strips.

use super::*;
use crate::inventory::{
    norm_id, subscription_of, HourlyRows, Inventory, Listing, Soc, SourceRows, TableDelay,
    WorkspaceQueries,
};
use crate::util::text::utc_seconds;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub(super) mod az_flow_001;
pub(super) mod az_flow_002;
pub(super) mod az_flow_003;
pub(super) mod az_flow_004;

const HOUR: i64 = 3600;

/// The window the checks judge: `flow_lookback_days` back from the scan time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    /// `None` when the scan time is unknown (a recording without `recorded_at`).
    pub fn of(inv: &Inventory, params: &Params) -> Option<Window> {
        let end = inv.scan_time?;
        Some(Window {
            start: end - params.flow_lookback_days.max(1) * 24 * HOUR,
            end,
        })
    }

    /// Whether the hour starting at `hour` overlaps the window. An hour
    /// that starts at the scan time or later holds rows stamped after it:
    /// they make no table recent.
    fn holds(&self, hour: i64) -> bool {
        hour + HOUR > self.start && hour < self.end
    }

    /// The start of every hour the window overlaps, oldest first.
    fn hours(&self) -> impl Iterator<Item = i64> {
        let first = self.start.div_euclid(HOUR) * HOUR;
        let last = self.end.div_euclid(HOUR) * HOUR;
        (0..=(last - first) / HOUR).map(move |i| first + i * HOUR)
    }
}

/// One security table's hours with rows, within the window.
#[derive(Debug, Clone)]
pub struct TableHours<'p> {
    /// As `security_tables` spells it.
    pub table: &'p str,
    /// Start of each hour with rows → rows.
    pub hours: BTreeMap<i64, u64>,
}

impl TableHours<'_> {
    pub fn rows(&self) -> u64 {
        self.hours.values().fold(0, |a, &n| a.saturating_add(n))
    }
    pub fn last_hour(&self) -> Option<i64> {
        self.hours.keys().next_back().copied()
    }
    /// The time from the end of its last hour with rows to the scan time.
    pub fn silence(&self, w: Window) -> Option<i64> {
        self.last_hour().map(|h| (w.end - (h + HOUR)).max(0))
    }
    /// Each gap longer than `max` seconds: (end of an hour with rows, start of
    /// the next hour with rows).
    pub fn gaps(&self, max: i64) -> Vec<(i64, i64)> {
        let hours: Vec<i64> = self.hours.keys().copied().collect();
        hours
            .windows(2)
            .map(|p| (p[0] + HOUR, p[1]))
            .filter(|(from, to)| to - from > max)
            .collect()
    }
}

/// What Q1 says arrived in one workspace, per security table (in the
/// order of `security_tables`).
#[derive(Debug, Clone)]
pub struct Activity<'p> {
    pub window: Window,
    pub tables: Vec<TableHours<'p>>,
}

impl<'p> Activity<'p> {
    pub fn new(window: Window, rows: &[HourlyRows], params: &'p Params) -> Activity<'p> {
        let mut tables: Vec<TableHours<'p>> = params
            .security_tables
            .iter()
            .map(|t| TableHours {
                table: t,
                hours: BTreeMap::new(),
            })
            .collect();
        for r in rows.iter().filter(|r| r.rows > 0 && window.holds(r.hour)) {
            if let Some(t) = tables
                .iter_mut()
                .find(|t| t.table.eq_ignore_ascii_case(&r.table))
            {
                let n = t.hours.entry(r.hour).or_default();
                *n = n.saturating_add(r.rows);
            }
        }
        Activity { window, tables }
    }

    pub fn with_rows(&self) -> impl Iterator<Item = &TableHours<'p>> {
        self.tables.iter().filter(|t| !t.hours.is_empty())
    }

    pub fn any_rows(&self) -> bool {
        self.with_rows().next().is_some()
    }
}

/// `2026-11-20T08:00Z`: an hour as reasons name it.
pub fn hour_label(t: i64) -> String {
    let s = utc_seconds(t);
    // Drop the seconds: hours are what the strips and reasons count in.
    match s.len() {
        20 => format!("{}Z", &s[..16]),
        _ => s,
    }
}

/// `52 hours`, `3 days 4 hours`: a duration as reasons name it.
pub fn duration_label(seconds: i64) -> String {
    let hours = seconds / HOUR;
    let minutes = (seconds % HOUR) / 60;
    match (hours, minutes) {
        (0, m) => format!("{m} minutes"),
        (h, 0) if h < 48 => format!("{h} hours"),
        (h, m) if h < 48 => format!("{h} hours {m} minutes"),
        (h, _) => format!("{} days {} hours", h / 24, h % 24),
    }
}

/// Runs `f` on every SOC workspace of the scanned subscriptions' workspace
/// lists (call 10; a failed list is one `error` on the subscription). A
/// workspace that may be a SOC workspace (its Sentinel onboarding could not
/// be read, and nothing names it as a destination) is an `error`: it is never
/// left out as though it were not one.
pub(super) fn each_soc_workspace<'i>(
    out: &mut Out,
    inv: &'i Inventory,
    mut f: impl FnMut(&mut Out, &'i Subscription, &'i str, &'i str),
) {
    let destinations = inv.log_destinations();
    out.each_list(
        inv,
        "Log Analytics workspaces",
        |s| &s.workspaces,
        |out, sub, workspaces| {
            for ws in crate::checks::drivers::listed_ids(workspaces, |w| &w.id) {
                let name = crate::inventory::last_segment(ws);
                match inv.soc_status(ws, &destinations) {
                    Soc::Yes(_) => f(out, sub, ws, name),
                    Soc::Unknown(cause) => {
                        out.error(
                            ws,
                            Some(&sub.id),
                            format!("could not tell whether workspace '{name}' is a SOC workspace: {cause}"),
                        );
                    }
                    Soc::No => {}
                }
            }
        },
    );
}

/// The findings of a per-workspace FLOW check: each SOC workspace
/// ([`each_soc_workspace`]) judged from what `read` gives it (its id and
/// name), or an `error` with the reason `read` could not.
pub(super) fn judge_workspaces<T>(
    check: &Check,
    inv: &Inventory,
    read: impl Fn(&str, &str) -> Result<T, String>,
    judge: impl Fn(&T, &str) -> (Status, String),
) -> Vec<Finding> {
    let mut out = Out::new(check);
    each_soc_workspace(&mut out, inv, |out, sub, ws, name| {
        match read(ws, name) {
            Ok(t) => {
                let (status, reason) = judge(&t, name);
                out.push(status, ws, Some(&sub.id), reason)
            }
            Err(e) => out.error(ws, Some(&sub.id), e),
        };
    });
    out.done()
}

/// The query reads of a workspace, or why there are none.
pub(super) fn queries<'i>(inv: &'i Inventory, ws: &str) -> Result<&'i WorkspaceQueries, String> {
    inv.reads
        .workspace_queries
        .get(&norm_id(ws))
        .ok_or_else(|| "the workspace's queries (calls 28–30) were not made".to_string())
}

/// Q1 of a workspace on the scan's window, or the reason it cannot be judged.
pub(super) fn activity<'p>(
    inv: &Inventory,
    params: &'p Params,
    ws: &str,
    name: &str,
) -> Result<Activity<'p>, String> {
    let window = Window::of(inv, params).ok_or_else(|| {
        format!("workspace '{name}': the scan time is unknown (the recording has no `recorded_at`), so no window can be judged")
    })?;
    let q = queries(inv, ws).map_err(|e| format!("workspace '{name}': {e}"))?;
    match &q.hourly {
        Ok(rows) => Ok(Activity::new(window, rows, params)),
        Err(e) => Err(format!(
            "could not query workspace '{name}' for rows per table and hour (Q1): {e}"
        )),
    }
}

/// The ingestion delays of the security tables (Q2), or why they are unknown.
pub(super) fn delays<'i>(
    inv: &'i Inventory,
    params: &Params,
    ws: &str,
    name: &str,
) -> Result<Vec<&'i TableDelay>, String> {
    let q = queries(inv, ws).map_err(|e| format!("workspace '{name}': {e}"))?;
    match &q.delays {
        Ok(d) => Ok(d
            .iter()
            .filter(|d| is_security_table(params, &d.table))
            .collect()),
        Err(e) => Err(format!(
            "could not query workspace '{name}' for ingestion delay (Q2): {e}"
        )),
    }
}

/// The rows each source delivered (Q3), or why they are unknown.
pub(super) fn source_rows<'i>(
    inv: &'i Inventory,
    ws: &str,
    name: &str,
) -> Result<&'i [SourceRows], String> {
    let q = queries(inv, ws).map_err(|e| format!("workspace '{name}': {e}"))?;
    match &q.sources {
        Ok(rows) => Ok(rows),
        Err(e) => Err(format!(
            "could not query workspace '{name}' for the rows of each source (Q3): {e}"
        )),
    }
}

pub(super) fn is_security_table(params: &Params, table: &str) -> bool {
    params
        .security_tables
        .iter()
        .any(|t| t.eq_ignore_ascii_case(table))
}

/// A source configured to send to a SOC workspace (AZ-FLOW-004).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Source {
    /// The result's resource: `/subscriptions/{id}`, a resource id or a
    /// storage service id, as Azure returned it.
    pub id: String,
    /// Its subscription (lower case).
    pub subscription: String,
    /// Whether it is a subscription's Activity Log (rows in `AzureActivity`).
    pub activity_log: bool,
    /// The workspace, as the first setting named it.
    pub workspace: String,
    /// The settings that send to it, by name.
    pub settings: Vec<String>,
}

/// Every source in the scanned subscriptions and the workspace it sends to,
/// from the subscription settings (call 5) and resource settings (call 12)
/// that were read: a setting with a non-empty `workspaceId` that enables at
/// least one category or group. Entra ID is not a source (baseline). Sorted
/// by source and workspace.
pub fn sources(inv: &Inventory) -> Vec<Source> {
    let scanned: BTreeSet<&str> = inv.scanned().map(|s| s.id.as_str()).collect();
    let mut by_key: BTreeMap<(String, String), Source> = BTreeMap::new();
    let mut add = |id: String,
                   activity_log: bool,
                   settings: &Listing<crate::inventory::DiagnosticSetting>| {
        let Some(sub) = subscription_of(&id).filter(|s| scanned.contains(s.as_str())) else {
            return;
        };
        for s in &settings.items {
            let Some(ws) = s.workspace_id().filter(|_| s.enables_any()) else {
                continue;
            };
            let entry = by_key
                .entry((norm_id(&id), norm_id(ws)))
                .or_insert_with(|| Source {
                    id: id.clone(),
                    subscription: sub.clone(),
                    activity_log,
                    workspace: ws.to_string(),
                    settings: Vec::new(),
                });
            entry.settings.push(s.display_name().to_string());
        }
    };
    for s in inv.scanned() {
        if let Ok(l) = &s.diagnostic_settings {
            add(s.resource_id(), true, l);
        }
    }
    for (key, read) in &inv.reads.diagnostic_settings {
        if let Ok(l) = read {
            add(
                resource_of_settings(l).unwrap_or_else(|| key.clone()),
                false,
                l,
            );
        }
    }
    by_key.into_values().collect()
}

/// The resource a diagnostic settings list belongs to, as Azure spelled it:
/// the settings' ids are `{resource}/providers/microsoft.insights/diagnosticSettings/{name}`.
fn resource_of_settings(l: &Listing<crate::inventory::DiagnosticSetting>) -> Option<String> {
    const MARK: &str = "/providers/microsoft.insights/diagnosticsettings/";
    l.items.iter().find_map(|s| {
        let id = s.id.as_deref()?;
        // ASCII lower-casing keeps every byte where it was.
        id.to_ascii_lowercase()
            .find(MARK)
            .filter(|&i| i > 0)
            .map(|i| id[..i].to_string())
    })
}

/// A workspace's Q3 rows by source ([`norm_id`]), to find each source's
/// rows at once (a workspace may hear from thousands of sources).
pub struct Delivered<'i> {
    by_source: std::collections::HashMap<String, Vec<&'i SourceRows>>,
}

impl<'i> Delivered<'i> {
    pub fn new(rows: &'i [SourceRows]) -> Self {
        let mut by_source: std::collections::HashMap<String, Vec<&'i SourceRows>> =
            std::collections::HashMap::new();
        for r in rows.iter().filter(|r| !r.source.is_empty()) {
            by_source.entry(norm_id(&r.source)).or_default().push(r);
        }
        Delivered { by_source }
    }

    /// The last row `source` delivered (a subscription's Activity Log: in
    /// `AzureActivity` only), if any.
    pub fn last(&self, source: &Source) -> Option<&'i SourceRows> {
        self.by_source
            .get(&norm_id(&source.id))?
            .iter()
            .filter(|r| !source.activity_log || r.table.eq_ignore_ascii_case("AzureActivity"))
            .max_by_key(|r| r.last_row)
            .copied()
    }
}

/// One SOC workspace's table activity, as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableActivity {
    pub workspace: String,
    pub subscription: String,
    /// The window: `flow_lookback_days` back from the scan time, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_end: Option<String>,
    /// Why the rows per hour are unknown (a failed query, no scan time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why the ingestion delays (Q2) are unknown: every `p95_delay_seconds`
    /// is then absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delays_error: Option<String>,
    /// Why the rows of each source (Q3) are unknown: `quiet_sources` is then
    /// empty because nothing could be judged, not because every source
    /// delivered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources_error: Option<String>,
    /// One per table of `security_tables`, in its order.
    pub tables: Vec<TableStrip>,
    /// Sources configured to send here that delivered nothing in the window
    /// (AZ-FLOW-004 fails): their ids.
    pub quiet_sources: Vec<String>,
}

/// One security table over the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableStrip {
    pub table: String,
    /// Rows in the window.
    pub rows: u64,
    /// Start of the last hour with rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_hour: Option<String>,
    /// Hours from the end of that hour to the scan time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub silent_hours: Option<i64>,
    /// Gaps longer than `flow_max_silence_hours` between hours with rows.
    pub gaps: usize,
    /// The 95th percentile of ingestion delay over the last day (Q2), seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p95_delay_seconds: Option<f64>,
    /// Rows per hour, one entry per hour the window overlaps, oldest first
    /// (starting at `window_start` rounded down to the hour); empty when the
    /// table received no row.
    pub hourly: Vec<u64>,
}

impl TableActivity {
    /// The start of the hour of `hourly[0]`: `window_start` rounded down to
    /// the hour.
    pub fn first_hour(&self) -> Option<i64> {
        let start = crate::util::text::parse_rfc3339(self.window_start.as_deref()?)?;
        Some(start.div_euclid(HOUR) * HOUR)
    }

    /// The start of the hour of `hourly[i]`.
    pub fn hour_at(&self, i: usize) -> Option<i64> {
        Some(self.first_hour()? + i as i64 * HOUR)
    }

    /// The time from the end of a table's last hour with rows to the scan
    /// time, in seconds ([`TableHours::silence`]).
    pub fn silence(&self, t: &TableStrip) -> Option<i64> {
        let last = crate::util::text::parse_rfc3339(t.last_hour.as_deref()?)?;
        let end = crate::util::text::parse_rfc3339(self.window_end.as_deref()?)?;
        Some((end - (last + HOUR)).max(0))
    }

    /// The tables AZ-FLOW-001 calls silent: rows in the window, then none
    /// for more than `max_silence_hours`.
    pub fn silent_tables(&self, max_silence_hours: i64) -> impl Iterator<Item = &TableStrip> {
        self.tables.iter().filter(move |t| {
            self.silence(t)
                .is_some_and(|s| s > max_silence_hours * HOUR)
        })
    }
}

impl TableStrip {
    /// The gaps AZ-FLOW-002 counts, as ranges of `hourly`: the empty hours
    /// between two hours with rows, when more than `max_silence_hours`.
    pub fn gap_spans(&self, max_silence_hours: i64) -> Vec<std::ops::Range<usize>> {
        let with_rows: Vec<usize> = (0..self.hourly.len())
            .filter(|&i| self.hourly[i] > 0)
            .collect();
        with_rows
            .windows(2)
            .map(|p| p[0] + 1..p[1])
            .filter(|r| r.len() as i64 > max_silence_hours)
            .collect()
    }

    /// The index of the first hour after the last hour with rows (where the
    /// silence starts), when the table received rows.
    pub fn silence_start(&self) -> Option<usize> {
        self.hourly.iter().rposition(|&n| n > 0).map(|i| i + 1)
    }
}

/// `0.8 min`, `4.0 min`, `47 min`: an ingestion delay as reasons name it.
pub fn delay_label(seconds: f64) -> String {
    let m = seconds / 60.0;
    if m >= 10.0 {
        format!("{m:.0} min")
    } else {
        format!("{m:.1} min")
    }
}

/// The table activity of every SOC workspace the checks judged, in
/// subscription and list order.
///
/// `quiet` gives each workspace's ([`norm_id`]) sources that delivered
/// nothing: the AZ-FLOW-004 results that fail (waived or not), so the report
/// says what the check found, from what it found.
pub fn table_activity(
    inv: &Inventory,
    params: &Params,
    quiet: &std::collections::HashMap<String, Vec<String>>,
) -> Vec<TableActivity> {
    let destinations = inv.log_destinations();
    let window = Window::of(inv, params);
    let mut out = Vec::new();
    for sub in inv.scanned() {
        let Ok(workspaces) = &sub.workspaces else {
            continue;
        };
        for ws in crate::checks::drivers::listed_ids(workspaces, |w| &w.id) {
            if !matches!(inv.soc_status(ws, &destinations), Soc::Yes(_)) {
                continue;
            }
            let name = crate::inventory::last_segment(ws);
            let act = activity(inv, params, ws, name);
            let q = queries(inv, ws).ok();
            let delays_error = delays(inv, params, ws, name).err();
            let sources = source_rows(inv, ws, name);
            let delays: Vec<&TableDelay> = q
                .and_then(|q| q.delays.as_ref().ok())
                .map(|d| d.iter().collect())
                .unwrap_or_default();
            let quiet_sources = match &sources {
                Ok(_) => quiet.get(&norm_id(ws)).cloned().unwrap_or_default(),
                Err(_) => Vec::new(),
            };
            let max_gap = params.flow_max_silence_hours * HOUR;
            let tables = match &act {
                Ok(a) => a
                    .tables
                    .iter()
                    .map(|t| TableStrip {
                        table: t.table.to_string(),
                        rows: t.rows(),
                        last_hour: t.last_hour().map(utc_seconds),
                        silent_hours: t.silence(a.window).map(|s| s / HOUR),
                        gaps: t.gaps(max_gap).len(),
                        p95_delay_seconds: delays
                            .iter()
                            .find(|d| d.table.eq_ignore_ascii_case(t.table))
                            .and_then(|d| d.p95_seconds),
                        hourly: if t.hours.is_empty() {
                            Vec::new()
                        } else {
                            a.window
                                .hours()
                                .map(|h| t.hours.get(&h).copied().unwrap_or(0))
                                .collect()
                        },
                    })
                    .collect(),
                Err(_) => Vec::new(),
            };
            out.push(TableActivity {
                workspace: ws.to_string(),
                subscription: sub.id.clone(),
                window_start: window.map(|w| utc_seconds(w.start)),
                window_end: window.map(|w| utc_seconds(w.end)),
                error: act.err(),
                delays_error,
                sources_error: sources.err(),
                tables,
                quiet_sources,
            });
        }
    }
    out
}

#[cfg(test)]
pub(super) mod fixtures {
    //! Workspaces with query answers, for the FLOW checks' tests.
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::{ReadError, WorkspaceQueries};
    use serde_json::json;

    /// The scan time of the fixtures: 2026-11-20T09:30:00Z.
    pub const NOW: i64 = 1_795_167_000;
    /// The start of the hour `h` hours before the scan's hour.
    pub fn hours_ago(h: i64) -> i64 {
        (NOW / HOUR - h) * HOUR
    }

    /// An inventory with the scan time set and `ws` listed, onboarded to
    /// Sentinel (a SOC workspace) when `onboarded`.
    pub fn with_workspace(ws: &str, onboarded: bool) -> Inventory {
        let mut inv = inv();
        inv.scan_time = Some(NOW);
        let name = crate::inventory::last_segment(ws).to_string();
        sub(&mut inv).workspaces = Ok(listing(vec![
            json!({"id": ws, "name": name, "properties": {"retentionInDays": 90}}),
        ]));
        let states = if onboarded {
            vec![
                json!({"id": format!("{ws}/providers/Microsoft.SecurityInsights/onboardingStates/default"), "name": "default", "properties": {}}),
            ]
        } else {
            vec![]
        };
        inv.reads
            .onboarding_states
            .insert(norm_id(ws), Ok(listing(states)));
        inv
    }

    /// Q1 rows: (table, hours ago, rows).
    pub fn hourly(rows: &[(&str, i64, u64)]) -> Vec<HourlyRows> {
        rows.iter()
            .map(|(t, h, n)| HourlyRows {
                table: t.to_string(),
                hour: hours_ago(*h),
                rows: *n,
            })
            .collect()
    }

    /// A table with rows in every hour from `from` hours ago to `to` hours ago.
    pub fn steady(table: &str, from: i64, to: i64) -> Vec<(&str, i64, u64)> {
        (to..=from).map(|h| (table, h, 10)).collect()
    }

    pub fn set_queries(
        inv: &mut Inventory,
        ws: &str,
        hourly: Result<Vec<HourlyRows>, ReadError>,
        delays: Result<Vec<TableDelay>, ReadError>,
        sources: Result<Vec<SourceRows>, ReadError>,
    ) {
        inv.reads.workspace_queries.insert(
            norm_id(ws),
            WorkspaceQueries {
                hourly,
                delays,
                sources,
            },
        );
    }

    pub fn delay(table: &str, seconds: Option<f64>) -> TableDelay {
        TableDelay {
            table: table.into(),
            p95_seconds: seconds,
        }
    }

    pub fn source_row(table: &str, source: &str, hours_ago_: i64) -> SourceRows {
        SourceRows {
            table: table.into(),
            source: source.to_lowercase(),
            last_row: hours_ago(hours_ago_),
        }
    }

    pub fn timed_out(ws: &str) -> ReadError {
        ReadError {
            request: format!("GET {ws}/query"),
            status: Some(504),
            code: "GatewayTimeout".into(),
            message: "the query timed out".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The table activity the report draws says what the checks judge.
    use super::fixtures::*;
    use super::*;
    use crate::checks::testkit::*;

    fn activity_of(inv: &Inventory, p: &Params) -> TableActivity {
        let mut all = table_activity(inv, p, &Default::default());
        assert_eq!(all.len(), 1, "one SOC workspace");
        all.remove(0)
    }

    #[test]
    fn silence_and_gaps_of_the_strips_are_those_the_checks_judge() {
        let mut inv = with_workspace(WS, true);
        // SigninLogs: rows until 25 h 30 min before the scan (silent_hours
        // says 25); AuditLogs: rows, 30 empty hours, rows again, and a
        // 24-hour pause that is not a gap.
        let mut rows = steady("SigninLogs", 300, 25);
        rows.extend(steady("AuditLogs", 300, 100));
        rows.extend(steady("AuditLogs", 69, 30));
        rows.extend(steady("AuditLogs", 5, 0));
        set_queries(&mut inv, WS, Ok(hourly(&rows)), Ok(vec![]), Ok(vec![]));
        let p = Params::defaults();
        let a = activity_of(&inv, &p);
        assert_eq!(a.first_hour(), Some(NOW - 14 * 24 * HOUR - 30 * 60));
        let signin = &a.tables[0];
        let audit = &a.tables[1];
        assert_eq!(
            (signin.table.as_str(), audit.table.as_str()),
            ("SigninLogs", "AuditLogs")
        );
        let silent: Vec<&str> = a.silent_tables(24).map(|t| t.table.as_str()).collect();
        assert_eq!(silent, ["SigninLogs"]);
        assert_eq!(a.silence(signin), Some(24 * HOUR + 30 * 60));
        assert_eq!(signin.silent_hours, Some(24));
        // The edge: 24 h 30 min is more than 24 hours, as AZ-FLOW-001 says.
        assert_eq!(status(&run(&az_flow_001::CHECK, &inv), WS), Status::Fail);
        assert_eq!(a.silent_tables(25).count(), 0);
        // Gaps: as many as AZ-FLOW-002 counts, at the hours it names.
        let spans = audit.gap_spans(24);
        assert_eq!(spans.len(), audit.gaps);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].len(), 30);
        assert_eq!(a.hour_at(spans[0].start), Some(hours_ago(99)));
        assert_eq!(audit.gap_spans(23).len(), 2);
        assert!(audit.hourly[spans[0].start - 1] > 0 && audit.hourly[spans[0].end] > 0);
        assert!(signin.gap_spans(24).is_empty());
        assert_eq!(
            signin.silence_start().and_then(|i| a.hour_at(i)),
            Some(hours_ago(24))
        );
        // A table without rows has no strip to judge.
        let empty = &a.tables[2];
        assert!(empty.hourly.is_empty() && empty.silence_start().is_none());
        assert_eq!(a.silence(empty), None);
        assert!(a.error.is_none() && a.delays_error.is_none() && a.sources_error.is_none());
    }

    #[test]
    fn failed_queries_say_why_their_facts_are_missing() {
        let mut inv = with_workspace(WS, true);
        set_queries(
            &mut inv,
            WS,
            Ok(hourly(&steady("SigninLogs", 10, 0))),
            Err(timed_out(WS)),
            Err(timed_out(WS)),
        );
        let a = activity_of(&inv, &Params::defaults());
        assert!(a.error.is_none());
        assert!(a.tables[0].p95_delay_seconds.is_none());
        assert!(a.quiet_sources.is_empty());
        assert!(a
            .delays_error
            .as_deref()
            .unwrap()
            .contains("(Q2): GatewayTimeout"));
        assert!(a
            .sources_error
            .as_deref()
            .unwrap()
            .contains("(Q3): GatewayTimeout"));
        // No scan time: no window, no hours.
        inv.scan_time = None;
        let a = activity_of(&inv, &Params::defaults());
        assert!(a.error.is_some() && a.tables.is_empty());
        assert_eq!(a.first_hour(), None);
    }

    #[test]
    fn huge_row_counts_saturate_and_never_panic() {
        // Rows past u64 (an answer's "1e30" reads as u64::MAX), twice in one
        // hour and in two hours: the sums saturate.
        let mut inv = with_workspace(WS, true);
        let rows = vec![
            ("SigninLogs", 2, u64::MAX),
            ("signinlogs", 2, u64::MAX),
            ("SigninLogs", 1, u64::MAX),
        ];
        set_queries(&mut inv, WS, Ok(hourly(&rows)), Ok(vec![]), Ok(vec![]));
        let a = activity_of(&inv, &Params::defaults());
        assert_eq!(a.tables[0].rows, u64::MAX);
        assert_eq!(status(&run(&az_flow_001::CHECK, &inv), WS), Status::Pass);
    }

    #[test]
    fn delays_read_in_minutes() {
        assert_eq!(delay_label(45.0), "0.8 min");
        assert_eq!(delay_label(240.0), "4.0 min");
        assert_eq!(delay_label(2820.0), "47 min");
    }
}
