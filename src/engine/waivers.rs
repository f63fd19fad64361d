//! Waivers: documented, owned, expiring exceptions to check results, as
//! auditors require them (baseline "Results": the `waived` status; "Score":
//! waived results are left out of the score, listed, and counted in coverage).
//!
//! A waivers file is TOML (see `docs/waivers.md`):
//!
//! ```toml
//! [[waiver]]
//! check = "AZ-KV-003"
//! resource = "/subscriptions/*/resourceGroups/rg-legacy-app/providers/Microsoft.KeyVault/vaults/*"
//! reason = "Legacy app cannot use RBAC until the Q2 migration (CHG-1234)"
//! owner = "secops@northwind.example"
//! expires = 2027-03-31
//! ```
//!
//! [`parse`] validates the whole file and reports every problem with its line
//! and column; [`apply`] turns the `fail` and `error` results a waiver in
//! force covers into `waived` ones and reports which waivers were applied,
//! which have expired and which cover nothing.

use crate::checks::Status;
use crate::engine::{ResultRow, WaiverNote};
use crate::inventory::norm_id;
use crate::util::diagnostics::{Collector, Diagnostics};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Serialize;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use time::{Date, Month};
use toml_edit::{Document, Item, TableLike, Value};

/// The keys a waiver may have, in the order they are documented.
const KEYS: [&str; 6] = ["check", "resource", "reason", "owner", "expires", "item"];

/// One waiver of a waivers file.
#[derive(Debug, Clone)]
pub struct Waiver {
    /// Line of the waiver's `[[waiver]]` header (or its `{` when inline).
    pub line: usize,
    /// The check id as the catalogue spells it.
    pub check: String,
    /// The resource glob as written.
    pub resource: String,
    /// When set, only results with this item (case-insensitive).
    pub item: Option<String>,
    pub reason: String,
    pub owner: String,
    /// The waiver applies through this day.
    pub expires: Date,
    matcher: Matcher,
}

impl Waiver {
    /// Whether this waiver covers `r`, ignoring expiry: same check, resource
    /// matched by the glob, same item when one is given, and a `fail` or
    /// `error` result (pass and not_applicable are never waived).
    pub fn covers(&self, r: &ResultRow) -> bool {
        matches!(r.status, Status::Fail | Status::Error)
            && self.check.eq_ignore_ascii_case(r.check_id)
            && match &self.item {
                None => true,
                Some(want) => r
                    .item
                    .as_deref()
                    .is_some_and(|have| have.to_lowercase() == want.to_lowercase()),
            }
            && self.matcher.is_match(norm_id(&r.resource_id))
    }

    /// Whether the waiver is still in force on `today` (it applies through
    /// its `expires` day).
    pub fn in_force(&self, today: Date) -> bool {
        self.expires >= today
    }

    fn expires_str(&self) -> String {
        format_date(self.expires)
    }
}

/// A parsed, valid waivers file.
#[derive(Debug, Clone)]
pub struct Waivers {
    pub file: PathBuf,
    /// In file order (the first waiver that covers a result wins).
    pub entries: Vec<Waiver>,
}

/// Why a waivers file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("cannot read waivers file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(#[from] Diagnostics),
}

/// Reads and validates a waivers file.
pub fn load(path: &Path, known: &[String]) -> Result<Waivers, WaiverError> {
    let text = std::fs::read_to_string(path).map_err(|source| WaiverError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse(&text, path, known)?)
}

/// Validates a waivers file, collecting every problem with its position.
/// `known_check_ids` are the ids a waiver may name (compared case-insensitively).
pub fn parse(text: &str, file: &Path, known_check_ids: &[String]) -> Result<Waivers, Diagnostics> {
    let mut diags = Collector::new(file, text);
    let doc = match Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let (span, message) = crate::util::diagnostics::first_toml_error(text, &e);
            diags.at(span, format!("not valid TOML: {message}"));
            return Err(diags.finish().expect_err("a diagnostic was recorded"));
        }
    };
    let mut entries = Vec::new();
    for (name, item) in doc.iter() {
        let key_span = doc.key(name).and_then(|k| k.span());
        if name != "waiver" {
            diags.at(key_span, format!("unknown key `{name}` (expected waiver)"));
            continue;
        }
        let tables: Vec<(&dyn TableLike, Option<Range<usize>>)> = match item {
            Item::ArrayOfTables(a) => a.iter().map(|t| (t as &dyn TableLike, t.span())).collect(),
            Item::Value(Value::Array(a)) if a.iter().all(Value::is_inline_table) => a
                .iter()
                .filter_map(|v| v.as_inline_table().map(|t| (t as &dyn TableLike, v.span())))
                .collect(),
            other => {
                diags.at(
                    other.span().or(key_span),
                    format!(
                        "`waiver` must be an array of tables ([[waiver]]), found {}",
                        kind(other)
                    ),
                );
                continue;
            }
        };
        for (table, header) in tables {
            if let Some(w) = entry(table, header, known_check_ids, &mut diags) {
                entries.push(w);
            }
        }
    }
    diags.finish()?;
    Ok(Waivers {
        file: file.to_path_buf(),
        entries,
    })
}

