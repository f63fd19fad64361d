//! Where outputs go (issue 11): `-o`, `--output-dir`, `--record` and
//! `diff -o` never replace a device, a FIFO or a link, and a signal at any
//! moment, the writing of outputs included, leaves no partial output set and
//! no temporary file, and exits 130 (SIGINT) or 143 (SIGTERM).

#![cfg(unix)]

mod common;

use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Only stops a hung test; nothing asserts a duration.
const HANG_GUARD: Duration = Duration::from_secs(120);

fn azward() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_azward"));
    c.env("NO_COLOR", "1")
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove(azward::util::fsutil::PAUSE_BEFORE_COMMIT_ENV);
    c
}

fn run(args: &[&str]) -> Output {
    azward().args(args).output().expect("runs")
}

/// Asserts that `o` succeeded, showing its stderr otherwise.
fn assert_ok(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

/// Reads a FIFO to its end on a thread.
fn drain(fifo: &Path) -> std::thread::JoinHandle<Vec<u8>> {
    let fifo = fifo.to_path_buf();
    std::thread::spawn(move || std::fs::read(fifo).unwrap())
}

#[test]
fn output_to_dev_null_and_a_fifo_writes_through_them() {
    let o = run(&[
        "scan",
        "--demo",
        "--format",
        "json",
        "-o",
        "/dev/null",
        "-q",
    ]);
    assert_ok(&o);
    let ft = std::fs::symlink_metadata("/dev/null").unwrap().file_type();
    assert!(ft.is_char_device(), "/dev/null is still a device");

    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.pipe");
    mkfifo(&fifo);
    let reader = drain(&fifo);
    let o = run(&[
        "scan",
        "--demo",
        "--format",
        "json",
        "-o",
        fifo.to_str().unwrap(),
        "-q",
    ]);
    assert_ok(&o);
    let got: serde_json::Value = serde_json::from_slice(&reader.join().unwrap()).unwrap();
    assert_eq!(got["schema_version"], "1.0");
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert_eq!(names(dir.path()), ["report.pipe"], "no temporary file");
}

#[test]
fn output_to_dev_stdout_goes_to_stdout() {
    let o = run(&[
        "scan",
        "--demo",
        "--format",
        "csv",
        "-o",
        "/dev/stdout",
        "-q",
    ]);
    assert_ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("check_id,"));
}

#[test]
fn diff_output_and_record_follow_links_and_keep_modes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let real_rec = dir.path().join("real.jsonl");
    std::fs::write(&real_rec, "old").unwrap();
    std::fs::set_permissions(&real_rec, std::fs::Permissions::from_mode(0o600)).unwrap();
    let rec_link = dir.path().join("rec.jsonl");
    std::os::unix::fs::symlink(&real_rec, &rec_link).unwrap();
    let replay =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recordings/partial-failure.jsonl");
    let o = run(&[
        "scan",
        "--replay",
        replay.to_str().unwrap(),
        "--record",
        rec_link.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        report.to_str().unwrap(),
        "-q",
    ]);
    assert_ok(&o);
    assert!(std::fs::symlink_metadata(&rec_link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&real_rec)
        .unwrap()
        .starts_with("{\"recording\""));
    let mode = std::fs::metadata(&real_rec).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o600, "the recording keeps its mode");

    let fifo = dir.path().join("diff.pipe");
    mkfifo(&fifo);
    let reader = drain(&fifo);
    let r = report.to_str().unwrap();
    let o = run(&["diff", r, r, "-o", fifo.to_str().unwrap()]);
    assert_ok(&o);
    assert!(String::from_utf8_lossy(&reader.join().unwrap()).contains("0 new"));
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());

    let o = run(&["diff", r, r, "-o", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a directory"));
    assert!(names(dir.path()).iter().all(|n| !n.starts_with(".azward-")));
}

/// Starts `azward ARGS` paused before it puts its staged outputs in place,
/// and waits until it is there.
fn paused(args: &[&str], marker: &Path) -> std::process::Child {
    let mut child = azward()
        .args(args)
        .env(azward::util::fsutil::PAUSE_BEFORE_COMMIT_ENV, marker)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !marker.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("ended before the commit: {status}");
        }
        assert!(start.elapsed() < HANG_GUARD, "never reached the commit");
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

fn signal_and_wait(mut child: std::process::Child, signal: &str) -> (Option<i32>, String) {
    let kill = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("did not stop after {signal}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut err = String::new();
    use std::io::Read as _;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code(), err)
}

#[test]
fn a_signal_while_writing_leaves_no_partial_output_set() {
    for (signal, code) in [("-TERM", 143), ("-INT", 130)] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        // A previous run's report stays as it was.
        std::fs::write(out.join("azward.json"), "previous").unwrap();
        let rec = dir.path().join("scan.jsonl");
        let marker = dir.path().join("paused");
        let replay =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recordings/partial-failure.jsonl");
        let child = paused(
            &[
                "scan",
                "--replay",
                replay.to_str().unwrap(),
                "--record",
                rec.to_str().unwrap(),
                "--format",
                "json,csv,sarif,md",
                "--output-dir",
                out.to_str().unwrap(),
            ],
            &marker,
        );
        // Everything is staged: temporary files beside their targets.
        let staged: Vec<String> = names(&out)
            .into_iter()
            .filter(|n| n.starts_with(".azward-"))
            .collect();
        // Four formats, and the timeline's CSV beside the results' CSV.
        assert_eq!(staged.len(), 5, "{:?}", names(&out));
        assert!(names(dir.path()).iter().any(|n| n.starts_with(".azward-")));

        let (status, err) = signal_and_wait(child, signal);
        assert_eq!(status, Some(code), "{signal}: {err}");
        assert!(err.contains("interrupted: no report written"), "{err}");
        assert_eq!(names(&out), ["azward.json"], "{signal}");
        assert_eq!(
            std::fs::read_to_string(out.join("azward.json")).unwrap(),
            "previous"
        );
        assert_eq!(
            names(dir.path()),
            ["out", "paused"],
            "{signal}: no recording, no temporary file"
        );
    }
}

