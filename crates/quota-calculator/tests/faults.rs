//! The quota calculator under injected AWS faults (emulator, each service in its own wire protocol). One test
//! per row: the request (Create, an Update that follows a quota raise, Delete), which call fails and how, and
//! what CloudFormation must hear:
//! - `Success`: the SDK's (or the sink's) bounded retries got through; the stack holds the whole result;
//! - `Failed`: a FAILED answer whose reason names what failed; then CloudFormation's next request with the fault
//!   gone (the rollback Delete of a failed Create followed by a new Create, the same Update again, the same
//!   Delete again) succeeds and leaves a whole state: both alarms and all ten parameters agreeing with the live
//!   quotas, or nothing at all after a Delete;
//! - `Unanswered`: the answer itself could not be delivered; the invocation fails Retryable and the Lambda's
//!   retry answers SUCCESS.
//!
//! The client attempt timeout is 1 s here, so an answer delayed by 2.5 s is a client timeout.

use std::collections::BTreeMap;
use std::time::Duration;

use bedrock_ops_aws::diagnostic::Classified;
use bedrock_ops_aws::{AlarmAdmin, AwsClients, ParameterStore};
use bedrock_ops_core::thresholds::SERVICE_CODE;
use bedrock_ops_testkit::emulator::take_turn;
use bedrock_ops_testkit::emulator::{Emulator, Fault, SeedQuota};
use bedrock_ops_testkit::testbed::calculator::{
    self as testbed, PATH, RPM_ALARM, RPM_CODE, SIGNATURE, TPM_ALARM, TPM_CODE,
};
use quota_calculator::{CalculatorError, Outcome, Status, handle};
use serde_json::{Value, json};

const AT: i64 = 1_777_906_368;
/// Quotas after the raise an Update row follows.
const RAISED_RPM: f64 = 12_500.0;
const RAISED_TPM: f64 = 8_000_000.0;

#[derive(Clone, Copy, PartialEq)]
enum Request {
    Create,
    Update,
    Delete,
}

enum Expect {
    Success,
    Failed(&'static [&'static str]),
    Unanswered,
}

struct Row {
    request: Request,
    faults: Vec<Fault>,
    expect: Expect,
}

