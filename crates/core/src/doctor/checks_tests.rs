//! Each check's PASS and its WARN/FAIL, from plain data.

use std::collections::{BTreeMap, BTreeSet};

use super::Status;
use super::checks::*;
use crate::live_thresholds::{LiveQuota, LiveThresholds, LiveTokens, QuotaConfig, Stored};
use crate::settings::keys;
use crate::thresholds::{QuotaCode, QuotaSource, QuotaValue, RpmQuotaCode, TokenQuotaCodes};

fn names() -> Names {
    Names {
        stack: "opus".into(),
        settings_prefix: "/Acme/bedrock/quota-monitoring/Opus/".into(),
        formatted_topic_arn: "arn:aws:sns:us-east-1:123456789012:formatted".into(),
        raw_topic_arn: "arn:aws:sns:us-east-1:123456789012:raw".into(),
        ledger_table: "Acme-Bedrock-OpsAlert-Ledger-Opus".into(),
        updater_function: "Acme-Alarm-Updater-Opus".into(),
    }
}

fn denied() -> Unreadable {
    Unreadable {
        call: "sns:ListSubscriptionsByTopic".into(),
        denied: true,
        retryable: false,
        message: "not allowed".into(),
    }
}

fn email(address: &str, confirmed: bool) -> Subscription {
    Subscription {
        protocol: "email".into(),
        endpoint: address.into(),
        confirmed,
    }
}

#[test]
fn stack_status_complete_passes_in_progress_warns_rollback_fails() {
    assert_eq!(stack(&names(), "UPDATE_COMPLETE").status, Status::Pass);
    assert_eq!(stack(&names(), "UPDATE_IN_PROGRESS").status, Status::Warn);
    assert_eq!(
        stack(&names(), "UPDATE_ROLLBACK_COMPLETE").status,
        Status::Fail
    );
}

#[test]
fn e_mail_addresses_are_masked_never_printed() {
    assert_eq!(mask_email("oncall@example.com"), "o***@***.com");
    assert_eq!(mask_email("no-at-sign"), "***");
    assert_eq!(mask_email("@x.y"), "***");
    let check = subscriptions(
        &names(),
        &[
            email("oncall@example.com", true),
            email("sre.lead@corp.example.org", false),
        ],
    );
    assert_eq!(check.status, Status::Warn);
    assert!(
        !check.detail.contains("oncall") && !check.detail.contains("corp"),
        "{}",
        check.detail
    );
    assert!(
        check
            .detail
            .contains("1 confirmed, 1 pending confirmation (s***@***.org)"),
        "{}",
        check.detail
    );
}

#[test]
fn subscriptions_all_confirmed_pass_none_confirmed_fail() {
    let all = subscriptions(&names(), &[email("a@b.com", true), email("c@d.com", true)]);
    assert_eq!(all.status, Status::Pass, "{all:?}");
    let none = subscriptions(&names(), &[email("a@b.com", false)]);
    assert_eq!(none.status, Status::Fail);
    assert!(none.detail.contains("nobody receives the e-mails"));
    assert!(
        none.fix
            .unwrap()
            .contains("--topic-arn arn:aws:sns:us-east-1:123456789012:formatted")
    );
    assert_eq!(subscriptions(&names(), &[]).status, Status::Fail);
}

fn wired(name: &str) -> AlarmActions {
    AlarmActions {
        name: name.into(),
        actions_enabled: true,
        alarm_actions: vec![names().raw_topic_arn],
        ok_actions: vec![names().raw_topic_arn],
    }
}

#[test]
fn alarms_present_with_raw_topic_actions_pass_else_fail_naming_each() {
    let expected = vec!["a".to_owned(), "b".to_owned(), "c".to_owned()];
    let ok = alarms(&names(), &expected, &[wired("a"), wired("b"), wired("c")]);
    assert_eq!(ok.status, Status::Pass, "{ok:?}");
    let mut disabled = wired("b");
    disabled.actions_enabled = false;
    let mut no_ok = wired("c");
    no_ok.ok_actions.clear();
    let bad = alarms(&names(), &expected, &[disabled, no_ok]);
    assert_eq!(bad.status, Status::Fail);
    assert_eq!(
        bad.detail,
        "missing: a; actions disabled: b; ALARM or OK action not on the raw topic: c"
    );
    assert!(
        bad.fix
            .unwrap()
            .contains("enable-alarm-actions --alarm-names b")
    );
}

