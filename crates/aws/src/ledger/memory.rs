//! In-memory [`Ledger`] for unit tests, with the same claim rules as the DynamoDB implementation.
//!
//! Injected failures use the DynamoDB operation names: `UpdateItem` (claim, complete, release, reopen),
//! `TransactWriteItems` (claim_with_lock, complete_with_lock) and `GetItem` (get).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{
    Claim, JointClaim, Ledger, LedgerRecord, LedgerStatus, LockEnd, LockTerms, validate_key,
};
use crate::AwsError;
use crate::fake::{Faults, Shared, fault_knobs};

const SERVICE: &str = "dynamodb";

#[derive(Debug, Default)]
struct State {
    records: BTreeMap<String, LedgerRecord>,
    faults: Faults,
}

impl State {
    /// The item an update needs, once the injected fault and the key check let the call through.
    fn existing(
        &mut self,
        key: &str,
        operation: &'static str,
    ) -> Result<&mut LedgerRecord, AwsError> {
        self.faults.enter(operation)?;
        checked(key, operation)?;
        self.records
            .get_mut(key)
            .ok_or_else(|| condition_failed(key))
    }
}

/// Cloning shares the records.
#[derive(Debug, Clone, Default)]
pub struct MemoryLedger {
    state: Shared<State>,
}

fault_knobs!(MemoryLedger);

impl MemoryLedger {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every record, by key.
    pub fn records(&self) -> BTreeMap<String, LedgerRecord> {
        self.state.lock().records.clone()
    }

    /// Stores a record as it is (e.g. a `done` transition, or an `in_progress` one with an expired lease).
    pub fn seed(&self, record: LedgerRecord) {
        self.state.lock().records.insert(record.key.clone(), record);
    }
}

fn condition_failed(key: &str) -> AwsError {
    AwsError::ConditionFailed {
        service: SERVICE,
        operation: "UpdateItem",
        message: format!("The conditional request failed for {key}"),
    }
}

fn checked(key: &str, operation: &'static str) -> Result<(), AwsError> {
    validate_key(key).map_err(|message| AwsError::invalid(SERVICE, operation, message))
}

fn fresh(key: &str, lease_seconds: i64, ttl_seconds: i64, now: i64) -> LedgerRecord {
    LedgerRecord {
        key: key.to_owned(),
        status: LedgerStatus::InProgress,
        claimed_at: now,
        lease_until: now + lease_seconds,
        attempts: 1,
        steps: BTreeMap::new(),
        outcome: None,
        completed_at: None,
        expires_at: now + ttl_seconds,
    }
}

fn finish(record: &mut LedgerRecord, outcome: &Value, now: i64) {
    record.status = LedgerStatus::Done;
    record.outcome = Some(outcome.clone());
    record.completed_at = Some(now);
}

