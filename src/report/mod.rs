//! Outputs: the versioned JSON report and the terminal summary.
//! The JSON schema is documented in `docs/report-schema.md`.

pub mod activity;
pub mod csv;
pub mod docs;
pub mod history;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod plan;
pub mod runs;
pub mod sarif;
pub mod terminal;

use crate::azure::http::StatsSnapshot;
use crate::checks::CheckInfo;
use crate::engine::{CheckSummary, Evaluation, Gate, GateVerdict, ResultRow, Scores};
use crate::inventory::{Inventory, SubscriptionStatus};
use crate::profile::{Baseline, Params};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaselineInfo {
    pub name: String,
    pub version: String,
    /// The organisation profile file, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    pub parameters: Params,
    /// Built-in checks the profile disabled.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disabled_checks: Vec<&'static str>,
    /// Severities the profile changed.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub severity_overrides: std::collections::BTreeMap<&'static str, crate::checks::Severity>,
    /// The profile's property rules.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<std::sync::Arc<crate::checks::rules::PropertyRule>>,
}

impl BaselineInfo {
    /// What the report says of the baseline in force.
    pub fn of(baseline: &Baseline) -> BaselineInfo {
        BaselineInfo {
            name: baseline.name.clone(),
            version: baseline.version.clone(),
            profile: baseline.profile.clone(),
            parameters: baseline.params.clone(),
            disabled_checks: baseline.disabled.clone(),
            severity_overrides: baseline.severity_overrides.clone(),
            rules: baseline.rules.clone(),
        }
    }
}

/// The only fields that change between two runs over the same data.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: u64,
    /// What the HTTP client did (retries and waits vary with jitter and live conditions).
    pub http: StatsSnapshot,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionEntry {
    pub id: String,
    pub display_name: Option<String>,
    pub state: Option<String>,
    /// `scanned`, `skipped` or `unreadable` (baseline "Tenancy and scope":
    /// not found, or every read of it failed; `reason` has the cause).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateInfo {
    #[serde(flatten)]
    pub gate: Gate,
    #[serde(flatten)]
    pub verdict: GateVerdict,
}

/// The JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: &'static str,
    pub tool: Tool,
    pub baseline: BaselineInfo,
    pub source: Source,
    pub tenant_id: Option<String>,
    pub timing: Timing,
    pub subscriptions: Vec<SubscriptionEntry>,
    pub scores: Scores,
    pub gate: GateInfo,
    pub checks: Vec<CheckSummary>,
    /// What must not be missed beside the score (unreadable subscriptions,
    /// low coverage, waivers over everything or over `error` results).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// `--as-of`, when given: the day waiver expiry was judged on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// What the waiver file did, with `--waivers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waivers: Option<crate::engine::waivers::WaiverReport>,
    /// The comparison with a previous report, with `--compare`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<crate::engine::diff::Comparison>,
    /// Against the history file, with `--history`: new and fixed since the
    /// previous run of the same tenant and baseline, and the trend.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<crate::engine::trend::HistoryView>,
    /// Results grouped by a framework's controls, with `--framework`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub framework: Option<crate::engine::frameworks::FrameworkReport>,
    /// Evidence in motion: per SOC workspace, the rows each security table
    /// received per hour over the window, and the sources that delivered
    /// nothing (when a FLOW check is enabled).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub table_activity: Vec<crate::checks::flow::TableActivity>,
    pub results: Vec<ResultRow>,
    /// The tamper timeline (baseline 1.2, HIST), when the scan read the Activity Log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<crate::checks::hist::Timeline>,
    /// AZ-SEN-005's techniques × workspaces matrix, when the check ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detection_coverage: Option<crate::checks::DetectionMatrix>,
    /// What the outputs say about each check of `checks`, sorted by id (the
    /// JSON names only ids: its readers have the catalogue in `checks/docs`).
    #[serde(skip)]
    pub catalogue: Vec<CheckInfo>,
}

impl Report {
    /// The description of a check of this report.
    pub fn check(&self, id: &str) -> Option<&CheckInfo> {
        self.catalogue
            .binary_search_by(|c| c.id.cmp(id))
            .ok()
            .map(|i| &self.catalogue[i])
    }

