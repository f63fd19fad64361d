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

// ---------------------------------------------------------------------------
// The action's steps as a runner runs them: each step's `if` evaluated (the
// subset of GitHub's expression language action.yml uses), `env` and `with`
// filled, `run` scripts executed, `uses` steps standing for themselves.

/// A value of GitHub's expression language (numbers are not used here).
#[derive(Clone, Debug, PartialEq)]
enum Expr {
    Null,
    Bool(bool),
    Str(String),
}

impl Expr {
    fn truthy(&self) -> bool {
        match self {
            Expr::Null => false,
            Expr::Bool(b) => *b,
            Expr::Str(s) => !s.is_empty(),
        }
    }

    fn text(&self) -> String {
        match self {
            Expr::Null => String::new(),
            Expr::Bool(b) => b.to_string(),
            Expr::Str(s) => s.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Str(String),
    Ident(String),
    Op(&'static str),
}

fn tokens(s: &str) -> Vec<Tok> {
    let c: Vec<char> = s.chars().collect();
    let (mut i, mut out) = (0, Vec::new());
    while i < c.len() {
        let two: String = c[i..(i + 2).min(c.len())].iter().collect();
        match c[i] {
            ' ' | '\t' | '\n' => i += 1,
            '\'' => {
                let mut lit = String::new();
                i += 1;
                loop {
                    assert!(i < c.len(), "unterminated string in {s:?}");
                    if c[i] == '\'' {
                        if c.get(i + 1) == Some(&'\'') {
                            lit.push('\'');
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    lit.push(c[i]);
                    i += 1;
                }
                out.push(Tok::Str(lit));
            }
            '(' | ')' | ',' => {
                out.push(Tok::Op(match c[i] {
                    '(' => "(",
                    ')' => ")",
                    _ => ",",
                }));
                i += 1;
            }
            _ if ["==", "!=", "&&", "||"].contains(&two.as_str()) => {
                out.push(Tok::Op(match two.as_str() {
                    "==" => "==",
                    "!=" => "!=",
                    "&&" => "&&",
                    _ => "||",
                }));
                i += 2;
            }
            '!' => {
                out.push(Tok::Op("!"));
                i += 1;
            }
            x if x.is_ascii_alphanumeric() || x == '_' => {
                let start = i;
                while i < c.len() && (c[i].is_ascii_alphanumeric() || "_-.".contains(c[i])) {
                    i += 1;
                }
                out.push(Tok::Ident(c[start..i].iter().collect()));
            }
            x => panic!("unexpected {x:?} in expression {s:?}"),
        }
    }
    out
}

/// Evaluates one expression (without `${{ }}`): `lookup` answers a context
/// path (`inputs.x`, `steps.id.outputs.k`), `call` a function.
struct Eval<'a> {
    toks: Vec<Tok>,
    pos: usize,
    lookup: &'a dyn Fn(&str) -> Expr,
    call: &'a dyn Fn(&str, Vec<Expr>) -> Expr,
}

impl Eval<'_> {
    fn run(
        text: &str,
        lookup: &dyn Fn(&str) -> Expr,
        call: &dyn Fn(&str, Vec<Expr>) -> Expr,
    ) -> Expr {
        let mut e = Eval {
            toks: tokens(text),
            pos: 0,
            lookup,
            call,
        };
        let v = e.or();
        assert_eq!(e.pos, e.toks.len(), "trailing tokens in {text:?}");
        v
    }

    fn peek(&self, op: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Op(o)) if *o == op)
    }

    fn expect(&mut self, op: &str) {
        assert!(self.peek(op), "expected {op} at token {}", self.pos);
        self.pos += 1;
    }

    fn or(&mut self) -> Expr {
        let mut v = self.and();
        while self.peek("||") {
            self.pos += 1;
            let w = self.and();
            if !v.truthy() {
                v = w;
            }
        }
        v
    }

    fn and(&mut self) -> Expr {
        let mut v = self.unary();
        while self.peek("&&") {
            self.pos += 1;
            let w = self.unary();
            if v.truthy() {
                v = w;
            }
        }
        v
    }

    fn unary(&mut self) -> Expr {
        if self.peek("!") {
            self.pos += 1;
            return Expr::Bool(!self.unary().truthy());
        }
        let a = self.primary();
        for (op, eq) in [("==", true), ("!=", false)] {
            if self.peek(op) {
                self.pos += 1;
                let b = self.primary();
                // Strings compare ignoring case; null reads as ''.
                return Expr::Bool((a.text().to_lowercase() == b.text().to_lowercase()) == eq);
            }
        }
        a
    }

    fn primary(&mut self) -> Expr {
        let tok = self.toks.get(self.pos).cloned().expect("an operand");
        self.pos += 1;
        match tok {
            Tok::Op("(") => {
                let v = self.or();
                self.expect(")");
                v
            }
            Tok::Str(s) => Expr::Str(s),
            Tok::Ident(id) if self.peek("(") => {
                self.pos += 1;
                let mut args = Vec::new();
                while !self.peek(")") {
                    args.push(self.or());
                    if self.peek(",") {
                        self.pos += 1;
                    }
                }
                self.expect(")");
                (self.call)(&id, args)
            }
            Tok::Ident(id) => match id.as_str() {
                "true" => Expr::Bool(true),
                "false" => Expr::Bool(false),
                "null" => Expr::Null,
                _ => (self.lookup)(&id),
            },
            Tok::Op(o) => panic!("unexpected {o}"),
        }
    }
}

#[test]
fn the_expression_subset_reads_as_github_does() {
    let lookup = |p: &str| match p {
        "inputs.a" => Expr::Str("x".into()),
        "inputs.empty" => Expr::Str(String::new()),
        "steps.s.outputs.code" => Expr::Str("0".into()),
        "steps.t.outputs.code" => Expr::Null,
        _ => panic!("{p}"),
    };
    let call = |f: &str, a: Vec<Expr>| match f {
        "always" => Expr::Bool(true),
        "format" => Expr::Str(a[0].text().replace("{0}", &a[1].text())),
        _ => panic!("{f}"),
    };
    let e = |s: &str| Eval::run(s, &lookup, &call);
    assert_eq!(e("inputs.a == 'X'"), Expr::Bool(true));
    assert_eq!(
        e("inputs.empty != '' || inputs.a == 'y'"),
        Expr::Bool(false)
    );
    assert_eq!(e("!(inputs.empty == '') && always()"), Expr::Bool(false));
    assert_eq!(
        e("steps.t.outputs.code || steps.s.outputs.code"),
        Expr::Str("0".into()),
        "'0' is a non-empty string: truthy"
    );
    assert_eq!(e("steps.t.outputs.code == ''"), Expr::Bool(true));
    assert_eq!(
        e("format('{0}/p.sarif', inputs.a)"),
        Expr::Str("x/p.sarif".into())
    );
    assert_eq!(e("'it''s'"), Expr::Str("it's".into()));
}

/// How one step of the action went.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// Its `if` was false.
    Skipped,
    /// A `uses` step that would run, with its `with` filled in.
    Uses(BTreeMap<String, String>),
    /// Not run here (tested on its own above).
    Stubbed,
    /// A `run` step: its exit code and output.
    Ran(i32, String),
}

