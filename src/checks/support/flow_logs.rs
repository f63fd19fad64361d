//! The driver of the per-flow-log checks (AZ-NET-002 … 004).

use crate::checks::drivers::listed_ids;

/// Drives the per-flow-log checks (AZ-NET-002 … 004): every flow log of every
/// network watcher of every scanned subscription, with the errors the
/// baseline asks for. A failed watcher list is one `error` on the
/// subscription; a failed flow-log read is one `error` on the subscription
/// (the flow logs it holds are unknown; baseline, "Isolation"); a flow log that could not be parsed is an
/// `error` on its own id, or, with no readable id, on the subscription.
/// Watchers that could not be parsed but have an id are still followed (their
/// flow logs were read by id).
pub fn each_flow_log(
    out: &mut crate::checks::Out,
    inv: &crate::inventory::Inventory,
    mut assess: impl FnMut(
        &mut crate::checks::Out,
        &crate::inventory::Subscription,
        &crate::inventory::FlowLog,
    ),
) {
    out.each_list(inv, "network watchers", |s| &s.network_watchers, |out, sub, watchers| {
        for watcher_id in listed_ids(watchers, |w| &w.id) {
            let watcher_name = crate::inventory::last_segment(watcher_id);
            let logs = match crate::inventory::lookup(&inv.reads.flow_logs, watcher_id, "flow logs")
            {
                Ok(l) => l,
                Err(e) => {
                    out.read_error(
                        &sub.resource_id(),
                        Some(&sub.id),
                        &format!("the flow logs of network watcher '{watcher_name}'"),
                        &e,
                    );
                    continue;
                }
            };
            for m in &logs.malformed {
                match &m.id {
                    Some(id) => out.error(
                        id,
                        Some(&sub.id),
                        format!("the flow log could not be parsed: {}", m.error),
                    ),
                    None => out.error(
                        &sub.resource_id(),
                        Some(&sub.id),
                        format!(
                            "item {} of the flow logs list of network watcher '{watcher_name}' could not be read (no id): {}",
                            m.position, m.error
                        ),
                    ),
                };
            }
            for fl in &logs.items {
                assess(out, sub, fl);
            }
        }
    });
}
