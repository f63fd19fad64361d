//! AZ-DEF-002: Defender for Cloud alerts reach people.

use super::support::join;
use super::*;
use crate::inventory::{eq_ci, SecurityContact};
use serde_json::Value;

pub static CHECK: Check = Check {
    id: "AZ-DEF-002",
    title: "Defender for Cloud security contact is notified of alerts",
    family: Family::Def,
    severity: Severity::Medium,
    scope: Scope::Subscription,
    condition: "A security contact has an email (`emails` or `email`), alert notifications at minimal severity High or lower \
(High, Medium or Low), and notifies role Owner. Both shapes are read: `alertNotifications` (a plain \"On\" string, or \
`{state, minimalSeverity}`) with `notificationsByRole` of older api-versions, or `notificationsSources` (sourceType Alert) \
with `notificationsByRole` of 2023-12-01-preview and later. A plain \"On\" (2017-08-01-preview, when notifications were sent \
for high-severity alerts only) counts as minimal severity High; so does `state` On without `minimalSeverity`. The older \
`alertsToAdmins` \"On\" (send to subscription owners) counts as notifying Owner.",
    rationale: "A Defender alert that nobody reads is an incident discovered late, or never. Email notification to a monitored \
security mailbox and to the subscription owners is what turns a high-severity detection (credential theft, crypto-mining, \
mass deletion) into a response within hours, while the attacker's traces are still fresh.",
    reads: "17",
    parameters: &[],
    references: &[cis("3.1.12"), cis("3.1.13"), cis("3.1.14")],
    remediation: Remediation {
        portal: &[
            "Open Microsoft Defender for Cloud > Environment settings, select the subscription, then Email notifications.",
            "Enter the security team's mailbox under 'Additional email addresses', and tick 'All users with the following roles' with Owner.",
            "Tick 'Notify about alerts with the following severity (or higher)' and choose High (or lower), then Save.",
        ],
        cli: "az rest --method put --url https://management.azure.com/subscriptions/{subscription}/providers/Microsoft.Security/securityContacts/default?api-version=2023-12-01-preview \
--body '{\"properties\":{\"isEnabled\":true,\"emails\":\"<security-team@example.com>\",\"notificationsByRole\":{\"state\":\"On\",\"roles\":[\"Owner\"]},\
\"notificationsSources\":[{\"sourceType\":\"Alert\",\"minimalSeverity\":\"High\"}]}}'",
        bicep: r#"targetScope = 'subscription'
param emails string
resource contact 'Microsoft.Security/securityContacts@2023-12-01-preview' = {
  name: 'default'
  properties: {
    isEnabled: true
    emails: emails
    notificationsByRole: { state: 'On', roles: ['Owner'] }
    notificationsSources: [
      { sourceType: 'Alert', minimalSeverity: 'High' }
    ]
  }
}"#,
    },
    evaluate,
};

const SEVERITIES_OK: [&str; 3] = ["High", "Medium", "Low"];

fn severity_ok(s: &str) -> bool {
    SEVERITIES_OK.iter().any(|o| o.eq_ignore_ascii_case(s))
}

fn non_empty(s: Option<&str>) -> bool {
    s.is_some_and(|s| !s.trim().is_empty())
}

