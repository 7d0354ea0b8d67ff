//! The alarm updater under injected AWS faults (emulator, each service in its own wire protocol), on a stack
//! the quota calculator created and whose quotas were then raised. One test per row: which call fails, how,
//! and what must come of it:
//! - `Done`: the SDK's bounded retries got through; the run made the whole change;
//! - `ReadFails`: a read failed: the run wrote nothing at all (alarms, record, e-mail untouched) and returned
//!   an error, Retryable for throttling, 5xx and timeouts, NonRetryable for AccessDenied;
//! - `WriteFails`: a write failed: an error of that kind, and no e-mail unless the row says one went out.
//!
//! Then, for every row, the fault is cleared and the next run completes the change; in the end both alarms
//! hold the new thresholds, the record holds the whole change (`last-change` from the old to the new quotas,
//! `last-updated` its instant), exactly one quota-change e-mail was sent (two for the one row where the
//! e-mail went out and only the final mark failed), and a further run writes nothing.
//!
//! The client attempt timeout is 1 s here, so an answer delayed by 2.5 s is a client timeout.

use std::collections::BTreeMap;
use std::time::Duration;

use alarm_updater::{Report, UpdaterError, run};
use bedrock_ops_aws::diagnostic::Classified;
use bedrock_ops_aws::{AlarmAdmin, AwsClients, ParameterStore};
use bedrock_ops_testkit::emulator::take_turn;
use bedrock_ops_testkit::emulator::{CallRecord, Emulator, Fault};
use bedrock_ops_testkit::testbed::calculator::{PATH, RPM_ALARM, TPM_ALARM};
use bedrock_ops_testkit::testbed::updater::{self as testbed, DAY, RAISED_RPM, RAISED_TPM, T0};
use serde_json::{Value, json};

/// The calls that change something.
const WRITES: [&str; 3] = ["PutMetricAlarm", "PutParameter", "Publish"];

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Retryable,
    NonRetryable,
}

enum Expect {
    Done,
    ReadFails(Kind),
    WriteFails(Kind),
}

struct Row {
    faults: Vec<Fault>,
    expect: Expect,
    /// Quota-change e-mails in all, once the next run completed the change.
    emails: usize,
}

fn row(faults: Vec<Fault>, expect: Expect) -> Row {
    Row {
        faults,
        expect,
        emails: 1,
    }
}

fn err(service: &str, operation: &str, code: &str, status: u16) -> Fault {
    Fault::error(service, operation, code, status)
}

/// The first `n` calls pass (answered 1 ms late: the first matching fault wins), the rest get `then`.
fn after(n: u32, then: Fault) -> Vec<Fault> {
    let operation = then.operation.clone().unwrap_or_default();
    vec![Fault::delay(&then.service, &operation, 1).times(n), then]
}

struct Case {
    emulator: &'static Emulator,
    runtime: tokio::runtime::Runtime,
    topic_arn: String,
    /// The production wiring, to look at what AWS holds.
    clients: AwsClients,
}

impl Case {
    fn update(&self, clients: &AwsClients, at: i64) -> Result<Report, UpdaterError> {
        let ports = testbed::ports(clients);
        self.runtime
            .block_on(run(&ports, &testbed::config(&self.topic_arn), at))
    }

    fn thresholds(&self) -> BTreeMap<String, Option<f64>> {
        let names = [RPM_ALARM.to_owned(), TPM_ALARM.to_owned()];
        self.runtime
            .block_on(self.clients.alarms().describe(&names))
            .unwrap()
            .into_iter()
            .map(|a| (a.name, a.threshold))
            .collect()
    }

    fn stored(&self) -> BTreeMap<String, String> {
        self.runtime
            .block_on(self.clients.parameters().get_by_path(PATH))
            .unwrap()
    }

    fn emails(&self) -> usize {
        self.emulator
            .sns_messages(Some(&self.topic_arn))
            .unwrap()
            .len()
    }
}

