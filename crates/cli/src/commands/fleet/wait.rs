//! Waiting for CloudFormation without hammering it or hanging: reads spaced by a doubling interval (capped),
//! within an overall deadline.

use std::time::Duration;

// Tokio's clock, so that the tests run the waits on paused time (the same as `std`'s outside tests).
use tokio::time::Instant;

/// The waiting budget of one stack operation.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// First pause between two reads; it doubles up to `max`.
    pub first: Duration,
    pub max: Duration,
    /// Give up (the operation goes on in CloudFormation) after this long.
    pub timeout: Duration,
}

impl Backoff {
    pub fn new(first_ms: u64, timeout_minutes: u64) -> Backoff {
        Backoff {
            first: Duration::from_millis(first_ms.max(1)),
            max: Duration::from_secs(15),
            timeout: Duration::from_secs(timeout_minutes.max(1) * 60),
        }
    }

    pub fn start(&self) -> Waiter {
        Waiter {
            next: self.first,
            max: self.max.max(self.first),
            deadline: Instant::now() + self.timeout,
            started: Instant::now(),
        }
    }
}

/// One operation's waiting state.
#[derive(Debug)]
pub struct Waiter {
    next: Duration,
    max: Duration,
    deadline: Instant,
    started: Instant,
}

impl Waiter {
    /// Sleeps the next interval; `false` when the deadline has passed (nothing slept).
    pub async fn pause(&mut self) -> bool {
        let now = Instant::now();
        if now >= self.deadline {
            return false;
        }
        let pause = self.next.min(self.deadline - now);
        tokio::time::sleep(pause).await;
        self.next = (self.next * 2).min(self.max);
        true
    }

    /// Whole seconds since the operation started.
    pub fn elapsed_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn pauses_double_up_to_the_cap_and_stop_at_the_deadline() {
        let backoff = Backoff {
            first: Duration::from_millis(5),
            max: Duration::from_millis(20),
            timeout: Duration::from_millis(60),
        };
        let mut waiter = backoff.start();
        let mut pauses = 0;
        while waiter.pause().await {
            pauses += 1;
            assert!(pauses < 20, "the deadline must end the wait");
        }
        // 5 + 10 + 20 + 20 + the last 5 ms up to 60 ms, on paused time: a handful of reads, never a busy loop.
        assert_eq!(pauses, 5);
        assert_eq!(waiter.next, Duration::from_millis(20));
    }
}
