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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Family, Severity, Status};
    use crate::engine::ResultRow;
    use crate::inventory::Inventory;
    use crate::profile::Baseline;
    use std::path::Path;

    fn row(check: &'static str, resource: &str, status: Status) -> ResultRow {
        ResultRow {
            check_id: check,
            title: "t",
            family: Family::Kv,
            severity: Severity::High,
            status,
            resource_id: resource.into(),
            item: None,
            subscription_id: None,
            reason: "r".into(),
            remediation_cli: None,
            waiver: None,
        }
    }

    #[test]
    fn low_coverage_and_waivers_over_everything_or_errors_are_called_out() {
        let baseline = Baseline::default();
        let mut rows = vec![
            row("AZ-KV-001", "/a", Status::Pass),
            row("AZ-KV-001", "/b", Status::Error),
            row("AZ-KV-001", "/c", Status::Error),
            row("AZ-KV-001", "/d", Status::Error),
            row("AZ-KV-003", "/e", Status::Error),
        ];
        let w = waivers::parse(
            "[[waiver]]\ncheck = \"AZ-KV-003\"\nresource = \"**\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n",
            Path::new("w.toml"),
            &baseline.known_ids(),
        )
        .unwrap();
        let report = waivers::apply(&w, &mut rows, time::macros::date!(2026 - 12 - 01));
        let eval = crate::engine::summarize(&Inventory::new(None), &baseline, rows);
        let got = warnings(&eval, Some((&w, &report)));
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(
            got[0].starts_with("the score 100.00 rests on 40.00 % coverage: 3 of 5 results"),
            "{got:?}"
        );
        assert_eq!(
            got[1],
            "waiver at line 1 waives AZ-KV-003 on every resource (`**`)"
        );
        assert!(
            got[2].starts_with("waiver at line 1 waives 1 error result(s) of AZ-KV-003"),
            "{got:?}"
        );
        // Nothing to say of a healthy scan.
        let eval = crate::engine::summarize(
            &Inventory::new(None),
            &baseline,
            vec![row("AZ-KV-001", "/a", Status::Fail)],
        );
        assert!(warnings(&eval, None).is_empty());
    }
}
