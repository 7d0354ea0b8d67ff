//! Each check's verdict from what was read: plain data in, one [`Check`] out. No I/O; the reads that feed
//! these are the CLI's, so every verdict and its wording is tested here without AWS.

use std::collections::{BTreeMap, BTreeSet};

use super::Check;
use crate::live_thresholds::{LiveThresholds, Stored, change, side_differs};
use crate::messages::Limit;
use crate::messages::format::thousands;
use crate::messages::quota_change::SideChange;
use crate::settings::{Mode, Settings, keys};

/// The check ids, in report order; stable for scripts.
pub mod ids {
    pub const STACK: &str = "stack";
    pub const SUBSCRIPTIONS: &str = "subscriptions";
    pub const ALARMS: &str = "alarms";
    pub const TRAFFIC: &str = "traffic";
    pub const SETTINGS: &str = "settings";
    pub const MODE: &str = "mode";
    pub const THRESHOLDS: &str = "thresholds";
    pub const QUOTAS: &str = "quotas";
    pub const LEDGER: &str = "ledger";
    pub const SUPPORT: &str = "support";
    pub const SERVICE_LINKED_ROLE: &str = "service-linked-role";
}

/// A read that could not be made; the check says so instead of guessing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// `service:Operation`, the IAM action the operator needs.
    pub call: String,
    pub denied: bool,
    /// Throttled, timed out or a transient failure: running doctor again can succeed.
    pub retryable: bool,
    pub message: String,
}

/// A check that could not run: WARN, naming the call and what to do.
pub fn cannot_run(id: &'static str, failure: &Unreadable) -> Check {
    let fix = if failure.denied {
        format!(
            "allow {} to the operator running doctor (docs/deploy.md, \"Permissions to run doctor\")",
            failure.call
        )
    } else if failure.retryable {
        "run doctor again in a minute".to_owned()
    } else {
        format!("see the error of {} and run doctor again", failure.call)
    };
    Check::warn(
        id,
        format!(
            "could not check: {} failed: {}",
            failure.call, failure.message
        ),
        fix,
    )
}

/// The names the fixes point at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Names {
    pub stack: String,
    /// The settings' Parameter Store path, ending in `/`.
    pub settings_prefix: String,
    pub formatted_topic_arn: String,
    pub raw_topic_arn: String,
    pub ledger_table: String,
    pub updater_function: String,
}

// ---- stack

pub fn stack(names: &Names, status: &str) -> Check {
    let id = ids::STACK;
    if status.ends_with("_IN_PROGRESS") {
        return Check::warn(
            id,
            format!("{} is {status}", names.stack),
            "wait for the stack operation to finish, then run doctor again",
        );
    }
    if status.contains("ROLLBACK") || status.ends_with("_FAILED") {
        return Check::fail(
            id,
            format!("{} is {status}", names.stack),
            "read the stack's events (aws cloudformation describe-stack-events) and deploy again",
        );
    }
    Check::pass(id, format!("{} is {status}", names.stack))
}

// ---- subscriptions

/// One subscription of the formatted topic (ListSubscriptionsByTopic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub protocol: String,
    pub endpoint: String,
    /// False while AWS answers `PendingConfirmation` as its ARN.
    pub confirmed: bool,
}

/// An e-mail address with all but its first character and its top-level domain hidden:
/// `oncall@example.com` → `o***@***.com`. Anything else is `***`.
pub fn mask_email(address: &str) -> String {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return "***".into();
    };
    let first = local.chars().next().filter(char::is_ascii_alphanumeric);
    let tld = domain
        .rsplit_once('.')
        .map(|(_, tld)| tld)
        .filter(|t| !t.is_empty() && t.len() <= 6 && t.chars().all(|c| c.is_ascii_alphabetic()));
    match (first, tld) {
        (Some(first), Some(tld)) => format!("{first}***@***.{tld}"),
        _ => "***".into(),
    }
}

