//! One model's stack in the emulator, created from template.yaml rather than from a copy of it:
//! `tests/template/render_stack.py` evaluates the template for the demo's parameter values (with the
//! evaluator the template tests use), and each resource the emulator can hold is created with the call
//! CloudFormation would make for it. What the emulator cannot hold is listed, never silently dropped.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use bedrock_ops_aws::alarms::{
    Dimension, MetricAlarmDef, MetricQuery, MetricStatDef, SingleMetric,
};
use bedrock_ops_aws::{AlarmAdmin, AwsClients, ParameterStore};
use serde::Deserialize;
use serde_json::Value;

/// A template resource with its properties evaluated.
#[derive(Debug, Clone, Deserialize)]
pub struct Resource {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "Metadata", default)]
    pub metadata: Value,
    #[serde(rename = "Properties", default)]
    pub properties: Value,
}

/// The template evaluated for one set of parameter values.
#[derive(Debug, Clone, Deserialize)]
pub struct Rendered {
    #[serde(rename = "Parameters")]
    pub parameters: BTreeMap<String, String>,
    /// SAM's `Globals` section, not merged into the functions.
    #[serde(rename = "Globals", default)]
    pub globals: Value,
    #[serde(rename = "Resources")]
    pub resources: BTreeMap<String, Resource>,
}

/// Runs the renderer with `python` (the emulator's, which has PyYAML).
pub fn render(root: &Path, python: &Path, parameters: &[(&str, &str)]) -> Result<Rendered, String> {
    let script = root.join("tests").join("template").join("render_stack.py");
    let output = Command::new(python)
        .arg(&script)
        .arg("--template")
        .arg(root.join("template.yaml"))
        .args(
            parameters
                .iter()
                .map(|(name, value)| format!("{name}={value}")),
        )
        .output()
        .map_err(|e| format!("running {}: {e}", script.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("{} printed no stack: {e}", script.display()))
}

impl Rendered {
    pub fn resource(&self, logical_id: &str) -> Result<&Resource, String> {
        self.resources
            .get(logical_id)
            .ok_or_else(|| format!("template.yaml has no resource {logical_id}"))
    }

    pub fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a str, &'a Resource)> {
        self.resources
            .iter()
            .filter(move |(_, r)| r.kind == kind)
            .map(|(id, r)| (id.as_str(), r))
    }

    pub fn parameter(&self, name: &str) -> Result<&str, String> {
        self.parameters
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("template.yaml has no parameter {name}"))
    }

    /// The environment the template gives the function built from `binary` (its SAM BuildProperties).
    pub fn function_environment(&self, binary: &str) -> Result<BTreeMap<String, String>, String> {
        let (_, function) = self
            .of_type("AWS::Serverless::Function")
            .find(|(_, f)| f.metadata["BuildProperties"]["Binary"] == binary)
            .ok_or_else(|| format!("template.yaml builds no function from binary {binary}"))?;
        let variables = &function.properties["Environment"]["Variables"];
        match variables {
            Value::Null => Ok(BTreeMap::new()),
            Value::Object(map) => Ok(map.iter().map(|(k, v)| (k.clone(), scalar(v))).collect()),
            other => Err(format!(
                "{binary}: Environment.Variables is not a map: {other}"
            )),
        }
    }
}

impl Rendered {
    /// A function property, from the function or else from `Globals.Function`, as SAM merges them.
    pub fn function_property(&self, logical_id: &str, path: &[&str]) -> Result<Value, String> {
        let get = |mut value: &Value| {
            for key in path {
                value = &value[*key];
            }
            value.clone()
        };
        let own = get(&self.resource(logical_id)?.properties);
        Ok(if own.is_null() {
            get(&self.globals["Function"])
        } else {
            own
        })
    }
}

