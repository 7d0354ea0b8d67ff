//! Unit tests of the handler over the in-memory fakes: every branch of the flow, named after the rule.

use bedrock_ops_aws::AwsError;
use bedrock_ops_aws::ledger::memory::MemoryLedger;
use bedrock_ops_aws::ledger::{LedgerRecord, LedgerStatus};
use bedrock_ops_aws::metrics::UsageMetric;
use bedrock_ops_aws::metrics::memory::MemoryUsageMetrics;
use bedrock_ops_aws::notify::memory::MemoryNotifier;
use bedrock_ops_aws::parameters::memory::MemoryParameters;
use bedrock_ops_aws::quotas::memory::MemoryQuotas;
use bedrock_ops_aws::quotas::{ChangeStatus, QuotaInfo, QuotaSource, RequestedChange};
use bedrock_ops_aws::support::memory::MemorySupport;
use bedrock_ops_core::outcome::WouldType;
use serde_json::json;

use super::*;
use crate::config::Need;
use crate::event::EventError;

const CUSTOMER: &str = "Acme";
const MODEL: &str = "Opus-4-6";
const MODEL_ID: &str = "global.anthropic.claude-opus-4-6-v1";
const RPM: &str = "L-3DD46812";
const TPM: &str = "L-3DCCFAA4";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:Acme-formatted";
const QUOTA_SUBJECT: &str = "Acme - Bedrock Ops Alert - Opus-4-6 - Quota Request";
const INVESTIGATION_SUBJECT: &str = "Acme - Bedrock Ops Alert - Opus-4-6 - Investigation Request";

type TestProcessor = Processor<
    MemoryParameters,
    MemoryUsageMetrics,
    MemoryQuotas,
    MemorySupport,
    MemoryNotifier,
    MemoryLedger,
>;

/// The fakes of one account, and a processor over them.
struct World {
    parameters: MemoryParameters,
    metrics: MemoryUsageMetrics,
    quotas: MemoryQuotas,
    support: MemorySupport,
    notifier: MemoryNotifier,
    ledger: MemoryLedger,
    now: i64,
}

fn config() -> Config {
    Config::from_lookup(Need::Everything, |name| {
        Some(
            match name {
                "CUSTOMER_NAME" => CUSTOMER,
                "BEDROCK_MODEL_NAME" => MODEL,
                "BEDROCK_MODEL_ID" => MODEL_ID,
                "REQUESTS_PER_MINUTE_QUOTA_CODE" => RPM,
                "TOKENS_PER_MINUTE_QUOTA_CODE" => TPM,
                "FORMATTED_TOPIC_ARN" => TOPIC,
                "LEDGER_TABLE_NAME" => "ledger",
                _ => return None,
            }
            .to_owned(),
        )
    })
    .unwrap()
}

fn quota(code: &str, name: &str, value: f64, adjustable: bool) -> QuotaInfo {
    QuotaInfo {
        service_code: SERVICE_CODE.into(),
        code: code.into(),
        name: name.into(),
        value,
        adjustable,
        unit: None,
        source: QuotaSource::Applied,
    }
}

impl World {
    /// The blog's first example account: 10,000 RPM and 6,250,000 TPM at 80 %, automation on.
    fn new() -> World {
        let world = World {
            parameters: MemoryParameters::new(),
            metrics: MemoryUsageMetrics::new(),
            quotas: MemoryQuotas::new(),
            support: MemorySupport::new(),
            notifier: MemoryNotifier::new(),
            ledger: MemoryLedger::new(),
            now: crate::now_epoch(),
        };
        for (key, value) in [
            ("enable-automated-support-case", "Yes"),
            ("requests-per-minute-increase-percent", "25"),
            ("tokens-per-minute-increase-percent", "25"),
            ("notification-preference", "all"),
            ("use-case-description", "Customer support assistant"),
            ("support-case-lookback-days", "60"),
            ("mode", "live"),
        ] {
            world.set(key, value);
        }
        world.quotas_and_thresholds(10_000, 6_250_000);
        world
    }

    fn set(&self, key: &str, value: &str) {
        self.parameters.seed(
            &format!("/{CUSTOMER}/bedrock/quota-monitoring/{MODEL}/{key}"),
            value,
        );
    }

    fn quotas_and_thresholds(&self, rpm: u64, tpm: u64) {
        self.quotas.set_applied(quota(
            RPM,
            "On-demand model inference requests per minute",
            rpm as f64,
            true,
        ));
        self.quotas.set_applied(quota(
            TPM,
            "On-demand model inference tokens per minute",
            tpm as f64,
            true,
        ));
        self.set(
            "thresholds/rpm-threshold-calculated",
            &(rpm * 8 / 10).to_string(),
        );
        self.set(
            "thresholds/tpm-threshold-calculated",
            &(tpm * 8 / 10).to_string(),
        );
        self.set("thresholds/rpm-quota", &rpm.to_string());
        self.set("thresholds/tpm-quota", &tpm.to_string());
    }

    /// One busy minute an hour ago with these peaks, and a quieter one before it.
    fn usage(&self, peak_rpm: f64, peak_tpm: f64) {
        let start = self.now - self.now.rem_euclid(60) - 3600;
        self.metrics.add_minutes(
            MODEL_ID,
            UsageMetric::Invocations,
            start,
            &[peak_rpm / 2.0, peak_rpm],
        );
        self.metrics.add_minutes(
            MODEL_ID,
            UsageMetric::EstimatedTpmQuotaUsage,
            start,
            &[peak_tpm / 2.0, peak_tpm],
        );
    }

    fn processor(&self) -> TestProcessor {
        Processor::new(
            Ports {
                parameters: self.parameters.clone(),
                metrics: self.metrics.clone(),
                quotas: self.quotas.clone(),
                support: self.support.clone(),
                notifier: self.notifier.clone(),
                ledger: self.ledger.clone(),
            },
            config(),
            "us-east-1",
        )
    }

    async fn run_as(&self, event: &Value, run: RunMode) -> Result<Vec<Report>, ProcessorError> {
        self.processor().handle(event, self.now, run).await
    }

    async fn run(&self, event: &Value) -> Result<Vec<Report>, ProcessorError> {
        self.run_as(event, RunMode::Live).await
    }

    /// Runs one event that must be handled, and returns its decision.
    async fn decide(&self, event: &Value) -> Decision {
        match self.run(event).await.unwrap().remove(0) {
            Report::Handled(decision) => decision,
            other => panic!("not handled: {other:?}"),
        }
    }