/// A TOML item's kind for messages, as `baseline.rs` names them.
fn kind(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Value(Value::Datetime(d)) => {
            let d = d.value();
            match (d.date.is_some(), d.time.is_some(), d.offset.is_some()) {
                (true, false, _) => "local date",
                (false, true, _) => "local time",
                (true, true, false) => "local date-time",
                _ => "offset date-time",
            }
        }
        Item::Value(v) => v.type_name(),
        Item::Table(_) => "table",
        Item::ArrayOfTables(_) => "array of tables",
    }
}

/// Validates one `[[waiver]]` entry; `None` when it has a problem (recorded).
fn entry(
    table: &dyn TableLike,
    header: Option<Range<usize>>,
    known: &[String],
    diags: &mut Collector<'_>,
) -> Option<Waiver> {
    let before = diags.found.len();
    let line = diags.line_col(header.as_ref().map_or(0, |h| h.start)).0;
    for (name, _) in table.iter() {
        if !KEYS.contains(&name) {
            let span = table.key(name).and_then(|k| k.span());
            diags.at(
                span,
                format!(
                    "unknown key `{name}` in waiver (expected {})",
                    KEYS.join(", ")
                ),
            );
        }
    }
    // A string value: records a problem when it is required and missing, not
    // a string, or blank.
    let string = |key: &str,
                  required: bool,
                  diags: &mut Collector<'_>|
     -> Option<(String, Option<Range<usize>>)> {
        match table.get(key) {
            None if required => {
                diags.at(
                    header.clone(),
                    format!("waiver is missing required key `{key}`"),
                );
                None
            }
            None => None,
            Some(item) => match item.as_str() {
                Some(s) if s.trim().is_empty() => {
                    diags.at(
                        value_span(table, key, item),
                        format!("`{key}` must not be empty"),
                    );
                    None
                }
                Some(s) => Some((s.to_string(), value_span(table, key, item))),
                None => {
                    diags.at(
                        value_span(table, key, item),
                        format!("`{key}` must be a string, found {}", kind(item)),
                    );
                    None
                }
            },
        }
    };
    let check = string("check", true, diags).and_then(|(id, span)| {
        let found = known.iter().find(|k| k.eq_ignore_ascii_case(&id));
        if found.is_none() {
            diags.at(span, format!("unknown check id `{id}`"));
        }
        found.cloned()
    });
    let resource =
        string("resource", true, diags).and_then(|(pattern, span)| match glob(&pattern) {
            Ok(m) => Some((pattern, m)),
            Err(e) => {
                diags.at(span, format!("`resource` is not a valid glob: {e}"));
                None
            }
        });
    let reason = string("reason", true, diags);
    let owner = string("owner", true, diags);
    let expires = expires(table, header.clone(), diags);
    let item = string("item", false, diags);
    if diags.found.len() > before {
        return None;
    }
    let (resource, matcher) = resource?;
    Some(Waiver {
        line,
        check: check?,
        resource,
        item: item.map(|(s, _)| s),
        reason: reason?.0,
        owner: owner?.0,
        expires: expires?,
        matcher,
    })
}

/// Where a value is: its own span, or its key's (a dotted key such as
/// `owner.name = "x"` makes a table with no span of its own).
fn value_span(table: &dyn TableLike, key: &str, item: &Item) -> Option<Range<usize>> {
    item.span()
        .or_else(|| table.key(key).and_then(|k| k.span()))
}

/// `expires`: a TOML local date, or a `YYYY-MM-DD` string.
fn expires(
    table: &dyn TableLike,
    header: Option<Range<usize>>,
    diags: &mut Collector<'_>,
) -> Option<Date> {
    let Some(item) = table.get("expires") else {
        diags.at(header, "waiver is missing required key `expires`");
        return None;
    };
    let at = value_span(table, "expires", item);
    match item {
        Item::Value(Value::String(s)) => {
            let s = s.value();
            let parsed = parse_ymd(s);
            if parsed.is_none() {
                diags.at(
                    at.clone(),
                    format!("`expires` is not a valid date: \"{s}\" (expected YYYY-MM-DD)"),
                );
            }
            parsed
        }
        Item::Value(Value::Datetime(d)) => {
            let d = d.value();
            match (d.date, d.time) {
                (Some(date), None) => {
                    let parsed = Month::try_from(date.month).ok().and_then(|m| {
                        Date::from_calendar_date(i32::from(date.year), m, date.day).ok()
                    });
                    if parsed.is_none() {
                        diags.at(at.clone(), format!("`expires` is not a valid date: {d}"));
                    }
                    parsed
                }
                _ => {
                    diags.at(
                        at.clone(),
                        format!(
                            "`expires` must be a date (YYYY-MM-DD), found {}",
                            kind(item)
                        ),
                    );
                    None
                }
            }
        }
        other => {
            diags.at(
                at,
                format!(
                    "`expires` must be a date (YYYY-MM-DD), found {}",
                    kind(other)
                ),
            );
            None
        }
    }
}

