//! AZ-LAW-002: security tables are kept long enough in total.

use super::*;
use crate::inventory::{last_segment, Table};

pub static CHECK: Check = Check {
    id: "AZ-LAW-002",
    title: "Security tables keep data for the minimum total retention",
    family: Family::Law,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "Every table of `security_tables` present in the workspace keeps data at least \
`law_min_total_retention_days` in total; one result per workspace, naming the short tables. A table's total is its \
`totalRetentionInDays`; when that is absent or -1, its `retentionInDays`; when that is absent or -1, the workspace's \
`retentionInDays` (absent = 30). A workspace holding none of the tables is not applicable.",
    rationale: "Sign-ins, directory changes, the Activity Log and key vault audit events are what a responder reconstructs \
an intrusion from, and intrusions are often found many months after they began. Total retention (interactive plus \
long-term) keeps these tables searchable at low cost for a year or more, so the first sign-in of a compromised account or \
the first secret read can still be found when the investigation starts.",
    reads: "10, 11",
    parameters: &[Param::LawMinTotalRetentionDays, Param::SecurityTables],
    references: &[mcsb("LT-6")],
    remediation: Remediation {
        portal: &[
            "Open the Log Analytics workspace > Settings > Tables.",
            "For each table named in the finding, select '...' > Manage table and set 'Total retention period' to at least {law_min_total_retention_days} days (the baseline minimum in force), then Save.",
            "Alternatively raise the workspace's default retention, which tables without their own setting inherit.",
        ],
        cli: "az monitor log-analytics workspace table update --workspace-name {name} --resource-group {resource_group} --subscription {subscription} --name SigninLogs --total-retention-time {law_min_total_retention_days}",
        bicep: r#"resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: workspaceName
}
resource signinLogs 'Microsoft.OperationalInsights/workspaces/tables@2025-02-01' = {
  parent: workspace
  name: 'SigninLogs'
  properties: {
    totalRetentionInDays: {law_min_total_retention_days}
  }
}"#,
    },
    evaluate,
};

fn table_name(t: &Table) -> Option<&str> {
    t.name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| t.id.as_deref().map(last_segment))
}

