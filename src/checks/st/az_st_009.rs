//! AZ-ST-009: the log archive account uses a customer-managed key.

use super::support::each_archive_account;
use super::*;
use crate::inventory::eq_ci;

pub static CHECK: Check = Check {
    id: "AZ-ST-009",
    title: "Log archive account is encrypted with a customer-managed key",
    family: Family::St,
    severity: Severity::Low,
    scope: Scope::Resource,
    condition: "(log archive accounts) `encryption.keySource` is Microsoft.Keyvault (a customer-managed key). When a read that could name a log archive account fails, one error on the subscription where it failed (\"archive \
accounts may be missing\"); accounts that no read names are then not reported (never not_applicable).",
    rationale: "With a customer-managed key the organisation, not the platform, controls who can decrypt the archived logs: \
access to the key is a separate, audited permission in Key Vault, and revoking it cuts off every copy at once. For a \
responder this means reads of the archive need both storage and key access, and every key use leaves an AuditEvent.",
    reads: "7, and 2, 5, 12, 19 to find log archive accounts",
    parameters: &[],
    references: &[cis("6.1.3")],
    remediation: Remediation {
        portal: &[
            "Create or pick a key in a Key Vault with soft delete and purge protection, and give the account's managed identity the 'Key Vault Crypto Service Encryption User' role on it.",
            "Open the log archive storage account > Security + networking > Encryption.",
            "Choose 'Customer-managed keys', select the key vault and key (or key URI) and the identity, then Save.",
        ],
        cli: "az storage account update --name {name} --resource-group {resource_group} --subscription {subscription} \
--encryption-key-source Microsoft.Keyvault --encryption-key-vault <key-vault-uri> --encryption-key-name <key-name> \
--key-vault-user-identity-id <user-assigned-identity-id> --identity-type UserAssigned --user-identity-id <user-assigned-identity-id>",
        bicep: r#"resource archive 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_GRS' }
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    encryption: {
      keySource: 'Microsoft.Keyvault'
      identity: { userAssignedIdentity: identityId }
      keyvaultproperties: { keyvaulturi: keyVaultUri, keyname: keyName }
      services: { blob: { enabled: true } }
    }
  }
}"#,
    },
    evaluate,
};

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    each_archive_account(ctx, &mut out, |out, sub, a| {
        let name = a.display_name();
        let source = a
            .props()
            .encryption
            .as_ref()
            .and_then(|e| e.key_source.clone());
        if eq_ci(source.as_deref(), "Microsoft.Keyvault") {
            out.pass(
                &a.id,
                Some(&sub.id),
                format!("archive account '{name}' uses a customer-managed key (keySource Microsoft.Keyvault)"),
            );
        } else {
            let found = match &source {
                Some(s) => format!("keySource {s}"),
                None => "keySource not set (Microsoft-managed keys)".to_string(),
            };
            out.fail(
                &a.id,
                Some(&sub.id),
                format!("archive account '{name}' does not use a customer-managed key: {found}"),
            );
        }
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::Inventory;
    use serde_json::{json, Value};

    /// SA is an archive named by a resource's diagnostic setting (call 12);
    /// `stapp` is not an archive.
    fn estate(props: Value) -> (Inventory, String) {
        let mut inv = inv();
        let app = rid("rg", "Microsoft.Storage/storageAccounts", "stapp");
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": SA, "name": "stlogs", "kind": "StorageV2", "properties": props}),
            json!({"id": app, "name": "stapp", "kind": "BlobStorage", "properties": {"encryption": {"keySource": "Microsoft.Storage"}}}),
        ]));
        let kv = rid("rg", "Microsoft.KeyVault/vaults", "kv1");
        set_diagnostics(
            &mut inv,
            &kv,
            vec![diag(
                "kv-audit",
                None,
                Some(SA),
                &[(Some("AuditEvent"), None, true)],
            )],
        );
        set_diagnostics(&mut inv, &StorageService::Blob.service_id(&app), vec![]);
        for svc in STORAGE_SERVICES {
            set_diagnostics(&mut inv, &svc.service_id(SA), vec![]);
        }
        (inv, app)
    }

    use crate::inventory::{StorageService, STORAGE_SERVICES};

    #[test]
    fn customer_managed_key_passes() {
        let (inv, app) = estate(
            json!({"encryption": {"keySource": "microsoft.keyvault", "keyvaultproperties": {"keyname": "k"}}}),
        );
        let f = run(&CHECK, &inv);
        assert_eq!(f.len(), 2);
        assert_result(&f, SA, Status::Pass, "customer-managed key");
        let r = &result(&f, &app, None);
        assert_eq!(r.status, Status::NotApplicable);
        assert!(
            r.reason.contains("not a log archive account")
                && !r.reason.contains("may still be one"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn platform_key_or_absent_fails() {
        let (inv, _) = estate(json!({"encryption": {"keySource": "Microsoft.Storage"}}));
        assert_result(
            &run(&CHECK, &inv),
            SA,
            Status::Fail,
            "keySource Microsoft.Storage",
        );
        let (inv, _) = estate(json!({}));
        assert_result(&run(&CHECK, &inv), SA, Status::Fail, "keySource not set");
    }

    #[test]
    fn failed_reads_and_malformed() {
        let (mut inv, app) = estate(json!({}));
        // The setting naming SA could not be read: nothing names it any more,
        // and the reason says a read failed.
        fail_diagnostics(&mut inv, &rid("rg", "Microsoft.KeyVault/vaults", "kv1"));
        let f = run(&CHECK, &inv);
        assert_eq!(
            f.len(),
            1,
            "no not_applicable while discovery is incomplete: {f:#?}"
        );
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "archive accounts may be missing: the diagnostic settings of",
        );
        assert_result(&f, &sub_id(), Status::Error, "AuthorizationFailed");
        let _ = app;

        let (mut inv, _) = estate(json!({}));
        sub(&mut inv).storage_accounts = Ok(listing(vec![
            json!({"id": SA, "properties": {"encryption": {"keySource": 1}}}),
        ]));
        assert_result(&run(&CHECK, &inv), SA, Status::Error, "could not be parsed");
        sub(&mut inv).storage_accounts = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Storage/storageAccounts",
        ));
        assert_result(
            &run(&CHECK, &inv),
            &sub_id(),
            Status::Error,
            "could not read the storage accounts list",
        );
    }
}
