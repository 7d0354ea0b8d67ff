//! The alarm updater over the in-memory fakes, on alarms the quota calculator created: nothing changed → no
//! writes; a quota change → thresholds, e-mail and history; read failures → alarms untouched; and the
//! no-drift proof: a later stack update never puts back a stale threshold, whatever the period.

use alarm_updater::{Ports, UpdaterConfig, UpdaterError, handle, run};
use bedrock_ops_aws::alarms::MetricAlarmDef;
use bedrock_ops_aws::alarms::memory::MemoryAlarms;
use bedrock_ops_aws::diagnostic::Classified;
use bedrock_ops_aws::notify::memory::MemoryNotifier;
use bedrock_ops_aws::parameters::memory::MemoryParameters;
use bedrock_ops_aws::quotas::memory::MemoryQuotas;
use bedrock_ops_aws::{AwsError, ParameterStore};
use bedrock_ops_core::thresholds::SERVICE_CODE;
use bedrock_ops_testkit::fixtures::custom_resource as event;
use bedrock_ops_testkit::fixtures::{RPM_CODE, RPM_NAME, RPM_QUOTA, TPM_CODE, TPM_NAME, TPM_QUOTA};
use bedrock_ops_testkit::testbed::calculator::{
    INPUT_TPM_ALARM, OUTPUT_TPM_ALARM, SPLIT_INPUT_CODE, SPLIT_OUTPUT_CODE, split_event,
    split_token_quotas,
};
use bedrock_ops_testkit::testbed::{calculator, updater};
use serde_json::{Value, json};

const RPM_ALARM: &str = "Acme-Bedrock-HighInvocationRate-Warning-Opus";
const TPM_ALARM: &str = "Acme-Bedrock-HighTPMQuotaUsage-Warning-Opus";
const PATH: &str = "/Acme/bedrock/quota-monitoring/Opus/thresholds/";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:Acme-Bedrock-Alarms-Formatted-Opus";
const DAY: i64 = 86_400;
const T0: i64 = 1_777_852_800;

fn config(rpm_code: &str, tpm_code: &str) -> UpdaterConfig {
    updater::config_with_codes(TOPIC, rpm_code, tpm_code)
}

struct World {
    quotas: MemoryQuotas,
    alarms: MemoryAlarms,
    parameters: MemoryParameters,
    notifier: MemoryNotifier,
    config: UpdaterConfig,
}

impl World {
    /// A stack created by the quota calculator with the blog's quotas (10,000 RPM, 6,250,000 TPM at 80 %).
    async fn created() -> World {
        let world = World {
            quotas: MemoryQuotas::new()
                .with_applied(SERVICE_CODE, RPM_CODE, RPM_NAME, RPM_QUOTA as f64)
                .with_applied(SERVICE_CODE, TPM_CODE, TPM_NAME, TPM_QUOTA as f64),
            alarms: MemoryAlarms::new(),
            parameters: MemoryParameters::new(),
            notifier: MemoryNotifier::new(),
            config: config(RPM_CODE, TPM_CODE),
        };
        let answer = world.stack(event("create"), T0).await;
        assert_eq!(answer["Status"], "SUCCESS", "{answer}");
        world
    }

    /// Runs the quota calculator (a stack create or update) and returns its answer to CloudFormation.
    async fn stack(&self, event: Value, at: i64) -> Value {
        calculator::answer(
            self.quotas.clone(),
            self.alarms.clone(),
            self.parameters.clone(),
            event,
            at,
        )
        .await
    }

    fn ports(&self) -> Ports<MemoryQuotas, MemoryAlarms, MemoryParameters, MemoryNotifier> {
        Ports {
            quotas: self.quotas.clone(),
            alarms: self.alarms.clone(),
            parameters: self.parameters.clone(),
            notifier: self.notifier.clone(),
        }
    }

    async fn update(&self, at: i64) -> Result<alarm_updater::Report, UpdaterError> {
        run(&self.ports(), &self.config, at).await
    }

    fn set_quota(&self, code: &str, name: &str, value: f64) {
        self.quotas.set_applied(bedrock_ops_aws::quotas::QuotaInfo {
            service_code: SERVICE_CODE.into(),
            code: code.into(),
            name: name.into(),
            value,
            adjustable: true,
            unit: None,
            source: bedrock_ops_aws::quotas::QuotaSource::Applied,
        });
    }

