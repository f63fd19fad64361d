//! End to end over recordings: the demo estate, a partial failure, a
//! throttled replay, and recording round trips. (A live scan through the
//! loopback emulator is in the lab crate: lab/tests/e2e_live.rs.)

mod common;

use azward::azure::collect::Target;
use azward::azure::scan::{self, Input};
use azward::checks::hist::EventClass;
use azward::checks::{Severity, Status};
use azward::engine::{Gate, ResultRow};
use azward::report::Report;
use common::{options, recording, Audit, Audited, DEV, PROD, TENANT};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The default baseline over `input`, no gate, fixed timing.
async fn audit(input: Input) -> Audited {
    Audit::new(input).run().await
}

/// Two audits of the demo give the same bytes (timing aside: it is fixed
/// here), and the digest below holds what the demo report says.
#[tokio::test]
async fn demo_report_is_stable() {
    let a = audit(Input::Demo).await;
    let b = audit(Input::Demo).await;
    let ja = a.report.to_json();
    assert_eq!(
        ja,
        b.report.to_json(),
        "same recording, same baseline: byte-identical report"
    );
    assert_eq!(
        a.report.scores.overall.coverage,
        Some(100.0),
        "the demo answers every read"
    );
    assert_eq!(a.outcome.stats.failed_reads, 0);
    assert_eq!(a.outcome.inventory.subscriptions.len(), 3);
    insta::assert_snapshot!("demo_digest", digest(&a.report, &ja));
}

/// The demo report in a form a reviewer can read in a diff: its JSON shape
/// (every key path and the type found there), the figures, one line per
/// check with its counts, and one line per result with its status. Reasons
/// and remediation commands are summed up in one hash (the checks' own tests
/// and the small format snapshots show their wording).
fn digest(report: &Report, json: &str) -> String {
    let doc: Value = serde_json::from_str(json).unwrap();
    let mut out = Vec::new();
    out.push(format!("schema_version {}", doc["schema_version"]));
    let mut shape = BTreeMap::new();
    shape_of(&doc, "", &mut shape);
    out.push(format!("## shape ({} paths)", shape.len()));
    for (path, kinds) in shape {
        out.push(format!("{path}: {}", Vec::from_iter(kinds).join("|")));
    }

    out.push("## source, tenant, subscriptions".into());
    out.push(format!(
        "{} {} {}",
        doc["source"]["mode"], doc["source"]["arm_endpoint"], doc["source"]["recording"]["path"]
    ));
    out.push(format!("tenant {}", doc["tenant_id"]));
    for s in &report.subscriptions {
        out.push(format!(
            "{} {} {} {}",
            s.id,
            s.display_name.as_deref().unwrap_or("-"),
            s.status,
            s.reason.as_deref().unwrap_or("")
        ));
    }
    out.push(format!("http {}", doc["timing"]["http"]));

    out.push("## scores".into());
    let score = |name: &str, s: &Value| {
        format!(
            "{name}: score {} coverage {} checks_scored {} counts {}",
            s["score"], s["coverage"], s["checks_scored"], s["counts"]
        )
    };
    out.push(score("overall", &doc["scores"]["overall"]));
    for (k, v) in doc["scores"]["by_subscription"].as_object().unwrap() {
        out.push(score(k, v));
    }
    for (k, v) in doc["scores"]["by_family"].as_object().unwrap() {
        out.push(score(k, v));
    }
    out.push(format!("gate {}", doc["gate"]));

    out.push(format!("## checks ({})", report.checks.len()));
    for c in &report.checks {
        let n = &c.counts;
        out.push(format!(
            "{} {} {} {}: pass {} fail {} error {} waived {} n/a {}",
            c.id,
            c.severity,
            format!("{:?}", c.scope).to_lowercase(),
            c.status,
            n.pass,
            n.fail,
            n.error,
            n.waived,
            n.not_applicable
        ));
    }

    out.push(format!(
        "## results ({}): check status subscription resource [item]",
        report.results.len()
    ));
    let sub_name: BTreeMap<&str, &str> = report
        .subscriptions
        .iter()
        .map(|s| (s.id.as_str(), s.display_name.as_deref().unwrap_or(&s.id)))
        .collect();
    for r in &report.results {
        let sub = r
            .subscription_id
            .as_deref()
            .map_or("tenant", |id| sub_name.get(id).copied().unwrap_or(id));
        let item = r
            .item
            .as_deref()
            .map(|i| format!(" [{i}]"))
            .unwrap_or_default();
        out.push(format!(
            "{} {} {sub} {}{item}",
            r.check_id,
            r.status,
            short_resource(&r.resource_id)
        ));
    }
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for r in &report.results {
        h.update(format!("{}\0{:?}\0", r.reason, r.remediation_cli));
    }
    let hex: String = h
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    out.push(format!("reasons and remediation commands: sha256 {hex}…"));
    out.join("\n") + "\n"
}

