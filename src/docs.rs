//! Per-check documentation, generated from the checks' own metadata: printed
//! by `azward explain ID` and written to `checks/docs/ID.md` (a test fails
//! when those files are stale).

use crate::baseline::Params;
use crate::checks::Check;

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

/// The full documentation of a check, as Markdown.
pub fn explain(c: &Check, params: &Params) -> String {
    let mut s = String::new();
    s.push_str(&format!("# {}: {}\n\n", c.id, c.title));
    s.push_str(&format!(
        "- Family: {} ({})\n- Severity: {}\n- Scope: {}\n- Reads (recording call set rows): {}\n\n",
        c.family.name(),
        c.family.code(),
        c.severity,
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