/// Parses exactly `YYYY-MM-DD`.
fn parse_ymd(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let year: i32 = s[0..4].parse().ok()?;
    let month: u8 = s[5..7].parse().ok()?;
    let day: u8 = s[8..10].parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The matcher of a resource glob: case-insensitive, `*` within one path
/// segment, `**` across segments, over the whole id with a leading `/` and
/// no trailing `/`.
fn glob(pattern: &str) -> Result<Matcher, globset::ErrorKind> {
    if is_literal(pattern) {
        // No wildcard: the id itself, with no automaton to build or keep.
        return Ok(Matcher::Exact(norm_id(pattern)));
    }
    let t = pattern.trim().trim_end_matches('/').trim_start_matches('/');
    GlobBuilder::new(&format!("/{t}"))
        .case_insensitive(true)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        // A set of one: `Glob::compile_matcher` panics when the regex cannot
        // be built (too big), a set reports it.
        .and_then(|g| GlobSetBuilder::new().add(g).build())
        .map(Matcher::Glob)
        .map_err(|e| e.kind().clone())
}

/// Whether a resource pattern has no glob syntax (it names one resource).
fn is_literal(pattern: &str) -> bool {
    !pattern.contains(['*', '?', '[', ']', '{', '}', '\\'])
}

/// A waiver's resource matcher: an id (compared as [`norm_id`]s) or a glob.
#[derive(Debug, Clone)]
enum Matcher {
    Exact(String),
    Glob(GlobSet),
}

impl Matcher {
    /// Whether it matches a [`norm_id`].
    fn is_match(&self, id: impl AsRef<str>) -> bool {
        match self {
            Matcher::Exact(e) => *e == id.as_ref(),
            Matcher::Glob(g) => g.is_match(id.as_ref()),
        }
    }
}

/// A waiver that covered at least one result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedWaiver {
    pub line: usize,
    pub check: String,
    pub resource: String,
    pub owner: String,
    pub expires: String,
    /// How many results it waived.
    pub results: usize,
    /// How many of them were `error` (never assessed).
    #[serde(skip_serializing_if = "is_zero")]
    pub errors: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Whether a resource glob matches every resource id: each of its segments
/// is only wildcards (`**`, `*`, `/**/*`, …).
pub fn matches_everything(pattern: &str) -> bool {
    let t = pattern.trim().trim_matches('/');
    t.contains("**")
        && t.split('/')
            .all(|seg| !seg.is_empty() && seg.chars().all(|c| c == '*'))
}

/// A waiver whose `expires` day has passed: it waived nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiredWaiver {
    pub line: usize,
    pub check: String,
    pub resource: String,
    pub owner: String,
    pub expires: String,
    /// The `fail`/`error` results it matches that no waiver in force covers:
    /// what its expiry put back into the score and gate.
    pub would_cover: usize,
}

/// A waiver in force that covered no result (nothing matches it, or every
/// result it matches is covered by an earlier waiver).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnusedWaiver {
    pub line: usize,
    pub check: String,
    pub resource: String,
    pub owner: String,
    pub expires: String,
}

/// What applying a waivers file did, for the report. Each list is in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverReport {
    pub file: String,
    pub applied: Vec<AppliedWaiver>,
    pub expired: Vec<ExpiredWaiver>,
    pub unused: Vec<UnusedWaiver>,
}

/// Waives the `fail` and `error` results covered by a waiver in force on
/// `today`: each becomes `waived` with a [`WaiverNote`] (its `reason` is kept:
/// it is the finding). The first waiver in file order that covers a result
/// wins. Expired waivers apply to nothing. Scores must be computed after this.
pub fn apply(waivers: &Waivers, results: &mut [ResultRow], today: Date) -> WaiverReport {
    apply_counting(waivers, results, today).0
}

/// The waivers that may cover a result, by check and (for a resource
/// written without wildcards) by resource: a result is tried against the
/// waivers of its own check and resource, and the globs of its check, not
/// against the whole file, so applying n waivers to m results is near
/// linear when most waivers name one resource.
struct Index<'a> {
    waivers: &'a [Waiver],
    literal: HashMap<(String, String), Vec<usize>>,
    globs: HashMap<String, Vec<usize>>,
}

impl<'a> Index<'a> {
    fn new(waivers: &'a [Waiver], keep: impl Fn(&Waiver) -> bool) -> Index<'a> {
        let mut literal: HashMap<(String, String), Vec<usize>> = HashMap::new();
        let mut globs: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, w) in waivers.iter().enumerate().filter(|(_, w)| keep(w)) {
            let check = w.check.to_ascii_lowercase();
            match &w.matcher {
                Matcher::Exact(id) => literal.entry((check, id.clone())).or_default().push(i),
                Matcher::Glob(_) => globs.entry(check).or_default().push(i),
            }
        }
        Index {
            waivers,
            literal,
            globs,
        }
    }

    /// The waivers that cover `r`, in file order; `tried` counts the
    /// candidates matched against it (the work done).
    fn covering(&self, r: &ResultRow, tried: &mut usize) -> Vec<usize> {
        let check = r.check_id.to_ascii_lowercase();
        let lit = self.literal.get(&(check.clone(), norm_id(&r.resource_id)));
        let glob = self.globs.get(&check);
        let mut out: Vec<usize> = lit
            .into_iter()
            .chain(glob)
            .flatten()
            .copied()
            .filter(|&i| {
                *tried += 1;
                self.waivers[i].covers(r)
            })
            .collect();
        out.sort_unstable();
        out
    }
}