fn writes(calls: &[CallRecord]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| WRITES.contains(&c.operation.as_str()))
        .map(|c| c.operation.clone())
        .collect()
}

fn run_row(name: &str, row: Row) {
    let _turn = take_turn();
    let emulator = Emulator::shared().expect("emulator starts");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let topic_arn = runtime.block_on(testbed::created_stack(emulator));
    let case = Case {
        emulator,
        runtime,
        topic_arn,
        clients: AwsClients::new(&emulator.sdk_config()),
    };
    let before_thresholds = case.thresholds();
    let before_record = case.stored();
    testbed::raise_quotas(emulator);
    let clients = emulator.fault_clients(name);
    for fault in &row.faults {
        emulator.add_fault(fault).unwrap();
    }

    let first = case.update(&clients, T0 + DAY);

    // A delayed answer is logged when the emulator sends it, after the client gave up on it. The 1 ms
    // pass-through of `after` does not count as the fault being hit.
    if let Some(delay) = row.faults.iter().map(|f| f.delay_ms).max()
        && delay > 1
    {
        std::thread::sleep(Duration::from_millis(delay + 200));
    }
    let calls = emulator.calls().unwrap();
    let faulted: Vec<String> = calls
        .iter()
        .filter(|c| c.faulted && (c.error_code.is_some() || c.end - c.start >= 1.0))
        .map(|c| format!("{} {}", c.service, c.operation))
        .collect();
    assert!(!faulted.is_empty(), "{name}: the fault was never hit");
    emulator.clear_faults().unwrap();

    match (&row.expect, &first) {
        (Expect::Done, Ok(report)) => {
            assert!(report.changed, "{name}: {report:?}");
            assert!(report.email_message_id.is_some(), "{name}");
        }
        (Expect::ReadFails(kind), Err(error)) => {
            assert_eq!(kind_of(error), *kind, "{name}: {error}");
            assert!(
                error
                    .to_string()
                    .contains("the alarms were left as they are"),
                "{name}: {error}"
            );
            assert_eq!(writes(&calls), Vec::<String>::new(), "{name}");
            assert_eq!(case.thresholds(), before_thresholds, "{name}");
            assert_eq!(case.stored(), before_record, "{name}");
            assert_eq!(case.emails(), 0, "{name}");
        }
        (Expect::WriteFails(kind), Err(error)) => {
            assert_eq!(kind_of(error), *kind, "{name}: {error}");
            let emailed = case.emails();
            assert_eq!(
                emailed,
                row.emails - 1,
                "{name}: e-mails before the next run ({error})"
            );
        }
        (_, other) => panic!("{name}: unexpected first outcome {other:?}"),
    }

    // The next run (the Lambda's retry or the next schedule) with the fault gone.
    let next = case.update(&clients, T0 + DAY + 60);
    match (&first, &next) {
        (Ok(_), Ok(report)) => assert!(!report.changed, "{name}: {report:?}"),
        (Err(_), Ok(report)) => assert!(report.changed, "{name}: {report:?}"),
        (_, Err(error)) => panic!("{name}: the next run failed: {error}"),
    }

    let thresholds = case.thresholds();
    assert_eq!(thresholds[RPM_ALARM], Some(RAISED_RPM * 0.8), "{name}");
    assert_eq!(thresholds[TPM_ALARM], Some(RAISED_TPM * 0.8), "{name}");
    let stored = case.stored();
    assert_eq!(stored["rpm-quota"], RAISED_RPM.to_string(), "{name}");
    assert_eq!(stored["tpm-quota"], RAISED_TPM.to_string(), "{name}");
    assert_eq!(stored["rpm-threshold-calculated"], "10000", "{name}");
    assert_eq!(stored["tpm-threshold-calculated"], "6400000", "{name}");
    let change: Value = serde_json::from_str(&stored["last-change"]).unwrap();
    assert_eq!(change["by"], "alarm-updater", "{name}");
    assert_eq!(
        change["rpm"],
        json!({"old_quota": 10000, "new_quota": 12500, "old_threshold": 8000, "new_threshold": 10000}),
        "{name}"
    );
    assert_eq!(
        change["tpm"],
        json!({"old_quota": 6250000, "new_quota": 8000000, "old_threshold": 5000000, "new_threshold": 6400000}),
        "{name}"
    );
    assert_eq!(
        change["at"],
        json!(stored["last-updated"]),
        "{name}: finished"
    );
    assert_eq!(case.emails(), row.emails, "{name}");
    let mail = case.emulator.sns_messages(Some(&case.topic_arn)).unwrap();
    assert!(
        mail.iter()
            .all(|m| m.message.contains("RPM quota raised from 10,000 to 12,500")),
        "{name}: {mail:?}"
    );

    emulator.reset_calls().unwrap();
    let later = case.update(&clients, T0 + 2 * DAY).unwrap();
    assert!(!later.changed, "{name}: {later:?}");
    assert_eq!(
        writes(&emulator.calls().unwrap()),
        Vec::<String>::new(),
        "{name}"
    );
    println!("{name}: faulted {faulted:?}; first {}", describe(&first));
}

