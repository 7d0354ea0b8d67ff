//! The input: an SNS event whose message is a CloudWatch alarm state change, or (for the CLI) the bare
//! alarm message. Our own serde types, lenient about fields we do not use and strict about the ones the
//! decision depends on; anything else is an [`EventError`] with a message that says what is wrong, never a
//! panic.
//!
//! A metric alarm message has `Trigger`; a composite alarm message has `AlarmRule` and
//! `TriggeringChildren`, whose ARNs name the child alarms that moved it. Only this stack's alarms are
//! accepted (exact customer and model, W-24): another stack's alarm is refused, so nothing is filed for it.

use bedrock_ops_core::alarms::{AlarmName, AlarmNameError, composite_alarm_name};
use bedrock_ops_core::messages::FiredAlarm;
use bedrock_ops_core::plan::AlarmState;
use serde::Deserialize;
use serde_json::Value;

/// CloudWatch's limit on alarm names.
const MAX_ALARM_NAME_LEN: usize = 255;
/// Longest alarm ARN accepted (CloudWatch's are far shorter); keeps hostile input out of the ledger key.
const MAX_ARN_LEN: usize = 1024;
/// Longest state reason kept; the e-mail shows less, the console has the full text.
const MAX_REASON_LEN: usize = 4096;
/// Most triggering children kept from a composite (a stack has ten alarms).
const MAX_CHILDREN: usize = 10;

/// Why an event cannot be processed. None of these gets better by retrying.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the event is not an SNS event nor a CloudWatch alarm message: {0}")]
    NotAnEvent(String),
    #[error("SNS record {index} holds no message")]
    NoMessage { index: usize },
    #[error("SNS record {index}: the message is not a CloudWatch alarm state change: {detail}")]
    NotAnAlarmMessage { index: usize, detail: String },
    #[error("alarm '{name}': {detail}")]
    Invalid { name: String, detail: String },
    #[error("{0}")]
    Alarm(#[from] AlarmNameError),
    #[error(
        "composite alarm '{name}' is not this stack's composite '{expected}', so nothing is filed for it"
    )]
    OtherComposite { name: String, expected: String },
}

/// How the alarm reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Metric,
    Composite,
}

/// One alarm state change of this stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// Idempotency key: alarm ARN (or name, when the message has no ARN) + new state + state change
    /// time, exactly as CloudWatch wrote them.
    pub key: String,
    /// The alarm that sent the message (the composite's own name for a composite).
    pub alarm_name: String,
    pub source: Source,
    /// `None` for a state we do not act on (INSUFFICIENT_DATA).
    pub state: Option<AlarmState>,
    /// The raw `NewStateValue`.
    pub state_value: String,
    /// The raw `OldStateValue` (shortened), when the message has one: an OK only means a recovery after ALARM.
    pub old_state_value: Option<String>,
    /// `StateChangeTime`, epoch seconds.
    pub changed_at: i64,
    /// The alarms of the transition: the metric alarm itself, or the composite's triggering children.
    pub alarms: Vec<FiredAlarm>,
}

#[derive(Deserialize)]
struct SnsEvent {
    #[serde(rename = "Records")]
    records: Vec<SnsRecord>,
}

#[derive(Deserialize)]
struct SnsRecord {
    #[serde(rename = "Sns")]
    sns: Option<SnsBody>,
}

