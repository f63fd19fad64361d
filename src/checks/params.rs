//! The baseline's parameters, typed. [`Param`] names each one, so a check
//! that lists a parameter that does not exist does not compile; [`Params`]
//! holds the values in force (the defaults are `checks/baseline.toml`, the
//! baseline's reference values; an organisation profile may change them, and
//! `profile` validates each value against its [`Kind`] when it loads).
//!
//! Remediation templates name parameters as `{law_min_retention_days}`; they
//! are filled with the values in force (see [`super::Remediation`]).

use serde::Serialize;
use std::fmt;

/// The values in force of every parameter.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Params {
    pub law_min_retention_days: i64,
    pub law_min_total_retention_days: i64,
    pub security_tables: Vec<String>,
    pub archive_min_immutability_days: i64,
    pub flow_log_min_retention_days: i64,
    pub required_defender_plans: Vec<String>,
    pub defender_servers_plan: String,
    pub kv_max_privileged_principals: usize,
    pub required_sentinel_connectors: Vec<String>,
    pub dedicated_table_types: Vec<String>,
    pub flow_lookback_days: i64,
    pub flow_max_silence_hours: i64,
    pub flow_max_latency_minutes: i64,
    pub history_days: i64,
    pub trusted_change_callers: Vec<String>,
    pub required_detection_techniques: Vec<String>,
}

/// One parameter of the baseline, in the order of the baseline's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Param {
    LawMinRetentionDays,
    LawMinTotalRetentionDays,
    SecurityTables,
    ArchiveMinImmutabilityDays,
    FlowLogMinRetentionDays,
    RequiredDefenderPlans,
    DefenderServersPlan,
    KvMaxPrivilegedPrincipals,
    RequiredSentinelConnectors,
    DedicatedTableTypes,
    FlowLookbackDays,
    FlowMaxSilenceHours,
    FlowMaxLatencyMinutes,
    HistoryDays,
    TrustedChangeCallers,
    RequiredDetectionTechniques,
}

/// The kind of value a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A whole number of days or principals, at least the given minimum.
    Int(i64),
    /// A non-empty string.
    Str,
    /// An array of strings.
    List,
}

/// A parameter's value in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Int(i64),
    Str(&'a str),
    List(&'a [String]),
}

impl fmt::Display for Value<'_> {
    /// As a person reads it: a number, the string, or the list joined by `, `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Str(s) => f.write_str(s),
            Value::List(l) => f.write_str(&l.join(", ")),
        }
    }
}

impl Param {
    pub const ALL: [Param; 16] = [
        Param::LawMinRetentionDays,
        Param::LawMinTotalRetentionDays,
        Param::SecurityTables,
        Param::ArchiveMinImmutabilityDays,
        Param::FlowLogMinRetentionDays,
        Param::RequiredDefenderPlans,
        Param::DefenderServersPlan,
        Param::KvMaxPrivilegedPrincipals,
        Param::RequiredSentinelConnectors,
        Param::DedicatedTableTypes,
        Param::FlowLookbackDays,
        Param::FlowMaxSilenceHours,
        Param::FlowMaxLatencyMinutes,
        Param::HistoryDays,
        Param::TrustedChangeCallers,
        Param::RequiredDetectionTechniques,
    ];

