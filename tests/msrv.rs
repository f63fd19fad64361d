//! The stated minimum Rust version is the real one: the highest `rust-version`
//! among the locked dependencies (read from their own manifests in Cargo's
//! registry), stated in both manifests, the README and the CI job that builds
//! with exactly that toolchain.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `1.88` and `1.88.0` are the same version.
fn parse_version(v: &str) -> (u32, u32, u32) {
    let mut it = v
        .trim()
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or_else(|_| panic!("version {v:?}")));
    (
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
    )
}

fn show((a, b, c): (u32, u32, u32)) -> String {
    if c == 0 {
        format!("{a}.{b}")
    } else {
        format!("{a}.{b}.{c}")
    }
}

fn rust_version_of(manifest: &str) -> Option<String> {
    let doc: toml_edit::DocumentMut = manifest.parse().ok()?;
    doc.get("package")?
        .get("rust-version")?
        .as_str()
        .map(str::to_owned)
}

fn registry_sources() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let Ok(dirs) = std::fs::read_dir(home.join("registry/src")) else {
        return Vec::new();
    };
    dirs.filter_map(|d| d.ok().map(|d| d.path())).collect()
}

/// The highest `rust-version` of the locked registry packages whose sources
/// Cargo has unpacked (those built for this host), with the package that sets it.
fn locked_msrv() -> ((u32, u32, u32), String, usize, usize) {
    let lock: toml_edit::DocumentMut = read("Cargo.lock").parse().expect("Cargo.lock parses");
    let sources = registry_sources();
    let mut best = ((0, 0, 0), String::new());
    let (mut registry, mut found) = (0, 0);
    for p in lock["package"]
        .as_array_of_tables()
        .expect("[[package]]")
        .iter()
    {
        let source = p.get("source").and_then(|s| s.as_str()).unwrap_or("");
        if !source.starts_with("registry+") {
            continue;
        }
        registry += 1;
        let (name, version) = (p["name"].as_str().unwrap(), p["version"].as_str().unwrap());
        let Some(text) = sources.iter().find_map(|s| {
            std::fs::read_to_string(s.join(format!("{name}-{version}/Cargo.toml"))).ok()
        }) else {
            continue; // another platform's dependency (windows-sys, wasm-bindgen, ...): never unpacked here
        };
        found += 1;
        if let Some(v) = rust_version_of(&text) {
            let v = parse_version(&v);
            if v > best.0 {
                best = (v, format!("{name} {version}"));
            }
        }
    }
    (best.0, best.1, registry, found)
}

#[test]
fn stated_rust_version_is_the_locked_dependencies_highest() {
    let (msrv, who, registry, found) = locked_msrv();
    // Every test run has built the dependencies, so their sources are unpacked;
    // the ones missing are other platforms' (well under half of the lock).
    assert!(
        found * 2 > registry,
        "only {found} of {registry} locked packages found in Cargo's registry: cannot compute the minimum Rust version"
    );
    let msrv_s = show(msrv);
    for manifest in ["Cargo.toml", "lab/Cargo.toml"] {
        let stated = rust_version_of(&read(manifest))
            .unwrap_or_else(|| panic!("{manifest} states no rust-version"));
        assert_eq!(
            parse_version(&stated),
            msrv,
            "{manifest} says rust-version {stated}, but the locked dependencies need {msrv_s} ({who})"
        );
    }
    assert!(
        read("README.md").contains(&format!("Rust toolchain ({msrv_s} or later)")),
        "README.md must state the minimum Rust version {msrv_s} ({who})"
    );
    assert!(
        read(".github/workflows/ci.yml").contains(&format!("dtolnay/rust-toolchain@{msrv_s}")),
        "the CI job that builds with the minimum toolchain must use {msrv_s}"
    );
}

#[test]
fn versions_compare_numerically() {
    assert!(parse_version("1.100") > parse_version("1.89.0"));
    assert_eq!(parse_version("1.88"), parse_version("1.88.0"));
    assert_eq!(show((1, 89, 0)), "1.89");
    assert_eq!(show((1, 89, 1)), "1.89.1");
    assert_eq!(
        rust_version_of("[package]\nname = \"x\"\nrust-version = \"1.70\"\n").as_deref(),
        Some("1.70")
    );
}