fn row(request: Request, faults: Vec<Fault>, expect: Expect) -> Row {
    Row {
        request,
        faults,
        expect,
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
    clients: AwsClients,
    runtime: tokio::runtime::Runtime,
}

impl Case {
    /// Sends `event` as CloudFormation would and returns the handler's result and what the sink received for it.
    fn send(&self, event: Value) -> (Result<Outcome, CalculatorError>, Vec<Value>) {
        let url = event["ResponseURL"].as_str().unwrap().to_owned();
        let ports = testbed::ports(&self.clients);
        let result = self
            .runtime
            .block_on(handle(&ports, event, Duration::from_secs(60), AT));
        let answers = self
            .emulator
            .cfn_responses()
            .unwrap()
            .into_iter()
            .filter(|r| url.contains(&format!("/_ext/cfn-response/{}?", r.path)))
            .map(|r| r.body.expect("the answer is JSON"))
            .collect();
        (result, answers)
    }

    fn event(&self, request: Request, id: &str, physical: Option<&str>) -> Value {
        let fixture = match request {
            Request::Create => "create",
            Request::Update => "update",
            Request::Delete => "delete",
        };
        let mut event = testbed::event(self.emulator, fixture, id);
        if let Some(physical) = physical {
            event["PhysicalResourceId"] = json!(physical);
        }
        event
    }

    fn alarm_thresholds(&self) -> BTreeMap<String, Option<f64>> {
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

    /// Both alarms and all ten parameters, agreeing with quotas `rpm` and `tpm` at 80 %.
    fn assert_whole(&self, name: &str, rpm: f64, tpm: f64) {
        let (rpm_threshold, tpm_threshold) = (rpm * 0.8, tpm * 0.8);
        let alarms = self.alarm_thresholds();
        assert_eq!(alarms.get(RPM_ALARM), Some(&Some(rpm_threshold)), "{name}");
        assert_eq!(alarms.get(TPM_ALARM), Some(&Some(tpm_threshold)), "{name}");
        let stored = self.stored();
        assert_eq!(stored.len(), 10, "{name}: {stored:?}");
        assert_eq!(stored["rpm-quota"], rpm.to_string(), "{name}");
        assert_eq!(stored["tpm-quota"], tpm.to_string(), "{name}");
        assert_eq!(
            stored["rpm-threshold-calculated"],
            rpm_threshold.to_string(),
            "{name}"
        );
        assert_eq!(
            stored["tpm-threshold-calculated"],
            tpm_threshold.to_string(),
            "{name}"
        );
        // The history holds this change: from the quotas before it (none before a Create) to the live ones.
        let change: Value = serde_json::from_str(&stored["last-change"]).unwrap();
        let (old_rpm, old_tpm) = if rpm == RAISED_RPM {
            (json!(10_000), json!(6_250_000))
        } else {
            (Value::Null, Value::Null)
        };
        let old_rpm_threshold = old_rpm.as_u64().map_or(Value::Null, |q| json!(q * 8 / 10));
        assert_eq!(change["rpm"]["old_quota"], old_rpm, "{name}: {change}");
        assert_eq!(
            change["rpm"]["old_threshold"], old_rpm_threshold,
            "{name}: {change}"
        );
        assert_eq!(change["tpm"]["old_quota"], old_tpm, "{name}: {change}");
        assert_eq!(
            change["rpm"]["new_quota"],
            json!(rpm as u64),
            "{name}: {change}"
        );
        assert_eq!(
            change["tpm"]["new_threshold"],
            json!(tpm_threshold as u64),
            "{name}: {change}"
        );
        assert_eq!(change["at"], json!(stored["last-updated"]), "{name}");
    }

    fn assert_gone(&self, name: &str) {
        assert!(self.alarm_thresholds().is_empty(), "{name}");
        assert!(self.stored().is_empty(), "{name}");
    }
}

fn run(name: &str, row: Row) {
    let _turn = take_turn();
    let emulator = Emulator::shared().expect("emulator starts");
    testbed::reset_and_seed(emulator);
    // AWS defaults for the two quotas, so a GetServiceQuota without an applied value has its fallback.
    emulator
        .seed_quotas(
            &[],
            &[
                SeedQuota::bedrock(RPM_CODE, "default RPM", 10_000.0),
                SeedQuota::bedrock(TPM_CODE, "default TPM", 6_250_000.0),
            ],
        )
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let case = Case {
        emulator,
        clients: emulator.fault_clients(name),
        runtime,
    };

    let (rpm, tpm) = match row.request {
        Request::Create => (10_000.0, 6_250_000.0),
        Request::Update | Request::Delete => {
            // A day before: a change is told finished by `last-updated` holding its instant.
            let created =
                case.runtime
                    .block_on(testbed::create_stack(emulator, "created", AT - 86_400));
            assert_eq!(created.status, Status::Success, "{created:?}");
            emulator
                .set_quota_value(SERVICE_CODE, RPM_CODE, RAISED_RPM)
                .unwrap();
            emulator
                .set_quota_value(SERVICE_CODE, TPM_CODE, RAISED_TPM)
                .unwrap();
            (RAISED_RPM, RAISED_TPM)
        }
    };
    emulator.reset_calls().unwrap();
    for fault in &row.faults {
        emulator.add_fault(fault).unwrap();
    }

    let physical = (row.request != Request::Create).then_some("Acme-Opus-thresholds");
    let (first, answers) = case.send(case.event(row.request, name, physical));

    // A delayed answer is logged when the emulator sends it, after the client gave up on it. The 1 ms
    // pass-through of `after` does not count as the fault being hit.
    if let Some(delay) = row.faults.iter().map(|f| f.delay_ms).max()
        && delay > 0
    {
        std::thread::sleep(Duration::from_millis(delay + 200));
    }
    let faulted: Vec<String> = emulator
        .calls()
        .unwrap()
        .iter()
        .filter(|c| c.faulted && (c.error_code.is_some() || c.end - c.start >= 1.0))
        .map(|c| format!("{} {}", c.service, c.operation))
        .collect();
    assert!(!faulted.is_empty(), "{name}: the fault was never hit");
    emulator.clear_faults().unwrap();

    match row.expect {
        Expect::Success => {
            let outcome = first.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                outcome.status,
                Status::Success,
                "{name}: {}",
                outcome.reason
            );
            assert_eq!(answers.len(), 1, "{name}: {answers:?}");
            assert_eq!(answers[0]["Status"], "SUCCESS", "{name}");
            match row.request {
                Request::Delete => case.assert_gone(name),
                _ => case.assert_whole(name, rpm, tpm),
            }
        }
        Expect::Failed(phrases) => {
            let outcome = first.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(answers.len(), 1, "{name}: {answers:?}");
            assert_eq!(answers[0]["Status"], "FAILED", "{name}");
            assert_eq!(outcome.status, Status::Failed, "{name}");
            let reason = answers[0]["Reason"].as_str().unwrap();
            for phrase in phrases {
                assert!(
                    reason.contains(phrase),
                    "{name}: '{phrase}' not in: {reason}"
                );
            }
            assert!(!reason.contains(SIGNATURE), "{name}: {reason}");
            let physical = answers[0]["PhysicalResourceId"]
                .as_str()
                .unwrap()
                .to_owned();
            println!("{name}: FAILED ({physical}): {reason}");
            repair(&case, name, row.request, &physical, rpm, tpm);
        }
        Expect::Unanswered => {
            let error = first.expect_err("the answer did not get through");
            assert!(error.is_retryable(), "{name}: {error}");
            assert!(!error.to_string().contains(SIGNATURE), "{name}: {error}");
            assert!(answers.is_empty(), "{name}: {answers:?}");
            // The Lambda's retry of the same event.
            let (again, answers) = case.send(case.event(row.request, name, physical));
            assert_eq!(again.unwrap().status, Status::Success, "{name}");
            assert_eq!(answers.len(), 1, "{name}: {answers:?}");
            assert_eq!(answers[0]["Status"], "SUCCESS", "{name}");
            match row.request {
                Request::Delete => case.assert_gone(name),
                _ => case.assert_whole(name, rpm, tpm),
            }
        }
    }
    println!("{name}: faulted {faulted:?}");
}

/// CloudFormation's next request after a FAILED answer, with the fault gone.
fn repair(case: &Case, name: &str, request: Request, physical: &str, rpm: f64, tpm: f64) {
    let answer = |event: Value| {
        let (result, answers) = case.send(event);
        let outcome = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            outcome.status,
            Status::Success,
            "{name}: {}",
            outcome.reason
        );
        assert_eq!(answers.last().unwrap()["Status"], "SUCCESS", "{name}");
    };
    match request {
        Request::Create => {
            // The rollback deletes what the failed Create may have written, by the id it answered.
            answer(case.event(Request::Delete, &format!("{name}-rollback"), Some(physical)));
            case.assert_gone(name);
            answer(case.event(Request::Create, &format!("{name}-again"), None));
            case.assert_whole(name, rpm, tpm);
        }
        Request::Update => {
            answer(case.event(Request::Update, &format!("{name}-again"), Some(physical)));
            case.assert_whole(name, rpm, tpm);
        }
        Request::Delete => {
            answer(case.event(Request::Delete, &format!("{name}-again"), Some(physical)));
            case.assert_gone(name);
        }
    }
}

