//! The HTML report: what the page holds (no external loads, hostile strings
//! stay text), and the page in a real browser: headless Chromium loads it
//! from disk, draws the findings table, applies filters from the URL hash,
//! runs no script from the data, takes a screenshot, and copes with 50,000
//! results.
//!
//! The browser tests need Debian's `chromium` (`tests/browser/ensure-chromium.sh`
//! installs it; CI runs that). Without it they fail: they do not skip.

mod common;

use azward::checks::Status;
use azward::engine::diff;
use azward::engine::frameworks::{ControlResult, ControlStatus, FrameworkReport};
use azward::engine::WaiverNote;
use azward::report::html;
use azward::report::{RecordingInfo, Report};
use base64::Engine as _;
use common::Audit;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- helpers

/// The demo estate's report, with the CIS mapping so the control view shows.
fn demo() -> Report {
    Audit::demo()
        .fail_on(azward::checks::Severity::Critical)
        .timing("2026-11-20T09:00:00Z", "2026-11-20T09:00:02Z", 2100)
        .framework("cis-azure-3.0")
        .report()
}

/// Puts `payload` into every string that comes from Azure or a profile.
fn poison(mut r: Report, payload: &str) -> Report {
    let p = payload.to_string();
    r.tenant_id = Some(format!("tenant {p}"));
    for s in &mut r.subscriptions {
        s.display_name = Some(format!(
            "{} {p}",
            s.display_name.clone().unwrap_or_default()
        ));
        s.reason = Some(p.clone());
    }
    // A subscription whose id itself is hostile, with a score.
    let any = r.scores.overall.clone();
    r.scores.by_subscription.insert(p.clone(), any);
    r.subscriptions.push(azward::report::SubscriptionEntry {
        id: p.clone(),
        display_name: Some(p.clone()),
        state: Some(p.clone()),
        status: "unreadable",
        reason: Some(p.clone()),
    });
    let title: &'static str = Box::leak(format!("Title {p}").into_boxed_str());
    let first_check = r.checks[0].id;
    r.checks[0].title = title;
    for (i, res) in r.results.iter_mut().enumerate() {
        res.reason = format!("{} {p}", res.reason);
        if res.check_id == first_check {
            res.title = title;
        }
        if i % 2 == 0 {
            res.resource_id = format!("{}-{p}", res.resource_id).into();
            if res.remediation_cli.is_some() {
                res.remediation_cli = Some(format!("az fix --name '{p}'"));
            }
        }
        if i % 3 == 0 {
            res.item = Some(p.clone());
        }
        if i % 5 == 0 {
            res.subscription_id = Some(p.clone());
        }
    }
    r.results[1].waiver = Some(WaiverNote {
        reason: p.clone(),
        owner: p.clone(),
        expires: p.clone(),
        original_status: Status::Fail,
        line: 3,
    });
    r.results[1].status = Status::Waived;
    r.waivers = Some(azward::engine::waivers::WaiverReport {
        file: p.clone(),
        applied: vec![],
        expired: vec![],
        unused: vec![],
    });
    let doc = r.to_doc();
    r.comparison = Some(diff::Comparison {
        previous: p.clone(),
        fail_on_new: None,
        score_change: Some(-1.5),
        fixed: 1,
        waived: 0,
        removed: 0,
        unchanged: 0,
        warnings: vec![],
        new: doc
            .results
            .into_iter()
            .filter(|d| d.is_failing())
            .take(3)
            .collect(),
    });
    r.table_activity.extend(common::hostile_activity(&p));
    r.baseline.profile = Some(p.clone());
    r.source.recording = Some(RecordingInfo {
        path: p.clone(),
        sha256: p.clone(),
        recorded_at: Some(p.clone()),
    });
    r.source.arm_endpoint = p.clone();
    r.timing.started_at = p.clone();
    r.gate.verdict.passed = false;
    r.gate.verdict.reasons = vec![p.clone()];
    let mut summary = std::collections::BTreeMap::new();
    summary.insert("fail", 1);
    r.framework = Some(FrameworkReport {
        id: p.clone(),
        name: p.clone(),
        controls: vec![ControlResult {
            id: p.clone(),
            title: p.clone(),
            status: ControlStatus::Fail,
            checks: vec![p.clone(), "AZ-KV-001".into()],
            counts: Default::default(),
        }],
        summary,
    });
    r
}

const DATA_OPEN: &str = r#"<script type="application/json" id="data">"#;

