//! Rows 33–34 through Azure Resource Graph (recording.md, "What a scan
//! reads"): every machine's extensions and data collection rule
//! associations in a few paged queries per scan instead of two GETs per
//! machine.
//!
//! The query texts and the request body are fixed (like the workspace
//! queries Q1–Q3), so a recording replays under any version: the body is
//! `{"subscriptions": [sorted, lower case], "query": Q, "options": {"$top":
//! 1000, "resultFormat": "objectArray"}}`, and each further page adds
//! `"$skipToken"` to the options. Up to [`MAX_SUBSCRIPTIONS`] subscriptions
//! go in one request (Resource Graph's own limit); more are split into
//! batches of sorted subscriptions.
//!
//! An answer is authoritative for the subscriptions it covered: a machine
//! there that no row names has no extension (or no association). Any doubt
//! about an answer (a failed request, a body of another shape, a truncated
//! result, more pages than [`MAX_PAGES`], fewer rows than `totalRecords`, a
//! row without a usable id) makes the whole answer of that query and batch
//! unusable, and the collector reads those machines one GET at a time as
//! before: never an empty listing by mistake.

use crate::azure::http::{read_error, ArmClient, GRAPH_PATH};
use crate::inventory::{norm_id, subscription_of, Listing, Malformed, ReadError};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

/// The api-version sent (replay ignores it).
pub const API_VERSION: &str = "2024-04-01";

/// The extensions of every virtual machine and Arc machine (row 33).
pub const EXTENSIONS_QUERY: &str = "resources | where type in~ ('microsoft.compute/virtualmachines/extensions','microsoft.hybridcompute/machines/extensions') | project id, name, type, properties";

/// Every data collection rule association (row 34); those of machines are
/// kept.
pub const ASSOCIATIONS_QUERY: &str = "insightsresources | where type =~ 'microsoft.insights/datacollectionruleassociations' | project id, name, type, properties";

/// Rows per page (Resource Graph's largest `$top`).
pub const PAGE_SIZE: u64 = 1000;

/// Subscriptions per request (Resource Graph's limit).
pub const MAX_SUBSCRIPTIONS: usize = 1000;

/// Pages read for one query and batch at most (a million rows); an answer
/// that goes on is not used.
pub const MAX_PAGES: usize = 1000;

/// `POST {GRAPH_PATH}?api-version=…`.
pub fn url() -> String {
    format!("{GRAPH_PATH}?api-version={API_VERSION}")
}

/// The request body of one page (fixed, so that a replay matches it).
pub fn request_body(subscriptions: &[String], query: &str, skip_token: Option<&str>) -> Value {
    let mut options = json!({"$top": PAGE_SIZE, "resultFormat": "objectArray"});
    if let Some(t) = skip_token {
        options["$skipToken"] = Value::String(t.to_string());
    }
    json!({"subscriptions": subscriptions, "query": query, "options": options})
}

/// The batches of a scan's subscriptions: lower case, sorted, unique, at
/// most [`MAX_SUBSCRIPTIONS`] each.
pub fn batches(subscriptions: &[String], max: usize) -> Vec<Vec<String>> {
    let all: BTreeSet<String> = subscriptions
        .iter()
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    let all: Vec<String> = all.into_iter().collect();
    all.chunks(max.max(1)).map(<[String]>::to_vec).collect()
}

/// The machine an extension id belongs to: the id without `/extensions/{name}`.
pub fn machine_of_extension(id: &str) -> Option<&str> {
    machine_before(id, "/extensions/")
}

/// The resource an association id belongs to: the id without
/// `/providers/Microsoft.Insights/dataCollectionRuleAssociations/{name}`.
pub fn machine_of_association(id: &str) -> Option<&str> {
    machine_before(
        id,
        "/providers/microsoft.insights/datacollectionruleassociations/",
    )
}

/// The part of `id` before the last `marker` (case-insensitive), when a
/// name follows the marker and the part is a resource id.
fn machine_before<'a>(id: &'a str, marker: &str) -> Option<&'a str> {
    let id = id.trim().trim_end_matches('/');
    let at = id.to_ascii_lowercase().rfind(marker)?;
    let name = &id[at + marker.len()..];
    let machine = &id[..at];
    (!name.is_empty() && !name.contains('/') && subscription_of(machine).is_some())
        .then_some(machine)
}

/// Which query: its text and how a row names its machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    Extensions,
    Associations,
}

impl Query {
    pub fn text(self) -> &'static str {
        match self {
            Query::Extensions => EXTENSIONS_QUERY,
            Query::Associations => ASSOCIATIONS_QUERY,
        }
    }

    pub fn machine_of(self, id: &str) -> Option<&str> {
        match self {
            Query::Extensions => machine_of_extension(id),
            Query::Associations => machine_of_association(id),
        }
    }
}

