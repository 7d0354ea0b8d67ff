//! template.yaml and the Rust code agree on every input the code reads, in both directions: each
//! environment variable a function reads is set by the template (or by the Lambda runtime), each one the
//! template sets is read; the custom resource passes exactly the properties the quota calculator reads; the
//! Parameter Store settings the template creates under the stack's path are exactly the keys the
//! processor's settings are parsed from.
//!
//! Neither side is a hand-written list. The template side is template.yaml evaluated by
//! `tests/template/render_stack.py` (the evaluator the template tests use); the code side is the code
//! itself: each function's own configuration parser runs over the template's values through a lookup that
//! records every name it asks for, and a property or setting counts as read only if changing it changes
//! what the code parses.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use bedrock_ops_core::settings::{Settings, keys, parameter_prefix};
use bedrock_ops_testkit::emulator;
use serde_json::{Map, Value};

/// Reserved variables the Lambda runtime sets in every function (AWS Lambda developer guide, "Defined
/// runtime environment variables"); the template must not set them and the code may read them.
const RUNTIME_VARIABLES: [&str; 17] = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];
const REGION: &str = "eu-west-3";

/// Parameter sets that flip the template's conditions and reach every kind of value.
const STACKS: [&[(&str, &str)]; 2] = [
    &[("CustomerName", "Acme")],
    &[
        ("CustomerName", "Customer-X"),
        ("BedrockModelName", "Model-Name-0015"),
        ("RequestsPerMinuteQuotaCode", "NA"),
        ("ExtraModelIds", "profile-a,profile-b"),
        ("AlarmEvaluationPeriod", "300"),
        ("Mode", "dry-run"),
    ],
];

fn render(parameters: &[(&str, &str)]) -> Value {
    let root = emulator::workspace_root().expect("workspace root");
    let python = emulator::python().expect("the emulator's Python (it has PyYAML)");
    let script = root.join("tests/template/render_stack.py");
    let output = Command::new(python)
        .arg(&script)
        .arg("--region")
        .arg(REGION)
        .arg("StakeholderEmailList=ops@example.com")
        .args(parameters.iter().map(|(k, v)| format!("{k}={v}")))
        .output()
        .expect("render_stack.py runs");
    assert!(
        output.status.success(),
        "render_stack.py: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("render_stack.py prints JSON")
}

fn of_type<'a>(stack: &'a Value, kind: &'a str) -> impl Iterator<Item = (&'a String, &'a Value)> {
    stack["Resources"]
        .as_object()
        .expect("resources")
        .iter()
        .filter(move |(_, r)| r["Type"] == kind)
}

/// CloudFormation hands every scalar to its consumers as text.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn texts(map: &Value) -> BTreeMap<String, String> {
    map.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), text(v)))
        .collect()
}

/// Runs `parse` with a lookup over the template's variables and the runtime's, and returns every name it
/// asked for. Parsing must succeed: the template's values are what the function starts with.
fn asked_by(
    function: &str,
    template: &BTreeMap<String, String>,
    parse: impl FnOnce(&dyn Fn(&str) -> Option<String>) -> Result<(), String>,
) -> BTreeSet<String> {
    let asked = RefCell::new(BTreeSet::new());
    let lookup = |name: &str| {
        asked.borrow_mut().insert(name.to_owned());
        template.get(name).cloned().or_else(|| {
            RUNTIME_VARIABLES.contains(&name).then(|| {
                if name.contains("REGION") {
                    REGION
                } else {
                    "set-by-lambda"
                }
                .to_owned()
            })
        })
    };
    if let Err(error) = parse(&lookup) {
        panic!("{function} does not start with the environment template.yaml gives it: {error}");
    }
    asked.into_inner()
}

