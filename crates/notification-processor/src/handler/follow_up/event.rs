//! What reaches the processor from its follow-up queue: an SQS event (the event source mapping's batch) or,
//! from the CLI, a bare follow-up message. Parsed apart from the SNS alarm event (`crate::event`), which it
//! never touches: only the record's `messageId` (for a partial batch failure) and `body` are read.

use bedrock_ops_core::follow_up::FOLLOW_UP_KIND;
use serde_json::Value;

use crate::error::ProcessorError;

/// SQS's source name in an event record.
const SQS_SOURCE: &str = "aws:sqs";
/// The event source mapping's batch is 1; more than this many records is not a batch of ours.
const MAX_RECORDS: usize = 10;

/// One message of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// SQS's message id (empty for a bare message): what a partial batch failure names.
    pub message_id: String,
    pub body: String,
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
            match (field("messageId"), field("body")) {
                (Some(id), Some(body)) if !id.is_empty() && id.len() <= 128 => Ok(Queued {
                    message_id: id.to_owned(),
                    body: body.to_owned(),
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
