//! The checks: one file per check, each with its metadata beside a pure
//! function over the [`Inventory`]. [`REGISTRY`] lists them, sorted by id.
//!
//! Checks never do I/O and never panic on missing data: a read that failed
//! becomes an `error` result, never a pass.

use crate::inventory::{Inventory, Listing, Malformed, Read, ReadError, Subscription};
pub use crate::model::*;
use crate::profile::Params;
use serde::Serialize;
use std::fmt;

pub mod drivers;
pub mod rules;
pub mod support;
#[cfg(test)]
pub mod testkit;

mod def;
mod entra;
mod kv;
mod law;
mod mon;
mod net;
mod sen;
mod st;

/// Every check, sorted by id (a test keeps it so).
pub static REGISTRY: &[&Check] = &[
    &def::az_def_001::CHECK,
    &def::az_def_002::CHECK,
    &entra::az_entra_001::CHECK,
    &entra::az_entra_002::CHECK,
    &kv::az_kv_001::CHECK,
    &kv::az_kv_002::CHECK,
    &kv::az_kv_003::CHECK,
    &kv::az_kv_004::CHECK,
    &kv::az_kv_005::CHECK,
    &kv::az_kv_006::CHECK,
    &kv::az_kv_007::CHECK,
    &kv::az_kv_008::CHECK,
    &law::az_law_001::CHECK,
    &law::az_law_002::CHECK,
    &law::az_law_003::CHECK,
    &law::az_law_004::CHECK,
    &mon::az_mon_001::CHECK,
    &mon::az_mon_002::CHECK,
    &mon::az_mon_003::CHECK,
    &mon::az_mon_004::CHECK,
    &mon::az_mon_005::CHECK,
    &mon::az_mon_006::CHECK,
    &mon::az_mon_007::CHECK,
    &mon::az_mon_008::CHECK,
    &mon::az_mon_009::CHECK,
    &net::az_net_001::CHECK,
    &net::az_net_002::CHECK,
    &net::az_net_003::CHECK,
    &net::az_net_004::CHECK,
    &net::az_net_005::CHECK,
    &sen::az_sen_001::CHECK,
    &sen::az_sen_002::CHECK,
    &sen::az_sen_003::CHECK,
    &sen::az_sen_004::CHECK,
    &st::az_st_001::CHECK,
    &st::az_st_002::CHECK,
    &st::az_st_003::CHECK,
    &st::az_st_004::CHECK,
    &st::az_st_005::CHECK,
    &st::az_st_006::CHECK,
    &st::az_st_007::CHECK,
    &st::az_st_008::CHECK,
    &st::az_st_009::CHECK,
];

/// Looks a check up by id, case-insensitively.
pub fn find(id: &str) -> Option<&'static Check> {
    REGISTRY
        .iter()
        .copied()
        .find(|c| c.id.eq_ignore_ascii_case(id))
}

/// How to fix a failing resource. The `cli` and `bicep` texts may hold the
/// placeholders `{name}`, `{resource_group}`, `{subscription}` and `{id}`,
/// filled in per result by [`Remediation::cli_for`].
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Remediation {
    pub portal: &'static [&'static str],
    pub cli: &'static str,
    pub bicep: &'static str,
}

impl Remediation {
    /// The `az` command with the resource's own names filled in.
    pub fn cli_for(&self, resource_id: &str, subscription: Option<&str>) -> String {
        fill_placeholders(self.cli, resource_id, subscription)
    }
}

/// Fills `{name}`, `{resource_group}`, `{subscription}`, `{id}` from a resource id.
pub fn fill_placeholders(template: &str, resource_id: &str, subscription: Option<&str>) -> String {
    let segs: Vec<&str> = resource_id.split('/').filter(|s| !s.is_empty()).collect();
    let after = |key: &str| {
        segs.iter()
            .position(|s| s.eq_ignore_ascii_case(key))
            .and_then(|i| segs.get(i + 1).copied())
    };
    // The storage service ids end in `/blobServices/default`: name the account.
    let name = match segs
        .iter()
        .position(|s| s.eq_ignore_ascii_case("providers"))
    {
        Some(i) if segs.len() > i + 3 => segs[i + 3],
        _ => segs.last().copied().unwrap_or(""),
    };
    // As written in the id, not `model::subscription_of` (which lower-cases).
    let sub = subscription
        .map(str::to_string)
        .or_else(|| after("subscriptions").map(str::to_string))
        .unwrap_or_default();
    template
        .replace("{name}", name)
        .replace(
            "{resource_group}",
            after("resourceGroups").unwrap_or("<resource-group>"),
        )
        .replace("{subscription}", &sub)
        .replace("{id}", resource_id)
}