    fn emails(&self) -> Vec<(String, String)> {
        self.notifier
            .published()
            .into_iter()
            .map(|m| {
                assert_eq!(m.topic_arn, TOPIC);
                (m.subject, m.body)
            })
            .collect()
    }

    fn filed_requests(&self) -> Vec<(String, f64)> {
        self.quotas
            .requests()
            .into_iter()
            .map(|r| (r.quota_code, r.desired))
            .collect()
    }
}

fn alarm_name(kind: &str, severity: &str) -> String {
    format!("{CUSTOMER}-Bedrock-{kind}-{severity}-{MODEL}")
}

fn message(kind: &str, severity: &str, state: &str, time: &str) -> Value {
    let name = alarm_name(kind, severity);
    json!({
        "AlarmName": name,
        "AlarmArn": format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"),
        "AWSAccountId": "123456789012",
        "NewStateValue": state,
        "NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints was greater than the threshold.",
        "StateChangeTime": time,
        "OldStateValue": if state == "OK" { "ALARM" } else { "OK" },
        "Trigger": {"Namespace": "AWS/Bedrock"}
    })
}

fn sns(message: &Value) -> Value {
    json!({"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": "m-1", "Message": message.to_string()}}]})
}

fn alarm(kind: &str, severity: &str) -> Value {
    sns(&message(
        kind,
        severity,
        "ALARM",
        "2026-05-04T14:52:48.069+0000",
    ))
}

fn composite(children: &[(&str, &str)]) -> Value {
    let name = format!("{CUSTOMER}-Bedrock-QuotaHealth-Composite-{MODEL}");
    let children: Vec<Value> = children
        .iter()
        .map(|(kind, severity)| {
            json!({"Arn": format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{}", alarm_name(kind, severity)),
                   "State": {"Value": "ALARM", "Timestamp": "2026-05-04T14:52:00.000+0000"}})
        })
        .collect();
    sns(&json!({
        "AlarmName": name,
        "AlarmArn": format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"),
        "NewStateValue": "ALARM",
        "NewStateReason": "child alarms transitioned to ALARM",
        "StateChangeTime": "2026-05-04T14:52:48.069+0000",
        "AlarmRule": "ALARM(a) OR ALARM(b)",
        "TriggeringChildren": children
    }))
}

fn views(decision: &Decision) -> Vec<Value> {
    decision
        .actions
        .iter()
        .map(|a| serde_json::to_value(ActionView::from(a)).unwrap())
        .collect()
}

fn types(decision: &Decision) -> Vec<String> {
    views(decision)
        .iter()
        .map(|v| match v["type"].as_str().unwrap() {
            "none" => format!("none:{}", v["reason"].as_str().unwrap()),
            other => other.to_owned(),
        })
        .collect()
}

fn done_record(world: &World) -> LedgerRecord {
    // The transition's record; a created case also leaves its category's lock item.
    let mut records = world.ledger.records();
    records.retain(|key, _| !key.starts_with("case-lock|"));
    assert_eq!(records.len(), 1, "{records:?}");
    records.into_values().next().unwrap()
}

#[tokio::test]
async fn high_usage_throttles_requests_both_quotas_and_emails_once() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    assert_eq!(
        decision.decided,
        Decided::Alarm(Scenario::HighUsage { expedited: true })
    );
    assert_eq!(decision.class, AlarmClass::Both);
    assert_eq!(
        world.filed_requests(),
        [(RPM.to_owned(), 12_500.0), (TPM.to_owned(), 7_812_500.0)]
    );
    assert_eq!(types(&decision), ["quota_request", "quota_request"]);
    assert!(world.support.created_cases().is_empty());
    let emails = world.emails();
    assert_eq!(emails.len(), 1);
    assert_eq!(
        emails[0].0,
        "🔴 [CRITICAL] Acme - Bedrock Ops Alert - Opus-4-6 - Quota Request"
    );
    assert!(
        emails[0].1.contains("req-1") && emails[0].1.contains("req-2"),
        "{}",
        emails[0].1
    );
    // Closed in one write with the e-mail: no intermediate step was recorded.
    let record = done_record(&world);
    assert_eq!(record.status, LedgerStatus::Done);
    assert!(record.steps.is_empty(), "{:?}", record.steps);
    assert_eq!(record.outcome.unwrap()["email"]["status"], "published");
}

#[tokio::test]
async fn high_tpm_quota_usage_requests_tpm_only() {
    let world = World::new();
    world.quotas_and_thresholds(200, 200_000);
    world.usage(150.0, 210_000.0);

    let decision = world.decide(&alarm("HighTPMQuotaUsage", "Warning")).await;

    assert_eq!(
        decision.decided,
        Decided::Alarm(Scenario::HighUsage { expedited: false })
    );
    assert_eq!(world.filed_requests(), [(TPM.to_owned(), 250_000.0)]);
    assert!(world.emails()[0].0.starts_with("🟡 [WARNING]"));
}

#[tokio::test]
async fn new_model_requests_without_usage_history() {
    let world = World::new();
    world.quotas_and_thresholds(200, 500_000);

    let decision = world.decide(&alarm("InputTokenAnomaly", "Warning")).await;

    assert_eq!(decision.decided, Decided::Alarm(Scenario::NewModel));
    assert_eq!(world.filed_requests(), [(TPM.to_owned(), 625_000.0)]);
}

#[tokio::test]
async fn throttled_usage_read_is_usage_unknown_and_says_so() {
    let world = World::new();
    world.metrics.fail_always(
        "GetMetricData",
        AwsError::from_code(
            "cloudwatch",
            "GetMetricData",
            "Throttling",
            "Rate exceeded",
            Some(400),
        ),
    );

    let decision = world.decide(&alarm("HighInvocationRate", "Warning")).await;

    let Decided::Alarm(Scenario::UsageUnknown { reason }) = &decision.decided else {
        panic!("{:?}", decision.decided)
    };
    assert!(reason.contains("throttled"), "{reason}");
    assert_eq!(world.filed_requests(), [(RPM.to_owned(), 12_500.0)]);
    assert!(world.emails()[0].1.contains("Rate exceeded"));
}

