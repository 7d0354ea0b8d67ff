//! Lambda's real asynchronous retry, played against the processor's real bootstrap behind the runtime-API
//! stub and the emulator: an attempt that fails is retried twice whatever its errorType, then the event goes
//! to the on-failure destination (the notification dead-letter queue) with the error. Each test asserts where
//! a failing event ends — handled once, or in the dead-letter queue with the reason — and that no e-mail is
//! ever lost behind an "already handled": a replay of a dead letter (or `process --retry-failed`) delivers it.
//!
//! The retry delays are scaled down (Lambda waits about a minute, then two).

use std::path::Path;
use std::time::Duration;

use bedrock_ops_aws::ledger::LedgerStatus;
use bedrock_ops_testkit::async_retry::{Ending, invoke_async};
use bedrock_ops_testkit::emulator::Fault;
use bedrock_ops_testkit::runtime_api::{Answer, Bootstrap};
use bedrock_ops_testkit::testbed::processor::{Account, Testbed, recent_event as event};
use notification_processor::{Report, RunMode};
use serde_json::Value;

const DELAYS: [Duration; 2] = [Duration::from_millis(500), Duration::from_secs(1)];
const THROTTLES: &str = "throttles-alarm.json";
const SERVER_ERRORS: &str = "server-errors-alarm.json";

fn account() -> Account {
    Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0)
}

/// The processor's debug bootstrap, run as Lambda runs it, with the stack's environment pointed at the
/// emulator.
fn bootstrap(testbed: &Testbed, name: &str) -> Bootstrap {
    let env: Vec<(String, String)> = testbed
        .cli_env()
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
    let log = std::env::temp_dir().join(format!("async-retry-{name}-{}.log", std::process::id()));
    Bootstrap::start(
        Path::new(env!("CARGO_BIN_EXE_notification-processor")),
        "notification-processor",
        &env,
        &log,
    )
    .expect("the bootstrap starts")
}

/// The transition key of a fixture, as a simulation (which writes nothing) reports it.
async fn key_of(testbed: &Testbed, fixture: &str) -> String {
    let reports = testbed
        .processor()
        .handle(
            &event(fixture),
            bedrock_ops_aws::clock::now_epoch(),
            RunMode::Simulate,
        )
        .await
        .expect("simulated");
    match &reports[0] {
        Report::Handled(decision) => decision.key.clone(),
        other => panic!("{other:?}"),
    }
}

fn error_types(answers: &[Answer]) -> Vec<String> {
    answers
        .iter()
        .map(|answer| match answer {
            Answer::Response(_) => "response".to_owned(),
            Answer::Error(error) => error["errorType"].as_str().unwrap_or("?").to_owned(),
        })
        .collect()
}

/// Puts the destination record in the dead-letter queue, as Lambda does, then follows the runbook: receive
/// it (keeping the receipt handle), replay its `requestPayload`, delete it.
async fn replay_the_dead_letter(testbed: &Testbed, record: &Value) -> Vec<Report> {
    let queue = testbed.dead_letter_queue();
    testbed
        .emulator
        .send_message(&queue, &record.to_string())
        .unwrap();
    let message = testbed
        .emulator
        .receive_message(&queue, 300)
        .unwrap()
        .expect("the dead letter is in the queue");
    let dead_letter: Value = serde_json::from_str(&message.body).unwrap();
    let reports = testbed
        .processor()
        .handle(
            &dead_letter["requestPayload"],
            bedrock_ops_aws::clock::now_epoch(),
            RunMode::Live,
        )
        .await
        .expect("the replay handles it");
    testbed
        .emulator
        .delete_message(&queue, &message.receipt_handle)
        .unwrap();
    assert_eq!(testbed.emulator.queue_depth(&queue).unwrap(), 0);
    reports
}

fn requests_per_quota(testbed: &Testbed) -> Vec<usize> {
    let mut per_quota = std::collections::BTreeMap::<String, usize>::new();
    for (code, _) in testbed.quota_requests() {
        *per_quota.entry(code).or_default() += 1;
    }
    per_quota.into_values().collect()
}

#[test]
fn an_email_refused_for_good_ends_in_the_dead_letter_queue_with_the_reason_and_its_replay_sends_it_once()
 {
    Testbed::run(&account(), |testbed| async move {
        let key = key_of(&testbed, THROTTLES).await;
        testbed
            .emulator
            .add_fault(&Fault::error("sns", "Publish", "AuthorizationError", 403))
            .unwrap();
        let mut lambda = bootstrap(&testbed, "email-refused");

        let invocation = invoke_async(&mut lambda, &event(THROTTLES), DELAYS, |_| {}).unwrap();

        assert_eq!(
            error_types(&invocation.answers),
            ["NonRetryable", "NonRetryable", "NonRetryable"],
            "Lambda retries a NonRetryable error too"
        );
        let Ending::RetriesExhausted { record } = &invocation.ending else {
            panic!("{:?}", invocation.ending)
        };
        let reason = record["responsePayload"]["errorMessage"].as_str().unwrap();
        assert!(
            reason.contains("publishing") && reason.contains("access denied"),
            "{reason}"
        );
        assert_eq!(record["requestContext"]["condition"], "RetriesExhausted");
        assert!(testbed.emails().is_empty());
        assert_eq!(
            requests_per_quota(&testbed),
            [1, 1],
            "filed once, not thrice"
        );
        let item = testbed.ledger_record(&key).await.unwrap();
        assert_eq!(
            item.status,
            LedgerStatus::InProgress,
            "never done without its e-mail"
        );

        // The topic policy is fixed; the operator replays the dead letter.
        testbed.emulator.clear_faults().unwrap();
        let reports = replay_the_dead_letter(&testbed, record).await;

        assert!(matches!(reports[0], Report::Resumed { .. }), "{reports:?}");
        assert_eq!(testbed.emails().len(), 1);
        assert_eq!(requests_per_quota(&testbed), [1, 1]);
        let item = testbed.ledger_record(&key).await.unwrap();
        assert_eq!(item.status, LedgerStatus::Done);
        println!("e-mail refused: {reason}; replayed: one e-mail");
    });
}

