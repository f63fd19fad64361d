//! The GitHub YAML the repository ships: the composite action (`action.yml`),
//! CI (`.github/workflows/ci.yml`) and the nightly workflow documented in
//! `docs/scheduled-scans.md`. Each is parsed (PyYAML, through `python3`: the
//! image and GitHub's runners have it) and checked; the action's shell steps
//! and the nightly workflow's `run` steps are run here, the scans against the
//! loopback emulator.

use azward_lab::emulator::{Emulator, EmulatorOptions};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod support;
use support::{azward_exe, estate, TENANT};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// YAML text as JSON, parsed by PyYAML (YAML 1.1: a bare `on` key reads as `true`).
fn yaml(text: &str) -> Value {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect(
            "python3 runs (the YAML tests need python3 with PyYAML: apt-get install python3-yaml)",
        );
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "YAML does not parse: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn step<'a>(steps: &'a Value, name: &str) -> &'a Value {
    steps
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name:?}"))
}

/// Runs a step's script as GitHub does (`bash --noprofile --norc -eo pipefail`),
/// in `cwd` with `env`; returns the exit code and what it wrote to GITHUB_OUTPUT.
fn run_step(
    script: &str,
    cwd: &Path,
    env: &BTreeMap<String, String>,
) -> (i32, BTreeMap<String, String>, String) {
    let dir = tempfile::tempdir().unwrap();
    let (file, output) = (dir.path().join("step.sh"), dir.path().join("output"));
    std::fs::write(&file, script).unwrap();
    std::fs::write(&output, "").unwrap();
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&file)
        .current_dir(cwd)
        .envs(env)
        .env("GITHUB_OUTPUT", &output)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let outputs = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), outputs, log)
}