#[tokio::test]
async fn low_usage_opens_an_investigate_first_case_and_requests_nothing() {
    let world = World::new();
    world.quotas_and_thresholds(10_001, 6_250_000);
    world.usage(5_578.0, 3_404_691.0);

    let decision = world.decide(&alarm("InvocationAnomaly", "Warning")).await;

    assert_eq!(decision.decided, Decided::Alarm(Scenario::LowUsage));
    assert!(world.filed_requests().is_empty());
    assert_eq!(types(&decision), ["support_case", "none:investigate_first"]);
    let created = world.support.created_cases();
    assert_eq!(created.len(), 1);
    let (draft, _) = &created[0];
    assert_eq!(draft.subject, QUOTA_SUBJECT);
    assert_eq!(draft.severity, "normal");
    assert!(draft.body.contains("for reference only"), "{}", draft.body);
    assert!(draft.body.contains("12,502"), "{}", draft.body);
    let view = &views(&decision)[0];
    assert!(!view["display_id"].as_str().unwrap().is_empty(), "{view}");
    assert!(
        world.emails()[0]
            .1
            .contains(view["display_id"].as_str().unwrap())
    );
}

#[tokio::test]
async fn non_quota_server_errors_open_an_investigation_case() {
    let world = World::new();
    world.usage(100.0, 1_000.0);

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(decision.decided, Decided::Alarm(Scenario::NonQuota));
    assert_eq!(types(&decision), ["support_case"]);
    assert_eq!(world.quotas.calls("GetServiceQuota"), 0);
    let (draft, _) = &world.support.created_cases()[0];
    assert_eq!(draft.subject, INVESTIGATION_SUBJECT);
    assert_eq!(draft.severity, "high");
    assert!(world.emails()[0].0.ends_with("Investigation Request"));
}

#[tokio::test]
async fn mixed_throttles_and_high_tpm_in_one_composite_is_one_both_class_decision() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);

    let decision = world
        .decide(&composite(&[
            ("Throttles", "Critical"),
            ("HighTPMQuotaUsage", "Warning"),
        ]))
        .await;

    assert_eq!(decision.class, AlarmClass::Both);
    assert_eq!(decision.severity, Severity::Critical);
    assert_eq!(world.filed_requests().len(), 2);
    assert_eq!(world.emails().len(), 1);
}

#[tokio::test]
async fn mixed_server_errors_and_high_invocation_rate_follow_the_quota_class() {
    let world = World::new();
    world.usage(9_000.0, 1_000.0);

    let decision = world
        .decide(&composite(&[
            ("ServerErrors", "Critical"),
            ("HighInvocationRate", "Warning"),
        ]))
        .await;

    assert_eq!(decision.class, AlarmClass::Rpm);
    assert_eq!(
        decision.decided,
        Decided::Alarm(Scenario::HighUsage { expedited: true })
    );
    assert_eq!(world.filed_requests(), [(RPM.to_owned(), 12_500.0)]);
    assert!(world.support.created_cases().is_empty());
    let body = &world.emails()[0].1;
    assert!(
        body.contains("ServerErrors") && body.contains("HighInvocationRate"),
        "{body}"
    );
}

#[tokio::test]
async fn second_alarm_while_the_first_is_in_alarm_is_handled_and_appended() {
    let world = World::new();
    world.usage(100.0, 1_000.0);
    world.decide(&alarm("ServerErrors", "Critical")).await;
    let later = sns(&message(
        "HighLatency",
        "Warning",
        "ALARM",
        "2026-05-04T15:30:00.000+0000",
    ));

    let decision = world.decide(&later).await;

    assert_eq!(types(&decision), ["append"]);
    assert_eq!(world.support.created_cases().len(), 1);
    assert_eq!(world.emails().len(), 2);
}

#[tokio::test]
async fn already_open_quota_request_gets_the_alarm_appended_to_its_case() {
    let world = World::new();
    world.usage(9_500.0, 1.0);
    let (case_id, display_id) = world
        .support
        .seed_open_case("Service Quotas increase: Amazon Bedrock", 3_600);
    world.quotas.seed_request(
        SERVICE_CODE,
        RequestedChange {
            id: "human-1".into(),
            quota_code: RPM.into(),
            case_id: Some(display_id.clone()),
            status: ChangeStatus::CaseOpened,
            desired: 20_000.0,
            created: Some(world.now - 3_600),
        },
    );

    let decision = world.decide(&alarm("HighInvocationRate", "Warning")).await;

    assert_eq!(types(&decision), ["append"]);
    let view = &views(&decision)[0];
    assert_eq!(view["request_id"], "human-1");
    assert_eq!(view["display_id"], display_id.as_str());
    let appended = world.support.appended();
    assert_eq!(appended.len(), 1);
    assert_eq!(appended[0].0, case_id);
    assert!(
        appended[0].1.starts_with("FOLLOW-UP (WARNING)"),
        "{}",
        appended[0].1
    );
    assert_eq!(world.quotas.requests().len(), 1, "no second request");
}