/// Every key path of `v` below an object, with the JSON types found there
/// (`[]` for array items; subscription ids and family codes as `<id>` and
/// `<family>`; objects are implied by their keys).
fn shape_of(v: &Value, path: &str, out: &mut BTreeMap<String, BTreeSet<&'static str>>) {
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let key = if path.ends_with("by_subscription") {
                    "<id>"
                } else if path.ends_with("by_family") {
                    "<family>"
                } else {
                    k
                };
                let p = if path.is_empty() {
                    key.to_string()
                } else {
                    format!("{path}.{key}")
                };
                shape_of(v, &p, out);
            }
        }
        _ => {
            out.entry(path.to_string()).or_default().insert(kind);
            if let Value::Array(items) = v {
                for i in items {
                    shape_of(i, &format!("{path}[]"), out);
                }
            }
        }
    }
}

/// A resource id without what the line already says: the subscription and
/// resource group prefix and the provider namespace (`-` for the
/// subscription itself).
fn short_resource(id: &str) -> String {
    let lower = id.to_lowercase();
    match lower.find("/providers/") {
        Some(i) => {
            let rest = &id[i + "/providers/".len()..];
            // Namespace/type/name…: keep type/name….
            rest.split_once('/').map_or(rest, |(_, t)| t).to_string()
        }
        None if lower.starts_with("/subscriptions/") && !lower[1..].contains("/resourcegroups") => {
            "-".to_string()
        }
        None => id.to_string(),
    }
}

#[tokio::test]
async fn every_check_has_a_pass_and_a_fail_in_the_demo() {
    let eval = audit(Input::Demo).await.report;
    let tenant_scoped = ["AZ-ENTRA-001", "AZ-ENTRA-002", "AZ-SEN-001"];
    for c in &eval.checks {
        if tenant_scoped.contains(&c.id) {
            // One result for the tenant: decided, never an error, in the demo.
            assert_eq!(
                c.counts.pass + c.counts.fail,
                1,
                "{} has {:?}",
                c.id,
                c.counts
            );
        } else {
            assert!(
                c.counts.pass > 0 && c.counts.fail > 0,
                "{} has {:?} in the demo",
                c.id,
                c.counts
            );
        }
    }
    let status = |e: &Report, id: &str| e.checks.iter().find(|c| c.id == id).unwrap().status;
    assert_eq!(status(&eval, "AZ-ENTRA-001"), Status::Pass);
    assert_eq!(status(&eval, "AZ-ENTRA-002"), Status::Fail);
    assert_eq!(status(&eval, "AZ-SEN-001"), Status::Pass);

    // The same tenant with no Entra ID export and no Sentinel: the tenant checks fail.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-entra-no-sentinel.jsonl");
    let text = String::from_utf8(scan::DEMO_RECORDING.to_vec()).unwrap();
    let changed: Vec<String> = text
        .lines()
        .map(|l| {
            let lower = l.to_lowercase();
            if lower.contains("\"url\":\"/providers/microsoft.aadiam/diagnosticsettings")
                || lower.contains("/onboardingstates?")
            {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["body"] = serde_json::json!({"value": []});
                v.to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&path, changed.join("\n")).unwrap();
    let bare = audit(Input::Replay(path)).await.report;
    for id in tenant_scoped {
        assert_eq!(status(&bare, id), Status::Fail, "{id}");
    }
    assert_eq!(bare.scores.overall.coverage, Some(100.0));
}

fn results_of<'a>(eval: &'a Report, sub: &str) -> Vec<&'a ResultRow> {
    eval.results
        .iter()
        .filter(|r| r.subscription_id.as_deref() == Some(sub))
        .collect()
}