#[test]
fn traffic_under_every_id_passes() {
    let monitored = vec!["m1".to_owned()];
    let check = traffic(&monitored, &BTreeSet::from(["m1".to_owned()]), &Ok(vec![]));
    assert_eq!(check.status, Status::Pass);
}

#[test]
fn no_traffic_under_the_model_id_fails_listing_the_ids_that_have_it() {
    let monitored = vec!["anthropic.claude-opus".to_owned()];
    let active = Ok(vec![
        "anthropic.claude-opus".to_owned(),
        "global.anthropic.claude-opus-4-6-v1".to_owned(),
    ]);
    let check = traffic(&monitored, &BTreeSet::new(), &active);
    assert_eq!(check.status, Status::Fail);
    assert!(check.detail.starts_with(
        "no traffic under this ModelId in the last 24 h — check BedrockModelId/ExtraModelIds"
    ));
    assert!(check.detail.ends_with(
        "ModelIds with Bedrock metrics in this Region: global.anthropic.claude-opus-4-6-v1"
    ));
}

#[test]
fn no_traffic_anywhere_warns_and_one_silent_extra_id_warns() {
    let monitored = vec!["m1".to_owned(), "m2".to_owned()];
    let quiet = traffic(&monitored, &BTreeSet::new(), &Ok(vec![]));
    assert_eq!(quiet.status, Status::Warn);
    let one = traffic(
        &monitored,
        &BTreeSet::from(["m1".to_owned()]),
        &Err(denied()),
    );
    assert_eq!(one.status, Status::Warn);
    assert!(
        one.detail.contains("1 of the 2 monitored ModelIds (m2)"),
        "{}",
        one.detail
    );
    assert!(one.detail.contains("could not be listed"), "{}", one.detail);
}

