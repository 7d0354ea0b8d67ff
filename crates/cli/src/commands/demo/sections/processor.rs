//! Section 5: the notification processor handles the alarm message, wrapped in the SNS event SNS would
//! hand Lambda. With `--lambda-runtime` the event goes through `cargo lambda watch` to the
//! notification-processor binary itself (its `main`, configuration from the environment, the
//! `lambda_runtime` loop); otherwise to the same handler in this process. Either way the function is
//! configured from exactly the environment template.yaml gives it. The section shows the decision as the
//! Lambda reports it, and reads the ledger back: it is what makes a redelivery file nothing twice.

use std::io::Write;

use bedrock_ops_aws::Ledger;
use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_core::messages::format::utc;
use bedrock_ops_testkit::emulator::{REGION, SnsMessage};
use notification_processor::{Config, Need, RunMode, lambda_response};
use serde::Serialize;
use serde_json::{Value, json};

use super::Facts;
use crate::commands::demo::Demo;
use crate::commands::demo::runtime;
use crate::commands::demo::show::{Show, number};
use crate::commands::demo::stack::scalar;
use crate::commands::demo::step::{Step, failed};

/// The processor's one transition, which is the document's `decision` as it is.
#[derive(Serialize)]
#[serde(transparent)]
pub struct ProcessorFacts {
    /// The transition as the Lambda reports it (`lambda_response`): the CLI's decision contract.
    pub transition: Value,
    #[serde(skip)]
    pub delivered: Delivered,
    /// The ledger's record of the transition, read back.
    #[serde(skip)]
    pub ledger: LedgerEntry,
    /// The TPM increase the processor filed, which the updater's section approves.
    #[serde(skip)]
    pub tpm_request_id: String,
}

/// The ledger's record of a transition.
pub struct LedgerEntry {
    pub status: String,
    /// The steps the record holds, by name.
    pub steps: Vec<String>,
}

/// How the event reached the handler.
pub enum Delivered {
    /// Through `cargo lambda watch`, whose invoke and runtime APIs listened at this address.
    LambdaRuntime {
        address: String,
    },
    InProcess,
}

