//! Seeding the local AWS emulator for the processor's integration tests, the benchmark and the CLI tests:
//! one stack (`Acme` / `Opus-4-6`) with its Parameter Store settings and thresholds as
//! the template and the calculator write them, its two quotas, a ledger table, the formatted topic, and
//! per-minute Bedrock metrics whose 14-day peaks are the ones a test asks for.
//!
//! Tests of one binary share one emulator and take turns: [`Testbed::run`] holds the turn, resets the
//! emulator, seeds an [`Account`] and runs the async test body on its own runtime.

use std::collections::BTreeMap;
use std::path::PathBuf;

use aws_config::SdkConfig;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_aws::{AwsClients, ParameterStore};
use bedrock_ops_core::settings::parameter_name;
use notification_processor::{Config, Need, Report, RunMode, SdkProcessor, config, sdk_processor};
use serde_json::Value;

use crate::emulator::{
    CallRecord, Emulator, REGION, SeedQuota, SnsMessage, SupportCase, take_turn,
};
use crate::fixtures::{RPM_NAME, TPM_NAME};
use crate::testbed::calculator::{SPLIT_INPUT_CODE, SPLIT_OUTPUT_CODE};

pub const CUSTOMER: &str = "Acme";
pub const MODEL: &str = "Opus-4-6";
/// The stack's model and quota codes are the blog example's.
pub use crate::fixtures::{MODEL_ID, RPM_CODE, TPM_CODE};
pub const TOPIC_NAME: &str = "Acme-Bedrock-Formatted-Opus-4-6";
pub const LEDGER_TABLE: &str = "Acme-Bedrock-Ledger-Opus-4-6";
pub const DEAD_LETTER_QUEUE: &str = "Acme-Bedrock-Notification-DLQ-Opus-4-6";
pub const FOLLOW_UP_QUEUE: &str = "Acme-Bedrock-Quota-FollowUp-Opus-4-6";
pub const QUOTA_SUBJECT: &str = "Acme - Bedrock Ops Alert - Opus-4-6 - Quota Request";
pub const INVESTIGATION_SUBJECT: &str =
    "Acme - Bedrock Ops Alert - Opus-4-6 - Investigation Request";

/// Minutes of traffic written before the peak minute; their values are half the peak.
const STEADY_MINUTES: i64 = 30;

/// What one test's account looks like.
#[derive(Debug, Clone)]
pub struct Account {
    pub rpm_quota: u64,
    pub tpm_quota: u64,
    pub tpm_adjustable: bool,
    /// 14-day peaks per minute; `None` writes no metrics at all (a new model).
    pub peaks: Option<(f64, f64)>,
    /// Parameter Store settings, key (relative to the stack path) → value.
    pub settings: BTreeMap<&'static str, String>,
    /// A model whose token limit is split: its input and output quotas (`tpm_quota` is then unused).
    pub split_tokens: Option<(u64, u64)>,
}