#[tokio::test]
async fn a_forbidden_subscription_and_a_malformed_vault_are_errors_and_the_rest_is_assessed() {
    let Audited {
        outcome,
        report: eval,
    } = Audit::replay(recording("partial-failure.jsonl"))
        .gate(Gate {
            fail_on: Some(Severity::Low),
            allow_errors: false,
            ..Default::default()
        })
        .run()
        .await;
    // The 403 subscription: every subscription-level check has one error on the subscription, nothing else.
    let dev = results_of(&eval, DEV);
    assert!(!dev.is_empty());
    for r in &dev {
        assert_eq!(r.status, Status::Error, "{r:?}");
        assert_eq!(r.resource_id, format!("/subscriptions/{DEV}"), "{r:?}");
        assert!(r.reason.contains("AuthorizationFailed"), "{r:?}");
    }
    let mut per_check: Vec<&str> = dev.iter().map(|r| r.check_id).collect();
    let n = per_check.len();
    per_check.dedup();
    assert_eq!(
        per_check.len(),
        n,
        "one error per check, not one per resource"
    );

    // The malformed vault: error for checks that need its fields, its siblings assessed.
    let payments = "kv-nw-prod-payments";
    let kv003: Vec<&ResultRow> = eval
        .results
        .iter()
        .filter(|r| r.check_id == "AZ-KV-003")
        .collect();
    let bad = kv003
        .iter()
        .find(|r| r.resource_id.ends_with(payments))
        .expect("the malformed vault has a result");
    assert_eq!(bad.status, Status::Error);
    assert!(bad.reason.contains("could not be parsed"), "{}", bad.reason);
    assert!(kv003
        .iter()
        .filter(|r| r.subscription_id.as_deref() == Some(PROD))
        .any(|r| r.status == Status::Pass));

    // Nothing in the failed subscription passes; coverage shows the gap.
    assert!(!eval
        .results
        .iter()
        .any(|r| r.subscription_id.as_deref() == Some(DEV) && r.status == Status::Pass));
    let cov = eval.scores.overall.coverage.unwrap();
    assert!(cov < 100.0 && cov > 0.0, "{cov}");
    assert_eq!(eval.scores.by_subscription[DEV].score, None);
    assert!(outcome.stats.failed_reads >= 15);
    assert!(eval
        .gate
        .verdict
        .reasons
        .iter()
        .any(|r| r.contains("could not be assessed")));
    // Every read of DEV was refused: it is unreadable (baseline "Tenancy and scope").
    assert_eq!(
        eval.subscriptions
            .iter()
            .filter(|s| s.status == "scanned")
            .count(),
        1
    );
    assert!(eval
        .subscriptions
        .iter()
        .any(|s| s.id == DEV && s.status == "unreadable"));
}

