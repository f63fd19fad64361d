//! The results a correct scan of the demo must give, declared by the estate's
//! builder beside the resources they concern (check, resource, item, status,
//! and why, from the conditions of specs/baseline.md), and `demo/EXPECTED.md`
//! rendered from them. A test scans the demo and holds the scanner to them.

use super::estate::{DEV, PROD, TENANT};
use azward::checks::{Status, REGISTRY};
use azward::model::Family;
use std::collections::BTreeMap;

/// One result a scan of the demo must report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    pub check: &'static str,
    /// The resource id as a scan reports it (ids compare case-insensitively).
    pub resource: String,
    /// The item, for checks with several results per resource (AZ-MON-008).
    pub item: Option<String>,
    pub status: Status,
    /// Why, from the check's condition applied to the estate.
    pub why: String,
}

/// The expectations, in the order they are declared, and notes per check.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    pub list: Vec<Expectation>,
    pub notes: BTreeMap<&'static str, Vec<&'static str>>,
}

impl Expected {
    /// Declares results on one resource.
    pub fn on(&mut self, resource: &str) -> On<'_> {
        On {
            x: self,
            resource: resource.to_string(),
        }
    }

    /// A note shown under a check's heading.
    pub fn note(&mut self, check: &'static str, text: &'static str) {
        self.notes.entry(check).or_default().push(text);
    }
}

/// The results of one resource, being declared.
pub struct On<'a> {
    x: &'a mut Expected,
    resource: String,
}

impl On<'_> {
    fn push(self, check: &'static str, item: Option<&str>, status: Status, why: &str) -> Self {
        self.x.list.push(Expectation {
            check,
            resource: self.resource.clone(),
            item: item.map(str::to_string),
            status,
            why: why.to_string(),
        });
        self
    }
    pub fn pass(self, check: &'static str, why: &str) -> Self {
        self.push(check, None, Status::Pass, why)
    }
    pub fn fail(self, check: &'static str, why: &str) -> Self {
        self.push(check, None, Status::Fail, why)
    }
    pub fn na(self, check: &'static str, why: &str) -> Self {
        self.push(check, None, Status::NotApplicable, why)
    }
    /// A result for one item of the resource.
    pub fn item(self, check: &'static str, item: &str, status: Status, why: &str) -> Self {
        self.push(check, Some(item), status, why)
    }
}

