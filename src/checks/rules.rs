//! Property rules: an organisation's own checks, written in a baseline
//! profile without code. A rule names a resource type, a CEL condition over
//! the normalized resource, a severity, a title and remediation text
//! (docs/baseline-profiles.md).

use crate::checks::{Finding, Severity, Status};
use crate::inventory::{same_id, GenericResource, Inventory, Listing, Read, Subscription};
use crate::util::diagnostics::Collector;
use crate::util::text::intern;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt;
use std::sync::Arc;
use toml_edit::{Item, Table};

/// A compiled property rule.
#[derive(Serialize)]
pub struct PropertyRule {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub resource_type: String,
    pub condition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    pub remediation: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub rationale: String,
    #[serde(skip)]
    program: Arc<cel::Program>,
    #[serde(skip)]
    when_program: Option<Arc<cel::Program>>,
}

impl fmt::Debug for PropertyRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PropertyRule")
            .field("id", &self.id)
            .field("condition", &self.condition)
            .finish()
    }
}

fn is_rule_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        && parts[0].starts_with(|c: char| c.is_ascii_uppercase())
        && !id.starts_with("AZ-")
}

/// Deepest bracket nesting a condition may have.
const MAX_NESTING: usize = 64;
/// Most operator characters (`.`, `&&`, `!`, `+`, …) a condition may have:
/// each may add a level to the parsed expression, and the parser and the
/// interpreter recurse once per level, so a long chain (`a.a.a…`, `!!!…`)
/// would overflow the stack. Real conditions use a few dozen.
const MAX_OPERATORS: usize = 1000;

/// Why `src` is too deep to compile safely, found by a scan that does not
/// recurse (string literals skipped).
fn too_deep(src: &str) -> Option<String> {
    let (mut depth, mut max_depth, mut ops) = (0usize, 0usize, 0usize);
    let mut chars = src.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\'' | '"' => {
                // A string literal: to its closing quote, escapes skipped.
                while let Some(c) = chars.next() {
                    if c == '\\' {
                        chars.next();
                    } else if c == ch {
                        break;
                    }
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                ops += 1;
                max_depth = max_depth.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '.' | '!' | '-' | '+' | '*' | '/' | '%' | '<' | '>' | '=' | '&' | '|' | '?' | ':' => {
                ops += 1
            }
            _ => {}
        }
    }
    if max_depth > MAX_NESTING {
        Some(format!(
            "{max_depth} levels of brackets (at most {MAX_NESTING})"
        ))
    } else if ops > MAX_OPERATORS {
        Some(format!(
            "{ops} operators and member accesses (at most {MAX_OPERATORS})"
        ))
    } else {
        None
    }
}

/// The variables that CEL's comprehension macros bind (`x` in
/// `list.all(x, …)`, `exists`, `exists_one`, `map`, `filter`): names of the
/// condition, not unknown variables.
fn macro_variables(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for m in ["all", "exists", "exists_one", "map", "filter"] {
        let pat = format!(".{m}(");
        let mut rest = src;
        while let Some(i) = rest.find(&pat) {
            rest = &rest[i + pat.len()..];
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty()
                && rest.trim_start()[name.len()..]
                    .trim_start()
                    .starts_with(',')
            {
                out.push(name);
            }
        }
    }
    out
}

fn compile(c: &mut Collector, t: &Table, key: &str, src: &str) -> Option<cel::Program> {
    let span = t.get(key).and_then(|i| i.span());
    if let Some(why) = too_deep(src) {
        c.at(span, format!("`{key}` is nested too deep: {why}"));
        return None;
    }
    match cel::Program::compile(src) {
        Ok(p) => {
            let refs = p.references();
            let bound = macro_variables(src);
            let unknown: Vec<&str> = refs
                .variables()
                .into_iter()
                .filter(|v| *v != "resource" && !bound.iter().any(|b| b == v))
                .collect();
            if !unknown.is_empty() {
                c.at(
                    span,
                    format!(
                        "`{key}` uses unknown variable(s) {} (only `resource` is defined)",
                        unknown.join(", ")
                    ),
                );
                return None;
            }
            Some(p)
        }
        Err(e) => {
            let first = e
                .errors
                .first()
                .map(|e| e.msg.clone())
                .unwrap_or_else(|| e.to_string());
            c.at(
                span,
                format!(
                    "`{key}` does not compile as CEL: {}",
                    first.lines().next().unwrap_or("")
                ),
            );
            None
        }
    }
}

