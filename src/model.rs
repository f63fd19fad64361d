//! The vocabulary every layer shares: severities, statuses, families,
//! scopes and framework references. No azward types below this one but
//! [`crate::util`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// The JSON report's schema version, bumped on any incompatible change.
pub const SCHEMA_VERSION: &str = "1.0";

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
    /// Machines: operating-system evidence (baseline 1.2).
    Vm,
    /// Evidence in motion: is the evidence arriving (baseline 1.2).
    Flow,
    /// Tamper history: the Activity Log (baseline 1.2).
    Hist,
    /// An organisation's property rules.
    Custom,
}

impl Family {
    pub const ALL: [Family; 12] = [
        Family::Mon,
        Family::Law,
        Family::Entra,
        Family::Kv,
        Family::St,
        Family::Net,
        Family::Def,
        Family::Sen,
        Family::Vm,
        Family::Flow,
        Family::Hist,
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
            Family::Vm => "VM",
            Family::Flow => "FLOW",
            Family::Hist => "HIST",
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
            Family::Vm => "Machines",
            Family::Flow => "Evidence in motion",
            Family::Hist => "Tamper history",
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

/// A resource id as Azure returned it. Ids compare case-insensitively,
/// ignoring surrounding blanks and a missing leading or a trailing slash:
/// [`ResourceId::key`] is the one normalization, and equality, ordering and
/// hashing all go through it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ResourceId(String);

impl ResourceId {
    pub fn new(id: impl Into<String>) -> Self {
        ResourceId(id.into())
    }
    /// The id as Azure returned it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
    /// The comparison key: lower case, one leading `/`, no trailing `/`.
    pub fn key(&self) -> String {
        norm_id(&self.0)
    }
    /// The lower-case subscription GUID inside the id.
    pub fn subscription(&self) -> Option<String> {
        subscription_of(&self.0)
    }
}

impl PartialEq for ResourceId {
    fn eq(&self, other: &Self) -> bool {
        same_id(&self.0, &other.0)
    }
}
impl Eq for ResourceId {}
impl PartialEq<str> for ResourceId {
    fn eq(&self, other: &str) -> bool {
        same_id(&self.0, other)
    }
}
impl PartialEq<&str> for ResourceId {
    fn eq(&self, other: &&str) -> bool {
        same_id(&self.0, other)
    }
}
impl PartialEq<String> for ResourceId {
    fn eq(&self, other: &String) -> bool {
        same_id(&self.0, other)
    }
}
impl std::hash::Hash for ResourceId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state)
    }
}
impl PartialOrd for ResourceId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ResourceId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}
impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::ops::Deref for ResourceId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}
impl AsRef<str> for ResourceId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}
impl From<String> for ResourceId {
    fn from(s: String) -> Self {
        ResourceId(s)
    }
}
impl From<&str> for ResourceId {
    fn from(s: &str) -> Self {
        ResourceId(s.to_string())
    }
}
impl From<&String> for ResourceId {
    fn from(s: &String) -> Self {
        ResourceId(s.clone())
    }
}

/// Resource ids compare case-insensitively, ignoring a missing leading or a
/// trailing slash (the comparison [`ResourceId`] makes, on bare strings).
pub fn same_id(a: &str, b: &str) -> bool {
    let (x, y) = (bare_id(a), bare_id(b));
    if x.is_ascii() && y.is_ascii() {
        // The common case, without building either key.
        return x.eq_ignore_ascii_case(y);
    }
    norm_id(a) == norm_id(b)
}

/// An id without surrounding blanks and slashes (what [`norm_id`] lower-cases).
fn bare_id(id: &str) -> &str {
    id.trim().trim_end_matches('/').trim_start_matches('/')
}

/// The comparison key of a resource id: lower case, one leading `/`, no
/// trailing `/`. The one normalization of resource ids in azward.
pub fn norm_id(id: &str) -> String {
    let t = bare_id(id);
    let mut s = String::with_capacity(t.len() + 1);
    s.push('/');
    s.push_str(&t.to_lowercase());
    s
}

/// The subscription GUID inside a resource id, lower-cased.
pub fn subscription_of(id: &str) -> Option<String> {
    let mut parts = id.split('/').filter(|s| !s.is_empty());
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case("subscriptions") {
            return parts.next().map(|s| s.to_ascii_lowercase());
        }
    }
    None
}

/// The identity of a result, in one report or across two: check id (upper
/// case), the [`norm_id`] of the resource, the item (lower case; none is
/// empty). Results sort by it, `diff` matches by it, waivers and the "new"
/// marks look results up by it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResultKey {
    pub check_id: String,
    pub resource: String,
    pub item: String,
}

impl ResultKey {
    pub fn new(check_id: &str, resource_id: &str, item: Option<&str>) -> Self {
        ResultKey {
            check_id: check_id.to_ascii_uppercase(),
            resource: norm_id(resource_id),
            item: item.unwrap_or_default().to_lowercase(),
        }
    }
}