    /// The report of an evaluation, with the gate's verdict as judged (once) by the engine.
    pub fn build(
        inv: &Inventory,
        baseline: &Baseline,
        eval: Evaluation,
        source: Source,
        timing: Timing,
        gate: &Gate,
        verdict: GateVerdict,
    ) -> Report {
        let subscriptions = inv
            .subscriptions
            .iter()
            .map(|s| {
                let (status, reason) = match &s.status {
                    SubscriptionStatus::Scanned => ("scanned", None),
                    SubscriptionStatus::Skipped { reason } => ("skipped", Some(reason.clone())),
                    SubscriptionStatus::Error { error } => ("unreadable", Some(error.to_string())),
                };
                SubscriptionEntry {
                    id: s.id.clone(),
                    display_name: s.display_name.clone(),
                    state: s.state.clone(),
                    status,
                    reason,
                }
            })
            .collect();
        let mut catalogue: Vec<CheckInfo> = eval
            .checks
            .iter()
            .filter_map(|c| baseline.check_info(c.id))
            .collect();
        catalogue.sort_by(|a, b| a.id.cmp(b.id));
        let table_activity = if eval.checks.iter().any(|c| c.id.starts_with("AZ-FLOW-")) {
            // The sources that delivered nothing: AZ-FLOW-004's failures.
            let mut quiet: std::collections::HashMap<String, Vec<String>> =
                std::collections::HashMap::new();
            for r in eval.results.iter().filter(|r| {
                r.check_id == "AZ-FLOW-004"
                    && (r.status == crate::model::Status::Fail
                        || r.waiver
                            .as_ref()
                            .is_some_and(|w| w.original_status == crate::model::Status::Fail))
            }) {
                if let Some(ws) = &r.item {
                    quiet
                        .entry(crate::model::norm_id(ws))
                        .or_default()
                        .push(r.resource_id.as_str().to_string());
                }
            }
            crate::checks::flow::table_activity(inv, &baseline.params, &quiet)
        } else {
            Vec::new()
        };
        let timeline = inv
            .history
            .window
            .is_some()
            .then(|| crate::checks::hist::timeline(inv, &baseline.params));
        let detection_coverage = eval
            .checks
            .iter()
            .any(|c| c.id == "AZ-SEN-005")
            .then(|| crate::checks::detection_matrix(inv, &baseline.params));
        Report {
            table_activity,
            timeline,
            detection_coverage,
            catalogue,
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "azward",
                version: env!("CARGO_PKG_VERSION"),
            },
            baseline: BaselineInfo::of(baseline),
            source,
            tenant_id: inv.tenant_id.clone(),
            timing,
            subscriptions,
            scores: eval.scores,
            gate: GateInfo {
                gate: gate.clone(),
                verdict,
            },
            checks: eval.checks,
            warnings: Vec::new(),
            as_of: None,
            framework: None,
            comparison: None,
            history: None,
            waivers: None,
            results: eval.results,
        }
    }

    /// The part of this report a comparison reads (as `diff` loads it from JSON).
    pub fn to_doc(&self) -> crate::engine::diff::ReportDoc {
        crate::engine::diff::ReportDoc::new(self.tenant_id.as_deref(), &self.scores, &self.results)
            .with_baseline(&self.baseline)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the report serializes");
        s.push('\n');
        s
    }
}

pub use crate::azure::scan::{RecordingInfo, Source};
pub use crate::model::SCHEMA_VERSION;
pub use crate::util::text::{rfc3339, truncate};

/// A readable name: what follows the resource type
/// (`stnwprod/blobServices/default`, `StorageAccounts` for a Defender plan),
/// else the last segment (a subscription or tenant id).
pub fn resource_name(resource_id: &str) -> String {
    let segs: Vec<&str> = resource_id.split('/').filter(|s| !s.is_empty()).collect();
    match segs
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("providers"))
    {
        Some(i) if segs.len() > i + 3 => segs[i + 3..].join("/"),
        _ => segs
            .last()
            .map_or_else(|| resource_id.to_string(), |s| s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names() {
        assert_eq!(
            resource_name("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1/blobServices/default"),
            "st1/blobServices/default"
        );
        assert_eq!(
            resource_name("/subscriptions/s/providers/Microsoft.Security/pricings/Arm"),
            "Arm"
        );
        assert_eq!(resource_name("/subscriptions/s"), "s");
        assert_eq!(resource_name("/tenants/t"), "t");
    }
}
