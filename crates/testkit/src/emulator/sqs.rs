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
