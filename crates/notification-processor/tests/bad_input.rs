//! Malformed and hostile events: the corpus under `tests/fixtures/bad-events/` and a property test of the
//! parsing. Never a panic; a NonRetryable error that says what is wrong, or a clear outcome (ignored, or one
//! e-mail per alarm); nothing filed for another stack's alarm.
//!
//! Corpus files are named by the outcome they must get: `reject-*` a NonRetryable error, `ignore-*` nothing
//! done and nothing sent, `email-*` one e-mail per transition and nothing filed (the fakes hold no settings,
//! so nothing can be filed).

use std::path::PathBuf;

use bedrock_ops_aws::diagnostic::Classified;
use bedrock_ops_aws::ledger::memory::MemoryLedger;
use bedrock_ops_aws::metrics::memory::MemoryUsageMetrics;
use bedrock_ops_aws::notify::memory::MemoryNotifier;
use bedrock_ops_aws::parameters::memory::MemoryParameters;
use bedrock_ops_aws::queue::memory::MemoryQueue;
use bedrock_ops_aws::quotas::memory::MemoryQuotas;
use bedrock_ops_aws::support::memory::MemorySupport;
use bedrock_ops_testkit::fixtures::{MODEL_ID, RPM_CODE, TPM_CODE};
use notification_processor::event::{messages, transition};
use notification_processor::{Config, Need, Ports, Processor, ProcessorError, Report, RunMode};
use proptest::prelude::*;
use serde_json::{Value, json};

type Fakes = Processor<
    MemoryParameters,
    MemoryUsageMetrics,
    MemoryQuotas,
    MemorySupport,
    MemoryNotifier,
    MemoryLedger,
    MemoryQueue,
>;

fn processor() -> Fakes {
    let config = Config::from_lookup(Need::Everything, |name| {
        Some(
            match name {
                "CUSTOMER_NAME" => "Acme",
                "BEDROCK_MODEL_NAME" => "Opus-4-6",
                "BEDROCK_MODEL_ID" => MODEL_ID,
                "REQUESTS_PER_MINUTE_QUOTA_CODE" => RPM_CODE,
                "TOKENS_PER_MINUTE_QUOTA_CODE" => TPM_CODE,
                "FORMATTED_TOPIC_ARN" => "arn:aws:sns:us-east-1:123456789012:formatted",
                "LEDGER_TABLE_NAME" => "ledger",
                _ => return None,
            }
            .to_owned(),
        )
    })
    .unwrap();
    let ports = Ports {
        parameters: MemoryParameters::new(),
        metrics: MemoryUsageMetrics::new(),
        quotas: MemoryQuotas::new(),
        support: MemorySupport::new(),
        notifier: MemoryNotifier::new(),
        ledger: MemoryLedger::new(),
        follow_ups: MemoryQueue::new(),
    };
    Processor::new(ports, config, "us-east-1")
}

fn corpus() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bad-events");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// What the Lambda runtime does with an input that is not JSON: it never reaches the handler, the invocation
/// fails as malformed. Here the text is handed in as a JSON string instead, which the handler must refuse.
fn input(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

async fn check(name: &str, text: &str) {
    let processor = processor();
    let result = processor
        .handle(&input(text), 1_777_906_400, RunMode::Live)
        .await;
    let ports = processor.ports();
    let filed = ports.quotas.requests().len() + ports.support.cases().len();
    let sent = ports.notifier.published().len();
    let verdict = match &result {
        Ok(reports) => format!("{} report(s), {sent} e-mail(s)", reports.len()),
        Err(error) => format!("{}: {error}", error.error_type()),
    };
    println!("{name}: {}", verdict.chars().take(200).collect::<String>());
    assert_eq!(filed, 0, "{name}: something was filed");
    if name.starts_with("reject-") {
        let error: &ProcessorError = result
            .as_ref()
            .err()
            .unwrap_or_else(|| panic!("{name}: accepted"));
        assert!(!error.is_retryable(), "{name}: {error}");
        assert!(matches!(error, ProcessorError::Event(_)), "{name}: {error}");
        assert!(
            error.to_string().len() < 2_000,
            "{name}: the message echoes the input"
        );
        assert_eq!(sent, 0, "{name}");
    } else if name.starts_with("ignore-") {
        let reports = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            reports.iter().all(|r| matches!(r, Report::Ignored { .. })),
            "{name}: {reports:?}"
        );
        assert_eq!(sent, 0, "{name}");
    } else if name.starts_with("email-") {
        let reports = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            reports.iter().all(|r| matches!(r, Report::Handled(_))),
            "{name}: {reports:?}"
        );
        assert_eq!(sent, reports.len(), "{name}: one e-mail per transition");
        for message in ports.notifier.published() {
            assert!(
                message.body.len() < 20_000,
                "{name}: e-mail of {} bytes",
                message.body.len()
            );
        }
    } else {
        panic!("{name}: corpus files start with reject-, ignore- or email-");
    }
}

#[tokio::test]
async fn every_bad_event_of_the_corpus_gets_its_named_outcome() {
    let corpus = corpus();
    assert!(corpus.len() >= 30, "{} files", corpus.len());
    for (name, text) in &corpus {
        check(name, text).await;
    }
}

/// A valid alarm message of this stack, as CloudWatch writes it.
fn valid_message() -> Value {
    let name = "Acme-Bedrock-Throttles-Critical-Opus-4-6";
    json!({
        "AlarmName": name,
        "AlarmArn": format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"),
        "NewStateValue": "ALARM",
        "OldStateValue": "OK",
        "NewStateReason": "Threshold Crossed",
        "StateChangeTime": "2026-05-04T14:52:48.069+0000",
        "Trigger": {"Namespace": "AWS/Bedrock"},
    })
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const FIELDS: [&str; 7] = [
    "AlarmName",
    "AlarmArn",
    "NewStateValue",
    "OldStateValue",
    "NewStateReason",
    "StateChangeTime",
    "Trigger",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any JSON at all as the event: an answer, never a panic.
    #[test]
    fn any_json_event_parses_or_is_refused(event in any_json()) {
        if let Ok(messages) = messages(&event) {
            for (index, message) in messages.iter().enumerate() {
                let _ = transition(index, message, "Acme", "Opus-4-6");
            }
        }
    }

    /// Any text as the SNS message.
    #[test]
    fn any_message_text_parses_or_is_refused(text in ".{0,300}") {
        let _ = transition(0, &text, "Acme", "Opus-4-6");
    }

    /// A valid message with one field replaced by anything: either refused, or still this stack's alarm.
    #[test]
    fn a_mutated_message_is_refused_or_stays_this_stacks(field in 0..FIELDS.len(), value in any_json()) {
        let mut message = valid_message();
        message[FIELDS[field]] = value;
        if let Ok(t) = transition(0, &message.to_string(), "Acme", "Opus-4-6") {
            prop_assert!(t.alarms.iter().all(|a| a.name.to_string() == "Acme-Bedrock-Throttles-Critical-Opus-4-6"));
        }
    }

    /// Another stack's alarm name (any customer or model but ours) is always refused.
    #[test]
    fn another_stacks_alarm_is_always_refused(customer in "[A-Za-z0-9-]{1,10}", model in "[A-Za-z0-9-]{1,15}") {
        prop_assume!(customer != "Acme" || model != "Opus-4-6");
        let mut message = valid_message();
        message["AlarmName"] = json!(format!("{customer}-Bedrock-Throttles-Critical-{model}"));
        prop_assert!(transition(0, &message.to_string(), "Acme", "Opus-4-6").is_err());
    }
}