pub fn subscriptions(names: &Names, subscriptions: &[Subscription]) -> Check {
    let id = ids::SUBSCRIPTIONS;
    let email = |s: &&Subscription| s.protocol.starts_with("email");
    let emails: Vec<&Subscription> = subscriptions.iter().filter(email).collect();
    let others = subscriptions.len() - emails.len();
    let confirmed_others = subscriptions
        .iter()
        .filter(|s| !email(s) && s.confirmed)
        .count();
    let pending: Vec<String> = emails
        .iter()
        .filter(|s| !s.confirmed)
        .map(|s| mask_email(&s.endpoint))
        .collect();
    let confirmed = emails.len() - pending.len();
    let mut detail = format!(
        "{} e-mail subscription{}: {confirmed} confirmed, {} pending confirmation",
        emails.len(),
        if emails.len() == 1 { "" } else { "s" },
        pending.len()
    );
    if !pending.is_empty() {
        detail.push_str(&format!(" ({})", pending.join(", ")));
    }
    if others > 0 {
        detail.push_str(&format!(
            "; {others} other endpoint{} ({confirmed_others} confirmed)",
            if others == 1 { "" } else { "s" }
        ));
    }
    let resubscribe = format!(
        "each pending recipient opens the \"AWS Notification - Subscription Confirmation\" e-mail and \
         confirms (the link expires after 3 days; then: aws sns subscribe --topic-arn {} --protocol email \
         --notification-endpoint ADDRESS)",
        names.formatted_topic_arn
    );
    if confirmed == 0 && confirmed_others == 0 {
        let fix = if emails.is_empty() {
            "set StakeholderEmailList and deploy the stack again, or subscribe an endpoint to the \
             formatted topic"
                .to_owned()
        } else {
            resubscribe
        };
        return Check::fail(id, format!("{detail}: nobody receives the e-mails"), fix);
    }
    if !pending.is_empty() {
        return Check::warn(id, detail, resubscribe);
    }
    Check::pass(id, detail)
}

// ---- alarms

/// One alarm as DescribeAlarms returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmActions {
    pub name: String,
    pub actions_enabled: bool,
    pub alarm_actions: Vec<String>,
    pub ok_actions: Vec<String>,
}

/// Every expected alarm present, with its actions enabled and both ALARM and OK actions on the raw topic
/// (the only way a transition reaches the processor).
pub fn alarms(names: &Names, expected: &[String], found: &[AlarmActions]) -> Check {
    let id = ids::ALARMS;
    let missing: Vec<&str> = expected
        .iter()
        .filter(|name| !found.iter().any(|a| &a.name == *name))
        .map(String::as_str)
        .collect();
    let mut disabled = Vec::new();
    let mut unwired = Vec::new();
    for alarm in found.iter().filter(|a| expected.contains(&a.name)) {
        if !alarm.actions_enabled {
            disabled.push(alarm.name.as_str());
        }
        let on_raw = |actions: &[String]| actions.contains(&names.raw_topic_arn);
        if !on_raw(&alarm.alarm_actions) || !on_raw(&alarm.ok_actions) {
            unwired.push(alarm.name.as_str());
        }
    }
    if missing.is_empty() && disabled.is_empty() && unwired.is_empty() {
        return Check::pass(
            id,
            format!(
                "{} of {} alarms present, actions enabled, ALARM and OK on the raw topic",
                expected.len(),
                expected.len()
            ),
        );
    }
    let mut problems = Vec::new();
    let mut fixes = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("missing: {}", missing.join(", ")));
        fixes.push(format!(
            "deploy the stack again (the two quota alarms are re-created by the alarm updater: aws lambda \
             invoke --function-name {} out.json)",
            names.updater_function
        ));
    }
    if !disabled.is_empty() {
        problems.push(format!("actions disabled: {}", disabled.join(", ")));
        fixes.push(format!(
            "aws cloudwatch enable-alarm-actions --alarm-names {}",
            disabled.join(" ")
        ));
    }
    if !unwired.is_empty() {
        problems.push(format!(
            "ALARM or OK action not on the raw topic: {}",
            unwired.join(", ")
        ));
        fixes.push("deploy the stack again to restore the alarms' actions".to_owned());
    }
    Check::fail(id, problems.join("; "), fixes.join("; "))
}

// ---- traffic

