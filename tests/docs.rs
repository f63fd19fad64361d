//! The per-check documentation in checks/docs is generated from the checks'
//! own metadata; this test fails when it is stale.
//! Regenerate with: AZWARD_UPDATE_DOCS=1 cargo test --test docs

use azward::checks::REGISTRY;
use azward::profile::Baseline;
use std::path::Path;

fn index(b: &Baseline) -> String {
    let mut s = String::from(
        "# azward checks\n\nGenerated from the code by `AZWARD_UPDATE_DOCS=1 cargo test --test docs`; do not edit.\n\n| ID | Severity | Family | Title |\n|---|---|---|---|\n",
    );
    for c in REGISTRY {
        s.push_str(&format!(
            "| [{id}]({id}.md) | {} | {} | {} |\n",
            b.severity_of(c.id).unwrap_or(c.severity),
            c.family.name(),
            c.title,
            id = c.id
        ));
    }
    s
}

#[test]
fn generated_check_docs_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("checks/docs");
    let update = std::env::var_os("AZWARD_UPDATE_DOCS").is_some();
    let b = Baseline::default();
    let mut expected: Vec<(String, String)> = REGISTRY
        .iter()
        .map(|c| {
            let info = b.check_info(c.id).expect("a built-in check");
            (format!("{}.md", c.id), azward::report::docs::explain(&info))
        })
        .collect();
    expected.push(("README.md".into(), index(&b)));
    let mut stale = Vec::new();
    for (name, text) in &expected {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, text).unwrap();
            } else {
                stale.push(name.clone());
            }
        }
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !expected.iter().any(|(n, _)| *n == name) {
            if update {
                std::fs::remove_file(dir.join(&name)).unwrap();
            } else {
                stale.push(format!("{name} (no such check)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "checks/docs is stale ({}); run: AZWARD_UPDATE_DOCS=1 cargo test --test docs",
        stale.join(", ")
    );
}

/// A table cell: one line, no column break.
fn cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// The generated part of docs/baseline.md: the parameters with their
/// defaults, and one table of checks per family, from the registry.
fn baseline_tables() -> String {
    use azward::checks::params::{Param, Params};
    use azward::model::Family;
    let defaults = Params::defaults();
    let mut s = String::from(
        "## Parameters (defaults come from the baseline's reference values)\n\n\
         A profile changes them (see [`baseline-profiles.md`](baseline-profiles.md)).\n\n\
         | name | default |\n|---|---|\n",
    );
    for p in Param::ALL {
        let v = defaults.get(p).to_string();
        s.push_str(&format!(
            "| `{}` | {} |\n",
            p.name(),
            if v.is_empty() {
                "empty".into()
            } else {
                cell(&v)
            }
        ));
    }
    s.push_str(&format!(
        "\n## Checks\n\n{} checks. Severity: C critical, H high, M medium, L low. Scope: T tenant, \
         S subscription, R per resource. Reads: rows of the call set in [`recording.md`](recording.md).\n",
        REGISTRY.len()
    ));
    for family in Family::ALL {
        let checks: Vec<_> = REGISTRY.iter().filter(|c| c.family == family).collect();
        if checks.is_empty() {
            continue;
        }
        s.push_str(&format!(
            "\n### {} ({})\n\n| ID | sev | scope | passes when | reads | refs |\n|---|---|---|---|---|---|\n",
            family.name(),
            family.code()
        ));
        for c in checks {
            let refs: Vec<String> = c
                .references
                .iter()
                .map(|r| format!("{} {}", r.framework.label(), r.id))
                .collect();
            s.push_str(&format!(
                "| [{id}](../checks/docs/{id}.md) | {} | {} | {} | {} | {} |\n",
                &c.severity.to_string()[..1].to_uppercase(),
                &format!("{:?}", c.scope)[..1],
                cell(c.condition),
                cell(c.reads),
                cell(&refs.join(", ")),
                id = c.id
            ));
        }
    }
    s
}

#[test]
fn docs_baseline_tables_are_current() {
    const BEGIN: &str = "<!-- generated: begin (AZWARD_UPDATE_DOCS=1 cargo test --test docs) -->\n";
    const END: &str = "<!-- generated: end -->\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/baseline.md");
    let text = std::fs::read_to_string(&path).expect("docs/baseline.md");
    let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
        panic!("docs/baseline.md lost its generated markers");
    };
    assert!(b < e, "docs/baseline.md: markers out of order");
    let fresh = format!(
        "{}{BEGIN}{}{END}{}",
        &text[..b],
        baseline_tables(),
        &text[e + END.len()..]
    );
    if fresh != text {
        assert!(
            std::env::var_os("AZWARD_UPDATE_DOCS").is_some(),
            "docs/baseline.md's generated tables are stale; run: AZWARD_UPDATE_DOCS=1 cargo test --test docs"
        );
        std::fs::write(&path, fresh).unwrap();
    }
}
