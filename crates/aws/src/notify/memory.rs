//! In-memory [`Notifier`] for unit tests: keeps every published message.

use super::{Attribute, Notifier, PublishedMessage, validate_message, validate_subject};
use crate::AwsError;
use crate::fake::{Faults, Shared, fault_knobs};

#[derive(Debug, Default)]
struct State {
    published: Vec<PublishedMessage>,
    faults: Faults,
}

/// Cloning shares the published messages.
#[derive(Debug, Clone, Default)]
pub struct MemoryNotifier {
    state: Shared<State>,
}

fault_knobs!(MemoryNotifier);

impl MemoryNotifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every message published, in order.
    pub fn published(&self) -> Vec<PublishedMessage> {
        self.state.lock().published.clone()
    }
}

impl Notifier for MemoryNotifier {
    async fn publish_with(
        &self,
        topic_arn: &str,
        subject: &str,
        body: &str,
        attributes: &[Attribute<'_>],
    ) -> Result<String, AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("Publish")?;
        validate_subject(subject)
            .and_then(|()| validate_message(body, attributes))
            .map_err(|message| AwsError::invalid("sns", "Publish", message))?;
        let message_id = format!("message-{}", state.published.len() + 1);
        state.published.push(PublishedMessage {
            message_id: message_id.clone(),
            topic_arn: topic_arn.to_owned(),
            subject: subject.to_owned(),
            body: body.to_owned(),
            attributes: attributes
                .iter()
                .map(|a| (a.name.to_owned(), a.value.to_owned()))
                .collect(),
        });
        Ok(message_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_what_was_published_and_validates_like_the_sdk_implementation() {
        let notifier = MemoryNotifier::new();
        let handle = notifier.clone();
        notifier.publish("topic", "subject", "body").await.unwrap();
        assert!(
            notifier
                .publish("topic", &"x".repeat(101), "body")
                .await
                .is_err()
        );
        notifier.fail_next(
            "Publish",
            AwsError::from_code("sns", "Publish", "InternalError", "", Some(500)),
        );
        assert!(
            notifier
                .publish("topic", "s", "b")
                .await
                .unwrap_err()
                .is_retryable()
        );

        let published = handle.published();
        assert_eq!(published.len(), 1);
        assert_eq!(
            (published[0].subject.as_str(), published[0].body.as_str()),
            ("subject", "body")
        );
    }
}