/// Where a table's total came from, for reasons.
fn source(t: &Table) -> &'static str {
    let p = t.properties.clone().unwrap_or_default();
    let set = |v: Option<i64>| v.is_some_and(|d| d != -1);
    if set(p.total_retention_in_days) {
        ""
    } else if set(p.retention_in_days) {
        " (from its retentionInDays)"
    } else {
        " (workspace default)"
    }
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    let min = ctx.params.law_min_total_retention_days;
    let wanted = &ctx.params.security_tables;
    let is_security = |name: &str| wanted.iter().any(|w| w.eq_ignore_ascii_case(name));
    // The fallback needs the workspace's own retentionInDays.
    out.each_item(
        ctx.inv,
        "Log Analytics workspaces",
        "Log Analytics workspace",
        |s| &s.workspaces,
        |out, sub, ws| {
            let name = ws.display_name();
            let tables = match crate::inventory::lookup(&ctx.inv.reads.tables, &ws.id, "tables") {
                Ok(t) => t,
                Err(e) => {
                    out.read_error(
                        &ws.id,
                        Some(&sub.id),
                        &format!("the tables of workspace '{name}'"),
                        &e,
                    );
                    return;
                }
            };
            let ws_days = ws.retention_days();
            let mut ok = Vec::new();
            let mut short = Vec::new();
            for w in wanted {
                let Some(t) = tables
                    .items
                    .iter()
                    .find(|t| table_name(t).is_some_and(|n| n.eq_ignore_ascii_case(w)))
                else {
                    continue;
                };
                let total = t.total_retention(ws_days);
                let label = format!("{} {total} days{}", table_name(t).unwrap_or(w), source(t));
                if total >= min {
                    ok.push(label);
                } else {
                    short.push(label);
                }
            }
            // Malformed tables that may be security tables (by the name in
            // their id, or with no id at all).
            let unreadable: Vec<String> = tables
                .malformed
                .iter()
                .filter_map(|m| match m.id.as_deref() {
                    Some(id) if is_security(last_segment(id)) => Some(last_segment(id).to_string()),
                    Some(_) => None,
                    None => Some(format!("item {}", m.position)),
                })
                .collect();
            if !short.is_empty() {
                out.fail(
                    &ws.id,
                    Some(&sub.id),
                    format!(
                        "workspace '{name}': {} security table{} keep{} less than {min} days in total: {}{}",
                        short.len(),
                        if short.len() == 1 { "" } else { "s" },
                        if short.len() == 1 { "s" } else { "" },
                        support::join(&short),
                        if unreadable.is_empty() {
                            String::new()
                        } else {
                            format!("; table(s) {} could not be parsed", support::join(&unreadable))
                        }
                    ),
                );
            } else if !unreadable.is_empty() {
                out.error(
                    &ws.id,
                    Some(&sub.id),
                    format!(
                        "workspace '{name}': table(s) {} could not be parsed{}",
                        support::join(&unreadable),
                        if ok.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "; the others keep at least {min} days: {}",
                                support::join(&ok)
                            )
                        }
                    ),
                );
            } else if ok.is_empty() {
                out.not_applicable(
                    &ws.id,
                    Some(&sub.id),
                    format!(
                        "workspace '{name}' holds none of the {} security tables ({} table(s) read)",
                        wanted.len(),
                        tables.items.len()
                    ),
                );
            } else {
                out.pass(
                    &ws.id,
                    Some(&sub.id),
                    format!(
                        "workspace '{name}': every security table present keeps at least {min} days in total: {}",
                        support::join(&ok)
                    ),
                );
            }
        },
    );
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::checks::Params;
    use crate::inventory::{norm_id, Inventory};
    use serde_json::json;

    fn table(
        ws: &str,
        name: &str,
        retention: Option<i64>,
        total: Option<i64>,
    ) -> serde_json::Value {
        json!({
            "id": format!("{ws}/tables/{name}"),
            "name": name,
            "properties": {"retentionInDays": retention, "totalRetentionInDays": total, "plan": "Analytics"}
        })
    }

    fn workspace(inv: &mut Inventory, name: &str, retention: Option<i64>) -> String {
        let id = rid("rg", "Microsoft.OperationalInsights/workspaces", name);
        let body = json!({"id": id, "name": name, "properties": {"retentionInDays": retention}});
        match &mut sub(inv).workspaces {
            Ok(l) => l.items.push(parse(body)),
            Err(_) => unreachable!("fixture"),
        }
        id
    }

    fn set_tables(inv: &mut Inventory, ws: &str, tables: Vec<serde_json::Value>) {
        inv.reads.tables.insert(norm_id(ws), Ok(listing(tables)));
    }

    #[test]
    fn totals_with_fallbacks_and_short_tables_named() {
        let mut inv = inv();
        let ws = workspace(&mut inv, "law-a", Some(400));
        set_tables(
            &mut inv,
            &ws,
            vec![
                table(&ws, "SigninLogs", Some(90), Some(730)),
                // total -1: its retentionInDays (100)
                table(&ws, "AuditLogs", Some(100), Some(-1)),
                // both absent / -1: the workspace's 400
                table(&ws, "azureactivity", Some(-1), None),
                // not a security table: ignored even if short
                table(&ws, "Heartbeat", Some(30), Some(30)),
            ],
        );
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &ws,
            Status::Fail,
            "workspace 'law-a': 1 security table keeps less than 365 days in total: AuditLogs 100 days (from its retentionInDays)",
        );
        let r = &result(&f, &ws, None).reason;
        assert!(!r.contains("Heartbeat") && !r.contains("SigninLogs"), "{r}");

        set_tables(
            &mut inv,
            &ws,
            vec![
                table(&ws, "SigninLogs", Some(90), Some(730)),
                table(&ws, "azureactivity", Some(-1), None),
                table(&ws, "Heartbeat", Some(30), Some(30)),
            ],
        );
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &ws,
            Status::Pass,
            "every security table present keeps at least 365 days in total: SigninLogs 730 days and azureactivity 400 days (workspace default)",
        );
    }

    #[test]
    fn workspace_default_of_30_days_when_unset() {
        let mut inv = inv();
        let ws = workspace(&mut inv, "law-default", None);
        set_tables(&mut inv, &ws, vec![table(&ws, "SecurityEvent", None, None)]);
        assert_result(
            &run(&CHECK, &inv),
            &ws,
            Status::Fail,
            "SecurityEvent 30 days (workspace default)",
        );
        let params = Params {
            law_min_total_retention_days: 30,
            ..Params::defaults()
        };
        assert_result(
            &run_with(&CHECK, &inv, &params),
            &ws,
            Status::Pass,
            "SecurityEvent 30 days",
        );
    }

    #[test]
    fn no_security_table_is_not_applicable() {
        let mut inv = inv();
        let ws = workspace(&mut inv, "law-none", Some(30));
        set_tables(
            &mut inv,
            &ws,
            vec![table(&ws, "Heartbeat", Some(30), Some(30))],
        );
        let empty = workspace(&mut inv, "law-empty", Some(30));
        set_tables(&mut inv, &empty, vec![]);
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &ws,
            Status::NotApplicable,
            "holds none of the 10 security tables (1 table(s) read)",
        );
        assert_result(
            &f,
            &empty,
            Status::NotApplicable,
            "holds none of the 10 security tables",
        );

        // The parameter decides which tables count.
        let params = Params {
            security_tables: vec!["heartbeat".into()],
            ..Params::defaults()
        };
        assert_result(
            &run_with(&CHECK, &inv, &params),
            &ws,
            Status::Fail,
            "Heartbeat 30 days",
        );
    }

    #[test]
    fn failed_unread_and_malformed_tables() {
        let mut inv = inv();
        let denied = workspace(&mut inv, "law-denied", Some(90));
        inv.reads.tables.insert(
            norm_id(&denied),
            Err(forbidden(&format!("{denied}/tables"))),
        );
        let unread = workspace(&mut inv, "law-unread", Some(90));
        // A malformed security table makes a would-be pass an error ...
        let bad_sec = workspace(&mut inv, "law-badsec", Some(90));
        set_tables(
            &mut inv,
            &bad_sec,
            vec![
                table(&bad_sec, "AuditLogs", Some(90), Some(730)),
                json!({"id": format!("{bad_sec}/tables/SigninLogs"), "properties": {"totalRetentionInDays": "long"}}),
            ],
        );
        // ... and a would-be not_applicable too; a malformed other table does not.
        let bad_other = workspace(&mut inv, "law-badother", Some(90));
        set_tables(
            &mut inv,
            &bad_other,
            vec![
                table(&bad_other, "AuditLogs", Some(90), Some(730)),
                json!({"id": format!("{bad_other}/tables/Heartbeat"), "properties": {"totalRetentionInDays": "long"}}),
            ],
        );
        let no_id = workspace(&mut inv, "law-noid", Some(90));
        set_tables(&mut inv, &no_id, vec![json!({"properties": "x"})]);
        // ... but a short table found stands as a fail.
        let short = workspace(&mut inv, "law-short", Some(90));
        set_tables(
            &mut inv,
            &short,
            vec![
                table(&short, "AuditLogs", Some(90), Some(90)),
                json!({"properties": "x"}),
            ],
        );
        let f = run(&CHECK, &inv);
        assert_result(
            &f,
            &denied,
            Status::Error,
            "could not read the tables of workspace 'law-denied'",
        );
        assert_result(&f, &unread, Status::Error, "was not read");
        assert_result(
            &f,
            &bad_sec,
            Status::Error,
            "table(s) SigninLogs could not be parsed; the others keep at least 365 days: AuditLogs 730 days",
        );
        assert_result(&f, &bad_other, Status::Pass, "AuditLogs 730 days");
        assert_result(
            &f,
            &no_id,
            Status::Error,
            "table(s) item 0 could not be parsed",
        );
        assert_result(&f, &short, Status::Fail, "AuditLogs 90 days");
    }

    #[test]
    fn malformed_workspace_and_failed_list_are_errors() {
        let mut inv = with_second(inv());
        let bad = rid("rg", "Microsoft.OperationalInsights/workspaces", "law-bad");
        sub(&mut inv).workspaces = Ok(listing(vec![
            json!({"id": bad, "properties": {"retentionInDays": "30"}}),
        ]));
        set_tables(
            &mut inv,
            &bad,
            vec![table(&bad, "SigninLogs", None, Some(730))],
        );
        sub_n(&mut inv, 1).workspaces = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.OperationalInsights/workspaces",
        ));
        let f = run(&CHECK, &inv);
        assert_result(&f, &bad, Status::Error, "could not be parsed");
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the Log Analytics workspaces list",
        );
        assert_eq!(f.len(), 2);
    }
}
