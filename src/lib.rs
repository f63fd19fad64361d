//! azward: audits the forensic-readiness posture of Azure estates.
//!
//! Layout: [`azure`] does all I/O (credentials, HTTP, replay and record,
//! collectors) and builds the [`inventory`]; [`checks`] are pure functions
//! over it; [`engine`] runs them, scores and gates; [`report`] writes outputs.

pub mod azure;
pub mod baseline;
pub mod bench;
pub mod checks;
pub mod diagnostics;
pub mod diff;
pub mod docs;
pub mod emulator;
pub mod engine;
pub mod frameworks;
pub mod fsutil;
pub mod generate;
pub mod inventory;
pub mod parallel;
pub mod progress;
pub mod report;
pub mod rules;
pub mod scan;
pub mod waivers;
