//! What a full run leaves behind, against the emulated AWS: its logs hold no e-mail address, no pre-signed URL
//! and no secret, whatever the inputs carry; and in `dry-run` mode (and in a simulation) no Support or Service
//! Quotas write is ever sent, asserted on the emulator's call log.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
use bedrock_ops_aws::AwsClients;
use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_testkit::emulator::REGION;
use bedrock_ops_testkit::fixtures::MODEL_ID;
use bedrock_ops_testkit::testbed::processor::{Account, Testbed, event};
use notification_processor::{Report, RunMode, sdk_processor};
use serde_json::{Value, json};

const STAKEHOLDER: &str = "jane.doe@acme-corp.example";
const OWNER: &str = "ops-oncall@acme-corp.example";
const SIGNED_URL: &str =
    "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&X-Amz-Signature=9f8e7d6c5b4a";
const SECRET_KEY: &str = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
const USE_CASE: &str = "Contact centre assistant; escalations to ops-oncall@acme-corp.example";

/// An alarm whose reason names a person and whose SNS record carries a signed URL, as hostile as a real one
/// can get.
fn hostile(fixture: &str) -> Value {
    let mut input = event(fixture);
    let record = &mut input["Records"][0]["Sns"];
    let mut message: Value = serde_json::from_str(record["Message"].as_str().unwrap()).unwrap();
    message["NewStateReason"] = json!(format!("Threshold crossed; acknowledged by {STAKEHOLDER}"));
    record["Message"] = json!(message.to_string());
    record["UnsubscribeUrl"] = json!(SIGNED_URL);
    record["SigningCertUrl"] = json!(SIGNED_URL);
    input
}

fn with_secret(sdk: &SdkConfig) -> SdkConfig {
    sdk.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDEXAMPLELOGTEST",
            SECRET_KEY,
            None,
            None,
            "test",
        )))
        .build()
}

#[test]
fn a_full_run_logs_no_email_address_no_signed_url_and_no_secret() {
    let account = Account::new(10_000, 6_250_000)
        .peaks(9_500.0, 3_000_000.0)
        .setting("use-case-description", USE_CASE);
    Testbed::run(&account, |testbed| async move {
        let logs = bedrock_ops_testkit::logs::CapturedLogs::start();
        let processor = sdk_processor(
            &AwsClients::new(&with_secret(&testbed.sdk)),
            testbed.config(),
            REGION,
        );

        for fixture in ["throttles-alarm.json", "server-errors-alarm.json"] {
            let reports = processor
                .handle(&hostile(fixture), now_epoch(), RunMode::Live)
                .await
                .unwrap();
            assert!(matches!(reports[0], Report::Handled(_)), "{reports:?}");
        }

        let text = logs.text();
        assert!(text.contains("transition handled"), "the log was captured");
        // The e-mail itself may name the stakeholder (it goes to the subscribers); the log may not.
        assert!(testbed.emails()[0].message.contains(STAKEHOLDER));
        for secret in [
            STAKEHOLDER,
            OWNER,
            "X-Amz-Signature",
            SIGNED_URL,
            SECRET_KEY,
            USE_CASE,
        ] {
            assert!(!text.contains(secret), "'{secret}' is in the log");
        }
        assert!(
            !text.contains("@acme-corp.example"),
            "an e-mail address is in the log"
        );
    });
}

/// Support and Service Quotas operations that change something.
const WRITES: [&str; 4] = [
    "RequestServiceQuotaIncrease",
    "CreateCase",
    "AddCommunicationToCase",
    "ResolveCase",
];

#[test]
fn dry_run_mode_and_simulations_never_call_a_support_or_service_quotas_write() {
    let account = Account::new(10_000, 6_250_000)
        .peaks(9_500.0, 3_000_000.0)
        .setting("mode", "dry-run");
    Testbed::run(&account, |testbed| async move {
        let processor = testbed.processor();
        let fixtures = [
            "throttles-alarm.json",
            "server-errors-alarm.json",
            "high-tpm-quota-usage-alarm.json",
            "composite-throttles-high-tpm.json",
        ];
        for fixture in fixtures {
            processor
                .handle(&event(fixture), now_epoch(), RunMode::Live)
                .await
                .unwrap();
        }
        // A simulation is a dry run whatever the settings say.
        testbed.emulator.reset_calls().expect("call log reset");
        for fixture in fixtures {
            processor
                .handle(&event(fixture), now_epoch(), RunMode::Simulate)
                .await
                .unwrap();
        }

        let calls = testbed.calls();
        let writes: Vec<String> = calls
            .iter()
            .filter(|c| {
                (c.service == "support" || c.service == "servicequotas")
                    && WRITES.contains(&c.operation.as_str())
            })
            .map(|c| c.operation.clone())
            .collect();
        assert!(writes.is_empty(), "{writes:?}");
        assert!(testbed.emulator.quota_requests().unwrap().is_empty());
        assert!(testbed.emulator.support_cases().unwrap().is_empty());
        assert_eq!(
            testbed.emails().len(),
            fixtures.len(),
            "dry-run still e-mails what it would do"
        );
    });
}

