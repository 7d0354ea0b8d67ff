//! The processor under injected AWS faults (emulator, every service in its own wire protocol). One test per
//! row: which call fails, how, and what must come of it:
//! - `Recovered`: the SDK's (or the adapter's) bounded retries got through; the run is as if nothing failed;
//! - `Email`: the run finished and the e-mail says what failed and what was not done;
//! - `Retry`: the invocation fails with a Retryable error (Lambda retries it); the retry, with the fault gone,
//!   finishes the job;
//! - `Fail`: a NonRetryable error (the on-failure destination gets the event).
//!
//! Then, for every row, the fault is cleared and the message delivered again (SNS/Lambda redelivery): nothing
//! is filed twice (at most one request per quota, one case per subject) and the e-mail count is the row's.

use std::collections::BTreeMap;
use std::time::Duration;

use bedrock_ops_aws::diagnostic::Classified;
use bedrock_ops_testkit::emulator::{Fault, REGION};
use bedrock_ops_testkit::testbed::processor::{Account, Testbed, event};
use notification_processor::{ProcessorError, Report, RunMode, sdk_processor};

/// The quota path (both quotas requested) or the case path (an Investigation Request case).
#[derive(Clone, Copy)]
enum Path {
    Quota,
    Case,
}

enum Expect {
    Recovered,
    Email(&'static [&'static str]),
    Retry,
    Fail(&'static str),
}

struct Row {
    path: Path,
    faults: Vec<Fault>,
    expect: Expect,
    /// E-mails on the topic once the fault is gone and the message was redelivered.
    emails: usize,
}

fn row(path: Path, faults: Vec<Fault>, expect: Expect) -> Row {
    Row {
        path,
        faults,
        expect,
        emails: 1,
    }
}

fn err(service: &str, operation: &str, code: &str, status: u16) -> Fault {
    Fault::error(service, operation, code, status)
}

/// The emulator's fault clients (1 s attempt timeout, fast retries, a retry partition per test).
fn processor_for(testbed: &Testbed, name: &str) -> notification_processor::SdkProcessor {
    sdk_processor(
        &testbed.emulator.fault_clients(name),
        testbed.config(),
        REGION,
    )
}

fn run(name: &str, row: Row) {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    let fixture = match row.path {
        Path::Quota => "throttles-alarm.json",
        Path::Case => "server-errors-alarm.json",
    };
    Testbed::run(&account, |testbed| async move {
        let processor = processor_for(&testbed, name);
        let input = event(fixture);
        for fault in &row.faults {
            testbed.emulator.add_fault(fault).unwrap();
        }

        let first = processor
            .handle(&input, bedrock_ops_aws::clock::now_epoch(), RunMode::Live)
            .await;

        // A delayed answer is logged when the emulator sends it, after the client gave up on it.
        if let Some(delay) = row.faults.iter().map(|f| f.delay_ms).max()
            && delay > 0
        {
            tokio::time::sleep(Duration::from_millis(delay + 200)).await;
        }
        let faulted: Vec<String> = testbed
            .calls()
            .iter()
            .filter(|c| c.faulted)
            .map(|c| format!("{} {}", c.service, c.operation))
            .collect();
        assert!(
            !faulted.is_empty(),
            "{name}: the fault was never hit: {first:?}"
        );
        match (&row.expect, &first) {
            (Expect::Recovered, Ok(reports)) => {
                assert!(matches!(reports[0], Report::Handled(_)), "{reports:?}");
                let email = &testbed.emails()[0].message;
                assert!(!email.contains("Not filed"), "{name}: {email}");
            }
            (Expect::Email(phrases), Ok(reports)) => {
                assert!(matches!(reports[0], Report::Handled(_)), "{reports:?}");
                let email = &testbed.emails()[0].message;
                for phrase in *phrases {
                    assert!(email.contains(phrase), "{name}: '{phrase}' not in\n{email}");
                }
            }
            (Expect::Retry, Err(error)) => {
                assert!(error.is_retryable(), "{name}: {error}");
                assert!(
                    testbed.emails().is_empty(),
                    "{name}: e-mailed before the retry"
                );
            }
            (Expect::Fail(text), Err(error)) => {
                assert!(!error.is_retryable(), "{name}: {error}");
                assert!(error.to_string().contains(text), "{name}: {error}");
            }
            (_, other) => panic!("{name}: unexpected first outcome {other:?}"),
        }

        // The fault goes away; Lambda retries or SNS redelivers.
        testbed.emulator.clear_faults().unwrap();
        let again = processor
            .handle(&input, bedrock_ops_aws::clock::now_epoch(), RunMode::Live)
            .await;
        match (&first, &again) {
            (Err(_), Ok(reports)) if matches!(row.expect, Expect::Retry | Expect::Fail(_)) => {
                assert!(
                    matches!(
                        reports[0],
                        Report::Handled(_) | Report::Resumed { .. } | Report::AlreadyHandled { .. }
                    ),
                    "{reports:?}"
                );
            }
            (Ok(_), Ok(reports)) => {
                assert!(
                    matches!(reports[0], Report::AlreadyHandled { .. }),
                    "{reports:?}"
                );
            }
            (_, other) => panic!("{name}: redelivery gave {}", describe(other)),
        }

        let mut per_quota: BTreeMap<String, usize> = BTreeMap::new();
        for request in testbed.emulator.quota_requests().unwrap() {
            *per_quota.entry(request.quota_code).or_default() += 1;
        }
        assert!(per_quota.values().all(|&n| n == 1), "{name}: {per_quota:?}");
        let mut per_subject: BTreeMap<String, usize> = BTreeMap::new();
        for case in testbed.emulator.support_cases().unwrap() {
            *per_subject.entry(case.subject).or_default() += 1;
        }
        assert!(
            per_subject.values().all(|&n| n == 1),
            "{name}: {per_subject:?}"
        );
        assert_eq!(testbed.emails().len(), row.emails, "{name}");
        println!("{name}: faulted {faulted:?}; requests {per_quota:?}; cases {per_subject:?}");
    });
}