/// Every `${{ inputs.X }}` names a declared input, every `steps.X.outputs` a step id.
fn check_references(action: &Value, text: &str) {
    let inputs = action["inputs"].as_object().unwrap();
    let ids: Vec<&str> = action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    let names = |prefix: &str| -> Vec<String> {
        text.match_indices(prefix)
            .map(|(i, _)| {
                text[i + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect()
            })
            .collect()
    };
    for name in names("inputs.") {
        assert!(
            inputs.contains_key(&name),
            "action.yml names an undeclared input {name:?}"
        );
    }
    for id in names("steps.") {
        assert!(
            ids.contains(&id.as_str()),
            "action.yml names an unknown step {id:?}"
        );
    }
}

#[test]
fn the_action_caches_by_ref_and_sources_and_uploads_the_reports() {
    let text = read("action.yml");
    let action = yaml(&text);
    check_references(&action, &text);
    let steps = &action["runs"]["steps"];
    let cache = step(steps, "Cache the azward build");
    let key = cache["with"]["key"].as_str().unwrap();
    assert!(key.contains("${{ github.action_ref }}"), "{key}");
    assert!(key.contains("${{ steps.source.outputs.build }}"), "{key}");
    assert!(
        !text
            .lines()
            .any(|l| l.contains("hashFiles") && l.contains("action_path")),
        "hashFiles cannot see the action's path"
    );
    let scan = step(steps, "Scan")["run"].as_str().unwrap();
    assert!(scan.contains("--format table,json,sarif,md,html"), "{scan}");
    assert!(
        scan.contains("--history") && scan.contains("--keep-runs"),
        "{scan}"
    );
    let upload = step(steps, "Upload the reports");
    assert!(upload["uses"]
        .as_str()
        .unwrap()
        .starts_with("actions/upload-artifact@v4"));
    assert_eq!(upload["with"]["path"], "${{ inputs.output-dir }}");
    assert!(upload["if"].as_str().unwrap().contains("always()"));

    // The build id: the crate version and a hash of the sources, the same
    // twice, another when a source changes.
    let script = step(steps, "Identify the azward build")["run"]
        .as_str()
        .unwrap();
    let copy = tempfile::tempdir().unwrap();
    for part in ["Cargo.toml", "Cargo.lock", "src", "checks", "demo"] {
        let ok = Command::new("cp")
            .arg("-R")
            .arg(root().join(part))
            .arg(copy.path())
            .status()
            .unwrap();
        assert!(ok.success());
    }
    let mut env = BTreeMap::new();
    env.insert(
        "GITHUB_ACTION_PATH".to_string(),
        copy.path().display().to_string(),
    );
    env.insert(
        "RUNNER_TOOL_CACHE".to_string(),
        "/opt/hostedtoolcache".to_string(),
    );
    let build = |env: &BTreeMap<String, String>| {
        let (code, out, log) = run_step(script, copy.path(), env);
        assert_eq!(code, 0, "{log}");
        (out["build"].clone(), out["root"].clone())
    };
    let (b1, root1) = build(&env);
    let (version, hash) = b1.split_once('+').expect("version+hash");
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    assert!(
        hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{b1}"
    );
    assert_eq!(root1, format!("/opt/hostedtoolcache/azward/{b1}"));
    assert_eq!(build(&env).0, b1, "the same sources, the same build id");
    std::fs::write(
        copy.path().join("src/lib.rs"),
        read("src/lib.rs") + "\n// changed\n",
    )
    .unwrap();
    assert_ne!(build(&env).0, b1, "changed sources, another build id");

    // Install: a cached binary of this build is used as it is; one of another
    // build (or none) is rebuilt with this build's id.
    let install = step(steps, "Install azward")["run"].as_str().unwrap();
    let work = tempfile::tempdir().unwrap();
    let stubs = work.path().join("stubs");
    std::fs::create_dir_all(&stubs).unwrap();
    let cargo_log = work.path().join("cargo.log");
    std::fs::write(
        stubs.join("cargo"),
        format!(
            "#!/bin/bash\necho \"$AZWARD_BUILD_VERSION $*\" >> '{log}'\nroot=\"${{@: -1}}\"\nmkdir -p \"$root/bin\"\nprintf '#!/bin/sh\\necho azward %s\\n' \"$AZWARD_BUILD_VERSION\" > \"$root/bin/azward\"\nchmod +x \"$root/bin/azward\"\n",
            log = cargo_log.display()
        ),
    )
    .unwrap();
    let ok = Command::new("chmod")
        .arg("+x")
        .arg(stubs.join("cargo"))
        .status()
        .unwrap();
    assert!(ok.success());
    let tool_root = work.path().join("cache/azward/x");
    let mut env = BTreeMap::new();
    env.insert(
        "PATH".to_string(),
        format!("{}:{}", stubs.display(), std::env::var("PATH").unwrap()),
    );
    env.insert("BUILD".to_string(), "0.1.0+aaaa".to_string());
    env.insert("ROOT".to_string(), tool_root.display().to_string());
    env.insert("BINARY_URL".to_string(), String::new());
    env.insert("BINARY_SHA256".to_string(), String::new());
    env.insert("GITHUB_ACTION_PATH".to_string(), "/action".to_string());
    env.insert(
        "GITHUB_PATH".to_string(),
        work.path().join("path").display().to_string(),
    );
    let cargo_calls = || {
        std::fs::read_to_string(&cargo_log)
            .unwrap_or_default()
            .lines()
            .count()
    };
    let (code, _, log) = run_step(install, work.path(), &env);
    assert_eq!(
        (code, cargo_calls()),
        (0, 1),
        "nothing cached: built\n{log}"
    );
    assert!(std::fs::read_to_string(&cargo_log)
        .unwrap()
        .starts_with("0.1.0+aaaa install --locked --force --path /action"));
    let (code, _, log) = run_step(install, work.path(), &env);
    assert_eq!(
        (code, cargo_calls()),
        (0, 1),
        "this build cached: not built again\n{log}"
    );
    assert!(log.contains("azward 0.1.0+aaaa"), "{log}");
    env.insert("BUILD".to_string(), "0.1.0+bbbb".to_string());
    let (code, _, log) = run_step(install, work.path(), &env);
    assert_eq!(
        (code, cargo_calls()),
        (0, 2),
        "another build cached: rebuilt\n{log}"
    );
    assert!(std::fs::read_to_string(work.path().join("path"))
        .unwrap()
        .contains(&format!("{}/bin", tool_root.display())));

    // A prebuilt binary: refused without a checksum, and when it differs.
    let bin = work.path().join("azward-prebuilt");
    std::fs::write(&bin, "#!/bin/sh\necho azward 9.9.9\n").unwrap();
    env.insert(
        "BINARY_URL".to_string(),
        format!("file://{}", bin.display()),
    );
    let (code, _, log) = run_step(install, work.path(), &env);
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("binary-url needs binary-sha256"), "{log}");
    env.insert("BINARY_SHA256".to_string(), "0".repeat(64));
    env.insert("RUNNER_TEMP".to_string(), work.path().display().to_string());
    let (code, _, log) = run_step(install, work.path(), &env);
    assert_ne!(code, 0, "a wrong checksum must stop the install\n{log}");
    let sum = Command::new("sha256sum").arg(&bin).output().unwrap();
    let sum = String::from_utf8(sum.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    env.insert("BINARY_SHA256".to_string(), sum);
    let (code, _, log) = run_step(install, work.path(), &env);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("azward 9.9.9"), "{log}");
    assert_eq!(cargo_calls(), 2, "a prebuilt binary is not built");
}

