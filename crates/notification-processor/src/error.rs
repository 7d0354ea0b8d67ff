//! Why an invocation failed, classified for Lambda: a `Retryable` error makes the asynchronous invocation
//! retry (the ledger guarantees the retry files nothing twice), a `NonRetryable` one goes straight to the
//! on-failure destination because retrying cannot help.

use bedrock_ops_aws::AwsError;
use lambda_runtime::Diagnostic;

use crate::config::ConfigError;
use crate::event::EventError;

/// `error_type` of a failure worth retrying.
pub const RETRYABLE: &str = "Retryable";
/// `error_type` of a failure that retrying cannot fix.
pub const NON_RETRYABLE: &str = "NonRetryable";

#[derive(Debug, thiserror::Error)]
pub enum ProcessorError {
    #[error("the event cannot be processed: {0}")]
    Event(#[from] EventError),

    #[error(transparent)]
    Config(#[from] ConfigError),

    /// Another invocation holds the transition and its lease has not run out: a redelivery that arrived
    /// while the first delivery is still working. Retrying later finds it done.
    #[error(
        "transition {key} is being handled by another invocation until {lease_until} (epoch s); retry later"
    )]
    InProgress { key: String, lease_until: i64 },

    /// The ledger holds a record of an earlier attempt that cannot be read (see `handler::gate`): its filings
    /// were made, its e-mail cannot be rebuilt, and retrying cannot change that.
    #[error(
        "transition {key}: the ledger's '{step}' record of an earlier attempt cannot be read, so its e-mail was \
         not sent: {problem}"
    )]
    UnreadableRecord {
        key: String,
        step: &'static str,
        problem: String,
    },

    /// An AWS call failed where the processor cannot go on without it.
    #[error("{doing}: {source}")]
    Aws {
        doing: &'static str,
        #[source]
        source: AwsError,
    },
}

impl ProcessorError {
    pub fn aws(doing: &'static str, source: AwsError) -> Self {
        ProcessorError::Aws { doing, source }
    }

    pub fn is_retryable(&self) -> bool {
        match self {
            ProcessorError::Event(_)
            | ProcessorError::Config(_)
            | ProcessorError::UnreadableRecord { .. } => false,
            ProcessorError::InProgress { .. } => true,
            ProcessorError::Aws { source, .. } => source.is_retryable(),
        }
    }

    /// [`RETRYABLE`] or [`NON_RETRYABLE`].
    pub fn error_type(&self) -> &'static str {
        if self.is_retryable() {
            RETRYABLE
        } else {
            NON_RETRYABLE
        }
    }
}

impl From<ProcessorError> for Diagnostic {
    fn from(error: ProcessorError) -> Diagnostic {
        Diagnostic {
            error_type: error.error_type().to_owned(),
            error_message: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_carry_the_retry_class_and_the_message() {
        let busy: Diagnostic = ProcessorError::InProgress {
            key: "k".into(),
            lease_until: 9,
        }
        .into();
        assert_eq!(busy.error_type, RETRYABLE);
        assert!(busy.error_message.contains("retry later"));

        let bad: Diagnostic = ProcessorError::from(EventError::NotAnEvent("x".into())).into();
        assert_eq!(bad.error_type, NON_RETRYABLE);

        let throttled = AwsError::from_code(
            "ssm",
            "GetParametersByPath",
            "ThrottlingException",
            "slow down",
            Some(400),
        );
        assert_eq!(
            ProcessorError::aws("reading the settings", throttled).error_type(),
            RETRYABLE
        );
        let denied = AwsError::from_code(
            "dynamodb",
            "UpdateItem",
            "AccessDeniedException",
            "no",
            Some(400),
        );
        let error = ProcessorError::aws("claiming the transition", denied);
        assert_eq!(error.error_type(), NON_RETRYABLE);
        assert!(
            error
                .to_string()
                .starts_with("claiming the transition: dynamodb UpdateItem: access denied")
        );
    }
}
