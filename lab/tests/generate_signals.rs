//! `azward-lab generate` stages every file it writes and puts them in place
//! together: SIGINT or SIGTERM before then leaves none of them and no
//! temporary file, and exits 130 or 143 (issue 11).

#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Only stops a hung test; nothing asserts a duration.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// Runs `azward-lab ARGS` in `cwd`, paused before its commit, sends `signal`
/// there and returns the exit code and stderr.
fn interrupted_at_commit(cwd: &Path, args: &[&str], signal: &str) -> (Option<i32>, String) {
    let marker = cwd.join("paused");
    let mut child = Command::new(env!("CARGO_BIN_EXE_azward-lab"))
        .args(args)
        .current_dir(cwd)
        .env(azward::util::fsutil::PAUSE_BEFORE_COMMIT_ENV, &marker)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !marker.exists() {
        if let Some(s) = child.try_wait().unwrap() {
            panic!("ended before the commit: {s}");
        }
        assert!(start.elapsed() < HANG_GUARD, "never reached the commit");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        files(cwd).iter().any(|f| f.contains(".azward-")),
        "staged: {:?}",
        files(cwd)
    );
    let ok = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
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
    std::fs::remove_file(marker).unwrap();
    (status.code(), err)
}

#[test]
fn generate_interrupted_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("demo")).unwrap();
    std::fs::create_dir_all(dir.path().join("tests/recordings")).unwrap();
    let (code, err) =
        interrupted_at_commit(dir.path(), &["generate", "--scenario", "all"], "-TERM");
    assert_eq!(code, Some(143), "{err}");
    assert!(err.contains("interrupted: nothing written"), "{err}");
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));

    let (code, err) = interrupted_at_commit(
        dir.path(),
        &[
            "generate",
            "-o",
            "big.jsonl.gz",
            "--subscriptions",
            "2",
            "--resources",
            "50",
        ],
        "-INT",
    );
    assert_eq!(code, Some(130), "{err}");
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
}
