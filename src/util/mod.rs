//! Helpers with no azward types: files, signals, a parallel map, line:col
//! diagnostics, progress on stderr, text.

pub mod diagnostics;
pub mod fsutil;
pub mod interrupt;
pub mod parallel;
pub mod progress;
pub mod scan_time;
pub mod text;