#[tokio::test]
async fn not_adjustable_quota_goes_to_a_support_case() {
    let world = World::new();
    world
        .quotas
        .set_applied(quota(TPM, "tokens per minute", 6_250_000.0, false));
    world.usage(9_500.0, 3_000_000.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    assert_eq!(
        types(&decision),
        ["quota_request", "support_case", "none:not_adjustable"]
    );
    assert_eq!(world.filed_requests(), [(RPM.to_owned(), 12_500.0)]);
    let (draft, _) = &world.support.created_cases()[0];
    assert_eq!(draft.subject, QUOTA_SUBJECT);
    assert!(draft.body.contains("7,812,500"), "{}", draft.body);
    assert!(
        !draft.body.contains("from 10,000 to 12,500"),
        "only the refused side: {}",
        draft.body
    );
}

#[tokio::test]
async fn access_denied_request_falls_back_to_a_support_case() {
    let world = World::new();
    world.usage(9_500.0, 1.0);
    world.quotas.fail_always(
        "RequestServiceQuotaIncrease",
        AwsError::from_code(
            "servicequotas",
            "RequestServiceQuotaIncrease",
            "AccessDeniedException",
            "no",
            Some(400),
        ),
    );

    let decision = world.decide(&alarm("HighInvocationRate", "Warning")).await;

    assert_eq!(types(&decision), ["none:access_denied", "support_case"]);
    assert!(world.support.created_cases()[0].0.body.contains("12,500"));
}

#[tokio::test]
async fn duplicate_case_gets_an_append_with_the_urgency_prefix() {
    let world = World::new();
    world.usage(100.0, 1_000.0);
    let (case_id, display_id) = world.support.seed_open_case(INVESTIGATION_SUBJECT, 86_400);
    world
        .support
        .seed_open_case(&format!("Big{INVESTIGATION_SUBJECT}"), 60);
    world.support.seed_open_case(QUOTA_SUBJECT, 60);

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(types(&decision), ["append"]);
    assert_eq!(views(&decision)[0]["display_id"], display_id.as_str());
    assert!(world.support.created_cases().is_empty());
    let appended = world.support.appended();
    assert_eq!(appended.len(), 1);
    assert_eq!(appended[0].0, case_id);
    assert!(
        appended[0]
            .1
            .starts_with("ESCALATION (CRITICAL): ServerErrors"),
        "{}",
        appended[0].1
    );
}

#[tokio::test]
async fn cases_older_than_the_lookback_are_not_duplicates() {
    let world = World::new();
    world.set("support-case-lookback-days", "45");
    world
        .support
        .seed_open_case(INVESTIGATION_SUBJECT, 50 * 86_400);

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(types(&decision), ["support_case"]);
}

#[tokio::test]
async fn automation_off_decides_and_emails_but_files_nothing() {
    let world = World::new();
    world.set("enable-automated-support-case", "No");
    world.usage(9_500.0, 3_000_000.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    assert_eq!(
        types(&decision),
        ["none:automation_disabled", "none:automation_disabled"]
    );
    assert_eq!(world.quotas.calls("RequestServiceQuotaIncrease"), 0);
    assert_eq!(world.support.calls("CreateCase"), 0);
    let body = &world.emails()[0].1;
    assert!(
        body.contains("enable-automated-support-case is No"),
        "{body}"
    );
    assert!(
        body.contains("12,500") && body.contains("7,812,500"),
        "{body}"
    );
}

#[tokio::test]
async fn percent_zero_requests_nothing_for_that_quota() {
    let world = World::new();
    world.set("tokens-per-minute-increase-percent", "0");
    world.usage(9_500.0, 3_000_000.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    assert_eq!(world.filed_requests(), [(RPM.to_owned(), 12_500.0)]);
    assert_eq!(
        types(&decision),
        ["quota_request", "none:increase_percent_zero"]
    );
    assert!(
        world.emails()[0]
            .1
            .contains("tokens-per-minute-increase-percent setting is 0")
    );
}

#[tokio::test]
async fn preference_critical_files_a_warning_alarm_without_an_email() {
    let world = World::new();
    world.set("notification-preference", "critical");
    world.quotas_and_thresholds(200, 200_000);
    world.usage(150.0, 210_000.0);

    let decision = world.decide(&alarm("HighTPMQuotaUsage", "Warning")).await;

    assert_eq!(
        world.filed_requests().len(),
        1,
        "the filing is not filtered"
    );
    assert!(world.emails().is_empty());
    assert_eq!(decision.email_status, EmailStatus::Filtered);
    let record = done_record(&world);
    assert!(
        record.steps.is_empty(),
        "no intermediate record without an e-mail"
    );
    assert_eq!(
        record.outcome.unwrap()["email"]["status"],
        "filtered_by_notification_preference"
    );
}

#[tokio::test]
async fn dry_run_files_nothing_and_says_what_would_have_been_filed() {
    let world = World::new();
    world.set("mode", "dry-run");
    world.usage(9_500.0, 3_000_000.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    assert_eq!(types(&decision), ["none:dry_run", "none:dry_run"]);
    assert_eq!(views(&decision)[0]["would"], json!(WouldType::QuotaRequest));
    assert_eq!(views(&decision)[1]["desired"], 7_812_500);
    assert_eq!(world.quotas.calls("RequestServiceQuotaIncrease"), 0);
    assert!(world.emails()[0].1.contains("Would have requested"));
    assert_eq!(done_record(&world).status, LedgerStatus::Done);
}

#[tokio::test]
async fn dry_run_names_the_open_case_it_would_append_to() {
    let world = World::new();
    world.set("mode", "dry-run");
    let (_, display_id) = world.support.seed_open_case(INVESTIGATION_SUBJECT, 60);

    let decision = world.decide(&alarm("LatencyAnomaly", "Warning")).await;

    let view = &views(&decision)[0];
    assert_eq!(view["would"], json!(WouldType::Append));
    assert_eq!(view["display_id"], display_id.as_str());
    assert!(world.support.appended().is_empty());
}

#[tokio::test]
async fn simulation_touches_neither_ledger_nor_topic_nor_filings() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);

    let reports = world
        .run_as(&alarm("Throttles", "Critical"), RunMode::Simulate)
        .await
        .unwrap();

    let Report::Handled(decision) = &reports[0] else {
        panic!("{reports:?}")
    };
    assert_eq!(types(decision), ["none:dry_run", "none:dry_run"]);
    assert_eq!(decision.email_status, EmailStatus::Simulated);
    assert_eq!(world.ledger.total_calls(), 0);
    assert_eq!(world.notifier.published().len(), 0);
    assert_eq!(world.quotas.calls("RequestServiceQuotaIncrease"), 0);
}

#[tokio::test]
async fn support_not_subscribed_is_the_reason_in_the_email() {
    let world = World::new();
    world.support.set_subscribed(false);

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(types(&decision), ["none:support_plan_missing"]);
    assert!(
        world.emails()[0]
            .1
            .contains("SubscriptionRequiredException")
    );
}

#[tokio::test]
async fn case_creation_limit_is_the_reason_in_the_email() {
    let world = World::new();
    world.support.fail_always(
        "CreateCase",
        AwsError::from_code(
            "support",
            "CreateCase",
            "CaseCreationLimitExceeded",
            "limit",
            Some(400),
        ),
    );

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(types(&decision), ["none:case_creation_limit_exceeded"]);
    assert!(world.emails()[0].1.contains("CaseCreationLimitExceeded"));
}

#[tokio::test]
async fn throttled_case_listing_files_no_case_rather_than_a_possible_duplicate() {
    let world = World::new();
    world.support.fail_always(
        "DescribeCases",
        AwsError::from_code(
            "support",
            "DescribeCases",
            "ThrottlingException",
            "slow",
            Some(400),
        ),
    );

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(types(&decision), ["none:throttled"]);
    assert_eq!(world.support.calls("CreateCase"), 0);
}

/// Every alarm goes INSUFFICIENT_DATA → OK at deploy time: ten such messages must not send ten "recovered" e-mails.
#[tokio::test]
async fn ok_that_does_not_follow_an_alarm_sends_nothing() {
    let world = World::new();
    for old in [Some("INSUFFICIENT_DATA"), Some("OK"), None] {
        let mut ok = message("Throttles", "Critical", "OK", "2026-05-04T15:10:00Z");
        match old {
            Some(old) => ok["OldStateValue"] = json!(old),
            None => {
                ok.as_object_mut().unwrap().remove("OldStateValue");
            }
        }

        let reports = world.run(&sns(&ok)).await.unwrap();

        assert!(
            matches!(&reports[0], Report::Ignored { reason, .. } if reason.contains("not after ALARM")),
            "{old:?}: {reports:?}"
        );
    }
    assert!(world.emails().is_empty());
    assert_eq!(
        world.quotas.total_calls() + world.support.total_calls() + world.metrics.total_calls(),
        0
    );
}

#[tokio::test]
async fn ok_transition_sends_a_recovery_email_and_files_nothing() {
    let world = World::new();

    let reports = world
        .run(&sns(&message(
            "Throttles",
            "Critical",
            "OK",
            "2026-05-04T15:10:00Z",
        )))
        .await
        .unwrap();

    let Report::Handled(decision) = &reports[0] else {
        panic!("{reports:?}")
    };
    assert_eq!(decision.decided, Decided::Recovery);
    assert!(decision.actions.is_empty());
    assert_eq!(decision.to_json(false)["scenario"], "recovery");
    let emails = world.emails();
    assert_eq!(emails.len(), 1);
    assert!(emails[0].0.starts_with("✅ [OK]"), "{}", emails[0].0);
    assert_eq!(
        world.quotas.total_calls() + world.support.total_calls() + world.metrics.total_calls(),
        0
    );
}

#[tokio::test]
async fn redelivered_message_files_once_and_emails_once() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);
    let event = alarm("Throttles", "Critical");

    world.run(&event).await.unwrap();
    let again = world.run(&event).await.unwrap();

    assert!(matches!(again[0], Report::AlreadyHandled { .. }));
    assert_eq!(world.quotas.requests().len(), 2);
    assert_eq!(world.emails().len(), 1);
}

