//! [`Notifier`] over the SNS client.

use aws_sdk_sns::types::MessageAttributeValue;

use super::{Attribute, Notifier, validate_message, validate_subject};
use crate::AwsError;
use crate::error::SdkResultExt;

const SERVICE: &str = "sns";

#[derive(Debug, Clone)]
pub struct SdkNotifier {
    client: aws_sdk_sns::Client,
}

impl SdkNotifier {
    pub fn new(client: aws_sdk_sns::Client) -> Self {
        Self { client }
    }
}

impl Notifier for SdkNotifier {
    async fn publish_with(
        &self,
        topic_arn: &str,
        subject: &str,
        body: &str,
        attributes: &[Attribute<'_>],
    ) -> Result<String, AwsError> {
        validate_subject(subject)
            .and_then(|()| validate_message(body, attributes))
            .map_err(|message| AwsError::invalid(SERVICE, "Publish", message))?;
        let mut request = self
            .client
            .publish()
            .topic_arn(topic_arn)
            .subject(subject)
            .message(body);
        for attribute in attributes {
            let value = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(attribute.value)
                .build()
                .map_err(|e| AwsError::invalid(SERVICE, "Publish", e.to_string()))?;
            request = request.message_attributes(attribute.name, value);
        }
        let output = request.send().await.aws(SERVICE, "Publish")?;
        Ok(output.message_id.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sns::operation::publish::{PublishError, PublishOutput};
    use aws_sdk_sns::types::error::{AuthorizationErrorException, NotFoundException};
    use aws_smithy_mocks::mock;

    use super::*;
    use crate::test_support::{mocked, wire};

    const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:formatted";

    #[tokio::test]
    async fn publishes_subject_and_body() {
        let rule = mock!(aws_sdk_sns::Client::publish)
            .match_requests(|r| {
                r.topic_arn() == Some(TOPIC)
                    && r.subject() == Some("🔴 [CRITICAL] acme")
                    && r.message() == Some("body")
            })
            .then_output(|| PublishOutput::builder().message_id("msg-1").build());
        let notifier = SdkNotifier::new(mocked!(aws_sdk_sns, [&rule]));
        assert_eq!(
            notifier
                .publish(TOPIC, "🔴 [CRITICAL] acme", "body")
                .await
                .unwrap(),
            "msg-1"
        );
    }

    #[tokio::test]
    async fn publishes_message_attributes_as_strings() {
        let rule = mock!(aws_sdk_sns::Client::publish)
            .match_requests(|r| {
                r.message_attributes()
                    .and_then(|a| a.get("follow_up"))
                    .is_some_and(|v| v.data_type() == "String" && v.string_value() == Some("[1]"))
            })
            .then_output(|| PublishOutput::builder().message_id("msg-2").build());
        let notifier = SdkNotifier::new(mocked!(aws_sdk_sns, [&rule]));
        let attribute = Attribute {
            name: "follow_up",
            value: "[1]",
        };
        assert_eq!(
            notifier
                .publish_with(TOPIC, "s", "b", &[attribute])
                .await
                .unwrap(),
            "msg-2"
        );
        let eleven = [attribute; 11];
        assert!(matches!(
            notifier.publish_with(TOPIC, "s", "b", &eleven).await,
            Err(AwsError::IllegalArgument { .. })
        ));
        let huge = "x".repeat(256 * 1024);
        assert!(matches!(
            notifier.publish_with(TOPIC, "s", &huge, &[attribute]).await,
            Err(AwsError::IllegalArgument { .. })
        ));
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_subject_sns_would_refuse_is_rejected_before_sending() {
        let rule =
            mock!(aws_sdk_sns::Client::publish).then_output(|| PublishOutput::builder().build());
        let notifier = SdkNotifier::new(mocked!(aws_sdk_sns, [&rule]));
        let long = "x".repeat(101);
        for subject in [long.as_str(), "two\nlines", ""] {
            let error = notifier.publish(TOPIC, subject, "b").await.unwrap_err();
            assert!(
                matches!(error, AwsError::IllegalArgument { service: "sns", .. }),
                "{subject:?}"
            );
        }
        assert!(
            notifier.publish(TOPIC, &"é".repeat(100), "b").await.is_ok(),
            "100 characters, not bytes"
        );
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn errors_are_mapped() {
        let denied = mock!(aws_sdk_sns::Client::publish)
            .match_requests(|r| r.topic_arn() == Some(TOPIC))
            .then_error(|| {
                PublishError::AuthorizationErrorException(
                    AuthorizationErrorException::builder()
                        .meta(wire("AuthorizationError"))
                        .build(),
                )
            });
        let missing = mock!(aws_sdk_sns::Client::publish).then_error(|| {
            PublishError::NotFoundException(
                NotFoundException::builder().meta(wire("NotFound")).build(),
            )
        });
        let notifier = SdkNotifier::new(mocked!(aws_sdk_sns, [&denied, &missing]));
        assert!(matches!(
            notifier.publish(TOPIC, "s", "b").await,
            Err(AwsError::AccessDenied { .. })
        ));
        assert!(matches!(
            notifier.publish("arn:other", "s", "b").await,
            Err(AwsError::NotFound { .. })
        ));
    }
}
