//! The per-subscription drivers: the one loop over the scanned subscriptions
//! that the checks share, with the read-error handling the baseline asks for
//! ("Which results become error").
//!
//! * [`Out::each_sub`]: every scanned subscription (checks that handle their
//!   reads themselves).
//! * [`Out::each_list`]: one list of every scanned subscription; a failed
//!   read is one `error` on the subscription (see [`Out::list`]).
//! * [`Out::each_item`]: every item of one list of every scanned
//!   subscription; items that could not be parsed are `error` on their own id
//!   (see [`Out::malformed_items`]). [`Out::items_of`] is one subscription's
//!   part of it, for checks that read several lists.
//! * [`each_listed_id`]: for results gathered across subscriptions, the ids
//!   of one list of every scanned subscription, with what could not be read.

use crate::checks::Out;
use crate::inventory::{Inventory, Listing, Read, Subscription};

/// Which list of a subscription a check reads: `|s| &s.vaults`.
pub type ListOf<T> = fn(&Subscription) -> &Read<Listing<T>>;

impl Out<'_> {
    /// Runs `f` on every scanned subscription, in inventory order.
    pub fn each_sub<'i>(
        &mut self,
        inv: &'i Inventory,
        mut f: impl FnMut(&mut Self, &'i Subscription),
    ) {
        for sub in inv.scanned() {
            f(self, sub);
        }
    }

    /// Runs `f` on the list `list` (named `what` in reasons) of every scanned
    /// subscription whose read succeeded; see [`Out::list`] for the errors.
    pub fn each_list<'i, T: 'i>(
        &mut self,
        inv: &'i Inventory,
        what: &str,
        list: ListOf<T>,
        mut f: impl FnMut(&mut Self, &'i Subscription, &'i Listing<T>),
    ) {
        self.each_sub(inv, |out, sub| {
            if let Some(listing) = out.list(sub, what, list(sub)) {
                f(out, sub, listing);
            }
        });
    }

    /// Runs `f` on every parsed item of the list `list` of every scanned
    /// subscription ([`Out::items_of`] on each).
    pub fn each_item<'i, T: 'i>(
        &mut self,
        inv: &'i Inventory,
        what: &str,
        item_what: &str,
        list: ListOf<T>,
        mut f: impl FnMut(&mut Self, &'i Subscription, &'i T),
    ) {
        self.each_sub(inv, |out, sub| {
            out.items_of(sub, what, item_what, list(sub), &mut f)
        });
    }

    /// One subscription's list `read`: a failed read is an `error` on the
    /// subscription ([`Out::list`]), an item that could not be parsed an
    /// `error` on its id (`item_what` names it, [`Out::malformed_items`]),
    /// and `f` runs on every parsed item.
    pub fn items_of<'i, T: 'i>(
        &mut self,
        sub: &'i Subscription,
        what: &str,
        item_what: &str,
        read: &'i Read<Listing<T>>,
        mut f: impl FnMut(&mut Self, &'i Subscription, &'i T),
    ) {
        let Some(listing) = self.list(sub, what, read) else {
            return;
        };
        self.malformed_items(sub, item_what, &listing.malformed);
        for item in &listing.items {
            f(self, sub, item);
        }
    }
}

/// For results gathered across subscriptions (AZ-SEN-001, the flow logs of
/// AZ-NET-001): `f` runs on the id of every item of the list `list` (named
/// `what`) of every scanned subscription, parsed items first (`id_of`), then
/// items that could not be parsed but have an id (reads made for them were
/// made by id). A failed list and an item without a readable id are
/// described in `gaps`, which `f` gets too (to keep one order).
pub fn each_listed_id<'i, T: 'i>(
    inv: &'i Inventory,
    what: &str,
    list: ListOf<T>,
    id_of: fn(&T) -> &str,
    gaps: &mut Vec<String>,
    mut f: impl FnMut(&mut Vec<String>, &'i Subscription, &'i str),
) {
    for sub in inv.scanned() {
        let listing = match list(sub) {
            Ok(l) => l,
            Err(e) => {
                gaps.push(format!(
                    "the {what} of subscription {} could not be read: {e}",
                    sub.id
                ));
                continue;
            }
        };
        if let Some(m) = listing.malformed.iter().find(|m| m.id.is_none()) {
            gaps.push(format!(
                "item {} of the {what} list of subscription {} could not be read: {}",
                m.position, sub.id, m.error
            ));
        }
        for id in listed_ids(listing, id_of) {
            f(gaps, sub, id);
        }
    }
}

/// The ids of a list: parsed items (`id_of`), then items that could not be
/// parsed but have an id (their per-resource reads were made by id).
pub fn listed_ids<T>(listing: &Listing<T>, id_of: fn(&T) -> &str) -> impl Iterator<Item = &str> {
    listing
        .items
        .iter()
        .map(id_of)
        .chain(listing.malformed.iter().filter_map(|m| m.id.as_deref()))
}
