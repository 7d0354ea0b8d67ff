//! What reaches the processor from its follow-up queue: an SQS event (the event source mapping's batch) or,
//! from the CLI, a bare follow-up message. Parsed apart from the SNS alarm event (`crate::event`), which it
//! never touches: only the record's `messageId` (for a partial batch failure), `body` and the
//! `bedrock_ops_follow_up` message attribute are read.
//!
//! A message on the queue is one of:
//! - an alarm's first e-mail, delivered by the queue's subscription to the e-mail topic with raw message
//!   delivery: the body is the e-mail's text (not read), the follow-ups of its requests are the message
//!   attribute [`FOLLOW_UP_ATTRIBUTE`] (a JSON array of 1 to 3);
//! - the same delivered without raw delivery: the body is SNS's JSON envelope, the follow-ups its
//!   `MessageAttributes.bedrock_ops_follow_up.Value`;
//! - a follow-up sent by the processor itself (the next look, or the first when no e-mail went out): the
//!   body is the follow-up's JSON.

use bedrock_ops_core::follow_up::{self, FOLLOW_UP_ATTRIBUTE, FOLLOW_UP_KIND, FollowUp};
use serde_json::Value;

use crate::error::ProcessorError;

/// SQS's source name in an event record.
const SQS_SOURCE: &str = "aws:sqs";
/// The event source mapping's batch is 1; more than this many records is not a batch of ours.
const MAX_RECORDS: usize = 10;

/// The largest SNS envelope read (SNS's messages are at most 256 KiB before it is escaped into the envelope).
const MAX_ENVELOPE_BYTES: usize = 1024 * 1024;

/// One message of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// SQS's message id (empty for a bare message): what a partial batch failure names.
    pub message_id: String,
    pub body: String,
    /// The [`FOLLOW_UP_ATTRIBUTE`] message attribute's value, when the message has it.
    pub carried: Option<String>,
}

impl Queued {
    /// The follow-ups this message asks for: those its e-mail carries, or the one its body is.
    pub fn follow_ups(&self) -> Result<Vec<FollowUp>, String> {
        if let Some(carried) = &self.carried {
            return follow_up::parse_carried(carried);
        }
        if let Some(carried) = envelope_attribute(&self.body)? {
            return follow_up::parse_carried(&carried);
        }
        follow_up::parse(&self.body).map(|one| vec![one])
    }
}

/// The follow-ups in an SNS envelope's message attribute; `None` when the body is not an SNS notification.
fn envelope_attribute(body: &str) -> Result<Option<String>, String> {
    if !body.trim_start().starts_with('{') || !body.contains("\"Notification\"") {
        return Ok(None);
    }
    if body.len() > MAX_ENVELOPE_BYTES {
        return Err(format!(
            "the SNS message has {} bytes, at most {MAX_ENVELOPE_BYTES} are read",
            body.len()
        ));
    }
    let Ok(envelope) = serde_json::from_str::<Value>(body) else {
        return Ok(None);
    };
    if envelope.get("Type").and_then(Value::as_str) != Some("Notification") {
        return Ok(None);
    }
    envelope
        .pointer(&format!("/MessageAttributes/{FOLLOW_UP_ATTRIBUTE}/Value"))
        .and_then(Value::as_str)
        .map(|value| Some(value.to_owned()))
        .ok_or_else(|| format!("the SNS message carries no {FOLLOW_UP_ATTRIBUTE} attribute"))
}

/// Whether `input` is for the follow-up path: an SQS event, or a bare follow-up message.
pub fn is_follow_up(input: &Value) -> bool {
    let from_sqs = input
        .get("Records")
        .and_then(Value::as_array)
        .and_then(|records| records.first())
        .and_then(|record| record.get("eventSource"))
        .and_then(Value::as_str)
        == Some(SQS_SOURCE);
    from_sqs || input.get("kind").and_then(Value::as_str) == Some(FOLLOW_UP_KIND)
}

