//! Baseline "Isolation" over generated estates: small synthetic estates of
//! a few seeds, each read of each subscription failed in turn (the property
//! is in the product's `tests/common/isolation.rs`).

#[path = "../../tests/common/isolation.rs"]
mod prop;

use azward_lab::generate::{generate_bytes, GenerateOptions, MIN_RESOURCES};

#[test]
fn a_failed_read_changes_no_result_of_another_subscription_generated() {
    for seed in [1, 7, 42, 1234] {
        let opts = GenerateOptions {
            subscriptions: 3,
            // A few machines each (one resource in eight).
            resources: MIN_RESOURCES + 12,
            misconfigured: 0.5,
            seed,
            page_size: 1000,
            // Machines read through Resource Graph, and one GET each.
            resource_graph: seed % 2 == 0,
        };
        let (bytes, _) = generate_bytes(&opts).expect("generates");
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), bytes).expect("write");
        prop::check_isolation(file.path());
    }
}
