//! SQS: the processor's follow-up queue. A message is put on it with a delay and comes back to the same
//! Lambda through its event source mapping when the delay has passed: the durable replacement for sleeping
//! in an invocation (docs/architecture.md, "the two-phase flow").

use std::future::Future;

use crate::AwsError;

#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod sdk;

/// SQS's limit on `DelaySeconds`.
pub const MAX_DELAY_SECONDS: u32 = 900;
/// SQS's limit on the entries of one SendMessageBatch.
pub const MAX_BATCH: usize = 10;

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delayed {
    pub body: String,
    /// Seconds before the message can be received (at most [`MAX_DELAY_SECONDS`]; more is capped).
    pub delay_seconds: u32,
}

/// A queue that hands messages back after a delay.
pub trait FollowUpQueue: Send + Sync {
    /// Sends every message, in one call (SendMessageBatch) for up to [`MAX_BATCH`]. Fails unless every
    /// message was accepted.
    fn send(&self, messages: &[Delayed]) -> impl Future<Output = Result<(), AwsError>> + Send;
}
