//! The runbook's recipes (docs/runbook.md, "When a step fails: who redoes it"), each followed command by
//! command against the local AWS emulator: the CLI binary as the operator runs it, the queue and the ledger
//! read the way the recipe's `aws` commands read them (their SQS and DynamoDB calls, with the same inputs),
//! and the recipe's `jq` steps done by the same paths in Rust (the test command does not install jq).
//! Named after the recipes.

use std::path::{Path, PathBuf};

use aws_sdk_dynamodb::types::AttributeValue;
use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_aws::ledger::LedgerStatus;
use bedrock_ops_testkit::emulator::Fault;
use bedrock_ops_testkit::testbed::processor::{
    Account, LEDGER_TABLE, Testbed, event, fixtures_dir,
};
use notification_processor::RunMode;
use serde_json::{Value, json};

mod common;
use common::{cli, json, succeeded};

const SERVER_ERRORS: &str = "server-errors-alarm.json";
const THROTTLES: &str = "throttles-alarm.json";

fn account() -> Account {
    Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0)
}

/// A working directory for the recipe's files.
fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("runbook-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, value: &Value) -> String {
    std::fs::write(path, value.to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

/// The recipe's `aws dynamodb scan` for transitions with a failed step: the keys it lists.
async fn keys_with_a_failed_step(testbed: &Testbed) -> Vec<String> {
    let scan = aws_sdk_dynamodb::Client::new(&testbed.sdk)
        .scan()
        .table_name(LEDGER_TABLE)
        .filter_expression("contains(outcome, :failed)")
        .expression_attribute_values(":failed", AttributeValue::S(r#""status":"failed""#.into()))
        .send()
        .await
        .expect("the ledger is scanned");
    scan.items()
        .iter()
        .filter_map(|item| item.get("pk")?.as_s().ok().cloned())
        .collect()
}

/// The recipe's `jq -n --arg key …`: a metric alarm's message rebuilt from its ledger key.
fn event_from_key(key: &str) -> Value {
    let mut parts = key.split('|');
    let (arn, state, time) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    json!({
        "AlarmName": arn.split(":alarm:").nth(1).unwrap(),
        "AlarmArn": arn,
        "NewStateValue": state,
        "OldStateValue": if state == "OK" { "ALARM" } else { "OK" },
        "StateChangeTime": time,
        "Trigger": {},
    })
}

#[test]
fn recipe_retry_failed_steps_files_the_throttled_case_once_without_a_second_email() {
    Testbed::run(&account(), |testbed| async move {
        let dir = workdir("retry-case");
        testbed
            .emulator
            .add_fault(&Fault::error(
                "support",
                "CreateCase",
                "ThrottlingException",
                400,
            ))
            .unwrap();
        let original = fixtures_dir()
            .join(SERVER_ERRORS)
            .to_string_lossy()
            .into_owned();
        let first = json(&cli(&testbed, &["process", "--event", &original, "--json"]));
        assert_eq!(first["actions"][0]["reason"], "throttled");
        assert_eq!(testbed.emails().len(), 1);
        testbed.emulator.clear_faults().unwrap();

        // The recipe: find the key, rebuild the event, retry.
        let keys = keys_with_a_failed_step(&testbed).await;
        assert_eq!(keys, [first["key"].as_str().unwrap()]);
        let event = write(&dir.join("event.json"), &event_from_key(&keys[0]));
        let retried = json(&cli(
            &testbed,
            &["process", "--event", &event, "--retry-failed", "--json"],
        ));

        assert_eq!(retried["result"], "retried");
        assert_eq!(retried["actions"][0]["type"], "support_case");
        assert!(
            retried["steps"]
                .as_array()
                .unwrap()
                .iter()
                .all(|step| step["status"] == "succeeded"),
            "{retried}"
        );
        assert_eq!(testbed.our_cases().len(), 1, "the case, once");
        assert_eq!(testbed.emails().len(), 1, "no second e-mail");
        assert!(keys_with_a_failed_step(&testbed).await.is_empty());

        let again = succeeded(&cli(
            &testbed,
            &["process", "--event", &event, "--retry-failed"],
        ));
        assert!(
            again.contains("nothing to retry, every step succeeded"),
            "{again}"
        );
        assert_eq!(testbed.our_cases().len(), 1);
    });
}

/// Lambda's three attempts of one event, each with the e-mail refused: what the on-failure destination gets.
async fn three_refused_attempts(testbed: &Testbed, fixture: &str) -> Value {
    testbed
        .emulator
        .add_fault(&Fault::error("sns", "Publish", "AuthorizationError", 403))
        .unwrap();
    let processor = testbed.processor();
    let mut error = None;
    for _ in 0..3 {
        error = processor
            .handle(&event(fixture), now_epoch(), RunMode::Live)
            .await
            .err();
    }
    let error = error.expect("every attempt fails");
    testbed.emulator.clear_faults().unwrap();
    json!({
        "version": "1.0",
        "requestContext": {"condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": event(fixture),
        "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
        "responsePayload": {"errorType": "NonRetryable", "errorMessage": error.to_string()},
    })
}

#[test]
fn recipe_replay_a_dead_letter() {
    Testbed::run(&account(), |testbed| async move {
        let dir = workdir("dead-letter");
        let record = three_refused_attempts(&testbed, THROTTLES).await;
        let queue = testbed.dead_letter_queue();
        testbed
            .emulator
            .send_message(&queue, &record.to_string())
            .unwrap();
        assert!(testbed.emails().is_empty());

        // aws sqs receive-message … > message.json: the whole message, receipt handle included.
        let received = testbed
            .emulator
            .receive_message(&queue, 300)
            .unwrap()
            .expect("a dead letter");
        let message = json!({"Messages": [{"Body": received.body, "ReceiptHandle": received.receipt_handle}]});
        write(&dir.join("message.json"), &message);
        // jq -r '.Messages[0].Body' message.json > dead-letter.json; jq '.requestPayload' … > event.json
        let dead_letter: Value =
            serde_json::from_str(message["Messages"][0]["Body"].as_str().unwrap()).unwrap();
        assert!(
            dead_letter["responsePayload"]["errorMessage"]
                .as_str()
                .unwrap()
                .contains("access denied")
        );
        let event = write(&dir.join("event.json"), &dead_letter["requestPayload"]);

        let simulated = succeeded(&cli(&testbed, &["simulate", "--event", &event]));
        assert!(
            simulated.contains("e-mail (not_published_simulation)"),
            "{simulated}"
        );
        let replayed = json(&cli(&testbed, &["process", "--event", &event, "--json"]));
        // aws sqs delete-message --receipt-handle "$(jq -r '.Messages[0].ReceiptHandle' message.json)"
        testbed
            .emulator
            .delete_message(
                &queue,
                message["Messages"][0]["ReceiptHandle"].as_str().unwrap(),
            )
            .unwrap();

        assert_eq!(replayed["result"], "resumed", "{replayed}");
        assert_eq!(testbed.emails().len(), 1, "the refused e-mail, once");
        assert_eq!(testbed.quota_requests().len(), 2, "nothing filed again");
        assert_eq!(testbed.emulator.queue_depth(&queue).unwrap(), 0);
        let key = replayed["key"].as_str().unwrap();
        let record = testbed.ledger_record(key).await.unwrap();
        assert_eq!(record.status, LedgerStatus::Done);
    });
}

#[test]
fn recipe_retry_failed_sends_a_refused_email_once() {
    Testbed::run(&account(), |testbed| async move {
        three_refused_attempts(&testbed, SERVER_ERRORS).await;
        assert_eq!(testbed.our_cases().len(), 1);
        let original = fixtures_dir()
            .join(SERVER_ERRORS)
            .to_string_lossy()
            .into_owned();

        let retried = json(&cli(
            &testbed,
            &["process", "--event", &original, "--retry-failed", "--json"],
        ));

        assert_eq!(retried["result"], "retried");
        assert_eq!(retried["email"]["status"], "published");
        assert_eq!(testbed.emails().len(), 1);
        assert_eq!(testbed.our_cases().len(), 1, "no second case");
    });
}

#[test]
fn recipe_retry_failed_without_a_record_says_so() {
    Testbed::run(&account(), |testbed| async move {
        let original = fixtures_dir()
            .join(THROTTLES)
            .to_string_lossy()
            .into_owned();

        let text = succeeded(&cli(
            &testbed,
            &["process", "--event", &original, "--retry-failed"],
        ));

        assert!(text.contains("no record to retry"), "{text}");
        assert!(text.contains("without --retry-failed"), "{text}");
        assert!(testbed.emails().is_empty());
        assert!(testbed.quota_requests().is_empty());
        let refused = cli(
            &testbed,
            &["simulate", "--event", &original, "--retry-failed"],
        );
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("--retry-failed"));
    });
}
