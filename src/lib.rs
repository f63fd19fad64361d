//! azward: audits the forensic-readiness posture of Azure estates.
//!
//! The layers, each depending only on those above it:
//!
//! - [`util`]: text, files, parallel map, diagnostics (no azward types);
//! - [`model`]: the vocabulary every layer shares (severity, status, family, ids);
//! - [`inventory`]: the normalized estate (plain serde types);
//! - [`azure`]: all network I/O: credentials, HTTP, replay and record,
//!   collectors that build the inventory;
//! - [`checks`]: pure functions over the inventory, by family;
//! - [`profile`]: the baseline in force (enabled checks, parameters, rules);
//! - [`engine`]: runs the checks, applies waivers, summarizes, scores and
//!   judges the gate once;
//! - [`report`]: renders what the engine decided, one file per format;
//! - [`history`]: the scan history (`--history FILE`), an embedded SQLite file;
//! - [`app`]: the one audit pipeline the CLI, the lab tools and the tests call.
//!
//! The lab tools (emulator, estate generator, benchmark) are the separate
//! crate `azward-lab` in `lab/`: the product ships no server.

/// Test-only: the text of an upstream ARM example kept in the repository
/// (`tests/fixtures/arm-examples/`, sources in its `SOURCES.md`), compiled in
/// so that a test can never find it missing.
#[cfg(test)]
macro_rules! arm_example {
    ($rel:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/arm-examples/",
            $rel
        ))
    };
}

pub mod app;
pub mod azure;
pub mod checks;
pub mod engine;
pub mod history;
pub mod inventory;
pub mod model;
pub mod profile;
pub mod report;
pub mod util;