/// The category's case lock item, if any.
fn case_lock(world: &World) -> Option<LedgerRecord> {
    let mut locks = world.ledger.records();
    locks.retain(|key, _| key.starts_with("case-lock|"));
    assert!(locks.len() <= 1, "{locks:?}");
    locks.into_values().next()
}

#[tokio::test]
async fn the_case_lock_taken_with_the_claim_is_released_when_no_case_is_opened() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);

    world.run(&alarm("Throttles", "Critical")).await.unwrap();

    assert_eq!(
        world.ledger.calls("TransactWriteItems"),
        2,
        "claim and close"
    );
    assert_eq!(world.ledger.calls("UpdateItem"), 0);
    let lock = case_lock(&world).expect("the lock was taken with the claim");
    assert!(lock.key.ends_with(QUOTA_SUBJECT), "{}", lock.key);
    assert_eq!(lock.lease_until, 0, "released by the closing write");
    assert!(lock.steps.is_empty());
}

#[tokio::test]
async fn a_created_case_is_recorded_on_the_lock_which_is_kept_for_concurrent_alarms() {
    let world = World::new();
    world.usage(100.0, 1_000.0);

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    let Action::CaseCreated { case, .. } = &decision.actions[0] else {
        panic!("{:?}", decision.actions)
    };
    let lock = case_lock(&world).unwrap();
    assert!(lock.key.ends_with(INVESTIGATION_SUBJECT), "{}", lock.key);
    assert_eq!(lock.lease_until, world.now + CASE_LOCK_SECONDS);
    assert_eq!(
        lock.steps[CASE_LOCK_STEP],
        json!({"claimed_at": world.now, "case_id": case.case_id, "display_id": case.display_id})
    );
    assert_eq!(world.ledger.calls("TransactWriteItems"), 2);
}

#[tokio::test]
async fn an_append_to_an_open_duplicate_releases_the_lock() {
    let world = World::new();
    world.usage(100.0, 1_000.0);
    world.support.seed_open_case(INVESTIGATION_SUBJECT, 60);

    world.run(&alarm("ServerErrors", "Critical")).await.unwrap();

    assert_eq!(case_lock(&world).unwrap().lease_until, 0);
}

/// A ServerErrors alarm opens the Investigation Request case, which Support does not list yet (only the lock
/// names it); returns the case id and a HighLatency alarm of the same category two seconds later.
async fn a_case_only_the_lock_knows(world: &World) -> (String, Value) {
    world.usage(100.0, 1_000.0);
    world.run(&alarm("ServerErrors", "Critical")).await.unwrap();
    let created = world.support.created_cases()[0].1.case_id.clone();
    world.support.hide_from_listing(&created);
    let second = sns(&message(
        "HighLatency",
        "Warning",
        "ALARM",
        "2026-05-04T14:52:50.000+0000",
    ));
    (created, second)
}

#[tokio::test]
async fn a_second_alarm_of_the_category_appends_to_the_case_recorded_on_the_lock() {
    let world = World::new();
    let (created, second) = a_case_only_the_lock_knows(&world).await;

    let decision = world.decide(&second).await;

    assert_eq!(types(&decision), ["append"]);
    assert_eq!(world.support.created_cases().len(), 1);
    assert_eq!(world.support.appended()[0].0, created);
}

#[tokio::test]
async fn a_throttled_look_at_the_lock_is_taken_again_not_reported_as_a_failure() {
    let world = World::new();
    let (_, second) = a_case_only_the_lock_knows(&world).await;
    world.ledger.fail_next(
        "GetItem",
        AwsError::from_code(
            "dynamodb",
            "GetItem",
            "ProvisionedThroughputExceededException",
            "slow",
            Some(400),
        ),
    );

    let decision = world.decide(&second).await;

    assert_eq!(types(&decision), ["append"]);
    assert_eq!(world.ledger.calls("GetItem"), 2);
}

#[tokio::test]
async fn a_redelivery_neither_takes_the_lock_nor_touches_it() {
    let world = World::new();
    world.usage(100.0, 1_000.0);
    let event = alarm("ServerErrors", "Critical");
    world.run(&event).await.unwrap();
    let lock = case_lock(&world).unwrap();

    let again = world.run(&event).await.unwrap();

    assert!(matches!(again[0], Report::AlreadyHandled { .. }));
    assert_eq!(case_lock(&world).unwrap(), lock);
}

#[tokio::test]
async fn a_refused_email_corrects_the_closing_record_and_is_an_error() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "AuthorizationError", "no", Some(403)),
    );

    let error = world
        .run(&alarm("Throttles", "Critical"))
        .await
        .unwrap_err();

    assert_eq!(error.error_type(), "NonRetryable");
    let record = done_record(&world);
    assert_eq!(record.status, LedgerStatus::Done);
    assert_eq!(record.outcome.unwrap()["email"]["status"], "failed");
    assert_eq!(world.quotas.requests().len(), 2);
}