/// Names a resource's owner can choose, each trying to run `touch PWNED`
/// when its remediation command is pasted into a shell.
const HOSTILE: [&str; 6] = [
    "x;touch PWNED;#",
    "a'$(touch PWNED)'b",
    "q\"`touch PWNED`\"",
    "n\ntouch PWNED",
    "=touch PWNED {a,b} ~ *",
    "w'\"'\"$(touch PWNED)",
];

/// Every check's `az` command, filled with hostile resource groups, names
/// (vaults, accounts, workspaces…), ids and subscription ids, runs in `sh`
/// with `az` as a function that records its arguments: nothing else runs,
/// and each hostile value reaches `az` intact.
#[test]
fn remediation_commands_pass_hostile_names_as_data() {
    let params = azward::profile::Baseline::default().params;
    let dir = tempfile::tempdir().unwrap();
    for check in azward::checks::REGISTRY {
        let template = check.remediation.cli;
        // `<region>` and the like are for the reader to fill in.
        let mut human: Vec<&str> = Vec::new();
        let mut rest = template;
        while let Some(i) = rest.find('<') {
            let Some(j) = rest[i..].find('>') else { break };
            human.push(&rest[i..i + j + 1]);
            rest = &rest[i + j + 1..];
        }
        for h in HOSTILE {
            for (sub, rg, name) in [(h, "rg", "n"), ("s1", h, "n"), ("s1", "rg", h)] {
                let id = format!(
                    "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}"
                );
                let mut cmd = check.remediation.cli_for(&id, Some(sub), &params);
                for hp in &human {
                    cmd = cmd.replace(hp, "HUMAN");
                }
                let args = dir.path().join("args");
                let _ = std::fs::remove_file(&args);
                let script = format!("az() {{ printf '%s\\0' \"$@\" > args; }}\n{cmd}\n");
                let o = Command::new("sh")
                    .arg("-c")
                    .arg(&script)
                    .current_dir(dir.path())
                    .output()
                    .unwrap();
                assert!(
                    !dir.path().join("PWNED").exists(),
                    "{}: {cmd}\n{}",
                    check.id,
                    String::from_utf8_lossy(&o.stderr)
                );
                let got = std::fs::read(&args).unwrap_or_default();
                let got = String::from_utf8_lossy(&got);
                for (placeholder, value) in [
                    ("{subscription}", sub),
                    ("{resource_group}", rg),
                    ("{name}", name),
                    ("{id}", id.as_str()),
                ] {
                    if template.contains(placeholder) {
                        assert!(
                            got.split('\0').any(|a| a.contains(value)),
                            "{}: {placeholder} {value:?} did not reach az intact: {cmd}\nargs: {got:?}",
                            check.id
                        );
                    }
                }
            }
        }
    }
}

/// Text an estate's owner (or Azure's error messages) can put in a name or a
/// reason, aimed at a terminal, a spreadsheet and GitHub's Markdown.
const HOSTILE_TEXT: &str = "t\u{1b}]0;title\u{7}\u{1b}[2J\u{202e}rev\r\nfake line\u{9b}31m see https://evil.example, www.evil.example, @org/team, #123, user@host.com `x` | y";

