//! The demo estate and the test recordings derived from it are generated
//! (`azward-lab generate --scenario all`); this test fails when a committed
//! file differs from what the generator makes, byte for byte.
//! Regenerate with: AZWARD_UPDATE_DOCS=1 cargo test -p azward-lab --test demo

use azward_lab::generate::demo::repository_root;
use azward_lab::generate::Scenario;

fn update() -> bool {
    std::env::var_os("AZWARD_UPDATE_DOCS").is_some()
}

#[test]
fn the_committed_recordings_are_generated() {
    let root = repository_root();
    let mut stale = Vec::new();
    for s in Scenario::ALL {
        let path = root.join(s.path());
        let text = s.render();
        let committed = std::fs::read(&path).unwrap_or_default();
        if committed != text.as_bytes() {
            if update() {
                std::fs::write(&path, &text).unwrap();
            } else {
                stale.push(s.path());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale: {} (the generator makes something else); run: AZWARD_UPDATE_DOCS=1 cargo test -p azward-lab --test demo",
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