/// What the queries answered: the subscriptions covered, and the rows by
/// machine ([`norm_id`]). A machine of a covered subscription without rows
/// has none.
#[derive(Debug)]
pub struct Answer<T> {
    covered: BTreeSet<String>,
    rows: HashMap<String, Listing<T>>,
    /// Why each batch that is not covered failed.
    pub failures: Vec<ReadError>,
}

impl<T> Default for Answer<T> {
    fn default() -> Self {
        Answer {
            covered: BTreeSet::new(),
            rows: HashMap::new(),
            failures: Vec::new(),
        }
    }
}

impl<T> Answer<T> {
    /// Whether the answer covers `machine` (its subscription was queried
    /// and answered in full).
    pub fn covers(&self, machine: &str) -> bool {
        subscription_of(machine).is_some_and(|s| self.covered.contains(&s))
    }

    /// The listing of a covered machine (taken out: each machine is asked once).
    pub fn take(&mut self, machine: &str) -> Listing<T> {
        self.rows.remove(&norm_id(machine)).unwrap_or_default()
    }

    pub fn covered(&self) -> &BTreeSet<String> {
        &self.covered
    }
}

/// Both queries' answers.
#[derive(Debug, Default)]
pub struct MachineAnswers {
    pub extensions: Answer<crate::inventory::Extension>,
    pub associations: Answer<crate::inventory::DcrAssociation>,
}

/// Runs both queries over the scan's subscriptions, batch by batch (batches
/// and queries at once; the pages of one query one after the other).
pub async fn read_machines(client: &ArmClient, subscriptions: &[String]) -> MachineAnswers {
    read_machines_in(client, subscriptions, MAX_SUBSCRIPTIONS).await
}

/// [`read_machines`] with batches of `max` subscriptions.
pub async fn read_machines_in(
    client: &ArmClient,
    subscriptions: &[String],
    max: usize,
) -> MachineAnswers {
    let batches = batches(subscriptions, max);
    client.progress().expect_requests(2 * batches.len() as u64);
    let (extensions, associations) = tokio::join!(
        answer(client, &batches, Query::Extensions),
        answer(client, &batches, Query::Associations),
    );
    MachineAnswers {
        extensions,
        associations,
    }
}

async fn answer<T: DeserializeOwned>(
    client: &ArmClient,
    batches: &[Vec<String>],
    query: Query,
) -> Answer<T> {
    let read = futures::future::join_all(
        batches
            .iter()
            .map(|subs| async move { (subs, query_batch::<T>(client, subs, query).await) }),
    )
    .await;
    let mut out = Answer::default();
    for (subs, result) in read {
        match result {
            Ok(rows) => {
                out.covered.extend(subs.iter().cloned());
                out.rows.extend(rows);
            }
            Err(e) => out.failures.push(e),
        }
    }
    out
}

/// One page of an answer, its rows left as JSON text.
#[derive(serde::Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    data: Vec<&'a RawValue>,
    #[serde(rename = "$skipToken", default)]
    skip_token: Option<String>,
    #[serde(rename = "resultTruncated", default)]
    result_truncated: Option<Value>,
    #[serde(rename = "totalRecords", default)]
    total_records: Option<u64>,
}