/// How EXPECTED.md names a resource: its name (the last segment of its id);
/// `account/blob` for a storage service; `plan (subscription)` for a
/// Defender plan; a subscription by its name; the tenant as `tenant`.
pub fn label(resource: &str) -> String {
    let sub_name = |id: &str| match id {
        PROD => "nw-prod",
        DEV => "nw-dev",
        _ => "?",
    };
    if resource == format!("/tenants/{TENANT}") {
        return "tenant".into();
    }
    let segs: Vec<&str> = resource.split('/').collect();
    if let ["", "subscriptions", sub] = segs.as_slice() {
        return sub_name(sub).into();
    }
    if let Some(i) = segs.iter().position(|s| s.eq_ignore_ascii_case("pricings")) {
        return format!("{} ({})", segs[i + 1], sub_name(segs[2]));
    }
    if let [.., account, service, "default"] = segs.as_slice() {
        if let Some(svc) = service.strip_suffix("Services") {
            return format!("{account}/{svc}");
        }
    }
    segs.last().copied().unwrap_or_default().to_string()
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The family sections, in the order of the baseline: every built-in family
/// (a new one cannot be left out of the document).
fn families() -> impl Iterator<Item = Family> {
    Family::ALL.into_iter().filter(|f| *f != Family::Custom)
}

/// `demo/EXPECTED.md`.
pub fn markdown(x: &Expected) -> String {
    let mut counts: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for e in &x.list {
        let c = counts.entry(e.check).or_default();
        match e.status {
            Status::Pass => c[0] += 1,
            Status::Fail => c[1] += 1,
            _ => c[2] += 1,
        }
    }
    let checks: Vec<_> = families()
        .flat_map(|f| REGISTRY.iter().filter(move |c| c.family == f))
        .collect();
    let per_family: Vec<String> = families()
        .map(|f| {
            let n = checks.iter().filter(|c| c.family == f).count();
            format!("{} {n}", f.code())
        })
        .collect();

    let mut md = String::new();
    md.push_str(HEAD);
    md.push_str(&format!(
        "The baseline has **{}** checks ({}). All {} are listed below, with {} results.\n\n",
        checks.len(),
        per_family.join(", "),
        checks.len(),
        x.list.len()
    ));
    md.push_str(NAMES);
    md.push_str("## Summary\n\n| check | pass | fail | n/a |\n|---|---|---|---|\n");
    let mut total = [0; 3];
    for c in &checks {
        let n = counts.get(c.id).copied().unwrap_or_default();
        for i in 0..3 {
            total[i] += n[i];
        }
        md.push_str(&format!("| {} | {} | {} | {} |\n", c.id, n[0], n[1], n[2]));
    }
    md.push_str(&format!(
        "| **total** | **{}** | **{}** | **{}** |\n\n",
        total[0], total[1], total[2]
    ));
    md.push_str(
        "The `n/a` column counts `not_applicable` results. Three of them depend on how\n\
         \"not in scope\" is read. See \"Judgement calls\" at the end.\n\n",
    );
    for family in families() {
        md.push_str(&format!("## {}\n\n", family.name()));
        for c in checks.iter().filter(|c| c.family == family) {
            md.push_str(&format!("### {}: {}\n\n", c.id, c.title));
            for note in x.notes.get(c.id).into_iter().flatten() {
                md.push_str(&format!("{note}\n\n"));
            }
            let rows: Vec<&Expectation> = x.list.iter().filter(|e| e.check == c.id).collect();
            let items = rows.iter().any(|e| e.item.is_some());
            if items {
                md.push_str("| resource | item | status | why |\n|---|---|---|---|\n");
            } else {
                md.push_str("| resource | status | why |\n|---|---|---|\n");
            }
            for e in rows {
                let item = match (&e.item, items) {
                    (Some(i), _) => format!(" {} |", cell(i)),
                    (None, true) => " |".into(),
                    (None, false) => String::new(),
                };
                md.push_str(&format!(
                    "| {} |{item} {} | {} |\n",
                    cell(&label(&e.resource)),
                    e.status,
                    cell(&e.why)
                ));
            }
            md.push('\n');
        }
    }
    md.push_str(TAIL);
    md
}

const HEAD: &str = r#"# Demo estate: expected results

What a correct scan of `demo/estate.jsonl` must report, check by check, under
the default parameters of baseline 1.2. These results come from the conditions
in `specs/baseline.md` applied to the estate, and are declared in the
estate's builder (`lab/src/generate/demo/estate.rs`) beside the resources
they concern. They were not taken from the scanner's output. A test
(`lab/tests/demo.rs`) scans the demo and fails when the scan gives any of
them another status, or gives a result that is not declared here.

**Generated from those declarations; do not edit by hand.** Regenerate with
`cargo run -p azward-lab -- generate --scenario all`, or
`AZWARD_UPDATE_DOCS=1 cargo test -p azward-lab --test demo`.

A correct scan of the demo has **no `error` results** and no `waived`
results. Every per-resource and per-subscription check has at least one `pass`
and at least one `fail`. The three tenant-scope checks each have a single
result: AZ-ENTRA-001 `pass`, AZ-ENTRA-002 `fail`, AZ-SEN-001 `pass`.
AZ-HIST-001 has one result per subscription and one on the tenant (`pass`).

"#;

const NAMES: &str = r#"## Names

| short | id |
|---|---|
| tenant | `/tenants/4f3c2b1a-6d5e-4a7b-9c8d-0e1f2a3b4c5d` |
| **nw-prod** | subscription `nw-prod`, `/subscriptions/8a1f6c3e-52d4-4b9a-a7e0-3c9d15b2e6f4` |
| **nw-dev** | subscription `nw-dev`, `/subscriptions/c7e2d5b8-0f4a-4e61-9b3c-6a8d2f1e7b05` |
| nw-legacy | subscription `nw-legacy`, `1b9e4d7a-3c6f-4d28-8e5b-f0a2c4e6d813`, `Disabled`: shown as `skipped`, no results |

Resources are named by their `name`. Every name is unique in the estate. The
full ids are `{subscription}/resourceGroups/{rg}/providers/{type}/{name}`:

| name | sub | rg | type |
|---|---|---|---|
| law-nw-sentinel-prod | prod | rg-security | Microsoft.OperationalInsights/workspaces |
| law-nw-ops-prod | prod | rg-monitoring | Microsoft.OperationalInsights/workspaces |
| law-nw-dev, law-nw-dev-apm | dev | rg-dev-monitoring | Microsoft.OperationalInsights/workspaces |
| kv-nw-prod-secrets | prod | rg-security | Microsoft.KeyVault/vaults |
| kv-nw-prod-payments | prod | rg-payments | Microsoft.KeyVault/vaults |
| kv-nw-prod-legacy | prod | rg-legacy-app | Microsoft.KeyVault/vaults |
| kv-nw-dev-app | dev | rg-dev-app | Microsoft.KeyVault/vaults |
| kv-nw-dev-tools | dev | rg-dev-tools | Microsoft.KeyVault/vaults |
| stnwprodlogarchive | prod | rg-security | Microsoft.Storage/storageAccounts (StorageV2) |
| stnwprodappdata | prod | rg-app | Microsoft.Storage/storageAccounts (StorageV2) |
| stnwprodbackup | prod | rg-backup | Microsoft.Storage/storageAccounts (BlobStorage, no `primaryEndpoints`) |
| stnwdevlogs | dev | rg-dev-monitoring | Microsoft.Storage/storageAccounts (StorageV2) |
| stnwdevscratch | dev | rg-dev-app | Microsoft.Storage/storageAccounts (StorageV2) |
| stnwdevaudit | dev | rg-dev-security | Microsoft.Storage/storageAccounts (BlockBlobStorage, endpoints blob/dfs/web) |
| nsg-nw-prod-web, -app, -data | prod | rg-network | Microsoft.Network/networkSecurityGroups |
| nsg-nw-dev-app | dev | rg-dev-network | Microsoft.Network/networkSecurityGroups |
| vnet-nw-prod-hub, -spoke, -data, -isolated | prod | rg-network | Microsoft.Network/virtualNetworks |
| vnet-nw-dev, vnet-nw-dev-sandbox | dev | rg-dev-network | Microsoft.Network/virtualNetworks |
| agw-nw-prod-portal / afw-nw-prod-hub | prod | rg-network | applicationGateways / azureFirewalls |
| pip-nw-prod-agw, pip-nw-prod-afw | prod | rg-network | publicIPAddresses |
| pip-nw-dev-jumpbox | dev | rg-dev-app | publicIPAddresses |
| sql-nw-prod-payments/sqldb-payments | prod | rg-payments | Microsoft.Sql/servers/databases |
| sql-nw-dev/sqldb-portal-dev | dev | rg-dev-app | Microsoft.Sql/servers/databases |
| app-nw-prod-portal, func-nw-prod-ingest | prod | rg-app | Microsoft.Web/sites |
| app-nw-dev-portal | dev | rg-dev-app | Microsoft.Web/sites |
| evhns-nw-prod-siem / evhns-nw-dev | prod / dev | rg-app / rg-dev-app | Microsoft.EventHub/namespaces |
| logic-nw-prod-offboarding / logic-nw-dev-test | prod / dev | rg-app / rg-dev-app | Microsoft.Logic/workflows |
| aks-nw-dev | dev | rg-dev-aks | Microsoft.ContainerService/managedClusters |
| ala-… (11) , sqr-kv-purge-attempts, ag-nw-secops, ag-nw-platform | prod | rg-monitoring | activityLogAlerts / scheduledQueryRules / actionGroups |
| ala-dev-… (4), sqr-dev-… (2), ag-nw-dev-oncall, -paused, -empty | dev | rg-dev-monitoring | activityLogAlerts / scheduledQueryRules / actionGroups |
| fl-… flow logs | prod / dev | NetworkWatcherRG | `…/networkWatchers/NetworkWatcher_{region}/flowLogs/{name}` |

Storage service results use `{account}/blobServices/default` (likewise `fileServices`,
`queueServices` and `tableServices`). Below they are written `account/blob` and so on.
Defender plans are written `plan (subscription)`.

The workspace list (call 10) returns workspace ids with lower-cased segments
(`/resourcegroups/…/providers/microsoft.operationalinsights/…`), as the
upstream example does. The resources list uses the canonical casing. Both are
the same resource: ids compare case-insensitively.

**Log archive accounts** (named as `storageAccountId` or as a flow-log `storageId`):

- stnwprodlogarchive: by the prod Activity Log setting, Entra `entra-archive`, the kv-nw-prod-payments setting and the three westeurope flow logs
- stnwprodbackup: by the two northeurope flow logs
- stnwdevlogs: by flow log fl-vnet-nw-dev
- stnwdevscratch: by the app-nw-dev-portal setting
- stnwdevaudit: by the aks-nw-dev setting

stnwprodappdata is the only account that is not a log archive.

"#;

const TAIL: &str = r#"## The two test recordings

**`tests/recordings/throttled.jsonl`**: the demo estate, with two differences
in reading:

- The prod storage-account list answers 429 (`Retry-After: 1`) first, then 200.
- The prod vault list has two pages. Page 1 holds kv-nw-prod-secrets and kv-nw-prod-payments with an absolute `nextLink`. Page 2 holds kv-nw-prod-legacy.
- The prod `Microsoft.Authorization` Activity Log listing (the twelve role assignments) has two pages joined by an absolute `nextLink`.

All results must equal the demo's exactly.

**`tests/recordings/partial-failure.jsonl`**:

- dev: every per-subscription list (calls 4, 5, 6, 7, 10, 13–18, 20, 21, 26, 27) answers 403 AuthorizationFailed, and no per-resource call of dev is recorded. Every check with resources or results in dev therefore has **one `error` result on `/subscriptions/c7e2d5b8-…`**. No per-resource results for dev are invented.
- prod: results as in the demo, except for the malformed kv-nw-prod-payments item (`enableRbacAuthorization` `"yes please"`, `networkAcls` `42`):
  - KV-003 to KV-008 for that vault are `error`. They need the item's own fields.
  - KV-001 (pass), KV-002 (fail), MON-004 (pass) and MON-005 (not_applicable) are still assessed. They come from its diagnostic settings read.
  - The two sibling vaults are assessed as in the demo.
- dev's nine Activity Log listings (row 36) answer 403 too: AZ-HIST-001 on dev is `error`, never `pass`.
- tenant: unchanged. AZ-SEN-001 stays `pass` (the prod workspace is onboarded). ENTRA-001 is `pass` and ENTRA-002 is `fail`.

## Judgement calls

The spec leaves these open. EXPECTED follows the choice shown:

1. **AZ-MON-005 with no setting that sends logs to Log Analytics** (kv-nw-prod-payments, kv-nw-prod-legacy, kv-nw-dev-tools): `not_applicable`. "Each setting that sends…" has nothing to assess, and MON-004 and KV-002 already report the gap. A literal reading of the "every X is not met by zero X" rule would make these three `fail`.
2. **AZ-MON-009 on a disabled alert or rule**: `not_applicable`, since the check speaks of "every *enabled* alert". The alternative is no result at all. Either way, these never pass or fail.
3. **AZ-MON-008 with an alert whose action group is disabled or missing**: `pass`. The matching rule only requires that the alert *names* an action group. MON-009 reports the broken routing.
4. **Archive status of prod accounts in partial-failure.jsonl**: stnwprodappdata stays `not_applicable` for ST-007…009. The unreadable nw-dev settings and flow logs already produce an `error` on the nw-dev subscription, and nothing in the recording names stnwprodappdata. A stricter reading would make these results `error`, because an unreadable setting might name the account.
5. **Container immutability in the list**: the real wire shape is `properties.immutabilityPolicy.properties.state`. That is what the spec's shorthand "`immutabilityPolicy.state`" is taken to mean, so call 9a is recorded only for the container whose list item has no policy object.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        let p = format!("/subscriptions/{PROD}");
        assert_eq!(label(&p), "nw-prod");
        assert_eq!(label(&format!("/tenants/{TENANT}")), "tenant");
        assert_eq!(
            label(&format!("{p}/providers/Microsoft.Security/pricings/Arm")),
            "Arm (nw-prod)"
        );
        assert_eq!(
            label(&format!(
                "{p}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st/queueServices/default"
            )),
            "st/queue"
        );
        assert_eq!(
            label(&format!(
                "{p}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
            )),
            "kv"
        );
    }
}