    fn threshold(&self, name: &str) -> f64 {
        self.alarms.alarm(name).unwrap().threshold.unwrap()
    }

    /// Every write the updater could make.
    fn writes(&self) -> (usize, usize, usize, usize) {
        (
            self.alarms.calls("PutMetricAlarm"),
            self.alarms.calls("DeleteAlarms"),
            self.parameters.calls("PutParameter"),
            self.notifier.calls("Publish"),
        )
    }
}

fn without_threshold(mut alarm: MetricAlarmDef) -> MetricAlarmDef {
    alarm.threshold = None;
    alarm
}

fn throttled(operation: &'static str) -> AwsError {
    AwsError::from_code(
        "service-quotas",
        operation,
        "ThrottlingException",
        "Rate exceeded",
        Some(400),
    )
}

#[tokio::test]
async fn the_scheduled_event_or_any_other_json_triggers_the_same_run() {
    let world = World::created().await;
    world.set_quota(TPM_CODE, TPM_NAME, 8_000_000.0);
    let schedule: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/schedule/threshold-update.json"
    ))
    .unwrap();
    let report = handle(&world.ports(), &world.config, &schedule, T0 + DAY)
        .await
        .unwrap();
    assert!(report.tpm.alarm_updated);
    for other in [json!(null), json!({}), json!("manual"), json!([1, 2])] {
        let report = handle(&world.ports(), &world.config, &other, T0 + DAY)
            .await
            .unwrap();
        assert!(!report.changed, "{other}");
    }
}

#[tokio::test]
async fn nothing_changed_means_no_write_of_any_kind() {
    let world = World::created().await;
    let before = world.writes();
    let report = world.update(T0 + DAY).await.unwrap();
    assert!(!report.changed);
    assert_eq!(world.writes(), before);
    assert!(report.parameters_written.is_empty());
    assert_eq!(report.email_message_id, None);
    assert_eq!(report.tpm.new_threshold.as_deref(), Some("5000000"));
    // One round trip of reads: two quotas, one walk of the record, one DescribeAlarms for both alarms.
    assert_eq!(world.alarms.calls("DescribeAlarms"), 1);
    assert_eq!(world.parameters.calls("GetParametersByPath"), 2);
}

#[tokio::test]
async fn a_raised_quota_moves_both_thresholds_and_nothing_else_then_records_and_emails_it() {
    let world = World::created().await;
    let rpm_before = world.alarms.alarm(RPM_ALARM).unwrap();
    let tpm_before = world.alarms.alarm(TPM_ALARM).unwrap();
    world.set_quota(RPM_CODE, RPM_NAME, 12_500.0);
    world.set_quota(TPM_CODE, TPM_NAME, 8_000_000.0);

    let report = world.update(T0 + DAY).await.unwrap();

    assert!(report.changed);
    assert!(report.rpm.alarm_updated && report.tpm.alarm_updated);
    assert_eq!(world.threshold(RPM_ALARM), 10_000.0);
    assert_eq!(world.threshold(TPM_ALARM), 6_400_000.0);
    // Every other property exactly as it was: metrics, period, actions, description, evaluation...
    assert_eq!(
        without_threshold(world.alarms.alarm(RPM_ALARM).unwrap()),
        without_threshold(rpm_before)
    );
    assert_eq!(
        without_threshold(world.alarms.alarm(TPM_ALARM).unwrap()),
        without_threshold(tpm_before)
    );

    let stored = world.parameters.get_by_path(PATH).await.unwrap();
    assert_eq!(stored["rpm-threshold-calculated"], "10000");
    assert_eq!(stored["tpm-threshold-calculated"], "6400000");
    assert_eq!(stored["tpm-quota"], "8000000");
    assert_eq!(stored["last-updated"], "2026-05-05T00:00:00Z");
    let change: Value = serde_json::from_str(&stored["last-change"]).unwrap();
    assert_eq!(
        change,
        json!({
            "at": "2026-05-05T00:00:00Z",
            "by": "alarm-updater",
            "rpm": {"old_quota": 10000, "new_quota": 12500, "old_threshold": 8000, "new_threshold": 10000},
            "tpm": {"old_quota": 6250000, "new_quota": 8000000, "old_threshold": 5000000, "new_threshold": 6400000},
        })
    );
    // The readable history: every version of the record.
    let history = world
        .parameters
        .history(&format!("{PATH}tpm-threshold-calculated"))
        .await
        .unwrap();
    let values: Vec<_> = history.iter().map(|v| v.value.as_str()).collect();
    assert_eq!(values, ["5000000", "6400000"]);
    // Codes and percents did not change, so they were not rewritten.
    assert!(
        !report
            .parameters_written
            .contains(&"thresholds/rpm-quota-code")
    );

    let mail = world.notifier.published();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].topic_arn, TOPIC);
    assert!(
        mail[0].subject.contains("RPM and TPM quotas changed"),
        "{}",
        mail[0].subject
    );
    assert!(
        mail[0]
            .body
            .contains("TPM quota raised from 6,250,000 to 8,000,000"),
        "{}",
        mail[0].body
    );
    assert!(
        mail[0].body.contains("5,000,000 → 6,400,000"),
        "{}",
        mail[0].body
    );

    // And the next run finds nothing to do.
    let before = world.writes();
    assert!(!world.update(T0 + 2 * DAY).await.unwrap().changed);
    assert_eq!(world.writes(), before);
}

