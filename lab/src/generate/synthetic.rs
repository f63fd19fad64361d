//! Synthetic estates of any size (`azward-lab generate`): a recording of S
//! subscriptions × R resources each, deterministic from a seed, in the
//! response shapes Resource Manager returns (the body builders of
//! [`super::arm`], which the demo scenario uses too), with a share of
//! misconfigured resources.
//!
//! Every call a scan makes is answered exactly once (a replay has 100 %
//! coverage and no `NotRecorded` read), lists longer than a page come in
//! pages joined by absolute `nextLink`s, and lines are streamed to the file,
//! so 100,000 resources take a second or two and little memory.

use super::arm::{self, T_NSG, T_STORAGE, T_VAULT, T_VNET, T_WORKSPACE};
use azward::azure::api::{self, Call};
use azward::azure::http::{is_graph_request, rate_scope, GRAPH_SCOPE};
use azward::azure::recording::{sha256_hex, PUBLIC_ARM};
use azward::azure::resource_graph::{self, Query};
use azward::inventory::subscription_of;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The scan time of every generated estate (its header's `recorded_at`).
pub const RECORDED_AT: &str = "2026-11-20T09:00:00Z";

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    pub subscriptions: usize,
    /// Resources per subscription (at least [`MIN_RESOURCES`]).
    pub resources: usize,
    /// Share of resources (and subscription settings) with at least one misconfiguration, 0.0–1.0.
    pub misconfigured: f64,
    pub seed: u64,
    /// Items per list page; longer lists come in pages joined by `nextLink`.
    pub page_size: usize,
    /// Machines' extensions and associations (rows 33–34) answered by
    /// Resource Graph queries (as a scan reads them first) rather than by a
    /// GET per machine (what a scan reads when Resource Graph fails).
    pub resource_graph: bool,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            subscriptions: 20,
            resources: 2000,
            misconfigured: 0.3,
            seed: 1,
            page_size: 1000,
            resource_graph: true,
        }
    }
}

/// Each subscription's fixed resources (a workspace, a log archive account,
/// network watchers, a hub network with a flow log, action groups, alerts).
pub const MIN_RESOURCES: usize = 16;

/// What was written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenerateSummary {
    pub tenant_id: String,
    pub subscription_ids: Vec<String>,
    pub resources: usize,
    pub exchanges: u64,
    pub bytes: u64,
    /// SHA-256 of the file as stored.
    pub sha256: String,
    /// Requests a complete scan makes, by quota: the subscription, or `None` for the tenant.
    pub reads_by_scope: BTreeMap<Option<String>, u64>,
    /// Round trips that must follow one another in any scan (list pages,
    /// then per-resource reads, then what depends on them).
    pub critical_path: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("{0}")]
    Invalid(String),
    #[error("could not write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

impl GenerateOptions {
    pub fn validate(&self) -> Result<(), GenerateError> {
        if self.subscriptions == 0 {
            return Err(GenerateError::Invalid("at least one subscription".into()));
        }
        if self.resources < MIN_RESOURCES {
            return Err(GenerateError::Invalid(format!(
                "at least {MIN_RESOURCES} resources per subscription (each has a workspace, a log archive, network watchers, alerts, …)"
            )));
        }
        if !(0.0..=1.0).contains(&self.misconfigured) {
            return Err(GenerateError::Invalid(
                "the misconfigured share is between 0 and 1".into(),
            ));
        }
        if self.page_size == 0 {
            return Err(GenerateError::Invalid("the page size is at least 1".into()));
        }
        Ok(())
    }
}

/// Writes the estate to `path` (gzip when it ends in `.gz`), atomically.
pub fn generate(opts: &GenerateOptions, path: &Path) -> Result<GenerateSummary, GenerateError> {
    opts.validate()?;
    let io_err = |source| GenerateError::Io {
        path: path.to_path_buf(),
        source,
    };
    let gz = path.extension().is_some_and(|e| e == "gz");
    // Through fsutil: a temporary file renamed at the end (registered, so a
    // signal removes it), or a device or FIFO written as it is.
    let (mut summary, digest, bytes) = azward::util::fsutil::write_with(path, |file| {
        let hashing = Hashing::new(BufWriter::with_capacity(1 << 20, file));
        let (summary, hashing) = if gz {
            let enc = flate2::write::GzEncoder::new(hashing, flate2::Compression::fast());
            let (s, enc) = write_estate(opts, enc)?;
            (s, enc.finish()?)
        } else {
            write_estate(opts, hashing)?
        };
        let (mut w, digest, bytes) = hashing.finish();
        w.flush()?;
        Ok((summary, digest, bytes))
    })
    .map_err(io_err)?;
    summary.bytes = bytes;
    summary.sha256 = digest;
    Ok(summary)
}

/// Generates into memory (tests).
pub fn generate_bytes(opts: &GenerateOptions) -> Result<(Vec<u8>, GenerateSummary), GenerateError> {
    opts.validate()?;
    let (mut summary, bytes) =
        write_estate(opts, Vec::new()).map_err(|source| GenerateError::Io {
            path: PathBuf::from("<memory>"),
            source,
        })?;
    summary.bytes = bytes.len() as u64;
    summary.sha256 = sha256_hex(&bytes);
    Ok((bytes, summary))
}

/// A writer that hashes and counts what passes through it.
struct Hashing<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }
    fn finish(self) -> (W, String, u64) {
        let digest = self.hasher.finalize();
        let hex = digest.iter().map(|b| format!("{b:02x}")).collect();
        (self.inner, hex, self.bytes)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[derive(Serialize)]
struct Line<'a> {
    method: &'static str,
    url: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_body: Option<&'a Value>,
    body: &'a Value,
}

struct Out<W: Write> {
    w: W,
    page_size: usize,
    exchanges: u64,
    reads_by_scope: BTreeMap<Option<String>, u64>,
}

impl<W: Write> Out<W> {
    fn exchange(&mut self, url: &str, body: &Value) -> io::Result<()> {
        self.line(&Line {
            method: "GET",
            url,
            status: 200,
            request_body: None,
            body,
        })
    }

    fn line(&mut self, line: &Line) -> io::Result<()> {
        serde_json::to_writer(&mut self.w, line)?;
        self.w.write_all(b"\n")?;
        self.exchanges += 1;
        *self.reads_by_scope.entry(rate_scope(line.url)).or_default() += 1;
        if is_graph_request(line.method, line.url) {
            *self
                .reads_by_scope
                .entry(Some(GRAPH_SCOPE.to_string()))
                .or_default() += 1;
        }
        Ok(())
    }

    /// A Resource Graph query over `subs` answered with `rows`, in pages
    /// joined by `$skipToken`; returns how many pages.
    fn graph(&mut self, subs: &[String], query: Query, rows: &[Value]) -> io::Result<u32> {
        let url = resource_graph::url();
        let page = (resource_graph::PAGE_SIZE as usize).min(self.page_size.max(1));
        let pages = rows.len().div_ceil(page).max(1);
        for k in 0..pages {
            let chunk = &rows[(k * page).min(rows.len())..((k + 1) * page).min(rows.len())];
            let token = |k: usize| format!("page-{k}");
            let request = resource_graph::request_body(
                subs,
                query.text(),
                (k > 0).then(|| token(k)).as_deref(),
            );
            let mut body = json!({"totalRecords": rows.len(), "count": chunk.len(),
                "resultTruncated": "false", "facets": [], "data": chunk});
            if k + 1 < pages {
                body["$skipToken"] = json!(token(k + 1));
            }
            self.line(&Line {
                method: "POST",
                url: &url,
                status: 200,
                request_body: Some(&request),
                body: &body,
            })?;
        }
        Ok(pages as u32)
    }

