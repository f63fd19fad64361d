//! Calls 28–30: the Log Analytics query API of each SOC workspace, through
//! Resource Manager (the same token and origin as every other read), with
//! the fixed query texts Q1–Q3 of `specs/recording.md` so that a recording
//! made by any version replays under any other.
//!
//! Answers are `{"tables": [{"name", "columns": [{"name", "type"}], "rows"}]}`;
//! columns are read by name, never by position. An answer that carries an
//! `error` beside its tables (a partial result: a query that timed out or hit
//! a limit part way) is a failed read: rows that may be missing can prove no
//! silence and no delivery.

use crate::azure::api::{self, id_path};
use crate::azure::http::ArmClient;
use crate::inventory::*;
use futures::StreamExt;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

/// What the queries ask: the security tables and the window, from the
/// parameters in force (`security_tables`, `flow_lookback_days`; the profile
/// makes it, and its `Default` is the default baseline's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowQueries {
    pub tables: Vec<String>,
    pub lookback_days: i64,
}

impl FlowQueries {
    fn union(&self) -> String {
        format!(
            "union isfuzzy=true withsource=SourceTable {}",
            self.tables.join(", ")
        )
    }

    /// Q1: rows per table and hour over the window.
    pub fn q1(&self) -> String {
        format!(
            "{} | where TimeGenerated > ago({}d) | summarize Rows=count() by SourceTable, Hour=bin(TimeGenerated, 1h)",
            self.union(),
            self.lookback_days
        )
    }

    /// Q2: the 95th percentile of ingestion delay per table over the last day.
    pub fn q2(&self) -> String {
        format!(
            "{} | where TimeGenerated > ago(1d) | summarize DelaySeconds=percentile(datetime_diff('second', ingestion_time(), TimeGenerated), 95) by SourceTable",
            self.union()
        )
    }

    /// Q3: the last row of each source per table over the window.
    pub fn q3(&self) -> String {
        format!(
            "{} | where TimeGenerated > ago({}d) | extend Source=tolower(iff(SourceTable == 'AzureActivity', strcat('/subscriptions/', SubscriptionId), _ResourceId)) | summarize LastRow=max(TimeGenerated) by SourceTable, Source",
            self.union(),
            self.lookback_days
        )
    }
}

/// Everything but the unreserved characters is escaped in a query value.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `{workspace}/query?api-version=…&query=…`.
pub fn query_url(workspace_id: &str, query: &str) -> String {
    format!(
        "{}&query={}",
        api::WORKSPACE_QUERY.url(&id_path(workspace_id), "/query"),
        utf8_percent_encode(query, QUERY_VALUE)
    )
}

/// Queries in flight at once, over all workspaces: the query API allows a
/// user five concurrent queries (more queue on its side, then time out).
const CONCURRENT_QUERIES: usize = 5;

/// Rows an answer may hold. Q1 holds at most one row per table and hour
/// (10 tables × 14 days × 24 hours = 3,360 by default), Q3 one per table and
/// source; anything far beyond is not an answer to these queries.
pub const MAX_ANSWER_ROWS: usize = 500_000;

/// Calls 28–30 for every SOC workspace, once every subscription and data
/// collection rule is read (a setting or rule anywhere can make a workspace
/// a SOC workspace).
pub async fn read_workspace_queries(client: &ArmClient, inv: &mut Inventory, q: &FlowQueries) {
    let workspaces = inv.soc_workspaces();
    client
        .progress()
        .expect_requests(3 * workspaces.len() as u64);
    let (q1, q2, q3) = (q.q1(), q.q2(), q.q3());
    let answers: Vec<(String, WorkspaceQueries)> =
        futures::stream::iter(workspaces.into_iter().map(|ws| {
            let (q1, q2, q3) = (&q1, &q2, &q3);
            async move {
                // One query of a workspace at a time: the five slots are shared
                // among workspaces.
                let hourly = query(client, &ws, q1, hourly_rows).await;
                let delays = query(client, &ws, q2, table_delays).await;
                let sources = query(client, &ws, q3, source_rows).await;
                (
                    norm_id(&ws),
                    WorkspaceQueries {
                        hourly,
                        delays,
                        sources,
                    },
                )
            }
        }))
        .buffered(CONCURRENT_QUERIES)
        .collect()
        .await;
    inv.reads.workspace_queries.extend(answers);
}

