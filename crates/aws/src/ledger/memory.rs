//! In-memory [`Ledger`] for unit tests, with the same claim rules as the DynamoDB implementation.
//!
//! Injected failures use the DynamoDB operation names: `UpdateItem` (claim, record_step, complete, release) and
//! `GetItem` (get).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Claim, Ledger, LedgerRecord, LedgerStatus, validate_key};
use crate::AwsError;
use crate::fake::{Faults, Shared, fault_knobs};

const SERVICE: &str = "dynamodb";

#[derive(Debug, Default)]
struct State {
    records: BTreeMap<String, LedgerRecord>,
    faults: Faults,
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
        let record = LedgerRecord {
            key: key.to_owned(),
            status: LedgerStatus::InProgress,
            claimed_at: now,
            lease_until: now + lease_seconds,
            attempts: 1,
            steps: BTreeMap::new(),
            outcome: None,
            completed_at: None,
            expires_at: now + ttl_seconds,
        };
        state.records.insert(key.to_owned(), record.clone());
        Ok(Claim::Acquired(record))
    }

    async fn record_step(&self, key: &str, step: &str, detail: &Value) -> Result<(), AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("UpdateItem")?;
        checked(key, "UpdateItem")?;
        match state.records.get_mut(key) {
            Some(record) if record.status == LedgerStatus::InProgress => {
                record.steps.insert(step.to_owned(), detail.clone());
                Ok(())
            }
            _ => Err(condition_failed(key)),
        }
    }

    async fn complete(&self, key: &str, outcome: &Value, now: i64) -> Result<(), AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("UpdateItem")?;
        checked(key, "UpdateItem")?;
        let record = state
            .records
            .get_mut(key)
            .ok_or_else(|| condition_failed(key))?;
        record.status = LedgerStatus::Done;
        record.outcome = Some(outcome.clone());
        record.completed_at = Some(now);
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
            ledger.record_step("k", "late", &json!(1)).await,
            Err(AwsError::ConditionFailed { .. })
        ));
    }

    #[tokio::test]
    async fn a_retry_after_an_expired_or_released_lease_resumes_with_the_recorded_steps() {
        let ledger = MemoryLedger::new();
        ledger.claim("k", 60, 3_600, 100).await.unwrap();
        ledger
            .record_step("k", "quota_request", &json!({"id": "r1"}))
            .await
            .unwrap();

        let Claim::Acquired(resumed) = ledger.claim("k", 60, 3_600, 161).await.unwrap() else {
            panic!("not taken over")
        };
        assert_eq!(resumed.steps["quota_request"], json!({"id": "r1"}));
        assert_eq!(resumed.attempts, 2);

        ledger.release("k").await.unwrap();
        assert!(
            matches!(ledger.claim("k", 60, 3_600, 162).await.unwrap(), Claim::Acquired(r) if r.attempts == 3)
        );
        assert!(matches!(
            ledger.complete("missing", &json!({}), 1).await,
            Err(AwsError::ConditionFailed { .. })
        ));
        assert_eq!(ledger.get("k").await.unwrap().unwrap().steps.len(), 1);
    }
}