#[derive(Deserialize)]
struct SnsBody {
    #[serde(rename = "Message")]
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AlarmMessage {
    alarm_name: String,
    #[serde(default)]
    alarm_arn: Option<String>,
    new_state_value: String,
    #[serde(default)]
    old_state_value: Option<String>,
    #[serde(default)]
    new_state_reason: Option<String>,
    state_change_time: String,
    #[serde(default)]
    trigger: Option<Value>,
    #[serde(default)]
    alarm_rule: Option<String>,
    #[serde(default)]
    triggering_children: Option<Vec<Child>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Child {
    arn: String,
    #[serde(default)]
    state: Option<ChildState>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ChildState {
    #[serde(default)]
    timestamp: Option<String>,
}

/// The alarm messages of an input: every record's message of an SNS event, or the input itself when it is
/// a bare alarm message (an object with `AlarmName`).
pub fn messages(input: &Value) -> Result<Vec<String>, EventError> {
    if input.get("Records").is_some() {
        let event: SnsEvent = serde_json::from_value(input.clone())
            .map_err(|e| EventError::NotAnEvent(e.to_string()))?;
        if event.records.is_empty() {
            return Err(EventError::NotAnEvent(
                "the SNS event has no records".into(),
            ));
        }
        return event
            .records
            .into_iter()
            .enumerate()
            .map(|(index, record)| {
                record
                    .sns
                    .and_then(|sns| sns.message)
                    .ok_or(EventError::NoMessage { index })
            })
            .collect();
    }
    if input.get("AlarmName").is_some() {
        return Ok(vec![input.to_string()]);
    }
    Err(EventError::NotAnEvent(
        "expected an object with Records (SNS) or AlarmName (CloudWatch alarm message)".into(),
    ))
}

/// Parses one alarm message and checks that it belongs to `customer`'s `model` stack.
pub fn transition(
    index: usize,
    message: &str,
    customer: &str,
    model: &str,
) -> Result<Transition, EventError> {
    let raw: AlarmMessage =
        serde_json::from_str(message).map_err(|e| EventError::NotAnAlarmMessage {
            index,
            detail: e.to_string(),
        })?;
    if raw.alarm_name.chars().count() > MAX_ALARM_NAME_LEN {
        return Err(EventError::Invalid {
            name: shorten(&raw.alarm_name, 120),
            detail: format!(
                "the alarm name is longer than CloudWatch's {MAX_ALARM_NAME_LEN} characters"
            ),
        });
    }
    let invalid = |detail: String| EventError::Invalid {
        name: shorten(&raw.alarm_name, 120),
        detail,
    };
    let changed_at = parse_timestamp(&raw.state_change_time).ok_or_else(|| {
        invalid(format!(
            "StateChangeTime '{}' is not a timestamp",
            shorten(&raw.state_change_time, 64)
        ))
    })?;
    if let Some(arn) = &raw.alarm_arn
        && (arn.len() > MAX_ARN_LEN || arn.chars().any(char::is_control))
    {
        return Err(invalid("AlarmArn is not an alarm ARN".into()));
    }
    let reason = shorten(
        raw.new_state_reason.as_deref().unwrap_or_default(),
        MAX_REASON_LEN,
    );
    let is_composite = raw.alarm_rule.is_some() || raw.triggering_children.is_some();
    let (source, alarms) = if is_composite {
        let expected = composite_alarm_name(customer, model);
        if raw.alarm_name != expected {
            return Err(EventError::OtherComposite {
                name: shorten(&raw.alarm_name, 120),
                expected,
            });
        }
        let children = raw.triggering_children.as_deref().unwrap_or_default();
        if children.len() > MAX_CHILDREN {
            return Err(invalid(format!(
                "{} triggering children, a stack has at most {MAX_CHILDREN} alarms",
                children.len()
            )));
        }
        let alarms = children
            .iter()
            .map(|child| {
                let name = child_name(&child.arn).ok_or_else(|| {
                    invalid(format!(
                        "'{}' is not an alarm ARN",
                        shorten(&child.arn, 120)
                    ))
                })?;
                let at = child
                    .state
                    .as_ref()
                    .and_then(|s| s.timestamp.as_deref())
                    .and_then(parse_timestamp)
                    .unwrap_or(changed_at);
                Ok(FiredAlarm {
                    name: AlarmName::parse_for_stack(name, customer, model)?,
                    reason: reason.clone(),
                    at,
                })
            })
            .collect::<Result<Vec<_>, EventError>>()?;
        (Source::Composite, alarms)
    } else if raw.trigger.is_some() {
        let name = AlarmName::parse_for_stack(&raw.alarm_name, customer, model)?;
        let alarm = FiredAlarm {
            name,
            reason,
            at: changed_at,
        };
        (Source::Metric, vec![alarm])
    } else {
        return Err(invalid(
            "the message has neither Trigger (metric alarm) nor AlarmRule (composite alarm)".into(),
        ));
    };
    let identity = raw.alarm_arn.as_deref().unwrap_or(&raw.alarm_name);
    Ok(Transition {
        key: format!(
            "{identity}|{}|{}",
            raw.new_state_value, raw.state_change_time
        ),
        state: AlarmState::parse(&raw.new_state_value),
        state_value: shorten(&raw.new_state_value, 32),
        old_state_value: raw.old_state_value.as_deref().map(|old| shorten(old, 32)),
        alarm_name: raw.alarm_name,
        source,
        changed_at,
        alarms,
    })
}

/// `arn:aws:cloudwatch:<region>:<account>:alarm:<name>` → `<name>`.
fn child_name(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(7, ':');
    let prefix: Vec<&str> = parts.by_ref().take(6).collect();
    let name = parts.next()?;
    (prefix.len() == 6
        && prefix[0] == "arn"
        && prefix[2] == "cloudwatch"
        && prefix[5] == "alarm"
        && !name.is_empty())
    .then_some(name)
}

/// At most `max` characters, so hostile input cannot blow up messages or logs.
fn shorten(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// CloudWatch's `2026-05-04T14:52:48.069+0000` (and RFC 3339 forms: `Z`, `+00:00`, no fraction) →
/// epoch seconds.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_once('T')?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = digits(date_parts.next()?, 4)?;
    let month: i64 = digits(date_parts.next()?, 2)?;
    let day: i64 = digits(date_parts.next()?, 2)?;
    if rest.len() < 8 {
        return None;
    }
    let (clock, zone) = rest.split_at(8);
    let mut clock_parts = clock.splitn(3, ':');
    let hour: i64 = digits(clock_parts.next()?, 2)?;
    let minute: i64 = digits(clock_parts.next()?, 2)?;
    let second: i64 = digits(clock_parts.next()?, 2)?;
    let zone = match zone.strip_prefix('.') {
        Some(fraction) => {
            let end = fraction
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(fraction.len());
            if end == 0 {
                return None;
            }
            &fraction[end..]
        }
        None => zone,
    };
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.chars().next()? {
                '+' => 1,
                '-' => -1,
                _ => return None,
            };
            let zone = zone[1..].replace(':', "");
            if zone.len() != 4 {
                return None;
            }
            let hours: i64 = digits(&zone[..2], 2)?;
            let minutes: i64 = digits(&zone[2..], 2)?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61;
    valid.then(|| {
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset
    })
}

fn digits(text: &str, len: usize) -> Option<i64> {
    (text.len() == len && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's days-from-civil: days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use bedrock_ops_core::alarms::AlarmKind;
    use serde_json::json;

    use super::*;

    const ARN: &str = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:";

    fn metric(name: &str, state: &str) -> Value {
        json!({
            "AlarmName": name,
            "AlarmArn": format!("{ARN}{name}"),
            "AWSAccountId": "123456789012",
            "NewStateValue": state,
            "NewStateReason": "Threshold Crossed: 1 datapoint [5.0] was greater than the threshold (0.0).",
            "StateChangeTime": "2026-05-04T14:52:48.069+0000",
            "Region": "US East (N. Virginia)",
            "OldStateValue": "OK",
            "Trigger": {"MetricName": "InvocationThrottles", "Namespace": "AWS/Bedrock"}
        })
    }

    fn sns(message: &Value) -> Value {
        json!({"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": "m-1", "Message": message.to_string()}}]})
    }

    fn parse(input: &Value) -> Result<Vec<Transition>, EventError> {
        messages(input)?
            .iter()
            .enumerate()
            .map(|(i, m)| transition(i, m, "Acme", "Opus-4-6"))
            .collect()
    }

    #[test]
    fn metric_alarm_in_an_sns_event_is_one_transition_keyed_by_arn_state_and_time() {
        let t = parse(&sns(&metric(
            "Acme-Bedrock-Throttles-Critical-Opus-4-6",
            "ALARM",
        )))
        .unwrap();
        assert_eq!(t.len(), 1);
        let t = &t[0];
        assert_eq!(t.source, Source::Metric);
        assert_eq!(t.state, Some(AlarmState::Alarm));
        assert_eq!(
            t.key,
            format!(
                "{ARN}Acme-Bedrock-Throttles-Critical-Opus-4-6|ALARM|2026-05-04T14:52:48.069+0000"
            )
        );
        assert_eq!(t.changed_at, 1_777_906_368);
        assert_eq!(t.alarms.len(), 1);
        assert_eq!(t.alarms[0].name.kind, AlarmKind::Throttles);
        assert!(t.alarms[0].reason.starts_with("Threshold Crossed"));
    }

    #[test]
    fn bare_alarm_message_is_accepted_for_the_cli() {
        let t = parse(&metric("Acme-Bedrock-HighLatency-Warning-Opus-4-6", "OK")).unwrap();
        assert_eq!(t[0].state, Some(AlarmState::Ok));
    }

    #[test]
    fn composite_alarm_yields_every_triggering_child() {
        let message = json!({
            "AlarmName": "Acme-Bedrock-QuotaHealth-Composite-Opus-4-6",
            "AlarmArn": format!("{ARN}Acme-Bedrock-QuotaHealth-Composite-Opus-4-6"),
            "NewStateValue": "ALARM",
            "NewStateReason": "arn:... transitioned to ALARM",
            "StateChangeTime": "2026-05-04T14:52:48Z",
            "AlarmRule": "ALARM(Acme-Bedrock-Throttles-Critical-Opus-4-6) OR ALARM(Acme-Bedrock-HighTPMQuotaUsage-Warning-Opus-4-6)",
            "TriggeringChildren": [
                {"Arn": format!("{ARN}Acme-Bedrock-Throttles-Critical-Opus-4-6"), "State": {"Value": "ALARM", "Timestamp": "2026-05-04T14:50:00.000+0000"}},
                {"Arn": format!("{ARN}Acme-Bedrock-HighTPMQuotaUsage-Warning-Opus-4-6")}
            ]
        });
        let t = parse(&sns(&message)).unwrap().remove(0);
        assert_eq!(t.source, Source::Composite);
        let kinds: Vec<AlarmKind> = t.alarms.iter().map(|a| a.name.kind).collect();
        assert_eq!(kinds, [AlarmKind::Throttles, AlarmKind::HighTpmQuotaUsage]);
        assert_eq!(t.alarms[0].at, t.changed_at - 168);
        assert_eq!(t.alarms[1].at, t.changed_at);
    }

    #[test]
    fn another_stacks_alarm_is_refused_with_a_clear_message() {
        for other in [
            "BigAcme-Bedrock-Throttles-Critical-Opus-4-6",
            "Acme-Bedrock-Throttles-Critical-Sonnet",
        ] {
            let err = parse(&sns(&metric(other, "ALARM"))).unwrap_err();
            assert!(
                matches!(err, EventError::Alarm(AlarmNameError::OtherStack { .. })),
                "{other}: {err}"
            );
            assert!(err.to_string().contains(other), "{err}");
        }
        let composite = json!({
            "AlarmName": "Other-Bedrock-QuotaHealth-Composite-Opus-4-6",
            "NewStateValue": "ALARM",
            "StateChangeTime": "2026-05-04T14:52:48Z",
            "AlarmRule": "ALARM(x)"
        });
        assert!(matches!(
            parse(&composite),
            Err(EventError::OtherComposite { .. })
        ));
    }

    #[test]
    fn unknown_alarm_names_are_refused() {
        let err = parse(&sns(&metric(
            "Acme-Bedrock-Melted-Critical-Opus-4-6",
            "ALARM",
        )))
        .unwrap_err();
        assert!(
            matches!(err, EventError::Alarm(AlarmNameError::Unknown { .. })),
            "{err}"
        );
    }

    #[test]
    fn malformed_inputs_are_errors_that_say_what_is_wrong() {
        let cases: Vec<(Value, &str)> = vec![
            (json!(42), "expected an object"),
            (json!({"Records": []}), "no records"),
            (json!({"Records": "x"}), "not an SNS event"),
            (json!({"Records": [{"Sns": {}}]}), "holds no message"),
            (
                json!({"Records": [{"Sns": {"Message": "not json"}}]}),
                "not a CloudWatch alarm state change",
            ),
            (sns(&json!({"AlarmName": "x"})), "missing field"),
            (
                sns(&json!({"AlarmName": 7, "NewStateValue": "ALARM", "StateChangeTime": "x"})),
                "invalid type",
            ),
        ];
        for (input, expected) in cases {
            let err = parse(&input).unwrap_err();
            assert!(err.to_string().contains(expected), "{input}: {err}");
        }
        let mut bad_time = metric("Acme-Bedrock-Throttles-Critical-Opus-4-6", "ALARM");
        bad_time["StateChangeTime"] = json!("yesterday");
        assert!(
            parse(&bad_time)
                .unwrap_err()
                .to_string()
                .contains("not a timestamp")
        );
        let mut neither = metric("Acme-Bedrock-Throttles-Critical-Opus-4-6", "ALARM");
        neither.as_object_mut().unwrap().remove("Trigger");
        assert!(
            parse(&neither)
                .unwrap_err()
                .to_string()
                .contains("neither Trigger")
        );
    }

    #[test]
    fn huge_fields_are_refused_or_cut() {
        let mut long_arn = metric("Acme-Bedrock-Throttles-Critical-Opus-4-6", "ALARM");
        long_arn["AlarmArn"] = json!("a".repeat(100_000));
        assert!(parse(&long_arn).is_err());
        let mut long_reason = metric("Acme-Bedrock-Throttles-Critical-Opus-4-6", "ALARM");
        long_reason["NewStateReason"] = json!("r".repeat(100_000));
        assert_eq!(
            parse(&long_reason).unwrap()[0].alarms[0].reason.len(),
            MAX_REASON_LEN
        );
        let err = parse(&sns(&metric(&"A".repeat(50_000), "ALARM"))).unwrap_err();
        assert!(err.to_string().len() < 500, "{err}");
    }

    #[test]
    fn insufficient_data_parses_with_no_state_to_act_on() {
        let t = parse(&metric(
            "Acme-Bedrock-Throttles-Critical-Opus-4-6",
            "INSUFFICIENT_DATA",
        ))
        .unwrap();
        assert_eq!(t[0].state, None);
    }

    #[test]
    fn timestamps_in_cloudwatch_and_rfc3339_forms() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp("2026-05-04T14:52:48.069+0000"),
            Some(1_777_906_368)
        );
        assert_eq!(
            parse_timestamp("2026-05-04T16:52:48+02:00"),
            Some(1_777_906_368)
        );
        assert_eq!(parse_timestamp("2000-02-29T00:00:00Z"), Some(951_782_400));
        for bad in [
            "",
            "2026-02-30T00:00:00Z",
            "2026-05-04 14:52:48Z",
            "2026-05-04T14:52:48",
            "2026-05-04T14:52:48.+0000",
            "2026-13-01T00:00:00Z",
            "2026-05-04T14:52:48+0",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }
}