/// Reads one `[[rules]]` table; `None` (with diagnostics) when it is invalid.
pub fn parse_rule(c: &mut Collector, t: &Table, earlier_ids: &[String]) -> Option<PropertyRule> {
    const KEYS: &[&str] = &[
        "id",
        "title",
        "resource_type",
        "condition",
        "when",
        "severity",
        "remediation",
        "rationale",
    ];
    let mut ok = true;
    for (k, _) in t.iter() {
        if !KEYS.contains(&k) {
            c.at(
                t.key(k).and_then(|k| k.span()),
                format!("unknown key `{k}` in a rule (expected {})", KEYS.join(", ")),
            );
            ok = false;
        }
    }
    let header = t.span();
    let mut string = |c: &mut Collector, key: &str, required: bool| -> Option<String> {
        match t.get(key) {
            None if required => {
                c.at(header.clone(), format!("a rule needs `{key}`"));
                ok = false;
                None
            }
            None => None,
            Some(Item::Value(v)) if v.as_str().is_some_and(|s| !s.trim().is_empty()) => {
                v.as_str().map(str::to_string)
            }
            Some(item) => {
                c.at(
                    item.span(),
                    format!("rule `{key}` must be a non-empty string"),
                );
                ok = false;
                None
            }
        }
    };
    let id = string(c, "id", true);
    let title = string(c, "title", true);
    let resource_type = string(c, "resource_type", true);
    let condition = string(c, "condition", true);
    let when = string(c, "when", false);
    let severity = string(c, "severity", true);
    let remediation = string(c, "remediation", true);
    let rationale = string(c, "rationale", false).unwrap_or_default();

    if let Some(id) = &id {
        let span = t.get("id").and_then(|i| i.span());
        if !is_rule_id(id) {
            c.at(span, format!("rule id `{id}` must be upper-case words joined by '-', such as ORG-LAW-001, and must not start with AZ- (reserved for built-in checks)"));
            ok = false;
        } else if earlier_ids.iter().any(|e| e == id) {
            c.at(span, format!("rule id `{id}` is used twice"));
            ok = false;
        }
    }
    if let Some(rt) = &resource_type {
        let parts: Vec<&str> = rt.split('/').collect();
        if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) || !parts[0].contains('.') {
            c.at(t.get("resource_type").and_then(|i| i.span()), format!("`resource_type` {rt:?} is not a resource type such as Microsoft.OperationalInsights/workspaces"));
            ok = false;
        }
    }
    let sev = severity.as_deref().and_then(|s| {
        let parsed = Severity::parse(s);
        if parsed.is_none() {
            c.at(
                t.get("severity").and_then(|i| i.span()),
                format!("rule `severity` must be one of critical, high, medium, low, found {s:?}"),
            );
        }
        parsed
    });
    let program = condition
        .as_deref()
        .and_then(|src| compile(c, t, "condition", src));
    let when_program = match when.as_deref() {
        Some(src) => Some(compile(c, t, "when", src)?),
        None => None,
    };
    if !ok {
        return None;
    }
    Some(PropertyRule {
        id: intern(&id?),
        title: intern(&title?),
        severity: sev?,
        resource_type: resource_type?,
        condition: condition?,
        when,
        remediation: remediation?,
        rationale,
        program: Arc::new(program?),
        when_program: when_program.map(Arc::new),
    })
}

/// The `properties` of a typed resource, from its own list read.
fn typed_properties(sub: &Subscription, r: &GenericResource) -> Option<Result<Value, String>> {
    fn find<T: Serialize>(
        read: &Read<Listing<T>>,
        id: &str,
        id_of: impl Fn(&T) -> &str,
        what: &str,
    ) -> Result<Value, String> {
        match read {
            Err(e) => Err(format!("could not read the {what} list: {e}")),
            Ok(l) => {
                if let Some(m) = l.malformed_with_id(id) {
                    return Err(format!("the {what} item could not be parsed: {}", m.error));
                }
                match l.items.iter().find(|i| same_id(id_of(i), id)) {
                    Some(item) => Ok(serde_json::to_value(item)
                        .ok()
                        .and_then(|v| v.get("properties").cloned())
                        .unwrap_or(Value::Null)),
                    None => Err(format!("not found in the {what} list")),
                }
            }
        }
    }
    let t = r.resource_type();
    let is = |x: &str| t.eq_ignore_ascii_case(x);
    let id = r.id.as_str();
    Some(if is("Microsoft.KeyVault/vaults") {
        find(&sub.vaults, id, |v| &v.id, "key vaults")
    } else if is("Microsoft.Storage/storageAccounts") {
        find(&sub.storage_accounts, id, |v| &v.id, "storage accounts")
    } else if is("Microsoft.OperationalInsights/workspaces") {
        find(&sub.workspaces, id, |v| &v.id, "Log Analytics workspaces")
    } else if is("Microsoft.Network/virtualNetworks") {
        find(&sub.virtual_networks, id, |v| &v.id, "virtual networks")
    } else if is("Microsoft.Network/networkSecurityGroups") {
        find(
            &sub.network_security_groups,
            id,
            |v| &v.id,
            "network security groups",
        )
        .map(|_| json!({}))
    } else if is("Microsoft.Network/networkWatchers") {
        find(&sub.network_watchers, id, |v| &v.id, "network watchers").map(|_| json!({}))
    } else if is("Microsoft.Insights/activityLogAlerts") {
        find(
            &sub.activity_log_alerts,
            id,
            |v| &v.id,
            "activity log alerts",
        )
    } else if is("Microsoft.Insights/actionGroups") {
        find(&sub.action_groups, id, |v| &v.id, "action groups")
    } else if is("Microsoft.Insights/scheduledQueryRules") {
        find(
            &sub.scheduled_query_rules,
            id,
            |v| &v.id,
            "scheduled query rules",
        )
    } else {
        return None;
    })
}

