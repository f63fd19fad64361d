//! The baseline in force for a scan: which checks run, at which severity,
//! with which parameters, and the organisation's own property rules.
//!
//! The default profile is data, `checks/baseline.toml`, compiled in. An
//! organisation profile (`--baseline FILE`) extends it: it may disable
//! checks, change severities and parameters, and add property rules. Every
//! problem in a profile is reported with its line and column
//! (docs/baseline-profiles.md).

use crate::checks::rules::PropertyRule;
use crate::checks::{self, Check, CheckInfo, Severity, REGISTRY};
use crate::util::diagnostics::{Collector, Diagnostics};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml_edit::{Item, TableLike};

/// The version of the baseline specification the checks implement.
pub const BASELINE_VERSION: &str = "1.2";

/// The default profile, as shipped.
pub const DEFAULT_PROFILE: &str = include_str!("../../checks/baseline.toml");
pub const DEFAULT_PROFILE_PATH: &str = "checks/baseline.toml";

pub use crate::checks::params::{Kind, Param, Params};

impl Params {
    /// The default profile's parameters.
    pub fn defaults() -> Params {
        Baseline::default().params
    }
}

/// A check as the baseline enables it.
#[derive(Debug, Clone, Serialize)]
pub struct EnabledCheck {
    #[serde(skip)]
    pub check: &'static Check,
    pub id: &'static str,
    /// The effective severity, after the profile's overrides.
    pub severity: Severity,
}

/// The baseline in force.
#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    pub name: String,
    /// Version of the baseline specification.
    pub version: String,
    /// The organisation profile file, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    pub params: Params,
    /// Enabled built-in checks, in id order.
    #[serde(skip)]
    pub checks: Vec<EnabledCheck>,
    /// Built-in checks the profile disabled.
    pub disabled: Vec<&'static str>,
    /// Severities that differ from the baseline specification's.
    pub severity_overrides: BTreeMap<&'static str, Severity>,
    /// The organisation's property rules, in file order.
    pub rules: Vec<Arc<PropertyRule>>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Diagnostics),
}

impl Default for Baseline {
    fn default() -> Self {
        let empty = Baseline {
            name: String::new(),
            version: BASELINE_VERSION.into(),
            profile: None,
            params: Params::default(),
            checks: Vec::new(),
            disabled: Vec::new(),
            severity_overrides: BTreeMap::new(),
            rules: Vec::new(),
        };
        apply_profile(
            &empty,
            DEFAULT_PROFILE,
            Path::new(DEFAULT_PROFILE_PATH),
            true,
        )
        .expect("the default profile is valid (tested)")
    }
}

impl Baseline {
    /// Loads an organisation profile that extends the default.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io {
            path: path.into(),
            source,
        })?;
        let mut b = apply_profile(&Baseline::default(), &text, path, false)
            .map_err(BaselineError::Invalid)?;
        b.profile = Some(path.display().to_string());
        Ok(b)
    }

    /// Parses a profile's text over the default (for tests and tools).
    pub fn from_profile(text: &str, path: &Path) -> Result<Baseline, Diagnostics> {
        apply_profile(&Baseline::default(), text, path, false)
    }

    pub fn severity_of(&self, id: &str) -> Option<Severity> {
        self.checks
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.severity)
            .or_else(|| self.rules.iter().find(|r| r.id == id).map(|r| r.severity))
    }

    /// What the outputs say about check `id` (built-in, enabled or not, or a
    /// rule of this baseline), with the severity and parameters in force.
    pub fn check_info(&self, id: &str) -> Option<CheckInfo> {
        if let Some(c) = crate::checks::find(id) {
            let severity = self
                .checks
                .iter()
                .find(|e| e.id == c.id)
                .map(|e| e.severity);
            return Some(CheckInfo::built_in(c, severity, &self.params));
        }
        self.rules
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
            .map(|r| CheckInfo::rule(r))
    }

    /// The ids a waiver may name: every built-in check (enabled or not) and
    /// every rule of this baseline.
    pub fn known_ids(&self) -> Vec<String> {
        crate::checks::REGISTRY
            .iter()
            .map(|c| c.id.to_string())
            .chain(self.rules.iter().map(|r| r.id.to_string()))
            .collect()
    }
}

fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Value(v) => v.type_name(),
        Item::Table(_) => "table",
        Item::ArrayOfTables(_) => "array of tables",
    }
}

fn key_span(t: &dyn TableLike, key: &str) -> Option<std::ops::Range<usize>> {
    t.key(key)
        .and_then(|k| k.span())
        .or_else(|| t.get(key).and_then(|i| i.span()))
}

fn string_list(item: &Item) -> Option<Vec<String>> {
    let arr = item.as_array()?;
    arr.iter().map(|v| v.as_str().map(str::to_string)).collect()
}

/// Applies a profile's text over `base`. `is_default` requires every
/// parameter and check to be listed (the shipped profile is complete).
fn apply_profile(
    base: &Baseline,
    text: &str,
    path: &Path,
    is_default: bool,
) -> Result<Baseline, Diagnostics> {
    let mut c = Collector::new(path, text);
    let doc = match toml_edit::Document::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let (span, message) = crate::util::diagnostics::first_toml_error(text, &e);
            c.at(span, format!("not valid TOML: {message}"));
            return Err(c.finish().expect_err("one problem recorded"));
        }
    };
    let root = doc.as_table();
    let mut out = base.clone();
    let mut enabled: BTreeMap<&'static str, bool> = base
        .checks
        .iter()
        .map(|e| (e.id, true))
        .chain(base.disabled.iter().map(|d| (*d, false)))
        .collect();
    let mut severities: BTreeMap<&'static str, Severity> =
        base.checks.iter().map(|e| (e.id, e.severity)).collect();
    for d in &base.disabled {
        severities
            .entry(d)
            .or_insert_with(|| checks::find(d).map(|c| c.severity).unwrap_or(Severity::Low));
    }

    for (key, item) in root.iter() {
        let span = key_span(root, key);
        match key {
            "name" | "description" => match item.as_str() {
                Some(s) if key == "name" => out.name = s.to_string(),
                Some(_) => {}
                None => c.at(span, format!("`{key}` must be a string, found {}", type_name(item))),
            },
            "baseline_version" => match item.as_str() {
                // 1.2 adds checks and parameters to 1.1 and changes none:
                // a profile written for 1.1 means the same under 1.2.
                Some(v) if v == BASELINE_VERSION || v == "1.1" => {}
                Some(v) => c.at(span, format!("`baseline_version` {v:?} is not supported (this azward implements {BASELINE_VERSION})")),
                None => c.at(span, format!("`baseline_version` must be a string, found {}", type_name(item))),
            },
            "extends" if !is_default => match item.as_str() {
                Some("default") => {}
                Some(other) => c.at(span, format!("`extends` {other:?}: only \"default\" (the shipped profile) can be extended")),
                None => c.at(span, format!("`extends` must be a string, found {}", type_name(item))),
            },
            "parameters" => match item.as_table_like() {
                Some(t) => parameters(&mut c, t, &mut out.params),
                None => c.at(span, format!("`parameters` must be a table, found {}", type_name(item))),
            },
            "checks" => match item.as_table_like() {
                Some(t) => check_settings(&mut c, t, &mut enabled, &mut severities, is_default),
                None => c.at(span, format!("`checks` must be a table, found {}", type_name(item))),
            },
            "rules" if !is_default => match item.as_array_of_tables() {
                Some(aot) => {
                    let mut seen: Vec<String> = Vec::new();
                    for table in aot.iter() {
                        if let Some(rule) = crate::checks::rules::parse_rule(&mut c, table, &seen) {
                            out.rules.push(Arc::new(rule));
                        }
                        if let Some(id) = table.get("id").and_then(|i| i.as_str()) {
                            seen.push(id.to_string());
                        }
                    }
                }
                None => c.at(span, format!("`rules` must be an array of tables ([[rules]]), found {}", type_name(item))),
            },
            other => c.at(span, format!("unknown key `{other}` (expected name, description, extends, parameters, checks, rules)")),
        }
    }
    if is_default {
        let params = root.get("parameters").and_then(|i| i.as_table_like());
        for name in Param::ALL.map(Param::name) {
            if params.is_none_or(|p| p.get(name).is_none()) {
                c.at(
                    None,
                    format!("the default profile must set parameter `{name}`"),
                );
            }
        }
        for check in REGISTRY {
            if !enabled.contains_key(check.id) {
                c.at(
                    None,
                    format!("the default profile must list check `{}`", check.id),
                );
            }
        }
    }
    c.finish()?;

    out.checks = REGISTRY
        .iter()
        .filter(|chk| enabled.get(chk.id).copied().unwrap_or(false))
        .map(|chk| EnabledCheck {
            check: chk,
            id: chk.id,
            severity: severities.get(chk.id).copied().unwrap_or(chk.severity),
        })
        .collect();
    out.disabled = REGISTRY
        .iter()
        .filter(|chk| !enabled.get(chk.id).copied().unwrap_or(false))
        .map(|chk| chk.id)
        .collect();
    out.severity_overrides = REGISTRY
        .iter()
        .filter_map(|chk| {
            severities
                .get(chk.id)
                .filter(|s| **s != chk.severity)
                .map(|s| (chk.id, *s))
        })
        .collect();
    Ok(out)
}