/// A CloudFormation scalar as the text CloudFormation passes on (numbers and booleans included).
pub fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// What was created, for the narration and the later steps.
#[derive(Debug, Default)]
pub struct Provisioned {
    /// logical id → ARN returned by CreateTopic.
    pub topics: BTreeMap<String, String>,
    /// logical id → URL returned by CreateQueue.
    pub queues: BTreeMap<String, String>,
    /// (full name, value), in template order.
    pub parameters: Vec<(String, String)>,
    pub alarms: Vec<MetricAlarmDef>,
    /// Resource type → how many were not created, because the emulator cannot hold them or the demo does
    /// not need them.
    pub not_created: BTreeMap<String, usize>,
}

/// Types created before the quota calculator runs (the composite waits for it, as in the template).
const CREATED: [&str; 6] = [
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::SNS::Subscription",
    "AWS::DynamoDB::Table",
    "AWS::SSM::Parameter",
    "AWS::CloudWatch::Alarm",
];
/// Created after the calculator (`DependsOn: QuotaThresholds`), or run in this process: the custom resource
/// (the calculator's handler) and the functions (their handlers).
const LATER: [&str; 3] = [
    "AWS::CloudWatch::CompositeAlarm",
    "Custom::QuotaThresholds",
    "AWS::Serverless::Function",
];

/// Creates the topics, the queues and their subscriptions, the ledger table, the settings parameters and the
/// template's metric alarms.
pub async fn provision(stack: &Rendered, clients: &AwsClients) -> Result<Provisioned, String> {
    let mut done = Provisioned::default();
    for (logical_id, topic) in stack.of_type("AWS::SNS::Topic") {
        let name = text(&topic.properties, "TopicName", logical_id)?;
        let mut call = clients.sns.create_topic().name(&name);
        if let Some(display) = topic.properties["DisplayName"].as_str() {
            call = call.attributes("DisplayName", display);
        }
        let arn = call
            .send()
            .await
            .map_err(|e| format!("CreateTopic {name}: {e}"))?
            .topic_arn
            .ok_or_else(|| format!("CreateTopic {name} returned no ARN"))?;
        done.topics.insert(logical_id.to_owned(), arn);
    }
    // The follow-up queue and the dead-letter queues, with their timings (encryption is not emulated).
    let sqs = aws_sdk_sqs::Client::new(&clients.config);
    for (logical_id, queue) in stack.of_type("AWS::SQS::Queue") {
        let name = text(&queue.properties, "QueueName", logical_id)?;
        let mut call = sqs.create_queue().queue_name(&name);
        for attribute in [
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
        ] {
            if !queue.properties[attribute].is_null() {
                call = call.attributes(
                    QueueAttributeName::from(attribute),
                    scalar(&queue.properties[attribute]),
                );
            }
        }
        let url = call
            .send()
            .await
            .map_err(|e| format!("CreateQueue {name}: {e}"))?
            .queue_url
            .ok_or_else(|| format!("CreateQueue {name} returned no URL"))?;
        done.queues.insert(logical_id.to_owned(), url);
    }
    // The queue's subscriptions to a topic (the follow-ups the alarm's e-mail carries reach the follow-up queue
    // through one), with their filter and raw delivery; the e-mail subscriptions are not created (no mail here).
    for (logical_id, subscription) in stack.of_type("AWS::SNS::Subscription") {
        let props = &subscription.properties;
        if props["Protocol"].as_str() != Some("sqs") {
            *done
                .not_created
                .entry(subscription.kind.clone())
                .or_default() += 1;
            continue;
        }
        let mut call = clients
            .sns
            .subscribe()
            .topic_arn(text(props, "TopicArn", logical_id)?)
            .protocol("sqs")
            .endpoint(text(props, "Endpoint", logical_id)?)
            .return_subscription_arn(true);
        for attribute in ["RawMessageDelivery", "FilterPolicyScope"] {
            if !props[attribute].is_null() {
                call = call.attributes(attribute, scalar(&props[attribute]));
            }
        }
        if !props["FilterPolicy"].is_null() {
            call = call.attributes("FilterPolicy", props["FilterPolicy"].to_string());
        }
        call.send()
            .await
            .map_err(|e| format!("Subscribe {logical_id}: {e}"))?;
    }
    for (logical_id, table) in stack.of_type("AWS::DynamoDB::Table") {
        create_table(clients, logical_id, &table.properties).await?;
    }
    let parameters = clients.parameters();
    for (logical_id, parameter) in stack.of_type("AWS::SSM::Parameter") {
        let name = text(&parameter.properties, "Name", logical_id)?;
        let value = scalar(&parameter.properties["Value"]);
        parameters
            .put(&name, &value)
            .await
            .map_err(|e| format!("PutParameter {name}: {e}"))?;
        done.parameters.push((name, value));
    }
    let alarms = clients.alarms();
    for (logical_id, alarm) in stack.of_type("AWS::CloudWatch::Alarm") {
        let def = alarm_def(logical_id, &alarm.properties)?;
        alarms
            .put(&def)
            .await
            .map_err(|e| format!("PutMetricAlarm {}: {e}", def.name))?;
        done.alarms.push(def);
    }
    for resource in stack.resources.values() {
        if !CREATED.contains(&resource.kind.as_str()) && !LATER.contains(&resource.kind.as_str()) {
            *done.not_created.entry(resource.kind.clone()).or_default() += 1;
        }
    }
    Ok(done)
}

