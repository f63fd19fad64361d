#!/usr/bin/env python3
"""Generate azward's demo estate recording and the test recordings derived from it.

Run from the repository root:

    python3 tools/gen_demo.py

Writes (overwriting):

    demo/estate.jsonl                        the demo estate (Northwind Forensics Demo)
    tests/recordings/partial-failure.jsonl   2nd subscription 403 everywhere + one malformed vault
    tests/recordings/throttled.jsonl         a 429-then-200 read and a two-page vault list

The recording format and the call set are specified in specs/recording.md; the
checks the estate is designed to exercise in specs/baseline.md.  The expected
result of every check on this estate is in demo/EXPECTED.md, which is written by
hand from the spec (not generated), so keep the two in step when editing the
estate below.

Python 3 standard library only.  Deterministic: no clock, no randomness; every
GUID that is not fixed below is a UUIDv5 of a readable label.
"""

import json
import os
import sys
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# --------------------------------------------------------------------------
# Fixed identities (made up; not Microsoft's).
# --------------------------------------------------------------------------

TENANT = "4f3c2b1a-6d5e-4a7b-9c8d-0e1f2a3b4c5d"
PROD = "8a1f6c3e-52d4-4b9a-a7e0-3c9d15b2e6f4"     # nw-prod   (Enabled)
DEV = "c7e2d5b8-0f4a-4e61-9b3c-6a8d2f1e7b05"      # nw-dev    (Enabled)
LEGACY = "1b9e4d7a-3c6f-4d28-8e5b-f0a2c4e6d813"   # nw-legacy (Disabled: skipped)

DOMAIN = "northwind-forensics.example"
RECORDED_AT = "2026-11-20T09:00:00Z"
TOOL = "azward 0.1.0 (demo generator)"
ARM = "https://management.azure.com"

_NS = uuid.UUID("6e0c1f0a-7d1b-5c3e-9f44-2a4b6c8d0e12")


def guid(label):
    """A stable GUID for a readable label."""
    return str(uuid.uuid5(_NS, label))


# The principal the partial-failure recording pretends to be.
SCANNER_APP_ID = guid("principal:azward-demo-reader:app")
SCANNER_OBJECT_ID = guid("principal:azward-demo-reader:object")

# api-version per call-set row (specs/recording.md).
API = {
    "subscriptions": "2022-12-01",          # 1
    "aadiam": "2017-04-01",                 # 2
    "resources": "2021-04-01",              # 4
    "diag": "2021-05-01-preview",           # 5, 12
    "vaults": "2026-02-01",                 # 6
    "storage": "2025-01-01",                # 7, 8, 9, 9a
    "workspaces": "2025-02-01",             # 10, 11
    "activityLogAlerts": "2020-10-01",      # 13
    "scheduledQueryRules": "2023-12-01",    # 14
    "actionGroups": "2023-01-01",           # 15
    "pricings": "2024-01-01",               # 16
    "securityContacts": "2023-12-01-preview",  # 17
    "network": "2024-07-01",                # 18, 19, 26, 27
    "locks": "2020-05-01",                  # 20
    "roleAssignments": "2022-04-01",        # 21
    "sentinel": "2025-09-01",               # 22, 23, 24
    "sentinelSettings": "2025-07-01-preview",  # 25
}

# Built-in role definition GUIDs (specs/baseline.md "Role").
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
USER_ACCESS_ADMIN = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
RBAC_ADMIN = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
KV_ADMIN = "00482a5a-887f-4fb3-b363-3b7fe8e74483"
KV_CONTRIBUTOR = "f25e0fa2-a7c8-4377-a976-54943a77a395"
KV_DATA_ACCESS_ADMIN = "8b54135c-b56d-4d72-a534-26097cfdc8d8"
KV_SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
KV_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
SENTINEL_RESPONDER = "3e150937-b8fe-4cfb-8069-0eaf05ecd056"
LA_READER = "73c42c96-874c-492b-b04d-ab87d138a893"

# Type strings.
T_VAULT = "Microsoft.KeyVault/vaults"
T_STORAGE = "Microsoft.Storage/storageAccounts"
T_WORKSPACE = "Microsoft.OperationalInsights/workspaces"
T_NSG = "Microsoft.Network/networkSecurityGroups"
T_VNET = "Microsoft.Network/virtualNetworks"
T_WATCHER = "Microsoft.Network/networkWatchers"
T_FLOWLOG = "Microsoft.Network/networkWatchers/flowLogs"
T_AGW = "Microsoft.Network/applicationGateways"
T_AFW = "Microsoft.Network/azureFirewalls"
T_PIP = "Microsoft.Network/publicIPAddresses"
T_NIC = "Microsoft.Network/networkInterfaces"
T_PE = "Microsoft.Network/privateEndpoints"
T_SQL = "Microsoft.Sql/servers"
T_SQLDB = "Microsoft.Sql/servers/databases"
T_SITE = "Microsoft.Web/sites"
T_PLAN = "Microsoft.Web/serverFarms"
T_AKS = "Microsoft.ContainerService/managedClusters"
T_EVHNS = "Microsoft.EventHub/namespaces"
T_LOGIC = "Microsoft.Logic/workflows"
T_VM = "Microsoft.Compute/virtualMachines"
T_DISK = "Microsoft.Compute/disks"
T_UAMI = "Microsoft.ManagedIdentity/userAssignedIdentities"
T_SOLUTION = "Microsoft.OperationsManagement/solutions"
# Generic resource listings report microsoft.insights types in lower case.
T_ALERT = "Microsoft.Insights/activityLogAlerts"
T_SQR = "Microsoft.Insights/scheduledQueryRules"
T_AG = "Microsoft.Insights/actionGroups"

# Log-capable types (specs/recording.md, "Log-capable resource types").
LOG_CAPABLE = {t.lower() for t in (
    T_VAULT, T_STORAGE, T_WORKSPACE, T_NSG, T_AGW, T_AFW, T_PIP, T_SQLDB,
    T_SITE, T_AKS, T_EVHNS, T_LOGIC)}

ABSENT = object()   # "leave this property out of the body"

CREATED = "2023-04-17T08:31:12.4418092Z"
MODIFIED = "2026-10-02T14:05:51.0071234Z"


def put(d, key, value):
    """Set d[key] unless value is ABSENT."""
    if value is not ABSENT:
        d[key] = value


def rid(sub, rg, rtype, name):
    return "/subscriptions/%s/resourceGroups/%s/providers/%s/%s" % (sub, rg, rtype, name)


def tags(env, owner, app, **extra):
    t = {"env": env, "owner": owner, "app": app, "costCenter": "CC-%s" % ("4120" if env == "prod" else "4190")}
    t.update(extra)
    return t


# --------------------------------------------------------------------------
# Body builders.  Each returns one JSON object in the shape ARM returns.
# --------------------------------------------------------------------------

def subscription_item(sub, name, state):
    return {
        "id": "/subscriptions/" + sub,
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "tags": {"company": "Northwind Forensics Demo", "env": name.split("-")[-1]},
        "subscriptionId": sub,
        "tenantId": TENANT,
        "displayName": name,
        "state": state,
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "EnterpriseAgreement_2014-09-01",
            "spendingLimit": "Off",
        },
    }


def resource_item(body):
    """The /subscriptions/{sub}/resources entry for a full resource body."""
    name = body["name"]
    depth = body["type"].count("/")           # 1 for a top-level type, 2 for a child type
    if depth > 1 and "/" not in name:         # child resources are listed as "parent/child"
        segs = body["id"].split("/")
        name = "/".join(segs[-2 * depth + 1::2])
    item = {"id": body["id"], "name": name, "type": body.get("list_type", body["type"])}
    for key in ("sku", "kind", "managedBy"):
        if key in body:
            item[key] = body[key]
    loc = body.get("location")
    item["location"] = loc.lower() if loc and "list_type" in body else loc   # insights: "global"
    if "identity" in body:
        item["identity"] = body["identity"]
    item["tags"] = body.get("tags", {})
    return item


def generic(sub, rg, rtype, name, location, tags_, sku=ABSENT, kind=ABSENT, identity=ABSENT,
            managed_by=ABSENT, list_type=ABSENT):
    """A resource that only appears in the generic resources list (no typed list reads it).
    A child resource has name "parent/child" and type "ns/parentType/childType"."""
    b = {"id": rid(sub, rg, rtype, name), "name": name, "type": rtype}
    if "/" in name:
        ns, parent_type, child_type = rtype.split("/")
        parent, child = name.split("/")
        b["id"] = rid(sub, rg, "%s/%s" % (ns, parent_type), parent) + "/%s/%s" % (child_type, child)
    put(b, "sku", sku)
    put(b, "kind", kind)
    put(b, "managedBy", managed_by)
    b["location"] = location
    put(b, "identity", identity)
    b["tags"] = tags_
    put(b, "list_type", list_type)
    return b


def log_entry(category=None, group=None, enabled=True, nulls=True, retention=True):
    e = {}
    if category is not None or nulls:
        e["category"] = category
    if group is not None or nulls:
        e["categoryGroup"] = group
    e["enabled"] = enabled
    if retention:
        e["retentionPolicy"] = {"enabled": False, "days": 0}
    return e


def cat(name, enabled=True, **kw):
    return log_entry(category=name, enabled=enabled, **kw)


def group(name, enabled=True, **kw):
    return log_entry(group=name, enabled=enabled, **kw)


def diag_setting(scope, name, logs, workspace=None, storage=None, eventhub_rule=None,
                 eventhub_name=None, dedicated=ABSENT, metrics=True):
    """A resource diagnostic setting as returned by the 2021-05-01-preview list.

    Destinations that are not set come back as null, as the live API returns them;
    pass "" to reproduce the upstream examples' empty workspaceId."""
    props = {
        "storageAccountId": storage,
        "serviceBusRuleId": None,
        "workspaceId": workspace,
        "eventHubAuthorizationRuleId": eventhub_rule,
        "eventHubName": eventhub_name,
        "marketplacePartnerId": None,
    }
    if metrics:
        props["metrics"] = [{"category": "AllMetrics", "enabled": False,
                             "retentionPolicy": {"enabled": False, "days": 0}}]
    props["logs"] = logs
    put(props, "logAnalyticsDestinationType", dedicated)
    return {
        "id": "%s/providers/microsoft.insights/diagnosticSettings/%s" % (scope, name),
        "type": "Microsoft.Insights/diagnosticSettings",
        "name": name,
        "location": None,
        "properties": props,
    }


def subscription_diag_setting(sub, name, categories=(), workspace=None, storage=None, quirky=False, logs=None):
    """Activity Log export setting.  quirky=True gives the shape of the upstream example
    (id without leading slash, AzureResourceManager provider segment, type null).
    categories: (name, enabled) pairs; or pass logs= verbatim."""
    if logs is None:
        logs = [{"category": c, "enabled": on} for c, on in categories]
    props = {}
    if storage is not None:
        props["storageAccountId"] = storage
    props["workspaceId"] = workspace
    props["logs"] = logs
    if quirky:
        return {"id": "subscriptions/%s/providers/AzureResourceManager/diagnosticSettings/%s" % (sub, name),
                "type": None, "name": name, "properties": props}
    return {"id": "/subscriptions/%s/providers/microsoft.insights/diagnosticSettings/%s" % (sub, name),
            "type": "Microsoft.Insights/diagnosticSettings", "name": name, "location": "global",
            "properties": props}


def entra_setting(name, logs, workspace="", storage=None, eventhub_rule=None, service_bus=None):
    """Tenant (microsoft.aadiam) diagnostic setting, shaped like the upstream example."""
    props = {}
    if storage is not None:
        props["storageAccountId"] = storage
    props["workspaceId"] = workspace
    if eventhub_rule is not None:
        props["eventHubAuthorizationRuleId"] = eventhub_rule
    if service_bus is not None:
        props["serviceBusRuleId"] = service_bus
    props["logs"] = [{"category": c, "enabled": on, "retentionPolicy": {"enabled": False, "days": 0}}
                     for c, on in logs]
    return {"id": "providers/microsoft.aadiam/diagnosticSettings/" + name, "type": "",
            "name": name, "location": "", "properties": props}


def access_policy(label, keys=(), secrets=(), certificates=()):
    return {"tenantId": TENANT, "objectId": guid("principal:" + label),
            "permissions": {"keys": list(keys), "secrets": list(secrets), "certificates": list(certificates)}}