/// The IAM actions the template grants the processor's role, from the template as CloudFormation evaluates it
/// (`tests/template/render_stack.py`, the evaluator the template tests use).
fn granted_to_the_processor() -> std::collections::BTreeSet<String> {
    let root = bedrock_ops_testkit::emulator::workspace_root().expect("workspace root");
    let python =
        bedrock_ops_testkit::emulator::python().expect("the emulator's Python (it has PyYAML)");
    let output = std::process::Command::new(python)
        .arg(root.join("tests/template/render_stack.py"))
        .args(["--region", REGION])
        .args([
            "StakeholderEmailList=ops@example.com",
            "CustomerName=Acme",
            "BedrockModelName=Opus-4-6",
        ])
        .arg(format!("BedrockModelId={MODEL_ID}"))
        .output()
        .expect("render_stack.py runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stack: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let policies = stack["Resources"]["NotificationProcessorRole"]["Properties"]["Policies"]
        .as_array()
        .expect("the role's inline policies");
    let mut granted = std::collections::BTreeSet::new();
    for policy in policies {
        for statement in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
            assert_eq!(statement["Effect"], "Allow");
            match &statement["Action"] {
                Value::String(action) => {
                    granted.insert(action.clone());
                }
                Value::Array(actions) => {
                    granted.extend(actions.iter().filter_map(Value::as_str).map(str::to_owned));
                }
                other => panic!("Action {other}"),
            }
        }
    }
    granted
}

/// Code that calls an operation its role cannot make fails only in production: every call of runs that take
/// every path (requests, an open request's append, a case, an append, the default-quota and ambiguous-append
/// fallbacks, a recovery) must be granted.
#[test]
fn every_operation_the_processor_calls_is_granted_to_its_role() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        use bedrock_ops_testkit::emulator::Fault;
        let processor = testbed.processor();
        testbed
            .emulator
            .add_fault(
                &Fault::error(
                    "servicequotas",
                    "GetServiceQuota",
                    "NoSuchResourceException",
                    400,
                )
                .times(1),
            )
            .unwrap();
        for fixture in [
            "throttles-alarm.json",
            "high-tpm-quota-usage-alarm.json",
            "server-errors-alarm.json",
        ] {
            processor
                .handle(&event(fixture), now_epoch(), RunMode::Live)
                .await
                .unwrap();
        }
        testbed
            .emulator
            .add_fault(
                &Fault::error(
                    "support",
                    "AddCommunicationToCase",
                    "InternalServerError",
                    500,
                )
                .times(1),
            )
            .unwrap();
        for fixture in ["high-latency-alarm.json", "throttles-ok.json"] {
            processor
                .handle(&event(fixture), now_epoch(), RunMode::Live)
                .await
                .unwrap();
        }

        // IAM has no action for a transaction: each of its items needs its own (ours are all updates).
        let called: std::collections::BTreeSet<String> = testbed
            .calls()
            .iter()
            .map(|c| match (c.service.as_str(), c.operation.as_str()) {
                ("dynamodb", "TransactWriteItems") => "dynamodb:UpdateItem".to_owned(),
                // IAM authorises a batch send as sqs:SendMessage.
                ("sqs", "SendMessageBatch") => "sqs:SendMessage".to_owned(),
                (service, operation) => format!("{service}:{operation}"),
            })
            .collect();
        println!("called: {called:?}");
        for expected in [
            "servicequotas:GetAWSDefaultServiceQuota",
            "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota",
            "support:CreateCase",
            "support:DescribeCommunications",
            "dynamodb:UpdateItem",
        ] {
            assert!(called.contains(expected), "{expected} not exercised");
        }
        let granted = granted_to_the_processor();
        let missing: Vec<&String> = called.difference(&granted).collect();
        assert!(missing.is_empty(), "called but not granted: {missing:?}");
    });
}