#[tokio::test]
async fn a_throttled_quota_read_leaves_the_alarms_untouched_and_asks_for_a_retry() {
    let world = World::created().await;
    world.set_quota(TPM_CODE, TPM_NAME, 8_000_000.0);
    world
        .quotas
        .fail_always("GetServiceQuota", throttled("GetServiceQuota"));
    let before = world.writes();

    let err = world.update(T0 + DAY).await.unwrap_err();

    assert!(err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains(&format!("could not read the RPM quota {RPM_CODE}")),
        "{text}"
    );
    assert!(text.contains("the alarms were left as they are"), "{text}");
    assert_eq!(world.writes(), before);
    assert_eq!(world.threshold(TPM_ALARM), 5_000_000.0);
    let diagnostic = lambda_runtime::Diagnostic::from(err);
    assert_eq!(diagnostic.error_type, "Retryable");
}

#[tokio::test]
async fn access_denied_is_a_loud_non_retryable_failure_never_a_disabled_alarm() {
    let world = World::created().await;
    world.quotas.fail_next(
        "GetServiceQuota",
        AwsError::from_code(
            "service-quotas",
            "GetServiceQuota",
            "AccessDeniedException",
            "denied",
            Some(400),
        ),
    );
    let before = world.writes();
    let err = world.update(T0 + DAY).await.unwrap_err();
    assert!(!err.is_retryable());
    assert_eq!(
        lambda_runtime::Diagnostic::from(err).error_type,
        "NonRetryable"
    );
    assert_eq!(world.writes(), before);
    assert_eq!(world.threshold(RPM_ALARM), 8_000.0);
}

#[tokio::test]
async fn a_failed_record_read_or_alarm_read_also_leaves_everything_as_it_is() {
    let world = World::created().await;
    world.set_quota(TPM_CODE, TPM_NAME, 8_000_000.0);
    let before = world.writes();
    world.parameters.fail_next(
        "GetParametersByPath",
        AwsError::from_code(
            "ssm",
            "GetParametersByPath",
            "ThrottlingException",
            "slow down",
            Some(400),
        ),
    );
    assert!(
        world
            .update(T0 + DAY)
            .await
            .unwrap_err()
            .to_string()
            .contains("GetParametersByPath")
    );
    world.alarms.fail_next(
        "DescribeAlarms",
        AwsError::from_code(
            "cloudwatch",
            "DescribeAlarms",
            "Throttling",
            "slow down",
            Some(400),
        ),
    );
    assert!(
        world
            .update(T0 + DAY)
            .await
            .unwrap_err()
            .to_string()
            .contains("DescribeAlarms")
    );
    assert_eq!(world.writes(), before);
}