def vault(sub, rg, name, location, tags_, rbac=ABSENT, soft_delete=ABSENT, soft_delete_days=ABSENT,
          purge_protection=ABSENT, public_network=ABSENT, network_acls=ABSENT, access_policies=(),
          private_endpoints=()):
    vid = rid(sub, rg, T_VAULT, name)
    p = {"sku": {"family": "A", "name": "standard"}, "tenantId": TENANT}
    put(p, "networkAcls", network_acls)
    p["accessPolicies"] = list(access_policies)
    p["enabledForDeployment"] = False
    p["enabledForDiskEncryption"] = False
    p["enabledForTemplateDeployment"] = False
    put(p, "enableSoftDelete", soft_delete)
    put(p, "softDeleteRetentionInDays", soft_delete_days)
    put(p, "enableRbacAuthorization", rbac)
    put(p, "enablePurgeProtection", purge_protection)
    p["vaultUri"] = "https://%s.vault.azure.net/" % name
    p["provisioningState"] = "Succeeded"
    put(p, "publicNetworkAccess", public_network)
    if private_endpoints:
        p["privateEndpointConnections"] = [{
            "id": "%s/privateEndpointConnections/%s" % (vid, pe_name),
            "etag": '"%s"' % guid("etag:" + pe_name),
            "properties": {
                "privateEndpoint": {"id": pe_id},
                "privateLinkServiceConnectionState": {
                    "status": status,
                    "description": "Auto-approved" if status == "Approved" else "Awaiting approval by the vault owner",
                    "actionsRequired": "None",
                },
                "provisioningState": "Succeeded",
            },
        } for pe_name, pe_id, status in private_endpoints]
    return {"id": vid, "name": name, "type": T_VAULT, "location": location, "tags": tags_,
            "systemData": {"createdBy": "platform@" + DOMAIN, "createdByType": "User", "createdAt": CREATED,
                           "lastModifiedBy": "platform@" + DOMAIN, "lastModifiedByType": "User",
                           "lastModifiedAt": MODIFIED},
            "properties": p}


def storage_account(sub, rg, name, location, tags_, kind="StorageV2", sku="Standard_LRS",
                    endpoints=("blob", "file", "queue", "table"), allow_blob_public=ABSENT,
                    public_network=ABSENT, network_default=ABSENT, bypass="AzureServices",
                    shared_key=ABSENT, tls=ABSENT, https=True, cmk=None, vlw=ABSENT, identity=ABSENT,
                    created="2022-03-14T09:12:44.1234567Z"):
    """endpoints=None leaves out primaryEndpoints (service presence then comes from kind)."""
    aid = rid(sub, rg, T_STORAGE, name)
    p = {}
    p["keyCreationTime"] = {"key1": created, "key2": created}
    put(p, "allowBlobPublicAccess", allow_blob_public)
    put(p, "minimumTlsVersion", tls)
    put(p, "allowSharedKeyAccess", shared_key)
    put(p, "publicNetworkAccess", public_network)
    if network_default is not ABSENT:
        p["networkAcls"] = {"bypass": bypass, "defaultAction": network_default, "ipRules": [],
                            "virtualNetworkRules": [], "resourceAccessRules": []}
    p["creationTime"] = created
    put(p, "immutableStorageWithVersioning", vlw)
    if endpoints is not None:
        ep = {}
        for svc in ("dfs", "web", "blob", "file", "queue", "table"):
            if svc in endpoints or (svc in ("dfs", "web") and kind in ("StorageV2", "BlockBlobStorage")):
                ep[svc] = "https://%s.%s.core.windows.net/" % (name, svc)
        p["primaryEndpoints"] = ep
    p["primaryLocation"] = location
    p["provisioningState"] = "Succeeded"
    enc = {"services": {"file": {"keyType": "Account", "enabled": True, "lastEnabledTime": created},
                        "blob": {"keyType": "Account", "enabled": True, "lastEnabledTime": created}},
           "requireInfrastructureEncryption": False}
    if cmk:
        key_name, vault_name, uami_id = cmk
        enc["keySource"] = "Microsoft.Keyvault"
        enc["keyvaultproperties"] = {
            "keyname": key_name, "keyversion": "",
            "keyvaulturi": "https://%s.vault.azure.net/" % vault_name,
            "currentVersionedKeyIdentifier": "https://%s.vault.azure.net/keys/%s/%s"
                                             % (vault_name, key_name, guid("key:" + name).replace("-", "")),
            "lastKeyRotationTimestamp": "2026-06-01T00:00:00.0000000Z",
        }
        enc["identity"] = {"userAssignedIdentity": uami_id}
    else:
        enc["keySource"] = "Microsoft.Storage"
    p["encryption"] = enc
    p["statusOfPrimary"] = "available"
    p["supportsHttpsTrafficOnly"] = https
    b = {"id": aid, "kind": kind, "location": location, "name": name}
    put(b, "identity", identity)
    b["properties"] = p
    b["sku"] = {"name": sku, "tier": "Premium" if sku.startswith("Premium") else "Standard"}
    b["tags"] = tags_
    b["type"] = T_STORAGE
    return b


def services_of(account):
    """Present storage services (specs/baseline.md, "Present storage services")."""
    ep = account["properties"].get("primaryEndpoints")
    if ep is not None:
        return [s for s in ("blob", "file", "queue", "table") if s in ep]
    kind = account["kind"].lower()
    if kind in ("storagev2", "storage"):
        return ["blob", "file", "queue", "table"]
    if kind in ("blobstorage", "blockblobstorage"):
        return ["blob"]
    if kind == "filestorage":
        return ["file"]
    return []


def blob_service(account_id, blob_soft_delete=ABSENT, container_soft_delete=ABSENT, versioning=False):
    p = {"cors": {"corsRules": []}}
    put(p, "deleteRetentionPolicy", blob_soft_delete)
    put(p, "containerDeleteRetentionPolicy", container_soft_delete)
    p["isVersioningEnabled"] = versioning
    p["changeFeed"] = {"enabled": versioning}
    return {"id": account_id + "/blobServices/default", "name": "default",
            "type": "Microsoft.Storage/storageAccounts/blobServices",
            "properties": p, "sku": {"name": "Standard_LRS", "tier": "Standard"}}


def retention(enabled, days):
    return {"enabled": enabled, "days": days}


def container(account_id, name, policy=None, policy_in_list=True, vlw=False):
    """A blob container list item.

    policy = (days, state) for a container-level time-based policy.  When
    policy_in_list is False the list item says hasImmutabilityPolicy but carries
    no policy object, so the scan must read it (row 9a)."""
    p = {"deleted": False, "remainingRetentionDays": 0, "defaultEncryptionScope": "$account-encryption-key",
         "denyEncryptionScopeOverride": False, "publicAccess": "None", "leaseStatus": "Unlocked",
         "leaseState": "Available", "lastModifiedTime": "2025-02-11T10:02:17.0000000Z",
         "hasImmutabilityPolicy": policy is not None, "hasLegalHold": False}
    if policy is not None and policy_in_list:
        days, state = policy
        p["immutabilityPolicy"] = {
            "etag": '"%s"' % guid("etag:imm:" + account_id + name).replace("-", "")[:15],
            "properties": {"immutabilityPeriodSinceCreationInDays": days, "state": state,
                           "allowProtectedAppendWrites": True},
            "updateHistory": [{"update": "put", "immutabilityPeriodSinceCreationInDays": days,
                               "timestamp": "2025-02-11T10:02:17.0000000Z",
                               "objectIdentifier": guid("principal:carol"), "tenantId": TENANT,
                               "allowProtectedAppendWrites": True}]
                             + ([{"update": "lock", "immutabilityPeriodSinceCreationInDays": days,
                                  "timestamp": "2025-02-12T08:00:00.0000000Z",
                                  "objectIdentifier": guid("principal:carol"), "tenantId": TENANT,
                                  "allowProtectedAppendWrites": True}] if state == "Locked" else []),
        }
    if vlw:
        p["immutableStorageWithVersioning"] = {"enabled": True, "timeStamp": "2025-03-01T00:00:00.0000000Z",
                                               "migrationState": "Completed"}
    return {"id": "%s/blobServices/default/containers/%s" % (account_id, name), "name": name,
            "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
            "etag": '"0x8DD%s"' % guid("etag:" + account_id + name).replace("-", "")[:12].upper(),
            "properties": p}


def immutability_policy(container_id, days, state):
    return {"id": container_id + "/immutabilityPolicies/default", "name": "default",
            "type": "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies",
            "etag": '"8dd%s"' % guid("etag:9a:" + container_id).replace("-", "")[:13],
            "properties": {"immutabilityPeriodSinceCreationInDays": days, "allowProtectedAppendWrites": True,
                           "state": state}}


def workspace(sub, rg, name, location, tags_, retention_days=ABSENT, purge30=ABSENT):
    features = {"legacy": 0, "searchVersion": 1, "enableLogAccessUsingOnlyResourcePermissions": True}
    put(features, "immediatePurgeDataOn30Days", purge30)
    p = {"customerId": guid("customer:" + name), "provisioningState": "Succeeded",
         "sku": {"name": "PerGB2018", "lastSkuUpdate": CREATED}}
    put(p, "retentionInDays", retention_days)
    p["features"] = features
    p["workspaceCapping"] = {"dailyQuotaGb": -1.0, "quotaNextResetTime": "2026-11-20T14:00:00Z",
                             "dataIngestionStatus": "RespectQuota"}
    p["publicNetworkAccessForIngestion"] = "Enabled"
    p["publicNetworkAccessForQuery"] = "Enabled"
    p["createdDate"] = CREATED
    p["modifiedDate"] = MODIFIED
    return {"properties": p, "id": rid(sub, rg, T_WORKSPACE, name), "name": name, "type": T_WORKSPACE,
            "location": location, "tags": tags_}


def listed_workspace_id(wid):
    """Workspace lists return ids in lower-cased segments (as the upstream example does)."""
    return wid.replace("/resourceGroups/", "/resourcegroups/").replace(
        "/providers/Microsoft.OperationalInsights/", "/providers/microsoft.operationalinsights/")


def table(ws_id, name, retention_days, total_days, archive_days=0, plan="Analytics"):
    p = {"totalRetentionInDays": total_days, "archiveRetentionInDays": archive_days, "plan": plan,
         "retentionInDaysAsDefault": retention_days == -1, "totalRetentionInDaysAsDefault": total_days == -1,
         "schema": {"name": name, "tableSubType": "Classic", "tableType": "Microsoft",
                    "solutions": ["LogManagement"]},
         "provisioningState": "Succeeded", "retentionInDays": retention_days}
    return {"properties": p, "id": "%s/tables/%s" % (ws_id, name), "name": name}


def nsg(sub, rg, name, location, tags_, rules=(), subnets=(), nics=(), flow_logs=()):
    nid = rid(sub, rg, T_NSG, name)
    sec = []
    for i, (rname, direction, access, port, source) in enumerate(rules):
        sec.append({"name": rname, "id": "%s/securityRules/%s" % (nid, rname),
                    "etag": 'W/"%s"' % guid("etag:" + nid), "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                    "properties": {"provisioningState": "Succeeded", "protocol": "Tcp", "sourcePortRange": "*",
                                   "destinationPortRange": port, "sourceAddressPrefix": source,
                                   "destinationAddressPrefix": "*", "access": access, "priority": 100 + 10 * i,
                                   "direction": direction}})
    p = {"provisioningState": "Succeeded", "resourceGuid": guid("guid:" + nid), "securityRules": sec,
         "subnets": [{"id": s} for s in subnets]}
    if nics:
        p["networkInterfaces"] = [{"id": n} for n in nics]
    if flow_logs:
        p["flowLogs"] = [{"id": f} for f in flow_logs]
    return {"name": name, "id": nid, "etag": 'W/"%s"' % guid("etag:" + nid), "type": T_NSG,
            "location": location, "tags": tags_, "properties": p}


