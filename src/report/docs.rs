//! Per-check documentation, generated from the checks' own metadata: printed
//! by `azward explain ID` and written to `checks/docs/ID.md` (a test fails
//! when those files are stale).

use crate::checks::rules::PropertyRule;
use crate::checks::Check;
use crate::profile::{Baseline, Params};

/// The current value of a named parameter, as text.
pub fn param_value(params: &Params, name: &str) -> String {
    let v = serde_json::to_value(params).unwrap_or_default();
    match v.get(name) {
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string())
            })
            .collect::<Vec<_>>()
            .join(", "),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "(unknown parameter)".into(),
    }
}

/// The full documentation of a check, as Markdown, with the severity and
/// parameter values of `baseline`.
pub fn explain(c: &Check, baseline: &Baseline) -> String {
    let params = &baseline.params;
    let severity = match baseline.severity_of(c.id) {
        Some(s) if s != c.severity => format!(
            "{s} (the baseline says {}; changed by the profile)",
            c.severity
        ),
        Some(s) => s.to_string(),
        None => format!("{} (disabled by the profile)", c.severity),
    };
    let mut s = String::new();
    s.push_str(&format!("# {}: {}\n\n", c.id, c.title));
    s.push_str(&format!(
        "- Family: {} ({})\n- Severity: {}\n- Scope: {}\n- Reads (recording call set rows): {}\n\n",
        c.family.name(),
        c.family.code(),
        severity,
        format!("{:?}", c.scope).to_lowercase(),
        c.reads
    ));
    s.push_str(&format!("## Passes when\n\n{}\n\n", c.condition));
    s.push_str(&format!("## Why it matters\n\n{}\n\n", c.rationale));
    if !c.parameters.is_empty() {
        s.push_str("## Parameters\n\n");
        for p in c.parameters {
            s.push_str(&format!("- `{p}` = {}\n", param_value(params, p)));
        }
        s.push('\n');
    }
    s.push_str("## Remediation\n\n### Portal\n\n");
    for (i, step) in c.remediation.portal.iter().enumerate() {
        s.push_str(&format!("{}. {step}\n", i + 1));
    }
    s.push_str(&format!(
        "\n### Azure CLI\n\n```sh\n{}\n```\n\n",
        c.remediation.cli
    ));
    s.push_str(&format!(
        "### Bicep\n\n```bicep\n{}\n```\n\n",
        c.remediation.bicep
    ));
    s.push_str("## References\n\n");
    for r in c.references {
        s.push_str(&format!("- {}: {}\n", r.framework.label(), r.id));
    }
    s
}

/// The documentation of an organisation's property rule.
pub fn explain_rule(r: &PropertyRule) -> String {
    let mut s = format!("# {}: {}\n\n", r.id, r.title);
    s.push_str(&format!(
        "- Family: Organisation rules (CUSTOM)\n- Severity: {}\n- Scope: resource\n- Resource type: {}\n\n",
        r.severity, r.resource_type
    ));
    s.push_str(&format!(
        "## Passes when\n\nThe CEL condition holds for the resource:\n\n```cel\n{}\n```\n\n",
        r.condition
    ));
    if let Some(w) = &r.when {
        s.push_str(&format!("Only resources for which this holds are in scope (others are not applicable):\n\n```cel\n{w}\n```\n\n"));
    }
    if !r.rationale.is_empty() {
        s.push_str(&format!("## Why it matters\n\n{}\n\n", r.rationale));
    }
    s.push_str(&format!("## Remediation\n\n{}\n", r.remediation));
    s
}
