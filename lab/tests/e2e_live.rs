//! End to end, live: a scan of the demo estate through the loopback
//! emulator gives the replay's results, and its recording replays to them.

use azward::azure::credentials::AuthMethod;
use azward::azure::recording::Recording;
use azward::azure::scan::{self, Input, ScanOptions};
use azward::checks::Status;
use azward::engine::{self, Evaluation};
use azward::profile::Baseline;
use azward_lab::emulator::{Emulator, EmulatorOptions};
use std::path::Path;

const TENANT: &str = "4f3c2b1a-6d5e-4a7b-9c8d-0e1f2a3b4c5d";

/// The emulator serving `rec` on a loopback port.
async fn serve(rec: &Recording) -> Emulator {
    Emulator::start(
        rec,
        "127.0.0.1:0".parse().unwrap(),
        EmulatorOptions::default(),
    )
    .await
    .unwrap()
}

/// A live scan through `emu`, recorded to `path`. The emulator serves `rec`:
/// the live scan's clock is its `recorded_at`, so it sends the recorded
/// Activity Log filters and judges the recorded query windows.
fn live_through(emu: &Emulator, rec: &Recording, path: &Path) -> ScanOptions {
    ScanOptions {
        arm_endpoint: Some(emu.origin()),
        record: Some(path.to_path_buf()),
        tenant_id: Some(TENANT.into()),
        scan_time: rec
            .header
            .recorded_at
            .as_deref()
            .and_then(azward::util::scan_time::parse),
        ..ScanOptions::new(Input::Live {
            auth: AuthMethod::None,
        })
    }
}

fn opts(input: Input) -> ScanOptions {
    ScanOptions::new(input)
}

async fn scan(o: ScanOptions) -> (scan::ScanOutcome, Evaluation) {
    let outcome = scan::run(&o).await.expect("scan runs");
    let eval = engine::evaluate(&outcome.inventory, &Baseline::default());
    (outcome, eval)
}

fn comparable(eval: &Evaluation) -> Vec<(String, String, Option<String>, Status, String)> {
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
async fn a_live_scan_through_the_emulator_equals_the_replay() {
    let rec = Recording::from_bytes(scan::DEMO_RECORDING, Path::new("demo.jsonl")).unwrap();
    let emu = serve(&rec).await;
    let dir = tempfile::tempdir().unwrap();
    let rec_path = dir.path().join("live.jsonl.gz");
    let live = live_through(&emu, &rec, &rec_path);
    let (outcome, live_eval) = scan(live).await;
    let (_, demo_eval) = scan(opts(Input::Demo)).await;
    assert_eq!(comparable(&live_eval), comparable(&demo_eval));
    // Every GET answered; the demo holds no Resource Graph answer, so its
    // two queries are answered NotRecorded and the machines read by GET.
    let graph = |r: &azward_lab::emulator::LoggedRequest| {
        r.method == "POST" && r.path_and_query.contains("Microsoft.ResourceGraph")
    };
    assert!(
        emu.requests()
            .iter()
            .all(|r| (r.method == "GET" && r.status == 200) || (graph(r) && r.status == 404)),
        "{:?}",
        emu.requests().iter().find(|r| r.status != 200 && !graph(r))
    );
    assert_eq!(emu.requests().iter().filter(|r| graph(r)).count(), 2);
    assert_eq!(outcome.source.mode, "live");

    // The recording of the live scan replays to the same results.
    let (_, replayed) = scan(opts(Input::Replay(rec_path.clone()))).await;
    assert_eq!(comparable(&replayed), comparable(&demo_eval));
    let written = Recording::load(&rec_path).unwrap();
    assert_eq!(written.exchanges.len(), emu.requests().len());
}

#[tokio::test]
async fn a_replay_gives_the_same_timeline_as_the_live_scan_that_recorded_it() {
    // The throttled recording: nw-prod's Authorization Activity Log listing
    // comes in two pages, whose nextLink the emulator points at itself.
    let throttled =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/recordings/throttled.jsonl");
    let rec = Recording::load(&throttled).unwrap();
    let emu = serve(&rec).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.jsonl");
    let live = live_through(&emu, &rec, &path);
    let (outcome, _) = scan(live).await;
    let params = Baseline::default().params;
    let t_live = azward::checks::hist::timeline(&outcome.inventory, &params);
    assert_eq!(t_live.incomplete().count(), 0, "{:?}", t_live.scopes);
    assert_eq!(t_live.untrusted_impairing(), 3, "{:?}", t_live.events);
    assert!(t_live.events.len() > 15, "{}", t_live.events.len());
    // The live scan wrote its scan time as the header's recorded_at ...
    let written = Recording::load(&path).unwrap();
    assert_eq!(written.header.recorded_at, rec.header.recorded_at);
    // ... and its pages' nextLinks point at the cloud it names, not at the emulator.
    let links: Vec<String> = written
        .exchanges
        .iter()
        .filter_map(|e| {
            e.body
                .as_ref()?
                .to_value()?
                .get("nextLink")?
                .as_str()
                .map(str::to_string)
        })
        .collect();
    assert_eq!(
        links.len(),
        2,
        "the vault list and the Authorization listing: {links:?}"
    );
    assert!(
        links
            .iter()
            .all(|l| l.starts_with("https://management.azure.com/")),
        "{links:?}"
    );
    // ... so its replay sends the same Activity Log filters and reads the same timeline.
    let (replayed, _) = scan(opts(Input::Replay(path))).await;
    assert_eq!(
        azward::checks::hist::timeline(&replayed.inventory, &params),
        t_live
    );
}