#[test]
fn ci_checks_the_minimum_rust_version_and_needs_nothing_beside_the_checkout() {
    let ci = yaml(&read(".github/workflows/ci.yml"));
    let jobs = ci["jobs"].as_object().unwrap();
    for (name, job) in jobs {
        for s in job["steps"].as_array().unwrap() {
            assert!(
                s["with"]["repository"].is_null(),
                "job {name} checks out another repository"
            );
        }
    }
    let msrv = &jobs["msrv"]["steps"];
    assert!(msrv.as_array().unwrap().iter().any(|s| s["uses"]
        .as_str()
        .is_some_and(|u| u.starts_with("dtolnay/rust-toolchain@1."))));
    assert!(msrv.as_array().unwrap().iter().any(|s| s["run"]
        .as_str()
        .is_some_and(|r| r.contains("cargo check --locked"))));
    let test = jobs["test"]["steps"].as_array().unwrap();
    assert!(test.iter().any(|s| s["run"] == "bash .ci/run"));
}

/// The workflow in docs/scheduled-scans.md.
fn nightly() -> Value {
    let doc = read("docs/scheduled-scans.md");
    let start = doc
        .find("```yaml\nname: azward nightly")
        .expect("the workflow block")
        + "```yaml\n".len();
    let len = doc[start..].find("\n```").unwrap();
    yaml(&doc[start..start + len + 1])
}