/// The normalized resource a rule sees as `resource`.
pub fn resource_view(sub: &Subscription, r: &GenericResource) -> Result<Value, String> {
    let properties = match typed_properties(sub, r) {
        Some(p) => p?,
        None => json!({}),
    };
    let rg =
        r.id.split('/')
            .skip_while(|s| !s.eq_ignore_ascii_case("resourceGroups"))
            .nth(1)
            .unwrap_or("");
    Ok(json!({
        "id": r.id,
        "name": r.name.clone().unwrap_or_default(),
        "type": r.resource_type(),
        "kind": r.kind.clone().unwrap_or_default(),
        "location": r.location.clone().unwrap_or_default(),
        "resource_group": rg,
        "subscription_id": sub.id,
        "tags": r.tags.clone().unwrap_or_default(),
        "properties": if properties.is_null() { json!({}) } else { properties },
    }))
}

fn run(p: &cel::Program, resource: &Value) -> Result<bool, String> {
    let mut ctx = cel::Context::default();
    ctx.add_variable("resource", resource.clone())
        .map_err(|e| e.to_string())?;
    match p.execute(&ctx) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("the expression gave {other:?}, not a boolean")),
        Err(e) => Err(e.to_string()),
    }
}

/// A condition shortened for a one-line reason.
fn short(cond: &str) -> String {
    let one_line = cond.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::util::text::truncate(&one_line, 100)
}

impl PropertyRule {
    /// What was found: the resource's tags when the rule reads tags.
    fn found(&self, view: &Value) -> String {
        let reads_tags = self.condition.contains("resource.tags")
            || self
                .when
                .as_deref()
                .is_some_and(|w| w.contains("resource.tags"));
        if !reads_tags {
            return String::new();
        }
        let tags: Vec<String> = view["tags"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string())
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        if tags.is_empty() {
            "; it has no tags".into()
        } else {
            format!("; tags: {}", tags.join(", "))
        }
    }

    /// One result per resource of the rule's type in each assessed subscription.
    pub fn evaluate(&self, inv: &Inventory) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut push = |status: Status, id: &str, sub: &Subscription, reason: String| {
            out.push(Finding {
                check_id: self.id,
                resource_id: id.into(),
                item: None,
                subscription_id: Some(sub.id.clone()),
                status,
                reason,
            });
        };
        for sub in inv.scanned() {
            let resources = match &sub.resources {
                Ok(l) => l,
                Err(e) => {
                    push(
                        Status::Error,
                        &sub.resource_id(),
                        sub,
                        format!("could not read the resources list: {e}"),
                    );
                    continue;
                }
            };
            for m in &resources.malformed {
                let id = m.id.clone().unwrap_or_else(|| sub.resource_id());
                push(
                    Status::Error,
                    &id,
                    sub,
                    format!(
                        "item {} of the resources list could not be read: {}",
                        m.position, m.error
                    ),
                );
            }
            for r in resources
                .items
                .iter()
                .filter(|r| r.resource_type().eq_ignore_ascii_case(&self.resource_type))
            {
                let name = r.name.as_deref().unwrap_or(&r.id);
                let view = match resource_view(sub, r) {
                    Ok(v) => v,
                    Err(e) => {
                        push(Status::Error, &r.id, sub, format!("'{name}': {e}"));
                        continue;
                    }
                };
                if let Some(w) = &self.when_program {
                    match run(w, &view) {
                        Ok(true) => {}
                        Ok(false) => {
                            let when = self.when.as_deref().unwrap_or("");
                            push(
                                Status::NotApplicable,
                                &r.id,
                                sub,
                                format!("'{name}' is outside the rule's scope (`{when}` is false)"),
                            );
                            continue;
                        }
                        Err(e) => {
                            push(Status::Fail, &r.id, sub, format!("'{name}': `when` could not be evaluated ({e}), so the rule is not shown to hold"));
                            continue;
                        }
                    }
                }
                let cond = short(&self.condition);
                let found = self.found(&view);
                let (status, reason) = match run(&self.program, &view) {
                    Ok(true) => (Status::Pass, format!("'{name}' satisfies `{cond}`{found}")),
                    Ok(false) => (
                        Status::Fail,
                        format!("'{name}' does not satisfy `{cond}`{found}"),
                    ),
                    Err(e) => (
                        Status::Fail,
                        format!("'{name}' does not satisfy `{cond}` ({e}){found}"),
                    ),
                };
                push(status, &r.id, sub, reason);
            }
        }
        out
    }
}