/// A check: metadata and its pure evaluation.
pub struct Check {
    pub id: &'static str,
    pub title: &'static str,
    pub family: Family,
    pub severity: Severity,
    pub scope: Scope,
    /// The exact pass condition, as the baseline states it.
    pub condition: &'static str,
    /// Why an incident responder needs it.
    pub rationale: &'static str,
    /// Rows of the recording spec's call set this check reads.
    pub reads: &'static str,
    /// Names of the baseline parameters the check uses.
    pub parameters: &'static [&'static str],
    pub references: &'static [Reference],
    pub remediation: Remediation,
    pub evaluate: fn(&Ctx) -> Vec<Finding>,
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// What a check sees.
pub struct Ctx<'a> {
    pub inv: &'a Inventory,
    pub params: &'a Params,
}

/// One result of one check for one resource (and item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub check_id: &'static str,
    pub resource_id: ResourceId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Lower-case subscription GUID; `None` for tenant-scope results.
    pub subscription_id: Option<String>,
    pub status: Status,
    pub reason: String,
}

impl Finding {
    pub fn new(
        check: &Check,
        status: Status,
        resource_id: impl Into<String>,
        subscription: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        Finding {
            check_id: check.id,
            resource_id: ResourceId::new(resource_id),
            item: None,
            subscription_id: subscription.map(|s| s.to_ascii_lowercase()),
            status,
            reason: reason.into(),
        }
    }
    pub fn with_item(mut self, item: impl Into<String>) -> Self {
        self.item = Some(item.into());
        self
    }
}

/// Collects a check's findings with short constructors.
pub struct Out<'c> {
    pub check: &'c Check,
    pub findings: Vec<Finding>,
}

impl<'c> Out<'c> {
    pub fn new(check: &'c Check) -> Self {
        Out {
            check,
            findings: Vec::new(),
        }
    }
    pub fn push(
        &mut self,
        status: Status,
        resource_id: &str,
        sub: Option<&str>,
        reason: impl Into<String>,
    ) -> &mut Finding {
        self.findings
            .push(Finding::new(self.check, status, resource_id, sub, reason));
        self.findings.last_mut().expect("just pushed")
    }
    pub fn pass(
        &mut self,
        resource_id: &str,
        sub: Option<&str>,
        reason: impl Into<String>,
    ) -> &mut Finding {
        self.push(Status::Pass, resource_id, sub, reason)
    }
    pub fn fail(
        &mut self,
        resource_id: &str,
        sub: Option<&str>,
        reason: impl Into<String>,
    ) -> &mut Finding {
        self.push(Status::Fail, resource_id, sub, reason)
    }
    pub fn error(
        &mut self,
        resource_id: &str,
        sub: Option<&str>,
        reason: impl Into<String>,
    ) -> &mut Finding {
        self.push(Status::Error, resource_id, sub, reason)
    }
    pub fn not_applicable(
        &mut self,
        resource_id: &str,
        sub: Option<&str>,
        reason: impl Into<String>,
    ) -> &mut Finding {
        self.push(Status::NotApplicable, resource_id, sub, reason)
    }
    /// Pushes a [`support::Verdict`].
    pub fn verdict(
        &mut self,
        v: support::Verdict,
        resource_id: &str,
        sub: Option<&str>,
    ) -> &mut Finding {
        let (status, reason) = v.into_parts();
        self.push(status, resource_id, sub, reason)
    }
    /// The findings, with `error` results on the same resource (and item)
    /// merged into one naming every cause: a check gives one result per
    /// resource, so two failed lists of one subscription are one `error`.
    pub fn done(self) -> Vec<Finding> {
        let mut out: Vec<Finding> = Vec::with_capacity(self.findings.len());
        // The first `error` of each (resource, item), where later ones on the
        // same resource are merged into it.
        let mut first_error: std::collections::HashMap<(String, Option<String>), usize> =
            std::collections::HashMap::new();
        for f in self.findings {
            if f.status != Status::Error {
                out.push(f);
                continue;
            }
            let key = (f.resource_id.key(), f.item.clone());
            match first_error.get(&key) {
                Some(&i) => {
                    let first = &mut out[i];
                    if !first.reason.contains(&f.reason) {
                        first.reason.push_str("; ");
                        first.reason.push_str(&f.reason);
                    }
                }
                None => {
                    first_error.insert(key, out.len());
                    out.push(f);
                }
            }
        }
        out
    }

