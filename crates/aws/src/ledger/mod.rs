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

use std::collections::BTreeMap;
use std::future::Future;

use serde_json::Value;

use crate::AwsError;

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
    /// Progress recorded by [`Ledger::record_step`], by step name.
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

    /// Records that a step is done, with its details, on an `in_progress` item. [`AwsError::ConditionFailed`]
    /// when the item is missing or already `done`.
    fn record_step(
        &self,
        key: &str,
        step: &str,
        detail: &Value,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;

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