/// Whether the monitored ids carried Bedrock traffic in the last 24 h; if none did, the ids that do.
pub fn traffic(
    monitored: &[String],
    with_traffic: &BTreeSet<String>,
    active_in_region: &Result<Vec<String>, Unreadable>,
) -> Check {
    let id = ids::TRAFFIC;
    let silent: Vec<&str> = monitored
        .iter()
        .filter(|m| !with_traffic.contains(*m))
        .map(String::as_str)
        .collect();
    if silent.is_empty() {
        return Check::pass(
            id,
            format!(
                "Invocations in the last 24 h under every monitored ModelId ({})",
                monitored.join(", ")
            ),
        );
    }
    let others: Vec<&str> = match active_in_region {
        Ok(active) => active
            .iter()
            .filter(|a| !monitored.contains(a))
            .map(String::as_str)
            .collect(),
        Err(_) => Vec::new(),
    };
    let elsewhere = match active_in_region {
        Ok(_) if others.is_empty() => {
            "no other ModelId has Bedrock metrics in this Region".to_owned()
        }
        Ok(_) => format!(
            "ModelIds with Bedrock metrics in this Region: {}",
            others.join(", ")
        ),
        Err(failure) => format!(
            "the Region's ModelIds could not be listed ({} failed: {})",
            failure.call, failure.message
        ),
    };
    let fix = "set BedrockModelId (and ExtraModelIds) to the ModelId dimension your calls report, then deploy \
               the stack again";
    if silent.len() == monitored.len() {
        let detail = format!(
            "no traffic under this ModelId in the last 24 h — check BedrockModelId/ExtraModelIds ({}); {elsewhere}",
            silent.join(", ")
        );
        // With traffic elsewhere in the Region the id is most likely wrong; with none, maybe just quiet.
        return if others.is_empty() {
            Check::warn(
                id,
                detail,
                format!(
                    "if the model is in use, {fix}; otherwise run doctor again after the first calls"
                ),
            )
        } else {
            Check::fail(id, detail, fix)
        };
    }
    Check::warn(
        id,
        format!(
            "no traffic in the last 24 h under {} of the {} monitored ModelIds ({}); {elsewhere}",
            silent.len(),
            monitored.len(),
            silent.join(", ")
        ),
        format!("remove ids that are not used from ExtraModelIds, or {fix}"),
    )
}

// ---- settings and mode

fn put_parameter(names: &Names, key: &str, value: &str) -> String {
    format!(
        "aws ssm put-parameter --overwrite --name {}{key} --value {value}",
        names.settings_prefix
    )
}

/// Every setting present and valid by the core's own parser (what the processor reads on every alarm).
pub fn settings(names: &Names, values: &BTreeMap<String, String>) -> Check {
    let id = ids::SETTINGS;
    if let Err(e) = Settings::from_parameters(values) {
        return Check::fail(
            id,
            format!("{e}: the processor stops filing until it is fixed"),
            put_parameter(names, e.key, "VALUE"),
        );
    }
    let missing: Vec<&str> = keys::SETTINGS
        .iter()
        .copied()
        .filter(|k| !values.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Check::warn(
            id,
            format!(
                "missing under {}: {} (the defaults apply)",
                names.settings_prefix,
                missing.join(", ")
            ),
            format!(
                "deploy the stack again, or {}",
                put_parameter(names, missing[0], "VALUE")
            ),
        );
    }
    Check::pass(
        id,
        format!(
            "{} settings present and valid under {}",
            keys::SETTINGS.len(),
            names.settings_prefix
        ),
    )
}

pub fn mode(names: &Names, values: &BTreeMap<String, String>) -> Check {
    let id = ids::MODE;
    let to_live = put_parameter(names, keys::MODE, "live");
    match Settings::from_parameters(values).map(|s| s.mode) {
        Ok(Mode::DryRun) => Check::warn(
            id,
            "mode is dry-run: alarms are e-mailed, but no quota request or Support case is filed",
            format!("when the e-mails look right, switch to live: {to_live}"),
        ),
        Ok(Mode::Live) if values.contains_key(keys::MODE) => {
            Check::pass(id, "mode is live: requests and cases are filed")
        }
        Ok(Mode::Live) => Check::warn(id, "mode is missing (the processor runs live)", to_live),
        Err(_) => match values.get(keys::MODE) {
            Some(raw)
                if !matches!(raw.trim().to_ascii_lowercase().as_str(), "live" | "dry-run") =>
            {
                Check::fail(
                    id,
                    format!("mode is '{raw}', neither live nor dry-run"),
                    to_live,
                )
            }
            _ => Check::warn(
                id,
                "mode not judged: another setting is invalid (see settings)",
                "fix the settings check first",
            ),
        },
    }
}

