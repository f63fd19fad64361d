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
pub mod flow;
pub mod hist;
mod kv;
mod law;
mod mon;
mod net;
mod sen;
mod st;
mod vm;
pub use sen::az_sen_005::{detection_matrix, DetectionMatrix, MatrixRow};

/// Every check, sorted by id (a test keeps it so).
pub static REGISTRY: &[&Check] = &[
    &def::az_def_001::CHECK,
    &def::az_def_002::CHECK,
    &entra::az_entra_001::CHECK,
    &entra::az_entra_002::CHECK,
    &flow::az_flow_001::CHECK,
    &flow::az_flow_002::CHECK,
    &flow::az_flow_003::CHECK,
    &flow::az_flow_004::CHECK,
    &hist::az_hist_001::CHECK,
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
    &sen::az_sen_005::CHECK,
    &st::az_st_001::CHECK,
    &st::az_st_002::CHECK,
    &st::az_st_003::CHECK,
    &st::az_st_004::CHECK,
    &st::az_st_005::CHECK,
    &st::az_st_006::CHECK,
    &st::az_st_007::CHECK,
    &st::az_st_008::CHECK,
    &st::az_st_009::CHECK,
    &vm::az_vm_001::CHECK,
    &vm::az_vm_002::CHECK,
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
            cli: self.cli_template(params),
            bicep: fill_params(self.bicep, params),
        }
    }

    /// The `az` command with the parameters in force and its hints quoted;
    /// the resource names are still placeholders. The engine makes it once
    /// per check, then [`fill_placeholders`] per failing result.
    pub fn cli_template(&self, params: &Params) -> String {
        quote_hints(&fill_params(self.cli, params))
    }

    /// The `az` command for one resource: the parameters in force and the
    /// resource's own names filled in.
    pub fn cli_for(
        &self,
        resource_id: &str,
        subscription: Option<&str>,
        params: &Params,
    ) -> String {
        fill_placeholders(&self.cli_template(params), resource_id, subscription)
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
    replace_placeholders_at(template, |name, _| value(name))
}

/// As [`replace_placeholders`], `value` also told where the placeholder starts.
fn replace_placeholders_at(
    template: &str,
    mut value: impl FnMut(&str, usize) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut last = 0;
    for (range, name) in placeholders(template) {
        if let Some(v) = value(name, range.start) {
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
/// single quotes (names come from whoever owns the subscription). A leading
/// `=` is quoted too (zsh expands `=cmd` to a command's path).
pub fn shell_word(v: &str) -> String {
    let plain = !v.is_empty()
        && !v.starts_with('=')
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', "'\\''"))
    }
}

/// Where a byte of a shell command stands: outside quotes, or inside single
/// or double quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    None,
    Single,
    Double,
}

/// The quoting in force at `at` in a POSIX shell command. A command
/// substitution `$(…)`, inside double quotes or not, starts unquoted.
fn quoting_at(command: &str, at: usize) -> Quoting {
    // The open quotes and substitutions, innermost last (a substitution is
    // `None`, closed by `)`).
    let mut stack: Vec<Quoting> = vec![Quoting::None];
    let mut chars = command[..at].chars().peekable();
    while let Some(c) = chars.next() {
        let top = *stack.last().expect("the outermost level stays");
        match (top, c) {
            (Quoting::Single, '\'') => {
                stack.pop();
            }
            (Quoting::Single, _) => {}
            (_, '\\') => {
                chars.next();
            }
            (_, '$') if chars.peek() == Some(&'(') => {
                chars.next();
                stack.push(Quoting::None);
            }
            (Quoting::Double, '"') => {
                stack.pop();
            }
            (Quoting::Double, _) => {}
            (Quoting::None, '\'') => stack.push(Quoting::Single),
            (Quoting::None, '"') => stack.push(Quoting::Double),
            (Quoting::None, ')') if stack.len() > 1 => {
                stack.pop();
            }
            (Quoting::None, _) => {}
        }
    }
    *stack.last().expect("the outermost level stays")
}

/// `v` as data wherever it lands in a command: one shell word outside quotes;
/// inside quotes, the quote is closed, the word put in, and the quote
/// reopened (a template may put a name inside a quoted JSON body or URL).
fn shell_value(v: &str, q: Quoting) -> String {
    match q {
        Quoting::None => shell_word(v),
        Quoting::Single => v.replace('\'', "'\\''"),
        Quoting::Double => format!("\"{}\"", shell_word(v)),
    }
}

/// Puts single quotes around each `<hint>` a command leaves for the reader
/// to replace (`<region>`, `<log-analytics-workspace-id>`) where it stands
/// outside quotes: pasted as it is, `<` and `>` would be redirections (and
/// `>` truncates the file the next word names); quoted, `az` gets the hint
/// as a value and refuses it.
pub fn quote_hints(command: &str) -> String {
    let bytes = command.as_bytes();
    let mut out = String::with_capacity(command.len() + 8);
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let len = bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b'_')
                .count();
            let end = i + 1 + len;
            if len > 0 && bytes.get(end) == Some(&b'>') && quoting_at(command, i) == Quoting::None {
                out.push_str(&command[last..i]);
                out.push('\'');
                out.push_str(&command[i..=end]);
                out.push('\'');
                last = end + 1;
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&command[last..]);
    out
}