/// One run of the action: the job's event and inputs, and the runner's environment.
struct ActionJob {
    inputs: BTreeMap<String, String>,
    event_name: String,
    /// github.event.pull_request.number (pull_request events only).
    pr: Option<String>,
    workspace: PathBuf,
    env: BTreeMap<String, String>,
    /// Script rewrites (the emulator instead of Entra).
    patches: Vec<(String, String)>,
}

struct ActionRun {
    steps: Vec<(String, Outcome)>,
    summary: String,
    github_env: String,
}

impl ActionRun {
    fn get(&self, name: &str) -> &Outcome {
        &self
            .steps
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no step {name:?}"))
            .1
    }

    fn code(&self, name: &str) -> Option<i32> {
        match self.get(name) {
            Outcome::Ran(c, _) => Some(*c),
            _ => None,
        }
    }

    fn log(&self, name: &str) -> &str {
        match self.get(name) {
            Outcome::Ran(_, l) => l,
            o => panic!("{name} did not run: {o:?}"),
        }
    }
}

fn run_action(action: &Value, job: &ActionJob) -> ActionRun {
    let declared = action["inputs"].as_object().unwrap();
    for k in job.inputs.keys() {
        assert!(declared.contains_key(k), "no input {k:?}");
    }
    let inputs: BTreeMap<String, String> = declared
        .iter()
        .map(|(k, d)| {
            let v = job
                .inputs
                .get(k)
                .cloned()
                .unwrap_or_else(|| d["default"].as_str().map(String::from).unwrap_or_default());
            (k.clone(), v)
        })
        .collect();
    let runner = job.workspace.join("runner");
    let temp = runner.join("temp");
    std::fs::create_dir_all(&temp).unwrap();
    let (summary, github_env) = (runner.join("summary.md"), runner.join("env"));
    std::fs::write(&summary, "").unwrap();
    std::fs::write(&github_env, "").unwrap();
    let bin_dir = azward_exe().parent().unwrap().display().to_string();
    let mut env = job.env.clone();
    let path = env
        .get("PATH")
        .cloned()
        .unwrap_or_else(|| std::env::var("PATH").unwrap());
    env.insert("PATH".into(), format!("{bin_dir}:{path}"));
    for (k, v) in [
        ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
        ("GITHUB_ENV", github_env.display().to_string()),
        ("GITHUB_WORKSPACE", job.workspace.display().to_string()),
        ("GITHUB_ACTION_PATH", root().display().to_string()),
        ("GITHUB_REPOSITORY", "northwind/infra".to_string()),
        ("RUNNER_TEMP", temp.display().to_string()),
        (
            "RUNNER_TOOL_CACHE",
            runner.join("tool-cache").display().to_string(),
        ),
        ("NO_COLOR", "1".to_string()),
    ] {
        env.insert(k.into(), v);
    }
    let mut outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut failed = false;
    let mut steps = Vec::new();
    for s in action["runs"]["steps"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap().to_string();
        let lookup = |p: &str| -> Expr {
            let parts: Vec<&str> = p.split('.').collect();
            match parts.as_slice() {
                ["inputs", k] => Expr::Str(
                    inputs
                        .get(*k)
                        .unwrap_or_else(|| panic!("no input {k}"))
                        .clone(),
                ),
                ["steps", id, "outputs", k] => outputs
                    .get(*id)
                    .and_then(|o| o.get(*k))
                    .map(|v| Expr::Str(v.clone()))
                    .unwrap_or(Expr::Null),
                ["github", "event_name"] => Expr::Str(job.event_name.clone()),
                ["github", "event", "pull_request", "number"] => {
                    job.pr.clone().map(Expr::Str).unwrap_or(Expr::Null)
                }
                ["github", "token"] => Expr::Str("ghs_fake-job-token".into()),
                ["github", "action_ref"] => Expr::Str("v1".into()),
                ["runner", "os"] => Expr::Str("Linux".into()),
                ["runner", "arch"] => Expr::Str("X64".into()),
                _ => panic!("{name}: a context the test does not know: {p}"),
            }
        };
        let call = |f: &str, args: Vec<Expr>| -> Expr {
            match f {
                "always" => Expr::Bool(true),
                "success" => Expr::Bool(!failed),
                "failure" => Expr::Bool(failed),
                "cancelled" => Expr::Bool(false),
                "format" => {
                    let mut t = args[0].text();
                    for (i, a) in args[1..].iter().enumerate() {
                        t = t.replace(&format!("{{{i}}}"), &a.text());
                    }
                    Expr::Str(t)
                }
                // A hash when the file is in the workspace, else ''.
                "hashFiles" => Expr::Str(if job.workspace.join(args[0].text()).is_file() {
                    "0a1b2c".into()
                } else {
                    String::new()
                }),
                _ => panic!("{name}: a function the test does not know: {f}"),
            }
        };
        let eval = |text: &str| Eval::run(text, &lookup, &call);
        let fill = |text: &str| -> String {
            let mut out = String::new();
            let mut rest = text;
            while let Some(i) = rest.find("${{") {
                out.push_str(&rest[..i]);
                let j = rest[i..].find("}}").expect("}}") + i;
                out.push_str(&eval(&rest[i + 3..j]).text());
                rest = &rest[j + 2..];
            }
            out + rest
        };
        let go = match s["if"].as_str() {
            None => !failed,
            Some(c) => {
                let c = c.trim();
                let c = c
                    .strip_prefix("${{")
                    .and_then(|c| c.strip_suffix("}}"))
                    .unwrap_or(c);
                let status = ["always()", "success()", "failure()", "cancelled()"]
                    .iter()
                    .any(|f| c.contains(f));
                let v = eval(c).truthy();
                if status {
                    v
                } else {
                    !failed && v
                }
            }
        };
        if !go {
            steps.push((name, Outcome::Skipped));
            continue;
        }
        if s["uses"].is_string() {
            let with = s["with"]
                .as_object()
                .map(|w| {
                    w.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                fill(
                                    &v.as_str()
                                        .map(String::from)
                                        .unwrap_or_else(|| v.to_string()),
                                ),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            steps.push((name, Outcome::Uses(with)));
            continue;
        }
        if name == "Install azward" {
            steps.push((name, Outcome::Stubbed));
            continue;
        }
        let mut script = s["run"].as_str().unwrap().to_string();
        assert!(
            !script.contains("${{"),
            "{name}: an expression inside a run script: {script}"
        );
        for (from, to) in &job.patches {
            script = script.replace(from, to);
        }
        let mut step_env = env.clone();
        if let Some(e) = s["env"].as_object() {
            for (k, v) in e {
                step_env.insert(k.clone(), fill(v.as_str().unwrap()));
            }
        }
        let (code, outs, log) = run_step(&script, &job.workspace, &step_env);
        if let Some(id) = s["id"].as_str() {
            outputs.insert(id.to_string(), outs);
        }
        // GITHUB_ENV: what a step sets is in the environment of the steps after it.
        for line in std::fs::read_to_string(&github_env).unwrap().lines() {
            if let Some((k, v)) = line.split_once('=') {
                env.insert(k.into(), v.into());
            }
        }
        if code != 0 {
            failed = true;
        }
        steps.push((name, Outcome::Ran(code, log)));
    }
    ActionRun {
        steps,
        summary: std::fs::read_to_string(&summary).unwrap(),
        github_env: std::fs::read_to_string(&github_env).unwrap(),
    }
}

/// A workspace holding a base recording (the demo, `scan --record`) and the
/// planned changes under `infra/`, and a fake `gh` on PATH that logs each
/// call (one line, the arguments separated by US), saves each `--input` body
/// as body-N.json, and answers a comments listing with `gh-comments.json`.
fn plan_workspace() -> (tempfile::TempDir, BTreeMap<String, String>) {
    let ws = tempfile::tempdir().unwrap();
    let w = ws.path();
    let out = Command::new(azward_exe())
        .args(["scan", "--demo", "--quiet", "--format", "json"])
        .arg("--record")
        .arg(w.join("estate.jsonl.gz"))
        .arg("-o")
        .arg(w.join("estate.json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    std::fs::create_dir_all(w.join("infra")).unwrap();
    for (from, to) in [
        (
            "tests/fixtures/plan/delete-tamper-alert.json",
            "what-if.json",
        ),
        (
            "tests/fixtures/plan/terraform/delete-tamper-alert.json",
            "tfplan.json",
        ),
        (
            "tests/fixtures/plan/enable-purge-protection.json",
            "fix.json",
        ),
    ] {
        std::fs::copy(root().join(from), w.join("infra").join(to)).unwrap();
    }
    let stubs = w.join("stubs");
    std::fs::create_dir_all(&stubs).unwrap();
    std::fs::write(w.join("gh-comments.json"), "[]").unwrap();
    std::fs::write(
        stubs.join("gh"),
        format!(
            r#"#!/bin/bash
dir='{dir}'
[ -n "${{GH_TOKEN}}" ] || {{ echo "gh: no GH_TOKEN" >&2; exit 4; }}
(IFS=$'\x1f'; echo "$*") >> "$dir/gh.log"
n=$(wc -l < "$dir/gh.log")
prev=""
for a in "$@"; do
  if [ "$prev" = "--input" ]; then cp "$a" "$dir/body-$n.json"; fi
  prev="$a"
done
case "$*" in
  *--method*) echo '{{"id": 1}}' ;;
  *) cat "$dir/gh-comments.json" ;;
esac
"#,
            dir = w.display()
        ),
    )
    .unwrap();
    assert!(Command::new("chmod")
        .arg("+x")
        .arg(stubs.join("gh"))
        .status()
        .unwrap()
        .success());
    let mut env = BTreeMap::new();
    env.insert(
        "PATH".to_string(),
        format!("{}:{}", stubs.display(), std::env::var("PATH").unwrap()),
    );
    (ws, env)
}

fn gh_calls(ws: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(ws.join("gh.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('\x1f').map(String::from).collect())
        .collect()
}

fn plan_job(
    ws: &Path,
    env: &BTreeMap<String, String>,
    inputs: &[(&str, &str)],
    event: &str,
) -> ActionJob {
    ActionJob {
        inputs: inputs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        event_name: event.into(),
        pr: (event == "pull_request").then(|| "42".to_string()),
        workspace: ws.to_path_buf(),
        env: env.clone(),
        patches: Vec::new(),
    }
}

fn new_checks(plan_json: &Path) -> Vec<String> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(plan_json).unwrap()).unwrap();
    v["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["check_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn no_run_script_of_the_action_holds_an_expression() {
    let action = yaml(&read("action.yml"));
    for s in action["runs"]["steps"].as_array().unwrap() {
        if let Some(script) = s["run"].as_str() {
            assert!(
                !script.contains("${{"),
                "{}: inputs go through env, never into the script",
                s["name"]
            );
        }
    }
}

#[test]
fn the_action_plans_a_what_if_over_a_recording_comments_once_and_gates_last() {
    let text = read("action.yml");
    let action = yaml(&text);
    check_references(&action, &text);
    let (ws, env) = plan_workspace();
    let w = ws.path();
    let base = [
        ("what-if", "infra/what-if.json"),
        ("plan-base", "estate.jsonl.gz"),
        ("fail-on-new", "high"),
    ];

    // A pull request, no comment yet: one posted.
    let run = run_action(&action, &plan_job(w, &env, &base, "pull_request"));
    let out = w.join("azward-report");
    for f in ["plan.md", "plan.sarif", "plan.json"] {
        assert!(out.join(f).is_file(), "{f}: {:?}", run.steps);
    }
    assert_eq!(run.code("Plan"), Some(0), "{}", run.log("Plan"));
    assert_eq!(new_checks(&out.join("plan.json")), ["AZ-MON-006"]);
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let md = std::fs::read_to_string(out.join("plan.md")).unwrap();
    assert!(md.contains("AZ-MON-006"), "{md}");
    assert!(run.summary.contains(&md), "the job summary has plan.md");
    for (name, outcome) in [
        ("Federated token for workload identity", Outcome::Skipped),
        ("Scan", Outcome::Skipped),
        ("Upload SARIF", Outcome::Skipped),
        ("Install azward", Outcome::Stubbed),
    ] {
        assert_eq!(run.get(name), &outcome, "{name}");
    }
    let Outcome::Uses(with) = run.get("Upload the plan's SARIF") else {
        panic!("{:?}", run.steps)
    };
    assert_eq!(with["sarif_file"], "azward-report/plan.sarif");
    assert_eq!(with["category"], "azward-plan");
    assert!(matches!(run.get("Upload the reports"), Outcome::Uses(_)));
    assert_eq!(run.code("Comment on the pull request"), Some(0));
    // The gate fails, and it is the last step: the comment, the SARIF and
    // the artifact went before it.
    assert_eq!(run.code("Gate"), Some(1));
    assert_eq!(run.steps.last().unwrap().0, "Gate");
    let calls = gh_calls(w);
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0][0], "api");
    assert!(
        calls[0].contains(&"repos/northwind/infra/issues/42/comments?per_page=100".to_string()),
        "{calls:?}"
    );
    assert!(calls[0].contains(&"--paginate".to_string()), "{calls:?}");
    let post = &calls[1];
    assert!(
        post.windows(2).any(|p| p == ["--method", "POST"]),
        "{post:?}"
    );
    assert!(
        post.contains(&"repos/northwind/infra/issues/42/comments".to_string()),
        "{post:?}"
    );
    let body: Value =
        serde_json::from_str(&std::fs::read_to_string(w.join("body-2.json")).unwrap()).unwrap();
    assert_eq!(
        body["body"].as_str().unwrap(),
        format!("<!-- azward-plan -->\n{md}"),
        "the marker, then plan.md"
    );

    // The next push: the bot's marked comment is edited; another user's
    // comment that starts with the marker, on an earlier page, is not.
    std::fs::remove_file(w.join("gh.log")).unwrap();
    std::fs::write(
        w.join("gh-comments.json"),
        r#"[{"id": 5, "user": {"login": "mallory"}, "body": "<!-- azward-plan -->\nall clear"}]
[{"id": 9, "user": {"login": "github-actions[bot]"}, "body": "<!-- azward-plan -->\nold plan"},
 {"id": 11, "user": {"login": "github-actions[bot]"}, "body": "another bot comment"}]"#,
    )
    .unwrap();
    let run = run_action(&action, &plan_job(w, &env, &base, "pull_request"));
    assert_eq!(run.code("Gate"), Some(1));
    let calls = gh_calls(w);
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls[1].windows(2).any(|p| p == ["--method", "PATCH"]),
        "{calls:?}"
    );
    assert!(
        calls[1].contains(&"repos/northwind/infra/issues/comments/9".to_string()),
        "{calls:?}"
    );
    assert!(run
        .log("Comment on the pull request")
        .contains("updated the comment on pull request #42"));

    // A listing that does not parse: a new comment, not a failed step.
    std::fs::remove_file(w.join("gh.log")).unwrap();
    std::fs::write(w.join("gh-comments.json"), "<html>").unwrap();
    let run = run_action(&action, &plan_job(w, &env, &base, "pull_request"));
    assert_eq!(run.code("Comment on the pull request"), Some(0));
    let calls = gh_calls(w);
    assert!(
        calls.len() == 2 && calls[1].windows(2).any(|p| p == ["--method", "POST"]),
        "{calls:?}"
    );
    assert_eq!(run.code("Gate"), Some(1));

    // Not a pull request, or comment: false: no comment, the same gate.
    for (event, comment) in [("push", "true"), ("pull_request", "false")] {
        let _ = std::fs::remove_file(w.join("gh.log"));
        let mut inputs = base.to_vec();
        inputs.push(("comment", comment));
        let run = run_action(&action, &plan_job(w, &env, &inputs, event));
        assert_eq!(
            run.get("Comment on the pull request"),
            &Outcome::Skipped,
            "{event} {comment}"
        );
        assert_eq!(run.code("Gate"), Some(1), "{event} {comment}");
        assert!(gh_calls(w).is_empty(), "{event} {comment}");
    }

    // gh may not comment (a fork's read-only token): a warning, the gate decides.
    std::fs::write(
        w.join("stubs/gh"),
        "#!/bin/sh\necho 'HTTP 403: Resource not accessible by integration' >&2\nexit 1\n",
    )
    .unwrap();
    let run = run_action(&action, &plan_job(w, &env, &base, "pull_request"));
    assert_eq!(run.code("Comment on the pull request"), Some(0));
    assert!(run
        .log("Comment on the pull request")
        .contains("::warning::"));
    assert_eq!(run.code("Gate"), Some(1));

    // A change that only fixes: the gate holds. Without fail-on-new, too.
    let run = run_action(
        &action,
        &plan_job(
            w,
            &env,
            &[
                ("what-if", "infra/fix.json"),
                ("plan-base", "estate.jsonl.gz"),
                ("fail-on-new", "high"),
            ],
            "push",
        ),
    );
    assert_eq!(run.code("Gate"), Some(0));
    assert!(new_checks(&out.join("plan.json")).is_empty());
    let run = run_action(&action, &plan_job(w, &env, &base[..2], "push"));
    assert_eq!(run.code("Gate"), Some(0));

    // Both what-if and terraform-plan: refused, before any output.
    let mut both = base.to_vec();
    both.push(("terraform-plan", "infra/tfplan.json"));
    let run = run_action(&action, &plan_job(w, &env, &both, "pull_request"));
    assert_eq!(run.code("Plan"), Some(2));
    assert!(run.log("Plan").contains("exclude each other"));
    assert!(!out.join("plan.md").exists());
    assert_eq!(run.get("Comment on the pull request"), &Outcome::Skipped);
    assert_eq!(
        run.get("Gate"),
        &Outcome::Skipped,
        "the step failed: the job fails"
    );
    assert!(matches!(run.get("Upload the reports"), Outcome::Uses(_)));
}

#[test]
fn the_action_plans_over_hostile_paths_without_running_them() {
    let action = yaml(&read("action.yml"));
    let (ws, env) = plan_workspace();
    let w = ws.path();
    let odd = "odd $(touch pwned) `touch pwned` 'q' \"dq\" -x";
    std::fs::create_dir_all(w.join(odd)).unwrap();
    std::fs::copy(w.join("infra/what-if.json"), w.join(odd).join("-w.json")).unwrap();
    let what_if = format!("{odd}/-w.json");
    let out_dir = format!("{odd}/out");
    let run = run_action(
        &action,
        &plan_job(
            w,
            &env,
            &[
                ("what-if", &what_if),
                ("plan-base", "estate.jsonl.gz"),
                ("fail-on-new", "high"),
                ("output-dir", &out_dir),
                ("subscriptions", "* ; touch pwned"),
            ],
            "pull_request",
        ),
    );
    assert_eq!(run.code("Plan"), Some(0), "{}", run.log("Plan"));
    assert!(
        w.join(&out_dir).join("plan.md").is_file(),
        "{:?}",
        run.steps
    );
    assert_eq!(run.code("Gate"), Some(1));
    assert!(!w.join("pwned").exists(), "a value ran as a command");
    let body: Value =
        serde_json::from_str(&std::fs::read_to_string(w.join("body-2.json")).unwrap()).unwrap();
    assert!(body["body"]
        .as_str()
        .unwrap()
        .starts_with("<!-- azward-plan -->\n"));
}

#[test]
fn the_action_plans_a_terraform_plan() {
    let action = yaml(&read("action.yml"));
    let (ws, env) = plan_workspace();
    let w = ws.path();
    let run = run_action(
        &action,
        &plan_job(
            w,
            &env,
            &[
                ("terraform-plan", "infra/tfplan.json"),
                ("plan-base", "estate.jsonl.gz"),
                ("fail-on-new", "high"),
            ],
            "push",
        ),
    );
    assert_eq!(run.code("Plan"), Some(0), "{}", run.log("Plan"));
    let out = w.join("azward-report");
    assert_eq!(new_checks(&out.join("plan.json")), ["AZ-MON-006"]);
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(
        plan["new"][0]["addresses"][0], "azurerm_monitor_activity_log_alert.diag_delete",
        "the Terraform address"
    );
    assert!(out.join("plan.md").is_file());
    assert!(out.join("plan.sarif").is_file());
    assert_eq!(run.get("Comment on the pull request"), &Outcome::Skipped);
    assert_eq!(run.code("Gate"), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_action_plans_over_a_live_base_and_still_scans() {
    let action = yaml(&read("action.yml"));
    let (ws, env) = plan_workspace();
    let w = ws.path().to_path_buf();
    let emu = Emulator::start(
        &estate(false),
        "127.0.0.1:0".parse().unwrap(),
        EmulatorOptions::default(),
    )
    .await
    .unwrap();
    let origin = emu.origin();
    // The runner's OIDC endpoint, as a file (curl reads file:// URLs).
    std::fs::write(w.join("oidc.json"), r#"{"value": "fake-oidc-token"}"#).unwrap();
    let mut env = env.clone();
    env.insert(
        "ACTIONS_ID_TOKEN_REQUEST_URL".into(),
        format!("file://{}?api-version=2.0", w.join("oidc.json").display()),
    );
    env.insert(
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(),
        "request-token".into(),
    );
    let mut job = plan_job(
        &w,
        &env,
        &[
            ("tenant-id", TENANT),
            ("client-id", "00000000-0000-0000-0000-00000000c11e"),
            ("what-if", "infra/what-if.json"),
            ("fail-on-new", "high"),
        ],
        "push",
    );
    // The emulator instead of Entra and Resource Manager.
    job.patches.push((
        "--auth workload-identity".into(),
        format!("--auth none --arm-endpoint={origin} --tenant={TENANT}"),
    ));
    // And the same action without a change: a scan, gated by fail-on.
    let mut scan_job = plan_job(
        &w,
        &env,
        &[
            ("tenant-id", TENANT),
            ("client-id", "00000000-0000-0000-0000-00000000c11e"),
            ("fail-on", "high"),
        ],
        "pull_request",
    );
    scan_job.patches = job.patches.clone();
    let (run, scan) = tokio::task::spawn_blocking(move || {
        (run_action(&action, &job), run_action(&action, &scan_job))
    })
    .await
    .unwrap();
    let requests = emu.requests().len();
    drop(emu);
    assert_eq!(scan.code("Scan"), Some(0), "{}", scan.log("Scan"));
    assert!(w.join("azward-report/azward.sarif").is_file());
    assert!(scan.summary.contains("## azward forensic-readiness scan"));
    for name in [
        "Plan",
        "Upload the plan's SARIF",
        "Comment on the pull request",
    ] {
        assert_eq!(scan.get(name), &Outcome::Skipped, "{name}");
    }
    let Outcome::Uses(with) = scan.get("Upload SARIF") else {
        panic!("{:?}", scan.steps)
    };
    assert_eq!(with["sarif_file"], "azward-report/azward.sarif");
    assert_eq!(scan.code("Gate"), Some(1), "the demo has high findings");
    assert_eq!(
        run.code("Federated token for workload identity"),
        Some(0),
        "{}",
        run.log("Federated token for workload identity")
    );
    assert!(
        run.github_env
            .contains(&format!("AZURE_TENANT_ID={TENANT}")),
        "{}",
        run.github_env
    );
    assert_eq!(run.code("Plan"), Some(0), "{}", run.log("Plan"));
    assert!(requests > 0);
    assert!(
        w.join("azward-report/plan.json").is_file(),
        "{:?}",
        run.steps
    );
    let out = w.join("azward-report");
    assert_eq!(
        new_checks(&out.join("plan.json")),
        ["AZ-MON-006"],
        "{}",
        std::fs::read_to_string(out.join("plan.md")).unwrap()
    );
    assert!(out.join("plan.sarif").is_file());
    assert_eq!(run.code("Gate"), Some(1));

    // No identity and no plan-base: refused, saying what is missing.
    let action = yaml(&read("action.yml"));
    let run = run_action(
        &action,
        &plan_job(&w, &env, &[("what-if", "infra/what-if.json")], "push"),
    );
    assert_eq!(run.code("Federated token for workload identity"), Some(2));
    assert!(run
        .log("Federated token for workload identity")
        .contains("tenant-id and client-id"));
    assert_eq!(run.get("Plan"), &Outcome::Skipped);
}

// ---------------------------------------------------------------------------
// The README's workflows.

/// Every ```yaml block of the README, parsed.
fn readme_yaml() -> Vec<Value> {
    let doc = read("README.md");
    let mut out = Vec::new();
    let mut rest = doc.as_str();
    while let Some(i) = rest.find("```yaml\n") {
        let start = i + "```yaml\n".len();
        let len = rest[start..].find("\n```").unwrap();
        out.push(yaml(&rest[start..start + len + 1]));
        rest = &rest[start + len..];
    }
    out
}

fn azward_step(job: &Value) -> &Value {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.contains("/azward@")))
        .expect("a step that uses the action")
}

#[test]
fn the_readme_pull_request_workflows_parse_and_use_the_action_as_declared() {
    let action = yaml(&read("action.yml"));
    let inputs = action["inputs"].as_object().unwrap();
    let blocks = readme_yaml();
    let mut uses = 0;
    for b in &blocks {
        for (_, job) in b["jobs"].as_object().into_iter().flatten() {
            for s in job["steps"].as_array().unwrap() {
                if !s["uses"].as_str().is_some_and(|u| u.contains("/azward@")) {
                    continue;
                }
                uses += 1;
                for (k, _) in s["with"].as_object().unwrap() {
                    assert!(
                        inputs.contains_key(k),
                        "the README gives an undeclared input {k:?}"
                    );
                }
                for k in ["tenant-id", "client-id"] {
                    assert!(s["with"][k].is_string(), "{k}");
                }
            }
        }
    }
    assert_eq!(
        uses, 3,
        "the Action section and the two pull-request workflows"
    );
    let named = |name: &str| -> &Value {
        blocks
            .iter()
            .find(|b| b["name"] == name)
            .unwrap_or_else(|| panic!("no README workflow {name:?}"))
    };
    for name in ["azward plan (Bicep)", "azward plan (Terraform)"] {
        let wf = named(name);
        assert_eq!(wf["true"], "pull_request", "{name}: on pull_request");
        let p = &wf["permissions"];
        for (k, v) in [
            ("id-token", "write"),
            ("contents", "read"),
            ("pull-requests", "write"),
            ("security-events", "write"),
        ] {
            assert_eq!(p[k], v, "{name}: permission {k}");
        }
        let job = &wf["jobs"]["plan"];
        let with = &azward_step(job)["with"];
        assert!(
            with["what-if"].is_string() != with["terraform-plan"].is_string(),
            "{name}: one of what-if and terraform-plan"
        );
        assert_eq!(with["fail-on-new"], "high", "{name}");
        assert!(with["plan-base"].is_null(), "{name}: the live base");
        let steps = job["steps"].as_array().unwrap();
        assert!(steps[0]["uses"]
            .as_str()
            .unwrap()
            .starts_with("actions/checkout@"));
        let runs: Vec<(&Value, &str)> = steps
            .iter()
            .filter_map(|s| s["run"].as_str().map(|r| (s, r)))
            .collect();
        assert_eq!(runs.len(), 1, "{name}");
        let (step, script) = runs[0];
        if let Some(file) = with["what-if"].as_str() {
            assert!(steps.iter().any(|s| s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("azure/login@"))));
            assert!(script.contains("az deployment group what-if"), "{script}");
            assert!(
                script.contains(&format!("--no-pretty-print --output json > {file}")),
                "{name}: the what-if is written where the action reads it: {script}"
            );
        } else {
            let file = with["terraform-plan"].as_str().unwrap();
            let dir = step["working-directory"].as_str().unwrap();
            assert_eq!(file, format!("{dir}/tfplan.json"), "{name}");
            let lines: Vec<&str> = script.lines().collect();
            assert_eq!(
                lines,
                [
                    "terraform init -input=false",
                    "terraform plan -input=false -out tfplan",
                    "terraform show -json tfplan > tfplan.json"
                ],
                "{name}"
            );
            let setup = steps
                .iter()
                .find(|s| {
                    s["uses"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("hashicorp/setup-terraform@"))
                })
                .expect("setup-terraform");
            assert_eq!(
                setup["with"]["terraform_wrapper"], false,
                "plain JSON from terraform show"
            );
            assert_eq!(job["env"]["ARM_USE_OIDC"], "true");
            assert!(job["env"]["ARM_SUBSCRIPTION_ID"].is_string());
        }
    }
}

#[test]
fn the_comment_is_cut_at_a_line_to_fit_github() {
    let action = yaml(&read("action.yml"));
    let script = step(&action["runs"]["steps"], "Comment on the pull request")["run"]
        .as_str()
        .unwrap();
    let (ws, mut env) = plan_workspace();
    let w = ws.path();
    std::fs::create_dir_all(w.join("out")).unwrap();
    let line = format!("| AZ-MON-004 | high | fail | {} |\n", "é".repeat(60));
    std::fs::write(w.join("out/plan.md"), line.repeat(2000)).unwrap();
    env.insert("IN_OUT".into(), "out".into());
    env.insert("PR".into(), "7".into());
    env.insert("GH_TOKEN".into(), "ghs_fake".into());
    env.insert("GITHUB_REPOSITORY".into(), "northwind/infra".into());
    env.insert("RUNNER_TEMP".into(), w.display().to_string());
    let (code, _, log) = run_step(script, w, &env);
    assert_eq!(code, 0, "{log}");
    let body: Value =
        serde_json::from_str(&std::fs::read_to_string(w.join("body-2.json")).unwrap()).unwrap();
    let body = body["body"].as_str().unwrap();
    assert!(body.chars().count() <= 65536, "{}", body.chars().count());
    assert!(body.starts_with("<!-- azward-plan -->\n| AZ-MON-004"));
    let (kept, note) = body.split_once("\n\n*Cut to fit").expect("the note");
    assert!(kept.ends_with(" |"), "cut at a line");
    assert!(note.contains("plan.md"), "{note}");
}