#[tokio::test]
async fn transition_held_by_another_invocation_is_retryable() {
    let world = World::new();
    world.ledger.seed(LedgerRecord {
        key: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Acme-Bedrock-Throttles-Critical-Opus-4-6|ALARM|2026-05-04T14:52:48.069+0000".into(),
        status: LedgerStatus::InProgress,
        claimed_at: world.now - 5,
        lease_until: world.now + 600,
        attempts: 1,
        steps: BTreeMap::new(),
        outcome: None,
        completed_at: None,
        expires_at: world.now + 86_400,
    });

    let error = world
        .run(&alarm("Throttles", "Critical"))
        .await
        .unwrap_err();

    assert!(matches!(error, ProcessorError::InProgress { .. }));
    assert_eq!(error.error_type(), "Retryable");
    assert_eq!(world.quotas.calls("RequestServiceQuotaIncrease"), 0);
    assert!(world.emails().is_empty());
}

#[tokio::test]
async fn the_claim_lasts_until_just_after_the_lambda_deadline() {
    let world = World::new();

    world
        .processor()
        .handle_until(
            &alarm("ServerErrors", "Critical"),
            world.now,
            world.now + 60,
            RunMode::Live,
        )
        .await
        .unwrap();

    let record = done_record(&world);
    assert_eq!(record.lease_until, world.now + 60 + LEASE_MARGIN_SECONDS);
}

#[tokio::test]
async fn a_retry_takes_over_the_transition_of_a_timed_out_invocation() {
    let world = World::new();
    let event = alarm("ServerErrors", "Critical");
    let key = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Acme-Bedrock-ServerErrors-Critical-Opus-4-6|ALARM|2026-05-04T14:52:48.069+0000";
    world.ledger.seed(LedgerRecord {
        key: key.into(),
        status: LedgerStatus::InProgress,
        claimed_at: world.now - 120,
        lease_until: world.now - 45,
        attempts: 1,
        steps: BTreeMap::new(),
        outcome: None,
        completed_at: None,
        expires_at: world.now + 86_400,
    });

    let reports = world.run(&event).await.unwrap();

    assert!(matches!(reports[0], Report::Handled(_)));
    let record = done_record(&world);
    assert_eq!((record.status, record.attempts), (LedgerStatus::Done, 2));
    assert_eq!(world.support.created_cases().len(), 1);
}

#[tokio::test]
async fn failed_email_is_retried_from_the_ledger_without_filing_again() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "Throttling", "slow", Some(400)),
    );
    let event = alarm("Throttles", "Critical");

    let error = world.run(&event).await.unwrap_err();
    assert_eq!(error.error_type(), "Retryable");
    assert_eq!(world.quotas.requests().len(), 2);
    let record = done_record(&world);
    assert_eq!(record.status, LedgerStatus::InProgress);
    assert!(record.steps.contains_key(FILED_STEP));

    let retry = world.run(&event).await.unwrap();

    assert!(matches!(retry[0], Report::Resumed { .. }), "{retry:?}");
    assert_eq!(world.quotas.requests().len(), 2, "nothing filed twice");
    let emails = world.emails();
    assert_eq!(emails.len(), 1);
    assert!(emails[0].1.contains("req-1"));
    assert_eq!(done_record(&world).status, LedgerStatus::Done);
}

#[tokio::test]
async fn throttled_settings_read_is_retryable_and_releases_the_claim() {
    let world = World::new();
    world.parameters.fail_next(
        "GetParameters",
        AwsError::from_code(
            "ssm",
            "GetParameters",
            "ThrottlingException",
            "slow",
            Some(400),
        ),
    );
    let event = alarm("ServerErrors", "Critical");

    let error = world.run(&event).await.unwrap_err();
    assert_eq!(error.error_type(), "Retryable");
    assert_eq!(world.support.calls("CreateCase"), 0);

    let retry = world.run(&event).await.unwrap();
    assert!(matches!(retry[0], Report::Handled(_)));
    assert_eq!(world.support.created_cases().len(), 1);
}

#[tokio::test]
async fn unreadable_settings_file_nothing_and_say_why() {
    let world = World::new();
    world.set("mode", "sometimes");

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(types(&decision), ["none:error"]);
    assert!(
        world.emails()[0]
            .1
            .contains("'mode' has the invalid value 'sometimes'")
    );
    assert_eq!(world.support.calls("CreateCase"), 0);
}

#[tokio::test]
async fn malformed_events_are_non_retryable_and_touch_nothing() {
    let world = World::new();
    for event in [
        json!("not an event"),
        json!({"Records": [{"Sns": {"Message": "{not json"}}]}),
        sns(&json!({"AlarmName": alarm_name("Throttles", "Critical")})),
    ] {
        let error = world.run(&event).await.unwrap_err();
        assert!(matches!(error, ProcessorError::Event(_)), "{error}");
        assert_eq!(error.error_type(), "NonRetryable");
    }
    assert_eq!(
        world.ledger.total_calls() + world.parameters.total_calls(),
        0
    );
}

#[tokio::test]
async fn alarm_of_another_stack_files_nothing() {
    let world = World::new();
    let other = sns(&json!({
        "AlarmName": "Acme-Bedrock-Throttles-Critical-Sonnet-4",
        "NewStateValue": "ALARM",
        "StateChangeTime": "2026-05-04T14:52:48Z",
        "Trigger": {}
    }));

    let error = world.run(&other).await.unwrap_err();

    assert!(matches!(error, ProcessorError::Event(EventError::Alarm(_))));
    assert_eq!(error.error_type(), "NonRetryable");
    assert!(
        error
            .to_string()
            .contains("does not belong to customer 'Acme' and model 'Opus-4-6'")
    );
    assert_eq!(
        world.ledger.total_calls() + world.quotas.total_calls() + world.support.total_calls(),
        0
    );
}

#[tokio::test]
async fn insufficient_data_is_ignored() {
    let world = World::new();
    let reports = world
        .run(&sns(&message(
            "Throttles",
            "Critical",
            "INSUFFICIENT_DATA",
            "2026-05-04T14:52:48Z",
        )))
        .await
        .unwrap();
    assert!(matches!(reports[0], Report::Ignored { .. }));
    assert!(world.emails().is_empty());
}

