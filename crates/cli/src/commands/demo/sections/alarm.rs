//! Section 4: the TPM quota alarm moves to ALARM and CloudWatch publishes its message to the raw topic.
//! Nothing evaluates metrics in the emulator, so the demo sets the state CloudWatch would reach with the
//! usage just written, with CloudWatch's own wording for the reason; the message the emulator publishes
//! is then read back, since it is what the processor receives in the next section.

use std::io::Write;

use aws_sdk_cloudwatch::types::{AlarmType, StateValue};
use bedrock_ops_core::alarm_spec::quota_alarm_names;
use bedrock_ops_core::alarms::AlarmName;
use bedrock_ops_core::messages::format::utc;
use bedrock_ops_testkit::emulator::SnsMessage;
use serde::Serialize;
use serde_json::Value;

use super::Facts;
use crate::commands::demo::Demo;
use crate::commands::demo::scenario::{CUSTOMER, MODEL, TPM_THRESHOLD};
use crate::commands::demo::show::Show;
use crate::commands::demo::step::{Step, failed};
use crate::commands::demo::usage::Minute;

/// The alarm that fired, what CloudWatch published, and where the product's catalogue places it.
#[derive(Serialize)]
pub struct AlarmFacts {
    pub name: String,
    pub kind: &'static str,
    pub class: &'static str,
    /// The raw topic message's subject, as CloudWatch writes it.
    pub subject: Option<String>,
    /// The raw topic message's body (CloudWatch's alarm JSON).
    pub message: Value,
    /// The state reason set with the alarm.
    #[serde(skip)]
    pub reason: String,
    #[serde(skip)]
    pub layer: &'static str,
    #[serde(skip)]
    pub severity: &'static str,
    /// (name, state) of each composite alarm after the change.
    #[serde(skip)]
    pub composites: Vec<(String, String)>,
    /// The raw topic's message as published: the processor's input.
    #[serde(skip)]
    pub published: SnsMessage,
}

/// Sets the TPM alarm to ALARM with the reason the last `WarningAlarmEvaluationPeriods` minutes of
/// `minutes` give, and reads back the one message published to `raw_topic`.
pub async fn run(demo: &Demo<'_>, raw_topic: &str, minutes: &[Minute]) -> Step<AlarmFacts> {
    let [_, name] = quota_alarm_names(CUSTOMER, MODEL);
    let periods: usize = demo
        .stack
        .parameter("WarningAlarmEvaluationPeriods")?
        .parse()
        .map_err(failed("WarningAlarmEvaluationPeriods"))?;
    let reason = breach_reason(
        &minutes[minutes.len().saturating_sub(periods)..],
        TPM_THRESHOLD,
    );
    demo.clients
        .cloudwatch
        .set_alarm_state()
        .alarm_name(&name)
        .state_value(StateValue::Alarm)
        .state_reason(&reason)
        .send()
        .await
        .map_err(failed("SetAlarmState"))?;
    let mut published = demo
        .emulator
        .sns_messages(Some(raw_topic))
        .map_err(failed("reading the raw topic"))?;
    if published.len() != 1 {
        return Err(format!(
            "CloudWatch published {} messages to the raw topic, expected the one alarm message",
            published.len()
        ));
    }
    let published = published.remove(0);
    let message: Value =
        serde_json::from_str(&published.message).map_err(failed("the alarm message"))?;
    let parsed = AlarmName::parse(&name).map_err(|e| e.to_string())?;
    let composites = demo
        .clients
        .cloudwatch
        .describe_alarms()
        .alarm_types(AlarmType::CompositeAlarm)
        .send()
        .await
        .map_err(failed("DescribeAlarms (composites)"))?
        .composite_alarms()
        .iter()
        .map(|composite| {
            (
                composite.alarm_name().unwrap_or("").to_owned(),
                composite
                    .state_value()
                    .map(|s| s.as_str())
                    .unwrap_or("?")
                    .to_owned(),
            )
        })
        .collect();
    Ok(AlarmFacts {
        kind: parsed.kind.as_str(),
        class: parsed.class().as_str(),
        layer: parsed.layer().as_str(),
        severity: parsed.severity().as_str(),
        name,
        subject: published.subject.clone(),
        message,
        reason,
        composites,
        published,
    })
}

impl Facts for AlarmFacts {
    const HEADING: &'static str = "An alarm fires";

    fn show<W: Write>(&self, show: &mut Show<'_, W>) -> std::io::Result<()> {
        let body = &self.message;
        show.field(
            "SetAlarmState",
            format!(
                "{}\n{} → {} (nothing evaluates metrics in the emulator, so the demo sets the state \
                 CloudWatch would reach with this data)",
                self.name,
                body["OldStateValue"].as_str().unwrap_or("?"),
                body["NewStateValue"].as_str().unwrap_or("?")
            ),
        )?;
        show.field("Reason", &self.reason)?;
        show.field_unwrapped(
            "Raw topic",
            format!(
                "CloudWatch published the alarm message, as it does in AWS:\nSubject: {}\nAlarmArn: {}\nStateChangeTime: {}\nTrigger: {} {} {}",
                self.subject.as_deref().unwrap_or(""),
                body["AlarmArn"].as_str().unwrap_or(""),
                body["StateChangeTime"].as_str().unwrap_or(""),
                body["Trigger"]["Metrics"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m["MetricStat"]["Metric"]["MetricName"].as_str())
                    .collect::<Vec<_>>()
                    .join(" + "),
                body["Trigger"]["ComparisonOperator"].as_str().unwrap_or(""),
                body["Trigger"]["Threshold"],
            ),
        )?;
        show.field(
            "Catalogue",
            format!(
                "{}: layer {}, {}, class {}",
                self.kind, self.layer, self.severity, self.class
            ),
        )?;
        for (name, state) in &self.composites {
            show.field(
                "Composite",
                format!(
                    "{name} is now {state} (it has no actions: the alarm's own message above is what is \
                     acted on)"
                ),
            )?;
        }
        Ok(())
    }
}

/// CloudWatch's wording for a breach, from the datapoints that caused it.
fn breach_reason(last: &[Minute], threshold: f64) -> String {
    let points: Vec<String> = last
        .iter()
        .rev()
        .map(|m| {
            let text = utc(m.at);
            // `2026-11-23 11:49:00 UTC` → `23/11/26 11:49:00`, CloudWatch's format.
            let (date, time) = text.split_once(' ').unwrap_or((&text, ""));
            let mut parts = date.split('-');
            let (year, month, day) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            format!(
                "{:.1} ({day}/{month}/{} {})",
                m.estimated_tpm(),
                year.get(2..).unwrap_or(year),
                time.trim_end_matches(" UTC")
            )
        })
        .collect();
    format!(
        "Threshold Crossed: {n} out of the last {n} datapoints [{}] were greater than the threshold ({threshold:.1}) \
         (minimum {n} datapoints for OK -> ALARM transition).",
        points.join(", "),
        n = last.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breach_reason_reads_like_cloudwatchs() {
        let minutes = [
            Minute {
                at: 1_795_000_020,
                invocations: 6_200.0,
            },
            Minute {
                at: 1_795_000_080,
                invocations: 6_200.0,
            },
        ];
        assert_eq!(
            breach_reason(&minutes, 5_000_000.0),
            "Threshold Crossed: 2 out of the last 2 datapoints [5580000.0 (18/11/26 11:08:00), 5580000.0 \
             (18/11/26 11:07:00)] were greater than the threshold (5000000.0) (minimum 2 datapoints for OK -> \
             ALARM transition)."
        );
    }
}