    /// One object read.
    fn get(&mut self, call: &Call, base: &str, suffix: &str, body: &Value) -> io::Result<()> {
        self.exchange(&call.url(base, suffix), body)
    }

    /// A list read, in pages; returns how many pages.
    fn list(
        &mut self,
        call: &Call,
        base: &str,
        suffix: &str,
        items: Vec<Value>,
    ) -> io::Result<u32> {
        let first = call.url(base, suffix);
        let page = self.page_size.max(1);
        if items.len() <= page {
            self.exchange(&first, &json!({ "value": items }))?;
            return Ok(1);
        }
        let pages = items.len().div_ceil(page);
        let mut it = items.into_iter();
        for k in 0..pages {
            let chunk: Vec<Value> = it.by_ref().take(page).collect();
            let url = if k == 0 {
                first.clone()
            } else {
                format!("{first}&$skiptoken={}", k * page)
            };
            let body = if k + 1 < pages {
                json!({"value": chunk, "nextLink": format!("{PUBLIC_ARM}{first}&$skiptoken={}", (k + 1) * page)})
            } else {
                json!({ "value": chunk })
            };
            self.exchange(&url, &body)?;
        }
        Ok(pages as u32)
    }
}

fn write_estate<W: Write>(opts: &GenerateOptions, w: W) -> io::Result<(GenerateSummary, W)> {
    let mut root = fastrand::Rng::with_seed(opts.seed);
    let tenant = guid(&mut root);
    let sub_ids: Vec<String> = (0..opts.subscriptions).map(|_| guid(&mut root)).collect();
    let mut out = Out {
        w,
        page_size: opts.page_size,
        exchanges: 0,
        reads_by_scope: BTreeMap::new(),
    };
    let header = json!({
        "recording": 1,
        "cloud": "AzureCloud",
        "tenant_id": tenant,
        "recorded_at": RECORDED_AT,
        "tool": format!("azward-lab {} (generate: {} × {}, misconfigured {}, seed {})", env!("CARGO_PKG_VERSION"),
            opts.subscriptions, opts.resources, opts.misconfigured, opts.seed),
    });
    writeln!(
        out.w,
        "# Synthetic estate generated by `azward-lab generate` (deterministic from its seed)."
    )?;
    serde_json::to_writer(&mut out.w, &header)?;
    out.w.write_all(b"\n")?;

    let subs: Vec<Value> = sub_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let name = format!("gen-sub-{i:03}");
            arm::subscription_item(
                id,
                &name,
                "Enabled",
                &tenant,
                json!({"estate": "generated"}),
            )
        })
        .collect();
    let sub_pages = out.list(&api::SUBSCRIPTIONS, "/subscriptions", "", subs)?;

    // Entra ID: one export to the first subscription's workspace and archive.
    let first = SubNames::new(0, &sub_ids[0]);
    let entra_logs = [
        ("AuditLogs", true),
        ("SignInLogs", true),
        ("NonInteractiveUserSignInLogs", true),
        ("ServicePrincipalSignInLogs", true),
        ("ManagedIdentitySignInLogs", true),
        ("ProvisioningLogs", true),
        ("RiskyUsers", true),
        ("UserRiskEvents", true),
    ];
    let (archive, workspace) = (first.archive_id(), first.workspace_id());
    let entra = arm::entra_setting(
        "entra-to-sentinel",
        &entra_logs,
        &arm::EntraDestinations {
            workspace: &workspace,
            storage: Some(&archive),
            ..Default::default()
        },
    );
    out.list(
        &api::ENTRA_DIAGNOSTICS,
        "/providers/microsoft.aadiam",
        "/diagnosticSettings",
        vec![entra],
    )?;

    let mut max_pages = 1;
    let mut any_policy_read = false;
    // Resource Graph rows of every subscription, in machine order (the order
    // of the GET lists they stand for).
    let mut graph_rows = (Vec::new(), Vec::new());
    for (i, id) in sub_ids.iter().enumerate() {
        let mut rng = fastrand::Rng::with_seed(
            opts.seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let mut g = SubGen::new(i, id, &tenant, opts, &mut rng);
        g.build();
        let (pages, policy_read) = g.write(&mut out, &mut graph_rows)?;
        max_pages = max_pages.max(pages);
        any_policy_read |= policy_read;
    }
    // The queries a scan sends, per batch of subscriptions (the rows of a
    // batch's subscriptions only).
    let mut graph_pages = 0;
    if opts.resource_graph {
        for batch in resource_graph::batches(&sub_ids, resource_graph::MAX_SUBSCRIPTIONS) {
            let of_batch = |rows: &[Value]| -> Vec<Value> {
                rows.iter()
                    .filter(|r| {
                        r["id"]
                            .as_str()
                            .and_then(subscription_of)
                            .is_some_and(|s| batch.contains(&s))
                    })
                    .cloned()
                    .collect()
            };
            let ext = out.graph(&batch, Query::Extensions, &of_batch(&graph_rows.0))?;
            let assoc = out.graph(&batch, Query::Associations, &of_batch(&graph_rows.1))?;
            graph_pages = graph_pages.max(ext.max(assoc));
        }
    }
    // Rows 36–37 (baseline 1.2): every subscription's Activity Log, one
    // listing per provider, and the tenant's, for the header's `recorded_at`;
    // a generated estate's history holds no event.
    let window = azward::azure::scan::HistoryOptions::default()
        .window(azward::util::scan_time::parse(RECORDED_AT).expect("a fixed time parses"));
    for id in &sub_ids {
        for provider in api::HISTORY_PROVIDERS {
            let filter = api::history_filter(&window.start, &window.end, Some(provider));
            out.exchange(&api::history_url(Some(id), &filter), &json!({"value": []}))?;
        }
    }
    let filter = api::history_filter(&window.start, &window.end, None);
    out.exchange(&api::history_url(None, &filter), &json!({"value": []}))?;
    out.w.flush()?;
    // subscriptions list pages → subscription lists' pages → per-resource
    // reads (which wait for the Resource Graph pages, sent after the
    // subscriptions list) → containers (and Sentinel behind onboarding) →
    // immutability policies; then the data collection rules, and each
    // workspace's three queries, five at a time (one workspace per
    // subscription).
    let query_rounds = (3 * opts.subscriptions).div_ceil(5) as u32;
    let critical_path = sub_pages
        + (max_pages + 1).max(graph_pages)
        + 1
        + u32::from(any_policy_read)
        + 1
        + query_rounds;
    let summary = GenerateSummary {
        tenant_id: tenant,
        subscription_ids: sub_ids,
        resources: opts.subscriptions * opts.resources,
        exchanges: out.exchanges,
        bytes: 0,
        sha256: String::new(),
        reads_by_scope: out.reads_by_scope,
        critical_path,
    };
    Ok((summary, out.w))
}

/// [`RECORDED_AT`] in seconds since the Unix epoch.
const RECORDED_AT_SECS: i64 = 1_795_165_200;

/// Whether a diagnostic setting sends logs to a workspace (a non-empty
/// `workspaceId` and an enabled category or group).
fn sends_logs(setting: &Value) -> bool {
    let p = &setting["properties"];
    p["workspaceId"].as_str().is_some_and(|w| !w.is_empty())
        && p["logs"]
            .as_array()
            .is_some_and(|l| l.iter().any(|c| c["enabled"] == json!(true)))
}

fn guid(rng: &mut fastrand::Rng) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        rng.u32(..),
        rng.u16(..),
        rng.u16(..0x1000),
        0x8000 | rng.u16(..0x4000),
        rng.u64(..1 << 48)
    )
}