/// A report whose tenant, subscriptions, waivers, gate reasons, results,
/// new findings and table activity all carry [`HOSTILE_TEXT`].
fn hostile_report() -> azward::report::Report {
    let mut r = common::small_report();
    r.tenant_id = Some(HOSTILE_TEXT.into());
    r.baseline.name = HOSTILE_TEXT.into();
    for s in &mut r.subscriptions {
        s.display_name = Some(HOSTILE_TEXT.into());
        s.status = "error";
        s.reason = Some(HOSTILE_TEXT.into());
    }
    if let Some(w) = &mut r.waivers {
        w.file = HOSTILE_TEXT.into();
        w.unused.push(azward::engine::waivers::UnusedWaiver {
            line: 1,
            check: HOSTILE_TEXT.into(),
            resource: HOSTILE_TEXT.into(),
            owner: HOSTILE_TEXT.into(),
            expires: "2099-01-01".into(),
        });
    }
    r.gate.verdict.reasons.push(HOSTILE_TEXT.into());
    // A warning quotes Azure's words (an unreadable subscription's cause, a
    // compared report's tenant).
    r.warnings.push(HOSTILE_TEXT.into());
    r.table_activity = common::hostile_activity(HOSTILE_TEXT);
    for row in &mut r.results {
        row.reason = HOSTILE_TEXT.into();
        row.item = Some(HOSTILE_TEXT.into());
        row.resource_id = format!("/subscriptions/s/resourceGroups/{HOSTILE_TEXT}").into();
    }
    r
}

/// No control or bidirectional character besides the line ends `allowed`.
fn assert_clean(what: &str, text: &str, allowed: &[char]) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| azward::util::text::is_unsafe_char(*c) && !allowed.contains(c))
        .collect();
    assert!(bad.is_empty(), "{what}: {bad:?} in\n{text}");
    assert!(
        !text.contains("fake line\n") && !text.contains("\nfake line"),
        "{what}: a forged line"
    );
}

#[test]
fn terminal_and_diff_text_strip_control_characters() {
    let r = hostile_report();
    let plain = azward::report::terminal::render(&r, false);
    assert!(plain.contains("rev"), "{plain}");
    assert!(
        plain.contains("evidence in motion") && plain.contains("error: Q1 t]0;title"),
        "the activity's names and errors are shown, cleaned: {plain}"
    );
    assert_clean("terminal", &plain, &['\n']);
    // With colour, only the table's own SGR sequences: no data escape.
    let coloured = azward::report::terminal::render(&r, true);
    assert!(
        !coloured.contains("\u{1b}]")
            && !coloured.contains("\u{1b}[2J")
            && !coloured.contains('\u{202e}')
    );

    // Of another tenant: the comparability warning quotes both tenant ids.
    let empty = azward::engine::diff::ReportDoc {
        results: Vec::new(),
        tenant_id: Some("other".into()),
        ..r.to_doc()
    };
    let d = azward::engine::diff::diff(&empty, &r.to_doc());
    assert!(d.to_text().contains("different tenants"), "{}", d.to_text());
    assert_clean("diff text", &d.to_text(), &['\n']);
}

#[test]
fn csv_drops_control_characters_and_keeps_formula_safety() {
    let mut r = hostile_report();
    r.results[0].reason = "\t=cmd|' /C calc'!A0".into();
    r.results[1].reason = "\u{1}@SUM(A1)".into();
    let text = azward::report::csv::render(&r);
    assert_clean("csv", &text, &['\r', '\n']);
    // One line per result: no field spans lines.
    assert_eq!(text.split("\r\n").count(), r.results.len() + 2, "{text}");
    assert!(
        text.lines()
            .all(|l| !l.contains(",=") && !l.contains(",@") && !l.contains(", =")),
        "{text}"
    );
}

#[test]
fn markdown_links_mentions_and_references_nothing_from_data() {
    let r = hostile_report();
    let rows: Vec<&azward::engine::ResultRow> = r.results.iter().collect();
    let scan = azward::report::markdown::render(&r, Some(&rows));
    let empty = azward::engine::diff::ReportDoc {
        results: Vec::new(),
        ..r.to_doc()
    };
    let diff = azward::engine::diff::diff(&empty, &r.to_doc()).to_markdown();
    for (what, md) in [("scan", &scan), ("diff", &diff)] {
        assert_clean(what, md, &['\n']);
        for bad in [
            "://",
            "www.",
            "@org",
            "#123",
            "@host",
            " `x",
            "` | y",
            "fake line |",
        ] {
            assert!(!md.contains(bad), "{what}: {bad:?} in\n{md}");
        }
        assert!(md.contains("evil"), "{what}: the text is still shown");
    }
    assert!(
        scan.contains("### Evidence in motion") && scan.contains("quiet sources unknown"),
        "{scan}"
    );
}

#[test]
fn error_messages_on_stderr_carry_no_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a\u{1b}[2J\u{7}b.jsonl");
    let o = run(&["scan", "--replay", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("error: "), "{err}");
    assert_clean("stderr", &err, &['\n']);
}