def vnet(sub, rg, name, location, tags_, prefixes, subnets=()):
    """subnets: (name, prefix, nsg_id or None)."""
    vid = rid(sub, rg, T_VNET, name)
    sn = []
    for sname, prefix, nsg_id in subnets:
        sp = {"provisioningState": "Succeeded", "addressPrefix": prefix}
        if nsg_id:
            sp["networkSecurityGroup"] = {"id": nsg_id}
        sp["delegations"] = []
        sp["privateEndpointNetworkPolicies"] = "Disabled"
        sp["privateLinkServiceNetworkPolicies"] = "Enabled"
        sn.append({"name": sname, "id": "%s/subnets/%s" % (vid, sname), "etag": 'W/"%s"' % guid("etag:" + vid),
                   "properties": sp, "type": "Microsoft.Network/virtualNetworks/subnets"})
    return {"name": name, "id": vid, "etag": 'W/"%s"' % guid("etag:" + vid), "type": T_VNET,
            "location": location, "tags": tags_,
            "properties": {"provisioningState": "Succeeded", "resourceGuid": guid("guid:" + vid),
                           "addressSpace": {"addressPrefixes": list(prefixes)}, "subnets": sn,
                           "virtualNetworkPeerings": [], "enableDdosProtection": False}}


def subnet_id(vnet_id, name):
    return "%s/subnets/%s" % (vnet_id, name)


def watcher(sub, location):
    name = "NetworkWatcher_" + location
    wid = rid(sub, "NetworkWatcherRG", T_WATCHER, name)
    return {"name": name, "id": wid, "etag": 'W/"%s"' % guid("etag:" + wid), "type": T_WATCHER,
            "location": location, "tags": {}, "properties": {"provisioningState": "Succeeded"}}


def flow_log(watcher_body, name, target_id, storage_id, enabled=True, retention_policy=ABSENT,
             analytics=None, state="Succeeded", identity=ABSENT):
    """analytics: None (off) or dict(enabled=..., workspace_id=ABSENT|id, interval=...)."""
    fid = "%s/flowLogs/%s" % (watcher_body["id"], name)
    p = {"provisioningState": state, "targetResourceId": target_id,
         "targetResourceGuid": guid("guid:" + target_id), "storageId": storage_id, "enabled": enabled}
    if analytics is not None:
        ta = {"enabled": analytics["enabled"]}
        ws = analytics.get("workspace_id", ABSENT)
        if ws is not ABSENT:
            ta["workspaceId"] = guid("customer:" + ws.rsplit("/", 1)[-1])
            ta["workspaceRegion"] = analytics["region"]
            ta["workspaceResourceId"] = ws
        ta["trafficAnalyticsInterval"] = analytics.get("interval", 60)
        p["flowAnalyticsConfiguration"] = {"networkWatcherFlowAnalyticsConfiguration": ta}
    put(p, "retentionPolicy", retention_policy)
    p["format"] = {"type": "JSON", "version": 2}
    b = {"name": name, "id": fid, "etag": 'W/"%s"' % guid("etag:" + fid), "properties": p,
         "location": watcher_body["location"], "type": T_FLOWLOG, "tags": {}}
    put(b, "identity", identity)
    return b


def action_group(sub, rg, name, short, enabled=True, emails=(), arm_roles=(), tags_=None):
    return {
        "id": "/subscriptions/%s/resourceGroups/%s/providers/microsoft.insights/actionGroups/%s" % (sub, rg, name),
        "type": "Microsoft.Insights/ActionGroups", "name": name, "location": "Global",
        "kind": None, "identity": None, "tags": tags_ or {},
        "list_type": "microsoft.insights/actiongroups",
        "properties": {
            "groupShortName": short, "enabled": enabled,
            "emailReceivers": [{"name": n, "emailAddress": "%s@%s" % (n, DOMAIN), "useCommonAlertSchema": True,
                                "status": "Enabled"} for n in emails],
            "smsReceivers": [], "webhookReceivers": [], "eventHubReceivers": [], "itsmReceivers": [],
            "azureAppPushReceivers": [], "automationRunbookReceivers": [], "voiceReceivers": [],
            "logicAppReceivers": [], "azureFunctionReceivers": [],
            "armRoleReceivers": [{"name": r, "roleId": role, "useCommonAlertSchema": True} for r, role in arm_roles],
        },
    }


def ag_ref(ag_id):
    return {"actionGroupId": ag_id, "webhookProperties": {}}


def op(name):
    return {"field": "operationName", "equals": name}


def activity_alert(sub, rg, name, scopes, all_of, action_groups, enabled=ABSENT, description=""):
    p = {"scopes": list(scopes), "condition": {"allOf": list(all_of)},
         "actions": {"actionGroups": [ag_ref(a) for a in action_groups]}}
    put(p, "enabled", enabled)
    p["description"] = description
    return {"id": "/subscriptions/%s/resourceGroups/%s/providers/microsoft.insights/activityLogAlerts/%s"
                  % (sub, rg, name),
            "type": "Microsoft.Insights/ActivityLogAlerts", "name": name, "location": "Global", "tags": {},
            "list_type": "microsoft.insights/activitylogalerts", "properties": p}


def scheduled_query_rule(sub, rg, name, location, scope, query, action_groups, enabled=True, severity=2):
    return {
        "id": "/subscriptions/%s/resourceGroups/%s/providers/microsoft.insights/scheduledqueryrules/%s"
              % (sub, rg, name),
        "name": name, "type": "microsoft.insights/scheduledqueryrules", "location": location, "tags": {},
        "kind": "LogAlert",
        "properties": {
            "description": name.replace("-", " "), "severity": severity, "enabled": enabled,
            "evaluationFrequency": "PT5M", "scopes": [scope], "windowSize": "PT15M",
            "criteria": {"allOf": [{"query": query, "timeAggregation": "Count", "dimensions": [],
                                    "operator": "GreaterThan", "threshold": 0,
                                    "failingPeriods": {"numberOfEvaluationPeriods": 1,
                                                       "minFailingPeriodsToAlert": 1}}]},
            "autoMitigate": False,
            "actions": {"actionGroups": list(action_groups), "customProperties": {}},
            "skipQueryValidation": False,
        },
    }


def pricing(sub, plan, tier, sub_plan=ABSENT, coverage=ABSENT, extensions=ABSENT, deprecated=ABSENT):
    p = {"pricingTier": tier}
    put(p, "subPlan", sub_plan)
    p["freeTrialRemainingTime"] = "PT0S"
    if tier.lower() == "standard":
        p["enablementTime"] = "2025-01-09T10:11:12.1234567Z"
    p["enforce"] = "False"
    put(p, "resourcesCoverageStatus", coverage)
    put(p, "deprecated", deprecated)
    put(p, "extensions", extensions)
    return {"id": "/subscriptions/%s/providers/Microsoft.Security/pricings/%s" % (sub, plan), "name": plan,
            "type": "Microsoft.Security/pricings", "properties": p}


def ext(name, on=True):
    return {"name": name, "isEnabled": "True" if on else "False"}


def lock(scope, name, level, notes):
    return {"properties": {"level": level, "notes": notes, "owners": []},
            "id": "%s/providers/Microsoft.Authorization/locks/%s" % (scope, name),
            "type": "Microsoft.Authorization/locks", "name": name}