impl Ledger for MemoryLedger {
    async fn claim(
        &self,
        key: &str,
        lease_seconds: i64,
        ttl_seconds: i64,
        now: i64,
    ) -> Result<Claim, AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("UpdateItem")?;
        checked(key, "UpdateItem")?;
        if let Some(existing) = state.records.get_mut(key) {
            match existing.status {
                LedgerStatus::Done => return Ok(Claim::Done(existing.clone())),
                LedgerStatus::InProgress if existing.lease_until > now => {
                    return Ok(Claim::InProgress {
                        since: existing.claimed_at,
                        lease_until: existing.lease_until,
                    });
                }
                LedgerStatus::InProgress => {
                    existing.claimed_at = now;
                    existing.lease_until = now + lease_seconds;
                    existing.expires_at = now + ttl_seconds;
                    existing.attempts += 1;
                    return Ok(Claim::Acquired(existing.clone()));
                }
            }
        }
        let record = fresh(key, lease_seconds, ttl_seconds, now);
        state.records.insert(key.to_owned(), record.clone());
        Ok(Claim::Acquired(record))
    }

    async fn claim_with_lock(
        &self,
        key: &str,
        lease_seconds: i64,
        ttl_seconds: i64,
        lock: LockTerms<'_>,
        now: i64,
    ) -> Result<JointClaim, AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("TransactWriteItems")?;
        checked(key, "TransactWriteItems")?;
        checked(lock.key, "TransactWriteItems")?;
        let lock_free = state
            .records
            .get(lock.key)
            .is_none_or(|held| held.status == LedgerStatus::InProgress && held.lease_until <= now);
        if state.records.contains_key(key) || !lock_free {
            return Ok(JointClaim::Declined);
        }
        state
            .records
            .insert(key.to_owned(), fresh(key, lease_seconds, ttl_seconds, now));
        let taken = fresh(lock.key, lock.lease_seconds, lock.ttl_seconds, now);
        match state.records.get_mut(lock.key) {
            // Taking over keeps the earlier holders' steps, as a claim does.
            Some(held) => {
                held.claimed_at = now;
                held.lease_until = taken.lease_until;
                held.expires_at = taken.expires_at;
                held.attempts += 1;
            }
            None => {
                state.records.insert(lock.key.to_owned(), taken);
            }
        }
        Ok(JointClaim::Taken)
    }

    async fn complete_with_lock(
        &self,
        key: &str,
        outcome: &Value,
        now: i64,
        lock_key: &str,
        lock_claimed_at: i64,
        end: LockEnd<'_>,
    ) -> Result<(), AwsError> {
        let mut state = self.state.lock();
        checked(lock_key, "TransactWriteItems")?;
        finish(state.existing(key, "TransactWriteItems")?, outcome, now);
        if let Some(lock) = state
            .records
            .get_mut(lock_key)
            .filter(|lock| lock.claimed_at == lock_claimed_at)
        {
            match end {
                LockEnd::Release => lock.lease_until = 0,
                LockEnd::Keep { step, detail } => {
                    lock.steps.insert(step.to_owned(), detail.clone());
                }
            }
        }
        Ok(())
    }

    async fn reopen(&self, key: &str, step: &str, detail: &Value) -> Result<(), AwsError> {
        let mut state = self.state.lock();
        let record = state.existing(key, "UpdateItem")?;
        record.status = LedgerStatus::InProgress;
        record.lease_until = 0;
        record.outcome = None;
        record.completed_at = None;
        record.steps.insert(step.to_owned(), detail.clone());
        Ok(())
    }

    async fn complete(&self, key: &str, outcome: &Value, now: i64) -> Result<(), AwsError> {
        let mut state = self.state.lock();
        finish(state.existing(key, "UpdateItem")?, outcome, now);
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<(), AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("UpdateItem")?;
        checked(key, "UpdateItem")?;
        match state.records.get_mut(key) {
            Some(record) if record.status == LedgerStatus::InProgress => {
                record.lease_until = 0;
                Ok(())
            }
            _ => Err(condition_failed(key)),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<LedgerRecord>, AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("GetItem")?;
        checked(key, "GetItem")?;
        Ok(state.records.get(key).cloned())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn a_redelivery_sees_in_progress_then_done() {
        let ledger = MemoryLedger::new();
        assert!(matches!(
            ledger.claim("k", 60, 3_600, 100).await.unwrap(),
            Claim::Acquired(_)
        ));
        assert_eq!(
            ledger.claim("k", 60, 3_600, 130).await.unwrap(),
            Claim::InProgress {
                since: 100,
                lease_until: 160
            }
        );

        ledger
            .complete("k", &json!({"email": "sent"}), 140)
            .await
            .unwrap();
        let Claim::Done(record) = ledger.claim("k", 60, 3_600, 500).await.unwrap() else {
            panic!("not done")
        };
        assert_eq!(record.outcome, Some(json!({"email": "sent"})));
        assert!(matches!(
            ledger.release("k").await,
            Err(AwsError::ConditionFailed { .. })
        ));
    }

    #[tokio::test]
    async fn a_reopened_or_expired_claim_is_taken_over_with_its_steps() {
        let ledger = MemoryLedger::new();
        ledger.claim("k", 60, 3_600, 100).await.unwrap();
        ledger.complete("k", &json!({}), 101).await.unwrap();
        ledger
            .reopen("k", "filed", &json!({"id": "r1"}))
            .await
            .unwrap();

        let Claim::Acquired(resumed) = ledger.claim("k", 60, 3_600, 102).await.unwrap() else {
            panic!("not reopened")
        };
        assert_eq!(resumed.steps["filed"], json!({"id": "r1"}));
        assert_eq!((resumed.attempts, resumed.outcome), (2, None));

        let Claim::Acquired(taken_over) = ledger.claim("k", 60, 3_600, 162).await.unwrap() else {
            panic!("not taken over after the lease")
        };
        assert_eq!((taken_over.attempts, taken_over.steps.len()), (3, 1));
        assert!(matches!(
            ledger.complete("missing", &json!({}), 1).await,
            Err(AwsError::ConditionFailed { .. })
        ));
    }

    #[tokio::test]
    async fn a_lock_is_taken_only_with_a_new_transition_and_ended_only_by_its_holder() {
        let ledger = MemoryLedger::new();
        let lock = LockTerms {
            key: "lock",
            lease_seconds: 120,
            ttl_seconds: 86_400,
        };
        let claim = |key: &'static str, now| ledger.claim_with_lock(key, 60, 3_600, lock, now);
        assert_eq!(claim("t1", 1_000).await.unwrap(), JointClaim::Taken);
        assert_eq!(claim("t1", 1_001).await.unwrap(), JointClaim::Declined);
        assert_eq!(claim("t2", 1_001).await.unwrap(), JointClaim::Declined);
        assert!(ledger.get("t2").await.unwrap().is_none());

        let opened = json!({"case_id": "c1"});
        let keep = LockEnd::Keep {
            step: "case",
            detail: &opened,
        };
        ledger
            .complete_with_lock("t1", &json!({}), 1_002, "lock", 1_000, keep)
            .await
            .unwrap();
        assert_eq!(
            ledger.get("lock").await.unwrap().unwrap().steps["case"],
            opened
        );

        assert_eq!(claim("t2", 1_120).await.unwrap(), JointClaim::Taken);
        ledger
            .complete_with_lock("t2", &json!({}), 1_121, "lock", 1_000, LockEnd::Release)
            .await
            .unwrap();
        let held = ledger.get("lock").await.unwrap().unwrap();
        assert_eq!((held.lease_until, held.attempts), (1_240, 2));
        assert_eq!(
            ledger.get("t2").await.unwrap().unwrap().status,
            LedgerStatus::Done
        );
    }
}