impl Account {
    /// Quotas at 80 % thresholds, automation on, default percents (25), every e-mail, live mode.
    pub fn new(rpm_quota: u64, tpm_quota: u64) -> Account {
        let settings = [
            ("enable-automated-support-case", "Yes"),
            ("requests-per-minute-increase-percent", "25"),
            ("tokens-per-minute-increase-percent", "25"),
            ("notification-preference", "all"),
            (
                "use-case-description",
                "Customer-support assistant for the EMEA contact centre",
            ),
            ("support-case-lookback-days", "60"),
            ("mode", "live"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect();
        Account {
            rpm_quota,
            tpm_quota,
            tpm_adjustable: true,
            peaks: None,
            settings,
            split_tokens: None,
        }
    }

    /// The model's token limit is an input and an output quota (the calculator's split codes of
    /// [`crate::testbed::calculator`], seeded with these values).
    pub fn split_tokens(mut self, input_quota: u64, output_quota: u64) -> Account {
        self.split_tokens = Some((input_quota, output_quota));
        self
    }

    pub fn peaks(mut self, rpm: f64, tpm: f64) -> Account {
        self.peaks = Some((rpm, tpm));
        self
    }

    pub fn setting(mut self, key: &'static str, value: &str) -> Account {
        self.settings.insert(key, value.to_owned());
        self
    }

    pub fn tpm_not_adjustable(mut self) -> Account {
        self.tpm_adjustable = false;
        self
    }

    /// Every Parameter Store value of the stack: the settings, and the 10 keys the calculator writes.
    fn parameters(&self) -> Vec<(&'static str, String)> {
        let threshold = |quota: u64| (quota * 80 / 100).to_string();
        let mut all: Vec<(&'static str, String)> =
            self.settings.iter().map(|(k, v)| (*k, v.clone())).collect();
        if let Some((input, output)) = self.split_tokens {
            // What the calculator writes for a split model.
            all.extend([
                (
                    "thresholds/rpm-threshold-calculated",
                    threshold(self.rpm_quota),
                ),
                ("thresholds/rpm-quota", self.rpm_quota.to_string()),
                ("thresholds/rpm-quota-code", RPM_CODE.to_owned()),
                (
                    "thresholds/input-tpm-threshold-calculated",
                    threshold(input),
                ),
                (
                    "thresholds/output-tpm-threshold-calculated",
                    threshold(output),
                ),
                ("thresholds/input-tpm-quota", input.to_string()),
                ("thresholds/output-tpm-quota", output.to_string()),
                (
                    "thresholds/input-tpm-quota-code",
                    SPLIT_INPUT_CODE.to_owned(),
                ),
                (
                    "thresholds/output-tpm-quota-code",
                    SPLIT_OUTPUT_CODE.to_owned(),
                ),
            ]);
            return all;
        }
        all.extend([
            (
                "thresholds/rpm-threshold-calculated",
                threshold(self.rpm_quota),
            ),
            (
                "thresholds/tpm-threshold-calculated",
                threshold(self.tpm_quota),
            ),
            ("thresholds/rpm-quota", self.rpm_quota.to_string()),
            ("thresholds/tpm-quota", self.tpm_quota.to_string()),
            ("thresholds/rpm-quota-code", RPM_CODE.to_owned()),
            ("thresholds/tpm-quota-code", TPM_CODE.to_owned()),
            ("thresholds/rpm-percent", "80".to_owned()),
            ("thresholds/tpm-percent", "80".to_owned()),
            ("thresholds/last-updated", "2026-05-01T09:00:00Z".to_owned()),
            (
                "thresholds/last-change",
                r#"{"at":"2026-05-01T09:00:00Z"}"#.to_owned(),
            ),
        ]);
        all
    }
}

/// A seeded emulator, held for one test.
pub struct Testbed {
    pub emulator: &'static Emulator,
    pub sdk: SdkConfig,
    pub topic_arn: String,
    /// The follow-up queue (moto's SQS), as the template's `FollowUpQueue`.
    pub queue_url: String,
    /// The stack passes split token quota codes (TPM `NA`).
    pub split_tokens: bool,
}

/// Seconds since the epoch, on a minute boundary.
pub fn this_minute() -> i64 {
    let now = now_epoch();
    now - now.rem_euclid(60)
}

fn datum(metric: &str, at: i64, value: f64) -> MetricDatum {
    MetricDatum::builder()
        .metric_name(metric)
        .dimensions(Dimension::builder().name("ModelId").value(MODEL_ID).build())
        .timestamp(DateTime::from_secs(at))
        .value(value)
        .build()
}

/// The follow-up queue `name` as template.yaml makes it (the testbed's, and any emulated stack's): its default
/// delay is the first back-off step, and it is subscribed to the e-mail topic `topic_arn` with raw message
/// delivery and the filter policy that takes only the e-mails carrying follow-ups
/// (`bedrock_ops_core::follow_up::FOLLOW_UP_FILTER_POLICY`). Returns the queue's URL.
pub async fn follow_up_queue(sdk: &aws_config::SdkConfig, topic_arn: &str, name: &str) -> String {
    use aws_sdk_sqs::types::QueueAttributeName;
    use bedrock_ops_core::follow_up::{BACKOFF_SECONDS, FOLLOW_UP_FILTER_POLICY};
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let queue_url = sqs
        .create_queue()
        .queue_name(name)
        .attributes(
            QueueAttributeName::DelaySeconds,
            BACKOFF_SECONDS[0].to_string(),
        )
        .send()
        .await
        .expect("follow-up queue created")
        .queue_url
        .unwrap_or_default();
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("follow-up queue's ARN read")
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .expect("the queue has an ARN");
    aws_sdk_sns::Client::new(sdk)
        .subscribe()
        .topic_arn(topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn)
        .attributes("RawMessageDelivery", "true")
        .attributes("FilterPolicy", FOLLOW_UP_FILTER_POLICY)
        .return_subscription_arn(true)
        .send()
        .await
        .expect("follow-up queue subscribed to the e-mail topic");
    queue_url
}

impl Testbed {
    /// Takes this binary's turn on the shared emulator, resets and seeds it, and runs `body`.
    pub fn run<F>(account: &Account, body: impl FnOnce(Testbed) -> F)
    where
        F: Future<Output = ()>,
    {
        Testbed::run_on(tokio::runtime::Builder::new_current_thread(), account, body);
    }

    /// [`Testbed::run`] on a multi-thread runtime, for tests whose invocations run truly in parallel.
    pub fn run_multi_thread<F>(account: &Account, body: impl FnOnce(Testbed) -> F)
    where
        F: Future<Output = ()>,
    {
        Testbed::run_on(tokio::runtime::Builder::new_multi_thread(), account, body);
    }

    fn run_on<F>(
        mut runtime: tokio::runtime::Builder,
        account: &Account,
        body: impl FnOnce(Testbed) -> F,
    ) where
        F: Future<Output = ()>,
    {
        let _turn = take_turn();
        let emulator = Emulator::shared().expect("the emulator starts");
        emulator.reset().expect("the emulator resets");
        runtime
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(async {
                let testbed = Testbed::seed(emulator, account).await;
                body(testbed).await;
            });
    }

    async fn seed(emulator: &'static Emulator, account: &Account) -> Testbed {
        let sdk = emulator.sdk_config();
        let tpm = SeedQuota::bedrock(TPM_CODE, TPM_NAME, account.tpm_quota as f64);
        let tpm = if account.tpm_adjustable {
            tpm
        } else {
            tpm.not_adjustable()
        };
        let mut quotas = vec![
            SeedQuota::bedrock(RPM_CODE, RPM_NAME, account.rpm_quota as f64),
            tpm,
        ];
        if let Some((input, output)) = account.split_tokens {
            quotas.extend([
                SeedQuota::bedrock(
                    SPLIT_INPUT_CODE,
                    "Global cross-region model inference input tokens per minute for Anthropic Claude Opus 4.6 V1",
                    input as f64,
                ),
                SeedQuota::bedrock(
                    SPLIT_OUTPUT_CODE,
                    "Global cross-region model inference output tokens per minute for Anthropic Claude Opus 4.6 V1",
                    output as f64,
                ),
            ]);
        }
        emulator.seed_quotas(&quotas, &[]).expect("quotas seeded");

        let topic_arn = super::create_topic(&sdk, TOPIC_NAME).await;
        let queue_url = follow_up_queue(&sdk, &topic_arn, FOLLOW_UP_QUEUE).await;
        aws_sdk_dynamodb::Client::new(&sdk)
            .create_table()
            .table_name(LEDGER_TABLE)
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("pk")
                    .key_type(KeyType::Hash)
                    .build()
                    .expect("key schema"),
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("pk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .expect("attribute"),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .expect("ledger table created");

        let parameters = AwsClients::new(&sdk).parameters();
        for (key, value) in account.parameters() {
            parameters
                .put(&parameter_name(CUSTOMER, MODEL, key), &value)
                .await
                .expect("parameter written");
        }

        if let Some((rpm, tpm)) = account.peaks {
            let peak_at = this_minute() - 3 * 3600;
            let mut data = Vec::new();
            for minute in 0..=STEADY_MINUTES {
                let at = peak_at - minute * 60;
                let share = if minute == 0 { 1.0 } else { 0.5 };
                let invocations = (rpm * share).round();
                data.push(datum("Invocations", at, invocations));
                data.push(datum("EstimatedTPMQuotaUsage", at, (tpm * share).round()));
                data.push(datum("InputTokenCount", at, (tpm * share * 0.7).round()));
                data.push(datum("OutputTokenCount", at, (tpm * share * 0.1).round()));
            }
            let cloudwatch = aws_sdk_cloudwatch::Client::new(&sdk);
            for chunk in data.chunks(500) {
                cloudwatch
                    .put_metric_data()
                    .namespace("AWS/Bedrock")
                    .set_metric_data(Some(chunk.to_vec()))
                    .send()
                    .await
                    .expect("metrics written");
            }
        }
        emulator.reset_calls().expect("call log reset");
        Testbed {
            emulator,
            sdk,
            topic_arn,
            queue_url,
            split_tokens: account.split_tokens.is_some(),
        }
    }

    /// The Lambda's environment for this stack, as name → value.
    pub fn lambda_env(&self) -> Vec<(&'static str, String)> {
        if self.split_tokens {
            let mut env = self.combined_env();
            env.retain(|(name, _)| *name != config::TOKENS_PER_MINUTE_QUOTA_CODE);
            env.extend([
                (config::TOKENS_PER_MINUTE_QUOTA_CODE, "NA".to_owned()),
                (
                    "INPUT_TOKENS_PER_MINUTE_QUOTA_CODE",
                    SPLIT_INPUT_CODE.to_owned(),
                ),
                (
                    "OUTPUT_TOKENS_PER_MINUTE_QUOTA_CODE",
                    SPLIT_OUTPUT_CODE.to_owned(),
                ),
            ]);
            return env;
        }
        self.combined_env()
    }

    fn combined_env(&self) -> Vec<(&'static str, String)> {
        vec![
            (config::CUSTOMER_NAME, CUSTOMER.to_owned()),
            (config::BEDROCK_MODEL_NAME, MODEL.to_owned()),
            (config::BEDROCK_MODEL_ID, MODEL_ID.to_owned()),
            (config::EXTRA_MODEL_IDS, String::new()),
            (config::REQUESTS_PER_MINUTE_QUOTA_CODE, RPM_CODE.to_owned()),
            (config::TOKENS_PER_MINUTE_QUOTA_CODE, TPM_CODE.to_owned()),
            (config::FORMATTED_TOPIC_ARN, self.topic_arn.clone()),
            (config::LEDGER_TABLE_NAME, LEDGER_TABLE.to_owned()),
            (config::FOLLOW_UP_QUEUE_URL, self.queue_url.clone()),
            (config::AWS_REGION, REGION.to_owned()),
        ]
    }

    /// The same environment plus what points the AWS configuration chain at the emulator (for the CLI).
    pub fn cli_env(&self) -> Vec<(&'static str, String)> {
        let mut env = self.lambda_env();
        env.extend([
            ("AWS_ENDPOINT_URL", self.emulator.endpoint_url().to_owned()),
            ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
            ("AWS_DEFAULT_REGION", REGION.to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ]);
        env
    }

    /// `program` (the CLI binary) as an operator runs it on this stack: only [`Testbed::cli_env`] in its
    /// environment.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        let mut command = std::process::Command::new(program);
        command.env_clear().envs(self.cli_env());
        command
    }

    /// The ledger's item of `key`, read with the adapter the processor uses.
    pub async fn ledger_record(&self, key: &str) -> Option<bedrock_ops_aws::ledger::LedgerRecord> {
        use bedrock_ops_aws::Ledger;
        AwsClients::new(&self.sdk)
            .ledger(LEDGER_TABLE)
            .get(key)
            .await
            .expect("the ledger item is read")
    }

    /// The notification dead-letter queue (the processor's on-failure destination): its URL.
    pub fn dead_letter_queue(&self) -> String {
        self.emulator
            .create_queue(DEAD_LETTER_QUEUE)
            .expect("the dead-letter queue is created")
    }

    pub fn config(&self) -> Config {
        let env: BTreeMap<&str, String> = self.lambda_env().into_iter().collect();
        Config::from_lookup(Need::Everything, |name| env.get(name).cloned())
            .expect("complete configuration")
    }

    /// The processor over SDK clients built as the Lambda builds them.
    pub fn processor(&self) -> SdkProcessor {
        sdk_processor(&AwsClients::new(&self.sdk), self.config(), REGION)
    }

    /// Plays Lambda's event source mapping `seconds` from now: the follow-ups due by then are received (their
    /// delays are honoured: moto's ReceiveMessage keeps a delayed message back) and deleted, each as the SQS
    /// event of one record (batch size 1). The queue's clock is moved on, the test does not wait.
    pub async fn due_follow_ups(&self, seconds: u32) -> Vec<Value> {
        self.emulator
            .advance_queue(&self.queue_url, seconds)
            .expect("queue clock moved");
        let sqs = aws_sdk_sqs::Client::new(&self.sdk);
        let received = sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .message_attribute_names("All")
            .max_number_of_messages(10)
            .send()
            .await
            .expect("follow-ups received");
        let mut events = Vec::new();
        for message in received.messages.unwrap_or_default() {
            if let Some(handle) = &message.receipt_handle {
                sqs.delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .expect("follow-up deleted");
            }
            // The message attributes as Lambda's SQS event spells them (camelCase).
            let attributes: serde_json::Map<String, Value> = message
                .message_attributes
                .unwrap_or_default()
                .into_iter()
                .map(|(name, value)| {
                    let attribute = serde_json::json!({
                        "stringValue": value.string_value,
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": value.data_type,
                    });
                    (name, attribute)
                })
                .collect();
            events.push(serde_json::json!({"Records": [{
                "messageId": message.message_id.unwrap_or_default(),
                "receiptHandle": message.receipt_handle.unwrap_or_default(),
                "body": message.body.unwrap_or_default(),
                "attributes": {},
                "messageAttributes": attributes,
                "eventSource": "aws:sqs",
                "eventSourceARN": format!("arn:aws:sqs:{REGION}:123456789012:{FOLLOW_UP_QUEUE}"),
                "awsRegion": REGION,
            }]}));
        }
        events
    }

    /// Messages published to the formatted topic.
    pub fn emails(&self) -> Vec<SnsMessage> {
        self.emulator
            .sns_messages(Some(&self.topic_arn))
            .expect("SNS read back")
    }

    /// Every AWS call since seeding.
    pub fn calls(&self) -> Vec<CallRecord> {
        self.emulator.calls().expect("call log")
    }

    /// Handles the event fixture `fixture` (one transition) as the Lambda does.
    pub async fn report(&self, fixture: &str) -> Report {
        let mut reports = self
            .processor()
            .handle(&event(fixture), now_epoch(), RunMode::Live)
            .await
            .expect("handled");
        assert_eq!(reports.len(), 1, "{reports:?}");
        reports.remove(0)
    }

    /// The CLI-shaped decision of a fixture that must be handled (not skipped, not a redelivery).
    pub async fn decide(&self, fixture: &str) -> Value {
        match self.report(fixture).await {
            report @ Report::Handled(_) => report.to_json(true),
            other => panic!("{other:?}"),
        }
    }

    /// The increase requests Service Quotas holds, as (quota code, desired value), RPM first: the two sides
    /// are requested concurrently, so their arrival order varies.
    pub fn quota_requests(&self) -> Vec<(String, f64)> {
        let mut filed: Vec<(String, f64)> = self
            .emulator
            .quota_requests()
            .expect("quota requests read back")
            .into_iter()
            .map(|r| (r.quota_code, r.desired_value))
            .collect();
        filed.sort_by_key(|(code, _)| code != RPM_CODE);
        filed
    }

    /// The Support cases the processor opened (Service Quotas opens one of its own for each request).
    pub fn our_cases(&self) -> Vec<SupportCase> {
        self.emulator
            .support_cases()
            .expect("cases read back")
            .into_iter()
            .filter(|c| c.subject.contains("Bedrock Ops Alert"))
            .collect()
    }
}

/// The event fixture `tests/fixtures/events/<name>` of the workspace.
pub fn event(name: &str) -> Value {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The event fixture `name` with its alarm's `StateChangeTime` moved to an hour before this test process
/// started (the same time on every call): the Lambda refuses a state change older than its lookback (90 days),
/// and the fixtures are dated 2026-05-04.
pub fn recent_event(name: &str) -> Value {
    static AT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let at = AT.get_or_init(|| {
        let utc =
            bedrock_ops_core::messages::format::utc(bedrock_ops_aws::clock::now_epoch() - 3_600);
        // "YYYY-MM-DD HH:MM:SS UTC" → CloudWatch's "YYYY-MM-DDTHH:MM:SS.000+0000".
        format!("{}T{}.000+0000", &utc[..10], &utc[11..19])
    });
    let mut event = event(name);
    for record in event["Records"].as_array_mut().into_iter().flatten() {
        let message = &mut record["Sns"]["Message"];
        let mut alarm: Value = serde_json::from_str(message.as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("{name}: the SNS message is not JSON: {e}"));
        alarm["StateChangeTime"] = Value::String(at.clone());
        *message = Value::String(alarm.to_string());
    }
    event
}

/// `tests/fixtures/events` of the workspace.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/events")
}