// ---- thresholds and quotas

/// The stored record the calculator wrote and the updater keeps: every key present and parseable. A split
/// token model (`split`) keeps its input and output quotas' keys instead of the TPM ones.
pub fn thresholds(names: &Names, stored: &Stored, split: bool) -> Check {
    let id = ids::THRESHOLDS;
    // Every key the calculator and the updater write but the last change's record (last-change,
    // last-updated), which doctor does not judge.
    let tpm_keys = [
        keys::TPM_THRESHOLD_CALCULATED,
        keys::TPM_QUOTA,
        keys::TPM_QUOTA_CODE,
    ];
    let mut required: Vec<&str> = keys::THRESHOLDS
        .into_iter()
        .filter(|k| ![keys::LAST_CHANGE, keys::LAST_UPDATED].contains(k))
        .filter(|k| !split || !tpm_keys.contains(k))
        .collect();
    if split {
        required.extend(keys::SPLIT_THRESHOLDS);
    }
    let limits: &[&str] = if split {
        &[
            keys::RPM_THRESHOLD_CALCULATED,
            keys::INPUT_TPM_THRESHOLD_CALCULATED,
            keys::OUTPUT_TPM_THRESHOLD_CALCULATED,
            keys::RPM_QUOTA,
            keys::INPUT_TPM_QUOTA,
            keys::OUTPUT_TPM_QUOTA,
        ]
    } else {
        &[
            keys::RPM_THRESHOLD_CALCULATED,
            keys::TPM_THRESHOLD_CALCULATED,
            keys::RPM_QUOTA,
            keys::TPM_QUOTA,
        ]
    };
    let repair = format!(
        "the alarm updater repairs the record on its next run; to repair it now: aws lambda invoke \
         --function-name {} out.json",
        names.updater_function
    );
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|k| stored.get(k).is_none())
        .collect();
    if !missing.is_empty() {
        return Check::fail(
            id,
            format!("missing from the stored record: {}", missing.join(", ")),
            repair,
        );
    }
    if let Err(e) = stored.quota_config_parts() {
        return Check::fail(id, e.to_string(), repair);
    }
    let unreadable: Vec<&str> = limits
        .iter()
        .copied()
        .filter(|k| stored.limit(k) == Limit::Unknown)
        .collect();
    if !unreadable.is_empty() {
        return Check::fail(
            id,
            format!("not a number or NA: {}", unreadable.join(", ")),
            repair,
        );
    }
    Check::pass(
        id,
        format!("{} stored threshold keys present and valid", required.len()),
    )
}

fn limit(value: Limit) -> String {
    match value {
        Limit::Known(v) => thousands(v),
        Limit::NotApplicable => "NA".into(),
        Limit::Unknown => "unknown".into(),
    }
}

fn side_text(label: &str, side: &SideChange) -> String {
    format!(
        "{label} quota {} → threshold {}",
        limit(side.new_quota),
        limit(side.new_threshold)
    )
}

fn drift_text(label: &str, side: &SideChange) -> String {
    format!(
        "{label} quota {} (stored {}) → threshold {} (stored {})",
        limit(side.new_quota),
        limit(side.old_quota),
        limit(side.new_threshold),
        limit(side.old_threshold)
    )
}

/// The live quotas (GetServiceQuota) and the thresholds they give, against the stored record.
pub fn quotas(
    names: &Names,
    live: &Result<LiveThresholds, (Unreadable, String)>,
    stored: &Stored,
    now: i64,
) -> Check {
    let id = ids::QUOTAS;
    let live = match live {
        Ok(live) => live,
        Err((failure, _)) if failure.denied || failure.retryable => {
            return cannot_run(id, failure);
        }
        Err((failure, reason)) => {
            return Check::fail(
                id,
                reason.clone(),
                format!(
                    "check the stack's quota codes with: bedrock-ops-alert quotas discover (then deploy \
                     with the right RequestsPerMinuteQuotaCode/TokensPerMinuteQuotaCode); {} failed",
                    failure.call
                ),
            );
        }
    };
    let change = change(stored, live, now);
    // RPM and TPM, or RPM and a split model's input and output token quotas.
    let sides = change.sides();
    let drifted: Vec<String> = sides
        .iter()
        .filter(|(_, side)| side_differs(side))
        .map(|(label, side)| drift_text(label.as_str(), side))
        .collect();
    if drifted.is_empty() {
        let each: Vec<String> = sides
            .iter()
            .map(|(label, side)| side_text(label.as_str(), side))
            .collect();
        return Check::pass(
            id,
            format!("{}: the stored record matches", each.join("; ")),
        );
    }
    Check::warn(
        id,
        format!(
            "the live quotas differ from the stored record: {}",
            drifted.join("; ")
        ),
        format!(
            "the alarm updater fixes this on its next run; to fix it now: aws lambda invoke \
             --function-name {} out.json",
            names.updater_function
        ),
    )
}