/// The messages of an SQS event, or the bare message itself.
pub fn queued(input: &Value) -> Result<Vec<Queued>, ProcessorError> {
    if input.get("kind").is_some() {
        return Ok(vec![Queued {
            message_id: String::new(),
            body: input.to_string(),
            carried: None,
        }]);
    }
    let records = input
        .get("Records")
        .and_then(Value::as_array)
        .ok_or_else(|| ProcessorError::FollowUp("the SQS event has no Records".into()))?;
    if records.is_empty() || records.len() > MAX_RECORDS {
        return Err(ProcessorError::FollowUp(format!(
            "the SQS event has {} records, 1 to {MAX_RECORDS} are read",
            records.len()
        )));
    }
    records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            let field = |name: &str| record.get(name).and_then(Value::as_str);
            if field("eventSource") != Some(SQS_SOURCE) {
                return Err(ProcessorError::FollowUp(format!(
                    "record {index} is not from SQS"
                )));
            }
            let carried = record
                .pointer(&format!(
                    "/messageAttributes/{FOLLOW_UP_ATTRIBUTE}/stringValue"
                ))
                .and_then(Value::as_str)
                .map(str::to_owned);
            match (field("messageId"), field("body")) {
                (Some(id), Some(body)) if !id.is_empty() && id.len() <= 128 => Ok(Queued {
                    message_id: id.to_owned(),
                    body: body.to_owned(),
                    carried,
                }),
                _ => Err(ProcessorError::FollowUp(format!(
                    "record {index} has no messageId or no body"
                ))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn record(id: &str, body: &str) -> Value {
        json!({"messageId": id, "eventSource": "aws:sqs", "body": body, "receiptHandle": "r"})
    }

    #[test]
    fn sqs_events_and_bare_follow_ups_go_the_follow_up_way_and_sns_events_do_not() {
        assert!(is_follow_up(&json!({"Records": [record("m1", "{}")]})));
        assert!(is_follow_up(&json!({"kind": FOLLOW_UP_KIND})));
        assert!(!is_follow_up(
            &json!({"Records": [{"EventSource": "aws:sns", "Sns": {}}]})
        ));
        assert!(!is_follow_up(&json!({"AlarmName": "x"})));
        assert!(!is_follow_up(&json!({"kind": "other"})));
    }

    #[test]
    fn each_record_gives_its_id_and_body() {
        let event = json!({"Records": [record("m1", "a"), record("m2", "b")]});
        let queued = queued(&event).unwrap();
        assert_eq!(queued.len(), 2);
        assert_eq!(
            (queued[1].message_id.as_str(), queued[1].body.as_str()),
            ("m2", "b")
        );
    }

    fn follow_up(request: &str) -> FollowUp {
        FollowUp {
            kind: FOLLOW_UP_KIND.into(),
            version: follow_up::FOLLOW_UP_VERSION,
            stack: "/Acme/bedrock/quota-monitoring/Claude/".into(),
            transition: "t".into(),
            request_id: request.into(),
            quota_code: "L-1".into(),
            quota_name: "q".into(),
            current: 1,
            desired: 2,
            alarms: vec![],
            critical: false,
            notify: true,
            context: "c".into(),
            attempt: 0,
            requested_at: 0,
        }
    }

    #[test]
    fn follow_ups_come_from_the_attribute_the_sns_envelope_or_the_body() {
        let two = [follow_up("req-1"), follow_up("req-2")];
        let carried = follow_up::carried(&two);
        // Raw delivery: the body is the e-mail, the follow-ups the message attribute.
        let mut raw = record("m1", "Dear team, …");
        raw["messageAttributes"] = json!({FOLLOW_UP_ATTRIBUTE: {
            "stringValue": carried, "stringListValues": [], "binaryListValues": [], "dataType": "String"}});
        let queued_raw = queued(&json!({"Records": [raw]})).unwrap();
        assert_eq!(queued_raw[0].follow_ups().unwrap(), two);
        // Without raw delivery: SNS's envelope.
        let envelope = json!({"Type": "Notification", "MessageId": "x", "Message": "Dear team",
            "MessageAttributes": {FOLLOW_UP_ATTRIBUTE: {"Type": "String", "Value": carried}}});
        let queued_envelope =
            queued(&json!({"Records": [record("m2", &envelope.to_string())]})).unwrap();
        assert_eq!(queued_envelope[0].follow_ups().unwrap(), two);
        // The processor's own message.
        let own = queued(&json!({"Records": [record("m3", &two[0].to_json())]})).unwrap();
        assert_eq!(own[0].follow_ups().unwrap(), [two[0].clone()]);
        // An e-mail without follow-ups on the queue is refused, not dropped.
        let bare = json!({"Type": "Notification", "Message": "Dear team"});
        let stray = queued(&json!({"Records": [record("m4", &bare.to_string())]})).unwrap();
        assert!(
            stray[0]
                .follow_ups()
                .unwrap_err()
                .contains(FOLLOW_UP_ATTRIBUTE)
        );
        assert!(
            queued(&json!({"Records": [record("m5", "Dear team")]})).unwrap()[0]
                .follow_ups()
                .is_err()
        );
    }

    #[test]
    fn malformed_events_are_refused_not_dropped() {
        for bad in [
            json!({"Records": []}),
            json!({"Records": [{"eventSource": "aws:sqs", "body": "x"}]}),
            json!({"Records": [{"eventSource": "aws:sns", "messageId": "m", "body": "x"}]}),
            json!({"Records": (0..11).map(|i| record(&i.to_string(), "x")).collect::<Vec<_>>()}),
            json!({"Records": "no"}),
        ] {
            assert!(queued(&bad).is_err(), "{bad}");
        }
    }
}
