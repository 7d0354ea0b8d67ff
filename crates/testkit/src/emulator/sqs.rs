//! The emulator's SQS queues, in SQS's JSON protocol over the standard library: where the asynchronous retry
//! model ([`crate::async_retry`]) puts an event whose attempts all failed (Lambda's on-failure destination),
//! and where a runbook recipe reads it back, with the receipt handle it needs to delete it.

use serde_json::{Value, json};

use super::Emulator;
use super::error::EmulatorError;
use super::http::http_request;

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsMessage {
    pub body: String,
    pub receipt_handle: String,
}

impl Emulator {
    /// One SQS call (`operation`, e.g. `SendMessage`) with its JSON input; its JSON output.
    fn sqs(&self, operation: &str, input: &Value) -> Result<Value, EmulatorError> {
        let path = format!("SQS {operation}");
        let headers = format!(
            "X-Amz-Target: AmazonSQS.{operation}\r\nContent-Type: application/x-amz-json-1.0\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{}/sqs/aws4_request, \
             SignedHeaders=host, Signature=0\r\n",
            super::REGION
        );
        let (status, text) = http_request(self.port(), "POST", "/", &headers, &input.to_string())?;
        if !(200..300).contains(&status) {
            return Err(EmulatorError::Http {
                method: "POST".into(),
                path,
                status,
                body: text,
            });
        }
        serde_json::from_str(if text.trim().is_empty() { "{}" } else { &text })
            .map_err(|source| EmulatorError::Decode { path, source })
    }

    /// Creates the queue `name` (or finds it) and returns its URL.
    pub fn create_queue(&self, name: &str) -> Result<String, EmulatorError> {
        let answer = self.sqs("CreateQueue", &json!({"QueueName": name}))?;
        Ok(answer["QueueUrl"].as_str().unwrap_or_default().to_owned())
    }

    pub fn send_message(&self, queue_url: &str, body: &str) -> Result<(), EmulatorError> {
        self.sqs(
            "SendMessage",
            &json!({"QueueUrl": queue_url, "MessageBody": body}),
        )
        .map(drop)
    }

    /// At most one message, hidden for `visibility_timeout` seconds.
    pub fn receive_message(
        &self,
        queue_url: &str,
        visibility_timeout: u32,
    ) -> Result<Option<SqsMessage>, EmulatorError> {
        let answer = self.sqs(
            "ReceiveMessage",
            &json!({"QueueUrl": queue_url, "MaxNumberOfMessages": 1, "VisibilityTimeout": visibility_timeout}),
        )?;
        Ok(answer["Messages"]
            .as_array()
            .and_then(|messages| messages.first())
            .map(|message| SqsMessage {
                body: message["Body"].as_str().unwrap_or_default().to_owned(),
                receipt_handle: message["ReceiptHandle"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            }))
    }

    pub fn delete_message(
        &self,
        queue_url: &str,
        receipt_handle: &str,
    ) -> Result<(), EmulatorError> {
        self.sqs(
            "DeleteMessage",
            &json!({"QueueUrl": queue_url, "ReceiptHandle": receipt_handle}),
        )
        .map(drop)
    }

    /// Plays Lambda's SQS event source mapping `seconds` from now: the queue's clock is moved on (nobody waits),
    /// then every message due by then is received with all its attributes and message attributes, deleted,
    /// and returned as the Lambda SQS event of one record (batch size 1): `messageId`, `receiptHandle`,
    /// `body`, `attributes`, `messageAttributes` (Lambda's lower-camel shape), `eventSource`, the queue's ARN.
    pub fn due_sqs_events(
        &self,
        queue_url: &str,
        seconds: u32,
    ) -> Result<Vec<Value>, EmulatorError> {
        self.advance_queue(queue_url, seconds)?;
        // The URL ends in `<account>/<name>`, in AWS and in moto alike.
        let mut path = queue_url.trim_end_matches('/').rsplit('/');
        let name = path.next().unwrap_or_default();
        let account = path.next().unwrap_or(super::ACCOUNT_ID);
        let arn = format!("arn:aws:sqs:{}:{account}:{name}", super::REGION);
        let mut events = Vec::new();
        loop {
            let answer = self.sqs(
                "ReceiveMessage",
                &json!({"QueueUrl": queue_url, "MaxNumberOfMessages": 10,
                        "AttributeNames": ["All"], "MessageAttributeNames": ["All"]}),
            )?;
            let messages = answer["Messages"].as_array().cloned().unwrap_or_default();
            if messages.is_empty() {
                return Ok(events);
            }
            for message in messages {
                let handle = message["ReceiptHandle"].as_str().unwrap_or_default();
                self.delete_message(queue_url, handle)?;
                events.push(json!({"Records": [lambda_record(&message, &arn)]}));
            }
        }
    }

    /// How many messages the queue holds (visible or not).
    pub fn queue_depth(&self, queue_url: &str) -> Result<u64, EmulatorError> {
        let answer = self.sqs(
            "GetQueueAttributes",
            &json!({"QueueUrl": queue_url, "AttributeNames": ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]}),
        )?;
        let count = |name: &str| {
            answer["Attributes"][name]
                .as_str()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        };
        Ok(count("ApproximateNumberOfMessages") + count("ApproximateNumberOfMessagesNotVisible"))
    }
}

/// One received message (SQS's JSON protocol, upper camel case) as a record of Lambda's SQS event.
fn lambda_record(message: &Value, queue_arn: &str) -> Value {
    let attributes: serde_json::Map<String, Value> = message["MessageAttributes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, value)| {
            let mut attribute = json!({
                "dataType": value["DataType"],
                "stringListValues": [],
                "binaryListValues": [],
            });
            for (from, to) in [
                ("StringValue", "stringValue"),
                ("BinaryValue", "binaryValue"),
            ] {
                if let Some(v) = value.get(from).filter(|v| !v.is_null()) {
                    attribute[to] = v.clone();
                }
            }
            (name.clone(), attribute)
        })
        .collect();
    json!({
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message["Attributes"].as_object().cloned().unwrap_or_default(),
        "messageAttributes": attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": super::REGION,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_received_message_becomes_a_lambda_sqs_record_with_its_message_attributes() {
        let message = json!({
            "MessageId": "m-1", "ReceiptHandle": "r-1", "Body": "{}", "MD5OfBody": "x",
            "Attributes": {"SentTimestamp": "1"},
            "MessageAttributes": {"follow-up": {"DataType": "String", "StringValue": "v"}},
        });
        let record = lambda_record(&message, "arn:aws:sqs:us-east-1:123456789012:q");
        assert_eq!(record["messageId"], "m-1");
        assert_eq!(record["body"], "{}");
        assert_eq!(record["eventSource"], "aws:sqs");
        assert_eq!(record["attributes"]["SentTimestamp"], "1");
        assert_eq!(
            record["messageAttributes"]["follow-up"],
            json!({"dataType": "String", "stringValue": "v", "stringListValues": [], "binaryListValues": []})
        );
    }
}
