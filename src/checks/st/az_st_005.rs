//! AZ-ST-005: secure transfer and TLS 1.2 or later.

use super::*;

pub static CHECK: Check = Check {
    id: "AZ-ST-005",
    title: "Storage account requires HTTPS and TLS 1.2 or later",
    family: Family::St,
    severity: Severity::Medium,
    scope: Scope::Resource,
    condition: "`supportsHttpsTrafficOnly` is true (absent counts as true) and `minimumTlsVersion` is TLS1_2 or later \
(absent counts as TLS1_0).",
    rationale: "Plain HTTP and old TLS versions expose keys, SAS tokens and data to anyone on the path, and a token captured \
this way is used like a legitimate one: nothing in the logs distinguishes it. Requiring HTTPS with TLS 1.2 or later closes \
that path, so a responder does not have to treat every client network as a possible point of credential theft.",
    reads: "7",
    parameters: &[],
    references: &[cis("4.1"), cis("4.15"), policy("404c3081")],
    remediation: Remediation {
        portal: &[
            "Open the storage account > Settings > Configuration.",
            "Set 'Secure transfer required' to Enabled and 'Minimum TLS version' to 'Version 1.2', then Save.",
        ],
        cli: "az storage account update --name {name} --resource-group {resource_group} --subscription {subscription} --https-only true --min-tls-version TLS1_2",
        bicep: r#"resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
  }
}"#,
    },
    evaluate,
};

/// `TLS1_2`, `TLS1_3` (and any later `TLSx_y`) are 1.2 or later; anything
/// else, including a value that does not parse, is not.
fn tls_1_2_or_later(v: &str) -> bool {
    let v = v.trim();
    let Some(rest) = v
        .get(..3)
        .filter(|p| p.eq_ignore_ascii_case("TLS"))
        .and(v.get(3..))
    else {
        return false;
    };
    let mut parts = rest.split(['_', '.']);
    let major = parts.next().and_then(|p| p.parse::<u32>().ok());
    let minor = parts.next().and_then(|p| p.parse::<u32>().ok());
    match (major, minor, parts.next()) {
        (Some(major), Some(minor), None) => (major, minor) >= (1, 2),
        _ => false,
    }
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_item(
        ctx.inv,
        "storage accounts",
        "storage account",
        |s| &s.storage_accounts,
        |out, sub, a| {
            let name = a.display_name();
            let p = a.props();
            let https = a.https_only();
            let tls = a.minimum_tls_version();
            let tls_ok = tls_1_2_or_later(&tls);
            let https_text = match p.supports_https_traffic_only {
                Some(true) => "HTTPS only",
                Some(false) => "HTTP allowed (supportsHttpsTrafficOnly is false)",
                None => "HTTPS only (supportsHttpsTrafficOnly not set, defaults to true)",
            };
            let tls_text = match p.minimum_tls_version {
                Some(_) => format!("minimum TLS version {tls}"),
                None => "minimumTlsVersion not set (defaults to TLS1_0)".to_string(),
            };
            let reason = format!("account '{name}': {https_text}, {tls_text}");
            if https && tls_ok {
                out.pass(&a.id, Some(&sub.id), reason);
            } else {
                out.fail(&a.id, Some(&sub.id), reason);
            }
        },
    );
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    #[test]
    fn tls_versions() {
        assert!(tls_1_2_or_later("TLS1_2"));
        assert!(tls_1_2_or_later("tls1_3"));
        assert!(tls_1_2_or_later("TLS2_0"));
        assert!(!tls_1_2_or_later("TLS1_1"));
        assert!(!tls_1_2_or_later("TLS1_0"));
        assert!(!tls_1_2_or_later("TLS1"));
        assert!(!tls_1_2_or_later("SSL3_0"));
        assert!(!tls_1_2_or_later(""));
    }

    #[test]
    fn https_tls_defaults_and_malformed() {
        let mut inv = inv();
        let ids: Vec<String> = [
            "st12",
            "st13",
            "st11",
            "sthttp",
            "stdefault",
            "stdefaulthttps",
            "stbad",
        ]
        .iter()
        .map(|n| rid("rg", "Microsoft.Storage/storageAccounts", n))
        .collect();
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": ids[0], "name": "st12", "properties": {"supportsHttpsTrafficOnly": true, "minimumTlsVersion": "TLS1_2"}}),
            json!({"id": ids[1], "name": "st13", "properties": {"minimumTlsVersion": "TLS1_3"}}),
            json!({"id": ids[2], "name": "st11", "properties": {"supportsHttpsTrafficOnly": true, "minimumTlsVersion": "TLS1_1"}}),
            json!({"id": ids[3], "name": "sthttp", "properties": {"supportsHttpsTrafficOnly": false, "minimumTlsVersion": "TLS1_2"}}),
            json!({"id": ids[4], "name": "stdefault", "properties": {}}),
            json!({"id": ids[5], "name": "stdefaulthttps", "properties": {"minimumTlsVersion": "TLS1_2"}}),
            json!({"id": ids[6], "name": "stbad", "properties": {"minimumTlsVersion": 12}}),
        ]));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 7);
        assert_result(
            &f,
            &ids[0],
            Status::Pass,
            "HTTPS only, minimum TLS version TLS1_2",
        );
        assert_result(&f, &ids[1], Status::Pass, "minimum TLS version TLS1_3");
        assert_result(&f, &ids[2], Status::Fail, "minimum TLS version TLS1_1");
        assert_result(
            &f,
            &ids[3],
            Status::Fail,
            "supportsHttpsTrafficOnly is false",
        );
        assert_result(
            &f,
            &ids[4],
            Status::Fail,
            "minimumTlsVersion not set (defaults to TLS1_0)",
        );
        assert_result(&f, &ids[5], Status::Pass, "defaults to true");
        assert_result(&f, &ids[6], Status::Error, "could not be parsed");
    }

    #[test]
    fn failed_list_is_one_error() {
        let mut inv = inv();
        sub(&mut inv).storage_accounts = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Storage/storageAccounts",
        ));
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 1);
        assert_result(&f, &sub_id(), Status::Error, "AuthorizationFailed");
    }
}
