//! `bedrock-ops-alert doctor` against the local AWS emulator. moto cannot run the SAM template, so the stack
//! is built the way the demo builds it: template.yaml rendered for this stack's parameters and each resource
//! the emulator holds created with the call CloudFormation would make (the demo's own module, included
//! below, not a copy), the quota calculator's Create for the quota alarms and the stored record, and a small
//! CloudFormation stack that answers DescribeStacks with the real template's parameters and outputs.
//! Needs `--features emulator`.

#[allow(dead_code)]
#[path = "../src/commands/demo/stack.rs"]
mod stack;

use std::collections::BTreeMap;
use std::process::{Command, Output};

use aws_sdk_cloudformation::types::Parameter;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
use bedrock_ops_aws::{AwsClients, ParameterStore};
use bedrock_ops_core::settings::{keys, parameter_name};
use bedrock_ops_testkit::emulator::{self, Emulator, take_turn};
use bedrock_ops_testkit::fixtures::MODEL_ID;
use bedrock_ops_testkit::testbed::calculator;
use serde_json::{Value, json};

const STACK: &str = "bedrock-ops-alert-Acme-Opus";
const CONFIRMED: &str = "oncall@example.com";
const PENDING: &str = "sre.lead@example.org";
/// The id the application's calls really report: an inference profile other than BedrockModelId.
const OTHER_ID: &str = "us.anthropic.claude-opus-4-6-v1";

/// The template's parameters doctor reads, and the outputs it reads.
const PARAMETERS: [&str; 10] = [
    "CustomerName",
    "BedrockModelName",
    "BedrockModelId",
    "ExtraModelIds",
    "RequestsPerMinuteQuotaCode",
    "TokensPerMinuteQuotaCode",
    "InputTokensPerMinuteQuotaCode",
    "OutputTokensPerMinuteQuotaCode",
    "RequestsPerMinuteThresholdPercent",
    "TokensPerMinuteThresholdPercent",
];

fn now() -> i64 {
    bedrock_ops_aws::clock::now_epoch()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn doctor(emulator: &Emulator, args: &[&str]) -> Output {
    emulator
        .child_env(&mut Command::new(env!("CARGO_BIN_EXE_bedrock-ops-alert")))
        .args(["doctor", "--region", "us-east-1"])
        .args(args)
        .output()
        .expect("binary runs")
}

fn json_report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn statuses(report: &Value) -> BTreeMap<String, String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))
}

