//! The checks: one file per check, each with its metadata beside a pure
//! function over the [`Inventory`]. [`REGISTRY`] lists them, sorted by id.
//!
//! Checks never do I/O and never panic on missing data: a read that failed
//! becomes an `error` result, never a pass.

use crate::inventory::{Inventory, Listing, Malformed, Read, ReadError, Subscription};
pub use crate::model::*;
pub use info::{CheckInfo, Origin};
pub use params::{Param, Params};
use serde::Serialize;
use std::fmt;

pub mod drivers;
pub mod info;
pub mod params;
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
    &law::az_law_005::CHECK,
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

/// How to fix a failing resource. The texts are templates:
/// - `{law_min_retention_days}` and the other [`Param`] names are filled with
///   the values in force, in every text ([`fill_params`]);
/// - `{name}`, `{resource_group}`, `{subscription}` and `{id}` are filled in
///   the `cli` command per result, shell-quoted ([`Remediation::cli_for`]).
///
/// A test fails when a template names a placeholder that is neither.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Remediation {
    pub portal: &'static [&'static str],
    pub cli: &'static str,
    pub bicep: &'static str,
}

/// The names a remediation template may hold besides the parameters.
pub const RESOURCE_PLACEHOLDERS: [&str; 4] = ["name", "resource_group", "subscription", "id"];

/// A check's remediation with the parameters in force filled in (resource
/// names stay placeholders: each result's `remediation_cli` has them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Filled {
    pub portal: Vec<String>,
    pub cli: String,
    pub bicep: String,
}

impl Remediation {
    /// Every text with the parameters in force: what renderers show.
    pub fn filled(&self, params: &Params) -> Filled {
        Filled {
            portal: self.portal.iter().map(|t| fill_params(t, params)).collect(),
            cli: fill_params(self.cli, params),
            bicep: fill_params(self.bicep, params),
        }
    }

    /// The `az` command for one resource: the parameters in force and the
    /// resource's own names filled in.
    pub fn cli_for(
        &self,
        resource_id: &str,
        subscription: Option<&str>,
        params: &Params,
    ) -> String {
        fill_placeholders(&fill_params(self.cli, params), resource_id, subscription)
    }
}

/// The `{placeholder}` names of a template, with their byte ranges. Bicep's
/// own `${interpolation}` is not a placeholder.
pub fn placeholders(template: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let bytes = template.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = template[i..].find('{') {
        let start = i + off;
        i = start + 1;
        if start > 0 && bytes[start - 1] == b'$' {
            continue;
        }
        let rest = &template[start + 1..];
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || *b == b'_')
            .count();
        if len > 0 && rest.as_bytes().get(len) == Some(&b'}') {
            out.push((start..start + len + 2, &rest[..len]));
            i = start + len + 2;
        }
    }
    out
}

fn replace_placeholders(template: &str, mut value: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut last = 0;
    for (range, name) in placeholders(template) {
        if let Some(v) = value(name) {
            out.push_str(&template[last..range.start]);
            out.push_str(&v);
            last = range.end;
        }
    }
    out.push_str(&template[last..]);
    out
}

/// Fills the parameter placeholders of a template with the values in force.
pub fn fill_params(template: &str, params: &Params) -> String {
    replace_placeholders(template, |name| {
        Param::parse(name).map(|p| params.get(p).to_string())
    })
}

/// A value as one shell word: as it is when it is plainly safe, else in
/// single quotes (names come from whoever owns the subscription).
pub fn shell_word(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', "'\\''"))
    }
}

/// Fills `{name}`, `{resource_group}`, `{subscription}`, `{id}` from a
/// resource id, each a quoted shell word.
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
        .or_else(|| after("subscriptions"))
        .unwrap_or_default();
    replace_placeholders(template, |p| match p {
        "name" => Some(shell_word(name)),
        "resource_group" => Some(
            after("resourceGroups")
                .map(shell_word)
                .unwrap_or_else(|| "<resource-group>".into()),
        ),
        "subscription" => Some(shell_word(sub)),
        "id" => Some(shell_word(resource_id)),
        _ => None,
    })
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
    pub parameters: &'static [Param],
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
    fn every_template_placeholder_is_a_resource_name_or_a_parameter() {
        for c in REGISTRY {
            let texts = c
                .remediation
                .portal
                .iter()
                .map(|t| ("portal", *t))
                .chain([("cli", c.remediation.cli), ("bicep", c.remediation.bicep)]);
            for (part, text) in texts {
                for (_, name) in placeholders(text) {
                    if let Some(p) = Param::parse(name) {
                        // Only numbers go into a shell command unquoted.
                        assert!(
                            part != "cli" || matches!(p.kind(), params::Kind::Int(_)),
                            "{} {part}: `{{{name}}}` is not an integer parameter",
                            c.id
                        );
                    } else {
                        assert!(
                            part == "cli" && RESOURCE_PLACEHOLDERS.contains(&name),
                            "{} {part}: `{{{name}}}` names no parameter{}",
                            c.id,
                            if RESOURCE_PLACEHOLDERS.contains(&name) {
                                " (resource names are filled in the CLI command only)"
                            } else {
                                ""
                            }
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn parameters_fill_with_the_values_in_force() {
        let params = Params {
            law_min_retention_days: 365,
            security_tables: vec!["SigninLogs".into(), "AuditLogs".into()],
            ..Params::default()
        };
        assert_eq!(
            fill_params(
                "--retention-time {law_min_retention_days} for {security_tables}; '${location}' {name} {unknown}",
                &params
            ),
            "--retention-time 365 for SigninLogs, AuditLogs; '${location}' {name} {unknown}"
        );
        let law = find("AZ-LAW-001").unwrap();
        let id = "/subscriptions/S1/resourceGroups/rg-a/providers/Microsoft.OperationalInsights/workspaces/law";
        let cli = law.remediation.cli_for(id, Some("S1"), &params);
        assert!(cli.ends_with("--retention-time 365"), "{cli}");
    }

    #[test]
    fn hostile_names_stay_one_shell_word() {
        let id = "/subscriptions/S1/resourceGroups/rg;rm -rf ~/providers/Microsoft.KeyVault/vaults/it's$(x)";
        assert_eq!(
            fill_placeholders("az x --name {name} -g {resource_group}", id, None),
            "az x --name 'it'\\''s$(x)' -g 'rg;rm -rf ~'"
        );
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