/// Fills `{name}`, `{resource_group}`, `{subscription}`, `{id}` from a
/// resource id, each quoted for the shell where it stands in the command.
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
    replace_placeholders_at(template, |p, at| {
        let q = quoting_at(template, at);
        match p {
            "name" => Some(shell_value(name, q)),
            "resource_group" => Some(
                after("resourceGroups")
                    .map(|rg| shell_value(rg, q))
                    .unwrap_or_else(|| shell_value("<resource-group>", q)),
            ),
            "subscription" => Some(shell_value(sub, q)),
            "id" => Some(shell_value(resource_id, q)),
            _ => None,
        }
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
    /// The findings, one per identity (resource and item; baseline, "a
    /// result's identity is unique in a report"): `error` results on the
    /// same identity are merged into one naming every cause (two failed
    /// lists of one subscription are one `error`), and an `error` on the
    /// identity of a `pass`, `fail` or `not_applicable` result is folded
    /// into that result's reason ("a pass found in what was read stands";
    /// "a fail established from what was read stands ... the reason also
    /// names what could not be read").
    pub fn done(self) -> Vec<Finding> {
        use std::collections::HashMap;
        let key = |f: &Finding| (f.resource_id.key(), f.item.clone());
        // The decided (non-error) result of each identity: the first one.
        let mut decided: HashMap<(String, Option<String>), usize> = HashMap::new();
        for (i, f) in self.findings.iter().enumerate() {
            if f.status != Status::Error {
                decided.entry(key(f)).or_insert(i);
            }
        }
        let mut findings: Vec<Option<Finding>> = self.findings.into_iter().map(Some).collect();
        // Where each identity's result ends up, by index into `findings`.
        let mut first: HashMap<(String, Option<String>), usize> = HashMap::new();
        for i in 0..findings.len() {
            let Some(f) = &findings[i] else { continue };
            let k = key(f);
            let target = match decided.get(&k) {
                Some(&d) => d,
                None => *first.entry(k).or_insert(i),
            };
            if target == i {
                continue;
            }
            let f = findings[i].take().expect("present");
            if f.status != Status::Error {
                // The same item listed twice: its first result stands.
                continue;
            }
            let into = findings[target].as_mut().expect("targets stay");
            if !into.reason.contains(&f.reason) {
                into.reason.push_str(if into.status == Status::Error {
                    "; "
                } else {
                    "; also "
                });
                into.reason.push_str(&f.reason);
            }
        }
        findings.into_iter().flatten().collect()
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
    fn no_command_has_an_unquoted_redirection() {
        let params = Params::defaults();
        for c in REGISTRY {
            for cmd in [
                c.remediation.filled(&params).cli,
                c.remediation
                    .cli_for("/subscriptions/s/providers/X/y/n", Some("s"), &params),
                c.remediation.cli_for(
                    "/subscriptions/s/resourceGroups/r>g/providers/X/y/<n>",
                    Some("s"),
                    &params,
                ),
            ] {
                for (at, ch) in cmd.char_indices() {
                    if ch == '<' || ch == '>' {
                        assert_ne!(
                            quoting_at(&cmd, at),
                            Quoting::None,
                            "{}: unquoted {ch:?} at {at} in {cmd}",
                            c.id
                        );
                    }
                }
            }
        }
        assert_eq!(
            quote_hints("az x --location <region> --body '{\"a\": \"<id>\"}'"),
            "az x --location '<region>' --body '{\"a\": \"<id>\"}'"
        );
    }

    #[test]
    fn names_inside_quotes_close_and_reopen_them() {
        let id = "/subscriptions/S1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/it's";
        assert_eq!(
            fill_placeholders(
                r#"az x --body '{"id":"{id}"}' --n "{name}" "$(az y -n {name})""#,
                id,
                None
            ),
            r#"az x --body '{"id":"/subscriptions/S1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/it'\''s"}' --n ""'it'\''s'"" "$(az y -n 'it'\''s')""#
        );
        assert_eq!(shell_word("=cmd"), "'=cmd'");
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

    #[test]
    fn done_keeps_one_result_per_identity() {
        let check = find("AZ-MON-001").unwrap();
        let mut out = Out::new(check);
        out.error("/subscriptions/S1", Some("S1"), "list A failed");
        out.pass("/subscriptions/s1", Some("S1"), "found one");
        out.error("/subscriptions/S1", Some("S1"), "list B failed");
        out.error("/subscriptions/S2", Some("S2"), "list A failed");
        out.error("/subscriptions/S2", Some("S2"), "list B failed");
        out.fail("/subscriptions/S3", Some("S3"), "missing");
        out.fail("/subscriptions/S3", Some("S3"), "listed twice");
        let f = out.done();
        assert_eq!(f.len(), 3, "{f:#?}");
        assert_eq!(f[0].status, Status::Pass);
        assert_eq!(
            f[0].reason,
            "found one; also list A failed; also list B failed"
        );
        assert_eq!(f[1].status, Status::Error);
        assert_eq!(f[1].reason, "list A failed; list B failed");
        assert_eq!(
            (f[2].status, f[2].reason.as_str()),
            (Status::Fail, "missing")
        );
    }
}
