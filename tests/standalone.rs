//! The repository stands alone: no test, build or CI file reads anything
//! beside the checkout (the team's reference folder is a reference, not an
//! input), and every relative link in the user-facing Markdown resolves to a
//! file inside the repository.

use std::path::{Component, Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            // Copied upstream bodies and generated recordings are data, not code.
            if !matches!(
                name.as_str(),
                "target" | "fixtures" | "recordings" | "snapshots"
            ) {
                walk(&p, out);
            }
        } else if [".rs", ".sh", ".yml", ".yaml", ".toml", "run"]
            .iter()
            .any(|x| name.ends_with(x))
        {
            out.push(p);
        }
    }
}

/// Paths that would reach outside the checkout, spelt so that this file
/// does not match itself.
fn outside_markers() -> Vec<String> {
    let up = "..".to_string() + "/";
    vec![
        format!("{up}shared"),
        format!("{up}{up}"),
        ["shared", "specs"].join("/"),
        ["shared", "arm-examples"].join("/"),
        ["shared", "schemas"].join("/"),
        ["", "work", ""].join("/"),
    ]
}

#[test]
fn no_code_reads_outside_the_repository() {
    let mut files = Vec::new();
    for d in [
        "src", "tests", "lab", ".ci", ".github", "checks", "examples",
    ] {
        walk(&root().join(d), &mut files);
    }
    files.push(root().join("Cargo.toml"));
    files.push(root().join("action.yml"));
    assert!(files.len() > 100, "found only {} files", files.len());
    let markers = outside_markers();
    let mut found = Vec::new();
    for f in files.iter().filter(|f| !f.ends_with("tests/standalone.rs")) {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            // `include_str!("../../x")` inside src/ stays inside the repository;
            // what matters is a path that leaves it.
            for m in &markers {
                if line.contains(m.as_str()) && escapes(f, line, m) {
                    found.push(format!(
                        "{}:{}: {}",
                        f.strip_prefix(root()).unwrap().display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "paths outside the repository:\n{}",
        found.join("\n")
    );
}

/// Whether the quoted path around `marker` in `line` leaves the repository
/// when resolved from `file`'s directory (or is absolute).
fn escapes(file: &Path, line: &str, marker: &str) -> bool {
    if marker != format!("{0}/{0}/", "..") {
        return true; // the team's folder or an absolute path: outside, wherever it is read from
    }
    let at = line.find(marker).unwrap();
    let start = line[..at]
        .rfind(['"', '\'', '`', '(', ' '])
        .map_or(0, |i| i + 1);
    let rest = &line[start..];
    let end = rest.find(['"', '\'', '`', ')', ' ']).unwrap_or(rest.len());
    let rel = &rest[..end];
    !inside(&file.parent().unwrap().join(rel)) && !inside(&root().join(rel))
}

/// Resolves `.` and `..` without touching the file system.
fn inside(p: &Path) -> bool {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out.starts_with(root())
}

#[test]
fn markdown_links_resolve_inside_the_repository() {
    let mut docs = vec![root().join("README.md"), root().join("DEVELOPERS.md")];
    for d in ["docs", "demo", "tests/fixtures/arm-examples"] {
        for e in std::fs::read_dir(root().join(d)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "md") {
                docs.push(e.path());
            }
        }
    }
    let mut broken = Vec::new();
    let mut checked = 0;
    for doc in &docs {
        let text = std::fs::read_to_string(doc).unwrap();
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(i) = rest.find("](") {
                let after = &rest[i + 2..];
                let Some(j) = after.find(')') else { break };
                let target = after[..j].split('#').next().unwrap_or("");
                rest = &after[j..];
                if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                let p = doc.parent().unwrap().join(target);
                if !inside(&p) || !p.exists() {
                    broken.push(format!(
                        "{}:{}: {target}",
                        doc.strip_prefix(root()).unwrap().display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(checked > 10, "checked only {checked} links");
    assert!(
        broken.is_empty(),
        "links that do not resolve inside the repository:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_checks_catch_what_they_should() {
    let f = root().join("src/lib.rs");
    assert!(escapes(
        &f,
        r#"read("../shared/x.json")"#,
        &("..".to_string() + "/shared")
    ));
    assert!(escapes(
        &f,
        r#"x("/work/shared/specs")"#,
        &["", "work", ""].join("/")
    ));
    assert!(!escapes(
        &root().join("src/checks/vm/a.rs"),
        r#"include_str!("../../../tests/x.json")"#,
        &format!("{0}/{0}/", "..")
    ));
    assert!(!inside(&root().join("../elsewhere")));
    assert!(inside(&root().join("docs/../README.md")));
}
