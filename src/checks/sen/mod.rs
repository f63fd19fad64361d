//! Microsoft Sentinel (SEN) checks: one file each.

use super::*;

pub(super) mod az_sen_001;
pub(super) mod az_sen_002;
pub(super) mod az_sen_003;
pub(super) mod az_sen_004;
pub(super) mod az_sen_005;

/// The analytics rules (call 24) of an onboarded workspace, for AZ-SEN-003
/// and 005; a failed read is an `error` on the workspace and `None`.
fn analytics_rules<'i>(
    out: &mut Out,
    inv: &'i crate::inventory::Inventory,
    sub: &Subscription,
    ws: &str,
    name: &str,
) -> Option<&'i Listing<crate::inventory::AlertRule>> {
    match crate::inventory::lookup(&inv.reads.alert_rules, ws, "Sentinel analytics rules") {
        Ok(r) => Some(r),
        Err(e) => {
            out.read_error(
                ws,
                Some(&sub.id),
                &format!("the analytics rules of workspace '{name}'"),
                &e,
            );
            None
        }
    }
}
