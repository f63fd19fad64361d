//! Scheduled scans with a history (`azward scan --history FILE`), live
//! through the loopback emulator: the estate changes between two runs (a
//! vault loses purge protection, another moves to RBAC), and the second run
//! shows the change as new and fixed in the terminal, the Markdown and the
//! HTML; five runs give a trend, `azward history` lists them, and
//! `--keep-runs` removes the oldest.

use azward::azure::recording::Recording;
use azward_lab::emulator::{Emulator, EmulatorOptions};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod support;
use support::{azward_exe, estate, PROD, TENANT};

fn run(args: &[&str]) -> Output {
    let out = Command::new(azward_exe())
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "azward {args:?}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// One scheduled run: a live scan through an emulator of `rec`.
async fn scheduled_run(rec: &Recording, history: &Path, out_dir: &Path, extra: &[&str]) -> String {
    let emu = Emulator::start(
        rec,
        "127.0.0.1:0".parse().unwrap(),
        EmulatorOptions::default(),
    )
    .await
    .unwrap();
    let origin = emu.origin();
    let (h, o) = (history.display().to_string(), out_dir.display().to_string());
    let mut args: Vec<String> = [
        "scan",
        "--auth",
        "none",
        "--arm-endpoint",
        &origin,
        "--tenant",
        TENANT,
        "--history",
        &h,
        "--format",
        "table,json,md,html",
        "--output-dir",
        &o,
        "--quiet",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&a)
    })
    .await
    .unwrap();
    drop(emu);
    String::from_utf8(out.stdout).unwrap()
}