#[test]
fn every_variable_a_function_reads_is_set_by_the_template_or_the_runtime_and_every_one_set_is_read()
{
    for parameters in STACKS {
        let stack = render(parameters);
        let mut seen = BTreeSet::new();
        for (logical_id, function) in of_type(&stack, "AWS::Serverless::Function") {
            let binary = function["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .unwrap_or_else(|| panic!("{logical_id} names no binary"));
            let provided = texts(&function["Properties"]["Environment"]["Variables"]);
            let asked = match binary {
                "notification-processor" => asked_by(binary, &provided, |lookup| {
                    notification_processor::Config::from_lookup(
                        notification_processor::Need::Everything,
                        lookup,
                    )
                    .map(drop)
                    .map_err(|e| e.to_string())
                }),
                "alarm-updater" => asked_by(binary, &provided, |lookup| {
                    alarm_updater::UpdaterConfig::from_lookup(lookup)
                        .map(drop)
                        .map_err(|e| e.to_string())
                }),
                // Configured by the custom resource's properties (next test); its main only builds the
                // SDK clients, from the runtime's standard variables.
                "quota-calculator" => BTreeSet::new(),
                other => panic!(
                    "template.yaml builds {other} ({logical_id}); teach this test how it reads its configuration"
                ),
            };
            seen.insert(binary);

            let missing: Vec<&String> = asked
                .iter()
                .filter(|name| {
                    !provided.contains_key(*name) && !RUNTIME_VARIABLES.contains(&name.as_str())
                })
                .collect();
            assert!(
                missing.is_empty(),
                "{binary} reads {missing:?}, which {logical_id} in template.yaml does not set ({parameters:?})"
            );
            let unread: Vec<&String> = provided
                .keys()
                .filter(|name| !asked.contains(*name))
                .collect();
            assert!(
                unread.is_empty(),
                "{logical_id} in template.yaml sets {unread:?}, which {binary} never reads ({parameters:?})"
            );
            let reserved: Vec<&String> = provided
                .keys()
                .filter(|name| RUNTIME_VARIABLES.contains(&name.as_str()))
                .collect();
            assert!(
                reserved.is_empty(),
                "{logical_id} sets reserved variables {reserved:?}"
            );
        }
        assert_eq!(
            seen,
            BTreeSet::from([
                "alarm-updater",
                "notification-processor",
                "quota-calculator"
            ]),
            "every function the code configures is in template.yaml"
        );
    }
}

#[test]
fn the_custom_resource_passes_exactly_the_properties_the_quota_calculator_reads() {
    // CloudFormation's own fields of a custom resource, not the function's input.
    const CLOUDFORMATION: [&str; 2] = ["ServiceToken", "ServiceTimeout"];
    for parameters in STACKS {
        let stack = render(parameters);
        let (logical_id, resource) = of_type(&stack, "Custom::QuotaThresholds")
            .next()
            .expect("template.yaml has the QuotaThresholds custom resource");
        assert_eq!(
            resource["Properties"]["ServiceToken"],
            stack["Resources"]["QuotaCalculatorFunction"]["Properties"]["FunctionName"]
                .as_str()
                .map(|name| format!("arn:aws:lambda:{REGION}:123456789012:function:{name}"))
                .map(Value::String)
                .expect("the calculator's name"),
            "the custom resource is served by the quota calculator"
        );
        let properties: Map<String, Value> = texts(&resource["Properties"])
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        let parse = |props: &Map<String, Value>| {
            quota_calculator::properties::parse(&Value::Object(props.clone()))
        };
        let parsed = parse(&properties).unwrap_or_else(|error| {
            panic!("the calculator refuses {logical_id}'s properties ({parameters:?}): {error}")
        });
        for name in properties
            .keys()
            .filter(|k| !CLOUDFORMATION.contains(&k.as_str()))
        {
            let mut without = properties.clone();
            without.remove(name);
            let mut changed = properties.clone();
            changed.insert(name.clone(), Value::String("changed-by-the-test".into()));
            let read =
                parse(&without).as_ref() != Ok(&parsed) || parse(&changed).as_ref() != Ok(&parsed);
            assert!(
                read,
                "{logical_id} passes {name}, which the calculator never reads ({parameters:?})"
            );
        }
    }
}

#[test]
fn the_settings_the_template_writes_are_exactly_the_keys_the_processor_reads_under_the_stack_path()
{
    for parameters in STACKS {
        let stack = render(parameters);
        let customer = stack["Parameters"]["CustomerName"].as_str().unwrap();
        let model = stack["Parameters"]["BedrockModelName"].as_str().unwrap();
        let prefix = parameter_prefix(customer, model);
        let mut written = BTreeMap::new();
        for (logical_id, parameter) in of_type(&stack, "AWS::SSM::Parameter") {
            let name = text(&parameter["Properties"]["Name"]);
            let key = name.strip_prefix(&prefix).unwrap_or_else(|| {
                panic!("{logical_id} writes {name}, outside the stack's path {prefix}")
            });
            assert_eq!(parameter["Properties"]["Type"], "String", "{logical_id}");
            written.insert(key.to_owned(), text(&parameter["Properties"]["Value"]));
        }

        let read: BTreeSet<&str> = keys::SETTINGS.into_iter().collect();
        let created: BTreeSet<&str> = written.keys().map(String::as_str).collect();
        assert_eq!(
            created, read,
            "template.yaml's settings under {prefix} against the keys the processor reads ({parameters:?})"
        );
        let settings = Settings::from_parameters(&written).unwrap_or_else(|error| {
            panic!("the template's settings do not parse ({parameters:?}): {error}")
        });
        for key in written.keys() {
            let mut changed = written.clone();
            changed.insert(key.clone(), "changed-by-the-test".into());
            assert_ne!(
                Settings::from_parameters(&changed).as_ref(),
                Ok(&settings),
                "changing {key} changes nothing the processor parses"
            );
        }
        for key in keys::THRESHOLDS {
            assert!(
                !written.contains_key(key),
                "template.yaml creates {key}, which the quota calculator and the alarm updater own"
            );
        }
    }
}

/// The `ModelId` of every metric an alarm reads (single-metric or metric math).
fn alarm_model_ids(props: &Value) -> Vec<String> {
    let single = props["Dimensions"].as_array().into_iter().flatten();
    let math = props["Metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|q| {
            q["MetricStat"]["Metric"]["Dimensions"]
                .as_array()
                .into_iter()
                .flatten()
        });
    single
        .chain(math)
        .filter(|d| d["Name"] == "ModelId")
        .map(|d| text(&d["Value"]))
        .collect()
}