#[tokio::test]
async fn a_missing_alarm_is_a_clear_error_naming_it_and_nothing_is_created() {
    let world = World::created().await;
    use bedrock_ops_aws::AlarmAdmin;
    world.alarms.delete(&[TPM_ALARM.to_owned()]).await.unwrap();
    world.set_quota(TPM_CODE, TPM_NAME, 8_000_000.0);
    let puts = world.alarms.calls("PutMetricAlarm");

    let err = world.update(T0 + DAY).await.unwrap_err();
    assert_eq!(err, UpdaterError::AlarmMissing(TPM_ALARM.to_owned()));
    assert!(
        err.to_string()
            .contains("only the quota calculator creates it, and a stack update runs"),
        "{err}"
    );
    assert_eq!(world.alarms.calls("PutMetricAlarm"), puts);
    assert!(world.alarms.alarm(TPM_ALARM).is_none());
}

#[tokio::test]
async fn an_alarm_edited_by_hand_is_put_back_on_the_live_threshold_without_an_email() {
    let world = World::created().await;
    let mut edited = world.alarms.alarm(RPM_ALARM).unwrap();
    edited.threshold = Some(99.0);
    world.alarms.seed(edited);

    let report = world.update(T0 + DAY).await.unwrap();
    assert!(report.changed);
    assert!(report.rpm.alarm_updated && !report.tpm.alarm_updated);
    assert_eq!(report.rpm.alarm_threshold, Some(99.0));
    assert_eq!(world.threshold(RPM_ALARM), 8_000.0);
    assert!(world.notifier.published().is_empty());
    assert!(report.parameters_written.is_empty());
}

#[tokio::test]
async fn a_failed_email_leaves_the_change_unfinished_so_the_next_run_sends_it_and_finishes() {
    let world = World::created().await;
    world.set_quota(TPM_CODE, TPM_NAME, 8_000_000.0);
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "InternalError", "oops", Some(500)),
    );
    let err = world.update(T0 + DAY).await.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(world.threshold(TPM_ALARM), 6_400_000.0);
    let stored = world.parameters.get_by_path(PATH).await.unwrap();
    assert_eq!(stored["tpm-threshold-calculated"], "6400000");
    // Recorded, not marked done: last-updated is not the recorded change's instant.
    let recorded: serde_json::Value = serde_json::from_str(&stored["last-change"]).unwrap();
    assert_ne!(recorded["at"], json!(stored["last-updated"]));
    let created = stored["last-updated"].clone();

    let report = world.update(T0 + DAY + 60).await.unwrap();
    assert!(report.email_message_id.is_some());
    assert!(!report.tpm.alarm_updated, "already holds the new threshold");
    assert_eq!(world.notifier.published().len(), 1);
    assert!(
        world.notifier.published()[0].body.contains("6,250,000"),
        "the e-mail gives the quota before the change"
    );
    let stored = world.parameters.get_by_path(PATH).await.unwrap();
    assert_ne!(stored["last-updated"], created);
    assert!(!world.update(T0 + 2 * DAY).await.unwrap().changed);
}

#[tokio::test]
async fn a_model_without_rpm_quota_has_only_its_tpm_alarm_retuned() {
    let world = World {
        quotas: MemoryQuotas::new().with_applied(
            SERVICE_CODE,
            "L-00000001",
            "On-demand model inference tokens per minute for Acme Tiny",
            200_000.0,
        ),
        alarms: MemoryAlarms::new(),
        parameters: MemoryParameters::new(),
        notifier: MemoryNotifier::new(),
        config: config("NA", "L-00000001"),
    };
    let mut create = event("create");
    create["ResourceProperties"]["BedrockModelId"] = json!("acme.tiny-v1:0");
    create["ResourceProperties"]["RequestsPerMinuteQuotaCode"] = json!("NA");
    create["ResourceProperties"]["TokensPerMinuteQuotaCode"] = json!("L-00000001");
    assert_eq!(world.stack(create, T0).await["Status"], "SUCCESS");
    assert!(!world.update(T0 + DAY).await.unwrap().changed);

    world.set_quota(
        "L-00000001",
        "On-demand model inference tokens per minute for Acme Tiny",
        400_000.0,
    );
    let report = world.update(T0 + DAY).await.unwrap();
    assert!(report.tpm.alarm_updated && !report.rpm.alarm_updated);
    assert_eq!(report.rpm.new_threshold.as_deref(), Some("NA"));
    assert_eq!(world.threshold(TPM_ALARM), 320_000.0);
    assert_eq!(world.alarms.names(), [TPM_ALARM]);
    let mail = &world.notifier.published()[0];
    assert!(mail.body.contains("RPM: not applicable"), "{}", mail.body);
}

