//! The named scenarios: the demo estate (Northwind Forensics Demo, which the
//! product embeds for `azward scan --demo`) and the two test recordings
//! derived from it. Each is deterministic: the same source gives the same
//! bytes, and a test keeps the committed files equal to what is generated.

pub mod estate;
mod exchanges;
pub mod expected;
pub mod history;

use std::path::{Path, PathBuf};

/// A named scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// The demo estate: `demo/estate.jsonl`.
    Demo,
    /// The demo with nw-dev answering 403 everywhere and one malformed vault:
    /// `tests/recordings/partial-failure.jsonl`.
    PartialFailure,
    /// The demo with a 429-then-200 read and a two-page vault list:
    /// `tests/recordings/throttled.jsonl`.
    Throttled,
}

impl Scenario {
    pub const ALL: [Scenario; 3] = [
        Scenario::Demo,
        Scenario::PartialFailure,
        Scenario::Throttled,
    ];

    /// Where the repository keeps it, relative to its root.
    pub fn path(self) -> &'static str {
        match self {
            Scenario::Demo => "demo/estate.jsonl",
            Scenario::PartialFailure => "tests/recordings/partial-failure.jsonl",
            Scenario::Throttled => "tests/recordings/throttled.jsonl",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Demo => "demo",
            Scenario::PartialFailure => "partial-failure",
            Scenario::Throttled => "throttled",
        }
    }

    /// The recording's text.
    pub fn render(self) -> String {
        let estate = estate::build();
        exchanges::render(&exchanges::build(&estate, self), self)
    }
}

/// Where the repository keeps the expected results, relative to its root.
pub const EXPECTED_PATH: &str = "demo/EXPECTED.md";

/// The expected results of a scan of the demo, as declared by its builder.
pub fn expectations() -> expected::Expected {
    estate::build().expected
}

/// `demo/EXPECTED.md`, rendered from the declarations.
pub fn expected_md() -> String {
    expected::markdown(&expectations())
}

/// The repository's root, from this crate's manifest directory (`lab/`).
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("lab/ sits in the repository")
        .to_path_buf()
}
