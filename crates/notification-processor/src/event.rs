//! The input: an SNS event whose message is a CloudWatch alarm state change, or (for the CLI) the bare
//! alarm message. Our own serde types, lenient about fields we do not use and strict about the ones the
//! decision depends on; anything else is an [`EventError`] with a message that says what is wrong, never a
//! panic.
//!
//! A metric alarm message has `Trigger`; a composite alarm message has `AlarmRule` and
//! `TriggeringChildren`, whose ARNs name the child alarms that moved it. Only this stack's alarms are
//! accepted (exact customer and model, W-24): another stack's alarm is refused, so nothing is filed for it.

//! Every input is hostile until parsed (issue 13): the parsing never panics on any text (no byte-index
//! slicing; the fuzz target under `tests/fuzz/` and the property tests drive it with arbitrary Unicode),
//! every piece of input an error repeats goes through [`text::echo`] (cleaned and bounded), an event holds at
//! most [`MAX_RECORDS`] records, and the idempotency key is built from validated fields only. Which
//! account, Region and time window are admitted is [`crate::admission`]'s concern.

use bedrock_ops_core::alarms::{AlarmName, AlarmNameError, composite_alarm_name};
use bedrock_ops_core::messages::FiredAlarm;
use bedrock_ops_core::plan::AlarmState;
use bedrock_ops_core::text;
use serde::Deserialize;
use serde_json::Value;

/// Most records one event may hold. SNS delivers one record per invocation; a handful is allowed for a
/// hand-made replay with `process`, never the thousand identical records of an amplification attempt.
pub const MAX_RECORDS: usize = 10;
/// CloudWatch's limit on alarm names.
const MAX_ALARM_NAME_LEN: usize = 255;
/// Longest alarm ARN accepted: `arn:aws-us-gov:cloudwatch:<region>:<account>:alarm:` and a 255-character
/// name fit in far less.
const MAX_ARN_LEN: usize = 512;
/// Longest state reason kept; the e-mail shows less, the console has the full text.
const MAX_REASON_LEN: usize = 4096;
/// Most triggering children kept from a composite (a stack has ten alarms).
const MAX_CHILDREN: usize = 10;
/// Longest state value (`INSUFFICIENT_DATA` has 17 characters).
const MAX_STATE_LEN: usize = 32;
/// Most digits of a fraction of a second (nanoseconds); CloudWatch writes three.
const MAX_FRACTION_DIGITS: usize = 9;
/// What a timestamp must look like, for error messages.
const TIMESTAMP_FORM: &str = "YYYY-MM-DDThh:mm:ss, an optional fraction of at most 9 digits, then Z or \
                              ±hhmm / ±hh:mm (CloudWatch writes 2026-05-04T14:52:48.069+0000)";

/// Why an event cannot be processed. None of these gets better by retrying. Every input text they hold
/// is cleaned and bounded ([`text::echo`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the event is not an SNS event nor a CloudWatch alarm message: {0}")]
    NotAnEvent(String),
    #[error(
        "the event holds {count} records; at most {MAX_RECORDS} are accepted (SNS delivers one per \
         invocation), so nothing was done"
    )]
    TooManyRecords { count: usize },
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
    /// The alarm is not this deployment's: another account or Region (a forged or foreign ARN), or a
    /// state-change time outside the accepted window. See [`crate::admission`].
    #[error("alarm '{name}' is refused, so nothing is filed for it: {detail}")]
    Refused { name: String, detail: String },
}

/// How the alarm reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Metric,
    Composite,
}

/// Where an alarm lives, read from its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub region: String,
    pub account: String,
}

