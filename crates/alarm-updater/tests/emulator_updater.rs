//! The alarm updater against the local AWS emulator, with the real SDK clients, on alarms the quota
//! calculator created there. Needs `--features emulator` (the test command passes `--all-features`). The tests
//! share one emulator and take turns (each resets it), so the call log is exact.

use std::collections::BTreeMap;
use std::sync::MutexGuard;

use alarm_updater::{Report, UpdaterConfig, UpdaterError, run};
use bedrock_ops_aws::alarms::MetricAlarmDef;
use bedrock_ops_aws::diagnostic::Classified;
use bedrock_ops_aws::{AlarmAdmin, AwsClients, ParameterStore};
use bedrock_ops_testkit::emulator::take_turn;
use bedrock_ops_testkit::emulator::{CallRecord, Emulator, Fault};
use bedrock_ops_testkit::testbed::calculator::{
    INPUT_TPM_ALARM, OUTPUT_TPM_ALARM, PATH, RPM_ALARM, SPLIT_INPUT_CODE, SPLIT_OUTPUT_CODE,
    TPM_ALARM,
};
use bedrock_ops_testkit::testbed::updater::{self as testbed, DAY, SdkPorts, T0};
use serde_json::{Value, json};

/// The calls that change something; a run that finds nothing new makes none of them.
const WRITES: [&str; 5] = [
    "PutMetricAlarm",
    "DeleteAlarms",
    "PutParameter",
    "DeleteParameters",
    "Publish",
];

struct Session {
    _turn: MutexGuard<'static, ()>,
    emulator: &'static Emulator,
    runtime: tokio::runtime::Runtime,
    topic_arn: String,
    /// A split token model's stack (TPM `NA`, input and output token quotas).
    split: bool,
}

/// A fresh emulator holding a stack the quota calculator created: the blog's quotas (10,000 RPM,
/// 6,250,000 TPM at 80 %), both alarms, the record, and the formatted topic.
fn session() -> Session {
    session_of(false)
}

/// [`session`], or (`split`) a split token model's stack: 2,000 RPM, 2,000,000 input and 400,000 output
/// tokens per minute at 80 %, three alarms.
fn session_of(split: bool) -> Session {
    let turn = take_turn();
    let emulator = Emulator::shared().expect("emulator starts");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let topic_arn = runtime.block_on(async {
        if split {
            testbed::created_split_stack(emulator).await
        } else {
            testbed::created_stack(emulator).await
        }
    });
    Session {
        _turn: turn,
        emulator,
        runtime,
        topic_arn,
        split,
    }
}

impl Session {
    fn ports(&self) -> SdkPorts {
        testbed::ports(&AwsClients::new(&self.emulator.sdk_config()))
    }

    fn config(&self) -> UpdaterConfig {
        if self.split {
            testbed::split_config(&self.topic_arn)
        } else {
            testbed::config(&self.topic_arn)
        }
    }

    /// One scheduled run, and the calls it made.
    fn update(&self, at: i64) -> (Result<Report, UpdaterError>, Vec<CallRecord>) {
        self.emulator.reset_calls().unwrap();
        let result = self
            .runtime
            .block_on(run(&self.ports(), &self.config(), at));
        (result, self.emulator.calls().unwrap())
    }

    fn alarms(&self) -> BTreeMap<String, MetricAlarmDef> {
        let names = [RPM_ALARM, TPM_ALARM, INPUT_TPM_ALARM, OUTPUT_TPM_ALARM].map(String::from);
        self.runtime
            .block_on(self.ports().alarms.describe(&names))
            .unwrap()
            .into_iter()
            .map(|a| (a.name.clone(), a))
            .collect()
    }

    fn stored(&self) -> BTreeMap<String, String> {
        self.runtime
            .block_on(self.ports().parameters.get_by_path(PATH))
            .unwrap()
    }

    fn raise_quotas(&self) {
        testbed::raise_quotas(self.emulator);
    }
}

fn count(calls: &[CallRecord], operation: &str) -> usize {
    calls.iter().filter(|c| c.operation == operation).count()
}

fn writes(calls: &[CallRecord]) -> Vec<&str> {
    calls
        .iter()
        .map(|c| c.operation.as_str())
        .filter(|op| WRITES.contains(op))
        .collect()
}

fn summary(calls: &[CallRecord]) -> String {
    let mut by_operation: BTreeMap<&str, usize> = BTreeMap::new();
    for call in calls {
        *by_operation.entry(call.operation.as_str()).or_default() += 1;
    }
    format!("{} calls {by_operation:?}", calls.len())
}