/// The dashboards-only composite; returns its name and rule.
pub async fn create_composites(
    stack: &Rendered,
    clients: &AwsClients,
) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for (logical_id, composite) in stack.of_type("AWS::CloudWatch::CompositeAlarm") {
        let props = &composite.properties;
        let name = text(props, "AlarmName", logical_id)?;
        clients
            .cloudwatch
            .put_composite_alarm()
            .alarm_name(&name)
            .alarm_rule(text(props, "AlarmRule", logical_id)?)
            .set_alarm_description(props["AlarmDescription"].as_str().map(str::to_owned))
            .actions_enabled(flag(&props["ActionsEnabled"], true))
            .set_alarm_actions(Some(strings(&props["AlarmActions"])))
            .set_ok_actions(Some(strings(&props["OKActions"])))
            .send()
            .await
            .map_err(|e| format!("PutCompositeAlarm {name}: {e}"))?;
        names.push(name);
    }
    Ok(names)
}

async fn create_table(clients: &AwsClients, logical_id: &str, props: &Value) -> Result<(), String> {
    let name = text(props, "TableName", logical_id)?;
    let mut call = clients.dynamodb.create_table().table_name(&name);
    for key in props["KeySchema"].as_array().into_iter().flatten() {
        call = call.key_schema(
            KeySchemaElement::builder()
                .attribute_name(text(key, "AttributeName", logical_id)?)
                .key_type(KeyType::from(text(key, "KeyType", logical_id)?.as_str()))
                .build()
                .map_err(|e| format!("{logical_id} KeySchema: {e}"))?,
        );
    }
    for attribute in props["AttributeDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        call = call.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(text(attribute, "AttributeName", logical_id)?)
                .attribute_type(ScalarAttributeType::from(
                    text(attribute, "AttributeType", logical_id)?.as_str(),
                ))
                .build()
                .map_err(|e| format!("{logical_id} AttributeDefinitions: {e}"))?,
        );
    }
    if let Some(mode) = props["BillingMode"].as_str() {
        call = call.billing_mode(BillingMode::from(mode));
    }
    call.send()
        .await
        .map_err(|e| format!("CreateTable {name}: {e}"))?;
    let ttl = &props["TimeToLiveSpecification"];
    if ttl.is_object() {
        clients
            .dynamodb
            .update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(text(ttl, "AttributeName", logical_id)?)
                    .enabled(flag(&ttl["Enabled"], false))
                    .build()
                    .map_err(|e| format!("{logical_id} TimeToLiveSpecification: {e}"))?,
            )
            .send()
            .await
            .map_err(|e| format!("UpdateTimeToLive {name}: {e}"))?;
    }
    Ok(())
}