/// List parameters that name what a check requires: never empty.
const REQUIRED_LISTS: [Param; 4] = [
    Param::RequiredDefenderPlans,
    Param::RequiredSentinelConnectors,
    Param::SecurityTables,
    Param::RequiredDetectionTechniques,
];

fn parameters(c: &mut Collector, t: &dyn TableLike, params: &mut Params) {
    for (name, item) in t.iter() {
        let span = key_span(t, name);
        let Some(param) = Param::parse(name) else {
            let known: Vec<&str> = Param::ALL.iter().map(|p| p.name()).collect();
            c.at(
                span,
                format!("unknown parameter `{name}` (known: {})", known.join(", ")),
            );
            continue;
        };
        let vspan = item.span().or(span.clone());
        match param.kind() {
            Kind::Int(min) => match item.as_integer() {
                Some(v) if v >= min && v <= param.max() => params.set_int(param, v),
                Some(v) if v < min => c.at(
                    vspan,
                    format!("parameter `{name}` must be at least {min}, found {v}"),
                ),
                Some(v) => c.at(
                    vspan,
                    format!("parameter `{name}` must be at most {}, found {v}", param.max()),
                ),
                None => c.at(
                    vspan,
                    format!(
                        "parameter `{name}` must be an integer, found {}",
                        type_name(item)
                    ),
                ),
            },
            Kind::Str => match item.as_str() {
                Some(v) if !v.trim().is_empty() => params.set_str(param, v.to_string()),
                Some(_) => c.at(vspan, format!("parameter `{name}` must not be empty")),
                None => c.at(
                    vspan,
                    format!(
                        "parameter `{name}` must be a string, found {}",
                        type_name(item)
                    ),
                ),
            },
            Kind::List => match string_list(item) {
                // An empty list of what is required is met by anything: a
                // vacuous pass, never what a profile means.
                Some(v) if v.is_empty() && REQUIRED_LISTS.contains(&param) => c.at(
                    vspan,
                    format!("parameter `{name}` must not be empty (it lists what is required; disable the check instead)"),
                ),
                // The security tables are written into the workspace queries
                // (KQL): a name is a table name, never query text.
                Some(v) if param == Param::SecurityTables && v.iter().any(|t| !is_table_name(t)) => {
                    let bad = v.iter().find(|t| !is_table_name(t)).expect("found");
                    c.at(
                        vspan,
                        format!(
                            "parameter `{name}`: {:?} is not a table name (letters, digits and _, starting with a letter or _; at most 256)",
                            crate::util::text::printable(bad)
                        ),
                    )
                }
                Some(v) => params.set_list(param, v),
                None => c.at(
                    vspan,
                    format!(
                        "parameter `{name}` must be an array of strings, found {}",
                        type_name(item)
                    ),
                ),
            },
        }
    }
}

impl crate::azure::flow::FlowQueries {
    /// What the workspace queries ask under these parameters.
    pub fn from_params(p: &Params) -> Self {
        crate::azure::flow::FlowQueries {
            tables: p.security_tables.clone(),
            lookback_days: p.flow_lookback_days,
        }
    }
}