fn comparable(eval: &Report) -> Vec<(String, String, Option<String>, Status, String)> {
    eval.results
        .iter()
        .map(|r| {
            (
                r.check_id.to_string(),
                r.resource_id.to_lowercase(),
                r.item.clone(),
                r.status,
                r.reason.clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_throttled_and_paged_replay_gives_the_demo_results() {
    let Audited {
        outcome: demo,
        report: demo_eval,
    } = audit(Input::Demo).await;
    let Audited {
        outcome: t,
        report: t_eval,
    } = audit(Input::Replay(recording("throttled.jsonl"))).await;
    assert_eq!(comparable(&t_eval), comparable(&demo_eval));
    assert_eq!(t.stats.throttled, 1);
    assert_eq!(t.stats.retries, 1);
    assert_eq!(
        t.stats.requests,
        demo.stats.requests + 3,
        "one retry and two extra pages (the vault list, the Authorization Activity Log listing)"
    );
    // The paged history gives the same timeline.
    assert!(demo_eval
        .timeline
        .as_ref()
        .is_some_and(|tl| tl.count(EventClass::Lead) >= 12));
    assert_eq!(t_eval.timeline, demo_eval.timeline);
}

#[tokio::test]
async fn named_subscriptions_are_read_one_by_one_and_unknown_ones_are_errors() {
    let Audited {
        outcome,
        report: eval,
    } = Audit::demo()
        .target(Target::Subscriptions(vec![
            PROD.into(),
            "00000000-0000-0000-0000-00000000dead".into(),
        ]))
        .run()
        .await;
    let subs: Vec<(&str, bool)> = outcome
        .inventory
        .subscriptions
        .iter()
        .map(|s| (s.id.as_str(), s.is_scanned()))
        .collect();
    assert_eq!(subs.len(), 2, "{subs:?}");
    let dead: Vec<&ResultRow> = results_of(&eval, "00000000-0000-0000-0000-00000000dead");
    assert!(
        !dead.is_empty()
            && dead
                .iter()
                .all(|r| r.status == Status::Error && r.reason.contains("NotRecorded")),
        "{dead:#?}"
    );
    assert!(
        results_of(&eval, DEV).is_empty(),
        "only the named subscriptions are scanned"
    );
}

#[tokio::test]
async fn a_management_group_scans_its_descendant_subscriptions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mg.jsonl");
    let mut text = String::from_utf8(scan::DEMO_RECORDING.to_vec()).unwrap();
    let descendants = serde_json::json!({
        "method": "GET",
        "url": "/providers/Microsoft.Management/managementGroups/mg-nw/descendants?api-version=2023-04-01",
        "status": 200,
        "body": {"value": [
            {"id": "/providers/Microsoft.Management/managementGroups/mg-nw-prod", "type": "Microsoft.Management/managementGroups", "name": "mg-nw-prod", "properties": {"displayName": "Prod"}},
            {"id": format!("/subscriptions/{PROD}"), "type": "Microsoft.Management/managementGroups/subscriptions", "name": PROD, "properties": {"displayName": "nw-prod"}},
            {"id": "/subscriptions/99999999-9999-9999-9999-999999999999", "type": "Microsoft.Management/managementGroups/subscriptions", "name": "99999999-9999-9999-9999-999999999999", "properties": {"displayName": "hidden"}}
        ]}
    });
    text.push_str(&format!("{descendants}\n"));
    std::fs::write(&path, text).unwrap();
    let Audited {
        outcome,
        report: eval,
    } = Audit::replay(path)
        .target(Target::ManagementGroup("mg-nw".into()))
        .run()
        .await;
    let subs: Vec<(&str, String)> = outcome
        .inventory
        .subscriptions
        .iter()
        .map(|s| (s.id.as_str(), format!("{:?}", s.status)))
        .collect();
    assert_eq!(subs.len(), 2, "{subs:?}");
    assert!(subs.iter().any(|(id, st)| *id == PROD && st == "Scanned"));
    assert!(subs
        .iter()
        .any(|(id, st)| id.starts_with("9999") && st.contains("SubscriptionNotVisible")));
    assert!(
        results_of(&eval, DEV).is_empty(),
        "the other subscription is outside the group"
    );
    assert!(results_of(&eval, PROD)
        .iter()
        .any(|r| r.status == Status::Pass));
    assert!(results_of(&eval, "99999999-9999-9999-9999-999999999999")
        .iter()
        .all(|r| r.status == Status::Error));

    // A group that cannot be read stops the scan: nothing to assess.
    let mut o = options(Input::Demo);
    o.target = Target::ManagementGroup("mg-unknown".into());
    assert!(scan::run(&o).await.is_err());
}

/// A replay spreads subscriptions over threads; a resource that two
/// subscriptions' lists name (spelled differently) is still read, and
/// reported, the same way every time: as the first subscription spells it.
#[test]
fn a_resource_named_by_two_subscriptions_is_read_the_same_way_every_time() {
    let (a, b) = (
        "0a000000-0000-4000-8000-00000000000a",
        "0b000000-0000-4000-8000-00000000000b",
    );
    let sub = |id: &str| {
        serde_json::json!({"id": format!("/subscriptions/{id}"), "subscriptionId": id,
            "displayName": id, "state": "Enabled", "tenantId": TENANT})
    };
    let resources = |vault_id: &str| {
        serde_json::json!({"value": [{"id": vault_id, "name": "kv-shared",
            "type": "Microsoft.KeyVault/vaults", "location": "westeurope"}]})
    };
    let spelled_by_a = format!(
        "/subscriptions/{a}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/KV-Shared"
    );
    let spelled_by_b = spelled_by_a.to_lowercase();
    let line = |url: String, body: serde_json::Value| {
        serde_json::json!({"method": "GET", "url": url, "status": 200, "body": body}).to_string()
    };
    let text = [
        serde_json::json!({"recording": 1, "tenant_id": TENANT}).to_string(),
        line(
            "/subscriptions?api-version=2022-12-01".into(),
            serde_json::json!({"value": [sub(a), sub(b)]}),
        ),
        line(
            format!("/subscriptions/{a}/resources?api-version=2021-04-01"),
            resources(&spelled_by_a),
        ),
        line(
            format!("/subscriptions/{b}/resources?api-version=2021-04-01"),
            resources(&spelled_by_b),
        ),
    ]
    .join("\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.jsonl");
    std::fs::write(&path, text).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..8 {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let eval = rt.block_on(audit(Input::Replay(path.clone()))).report;
        let json = eval.to_json();
        let reasons: Vec<String> = eval
            .results
            .iter()
            .filter(|r| r.check_id == "AZ-MON-004")
            .map(|r| format!("{:?} {} {}", r.status, r.resource_id, r.reason))
            .collect();
        // One result: the two spellings are one resource.
        assert_eq!(reasons.len(), 1, "{reasons:#?}");
        assert!(
            reasons.iter().all(|r| r.starts_with("Error")),
            "the settings were never recorded: {reasons:#?}"
        );
        let unread = reasons.iter().find(|r| r.contains(&spelled_by_a)).unwrap();
        assert!(
            unread.contains(&format!("GET {spelled_by_a}/providers")),
            "read as the first subscription spells it: {unread}"
        );
        seen.insert(
            json.lines()
                .filter(|l| !l.contains("_at\"") && !l.contains("duration_ms"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    assert_eq!(seen.len(), 1, "the same report every time");
}
