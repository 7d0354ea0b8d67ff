//! SNS: publish the formatted notification (the e-mail) to a topic.

use std::future::Future;

use crate::AwsError;

#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod sdk;

/// SNS refuses longer subjects (the e-mail subject line).
pub const MAX_SUBJECT_CHARS: usize = 100;

/// Checks the subject against SNS's rules (1–100 characters, no line breaks or other control characters), so a
/// bad subject fails here with a clear message instead of as an opaque InvalidParameter.
pub fn validate_subject(subject: &str) -> Result<(), String> {
    let chars = subject.chars().count();
    if chars == 0 {
        return Err("the subject is empty".into());
    }
    if chars > MAX_SUBJECT_CHARS {
        return Err(format!(
            "the subject has {chars} characters, SNS allows at most {MAX_SUBJECT_CHARS}"
        ));
    }
    if subject.chars().any(char::is_control) {
        return Err("the subject contains a line break or another control character".into());
    }
    Ok(())
}

/// A message as it was published (the fake keeps them for inspection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedMessage {
    pub message_id: String,
    pub topic_arn: String,
    pub subject: String,
    pub body: String,
}

/// SNS publishing.
pub trait Notifier: Send + Sync {
    /// Publishes one message and returns its SNS message id. A subject failing [`validate_subject`] is refused
    /// with [`AwsError::IllegalArgument`] without calling SNS.
    fn publish(
        &self,
        topic_arn: &str,
        subject: &str,
        body: &str,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
}