#[tokio::test]
async fn cli_json_keeps_the_contract_keys() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;
    let out = decision.to_json(true);

    assert_eq!(out["class"], "both");
    assert_eq!(out["scenario"], "high_usage");
    assert_eq!(out["expedited"], true);
    assert_eq!(out["severity"], "critical");
    assert_eq!(out["actions"][0]["type"], "quota_request");
    assert_eq!(out["actions"][0]["quota_code"], RPM);
    assert_eq!(out["actions"][0]["desired"], 12_500);
    assert!(
        out["email"]["subject"]
            .as_str()
            .unwrap()
            .contains("Quota Request")
    );
    assert!(out["email"]["body"].as_str().unwrap().len() > 100);
    assert!(decision.to_json(false)["email"].get("body").is_none());
}

#[tokio::test]
async fn missing_topic_or_ledger_is_refused_before_anything_is_filed() {
    let world = World::new();
    let mut config = config();
    config.formatted_topic_arn = None;
    let processor = Processor::new(world.processor().ports().clone(), config, "us-east-1");

    let error = processor
        .handle(&alarm("ServerErrors", "Critical"), world.now, RunMode::Live)
        .await
        .unwrap_err();

    assert!(
        error.to_string().contains("FORMATTED_TOPIC_ARN is not set"),
        "{error}"
    );
    assert_eq!(world.ledger.total_calls(), 0);
}

// ---- The output contract, pinned byte for byte ----
//
// The CLI's `--json`, the Lambda's response and the ledger's records are contracts: keys, values and key
// presence. Key order is not: serde_json sorts keys in the shipped builds and keeps insertion order only where
// a dev-dependency turns on its `preserve_order` (the workspace's test build), so keys are pinned sorted. Each
// snapshot holds every face of one transition: its reports with and without the e-mail body, the Lambda's
// response, and the ledger's items (recorded steps and closing outcome). An e-mail body the run produced shows
// as «e-mail body» (the e-mail snapshots of the core pin its wording); any other string is shown as is.

/// A fixed clock: e-mail bodies name the times of the usage peaks.
const PINNED_NOW: i64 = 1_777_906_800; // 2026-05-04T15:00:00Z

fn pinned_world() -> World {
    let mut world = World::new();
    world.now = PINNED_NOW;
    world
}

/// `value` with its keys sorted (whatever serde_json's map keeps) and the known e-mail bodies redacted.
fn canonical(value: Value, bodies: &[String]) -> Value {
    match value {
        Value::String(text) if bodies.contains(&text) => Value::String("«e-mail body»".into()),
        Value::Array(items) => items.into_iter().map(|v| canonical(v, bodies)).collect(),
        Value::Object(map) => {
            let sorted: BTreeMap<String, Value> = map.into_iter().collect();
            Value::Object(
                sorted
                    .into_iter()
                    .map(|(key, v)| (key, canonical(v, bodies)))
                    .collect(),
            )
        }
        other => other,
    }
}

/// The pinned text of one run's reports (or error) and the ledger it left.
fn contract(world: &World, result: &Result<Vec<Report>, ProcessorError>) -> String {
    let mut doc = serde_json::Map::new();
    let mut bodies: Vec<String> = world.emails().into_iter().map(|(_, body)| body).collect();
    match result {
        Ok(reports) => {
            bodies.extend(reports.iter().filter_map(|report| match report {
                Report::Handled(decision) => Some(decision.email.body.clone()),
                _ => None,
            }));
            let with_body: Vec<Value> = reports.iter().map(|r| r.to_json(true)).collect();
            let without_body: Vec<Value> = reports.iter().map(|r| r.to_json(false)).collect();
            doc.insert("reports_with_body".into(), Value::Array(with_body));
            doc.insert("reports_without_body".into(), Value::Array(without_body));
            doc.insert("lambda_response".into(), crate::lambda_response(reports));
        }
        Err(error) => {
            doc.insert(
                "error".into(),
                json!({"type": error.error_type(), "message": error.to_string()}),
            );
        }
    }
    let ledger: serde_json::Map<String, Value> = world
        .ledger
        .records()
        .into_iter()
        .map(|(key, record)| {
            let item = json!({
                "status": record.status.as_str(),
                "steps": record.steps,
                "outcome": record.outcome,
            });
            (key, item)
        })
        .collect();
    doc.insert("ledger".into(), Value::Object(ledger));
    serde_json::to_string_pretty(&canonical(Value::Object(doc), &bodies)).unwrap()
}

/// Runs `events` in turn on `world` (set up by the caller) and pins the last run's faces under `name`.
async fn pin(name: &str, world: &World, events: &[Value]) {
    let mut result = Ok(Vec::new());
    for event in events {
        result = world.run(event).await;
    }
    pin_result(name, world, &result);
}

