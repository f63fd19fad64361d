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
