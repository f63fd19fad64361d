//! Shared definitions of the baseline used by several checks, by topic:
//! categories enabled by diagnostic settings ([`diagnostics`]), activity log
//! alert matching ([`alerts`]), lock and role scopes ([`scopes`]), log archive
//! accounts ([`archives`]), the targets of the per-resource diagnostic checks
//! ([`targets`]), and the drivers of the per-flow-log ([`flow_logs`]) and
//! per-Sentinel-workspace ([`sentinel`]) checks. Everything is re-exported
//! here, so call sites read `support::join`, `support::alert_verdict`.

mod alerts;
mod archives;
mod diagnostics;
mod flow_logs;
mod scopes;
mod sentinel;
mod targets;

pub use alerts::*;
pub use archives::*;
pub use diagnostics::*;
pub use flow_logs::*;
pub use scopes::*;
pub use sentinel::*;
pub use targets::*;

use crate::checks::Status;

/// A decided result with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass(String),
    Fail(String),
    Error(String),
    NotApplicable(String),
}

impl Verdict {
    pub fn into_parts(self) -> (Status, String) {
        match self {
            Verdict::Pass(r) => (Status::Pass, r),
            Verdict::Fail(r) => (Status::Fail, r),
            Verdict::Error(r) => (Status::Error, r),
            Verdict::NotApplicable(r) => (Status::NotApplicable, r),
        }
    }

    /// The same verdict, its reason prefixed with what it is about
    /// (`label: reason`).
    pub fn labelled(self, label: &str) -> Verdict {
        let with = |r: String| format!("{label}: {r}");
        match self {
            Verdict::Pass(r) => Verdict::Pass(with(r)),
            Verdict::Fail(r) => Verdict::Fail(with(r)),
            Verdict::Error(r) => Verdict::Error(with(r)),
            Verdict::NotApplicable(r) => Verdict::NotApplicable(with(r)),
        }
    }
}

/// Joins names for a reason: `a, b and c`.
pub fn join(names: &[String]) -> String {
    match names.len() {
        0 => String::new(),
        1 => names[0].clone(),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}