def role_assignment(sub, scope, role_guid, label, principal_type, tenant_form=False):
    rd = ("/providers/Microsoft.Authorization/roleDefinitions/" + role_guid if tenant_form else
          "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (sub, role_guid))
    name = guid("ra:%s:%s:%s" % (scope.lower(), role_guid, label))
    return {"properties": {"roleDefinitionId": rd, "principalId": guid("principal:" + label),
                           "principalType": principal_type, "scope": scope, "condition": None,
                           "conditionVersion": None, "createdOn": "2024-05-02T11:20:09.1234567Z",
                           "updatedOn": "2024-05-02T11:20:09.1234567Z",
                           "createdBy": guid("principal:alice"), "updatedBy": guid("principal:alice"),
                           "delegatedManagedIdentityResourceId": None, "description": None},
            "id": "%s/providers/Microsoft.Authorization/roleAssignments/%s" % (scope, name),
            "type": "Microsoft.Authorization/roleAssignments", "name": name}


def si_id(ws_id, kind, name):
    return "%s/providers/Microsoft.SecurityInsights/%s/%s" % (ws_id, kind, name)


def onboarding_state(ws_id):
    return {"id": si_id(ws_id, "onboardingStates", "default"), "name": "default",
            "type": "Microsoft.SecurityInsights/onboardingStates", "properties": {"customerManagedKey": False}}


def connector(ws_id, kind, data_types, **props):
    name = guid("connector:%s:%s" % (ws_id.lower(), kind))
    p = dict(props)
    p["dataTypes"] = {k: {"state": v} for k, v in data_types}
    return {"id": si_id(ws_id, "dataConnectors", name), "name": name,
            "type": "Microsoft.SecurityInsights/dataConnectors", "kind": kind,
            "etag": '"%s"' % guid("etag:" + name), "properties": p}


def alert_rule(ws_id, kind, display, enabled, severity="High", query=None, template=None, product=None):
    name = guid("rule:%s:%s" % (ws_id.lower(), display))
    p = {"displayName": display, "enabled": enabled, "severity": severity,
         "lastModifiedUtc": "2026-09-14T07:45:03.5221339Z"}
    if query is not None:
        p.update({"description": display, "query": query, "queryFrequency": "PT1H", "queryPeriod": "P1D",
                  "triggerOperator": "GreaterThan", "triggerThreshold": 0, "suppressionDuration": "PT5H",
                  "suppressionEnabled": False, "tactics": ["DefenseEvasion"], "techniques": ["T1562"]})
    if template is not None:
        p["alertRuleTemplateName"] = template
    if product is not None:
        p["productFilter"] = product
    return {"id": si_id(ws_id, "alertRules", name), "name": name,
            "type": "Microsoft.SecurityInsights/alertRules", "kind": kind,
            "etag": '"%s"' % guid("etag:" + name), "properties": p}


def sentinel_setting(ws_id, kind, props):
    return {"id": si_id(ws_id, "settings", kind), "name": kind, "type": "Microsoft.SecurityInsights/settings",
            "kind": kind, "etag": '"%s"' % guid("etag:setting:%s:%s" % (ws_id.lower(), kind)), "properties": props}


# --------------------------------------------------------------------------
# The estate as data.
# --------------------------------------------------------------------------

class Sub:
    """Everything one subscription answers, keyed the way the call set reads it."""

    def __init__(self, sub_id, name, state="Enabled"):
        self.id = sub_id
        self.name = name
        self.state = state
        self.resources = []          # full bodies, in listing order
        self.diag = {}               # resource or storage-service id -> [settings]
        self.sub_diag = []           # row 5
        self.blob_services = {}      # account id -> body (row 8)
        self.containers = {}         # account id -> [items] (row 9)
        self.imm_policies = {}       # container id -> body (row 9a)
        self.tables = {}             # workspace id -> [tables] (row 11)
        self.sentinel = {}           # workspace id -> dict(connectors, rules, settings) when onboarded
        self.flow_logs = {}          # watcher id -> [flow logs] (row 19)
        self.pricings = []
        self.contacts = []
        self.locks = []
        self.role_assignments = []

    def add(self, body, diag=None):
        """Add a resource; diag is its list of diagnostic settings (log-capable types)."""
        self.resources.append(body)
        if diag is not None:
            self.diag[body["id"]] = diag
        return body

    def of_type(self, rtype):
        return [r for r in self.resources if r["type"].lower() == rtype.lower()]


def build_estate():
    prod = Sub(PROD, "nw-prod")
    dev = Sub(DEV, "nw-dev")
    legacy = Sub(LEGACY, "nw-legacy", state="Disabled")
    P, D = PROD, DEV

    # ---------------- ids referenced before their resources are built ----------------
    law_sentinel = rid(P, "rg-security", T_WORKSPACE, "law-nw-sentinel-prod")
    law_ops = rid(P, "rg-monitoring", T_WORKSPACE, "law-nw-ops-prod")
    law_dev = rid(D, "rg-dev-monitoring", T_WORKSPACE, "law-nw-dev")
    law_dev_apm = rid(D, "rg-dev-monitoring", T_WORKSPACE, "law-nw-dev-apm")
    st_archive = rid(P, "rg-security", T_STORAGE, "stnwprodlogarchive")
    st_backup = rid(P, "rg-backup", T_STORAGE, "stnwprodbackup")
    st_devlogs = rid(D, "rg-dev-monitoring", T_STORAGE, "stnwdevlogs")
    st_devscratch = rid(D, "rg-dev-app", T_STORAGE, "stnwdevscratch")
    st_devaudit = rid(D, "rg-dev-security", T_STORAGE, "stnwdevaudit")
    evhns_prod = rid(P, "rg-app", T_EVHNS, "evhns-nw-prod-siem")
    evh_rule = evhns_prod + "/authorizationrules/RootManageSharedAccessKey"

    # =========================== nw-prod (westeurope / northeurope) ===========================
    tp = lambda app, **kw: tags("prod", "secops@" + DOMAIN if app == "security" else "platform@" + DOMAIN, app, **kw)

    # --- identities ---
    uami_portal = prod.add(generic(P, "rg-app", T_UAMI, "id-nw-prod-portal", "westeurope", tp("portal")))
    uami_cmk = prod.add(generic(P, "rg-security", T_UAMI, "id-nw-prod-storage-cmk", "westeurope", tp("security")))

    # --- Log Analytics ---
    prod.add(workspace(P, "rg-security", "law-nw-sentinel-prod", "westeurope", tp("security", sentinel="true", Retention="365D", Residency="EU"),
                       retention_days=90, purge30=False),
             diag=[diag_setting(law_sentinel, "law-audit-to-self", [group("audit"), group("allLogs", False)],
                                workspace=law_sentinel)])
    prod.add(generic(P, "rg-security", T_SOLUTION, "SecurityInsights(law-nw-sentinel-prod)", "westeurope",
                     tp("security"), list_type=T_SOLUTION))
    prod.add(workspace(P, "rg-monitoring", "law-nw-ops-prod", "northeurope", tp("monitoring"),
                       retention_days=30, purge30=True), diag=[])

    ws_s = listed_workspace_id(law_sentinel)
    prod.tables[ws_s] = [
        table(ws_s, "SigninLogs", 90, 730, 640),
        table(ws_s, "AuditLogs", 90, 730, 640),
        table(ws_s, "AADNonInteractiveUserSignInLogs", 90, 365, 275),
        table(ws_s, "AADServicePrincipalSignInLogs", 90, 365, 275),
        table(ws_s, "AzureActivity", 400, -1),          # total -1 -> falls back to its own 400
        table(ws_s, "AZKVAuditLogs", 90, 730, 640),
        table(ws_s, "StorageBlobLogs", 90, 365, 275),
        table(ws_s, "AzureDiagnostics", 90, 365, 275),
        table(ws_s, "SecurityAlert", 90, 90),
        table(ws_s, "SecurityIncident", 90, 90),
        table(ws_s, "Heartbeat", 30, 30),
    ]
    ws_o = listed_workspace_id(law_ops)
    prod.tables[ws_o] = [
        table(ws_o, "AzureActivity", 30, 365, 335),
        table(ws_o, "SecurityEvent", 90, 90),           # short: 90 < 365
        table(ws_o, "Syslog", -1, -1),                  # -1/-1 -> workspace 30: short
        table(ws_o, "Perf", 30, 30),
        table(ws_o, "Heartbeat", 30, 30),
    ]
    prod.sentinel[ws_s] = {
        "connectors": [
            connector(ws_s, "AzureSecurityCenter", [("alerts", "Enabled")], subscriptionId=P),
            connector(ws_s, "MicrosoftThreatProtection", [("incidents", "Enabled"), ("alerts", "Enabled")],
                      tenantId=TENANT),
            connector(ws_s, "AzureActiveDirectory", [("alerts", "Enabled")], tenantId=TENANT),
            connector(ws_s, "Office365", [("exchange", "Enabled"), ("sharePoint", "Enabled"),
                                          ("teams", "Disabled")], tenantId=TENANT),
            connector(ws_s, "ThreatIntelligence", [("indicators", "Enabled")], tenantId=TENANT),
        ],
        "rules": [
            alert_rule(ws_s, "Fusion", "Advanced Multistage Attack Detection", True,
                       template="f71aba3d-28fb-450b-b192-4e76a83015c8"),
            alert_rule(ws_s, "Scheduled", "Diagnostic setting removed from a Key Vault", True, severity="High",
                       query="AzureActivity | where OperationNameValue =~ "
                             "'MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE'"),
            alert_rule(ws_s, "Scheduled", "Mass secret retrieval", False, severity="Medium",
                       query="AZKVAuditLogs | where OperationName == 'SecretGet' | summarize count() by "
                             "CallerIpAddress | where count_ > 50"),
            alert_rule(ws_s, "MicrosoftSecurityIncidentCreation", "Create incidents from Defender for Cloud",
                       True, product="Azure Security Center"),
        ],
        "settings": [
            sentinel_setting(ws_s, "EntityAnalytics", {"entityProviders": ["AzureActiveDirectory"]}),
            sentinel_setting(ws_s, "Ueba", {"dataSources": ["AuditLogs", "AzureActivity", "SecurityEvent",
                                                           "SigninLogs"]}),
            sentinel_setting(ws_s, "Anomalies", {"isEnabled": True}),
            sentinel_setting(ws_s, "EyesOn", {"isEnabled": True}),
        ],
    }

    # --- Key Vaults ---
    kv_secrets = rid(P, "rg-security", T_VAULT, "kv-nw-prod-secrets")
    pe_kv = rid(P, "rg-security", T_PE, "pe-kv-nw-prod-secrets")
    prod.add(vault(P, "rg-security", "kv-nw-prod-secrets", "westeurope", tp("security"), rbac=True,
                   soft_delete=True, soft_delete_days=90, purge_protection=True, public_network="Disabled",
                   network_acls={"bypass": "AzureServices", "defaultAction": "Deny", "ipRules": [],
                                 "virtualNetworkRules": []},
                   private_endpoints=[("pe-kv-nw-prod-secrets.%s" % guid("pec:kv-secrets")[:8], pe_kv, "Approved")]),
             diag=[diag_setting(kv_secrets, "kv-audit-to-sentinel", [group("audit"), group("allLogs", False)],
                                workspace=law_sentinel, dedicated="Dedicated")])
    prod.add(generic(P, "rg-security", T_PE, "pe-kv-nw-prod-secrets", "westeurope", tp("security")))
    prod.add(generic(P, "rg-security", T_NIC, "pe-kv-nw-prod-secrets.nic.%s" % guid("nic:pe-kv")[:8],
                     "westeurope", {}))

    kv_payments = rid(P, "rg-payments", T_VAULT, "kv-nw-prod-payments")
    prod.add(vault(P, "rg-payments", "kv-nw-prod-payments", "westeurope", tp("payments", pci="in-scope"),
                   rbac=False, soft_delete=True, soft_delete_days=90, purge_protection=True,
                   public_network="Enabled",
                   network_acls={"bypass": "AzureServices", "defaultAction": "deny",
                                 "ipRules": [{"value": "203.0.113.24/32"}], "virtualNetworkRules": []},
                   access_policies=[
                       access_policy("sp-payments-api", keys=["get", "unwrapKey", "wrapKey"], secrets=["get", "list"]),
                       access_policy("payments-devs", keys=["get", "list", "create", "delete", "purge"],
                                     secrets=["get", "list", "set", "delete"], certificates=["get", "list"]),
                   ]),
             diag=[diag_setting(kv_payments, "kv-audit-archive",
                                [cat("AuditEvent"), cat("AzurePolicyEvaluationDetails", False)],
                                storage=st_archive)])

    kv_legacy = rid(P, "rg-legacy-app", T_VAULT, "kv-nw-prod-legacy")
    prod.add(vault(P, "rg-legacy-app", "kv-nw-prod-legacy", "northeurope", tp("legacy-crm"),
                   access_policies=[access_policy("sp-legacy-crm", secrets=["get", "list"]),
                                    access_policy("u-bob", secrets=["get", "list", "set"],
                                                  certificates=["get", "list", "import"])]),
             diag=[])

    # --- Storage ---
    prod.add(storage_account(P, "rg-security", "stnwprodlogarchive", "westeurope", tp("security", data="logs"),
                             sku="Standard_GRS", allow_blob_public=False, public_network="Enabled",
                             network_default="Deny", bypass="Logging, Metrics, AzureServices", shared_key=False,
                             tls="TLS1_2",
                             cmk=("cmk-logarchive", "kv-nw-prod-secrets", uami_cmk["id"]),
                             identity={"type": "UserAssigned", "userAssignedIdentities": {uami_cmk["id"]: {
                                 "principalId": guid("principal:id-nw-prod-storage-cmk"),
                                 "clientId": guid("client:id-nw-prod-storage-cmk")}}}))
    prod.diag[st_archive + "/blobServices/default"] = [
        diag_setting(st_archive + "/blobServices/default", "blob-to-sentinel",
                     [cat("StorageRead"), cat("StorageWrite"), cat("StorageDelete")], workspace=law_sentinel)]
    prod.diag[st_archive + "/fileServices/default"] = [
        diag_setting(st_archive + "/fileServices/default", "file-all", [group("allLogs")], workspace=law_sentinel)]
    prod.diag[st_archive + "/queueServices/default"] = [
        diag_setting(st_archive + "/queueServices/default", "queue-rw",
                     [cat("StorageRead"), cat("StorageWrite"), cat("StorageDelete", False)], workspace=law_sentinel),
        diag_setting(st_archive + "/queueServices/default", "queue-delete",
                     [cat("StorageDelete")], eventhub_rule=evh_rule, eventhub_name="storage-deletes")]
    prod.diag[st_archive + "/tableServices/default"] = [
        diag_setting(st_archive + "/tableServices/default", "table-audit", [group("audit")], workspace=law_sentinel)]
    prod.blob_services[st_archive] = blob_service(st_archive, retention(True, 30), retention(True, 30), True)
    prod.containers[st_archive] = [
        container(st_archive, "forensic-exports"),
        container(st_archive, "insights-activity-logs", (365, "Locked")),
        container(st_archive, "insights-logs-auditevent", (730, "Locked"), policy_in_list=False),
        container(st_archive, "insights-logs-auditlogs", (365, "Locked")),
        container(st_archive, "insights-logs-signinlogs", (365, "Locked")),
        container(st_archive, "insights-logs-flowlogflowevent", (365, "Locked")),
        container(st_archive, "insights-logs-networksecuritygroupflowevent", (365, "Locked")),
    ]
    c = st_archive + "/blobServices/default/containers/insights-logs-auditevent"
    prod.imm_policies[c] = immutability_policy(c, 730, "Locked")

    st_app = rid(P, "rg-app", T_STORAGE, "stnwprodappdata")
    prod.add(storage_account(P, "rg-app", "stnwprodappdata", "westeurope", tp("portal"),
                             allow_blob_public=True, public_network="Enabled", network_default="Allow",
                             shared_key=True, tls="TLS1_2"))
    prod.diag[st_app + "/blobServices/default"] = [
        diag_setting(st_app + "/blobServices/default", "blob-rw", [cat("StorageRead"), cat("StorageWrite"),
                                                                   cat("StorageDelete", False)],
                     workspace=law_ops)]
    prod.diag[st_app + "/fileServices/default"] = []
    prod.diag[st_app + "/queueServices/default"] = []
    prod.diag[st_app + "/tableServices/default"] = []
    prod.blob_services[st_app] = blob_service(st_app, retention(True, 7), retention(False, 0))

    # BlobStorage kind, no primaryEndpoints, allowBlobPublicAccess never set.
    prod.add(storage_account(P, "rg-backup", "stnwprodbackup", "northeurope", tp("backup", WORM="True"), kind="BlobStorage",
                             sku="Standard_RAGRS", endpoints=None, public_network="Disabled", shared_key=False,
                             tls="TLS1_0", created="2019-08-21T16:40:02.7730512Z"))
    prod.diag[st_backup + "/blobServices/default"] = [
        diag_setting(st_backup + "/blobServices/default", "blob-all-logs", [group("allLogs")],
                     workspace=law_ops)]
    prod.blob_services[st_backup] = blob_service(st_backup, retention(True, 14), retention(True, 14))
    prod.containers[st_backup] = [
        container(st_backup, "sql-backups"),
        container(st_backup, "insights-logs-flowlogflowevent", (365, "Unlocked")),
    ]

    # --- Compute / app ---
    prod.add(generic(P, "rg-app", T_PLAN, "asp-nw-prod-portal", "westeurope", tp("portal"),
                     sku={"name": "P1v3", "tier": "PremiumV3", "size": "P1v3", "family": "Pv3", "capacity": 2},
                     kind="app"))
    site = prod.add(generic(P, "rg-app", T_SITE, "app-nw-prod-portal", "westeurope", tp("portal"), kind="app",
                            identity={"type": "UserAssigned", "userAssignedIdentities": {uami_portal["id"]: {
                                "principalId": guid("principal:sp-app-backend"),
                                "clientId": guid("client:sp-app-backend")}}}))
    prod.diag[site["id"]] = [diag_setting(site["id"], "appsvc-to-sentinel",
                                          [cat("AppServiceHTTPLogs"), cat("AppServiceAuditLogs"),
                                           cat("AppServiceConsoleLogs", False)], workspace=law_sentinel)]
    func = prod.add(generic(P, "rg-app", T_SITE, "func-nw-prod-ingest", "westeurope", tp("ingest"),
                            kind="functionapp,linux"))
    prod.diag[func["id"]] = [diag_setting(func["id"], "func-logs", [cat("FunctionAppLogs", False)],
                                          workspace=law_ops)]
    prod.add(generic(P, "rg-app", T_EVHNS, "evhns-nw-prod-siem", "westeurope", tp("siem-export"),
                     sku={"name": "Standard", "tier": "Standard", "capacity": 1}),
             diag=[diag_setting(evhns_prod, "evhns-all", [group("allLogs"), group("audit", False)],
                                workspace=law_sentinel)])
    logic = prod.add(generic(P, "rg-app", T_LOGIC, "logic-nw-prod-offboarding", "westeurope", tp("hr-offboarding")))
    prod.diag[logic["id"]] = []

    sql = prod.add(generic(P, "rg-payments", T_SQL, "sql-nw-prod-payments", "westeurope", tp("payments"),
                           kind="v12.0"))
    sqldb = prod.add(generic(P, "rg-payments", T_SQLDB, "sql-nw-prod-payments/sqldb-payments", "westeurope",
                             tp("payments"), sku={"name": "GP_Gen5", "tier": "GeneralPurpose", "family": "Gen5",
                                                  "capacity": 2},
                             kind="v12.0,user,vcore"))
    prod.diag[sqldb["id"]] = [diag_setting(sqldb["id"], "sqldb-audit",
                                           [cat("SQLSecurityAuditEvents"), cat("DevOpsOperationsAudit"),
                                            cat("Errors", False), cat("Deadlocks", False)], workspace=law_sentinel)]

    # --- Network ---
    vnet_hub = rid(P, "rg-network", T_VNET, "vnet-nw-prod-hub")
    vnet_spoke = rid(P, "rg-network", T_VNET, "vnet-nw-prod-spoke")
    vnet_data = rid(P, "rg-network", T_VNET, "vnet-nw-prod-data")
    vnet_iso = rid(P, "rg-network", T_VNET, "vnet-nw-prod-isolated")
    nsg_web = rid(P, "rg-network", T_NSG, "nsg-nw-prod-web")
    nsg_app = rid(P, "rg-network", T_NSG, "nsg-nw-prod-app")
    nsg_data = rid(P, "rg-network", T_NSG, "nsg-nw-prod-data")
    nic_legacy = rid(P, "rg-legacy-app", T_NIC, "nic-vm-nw-legacy-01")
    we = watcher(P, "westeurope")
    ne = watcher(P, "northeurope")

    prod.add(vnet(P, "rg-network", "vnet-nw-prod-hub", "westeurope", tp("network"), ["10.10.0.0/22"], [
        ("AzureFirewallSubnet", "10.10.0.0/26", None),
        ("snet-agw", "10.10.0.64/26", None),
        ("snet-privatelink", "10.10.1.0/26", None),
    ]))
    prod.add(vnet(P, "rg-network", "vnet-nw-prod-spoke", "westeurope", tp("network"), ["10.11.0.0/22"], [
        ("snet-web", "10.11.0.0/24", nsg_web),
        ("snet-app", "10.11.1.0/24", nsg_app),
    ]))
    prod.add(vnet(P, "rg-network", "vnet-nw-prod-data", "northeurope", tp("network"), ["10.12.0.0/22"], [
        ("snet-data", "10.12.0.0/24", nsg_data),
        ("snet-legacy", "10.12.1.0/24", None),
    ]))
    prod.add(vnet(P, "rg-network", "vnet-nw-prod-isolated", "North Europe", tp("network", note="reserved"),
                  ["10.19.0.0/24"], []))

    fl_nsg_app = "%s/flowLogs/fl-nsg-nw-prod-app" % we["id"]
    prod.add(nsg(P, "rg-network", "nsg-nw-prod-web", "westeurope", tp("network"),
                 rules=[("allow-https-in", "Inbound", "Allow", "443", "Internet")],
                 subnets=[subnet_id(vnet_spoke, "snet-web")]),
             diag=[diag_setting(nsg_web, "nsg-all", [group("allLogs")], workspace=law_sentinel)])
    prod.add(nsg(P, "rg-network", "nsg-nw-prod-app", "westeurope", tp("network"),
                 rules=[("allow-web-tier", "Inbound", "Allow", "8443", "10.11.0.0/24")],
                 subnets=[subnet_id(vnet_spoke, "snet-app")], flow_logs=[fl_nsg_app]),
             diag=[diag_setting(nsg_app, "nsg-events", [cat("NetworkSecurityGroupEvent"),
                                                        cat("NetworkSecurityGroupRuleCounter", False)],
                                workspace=law_ops)])
    prod.add(nsg(P, "rg-network", "nsg-nw-prod-data", "northeurope", tp("network"),
                 rules=[("allow-sql-from-app", "Inbound", "Allow", "1433", "10.11.1.0/24"),
                        ("allow-rdp-anywhere", "Inbound", "Allow", "3389", "*")],
                 subnets=[subnet_id(vnet_data, "snet-data")]),
             diag=[])

    agw = prod.add(generic(P, "rg-network", T_AGW, "agw-nw-prod-portal", "westeurope", tp("portal")))
    prod.diag[agw["id"]] = [diag_setting(agw["id"], "agw-to-siem",
                                         [cat("ApplicationGatewayAccessLog"), cat("ApplicationGatewayFirewallLog"),
                                          cat("ApplicationGatewayPerformanceLog", False)],
                                         eventhub_rule=evh_rule, eventhub_name="agw-logs")]
    afw = prod.add(generic(P, "rg-network", T_AFW, "afw-nw-prod-hub", "westeurope", tp("network")))
    prod.diag[afw["id"]] = [diag_setting(afw["id"], "afw-to-sentinel", [group("allLogs")], workspace=law_sentinel,
                                         dedicated="Dedicated")]
    pip_agw = prod.add(generic(P, "rg-network", T_PIP, "pip-nw-prod-agw", "westeurope", tp("portal"),
                               sku={"name": "Standard", "tier": "Regional"}))
    prod.diag[pip_agw["id"]] = [diag_setting(pip_agw["id"], "pip-ddos", [cat("DDoSProtectionNotifications"),
                                                                         cat("DDoSMitigationFlowLogs", False),
                                                                         cat("DDoSMitigationReports", False)],
                                             workspace=law_sentinel)]
    pip_afw = prod.add(generic(P, "rg-network", T_PIP, "pip-nw-prod-afw", "westeurope", tp("network"),
                               sku={"name": "Standard", "tier": "Regional"}))
    prod.diag[pip_afw["id"]] = []

    prod.add(generic(P, "rg-legacy-app", T_VM, "vm-nw-legacy-01", "northeurope", tp("legacy-crm")))
    prod.add(generic(P, "rg-legacy-app", T_DISK, "vm-nw-legacy-01_OsDisk_1_%s" % guid("disk:legacy")[:32].replace("-", ""),
                     "northeurope", tp("legacy-crm"), sku={"name": "Premium_LRS", "tier": "Premium"},
                     managed_by=rid(P, "rg-legacy-app", T_VM, "vm-nw-legacy-01")))
    prod.add(generic(P, "rg-legacy-app", T_NIC, "nic-vm-nw-legacy-01", "northeurope", tp("legacy-crm")))

    prod.add(we)
    prod.add(ne)
    ta_on = {"enabled": True, "workspace_id": law_sentinel, "region": "westeurope", "interval": 10}
    prod.flow_logs[we["id"]] = [
        flow_log(we, "fl-vnet-nw-prod-hub", vnet_hub, st_archive, retention_policy=retention(True, 365),
                 analytics=ta_on),
        flow_log(we, "fl-snet-nw-prod-web", subnet_id(vnet_spoke, "snet-web"), st_archive,
                 retention_policy=retention(True, 30), analytics={"enabled": False}),
        flow_log(we, "fl-nsg-nw-prod-app", nsg_app, st_archive, retention_policy=retention(True, 0),
                 analytics=ta_on),
    ]
    prod.flow_logs[ne["id"]] = [
        flow_log(ne, "fl-snet-nw-prod-data", subnet_id(vnet_data, "snet-data"), st_backup,
                 retention_policy=retention(True, 90), analytics={"enabled": False}, state="Failed"),
        flow_log(ne, "fl-nic-vm-nw-legacy-01", nic_legacy, st_backup, enabled=False,
                 retention_policy=retention(False, 0)),
    ]
    for fls in prod.flow_logs.values():
        for f in fls:
            prod.add(f)

    # --- Monitoring: action groups, alerts ---
    ag_secops = action_group(P, "rg-monitoring", "ag-nw-secops", "secops", emails=["secops", "soc-pager"],
                             arm_roles=[("Owners", OWNER)])
    ag_platform = action_group(P, "rg-monitoring", "ag-nw-platform", "platform", emails=["platform"])
    prod.add(ag_secops)
    prod.add(ag_platform)
    sub_scope_p = "/subscriptions/" + P
    adm = {"field": "category", "equals": "Administrative"}
    alerts_p = [
        activity_alert(P, "rg-monitoring", "ala-diagnostic-settings-delete", [sub_scope_p],
                       [adm, op("Microsoft.Insights/diagnosticSettings/delete")], [ag_secops["id"]], enabled=True,
                       description="Someone removed a diagnostic setting (T1562.008)"),
        activity_alert(P, "rg-monitoring", "ala-law-delete-or-write", ["subscriptions/" + P],
                       [adm, {"anyOf": [op("Microsoft.OperationalInsights/workspaces/delete"),
                                        op("Microsoft.OperationalInsights/workspaces/write")]}],
                       [ag_secops["id"]], enabled=True, description="Log Analytics workspace changed or deleted"),
        activity_alert(P, "rg-monitoring", "ala-cis-policy-assignments", [sub_scope_p],
                       [adm, {"field": "operationName",
                              "containsAny": ["Microsoft.Authorization/policyAssignments/write",
                                              "Microsoft.Authorization/policyAssignments/delete"]}],
                       [ag_platform["id"]], enabled=True),
        activity_alert(P, "rg-monitoring", "ala-cis-nsg-write", [sub_scope_p],
                       [adm, {"field": "resourceType", "equals": "Microsoft.Network/networkSecurityGroups"},
                        op("Microsoft.Network/networkSecurityGroups/write")], [ag_platform["id"]], enabled=True),
        activity_alert(P, "rg-monitoring", "ala-cis-nsg-delete", [sub_scope_p],
                       [adm, op("Microsoft.Network/networkSecurityGroups/delete")], [ag_platform["id"]]),
        activity_alert(P, "rg-monitoring", "ala-cis-security-solutions-write", [sub_scope_p],
                       [adm, op("Microsoft.Security/securitySolutions/write"),
                        {"field": "level", "equals": "Critical"}], [ag_secops["id"]], enabled=True),
        activity_alert(P, "rg-monitoring", "ala-cis-security-solutions-delete",
                       [sub_scope_p + "/resourceGroups/rg-security"],
                       [adm, op("Microsoft.Security/securitySolutions/delete")], [ag_secops["id"]], enabled=True),
        activity_alert(P, "rg-monitoring", "ala-cis-sql-firewall-rules", [sub_scope_p],
                       [adm, {"anyOf": [op("Microsoft.Sql/servers/firewallRules/write"),
                                        op("Microsoft.Sql/servers/firewallRules/delete")]}],
                       [ag_platform["id"]], enabled=True),
        activity_alert(P, "rg-monitoring", "ala-cis-public-ip-write", [sub_scope_p],
                       [adm, op("Microsoft.Network/publicIPAddresses/write")], [ag_platform["id"]], enabled=False,
                       description="Disabled during the 2026 migration; never re-enabled"),
        activity_alert(P, "rg-monitoring", "ala-cis-public-ip-delete", [sub_scope_p + "/"],
                       [adm, op("microsoft.network/publicipaddresses/delete")], [ag_platform["id"]], enabled=True),
        activity_alert(P, "rg-monitoring", "ala-service-health", [sub_scope_p],
                       [{"field": "category", "equals": "ServiceHealth"}], [ag_platform["id"]], enabled=True),
    ]
    for a in alerts_p:
        prod.add(a)
    prod.add(scheduled_query_rule(P, "rg-monitoring", "sqr-kv-purge-attempts", "westeurope", law_sentinel,
                                  "AZKVAuditLogs | where OperationName in ('SecretPurge','KeyPurge','VaultPurge')",
                                  [ag_secops["id"]], enabled=True, severity=1))

    # --- Defender, contacts, locks, roles ---
    prod.pricings = [
        pricing(P, "VirtualMachines", "Standard", sub_plan="P1", coverage="FullyCovered",
                extensions=[ext("MdeDesignatedSubscription", False)]),
        pricing(P, "SqlServers", "Standard", coverage="FullyCovered"),
        pricing(P, "AppServices", "Standard", coverage="FullyCovered"),
        pricing(P, "StorageAccounts", "Standard", sub_plan="DefenderForStorageV2", coverage="PartiallyCovered",
                extensions=[ext("OnUploadMalwareScanning"), ext("SensitiveDataDiscovery")]),
        pricing(P, "SqlServerVirtualMachines", "Free", coverage="NotCovered"),
        pricing(P, "KubernetesService", "Free", coverage="NotCovered", deprecated=True),
        pricing(P, "ContainerRegistry", "Free", coverage="NotCovered", deprecated=True),
        pricing(P, "KeyVaults", "Standard", sub_plan="PerKeyVault", coverage="FullyCovered"),
        pricing(P, "Dns", "Free", coverage="NotCovered", deprecated=True),
        pricing(P, "Arm", "Standard", sub_plan="PerSubscription", coverage="FullyCovered"),
        pricing(P, "OpenSourceRelationalDatabases", "Free", coverage="NotCovered"),
        pricing(P, "CosmosDbs", "Free", coverage="NotCovered"),
        pricing(P, "Containers", "Standard", coverage="FullyCovered",
                extensions=[ext("ContainerRegistriesVulnerabilityAssessments")]),
        pricing(P, "CloudPosture", "Standard", coverage="FullyCovered",
                extensions=[ext("AgentlessVmScanning"), ext("SensitiveDataDiscovery")]),
        pricing(P, "Api", "Free", coverage="NotCovered"),
    ]
    prod.contacts = [{
        "id": "/subscriptions/%s/providers/Microsoft.Security/securityContacts/default" % P,
        "name": "default", "type": "Microsoft.Security/securityContacts",
        "properties": {
            "notificationsByRole": {"state": "On", "roles": ["Owner"]},
            "isEnabled": True,
            "emails": "secops@%s;ciso@%s" % (DOMAIN, DOMAIN),
            "phone": "+44 20 7946 0321",
            "notificationsSources": [{"sourceType": "AttackPath", "minimalRiskLevel": "Critical"}],
        },
    }]
    rg_p = lambda rg: "/subscriptions/%s/resourceGroups/%s" % (P, rg)
    prod.locks = [
        lock(rg_p("rg-security"), "lock-rg-security-nodelete", "CanNotDelete",
             "Evidence stores: do not delete (IR runbook 4.2)"),
        lock(rg_p("rg-network"), "lock-rg-network-nodelete", "CanNotDelete", "Hub networking"),
        lock(kv_payments, "lock-kv-payments", "CanNotDelete", "PCI scope"),
    ]
    prod.role_assignments = [
        role_assignment(P, sub_scope_p, OWNER, "alice", "User"),
        role_assignment(P, sub_scope_p, OWNER, "platform-admins", "Group", tenant_form=True),
        role_assignment(P, sub_scope_p, USER_ACCESS_ADMIN, "sp-terraform", "ServicePrincipal"),
        role_assignment(P, sub_scope_p, CONTRIBUTOR, "sp-deploy-pipeline", "ServicePrincipal", tenant_form=True),
        role_assignment(P, sub_scope_p, CONTRIBUTOR, "bob", "User"),
        role_assignment(P, sub_scope_p, READER, "dave", "User"),
        role_assignment(P, "/subscriptions/%s/resourcegroups/rg-security" % P, KV_ADMIN, "carol", "User"),
        role_assignment(P, rg_p("rg-security"), SENTINEL_RESPONDER, "sentinel-responders", "Group",
                        tenant_form=True),
        role_assignment(P, rg_p("rg-security"), LA_READER, "soc-analysts", "Group"),
        role_assignment(P, kv_secrets, KV_SECRETS_OFFICER, "sp-app-backend", "ServicePrincipal"),
        role_assignment(P, kv_secrets, KV_SECRETS_USER, "sp-app-frontend", "ServicePrincipal"),
        role_assignment(P, kv_secrets, KV_ADMIN, "alice", "User", tenant_form=True),
        role_assignment(P, rg_p("rg-payments"), CONTRIBUTOR, "erin", "User"),
        role_assignment(P, rg_p("rg-payments"), KV_CONTRIBUTOR, "payments-devs", "Group"),
        role_assignment(P, kv_payments, KV_DATA_ACCESS_ADMIN, "frank", "User"),
        role_assignment(P, rg_p("rg-app"), CONTRIBUTOR, "app-team", "Group"),
        role_assignment(P, rg_p("rg-app"), OWNER, "grace", "User"),
    ]
    prod.sub_diag = [
        subscription_diag_setting(P, "activitylog-to-sentinel", [
            ("Administrative", True), ("Security", True), ("ServiceHealth", False), ("Alert", True),
            ("Recommendation", False), ("Policy", True), ("Autoscale", False), ("ResourceHealth", False)],
            workspace=law_sentinel),
        # allLogs category group, as in the upstream example.
        subscription_diag_setting(P, "activitylog-to-archive", storage=st_archive,
                                  logs=[{"categoryGroup": "allLogs", "enabled": True}]),
    ]

    # =========================== nw-dev (eastus / westeurope) ===========================
    td = lambda app, **kw: tags("dev", "dev-team@" + DOMAIN, app, **kw)

    uami_ci = dev.add(generic(D, "rg-dev-app", T_UAMI, "id-nw-dev-ci", "eastus", td("ci")))
    uami_dev_cmk = dev.add(generic(D, "rg-dev-security", T_UAMI, "id-nw-dev-audit-cmk", "westeurope",
                                   td("security")))

    dev.add(workspace(D, "rg-dev-monitoring", "law-nw-dev", "eastus", td("monitoring", sentinel="trial")),
            diag=[diag_setting(law_dev, "law-all", [group("allLogs")], workspace=law_dev)])
    dev.add(generic(D, "rg-dev-monitoring", T_SOLUTION, "SecurityInsights(law-nw-dev)", "eastus", td("monitoring"),
                    list_type=T_SOLUTION))
    dev.add(workspace(D, "rg-dev-monitoring", "law-nw-dev-apm", "eastus", td("apm"), retention_days=90,
                      purge30=False), diag=[])
    ws_d = listed_workspace_id(law_dev)
    dev.tables[ws_d] = [
        table(ws_d, "AzureDiagnostics", -1, -1),        # -> workspace retention, absent -> 30
        table(ws_d, "ContainerLogV2", 30, 30),
        table(ws_d, "KubePodInventory", 30, 30),
        table(ws_d, "SecurityAlert", 30, 30),
        table(ws_d, "SecurityIncident", 30, 30),
        table(ws_d, "Heartbeat", 30, 30),
    ]
    ws_a = listed_workspace_id(law_dev_apm)
    dev.tables[ws_a] = [
        table(ws_a, "AppRequests", 90, 90),
        table(ws_a, "AppDependencies", 90, 90),
        table(ws_a, "AppTraces", 90, 90),
        table(ws_a, "AppExceptions", 90, 180, 90),
    ]
    dev.sentinel[ws_d] = {
        "connectors": [
            connector(ws_d, "AzureActiveDirectory", [("alerts", "Enabled")], tenantId=TENANT),
            connector(ws_d, "AzureSecurityCenter", [("alerts", "Disabled")], subscriptionId=D),
            connector(ws_d, "MicrosoftThreatProtection", [("incidents", "enabled"), ("alerts", "Disabled")],
                      tenantId=TENANT),
        ],
        "rules": [
            alert_rule(ws_d, "Scheduled", "Dev: suspicious kubectl exec", False, severity="Low",
                       query="AzureDiagnostics | where Category == 'kube-audit' and log_s has 'exec'"),
        ],
        "settings": [
            sentinel_setting(ws_d, "Anomalies", {"isEnabled": True}),
            sentinel_setting(ws_d, "EyesOn", {"isEnabled": True}),
        ],
    }

    kv_dev_app = rid(D, "rg-dev-app", T_VAULT, "kv-nw-dev-app")
    dev.add(vault(D, "rg-dev-app", "kv-nw-dev-app", "eastus", td("portal"), rbac=True, soft_delete=True,
                  soft_delete_days=7, public_network="enabled",
                  private_endpoints=[("pe-kv-nw-dev-app.%s" % guid("pec:kv-dev-app")[:8],
                                      rid(D, "rg-dev-app", T_PE, "pe-kv-nw-dev-app"), "Pending")]),
            diag=[diag_setting(kv_dev_app, "kv-all-to-law", [group("allLogs"), group("audit", False)],
                               workspace=law_dev)])
    kv_dev_tools = rid(D, "rg-dev-tools", T_VAULT, "kv-nw-dev-tools")
    pe_tools = rid(D, "rg-dev-tools", T_PE, "pe-kv-nw-dev-tools")
    dev.add(vault(D, "rg-dev-tools", "kv-nw-dev-tools", "eastus", td("tooling"), rbac=False, soft_delete=False,
                  purge_protection=False, public_network="Disabled",
                  access_policies=[access_policy("dev-team", keys=["all"], secrets=["all"], certificates=["all"]),
                                   access_policy("sp-dev-pipeline", secrets=["get", "list"])],
                  private_endpoints=[("pe-kv-nw-dev-tools.%s" % guid("pec:kv-dev-tools")[:8], pe_tools,
                                      "Approved")]),
            diag=[diag_setting(kv_dev_tools, "kv-to-law-unfinished", [cat("AuditEvent")], workspace="")])
    dev.add(generic(D, "rg-dev-tools", T_PE, "pe-kv-nw-dev-tools", "eastus", td("tooling")))

    # Storage
    dev.add(storage_account(D, "rg-dev-monitoring", "stnwdevlogs", "eastus", td("monitoring", data="logs"),
                            allow_blob_public=False, public_network="Enabled", network_default="Deny", bypass="None",
                            shared_key=True, tls="TLS1_2"))
    dev.diag[st_devlogs + "/blobServices/default"] = [
        diag_setting(st_devlogs + "/blobServices/default", "blob-to-law",
                     [cat("StorageRead"), cat("StorageWrite"), cat("StorageDelete")], workspace=law_dev)]
    for svc in ("file", "queue", "table"):
        dev.diag["%s/%sServices/default" % (st_devlogs, svc)] = []
    dev.blob_services[st_devlogs] = blob_service(st_devlogs, retention(True, 7), retention(True, 7))
    dev.containers[st_devlogs] = [container(st_devlogs, "insights-logs-flowlogflowevent")]

    dev.add(storage_account(D, "rg-dev-app", "stnwdevscratch", "eastus", td("portal"),
                            allow_blob_public=False, public_network="Enabled", network_default="Allow",
                            https=False))
    for svc in ("blob", "file", "queue", "table"):
        dev.diag["%s/%sServices/default" % (st_devscratch, svc)] = []
    dev.blob_services[st_devscratch] = blob_service(st_devscratch)
    dev.containers[st_devscratch] = [container(st_devscratch, "uploads"), container(st_devscratch, "tmp")]

    dev.add(storage_account(D, "rg-dev-security", "stnwdevaudit", "westeurope", td("security", data="logs", WORM="True"),
                            kind="BlockBlobStorage", sku="Premium_LRS", endpoints=("blob",),
                            allow_blob_public=False, public_network="Disabled", network_default="Allow",
                            shared_key=False, tls="TLS1_3",
                            cmk=("cmk-devaudit", "kv-nw-dev-app", uami_dev_cmk["id"]),
                            identity={"type": "UserAssigned", "userAssignedIdentities": {uami_dev_cmk["id"]: {
                                "principalId": guid("principal:id-nw-dev-audit-cmk"),
                                "clientId": guid("client:id-nw-dev-audit-cmk")}}},
                            vlw={"enabled": True, "immutabilityPolicy": {
                                "immutabilityPeriodSinceCreationInDays": 365, "allowProtectedAppendWrites": True,
                                "state": "Locked"}}))
    dev.diag[st_devaudit + "/blobServices/default"] = [
        diag_setting(st_devaudit + "/blobServices/default", "blob-to-law",
                     [cat("StorageRead"), cat("StorageWrite"), cat("StorageDelete")], workspace=law_dev)]
    dev.blob_services[st_devaudit] = blob_service(st_devaudit, retention(True, 14), retention(True, 14), True)
    dev.containers[st_devaudit] = [container(st_devaudit, "insights-logs-kube-audit", vlw=True),
                                   container(st_devaudit, "insights-logs-kube-audit-admin", vlw=True)]

    # Compute / app
    dev.add(generic(D, "rg-dev-app", T_PLAN, "asp-nw-dev-portal", "eastus", td("portal"),
                    sku={"name": "B1", "tier": "Basic", "size": "B1", "family": "B", "capacity": 1}, kind="app"))
    dsite = dev.add(generic(D, "rg-dev-app", T_SITE, "app-nw-dev-portal", "eastus", td("portal"), kind="app"))
    dev.diag[dsite["id"]] = [diag_setting(dsite["id"], "appsvc-all", [group("allLogs")], workspace=law_dev,
                                          storage=st_devscratch)]
    dlogic = dev.add(generic(D, "rg-dev-app", T_LOGIC, "logic-nw-dev-test", "eastus", td("hr-offboarding")))
    dev.diag[dlogic["id"]] = [diag_setting(dlogic["id"], "logic-runtime", [cat("WorkflowRuntime")],
                                           workspace=law_dev)]
    devhns = dev.add(generic(D, "rg-dev-app", T_EVHNS, "evhns-nw-dev", "eastus", td("events"),
                             sku={"name": "Basic", "tier": "Basic", "capacity": 1}))
    dev.diag[devhns["id"]] = []
    dev.add(generic(D, "rg-dev-app", T_SQL, "sql-nw-dev", "eastus", td("portal"), kind="v12.0"))
    dsqldb = dev.add(generic(D, "rg-dev-app", T_SQLDB, "sql-nw-dev/sqldb-portal-dev", "eastus", td("portal"),
                             sku={"name": "Basic", "tier": "Basic", "capacity": 5}, kind="v12.0,user"))
    dev.diag[dsqldb["id"]] = []
    aks = dev.add(generic(D, "rg-dev-aks", T_AKS, "aks-nw-dev", "eastus", td("platform"),
                          sku={"name": "Base", "tier": "Free"},
                          identity={"type": "SystemAssigned", "principalId": guid("principal:aks-nw-dev"),
                                    "tenantId": TENANT}))
    dev.diag[aks["id"]] = [diag_setting(aks["id"], "aks-audit", [cat("kube-audit"), cat("kube-audit-admin"),
                                                                cat("guard"), cat("kube-apiserver", False)],
                                        workspace=law_dev, storage=st_devaudit, dedicated="AzureDiagnostics")]
    dev.add(generic(D, "rg-dev-app", T_VM, "vm-nw-dev-jumpbox", "eastus", td("jumpbox"),
                    identity={"type": "UserAssigned", "userAssignedIdentities": {uami_ci["id"]: {
                        "principalId": guid("principal:id-nw-dev-ci"), "clientId": guid("client:id-nw-dev-ci")}}}))
    dev.add(generic(D, "rg-dev-app", T_DISK, "vm-nw-dev-jumpbox_OsDisk_1_%s" % guid("disk:jump")[:32].replace("-", ""),
                    "eastus", td("jumpbox"), sku={"name": "StandardSSD_LRS", "tier": "Standard"},
                    managed_by=rid(D, "rg-dev-app", T_VM, "vm-nw-dev-jumpbox")))
    dev.add(generic(D, "rg-dev-app", T_NIC, "nic-vm-nw-dev-jumpbox", "eastus", td("jumpbox")))
    dpip = dev.add(generic(D, "rg-dev-app", T_PIP, "pip-nw-dev-jumpbox", "eastus", td("jumpbox"),
                           sku={"name": "Standard", "tier": "Regional"}))
    dev.diag[dpip["id"]] = []

    # Network
    dvnet = rid(D, "rg-dev-network", T_VNET, "vnet-nw-dev")
    dnsg = rid(D, "rg-dev-network", T_NSG, "nsg-nw-dev-app")
    dev.add(vnet(D, "rg-dev-network", "vnet-nw-dev", "eastus", td("network"), ["10.50.0.0/20"], [
        ("snet-dev-app", "10.50.0.0/24", dnsg),
        ("snet-dev-aks", "10.50.4.0/22", None),
    ]))
    dev.add(vnet(D, "rg-dev-network", "vnet-nw-dev-sandbox", "westeurope", td("sandbox"), ["10.60.0.0/24"], [
        ("snet-sandbox", "10.60.0.0/25", None),
    ]))
    dev.add(nsg(D, "rg-dev-network", "nsg-nw-dev-app", "eastus", td("network"),
                rules=[("allow-ssh-office", "Inbound", "Allow", "22", "198.51.100.0/24")],
                subnets=[subnet_id(dvnet, "snet-dev-app")]),
            diag=[diag_setting(dnsg, "nsg-to-law-unfinished", [group("allLogs")], workspace="")])
    dwe = watcher(D, "eastus")
    dev.add(dwe)
    dev.flow_logs[dwe["id"]] = [
        flow_log(dwe, "fl-vnet-nw-dev", dvnet, st_devlogs, retention_policy=retention(True, 7),
                 analytics={"enabled": True, "interval": 60}),
    ]
    for f in dev.flow_logs[dwe["id"]]:
        dev.add(f)

    # Monitoring
    rg_d = lambda rg: "/subscriptions/%s/resourceGroups/%s" % (D, rg)
    ag_oncall = action_group(D, "rg-dev-monitoring", "ag-nw-dev-oncall", "devoncall", emails=["dev-oncall"])
    ag_paused = action_group(D, "rg-dev-monitoring", "ag-nw-dev-paused", "devpaused", enabled=False,
                             emails=["dev-lead"])
    ag_empty = action_group(D, "rg-dev-monitoring", "ag-nw-dev-empty", "devempty")
    for a in (ag_oncall, ag_paused, ag_empty):
        dev.add(a)
    ag_retired = ("/subscriptions/%s/resourceGroups/rg-dev-monitoring/providers/microsoft.insights/actionGroups/"
                  "ag-nw-dev-retired" % D)
    sub_scope_d = "/subscriptions/" + D
    for a in [
        activity_alert(D, "rg-dev-monitoring", "ala-dev-diag-settings-delete", [rg_d("rg-dev-app")],
                       [adm, op("Microsoft.Insights/diagnosticSettings/delete")], [ag_oncall["id"]], enabled=True),
        activity_alert(D, "rg-dev-monitoring", "ala-dev-law-delete", [sub_scope_d],
                       [adm, op("Microsoft.OperationalInsights/workspaces/delete")], [ag_oncall["id"]],
                       enabled=False),
        activity_alert(D, "rg-dev-monitoring", "ala-dev-nsg-write", [sub_scope_d],
                       [adm, op("Microsoft.Network/networkSecurityGroups/write")], [ag_retired], enabled=True),
        activity_alert(D, "rg-dev-monitoring", "ala-dev-policy-assignment-write", [sub_scope_d],
                       [adm, op("Microsoft.Authorization/policyAssignments/write")], [ag_paused["id"]],
                       enabled=True),
    ]:
        dev.add(a)
    dev.add(scheduled_query_rule(D, "rg-dev-monitoring", "sqr-dev-failed-signins", "eastus", law_dev,
                                 "SigninLogs | where ResultType != 0 | summarize count() by UserPrincipalName",
                                 [ag_empty["id"]], enabled=True))
    dev.add(scheduled_query_rule(D, "rg-dev-monitoring", "sqr-dev-noisy-pod-restarts", "eastus", law_dev,
                                 "KubePodInventory | where PodRestartCount > 5", [ag_oncall["id"]], enabled=False,
                                 severity=4))

    dev.pricings = [
        pricing(D, "VirtualMachines", "Standard"),          # no subPlan: counts as P2
        pricing(D, "SqlServers", "free", coverage="NotCovered"),
        pricing(D, "AppServices", "Free", coverage="NotCovered"),
        pricing(D, "StorageAccounts", "Free", coverage="NotCovered"),
        pricing(D, "KeyVaults", "Free", coverage="NotCovered"),
        pricing(D, "Arm", "Standard", sub_plan="PerSubscription", coverage="FullyCovered"),
        pricing(D, "Containers", "Standard", coverage="NotCovered"),
        pricing(D, "Api", "Free", coverage="NotCovered"),
    ]
    dev.contacts = [{
        "id": "/subscriptions/%s/providers/Microsoft.Security/securityContacts/default1" % D,
        "name": "default1", "type": "Microsoft.Security/securityContacts",
        "properties": {
            "emails": "dev-oncall@" + DOMAIN,
            "phone": "",
            "alertNotifications": {"state": "On", "minimalSeverity": "Medium"},
            "notificationsByRole": {"state": "On", "roles": ["Owner", "ServiceAdmin"]},
        },
    }]
    dev.locks = [lock(sub_scope_d, "lock-sub-nw-dev-nodelete", "CanNotDelete",
                      "Whole dev subscription: no deletes without a change ticket")]
    dev.role_assignments = [
        role_assignment(D, sub_scope_d, OWNER, "hank", "User", tenant_form=True),
        role_assignment(D, sub_scope_d, OWNER, "ivy", "User"),
        role_assignment(D, sub_scope_d, OWNER, "dev-team", "Group"),
        role_assignment(D, sub_scope_d, USER_ACCESS_ADMIN, "jack", "User"),
        role_assignment(D, sub_scope_d, RBAC_ADMIN, "sp-dev-automation", "ServicePrincipal", tenant_form=True),
        role_assignment(D, sub_scope_d, CONTRIBUTOR, "sp-dev-pipeline", "ServicePrincipal"),
        role_assignment(D, sub_scope_d, READER, "auditors", "Group"),
        role_assignment(D, kv_dev_app, KV_ADMIN, "kim", "User"),
        role_assignment(D, rg_d("rg-dev-aks"), CONTRIBUTOR, "aks-nw-dev", "ServicePrincipal"),
    ]
    dev.sub_diag = [
        subscription_diag_setting(D, "activitylog-dev", [
            ("Administrative", True), ("Security", True), ("ServiceHealth", False), ("Alert", True),
            ("Recommendation", False), ("Policy", True), ("Autoscale", False), ("ResourceHealth", False)],
            workspace="", quirky=True),
    ]

    # =========================== tenant (Entra ID) ===========================
    ws_entra = listed_workspace_id(law_sentinel)     # lower-cased, as the portal writes it
    entra = [
        entra_setting("entra-to-sentinel", [
            ("AuditLogs", True), ("SignInLogs", True), ("NonInteractiveUserSignInLogs", True),
            ("ServicePrincipalSignInLogs", False), ("ManagedIdentitySignInLogs", False),
            ("ProvisioningLogs", True), ("ADFSSignInLogs", False), ("RiskyUsers", True),
            ("UserRiskEvents", True), ("MicrosoftGraphActivityLogs", False)], workspace=ws_entra),
        entra_setting("entra-archive", [("AuditLogs", True), ("SignInLogs", True)], storage=st_archive),
        entra_setting("entra-legacy-siem", [("ServicePrincipalSignInLogs", True)],
                      service_bus=evhns_prod + "/authorizationrules/RootManageSharedAccessKey"),
        entra_setting("entra-mi-test", [("ManagedIdentitySignInLogs", True)], workspace=""),
    ]

    return [prod, dev, legacy], entra


# --------------------------------------------------------------------------
# From estate to exchanges.
# --------------------------------------------------------------------------

def get(path, api, body, status=200, headers=None):
    sep = "&" if "?" in path else "?"
    ex = {"method": "GET", "url": "%s%sapi-version=%s" % (path, sep, api), "status": status}
    if headers:
        ex["headers"] = headers
    ex["body"] = body
    return ex


def listing(items):
    return {"value": list(items)}


def strip_internal(body):
    """Drop generator-only keys before a body goes on the wire."""
    if isinstance(body, dict):
        return {k: strip_internal(v) for k, v in body.items() if k != "list_type"}
    if isinstance(body, list):
        return [strip_internal(v) for v in body]
    return body


def authorization_failed(sub, action):
    return {"error": {"code": "AuthorizationFailed", "message": (
        "The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope "
        "'/subscriptions/%s' or the scope is invalid. If access is through delegation, please refresh your "
        "credentials." % (SCANNER_APP_ID, SCANNER_OBJECT_ID, action, sub))}}


# Per-subscription list calls: (row, path suffix, api key, action named in a 403).
SUB_LISTS = [
    (4, "/resources", "resources", "Microsoft.Resources/subscriptions/resources/read"),
    (5, "/providers/Microsoft.Insights/diagnosticSettings", "diag", "Microsoft.Insights/diagnosticSettings/read"),
    (6, "/providers/Microsoft.KeyVault/vaults", "vaults", "Microsoft.KeyVault/vaults/read"),
    (7, "/providers/Microsoft.Storage/storageAccounts", "storage", "Microsoft.Storage/storageAccounts/read"),
    (10, "/providers/Microsoft.OperationalInsights/workspaces", "workspaces",
     "Microsoft.OperationalInsights/workspaces/read"),
    (13, "/providers/Microsoft.Insights/activityLogAlerts", "activityLogAlerts",
     "Microsoft.Insights/activityLogAlerts/read"),
    (14, "/providers/Microsoft.Insights/scheduledQueryRules", "scheduledQueryRules",
     "Microsoft.Insights/scheduledQueryRules/read"),
    (15, "/providers/Microsoft.Insights/actionGroups", "actionGroups", "Microsoft.Insights/actionGroups/read"),
    (16, "/providers/Microsoft.Security/pricings", "pricings", "Microsoft.Security/pricings/read"),
    (17, "/providers/Microsoft.Security/securityContacts", "securityContacts",
     "Microsoft.Security/securityContacts/read"),
    (18, "/providers/Microsoft.Network/networkWatchers", "network", "Microsoft.Network/networkWatchers/read"),
    (20, "/providers/Microsoft.Authorization/locks", "locks", "Microsoft.Authorization/locks/read"),
    (21, "/providers/Microsoft.Authorization/roleAssignments", "roleAssignments",
     "Microsoft.Authorization/roleAssignments/read"),
    (26, "/providers/Microsoft.Network/virtualNetworks", "network", "Microsoft.Network/virtualNetworks/read"),
    (27, "/providers/Microsoft.Network/networkSecurityGroups", "network",
     "Microsoft.Network/networkSecurityGroups/read"),
]


def sub_list_body(sub, row):
    if row == 4:
        return listing(resource_item(r) for r in sub.resources)
    if row == 5:
        return listing(sub.sub_diag)
    if row == 6:
        return listing(sub.of_type(T_VAULT))
    if row == 7:
        return listing(sub.of_type(T_STORAGE))
    if row == 10:
        items = []
        for w in sub.of_type(T_WORKSPACE):
            w = dict(w)
            w["id"] = listed_workspace_id(w["id"])
            items.append(w)
        return listing(items)
    if row == 13:
        return listing(sub.of_type(T_ALERT))
    if row == 14:
        return listing(sub.of_type(T_SQR))
    if row == 15:
        return listing(sub.of_type(T_AG))
    if row == 16:
        return listing(sub.pricings)
    if row == 17:
        return listing(sub.contacts)
    if row == 18:
        return listing(sub.of_type(T_WATCHER))
    if row == 20:
        return listing(sub.locks)
    if row == 21:
        return listing(sub.role_assignments)
    if row == 26:
        return listing(sub.of_type(T_VNET))
    if row == 27:
        return listing(sub.of_type(T_NSG))
    raise ValueError(row)


def archive_accounts(subs, entra):
    """Ids (lower case) named as storageAccountId by any setting or storageId by any flow log."""
    named = set()
    settings = list(entra)
    for s in subs:
        settings += s.sub_diag
        for lst in s.diag.values():
            settings += lst
        for fls in s.flow_logs.values():
            for f in fls:
                if f["properties"].get("storageId"):
                    named.add(f["properties"]["storageId"].lower())
    for st in settings:
        sa = st["properties"].get("storageAccountId")
        if sa:
            named.add(sa.lower())
    return named


def per_resource_exchanges(sub, archives):
    """Rows 12, 8, 11, 22-25, 19, 9, 9a for one subscription, in resource-list order."""
    out = []
    D = API["diag"]
    for r in sub.resources:
        t = r["type"].lower()
        if t not in LOG_CAPABLE:
            continue
        if t == T_STORAGE.lower():
            for svc in services_of(r):
                sid = "%s/%sServices/default" % (r["id"], svc)
                out.append(get(sid + "/providers/Microsoft.Insights/diagnosticSettings", D,
                               listing(sub.diag.get(sid, []))))
        else:
            out.append(get(r["id"] + "/providers/Microsoft.Insights/diagnosticSettings", D,
                           listing(sub.diag.get(r["id"], []))))
    for a in sub.of_type(T_STORAGE):
        if "blob" in services_of(a):
            out.append(get(a["id"] + "/blobServices/default", API["storage"], sub.blob_services[a["id"]]))
    for w in sub.of_type(T_WORKSPACE):
        wid = listed_workspace_id(w["id"])
        out.append(get(wid + "/tables", API["workspaces"], listing(sub.tables.get(wid, []))))
        sen = sub.sentinel.get(wid)
        out.append(get(wid + "/providers/Microsoft.SecurityInsights/onboardingStates", API["sentinel"],
                       listing([onboarding_state(wid)] if sen else [])))
        if sen:
            out.append(get(wid + "/providers/Microsoft.SecurityInsights/dataConnectors", API["sentinel"],
                           listing(sen["connectors"])))
            out.append(get(wid + "/providers/Microsoft.SecurityInsights/alertRules", API["sentinel"],
                           listing(sen["rules"])))
            out.append(get(wid + "/providers/Microsoft.SecurityInsights/settings", API["sentinelSettings"],
                           listing(sen["settings"])))
    for wt in sub.of_type(T_WATCHER):
        out.append(get(wt["id"] + "/flowLogs", API["network"], listing(sub.flow_logs.get(wt["id"], []))))
    for a in sub.of_type(T_STORAGE):
        if a["id"].lower() not in archives:
            continue
        items = sub.containers.get(a["id"], [])
        out.append(get(a["id"] + "/blobServices/default/containers", API["storage"], listing(items)))
        for ci in items:
            p = ci["properties"]
            if (ci["name"].startswith("insights-") and p.get("hasImmutabilityPolicy")
                    and "immutabilityPolicy" not in p):
                out.append(get(ci["id"] + "/immutabilityPolicies/default", API["storage"],
                               sub.imm_policies[ci["id"]]))
    return out


def build_exchanges(subs, entra, variant="demo"):
    out = [get("/subscriptions", API["subscriptions"],
               listing(subscription_item(s.id, s.name, s.state) for s in subs))]
    out.append(get("/providers/microsoft.aadiam/diagnosticSettings", API["aadiam"], listing(entra)))
    archives = archive_accounts([s for s in subs if s.state == "Enabled"], entra)
    enabled = [s for s in subs if s.state == "Enabled"]
    for n, sub in enumerate(enabled):
        denied = variant == "partial-failure" and n == 1
        for row, suffix, api, action in SUB_LISTS:
            path = "/subscriptions/%s%s" % (sub.id, suffix)
            if denied:
                out.append(get(path, API[api], authorization_failed(sub.id, action), status=403,
                               headers={"x-ms-failure-cause": "gateway"}))
                continue
            body = sub_list_body(sub, row)
            if variant == "partial-failure" and n == 0 and row == 6:
                body = malform_vault(body, "kv-nw-prod-payments")
            if variant == "throttled" and n == 0 and row == 7:
                out.append(get(path, API[api], {"error": {
                    "code": "TooManyRequests",
                    "message": "The request is being throttled as the limit has been reached for operation type "
                               "- Read_ObservationWindow_00:00:05. For more information, see - "
                               "https://aka.ms/srpthrottlinglimits"}},
                    status=429, headers={"Retry-After": "1"}))
            if variant == "throttled" and n == 0 and row == 6:
                page2 = "%s?api-version=%s&$skiptoken=page2" % (path, API[api])
                first = {"value": body["value"][:2], "nextLink": ARM + page2}
                out.append(get(path, API[api], first))
                out.append({"method": "GET", "url": page2, "status": 200, "body": {"value": body["value"][2:]}})
                continue
            out.append(get(path, API[api], body))
        if not denied:
            out.extend(per_resource_exchanges(sub, archives))
    return [strip_internal(e) for e in out]


def malform_vault(body, name):
    items = []
    for v in body["value"]:
        if v["name"] == name:
            v = json.loads(json.dumps(v))
            v["properties"]["enableRbacAuthorization"] = "yes please"
            v["properties"]["networkAcls"] = 42
        items.append(v)
    return {"value": items}


# --------------------------------------------------------------------------
# Writing.
# --------------------------------------------------------------------------

COMMENTS = {
    "demo": [
        "azward demo estate: Northwind Forensics Demo (fictional company, made-up ids).",
        "Subscriptions: nw-prod %s, nw-dev %s, nw-legacy %s (Disabled: skipped)." % (PROD, DEV, LEGACY),
        "Tenant %s. Expected results per check: demo/EXPECTED.md." % TENANT,
        "GENERATED by tools/gen_demo.py -- do not edit by hand; edit the generator and re-run it.",
    ],
    "partial-failure": [
        "Test recording derived from the demo estate (tools/gen_demo.py; do not edit by hand).",
        "Every per-subscription list of nw-dev (%s) answers 403 AuthorizationFailed;" % DEV,
        "no per-resource reads of nw-dev are recorded. In nw-prod's vault list, kv-nw-prod-payments has",
        "enableRbacAuthorization \"yes please\" and networkAcls 42 (wrong types); its diagnostic settings read is intact.",
    ],
    "throttled": [
        "Test recording derived from the demo estate (tools/gen_demo.py; do not edit by hand).",
        "nw-prod's storage account list answers 429 (Retry-After: 1) once, then 200;",
        "nw-prod's vault list comes in two pages joined by an absolute nextLink ($skiptoken=page2).",
    ],
}


def render(exchanges, variant):
    lines = ["# " + c for c in COMMENTS[variant]]
    lines.append(json.dumps({"recording": 1, "cloud": "AzureCloud", "tenant_id": TENANT,
                             "recorded_at": RECORDED_AT, "tool": TOOL}, separators=(", ", ": ")))
    for e in exchanges:
        lines.append(json.dumps(e, separators=(",", ":"), ensure_ascii=False))
    return "\n".join(lines) + "\n"


def write(rel, text):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print("wrote %s (%d lines, %d bytes)" % (rel, text.count("\n"), len(text.encode("utf-8"))))


def main():
    outputs = [("demo/estate.jsonl", "demo"),
               ("tests/recordings/partial-failure.jsonl", "partial-failure"),
               ("tests/recordings/throttled.jsonl", "throttled")]
    for rel, variant in outputs:
        subs, entra = build_estate()      # fresh objects per variant: no shared mutation
        write(rel, render(build_exchanges(subs, entra, variant), variant))
    return 0


if __name__ == "__main__":
    sys.exit(main())
