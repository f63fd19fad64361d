//! The vocabulary every layer shares: severities, statuses, families,
//! scopes and framework references. No azward types below this one but
//! [`crate::util`].

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// Score weight (baseline "Score").
    pub fn weight(self) -> u32 {
        match self {
            Severity::Critical => 10,
            Severity::High => 5,
            Severity::Medium => 3,
            Severity::Low => 1,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "critical" | "c" => Some(Severity::Critical),
            "high" | "h" => Some(Severity::High),
            "medium" | "m" => Some(Severity::Medium),
            "low" | "l" => Some(Severity::Low),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Family {
    Mon,
    Law,
    Entra,
    Kv,
    St,
    Net,
    Def,
    Sen,
    /// An organisation's property rules.
    Custom,
}

impl Family {
    pub const ALL: [Family; 9] = [
        Family::Mon,
        Family::Law,
        Family::Entra,
        Family::Kv,
        Family::St,
        Family::Net,
        Family::Def,
        Family::Sen,
        Family::Custom,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Family::Mon => "MON",
            Family::Law => "LAW",
            Family::Entra => "ENTRA",
            Family::Kv => "KV",
            Family::St => "ST",
            Family::Net => "NET",
            Family::Def => "DEF",
            Family::Sen => "SEN",
            Family::Custom => "CUSTOM",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Family::Mon => "Azure Monitor",
            Family::Law => "Log Analytics",
            Family::Entra => "Entra ID",
            Family::Kv => "Key Vault",
            Family::St => "Storage",
            Family::Net => "Network",
            Family::Def => "Defender for Cloud",
            Family::Sen => "Microsoft Sentinel",
            Family::Custom => "Organisation rules",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Tenant,
    Subscription,
    Resource,
}

/// A framework reference of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reference {
    pub framework: Framework,
    pub id: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Framework {
    /// CIS Microsoft Azure Foundations Benchmark v3.0.0 (or the version named in the id).
    #[serde(rename = "CIS Azure 3.0")]
    Cis,
    /// Microsoft cloud security benchmark v1.
    #[serde(rename = "MCSB v1")]
    Mcsb,
    #[serde(rename = "MITRE ATT&CK")]
    Attack,
    /// Azure Policy built-in definition (first 8 hex digits of its name).
    #[serde(rename = "Azure Policy")]
    Policy,
    /// A reference value of the baseline itself.
    #[serde(rename = "Baseline")]
    Baseline,
}

impl Framework {
    pub fn label(self) -> &'static str {
        match self {
            Framework::Cis => "CIS Azure 3.0",
            Framework::Mcsb => "MCSB v1",
            Framework::Attack => "MITRE ATT&CK",
            Framework::Policy => "Azure Policy",
            Framework::Baseline => "Baseline",
        }
    }
}

pub const fn cis(id: &'static str) -> Reference {
    Reference {
        framework: Framework::Cis,
        id,
    }
}
pub const fn mcsb(id: &'static str) -> Reference {
    Reference {
        framework: Framework::Mcsb,
        id,
    }
}
pub const fn attack(id: &'static str) -> Reference {
    Reference {
        framework: Framework::Attack,
        id,
    }
}
pub const fn policy(id: &'static str) -> Reference {
    Reference {
        framework: Framework::Policy,
        id,
    }
}
pub const fn baseline_ref(id: &'static str) -> Reference {
    Reference {
        framework: Framework::Baseline,
        id,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    Error,
    Waived,
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Waived => "waived",
            Status::NotApplicable => "not_applicable",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
