//! Framework mappings (`checks/frameworks/*.toml`, compiled in): controls of
//! CIS Microsoft Azure Foundations Benchmark v3.0.0 and the Microsoft cloud
//! security benchmark v1. The files hold the controls; which checks cover a
//! control comes from the checks' own `references`, so a mapping is written
//! once. With `--framework ID` a report groups results by control.

use crate::checks::{Framework as RefFramework, Status, REGISTRY};
use crate::engine::{Counts, Evaluation};
use serde::{Deserialize, Serialize};

/// Shipped mappings: (id, the references that name its controls, TOML text).
pub const SHIPPED: &[(&str, RefFramework, &str)] = &[
    (
        "cis-azure-3.0",
        RefFramework::Cis,
        include_str!("../../checks/frameworks/cis-azure-3.0.toml"),
    ),
    (
        "mcsb-v1",
        RefFramework::Mcsb,
        include_str!("../../checks/frameworks/mcsb-v1.toml"),
    ),
];

#[derive(Debug, Clone, Deserialize)]
pub struct Framework {
    pub id: String,
    pub name: String,
    #[serde(rename = "control")]
    pub controls: Vec<Control>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Control {
    pub id: String,
    pub title: String,
    /// CIS's assessment status: `automated` or `manual` (absent for MCSB).
    #[serde(default)]
    pub assessment: Option<String>,
    #[serde(default)]
    pub section: Option<String>,
    /// The checks whose references name this control (filled on load).
    #[serde(skip)]
    pub checks: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FrameworkError {
    #[error("unknown framework {0:?} (known: cis-azure-3.0, mcsb-v1)")]
    Unknown(String),
    #[error("framework mapping {id} is invalid: {message}")]
    Invalid { id: String, message: String },
}

/// Loads a shipped mapping by id.
pub fn load(id: &str) -> Result<Framework, FrameworkError> {
    let (_, refs, text) = SHIPPED
        .iter()
        .find(|(k, _, _)| k.eq_ignore_ascii_case(id))
        .ok_or_else(|| FrameworkError::Unknown(id.to_string()))?;
    let mut fw: Framework = toml_edit::de::from_str(text).map_err(|e| FrameworkError::Invalid {
        id: id.to_string(),
        message: e.to_string(),
    })?;
    for c in &mut fw.controls {
        c.checks = REGISTRY
            .iter()
            .filter(|chk| {
                chk.references
                    .iter()
                    .any(|r| r.framework == *refs && r.id == c.id)
            })
            .map(|chk| chk.id.to_string())
            .collect();
    }
    Ok(fw)
}

/// A control's status in a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlStatus {
    Pass,
    Fail,
    Error,
    /// Covered, but nothing in scope.
    NotApplicable,
    /// No check covers it and the framework assesses it manually.
    Manual,
    /// No (enabled) check covers it.
    NotCovered,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlResult {
    pub id: String,
    pub title: String,
    pub status: ControlStatus,
    /// The enabled checks that cover it.
    pub checks: Vec<String>,
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize)]
pub struct FrameworkReport {
    pub id: String,
    pub name: String,
    pub controls: Vec<ControlResult>,
    /// Controls per status.
    pub summary: std::collections::BTreeMap<&'static str, usize>,
}

impl ControlStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlStatus::Pass => "pass",
            ControlStatus::Fail => "fail",
            ControlStatus::Error => "error",
            ControlStatus::NotApplicable => "not_applicable",
            ControlStatus::Manual => "manual",
            ControlStatus::NotCovered => "not_covered",
        }
    }
}

/// Groups a scan's results by the framework's controls.
pub fn assess(fw: &Framework, eval: &Evaluation) -> FrameworkReport {
    let mut controls = Vec::new();
    let mut summary = std::collections::BTreeMap::new();
    for c in &fw.controls {
        let enabled: Vec<String> = c
            .checks
            .iter()
            .filter(|id| eval.checks.iter().any(|s| s.id.eq_ignore_ascii_case(id)))
            .cloned()
            .collect();
        // Each check's counts are in its summary: no need to go through the results.
        let mut counts = Counts::default();
        for s in eval
            .checks
            .iter()
            .filter(|s| enabled.iter().any(|id| id.eq_ignore_ascii_case(s.id)))
        {
            counts.merge(&s.counts);
        }
        let status = if enabled.is_empty() {
            if c.assessment
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case("manual"))
            {
                ControlStatus::Manual
            } else {
                ControlStatus::NotCovered
            }
        } else {
            match counts.check_status() {
                Status::Fail => ControlStatus::Fail,
                Status::Error => ControlStatus::Error,
                Status::Pass | Status::Waived => ControlStatus::Pass,
                Status::NotApplicable => ControlStatus::NotApplicable,
            }
        };
        *summary.entry(status.as_str()).or_insert(0) += 1;
        controls.push(ControlResult {
            id: c.id.clone(),
            title: c.title.clone(),
            status,
            checks: enabled,
            counts,
        });
    }
    FrameworkReport {
        id: fw.id.clone(),
        name: fw.name.clone(),
        controls,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_mappings_load_and_name_only_known_checks() {
        for (id, _, _) in SHIPPED {
            let fw = load(id).unwrap();
            assert_eq!(&fw.id, id);
            assert!(fw.controls.len() >= 20, "{id}");
            for c in &fw.controls {
                for chk in &c.checks {
                    assert!(
                        crate::checks::find(chk).is_some(),
                        "{id} {} names unknown check {chk}",
                        c.id
                    );
                }
            }
        }
        assert_eq!(load("cis-azure-3.0").unwrap().controls.len(), 159);
        assert!(matches!(load("nist"), Err(FrameworkError::Unknown(_))));
    }

    #[test]
    fn every_cis_and_mcsb_reference_of_a_check_names_a_control() {
        use crate::checks::Framework as F;
        let cis = load("cis-azure-3.0").unwrap();
        let mcsb = load("mcsb-v1").unwrap();
        for check in REGISTRY {
            for r in check.references {
                let fw = match r.framework {
                    // CIS v2.0 references have no v3.0.0 control (see the file's header).
                    F::Cis if !r.id.starts_with("v2") => &cis,
                    F::Mcsb => &mcsb,
                    _ => continue,
                };
                let control = fw.controls.iter().find(|c| c.id == r.id);
                assert!(
                    control.is_some_and(|c| c.checks.iter().any(|id| id == check.id)),
                    "{} references {} {}, which {} does not have",
                    check.id,
                    r.framework.label(),
                    r.id,
                    fw.id
                );
            }
        }
        // The Defender plan controls all map AZ-DEF-001 (the spec's "CIS 3.1.x").
        let def: Vec<&str> = cis
            .controls
            .iter()
            .filter(|c| c.checks.iter().any(|id| id == "AZ-DEF-001"))
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(def.len(), 11, "{def:?}");
    }
}
