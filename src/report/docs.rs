//! Per-check documentation, generated from the checks' own metadata: printed
//! by `azward explain ID` and written to `checks/docs/ID.md` (a test fails
//! when those files are stale). Built-in checks and property rules are both
//! described from their [`CheckInfo`].

use crate::checks::{CheckInfo, Origin};

/// The full documentation of a check, as Markdown, with the severity and
/// parameter values in force.
pub fn explain(c: &CheckInfo) -> String {
    let mut s = format!("# {}: {}\n\n", c.id, c.title);
    match &c.origin {
        Origin::BuiltIn {
            baseline_severity,
            reads,
            remediation,
        } => {
            let severity = if !c.enabled {
                format!("{baseline_severity} (disabled by the profile)")
            } else if c.severity != *baseline_severity {
                format!(
                    "{} (the baseline says {baseline_severity}; changed by the profile)",
                    c.severity
                )
            } else {
                c.severity.to_string()
            };
            s.push_str(&format!(
                "- Family: {} ({})\n- Severity: {}\n- Scope: {}\n- Reads (recording call set rows): {}\n\n",
                c.family.name(),
                c.family.code(),
                severity,
                format!("{:?}", c.scope).to_lowercase(),
                reads
            ));
            s.push_str(&format!("## Passes when\n\n{}\n\n", c.condition));
            s.push_str(&format!("## Why it matters\n\n{}\n\n", c.rationale));
            if !c.parameters.is_empty() {
                s.push_str("## Parameters\n\n");
                for (name, value) in &c.parameters {
                    s.push_str(&format!("- `{name}` = {value}\n"));
                }
                s.push('\n');
            }
            s.push_str("## Remediation\n\n### Portal\n\n");
            for (i, step) in remediation.portal.iter().enumerate() {
                s.push_str(&format!("{}. {step}\n", i + 1));
            }
            s.push_str(&format!(
                "\n### Azure CLI\n\n```sh\n{}\n```\n\n",
                remediation.cli
            ));
            s.push_str(&format!(
                "### Bicep\n\n```bicep\n{}\n```\n\n",
                remediation.bicep
            ));
            s.push_str("## References\n\n");
            for r in &c.references {
                s.push_str(&format!("- {}: {}\n", r.framework.label(), r.id));
            }
        }
        Origin::Rule {
            resource_type,
            cel,
            when,
            remediation,
        } => {
            s.push_str(&format!(
                "- Family: {} ({})\n- Severity: {}\n- Scope: resource\n- Resource type: {}\n\n",
                c.family.name(),
                c.family.code(),
                c.severity,
                resource_type
            ));
            s.push_str(&format!(
                "## Passes when\n\nThe CEL condition holds for the resource:\n\n```cel\n{cel}\n```\n\n"
            ));
            if let Some(w) = when {
                s.push_str(&format!("Only resources for which this holds are in scope (others are not applicable):\n\n```cel\n{w}\n```\n\n"));
            }
            if !c.rationale.is_empty() {
                s.push_str(&format!("## Why it matters\n\n{}\n\n", c.rationale));
            }
            s.push_str(&format!("## Remediation\n\n{remediation}\n"));
        }
    }
    s
}