/// AWS::CloudWatch::Alarm properties → the adapter's PutMetricAlarm shape. A property the adapter cannot
/// carry lands in `unmodelled`, which `put` refuses: a new template feature stops the demo instead of
/// being dropped.
pub fn alarm_def(logical_id: &str, props: &Value) -> Result<MetricAlarmDef, String> {
    const KNOWN: [&str; 22] = [
        "AlarmName",
        "AlarmDescription",
        "ActionsEnabled",
        "AlarmActions",
        "OKActions",
        "InsufficientDataActions",
        "Namespace",
        "MetricName",
        "Dimensions",
        "Statistic",
        "ExtendedStatistic",
        "Period",
        "Metrics",
        "Threshold",
        "ThresholdMetricId",
        "ComparisonOperator",
        "EvaluationPeriods",
        "DatapointsToAlarm",
        "TreatMissingData",
        "EvaluateLowSampleCountPercentile",
        "Unit",
        "Tags",
    ];
    let map = props
        .as_object()
        .ok_or_else(|| format!("{logical_id}: no properties"))?;
    let metric = match props.get("MetricName") {
        Some(_) => Some(SingleMetric {
            namespace: text(props, "Namespace", logical_id)?,
            metric_name: text(props, "MetricName", logical_id)?,
            dimensions: dimensions(&props["Dimensions"]),
            statistic: props["Statistic"].as_str().map(str::to_owned),
            extended_statistic: props["ExtendedStatistic"].as_str().map(str::to_owned),
            period: integer(&props["Period"], "Period", logical_id)?,
        }),
        None => None,
    };
    let metrics = props["Metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|query| metric_query(logical_id, query))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(MetricAlarmDef {
        name: text(props, "AlarmName", logical_id)?,
        arn: None,
        description: props["AlarmDescription"].as_str().map(str::to_owned),
        actions_enabled: flag(&props["ActionsEnabled"], true),
        alarm_actions: strings(&props["AlarmActions"]),
        ok_actions: strings(&props["OKActions"]),
        insufficient_data_actions: strings(&props["InsufficientDataActions"]),
        metric,
        metrics,
        threshold: optional_number(&props["Threshold"], "Threshold", logical_id)?,
        threshold_metric_id: props["ThresholdMetricId"].as_str().map(str::to_owned),
        comparison_operator: text(props, "ComparisonOperator", logical_id)?,
        evaluation_periods: integer(&props["EvaluationPeriods"], "EvaluationPeriods", logical_id)?,
        datapoints_to_alarm: match &props["DatapointsToAlarm"] {
            Value::Null => None,
            value => Some(integer(value, "DatapointsToAlarm", logical_id)?),
        },
        treat_missing_data: props["TreatMissingData"].as_str().map(str::to_owned),
        evaluate_low_sample_count_percentile: props["EvaluateLowSampleCountPercentile"]
            .as_str()
            .map(str::to_owned),
        unit: props["Unit"].as_str().map(str::to_owned),
        state_value: None,
        tags: props["Tags"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|tag| (scalar(&tag["Key"]), scalar(&tag["Value"])))
            .collect(),
        unmodelled: map
            .keys()
            .filter(|key| !KNOWN.contains(&key.as_str()))
            .cloned()
            .collect(),
    })
}

fn metric_query(logical_id: &str, query: &Value) -> Result<MetricQuery, String> {
    let stat = &query["MetricStat"];
    let metric_stat = if stat.is_object() {
        let metric = &stat["Metric"];
        Some(MetricStatDef {
            namespace: text(metric, "Namespace", logical_id)?,
            metric_name: text(metric, "MetricName", logical_id)?,
            dimensions: dimensions(&metric["Dimensions"]),
            period: integer(&stat["Period"], "Period", logical_id)?,
            stat: text(stat, "Stat", logical_id)?,
            unit: stat["Unit"].as_str().map(str::to_owned),
        })
    } else {
        None
    };
    Ok(MetricQuery {
        id: text(query, "Id", logical_id)?,
        metric_stat,
        expression: query["Expression"].as_str().map(str::to_owned),
        label: query["Label"].as_str().map(str::to_owned),
        return_data: query.get("ReturnData").map(|v| flag(v, true)),
        period: match &query["Period"] {
            Value::Null => None,
            value => Some(integer(value, "Period", logical_id)?),
        },
        account_id: query["AccountId"].as_str().map(str::to_owned),
    })
}