/// Invocations under `model_id` in the last hour.
async fn traffic(clients: &AwsClients, model_id: &str) {
    let at = now() - 600;
    clients
        .cloudwatch
        .put_metric_data()
        .namespace("AWS/Bedrock")
        .metric_data(
            MetricDatum::builder()
                .metric_name("Invocations")
                .dimensions(Dimension::builder().name("ModelId").value(model_id).build())
                .timestamp(DateTime::from_secs(at))
                .value(42.0)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// The stack in the emulator, deployed in dry-run with two e-mail recipients (neither confirmed yet) and
/// traffic under another ModelId only. Returns the formatted topic's ARN.
fn deploy(emulator: &Emulator) -> String {
    deploy_with(emulator, false)
}

/// [`deploy`], or (`split`) the stack of a model whose token limit is split in an input and an output quota
/// (the testkit's split model: TPM `NA` and both split codes).
fn deploy_with(emulator: &Emulator, split: bool) -> String {
    calculator::reset_and_seed(emulator);
    if split {
        emulator
            .seed_quotas(&calculator::split_token_quotas(), &[])
            .unwrap();
    }
    emulator.set_cloudformation_settle_reads(0).unwrap();
    let recipients = format!("{CONFIRMED},{PENDING}");
    let mut parameters = vec![
        ("CustomerName", "Acme"),
        ("BedrockModelName", "Opus"),
        ("StakeholderEmailList", recipients.as_str()),
        ("Mode", "dry-run"),
    ];
    if split {
        parameters.extend([
            ("BedrockModelId", calculator::SPLIT_MODEL_ID),
            ("RequestsPerMinuteQuotaCode", calculator::SPLIT_RPM_CODE),
            ("TokensPerMinuteQuotaCode", "NA"),
            (
                "InputTokensPerMinuteQuotaCode",
                calculator::SPLIT_INPUT_CODE,
            ),
            (
                "OutputTokensPerMinuteQuotaCode",
                calculator::SPLIT_OUTPUT_CODE,
            ),
        ]);
    }
    let rendered = stack::render(
        &emulator::workspace_root().unwrap(),
        &emulator::python().unwrap(),
        &parameters,
    )
    .unwrap();
    let config = emulator.sdk_config();
    let clients = AwsClients::new(&config);
    runtime().block_on(async {
        let provisioned = stack::provision(&rendered, &clients).await.unwrap();
        let formatted = provisioned.topics["FormattedTopic"].clone();
        for (_, subscription) in rendered.of_type("AWS::SNS::Subscription") {
            let p = &subscription.properties;
            clients
                .sns
                .subscribe()
                .topic_arn(p["TopicArn"].as_str().unwrap())
                .protocol(p["Protocol"].as_str().unwrap())
                .endpoint(p["Endpoint"].as_str().unwrap())
                .send()
                .await
                .unwrap();
        }
        // The two quota alarms and the stored record, by the calculator's Create (the fixture's properties
        // are this stack's: Acme, Opus, the default model id, codes and percents, the same raw topic).
        if split {
            calculator::create_split_stack(emulator, "doctor-split", now()).await;
        } else {
            calculator::create_stack(emulator, "doctor", now()).await;
        }
        aws_sdk_iam::Client::new(&config)
            .create_service_linked_role()
            .aws_service_name("servicequotas.amazonaws.com")
            .send()
            .await
            .unwrap();
        traffic(&clients, OTHER_ID).await;
        cloudformation_stack(&config, &rendered, &provisioned).await;
        formatted
    })
}

/// A stack CloudFormation describes with the template's parameter values and the outputs doctor reads.
async fn cloudformation_stack(
    config: &aws_config::SdkConfig,
    rendered: &stack::Rendered,
    provisioned: &stack::Provisioned,
) {
    let table = rendered.resource("LedgerTable").unwrap().properties["TableName"].clone();
    let updater = rendered
        .resource("AlarmUpdaterFunction")
        .unwrap()
        .properties["FunctionName"]
        .clone();
    let outputs = json!({
        "RawAlarmTopicArn": { "Value": provisioned.topics["RawAlarmTopic"] },
        "FormattedTopicArn": { "Value": provisioned.topics["FormattedTopic"] },
        "LedgerTableName": { "Value": table },
        "AlarmUpdaterFunctionName": { "Value": updater },
    });
    let parameters: serde_json::Map<String, Value> = PARAMETERS
        .iter()
        .map(|name| {
            (
                (*name).to_owned(),
                json!({ "Type": "String", "Default": "" }),
            )
        })
        .collect();
    let template = json!({
        "Parameters": parameters,
        "Resources": { "Marker": { "Type": "AWS::SNS::Topic", "Properties": { "TopicName": "doctor-marker" } } },
        "Outputs": outputs,
    });
    aws_sdk_cloudformation::Client::new(config)
        .create_stack()
        .stack_name(STACK)
        .template_body(template.to_string())
        .set_parameters(Some(
            PARAMETERS
                .iter()
                .map(|name| {
                    Parameter::builder()
                        .parameter_key(*name)
                        .parameter_value(rendered.parameter(name).unwrap())
                        .build()
                })
                .collect(),
        ))
        .send()
        .await
        .unwrap();
}

#[test]
fn doctor_finds_no_traffic_an_unconfirmed_subscription_and_dry_run_then_passes_once_fixed() {
    let _turn = take_turn();
    let emulator = Emulator::shared().expect("emulator starts");
    let formatted = deploy(emulator);

    // The emulator keeps e-mail subscriptions pending, as AWS does, until the recipient confirms.
    let config = emulator.sdk_config();
    let clients = AwsClients::new(&config);
    let listed = runtime().block_on(async {
        clients
            .sns
            .list_subscriptions_by_topic()
            .topic_arn(&formatted)
            .send()
            .await
            .unwrap()
    });
    // The follow-up queue's SQS subscription (confirmed at once, as AWS does) is not a recipient's.
    let emails: Vec<_> = listed
        .subscriptions()
        .iter()
        .filter(|s| s.protocol() == Some("email"))
        .collect();
    assert!(
        !emails.is_empty()
            && emails
                .iter()
                .all(|s| s.subscription_arn() == Some("PendingConfirmation")),
        "{listed:?}"
    );
    emulator
        .confirm_subscription(&formatted, CONFIRMED)
        .unwrap();

    let output = doctor(emulator, &["--stack", STACK, "--json"]);
    let report = json_report(&output);
    assert_eq!(output.status.code(), Some(2), "{report:#}");
    let found = statuses(&report);
    let expected: BTreeMap<String, String> = [
        ("stack", "PASS"),
        ("subscriptions", "WARN"),
        ("alarms", "PASS"),
        ("traffic", "FAIL"),
        ("settings", "PASS"),
        ("mode", "WARN"),
        ("thresholds", "PASS"),
        ("quotas", "PASS"),
        ("ledger", "PASS"),
        ("support", "PASS"),
        ("service-linked-role", "PASS"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(found, expected, "{report:#}");
    let traffic_check = check(&report, "traffic")["detail"].as_str().unwrap();
    assert!(
        traffic_check.contains("no traffic under this ModelId")
            && traffic_check.contains(MODEL_ID)
            && traffic_check.contains(&format!("in this Region: {OTHER_ID}")),
        "{traffic_check}"
    );
    let subscriptions = check(&report, "subscriptions")["detail"].as_str().unwrap();
    // The other endpoint is the follow-up queue's subscription (template.yaml's FollowUpSubscription).
    assert_eq!(
        subscriptions,
        "2 e-mail subscriptions: 1 confirmed, 1 pending confirmation (s***@***.org); 1 other endpoint (1 confirmed)"
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        !text.contains(CONFIRMED) && !text.contains(PENDING),
        "no address is printed"
    );
    assert_eq!(
        report["summary"],
        json!({"pass": 8, "warn": 2, "fail": 1, "exit_code": 2})
    );

    // The fixes doctor gave: the recipient confirms, mode goes live, the calls report BedrockModelId.
    emulator.confirm_subscription(&formatted, PENDING).unwrap();
    runtime().block_on(async {
        clients
            .parameters()
            .put(&parameter_name("Acme", "Opus", keys::MODE), "live")
            .await
            .unwrap();
        traffic(&clients, MODEL_ID).await;
    });
    emulator.reset_calls().unwrap();
    let output = doctor(emulator, &["--stack", STACK]);
    let table = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{table}");
    assert!(
        table.ends_with("11 PASS, 0 WARN, 0 FAIL (exit code 0)\n"),
        "{table}"
    );
    // Read-only, one call per read (and page): DescribeStacks, then the rest at once.
    let mut calls: BTreeMap<String, usize> = BTreeMap::new();
    for call in emulator.calls().unwrap() {
        *calls
            .entry(format!("{}:{}", call.service, call.operation))
            .or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = [
        ("cloudformation:DescribeStacks", 1),
        ("sns:ListSubscriptionsByTopic", 1),
        ("cloudwatch:DescribeAlarms", 1),
        ("cloudwatch:GetMetricData", 1),
        ("cloudwatch:ListMetrics", 1),
        // 7 settings and 10 threshold keys: two pages of at most 10.
        ("ssm:GetParametersByPath", 2),
        ("dynamodb:DescribeTable", 1),
        ("dynamodb:DescribeTimeToLive", 1),
        ("support:DescribeSeverityLevels", 1),
        ("iam:GetRole", 1),
        ("servicequotas:GetServiceQuota", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(calls, expected);
}

#[test]
fn a_missing_stack_fails_and_a_basic_support_plan_and_drifted_quota_warn() {
    let _turn = take_turn();
    let emulator = Emulator::shared().expect("emulator starts");
    let output = doctor(emulator, &["--stack", "no-such-stack", "--json"]);
    let report = json_report(&output);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        check(&report, "stack")["detail"],
        "no stack no-such-stack in this account and Region"
    );

    deploy(emulator);
    emulator.set_support_subscribed(false).unwrap();
    emulator
        .set_quota_value(
            bedrock_ops_core::SERVICE_CODE,
            calculator::TPM_CODE,
            12_500_000.0,
        )
        .unwrap();
    let output = doctor(emulator, &["--stack", STACK, "--json"]);
    let report = json_report(&output);
    assert_eq!(
        check(&report, "support")["detail"],
        "Basic/Developer plan: cases cannot be filed; quota requests still can"
    );
    assert_eq!(check(&report, "support")["status"], "WARN");
    let quotas = check(&report, "quotas");
    assert_eq!(quotas["status"], "WARN", "{quotas:#}");
    assert!(
        quotas["detail"].as_str().unwrap().ends_with(
            "TPM quota 12,500,000 (stored 6,250,000) → threshold 10,000,000 (stored 5,000,000)"
        ),
        "{quotas:#}"
    );
}

/// Issue 16: a split token stack (TPM code `NA`) is checked on its input and output quotas and keys.
#[test]
fn a_split_token_stack_is_checked_on_its_input_and_output_quotas() {
    let _turn = take_turn();
    let emulator = Emulator::shared().expect("emulator starts");
    deploy_with(emulator, true);
    let output = doctor(emulator, &["--stack", STACK, "--json"]);
    let report = json_report(&output);
    for id in ["stack", "alarms", "thresholds", "quotas"] {
        assert_eq!(check(&report, id)["status"], "PASS", "{id}: {report:#}");
    }
    assert_eq!(
        check(&report, "quotas")["detail"],
        "RPM quota 2,000 → threshold 1,600; input TPM quota 2,000,000 → threshold 1,600,000; output TPM \
         quota 400,000 → threshold 320,000: the stored record matches"
    );

    emulator
        .set_quota_value(
            bedrock_ops_core::SERVICE_CODE,
            calculator::SPLIT_INPUT_CODE,
            3_000_000.0,
        )
        .unwrap();
    let report = json_report(&doctor(emulator, &["--stack", STACK, "--json"]));
    let quotas = check(&report, "quotas");
    assert_eq!(quotas["status"], "WARN", "{quotas:#}");
    assert!(
        quotas["detail"].as_str().unwrap().ends_with(
            "input TPM quota 3,000,000 (stored 2,000,000) → threshold 2,400,000 (stored 1,600,000)"
        ),
        "{quotas:#}"
    );
}

#[test]
fn the_emulator_keeps_e_mail_subscriptions_pending_like_aws_until_confirmed() {
    let _turn = take_turn();
    let emulator = Emulator::shared().expect("emulator starts");
    emulator.reset().unwrap();
    let sns = aws_sdk_sns::Client::new(&emulator.sdk_config());
    runtime().block_on(async {
        let topic = sns
            .create_topic()
            .name("pending-test")
            .send()
            .await
            .unwrap()
            .topic_arn
            .unwrap();
        let answered = sns
            .subscribe()
            .topic_arn(&topic)
            .protocol("email")
            .endpoint(CONFIRMED)
            .send()
            .await
            .unwrap();
        assert_eq!(answered.subscription_arn(), Some("pending confirmation"));
        let arn = sns
            .subscribe()
            .topic_arn(&topic)
            .protocol("email")
            .endpoint(CONFIRMED)
            .return_subscription_arn(true)
            .send()
            .await
            .unwrap()
            .subscription_arn
            .unwrap();
        assert!(arn.starts_with(&topic), "{arn}");
        let pending = |arn: String| {
            let sns = sns.clone();
            async move {
                sns.get_subscription_attributes()
                    .subscription_arn(arn)
                    .send()
                    .await
                    .unwrap()
                    .attributes
                    .unwrap()["PendingConfirmation"]
                    .clone()
            }
        };
        assert_eq!(pending(arn.clone()).await, "true");
        emulator.confirm_subscription(&topic, CONFIRMED).unwrap();
        assert_eq!(pending(arn.clone()).await, "false");
        let listed = sns.list_subscriptions().send().await.unwrap();
        assert_eq!(
            listed.subscriptions()[0].subscription_arn(),
            Some(arn.as_str())
        );
        assert!(
            emulator.confirm_subscription(&topic, CONFIRMED).is_err(),
            "nothing is pending any more"
        );
    });
}

#[test]
fn without_a_region_doctor_exits_2_with_an_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_bedrock-ops-alert"))
        .args(["doctor", "--stack", STACK])
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("error: no AWS Region"),
        "{output:?}"
    );
}
