//! The case lock of a category: one ledger item per stack and case subject, so that two alarms of one
//! category arriving together open one Support case, not two.
//!
//! Every new ALARM transition takes its category's lock in the claim's own write ([`super::gate`]); an alarm
//! that could not (a retry, or the lock is held) takes it here before it creates a case. Both alarms list the
//! open cases before either creates one: the holder creates the case and records it on the lock when it
//! closes its transition, while the other waits briefly for that record and appends instead. An alarm that
//! opens no case releases the lock in its closing write.

use bedrock_ops_aws::ledger::{Claim, LockEnd, LockTerms};
use bedrock_ops_aws::{
    AwsError, FollowUpQueue, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk,
    UsageMetrics,
};
use bedrock_ops_core::outcome::CaseRef;
use serde_json::{Value, json};
use tracing::warn;

use super::Processor;

/// How long the case lock of a category is held: long enough for the created case to appear in every later
/// DescribeCases, short enough that a crashed holder does not block the category for long.
pub(super) const CASE_LOCK_SECONDS: i64 = 120;
/// Lock items are worthless once their lease ended; DynamoDB removes them a day later.
const CASE_LOCK_TTL_SECONDS: i64 = 86_400;
/// The lock item's step that names the case its holder opened.
pub(super) const CASE_LOCK_STEP: &str = "case";
/// Pauses between looks at a lock held by a concurrent alarm. Every new alarm holds its category's lock from
/// its first round trip to its closing write, so the holder may still have its filings (CreateCase and the
/// display-id lookup, or its quota requests) and that write ahead of it. Bounded, 5.5 s in all (W-2: no
/// open-ended waiting).
const CASE_LOCK_WAITS_MS: [u64; 10] = [100, 200, 300, 400, 500, 500, 750, 750, 1_000, 1_000];

/// The case lock item of a case subject (one per stack and category).
pub(super) fn case_lock_key(subject: &str) -> String {
    format!("case-lock|{subject}")
}

/// The terms of the lock on `key`, as the claim's joint write takes it.
pub(super) fn lock_terms(key: &str) -> LockTerms<'_> {
    LockTerms {
        key,
        lease_seconds: CASE_LOCK_SECONDS,
        ttl_seconds: CASE_LOCK_TTL_SECONDS,
    }
}

/// The case lock this invocation holds, and what was opened under it (recorded on the lock when the
/// transition is closed, for the alarms that wait on it; without it the lock is released then).
pub(super) struct HeldLock {
    pub(super) key: String,
    pub(super) claimed_at: i64,
    opened: Option<Value>,
}

impl HeldLock {
    /// The lock on `key`, taken at `claimed_at`.
    pub(super) fn taken(key: String, claimed_at: i64) -> Self {
        HeldLock {
            key,
            claimed_at,
            opened: None,
        }
    }

    /// Records the case opened under the lock, for the closing write: the lease it was opened under
    /// (`claimed_at`) and its ids.
    pub(super) fn opened(&mut self, case: &CaseRef) {
        self.opened = Some(json!({
            "claimed_at": self.claimed_at,
            "case_id": case.case_id,
            "display_id": case.display_id,
        }));
    }

    /// How the closing write ends the lock.
    pub(super) fn end(&self) -> LockEnd<'_> {
        match &self.opened {
            Some(opened) => LockEnd::Keep {
                step: CASE_LOCK_STEP,
                detail: opened,
            },
            None => LockEnd::Release,
        }
    }
}

/// What the case lock says.
pub(super) enum CaseLock {
    /// This invocation holds the lock (claimed at this epoch second) and creates the case.
    Held(i64),
    /// A concurrent alarm of the category opened this case moments ago.
    OpenedByOther(CaseRef),
    /// A concurrent alarm still holds the lock and has opened no case yet.
    Busy,
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
    /// Takes the category's case lock before a case is created. Two alarms of one category that arrive together
    /// both list the open cases before either creates one; the lock (a conditional write in the ledger table)
    /// lets one create the case while the other waits briefly for it and appends instead.
    pub(super) async fn case_lock(&self, subject: &str, now: i64) -> Result<CaseLock, AwsError> {
        let key = case_lock_key(subject);
        for wait_ms in CASE_LOCK_WAITS_MS {
            let claim = self
                .ports
                .ledger
                .claim(&key, CASE_LOCK_SECONDS, CASE_LOCK_TTL_SECONDS, now)
                .await;
            match claim {
                Ok(Claim::Acquired(record)) => return Ok(CaseLock::Held(record.claimed_at)),
                // The lock is only ever released or left to expire, never completed.
                Ok(Claim::Done(_)) => return Ok(CaseLock::Busy),
                // The holder's closing transaction on the lock (TransactionConflict) or throttling: look again.
                Err(error) if error.is_retryable() => {}
                Err(error) => return Err(error),
                Ok(Claim::InProgress { .. }) => {
                    let held = match self.ports.ledger.get(&key).await {
                        Ok(held) => held,
                        Err(error) if error.is_retryable() => None,
                        Err(error) => return Err(error),
                    };
                    if let Some(case) = held.and_then(|record| {
                        let opened = record.steps.get(CASE_LOCK_STEP)?;
                        // A case recorded under an earlier, expired lease is in the open-case list already
                        // (or resolved): only the current holder's counts.
                        (opened.get("claimed_at")?.as_i64()? == record.claimed_at).then(|| {
                            let text = |field: &str| {
                                opened
                                    .get(field)
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                                    .to_owned()
                            };
                            CaseRef {
                                case_id: text("case_id"),
                                display_id: text("display_id"),
                            }
                        })
                    }) {
                        return Ok(CaseLock::OpenedByOther(self.with_display_id(case).await));
                    }
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(wait_ms)).await;
        }
        Ok(CaseLock::Busy)
    }

    /// The case with its display id, read from Support when the lock's holder recorded the case before it
    /// knew the display id (the e-mail's console link needs it; the append does not).
    async fn with_display_id(&self, mut case: CaseRef) -> CaseRef {
        if case.display_id.is_empty() {
            match self.ports.support.case_by_id(&case.case_id).await {
                Ok(found) => {
                    case.display_id = found.and_then(|c| c.display_id).unwrap_or_default();
                }
                Err(error) => {
                    warn!(%error, "the display id of the case just opened could not be read")
                }
            }
        }
        case
    }
}

#[cfg(test)]
#[path = "tests/case_lock.rs"]
mod tests;