// ---- ledger

/// The ledger table as DescribeTable and DescribeTimeToLive report it; `None` when it does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub status: String,
    /// DescribeTimeToLive's TimeToLiveStatus (ENABLED, ENABLING, DISABLED, DISABLING).
    pub ttl_status: String,
    pub ttl_attribute: Option<String>,
}

/// The attribute the processor writes the expiry to (template.yaml's TimeToLiveSpecification).
pub const LEDGER_TTL_ATTRIBUTE: &str = "expires_at";

pub fn ledger(names: &Names, table: Option<&Table>) -> Check {
    let id = ids::LEDGER;
    let table_name = &names.ledger_table;
    let Some(table) = table else {
        return Check::fail(
            id,
            format!("table {table_name} does not exist: the processor cannot record any alarm"),
            "deploy the stack again",
        );
    };
    if table.status != "ACTIVE" {
        return Check::warn(
            id,
            format!("table {table_name} is {}", table.status),
            "wait until it is ACTIVE, then run doctor again",
        );
    }
    let ttl_on = matches!(table.ttl_status.as_str(), "ENABLED" | "ENABLING")
        && table.ttl_attribute.as_deref() == Some(LEDGER_TTL_ATTRIBUTE);
    if !ttl_on {
        return Check::warn(
            id,
            format!(
                "table {table_name} is ACTIVE but TTL is {} on {}: handled transitions are never expired",
                table.ttl_status,
                table.ttl_attribute.as_deref().unwrap_or("no attribute")
            ),
            format!(
                "aws dynamodb update-time-to-live --table-name {table_name} --time-to-live-specification \
                 Enabled=true,AttributeName={LEDGER_TTL_ATTRIBUTE}"
            ),
        );
    }
    Check::pass(
        id,
        format!(
            "table {table_name} is ACTIVE, TTL {} on {LEDGER_TTL_ATTRIBUTE}",
            table.ttl_status
        ),
    )
}

// ---- Support and the service-linked role

/// What DescribeSeverityLevels answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupportAccess {
    Open,
    /// SubscriptionRequiredException: Basic or Developer plan.
    NotSubscribed,
    Unreadable(Unreadable),
}

pub fn support(access: &SupportAccess) -> Check {
    let id = ids::SUPPORT;
    match access {
        SupportAccess::Open => Check::pass(id, "the Support API answers: cases can be filed"),
        SupportAccess::NotSubscribed => Check::warn(
            id,
            "Basic/Developer plan: cases cannot be filed; quota requests still can",
            "to file cases automatically, a Business, Enterprise On-Ramp or Enterprise Support plan; \
             otherwise nothing to do",
        ),
        SupportAccess::Unreadable(failure) => cannot_run(id, failure),
    }
}

/// The role Service Quotas needs before it accepts an increase request.
pub const SERVICE_QUOTAS_ROLE: &str = "AWSServiceRoleForServiceQuotas";

/// `Ok(true)` when iam:GetRole found the role, `Ok(false)` when it does not exist.
pub fn service_linked_role(found: &Result<bool, Unreadable>) -> Check {
    let id = ids::SERVICE_LINKED_ROLE;
    match found {
        Ok(true) => Check::pass(id, format!("{SERVICE_QUOTAS_ROLE} exists")),
        Ok(false) => Check::warn(
            id,
            format!(
                "{SERVICE_QUOTAS_ROLE} does not exist: quota increase requests fail until it does"
            ),
            "aws iam create-service-linked-role --aws-service-name servicequotas.amazonaws.com",
        ),
        Err(failure) => cannot_run(id, failure),
    }
}
