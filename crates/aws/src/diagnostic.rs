//! The one mapping of a Lambda's error to the diagnostic Lambda reports: [`RETRYABLE`] when trying again later
//! can succeed, [`NON_RETRYABLE`] when it cannot. Lambda itself does not read the class: it retries a failed
//! asynchronous invocation twice whatever the errorType, then sends the event to the on-failure destination
//! (`bedrock_ops_testkit::async_retry` models it); the class is for the people who read the error there and
//! in the log. Each Lambda crate says which of its errors are which ([`Classified`]) and converts with
//! [`diagnostic`]; the two `error_type` strings are a contract (alarms and runbooks match on them).
//!
//! It sits here, below the three Lambda crates, because they all depend on this crate already; it adds no code
//! to a bootstrap that `lambda_runtime` (which every bootstrap links) did not bring.

use std::fmt::Display;

use lambda_runtime::Diagnostic;

use crate::AwsError;

/// `error_type` of a failure worth retrying.
pub const RETRYABLE: &str = "Retryable";
/// `error_type` of a failure that retrying cannot fix.
pub const NON_RETRYABLE: &str = "NonRetryable";

/// An error that knows whether trying again later can succeed.
pub trait Classified: Display {
    fn is_retryable(&self) -> bool;

    /// [`RETRYABLE`] or [`NON_RETRYABLE`].
    fn error_type(&self) -> &'static str {
        if self.is_retryable() {
            RETRYABLE
        } else {
            NON_RETRYABLE
        }
    }
}

/// The diagnostic Lambda reports for `error`: its class and its message.
pub fn diagnostic(error: &impl Classified) -> Diagnostic {
    Diagnostic {
        error_type: error.error_type().to_owned(),
        error_message: error.to_string(),
    }
}

impl Classified for AwsError {
    fn is_retryable(&self) -> bool {
        AwsError::is_retryable(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_and_the_message_reach_the_diagnostic() {
        let throttled = AwsError::from_code(
            "ssm",
            "GetParameters",
            "ThrottlingException",
            "slow down",
            Some(400),
        );
        let denied = AwsError::from_code("sns", "Publish", "AuthorizationError", "no", Some(403));
        let (retry, stop) = (diagnostic(&throttled), diagnostic(&denied));
        assert_eq!(retry.error_type, "Retryable");
        assert_eq!(retry.error_message, throttled.to_string());
        assert_eq!(stop.error_type, "NonRetryable");
        assert_eq!(stop.error_message, denied.to_string());
    }
}