fn dimensions(value: &Value) -> Vec<Dimension> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| Dimension::new(scalar(&d["Name"]), scalar(&d["Value"])))
        .collect()
}

fn text(props: &Value, name: &str, logical_id: &str) -> Result<String, String> {
    match &props[name] {
        Value::Null => Err(format!("{logical_id}: {name} is missing")),
        value => Ok(scalar(value)),
    }
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().into_iter().flatten().map(scalar).collect()
}

/// CloudFormation accepts `true`, `"true"` and `"True"` alike.
fn flag(value: &Value, default: bool) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        _ => default,
    }
}

fn optional_number(value: &Value, name: &str, logical_id: &str) -> Result<Option<f64>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        Value::String(s) => s
            .parse()
            .map(Some)
            .map_err(|_| format!("{logical_id}: {name} '{s}' is not a number")),
        other => Err(format!("{logical_id}: {name} {other} is not a number")),
    }
}

fn integer(value: &Value, name: &str, logical_id: &str) -> Result<i32, String> {
    let number = optional_number(value, name, logical_id)?
        .ok_or_else(|| format!("{logical_id}: {name} is missing"))?;
    if number.fract() != 0.0 || number < f64::from(i32::MIN) || number > f64::from(i32::MAX) {
        return Err(format!(
            "{logical_id}: {name} {number} is not a whole number"
        ));
    }
    // Checked just above: whole and within range.
    Ok(number as i32)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_metric_math_alarm_keeps_every_query_and_takes_numbers_as_cloudformation_text() {
        let def = alarm_def(
            "ThrottlesAlarm",
            &json!({
                "AlarmName": "Acme-Bedrock-Throttles-Critical-Opus", "ActionsEnabled": true,
                "AlarmActions": ["arn:raw"], "OKActions": ["arn:raw"], "ComparisonOperator": "GreaterThanThreshold",
                "Threshold": "5", "EvaluationPeriods": "5", "TreatMissingData": "notBreaching",
                "Metrics": [
                    {"Id": "m1", "ReturnData": false, "MetricStat": {"Metric": {"Namespace": "AWS/Bedrock",
                        "MetricName": "InvocationThrottles", "Dimensions": [{"Name": "ModelId", "Value": "m"}]},
                        "Period": "60", "Stat": "Sum"}},
                    {"Id": "rate", "Expression": "m1 / (PERIOD(m1) / 60)", "ReturnData": true}
                ]
            }),
        )
        .unwrap();
        assert_eq!(def.threshold, Some(5.0));
        assert_eq!(def.evaluation_periods, 5);
        assert_eq!(def.ok_actions, ["arn:raw"]);
        assert_eq!(def.metrics.len(), 2);
        let stat = def.metrics[0].metric_stat.as_ref().unwrap();
        assert_eq!((stat.period, stat.stat.as_str()), (60, "Sum"));
        assert_eq!(stat.dimensions, [Dimension::new("ModelId", "m")]);
        assert_eq!(def.metrics[0].return_data, Some(false));
        assert!(def.unmodelled.is_empty());
        assert_eq!(def.validate(), Ok(()));
    }

    #[test]
    fn a_property_the_adapter_cannot_write_is_refused_rather_than_dropped() {
        let def = alarm_def(
            "HighLatencyAlarm",
            &json!({
                "AlarmName": "a", "Namespace": "AWS/Bedrock", "MetricName": "InvocationLatency",
                "Statistic": "Average", "Period": 300, "EvaluationPeriods": 2, "Threshold": 240000,
                "ComparisonOperator": "GreaterThanThreshold", "EvaluationInterval": 60
            }),
        )
        .unwrap();
        assert_eq!(def.metric.as_ref().unwrap().period, 300);
        assert_eq!(def.unmodelled, ["EvaluationInterval"]);
        assert!(def.validate().is_err());
    }

    #[test]
    fn a_missing_required_property_names_the_resource() {
        let err = alarm_def("X", &json!({"AlarmName": "a"})).unwrap_err();
        assert_eq!(err, "X: ComparisonOperator is missing");
    }
}
