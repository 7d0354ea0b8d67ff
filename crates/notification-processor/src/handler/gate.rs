//! The ledger gate: SNS and Lambda deliver at least once, so every transition is claimed in the ledger before
//! anything is filed, and the claim's answer decides what this invocation may do ([`Admission`]): handle it
//! from the start, only send the e-mail an earlier attempt recorded, or nothing.
//!
//! A claim lasts until shortly after the invocation's deadline, so a retry of a timed-out invocation takes
//! over; a failure before anything was filed gives the claim back ([`Processor::release`]) so the retry can
//! start at once.

use bedrock_ops_aws::ledger::{Claim, JointClaim};
use bedrock_ops_aws::{
    AwsError, FollowUpQueue, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk,
    UsageMetrics,
};
use tracing::{info, warn};

use super::case_lock::{HeldLock, lock_terms};
use super::record::{FILED_STEP, FiledRecord, RETRY_STEP};
use super::report::Report;
use super::{Clock, Processor, RunMode};
use crate::error::ProcessorError;

/// How long ledger items (the audit record) are kept.
pub const LEDGER_TTL_SECONDS: i64 = 90 * 86_400;

/// What a claim lets this invocation do.
pub(super) enum Admission {
    /// Nothing was filed for the transition yet: handle it from the start. `lock` is the category's case lock
    /// when the claim took it in the same write (a new ALARM transition).
    Fresh { lock: Option<HeldLock> },
    /// An earlier attempt filed and recorded everything: only its e-mail is left.
    Resume(FiledRecord),
    /// The failed steps of a recorded attempt are to be redone, and nothing else (`process --retry-failed`).
    Retry(FiledRecord),
    /// Nothing to do; the report says why.
    Stop(Report),
}

/// The one reading of the ledger's answer to a claim of `key` alone. Another invocation holding the
/// transition is a retryable error (a retry later finds it done); a failed claim is the ledger's error.
///
/// An earlier attempt's record that does not parse is a `NonRetryable` error naming the key: its filings were
/// made, but the e-mail cannot be rebuilt from it, and no retry can change that. Publishing nothing and
/// failing loudly (the Lambda's on-failure destination gets the event) is truthful; closing the transition
/// instead would hide it and lose the record. The item is left as it is, its claim to expire, for a person or
/// a build that reads it.
fn admit(key: &str, claim: Result<Claim, AwsError>) -> Result<Admission, ProcessorError> {
    match claim {
        Err(error) => Err(ProcessorError::aws(
            "claiming the transition in the ledger",
            error,
        )),
        Ok(Claim::Done(_)) => {
            info!(key, "already handled: nothing filed, no e-mail");
            Ok(Admission::Stop(Report::AlreadyHandled {
                key: key.to_owned(),
            }))
        }
        Ok(Claim::InProgress { lease_until, .. }) => {
            info!(
                key,
                lease_until, "another invocation is handling this transition"
            );
            Err(ProcessorError::InProgress {
                key: key.to_owned(),
                lease_until,
            })
        }
        Ok(Claim::Acquired(record)) => {
            // A retry's record is newer than the filed one it was made from.
            let found = record
                .steps
                .get(RETRY_STEP)
                .map(|detail| (RETRY_STEP, true, detail))
                .or_else(|| {
                    record
                        .steps
                        .get(FILED_STEP)
                        .map(|detail| (FILED_STEP, false, detail))
                });
            let Some((step, retry, detail)) = found else {
                return Ok(Admission::Fresh { lock: None });
            };
            info!(
                key,
                step,
                attempts = record.attempts,
                "an earlier attempt filed already: only its failed steps are left"
            );
            match FiledRecord::parse(detail) {
                Ok(filed) if retry => Ok(Admission::Retry(filed)),
                Ok(filed) => Ok(Admission::Resume(filed)),
                Err(problem) => Err(ProcessorError::UnreadableRecord {
                    key: key.to_owned(),
                    step,
                    problem,
                }),
            }
        }
    }
}

impl<P, M, Q, S, N, L, F> Processor<P, M, Q, S, N, L, F>
where
    P: ParameterStore,
    M: UsageMetrics,
    Q: QuotaService,
    S: SupportDesk,
    N: Notifier,
    L: Ledger,
    F: FollowUpQueue,
{
    /// Claims the transition alone (a simulation claims nothing).
    pub(super) async fn claim(
        &self,
        key: &str,
        clock: Clock,
        run: RunMode,
    ) -> Result<Admission, ProcessorError> {
        match run {
            RunMode::Live => admit(
                key,
                self.ports
                    .ledger
                    .claim(key, clock.lease, LEDGER_TTL_SECONDS, clock.now)
                    .await,
            ),
            RunMode::Simulate => Ok(Admission::Fresh { lock: None }),
        }
    }

    /// The claim of an ALARM transition. A new one (nearly every alarm) takes its category's case lock in the
    /// same write, whether or not a case turns out to be needed: a case then costs no round trip to lock, and
    /// an alarm that opens none releases the lock in its closing write, so neither adds a call. A redelivery
    /// or a retry, or a lock held by a concurrent alarm, falls back to the claim alone (and the lock is taken
    /// later, if a case is needed).
    pub(super) async fn claim_with_case_lock(
        &self,
        key: &str,
        lock_key: &str,
        clock: Clock,
        run: RunMode,
    ) -> Result<Admission, ProcessorError> {
        if run == RunMode::Simulate {
            return Ok(Admission::Fresh { lock: None });
        }
        match self
            .ports
            .ledger
            .claim_with_lock(
                key,
                clock.lease,
                LEDGER_TTL_SECONDS,
                lock_terms(lock_key),
                clock.now,
            )
            .await
        {
            // Both are held from the invocation's `now`.
            Ok(JointClaim::Taken) => Ok(Admission::Fresh {
                lock: Some(HeldLock::taken(lock_key.to_owned(), clock.now)),
            }),
            Ok(JointClaim::Declined) => self.claim(key, clock, run).await,
            Err(error) => admit(key, Err(error)),
        }
    }

    /// Gives the claim back after a failure before anything was filed, so the retry can start at once.
    pub(super) async fn release(&self, key: &str, run: RunMode) {
        if run == RunMode::Live
            && let Err(error) = self.ports.ledger.release(key).await
        {
            warn!(key, %error, "could not release the claim; a retry waits for the lease to expire");
        }
    }
}

#[cfg(test)]
#[path = "tests/gate.rs"]
mod tests;
