//! Organisation baseline profiles: the shipped example changes the demo's
//! results as expected, and an invalid profile reports every problem with
//! its position and exits 2.

mod common;

use azward::checks::{Severity, Status};
use azward::profile::Baseline;
use azward::report::Report;
use common::Audit;
use std::path::Path;
use std::process::Command;

fn demo_eval(b: &Baseline) -> Report {
    Audit::demo().baseline(b.clone()).report()
}

fn status(e: &Report, check: &str, name: &str) -> Status {
    let r: Vec<_> = e
        .results
        .iter()
        .filter(|r| r.check_id == check && r.resource_id.ends_with(&format!("/{name}")))
        .collect();
    assert_eq!(r.len(), 1, "{check} {name}: {r:?}");
    r[0].status
}

fn example() -> Baseline {
    Baseline::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/baseline-northwind.toml"))
        .unwrap()
}

#[test]
fn the_example_profile_changes_the_demo_results() {
    let default = demo_eval(&Baseline::default());
    let org = demo_eval(&example());

    // Custom tag rule: only the workspace tagged Retention=365D, Residency=EU passes.
    assert_eq!(
        status(&org, "NW-LAW-001", "law-nw-sentinel-prod"),
        Status::Pass
    );
    for ws in ["law-nw-ops-prod", "law-nw-dev", "law-nw-dev-apm"] {
        assert_eq!(status(&org, "NW-LAW-001", ws), Status::Fail, "{ws}");
    }
    // Scoped rule: WORM-tagged accounts must have a locked account-level policy.
    assert_eq!(status(&org, "NW-ST-001", "stnwdevaudit"), Status::Pass);
    assert_eq!(status(&org, "NW-ST-001", "stnwprodbackup"), Status::Fail);
    assert_eq!(
        status(&org, "NW-ST-001", "stnwprodappdata"),
        Status::NotApplicable
    );
    assert!(!default
        .results
        .iter()
        .any(|r| r.check_id.starts_with("NW-")));

    // A stricter parameter turns a pass into a fail.
    assert_eq!(
        status(&default, "AZ-LAW-001", "law-nw-sentinel-prod"),
        Status::Pass
    );
    assert_eq!(
        status(&org, "AZ-LAW-001", "law-nw-sentinel-prod"),
        Status::Fail
    );
    // A disabled check has no results; a changed severity is the effective one.
    assert!(default.results.iter().any(|r| r.check_id == "AZ-NET-003"));
    assert!(!org.results.iter().any(|r| r.check_id == "AZ-NET-003"));
    assert!(org
        .results
        .iter()
        .filter(|r| r.check_id == "AZ-KV-006")
        .all(|r| r.severity == Severity::Critical));
    assert!(org.scores.by_family.contains_key("CUSTOM"));
    assert_ne!(org.scores.overall.score, default.scores.overall.score);
}

#[test]
fn rule_problems_are_all_reported_with_positions() {
    let text = r#"extends = "base"
[[rules]]
id = "AZ-MINE-1"
title = "t"
resource_type = "Microsoft.OperationalInsights/workspaces"
condition = "resource.tags.x =="
severity = "medium"
remediation = "r"

[[rules]]
id = "ORG-ONE"
resource_type = "workspaces"
condition = 'other.x == 1'
severity = "urgent"
remediation = "r"
colour = "red"

[[rules]]
id = "ORG-ONE"
title = "dup"
resource_type = "Microsoft.Web/sites"
condition = 'resource.name == "x"'
when = 'resource.tags.'
severity = "low"
remediation = "r"
"#;
    let e = Baseline::from_profile(text, Path::new("org.toml")).unwrap_err();
    let got: Vec<String> =
        e.0.iter()
            .map(|d| format!("{}:{}: {}", d.line, d.column, d.message))
            .collect();
    let want_prefixes = [
        "1:1: `extends` \"base\": only \"default\"",
        "3:6: rule id `AZ-MINE-1` must be upper-case words",
        "6:13: `condition` does not compile as CEL",
        "10:1: a rule needs `title`",
        "12:17: `resource_type` \"workspaces\" is not a resource type",
        "13:13: `condition` uses unknown variable(s) other",
        "14:12: rule `severity` must be one of critical, high, medium, low, found \"urgent\"",
        "16:1: unknown key `colour` in a rule",
        "19:6: rule id `ORG-ONE` is used twice",
        "23:8: `when` does not compile as CEL",
    ];
    assert_eq!(got.len(), want_prefixes.len(), "{got:#?}");
    for (g, w) in got.iter().zip(want_prefixes) {
        assert!(g.starts_with(w), "got {g:?}, want {w:?}");
    }
}

#[test]
fn the_cli_lists_every_problem_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(&p, "[parameters]\nlaw_min_retention_days = \"x\"\n[checks]\n\"AZ-XX-001\" = { enabled = false }\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_azward"))
        .args(["scan", "--demo", "--baseline", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("error: ")
            && lines[0]
                .contains("bad.toml:2:26: parameter `law_min_retention_days` must be an integer"),
        "{err}"
    );
    assert!(
        lines[1].contains("bad.toml:4:1: unknown check id `AZ-XX-001`"),
        "{err}"
    );
    assert!(o.stdout.is_empty());

    let ok = Command::new(env!("CARGO_BIN_EXE_azward"))
        .args([
            "checks",
            "--baseline",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples/baseline-northwind.toml")
                .to_str()
                .unwrap(),
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&ok.stdout);
    // Every built-in check and the profile's two property rules.
    let listed = format!("{} checks", azward::checks::REGISTRY.len() + 2);
    assert!(
        out.contains("NW-LAW-001")
            && out.contains("(disabled by the profile)")
            && out.contains(&listed),
        "{out}"
    );
}