/// (the page without the embedded data and without its own script, the data).
fn split(page: &str) -> (String, String) {
    let start = page.find(DATA_OPEN).expect("the data block") + DATA_OPEN.len();
    let end = start
        + page[start..]
            .find("</script>")
            .expect("the data block ends");
    let data = page[start..end].to_string();
    let mut outside = format!("{}{}", &page[..start], &page[end..]);
    // Cut out the page's own script (its code compares with `<`).
    let marker = "<script>";
    let s = outside.find(marker).expect("the page's script") + marker.len();
    let e = s + outside[s..].find("</script>").expect("its end");
    outside.replace_range(s..e, "");
    (outside, data)
}

/// Every tag outside the data and the script is one the template uses.
fn assert_only_known_tags(outside: &str) {
    const KNOWN: &[&str] = &[
        "!DOCTYPE",
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "header",
        "div",
        "span",
        "nav",
        "a",
        "main",
        "section",
        "h1",
        "h2",
        "h3",
        "h4",
        "p",
        "form",
        "label",
        "input",
        "select",
        "option",
        "button",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "svg",
        "rect",
        "line",
        "path",
        "text",
        "figure",
        "figcaption",
        "dl",
        "dt",
        "dd",
        "ul",
        "ol",
        "li",
        "code",
        "pre",
        "footer",
        "noscript",
        "script",
    ];
    let mut scripts = 0;
    for (i, _) in outside.match_indices('<') {
        let rest = &outside[i + 1..];
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect();
        assert!(
            KNOWN.contains(&name.as_str()),
            "unexpected markup <{name}… at: {}",
            &outside[i..(i + 80).min(outside.len())]
        );
        if name == "script" && !rest.starts_with('/') && !outside[i + 1..].starts_with('/') {
            scripts += 1;
        }
    }
    assert_eq!(
        scripts, 2,
        "the data block and the page's own script, nothing else"
    );
}

/// Every `href`/`src`-like attribute stays in the page.
fn assert_no_loads(outside: &str) {
    for attr in [
        "src=\"",
        "srcset=\"",
        "action=\"",
        "formaction=\"",
        "xlink:href=\"",
        "@import",
        "url(",
    ] {
        assert!(!outside.contains(attr), "the page has {attr}");
    }
    for (i, _) in outside.match_indices("href=\"") {
        let v = &outside[i + 6..];
        assert!(
            v.starts_with('#'),
            "a link that leaves the page: {}",
            &v[..v.len().min(60)]
        );
    }
    for scheme in ["http://", "https://", "//"] {
        for (i, _) in outside.match_indices(scheme) {
            let before = &outside[..i];
            let prev = before.chars().last().unwrap_or(' ');
            assert!(
                !matches!(prev, '"' | '\'' | '(' | '='),
                "{scheme} used as an address at: {}",
                &outside[i.saturating_sub(40)..(i + 40).min(outside.len())]
            );
        }
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------- the page

#[test]
fn the_demo_page_is_self_contained() {
    let report = demo();
    let page = html::render(&report);
    let (outside, data) = split(&page);
    assert_only_known_tags(&outside);
    assert_no_loads(&outside);
    // The source is the embedded demo, which reads no endpoint.
    assert!(outside.contains("the embedded demo estate (nothing read from Azure)"));
    // The data is the report's results.
    let v: serde_json::Value = serde_json::from_str(&data).expect("the data is JSON");
    assert_eq!(v["results"].as_array().unwrap().len(), report.results.len());
    assert_eq!(v["checks"].as_array().unwrap().len(), report.checks.len());

    // The CSP allows exactly the page's own script and style.
    let csp_start = page.find("Content-Security-Policy\" content=\"").unwrap();
    let csp = &page[csp_start..csp_start + page[csp_start..].find("\">").unwrap()];
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe"),
        "{csp}"
    );
    let inner = |open: &str, close: &str| {
        let s = page.find(open).unwrap() + open.len();
        page[s..s + page[s..].find(close).unwrap()].to_string()
    };
    let hash = |s: &str| base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s));
    let script = inner("\n<script>", "</script>");
    let style = inner("<style>", "</style>");
    assert!(
        csp.contains(&format!("script-src 'sha256-{}'", hash(&script))),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("style-src 'sha256-{}'", hash(&style))),
        "{csp}"
    );

    // Header facts.
    let demo_sha = {
        use sha2::Digest as _;
        let bytes = std::fs::read(common::repo_file("demo/estate.jsonl")).unwrap();
        let d = sha2::Sha256::digest(&bytes);
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    // The demo's score as the report has it (its value is pinned by the e2e digest).
    let score = format!(
        "{:.2}",
        report.scores.overall.score.expect("the demo has a score")
    );
    for fact in [
        "4f3c2b1a-6d5e-4a7b-9c8d-0e1f2a3b4c5d",
        "nw-prod",
        "nw-legacy",
        "subscription state is Disabled",
        "2026-11-20T09:00:00Z",
        "azward 0.1.0",
        "azward default 1.2",
        demo_sha.as_str(),
        score.as_str(),
        "100.00",
        "Score by family",
        "Score by subscription",
        "Results by severity and status",
        "Controls: CIS Microsoft Azure Foundations Benchmark",
        "AZ-KV-003",
    ] {
        assert!(outside.contains(fact), "the page lacks {fact}");
    }
}

