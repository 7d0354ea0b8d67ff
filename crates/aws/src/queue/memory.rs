//! In-memory [`FollowUpQueue`] for unit tests: keeps every message sent with its delay.

use super::{Delayed, FollowUpQueue};
use crate::AwsError;
use crate::fake::{Faults, Shared, fault_knobs};

#[derive(Debug, Default)]
struct State {
    sent: Vec<Delayed>,
    faults: Faults,
}

/// Cloning shares the messages.
#[derive(Debug, Clone, Default)]
pub struct MemoryQueue {
    state: Shared<State>,
}

fault_knobs!(MemoryQueue);

impl MemoryQueue {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every message sent, in order.
    pub fn sent(&self) -> Vec<Delayed> {
        self.state.lock().sent.clone()
    }

    /// Takes every message sent so far (as a consumer would receive them).
    pub fn take(&self) -> Vec<Delayed> {
        std::mem::take(&mut self.state.lock().sent)
    }
}

impl FollowUpQueue for MemoryQueue {
    async fn send(&self, messages: &[Delayed]) -> Result<(), AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("SendMessageBatch")?;
        state.sent.extend_from_slice(messages);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_what_was_sent_and_fails_on_demand() {
        let queue = MemoryQueue::new();
        let one = Delayed {
            body: "b".into(),
            delay_seconds: 60,
        };
        queue.send(std::slice::from_ref(&one)).await.unwrap();
        queue.fail_next(
            "SendMessageBatch",
            AwsError::from_code("sqs", "SendMessageBatch", "InternalError", "", Some(500)),
        );
        assert!(queue.send(std::slice::from_ref(&one)).await.is_err());
        assert_eq!(queue.take(), [one]);
        assert!(queue.sent().is_empty());
    }
}