fn describe(result: &Result<Vec<Report>, ProcessorError>) -> String {
    match result {
        Ok(reports) => format!("{reports:?}"),
        Err(error) => format!("error {error}"),
    }
}

use Expect::{Email, Fail, Recovered, Retry};
use Path::{Case, Quota};

bedrock_ops_testkit::fault_rows! {
    run;
    // The ledger claim, which takes the case lock in the same write (DynamoDB TransactWriteItems).
    ledger_claim_throttled_once_is_retried: row(Quota, vec![err("dynamodb", "TransactWriteItems", "ProvisionedThroughputExceededException", 400).times(1)], Recovered);
    ledger_claim_5xx_once_is_retried: row(Quota, vec![err("dynamodb", "TransactWriteItems", "InternalServerError", 500).times(1)], Recovered);
    ledger_claim_throttled_throughout_is_retryable: row(Quota, vec![err("dynamodb", "TransactWriteItems", "ThrottlingException", 400)], Retry);
    ledger_claim_denied_is_non_retryable: row(Quota, vec![err("dynamodb", "TransactWriteItems", "AccessDeniedException", 400)], Fail("claiming the transition"));
    ledger_claim_timeout_once_is_retried: row(Quota, vec![Fault::delay("dynamodb", "TransactWriteItems", 2_500).times(1)], Recovered);

    // Settings and thresholds (SSM GetParameters).
    settings_throttled_once_is_retried: row(Quota, vec![err("ssm", "GetParameters", "ThrottlingException", 400).times(1)], Recovered);
    settings_throttled_throughout_is_retryable: row(Quota, vec![err("ssm", "GetParameters", "ThrottlingException", 400)], Retry);
    settings_timeout_throughout_is_retryable: row(Quota, vec![Fault::delay("ssm", "GetParameters", 2_500)], Retry);
    settings_parameter_not_found_files_nothing_and_says_why: row(Quota, vec![err("ssm", "GetParameters", "ParameterNotFound", 400)], Email(&["Not filed", "settings"]));
    settings_denied_files_nothing_and_says_why: row(Quota, vec![err("ssm", "GetParameters", "AccessDeniedException", 400)], Email(&["Not filed", "settings"]));

    // Usage (CloudWatch GetMetricData).
    usage_throttled_throughout_is_reported_as_unknown: row(Quota, vec![err("cloudwatch", "GetMetricData", "Throttling", 400)], Email(&["usage"]));
    usage_5xx_once_is_retried: row(Quota, vec![err("cloudwatch", "GetMetricData", "InternalServiceError", 500).times(1)], Recovered);

    // Live quotas (Service Quotas GetServiceQuota).
    quota_read_denied_files_nothing_for_it_and_says_why: row(Quota, vec![err("servicequotas", "GetServiceQuota", "AccessDeniedException", 400)], Email(&["Not filed", "access"]));
    // No applied value: the adapter reads the AWS default (GetAWSDefaultServiceQuota) instead.
    quota_read_no_such_resource_falls_back_to_the_default_value: row(Quota, vec![err("servicequotas", "GetServiceQuota", "NoSuchResourceException", 400)], Recovered);

    // Open cases (Support DescribeCases): without the list no case is opened (it could duplicate one).
    case_list_throttled_throughout_opens_no_case_and_says_why: row(Case, vec![err("support", "DescribeCases", "ThrottlingException", 400)], Email(&["Not filed", "throttl"]));

    // The increase requests (Service Quotas RequestServiceQuotaIncrease).
    request_throttled_once_is_retried: row(Quota, vec![err("servicequotas", "RequestServiceQuotaIncrease", "TooManyRequestsException", 400).times(1)], Recovered);
    request_throttled_throughout_is_not_filed_and_says_why: row(Quota, vec![err("servicequotas", "RequestServiceQuotaIncrease", "TooManyRequestsException", 400)], Email(&["Not filed", "throttl"]));
    request_denied_falls_back_to_a_support_case: row(Quota, vec![err("servicequotas", "RequestServiceQuotaIncrease", "AccessDeniedException", 400)], Email(&["Quota Request"]));
    request_quota_exceeded_falls_back_to_a_support_case: row(Quota, vec![err("servicequotas", "RequestServiceQuotaIncrease", "QuotaExceededException", 400)], Email(&["Quota Request"]));
    request_no_such_resource_falls_back_to_a_support_case: row(Quota, vec![err("servicequotas", "RequestServiceQuotaIncrease", "NoSuchResourceException", 400)], Email(&["Quota Request"]));
    request_illegal_argument_falls_back_to_a_support_case: row(Quota, vec![err("servicequotas", "RequestServiceQuotaIncrease", "IllegalArgumentException", 400)], Email(&["Quota Request"]));
    request_already_open_is_reported_as_open: row(Quota, vec![err("servicequotas", "RequestServiceQuotaIncrease", "ResourceAlreadyExistsException", 400)], Email(&["already open"]));
    request_answered_after_the_client_timeout_is_filed_once: row(Quota, vec![Fault::delay("servicequotas", "RequestServiceQuotaIncrease", 2_500).times(1)], Email(&[]));

    // The Support case (CreateCase).
    case_subscription_required_says_the_plan_is_missing: row(Case, vec![err("support", "CreateCase", "SubscriptionRequiredException", 400)], Email(&["Not filed", "SubscriptionRequiredException"]));
    case_creation_limit_says_so: row(Case, vec![err("support", "CreateCase", "CaseCreationLimitExceeded", 400)], Email(&["Not filed", "CaseCreationLimitExceeded"]));
    case_denied_says_so: row(Case, vec![err("support", "CreateCase", "AccessDeniedException", 400)], Email(&["Not filed", "access denied"]));
    case_throttled_once_is_retried: row(Case, vec![err("support", "CreateCase", "ThrottlingException", 400).times(1)], Recovered);
    // A 5xx or a timeout may hide a case that was (or is being) opened: CreateCase is never sent twice.
    case_5xx_once_is_not_sent_again_and_says_so: row(Case, vec![err("support", "CreateCase", "InternalServerError", 500).times(1)], Email(&["Not filed", "not sent again"]));
    case_answered_after_the_client_timeout_opens_one_case_and_says_so: row(Case, vec![Fault::delay("support", "CreateCase", 2_500).times(1)], Email(&["Not filed", "timed out", "not sent again"]));

    // The e-mail (SNS Publish).
    publish_throttled_once_is_retried: row(Quota, vec![err("sns", "Publish", "Throttling", 400).times(1)], Recovered);
    publish_throttled_throughout_is_retryable_and_the_retry_files_nothing_again: row(Quota, vec![err("sns", "Publish", "Throttling", 400)], Retry);
    publish_5xx_throughout_is_retryable_and_the_retry_files_nothing_again: row(Case, vec![err("sns", "Publish", "InternalError", 500)], Retry);
    // Refused for good: still not done, so the retry (or a replay) publishes once the topic accepts it.
    publish_denied_is_non_retryable_not_done_and_the_retry_sends_it_once: row(Quota, vec![err("sns", "Publish", "AuthorizationError", 403)], Fail("publishing the e-mail"));
}
