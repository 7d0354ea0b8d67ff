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

/// SNS's limit on the message attributes of one Publish.
pub const MAX_ATTRIBUTES: usize = 10;
/// SNS's limit on a message's size, its body and attributes (names, types and values) together.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// One `String` message attribute of a Publish: what a subscription's filter policy matches on, and (with raw
/// message delivery) what an SQS subscriber receives as a message attribute beside the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

/// Checks a message against SNS's limits on attributes (at most [`MAX_ATTRIBUTES`]) and size (body and
/// attributes at most [`MAX_MESSAGE_BYTES`]), so an oversized message fails here with a clear message.
pub fn validate_message(body: &str, attributes: &[Attribute<'_>]) -> Result<(), String> {
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(format!(
            "{} message attributes, SNS allows at most {MAX_ATTRIBUTES}",
            attributes.len()
        ));
    }
    let size = body.len()
        + attributes
            .iter()
            .map(|a| a.name.len() + "String".len() + a.value.len())
            .sum::<usize>();
    if size > MAX_MESSAGE_BYTES {
        return Err(format!(
            "the message with its attributes has {size} bytes, SNS allows at most {MAX_MESSAGE_BYTES}"
        ));
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
    /// Its `String` message attributes, name and value, in the order given.
    pub attributes: Vec<(String, String)>,
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
    ) -> impl Future<Output = Result<String, AwsError>> + Send {
        self.publish_with(topic_arn, subject, body, &[])
    }

    /// [`Notifier::publish`] with `String` message attributes; a message failing [`validate_message`] is
    /// refused with [`AwsError::IllegalArgument`] without calling SNS.
    fn publish_with(
        &self,
        topic_arn: &str,
        subject: &str,
        body: &str,
        attributes: &[Attribute<'_>],
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
}
