//! What a reader must not miss beside the score: results that look healthier
//! than the scan was (baseline "Score": score and coverage side by side).
//! Every output shows these lines; the JSON report lists them as `warnings`.

use crate::engine::waivers::{self, WaiverReport, Waivers};
use crate::engine::Evaluation;

/// Coverage below this (percent) beside a score is called out.
pub const LOW_COVERAGE: f64 = 50.0;

/// The warnings of an evaluation and the waivers applied to it, in a fixed order.
pub fn warnings(eval: &Evaluation, waivers: Option<(&Waivers, &WaiverReport)>) -> Vec<String> {
    let mut out = Vec::new();
    for (id, cause) in &eval.unreadable {
        out.push(format!(
            "subscription {id} is unreadable ({cause}): its checks are error, not assessed"
        ));
    }
    let o = &eval.scores.overall;
    if let (Some(score), Some(coverage)) = (o.score, o.coverage) {
        if coverage < LOW_COVERAGE {
            out.push(format!(
                "the score {score:.2} rests on {coverage:.2} % coverage: {} of {} results could not be assessed",
                o.counts.error,
                o.counts.pass + o.counts.fail + o.counts.waived + o.counts.error
            ));
        }
    }
    if let Some((file, report)) = waivers {
        for w in &file.entries {
            if waivers::matches_everything(&w.resource) {
                out.push(format!(
                    "waiver at line {} waives {} on every resource (`{}`)",
                    w.line, w.check, w.resource
                ));
            }
        }
        for a in report.applied.iter().filter(|a| a.errors > 0) {
            out.push(format!(
                "waiver at line {} waives {} error result(s) of {}: results that were never assessed are hidden from score and coverage",
                a.line, a.errors, a.check
            ));
        }
    }
    out
}
