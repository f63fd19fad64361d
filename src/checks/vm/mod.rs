//! Machines (VM) checks, baseline 1.2: operating-system evidence of virtual
//! machines (read 31) and Azure Arc machines (read 32).

use super::*;
use crate::inventory::{Inventory, Machine};

pub(super) mod az_vm_001;
pub(super) mod az_vm_002;

/// One machine in scope: a parsed list item, or an item that could not be
/// parsed but has an id (the reads made for it by id can still decide the
/// checks that do not need its own fields).
pub(super) enum MachineItem<'i> {
    Parsed(&'i Machine),
    Malformed { id: &'i str, error: &'i str },
}

impl MachineItem<'_> {
    pub fn id(&self) -> &str {
        match self {
            MachineItem::Parsed(m) => &m.id,
            MachineItem::Malformed { id, .. } => id,
        }
    }
    pub fn name(&self) -> &str {
        match self {
            MachineItem::Parsed(m) => m.display_name(),
            MachineItem::Malformed { id, .. } => crate::inventory::last_segment(id),
        }
    }
}

/// Runs `f` on every virtual machine and Arc machine of every scanned
/// subscription. A failed list is one `error` on the subscription, an item
/// without a readable id one `error` on the subscription naming its position
/// ([`Out::list`]).
pub(super) fn each_machine<'i>(
    out: &mut Out,
    inv: &'i Inventory,
    mut f: impl FnMut(&mut Out, &'i Subscription, MachineItem<'i>),
) {
    out.each_sub(inv, |out, sub| {
        for (what, read) in [
            ("virtual machines", &sub.virtual_machines),
            ("Azure Arc machines", &sub.arc_machines),
        ] {
            let Some(listing) = out.list(sub, what, read) else {
                continue;
            };
            for m in &listing.items {
                f(out, sub, MachineItem::Parsed(m));
            }
            for m in &listing.malformed {
                if let Some(id) = &m.id {
                    f(
                        out,
                        sub,
                        MachineItem::Malformed {
                            id,
                            error: &m.error,
                        },
                    );
                }
            }
        }
    });
}