async fn query<T>(
    client: &ArmClient,
    workspace: &str,
    text: &str,
    parse: fn(&Answer) -> Result<Vec<T>, String>,
) -> Read<Vec<T>> {
    let url = query_url(workspace, text);
    let body = client.get(&url).await?;
    Answer::of(&body)
        .and_then(|a| parse(&a))
        .map_err(|message| ReadError {
            request: format!("GET {url}"),
            status: Some(200),
            code: "MalformedBody".into(),
            message,
        })
}

/// The primary table of a query answer.
pub struct Answer<'a> {
    columns: Vec<&'a str>,
    rows: &'a [Value],
}

impl<'a> Answer<'a> {
    pub fn of(body: &'a Value) -> Result<Answer<'a>, String> {
        if let Some(e) = body.get("error").filter(|e| !e.is_null()) {
            let code = e.get("code").and_then(Value::as_str).unwrap_or("error");
            let msg = e.get("message").and_then(Value::as_str).unwrap_or("");
            return Err(format!(
                "the query answer is partial or failed ({code}: {msg})"
            ));
        }
        let tables = body
            .get("tables")
            .and_then(Value::as_array)
            .ok_or("the query answer has no `tables` array")?;
        let table = tables
            .iter()
            .find(|t| t.get("name").and_then(Value::as_str) == Some("PrimaryResult"))
            .or_else(|| tables.first())
            .ok_or("the query answer has no table")?;
        let columns = table
            .get("columns")
            .and_then(Value::as_array)
            .ok_or("the query answer's table has no `columns`")?
            .iter()
            .map(|c| c.get("name").and_then(Value::as_str).unwrap_or(""))
            .collect();
        let rows = table
            .get("rows")
            .and_then(Value::as_array)
            .ok_or("the query answer's table has no `rows`")?;
        if rows.len() > MAX_ANSWER_ROWS {
            return Err(format!(
                "the query answer has {} rows, more than the {MAX_ANSWER_ROWS} azward reads",
                rows.len()
            ));
        }
        Ok(Answer { columns, rows })
    }

    /// The position of column `name` (case-sensitive, as Log Analytics names it).
    fn column(&self, name: &str) -> Result<usize, String> {
        self.columns
            .iter()
            .position(|c| *c == name)
            .ok_or_else(|| format!("the query answer has no column `{name}`"))
    }

    /// Each row's cells at `cols`, in answer order.
    fn each<const N: usize>(&self, names: [&str; N]) -> Result<Vec<[&'a Value; N]>, String> {
        let mut idx = [0; N];
        for (i, n) in names.iter().enumerate() {
            idx[i] = self.column(n)?;
        }
        self.rows
            .iter()
            .enumerate()
            .map(|(r, row)| {
                let cells = row
                    .as_array()
                    .ok_or_else(|| format!("row {r} of the query answer is not an array"))?;
                let mut out = [&Value::Null; N];
                for (i, &c) in idx.iter().enumerate() {
                    out[i] = cells.get(c).ok_or_else(|| {
                        format!("row {r} of the query answer has no `{}` cell", names[i])
                    })?;
                }
                Ok(out)
            })
            .collect()
    }
}

fn text(v: &Value, what: &str) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        other => Err(format!("`{what}` is not a string: {other}")),
    }
}

fn instant(v: &Value, what: &str) -> Result<i64, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("`{what}` is not a datetime: {v}"))?;
    crate::util::text::parse_rfc3339(s).ok_or_else(|| format!("`{what}` is not a datetime: {s:?}"))
}

fn number(v: &Value, what: &str) -> Result<Option<f64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        // Log Analytics writes some long and real values as strings.
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| format!("`{what}` is not a number: {s:?}")),
        other => Err(format!("`{what}` is not a number: {other}")),
    }
}

fn hourly_rows(a: &Answer) -> Result<Vec<HourlyRows>, String> {
    a.each(["SourceTable", "Hour", "Rows"])?
        .into_iter()
        .map(|[t, h, r]| {
            let rows = number(r, "Rows")?.unwrap_or(0.0);
            if rows < 0.0 {
                return Err(format!("`Rows` is negative: {rows}"));
            }
            Ok(HourlyRows {
                table: text(t, "SourceTable")?,
                hour: instant(h, "Hour")?,
                rows: rows as u64,
            })
        })
        .collect()
}