/// One alarm state change of this stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// Idempotency key: alarm ARN + new state + state change time, exactly as CloudWatch wrote them, each
    /// validated first (an ARN of this alarm, a state of at most 32 capitals, a timestamp), so the key is
    /// short whatever the input.
    pub key: String,
    /// The alarm that sent the message (the composite's own name for a composite).
    pub alarm_name: String,
    pub source: Source,
    /// `None` for a state we do not act on (INSUFFICIENT_DATA).
    pub state: Option<AlarmState>,
    /// The raw `NewStateValue`.
    pub state_value: String,
    /// The `OldStateValue` (cleaned, shortened), when the message has one: an OK only means a recovery
    /// after ALARM.
    pub old_state_value: Option<String>,
    /// `StateChangeTime`, epoch seconds.
    pub changed_at: i64,
    /// The account and Region of the alarm's ARN (the composite's children are in the same ones).
    pub origin: Origin,
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
    #[serde(default, rename = "AWSAccountId")]
    aws_account_id: Option<String>,
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
    if let Some(records) = input.get("Records") {
        if let Some(list) = records.as_array()
            && list.len() > MAX_RECORDS
        {
            return Err(EventError::TooManyRecords { count: list.len() });
        }
        let event = SnsEvent::deserialize(input)
            .map_err(|e| EventError::NotAnEvent(text::echo(&e.to_string())))?;
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
            detail: text::echo(&e.to_string()),
        })?;
    let invalid = |detail: String| EventError::Invalid {
        name: text::echo(&raw.alarm_name),
        detail,
    };
    if let Some(hidden) = text::first_hidden(&raw.alarm_name) {
        return Err(invalid(format!(
            "AlarmName holds the control or invisible character {hidden}; CloudWatch alarm names are \
             printable text of at most {MAX_ALARM_NAME_LEN} characters"
        )));
    }
    if raw.alarm_name.is_empty() || raw.alarm_name.chars().count() > MAX_ALARM_NAME_LEN {
        return Err(invalid(format!(
            "AlarmName has {} characters; CloudWatch alarm names have 1 to {MAX_ALARM_NAME_LEN}",
            raw.alarm_name.chars().count()
        )));
    }
    let changed_at = parse_timestamp(&raw.state_change_time).ok_or_else(|| {
        invalid(format!(
            "StateChangeTime '{}' is not a timestamp: expected {TIMESTAMP_FORM}",
            text::echo(&raw.state_change_time)
        ))
    })?;
    if !valid_state(&raw.new_state_value) {
        return Err(invalid(format!(
            "NewStateValue '{}' is not an alarm state: expected ALARM, OK or INSUFFICIENT_DATA",
            text::echo(&raw.new_state_value)
        )));
    }
    let arn = raw
        .alarm_arn
        .as_deref()
        .ok_or_else(|| invalid("AlarmArn is missing; CloudWatch always sends it".into()))?;
    let (origin, arn_name) = parse_alarm_arn(arn).ok_or_else(|| {
        invalid(format!(
            "AlarmArn '{}' is not an alarm ARN: expected \
             arn:<partition>:cloudwatch:<region>:<12-digit account>:alarm:<AlarmName>",
            text::echo(arn)
        ))
    })?;
    if arn_name != raw.alarm_name {
        return Err(invalid(format!(
            "AlarmArn names the alarm '{}', not this AlarmName",
            text::echo(arn_name)
        )));
    }
    if let Some(account) = &raw.aws_account_id
        && *account != origin.account
    {
        return Err(invalid(format!(
            "AWSAccountId '{}' is not the account of AlarmArn ({})",
            text::echo(account),
            origin.account
        )));
    }
    let reason = text::bounded_to(
        &text::clean(raw.new_state_reason.as_deref().unwrap_or_default()),
        MAX_REASON_LEN,
    )
    .into_owned();
    let is_composite = raw.alarm_rule.is_some() || raw.triggering_children.is_some();
    let (source, alarms) = if is_composite {
        let expected = composite_alarm_name(customer, model);
        if raw.alarm_name != expected {
            return Err(EventError::OtherComposite {
                name: text::echo(&raw.alarm_name),
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
                let (child_origin, name) = parse_alarm_arn(&child.arn).ok_or_else(|| {
                    invalid(format!(
                        "triggering child '{}' is not an alarm ARN",
                        text::echo(&child.arn)
                    ))
                })?;
                if child_origin != origin {
                    return Err(invalid(format!(
                        "triggering child '{}' is in account {} and Region {}, not in the composite's",
                        text::echo(&child.arn),
                        child_origin.account,
                        child_origin.region
                    )));
                }
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
    Ok(Transition {
        key: format!(
            "{arn}|{}|{}",
            raw.new_state_value,
            raw.state_change_time.trim()
        ),
        state: AlarmState::parse(&raw.new_state_value),
        old_state_value: raw
            .old_state_value
            .as_deref()
            .map(|old| text::bounded_to(&text::clean(old), MAX_STATE_LEN).into_owned()),
        state_value: raw.new_state_value,
        alarm_name: raw.alarm_name,
        source,
        changed_at,
        origin,
        alarms,
    })
}

/// 1 to 32 capitals and underscores: the form of CloudWatch's states, so an unknown but well-formed state
/// can be ignored while anything else is refused.
fn valid_state(value: &str) -> bool {
    (1..=MAX_STATE_LEN).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
}

/// `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>` → its origin and `<name>`. The account is
/// 12 digits, the Region lowercase letters, digits and `-`, the whole at most [`MAX_ARN_LEN`] bytes with no
/// hidden character.
pub fn parse_alarm_arn(arn: &str) -> Option<(Origin, &str)> {
    if arn.len() > MAX_ARN_LEN || arn.chars().any(text::is_hidden) {
        return None;
    }
    let mut parts = arn.splitn(7, ':');
    let (scheme, partition, service, region, account, resource, name) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (scheme == "arn"
        && partition.starts_with("aws")
        && service == "cloudwatch"
        && region_ok
        && account_ok
        && resource == "alarm"
        && !name.is_empty())
    .then(|| {
        (
            Origin {
                region: region.to_owned(),
                account: account.to_owned(),
            },
            name,
        )
    })
}

/// CloudWatch's `2026-05-04T14:52:48.069+0000` (and RFC 3339 forms: `Z`, `+00:00`, no fraction) →
/// epoch seconds. Any other text, including non-ASCII and fractions of more than 9 digits, is `None`;
/// never a panic (no byte-index slicing: `str::get` only, on ASCII text).
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_ascii() {
        return None;
    }
    let (date, rest) = text.split_once('T')?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = digits(date_parts.next()?, 4)?;
    let month: i64 = digits(date_parts.next()?, 2)?;
    let day: i64 = digits(date_parts.next()?, 2)?;
    let clock = rest.get(..8)?;
    let zone = rest.get(8..)?;
    let mut clock_parts = clock.splitn(3, ':');
    let hour: i64 = digits(clock_parts.next()?, 2)?;
    let minute: i64 = digits(clock_parts.next()?, 2)?;
    let second: i64 = digits(clock_parts.next()?, 2)?;
    let zone = match zone.strip_prefix('.') {
        Some(fraction) => {
            let end = fraction
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(fraction.len());
            if end == 0 || end > MAX_FRACTION_DIGITS {
                return None;
            }
            fraction.get(end..)?
        }
        None => zone,
    };
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let (sign, digits_part) = if let Some(rest) = zone.strip_prefix('+') {
                (1, rest)
            } else {
                (-1, zone.strip_prefix('-')?)
            };
            let compact = digits_part.replacen(':', "", 1);
            let hours: i64 = digits(compact.get(..2)?, 2)?;
            let minutes: i64 = digits(compact.get(2..)?, 2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
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
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::expect_used
)]
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
            "AlarmArn": format!("{ARN}Other-Bedrock-QuotaHealth-Composite-Opus-4-6"),
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
        let reason = parse(&long_reason).unwrap()[0].alarms[0].reason.clone();
        assert_eq!(reason.chars().filter(|&c| c == 'r').count(), MAX_REASON_LEN);
        assert!(reason.ends_with("… (100000 bytes)"), "{}", &reason[4090..]);
        let err = parse(&sns(&metric(&"A".repeat(50_000), "ALARM"))).unwrap_err();
        assert!(err.to_string().len() < 500, "{err}");
    }

    #[test]
    fn multi_byte_characters_in_a_timestamp_are_refused_never_a_panic() {
        for bad in [
            "2026-05-04T14:52:4€Z",
            "2026-05-04T14:52:48+0é0",
            "2026-05-04T14:52:48.0６9Z",
            "２026-05-04T14:52:48Z",
            "2026-05-04T14:52:48+€",
            "2026-05-04T14:52:48-",
            "2026-05-04T€",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_fraction_of_more_than_nine_digits_is_refused_at_parse_time() {
        assert!(parse_timestamp("2026-05-04T14:52:48.123456789Z").is_some());
        let mut huge = metric("Acme-Bedrock-Throttles-Critical-Opus-4-6", "ALARM");
        huge["StateChangeTime"] = json!(format!("2026-05-04T14:52:48.{}Z", "1".repeat(200_000)));
        let err = parse(&huge).unwrap_err().to_string();
        assert!(err.contains("StateChangeTime"), "{err}");
        assert!(err.contains("at most 9 digits"), "{err}");
        assert!(err.len() < 1_000, "{} bytes", err.len());
    }

    #[test]
    fn more_than_a_few_records_are_refused_saying_how_many_are_allowed() {
        let message = metric("Acme-Bedrock-Throttles-Critical-Opus-4-6", "ALARM").to_string();
        let record = json!({"Sns": {"Message": message}});
        let event = json!({"Records": vec![record; 1_000]});
        let err = parse(&event).unwrap_err();
        assert_eq!(err, EventError::TooManyRecords { count: 1_000 });
        assert!(err.to_string().contains("at most 10"), "{err}");
    }

    #[test]
    fn a_newline_in_the_alarm_name_is_named_as_such() {
        let err = parse(&metric(
            "Acme-Bedrock-Throttles-Critical\nOpus-4-6",
            "ALARM",
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("AlarmName holds the control or invisible character U+000A"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn the_arn_must_be_a_cloudwatch_alarm_arn_of_this_alarm_name() {
        let name = "Acme-Bedrock-Throttles-Critical-Opus-4-6";
        for (arn, says) in [
            (Value::Null, "AlarmArn is missing"),
            (
                json!("arn:aws:sns:us-east-1:123456789012:alarm:x"),
                "not an alarm ARN",
            ),
            (
                json!(format!("arn:aws:cloudwatch:us-east-1:12345:alarm:{name}")),
                "not an alarm ARN",
            ),
            (
                json!(format!("{ARN}Acme-Bedrock-Throttles-Critical-Other")),
                "names the alarm",
            ),
        ] {
            let mut m = metric(name, "ALARM");
            m["AlarmArn"] = arn;
            let err = parse(&m).unwrap_err().to_string();
            assert!(err.contains(says), "{err}");
        }
        let mut m = metric(name, "ALARM");
        m["AWSAccountId"] = json!("999999999999");
        assert!(parse(&m).unwrap_err().to_string().contains("AWSAccountId"));
        let t = parse(&metric(name, "ALARM")).unwrap().remove(0);
        assert_eq!(
            t.origin,
            Origin {
                region: "us-east-1".into(),
                account: "123456789012".into()
            }
        );
    }

    #[test]
    fn composite_children_of_another_account_are_refused() {
        let composite = "Acme-Bedrock-QuotaHealth-Composite-Opus-4-6";
        let message = json!({
            "AlarmName": composite,
            "AlarmArn": format!("{ARN}{composite}"),
            "NewStateValue": "ALARM",
            "StateChangeTime": "2026-05-04T14:52:48Z",
            "AlarmRule": "ALARM(x)",
            "TriggeringChildren": [{"Arn": "arn:aws:cloudwatch:us-east-1:999999999999:alarm:Acme-Bedrock-Throttles-Critical-Opus-4-6"}]
        });
        let err = parse(&message).unwrap_err().to_string();
        assert!(err.contains("not in the composite's"), "{err}");
    }

    #[test]
    fn control_characters_of_the_reason_never_reach_the_transition() {
        let mut m = metric("Acme-Bedrock-Throttles-Critical-Opus-4-6", "ALARM");
        m["NewStateReason"] =
            json!("\u{1b}[31mred\u{0}\u{7}\u{202e}gnp.exe\u{200d}\u{feff} Zoë 東京 🚀");
        m["OldStateValue"] = json!("OK\u{1b}[2J");
        let t = parse(&m).unwrap().remove(0);
        assert_eq!(t.alarms[0].reason, "[31mredgnp.exe Zoë 東京 🚀");
        assert_eq!(t.old_state_value.as_deref(), Some("OK[2J"));
    }

    #[test]
    fn a_malformed_state_value_is_refused_and_a_well_formed_unknown_one_parses() {
        let mut m = metric(
            "Acme-Bedrock-Throttles-Critical-Opus-4-6",
            "x".repeat(300_000).as_str(),
        );
        let err = parse(&m).unwrap_err().to_string();
        assert!(
            err.contains("NewStateValue") && err.len() < 1_000,
            "{}",
            err.len()
        );
        m["NewStateValue"] = json!("MAINTENANCE");
        assert_eq!(parse(&m).unwrap()[0].state, None);
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
