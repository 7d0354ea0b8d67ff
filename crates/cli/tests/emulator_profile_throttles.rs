//! Throttling reported only under an application inference profile's `ModelId` reaches the Throttles alarm
//! once the profile is listed in `ExtraModelIds` (issue 16): the alarm's queries are taken from template.yaml
//! as CloudFormation would create them (`tests/template/render_stack.py`), metric data is put under the
//! profile's ARN only, and the alarm's own expression is evaluated by the emulator's GetMetricData metric
//! math. Needs `--features emulator` (the test command passes `--all-features`).

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricDatum, MetricStat};
use bedrock_ops_testkit::emulator::{self, Emulator, take_turn};
use serde_json::Value;

const PROFILE_ARN: &str =
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6";
/// Throttles per minute under the profile: above the template's default ErrorThreshold (5).
const THROTTLES_PER_MINUTE: f64 = 30.0;
const MINUTES: i64 = 6;

/// template.yaml's ThrottlesAlarm properties for these parameters, as CloudFormation would evaluate them.
fn throttles_alarm(extra_model_ids: &str) -> Value {
    let root = emulator::workspace_root().expect("workspace root");
    let output = Command::new(emulator::python().expect("the emulator's Python"))
        .arg(root.join("tests/template/render_stack.py"))
        .args([
            "CustomerName=Acme",
            "StakeholderEmailList=ops@example.com",
            &format!("ExtraModelIds={extra_model_ids}"),
        ])
        .output()
        .expect("render_stack.py runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stack: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    stack["Resources"]["ThrottlesAlarm"]["Properties"].clone()
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An alarm's `Metrics` item as a GetMetricData query (what CloudWatch evaluates for the alarm).
fn query(item: &Value) -> MetricDataQuery {
    let mut query = MetricDataQuery::builder()
        .id(text(&item["Id"]))
        .return_data(item["ReturnData"].as_bool().unwrap_or(true));
    if let Some(expression) = item["Expression"].as_str() {
        query = query.expression(expression);
    }
    let stat = &item["MetricStat"];
    if stat.is_object() {
        let metric = &stat["Metric"];
        let dimensions = metric["Dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                Dimension::builder()
                    .name(text(&d["Name"]))
                    .value(text(&d["Value"]))
                    .build()
            })
            .collect();
        query = query.metric_stat(
            MetricStat::builder()
                .metric(
                    Metric::builder()
                        .namespace(text(&metric["Namespace"]))
                        .metric_name(text(&metric["MetricName"]))
                        .set_dimensions(Some(dimensions))
                        .build(),
                )
                .period(text(&stat["Period"]).parse().unwrap())
                .stat(text(&stat["Stat"]))
                .build(),
        );
    }
    query.build()
}

fn now_minute() -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    now - now % 60
}

/// The per-minute values of the alarm's returned expression over the last ten minutes.
fn evaluate(
    runtime: &tokio::runtime::Runtime,
    cw: &aws_sdk_cloudwatch::Client,
    queries: Vec<MetricDataQuery>,
    now: i64,
) -> Vec<f64> {
    let answer = runtime
        .block_on(
            cw.get_metric_data()
                .start_time(DateTime::from_secs(now - 600))
                .end_time(DateTime::from_secs(now))
                .set_metric_data_queries(Some(queries))
                .send(),
        )
        .expect("GetMetricData");
    let results = answer.metric_data_results();
    assert_eq!(results.len(), 1, "one returned expression: {results:?}");
    results[0].values().to_vec()
}

#[test]
fn throttles_reported_only_under_an_application_profile_breach_the_summed_alarm() {
    let _turn = take_turn();
    let emulator = Emulator::shared().expect("emulator starts");
    emulator.reset().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cw = aws_sdk_cloudwatch::Client::new(&emulator.sdk_config());
    let now = now_minute();
    let throttles: Vec<MetricDatum> = (1..=MINUTES)
        .map(|i| {
            MetricDatum::builder()
                .metric_name("InvocationThrottles")
                .dimensions(
                    Dimension::builder()
                        .name("ModelId")
                        .value(PROFILE_ARN)
                        .build(),
                )
                .timestamp(DateTime::from_secs(now - 60 * i))
                .value(THROTTLES_PER_MINUTE)
                .build()
        })
        .collect();
    runtime
        .block_on(
            cw.put_metric_data()
                .namespace("AWS/Bedrock")
                .set_metric_data(Some(throttles))
                .send(),
        )
        .expect("PutMetricData");

    let summed = throttles_alarm(PROFILE_ARN);
    let threshold: f64 = text(&summed["Threshold"]).parse().unwrap();
    let periods: usize = text(&summed["EvaluationPeriods"]).parse().unwrap();
    let metrics = summed["Metrics"].as_array().unwrap();
    let values = evaluate(&runtime, &cw, metrics.iter().map(query).collect(), now);
    let breaching = values.iter().filter(|v| **v > threshold).count();
    assert_eq!(values.len(), MINUTES as usize, "{values:?}");
    assert!(
        values.iter().all(|v| *v == THROTTLES_PER_MINUTE),
        "{values:?}"
    );
    assert!(
        breaching >= periods,
        "{breaching} breaching minutes of {values:?}, the alarm needs {periods} above {threshold}"
    );

    // The single-id alarm (no ExtraModelIds) never sees the profile's throttling: the gap this closes.
    let single = throttles_alarm("");
    let metrics = single["Metrics"].as_array().unwrap();
    let values = evaluate(&runtime, &cw, metrics.iter().map(query).collect(), now);
    assert!(values.is_empty(), "{values:?}");

    // Why SUM([...]) and not m1 + m2: arithmetic between series keeps only the minutes both reported.
    let mut plus: Vec<MetricDataQuery> = summed["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["MetricStat"].is_object())
        .map(query)
        .collect();
    plus.push(
        MetricDataQuery::builder()
            .id("plus")
            .expression("m1 + m2")
            .build(),
    );
    assert!(evaluate(&runtime, &cw, plus, now).is_empty());
}
