//! The binary: exit codes, one-line errors, atomic outputs, snapshots of
//! what a user reads.

use std::path::Path;
use std::process::{Command, Output};

fn azward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_azward"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("AZURE_CLIENT_SECRET")
        .output()
        .expect("runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn demo_summary_and_exit_codes() {
    let o = azward(&["scan", "--demo"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    insta::assert_snapshot!("demo_summary", stdout(&o));

    let o = azward(&["scan", "--demo", "--fail-on", "high"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("gate: FAILED"), "{}", stdout(&o));

    let o = azward(&["scan", "--demo", "--min-coverage", "100"]);
    assert_eq!(o.status.code(), Some(0), "the demo answers every read");

    let o = azward(&["scan", "--demo", "--min-score", "100"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn json_report_is_written_atomically_and_names_the_recording() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let o = azward(&[
        "scan",
        "--demo",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["schema_version"], "1.0");
    assert_eq!(
        v["source"]["recording"]["sha256"].as_str().unwrap().len(),
        64
    );
    assert!(v["results"].as_array().unwrap().len() > 10);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
}

#[test]
fn replay_with_partial_failure_reports_errors_and_the_gate_counts_them() {
    let rec = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recordings/partial-failure.jsonl");
    let o = azward(&[
        "scan",
        "--replay",
        rec.to_str().unwrap(),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "no critical checks in v1: {}",
        stdout(&o)
    );
    let o = azward(&[
        "scan",
        "--replay",
        rec.to_str().unwrap(),
        "--fail-on",
        "medium",
        "--allow-errors",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let o = azward(&[
        "scan",
        "--replay",
        rec.to_str().unwrap(),
        "--min-coverage",
        "99",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("coverage"), "{}", stdout(&o));
}

#[test]
fn bad_input_is_one_line_naming_the_file_and_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"recording\": 1}\n{\"method\": \"GET\", \"url\": \"/x\", \"status\": \"200\"}\n",
    )
    .unwrap();
    let o = azward(&["scan", "--replay", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.starts_with("error: ") && e.contains("bad.jsonl:2: bad exchange"),
        "{e}"
    );

    let o = azward(&[
        "scan",
        "--replay",
        dir.path().join("missing.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.jsonl"), "{}", stderr(&o));

    let v2 = dir.path().join("v2.jsonl");
    std::fs::write(&v2, "{\"recording\": 2}\n").unwrap();
    let o = azward(&["scan", "--replay", v2.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unsupported recording version 2"));

    let o = azward(&["scan", "--demo", "--fail-on", "severe"]);
    assert_eq!(o.status.code(), Some(2));
    let o = azward(&[
        "scan",
        "--demo",
        "--output",
        dir.path().join("x.json").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("x.json").exists());
    let o = azward(&[
        "scan",
        "--auth",
        "none",
        "--arm-endpoint",
        "https://management.azure.com",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("loopback"), "{}", stderr(&o));
}

#[test]
fn a_recording_that_answers_nothing_scores_null_never_100() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("empty.jsonl");
    std::fs::write(
        &rec,
        "{\"recording\": 1, \"tenant_id\": \"t\"}\n{\"method\": \"GET\", \"url\": \"/subscriptions?api-version=2022-12-01\", \"status\": 200, \"body\": {\"value\": [{\"id\": \"/subscriptions/s1\", \"subscriptionId\": \"s1\", \"displayName\": \"one\", \"state\": \"Enabled\"}]}}\n",
    )
    .unwrap();
    let out = dir.path().join("r.json");
    let o = azward(&[
        "scan",
        "--replay",
        rec.to_str().unwrap(),
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
        "--min-score",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert!(v["scores"]["overall"]["score"].is_null());
    assert_eq!(v["scores"]["overall"]["coverage"], 0.0);
    let results = v["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(
        results.iter().all(|r| r["status"] == "error"),
        "every result is an error"
    );
    assert!(results
        .iter()
        .any(|r| r["reason"].as_str().unwrap().contains("NotRecorded")));
}

#[test]
fn checks_list_and_explain() {
    let o = azward(&["checks"]);
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!("checks_list", stdout(&o));
    let o = azward(&["explain", "az-kv-003"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(
        text.contains("# AZ-KV-003")
            && text.contains("az keyvault update")
            && text.contains("Bicep"),
        "{text}"
    );
    let o = azward(&["explain", "AZ-NOPE-1"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn framework_view_groups_results_by_control() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let o = azward(&[
        "scan",
        "--demo",
        "--framework",
        "cis-azure-3.0",
        "--format",
        "table,json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("CIS Microsoft Azure Foundations Benchmark v3.0.0 (159 controls)"),
        "{}",
        stdout(&o)
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let controls = v["framework"]["controls"].as_array().unwrap();
    assert_eq!(controls.len(), 159);
    let find = |id: &str| controls.iter().find(|c| c["id"] == id).unwrap().clone();
    // AZ-MON-001 passes in one subscription and fails in the other: the control fails.
    assert_eq!(find("6.1.1")["status"], "fail");
    assert_eq!(find("6.1.1")["checks"], serde_json::json!(["AZ-MON-001"]));
    // A control no check covers is listed as such.
    let uncovered: Vec<&serde_json::Value> = controls
        .iter()
        .filter(|c| c["checks"].as_array().unwrap().is_empty())
        .collect();
    assert!(uncovered
        .iter()
        .all(|c| c["status"] == "manual" || c["status"] == "not_covered"));
    assert!(
        uncovered.iter().any(|c| c["status"] == "manual")
            && uncovered.iter().any(|c| c["status"] == "not_covered")
    );
    let o = azward(&["scan", "--demo", "--framework", "nist-800-53"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown framework"), "{}", stderr(&o));
}

#[test]
fn diff_and_the_new_findings_gate() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    let o = azward(&[
        "scan",
        "--demo",
        "--format",
        "json",
        "--output",
        old.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0));

    // Same estate: nothing new, so the new-findings gate holds although --fail-on high would fail.
    let o = azward(&[
        "scan",
        "--demo",
        "--compare",
        old.to_str().unwrap(),
        "--fail-on-new",
        "high",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // Drop one high failing result (and one low one) from the old report: both are "new" now.
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&old).unwrap()).unwrap();
    let results = v["results"].as_array_mut().unwrap();
    let high = results
        .iter()
        .position(|r| r["status"] == "fail" && r["severity"] == "high")
        .unwrap();
    let high_id = results[high]["resource_id"].as_str().unwrap().to_string();
    results.remove(high);
    let low = results
        .iter()
        .position(|r| r["status"] == "fail" && r["severity"] == "low")
        .unwrap();
    results.remove(low);
    let older = dir.path().join("older.json");
    std::fs::write(&older, serde_json::to_vec(&v).unwrap()).unwrap();

    let out = dir.path().join("new.json");
    let o = azward(&[
        "scan",
        "--demo",
        "--compare",
        older.to_str().unwrap(),
        "--fail-on-new",
        "high",
        "--format",
        "table,json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("1 new finding(s) at severity high or higher"),
        "{}",
        stdout(&o)
    );
    let rep: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(rep["comparison"]["new"].as_array().unwrap().len(), 2);
    let o = azward(&[
        "scan",
        "--demo",
        "--compare",
        older.to_str().unwrap(),
        "--fail-on-new",
        "critical",
    ]);
    assert_eq!(o.status.code(), Some(0));

    let o = azward(&["diff", older.to_str().unwrap(), out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(text.contains("2 new, 0 fixed, 0 removed"), "{text}");
    assert!(text.contains(&high_id), "{text}");
    let o = azward(&[
        "diff",
        out.to_str().unwrap(),
        older.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        d["removed"].as_array().unwrap().len(),
        2,
        "reversed: the two are gone"
    );
    let o = azward(&[
        "diff",
        older.to_str().unwrap(),
        out.to_str().unwrap(),
        "--format",
        "md",
    ]);
    assert!(stdout(&o).contains("### New"));

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"hello\": 1}").unwrap();
    let o = azward(&["diff", bad.to_str().unwrap(), out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.json: not an azward JSON report"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn waivers_mark_results_waived_and_report_expired_and_unused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let waivers = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/waivers.toml");
    let o = azward(&[
        "scan",
        "--demo",
        "--waivers",
        waivers.to_str().unwrap(),
        "--as-of",
        "2026-11-23",
        "--format",
        "table,json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("2 applied to 5 result(s), 1 expired, 1 unused"),
        "{}",
        stdout(&o)
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let waived: Vec<&serde_json::Value> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "waived")
        .collect();
    assert_eq!(waived.len(), 5);
    assert!(waived
        .iter()
        .all(|r| r["waiver"]["owner"].is_string() && r["waiver"]["original_status"] == "fail"));
    assert_eq!(v["scores"]["overall"]["counts"]["waived"], 5);
    assert_eq!(v["waivers"]["expired"][0]["would_cover"], 2);

    // After its expiry date a waiver no longer applies.
    let o = azward(&[
        "scan",
        "--demo",
        "--waivers",
        waivers.to_str().unwrap(),
        "--as-of",
        "2027-12-31",
        "--format",
        "json",
        "-q",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] != "waived"));
    assert_eq!(
        v["waivers"]["expired"].as_array().unwrap().len(),
        4,
        "all four have expired by then"
    );

    let bad = dir.path().join("w.toml");
    std::fs::write(
        &bad,
        "[[waiver]]\ncheck = \"AZ-NOPE-1\"\nresource = \"/x\"\nowner = \"\"\nexpires = \"soon\"\n",
    )
    .unwrap();
    let o = azward(&["scan", "--demo", "--waivers", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.lines().count() >= 3
            && e.lines()
                .all(|l| l.starts_with("error: ") && l.contains("w.toml:")),
        "{e}"
    );
}

#[test]
fn every_file_format_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let o = azward(&[
        "scan",
        "--demo",
        "--format",
        "table,json,sarif,junit,csv,md,html",
        "--output-dir",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Score"),
        "the table still goes to stdout"
    );
    for (name, needle) in [
        ("azward.json", "\"schema_version\""),
        ("azward.sarif", "\"version\": \"2.1.0\""),
        ("azward.junit.xml", "<testsuites"),
        ("azward.csv", "check_id,title,family,severity,status"),
        ("azward.md", "## azward"),
        ("azward.html", "<!DOCTYPE html>"),
        ("azward.html", "<!DOCTYPE html>"),
    ] {
        let text =
            std::fs::read_to_string(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains(needle), "{name} lacks {needle}");
    }
    let o = azward(&["scan", "--demo", "--format", "json,csv"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "several file formats need --output-dir"
    );
    let o = azward(&["scan", "--demo", "--format", "sarif", "-q"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
}

#[test]
fn an_unreadable_named_subscription_fails_the_gate_and_is_called_out_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let sub = "00000000-0000-0000-0000-000000000000";
    let o = azward(&[
        "scan",
        "--replay",
        "demo/estate.jsonl",
        "--subscription",
        sub,
        "--min-score",
        "10",
        "--format",
        "table,json,md,html,sarif,junit",
        "--output-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stdout(&o);
    assert!(e.contains(&format!("{sub} : unreadable (")), "{e}");
    assert!(e.contains("warning: subscription 0000"), "{e}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("azward.json")).unwrap())
            .unwrap();
    assert_eq!(json["subscriptions"][0]["status"], "unreadable");
    assert_eq!(json["gate"]["passed"], false);
    let reasons = json["gate"]["reasons"].to_string();
    assert!(reasons.contains("is unreadable"), "{reasons}");
    let warnings = json["warnings"].to_string();
    assert!(
        warnings.contains(&format!("subscription {sub} is unreadable")),
        "{warnings}"
    );
    assert!(
        warnings.contains("coverage"),
        "a score beside low coverage: {warnings}"
    );
    for f in [
        "azward.md",
        "azward.html",
        "azward.sarif",
        "azward.junit.xml",
    ] {
        let text = std::fs::read_to_string(dir.path().join(f)).unwrap();
        assert!(text.contains("is unreadable"), "{f}");
        assert!(text.contains("coverage"), "{f}");
    }
    // Accepted explicitly, the gate is judged on the rest.
    let o = azward(&[
        "scan",
        "--replay",
        "demo/estate.jsonl",
        "--subscription",
        sub,
        "--min-score",
        "10",
        "--allow-errors",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn as_of_is_recorded_and_every_error_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    let o = azward(&[
        "scan",
        "--demo",
        "--as-of",
        "2026-11-20",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(json["as_of"], "2026-11-20");
    let o = azward(&["scan", "--demo", "--format", "json"]);
    assert!(!stdout(&o).contains("\"as_of\""), "not given, not recorded");

    let missing = dir.path().join("missing.toml");
    let o = azward(&["scan", "--demo", "--waivers", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert_eq!(e.matches("No such file").count(), 1, "{e}");
    let bad = dir.path().join("w.toml");
    std::fs::write(&bad, "[[waiver]]\ncheck = \"AZ-NOPE-001\"\n").unwrap();
    let o = azward(&["scan", "--demo", "--waivers", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.matches("AZ-NOPE-001").count(), 1, "{e}");
    let o = azward(&["scan", "--demo", "--baseline", missing.to_str().unwrap()]);
    let e = stderr(&o);
    assert_eq!(e.matches("No such file").count(), 1, "{e}");
}
