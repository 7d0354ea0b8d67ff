//! Redelivery and concurrency against the emulated AWS: SNS and Lambda deliver at least once, and the alarms of
//! one model often fire together. Whatever the interleaving, each quota gets one increase request, each case
//! category one case (later alarms append), each transition one e-mail, and the ledger holds one `done` record
//! per transition. The ledger items are printed (`--nocapture`) as the audit trail of each run.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use bedrock_ops_aws::Ledger;
use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_aws::diagnostic::Classified;
use bedrock_ops_aws::ledger::LedgerStatus;
use bedrock_ops_testkit::testbed::processor::{Account, LEDGER_TABLE, RPM_CODE, TPM_CODE, Testbed};
use notification_processor::{ProcessorError, Report, RunMode, SdkProcessor};
use serde_json::{Value, json};

const KINDS: [(&str, &str); 10] = [
    ("ClientErrors", "Critical"),
    ("ServerErrors", "Critical"),
    ("Throttles", "Critical"),
    ("HighInvocationRate", "Warning"),
    ("HighTPMQuotaUsage", "Warning"),
    ("HighLatency", "Warning"),
    ("InvocationAnomaly", "Warning"),
    ("InputTokenAnomaly", "Warning"),
    ("OutputTokenAnomaly", "Warning"),
    ("LatencyAnomaly", "Warning"),
];

/// Usage near both quotas, so quota alarms ask for increases.
fn account() -> Account {
    Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0)
}

fn sns_event(kind: &str, severity: &str, time: &str) -> Value {
    let name = format!("Acme-Bedrock-{kind}-{severity}-Opus-4-6");
    let message = json!({
        "AlarmName": name,
        "AlarmArn": format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"),
        "AWSAccountId": "123456789012",
        "NewStateValue": "ALARM",
        "OldStateValue": "OK",
        "NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints was greater than the threshold.",
        "StateChangeTime": time,
        "Region": "US East (N. Virginia)",
        "Trigger": {"Namespace": "AWS/Bedrock", "MetricName": "Invocations"},
    });
    json!({"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": format!("m-{kind}"), "Message": message.to_string()}}]})
}

async fn deliver(processor: &SdkProcessor, event: &Value) -> Result<Report, ProcessorError> {
    processor
        .handle(event, now_epoch(), RunMode::Live)
        .await
        .map(|mut reports| reports.remove(0))
}