fn kind_of(error: &UpdaterError) -> Kind {
    if error.is_retryable() {
        Kind::Retryable
    } else {
        Kind::NonRetryable
    }
}

fn describe(result: &Result<Report, UpdaterError>) -> String {
    match result {
        Ok(report) => format!("changed={}", report.changed),
        Err(error) => format!("error: {error}"),
    }
}

use Expect::{Done, ReadFails, WriteFails};
use Kind::{NonRetryable, Retryable};

bedrock_ops_testkit::fault_rows! {
    run_row;
    // The live quotas (GetServiceQuota).
    quota_read_throttled_once_is_retried: row(vec![err("servicequotas", "GetServiceQuota", "TooManyRequestsException", 400).times(1)], Done);
    quota_read_throttled_throughout_writes_nothing_and_is_retryable: row(vec![err("servicequotas", "GetServiceQuota", "TooManyRequestsException", 400)], ReadFails(Retryable));
    quota_read_5xx_throughout_writes_nothing_and_is_retryable: row(vec![err("servicequotas", "GetServiceQuota", "ServiceException", 500)], ReadFails(Retryable));
    quota_read_timeout_throughout_writes_nothing_and_is_retryable: row(vec![Fault::delay("servicequotas", "GetServiceQuota", 2_500)], ReadFails(Retryable));
    quota_read_denied_writes_nothing_and_is_non_retryable: row(vec![err("servicequotas", "GetServiceQuota", "AccessDeniedException", 400)], ReadFails(NonRetryable));
    quota_read_no_such_resource_uses_the_aws_default: row(vec![err("servicequotas", "GetServiceQuota", "NoSuchResourceException", 400)], Done);

    // The stored record (GetParametersByPath).
    record_read_throttled_once_is_retried: row(vec![err("ssm", "GetParametersByPath", "ThrottlingException", 400).times(1)], Done);
    record_read_throttled_throughout_writes_nothing_and_is_retryable: row(vec![err("ssm", "GetParametersByPath", "ThrottlingException", 400)], ReadFails(Retryable));
    record_read_5xx_throughout_writes_nothing_and_is_retryable: row(vec![err("ssm", "GetParametersByPath", "InternalServerError", 500)], ReadFails(Retryable));
    record_read_timeout_throughout_writes_nothing_and_is_retryable: row(vec![Fault::delay("ssm", "GetParametersByPath", 2_500)], ReadFails(Retryable));
    record_read_denied_writes_nothing_and_is_non_retryable: row(vec![err("ssm", "GetParametersByPath", "AccessDeniedException", 400)], ReadFails(NonRetryable));

    // The alarms (DescribeAlarms).
    alarm_read_throttled_once_is_retried: row(vec![err("cloudwatch", "DescribeAlarms", "Throttling", 400).times(1)], Done);
    alarm_read_throttled_throughout_writes_nothing_and_is_retryable: row(vec![err("cloudwatch", "DescribeAlarms", "Throttling", 400)], ReadFails(Retryable));
    alarm_read_5xx_throughout_writes_nothing_and_is_retryable: row(vec![err("cloudwatch", "DescribeAlarms", "InternalServiceError", 500)], ReadFails(Retryable));
    alarm_read_timeout_throughout_writes_nothing_and_is_retryable: row(vec![Fault::delay("cloudwatch", "DescribeAlarms", 2_500)], ReadFails(Retryable));
    alarm_read_denied_writes_nothing_and_is_non_retryable: row(vec![err("cloudwatch", "DescribeAlarms", "AccessDenied", 403)], ReadFails(NonRetryable));

    // The thresholds (PutMetricAlarm): before the record and the e-mail.
    alarm_write_throttled_once_is_retried: row(vec![err("cloudwatch", "PutMetricAlarm", "Throttling", 400).times(1)], Done);
    alarm_write_throttled_throughout_is_retryable_and_the_next_run_completes: row(vec![err("cloudwatch", "PutMetricAlarm", "Throttling", 400)], WriteFails(Retryable));
    alarm_write_5xx_throughout_is_retryable_and_the_next_run_completes: row(vec![err("cloudwatch", "PutMetricAlarm", "InternalServiceError", 500)], WriteFails(Retryable));
    alarm_write_denied_is_non_retryable_and_the_next_run_completes: row(vec![err("cloudwatch", "PutMetricAlarm", "AccessDenied", 403)], WriteFails(NonRetryable));
    alarm_write_answered_after_the_client_timeout_is_retried: row(vec![Fault::delay("cloudwatch", "PutMetricAlarm", 2_500).times(1)], Done);
    // One alarm retuned, the other refused.
    alarm_write_one_of_two_denied_is_non_retryable_and_the_next_run_completes: row(after(1, err("cloudwatch", "PutMetricAlarm", "AccessDenied", 403)), WriteFails(NonRetryable));

    // The record (PutParameter: last-change, the changed values), before the e-mail.
    record_write_throttled_once_is_retried: row(vec![err("ssm", "PutParameter", "ThrottlingException", 400).times(1)], Done);
    record_write_throttled_throughout_sends_no_email_and_the_next_run_completes: row(vec![err("ssm", "PutParameter", "ThrottlingException", 400)], WriteFails(Retryable));
    record_write_denied_sends_no_email_and_the_next_run_completes: row(vec![err("ssm", "PutParameter", "AccessDeniedException", 400)], WriteFails(NonRetryable));
    record_write_answered_after_the_client_timeout_is_retried: row(vec![Fault::delay("ssm", "PutParameter", 2_500).times(1)], Done);
    record_half_written_sends_no_email_and_the_next_run_completes_the_whole_change: row(after(3, err("ssm", "PutParameter", "AccessDeniedException", 400)), WriteFails(NonRetryable));
    // last-change and the four values written, the e-mail sent, the final mark (last-updated) refused: the next
    // run cannot tell whether the e-mail went out and sends it again (at least once, never none).
    record_finish_denied_after_the_email_sends_it_again: Row { emails: 2, ..row(after(5, err("ssm", "PutParameter", "AccessDeniedException", 400)), WriteFails(NonRetryable)) };

    // The e-mail (SNS Publish): after the record, before the final mark.
    publish_throttled_once_is_retried: row(vec![err("sns", "Publish", "Throttling", 400).times(1)], Done);
    publish_throttled_throughout_is_retryable_and_the_next_run_sends_it_once: row(vec![err("sns", "Publish", "Throttling", 400)], WriteFails(Retryable));
    publish_5xx_throughout_is_retryable_and_the_next_run_sends_it_once: row(vec![err("sns", "Publish", "InternalError", 500)], WriteFails(Retryable));
    publish_denied_is_non_retryable_and_the_next_run_sends_it_once: row(vec![err("sns", "Publish", "AuthorizationError", 403)], WriteFails(NonRetryable));
}