fn read(p: PathBuf) -> String {
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_scheduled_runs_show_new_and_fixed_and_five_give_a_trend() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("azward-history.db");
    let (before, after) = (estate(false), estate(true));

    let first = scheduled_run(&before, &history, &dir.path().join("run1"), &[]).await;
    assert!(
        first.contains("the first run of this tenant and baseline"),
        "{first}"
    );
    let json: Value = serde_json::from_str(&read(dir.path().join("run1/azward.json"))).unwrap();
    assert!(
        json.get("comparison").is_none(),
        "a first run has nothing to compare with"
    );

    let term = scheduled_run(&after, &history, &dir.path().join("run2"), &[]).await;
    // Terminal: the change, as new and fixed lines.
    let new_line = term
        .lines()
        .find(|l| l.contains("new") && l.contains("AZ-KV-006"))
        .unwrap_or_else(|| panic!("no new AZ-KV-006 line:\n{term}"));
    assert!(new_line.contains("kv-nw-prod-secrets"), "{new_line}");
    let fixed_line = term
        .lines()
        .find(|l| l.contains("fixed") && l.contains("AZ-KV-003"))
        .unwrap_or_else(|| panic!("no fixed AZ-KV-003 line:\n{term}"));
    assert!(fixed_line.contains("kv-nw-prod-payments"), "{fixed_line}");
    assert!(term.contains("since run 1"), "{term}");

    // JSON: the history's view and the comparison agree.
    let json: Value = serde_json::from_str(&read(dir.path().join("run2/azward.json"))).unwrap();
    let h = &json["history"];
    let ids = |v: &Value| -> Vec<(String, String)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["check_id"].as_str().unwrap().to_string(),
                    r["resource_id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert!(
        ids(&h["new"])
            .iter()
            .any(|(c, r)| c == "AZ-KV-006" && r.ends_with("/kv-nw-prod-secrets")),
        "{h}"
    );
    assert!(
        ids(&h["fixed"])
            .iter()
            .any(|(c, r)| c == "AZ-KV-003" && r.ends_with("/kv-nw-prod-payments")),
        "{h}"
    );
    assert!(!ids(&h["new"]).iter().any(|(c, _)| c == "AZ-KV-003"), "{h}");
    assert_eq!(
        json["comparison"]["new"].as_array().unwrap().len(),
        h["new"].as_array().unwrap().len()
    );
    assert_eq!(
        json["comparison"]["fixed"].as_u64().unwrap() as usize,
        h["fixed"].as_array().unwrap().len()
    );

    // Markdown: counts and both lists.
    let md = read(dir.path().join("run2/azward.md"));
    let new_n = h["new"].as_array().unwrap().len();
    let fixed_n = h["fixed"].as_array().unwrap().len();
    assert!(
        md.contains(&format!("{new_n} new, {fixed_n} fixed")),
        "{md}"
    );
    let new_section = md
        .split("### New findings since the previous report")
        .nth(1)
        .expect("new findings listed");
    assert!(new_section.contains("AZ-KV-006"), "{md}");
    let fixed_section = md
        .split("#### Fixed since the last run")
        .nth(1)
        .expect("fixed listed");
    assert!(
        fixed_section.contains("AZ-KV-003") && fixed_section.contains("kv-nw-prod-payments"),
        "{md}"
    );

    // HTML: the trend chart, the "new" marks (row data), the fixed list.
    let html = read(dir.path().join("run2/azward.html"));
    assert!(html.contains(r#"<section id="trend""#), "no trend section");
    assert!(
        html.contains(&format!("{new_n} new since the last run")),
        "no new count"
    );
    assert!(html.contains("Fixed since the last run") && html.contains("kv-nw-prod-payments"));
    assert!(
        html.contains(r#""compared":true"#),
        "the results are marked against the previous run"
    );

    // Three more runs, back and forth: five in the trend.
    for (i, rec) in [(3, &before), (4, &after), (5, &before)] {
        scheduled_run(rec, &history, &dir.path().join(format!("run{i}")), &[]).await;
    }
    let json: Value = serde_json::from_str(&read(dir.path().join("run5/azward.json"))).unwrap();
    let trend = json["history"]["trend"].as_array().unwrap();
    assert_eq!(
        trend
            .iter()
            .map(|t| t["run"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    let failing: Vec<u64> = trend
        .iter()
        .map(|t| t["failing"].as_u64().unwrap())
        .collect();
    assert_eq!(failing[0], failing[2]);
    assert_eq!(failing[1], failing[3]);
    assert_ne!(failing[0], failing[1], "the change moves the failing count");
    let html = read(dir.path().join("run5/azward.html"));
    assert_eq!(
        html.matches(r#"<circle class="score""#).count(),
        5,
        "a point per run"
    );

    // `azward history`: five runs with their new and fixed counts, and the trend per family.
    let h = history.display().to_string();
    let listing = String::from_utf8(run(&["history", "--history", &h]).stdout).unwrap();
    assert!(listing.contains("5 run(s)"), "{listing}");
    assert!(
        listing.contains("trend by family") && listing.contains("│ KV "),
        "{listing}"
    );
    assert!(
        listing.contains("trend by subscription") && listing.contains(PROD),
        "{listing}"
    );
    let run2 = listing
        .lines()
        .find(|l| l.starts_with("│ 2 "))
        .expect("run 2 listed");
    assert!(
        run2.contains(&format!("┆ {new_n} ")) && run2.contains(&format!("┆ {fixed_n} ")),
        "{run2}"
    );

    // Retention: a sixth run keeping three leaves runs 4, 5, 6.
    scheduled_run(
        &after,
        &history,
        &dir.path().join("run6"),
        &["--keep-runs", "3"],
    )
    .await;
    let listing = String::from_utf8(run(&["history", "--history", &h]).stdout).unwrap();
    assert!(listing.contains("3 run(s)"), "{listing}");
    for gone in ["│ 1 ", "│ 2 ", "│ 3 "] {
        assert!(!listing.lines().any(|l| l.starts_with(gone)), "{listing}");
    }
}

#[test]
fn a_history_that_is_not_one_stops_the_scan_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.md");
    std::fs::write(&notes, "# not a database\n").unwrap();
    let out = Command::new(azward_exe())
        .args(["scan", "--demo", "--history"])
        .arg(&notes)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("notes.md: not an azward history database"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "# not a database\n"
    );
}
