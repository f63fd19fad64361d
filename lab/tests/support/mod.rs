//! What the lab's test binaries share.

use std::path::PathBuf;

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