/// One nightly job, run here: every `run` step in order (a step without
/// `if: always()` only while all before it succeeded), with `uses` steps
/// standing for themselves (the history file stays in the workspace, as the
/// cache restores it). Returns each step's exit code by name and the summary.
fn nightly_job(wf: &Value, workspace: &Path, origin: &str) -> (BTreeMap<String, i32>, String) {
    let job = &wf["jobs"]["scan"];
    let mut env: BTreeMap<String, String> = job["env"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    assert_eq!(env["AZWARD_AUTH"], "azure-cli");
    // The emulator instead of azure/login's account.
    env.insert("AZWARD_AUTH".into(), "none".into());
    env.insert("AZWARD_ARM_ENDPOINT".into(), origin.into());
    env.insert("AZWARD_TENANT".into(), TENANT.into());
    env.insert("NO_COLOR".into(), "1".into());
    let bin_dir = azward_exe().parent().unwrap().display().to_string();
    env.insert(
        "PATH".into(),
        format!("{bin_dir}:{}", std::env::var("PATH").unwrap()),
    );
    let summary = workspace.join("summary.md");
    env.insert("GITHUB_STEP_SUMMARY".into(), summary.display().to_string());
    let mut codes = BTreeMap::new();
    let mut outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut failed = false;
    for s in job["steps"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap().to_string();
        let Some(script) = s["run"].as_str() else {
            continue;
        };
        if name == "Install azward" {
            assert!(script.contains("cargo install --locked"), "{script}");
            continue;
        }
        if failed && !s["if"].as_str().is_some_and(|c| c.contains("always()")) {
            continue;
        }
        let mut script = script.to_string();
        for (id, outs) in &outputs {
            for (k, v) in outs {
                script = script.replace(&format!("${{{{ steps.{id}.outputs.{k} }}}}"), v);
            }
        }
        assert!(
            !script.contains("${{"),
            "{name}: an expression the test does not fill: {script}"
        );
        let (code, outs, log) = run_step(&script, workspace, &env);
        if let Some(id) = s["id"].as_str() {
            outputs.insert(id.to_string(), outs);
        }
        if code != 0 {
            failed = true;
        }
        codes.insert(name.clone(), code);
        if name == "Scan" {
            assert_eq!(code, 0, "the scan step keeps the exit code: {log}");
        }
    }
    (codes, std::fs::read_to_string(&summary).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nightly_workflow_runs_against_the_emulator_and_keeps_its_history() {
    let wf = nightly();
    assert_eq!(
        wf["true"]["schedule"][0]["cron"], "17 2 * * *",
        "a nightly cron ('on' reads as true in YAML 1.1)"
    );
    assert_eq!(wf["permissions"]["id-token"], "write");
    let steps = &wf["jobs"]["scan"]["steps"];
    assert!(step(steps, "Azure login (OIDC, no secret)")["uses"]
        .as_str()
        .unwrap()
        .starts_with("azure/login@"));
    let (restore, save) = (
        step(steps, "Restore the history"),
        step(steps, "Save the history"),
    );
    assert!(restore["uses"]
        .as_str()
        .unwrap()
        .starts_with("actions/cache/restore@"));
    assert!(save["uses"]
        .as_str()
        .unwrap()
        .starts_with("actions/cache/save@"));
    assert_eq!(restore["with"]["path"], save["with"]["path"]);
    assert_eq!(restore["with"]["path"], "${{ env.HISTORY }}");
    assert!(save["if"].as_str().unwrap().contains("always()"));
    let upload = step(steps, "Upload the reports");
    assert!(upload["uses"]
        .as_str()
        .unwrap()
        .starts_with("actions/upload-artifact@v4"));
    assert_eq!(upload["with"]["path"], "${{ env.OUT }}");

    let workspace = tempfile::tempdir().unwrap();
    let ws = workspace.path().to_path_buf();
    for (night, changed) in [(1, false), (2, true)] {
        let emu = Emulator::start(
            &estate(changed),
            "127.0.0.1:0".parse().unwrap(),
            EmulatorOptions::default(),
        )
        .await
        .unwrap();
        let (origin, wf, job_ws) = (emu.origin(), wf.clone(), ws.clone());
        let (codes, summary) = tokio::task::spawn_blocking(move || {
            let _ = std::fs::remove_file(job_ws.join("summary.md"));
            nightly_job(&wf, &job_ws, &origin)
        })
        .await
        .unwrap();
        drop(emu);
        // The demo has high findings: --fail-on high fails the gate, last.
        assert_eq!(codes.get("Gate"), Some(&1), "night {night}: {codes:?}");
        assert_eq!(
            codes.get("Job summary"),
            Some(&0),
            "night {night}: {codes:?}"
        );
        assert!(
            summary.contains("## azward forensic-readiness scan"),
            "night {night}: {summary}"
        );
        assert!(ws.join("azward-report/azward.html").is_file());
        let listing = std::fs::read_to_string(ws.join("azward-report/history.txt")).unwrap();
        assert!(listing.contains(&format!("{night} run(s)")), "{listing}");
        if night == 1 {
            assert!(
                summary.contains("the first run of this tenant and baseline"),
                "{summary}"
            );
        } else {
            assert!(
                summary.contains("since run 1") && summary.contains("1 new, 3 fixed"),
                "{summary}"
            );
        }
    }
}