use Expect::{Failed, Success, Unanswered};
use Request::{Create, Delete, Update};

bedrock_ops_testkit::fault_rows! {
    run;
    // The quota list that validates the codes (ListServiceQuotas, every page).
    list_throttled_once_is_retried: row(Create, vec![err("servicequotas", "ListServiceQuotas", "TooManyRequestsException", 400).times(1)], Success);
    list_throttled_throughout_fails_before_any_write: row(Create, vec![err("servicequotas", "ListServiceQuotas", "TooManyRequestsException", 400)], Failed(&["Could not list the bedrock quotas", "throttl"]));
    list_5xx_throughout_fails_before_any_write: row(Create, vec![err("servicequotas", "ListServiceQuotas", "ServiceException", 500)], Failed(&["Could not list the bedrock quotas"]));
    list_timeout_throughout_fails_before_any_write: row(Create, vec![Fault::delay("servicequotas", "ListServiceQuotas", 2_500)], Failed(&["Could not list the bedrock quotas"]));
    list_denied_fails_naming_access: row(Create, vec![err("servicequotas", "ListServiceQuotas", "AccessDeniedException", 400)], Failed(&["Could not list the bedrock quotas", "ccess"]));

    // The AWS default values of the list (ListAWSDefaultServiceQuotas).
    default_list_throttled_once_is_retried: row(Create, vec![err("servicequotas", "ListAWSDefaultServiceQuotas", "TooManyRequestsException", 400).times(1)], Success);
    default_list_denied_fails_before_any_write: row(Create, vec![err("servicequotas", "ListAWSDefaultServiceQuotas", "AccessDeniedException", 400)], Failed(&["Could not list the bedrock quotas"]));

    // The live values (GetServiceQuota).
    quota_read_throttled_once_is_retried: row(Create, vec![err("servicequotas", "GetServiceQuota", "TooManyRequestsException", 400).times(1)], Success);
    quota_read_throttled_throughout_fails_and_changes_nothing: row(Create, vec![err("servicequotas", "GetServiceQuota", "TooManyRequestsException", 400)], Failed(&["could not read the", "throttled", "Nothing was changed"]));
    quota_read_5xx_throughout_fails_and_changes_nothing: row(Create, vec![err("servicequotas", "GetServiceQuota", "ServiceException", 500)], Failed(&["could not read the", "Nothing was changed"]));
    quota_read_timeout_throughout_fails_and_changes_nothing: row(Create, vec![Fault::delay("servicequotas", "GetServiceQuota", 2_500)], Failed(&["could not read the", "Nothing was changed"]));
    quota_read_denied_fails_and_changes_nothing: row(Create, vec![err("servicequotas", "GetServiceQuota", "AccessDeniedException", 400)], Failed(&["could not read the", "Nothing was changed"]));
    quota_read_no_such_resource_uses_the_aws_default: row(Create, vec![err("servicequotas", "GetServiceQuota", "NoSuchResourceException", 400)], Success);
    update_quota_read_throttled_throughout_keeps_the_old_state: row(Update, vec![err("servicequotas", "GetServiceQuota", "TooManyRequestsException", 400)], Failed(&["could not read the", "Nothing was changed"]));

    // The fallback to the AWS default (GetAWSDefaultServiceQuota).
    default_read_throttled_once_is_retried: row(Create, vec![err("servicequotas", "GetServiceQuota", "NoSuchResourceException", 400), err("servicequotas", "GetAWSDefaultServiceQuota", "TooManyRequestsException", 400).times(1)], Success);
    default_read_throttled_throughout_fails_and_changes_nothing: row(Create, vec![err("servicequotas", "GetServiceQuota", "NoSuchResourceException", 400), err("servicequotas", "GetAWSDefaultServiceQuota", "TooManyRequestsException", 400)], Failed(&["could not read the", "Nothing was changed"]));
    default_read_no_such_resource_fails_and_changes_nothing: row(Create, vec![err("servicequotas", "GetServiceQuota", "NoSuchResourceException", 400), err("servicequotas", "GetAWSDefaultServiceQuota", "NoSuchResourceException", 400)], Failed(&["could not read the", "Nothing was changed"]));

    // The stored record (GetParametersByPath).
    record_read_throttled_once_is_retried: row(Create, vec![err("ssm", "GetParametersByPath", "ThrottlingException", 400).times(1)], Success);
    record_read_throttled_throughout_fails_before_any_write: row(Create, vec![err("ssm", "GetParametersByPath", "ThrottlingException", 400)], Failed(&["Could not read the stored thresholds", "throttl"]));
    record_read_5xx_throughout_fails_before_any_write: row(Update, vec![err("ssm", "GetParametersByPath", "InternalServerError", 500)], Failed(&["Could not read the stored thresholds"]));
    record_read_timeout_throughout_fails_before_any_write: row(Update, vec![Fault::delay("ssm", "GetParametersByPath", 2_500)], Failed(&["Could not read the stored thresholds"]));
    record_read_denied_fails_before_any_write: row(Create, vec![err("ssm", "GetParametersByPath", "AccessDeniedException", 400)], Failed(&["Could not read the stored thresholds"]));

    // The alarms (PutMetricAlarm).
    alarm_write_throttled_once_is_retried: row(Create, vec![err("cloudwatch", "PutMetricAlarm", "Throttling", 400).times(1)], Success);
    alarm_write_throttled_throughout_fails_and_the_rollback_removes_it: row(Create, vec![err("cloudwatch", "PutMetricAlarm", "Throttling", 400)], Failed(&["Writing alarm", "throttl"]));
    alarm_write_5xx_throughout_fails_and_the_rollback_removes_it: row(Create, vec![err("cloudwatch", "PutMetricAlarm", "InternalServiceError", 500)], Failed(&["Writing alarm"]));
    alarm_write_denied_fails_and_the_rollback_removes_it: row(Create, vec![err("cloudwatch", "PutMetricAlarm", "AccessDenied", 403)], Failed(&["Writing alarm"]));
    alarm_write_answered_after_the_client_timeout_is_retried: row(Create, vec![Fault::delay("cloudwatch", "PutMetricAlarm", 2_500).times(1)], Success);
    // One alarm written, the other refused: the record is not touched, the next Update completes both.
    update_alarm_write_throttled_throughout_fails_and_the_next_update_completes: row(Update, vec![err("cloudwatch", "PutMetricAlarm", "Throttling", 400)], Failed(&["Writing alarm"]));

    // The record (PutParameter, sequential).
    record_write_throttled_once_is_retried: row(Create, vec![err("ssm", "PutParameter", "ThrottlingException", 400).times(1)], Success);
    record_write_throttled_throughout_fails_and_the_rollback_removes_the_alarms: row(Create, vec![err("ssm", "PutParameter", "ThrottlingException", 400)], Failed(&["storing the thresholds failed", "throttl"]));
    record_write_denied_fails_and_the_rollback_removes_the_alarms: row(Create, vec![err("ssm", "PutParameter", "AccessDeniedException", 400)], Failed(&["storing the thresholds failed"]));
    record_write_answered_after_the_client_timeout_is_retried: row(Create, vec![Fault::delay("ssm", "PutParameter", 2_500).times(1)], Success);
    update_record_write_5xx_throughout_fails_and_the_next_update_completes: row(Update, vec![err("ssm", "PutParameter", "InternalServerError", 500)], Failed(&["storing the thresholds failed"]));
    // Half the record written, then the writes fail: the next Update must still record the change.
    update_record_half_written_is_completed_by_the_next_update: row(Update, after(2, err("ssm", "PutParameter", "AccessDeniedException", 400)), Failed(&["storing the thresholds failed"]));
    update_record_written_but_for_the_change_entry_is_completed_by_the_next_update: row(Update, after(4, err("ssm", "PutParameter", "AccessDeniedException", 400)), Failed(&["storing the thresholds failed"]));

    // Delete (DeleteAlarms and DeleteParameters, together).
    delete_alarms_throttled_once_is_retried: row(Delete, vec![err("cloudwatch", "DeleteAlarms", "Throttling", 400).times(1)], Success);
    delete_alarms_throttled_throughout_fails_and_the_next_delete_completes: row(Delete, vec![err("cloudwatch", "DeleteAlarms", "Throttling", 400)], Failed(&["Deleting the quota alarms failed", "throttl"]));
    delete_alarms_denied_fails_and_the_next_delete_completes: row(Delete, vec![err("cloudwatch", "DeleteAlarms", "AccessDenied", 403)], Failed(&["Deleting the quota alarms failed"]));
    delete_parameters_throttled_once_is_retried: row(Delete, vec![err("ssm", "DeleteParameters", "ThrottlingException", 400).times(1)], Success);
    delete_parameters_5xx_throughout_fails_and_the_next_delete_completes: row(Delete, vec![err("ssm", "DeleteParameters", "InternalServerError", 500)], Failed(&["Deleting the threshold parameters failed"]));
    delete_parameters_denied_fails_and_the_next_delete_completes: row(Delete, vec![err("ssm", "DeleteParameters", "AccessDeniedException", 400)], Failed(&["Deleting the threshold parameters failed"]));

    // The answer (the PUT to the pre-signed URL).
    answer_5xx_once_is_sent_again: row(Create, vec![err("cfn-response", "PUT", "InternalError", 500).times(1)], Success);
    answer_5xx_throughout_is_retryable_and_the_retry_answers: row(Create, vec![err("cfn-response", "PUT", "ServiceUnavailable", 503)], Unanswered);
    answer_refused_403_is_reported_and_the_retry_answers: row(Delete, vec![err("cfn-response", "PUT", "AccessDenied", 403).times(1)], Unanswered);
}