    /// The list a check needs from a subscription: on a failed read, one
    /// `error` result on the subscription naming the list and the cause, and
    /// `None`. Items without a readable id also become one `error` result on
    /// the subscription each (baseline, "Which results become error").
    pub fn list<'l, T>(
        &mut self,
        sub: &Subscription,
        what: &str,
        read: &'l Read<Listing<T>>,
    ) -> Option<&'l Listing<T>> {
        match read {
            Ok(listing) => {
                for m in listing.malformed.iter().filter(|m| m.id.is_none()) {
                    self.error(
                        &sub.resource_id(),
                        Some(&sub.id),
                        format!(
                            "item {} of the {what} list could not be read (no id): {}",
                            m.position, m.error
                        ),
                    );
                }
                Some(listing)
            }
            Err(e) => {
                self.error(
                    &sub.resource_id(),
                    Some(&sub.id),
                    format!("could not read the {what} list: {e}"),
                );
                None
            }
        }
    }

    /// For checks that need a malformed item's own fields: an `error` on the item.
    pub fn malformed_items(&mut self, sub: &Subscription, what: &str, malformed: &[Malformed]) {
        for m in malformed {
            if let Some(id) = &m.id {
                self.error(
                    id,
                    Some(&sub.id),
                    format!("the {what} could not be parsed: {}", m.error),
                );
            }
        }
    }

    /// A would-be `fail` that is an `error` when items of the list that
    /// decides it could not be parsed (one of them might have made it pass).
    pub fn fail_unless_unreadable(
        &mut self,
        resource_id: &str,
        sub: Option<&str>,
        found: String,
        malformed: &[Malformed],
        what: &str,
    ) {
        match malformed.first() {
            Some(m) => self.error(
                resource_id,
                sub,
                format!(
                    "{found}, but {} {what} could not be parsed: {}",
                    malformed.len(),
                    m.error
                ),
            ),
            None => self.fail(resource_id, sub, found),
        };
    }

    /// An `error` naming a failed read.
    pub fn read_error(
        &mut self,
        resource_id: &str,
        sub: Option<&str>,
        what: &str,
        e: &ReadError,
    ) -> &mut Finding {
        self.error(resource_id, sub, format!("could not read {what}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_and_unique() {
        let ids: Vec<&str> = REGISTRY.iter().map(|c| c.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            ids, sorted,
            "REGISTRY must be sorted by id, without duplicates"
        );
    }

    #[test]
    fn every_check_is_documented() {
        for c in REGISTRY {
            assert!(
                c.id.starts_with(&format!("AZ-{}-", c.family.code())),
                "{} family",
                c.id
            );
            assert!(
                !c.title.is_empty() && !c.condition.is_empty() && !c.rationale.is_empty(),
                "{}",
                c.id
            );
            assert!(!c.remediation.portal.is_empty(), "{} portal steps", c.id);
            assert!(c.remediation.cli.starts_with("az "), "{} az command", c.id);
            assert!(
                c.remediation.bicep.contains("resource ") || c.remediation.bicep.contains("param "),
                "{} bicep",
                c.id
            );
            assert!(!c.references.is_empty(), "{} references", c.id);
            // A `\n\` continuation in a plain string literal strips the next line's
            // indentation: Bicep snippets are raw strings and keep it.
            if c.remediation.bicep.contains("{\n") {
                assert!(
                    c.remediation.bicep.lines().any(|l| l.starts_with("  ")),
                    "{} bicep lost its indentation",
                    c.id
                );
            }
            assert!(!c.reads.is_empty(), "{} reads", c.id);
        }
    }

    #[test]
    fn placeholders_fill_from_the_id() {
        let id = "/subscriptions/S1/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default";
        assert_eq!(
            fill_placeholders(
                "az x --name {name} -g {resource_group} --subscription {subscription}",
                id,
                None
            ),
            "az x --name acct -g rg-a --subscription S1"
        );
    }
}