/// Alert notifications: `Ok(minimal severity)` when they meet the bar, else why not.
fn alerts(c: &SecurityContact) -> Result<String, String> {
    let p = c.properties.clone().unwrap_or_default();
    let mut why = Vec::new();
    if let Some(sources) = &p.notifications_sources {
        match sources
            .iter()
            .find(|s| eq_ci(s.source_type.as_deref(), "Alert"))
        {
            Some(s) => match s.minimal_severity.as_deref() {
                Some(sev) if severity_ok(sev) => return Ok(sev.to_string()),
                Some(sev) => why.push(format!("alert notification minimal severity is {sev}")),
                None => why.push("the Alert notification source has no minimalSeverity".into()),
            },
            None => why.push("notificationsSources has no Alert source".into()),
        }
    }
    match &p.alert_notifications {
        // 2017-08-01-preview: "On" meant email for high-severity alerts.
        Some(Value::String(s)) if s.eq_ignore_ascii_case("On") => {
            return Ok("High (alertNotifications \"On\")".into())
        }
        Some(Value::String(s)) => why.push(format!("alertNotifications is {s}")),
        Some(Value::Object(o)) => {
            let state = o.get("state").and_then(Value::as_str);
            let sev = o.get("minimalSeverity").and_then(Value::as_str);
            if !eq_ci(state, "On") {
                why.push(format!(
                    "alertNotifications state is {}",
                    state.unwrap_or("not set")
                ));
            } else {
                match sev {
                    Some(sev) if severity_ok(sev) => return Ok(sev.to_string()),
                    Some(sev) => why.push(format!("alert notification minimal severity is {sev}")),
                    None => {
                        return Ok("High (alertNotifications On, minimalSeverity not set)".into())
                    }
                }
            }
        }
        Some(Value::Null) | None => {}
        Some(other) => why.push(format!(
            "alertNotifications has an unexpected value {other}"
        )),
    }
    if why.is_empty() {
        why.push("no alert notification is configured".into());
    }
    Err(why.join(", "))
}

/// Whether role Owner is notified: `Ok(how)` or why not.
fn owner(c: &SecurityContact) -> Result<String, String> {
    let p = c.properties.clone().unwrap_or_default();
    let mut why = None;
    if let Some(n) = &p.notifications_by_role {
        let roles = n.roles.clone().unwrap_or_default();
        let state_on = eq_ci(n.state.as_deref(), "On");
        let has_owner = roles.iter().any(|r| r.eq_ignore_ascii_case("Owner"));
        if state_on && has_owner {
            return Ok("notifies role Owner".into());
        }
        why = Some(if !state_on {
            format!(
                "notificationsByRole state is {}",
                n.state.as_deref().unwrap_or("not set")
            )
        } else if roles.is_empty() {
            "notificationsByRole names no role".to_string()
        } else {
            format!("roles notified are {}, not Owner", join(&roles))
        });
    }
    // 2017-08-01-preview: "alertsToAdmins" = send to subscription owners.
    if let Some(Value::String(s)) = &p.alerts_to_admins {
        if s.eq_ignore_ascii_case("On") {
            return Ok("notifies subscription owners (alertsToAdmins On)".into());
        }
        why.get_or_insert_with(|| format!("alertsToAdmins is {s}"));
    }
    Err(why.unwrap_or_else(|| "no role is notified".into()))
}

/// `Ok(reason)` when the contact meets every part, else what is missing.
fn assess(c: &SecurityContact) -> Result<String, String> {
    let name = c.name.as_deref().unwrap_or("(unnamed)");
    let p = c.properties.clone().unwrap_or_default();
    if p.is_enabled == Some(false) {
        return Err(format!(
            "security contact '{name}' is disabled (isEnabled false)"
        ));
    }
    let has_email = non_empty(p.emails.as_deref()) || non_empty(p.email.as_deref());
    let alerts = alerts(c);
    let owner = owner(c);
    match (has_email, &alerts, &owner) {
        (true, Ok(sev), Ok(how)) => Ok(format!(
            "security contact '{name}' has an email, notifies alerts of severity {sev} and higher, and {how}"
        )),
        _ => {
            let mut missing = Vec::new();
            if !has_email {
                missing.push("has no email".to_string());
            }
            if let Err(w) = alerts {
                missing.push(w);
            }
            if let Err(w) = owner {
                missing.push(w);
            }
            Err(format!("security contact '{name}': {}", missing.join("; ")))
        }
    }
}

