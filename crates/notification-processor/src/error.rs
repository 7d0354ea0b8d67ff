//! Why an invocation failed, classified as `Retryable` or `NonRetryable` (the mapping is
//! `bedrock_ops_aws::diagnostic`'s). Lambda does not read the class: it retries every failed asynchronous
//! invocation twice (three attempts in all, a minute or two apart), whatever the errorType, and then sends
//! the event with the error to the on-failure destination (the notification dead-letter queue). The class
//! tells the operator reading the error there (or in the log) whether waiting could have helped; the ledger
//! makes every attempt harmless (a retry redoes only what is not done, never a filing or an e-mail twice).

use bedrock_ops_aws::AwsError;
use bedrock_ops_aws::diagnostic::{self, Classified};
use lambda_runtime::Diagnostic;

use crate::config::ConfigError;
use crate::event::EventError;

#[derive(Debug, thiserror::Error)]
pub enum ProcessorError {
    #[error("the event cannot be processed: {0}")]
    Event(#[from] EventError),

    #[error(transparent)]
    Config(#[from] ConfigError),

    /// A message on the follow-up queue that is not this stack's follow-up (malformed, foreign, another
    /// version): retrying cannot help, so the mapping's redrive puts it in the dead-letter queue.
    #[error("the follow-up message cannot be processed: {0}")]
    FollowUp(String),

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
}

impl Classified for ProcessorError {
    fn is_retryable(&self) -> bool {
        match self {
            ProcessorError::Event(_)
            | ProcessorError::FollowUp(_)
            | ProcessorError::Config(_)
            | ProcessorError::UnreadableRecord { .. } => false,
            ProcessorError::InProgress { .. } => true,
            ProcessorError::Aws { source, .. } => source.is_retryable(),
        }
    }
}

impl From<ProcessorError> for Diagnostic {
    fn from(error: ProcessorError) -> Diagnostic {
        diagnostic::diagnostic(&error)
    }
}

#[cfg(test)]
mod tests {
    use bedrock_ops_aws::diagnostic::{NON_RETRYABLE, RETRYABLE};

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