const LOCATIONS: [&str; 2] = ["westeurope", "northeurope"];

/// The generated estates' e-mail domain.
const DOMAIN: &str = "generated.example";
/// The etag every generated body carries.
const ETAG: &str = "\"0\"";
const WEAK_ETAG: &str = "W/\"0\"";

/// Names of a subscription's fixed resources.
struct SubNames {
    sub: String,
    n: usize,
}

impl SubNames {
    fn new(n: usize, sub: &str) -> Self {
        SubNames {
            sub: sub.to_string(),
            n,
        }
    }
    fn rg(&self, name: &str) -> String {
        format!("/subscriptions/{}/resourceGroups/{name}", self.sub)
    }
    fn id(&self, rg: &str, rtype: &str, name: &str) -> String {
        format!("{}/providers/{rtype}/{name}", self.rg(rg))
    }
    fn workspace_id(&self) -> String {
        self.id(
            "rg-security",
            T_WORKSPACE,
            &format!("law-gen-{:03}-sentinel", self.n),
        )
    }
    fn archive_id(&self) -> String {
        self.id(
            "rg-security",
            T_STORAGE,
            &format!("stgen{:03}logarchive", self.n),
        )
    }
    fn watcher_id(&self, loc: &str) -> String {
        arm::watcher_id(&self.sub, loc)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Vault,
    Storage,
    Nsg,
    Vnet,
    FlowLog,
    Generic(&'static str, bool),
}

/// The mix of resource types after the fixed ones (weights out of 100).
const POOL: &[(Kind, u32)] = &[
    (Kind::Vault, 4),
    (Kind::Storage, 6),
    (Kind::Nsg, 6),
    (Kind::Vnet, 3),
    (Kind::FlowLog, 2),
    (
        Kind::Generic("Microsoft.Network/publicIPAddresses", true),
        5,
    ),
    (Kind::Generic("Microsoft.Web/sites", true), 8),
    (Kind::Generic("Microsoft.Sql/servers", false), 2),
    (Kind::Generic("Microsoft.Sql/servers/databases", true), 4),
    (
        Kind::Generic("Microsoft.ContainerService/managedClusters", true),
        1,
    ),
    (Kind::Generic("Microsoft.EventHub/namespaces", true), 1),
    (Kind::Generic("Microsoft.Logic/workflows", true), 2),
    (
        Kind::Generic("Microsoft.Network/applicationGateways", true),
        1,
    ),
    (Kind::Generic("Microsoft.Network/azureFirewalls", true), 1),
    (
        Kind::Generic("Microsoft.Compute/virtualMachines", false),
        12,
    ),
    (Kind::Generic("Microsoft.Compute/disks", false), 15),
    (
        Kind::Generic("Microsoft.Network/networkInterfaces", false),
        14,
    ),
    (
        Kind::Generic("Microsoft.ManagedIdentity/userAssignedIdentities", false),
        5,
    ),
    (Kind::Generic("Microsoft.Web/serverFarms", false), 3),
];

/// Calls 5, 16, 17, 20 and 21 of one subscription, as lists of items.
type SubscriptionSettings = (Vec<Value>, Vec<Value>, Vec<Value>, Vec<Value>, Vec<Value>);

/// One subscription's estate, built in memory, then written.
struct SubGen<'a> {
    names: SubNames,
    tenant: String,
    opts: &'a GenerateOptions,
    rng: &'a mut fastrand::Rng,
    /// Every resource's full body, in listing order, and the type the
    /// generic list gives it when that differs in case.
    resources: Vec<(Value, Option<&'static str>)>,
    /// Log-capable resource id → its diagnostic settings.
    diag: Vec<(String, Vec<Value>)>,
    vaults: Vec<Value>,
    storage: Vec<Value>,
    /// Account id → its blob service body.
    blob_services: Vec<(String, Value)>,
    workspaces: Vec<Value>,
    nsgs: Vec<Value>,
    vnets: Vec<Value>,
    watchers: Vec<Value>,
    flow_logs: BTreeMap<String, Vec<Value>>,
    alerts: Vec<Value>,
    query_rules: Vec<Value>,
    action_groups: Vec<Value>,
    /// Virtual machines (call 31), Arc machines (call 32), their extensions
    /// (33) and associations (34).
    machines: Vec<Value>,
    arc_machines: Vec<Value>,
    extensions: Vec<(String, Vec<Value>)>,
    associations: Vec<(String, Vec<Value>)>,
    onboarded: bool,
    last_nsg: String,
    last_vnet: String,
    last_sql: String,
}

impl<'a> SubGen<'a> {
    fn new(
        n: usize,
        sub: &str,
        tenant: &str,
        opts: &'a GenerateOptions,
        rng: &'a mut fastrand::Rng,
    ) -> Self {
        SubGen {
            names: SubNames::new(n, sub),
            tenant: tenant.to_string(),
            opts,
            rng,
            resources: Vec::with_capacity(opts.resources),
            diag: Vec::new(),
            vaults: Vec::new(),
            storage: Vec::new(),
            blob_services: Vec::new(),
            workspaces: Vec::new(),
            nsgs: Vec::new(),
            vnets: Vec::new(),
            watchers: Vec::new(),
            flow_logs: BTreeMap::new(),
            alerts: Vec::new(),
            query_rules: Vec::new(),
            action_groups: Vec::new(),
            machines: Vec::new(),
            arc_machines: Vec::new(),
            extensions: Vec::new(),
            associations: Vec::new(),
            onboarded: false,
            last_nsg: String::new(),
            last_vnet: String::new(),
            last_sql: String::new(),
        }
    }

    fn bad(&mut self) -> bool {
        self.rng.f64() < self.opts.misconfigured
    }

    /// For a misconfigured resource: whether this one flaw is present (each
    /// flaw half the time, the first one always).
    fn flaws(&mut self, n: usize) -> Vec<bool> {
        if !self.bad() {
            return vec![false; n];
        }
        let mut f: Vec<bool> = (0..n).map(|_| self.rng.bool()).collect();
        if !f.iter().any(|x| *x) {
            let i = self.rng.usize(..n);
            f[i] = true;
        }
        f
    }

    fn loc(&mut self) -> &'static str {
        LOCATIONS[self.rng.usize(..LOCATIONS.len())]
    }

    fn tags(&mut self, app: &str) -> Value {
        let env = if self.rng.u8(..4) == 0 { "dev" } else { "prod" };
        json!({"env": env, "owner": format!("team-{}", self.rng.u8(..20)), "app": app, "costCenter": format!("CC-{}", 4100 + self.rng.u16(..90))})
    }

    fn rg_name(&self, k: usize, app: &str) -> String {
        format!("rg-{app}-{:02}", k / 100)
    }

    /// Resource group and name of a network resource (`nsg`, `vnet`): the
    /// subscription's hub one lives in `rg-network`.
    fn network_place(&self, k: usize, hub: bool, kind: &str) -> (String, String) {
        if hub {
            (
                "rg-network".into(),
                format!("{kind}-gen-{:03}-hub", self.names.n),
            )
        } else {
            (
                self.rg_name(k, "network"),
                format!("{kind}-gen-{:03}-{k:05}", self.names.n),
            )
        }
    }

    /// A resource diagnostic setting sending `logs` to the workspace (and the archive).
    fn setting(&self, scope: &str, name: &str, logs: Vec<Value>, archive: bool) -> Value {
        let mut to = arm::Destinations::workspace(&self.names.workspace_id());
        if archive {
            to = to.with_storage(&self.names.archive_id());
        }
        arm::diag_setting(scope, name, logs, &to, None)
    }

    /// Diagnostic settings of a log-capable resource: audit and all logs to
    /// the workspace, or (misconfigured) none, or one with its logs off.
    fn resource_diag(&mut self, id: &str, archive: bool) -> Vec<Value> {
        if !self.bad() {
            let logs = vec![arm::group("audit", true), arm::group("allLogs", true)];
            return vec![self.setting(id, "to-law", logs, archive)];
        }
        if self.rng.bool() {
            Vec::new()
        } else {
            let logs = vec![arm::group("audit", false), arm::group("allLogs", false)];
            vec![self.setting(id, "metrics-only", logs, false)]
        }
    }

    fn push(&mut self, body: Value) {
        self.resources.push((body, None));
    }

    /// A resource the generic list gives in lower-case type.
    fn push_listed(&mut self, body: Value, list_type: &'static str) {
        self.resources.push((body, Some(list_type)));
    }

    fn build(&mut self) {
        let sub = self.names.sub.clone();
        self.workspace();
        self.archive();
        for loc in LOCATIONS {
            let w = arm::watcher(&sub, loc, WEAK_ETAG);
            self.watchers.push(w.clone());
            self.push(w);
            self.flow_logs
                .insert(arm::watcher_id(&sub, loc), Vec::new());
        }
        self.nsg(0, true);
        self.vnet(0, true);
        self.flow_log(0);
        self.monitoring(&sub);
        let fixed = self.resources.len();
        let total: u32 = POOL.iter().map(|(_, w)| w).sum();
        for k in fixed..self.opts.resources {
            let mut pick = self.rng.u32(..total);
            let mut kind = POOL[0].0;
            for (kd, w) in POOL {
                if pick < *w {
                    kind = *kd;
                    break;
                }
                pick -= w;
            }
            match kind {
                Kind::Vault => self.vault(k),
                Kind::Storage => self.storage_account(k),
                Kind::Nsg => self.nsg(k, false),
                Kind::Vnet => self.vnet(k, false),
                Kind::FlowLog => self.flow_log(k),
                Kind::Generic(t, log_capable) => self.generic(k, t, log_capable),
            }
        }
    }

    fn workspace(&mut self) {
        let bad = self.flaws(3);
        let id = self.names.workspace_id();
        let name = format!("law-gen-{:03}-sentinel", self.names.n);
        let tags = self.tags("security");
        // A daily cap (AZ-LAW-005), reached half the time.
        let (daily_quota_gb, ingestion_status) = match (bad[2], self.rng.bool()) {
            (false, _) => (None, None),
            (true, false) => (Some(5.0), Some("RespectQuota")),
            (true, true) => (Some(0.5), Some("OverQuota")),
        };
        let body = arm::Workspace {
            sub: &self.names.sub,
            rg: "rg-security",
            name: &name,
            location: "westeurope",
            tags,
            customer_id: guid(self.rng),
            retention_days: Some(if bad[0] { 30 } else { 90 }),
            purge30: Some(bad[1]),
            daily_quota_gb,
            ingestion_status,
        }
        .body();
        self.onboarded = !self.bad();
        let d = self.resource_diag(&id, false);
        self.diag.push((id, d));
        self.workspaces.push(body.clone());
        self.push(body);
    }

    /// A StorageV2 account with its flaws: anonymous blob access, TLS 1.0,
    /// shared keys, open network, HTTP.
    fn storage_body(&mut self, rg: &str, name: &str, bad: &[bool], tags: Value) -> Value {
        let loc = self.loc();
        arm::Storage {
            sku: "Standard_GRS",
            allow_blob_public: Some(bad[0]),
            tls: Some(if bad[1] { "TLS1_0" } else { "TLS1_2" }),
            shared_key: Some(bad[2]),
            public_network: Some(if bad[3] { "Enabled" } else { "Disabled" }),
            network_default: Some(if bad[3] { "Allow" } else { "Deny" }),
            https: !bad[4],
            ..arm::Storage::new(&self.names.sub, rg, name, loc, tags)
        }
        .body()
    }

    /// The diagnostic settings of an account's four services, and its blob service.
    fn storage_extras(&mut self, id: &str, bad: bool) {
        for svc in arm::ALL_SERVICES {
            let sid = format!("{id}/{svc}Services/default");
            let settings = if bad && self.rng.bool() {
                Vec::new()
            } else {
                let logs = ["StorageRead", "StorageWrite", "StorageDelete"]
                    .iter()
                    .map(|c| arm::cat(c, true))
                    .collect();
                vec![self.setting(&sid, &format!("{svc}-to-law"), logs, false)]
            };
            self.diag.push((sid, settings));
        }
        let soft = !(bad && self.rng.bool());
        let days = if soft { 14 } else { 0 };
        let blob = arm::blob_service(
            id,
            Some(arm::retention(soft, days)),
            Some(arm::retention(soft, days)),
            soft,
            "Standard_GRS",
        );
        self.blob_services.push((id.to_string(), blob));
    }

    fn archive(&mut self) {
        let id = self.names.archive_id();
        let name = format!("stgen{:03}logarchive", self.names.n);
        let tags = self.tags("security");
        let body = self.storage_body("rg-security", &name, &[false; 5], tags);
        self.storage_extras(&id, false);
        self.storage.push(body.clone());
        self.push(body);
    }

    /// The log archive's containers (call 9) and the policies a scan must read (9a).
    fn containers(&mut self) -> (Vec<Value>, Vec<(String, Value)>) {
        let id = self.names.archive_id();
        let locked = !self.bad();
        let state = if locked { "Locked" } else { "Unlocked" };
        let mut items = Vec::new();
        let mut policies = Vec::new();
        for (name, policy, in_list) in [
            ("forensic-exports", false, false),
            ("insights-activity-logs", true, true),
            ("insights-logs-auditevent", true, false),
            ("insights-logs-networksecuritygroupflowevent", true, true),
        ] {
            let cid = format!("{id}/blobServices/default/containers/{name}");
            let policy = policy.then(|| arm::ContainerPolicy {
                days: 365,
                state,
                in_list,
                etag: "\"8dd1\"".into(),
                update_history: Vec::new(),
            });
            if policy.as_ref().is_some_and(|p| !p.in_list) {
                let body = arm::immutability_policy(&cid, 730, state, "\"8dd2\"");
                policies.push((cid.clone(), body));
            }
            items.push(arm::container(
                &id,
                name,
                "\"0x8DD1\"",
                policy.as_ref(),
                false,
            ));
        }
        (items, policies)
    }

    fn vault(&mut self, k: usize) {
        let bad = self.flaws(4);
        let rg = self.rg_name(k, "app");
        let name = format!("kv-gen-{:03}-{k:05}", self.names.n);
        let id = self.names.id(&rg, T_VAULT, &name);
        let loc = self.loc();
        let tags = self.tags("secrets");
        let access_policies = if bad[0] {
            let object_id = guid(self.rng);
            vec![arm::access_policy(
                &self.tenant,
                &object_id,
                &["get", "list"],
                &["get", "list", "set", "delete"],
                &[],
            )]
        } else {
            Vec::new()
        };
        let owner = format!("platform@{DOMAIN}");
        let body = arm::Vault {
            sub: &self.names.sub,
            rg: &rg,
            name: &name,
            location: loc,
            tags,
            tenant: &self.tenant,
            owner: &owner,
            rbac: Some(!bad[0]),
            soft_delete: Some(true),
            soft_delete_days: Some(90),
            purge_protection: (!bad[1]).then_some(true),
            public_network: Some(if bad[2] { "Enabled" } else { "Disabled" }),
            network_acls: Some(json!({"bypass": "AzureServices", "defaultAction": if bad[2] { "Allow" } else { "Deny" },
                "ipRules": [], "virtualNetworkRules": []})),
            access_policies,
            private_endpoints: Vec::new(),
        }
        .body();
        let d = if bad[3] {
            Vec::new()
        } else {
            let logs = vec![arm::group("audit", true), arm::group("allLogs", true)];
            vec![self.setting(&id, "kv-audit", logs, true)]
        };
        self.diag.push((id, d));
        self.vaults.push(body.clone());
        self.push(body);
    }

    fn storage_account(&mut self, k: usize) {
        let bad = self.flaws(5);
        let rg = self.rg_name(k, "data");
        let name = format!("stgen{:03}{k:06}", self.names.n);
        let id = self.names.id(&rg, T_STORAGE, &name);
        let tags = self.tags("data");
        let body = self.storage_body(&rg, &name, &bad, tags);
        let any_bad = bad.iter().any(|b| *b);
        self.storage_extras(&id, any_bad);
        self.storage.push(body.clone());
        self.push(body);
    }

    fn nsg(&mut self, k: usize, hub: bool) {
        let bad = self.flaws(1);
        let (rg, name) = self.network_place(k, hub, "nsg");
        let id = self.names.id(&rg, T_NSG, &name);
        let rule = |name, port, source| arm::Rule {
            name,
            direction: "Inbound",
            access: "Allow",
            port,
            source,
        };
        let mut rules = vec![rule("allow-https-in", "443", "Internet")];
        if bad[0] {
            rules.push(rule("allow-rdp-anywhere", "3389", "*"));
        }
        let loc = self.loc();
        let tags = self.tags("network");
        let body = arm::Nsg {
            sub: &self.names.sub,
            rg: &rg,
            name: &name,
            location: loc,
            tags,
            etag: WEAK_ETAG.into(),
            resource_guid: guid(self.rng),
            rules,
            ..Default::default()
        }
        .body();
        let d = self.resource_diag(&id, false);
        self.diag.push((id.clone(), d));
        self.last_nsg = id;
        self.nsgs.push(body.clone());
        self.push(body);
    }

    fn vnet(&mut self, k: usize, hub: bool) {
        let bad = self.flaws(1);
        let (rg, name) = self.network_place(k, hub, "vnet");
        let id = self.names.id(&rg, T_VNET, &name);
        let b = (k % 250) as u8;
        let subnets = (0..2)
            .map(|s| arm::Subnet {
                name: format!("snet-{s}"),
                prefix: format!("10.{b}.{s}.0/24"),
                nsg: (!(bad[0] && s == 1)).then(|| self.last_nsg.clone()),
            })
            .collect();
        let loc = self.loc();
        let tags = self.tags("network");
        let body = arm::Vnet {
            sub: &self.names.sub,
            rg: &rg,
            name: &name,
            location: loc,
            tags,
            etag: WEAK_ETAG.into(),
            resource_guid: guid(self.rng),
            prefixes: vec![format!("10.{b}.0.0/16")],
            subnets,
        }
        .body();
        self.last_vnet = id;
        self.vnets.push(body.clone());
        self.push(body);
    }

    fn flow_log(&mut self, k: usize) {
        let bad = self.flaws(3);
        let loc = self.loc();
        let watcher = self.names.watcher_id(loc);
        let name = format!("fl-gen-{:03}-{k:05}", self.names.n);
        let target = if self.rng.bool() {
            self.last_vnet.clone()
        } else {
            self.last_nsg.clone()
        };
        let target_guid = guid(self.rng);
        let workspace_customer_id = guid(self.rng);
        let (archive, workspace) = (self.names.archive_id(), self.names.workspace_id());
        let body = arm::FlowLog {
            watcher_id: &watcher,
            location: loc,
            name: &name,
            etag: WEAK_ETAG.into(),
            target_id: &target,
            target_guid,
            storage_id: &archive,
            enabled: !bad[0],
            retention_policy: Some(arm::retention(!bad[2], if bad[2] { 0 } else { 365 })),
            analytics: Some(arm::Analytics {
                enabled: !bad[1],
                workspace: Some((workspace_customer_id, "westeurope".into(), workspace)),
                interval: 10,
            }),
            state: "Succeeded",
        }
        .body();
        self.flow_logs
            .entry(watcher)
            .or_default()
            .push(body.clone());
        self.push(body);
    }

    fn generic(&mut self, k: usize, rtype: &'static str, log_capable: bool) {
        let short = rtype
            .rsplit('/')
            .next()
            .unwrap_or("res")
            .to_ascii_lowercase();
        let rg = self.rg_name(k, "app");
        let mut name = format!("{short}-gen-{:03}-{k:05}", self.names.n);
        if rtype == "Microsoft.Sql/servers/databases" {
            let server = if self.last_sql.is_empty() {
                format!("servers-gen-{:03}-{k:05}", self.names.n)
            } else {
                self.last_sql.clone()
            };
            name = format!("{server}/{name}");
        }
        if rtype == "Microsoft.Sql/servers" {
            self.last_sql = name.clone();
        }
        let loc = self.loc();
        let tags = self.tags(&short);
        let body = arm::Generic {
            sub: &self.names.sub,
            rg: &rg,
            rtype,
            name: &name,
            location: loc,
            tags,
            ..Default::default()
        }
        .body();
        if log_capable {
            let id = body["id"].as_str().unwrap_or_default().to_string();
            let d = self.resource_diag(&id, false);
            self.diag.push((id, d));
        }
        if rtype == arm::T_VM {
            // One machine in four is an Azure Arc machine.
            let arc = self.rng.u8(..4) == 0;
            let body = if arc {
                let name = format!("arc-gen-{:03}-{k:05}", self.names.n);
                let tags = self.tags("arc");
                arm::arc_machine(&self.names.sub, &rg, &name, loc, "", tags)
            } else {
                body
            };
            let body = self.machine(body, loc, arc);
            self.push(body);
            return;
        }
        self.push(body);
    }

    /// A virtual machine (AZ-VM-001/002): Windows or Linux; when
    /// misconfigured, no Azure Monitor Agent (none, the legacy agent only,
    /// or a failed one) and no association or one with the rule that lacks
    /// authpriv (or the Security log).
    fn machine(&mut self, mut body: Value, loc: &str, arc: bool) -> Value {
        let os = if self.rng.bool() { "Windows" } else { "Linux" };
        let body = if arc {
            // Arc gives the OS in lower case.
            body["properties"]["osType"] = json!(os.to_ascii_lowercase());
            body
        } else {
            arm::with_vm_os(body, os, "Standard_D2s_v5")
        };
        let id = body["id"].as_str().unwrap_or_default().to_string();
        let bad = self.flaws(2);
        let agent = if !bad[0] {
            vec![arm::machine_extension(
                &id,
                arm::ama_type(os),
                arm::AMA_PUBLISHER,
                "Succeeded",
                loc,
            )]
        } else {
            match self.rng.u8(..3) {
                0 => Vec::new(),
                1 => vec![arm::machine_extension(
                    &id,
                    arm::legacy_type(os),
                    arm::LEGACY_PUBLISHER,
                    "Succeeded",
                    loc,
                )],
                _ => vec![arm::machine_extension(
                    &id,
                    arm::ama_type(os),
                    arm::AMA_PUBLISHER,
                    "Failed",
                    loc,
                )],
            }
        };
        let sub = self.names.sub.clone();
        let rule_id = |good| {
            arm::Dcr {
                sub: &sub,
                ..Self::dcr(os, good)
            }
            .id()
        };
        let choice = self.rng.bool();
        let rule = match (bad[1], choice) {
            (false, _) => Some(rule_id(true)),
            (true, false) => None,
            (true, true) => Some(rule_id(false)),
        };
        let assoc = rule
            .map(|r| vec![arm::dcr_association(&id, "dcra-security", &r)])
            .unwrap_or_default();
        if arc {
            self.arc_machines.push(body.clone());
        } else {
            self.machines.push(body.clone());
        }
        self.extensions.push((id.clone(), agent));
        self.associations.push((id, assoc));
        body
    }

    /// The subscription's data collection rule for `os`: one that collects
    /// the security log into the workspace, or (`good` false) one that does not.
    fn dcr(os: &'static str, good: bool) -> arm::Dcr<'static> {
        let name: &'static str = match (os, good) {
            ("Windows", true) => "dcr-windows-security",
            ("Windows", false) => "dcr-windows-system",
            (_, true) => "dcr-linux-auth",
            (_, false) => "dcr-linux-auth-no-authpriv",
        };
        let (xpaths, facilities) = match (os, good) {
            ("Windows", true) => (vec!["Security!*"], vec![]),
            ("Windows", false) => (vec!["System!*"], vec![]),
            (_, true) => (vec![], vec!["auth", "authpriv"]),
            (_, false) => (vec![], vec!["auth", "syslog"]),
        };
        arm::Dcr {
            sub: "",
            rg: "rg-monitoring",
            name,
            location: "westeurope",
            xpaths,
            facilities,
            workspace: "",
            to_workspace: true,
        }
    }

    fn monitoring(&mut self, sub: &str) {
        let rg = self.names.rg("rg-monitoring");
        let mut groups = Vec::new();
        for (name, short) in [("ag-secops", "secops"), ("ag-platform", "platform")] {
            let bad = self.flaws(1);
            let emails = if bad[0] {
                Vec::new()
            } else {
                vec![(short, format!("{short}@{DOMAIN}"))]
            };
            let body =
                arm::action_group(&rg, name, short, true, &emails, &[("Owners", arm::OWNER)]);
            groups.push(body["id"].as_str().unwrap_or_default().to_string());
            self.action_groups.push(body.clone());
            self.push_listed(body, arm::LIST_TYPE_AG);
        }
        let adm = arm::administrative;
        let op = arm::op;
        let alerts = [
            (
                "ala-diagnostic-settings-delete",
                vec![adm(), op("Microsoft.Insights/diagnosticSettings/delete")],
            ),
            (
                "ala-law-delete-or-write",
                vec![
                    adm(),
                    json!({"anyOf": [op("Microsoft.OperationalInsights/workspaces/delete"), op("Microsoft.OperationalInsights/workspaces/write")]}),
                ],
            ),
            (
                "ala-policy-assignments",
                vec![
                    adm(),
                    json!({"field": "operationName", "containsAny": ["Microsoft.Authorization/policyAssignments/write", "Microsoft.Authorization/policyAssignments/delete"]}),
                ],
            ),
            (
                "ala-nsg-write",
                vec![adm(), op("Microsoft.Network/networkSecurityGroups/write")],
            ),
            (
                "ala-nsg-delete",
                vec![adm(), op("Microsoft.Network/networkSecurityGroups/delete")],
            ),
        ];
        let scope = [format!("/subscriptions/{sub}")];
        let secops = &groups[..1];
        for (name, all_of) in alerts {
            let bad = self.flaws(1);
            let body = arm::activity_alert(&rg, name, &scope, all_of, secops, Some(!bad[0]), "");
            self.alerts.push(body.clone());
            self.push_listed(body, arm::LIST_TYPE_ALERT);
        }
        let workspace = self.names.workspace_id();
        let body = arm::QueryRule {
            rg_id: &rg,
            name: "sqr-kv-purge-attempts",
            description: "kv purge attempts",
            location: "westeurope",
            scope: &workspace,
            query: "AZKVAuditLogs | where OperationName in ('SecretPurge','KeyPurge','VaultPurge')",
            action_groups: secops,
            enabled: true,
            severity: 1,
        }
        .body();
        self.query_rules.push(body.clone());
        self.push(body);
    }

    /// The subscription's Activity Log export, Defender plans, security
    /// contacts, locks and role assignments (calls 5, 16, 17, 20, 21).
    fn subscription_settings(&mut self) -> SubscriptionSettings {
        let sub = self.names.sub.clone();
        let scope = format!("/subscriptions/{sub}");
        // Activity Log export (call 5).
        let bad = self.flaws(2);
        let cats = [
            "Administrative",
            "Security",
            "ServiceHealth",
            "Alert",
            "Recommendation",
            "Policy",
            "Autoscale",
            "ResourceHealth",
        ];
        let categories: Vec<(&str, bool)> = cats
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, !(bad[0] && i % 2 == 1)))
            .collect();
        let sub_diag = if bad[1] && bad[0] {
            Vec::new()
        } else {
            vec![arm::subscription_diag_setting(
                &sub,
                "activitylog-export",
                arm::activity_categories(&categories),
                Some(&self.names.workspace_id()),
                Some(&self.names.archive_id()),
                false,
            )]
        };
        // Defender plans (16), contacts (17).
        let plans = [
            "VirtualMachines",
            "SqlServers",
            "AppServices",
            "StorageAccounts",
            "KeyVaults",
            "Arm",
            "Containers",
            "CosmosDbs",
            "OpenSourceRelationalDatabases",
            "SqlServerVirtualMachines",
            "Api",
            "CloudPosture",
        ];
        let mut pricings = Vec::new();
        for plan in plans {
            let bad = self.flaws(1)[0];
            pricings.push(
                arm::Pricing {
                    sub: &sub,
                    plan,
                    tier: if bad { "Free" } else { "Standard" },
                    coverage: Some(if bad { "NotCovered" } else { "FullyCovered" }),
                    ..Default::default()
                }
                .body(),
            );
        }
        let off = self.flaws(1)[0];
        let contacts = vec![arm::security_contact(
            &sub,
            "default",
            json!({"notificationsByRole": {"state": if off { "Off" } else { "On" }, "roles": ["Owner"]},
                "isEnabled": !off, "emails": if off { String::new() } else { format!("secops@{DOMAIN}") }, "phone": "",
                "notificationsSources": [{"sourceType": "Alert", "minimalSeverity": "Medium"}]}),
        )];
        // Locks (20).
        let mut locks = Vec::new();
        for (target, name) in [
            (self.names.archive_id(), "lock-archive"),
            (self.names.rg("rg-security"), "lock-rg-security"),
        ] {
            if !self.flaws(1)[0] {
                locks.push(arm::lock(
                    &target,
                    name,
                    "CanNotDelete",
                    "Evidence: do not delete",
                ));
            }
        }
        // Role assignments (21).
        let roles = [
            arm::OWNER,
            arm::CONTRIBUTOR,
            arm::READER,
            arm::USER_ACCESS_ADMIN,
            arm::KV_ADMIN,
        ];
        let n = 4 + self.opts.resources / 200;
        let mut assignments = Vec::new();
        for i in 0..n {
            let role = if i < 2 {
                roles[0]
            } else if self.bad() {
                roles[[0, 3][self.rng.usize(..2)]]
            } else {
                roles[[1, 2, 4][self.rng.usize(..3)]]
            };
            let name = guid(self.rng);
            let principal_id = guid(self.rng);
            assignments.push(
                arm::RoleAssignment {
                    scope: &scope,
                    role_definition_id: arm::role_definition_id(Some(&sub), role),
                    principal_id,
                    principal_type: if i % 3 == 0 { "Group" } else { "User" },
                    name,
                    created_by: None,
                }
                .body(),
            );
        }
        (sub_diag, pricings, contacts, locks, assignments)
    }

    fn tables(&mut self, ws: &str) -> Vec<Value> {
        let short = !self.onboarded;
        [
            ("SigninLogs", 90, 730),
            ("AuditLogs", 90, 730),
            ("AzureActivity", 90, 365),
            ("AZKVAuditLogs", 90, 730),
            ("StorageBlobLogs", 90, 365),
            ("SecurityEvent", 90, 365),
            ("Heartbeat", 30, 30),
        ]
        .iter()
        .map(|(name, r, total)| {
            let total = if short && *total > 90 { 90 } else { *total };
            arm::table(ws, name, *r, total, total - r)
        })
        .collect()
    }

    fn sentinel(&mut self, ws: &str) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
        let connectors = [
            ("AzureSecurityCenter", "alerts"),
            ("MicrosoftThreatProtection", "incidents"),
            ("AzureActiveDirectory", "alerts"),
            ("Office365", "exchange"),
        ]
        .iter()
        .map(|(kind, dt)| {
            let name = guid(self.rng);
            arm::connector(
                ws,
                &name,
                ETAG,
                kind,
                json!({"tenantId": self.tenant}),
                &[(dt, "Enabled")],
            )
        })
        .collect();
        let rules = [
            ("Fusion", "Advanced Multistage Attack Detection", None),
            ("Scheduled", "Diagnostic setting removed", Some("AzureActivity | where OperationNameValue =~ 'MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE'")),
            ("MicrosoftSecurityIncidentCreation", "Create incidents from Defender for Cloud", None),
        ]
        .iter()
        .map(|(kind, display, query)| {
            arm::AlertRule {
                ws_id: ws,
                name: guid(self.rng),
                etag: ETAG.into(),
                kind,
                display,
                enabled: true,
                severity: "High",
                query: *query,
                template: (*kind == "Fusion").then_some("f71aba3d-28fb-450b-b192-4e76a83015c8"),
                product: (*kind == "MicrosoftSecurityIncidentCreation").then_some("Azure Security Center"),
            }
            .body()
        })
        .collect();
        let settings = [
            ("EntityAnalytics", json!({"entityProviders": ["AzureActiveDirectory"]})),
            ("Ueba", json!({"dataSources": ["AuditLogs", "AzureActivity", "SecurityEvent", "SigninLogs"]})),
            ("Anomalies", json!({"isEnabled": true})),
        ]
        .into_iter()
        .map(|(kind, p)| arm::sentinel_setting(ws, kind, ETAG, p))
        .collect();
        (connectors, rules, settings)
    }

    /// Writes every exchange of this subscription: the per-subscription
    /// lists, then the per-resource reads. Returns the most pages any list
    /// had, and whether an immutability policy read is needed.
    /// The workspace's query answers (Q1–Q3) over the 14 days before the
    /// recording's `recorded_at`: security tables with rows every hour, or
    /// (misconfigured) one gone silent for 30 hours and one with a 40-hour
    /// gap and slow ingestion; every source of `sources` delivered but
    /// every 50th.
    fn queries(&mut self, sources: &[String]) -> Vec<(String, Value)> {
        use azward::util::text::utc_seconds;
        let q = azward::azure::flow::FlowQueries::default();
        let now = RECORDED_AT_SECS;
        let hour = |ago: i64| utc_seconds((now / 3600 - ago) * 3600);
        let bad = self.bad();
        let mut q1 = Vec::new();
        for (t, table) in [
            "SigninLogs",
            "AuditLogs",
            "AzureActivity",
            "AzureDiagnostics",
            "AZKVAuditLogs",
            "StorageBlobLogs",
        ]
        .iter()
        .enumerate()
        {
            for ago in (1..=335).rev() {
                let silent = bad && t == 2 && ago <= 30;
                let gap = bad && t == 1 && (100..140).contains(&ago);
                if !silent && !gap {
                    q1.push(json!([table, hour(ago), 10 + (ago * 7 + t as i64) % 40]));
                }
            }
        }
        let slow = if bad { 1800.0 } else { 240.0 };
        let q2 = vec![
            json!(["SigninLogs", 120.0]),
            json!(["AuditLogs", 200.0]),
            json!(["AzureDiagnostics", slow]),
        ];
        let mut q3 = vec![json!([
            "AzureActivity",
            format!("/subscriptions/{}", self.names.sub),
            hour(1)
        ])];
        for (i, s) in sources.iter().enumerate() {
            if i % 50 != 49 {
                q3.push(json!(["AzureDiagnostics", s, hour(2)]));
            }
        }
        let answer = |cols: &[&str], rows: Vec<Value>| {
            let cols: Vec<Value> = cols.iter().map(|c| json!({"name": c})).collect();
            json!({"tables": [{"name": "PrimaryResult", "columns": cols, "rows": rows}]})
        };
        vec![
            (q.q1(), answer(&["SourceTable", "Hour", "Rows"], q1)),
            (q.q2(), answer(&["SourceTable", "DelaySeconds"], q2)),
            (q.q3(), answer(&["SourceTable", "Source", "LastRow"], q3)),
        ]
    }

    fn write<W: Write>(
        &mut self,
        out: &mut Out<W>,
        graph_rows: &mut (Vec<Value>, Vec<Value>),
    ) -> io::Result<(u32, bool)> {
        let base = format!("/subscriptions/{}", self.names.sub);
        let (sub_diag, pricings, contacts, locks, assignments) = self.subscription_settings();
        let items: Vec<Value> = self
            .resources
            .iter()
            .map(|(body, list_type)| arm::resource_item(body, *list_type))
            .collect();
        let mut pages = out.list(&api::RESOURCES, &base, "/resources", items)?;
        let lists: Vec<(&Call, &str, Vec<Value>)> = vec![
            (
                &api::SUB_DIAGNOSTICS,
                "/providers/Microsoft.Insights/diagnosticSettings",
                sub_diag,
            ),
            (
                &api::VAULTS,
                "/providers/Microsoft.KeyVault/vaults",
                std::mem::take(&mut self.vaults),
            ),
            (
                &api::STORAGE_ACCOUNTS,
                "/providers/Microsoft.Storage/storageAccounts",
                std::mem::take(&mut self.storage),
            ),
            (
                &api::WORKSPACES,
                "/providers/Microsoft.OperationalInsights/workspaces",
                self.workspaces.clone(),
            ),
            (
                &api::ACTIVITY_LOG_ALERTS,
                "/providers/Microsoft.Insights/activityLogAlerts",
                std::mem::take(&mut self.alerts),
            ),
            (
                &api::SCHEDULED_QUERY_RULES,
                "/providers/Microsoft.Insights/scheduledQueryRules",
                std::mem::take(&mut self.query_rules),
            ),
            (
                &api::ACTION_GROUPS,
                "/providers/Microsoft.Insights/actionGroups",
                std::mem::take(&mut self.action_groups),
            ),
            (
                &api::PRICINGS,
                "/providers/Microsoft.Security/pricings",
                pricings,
            ),
            (
                &api::SECURITY_CONTACTS,
                "/providers/Microsoft.Security/securityContacts",
                contacts,
            ),
            (
                &api::NETWORK_WATCHERS,
                "/providers/Microsoft.Network/networkWatchers",
                self.watchers.clone(),
            ),
            (
                &api::LOCKS,
                "/providers/Microsoft.Authorization/locks",
                locks,
            ),
            (
                &api::ROLE_ASSIGNMENTS,
                "/providers/Microsoft.Authorization/roleAssignments",
                assignments,
            ),
            (
                &api::VIRTUAL_NETWORKS,
                "/providers/Microsoft.Network/virtualNetworks",
                std::mem::take(&mut self.vnets),
            ),
            (
                &api::NSGS,
                "/providers/Microsoft.Network/networkSecurityGroups",
                std::mem::take(&mut self.nsgs),
            ),
            (
                &api::VIRTUAL_MACHINES,
                "/providers/Microsoft.Compute/virtualMachines",
                std::mem::take(&mut self.machines),
            ),
            (
                &api::ARC_MACHINES,
                "/providers/Microsoft.HybridCompute/machines",
                std::mem::take(&mut self.arc_machines),
            ),
        ];
        for (call, suffix, items) in lists {
            pages = pages.max(out.list(call, &base, suffix, items)?);
        }
        self.resources = Vec::new();

        // Per-resource reads.
        let mut sources = Vec::new();
        for (id, settings) in std::mem::take(&mut self.diag) {
            if settings.iter().any(sends_logs) {
                sources.push(id.to_lowercase());
            }
            out.list(
                &api::RESOURCE_DIAGNOSTICS,
                &id,
                "/providers/Microsoft.Insights/diagnosticSettings",
                settings,
            )?;
        }
        for (id, body) in std::mem::take(&mut self.blob_services) {
            out.get(&api::BLOB_SERVICE, &id, "/blobServices/default", &body)?;
        }
        for ws in self.workspaces.clone() {
            let wid = ws["id"].as_str().unwrap_or_default().to_string();
            let tables = self.tables(&wid);
            out.list(&api::TABLES, &wid, "/tables", tables)?;
            let state = arm::onboarding_state(&wid);
            let onboarded = self.onboarded;
            out.list(
                &api::ONBOARDING_STATES,
                &wid,
                "/providers/Microsoft.SecurityInsights/onboardingStates",
                if onboarded { vec![state] } else { Vec::new() },
            )?;
            if onboarded {
                let (connectors, rules, settings) = self.sentinel(&wid);
                out.list(
                    &api::DATA_CONNECTORS,
                    &wid,
                    "/providers/Microsoft.SecurityInsights/dataConnectors",
                    connectors,
                )?;
                out.list(
                    &api::ALERT_RULES,
                    &wid,
                    "/providers/Microsoft.SecurityInsights/alertRules",
                    rules,
                )?;
                out.list(
                    &api::SENTINEL_SETTINGS,
                    &wid,
                    "/providers/Microsoft.SecurityInsights/settings",
                    settings,
                )?;
            }
        }
        for (watcher, logs) in std::mem::take(&mut self.flow_logs) {
            out.list(&api::FLOW_LOGS, &watcher, "/flowLogs", logs)?;
        }
        let graph = self.opts.resource_graph;
        for (id, exts) in std::mem::take(&mut self.extensions) {
            if graph {
                graph_rows.0.extend(exts.iter().map(arm::graph_row));
                continue;
            }
            let call = if arm::is_arc(&id) {
                &api::ARC_EXTENSIONS
            } else {
                &api::VM_EXTENSIONS
            };
            out.list(call, &id, "/extensions", exts)?;
        }
        let mut rules = BTreeMap::new();
        for (id, assocs) in std::mem::take(&mut self.associations) {
            for a in &assocs {
                if let Some(r) = a["properties"]["dataCollectionRuleId"].as_str() {
                    rules.insert(r.to_string(), ());
                }
            }
            if graph {
                graph_rows.1.extend(assocs.iter().map(arm::graph_row));
                continue;
            }
            out.list(
                &api::DCR_ASSOCIATIONS,
                &id,
                "/providers/Microsoft.Insights/dataCollectionRuleAssociations",
                assocs,
            )?;
        }
        let workspace = self.names.workspace_id();
        for os in ["Windows", "Linux"] {
            for good in [true, false] {
                let dcr = arm::Dcr {
                    sub: &self.names.sub,
                    workspace: &workspace,
                    ..Self::dcr(os, good)
                };
                if rules.contains_key(&dcr.id()) {
                    out.get(&api::DATA_COLLECTION_RULE, &dcr.id(), "", &dcr.body())?;
                }
            }
        }
        // Calls 28–30: every workspace is a SOC workspace (settings name it).
        for ws in self.workspaces.clone() {
            let wid = ws["id"].as_str().unwrap_or_default().to_string();
            let answers = self.queries(&sources);
            for (query, body) in answers {
                out.exchange(&azward::azure::flow::query_url(&wid, &query), &body)?;
            }
        }
        // The log archive is named by every flow log's storageId: its
        // containers are read, and the policies the list does not carry.
        let (containers, policies) = self.containers();
        let archive = self.names.archive_id();
        out.list(
            &api::CONTAINERS,
            &archive,
            "/blobServices/default/containers",
            containers,
        )?;
        let policy_read = !policies.is_empty();
        for (cid, body) in policies {
            out.get(
                &api::IMMUTABILITY_POLICY,
                &cid,
                "/immutabilityPolicies/default",
                &body,
            )?;
        }
        Ok((pages, policy_read))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> GenerateOptions {
        GenerateOptions {
            subscriptions: 2,
            resources: 40,
            page_size: 25,
            ..Default::default()
        }
    }

    #[test]
    fn deterministic_from_the_seed_and_paged() {
        let (a, sa) = generate_bytes(&small()).unwrap();
        let (b, _) = generate_bytes(&small()).unwrap();
        assert_eq!(a, b, "same seed, same bytes");
        let (c, _) = generate_bytes(&GenerateOptions { seed: 2, ..small() }).unwrap();
        assert_ne!(a, c);
        let text = String::from_utf8(a).unwrap();
        assert!(
            text.contains("$skiptoken=25"),
            "the resource lists are paged"
        );
        assert!(text.contains("\"nextLink\":\"https://management.azure.com/subscriptions/"));
        assert_eq!(sa.resources, 80);
        assert_eq!(sa.subscription_ids.len(), 2);
        let graph = Some(GRAPH_SCOPE.to_string());
        let queries = sa.reads_by_scope[&graph];
        assert!(queries >= 2, "two Resource Graph queries at least");
        assert_eq!(
            sa.reads_by_scope.values().sum::<u64>(),
            sa.exchanges + queries,
            "each query counts against the tenant and Resource Graph"
        );
        assert_eq!(
            sa.reads_by_scope[&None],
            3 + queries,
            "subscriptions, Entra ID, the tenant's Activity Log and the queries"
        );
        // Nine Activity Log listings per subscription, for the header's time.
        let window = azward::azure::scan::HistoryOptions::default()
            .window(azward::util::scan_time::parse(RECORDED_AT).unwrap());
        for sub in &sa.subscription_ids {
            for provider in api::HISTORY_PROVIDERS {
                let url = api::history_url(
                    Some(sub),
                    &api::history_filter(&window.start, &window.end, Some(provider)),
                );
                assert!(text.contains(&format!("\"url\":\"{url}\"")), "{url}");
            }
        }
        assert!(sa.critical_path >= 4, "{}", sa.critical_path);
    }

    #[test]
    fn refuses_impossible_sizes() {
        assert!(generate_bytes(&GenerateOptions {
            resources: 3,
            ..small()
        })
        .is_err());
        assert!(generate_bytes(&GenerateOptions {
            misconfigured: 1.5,
            ..small()
        })
        .is_err());
        assert_eq!(crate::generate::parse_share("30%").unwrap(), 0.3);
        assert!(crate::generate::parse_share("130%").is_err());
    }
}
