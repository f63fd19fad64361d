//! What a run kept in a history (`scan --history FILE`) knows of the runs
//! before it with the same tenant and baseline: what is new and fixed since
//! the previous one, and the trend of score, coverage and failing results.
//! Plain data: the store itself is `src/history.rs`.

use super::diff::ResultDoc;
use serde::Serialize;

/// One run of the trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    /// The run's number in the history file (this run's is the one it is given).
    pub run: i64,
    pub started_at: String,
    pub score: Option<f64>,
    pub coverage: Option<f64>,
    /// `fail` and `error` results.
    pub failing: u64,
}

/// The report's `history`: this run against the history file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryView {
    /// The history file, as the user named it.
    pub file: String,
    /// The previous run of the same tenant and baseline, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<TrendPoint>,
    /// Failing now, and not failing (or absent) in the previous run.
    pub new: Vec<ResultDoc>,
    /// Failing in the previous run, and now pass or not applicable.
    pub fixed: Vec<ResultDoc>,
    /// The runs of the same tenant and baseline, oldest first, this one last
    /// (at most [`TREND_RUNS`]).
    pub trend: Vec<TrendPoint>,
}

/// How many runs a report's trend shows.
pub const TREND_RUNS: usize = 30;
