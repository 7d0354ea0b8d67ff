//! Helpers for the aws-smithy-mocks unit tests of the SDK implementations.

/// A real SDK client answered by the given mock rules: any matching rule answers (a rule without a sequence
/// answers every time), and SDK retries are off so an error rule is seen exactly once.
macro_rules! mocked {
    ($sdk:ident, [$($rule:expr),+ $(,)?]) => {
        aws_smithy_mocks::mock_client!(
            $sdk,
            aws_smithy_mocks::RuleMode::MatchAny,
            [$($rule),+],
            |config: $sdk::config::Builder| config.retry_config(aws_config::retry::RetryConfig::disabled())
        )
    };
}

pub(crate) use mocked;

/// The error metadata a real response carries: the SDK's deserializer records the wire error code there, and
/// the error mapping reads it. Mocked modelled errors need it set by hand.
pub(crate) fn wire(code: &str) -> aws_sdk_ssm::error::ErrorMetadata {
    aws_sdk_ssm::error::ErrorMetadata::builder()
        .code(code)
        .message(format!("{code} from the mock"))
        .build()
}