/// Runs `deliveries` concurrently on the multi-thread runtime, then re-delivers every one that failed with a
/// retryable error (what Lambda does), until none is left. Returns the first answer of each delivery (an
/// error as text).
async fn deliver_concurrently(
    processor: &SdkProcessor,
    events: Vec<Value>,
) -> Vec<Result<Report, String>> {
    let processor = Arc::new(processor.clone());
    let tasks: Vec<_> = events
        .into_iter()
        .map(|event| {
            let processor = Arc::clone(&processor);
            tokio::spawn(async move {
                let first = deliver(&processor, &event).await;
                let answer = first
                    .as_ref()
                    .map(Clone::clone)
                    .map_err(ToString::to_string);
                let mut result = first;
                let mut retries = 0;
                while let Err(error) = &result {
                    assert!(error.is_retryable(), "not retryable: {error}");
                    retries += 1;
                    assert!(retries < 50, "still failing: {error}");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    result = deliver(&processor, &event).await;
                }
                answer
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("the delivery task does not panic"));
    }
    answers
}

/// Every ledger item, printed as the audit trail: key → (status, outcome).
async fn ledger_items(testbed: &Testbed) -> BTreeMap<String, (String, Value)> {
    let scan = aws_sdk_dynamodb::Client::new(&testbed.sdk)
        .scan()
        .table_name(LEDGER_TABLE)
        .send()
        .await
        .expect("ledger scan");
    let text = |item: &std::collections::HashMap<String, AttributeValue>, name: &str| match item
        .get(name)
    {
        Some(AttributeValue::S(text)) => text.clone(),
        _ => String::new(),
    };
    let items: BTreeMap<String, (String, Value)> = scan
        .items()
        .iter()
        .map(|item| {
            let outcome = serde_json::from_str(&text(item, "outcome")).unwrap_or(Value::Null);
            (text(item, "pk"), (text(item, "status"), outcome))
        })
        .collect();
    for (key, (status, outcome)) in &items {
        let actions: Vec<String> = outcome["actions"]
            .as_array()
            .map(|actions| {
                actions
                    .iter()
                    .map(|a| {
                        format!(
                            "{}{}",
                            a["type"].as_str().unwrap_or("?"),
                            a["quota_code"]
                                .as_str()
                                .map(|c| format!("({c})"))
                                .unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        println!(
            "ledger {key}: {status}, email {}, actions {actions:?}",
            outcome["email"]["status"].as_str().unwrap_or("-")
        );
    }
    items
}

/// Quota requests filed, per quota code.
fn requests_per_quota(testbed: &Testbed) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for request in testbed.emulator.quota_requests().unwrap() {
        *counts.entry(request.quota_code).or_insert(0) += 1;
    }
    counts
}

/// Our Support cases, per subject, with how many communications each holds (the first one is the case body).
fn cases_per_subject(testbed: &Testbed) -> BTreeMap<String, Vec<usize>> {
    let mut cases: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for case in testbed.emulator.support_cases().unwrap() {
        if case.subject.contains("Bedrock Ops Alert") {
            cases
                .entry(case.subject)
                .or_default()
                .push(case.communications.len());
        }
    }
    cases
}

fn transition_items(
    items: &BTreeMap<String, (String, Value)>,
) -> BTreeMap<&String, &(String, Value)> {
    items
        .iter()
        .filter(|(key, _)| !key.starts_with("case-lock|"))
        .collect()
}

#[test]
fn the_same_message_delivered_100_times_in_a_row_files_once_and_emails_once() {
    Testbed::run(&account(), |testbed| async move {
        let processor = testbed.processor();
        let event = sns_event("Throttles", "Critical", "2026-05-04T14:52:48.069+0000");

        let mut handled = 0;
        for delivery in 0..100 {
            match deliver(&processor, &event).await.expect("delivered") {
                Report::Handled(_) => handled += 1,
                Report::AlreadyHandled { .. } => {}
                other => panic!("delivery {delivery}: {other:?}"),
            }
        }

        assert_eq!(handled, 1);
        assert_eq!(testbed.emails().len(), 1);
        assert_eq!(
            requests_per_quota(&testbed),
            BTreeMap::from([(RPM_CODE.to_owned(), 1), (TPM_CODE.to_owned(), 1)])
        );
        let items = ledger_items(&testbed).await;
        let transitions = transition_items(&items);
        assert_eq!(transitions.len(), 1, "{items:?}");
        let (status, outcome) = transitions.values().next().unwrap();
        assert_eq!(status, "done");
        assert_eq!(outcome["actions"].as_array().unwrap().len(), 2);
        assert_eq!(
            outcome["actions"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["type"] == "quota_request")
                .count(),
            2,
            "{outcome}"
        );
        // The other 99 deliveries only read the claim.
        let filings = testbed
            .calls()
            .iter()
            .filter(|c| c.operation == "RequestServiceQuotaIncrease" || c.operation == "Publish")
            .count();
        assert_eq!(filings, 3);
    });
}

#[test]
fn the_same_message_delivered_100_times_at_once_files_once_and_emails_once() {
    Testbed::run_multi_thread(&account(), |testbed| async move {
        let processor = testbed.processor();
        let event = sns_event("Throttles", "Critical", "2026-05-04T14:52:48.069+0000");

        let answers = deliver_concurrently(&processor, vec![event.clone(); 100]).await;

        let handled = answers
            .iter()
            .filter(|a| matches!(a, Ok(Report::Handled(_))))
            .count();
        let busy = answers
            .iter()
            .filter(|a| matches!(a, Err(e) if e.contains("being handled by another invocation")))
            .count();
        println!(
            "100 concurrent deliveries: {handled} handled, {busy} answered 'in progress' (retried by Lambda), {} already handled",
            100 - handled - busy
        );
        assert_eq!(handled, 1, "{answers:?}");
        assert_eq!(testbed.emails().len(), 1);
        assert_eq!(
            requests_per_quota(&testbed),
            BTreeMap::from([(RPM_CODE.to_owned(), 1), (TPM_CODE.to_owned(), 1)])
        );
        let items = ledger_items(&testbed).await;
        let transitions = transition_items(&items);
        assert_eq!(transitions.len(), 1);
        assert_eq!(transitions.values().next().unwrap().0, "done");
        // A late redelivery (after every retry settled) is answered from the ledger.
        assert!(matches!(
            deliver(&processor, &event).await,
            Ok(Report::AlreadyHandled { .. })
        ));
        let record = processor
            .ports()
            .ledger
            .get(transitions.keys().next().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.status, LedgerStatus::Done);
        assert_eq!(record.attempts, 1, "only one delivery ever owned the claim");
    });
}

/// The race this guards against: every alarm lists the open cases before any of them creates one, so without
/// the case lock two alarms of one category would both open a case.
#[test]
fn ten_alarms_of_one_model_at_once_file_one_request_per_quota_one_case_per_category_and_ten_emails()
{
    Testbed::run_multi_thread(&account(), |testbed| async move {
        let processor = testbed.processor();
        let events = KINDS
            .iter()
            .map(|(kind, severity)| sns_event(kind, severity, "2026-05-04T14:52:48.069+0000"))
            .collect();

        let answers = deliver_concurrently(&processor, events).await;

        assert!(
            answers.iter().all(|a| matches!(a, Ok(Report::Handled(_)))),
            "{answers:?}"
        );
        assert_eq!(testbed.emails().len(), 10, "one e-mail per transition");
        let requests = requests_per_quota(&testbed);
        assert!(requests.values().all(|&n| n == 1), "{requests:?}");
        let cases = cases_per_subject(&testbed);
        println!("cases (communications per case): {cases:?}");
        assert!(cases.values().all(|c| c.len() == 1), "{cases:?}");
        let items = ledger_items(&testbed).await;
        let transitions = transition_items(&items);
        assert_eq!(transitions.len(), 10);
        assert!(transitions.values().all(|(status, _)| status == "done"));
        // Each decision's case filing names the one case of its category.
        let mut case_ids: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
        let mut created = 0;
        for (_, outcome) in transitions.values() {
            for action in outcome["actions"].as_array().unwrap() {
                if action["type"] == "support_case" {
                    created += 1;
                }
                // Appends to an open quota request go to that request's own case (one per quota).
                if let (Some(category), Some(id), None) = (
                    action["category"].as_str(),
                    action["case_id"].as_str(),
                    action["quota_code"].as_str(),
                ) && !id.is_empty()
                {
                    case_ids
                        .entry(category.to_owned())
                        .or_default()
                        .insert(id.to_owned());
                }
                assert!(
                    !action["message"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("same moment"),
                    "the lock made an alarm give up: {action}"
                );
                // An alarm that appends to the case another one just opened names it by display id too (the
                // holder records the case before it has read the display id).
                if action["case_id"].as_str().is_some_and(|id| !id.is_empty()) {
                    assert!(
                        action["display_id"].as_str().is_some_and(|d| !d.is_empty()),
                        "a case without its display id: {action}"
                    );
                }
            }
        }
        println!("cases named per category: {case_ids:?}");
        assert!(case_ids.values().all(|ids| ids.len() == 1), "{case_ids:?}");
        assert!(created <= cases.len(), "{created} created, {cases:?}");
    });
}