#[test]
fn an_email_throttled_then_accepted_is_sent_once_by_lambdas_retry() {
    Testbed::run(&account(), |testbed| async move {
        testbed
            .emulator
            .add_fault(&Fault::error("sns", "Publish", "Throttling", 400))
            .unwrap();
        let mut lambda = bootstrap(&testbed, "email-throttled");

        let invocation = invoke_async(&mut lambda, &event(THROTTLES), DELAYS, |_| {
            testbed.emulator.clear_faults().unwrap();
        })
        .unwrap();

        assert_eq!(error_types(&invocation.answers), ["Retryable", "response"]);
        let Ending::Succeeded { attempt, response } = &invocation.ending else {
            panic!("{:?}", invocation.ending)
        };
        assert_eq!(*attempt, 2);
        assert_eq!(response["transitions"][0]["result"], "resumed");
        assert_eq!(testbed.emails().len(), 1);
        assert_eq!(
            requests_per_quota(&testbed),
            [1, 1],
            "the retry files nothing"
        );
    });
}

#[test]
fn a_case_throttled_throughout_is_handled_once_with_the_case_recorded_as_failed() {
    Testbed::run(&account(), |testbed| async move {
        let key = key_of(&testbed, SERVER_ERRORS).await;
        testbed
            .emulator
            .add_fault(&Fault::error(
                "support",
                "CreateCase",
                "ThrottlingException",
                400,
            ))
            .unwrap();
        let mut lambda = bootstrap(&testbed, "case-throttled");

        let invocation = invoke_async(&mut lambda, &event(SERVER_ERRORS), DELAYS, |_| {}).unwrap();

        let Ending::Succeeded { attempt, response } = &invocation.ending else {
            panic!("{:?}", invocation.ending)
        };
        assert_eq!(*attempt, 1, "no Lambda retry: the e-mail says what failed");
        assert_eq!(response["transitions"][0]["result"], "handled");
        let emails = testbed.emails();
        assert_eq!(emails.len(), 1);
        assert!(
            emails[0].message.contains("Not filed"),
            "{}",
            emails[0].message
        );
        assert!(testbed.our_cases().is_empty());
        let item = testbed.ledger_record(&key).await.unwrap();
        assert_eq!(item.status, LedgerStatus::Done);
        let steps = &item.outcome.unwrap()["steps"];
        assert_eq!(steps[0]["step"], "case");
        assert_eq!(steps[0]["status"], "failed");
        assert_eq!(steps[0]["reason"], "throttled");
        assert_eq!(steps[1]["status"], "succeeded", "{steps}");
    });
}

#[test]
fn a_quota_request_denied_is_handled_once_by_the_support_case_fallback() {
    Testbed::run(&account(), |testbed| async move {
        testbed
            .emulator
            .add_fault(&Fault::error(
                "servicequotas",
                "RequestServiceQuotaIncrease",
                "AccessDeniedException",
                400,
            ))
            .unwrap();
        let mut lambda = bootstrap(&testbed, "quota-denied");

        let invocation = invoke_async(&mut lambda, &event(THROTTLES), DELAYS, |_| {}).unwrap();

        let Ending::Succeeded { attempt, .. } = &invocation.ending else {
            panic!("{:?}", invocation.ending)
        };
        assert_eq!(*attempt, 1);
        assert_eq!(testbed.our_cases().len(), 1, "the Quota Request case");
        assert_eq!(testbed.emails().len(), 1);
    });
}

#[test]
fn a_ledger_that_refuses_every_write_sends_the_event_to_the_dead_letter_queue_and_its_replay_handles_it_once()
 {
    Testbed::run(&account(), |testbed| async move {
        for operation in ["TransactWriteItems", "UpdateItem", "PutItem"] {
            testbed
                .emulator
                .add_fault(&Fault::error(
                    "dynamodb",
                    operation,
                    "AccessDeniedException",
                    400,
                ))
                .unwrap();
        }
        let mut lambda = bootstrap(&testbed, "ledger-denied");

        let invocation = invoke_async(&mut lambda, &event(THROTTLES), DELAYS, |_| {}).unwrap();

        assert_eq!(
            error_types(&invocation.answers),
            ["NonRetryable", "NonRetryable", "NonRetryable"]
        );
        let reason = invocation.ending.error().unwrap()["errorMessage"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(reason.contains("claiming the transition"), "{reason}");
        assert!(
            testbed.quota_requests().is_empty(),
            "nothing filed unclaimed"
        );
        assert!(testbed.emails().is_empty());
        let Ending::RetriesExhausted { record } = &invocation.ending else {
            unreachable!()
        };

        testbed.emulator.clear_faults().unwrap();
        let reports = replay_the_dead_letter(&testbed, record).await;

        assert!(matches!(reports[0], Report::Handled(_)), "{reports:?}");
        assert_eq!(testbed.emails().len(), 1);
        assert_eq!(requests_per_quota(&testbed), [1, 1]);
    });
}