fn pin_result(name: &str, world: &World, result: &Result<Vec<Report>, ProcessorError>) {
    let text = contract(world, result);
    insta::with_settings!({
        snapshot_path => "handler/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[tokio::test]
async fn contract_handled_quota_requests_published() {
    let world = pinned_world();
    world.usage(9_500.0, 3_000_000.0);
    pin(
        "handled_high_usage_both_published",
        &world,
        &[alarm("Throttles", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_high_usage_tpm_warning() {
    let world = pinned_world();
    world.quotas_and_thresholds(200, 200_000);
    world.usage(150.0, 210_000.0);
    pin(
        "handled_high_usage_tpm_warning",
        &world,
        &[alarm("HighTPMQuotaUsage", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_new_model() {
    let world = pinned_world();
    world.quotas_and_thresholds(200, 500_000);
    pin(
        "handled_new_model",
        &world,
        &[alarm("InputTokenAnomaly", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_usage_unknown() {
    let world = pinned_world();
    world.metrics.fail_always(
        "GetMetricData",
        AwsError::from_code(
            "cloudwatch",
            "GetMetricData",
            "Throttling",
            "Rate exceeded",
            Some(400),
        ),
    );
    pin(
        "handled_usage_unknown",
        &world,
        &[alarm("HighInvocationRate", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_low_usage_case_created() {
    let world = pinned_world();
    world.quotas_and_thresholds(10_001, 6_250_000);
    world.usage(5_578.0, 3_404_691.0);
    pin(
        "handled_low_usage_case_created",
        &world,
        &[alarm("InvocationAnomaly", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_non_quota_case_created() {
    let world = pinned_world();
    world.usage(100.0, 1_000.0);
    pin(
        "handled_non_quota_case_created",
        &world,
        &[alarm("ServerErrors", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_append_to_the_open_duplicate() {
    let world = pinned_world();
    world.usage(100.0, 1_000.0);
    world.support.seed_open_case(INVESTIGATION_SUBJECT, 86_400);
    pin(
        "handled_append_to_open_duplicate",
        &world,
        &[alarm("ServerErrors", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_append_to_the_open_requests_case() {
    let world = pinned_world();
    world.usage(9_500.0, 1.0);
    let (_, display_id) = world
        .support
        .seed_open_case("Service Quotas increase: Amazon Bedrock", 3_600);
    world.quotas.seed_request(
        SERVICE_CODE,
        RequestedChange {
            id: "human-1".into(),
            quota_code: RPM.into(),
            case_id: Some(display_id),
            status: ChangeStatus::CaseOpened,
            desired: 20_000.0,
            created: Some(world.now - 3_600),
        },
    );
    pin(
        "handled_append_to_open_request_case",
        &world,
        &[alarm("HighInvocationRate", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_open_request_without_a_case() {
    let world = pinned_world();
    world.usage(9_500.0, 1.0);
    world.quotas.seed_request(
        SERVICE_CODE,
        RequestedChange {
            id: "human-2".into(),
            quota_code: RPM.into(),
            case_id: None,
            status: ChangeStatus::Pending,
            desired: 20_000.0,
            created: Some(world.now - 3_600),
        },
    );
    pin(
        "handled_open_request_without_case",
        &world,
        &[alarm("HighInvocationRate", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_not_adjustable_falls_back_to_a_case() {
    let world = pinned_world();
    world
        .quotas
        .set_applied(quota(TPM, "tokens per minute", 6_250_000.0, false));
    world.usage(9_500.0, 3_000_000.0);
    pin(
        "handled_not_adjustable_fallback",
        &world,
        &[alarm("Throttles", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_access_denied_falls_back_to_a_case() {
    let world = pinned_world();
    world.usage(9_500.0, 1.0);
    world.quotas.fail_always(
        "RequestServiceQuotaIncrease",
        AwsError::from_code(
            "servicequotas",
            "RequestServiceQuotaIncrease",
            "AccessDeniedException",
            "no",
            Some(400),
        ),
    );
    pin(
        "handled_access_denied_fallback",
        &world,
        &[alarm("HighInvocationRate", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_automation_disabled() {
    let world = pinned_world();
    world.set("enable-automated-support-case", "No");
    world.usage(9_500.0, 3_000_000.0);
    pin(
        "handled_automation_disabled",
        &world,
        &[alarm("Throttles", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_increase_percent_zero() {
    let world = pinned_world();
    world.set("tokens-per-minute-increase-percent", "0");
    world.usage(9_500.0, 3_000_000.0);
    pin(
        "handled_increase_percent_zero",
        &world,
        &[alarm("Throttles", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_filtered_by_the_preference() {
    let world = pinned_world();
    world.set("notification-preference", "critical");
    world.quotas_and_thresholds(200, 200_000);
    world.usage(150.0, 210_000.0);
    pin(
        "handled_filtered_by_preference",
        &world,
        &[alarm("HighTPMQuotaUsage", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_dry_run() {
    let world = pinned_world();
    world.set("mode", "dry-run");
    world.usage(9_500.0, 3_000_000.0);
    pin(
        "handled_dry_run_quota_requests",
        &world,
        &[alarm("Throttles", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_dry_run_append() {
    let world = pinned_world();
    world.set("mode", "dry-run");
    world.support.seed_open_case(INVESTIGATION_SUBJECT, 60);
    pin(
        "handled_dry_run_append",
        &world,
        &[alarm("LatencyAnomaly", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_simulated() {
    let world = pinned_world();
    world.usage(9_500.0, 3_000_000.0);
    let result = world
        .run_as(&alarm("Throttles", "Critical"), RunMode::Simulate)
        .await;
    pin_result("handled_simulated", &world, &result);
}

#[tokio::test]
async fn contract_handled_support_plan_missing() {
    let world = pinned_world();
    world.support.set_subscribed(false);
    pin(
        "handled_support_plan_missing",
        &world,
        &[alarm("ServerErrors", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_case_creation_limit() {
    let world = pinned_world();
    world.support.fail_always(
        "CreateCase",
        AwsError::from_code(
            "support",
            "CreateCase",
            "CaseCreationLimitExceeded",
            "limit",
            Some(400),
        ),
    );
    pin(
        "handled_case_creation_limit",
        &world,
        &[alarm("ServerErrors", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_unreadable_settings() {
    let world = pinned_world();
    world.set("mode", "sometimes");
    pin(
        "handled_unreadable_settings",
        &world,
        &[alarm("ServerErrors", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_recovery() {
    let world = pinned_world();
    let ok = sns(&message(
        "Throttles",
        "Critical",
        "OK",
        "2026-05-04T15:10:00Z",
    ));
    pin("handled_recovery", &world, &[ok]).await;
}

#[tokio::test]
async fn contract_already_handled() {
    let world = pinned_world();
    world.usage(9_500.0, 3_000_000.0);
    let event = alarm("Throttles", "Critical");
    pin("already_handled", &world, &[event.clone(), event]).await;
}

#[tokio::test]
async fn contract_ignored() {
    let world = pinned_world();
    let insufficient = sns(&message(
        "Throttles",
        "Critical",
        "INSUFFICIENT_DATA",
        "2026-05-04T14:52:48Z",
    ));
    pin("ignored_insufficient_data", &world, &[insufficient]).await;
    let mut ok = message("Throttles", "Critical", "OK", "2026-05-04T15:10:00Z");
    ok["OldStateValue"] = json!("INSUFFICIENT_DATA");
    pin("ignored_ok_not_after_alarm", &world, &[sns(&ok)]).await;
}

#[tokio::test]
async fn contract_refused_email() {
    let world = pinned_world();
    world.usage(9_500.0, 3_000_000.0);
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "AuthorizationError", "no", Some(403)),
    );
    pin("email_refused", &world, &[alarm("Throttles", "Critical")]).await;
}

#[tokio::test]
async fn contract_email_to_retry_and_resumed() {
    let world = pinned_world();
    world.usage(9_500.0, 3_000_000.0);
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "Throttling", "slow", Some(400)),
    );
    let event = alarm("Throttles", "Critical");
    pin("email_to_retry", &world, std::slice::from_ref(&event)).await;
    pin("resumed_published", &world, &[event]).await;
}

#[tokio::test]
async fn contract_resumed_and_refused() {
    let world = pinned_world();
    world.usage(100.0, 1_000.0);
    let event = alarm("ServerErrors", "Critical");
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "Throttling", "slow", Some(400)),
    );
    world.run(&event).await.unwrap_err();
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "AuthorizationError", "no", Some(403)),
    );
    pin("resumed_refused", &world, &[event]).await;
}