impl Default for crate::azure::flow::FlowQueries {
    /// The default baseline's tables and window.
    fn default() -> Self {
        Self::from_params(&Params::defaults())
    }
}

/// A Log Analytics table name: what `security_tables` may hold.
fn is_table_name(t: &str) -> bool {
    let mut chars = t.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && t.len() <= 256
}

fn check_settings(
    c: &mut Collector,
    t: &dyn TableLike,
    enabled: &mut BTreeMap<&'static str, bool>,
    severities: &mut BTreeMap<&'static str, Severity>,
    is_default: bool,
) {
    for (id, item) in t.iter() {
        let span = key_span(t, id);
        let Some(check) = checks::find(id) else {
            c.at(
                span,
                format!("unknown check id `{id}` (`azward checks` lists them)"),
            );
            continue;
        };
        if check.id != id {
            c.at(
                span,
                format!("check id `{id}` must be written `{}`", check.id),
            );
            continue;
        }
        let Some(settings) = item.as_table_like() else {
            c.at(
                span,
                format!(
                    "`checks.{id}` must be a table such as {{ enabled = false }}, found {}",
                    type_name(item)
                ),
            );
            continue;
        };
        if is_default {
            enabled.insert(check.id, true);
        }
        for (k, v) in settings.iter() {
            let kspan = key_span(settings, k);
            match k {
                "enabled" => match v.as_bool() {
                    Some(b) => {
                        enabled.insert(check.id, b);
                    }
                    None => c.at(kspan, format!("`checks.{id}.enabled` must be true or false, found {}", type_name(v))),
                },
                "severity" => match v.as_str().and_then(Severity::parse) {
                    Some(s) => {
                        severities.insert(check.id, s);
                    }
                    None => c.at(
                        v.span().or(kspan),
                        format!("`checks.{id}.severity` must be one of critical, high, medium, low, found {}", v.as_str().map(|s| format!("{s:?}")).unwrap_or_else(|| type_name(v).to_string())),
                    ),
                },
                other => c.at(kspan, format!("unknown key `{other}` in `checks.{id}` (expected enabled, severity)")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_profile_is_the_baseline() {
        let b = Baseline::default();
        assert_eq!(b.name, "azward default");
        assert_eq!(b.checks.len(), REGISTRY.len(), "every check enabled");
        assert!(
            b.disabled.is_empty() && b.severity_overrides.is_empty(),
            "severities as the checks declare them"
        );
        let p = &b.params;
        assert_eq!(
            (p.law_min_retention_days, p.law_min_total_retention_days),
            (90, 365)
        );
        assert_eq!(
            (
                p.archive_min_immutability_days,
                p.flow_log_min_retention_days
            ),
            (365, 90)
        );
        assert_eq!(p.security_tables.len(), 10);
        assert_eq!(p.required_defender_plans.len(), 8);
        assert_eq!(p.defender_servers_plan, "P2");
        assert_eq!(p.kv_max_privileged_principals, 5);
        assert_eq!(
            p.required_sentinel_connectors,
            [
                "EntraIDLogs",
                "AzureSecurityCenter",
                "MicrosoftThreatProtection"
            ]
        );
        assert_eq!(p.dedicated_table_types.len(), 3);
    }

    #[test]
    fn a_profile_overrides_and_disables() {
        let text = r#"
name = "contoso"
extends = "default"
[parameters]
law_min_retention_days = 365
security_tables = ["SigninLogs"]
[checks]
"AZ-MON-001" = { enabled = false }
"AZ-KV-003" = { severity = "critical" }
"#;
        let b = Baseline::from_profile(text, Path::new("p.toml")).unwrap();
        assert_eq!(b.name, "contoso");
        assert_eq!(b.params.law_min_retention_days, 365);
        assert_eq!(b.params.security_tables, ["SigninLogs"]);
        assert_eq!(
            b.params.law_min_total_retention_days, 365,
            "others keep their defaults"
        );
        assert!(b.disabled.contains(&"AZ-MON-001"));
        assert!(!b.checks.iter().any(|c| c.id == "AZ-MON-001"));
        assert_eq!(b.severity_of("AZ-KV-003"), Some(Severity::Critical));
        assert_eq!(
            b.severity_overrides.get("AZ-KV-003"),
            Some(&Severity::Critical)
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_position() {
        let text = r#"name = 1
colour = "blue"
[parameters]
law_min_retention_days = "ninety"
flow_log_min_retention_days = -1
security_tables = [1, 2]
unknown_param = 3
[checks]
"AZ-NOPE-001" = { enabled = false }
"AZ-KV-003" = { enabled = "no", severity = "severe", mute = true }
"AZ-KV-004" = false
"#;
        let e = Baseline::from_profile(text, Path::new("org.toml"))
            .unwrap_err()
            .to_string();
        let expected = [
            "org.toml:1:1: `name` must be a string, found integer",
            "org.toml:2:1: unknown key `colour` (expected name, description, extends, parameters, checks, rules)",
            "org.toml:4:26: parameter `law_min_retention_days` must be an integer, found string",
            "org.toml:5:31: parameter `flow_log_min_retention_days` must be at least 0, found -1",
            "org.toml:6:19: parameter `security_tables` must be an array of strings, found array",
            "org.toml:7:1: unknown parameter `unknown_param`",
            "org.toml:9:1: unknown check id `AZ-NOPE-001` (`azward checks` lists them)",
            "org.toml:10:17: `checks.AZ-KV-003.enabled` must be true or false, found string",
            "org.toml:10:44: `checks.AZ-KV-003.severity` must be one of critical, high, medium, low, found \"severe\"",
            "org.toml:10:54: unknown key `mute` in `checks.AZ-KV-003` (expected enabled, severity)",
            "org.toml:11:1: `checks.AZ-KV-004` must be a table such as { enabled = false }, found boolean",
        ];
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), expected.len(), "{e}");
        for (got, want) in lines.iter().zip(expected) {
            assert!(got.starts_with(want), "got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn empty_required_lists_are_refused_with_their_position() {
        let text = "[parameters]\nrequired_defender_plans = []\nrequired_sentinel_connectors = [ ]\nsecurity_tables = []\n";
        let e = Baseline::from_profile(text, Path::new("org.toml"))
            .unwrap_err()
            .to_string();
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 3, "{e}");
        assert!(
            lines[0].starts_with(
                "org.toml:2:27: parameter `required_defender_plans` must not be empty"
            ),
            "{e}"
        );
        assert!(
            lines[1].starts_with(
                "org.toml:3:32: parameter `required_sentinel_connectors` must not be empty"
            ),
            "{e}"
        );
        assert!(
            lines[2].starts_with("org.toml:4:19: parameter `security_tables` must not be empty"),
            "{e}"
        );
    }

    #[test]
    fn security_tables_are_table_names_and_the_lookback_is_bounded() {
        let text = "[parameters]\nsecurity_tables = [\"SigninLogs\", \"Custom_CL\", \"AuditLogs | take 0; datatable(x:int)[1]\"]\nflow_lookback_days = 91\nflow_max_silence_hours = 0\n";
        let e = Baseline::from_profile(text, Path::new("org.toml"))
            .unwrap_err()
            .to_string();
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 3, "{e}");
        assert!(lines[0].starts_with("org.toml:2:19: parameter `security_tables`: \"AuditLogs | take 0; datatable(x:int)[1]\" is not a table name"), "{e}");
        assert!(
            lines[1].starts_with(
                "org.toml:3:22: parameter `flow_lookback_days` must be at most 90, found 91"
            ),
            "{e}"
        );
        assert!(
            lines[2].starts_with(
                "org.toml:4:26: parameter `flow_max_silence_hours` must be at least 1, found 0"
            ),
            "{e}"
        );
        let ok = "[parameters]\nsecurity_tables = [\"SigninLogs\", \"Custom_CL\", \"_Private1\"]\nflow_lookback_days = 90\n";
        let b = Baseline::from_profile(ok, Path::new("org.toml")).unwrap();
        assert_eq!(b.params.flow_lookback_days, 90);
    }

    #[test]
    fn the_first_toml_syntax_error_is_the_one_reported() {
        let text = "name = \"a\"\nx = = 1\n[parameters\ny = \n";
        let e = Baseline::from_profile(text, Path::new("bad.toml")).unwrap_err();
        assert_eq!(e.0.len(), 1, "{e}");
        assert_eq!(e.0[0].line, 2, "{e}");
    }

    fn rule(condition: &str) -> String {
        format!(
            "[[rules]]\nid = \"NW-X-001\"\ntitle = \"t\"\nresource_type = \"Microsoft.Logic/workflows\"\nseverity = \"low\"\nremediation = \"r\"\ncondition = '{condition}'\n"
        )
    }

    #[test]
    fn a_cel_expression_too_deep_is_a_positioned_error_not_a_stack_overflow() {
        for cond in [
            format!("{}true{}", "(".repeat(10_000), ")".repeat(10_000)),
            format!("{}true", "!".repeat(10_000)),
            format!("[{}]", "[".repeat(10_000) + &"]".repeat(10_000)),
            format!("resource{} == 1", ".a".repeat(10_000)),
            format!("true{}", " && true".repeat(10_000)),
            format!("1{} == 1", " + 1".repeat(10_000)),
            format!("{}1 == 1", "-".repeat(10_000)),
            format!("resource{} == 1", "[0]".repeat(10_000)),
        ] {
            // On a small stack, as a test thread has: the parser must not recurse 10,000 deep.
            let text = rule(&cond);
            let e = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(
                    move || match Baseline::from_profile(&text, Path::new("org.toml")) {
                        Err(e) => e.to_string(),
                        Ok(_) => "compiled".to_string(),
                    },
                )
                .unwrap()
                .join()
                .expect("no stack overflow");
            assert!(
                e.starts_with("org.toml:7:13: `condition` is nested too deep"),
                "{e}"
            );
        }
        // Just under the limits, the longest chains compile and run on that stack.
        for cond in [
            format!("has(resource{}) || true", ".a".repeat(490)),
            format!("{}true", "!".repeat(998)),
            format!("true{}", " && true".repeat(499)),
        ] {
            let text = rule(&cond);
            std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || {
                    let b = Baseline::from_profile(&text, Path::new("org.toml")).unwrap();
                    b.rules[0].evaluate(&vault_estate())
                })
                .unwrap()
                .join()
                .expect("no stack overflow");
        }
    }

    #[test]
    fn cel_macros_work_in_property_rules() {
        let text = rule("resource.name.size() > 0 && [1, 2].all(x, x > 0) && [1, 2].exists(x, x == 2) && has(resource.properties) && [1].map(x, x * 2) == [2] && [1, 2].filter(x, x > 1).size() == 1 && [1].exists_one(x, x == 1)");
        let b = Baseline::from_profile(&text, Path::new("org.toml")).unwrap();
        let f = b.rules[0].evaluate(&vault_estate());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, crate::checks::Status::Pass, "{}", f[0].reason);
    }

    fn vault_estate() -> crate::inventory::Inventory {
        let mut inv = crate::inventory::Inventory::new(Some("t".into()));
        let mut sub = crate::inventory::Subscription::empty("s");
        let vault: crate::inventory::GenericResource = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Logic/workflows/kv",
            "name": "kv",
            "type": "Microsoft.Logic/workflows"
        }))
        .unwrap();
        sub.resources = Ok(crate::inventory::Listing {
            items: vec![vault],
            ..Default::default()
        });
        inv.subscriptions.push(sub);
        inv
    }

    #[test]
    fn invalid_toml_is_one_positioned_error() {
        let e = Baseline::from_profile("[parameters\nx = 1\n", Path::new("bad.toml")).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!((e.0[0].line, e.0[0].file.to_str()), (1, Some("bad.toml")));
        assert!(e.0[0].message.starts_with("not valid TOML"), "{e}");
    }

    #[test]
    fn the_first_toml_error_in_the_file_is_the_one_reported() {
        // A bad value above an unclosed array: toml_edit alone reports the array.
        for text in [
            "extends = \"default\"\nfoo = 1x\nbar = [\n",
            "extends = \"default\"\nfoo = \"open\nbar = [\n",
            "extends = \"default\"\nfoo = 2027-02-30\n[parameters\n",
        ] {
            let e = Baseline::from_profile(text, Path::new("bad.toml")).unwrap_err();
            assert_eq!(e.0.len(), 1, "{e}");
            assert_eq!(e.0[0].line, 2, "{text:?}: {e}");
        }
    }
}