impl World {
    /// A split token model's stack created by the quota calculator: 2,000 RPM, 2,000,000 input and 400,000
    /// output tokens per minute at 80 % (alarms at 1,600, 1,600,000 and 320,000).
    async fn split_created() -> World {
        let world = World {
            quotas: calculator::with_split_token_quotas(MemoryQuotas::new()),
            alarms: MemoryAlarms::new(),
            parameters: MemoryParameters::new(),
            notifier: MemoryNotifier::new(),
            config: updater::split_config(TOPIC),
        };
        let answer = world.stack(split_event(event("create")), T0).await;
        assert_eq!(answer["Status"], "SUCCESS", "{answer}");
        world
    }

    fn set_split_quota(&self, code: &str, value: f64) {
        let name = split_token_quotas()
            .into_iter()
            .find(|q| q.quota_code == code)
            .unwrap()
            .quota_name;
        self.set_quota(code, &name, value);
    }
}

#[tokio::test]
async fn a_split_model_created_by_the_calculator_has_nothing_to_fix() {
    let world = World::split_created().await;
    let before = world.writes();
    let report = world.update(T0 + DAY).await.unwrap();
    assert!(!report.changed, "{report:?}");
    assert_eq!(
        world.writes(),
        before,
        "the calculator stored what the updater keeps"
    );
    assert_eq!(report.tpm.new_quota.as_deref(), Some("NA"));
    let input = report.input_tpm.unwrap();
    assert_eq!(input.alarm, INPUT_TPM_ALARM);
    assert_eq!(input.new_threshold.as_deref(), Some("1600000"));
    assert_eq!(input.alarm_threshold, Some(1_600_000.0));
    assert_eq!(
        report.output_tpm.unwrap().new_threshold.as_deref(),
        Some("320000")
    );
    // Still one round trip: three quotas, one walk of the record, one DescribeAlarms for the three alarms.
    assert_eq!(world.quotas.calls("GetServiceQuota"), 2 * 3);
    assert_eq!(world.alarms.calls("DescribeAlarms"), 1);
}

#[tokio::test]
async fn a_split_model_follows_both_token_quotas_and_records_the_change() {
    let world = World::split_created().await;
    let output_before = world.alarms.alarm(OUTPUT_TPM_ALARM).unwrap();
    world.set_split_quota(SPLIT_INPUT_CODE, 3_000_000.0);
    world.set_split_quota(SPLIT_OUTPUT_CODE, 500_000.0);

    let report = world.update(T0 + DAY).await.unwrap();

    assert!(report.changed);
    assert!(!report.rpm.alarm_updated && !report.tpm.alarm_updated);
    assert!(report.input_tpm.as_ref().unwrap().alarm_updated);
    assert!(report.output_tpm.as_ref().unwrap().alarm_updated);
    assert_eq!(world.threshold(INPUT_TPM_ALARM), 2_400_000.0);
    assert_eq!(world.threshold(OUTPUT_TPM_ALARM), 400_000.0);
    assert_eq!(
        without_threshold(world.alarms.alarm(OUTPUT_TPM_ALARM).unwrap()),
        without_threshold(output_before)
    );
    // No combined TPM alarm is created or touched.
    assert!(world.alarms.alarm(TPM_ALARM).is_none());
    let stored = world.parameters.get_by_path(PATH).await.unwrap();
    assert_eq!(stored["input-tpm-quota"], "3000000");
    assert_eq!(stored["input-tpm-threshold-calculated"], "2400000");
    assert_eq!(stored["output-tpm-threshold-calculated"], "400000");
    assert_eq!(stored["last-updated"], "2026-05-05T00:00:00Z");
    assert!(!stored.contains_key("tpm-quota"), "{stored:?}");
    let change: Value = serde_json::from_str(&stored["last-change"]).unwrap();
    assert_eq!(change["input_tpm"]["old_quota"], 2_000_000);
    assert_eq!(change["input_tpm"]["new_threshold"], 2_400_000);
    assert_eq!(change["output_tpm"]["new_quota"], 500_000);
    let mails = world.notifier.published();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0]
            .subject
            .ends_with("Input TPM and output TPM quotas changed"),
        "{}",
        mails[0].subject
    );
    assert!(
        mails[0]
            .body
            .contains("HighInputTPMQuotaUsage alarm threshold 1,600,000 → 2,400,000"),
        "{}",
        mails[0].body
    );

    // The next run finds nothing to do.
    let before = world.writes();
    assert!(!world.update(T0 + 2 * DAY).await.unwrap().changed);
    assert_eq!(world.writes(), before);
}

