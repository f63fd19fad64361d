//! `azward plan` over a live base: the demo estate served by the loopback
//! emulator is read, recorded on the way, and the change applied to that
//! recording gives the same findings as over the demo recording itself.

use azward::app::{plan_blocking, Judgement};
use azward::azure::credentials::AuthMethod;
use azward::azure::recording::Recording;
use azward::azure::scan::{self, Input, ScanOptions};
use azward_lab::emulator::{Emulator, EmulatorOptions};
use std::path::{Path, PathBuf};

const TENANT: &str = "4f3c2b1a-6d5e-4a7b-9c8d-0e1f2a3b4c5d";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/plan")
        .join(name)
}

fn keyed(list: &[azward::report::plan::PlanResult]) -> Vec<(String, String, String, Vec<String>)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|r| {
            (
                r.result.check_id.clone(),
                r.result.resource_id.to_ascii_lowercase(),
                r.result.status.to_string(),
                r.addresses.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_live_base_gives_the_findings_of_its_recording() {
    let rec = Recording::from_bytes(scan::DEMO_RECORDING, Path::new("demo.jsonl")).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emu = runtime
        .block_on(Emulator::start(
            &rec,
            "127.0.0.1:0".parse().unwrap(),
            EmulatorOptions::default(),
        ))
        .unwrap();
    let judgement = Judgement::new(time::macros::date!(2026 - 11 - 20));
    let changes =
        azward::azure::terraform::load(&fixture("terraform/combined.json"), None).unwrap();
    let live = ScanOptions {
        arm_endpoint: Some(emu.origin()),
        tenant_id: Some(TENANT.into()),
        // The live clock is the recording's, so its queries and Activity
        // Log filters are the recorded ones.
        scan_time: rec
            .header
            .recorded_at
            .as_deref()
            .and_then(azward::util::scan_time::parse),
        ..ScanOptions::new(Input::Live {
            auth: AuthMethod::None,
        })
    };
    let over_live = plan_blocking(live, judgement.clone(), &changes, None).unwrap();
    let over_demo =
        plan_blocking(ScanOptions::new(Input::Demo), judgement, &changes, None).unwrap();
    let (l, d) = (&over_live.report, &over_demo.report);
    assert!(l.base.starts_with("live read at "), "{}", l.base);
    assert_eq!(keyed(&l.new), keyed(&d.new));
    assert_eq!(keyed(&l.fixed), keyed(&d.fixed));
    assert_eq!(keyed(&l.unchanged), keyed(&d.unchanged));
    assert_eq!(l.not_applied, d.not_applied);
    assert_eq!(l.new.len(), 13);
    // The base was read through the emulator, not the embedded recording.
    let base = over_live.base.unwrap();
    assert!(base.report.timing.http.requests > 0);
    drop(emu);
}