/// Everything PutMetricAlarm sets, apart from the threshold and the read-only state.
fn definition(alarm: &MetricAlarmDef) -> MetricAlarmDef {
    MetricAlarmDef {
        threshold: None,
        state_value: None,
        ..alarm.clone()
    }
}

#[test]
fn a_raised_quota_moves_both_alarms_records_the_history_and_emails_then_the_next_run_writes_nothing()
 {
    let s = session();
    let before = s.alarms();
    s.raise_quotas();

    let (report, calls) = s.update(T0 + DAY);
    let report = report.unwrap();
    eprintln!("run with a change: {}", summary(&calls));

    assert!(report.changed && report.rpm.alarm_updated && report.tpm.alarm_updated);
    let after = s.alarms();
    assert_eq!(after[RPM_ALARM].threshold, Some(10_000.0));
    assert_eq!(after[TPM_ALARM].threshold, Some(6_400_000.0));
    for name in [RPM_ALARM, TPM_ALARM] {
        assert_eq!(
            definition(&after[name]),
            definition(&before[name]),
            "{name}"
        );
    }

    let stored = s.stored();
    assert_eq!(stored["rpm-threshold-calculated"], "10000");
    assert_eq!(stored["tpm-threshold-calculated"], "6400000");
    assert_eq!(stored["rpm-quota"], "12500");
    assert_eq!(stored["tpm-quota"], "8000000");
    let change: Value = serde_json::from_str(&stored["last-change"]).unwrap();
    assert_eq!(change["by"], "alarm-updater");
    assert_eq!(
        change["tpm"],
        json!({"old_quota": 6250000, "new_quota": 8000000, "old_threshold": 5000000, "new_threshold": 6400000})
    );
    let history = s
        .runtime
        .block_on(
            s.ports()
                .parameters
                .history(&format!("{PATH}rpm-threshold-calculated")),
        )
        .unwrap();
    let values: Vec<_> = history.iter().map(|v| v.value.as_str()).collect();
    assert_eq!(values, ["8000", "10000"]);

    let mail = s.emulator.sns_messages(Some(&s.topic_arn)).unwrap();
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0]
            .subject
            .as_deref()
            .unwrap()
            .contains("RPM and TPM quotas changed"),
        "{mail:?}"
    );
    assert!(
        mail[0]
            .message
            .contains("RPM quota raised from 10,000 to 12,500"),
        "{}",
        mail[0].message
    );

    // Reads in one round; two PutMetricAlarm; one e-mail; the six record values that moved.
    assert_eq!(count(&calls, "GetServiceQuota"), 2);
    assert_eq!(count(&calls, "DescribeAlarms"), 1);
    assert_eq!(count(&calls, "PutMetricAlarm"), 2);
    assert_eq!(count(&calls, "Publish"), 1);
    assert_eq!(count(&calls, "PutParameter"), 6);

    // The second run: reads only.
    let (report, calls) = s.update(T0 + 2 * DAY);
    eprintln!("run without a change: {}", summary(&calls));
    assert!(!report.unwrap().changed);
    assert_eq!(writes(&calls), Vec::<&str>::new(), "{}", summary(&calls));
    assert_eq!(
        s.emulator.sns_messages(Some(&s.topic_arn)).unwrap().len(),
        1
    );
}

#[test]
fn nothing_changed_since_the_stack_was_created_means_reads_only() {
    let s = session();
    let (report, calls) = s.update(T0 + DAY);
    assert!(!report.unwrap().changed);
    assert_eq!(writes(&calls), Vec::<&str>::new(), "{}", summary(&calls));
    assert!(calls.len() <= 5, "{}", summary(&calls));
}

#[test]
fn throttled_quota_reads_leave_the_alarms_untouched_and_fail_with_a_clear_retryable_error() {
    let s = session();
    s.raise_quotas();
    s.emulator
        .add_fault(
            &Fault::error(
                "servicequotas",
                "GetServiceQuota",
                "ThrottlingException",
                400,
            )
            .message("Rate exceeded"),
        )
        .unwrap();

    let (result, calls) = s.update(T0 + DAY);
    s.emulator.clear_faults().unwrap();

    let err = result.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let text = err.to_string();
    assert!(text.contains("could not read the"), "{text}");
    assert!(text.contains("throttled"), "{text}");
    assert!(text.contains("the alarms were left as they are"), "{text}");
    assert_eq!(writes(&calls), Vec::<&str>::new(), "{}", summary(&calls));
    let alarms = s.alarms();
    assert_eq!(alarms[RPM_ALARM].threshold, Some(8_000.0));
    assert_eq!(alarms[TPM_ALARM].threshold, Some(5_000_000.0));
    assert_eq!(s.stored()["tpm-threshold-calculated"], "5000000");
}