fn evaluate(ctx: &Ctx) -> Vec<Finding> {
    let mut out = Out::new(&CHECK);
    out.each_sub(ctx.inv, |out, sub| {
        let rid = sub.resource_id();
        let contacts = match &sub.security_contacts {
            Ok(c) => c,
            Err(e) => {
                out.error(
                    &rid,
                    Some(&sub.id),
                    format!("could not read the security contacts list: {e}"),
                );
                return;
            }
        };
        let mut failures = Vec::new();
        let mut passed = None;
        for c in &contacts.items {
            match assess(c) {
                Ok(r) => {
                    passed = Some(r);
                    break;
                }
                Err(r) => failures.push(r),
            }
        }
        if let Some(r) = passed {
            out.pass(&rid, Some(&sub.id), r);
            return;
        }
        let found = if failures.is_empty() {
            "no security contact is configured".to_string()
        } else {
            failures.join(" | ")
        };
        match contacts.malformed.first() {
            Some(m) => out.error(
                &rid,
                Some(&sub.id),
                format!(
                    "{found}, and {} security contact(s) could not be parsed (item {}: {})",
                    contacts.malformed.len(),
                    m.position,
                    m.error
                ),
            ),
            None => out.fail(&rid, Some(&sub.id), found),
        };
    });
    out.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    fn contact(props: Value) -> Value {
        json!({"id": format!("/subscriptions/{SUB}/providers/Microsoft.Security/securityContacts/default"),
               "name": "default", "type": "Microsoft.Security/securityContacts", "properties": props})
    }

    fn one(props: Value) -> Vec<Finding> {
        let mut e = inv();
        sub(&mut e).security_contacts = Ok(listing(vec![contact(props)]));
        let f = run(&CHECK, &e);
        assert_eq!(f.len(), 1);
        f
    }

    #[test]
    fn new_shape() {
        let good = json!({"isEnabled": true, "emails": "soc@contoso.com",
            "notificationsByRole": {"state": "On", "roles": ["Owner", "Admin"]},
            "notificationsSources": [{"sourceType": "AttackPath", "minimalRiskLevel": "Critical"}, {"sourceType": "Alert", "minimalSeverity": "Medium"}]});
        assert_result(
            &one(good.clone()),
            &sub_id(),
            Status::Pass,
            "severity Medium and higher, and notifies role Owner",
        );

        let mut low = good.clone();
        low["notificationsSources"][1]["minimalSeverity"] = json!("low");
        assert_result(&one(low), &sub_id(), Status::Pass, "severity low");

        let mut crit = good.clone();
        crit["notificationsSources"][1]["minimalSeverity"] = json!("Critical");
        assert_result(
            &one(crit),
            &sub_id(),
            Status::Fail,
            "minimal severity is Critical",
        );

        let mut no_alert = good.clone();
        no_alert["notificationsSources"] =
            json!([{"sourceType": "AttackPath", "minimalRiskLevel": "Critical"}]);
        assert_result(&one(no_alert), &sub_id(), Status::Fail, "no Alert source");

        let mut no_owner = good.clone();
        no_owner["notificationsByRole"]["roles"] = json!(["Admin"]);
        assert_result(
            &one(no_owner),
            &sub_id(),
            Status::Fail,
            "roles notified are Admin, not Owner",
        );

        let mut role_off = good.clone();
        role_off["notificationsByRole"]["state"] = json!("Off");
        assert_result(
            &one(role_off),
            &sub_id(),
            Status::Fail,
            "notificationsByRole state is Off",
        );

        let mut no_email = good.clone();
        no_email["emails"] = json!("");
        assert_result(&one(no_email), &sub_id(), Status::Fail, "has no email");

        let mut disabled = good;
        disabled["isEnabled"] = json!(false);
        assert_result(&one(disabled), &sub_id(), Status::Fail, "is disabled");
    }

    #[test]
    fn names_everything_missing() {
        let f = one(json!({"emails": " ", "notificationsByRole": {"state": "On", "roles": []}}));
        assert_result(
            &f,
            &sub_id(),
            Status::Fail,
            "has no email; no alert notification is configured; notificationsByRole names no role",
        );
    }

    #[test]
    fn older_shapes() {
        // 2020-01-01-preview object.
        let obj = json!({"email": "soc@contoso.com", "alertNotifications": {"state": "On", "minimalSeverity": "High"},
                         "notificationsByRole": {"state": "On", "roles": ["Owner"]}});
        assert_result(&one(obj.clone()), &sub_id(), Status::Pass, "severity High");
        let mut off = obj.clone();
        off["alertNotifications"]["state"] = json!("Off");
        assert_result(
            &one(off),
            &sub_id(),
            Status::Fail,
            "alertNotifications state is Off",
        );
        let mut nosev = obj;
        nosev["alertNotifications"] = json!({"state": "On"});
        assert_result(
            &one(nosev),
            &sub_id(),
            Status::Pass,
            "minimalSeverity not set",
        );

        // 2017-08-01-preview strings: "On" = high-severity alerts; alertsToAdmins = owners.
        let s =
            json!({"email": "soc@contoso.com", "alertNotifications": "On", "alertsToAdmins": "On"});
        assert_result(
            &one(s.clone()),
            &sub_id(),
            Status::Pass,
            "alertNotifications \"On\"",
        );
        let mut s_off = s.clone();
        s_off["alertNotifications"] = json!("Off");
        assert_result(
            &one(s_off),
            &sub_id(),
            Status::Fail,
            "alertNotifications is Off",
        );
        let mut admins_off = s;
        admins_off["alertsToAdmins"] = json!("Off");
        assert_result(
            &one(admins_off),
            &sub_id(),
            Status::Fail,
            "alertsToAdmins is Off",
        );
    }

    #[test]
    fn any_contact_may_pass() {
        let mut e = inv();
        sub(&mut e).security_contacts = Ok(listing(vec![
            contact(json!({"emails": ""})),
            json!({"name": "second", "properties": {"emails": "a@b.c", "notificationsByRole": {"state": "On", "roles": ["owner"]},
                   "notificationsSources": [{"sourceType": "alert", "minimalSeverity": "high"}]}}),
        ]));
        assert_result(&run(&CHECK, &e), &sub_id(), Status::Pass, "'second'");
    }

    #[test]
    fn none_failed_and_malformed() {
        let mut e = with_second(inv());
        sub(&mut e).security_contacts = Ok(listing(vec![]));
        sub_n(&mut e, 1).security_contacts = Err(forbidden(
            "/subscriptions/x/providers/Microsoft.Security/securityContacts",
        ));
        let f = run(&CHECK, &e);
        assert_eq!(f.len(), 2);
        assert_result(
            &f,
            &sub_id(),
            Status::Fail,
            "no security contact is configured",
        );
        assert_result(
            &f,
            &format!("/subscriptions/{SUB2}"),
            Status::Error,
            "could not read the security contacts list",
        );

        let mut e = inv();
        sub(&mut e).security_contacts = Ok(listing(vec![
            contact(json!({"emails": "a@b.c"})),
            json!({"properties": {"emails": ["a@b.c"]}}),
        ]));
        let f = run(&CHECK, &e);
        assert_eq!(f.len(), 1);
        assert_result(
            &f,
            &sub_id(),
            Status::Error,
            "1 security contact(s) could not be parsed",
        );
    }

    #[test]
    fn upstream_example_passes() {
        let body: Value = serde_json::from_str(arm_example!(
            "security/GetSecurityContactsSubscription_example.json"
        ))
        .expect("json");
        let items = body["responses"]["200"]["body"]["value"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut e = inv();
        sub(&mut e).security_contacts = Ok(listing(items));
        assert_result(&run(&CHECK, &e), &sub_id(), Status::Pass, "severity Medium");
    }
}