fn settings_values(mode: &str) -> BTreeMap<String, String> {
    [
        (keys::ENABLE_AUTOMATED_SUPPORT_CASE, "Yes"),
        (keys::REQUESTS_PER_MINUTE_INCREASE_PERCENT, "25"),
        (keys::TOKENS_PER_MINUTE_INCREASE_PERCENT, "25"),
        (keys::NOTIFICATION_PREFERENCE, "all"),
        (keys::USE_CASE_DESCRIPTION, "chat"),
        (keys::SUPPORT_CASE_LOOKBACK_DAYS, "45"),
        (keys::MODE, mode),
        (keys::APPEND_COOLDOWN_MINUTES, "60"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

#[test]
fn settings_valid_pass_invalid_fail_missing_warn() {
    assert_eq!(
        settings(&names(), &settings_values("live")).status,
        Status::Pass
    );
    let mut bad = settings_values("live");
    bad.insert(keys::SUPPORT_CASE_LOOKBACK_DAYS.into(), "30".into());
    let check = settings(&names(), &bad);
    assert_eq!(check.status, Status::Fail);
    assert!(
        check.detail.contains("'support-case-lookback-days'"),
        "{}",
        check.detail
    );
    assert_eq!(
        check.fix.as_deref(),
        Some(
            "aws ssm put-parameter --overwrite --name \
             /Acme/bedrock/quota-monitoring/Opus/support-case-lookback-days --value VALUE"
        )
    );
    let mut missing = settings_values("live");
    missing.remove(keys::NOTIFICATION_PREFERENCE);
    assert_eq!(settings(&names(), &missing).status, Status::Warn);
}

#[test]
fn dry_run_left_on_warns_with_the_command_to_go_live() {
    let check = mode(&names(), &settings_values("dry-run"));
    assert_eq!(check.status, Status::Warn);
    assert!(check.fix.unwrap().ends_with(
        "aws ssm put-parameter --overwrite --name /Acme/bedrock/quota-monitoring/Opus/mode --value live"
    ));
    assert_eq!(
        mode(&names(), &settings_values("live")).status,
        Status::Pass
    );
    assert_eq!(
        mode(&names(), &settings_values("paused")).status,
        Status::Fail
    );
}

fn stored(pairs: &[(&str, &str)]) -> Stored {
    Stored::from_values(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn full_record(rpm_quota: &str, rpm_threshold: &str) -> Stored {
    stored(&[
        (keys::RPM_THRESHOLD_CALCULATED, rpm_threshold),
        (keys::TPM_THRESHOLD_CALCULATED, "5000000"),
        (keys::RPM_QUOTA, rpm_quota),
        (keys::TPM_QUOTA, "6250000"),
        (keys::RPM_QUOTA_CODE, "L-3DD46812"),
        (keys::TPM_QUOTA_CODE, "L-3DCCFAA4"),
        (keys::RPM_PERCENT, "80"),
        (keys::TPM_PERCENT, "80"),
    ])
}

#[test]
fn thresholds_complete_pass_missing_or_damaged_fail() {
    assert_eq!(
        thresholds(&names(), &full_record("10000", "8000"), false).status,
        Status::Pass
    );
    let missing = thresholds(&names(), &stored(&[(keys::RPM_QUOTA, "10000")]), false);
    assert_eq!(missing.status, Status::Fail);
    assert!(
        missing
            .fix
            .unwrap()
            .contains("--function-name Acme-Alarm-Updater-Opus")
    );
    let damaged = thresholds(&names(), &full_record("lots", "8000"), false);
    assert_eq!(damaged.status, Status::Fail);
    assert_eq!(damaged.detail, "not a number or NA: thresholds/rpm-quota");
}

fn live(rpm: Option<u64>, tpm: u64) -> LiveThresholds {
    let quota = |code: &str, value: u64| LiveQuota {
        code: QuotaCode::new(code).unwrap(),
        name: code.into(),
        value: QuotaValue::new(value).unwrap(),
        source: QuotaSource::Applied,
    };
    let config = QuotaConfig {
        rpm_code: match rpm {
            Some(_) => RpmQuotaCode::parse("L-3DD46812").unwrap(),
            None => RpmQuotaCode::parse("NA").unwrap(),
        },
        tokens: TokenQuotaCodes::Combined(QuotaCode::new("L-3DCCFAA4").unwrap()),
        rpm_percent: "80".parse().unwrap(),
        tpm_percent: "80".parse().unwrap(),
    };
    LiveThresholds::of(
        config,
        rpm.map(|v| quota("L-3DD46812", v)),
        LiveTokens::Combined(quota("L-3DCCFAA4", tpm)),
    )
}

fn live_quota(code: &str, value: u64) -> LiveQuota {
    LiveQuota {
        code: QuotaCode::new(code).unwrap(),
        name: code.into(),
        value: QuotaValue::new(value).unwrap(),
        source: QuotaSource::Applied,
    }
}

/// A split token model: RPM 10,000, input 2,000,000 and output 400,000 tokens per minute, at 80 %.
fn split_live(input: u64) -> LiveThresholds {
    let config = QuotaConfig {
        rpm_code: RpmQuotaCode::parse("L-3DD46812").unwrap(),
        tokens: TokenQuotaCodes::Split {
            input: QuotaCode::new("L-11111111").unwrap(),
            output: QuotaCode::new("L-22222222").unwrap(),
        },
        rpm_percent: "80".parse().unwrap(),
        tpm_percent: "80".parse().unwrap(),
    };
    LiveThresholds::of(
        config,
        Some(live_quota("L-3DD46812", 10_000)),
        LiveTokens::Split {
            input: live_quota("L-11111111", input),
            output: live_quota("L-22222222", 400_000),
        },
    )
}

fn split_record() -> Stored {
    let values = split_live(2_000_000).parameter_values();
    stored(
        &values
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
    )
}

#[test]
fn a_split_model_keeps_its_input_and_output_keys_instead_of_the_tpm_ones() {
    assert_eq!(
        thresholds(&names(), &split_record(), true).status,
        Status::Pass
    );
    let combined = thresholds(&names(), &split_record(), false);
    assert_eq!(combined.status, Status::Fail);
    assert!(
        combined.detail.contains("thresholds/tpm-quota"),
        "{}",
        combined.detail
    );
    let incomplete = thresholds(&names(), &full_record("10000", "8000"), true);
    assert_eq!(incomplete.status, Status::Fail);
    assert!(
        incomplete.detail.contains("thresholds/input-tpm-quota"),
        "{}",
        incomplete.detail
    );
}

#[test]
fn a_split_model_reports_and_compares_its_input_and_output_quotas() {
    let matching = quotas(&names(), &Ok(split_live(2_000_000)), &split_record(), 0);
    assert_eq!(matching.status, Status::Pass, "{matching:?}");
    assert_eq!(
        matching.detail,
        "RPM quota 10,000 → threshold 8,000; input TPM quota 2,000,000 → threshold 1,600,000; output TPM \
         quota 400,000 → threshold 320,000: the stored record matches"
    );
    let raised = quotas(&names(), &Ok(split_live(3_000_000)), &split_record(), 0);
    assert_eq!(raised.status, Status::Warn);
    assert!(
        raised.detail.ends_with(
            "input TPM quota 3,000,000 (stored 2,000,000) → threshold 2,400,000 (stored 1,600,000)"
        ),
        "{}",
        raised.detail
    );
}

#[test]
fn quotas_matching_the_stored_record_pass_drift_warns_with_the_updater() {
    let matching = quotas(
        &names(),
        &Ok(live(Some(10_000), 6_250_000)),
        &full_record("10000", "8000"),
        0,
    );
    assert_eq!(matching.status, Status::Pass, "{matching:?}");
    assert!(
        matching
            .detail
            .starts_with("RPM quota 10,000 → threshold 8,000"),
        "{}",
        matching.detail
    );
    let raised = quotas(
        &names(),
        &Ok(live(Some(20_000), 6_250_000)),
        &full_record("10000", "8000"),
        0,
    );
    assert_eq!(raised.status, Status::Warn);
    assert!(
        raised
            .detail
            .ends_with("RPM quota 20,000 (stored 10,000) → threshold 16,000 (stored 8,000)"),
        "{}",
        raised.detail
    );
    assert!(
        raised
            .fix
            .unwrap()
            .starts_with("the alarm updater fixes this on its next run")
    );
}

#[test]
fn an_rpm_quota_of_na_matches_a_stored_na() {
    let check = quotas(
        &names(),
        &Ok(live(None, 6_250_000)),
        &full_record("NA", "NA"),
        0,
    );
    assert_eq!(check.status, Status::Pass, "{check:?}");
    assert!(
        check.detail.starts_with("RPM quota NA → threshold NA"),
        "{}",
        check.detail
    );
}

#[test]
fn unreadable_quotas_warn_and_an_unknown_code_fails() {
    let throttled = Unreadable {
        call: "servicequotas:GetServiceQuota".into(),
        denied: false,
        retryable: true,
        message: "slow down".into(),
    };
    let check = quotas(
        &names(),
        &Err((throttled, "x".into())),
        &Stored::default(),
        0,
    );
    assert_eq!(check.status, Status::Warn);
    assert_eq!(check.fix.as_deref(), Some("run doctor again in a minute"));
    let unknown = Unreadable {
        call: "servicequotas:GetServiceQuota".into(),
        denied: false,
        retryable: false,
        message: "no such quota".into(),
    };
    let check = quotas(
        &names(),
        &Err((unknown, "could not read the TPM quota L-X".into())),
        &Stored::default(),
        0,
    );
    assert_eq!(check.status, Status::Fail);
    assert!(
        check
            .fix
            .unwrap()
            .contains("bedrock-ops-alert quotas discover")
    );
}

#[test]
fn ledger_with_ttl_passes_without_ttl_warns_missing_fails() {
    let table = |ttl: &str| Table {
        status: "ACTIVE".into(),
        ttl_status: ttl.into(),
        ttl_attribute: Some(LEDGER_TTL_ATTRIBUTE.into()),
    };
    assert_eq!(
        ledger(&names(), Some(&table("ENABLED"))).status,
        Status::Pass
    );
    let off = ledger(&names(), Some(&table("DISABLED")));
    assert_eq!(off.status, Status::Warn);
    assert!(off.fix.unwrap().contains("update-time-to-live"));
    assert_eq!(ledger(&names(), None).status, Status::Fail);
}

#[test]
fn support_open_passes_basic_plan_warns_denied_says_so() {
    assert_eq!(support(&SupportAccess::Open).status, Status::Pass);
    let basic = support(&SupportAccess::NotSubscribed);
    assert_eq!(basic.status, Status::Warn);
    assert_eq!(
        basic.detail,
        "Basic/Developer plan: cases cannot be filed; quota requests still can"
    );
    let denied = support(&SupportAccess::Unreadable(denied()));
    assert_eq!(denied.status, Status::Warn);
    assert!(
        denied
            .detail
            .starts_with("could not check: sns:ListSubscriptionsByTopic failed")
    );
    assert!(
        denied
            .fix
            .unwrap()
            .starts_with("allow sns:ListSubscriptionsByTopic")
    );
}

#[test]
fn service_linked_role_present_passes_absent_warns_with_the_command() {
    assert_eq!(service_linked_role(&Ok(true)).status, Status::Pass);
    let absent = service_linked_role(&Ok(false));
    assert_eq!(absent.status, Status::Warn);
    assert_eq!(
        absent.fix.as_deref(),
        Some("aws iam create-service-linked-role --aws-service-name servicequotas.amazonaws.com")
    );
}