/// Only `true` or `"true"` (any case) says an answer was truncated.
fn truncated(v: &Option<Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The row's `id`, when it is a non-blank string.
fn row_id(raw: &RawValue) -> Option<String> {
    match serde_json::from_str::<Value>(raw.get()).ok()?.get("id")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// One query over one batch, every page; the rows by machine.
async fn query_batch<T: DeserializeOwned>(
    client: &ArmClient,
    subscriptions: &[String],
    query: Query,
) -> Result<HashMap<String, Listing<T>>, ReadError> {
    let url = url();
    let mut rows: HashMap<String, Listing<T>> = HashMap::new();
    let mut seen_tokens = BTreeSet::new();
    let mut skip: Option<String> = None;
    let mut read = 0u64;
    let fail = |code: &str, message: String| read_error("POST", &url, Some(200), code, message);
    for page_no in 0..MAX_PAGES {
        if page_no > 0 {
            client.progress().expect_requests(1);
        }
        let body = request_body(subscriptions, query.text(), skip.as_deref());
        let answer = client.request_body("POST", &url, Some(&body)).await?;
        let page: Page = serde_json::from_slice(answer.bytes()).map_err(|e| {
            fail(
                "MalformedBody",
                format!("not a Resource Graph answer with a \"data\" array: {e}"),
            )
        })?;
        for raw in &page.data {
            let Some(id) = row_id(raw) else {
                return Err(fail(
                    "MalformedBody",
                    format!("row {read} has no id: its machine is unknown"),
                ));
            };
            read += 1;
            let Some(machine) = query.machine_of(&id) else {
                return Err(fail(
                    "MalformedBody",
                    format!("row id {:?} names no machine", clip(&id)),
                ));
            };
            let machine = norm_id(machine);
            if !subscription_of(&machine).is_some_and(|s| subscriptions.contains(&s)) {
                // Not a subscription of this batch: not this answer's to give.
                continue;
            }
            let listing = rows.entry(machine).or_default();
            match serde_json::from_str::<T>(raw.get()) {
                Ok(item) => listing.items.push(item),
                Err(e) => listing.malformed.push(Malformed {
                    position: listing.items.len() + listing.malformed.len(),
                    id: Some(id),
                    error: e.to_string(),
                }),
            }
        }
        let total = page.total_records;
        match page.skip_token.filter(|t| !t.is_empty()) {
            Some(token) => {
                if !seen_tokens.insert(token.clone()) {
                    return Err(fail(
                        "PagingLoop",
                        "$skipToken repeats a page already read".into(),
                    ));
                }
                skip = Some(token);
            }
            None if truncated(&page.result_truncated) => {
                return Err(fail(
                    "ResultTruncated",
                    "the answer is truncated and gives no $skipToken".into(),
                ));
            }
            None => {
                if let Some(total) = total.filter(|t| read < *t) {
                    return Err(fail(
                        "ResultTruncated",
                        format!("{read} rows of the {total} the answer announced"),
                    ));
                }
                return Ok(rows);
            }
        }
    }
    Err(fail(
        "TooManyPages",
        format!("more than {MAX_PAGES} pages; the answer is not used"),
    ))
}

fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::http::{ArmClient, ClientOptions};
    use crate::azure::recording::{Exchange, Matcher, PUBLIC_ARM};
    use crate::inventory::{DcrAssociation, Extension};
    use std::sync::Arc;

    const S1: &str = "00000000-0000-4000-8000-000000000001";
    const S2: &str = "00000000-0000-4000-8000-000000000002";
    const S3: &str = "00000000-0000-4000-8000-000000000003";

    fn vm(sub: &str, name: &str) -> String {
        format!("/subscriptions/{sub}/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/{name}")
    }

    fn ext_row(machine: &str, name: &str, state: &str) -> Value {
        json!({"id": format!("{machine}/extensions/{name}"), "name": name,
            "type": "microsoft.compute/virtualmachines/extensions",
            "properties": {"publisher": "Microsoft.Azure.Monitor", "type": name, "provisioningState": state}})
    }

    fn page_of(
        subs: &[&str],
        query: Query,
        skip: Option<&str>,
        status: u16,
        body: Value,
    ) -> Exchange {
        let subs: Vec<String> = subs.iter().map(|s| s.to_string()).collect();
        Exchange {
            method: "POST".into(),
            url: url(),
            status,
            body: Some(body.into()),
            headers: None,
            request_body: Some(request_body(&subs, query.text(), skip)),
        }
    }

    /// The first page of the extensions' query over S1.
    fn first_page(body: Value) -> Exchange {
        page_of(&[S1], Query::Extensions, None, 200, body)
    }

    fn client(exchanges: Vec<Exchange>) -> ArmClient {
        ArmClient::replay(
            Arc::new(Matcher::new(exchanges, PUBLIC_ARM)),
            ClientOptions::default(),
        )
    }

    fn subs(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_uppercase()).collect()
    }

    fn empty_associations(subs: &[&str]) -> Exchange {
        page_of(
            subs,
            Query::Associations,
            None,
            200,
            json!({"data": [], "resultTruncated": "false"}),
        )
    }

    #[tokio::test]
    async fn pages_follow_skip_tokens_and_rows_go_to_their_machine_whatever_the_case() {
        let (a, b, idle) = (vm(S1, "vm-a"), vm(S1, "vm-b"), vm(S1, "vm-idle"));
        let c = client(vec![
            first_page(json!({
                "totalRecords": 3, "count": 2, "resultTruncated": "false", "$skipToken": "p2",
                "data": [ext_row(&a, "AzureMonitorWindowsAgent", "Succeeded"),
                         ext_row(&a.to_lowercase(), "Other", "Succeeded")]})),
            page_of(
                &[S1],
                Query::Extensions,
                Some("p2"),
                200,
                json!({
                "totalRecords": 3, "count": 1, "resultTruncated": "false",
                "data": [ext_row(&b.to_uppercase(), "AzureMonitorLinuxAgent", "Failed")]}),
            ),
            page_of(
                &[S1],
                Query::Associations,
                None,
                200,
                json!({"data": [
                {"id": format!("{a}/providers/microsoft.insights/datacollectionruleassociations/x"),
                 "name": "x", "properties": {"dataCollectionRuleId": "/subscriptions/z/resourceGroups/r/providers/Microsoft.Insights/dataCollectionRules/d"}}]}),
            ),
        ]);
        // The subscriptions as discovery spelt them: sent sorted, in lower case.
        let mut answers = read_machines(&c, &subs(&[S1])).await;
        assert_eq!(c.stats.snapshot().requests, 3, "two pages and one");
        assert!(answers.extensions.failures.is_empty());
        assert!(answers.extensions.covers(&a) && answers.extensions.covers(&idle));
        assert!(!answers.extensions.covers(&vm(S2, "elsewhere")));
        let exts = answers.extensions.take(&a.to_uppercase());
        assert_eq!(exts.items.len(), 2);
        assert!(exts.items[0].is_azure_monitor_agent() && exts.items[0].succeeded());
        let exts_b = answers.extensions.take(&b);
        assert_eq!(exts_b.items.len(), 1);
        assert!(!exts_b.items[0].succeeded());
        assert!(
            answers.extensions.take(&idle).items.is_empty(),
            "no row, no extension"
        );
        let assoc: Listing<DcrAssociation> = answers.associations.take(&a);
        assert_eq!(assoc.items.len(), 1);
        assert!(assoc.items[0].rule_id().is_some());
        assert!(answers.associations.take(&b).items.is_empty());
    }

    #[tokio::test]
    async fn a_doubtful_answer_covers_nothing() {
        let a = vm(S1, "vm-a");
        let truncated = json!({"data": [ext_row(&a, "X", "Succeeded")], "resultTruncated": "true"});
        let short = json!({"data": [ext_row(&a, "X", "Succeeded")], "totalRecords": 2});
        let no_id =
            json!({"data": [ext_row(&a, "X", "Succeeded"), {"name": "lost", "properties": null}]});
        let blank_id = json!({"data": [{"id": "  ", "properties": {}}]});
        let foreign = json!({"data": [{"id": "/providers/Microsoft.Compute/virtualMachines/x/extensions/y"}]});
        let not_rows = json!({"data": {"columns": [], "rows": []}});
        let looping = json!({"data": [], "$skipToken": "same"});
        let forbidden = json!({"error": {"code": "AuthorizationFailed", "message": "no"}});
        let first = |body: Value| vec![first_page(body)];
        let cases: Vec<(&str, Vec<Exchange>)> = vec![
            ("ResultTruncated", first(truncated)),
            ("ResultTruncated", first(short)),
            ("MalformedBody", first(no_id)),
            ("MalformedBody", first(blank_id)),
            ("MalformedBody", first(foreign)),
            ("MalformedBody", first(not_rows)),
            ("MalformedBody", first(json!("{\"data\": ["))),
            (
                "PagingLoop",
                vec![
                    page_of(&[S1], Query::Extensions, None, 200, looping.clone()),
                    page_of(&[S1], Query::Extensions, Some("same"), 200, looping),
                ],
            ),
            (
                "AuthorizationFailed",
                vec![page_of(&[S1], Query::Extensions, None, 403, forbidden)],
            ),
            ("NotRecorded", vec![]),
        ];
        for (code, mut exchanges) in cases {
            exchanges.push(empty_associations(&[S1]));
            let c = client(exchanges);
            let mut answers = read_machines(&c, &subs(&[S1])).await;
            assert!(!answers.extensions.covers(&a), "{code}");
            assert_eq!(answers.extensions.failures.len(), 1, "{code}");
            assert_eq!(
                answers.extensions.failures[0].code, code,
                "{:?}",
                answers.extensions.failures
            );
            assert!(
                answers.associations.covers(&a),
                "{code}: the other query stands"
            );
            assert!(answers.associations.take(&a).items.is_empty());
            assert_eq!(
                c.stats.snapshot().failed_reads,
                0,
                "{code}: not a failed read of the scan"
            );
        }
    }

    #[tokio::test]
    async fn odd_rows_are_items_or_malformed_items_of_their_machine() {
        let a = vm(S1, "vm-a");
        let c = client(vec![
            first_page(json!({"data": [
                {"id": format!("{a}/extensions/nulls"), "name": null, "type": null, "properties": null},
                {"id": format!("{a}/extensions/bad"), "properties": "not an object"},
                {"id": format!("{a}/extensions/evil\u{1b}[31m"), "name": "evil\u{1b}[31m", "properties": {"type": 7}},
            ]})),
            empty_associations(&[S1]),
        ]);
        let mut answers = read_machines(&c, &subs(&[S1])).await;
        let l: Listing<Extension> = answers.extensions.take(&a);
        assert_eq!(l.items.len(), 1);
        assert!(l.items[0].properties.is_none());
        assert_eq!(l.malformed.len(), 2);
        assert_eq!(l.malformed[0].position, 1);
        assert!(l.malformed[1]
            .id
            .as_deref()
            .unwrap()
            .ends_with("evil\u{1b}[31m"));
    }

    #[tokio::test]
    async fn batches_stand_alone() {
        let (a, b, c3) = (vm(S1, "a"), vm(S2, "b"), vm(S3, "c"));
        let c = client(vec![
            page_of(
                &[S1, S2],
                Query::Extensions,
                None,
                403,
                json!({"error": {"code": "AuthorizationFailed", "message": "no"}}),
            ),
            page_of(
                &[S3],
                Query::Extensions,
                None,
                200,
                json!({"data": [
                ext_row(&c3, "X", "Succeeded"),
                // A row of a subscription outside the batch is not this answer's.
                ext_row(&a, "Y", "Succeeded")]}),
            ),
            empty_associations(&[S1, S2]),
            empty_associations(&[S3]),
        ]);
        let mut answers = read_machines_in(&c, &subs(&[S3, S2, S1, S1]), 2).await;
        assert!(!answers.extensions.covers(&a) && !answers.extensions.covers(&b));
        assert!(answers.extensions.covers(&c3));
        assert_eq!(answers.extensions.take(&c3).items.len(), 1);
        assert!(answers.associations.covers(&a) && answers.associations.covers(&c3));
        assert_eq!(
            answers
                .extensions
                .covered()
                .iter()
                .cloned()
                .collect::<Vec<_>>(),
            vec![S3.to_string()]
        );
    }

    #[tokio::test]
    async fn the_upstream_example_page_reads_and_its_rows_name_no_machine() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/arm-examples/resourcegraph/ResourcesFirstPageQuery.json"
        ))
        .unwrap();
        let example: Value = serde_json::from_str(&text).unwrap();
        let body = &example["responses"]["200"]["body"];
        let bytes = serde_json::to_vec(body).unwrap();
        let page: Page = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(page.data.len(), 3);
        assert!(!truncated(&page.result_truncated));
        assert!(truncated(&Some(json!("True"))) && truncated(&Some(json!(true))));
        assert_eq!(page.total_records, Some(386));
        assert!(page.skip_token.is_some());
        for raw in &page.data {
            let id = row_id(raw).unwrap();
            assert_eq!(Query::Extensions.machine_of(&id), None, "{id}");
        }
        // As an answer to the extensions' query, it is not used.
        let sub = "cfbbd179-59d2-4052-aa06-9270a38aa9d6";
        let mut first = page_of(&[sub], Query::Extensions, None, 200, body.clone());
        first.body = Some(body.into());
        let c = client(vec![first, empty_associations(&[sub])]);
        let answers = read_machines(&c, &[sub.to_string()]).await;
        assert_eq!(answers.extensions.failures[0].code, "MalformedBody");
    }

    #[test]
    fn machines_are_found_from_row_ids() {
        let m = vm(S1, "vm");
        assert_eq!(
            machine_of_extension(&format!("{m}/extensions/AMA")),
            Some(m.as_str())
        );
        assert_eq!(
            machine_of_extension(&format!("{m}/EXTENSIONS/AMA/")),
            Some(m.as_str())
        );
        assert_eq!(machine_of_extension(&format!("{m}/extensions/")), None);
        assert_eq!(machine_of_extension("/extensions/x"), None);
        let assoc = format!("{m}/providers/Microsoft.Insights/dataCollectionRuleAssociations/a");
        assert_eq!(machine_of_association(&assoc), Some(m.as_str()));
        assert_eq!(
            machine_of_association(&assoc.to_lowercase()),
            Some(m.to_lowercase().as_str())
        );
        assert_eq!(machine_of_association(&format!("{m}/extensions/a")), None);
        assert_eq!(
            batches(&subs(&[S2, S1, S2]), 1000),
            vec![vec![S1.to_string(), S2.to_string()]]
        );
        let body = request_body(&[S1.into()], EXTENSIONS_QUERY, Some("t"));
        assert_eq!(
            body["options"],
            json!({"$top": 1000, "resultFormat": "objectArray", "$skipToken": "t"})
        );
    }
}
