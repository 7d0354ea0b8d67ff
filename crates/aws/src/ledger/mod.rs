//! Idempotency ledger: one DynamoDB item per alarm transition, so a redelivered SNS message or a Lambda retry
//! neither files nor e-mails twice, and a retry after a partial failure resumes where the last attempt stopped.
//!
//! # Item schema (table with partition key `pk` of type S, TTL on `expires_at`)
//!
//! | attribute      | type | meaning                                                                            |
//! |----------------|------|------------------------------------------------------------------------------------|
//! | `pk`           | S    | the transition key, e.g. alarm ARN + new state + state change time                 |
//! | `status`       | S    | `in_progress` while an invocation works on it, `done` once it finished             |
//! | `claimed_at`   | N    | epoch seconds of the latest successful claim                                       |
//! | `lease_until`  | N    | epoch seconds after which another invocation may take over an `in_progress` item   |
//! | `attempts`     | N    | how many invocations have claimed it                                               |
//! | `steps`        | M    | step name → JSON text: what was already filed/sent (quota request id, case id, …)  |
//! | `outcome`      | S    | JSON text of the final decision and actions (audit), set when `done`               |
//! | `completed_at` | N    | epoch seconds when it became `done`                                                |
//! | `expires_at`   | N    | TTL: DynamoDB deletes the item some time after this epoch second                   |
//!
//! A claim is one conditional write: it succeeds when the item does not exist, or when it is `in_progress` and its
//! lease has expired (the previous invocation died or timed out). Taking over keeps `steps`, so the new owner
//! sees what was already done.
//!
//! A lock (e.g. the case lock of a category) is an item of the same shape, claimed for a short lease and never
//! completed. A first claim can take a lock in the same atomic write ([`Ledger::claim_with_lock`]), and the
//! close can end it in the same write ([`Ledger::complete_with_lock`]): one call each instead of two, on the
//! path of every alarm (docs/performance.md).

use std::collections::BTreeMap;
use std::future::Future;

use serde_json::Value;

use crate::AwsError;

#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod sdk;

/// DynamoDB's limit on a partition key value, in bytes.
pub const MAX_KEY_BYTES: usize = 2048;

/// Where a transition stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerStatus {
    InProgress,
    Done,
}

impl LedgerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerStatus::InProgress => "in_progress",
            LedgerStatus::Done => "done",
        }
    }

    pub fn parse(status: &str) -> Option<Self> {
        match status {
            "in_progress" => Some(LedgerStatus::InProgress),
            "done" => Some(LedgerStatus::Done),
            _ => None,
        }
    }
}

/// One ledger item.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRecord {
    pub key: String,
    pub status: LedgerStatus,
    pub claimed_at: i64,
    pub lease_until: i64,
    pub attempts: u32,
    /// Progress recorded by [`Ledger::reopen`] (or on a lock by [`Ledger::complete_with_lock`]), by step name.
    pub steps: BTreeMap<String, Value>,
    /// Set by [`Ledger::complete`].
    pub outcome: Option<Value>,
    pub completed_at: Option<i64>,
    pub expires_at: i64,
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This invocation owns the transition. `steps` of the record holds what an earlier attempt already did
    /// (empty on a first delivery): skip those steps.
    Acquired(LedgerRecord),
    /// Another invocation is working on it and its lease has not expired.
    InProgress { since: i64, lease_until: i64 },
    /// Already handled; the record says how.
    Done(LedgerRecord),
}

/// A lock to take together with a first claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockTerms<'a> {
    pub key: &'a str,
    /// How long the lock is held unless it is ended earlier.
    pub lease_seconds: i64,
    pub ttl_seconds: i64,
}

/// The answer to [`Ledger::claim_with_lock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JointClaim {
    /// The transition was new: it is claimed, and the lock is held, both from `now` (which is the lock's
    /// `claimed_at`, the holder's proof for [`Ledger::complete_with_lock`]).
    Taken,
    /// Nothing was written: the transition has an item already (a redelivery, or a retry that may have steps
    /// to resume), or another invocation holds the lock. Claim the transition alone with [`Ledger::claim`].
    Declined,
}

/// How a held lock ends when its holder closes the transition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LockEnd<'a> {
    /// Free it now: nothing was opened under it.
    Release,
    /// Keep it until its lease ends, with this step recorded: what was opened under it, for the invocations
    /// that wait on it.
    Keep { step: &'a str, detail: &'a Value },
}

/// The idempotency ledger.
pub trait Ledger: Send + Sync {
    /// Claims the transition for `lease_seconds` from `now` (epoch seconds); the item expires `ttl_seconds` after
    /// `now`.
    fn claim(
        &self,
        key: &str,
        lease_seconds: i64,
        ttl_seconds: i64,
        now: i64,
    ) -> impl Future<Output = Result<Claim, AwsError>> + Send;

    /// Marks the transition `done` with its outcome. [`AwsError::ConditionFailed`] when the item is missing.
    fn complete(
        &self,
        key: &str,
        outcome: &Value,
        now: i64,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;

    /// Gives up an `in_progress` claim (its lease ends now, its steps stay), so that a retry of a failed attempt
    /// can claim it at once instead of waiting for the lease to expire.
    fn release(&self, key: &str) -> impl Future<Output = Result<(), AwsError>> + Send;

    /// Claims a transition that has no item yet together with `lock`, in one atomic write: both or neither.
    /// The lock is taken when it has no item or its lease has ended.
    fn claim_with_lock(
        &self,
        key: &str,
        lease_seconds: i64,
        ttl_seconds: i64,
        lock: LockTerms<'_>,
        now: i64,
    ) -> impl Future<Output = Result<JointClaim, AwsError>> + Send;

    /// [`Ledger::complete`], and in the same atomic write ends the lock this invocation took at
    /// `lock_claimed_at`. A lock that is no longer this invocation's (its lease ended and another took it) is
    /// left alone and the transition is completed on its own.
    fn complete_with_lock(
        &self,
        key: &str,
        outcome: &Value,
        now: i64,
        lock_key: &str,
        lock_claimed_at: i64,
        end: LockEnd<'_>,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;

    /// Takes back a completion whose last step failed: the item is `in_progress` again with `step` recorded and
    /// its lease ended, so a retry claims it at once and resumes from `step`.
    fn reopen(
        &self,
        key: &str,
        step: &str,
        detail: &Value,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;

    /// The item, if it exists (strongly consistent read).
    fn get(&self, key: &str)
    -> impl Future<Output = Result<Option<LedgerRecord>, AwsError>> + Send;
}

/// Refuses keys DynamoDB would reject, before anything is sent.
pub(crate) fn validate_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("the ledger key is empty".into());
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(format!(
            "the ledger key has {} bytes, DynamoDB allows {MAX_KEY_BYTES}",
            key.len()
        ));
    }
    Ok(())
}