/// [`apply`], with the number of (waiver, result) matches it tried.
fn apply_counting(
    waivers: &Waivers,
    results: &mut [ResultRow],
    today: Date,
) -> (WaiverReport, usize) {
    let n = waivers.entries.len();
    let mut applied = vec![0usize; n];
    let mut applied_errors = vec![0usize; n];
    let mut would_cover = vec![0usize; n];
    let mut tried = 0usize;
    let in_force = Index::new(&waivers.entries, |w| w.in_force(today));
    let expired = Index::new(&waivers.entries, |w| !w.in_force(today));
    for r in results.iter_mut() {
        if !matches!(r.status, Status::Fail | Status::Error) {
            continue;
        }
        let winner = in_force.covering(r, &mut tried).first().copied();
        match winner {
            Some(i) => {
                let w = &waivers.entries[i];
                applied[i] += 1;
                if r.status == Status::Error {
                    applied_errors[i] += 1;
                }
                r.waiver = Some(WaiverNote {
                    reason: w.reason.clone(),
                    owner: w.owner.clone(),
                    expires: w.expires_str(),
                    original_status: r.status,
                    line: w.line,
                });
                r.status = Status::Waived;
            }
            None => {
                for i in expired.covering(r, &mut tried) {
                    would_cover[i] += 1;
                }
            }
        }
    }
    let mut report = WaiverReport {
        file: waivers.file.display().to_string(),
        applied: Vec::new(),
        expired: Vec::new(),
        unused: Vec::new(),
    };
    for (i, w) in waivers.entries.iter().enumerate() {
        let (line, check, resource, owner, expires) = (
            w.line,
            w.check.clone(),
            w.resource.clone(),
            w.owner.clone(),
            w.expires_str(),
        );
        if !w.in_force(today) {
            report.expired.push(ExpiredWaiver {
                line,
                check,
                resource,
                owner,
                expires,
                would_cover: would_cover[i],
            });
        } else if applied[i] > 0 {
            report.applied.push(AppliedWaiver {
                line,
                check,
                resource,
                owner,
                expires,
                results: applied[i],
                errors: applied_errors[i],
            });
        } else {
            report.unused.push(UnusedWaiver {
                line,
                check,
                resource,
                owner,
                expires,
            });
        }
    }
    (report, tried)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Family, Severity};
    use time::macros::date;

    const PROD: &str = "/subscriptions/8a1f6c3e-52d4-4b9a-a7e0-3c9d15b2e6f4";
    const DEV: &str = "/subscriptions/c7e2d5b8-0f4a-4e61-9b3c-6a8d2f1e7b05";

    #[test]
    fn a_glob_too_big_to_compile_is_a_positioned_error_not_a_panic() {
        let huge = "?".repeat(200_000);
        let text = format!(
            "[[waiver]]\ncheck = \"AZ-KV-003\"\nresource = \"/subscriptions/{huge}\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n"
        );
        let p = problems(&text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("3:12: `resource` is not a valid glob"),
            "{p:?}"
        );
    }

    #[test]
    fn a_hundred_thousand_waivers_apply_in_near_linear_work() {
        const N: usize = 100_000;
        let mut text = String::new();
        for i in 0..N {
            text.push_str(&format!(
                "[[waiver]]\ncheck = \"AZ-KV-003\"\nresource = \"{PROD}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-{i}\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n\n"
            ));
        }
        // One glob beside them, and an expired one.
        text.push_str("[[waiver]]\ncheck = \"AZ-KV-003\"\nresource = \"**/vaults/other-*\"\nreason = \"g\"\nowner = \"o\"\nexpires = 2027-01-01\n");
        let w = ok(&text);
        assert_eq!(w.entries.len(), N + 1);
        assert_eq!(w.entries[N - 1].line, 7 * (N - 1) + 1);
        let mut rows: Vec<ResultRow> = (0..N)
            .map(|i| {
                row(
                    "AZ-KV-003",
                    &vault(PROD, "RG", &format!("KV-{i}")),
                    None,
                    Status::Fail,
                )
            })
            .collect();
        rows.push(row(
            "AZ-KV-003",
            &vault(DEV, "rg", "other-1"),
            None,
            Status::Error,
        ));
        let (report, tried) = apply_counting(&w, &mut rows, date!(2026 - 11 - 23));
        assert!(rows.iter().all(|r| r.status == Status::Waived));
        assert_eq!(report.applied.len(), N + 1);
        assert_eq!(report.applied[N].errors, 1);
        assert_eq!(report.applied[0].errors, 0);
        // Each result is tried against its own waiver and the one glob: the
        // work is linear (it was N × N = 10^10 matches).
        assert!(tried <= 2 * (N + 1), "{tried} matches tried");
    }

    #[test]
    fn waivers_on_every_resource_are_recognised() {
        for p in ["**", "/**", "**/*", "/**/**/", " ** "] {
            assert!(matches_everything(p), "{p}");
        }
        for p in ["*", "/subscriptions/**", "**/vaults/*", "/x"] {
            assert!(!matches_everything(p), "{p}");
        }
    }

    fn known() -> Vec<String> {
        [
            "AZ-KV-001",
            "AZ-KV-003",
            "AZ-MON-008",
            "AZ-ST-001",
            "AZ-ST-004",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    fn row(check: &'static str, resource: &str, item: Option<&str>, status: Status) -> ResultRow {
        ResultRow {
            check_id: check,
            title: "t",
            family: Family::Kv,
            severity: Severity::High,
            status,
            resource_id: resource.into(),
            item: item.map(str::to_string),
            subscription_id: None,
            reason: format!("finding for {resource}"),
            remediation_cli: None,
            waiver: None,
        }
    }

    fn ok(text: &str) -> Waivers {
        parse(text, Path::new("waivers.toml"), &known()).unwrap_or_else(|d| panic!("{d}"))
    }

    /// Every diagnostic as `line:column: message`.
    fn problems(text: &str) -> Vec<String> {
        let d = parse(text, Path::new("w.toml"), &known()).expect_err("invalid");
        d.0.iter()
            .map(|d| format!("{}:{}: {}", d.line, d.column, d.message))
            .collect()
    }

    fn vault(sub: &str, rg: &str, name: &str) -> String {
        format!("{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}")
    }

    const VALID: &str = r#"# waivers.toml
[[waiver]]
check = "az-kv-003"
resource = "/subscriptions/*/resourceGroups/rg-legacy-app/providers/Microsoft.KeyVault/vaults/*"
reason = "Legacy app cannot use RBAC until the Q2 migration (CHG-1234)"
owner = "secops@northwind.example"
expires = 2027-03-31

[[waiver]]
check = "AZ-MON-008"
resource = "/subscriptions/*"
item = "Microsoft.Network/networkSecurityGroups/write"
reason = "NSG changes are alerted by the SIEM instead"
owner = "soc@northwind.example"
expires = "2027-01-15"

[[waiver]]
check = "AZ-ST-001"
resource = "/subscriptions/*/resourceGroups/rg-app/**"
reason = "App data accounts are covered by Defender for Storage"
owner = "platform@northwind.example"
expires = 2027-06-30

[[waiver]]
check = "AZ-KV-001"
resource = "subscriptions/*/resourceGroups/*/providers/Microsoft.KeyVault/vaults/kv-*/"
reason = "Vault audit is exported by the platform pipeline"
owner = "platform@northwind.example"
expires = 2027-06-30
"#;

    #[test]
    fn valid_file_is_applied_to_fail_and_error_only() {
        let w = ok(VALID);
        assert_eq!(w.entries.len(), 4);
        assert_eq!(
            w.entries.iter().map(|e| e.line).collect::<Vec<_>>(),
            [2, 9, 17, 24]
        );
        // The catalogue's spelling of the id is kept.
        assert_eq!(w.entries[0].check, "AZ-KV-003");
        assert_eq!(w.entries[1].expires, date!(2027 - 01 - 15));

        let legacy = vault(PROD, "rg-legacy-app", "kv-nw-prod-legacy");
        let blob = format!(
            "{PROD}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stnwprodappdata/blobServices/default"
        );
        let nsg_write = "Microsoft.Network/networkSecurityGroups/write";
        let mut rows = vec![
            // 0: fail, matched case-insensitively (check, and resource id in upper case)
            row("AZ-KV-003", &legacy.to_uppercase(), None, Status::Fail),
            // 1: pass in the same resource group: untouched
            row(
                "AZ-KV-003",
                &vault(PROD, "rg-legacy-app", "kv-other"),
                None,
                Status::Pass,
            ),
            // 2: another resource group: not matched
            row(
                "AZ-KV-003",
                &vault(PROD, "rg-security", "kv-nw-prod-secrets"),
                None,
                Status::Fail,
            ),
            // 3: the item filter matches
            row("AZ-MON-008", PROD, Some(nsg_write), Status::Fail),
            // 4: another item: not matched
            row(
                "AZ-MON-008",
                PROD,
                Some("Microsoft.Network/networkSecurityGroups/delete"),
                Status::Fail,
            ),
            // 5: error, item compared case-insensitively, trailing slash on the id
            row(
                "AZ-MON-008",
                &format!("{DEV}/"),
                Some(&nsg_write.to_lowercase()),
                Status::Error,
            ),
            // 6: `**` crosses segments
            row("AZ-ST-001", &blob, None, Status::Fail),
            // 7: not_applicable under the same glob: untouched
            row(
                "AZ-ST-001",
                &blob.replace("blobServices", "fileServices"),
                None,
                Status::NotApplicable,
            ),
            // 8: `*` within a segment; no leading `/` on the id
            row(
                "AZ-KV-001",
                vault(DEV, "rg-dev-app", "kv-nw-dev-app").trim_start_matches('/'),
                None,
                Status::Fail,
            ),
            // 9: `*` does not cross `/`
            row(
                "AZ-KV-001",
                &format!("{}/keys/k1", vault(DEV, "rg-dev-app", "kv-nw-dev-app")),
                None,
                Status::Fail,
            ),
            // 10: the check must match too
            row("AZ-ST-004", &blob, None, Status::Fail),
        ];
        let before = rows.clone();
        let report = apply(&w, &mut rows, date!(2026 - 11 - 23));

        let waived: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].status == Status::Waived)
            .collect();
        assert_eq!(waived, [0, 3, 5, 6, 8]);
        for i in 0..rows.len() {
            assert_eq!(rows[i].reason, before[i].reason, "the finding is kept");
            if !waived.contains(&i) {
                assert_eq!(rows[i], before[i], "row {i} untouched");
            }
        }
        assert_eq!(
            rows[0].waiver,
            Some(WaiverNote {
                reason: "Legacy app cannot use RBAC until the Q2 migration (CHG-1234)".into(),
                owner: "secops@northwind.example".into(),
                expires: "2027-03-31".into(),
                original_status: Status::Fail,
                line: 2,
            })
        );
        let note = rows[5].waiver.as_ref().unwrap();
        assert_eq!((note.original_status, note.line), (Status::Error, 9));
        assert_eq!(note.expires, "2027-01-15");
        assert_eq!(rows[6].waiver.as_ref().unwrap().line, 17);
        assert_eq!(rows[8].waiver.as_ref().unwrap().line, 24);

        assert_eq!(report.file, "waivers.toml");
        assert_eq!(
            report
                .applied
                .iter()
                .map(|a| (a.line, a.check.as_str(), a.results))
                .collect::<Vec<_>>(),
            [
                (2, "AZ-KV-003", 1),
                (9, "AZ-MON-008", 2),
                (17, "AZ-ST-001", 1),
                (24, "AZ-KV-001", 1)
            ]
        );
        assert!(report.expired.is_empty() && report.unused.is_empty());
        // Deterministic: the same input gives the same output.
        let mut again = before.clone();
        assert_eq!(apply(&w, &mut again, date!(2026 - 11 - 23)), report);
        assert_eq!(again, rows);
    }

    #[test]
    fn glob_star_stays_in_one_segment_and_double_star_crosses() {
        let w = ok(r#"
[[waiver]]
check = "AZ-KV-001"
resource = "/subscriptions/*/providers/Microsoft.KeyVault/vaults/*"
reason = "r"
owner = "o"
expires = 2027-01-01

[[waiver]]
check = "AZ-KV-001"
resource = "/SUBSCRIPTIONS/**/vaults/KV-NW-PROD-*"
reason = "r"
owner = "o"
expires = 2027-01-01
"#);
        let today = date!(2026 - 11 - 23);
        let mut rows = vec![
            // `*` would have to match `8a1f…/resourceGroups/rg-security`.
            row(
                "AZ-KV-001",
                &vault(DEV, "rg-dev-app", "kv-nw-dev-app"),
                None,
                Status::Fail,
            ),
            row(
                "AZ-KV-001",
                &vault(PROD, "rg-security", "kv-nw-prod-secrets"),
                None,
                Status::Fail,
            ),
        ];
        let report = apply(&w, &mut rows, today);
        assert_eq!(rows[0].status, Status::Fail);
        assert_eq!(rows[1].status, Status::Waived);
        assert_eq!(rows[1].waiver.as_ref().unwrap().line, 9);
        assert_eq!(
            report.unused.iter().map(|u| u.line).collect::<Vec<_>>(),
            [2]
        );
        // `*` matches a whole single segment, and the id must match as a whole.
        let m = glob("/subscriptions/*").unwrap();
        assert!(m.is_match(norm_id(PROD)));
        assert!(!m.is_match(norm_id(&format!("{PROD}/resourceGroups/rg"))));
        let m = glob("resourceGroups/rg-app").unwrap();
        assert!(!m.is_match(norm_id(&format!("{PROD}/resourceGroups/rg-app"))));
    }

    #[test]
    fn expiry_applies_through_the_day() {
        let text = r#"
[[waiver]]
check = "AZ-KV-003"
resource = "**/vaults/kv-a"
reason = "r"
owner = "o"
expires = 2026-11-22

[[waiver]]
check = "AZ-KV-003"
resource = "**/vaults/kv-b"
reason = "r"
owner = "o"
expires = 2026-11-23
"#;
        let w = ok(text);
        let rows = vec![
            row("AZ-KV-003", &vault(PROD, "rg", "kv-a"), None, Status::Fail),
            row("AZ-KV-003", &vault(DEV, "rg", "kv-a"), None, Status::Error),
            row("AZ-KV-003", &vault(PROD, "rg", "kv-a2"), None, Status::Fail),
            row("AZ-KV-003", &vault(PROD, "rg", "kv-b"), None, Status::Fail),
        ];
        // Today is the second waiver's last day, the day after the first's.
        let mut today = rows.clone();
        let report = apply(&w, &mut today, date!(2026 - 11 - 23));
        assert_eq!(
            today.iter().map(|r| r.status).collect::<Vec<_>>(),
            [Status::Fail, Status::Error, Status::Fail, Status::Waived]
        );
        assert_eq!(
            report.expired,
            [ExpiredWaiver {
                line: 2,
                check: "AZ-KV-003".into(),
                resource: "**/vaults/kv-a".into(),
                owner: "o".into(),
                expires: "2026-11-22".into(),
                would_cover: 2,
            }]
        );
        assert_eq!(
            report.applied,
            [AppliedWaiver {
                errors: 0,
                line: 9,
                check: "AZ-KV-003".into(),
                resource: "**/vaults/kv-b".into(),
                owner: "o".into(),
                expires: "2026-11-23".into(),
                results: 1,
            }]
        );
        // The next day both have expired.
        let mut tomorrow = rows.clone();
        let report = apply(&w, &mut tomorrow, date!(2026 - 11 - 24));
        assert_eq!(tomorrow, rows);
        assert_eq!(
            report
                .expired
                .iter()
                .map(|e| (e.line, e.would_cover))
                .collect::<Vec<_>>(),
            [(2, 2), (9, 1)]
        );
        assert!(report.applied.is_empty() && report.unused.is_empty());
    }

    #[test]
    fn unused_and_first_waiver_wins() {
        let w = ok(r#"
[[waiver]]
check = "AZ-KV-003"
resource = "**/vaults/kv-a"
reason = "first"
owner = "o1"
expires = 2027-01-01

[[waiver]]
check = "AZ-KV-003"
resource = "**"
reason = "second"
owner = "o2"
expires = 2027-01-01

[[waiver]]
check = "AZ-KV-003"
resource = "/subscriptions/*/resourceGroups/*/providers/Microsoft.KeyVault/vaults/kv-a"
reason = "shadowed by the first"
owner = "o3"
expires = 2027-01-01

[[waiver]]
check = "AZ-KV-001"
resource = "**/vaults/kv-a"
reason = "matches only a pass"
owner = "o4"
expires = 2027-01-01

[[waiver]]
check = "AZ-KV-001"
resource = "**/vaults/kv-a"
reason = "an expired waiver shadowed by one in force"
owner = "o5"
expires = 2025-01-01
"#);
        let mut rows = vec![
            row("AZ-KV-003", &vault(PROD, "rg", "kv-a"), None, Status::Fail),
            row("AZ-KV-003", &vault(PROD, "rg", "kv-b"), None, Status::Fail),
            row("AZ-KV-001", &vault(PROD, "rg", "kv-a"), None, Status::Pass),
        ];
        let report = apply(&w, &mut rows, date!(2026 - 11 - 23));
        assert_eq!(rows[0].waiver.as_ref().unwrap().reason, "first");
        assert_eq!(rows[1].waiver.as_ref().unwrap().reason, "second");
        assert_eq!(rows[2].status, Status::Pass);
        assert_eq!(
            report
                .applied
                .iter()
                .map(|a| (a.line, a.results))
                .collect::<Vec<_>>(),
            [(2, 1), (9, 1)]
        );
        assert_eq!(
            report.unused,
            [
                UnusedWaiver {
                    line: 16,
                    check: "AZ-KV-003".into(),
                    resource:
                        "/subscriptions/*/resourceGroups/*/providers/Microsoft.KeyVault/vaults/kv-a"
                            .into(),
                    owner: "o3".into(),
                    expires: "2027-01-01".into(),
                },
                UnusedWaiver {
                    line: 23,
                    check: "AZ-KV-001".into(),
                    resource: "**/vaults/kv-a".into(),
                    owner: "o4".into(),
                    expires: "2027-01-01".into(),
                },
            ]
        );
        assert_eq!(
            report
                .expired
                .iter()
                .map(|e| (e.line, e.would_cover))
                .collect::<Vec<_>>(),
            [(30, 0)]
        );
        // The report's JSON shape.
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["applied"][0],
            serde_json::json!({"line": 2, "check": "AZ-KV-003", "resource": "**/vaults/kv-a",
                "owner": "o1", "expires": "2027-01-01", "results": 1})
        );
        assert_eq!(json["expired"][0]["would_cover"], 0);
        assert_eq!(
            json.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["file", "applied", "expired", "unused"]
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_position() {
        let text = r#"title = "exceptions"

[[waiver]]
check = "AZ-XX-999"
resource = "/subscriptions/[abc"
reason = ""
owner = 42
expires = "2027-02-30"
expiry = 2027-01-01

[[waiver]]
reason = "r"
owner = "  "
expires = 2027-01-01T10:00:00
item = ["x"]

  [[waiver]]
check = "az-kv-003"
resource = "/subscriptions/{a,b"
reason = "ok"
expires = 20270101

[[waiver]]
check = "AZ-KV-003"
resource = "**"
reason = "ok"
owner = "o"
expires = "31/03/2027"
item = ""
[waiver.extra]
x = 1
"#;
        assert_eq!(
            problems(text),
            [
                "1:1: unknown key `title` (expected waiver)",
                "4:9: unknown check id `AZ-XX-999`",
                "5:12: `resource` is not a valid glob: unclosed character class; missing ']'",
                "6:10: `reason` must not be empty",
                "7:9: `owner` must be a string, found integer",
                "8:11: `expires` is not a valid date: \"2027-02-30\" (expected YYYY-MM-DD)",
                "9:1: unknown key `expiry` in waiver (expected check, resource, reason, owner, expires, item)",
                "11:1: waiver is missing required key `check`",
                "11:1: waiver is missing required key `resource`",
                "13:9: `owner` must not be empty",
                "14:11: `expires` must be a date (YYYY-MM-DD), found local date-time",
                "15:8: `item` must be a string, found array",
                "17:3: waiver is missing required key `owner`",
                "19:12: `resource` is not a valid glob: unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)",
                "21:11: `expires` must be a date (YYYY-MM-DD), found integer",
                "28:11: `expires` is not a valid date: \"31/03/2027\" (expected YYYY-MM-DD)",
                "29:8: `item` must not be empty",
                "30:9: unknown key `extra` in waiver (expected check, resource, reason, owner, expires, item)",
            ]
        );
    }

    #[test]
    fn waiver_must_be_an_array_of_tables() {
        assert_eq!(
            problems("waiver = \"AZ-KV-003\"\n"),
            ["1:10: `waiver` must be an array of tables ([[waiver]]), found string"]
        );
        assert_eq!(
            problems("# one waiver\n[waiver]\ncheck = \"AZ-KV-003\"\n"),
            ["2:1: `waiver` must be an array of tables ([[waiver]]), found table"]
        );
        assert_eq!(
            problems("waiver = [{ check = \"AZ-KV-003\" }, 1]\n"),
            ["1:10: `waiver` must be an array of tables ([[waiver]]), found array"]
        );
        // An array of inline tables is the same TOML data, and is accepted.
        let w = ok(r#"waiver = [
  { check = "AZ-KV-003", resource = "**", reason = "r", owner = "o", expires = 2027-01-01 },
  { check = "AZ-KV-001", resource = "**", reason = "r", owner = "o", expires = "2027-01-01" },
]"#);
        assert_eq!(w.entries.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn inline_entries_are_checked_too() {
        assert_eq!(
            problems(
                "waiver = [\n  { check = \"AZ-KV-003\", resource = \"**\", reason = \"r\", owner = \"o\" },\n]\n"
            ),
            ["2:3: waiver is missing required key `expires`"]
        );
        // A dotted key makes a table: reported at the key.
        assert_eq!(
            problems(
                "[[waiver]]\ncheck = \"AZ-KV-003\"\nresource = \"**\"\nreason = \"r\"\nowner.name = \"o\"\nexpires = 2027-01-01\n"
            ),
            ["5:1: `owner` must be a string, found table"]
        );
    }

    #[test]
    fn empty_file_has_no_waivers() {
        assert!(ok("").entries.is_empty());
        assert!(ok("# nothing waived yet\n").entries.is_empty());
    }

    #[test]
    fn not_toml_is_one_positioned_problem() {
        assert_eq!(
            problems("[[waiver]]\ncheck = AZ-KV-003\n"),
            ["2:9: not valid TOML: string values must be quoted, expected literal string"]
        );
        assert_eq!(
            problems("[[waiver]]\ncheck = \"AZ-KV-003\"\ncheck = \"AZ-KV-001\"\n"),
            ["3:1: not valid TOML: duplicate key"]
        );
        // A calendar-impossible TOML date is rejected by the TOML parser itself.
        assert_eq!(
            problems("[[waiver]]\nexpires = 2027-02-30\n"),
            ["2:11: not valid TOML: invalid date, expected day between 01 and 28"]
        );
        // The first error in the file, not the first of toml_edit's structural pass.
        assert_eq!(
            problems("[[waiver]]\ncheck = AZ-KV-003\nresource = [\n"),
            ["2:9: not valid TOML: string values must be quoted, expected literal string"]
        );
    }

    #[test]
    fn load_reports_io_and_invalid_files() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.toml");
        let err = load(&missing, &known()).unwrap_err();
        assert!(
            matches!(&err, WaiverError::Io { path, .. } if path == &missing),
            "{err}"
        );
        assert!(
            err.to_string().starts_with("cannot read waivers file "),
            "{err}"
        );

        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "[[waiver]]\ncheck = \"nope\"\n").unwrap();
        let err = load(&bad, &known()).unwrap_err();
        let WaiverError::Invalid(d) = &err else {
            panic!("{err}")
        };
        assert_eq!(d.0.len(), 5, "{d}");
        assert_eq!(
            err.to_string().lines().last().unwrap(),
            format!("{}:2:9: unknown check id `nope`", bad.display())
        );

        let good = dir.path().join("good.toml");
        std::fs::write(&good, VALID).unwrap();
        let w = load(&good, &known()).unwrap();
        assert_eq!((w.entries.len(), w.file), (4, good));
    }

    /// `examples/waivers.toml` is valid against the catalogue and does what
    /// its comments say on the demo estate.
    #[tokio::test]
    async fn example_file_on_the_demo_estate() {
        use crate::azure::scan::{self, Input, ScanOptions};
        use crate::profile::Baseline;

        let ids: Vec<String> = crate::checks::REGISTRY
            .iter()
            .map(|c| c.id.to_string())
            .collect();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/waivers.toml");
        let w = load(&path, &ids).unwrap_or_else(|e| panic!("{e}"));
        let outcome = scan::run(&ScanOptions::new(Input::Demo))
            .await
            .expect("the demo scans");
        let mut eval = crate::engine::evaluate(&outcome.inventory, &Baseline::default());
        let report = apply(&w, &mut eval.results, date!(2026 - 11 - 23));
        let summary = |v: &[AppliedWaiver]| {
            v.iter()
                .map(|a| (a.line, a.check.clone(), a.results))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            summary(&report.applied),
            [(10, "AZ-KV-003".into(), 1), (19, "AZ-ST-001".into(), 4)]
        );
        assert_eq!(
            report.unused.iter().map(|u| u.line).collect::<Vec<_>>(),
            [28]
        );
        assert_eq!(
            report
                .expired
                .iter()
                .map(|e| (e.line, e.would_cover))
                .collect::<Vec<_>>(),
            [(37, 2)]
        );
        let waived: Vec<&ResultRow> = eval
            .results
            .iter()
            .filter(|r| r.status == Status::Waived)
            .collect();
        assert_eq!(waived.len(), 5);
        assert!(waived[0].resource_id.ends_with("/vaults/kv-nw-prod-legacy"));
        // Waived results leave the score but count in coverage.
        let all: Vec<&ResultRow> = eval.results.iter().collect();
        let scored = crate::engine::score(&all);
        assert_eq!(scored.counts.waived, 5);
        assert_eq!(scored.coverage, Some(100.0));
    }
}
