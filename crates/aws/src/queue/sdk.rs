//! [`FollowUpQueue`] over the SQS client.

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

use super::{Delayed, FollowUpQueue, MAX_BATCH, MAX_DELAY_SECONDS};
use crate::AwsError;
use crate::error::SdkResultExt;

const SERVICE: &str = "sqs";
const OPERATION: &str = "SendMessageBatch";

#[derive(Debug, Clone)]
pub struct SdkQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SdkQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }
}

fn delay(seconds: u32) -> i32 {
    i32::try_from(seconds.min(MAX_DELAY_SECONDS)).unwrap_or(0)
}

impl FollowUpQueue for SdkQueue {
    async fn send(&self, messages: &[Delayed]) -> Result<(), AwsError> {
        for chunk in messages.chunks(MAX_BATCH) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(index, message)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(index.to_string())
                        .message_body(&message.body)
                        .delay_seconds(delay(message.delay_seconds))
                        .build()
                        .map_err(|e| AwsError::invalid(SERVICE, OPERATION, e.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let output = self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .aws(SERVICE, OPERATION)?;
            if let Some(failed) = output.failed.first() {
                return Err(AwsError::from_code(
                    SERVICE,
                    OPERATION,
                    &failed.code,
                    failed.message.as_deref().unwrap_or_default(),
                    (!failed.sender_fault).then_some(500),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sqs::operation::send_message_batch::SendMessageBatchOutput;
    use aws_sdk_sqs::types::{BatchResultErrorEntry, SendMessageBatchResultEntry};
    use aws_smithy_mocks::mock;

    use crate::test_support::mocked;

    use super::*;

    fn messages(n: usize) -> Vec<Delayed> {
        (0..n)
            .map(|i| Delayed {
                body: format!("m{i}"),
                delay_seconds: 60 * 20,
            })
            .collect()
    }

    #[tokio::test]
    async fn sends_one_batch_with_each_delay_capped_at_the_sqs_limit() {
        let sent = mock!(aws_sdk_sqs::Client::send_message_batch)
            .match_requests(|r| {
                r.queue_url() == Some("https://sqs/q")
                    && r.entries().len() == 2
                    && r.entries().iter().all(|e| e.delay_seconds() == Some(900))
            })
            .then_output(|| {
                SendMessageBatchOutput::builder()
                    .set_successful(Some(vec![
                        SendMessageBatchResultEntry::builder()
                            .id("0")
                            .message_id("a")
                            .md5_of_message_body("x")
                            .build()
                            .unwrap(),
                    ]))
                    .set_failed(Some(vec![]))
                    .build()
                    .unwrap()
            });
        let queue = SdkQueue::new(mocked!(aws_sdk_sqs, [&sent]), "https://sqs/q");
        queue.send(&messages(2)).await.unwrap();
        assert_eq!(sent.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_refused_entry_fails_the_send() {
        let refused = mock!(aws_sdk_sqs::Client::send_message_batch).then_output(|| {
            SendMessageBatchOutput::builder()
                .set_successful(Some(vec![]))
                .set_failed(Some(vec![
                    BatchResultErrorEntry::builder()
                        .id("0")
                        .code("InternalError")
                        .sender_fault(false)
                        .build()
                        .unwrap(),
                ]))
                .build()
                .unwrap()
        });
        let queue = SdkQueue::new(mocked!(aws_sdk_sqs, [&refused]), "q");
        assert!(queue.send(&messages(1)).await.unwrap_err().is_retryable());
    }
}
