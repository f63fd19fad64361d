//! Evidence in motion (baseline 1.2): what the SOC workspaces' query API says
//! arrived (recording.md rows 28–30, queries Q1–Q3), and which workspaces are
//! SOC workspaces.

use super::{norm_id, DiagnosticSetting, Inventory, Listing, Read};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Q1: `table` received `rows` rows in the hour starting at `hour`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourlyRows {
    pub table: String,
    /// Start of the hour, seconds since the Unix epoch (UTC).
    pub hour: i64,
    pub rows: u64,
}

/// Q2: the 95th percentile of `table`'s ingestion delay over the last day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDelay {
    pub table: String,
    /// Seconds; `None` when the answer held no number (no row to measure).
    pub p95_seconds: Option<f64>,
}

/// Q3: the last row `source` delivered to `table` in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRows {
    pub table: String,
    /// `/subscriptions/{id}` for `AzureActivity`, else `_ResourceId`;
    /// lower case (the query lower-cases it), possibly empty.
    pub source: String,
    /// Seconds since the Unix epoch (UTC).
    pub last_row: i64,
}

/// The three query reads of one SOC workspace.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkspaceQueries {
    /// Call 28 (Q1).
    pub hourly: Read<Vec<HourlyRows>>,
    /// Call 29 (Q2).
    pub delays: Read<Vec<TableDelay>>,
    /// Call 30 (Q3).
    pub sources: Read<Vec<SourceRows>>,
}

/// Whether a workspace is a SOC workspace (baseline, "Evidence in motion").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Soc {
    /// Onboarded to Sentinel, or named as a destination: why.
    Yes(String),
    /// Not named as a destination, and its Sentinel onboarding could not be
    /// read: it may be one. The cause.
    Unknown(String),
    No,
}

impl Inventory {
    /// The workspaces (as [`norm_id`]s) named as `workspaceId` by any
    /// diagnostic setting read (subscription, resource, Entra ID) or as a
    /// `logAnalytics` destination by any data collection rule read.
    pub fn log_destinations(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut add = |read: &Read<Listing<DiagnosticSetting>>| {
            if let Ok(l) = read {
                out.extend(l.items.iter().filter_map(|s| s.workspace_id()).map(norm_id));
            }
        };
        add(&self.entra_diagnostic_settings);
        for s in self.scanned() {
            add(&s.diagnostic_settings);
        }
        for read in self.reads.diagnostic_settings.values() {
            add(read);
        }
        for rule in self.reads.data_collection_rules.values().flatten() {
            out.extend(rule.workspace_ids().iter().map(|w| norm_id(w)));
        }
        out
    }

    /// Whether `workspace_id` is a SOC workspace; `destinations` is
    /// [`Inventory::log_destinations`].
    pub fn soc_status(&self, workspace_id: &str, destinations: &BTreeSet<String>) -> Soc {
        if destinations.contains(&norm_id(workspace_id)) {
            return Soc::Yes(
                "named as a destination by a diagnostic setting or data collection rule".into(),
            );
        }
        match self.reads.onboarding_states.get(&norm_id(workspace_id)) {
            Some(Ok(l)) if !l.items.is_empty() => {
                Soc::Yes("onboarded to Microsoft Sentinel".into())
            }
            Some(Ok(l)) => match l.malformed.first() {
                Some(m) => Soc::Unknown(format!(
                    "its Sentinel onboarding state could not be parsed: {}",
                    m.error
                )),
                None => Soc::No,
            },
            Some(Err(e)) => Soc::Unknown(format!(
                "its Sentinel onboarding states could not be read: {e}"
            )),
            None => Soc::Unknown("its Sentinel onboarding states were not read".into()),
        }
    }

    /// The SOC workspaces of the scanned subscriptions' workspace lists
    /// (parsed or not, by id), in subscription and list order: the
    /// workspaces the query reads (calls 28–30) are made for.
    pub fn soc_workspaces(&self) -> Vec<String> {
        let destinations = self.log_destinations();
        let mut out = Vec::new();
        for s in self.scanned() {
            let Ok(l) = &s.workspaces else { continue };
            let ids = l
                .items
                .iter()
                .map(|w| w.id.as_str())
                .chain(l.malformed.iter().filter_map(|m| m.id.as_deref()));
            for id in ids {
                if matches!(self.soc_status(id, &destinations), Soc::Yes(_)) {
                    out.push(id.to_string());
                }
            }
        }
        out
    }
}
