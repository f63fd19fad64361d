//! The layers the folders show have no import cycle: each top-level module
//! of the library (`model`, `inventory`, `azure`, `checks`, …) may name only
//! modules below it. Test code (`#[cfg(test)]` modules and `testkit.rs`) is
//! left out: a test may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MODULES: [&str; 10] = [
    "util",
    "model",
    "inventory",
    "azure",
    "checks",
    "profile",
    "engine",
    "report",
    "history",
    "app",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module a file belongs to (`src/checks/kv/az_kv_001.rs` → `checks`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.trim_end_matches(".rs");
    MODULES.contains(&name).then(|| name.to_string())
}

/// The library modules a file's non-test code names as `crate::X` (or
/// `azward::X`), with `use super::*` chains left to the module itself.
fn named(text: &str) -> BTreeSet<String> {
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = BTreeSet::new();
    for prefix in ["crate::", "azward::"] {
        for (i, _) in code.match_indices(prefix) {
            let rest = &code[i + prefix.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if MODULES.contains(&name.as_str()) {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn the_import_graph_has_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut why: BTreeMap<(String, String), String> = BTreeMap::new();
    for f in &files {
        if f.ends_with("testkit.rs") {
            continue;
        }
        let Some(from) = module_of(&src, f) else {
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for to in named(&text) {
            if to != from {
                why.entry((from.clone(), to.clone()))
                    .or_insert_with(|| f.strip_prefix(&src).unwrap().display().to_string());
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    // Depth-first search for a cycle, reporting the path.
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut c = stack[i..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in MODULES {
        if let Some(cycle) = visit(m, &edges, &mut Vec::new(), &mut done) {
            let steps: Vec<String> = cycle
                .windows(2)
                .map(|w| {
                    format!(
                        "{} → {} (in {})",
                        w[0],
                        w[1],
                        why[&(w[0].clone(), w[1].clone())]
                    )
                })
                .collect();
            panic!("import cycle:\n{}", steps.join("\n"));
        }
    }
    // And the order the crate documents: a module names only those before it.
    for (from, tos) in &edges {
        let rank = |m: &str| MODULES.iter().position(|x| *x == m).unwrap();
        for to in tos {
            assert!(
                rank(to) < rank(from),
                "{from} names {to} (in {}), which is not below it in {MODULES:?}",
                why[&(from.clone(), to.clone())]
            );
        }
    }
}

/// Renderers describe a check only from the report's catalogue (one shape
/// for built-in checks and property rules): none looks a check up in the
/// registry or searches the profile's rules on its own.
#[test]
fn renderers_take_check_descriptions_from_the_report() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    assert!(files.len() >= 5, "{files:?}");
    // `mod.rs` builds the report (and serializes the profile's rules into it).
    for f in files.iter().filter(|f| !f.ends_with("mod.rs")) {
        let text = std::fs::read_to_string(f).unwrap();
        for needle in ["checks::find", "REGISTRY", "baseline.rules", "PropertyRule"] {
            assert!(
                !text.contains(needle),
                "{} names `{needle}`: take the check's CheckInfo from `Report::check`",
                f.display()
            );
        }
    }
}