#[test]
fn access_denied_on_the_alarms_is_a_non_retryable_error_and_nothing_is_written() {
    let s = session();
    s.raise_quotas();
    s.emulator
        .add_fault(&Fault::error(
            "cloudwatch",
            "DescribeAlarms",
            "AccessDenied",
            403,
        ))
        .unwrap();
    let (result, calls) = s.update(T0 + DAY);
    s.emulator.clear_faults().unwrap();
    let err = result.unwrap_err();
    assert!(!err.is_retryable(), "{err}");
    assert!(err.to_string().contains("DescribeAlarms"), "{err}");
    assert_eq!(writes(&calls), Vec::<&str>::new());
}

#[test]
fn a_missing_alarm_is_named_and_not_recreated() {
    let s = session();
    s.runtime
        .block_on(s.ports().alarms.delete(&[TPM_ALARM.to_owned()]))
        .unwrap();
    s.raise_quotas();
    let (result, calls) = s.update(T0 + DAY);
    assert_eq!(
        result.unwrap_err(),
        UpdaterError::AlarmMissing(TPM_ALARM.to_owned())
    );
    assert_eq!(writes(&calls), Vec::<&str>::new());
    assert!(!s.alarms().contains_key(TPM_ALARM));
}

/// Issue 16: a split token model's stack, created by the quota calculator; both split quotas are raised, and
/// one run moves both token alarms (nothing else of them), records each side and e-mails once.
#[test]
fn both_raised_split_token_quotas_move_both_token_alarms_and_are_recorded() {
    let s = session_of(true);
    let before = s.alarms();
    assert_eq!(before[INPUT_TPM_ALARM].threshold, Some(1_600_000.0));

    // Nothing moved yet: the calculator stored what the updater keeps.
    let (report, calls) = s.update(T0 + DAY);
    assert!(!report.unwrap().changed);
    assert_eq!(writes(&calls), Vec::<&str>::new(), "{}", summary(&calls));

    for (code, value) in [
        (SPLIT_INPUT_CODE, 3_000_000.0),
        (SPLIT_OUTPUT_CODE, 500_000.0),
    ] {
        s.emulator
            .set_quota_value("bedrock", code, value)
            .expect("quota value set");
    }
    let (report, calls) = s.update(T0 + 2 * DAY);
    let report = report.unwrap();
    eprintln!("split run with a change: {}", summary(&calls));
    assert!(report.changed);
    assert!(report.input_tpm.as_ref().unwrap().alarm_updated);
    assert!(report.output_tpm.as_ref().unwrap().alarm_updated);
    assert!(!report.rpm.alarm_updated);
    let after = s.alarms();
    assert_eq!(after[INPUT_TPM_ALARM].threshold, Some(2_400_000.0));
    assert_eq!(after[OUTPUT_TPM_ALARM].threshold, Some(400_000.0));
    assert!(!after.contains_key(TPM_ALARM));
    for name in [RPM_ALARM, INPUT_TPM_ALARM, OUTPUT_TPM_ALARM] {
        assert_eq!(
            definition(&after[name]),
            definition(&before[name]),
            "{name}"
        );
    }
    let stored = s.stored();
    assert_eq!(stored["input-tpm-quota"], "3000000");
    assert_eq!(stored["output-tpm-threshold-calculated"], "400000");
    let change: Value = serde_json::from_str(&stored["last-change"]).unwrap();
    assert_eq!(
        change["output_tpm"],
        json!({"old_quota": 400000, "new_quota": 500000, "old_threshold": 320000, "new_threshold": 400000})
    );
    let mail = s.emulator.sns_messages(Some(&s.topic_arn)).unwrap();
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0]
            .message
            .contains("input TPM quota raised from 2,000,000 to 3,000,000"),
        "{}",
        mail[0].message
    );

    // Reads in one round (RPM, input and output quotas), except the record: its 13 keys take two pages of
    // GetParametersByPath (at most 10 a page), one more sequential call than a combined stack's 10 keys.
    // Then two PutMetricAlarm and one e-mail.
    assert_eq!(count(&calls, "GetServiceQuota"), 3);
    assert_eq!(count(&calls, "DescribeAlarms"), 1);
    assert_eq!(count(&calls, "GetParametersByPath"), 2);
    assert_eq!(count(&calls, "PutMetricAlarm"), 2);
    assert_eq!(count(&calls, "Publish"), 1);
}