    /// The name used in profiles, the report and remediation templates.
    pub fn name(self) -> &'static str {
        match self {
            Param::LawMinRetentionDays => "law_min_retention_days",
            Param::LawMinTotalRetentionDays => "law_min_total_retention_days",
            Param::SecurityTables => "security_tables",
            Param::ArchiveMinImmutabilityDays => "archive_min_immutability_days",
            Param::FlowLogMinRetentionDays => "flow_log_min_retention_days",
            Param::RequiredDefenderPlans => "required_defender_plans",
            Param::DefenderServersPlan => "defender_servers_plan",
            Param::KvMaxPrivilegedPrincipals => "kv_max_privileged_principals",
            Param::RequiredSentinelConnectors => "required_sentinel_connectors",
            Param::DedicatedTableTypes => "dedicated_table_types",
            Param::FlowLookbackDays => "flow_lookback_days",
            Param::FlowMaxSilenceHours => "flow_max_silence_hours",
            Param::FlowMaxLatencyMinutes => "flow_max_latency_minutes",
            Param::HistoryDays => "history_days",
            Param::TrustedChangeCallers => "trusted_change_callers",
            Param::RequiredDetectionTechniques => "required_detection_techniques",
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            Param::LawMinRetentionDays
            | Param::LawMinTotalRetentionDays
            | Param::ArchiveMinImmutabilityDays
            | Param::FlowLogMinRetentionDays
            | Param::KvMaxPrivilegedPrincipals
            | Param::FlowMaxLatencyMinutes => Kind::Int(0),
            Param::FlowLookbackDays | Param::FlowMaxSilenceHours => Kind::Int(1),
            Param::DefenderServersPlan => Kind::Str,
            Param::SecurityTables
            | Param::RequiredDefenderPlans
            | Param::RequiredSentinelConnectors
            | Param::DedicatedTableTypes => Kind::List,
            Param::HistoryDays => Kind::Int(1),
            Param::TrustedChangeCallers | Param::RequiredDetectionTechniques => Kind::List,
        }
    }

    /// The largest value an integer parameter takes. The lookback bounds
    /// what the workspace queries read (hourly rows per table) and what a
    /// report draws; 90 days is as far back as the Activity Log goes.
    pub fn max(self) -> i64 {
        match self {
            Param::FlowLookbackDays => 90,
            _ => i64::MAX,
        }
    }

    /// The parameter of that name (exact, as profiles spell it).
    pub fn parse(name: &str) -> Option<Param> {
        Param::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Params {
    /// The value in force of `p`.
    pub fn get(&self, p: Param) -> Value<'_> {
        match p {
            Param::LawMinRetentionDays => Value::Int(self.law_min_retention_days),
            Param::LawMinTotalRetentionDays => Value::Int(self.law_min_total_retention_days),
            Param::SecurityTables => Value::List(&self.security_tables),
            Param::ArchiveMinImmutabilityDays => Value::Int(self.archive_min_immutability_days),
            Param::FlowLogMinRetentionDays => Value::Int(self.flow_log_min_retention_days),
            Param::RequiredDefenderPlans => Value::List(&self.required_defender_plans),
            Param::DefenderServersPlan => Value::Str(&self.defender_servers_plan),
            Param::KvMaxPrivilegedPrincipals => {
                Value::Int(i64::try_from(self.kv_max_privileged_principals).unwrap_or(i64::MAX))
            }
            Param::RequiredSentinelConnectors => Value::List(&self.required_sentinel_connectors),
            Param::DedicatedTableTypes => Value::List(&self.dedicated_table_types),
            Param::FlowLookbackDays => Value::Int(self.flow_lookback_days),
            Param::FlowMaxSilenceHours => Value::Int(self.flow_max_silence_hours),
            Param::FlowMaxLatencyMinutes => Value::Int(self.flow_max_latency_minutes),
            Param::HistoryDays => Value::Int(self.history_days),
            Param::TrustedChangeCallers => Value::List(&self.trusted_change_callers),
            Param::RequiredDetectionTechniques => Value::List(&self.required_detection_techniques),
        }
    }

    /// Sets an integer parameter (the profile checked kind and minimum).
    pub fn set_int(&mut self, p: Param, v: i64) {
        match p {
            Param::LawMinRetentionDays => self.law_min_retention_days = v,
            Param::LawMinTotalRetentionDays => self.law_min_total_retention_days = v,
            Param::ArchiveMinImmutabilityDays => self.archive_min_immutability_days = v,
            Param::FlowLogMinRetentionDays => self.flow_log_min_retention_days = v,
            Param::FlowLookbackDays => self.flow_lookback_days = v,
            Param::FlowMaxSilenceHours => self.flow_max_silence_hours = v,
            Param::FlowMaxLatencyMinutes => self.flow_max_latency_minutes = v,
            Param::KvMaxPrivilegedPrincipals => {
                self.kv_max_privileged_principals = usize::try_from(v).unwrap_or(0)
            }
            Param::HistoryDays => self.history_days = v,
            _ => debug_assert!(false, "{p} is not an integer parameter"),
        }
    }

    /// Sets a string parameter.
    pub fn set_str(&mut self, p: Param, v: String) {
        match p {
            Param::DefenderServersPlan => self.defender_servers_plan = v,
            _ => debug_assert!(false, "{p} is not a string parameter"),
        }
    }

    /// Sets a list parameter.
    pub fn set_list(&mut self, p: Param, v: Vec<String>) {
        match p {
            Param::SecurityTables => self.security_tables = v,
            Param::RequiredDefenderPlans => self.required_defender_plans = v,
            Param::RequiredSentinelConnectors => self.required_sentinel_connectors = v,
            Param::DedicatedTableTypes => self.dedicated_table_types = v,
            Param::TrustedChangeCallers => self.trusted_change_callers = v,
            Param::RequiredDetectionTechniques => self.required_detection_techniques = v,
            _ => debug_assert!(false, "{p} is not a list parameter"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_has_a_field_and_its_names_agree() {
        // The report serializes the fields: their names are the parameters'.
        let mut p = Params::default();
        for param in Param::ALL {
            match param.kind() {
                Kind::Int(_) => p.set_int(param, 7),
                Kind::Str => p.set_str(param, "x".into()),
                Kind::List => p.set_list(param, vec!["a".into(), "b".into()]),
            }
            assert_eq!(Param::parse(param.name()), Some(param));
        }
        let json = serde_json::to_value(&p).unwrap();
        let obj = json.as_object().unwrap();
        assert_eq!(obj.len(), Param::ALL.len());
        for param in Param::ALL {
            let want = match param.kind() {
                Kind::Int(_) => "7",
                Kind::Str => "x",
                Kind::List => "a, b",
            };
            assert_eq!(p.get(param).to_string(), want, "{param}");
            assert!(obj.contains_key(param.name()), "{param}");
        }
    }
}
