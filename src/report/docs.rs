//! Per-check documentation, generated from the checks' own metadata: printed
//! by `azward explain ID` and written to `checks/docs/ID.md` (a test fails
//! when those files are stale).

use crate::checks::rules::PropertyRule;
use crate::checks::Check;
use crate::profile::Baseline;

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
            s.push_str(&format!("- `{p}` = {}\n", params.get(*p)));
        }
        s.push('\n');
    }
    s.push_str("## Remediation\n\n### Portal\n\n");
    let rem = c.remediation.filled(params);
    for (i, step) in rem.portal.iter().enumerate() {
        s.push_str(&format!("{}. {step}\n", i + 1));
    }
    s.push_str(&format!("\n### Azure CLI\n\n```sh\n{}\n```\n\n", rem.cli));
    s.push_str(&format!("### Bicep\n\n```bicep\n{}\n```\n\n", rem.bicep));
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