/// The "Evidence in motion" section of a page.
fn activity_section(page: &str) -> &str {
    let start = page
        .find(r#"<section id="activity""#)
        .expect("the Evidence in motion section");
    &page[start..start + page[start..].find("</section>").unwrap()]
}

#[test]
fn the_demo_page_draws_evidence_in_motion() {
    let report = demo();
    let page = html::render(&report);
    let section = activity_section(&page);
    let act = &report.table_activity;
    assert_eq!(act.len(), 3, "the demo's SOC workspaces");
    let tables: usize = act.iter().map(|a| a.tables.len()).sum();
    let empty = act
        .iter()
        .flat_map(|a| &a.tables)
        .filter(|t| t.hourly.is_empty())
        .count();
    let gaps: usize = act.iter().flat_map(|a| &a.tables).map(|t| t.gaps).sum();
    assert!(gaps > 0 && empty > 0);
    assert_eq!(section.matches(r#"<div class="strip"#).count(), tables);
    assert_eq!(
        section.matches("no rows in the window</div>").count(),
        empty
    );
    assert_eq!(section.matches(r#"<rect class="gap""#).count(), gaps);
    // The demo's one silent table: AADNonInteractiveUserSignInLogs, 74 hours.
    assert_eq!(section.matches(r#"<rect class="silent""#).count(), 1);
    assert!(section.contains("silent: no rows since 2026-11-17T07:00Z (74 hours)"));
    assert!(section.contains(r#"aria-label="AADNonInteractiveUserSignInLogs: 11,606 rows in 261 of 337 hours; last rows in the hour from 2026-11-17T06:00Z; silent for 74 hours (more than 24)"#));
    // One cell per hour: the viewBox is the window's hours.
    assert_eq!(
        section.matches(r#"viewBox="0 0 337 1""#).count(),
        tables - empty + act.len(),
        "each drawn strip and each workspace's axis"
    );
    // Every quiet source, by name with its id on hover.
    for id in act.iter().flat_map(|a| &a.quiet_sources) {
        assert!(
            section.contains(&format!(r#"<li title="{}">"#, html::escape(id))),
            "{id}"
        );
    }
    assert!(section.contains("Sources that delivered nothing (5)"));
    // The slow table's delay is marked.
    assert!(section.contains(r#"<td class="num bad">47 min</td>"#));
    assert!(page.contains(r##"<a href="#activity">Evidence in motion</a>"##));
    eprintln!(
        "Evidence in motion: {} bytes of {} in the page",
        section.len(),
        page.len()
    );
}

#[test]
fn evidence_in_motion_shows_errors_and_stays_compact_over_90_days() {
    let mut report = demo();
    // A failed query is an error on the page, never strips that look healthy.
    report.table_activity = common::hostile_activity("x");
    let page = html::render(&report);
    let section = activity_section(&page);
    assert!(section.contains(
        r#"<p class="flow-error"><span class="badge st-error">error</span> rows per hour unknown: Q1 x</p>"#
    ));
    assert!(section.contains("sources not judged: Q3 x"));
    assert!(section.contains("ingestion delay unknown: Q2 x"));
    assert_eq!(section.matches(r#"<div class="strip"#).count(), 3);

    // 90 days: 2,161 hours per table, rows that follow the day, with quiet nights.
    let hours = 90 * 24 + 1;
    let daily: Vec<u64> = (0..hours)
        .map(|h| match h % 24 {
            0..=5 => 0,
            6..=8 | 18..=23 => 40 + (h % 7) as u64,
            _ => 900 + (h % 13) as u64 * 20,
        })
        .collect();
    let mut a = report.table_activity[0].clone();
    a.window_start = Some("2026-08-22T09:00:00Z".into());
    for t in &mut a.tables {
        t.hourly = daily.clone();
    }
    let busy: Vec<_> = (0..20).map(|_| a.clone()).collect();
    report.table_activity = busy;
    let page = html::render(&report);
    let section = activity_section(&page);
    let strips = 20 * 3;
    assert_eq!(section.matches(r#"<div class="strip"#).count(), strips);
    let per_strip = section.len() / strips;
    assert!(per_strip < 6_000, "{per_strip} bytes per 90-day strip");
    // The worst case, every hour another intensity, stays linear in the hours.
    for t in &mut report.table_activity[0].tables {
        t.hourly = (0..hours).map(|h| [1, 1000][h % 2]).collect();
    }
    let page = html::render(&report);
    let worst = activity_section(&page).len() - section.len();
    assert!(worst < 3 * 24 * hours, "{worst} more bytes for 3 strips");
    eprintln!(
        "90 days: {per_strip} bytes per strip; alternating hours: {} more bytes per strip",
        worst / 3
    );
}

#[test]
fn an_empty_scan_renders() {
    let mut r = demo();
    r.results.clear();
    r.checks.clear();
    r.subscriptions.clear();
    r.scores.by_subscription.clear();
    r.framework = None;
    r.tenant_id = None;
    r.source.recording = None;
    r.table_activity.clear();
    let page = html::render(&r);
    let (outside, data) = split(&page);
    assert_only_known_tags(&outside);
    assert!(outside.contains("nothing scanned"));
    assert!(outside.contains("none (not recorded)"));
    assert!(
        !outside.contains("id=\"controls\""),
        "no control view without --framework"
    );
    assert!(
        !outside.contains("id=\"activity\"") && !outside.contains("#activity"),
        "no Evidence in motion without table activity"
    );
    let v: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(v["results"], serde_json::json!([]));
}

const HOSTILE: [&str; 6] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    "javascript:alert(3)",
    "{{7*7}}",
    "\u{2028}",
];

#[test]
fn hostile_strings_render_as_text() {
    let payload = HOSTILE.join(" ");
    let report = poison(demo(), &payload);
    let page = html::render(&report);
    let (outside, data) = split(&page);

    // The data block cannot end early or start markup.
    for bad in ["</", "<", ">", "&", "\u{2028}", "\u{2029}"] {
        assert!(!data.contains(bad), "the data block holds {bad:?}");
    }
    let v: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert!(
        v["results"][0][6].as_str().unwrap().ends_with(&payload),
        "the data keeps the text as it was"
    );

    // Outside the data: only the template's markup, and the payloads as text.
    assert_only_known_tags(&outside);
    assert_no_loads(&outside);
    for p in [
        HOSTILE[0],
        HOSTILE[1],
        HOSTILE[2],
        "<img",
        "<script>alert",
        "\u{2028}",
    ] {
        assert!(!page.contains(p), "{p:?} is in the page unescaped");
    }
    assert!(outside.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(outside.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(outside.contains("javascript:alert(3)"), "shown as text");
    assert!(!outside.to_ascii_lowercase().contains("=\"javascript:"));
    // The template is filled once: a placeholder in the data stays text.
    assert!(outside.contains("{{7*7}}"));
    assert_eq!(
        outside.matches("{{").count(),
        outside.matches("{{7*7}}").count(),
        "no placeholder of the template is left"
    );
    // The table activity's names and errors are text too.
    let section = activity_section(&outside);
    for shown in [
        "law &lt;script&gt;alert(1)&lt;/script&gt;",
        "Silent &lt;script&gt;alert(1)",
        "Q1 &lt;script&gt;alert(1)",
        "title=\"/subscriptions/8a1f6c3e-52d4-4b9a-a7e0-3c9d15b2e6f4/resourceGroups/rg/providers/Microsoft.Web/sites/app &lt;script&gt;",
    ] {
        assert!(section.contains(shown), "{shown} in {section}");
    }
    // The hostile subscription id is percent-encoded in its link.
    assert!(outside.contains("href=\"#sub=%3Cscript%3Ealert%281%29"));
}

// ---------------------------------------------------------------- the browser

static BROWSER: Mutex<()> = Mutex::new(());

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "headless Chromium is needed for the HTML report's browser tests and was not found on \
         PATH: run `bash tests/browser/ensure-chromium.sh` (apt-get install -y chromium), or set \
         CHROMIUM to the browser's path"
    );
}

/// `target/` of this build, from the test binary's path (target/debug/deps/…).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "deps"))
        .and_then(|deps| deps.parent()?.parent())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

struct Run {
    stdout: String,
    console: String,
    elapsed: Duration,
}

/// Runs headless Chromium on a page, with a time limit.
fn browse(page: &Path, hash: &str, extra: &[String], timeout: Duration) -> Run {
    let browser = chromium();
    let _one_at_a_time = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let profile = tempfile::tempdir().unwrap();
    let out = tempfile::NamedTempFile::new().unwrap();
    let err = tempfile::NamedTempFile::new().unwrap();
    let mut url = url::Url::from_file_path(page).unwrap();
    url.set_fragment((!hash.is_empty()).then_some(hash));
    let mut cmd = Command::new(&browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(extra)
    .arg(url.as_str())
    .stdin(Stdio::null())
    .stdout(out.reopen().unwrap())
    .stderr(err.reopen().unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let console = std::fs::read_to_string(err.path()).unwrap_or_default();
            assert!(status.success(), "chromium exited with {status}: {console}");
            break;
        }
        if started.elapsed() > timeout {
            // The browser and its helper processes are one process group.
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish {} within {timeout:?}",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&std::fs::read(out.path()).unwrap()).into_owned();
    let console = std::fs::read_to_string(err.path())
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .collect::<Vec<_>>()
        .join("\n");
    Run {
        stdout,
        console,
        elapsed,
    }
}

fn dump_dom(page: &Path, hash: &str) -> Run {
    let run = browse(page, hash, &["--dump-dom".into()], Duration::from_secs(90));
    assert!(
        run.stdout.contains("</html>"),
        "no DOM from chromium: {}",
        run.console
    );
    assert!(
        !run.console.contains("Uncaught") && !run.console.contains("Content Security Policy"),
        "the page logged an error: {}",
        run.console
    );
    run
}

fn write_page(dir: &Path, name: &str, report: &Report) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, html::render(report)).unwrap();
    path
}

/// The result rows in a dumped DOM: (opening tag, text).
fn rows(dom: &str) -> Vec<(String, String)> {
    dom.split("<tr class=\"result\"")
        .skip(1)
        .map(|chunk| {
            let row = &chunk[..chunk.find("</tr>").unwrap()];
            let tag = row[..row.find('>').unwrap()].to_string();
            (tag, text_of(row))
        })
        .collect()
}

/// The text of some markup: tags dropped, the five entities decoded.
fn text_of(markup: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

fn attr<'a>(tag: &'a str, name: &str) -> &'a str {
    let key = format!("{name}=\"");
    let s = tag
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
        + key.len();
    &tag[s..s + tag[s..].find('"').unwrap()]
}

#[test]
fn browser_draws_the_demo_report_and_takes_a_screenshot() {
    let report = demo();
    let shots = target_dir().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let page = write_page(&shots, "report.html", &report);

    let run = dump_dom(&page, "");
    let dom = &run.stdout;
    let rows_of = rows;
    let rows = rows(dom);
    let all = report.results.len();
    assert!(all > 200, "the demo has {all} results: more than two pages");
    assert_eq!(rows.len(), 100, "the first page: 100 of {all} rows");
    assert!(
        dom.contains(&format!("Showing 1–100 of {} results.", thousands(all))),
        "count text in {}",
        &dom[dom.find("id=\"count\"").unwrap()..][..200]
    );
    assert!(dom.contains(&format!("Page 1 of {}", all.div_ceil(100))));
    // Evidence in motion: a strip per security table of each SOC workspace.
    let tables: usize = report.table_activity.iter().map(|a| a.tables.len()).sum();
    assert_eq!(report.table_activity.len(), 3);
    assert_eq!(dom.matches(r#"<div class="strip"#).count(), tables);
    assert_eq!(tables, 30);
    // Failing results first, then errors, then the rest; each status in
    // report order (the demo has more than a page of fail and error results).
    let rank = |s: &str| {
        ["fail", "error", "waived", "pass", "not_applicable"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    let shown: Vec<(usize, usize)> = rows
        .iter()
        .map(|(tag, _)| {
            (
                rank(attr(tag, "data-status")),
                attr(tag, "data-idx").parse().unwrap(),
            )
        })
        .collect();
    let mut sorted = shown.clone();
    sorted.sort();
    assert_eq!(shown, sorted, "by status, then report order");
    let first_fail = report
        .results
        .iter()
        .position(|r| r.status == Status::Fail)
        .unwrap();
    assert_eq!(shown[0], (0, first_fail));
    let failing = report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Error))
        .count();
    assert!(failing >= 100, "{failing}");
    assert!(
        shown.iter().all(|(r, _)| *r <= 1),
        "the first page is all fail and error"
    );
    let last_page = dump_dom(&page, &format!("page={}", all.div_ceil(100)));
    assert!(rows_of(&last_page.stdout)
        .iter()
        .all(|(tag, _)| attr(tag, "data-status") != "fail"));
    // A storage service is named by its account, not by `default`.
    let run = dump_dom(&page, "q=stnwprodlogarchive&size=200");
    let mut services = 0;
    for (tag, text) in rows_of(&run.stdout) {
        let i: usize = attr(&tag, "data-idx").parse().unwrap();
        if report.results[i]
            .resource_id
            .to_lowercase()
            .ends_with("/blobservices/default")
        {
            services += 1;
            assert!(text.contains(" stnwprodlogarchive/blob "), "{text}");
        }
    }
    assert!(
        services > 0,
        "the demo's log archive has blob service results"
    );
    // The filter lists were filled from the data.
    assert!(dom.contains("<option value=\"KV\">KV · Key Vault</option>"));
    assert!(dom.contains("nw-prod · 8a1f6c3e-52d4-4b9a-a7e0-3c9d15b2e6f4"));
    // The tamper timeline's script ran: every event shown, newest first, and
    // the detection matrix has a row per onboarded workspace.
    let t = report
        .timeline
        .as_ref()
        .expect("the demo reads the Activity Log");
    let n = t.events.len();
    assert!(
        dom.contains(&format!("{n} of {n} events")),
        "timeline count in the DOM"
    );
    assert_eq!(dom.matches("data-class=\"impairing\"").count(), 3);
    let matrix = &dom[dom.find("id=\"detections\"").expect("the matrix")..];
    assert_eq!(
        matrix.matches("<tr><td title=").count(),
        2,
        "law-nw-sentinel-prod and law-nw-dev"
    );

    let png = shots.join("report.png");
    let _ = std::fs::remove_file(&png);
    browse(
        &page,
        "",
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1400,1000".into(),
            "--hide-scrollbars".into(),
        ],
        Duration::from_secs(90),
    );
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10_000,
        "screenshot {} is {size} bytes",
        png.display()
    );
    assert_eq!(
        &std::fs::read(&png).unwrap()[..8],
        b"\x89PNG\r\n\x1a\n",
        "a PNG"
    );
    eprintln!("screenshot: {} ({size} bytes)", png.display());
}

#[test]
fn browser_applies_filters_sort_and_paging_from_the_hash() {
    let report = demo();
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path(), "report.html", &report);

    // What the filter must keep: failing high results that mention kv-.
    let name = |sub: &Option<String>| {
        sub.as_ref().map_or("tenant".to_string(), |id| {
            let s = report.subscriptions.iter().find(|s| &s.id == id).unwrap();
            format!("{} {id}", s.display_name.clone().unwrap_or_default())
        })
    };
    let expected: Vec<usize> = report
        .results
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            let hay = format!(
                "{} {} {} {} {} {}",
                r.check_id,
                r.title,
                r.resource_id,
                r.item.clone().unwrap_or_default(),
                name(&r.subscription_id),
                r.reason
            )
            .to_lowercase();
            r.status == Status::Fail
                && r.severity == azward::checks::Severity::High
                && hay.contains("kv-")
        })
        .map(|(i, _)| i)
        .collect();
    assert!(expected.len() > 3 && expected.len() < 100, "{expected:?}");
    let first = expected[0];

    let run = dump_dom(
        &page,
        &format!("status=fail&severity=high&q=kv-&open={first}"),
    );
    let dom = &run.stdout;
    let got = rows(dom);
    assert_eq!(got.len(), expected.len(), "rows kept by the filter");
    for ((tag, text), want) in got.iter().zip(&expected) {
        assert_eq!(attr(tag, "data-status"), "fail");
        assert_eq!(attr(tag, "data-severity"), "high");
        assert!(text.to_lowercase().contains("kv-"), "{text}");
        assert_eq!(attr(tag, "data-idx"), want.to_string());
    }
    assert!(dom.contains(&format!(
        "Showing 1–{n} of {n} matching results ({all} in all).",
        n = expected.len(),
        all = thousands(report.results.len())
    )));
    // The detail view of the first row: reason, portal steps, az command, Bicep, references.
    let r = &report.results[first];
    let start = dom.find("<tr class=\"detail\"").expect("a detail row");
    let detail = text_of(&dom[start..start + dom[start..].find("</tr>").unwrap()]);
    let meta = azward::checks::find(r.check_id).unwrap();
    assert!(detail.contains(&r.reason), "{detail}");
    assert!(detail.contains(meta.remediation.portal[0]), "{detail}");
    assert!(
        detail.contains(r.remediation_cli.as_deref().unwrap()),
        "{detail}"
    );
    let bicep = azward::checks::fill_placeholders(
        meta.remediation.bicep,
        &r.resource_id,
        r.subscription_id.as_deref(),
    );
    assert!(
        detail.contains(&bicep),
        "Bicep with names filled in: {detail}"
    );
    assert!(detail.contains(meta.condition) && detail.contains(meta.rationale));
    let reference = &meta.references[0];
    assert!(detail.contains(&format!("{} {}", reference.framework.label(), reference.id)));

    // Sort and paging: resources in descending order, second page of 50.
    let run = dump_dom(&page, "sort=resource&dir=desc&page=2&size=50");
    let got = rows(&run.stdout);
    assert_eq!(got.len(), 50);
    let all = report.results.len();
    assert!(run
        .stdout
        .contains(&format!("Showing 51–100 of {} results.", thousands(all))));
    assert!(run
        .stdout
        .contains(&format!("Page 2 of {}", all.div_ceil(50))));
    let mut ids: Vec<String> = report
        .results
        .iter()
        .map(|r| r.resource_id.to_lowercase())
        .collect();
    ids.sort_by(|a, b| b.cmp(a));
    let shown: Vec<String> = got
        .iter()
        .map(|(tag, _)| {
            let i: usize = attr(tag, "data-idx").parse().unwrap();
            report.results[i].resource_id.to_lowercase()
        })
        .collect();
    assert_eq!(shown, ids[50..100].to_vec(), "descending by resource id");
    assert!(run.stdout.contains("aria-sort=\"descending\""));

    // A filter that matches nothing, and a subscription filter.
    let run = dump_dom(&page, "q=no-such-resource-anywhere");
    assert!(rows(&run.stdout).is_empty());
    assert!(run.stdout.contains(&format!(
        "No results match these filters ({} in all).",
        thousands(all)
    )));
    let dev = "c7e2d5b8-0f4a-4e61-9b3c-6a8d2f1e7b05";
    let n = report
        .results
        .iter()
        .filter(|r| r.subscription_id.as_deref() == Some(dev))
        .count();
    let run = dump_dom(&page, &format!("sub={dev}&size=200"));
    assert_eq!(rows(&run.stdout).len(), n.min(200));
    assert!(run
        .stdout
        .contains(&format!("of {} matching results", thousands(n))));
}

#[test]
fn browser_marks_and_filters_new_findings() {
    // The previous scan passed AZ-KV-001 everywhere: its failures are new.
    let mut report = demo();
    let mut previous = report.clone();
    for r in previous
        .results
        .iter_mut()
        .filter(|r| r.check_id == "AZ-KV-001")
    {
        r.status = Status::Pass;
    }
    let d = diff::diff(&previous.to_doc(), &report.to_doc());
    report.comparison = Some(diff::Comparison::new(Path::new("previous.json"), &d, None));
    let new: Vec<usize> = report
        .results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.check_id == "AZ-KV-001" && r.status == Status::Fail)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(d.new.len(), new.len());
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(dir.path(), "report.html", &report);
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(text.contains(&format!("{} new failing</a>", new.len())));

    let run = dump_dom(&page, "new=1");
    let got = rows(&run.stdout);
    let idx: Vec<usize> = got
        .iter()
        .map(|(tag, _)| attr(tag, "data-idx").parse().unwrap())
        .collect();
    assert_eq!(idx, new, "only the new findings");
    assert!(got
        .iter()
        .all(|(tag, text)| attr(tag, "data-new") == "1" && text.contains("new")));
    // Without the filter they are marked among the rest.
    let run = dump_dom(&page, "check=AZ-KV-001");
    assert_eq!(run.stdout.matches("data-new=\"1\"").count(), new.len());
}

#[test]
fn browser_runs_no_script_from_a_hostile_estate() {
    let payload = "<img src=x onerror=\"document.title='PWNED'\"> <script>document.title='PWNED'</script> \"><svg onload=\"document.title='PWNED'\">";
    let report = poison(demo(), payload);
    let shots = target_dir().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let page = write_page(&shots, "report-hostile.html", &report);

    // Open the first result's detail view too, so every view draws the payload.
    // The first row shown (failing results come first) with its detail open.
    let first = report
        .results
        .iter()
        .position(|r| r.status == Status::Fail)
        .unwrap();
    let open = format!("open={first}");
    let run = dump_dom(&page, &open);
    let dom = &run.stdout;
    let title = &dom[dom.find("<title>").unwrap() + 7..dom.find("</title>").unwrap()];
    // The tenant (in the title) holds the payload as text; a script that ran would have set it to PWNED.
    assert!(
        title != "PWNED" && title.starts_with("azward report · tenant &lt;img"),
        "{title}"
    );
    assert!(!dom.contains("<img"), "an <img> element was created");
    assert!(
        !dom.contains("<svg onload"),
        "an <svg> element was created from the data"
    );
    assert_eq!(
        dom.matches("<script").count(),
        2,
        "no script element was added"
    );
    // The payload is on the page as text, in the table, the detail view and the header.
    let as_text = "&lt;img src=x onerror=\"document.title='PWNED'\"&gt; &lt;script&gt;document.title='PWNED'&lt;/script&gt;";
    assert!(
        dom.matches(as_text).count() > 100,
        "the payload shows as text"
    );
    let detail = dom.find("<tr class=\"detail\"").expect("the detail view");
    assert!(dom[detail..].contains(as_text));
    // And in Evidence in motion: a table, a quiet source, an error.
    let section = activity_section(dom);
    assert!(section.contains(&format!("Silent {as_text}")), "{section}");
    assert!(section.contains(&format!("app {as_text}")));
    assert!(section.contains(&format!("rows per hour unknown: Q1 {as_text}")));
    assert_eq!(
        section.matches(r#"<div class="strip"#).count(),
        report
            .table_activity
            .iter()
            .map(|a| a.tables.len())
            .sum::<usize>()
    );
    assert!(!run.console.contains("PWNED"), "{}", run.console);

    let png = shots.join("report-hostile.png");
    browse(
        &page,
        &open,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1400,1000".into(),
            "--hide-scrollbars".into(),
        ],
        Duration::from_secs(90),
    );
    assert!(std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0) > 10_000);
}

#[test]
fn browser_pages_50000_results() {
    let mut report = demo();
    let base = report.results.clone();
    let mut results = Vec::with_capacity(50_000);
    let mut copy = 0;
    while results.len() < 50_000 {
        for r in &base {
            if results.len() == 50_000 {
                break;
            }
            let mut r = r.clone();
            r.resource_id = format!("{}-copy{copy}", r.resource_id).into();
            results.push(r);
        }
        copy += 1;
    }
    report.results = results;
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let page = write_page(dir.path(), "big.html", &report);
    let rendered = started.elapsed();
    let size = std::fs::metadata(&page).unwrap().len();

    let run = dump_dom(&page, "");
    let n = rows(&run.stdout).len();
    assert!((1..=200).contains(&n), "{n} result rows in the DOM");
    assert!(run.stdout.contains("Showing 1–100 of 50,000 results."));
    assert!(run.stdout.contains("Page 1 of 500"));

    // A search over all of them still answers: the last, partial copy.
    let last = format!("copy{}", copy - 1);
    let run2 = dump_dom(&page, &format!("q={last}&status=fail"));
    let want = report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail && r.resource_id.contains(&last))
        .count();
    assert!(want > 0);
    assert!(
        run2.stdout.contains(&format!(
            "of {} matching results (50,000 in all)",
            thousands(want)
        )),
        "search over 50,000"
    );
    eprintln!(
        "50,000 results: page {} MB rendered in {rendered:?}; chromium {:?} and {:?}",
        size / 1_000_000,
        run.elapsed,
        run2.elapsed
    );
}

/// Chart labels do not overlap: a score ends before its "cov" note begins
/// and the note stays inside the chart; a severity total ends inside the card.
/// Widths are estimated generously (bold 12.5 px digits about 7.5 px, the
/// 11.5 px note about 7 px a character: Chromium draws "cov 100%" in 55 px).
#[test]
fn chart_labels_leave_room_for_each_other() {
    let page = html::render(&demo());
    let width = 420.0;
    let attr_f = |tag: &str, name: &str| -> f64 { attr(tag, name).parse().unwrap() };
    let mut scores = 0;
    for chunk in page.split(r#"<text class="value" "#).skip(1) {
        let tag = &chunk[..chunk.find('>').unwrap()];
        let text = &chunk[tag.len() + 1..chunk.find("</text>").unwrap()];
        let x = attr_f(&format!(" {tag}"), "x");
        assert_eq!(attr(&format!(" {tag}"), "text-anchor"), "end", "{tag}");
        assert!(x <= width - 4.0, "{text} ends at {x}, past the card");
        let rest = &chunk[chunk.find("</text>").unwrap() + 7..];
        if let Some(note) = rest.strip_prefix(r#"<text class="value-note" "#) {
            scores += 1;
            let ntag = &note[..note.find('>').unwrap()];
            let ntext = &note[ntag.len() + 1..note.find("</text>").unwrap()];
            let nx = attr_f(&format!(" {ntag}"), "x");
            assert!(nx - x >= 6.0, "{text} at {x} runs into {ntext} at {nx}");
            // …and starts after the bar's track (which ends at 420 − 126).
            let start = x - 7.5 * text.len() as f64;
            assert!(
                start >= width - 126.0 + 2.0,
                "{text} from {start} overlaps the bar"
            );
            assert!(
                nx + 7.0 * ntext.len() as f64 <= width - 4.0,
                "{ntext} past the chart"
            );
        }
    }
    assert!(scores >= 10, "family and subscription scores: {scores}");
}

/// The demo's source line names the embedded estate, not an endpoint it never read.
#[test]
fn the_demo_source_line_claims_no_endpoint() {
    let page = html::render(&demo());
    let at = page.find("<dt>Source</dt><dd>").expect("a source fact") + 19;
    let source = &page[at..at + page[at..].find("</dd>").unwrap()];
    assert!(source.contains("the embedded demo estate"), "{source}");
    assert!(!source.contains("management.azure.com"), "{source}");
}
