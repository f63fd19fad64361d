//! Sentinel onboarding, and the driver of the per-workspace Sentinel checks
//! (AZ-SEN-002 … 004).

use crate::checks::drivers::listed_ids;

/// Whether a workspace is onboarded to Microsoft Sentinel (call 22).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Onboarding {
    /// The onboarding states read returned at least one item.
    Onboarded,
    /// The read returned no item.
    NotOnboarded,
    /// The read failed (or was not made, or only held unparsable items): the cause.
    Unknown(String),
}

pub fn onboarding(inv: &crate::inventory::Inventory, workspace_id: &str) -> Onboarding {
    match crate::inventory::lookup(
        &inv.reads.onboarding_states,
        workspace_id,
        "Sentinel onboarding states",
    ) {
        Ok(l) if !l.items.is_empty() => Onboarding::Onboarded,
        Ok(l) => match l.malformed.first() {
            Some(m) => Onboarding::Unknown(format!(
                "the Sentinel onboarding state could not be parsed: {}",
                m.error
            )),
            None => Onboarding::NotOnboarded,
        },
        Err(e) => Onboarding::Unknown(format!(
            "could not read the Sentinel onboarding states: {e}"
        )),
    }
}

/// Drives the per-workspace Sentinel checks (AZ-SEN-002 … 004): a failed
/// workspace list is one `error` on the subscription; a workspace whose
/// onboarding could not be read is `error`; one not onboarded is
/// `not_applicable`; `assess` gets each onboarded workspace's id and name.
pub fn each_onboarded_workspace(
    out: &mut crate::checks::Out,
    inv: &crate::inventory::Inventory,
    mut assess: impl FnMut(&mut crate::checks::Out, &crate::inventory::Subscription, &str, &str),
) {
    out.each_list(
        inv,
        "Log Analytics workspaces",
        |s| &s.workspaces,
        |out, sub, workspaces| {
            for ws in listed_ids(workspaces, |w| &w.id) {
                let name = crate::inventory::last_segment(ws);
                match onboarding(inv, ws) {
                    Onboarding::Onboarded => assess(out, sub, ws, name),
                    Onboarding::NotOnboarded => {
                        out.not_applicable(
                            ws,
                            Some(&sub.id),
                            format!("workspace '{name}' is not onboarded to Microsoft Sentinel"),
                        );
                    }
                    Onboarding::Unknown(cause) => {
                        out.error(ws, Some(&sub.id), format!("workspace '{name}': {cause}"));
                    }
                }
            }
        },
    );
}