pub async fn run(demo: &Demo<'_>, raw: &SnsMessage) -> Step<ProcessorFacts> {
    let mut env = demo.stack.function_environment("notification-processor")?;
    // Set by the Lambda runtime, not the template.
    env.insert(
        notification_processor::config::AWS_REGION.to_owned(),
        REGION.to_owned(),
    );
    let event = sns_event(raw);
    // One transition as the Lambda reports it (`lambda_response`), the e-mail body left out.
    let (transition, delivered) = if demo.lambda_runtime {
        let mut process_env = env.clone();
        process_env.extend(lambda_env(demo, "NotificationProcessorFunction")?);
        process_env.extend(emulator_env(demo));
        // Stopped when it goes out of scope, before the section's facts are shown.
        let mut watch = runtime::Watch::start("notification-processor", &process_env)?;
        let response = watch.invoke(&event)?;
        (
            one_transition(&response)?,
            Delivered::LambdaRuntime {
                address: watch.address(),
            },
        )
    } else {
        let config = Config::from_lookup(Need::Everything, |name| env.get(name).cloned())
            .map_err(|e| e.to_string())?;
        let processor = notification_processor::sdk_processor(&demo.clients, config, REGION);
        let reports = processor
            .handle(&event, now_epoch(), RunMode::Live)
            .await
            .map_err(failed("the notification processor"))?;
        (
            one_transition(&lambda_response(&reports))?,
            Delivered::InProcess,
        )
    };
    if transition["result"] != "handled" {
        return Err(format!("the processor did not act: {transition}"));
    }
    let key = scalar(&transition["key"]);
    let ledger = demo
        .clients
        .ledger(
            env.get(notification_processor::config::LEDGER_TABLE_NAME)
                .cloned()
                .unwrap_or_default(),
        )
        .get(&key)
        .await
        .map_err(failed("reading the ledger"))?
        .ok_or("the ledger holds no record of the transition")?;
    let tpm_code = demo.stack.parameter("TokensPerMinuteQuotaCode")?;
    let tpm_request_id = transition["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["type"] == "quota_request" && a["quota_code"] == tpm_code)
        .map(|a| scalar(&a["request_id"]))
        .ok_or("the processor filed no TPM quota increase request")?;
    Ok(ProcessorFacts {
        transition,
        delivered,
        ledger: LedgerEntry {
            status: ledger.status.as_str().to_owned(),
            steps: ledger.steps.into_keys().collect(),
        },
        tpm_request_id,
    })
}

impl Facts for ProcessorFacts {
    const HEADING: &'static str = "The notification processor handles it";

    fn show<W: Write>(&self, show: &mut Show<'_, W>) -> std::io::Result<()> {
        let transition = &self.transition;
        show.field(
            "Delivered",
            match &self.delivered {
                Delivered::LambdaRuntime { address } => format!(
                    "the raw topic's message in an SNS event (Records[0].Sns), invoked through `cargo lambda \
                     watch` (Lambda's invoke and runtime APIs, at {address}) on the notification-processor \
                     binary: its main and the lambda_runtime loop, with only the environment template.yaml \
                     gives the function, Lambda's own variables and the emulator's endpoint"
                ),
                Delivered::InProcess => "the raw topic's message in an SNS event (Records[0].Sns), to the \
                                         handler the Lambda's main runs (in this process), configured from \
                                         the environment template.yaml gives the function"
                    .to_owned(),
            },
        )?;
        let scenario = match transition["expedited"].as_bool() {
            Some(true) => format!("{} (expedited)", scalar(&transition["scenario"])),
            _ => scalar(&transition["scenario"]),
        };
        show.field(
            "Decision",
            format!(
                "class {}, scenario {scenario}, severity {}",
                scalar(&transition["class"]),
                scalar(&transition["severity"])
            ),
        )?;
        let lines: Vec<String> = transition["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(describe_action)
            .collect();
        show.field("Actions", lines.join("\n"))?;
        show.field(
            "Ledger",
            format!(
                "{}: {}, steps {} (a redelivery of this message files nothing again)",
                scalar(&transition["key"]),
                self.ledger.status,
                self.ledger.steps.join(", ")
            ),
        )?;
        show.field(
            "E-mail",
            format!(
                "{}: \"{}\"",
                scalar(&transition["email"]["status"]),
                scalar(&transition["email"]["subject"])
            ),
        )
    }
}

/// What the Lambda service sets from the function's configuration (SAM Globals included).
fn lambda_env(demo: &Demo<'_>, logical_id: &str) -> Step<[(String, String); 3]> {
    let property = |path: &[&str]| {
        demo.stack
            .function_property(logical_id, path)
            .map(|v| scalar(&v))
    };
    Ok([
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".to_owned(),
            property(&["MemorySize"])?,
        ),
        (
            "AWS_LAMBDA_LOG_FORMAT".to_owned(),
            property(&["LoggingConfig", "LogFormat"])?,
        ),
        (
            "AWS_LAMBDA_LOG_LEVEL".to_owned(),
            property(&["LoggingConfig", "ApplicationLogLevel"])?,
        ),
    ])
}

/// What points a separate process's SDK clients at the emulator.
fn emulator_env(demo: &Demo<'_>) -> [(String, String); 5] {
    [
        ("AWS_ENDPOINT_URL", demo.emulator.endpoint_url()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", REGION),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
}

/// The SNS → Lambda event for one message of the raw topic, as SNS builds it.
fn sns_event(message: &SnsMessage) -> Value {
    // Whole seconds are enough for the demo; SNS writes milliseconds.
    let timestamp = utc(message.timestamp as i64)
        .trim_end_matches(" UTC")
        .replacen(' ', "T", 1)
        + ".000Z";
    json!({
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": format!("{}:00000000-0000-4000-8000-00000000demo", message.topic_arn),
            "Sns": {
                "Type": "Notification",
                "MessageId": message.message_id,
                "TopicArn": message.topic_arn,
                "Subject": message.subject,
                "Message": message.message,
                "Timestamp": timestamp,
                "SignatureVersion": "1",
                "Signature": "EXAMPLE",
                "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-demo.pem",
                "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                "MessageAttributes": {}
            }
        }]
    })
}

/// The Lambda's answer for its only transition.
fn one_transition(response: &Value) -> Step<Value> {
    match response["transitions"].as_array().map(Vec::as_slice) {
        Some([transition]) => Ok(transition.clone()),
        _ => Err(format!(
            "expected one transition in the Lambda's answer: {response}"
        )),
    }
}

/// One action of the decision's JSON (the CLI contract: `type` and its fields) for people.
fn describe_action(action: &Value) -> String {
    let field = |name: &str| scalar(&action[name]);
    let count = |name: &str| action[name].as_f64().map(number).unwrap_or_default();
    match action["type"].as_str().unwrap_or("") {
        "quota_request" => format!(
            "{} increase requested: {} ({})\n  {} → {}, request {}{}",
            field("quota").to_uppercase(),
            field("quota_code"),
            field("quota_name"),
            count("current"),
            count("desired"),
            field("request_id"),
            action["display_id"]
                .as_str()
                .map(|id| format!(", Support case {id}"))
                .unwrap_or_default()
        ),
        "support_case" => format!(
            "Support case {} opened ({})",
            field("display_id"),
            field("category")
        ),
        "append" => format!(
            "appended to open Support case {} ({})",
            field("display_id"),
            field("category")
        ),
        _ => format!(
            "nothing filed: {}{}",
            field("reason"),
            action["message"]
                .as_str()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decision_in_the_document_is_the_lambdas_transition_as_it_is() {
        let transition = json!({
            "result": "handled", "class": "tpm", "scenario": "high_usage", "expedited": false,
            "severity": "warning", "key": "k",
            "actions": [{"type": "quota_request", "quota": "tpm", "quota_code": "L-T", "quota_name": "tokens",
                "current": 6_250_000, "desired": 7_812_500, "request_id": "r1"}],
            "email": {"status": "published", "subject": "s"}
        });
        let facts = ProcessorFacts {
            transition: transition.clone(),
            delivered: Delivered::InProcess,
            ledger: LedgerEntry {
                status: "done".to_owned(),
                steps: Vec::new(),
            },
            tpm_request_id: "r1".to_owned(),
        };
        assert_eq!(serde_json::to_value(&facts).unwrap(), transition);
        let text = crate::commands::demo::sections::narration(&facts);
        assert!(
            text.contains("Decision        class tpm, scenario high_usage, severity warning"),
            "{text}"
        );
        assert!(text.contains("6,250,000 → 7,812,500, request r1"), "{text}");
    }
}
