//! One shape for what the outputs say about a check, whether it is built in
//! (`src/checks/<family>/`) or an organisation's property rule: its id,
//! title, severity in force, condition, rationale, references, parameters
//! and remediation, with the parameter values in force filled in. The
//! profile builds it (`Baseline::check_info`), the report
//! carries it, and every renderer reads it from there.

use super::rules::PropertyRule;
use super::{Check, Family, Filled, Params, Reference, Scope, Severity};
use serde::Serialize;

/// What every output knows about a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub family: Family,
    /// The severity in force: the profile's override, else the baseline's.
    pub severity: Severity,
    pub scope: Scope,
    /// `false` when the profile disabled it (`explain` still describes it).
    pub enabled: bool,
    /// The pass condition, as text.
    pub condition: String,
    /// Why an incident responder needs it (may be empty for a rule).
    pub rationale: String,
    pub references: Vec<Reference>,
    /// The parameters it uses, each with the value in force.
    pub parameters: Vec<(&'static str, String)>,
    pub origin: Origin,
}

/// Where a check comes from, and what only that kind has.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Origin {
    BuiltIn {
        /// The severity the baseline specification gives it.
        baseline_severity: Severity,
        /// Rows of the recording spec's call set it reads.
        reads: &'static str,
        /// Portal steps, `az` command and Bicep, parameters filled in
        /// (resource names stay placeholders; results carry their own command).
        remediation: Filled,
    },
    Rule {
        resource_type: String,
        /// The CEL condition.
        cel: String,
        /// The CEL expression that selects the resources in scope.
        when: Option<String>,
        remediation: String,
    },
}

impl CheckInfo {
    /// A built-in check with the values in force; `severity` is `None` when
    /// the profile disabled it.
    pub fn built_in(c: &Check, severity: Option<Severity>, params: &Params) -> CheckInfo {
        CheckInfo {
            id: c.id,
            title: c.title,
            family: c.family,
            severity: severity.unwrap_or(c.severity),
            scope: c.scope,
            enabled: severity.is_some(),
            condition: c.condition.to_string(),
            rationale: c.rationale.to_string(),
            references: c.references.to_vec(),
            parameters: c
                .parameters
                .iter()
                .map(|p| (p.name(), params.get(*p).to_string()))
                .collect(),
            origin: Origin::BuiltIn {
                baseline_severity: c.severity,
                reads: c.reads,
                remediation: c.remediation.filled(params),
            },
        }
    }

    /// An organisation's property rule.
    pub fn rule(r: &PropertyRule) -> CheckInfo {
        let condition = match &r.when {
            Some(w) => format!(
                "For {} resources where `{w}`: `{}`",
                r.resource_type, r.condition
            ),
            None => format!("For {} resources: `{}`", r.resource_type, r.condition),
        };
        CheckInfo {
            id: r.id,
            title: r.title,
            family: Family::Custom,
            severity: r.severity,
            scope: Scope::Resource,
            enabled: true,
            condition,
            rationale: r.rationale.clone(),
            references: Vec::new(),
            parameters: Vec::new(),
            origin: Origin::Rule {
                resource_type: r.resource_type.clone(),
                cel: r.condition.clone(),
                when: r.when.clone(),
                remediation: r.remediation.clone(),
            },
        }
    }

    /// The references as "Framework id" labels.
    pub fn reference_labels(&self) -> Vec<String> {
        self.references
            .iter()
            .map(|r| format!("{} {}", r.framework.label(), r.id))
            .collect()
    }

    /// The remediation as plain text lines: numbered portal steps for a
    /// built-in check, the rule's own text for a rule.
    pub fn remediation_steps(&self) -> String {
        match &self.origin {
            Origin::BuiltIn { remediation, .. } => {
                let mut s = String::from("Remediation (Azure portal):\n");
                for (i, step) in remediation.portal.iter().enumerate() {
                    s.push_str(&format!("{}. {step}\n", i + 1));
                }
                s
            }
            Origin::Rule { remediation, .. } => format!("Remediation: {remediation}\n"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Baseline;
    use std::path::Path;

    fn northwind() -> Baseline {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/baseline-northwind.toml");
        Baseline::load(&path).expect("the example profile loads")
    }

    #[test]
    fn built_in_checks_carry_the_values_in_force() {
        let b = northwind();
        let law = b.check_info("az-law-001").unwrap();
        assert_eq!(law.id, "AZ-LAW-001");
        assert!(law.enabled);
        assert!(law
            .parameters
            .contains(&("law_min_retention_days", "365".to_string())));
        let Origin::BuiltIn { remediation, .. } = &law.origin else {
            panic!("a built-in check")
        };
        assert!(remediation.cli.contains("365"), "{}", remediation.cli);

        let kv = b.check_info("AZ-KV-006").unwrap();
        assert_eq!(kv.severity, Severity::Critical);
        assert!(
            matches!(kv.origin, Origin::BuiltIn { baseline_severity, .. } if baseline_severity != Severity::Critical)
        );

        let net = b.check_info("AZ-NET-003").unwrap();
        assert!(!net.enabled, "disabled by the profile, still described");
    }

    #[test]
    fn rules_have_the_same_shape() {
        let b = northwind();
        let r = b.check_info("nw-law-001").unwrap();
        assert_eq!(r.id, "NW-LAW-001");
        assert_eq!(r.family, Family::Custom);
        assert!(r
            .condition
            .starts_with("For Microsoft.OperationalInsights/workspaces resources"));
        assert!(matches!(&r.origin, Origin::Rule { remediation, .. } if !remediation.is_empty()));
        assert!(r.remediation_steps().starts_with("Remediation: "));
        assert!(b.check_info("NW-NOPE-001").is_none());
    }
}
