//! What the lab's test binaries share (each uses a part of it).
#![allow(dead_code)]

use azward::azure::recording::Recording;
use azward::azure::scan::DEMO_RECORDING;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The demo's tenant and its production subscription.
pub const TENANT: &str = "4f3c2b1a-6d5e-4a7b-9c8d-0e1f2a3b4c5d";
pub const PROD: &str = "8a1f6c3e-52d4-4b9a-a7e0-3c9d15b2e6f4";

/// The product's binary. It belongs to another package of the workspace, so
/// Cargo does not name it to this one (`CARGO_BIN_EXE_*` is per package): it
/// is `azward` in the directory above this test's own executable
/// (`target/<profile>/deps/…`), built by `cargo test --workspace`.
pub fn azward_exe() -> PathBuf {
    let me = std::env::current_exe().unwrap();
    let dir = me
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test runs from target/<profile>/deps");
    let exe = dir.join(format!("azward{}", std::env::consts::EXE_SUFFIX));
    assert!(
        exe.is_file(),
        "{} is missing: run `cargo test --workspace` (or `cargo build -p azward` first)",
        exe.display()
    );
    exe
}

/// The demo estate, or the demo after the change: kv-nw-prod-secrets without
/// purge protection (AZ-KV-006 fails: new) and kv-nw-prod-payments on RBAC
/// (AZ-KV-003 passes: fixed).
pub fn estate(changed: bool) -> Recording {
    let text = std::str::from_utf8(DEMO_RECORDING).unwrap();
    if !changed {
        return Recording::from_bytes(DEMO_RECORDING, Path::new("demo.jsonl")).unwrap();
    }
    let list = format!("/subscriptions/{PROD}/providers/Microsoft.KeyVault/vaults?");
    let mut hits = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let Ok(mut v) = serde_json::from_str::<Value>(line) else {
                return line.to_string();
            };
            if !v["url"].as_str().is_some_and(|u| u.starts_with(&list)) {
                return line.to_string();
            }
            for vault in v["body"]["value"].as_array_mut().unwrap() {
                let name = vault["name"].as_str().unwrap_or("").to_string();
                let p = &mut vault["properties"];
                match Some(name.as_str()) {
                    Some("kv-nw-prod-secrets") => {
                        p["enablePurgeProtection"] = Value::Bool(false);
                        hits += 1;
                    }
                    Some("kv-nw-prod-payments") => {
                        p["enableRbacAuthorization"] = Value::Bool(true);
                        hits += 1;
                    }
                    _ => {}
                }
            }
            v.to_string()
        })
        .collect();
    assert_eq!(hits, 2, "the demo's vault list changed shape");
    Recording::from_bytes(
        (lines.join("\n") + "\n").as_bytes(),
        Path::new("changed.jsonl"),
    )
    .unwrap()
}