fn table_delays(a: &Answer) -> Result<Vec<TableDelay>, String> {
    a.each(["SourceTable", "DelaySeconds"])?
        .into_iter()
        .map(|[t, d]| {
            Ok(TableDelay {
                table: text(t, "SourceTable")?,
                p95_seconds: number(d, "DelaySeconds")?,
            })
        })
        .collect()
}

fn source_rows(a: &Answer) -> Result<Vec<SourceRows>, String> {
    a.each(["SourceTable", "Source", "LastRow"])?
        .into_iter()
        .map(|[t, s, l]| {
            Ok(SourceRows {
                table: text(t, "SourceTable")?,
                source: text(s, "Source")?.to_lowercase(),
                last_row: instant(l, "LastRow")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_query_texts_are_the_specs() {
        let q = FlowQueries::default();
        let tables = "SigninLogs, AuditLogs, AADNonInteractiveUserSignInLogs, AADServicePrincipalSignInLogs, AzureActivity, AzureDiagnostics, AZKVAuditLogs, StorageBlobLogs, SecurityEvent, Syslog";
        assert_eq!(q.q1(), format!("union isfuzzy=true withsource=SourceTable {tables} | where TimeGenerated > ago(14d) | summarize Rows=count() by SourceTable, Hour=bin(TimeGenerated, 1h)"));
        assert_eq!(q.q2(), format!("union isfuzzy=true withsource=SourceTable {tables} | where TimeGenerated > ago(1d) | summarize DelaySeconds=percentile(datetime_diff('second', ingestion_time(), TimeGenerated), 95) by SourceTable"));
        assert_eq!(q.q3(), format!("union isfuzzy=true withsource=SourceTable {tables} | where TimeGenerated > ago(14d) | extend Source=tolower(iff(SourceTable == 'AzureActivity', strcat('/subscriptions/', SubscriptionId), _ResourceId)) | summarize LastRow=max(TimeGenerated) by SourceTable, Source"));
    }

    #[test]
    fn the_url_escapes_the_query_and_matches_its_text() {
        let ws = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w";
        let q = FlowQueries::default().q3();
        let url = query_url(ws, &q);
        assert!(
            url.starts_with(&format!(
                "{ws}/query?api-version=2017-10-01&query=union%20isfuzzy%3Dtrue"
            )),
            "{url}"
        );
        assert!(!url[url.find("&query=").unwrap() + 7..].contains(['&', ' ', '\'', '|', '#', '+']));
        let key = crate::azure::recording::MatchKey::of(&url, "https://management.azure.com");
        assert_eq!(key.query, vec![("query".to_string(), q)]);
    }

    #[test]
    fn columns_are_read_by_name_whatever_their_order() {
        let body = json!({"tables": [{"name": "PrimaryResult",
            "columns": [{"name": "Rows", "type": "long"}, {"name": "Extra", "type": "string"}, {"name": "Hour", "type": "datetime"}, {"name": "SourceTable", "type": "string"}],
            "rows": [[12, "x", "2026-11-20T08:00:00Z", "SigninLogs"], ["3", null, "2026-11-20T07:00:00.0000000Z", "AuditLogs"]]}]});
        let rows = hourly_rows(&Answer::of(&body).unwrap()).unwrap();
        assert_eq!(
            rows[0],
            HourlyRows {
                table: "SigninLogs".into(),
                hour: 1_795_161_600,
                rows: 12
            }
        );
        assert_eq!(rows[1].rows, 3);
        assert_eq!(rows[1].hour, 1_795_158_000);
    }

    /// The upstream query examples (tests/fixtures/arm-examples/operationalinsights):
    /// 21 columns with the ones read in the middle, `long` and `real`
    /// values written as strings, `null` strings.
    fn upstream(file: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/arm-examples/operationalinsights/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        serde_json::from_str::<Value>(&text).unwrap()["responses"]["200"]["body"].clone()
    }

    /// Renames an answer's columns, keeping its shape and values.
    fn renamed(mut body: Value, names: &[(&str, &str)]) -> Value {
        for c in body["tables"][0]["columns"].as_array_mut().unwrap() {
            if let Some((_, to)) = names.iter().find(|(from, _)| c["name"] == *from) {
                c["name"] = json!(to);
            }
        }
        body
    }

    #[test]
    fn upstream_answers_are_read_by_column_name_with_string_numbers() {
        let body = upstream("oms-get-example.json");
        // As Q1 would be, from the example's own columns and values.
        let q1 = renamed(
            body.clone(),
            &[
                ("DataType", "SourceTable"),
                ("StartTime", "Hour"),
                ("TotalBatches", "Rows"),
            ],
        );
        let rows = hourly_rows(&Answer::of(&q1).unwrap()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            HourlyRows {
                table: "Perf".into(),
                hour: 1_503_554_400,
                rows: 1
            }
        );
        // A real (`"1.286"`) and a null string column.
        let q2 = renamed(
            body.clone(),
            &[
                ("Computer", "SourceTable"),
                ("AvgLatencyInSeconds", "DelaySeconds"),
            ],
        );
        let d = table_delays(&Answer::of(&q2).unwrap()).unwrap();
        assert_eq!(d[1].table, "Store010Web3");
        assert_eq!(d[1].p95_seconds, Some(1.7));
        let q3 = renamed(
            body,
            &[
                ("DataType", "SourceTable"),
                ("LinkedResourceUri", "Source"),
                ("TimeGenerated", "LastRow"),
            ],
        );
        let s = source_rows(&Answer::of(&q3).unwrap()).unwrap();
        assert_eq!(s[0].source, "");
        assert_eq!(s[0].last_row, 1_503_557_999);
        // The resource-centric example: its `count_` is a string too.
        let rc = renamed(
            upstream("oms-get-resource-centric-example.json"),
            &[("OperationName", "SourceTable"), ("count_", "DelaySeconds")],
        );
        assert_eq!(
            table_delays(&Answer::of(&rc).unwrap()).unwrap()[0].p95_seconds,
            Some(10.0)
        );
        // Read as they are, the examples have none of the columns azward reads.
        let e = Answer::of(&upstream("oms-get-example.json"))
            .and_then(|a| hourly_rows(&a))
            .unwrap_err();
        assert_eq!(e, "the query answer has no column `SourceTable`");
    }

    #[test]
    fn partial_missing_or_mistyped_answers_are_errors() {
        let cols = json!([{"name": "SourceTable"}, {"name": "Hour"}, {"name": "Rows"}]);
        for (body, want) in [
            (
                json!({"tables": [{"name": "PrimaryResult", "columns": cols, "rows": []}], "error": {"code": "PartialError", "message": "query timed out"}}),
                "partial or failed (PartialError: query timed out)",
            ),
            (json!({"value": []}), "no `tables`"),
            (json!({"tables": []}), "no table"),
            (
                json!({"tables": [{"name": "PrimaryResult", "columns": [{"name": "SourceTable"}], "rows": []}]}),
                "no column `Hour`",
            ),
            (
                json!({"tables": [{"name": "PrimaryResult", "columns": cols, "rows": [["T", "yesterday", 1]]}]}),
                "`Hour` is not a datetime",
            ),
            (
                json!({"tables": [{"name": "PrimaryResult", "columns": cols, "rows": [["T", "2026-11-20T08:00:00Z"]]}]}),
                "no `Rows` cell",
            ),
            (
                json!({"tables": [{"name": "PrimaryResult", "columns": cols, "rows": [["T", "2026-11-20T08:00:00Z", -4]]}]}),
                "negative",
            ),
            (
                json!({"tables": [{"name": "PrimaryResult", "columns": cols, "rows": ["T"]}]}),
                "not an array",
            ),
        ] {
            let e = Answer::of(&body).and_then(|a| hourly_rows(&a)).unwrap_err();
            assert!(e.contains(want), "{e} / {want}");
        }
        // A null delay is no number (nothing measured), not an error.
        let body = json!({"tables": [{"name": "PrimaryResult", "columns": [{"name": "SourceTable"}, {"name": "DelaySeconds"}], "rows": [["Syslog", null], ["SigninLogs", 75.5]]}]});
        let d = table_delays(&Answer::of(&body).unwrap()).unwrap();
        assert_eq!(d[0].p95_seconds, None);
        assert_eq!(d[1].p95_seconds, Some(75.5));
    }
}