#[tokio::test]
async fn a_split_model_missing_its_output_alarm_is_a_clear_error_and_nothing_is_written() {
    let world = World::split_created().await;
    bedrock_ops_aws::AlarmAdmin::delete(&world.alarms, &[OUTPUT_TPM_ALARM.to_owned()])
        .await
        .unwrap();
    world.set_split_quota(SPLIT_INPUT_CODE, 3_000_000.0);
    let before = world.writes();
    let err = world.update(T0 + DAY).await.unwrap_err();
    assert_eq!(err, UpdaterError::AlarmMissing(OUTPUT_TPM_ALARM.to_owned()));
    assert_eq!(world.writes(), before);
    assert_eq!(world.threshold(INPUT_TPM_ALARM), 1_600_000.0);
}

/// The no-drift proof (W-9, W-3). The updater raises the thresholds; then a stack update that touches the
/// alarms (evaluation periods, then each of the four periods) runs the calculator, which re-reads the live
/// quota instead of replaying a deploy-time value, so the raised threshold stays. The alarm always compares
/// the same per-minute expression with the same per-minute threshold, and the updater finds nothing to fix.
#[tokio::test]
async fn a_stack_update_after_the_updater_raised_a_threshold_never_puts_back_the_stale_one() {
    let world = World::created().await;
    world.set_quota(RPM_CODE, RPM_NAME, 20_000.0);
    world.update(T0 + DAY).await.unwrap();
    assert_eq!(world.threshold(RPM_ALARM), 16_000.0);

    // WarningAlarmEvaluationPeriods 5 → 3, the change that made the sample re-apply its stale value.
    let answer = world.stack(event("update"), T0 + 2 * DAY).await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(answer["Data"]["RpmThreshold"], "16000");
    let rpm = world.alarms.alarm(RPM_ALARM).unwrap();
    assert_eq!(rpm.threshold, Some(16_000.0));
    assert_eq!(rpm.evaluation_periods, 3);

    for period in ["60", "300", "900", "3600"] {
        let mut update = event("update");
        update["ResourceProperties"]["AlarmEvaluationPeriod"] = json!(period);
        let answer = world.stack(update, T0 + 3 * DAY).await;
        assert_eq!(answer["Status"], "SUCCESS", "{period}: {answer}");
        for name in [RPM_ALARM, TPM_ALARM] {
            let alarm = world.alarms.alarm(name).unwrap();
            let m1 = alarm.metrics[0].metric_stat.as_ref().unwrap();
            assert_eq!(m1.period.to_string(), period, "{name}");
            let rate = alarm.metrics.last().unwrap();
            assert_eq!(
                rate.expression.as_deref(),
                Some("total / (PERIOD(m1) / 60)"),
                "{name}"
            );
            assert_eq!(rate.return_data, Some(true));
        }
        assert_eq!(world.threshold(RPM_ALARM), 16_000.0, "{period}");
        assert_eq!(world.threshold(TPM_ALARM), 5_000_000.0, "{period}");

        // The updater agrees with what the stack update wrote: nothing to do, whatever the period.
        let before = world.writes();
        let report = world.update(T0 + 4 * DAY).await.unwrap();
        assert!(!report.changed, "{period}: {report:?}");
        assert_eq!(world.writes(), before, "{period}");
    }

    // And when the quota later drops back, the next scheduled run follows it down just the same.
    world.set_quota(RPM_CODE, RPM_NAME, 10_000.0);
    world.update(T0 + 5 * DAY).await.unwrap();
    assert_eq!(world.threshold(RPM_ALARM), 8_000.0);
    let m1 = world.alarms.alarm(RPM_ALARM).unwrap().metrics[0]
        .metric_stat
        .clone()
        .unwrap();
    assert_eq!(
        m1.period, 3600,
        "the updater keeps the period the stack set"
    );
}
