//! The demo estate, the test recordings derived from it, and its expected
//! results are generated from one source (lab/src/generate/demo/): the
//! recordings by `azward-lab generate --scenario all`, demo/EXPECTED.md from
//! the results the estate's builder declares beside each resource.
//!
//! These tests fail when a committed file differs from what the generator
//! makes, byte for byte, and when a scan of the demo (by the product's
//! library, as `azward scan --demo` does) gives any result other than the
//! declared ones: a declared result with another status or missing, or a
//! result that is not declared.
//!
//! Regenerate with: AZWARD_UPDATE_DOCS=1 cargo test -p azward-lab --test demo

use azward::azure::scan::{self, Input, ScanOptions};
use azward::checks::{Status, REGISTRY};
use azward::engine;
use azward::profile::Baseline;
use azward_lab::generate::demo::expected::{label, Expectation};
use azward_lab::generate::demo::{self, repository_root, EXPECTED_PATH};
use azward_lab::generate::Scenario;
use std::collections::{BTreeMap, BTreeSet};

const REGENERATE: &str = "AZWARD_UPDATE_DOCS=1 cargo test -p azward-lab --test demo";

fn update() -> bool {
    std::env::var_os("AZWARD_UPDATE_DOCS").is_some()
}

/// Compares a committed file with its generated text; rewrites it when asked.
fn current(rel: &str, text: &str) -> bool {
    let path = repository_root().join(rel);
    if std::fs::read(&path).unwrap_or_default() == text.as_bytes() {
        return true;
    }
    if update() {
        std::fs::write(&path, text).unwrap();
        return true;
    }
    false
}

#[test]
fn the_committed_recordings_are_generated() {
    let stale: Vec<&str> = Scenario::ALL
        .iter()
        .filter(|s| !current(s.path(), &s.render()))
        .map(|s| s.path())
        .collect();
    assert!(
        stale.is_empty(),
        "stale: {} (the generator makes something else); run: {REGENERATE}",
        stale.join(", ")
    );
}

#[test]
fn the_product_embeds_the_generated_demo() {
    assert_eq!(
        azward::azure::scan::DEMO_RECORDING,
        Scenario::Demo.render().as_bytes(),
        "the embedded demo estate is the generated one (rebuild azward after regenerating)"
    );
}

#[test]
fn expected_md_is_generated_from_the_declarations() {
    assert!(
        current(EXPECTED_PATH, &demo::expected_md()),
        "{EXPECTED_PATH} is stale; run: {REGENERATE}"
    );
}

type Key = (String, String, Option<String>);

fn key(check: &str, resource: &str, item: Option<&str>) -> Key {
    (
        check.to_string(),
        resource.to_lowercase(),
        item.map(str::to_string),
    )
}

#[test]
fn the_declarations_cover_every_check_once_per_result() {
    let x = demo::expectations();
    let mut seen = BTreeSet::new();
    let mut labels = BTreeSet::new();
    for e in &x.list {
        assert!(
            seen.insert(key(e.check, &e.resource, e.item.as_deref())),
            "declared twice: {e:?}"
        );
        assert!(
            labels.insert((e.check, label(&e.resource), e.item.clone())),
            "two results of {} are shown as {} in EXPECTED.md",
            e.check,
            label(&e.resource)
        );
        assert!(
            azward::checks::find(e.check).is_some(),
            "no such check: {e:?}"
        );
        assert!(
            matches!(
                e.status,
                Status::Pass | Status::Fail | Status::NotApplicable
            ),
            "a correct scan of the demo has no error or waived result: {e:?}"
        );
        assert!(!e.why.trim().is_empty(), "no reason given: {e:?}");
    }
    for c in REGISTRY {
        let of = |s: Status| {
            x.list
                .iter()
                .filter(|e| e.check == c.id && e.status == s)
                .count()
        };
        let tenant_scoped = ["AZ-ENTRA-001", "AZ-ENTRA-002", "AZ-SEN-001"].contains(&c.id);
        if tenant_scoped {
            assert_eq!(of(Status::Pass) + of(Status::Fail), 1, "{}", c.id);
        } else {
            assert!(
                of(Status::Pass) > 0 && of(Status::Fail) > 0,
                "{}: the demo exercises every check with a pass and a fail",
                c.id
            );
        }
    }
}

#[tokio::test]
async fn a_scan_of_the_demo_gives_exactly_the_declared_results() {
    let outcome = scan::run(&ScanOptions::new(Input::Demo))
        .await
        .expect("the demo scans");
    let eval = engine::evaluate(&outcome.inventory, &Baseline::default());
    let x = demo::expectations();
    let mut declared: BTreeMap<Key, &Expectation> = x
        .list
        .iter()
        .map(|e| (key(e.check, &e.resource, e.item.as_deref()), e))
        .collect();
    let mut problems = Vec::new();
    for r in &eval.results {
        let shown = format!(
            "{} on {}{}",
            r.check_id,
            label(&r.resource_id),
            r.item
                .as_deref()
                .map(|i| format!(" ({i})"))
                .unwrap_or_default()
        );
        match declared.remove(&key(r.check_id, &r.resource_id, r.item.as_deref())) {
            None => problems.push(format!(
                "{shown}: scanned {} but not declared ({})",
                r.status, r.reason
            )),
            Some(e) if e.status != r.status => problems.push(format!(
                "{shown}: declared {} ({}), scanned {} ({})",
                e.status, e.why, r.status, r.reason
            )),
            Some(_) => {}
        }
    }
    for e in declared.values() {
        problems.push(format!(
            "{} on {}: declared {} ({}), but the scan reports no such result",
            e.check,
            label(&e.resource),
            e.status,
            e.why
        ));
    }
    assert!(
        problems.is_empty(),
        "the scan of the demo and its declared results disagree:\n{}",
        problems.join("\n")
    );
    assert_eq!(eval.results.len(), x.list.len());
}