#[test]
fn every_bedrock_alarm_of_the_template_reads_every_model_id() {
    for parameters in STACKS {
        let stack = render(parameters);
        let monitored = text(&stack["Parameters"]["BedrockModelId"]);
        let extra = parameters
            .iter()
            .find(|(k, _)| *k == "ExtraModelIds")
            .map(|(_, v)| *v);
        let mut expected = vec![monitored];
        expected.extend(
            extra
                .into_iter()
                .flat_map(|v| v.split(','))
                .map(str::to_owned),
        );
        let mut seen = 0;
        for (logical_id, alarm) in of_type(&stack, "AWS::CloudWatch::Alarm") {
            let props = &alarm["Properties"];
            let bedrock = props["Namespace"] == "AWS/Bedrock"
                || props["Metrics"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|q| q["MetricStat"]["Metric"]["Namespace"] == "AWS/Bedrock");
            if bedrock {
                seen += 1;
                assert_eq!(alarm_model_ids(props), expected, "{logical_id}");
            }
        }
        assert_eq!(seen, 8, "the template's eight Bedrock alarms");
    }
}

/// Issue 12: the calls of a follow-up (GetRequestedServiceQuotaChange; SendMessageBatch, authorised as
/// sqs:SendMessage; the mapping's receive and delete) are granted on the follow-up queue only, and the queue
/// the code sends to (`FOLLOW_UP_QUEUE_URL`) is the one the function's SQS event reads.
#[test]
fn the_follow_up_queue_the_processor_sends_to_is_the_one_it_reads_and_the_only_one_it_may_use() {
    for parameters in STACKS {
        let stack = render(parameters);
        let function = &stack["Resources"]["NotificationProcessorFunction"]["Properties"];
        let queue_url = text(&function["Environment"]["Variables"]["FOLLOW_UP_QUEUE_URL"]);
        let queue_name = queue_url.rsplit('/').next().unwrap_or_default().to_owned();
        assert!(
            queue_name.contains("-Bedrock-Quota-FollowUp-"),
            "{queue_url}"
        );
        let event = &function["Events"]["FollowUp"];
        assert_eq!(event["Type"], "SQS");
        assert!(text(&event["Properties"]["Queue"]).ends_with(&format!(":{queue_name}")));
        assert_eq!(event["Properties"]["BatchSize"], 1);
        assert_eq!(
            event["Properties"]["FunctionResponseTypes"],
            serde_json::json!(["ReportBatchItemFailures"])
        );

        let role = &stack["Resources"]["NotificationProcessorRole"]["Properties"];
        let statements: Vec<&Value> = role["Policies"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|p| {
                p["PolicyDocument"]["Statement"]
                    .as_array()
                    .into_iter()
                    .flatten()
            })
            .collect();
        let actions = |s: &Value| -> Vec<String> {
            match &s["Action"] {
                Value::String(one) => vec![one.clone()],
                Value::Array(many) => many.iter().map(text).collect(),
                _ => Vec::new(),
            }
        };
        let granted_on = |action: &str| -> Vec<String> {
            statements
                .iter()
                .filter(|s| actions(s).iter().any(|a| a == action))
                .flat_map(|s| match &s["Resource"] {
                    Value::Array(many) => many.iter().map(text).collect::<Vec<_>>(),
                    one => vec![text(one)],
                })
                .collect()
        };
        assert_eq!(
            granted_on("servicequotas:GetRequestedServiceQuotaChange"),
            ["*"],
            "GetRequestedServiceQuotaChange has no resource-level permission"
        );
        for action in [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
        ] {
            let on = granted_on(action);
            assert_eq!(on.len(), 1, "{action}: {on:?}");
            assert!(
                on[0].ends_with(&format!(":{queue_name}")),
                "{action}: {on:?}"
            );
        }
        let send = granted_on("sqs:SendMessage");
        assert!(
            send.iter()
                .any(|arn| arn.ends_with(&format!(":{queue_name}"))),
            "{send:?}"
        );
        assert!(
            send.iter()
                .all(|arn| arn.ends_with(&format!(":{queue_name}")) || arn.contains("-Notify-DLQ-")),
            "SendMessage only to the follow-up queue and the dead-letter queue: {send:?}"
        );
    }
}
