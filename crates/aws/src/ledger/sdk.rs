//! [`Ledger`] over the DynamoDB client (schema in the module above).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use serde_json::Value;

use super::{
    Claim, JointClaim, Ledger, LedgerRecord, LedgerStatus, LockEnd, LockTerms, validate_key,
};
use crate::AwsError;
use crate::error::SdkResultExt;

const SERVICE: &str = "dynamodb";

type Item = HashMap<String, AttributeValue>;

#[derive(Debug, Clone)]
pub struct SdkLedger {
    client: aws_sdk_dynamodb::Client,
    table_name: String,
}

impl SdkLedger {
    pub fn new(client: aws_sdk_dynamodb::Client, table_name: impl Into<String>) -> Self {
        Self {
            client,
            table_name: table_name.into(),
        }
    }

    fn check_key(key: &str, operation: &'static str) -> Result<(), AwsError> {
        validate_key(key).map_err(|message| AwsError::invalid(SERVICE, operation, message))
    }

    fn update(
        &self,
        key: &str,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table_name)
            .key("pk", AttributeValue::S(key.to_owned()))
    }

    /// The lock's part of a closing write, on its own.
    async fn end_lock(
        &self,
        lock_key: &str,
        claimed_at: i64,
        end: LockEnd<'_>,
    ) -> Result<(), AwsError> {
        let lock = lock_end(end, claimed_at);
        let mut request = self
            .update(lock_key)
            .update_expression(lock.expression)
            .condition_expression(LOCK_HOLDER);
        for (placeholder, name) in lock.names {
            request = request.expression_attribute_names(placeholder, name);
        }
        for (placeholder, value) in lock.values {
            request = request.expression_attribute_values(placeholder, value);
        }
        request.send().await.aws(SERVICE, "UpdateItem")?;
        Ok(())
    }
}

const TRANSACT: &str = "TransactWriteItems";
/// A lock is ended only by the invocation that holds it.
const LOCK_HOLDER: &str = "#claimed_at = :mine";

/// The lock's part of a closing write.
struct LockUpdate<'a> {
    expression: &'static str,
    names: Vec<(&'a str, &'a str)>,
    values: Vec<(&'static str, AttributeValue)>,
}

fn lock_end(end: LockEnd<'_>, claimed_at: i64) -> LockUpdate<'_> {
    let mine = (":mine", number(claimed_at));
    let holder = ("#claimed_at", "claimed_at");
    match end {
        LockEnd::Release => LockUpdate {
            expression: "SET #lease_until = :zero",
            names: vec![("#lease_until", "lease_until"), holder],
            values: vec![(":zero", number(0)), mine],
        },
        LockEnd::Keep { step, detail } => LockUpdate {
            expression: "SET #steps.#step = :detail",
            names: vec![("#steps", "steps"), ("#step", step), holder],
            values: vec![(":detail", AttributeValue::S(detail.to_string())), mine],
        },
    }
}

/// A token per claim attempt, the same on the SDK's retries of it: a transaction that committed but whose
/// answer was lost is then answered as done instead of being refused against its own items. Unique per call
/// (process, time, count), never per transition: two deliveries of one alarm must not share a token.
fn request_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!(
        "{:x}-{nanos:x}-{:x}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    )
}
const COMPLETE_UPDATE: &str = "SET #status = :done, #outcome = :outcome, #completed_at = :now";

/// One update of a transaction. `names` maps the expressions' `#name` placeholders to attribute names.
fn transact_update(
    table: &str,
    key: &str,
    (update, condition): (&str, &str),
    names: &[(&str, &str)],
    values: &[(&str, AttributeValue)],
) -> Result<TransactWriteItem, AwsError> {
    let mut builder = Update::builder()
        .table_name(table)
        .key("pk", AttributeValue::S(key.to_owned()))
        .update_expression(update)
        .condition_expression(condition);
    for (placeholder, name) in names {
        builder = builder.expression_attribute_names(*placeholder, *name);
    }
    for (placeholder, value) in values {
        builder = builder.expression_attribute_values(*placeholder, value.clone());
    }
    let update = builder
        .build()
        .map_err(|e| AwsError::invalid(SERVICE, TRANSACT, e.to_string()))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// The placeholders of the claim's attributes.
const CLAIM_NAMES: [(&str, &str); 6] = [
    ("#status", "status"),
    ("#claimed_at", "claimed_at"),
    ("#lease_until", "lease_until"),
    ("#expires_at", "expires_at"),
    ("#steps", "steps"),
    ("#attempts", "attempts"),
];

/// The values of a claim from `now`.
fn claim_values(
    now: i64,
    lease_seconds: i64,
    ttl_seconds: i64,
) -> [(&'static str, AttributeValue); 6] {
    [
        (
            ":in_progress",
            AttributeValue::S(LedgerStatus::InProgress.as_str().into()),
        ),
        (":now", number(now)),
        (":lease_until", number(now + lease_seconds)),
        (":expires_at", number(now + ttl_seconds)),
        (":no_steps", AttributeValue::M(HashMap::new())),
        (":one", number(1)),
    ]
}

/// A claim's update: a take-over keeps the steps the previous attempt recorded.
const CLAIM_UPDATE: &str = "SET #status = :in_progress, #claimed_at = :now, #lease_until = :lease_until, \
                            #expires_at = :expires_at, #steps = if_not_exists(#steps, :no_steps) ADD #attempts :one";
/// A claim succeeds on a new item, or on an `in_progress` one whose lease has ended.
const CLAIMABLE: &str =
    "attribute_not_exists(pk) OR (#status = :in_progress AND #lease_until <= :now)";

/// The reasons DynamoDB gives for a cancelled transaction, one per item in order ("None" for an item that
/// was not the cause); `None` for any other error.
fn cancellation_codes(error: &TransactWriteItemsError) -> Option<Vec<String>> {
    match error {
        TransactWriteItemsError::TransactionCanceledException(cancelled) => Some(
            cancelled
                .cancellation_reasons()
                .iter()
                .map(|reason| reason.code().unwrap_or("None").to_owned())
                .collect(),
        ),
        _ => None,
    }
}

fn number(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn read_number(item: &Item, name: &str) -> Option<i64> {
    match item.get(name) {
        Some(AttributeValue::N(text)) => text.parse().ok(),
        _ => None,
    }
}

/// JSON stored as text; text that does not parse is kept as a JSON string rather than lost.
fn read_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

fn to_record(item: &Item, operation: &'static str) -> Result<LedgerRecord, AwsError> {
    let malformed = |what: &str| AwsError::Other {
        service: SERVICE,
        operation,
        code: "MalformedLedgerItem".into(),
        message: format!("ledger item has no valid {what}"),
    };
    let key = match item.get("pk") {
        Some(AttributeValue::S(key)) => key.clone(),
        _ => return Err(malformed("pk")),
    };
    let status = match item.get("status") {
        Some(AttributeValue::S(status)) => {
            LedgerStatus::parse(status).ok_or_else(|| malformed("status"))?
        }
        _ => return Err(malformed("status")),
    };
    let steps = match item.get("steps") {
        Some(AttributeValue::M(steps)) => steps
            .iter()
            .filter_map(|(name, value)| match value {
                AttributeValue::S(text) => Some((name.clone(), read_json(text))),
                _ => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    };
    let outcome = match item.get("outcome") {
        Some(AttributeValue::S(text)) => Some(read_json(text)),
        _ => None,
    };
    Ok(LedgerRecord {
        key,
        status,
        claimed_at: read_number(item, "claimed_at").unwrap_or_default(),
        lease_until: read_number(item, "lease_until").unwrap_or_default(),
        attempts: read_number(item, "attempts")
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or_default(),
        steps,
        outcome,
        completed_at: read_number(item, "completed_at"),
        expires_at: read_number(item, "expires_at").unwrap_or_default(),
    })
}

/// What a lost claim means, from the item that made it lose.
fn lost_claim(record: LedgerRecord) -> Claim {
    match record.status {
        LedgerStatus::Done => Claim::Done(record),
        LedgerStatus::InProgress => Claim::InProgress {
            since: record.claimed_at,
            lease_until: record.lease_until,
        },
    }
}

impl Ledger for SdkLedger {
    async fn claim(
        &self,
        key: &str,
        lease_seconds: i64,
        ttl_seconds: i64,
        now: i64,
    ) -> Result<Claim, AwsError> {
        const OPERATION: &str = "UpdateItem";
        Self::check_key(key, OPERATION)?;
        // An update, not a put: taking over an expired lease must keep the steps the previous attempt recorded.
        let result = self
            .update(key)
            .update_expression(CLAIM_UPDATE)
            .condition_expression(CLAIMABLE)
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#claimed_at", "claimed_at")
            .expression_attribute_names("#lease_until", "lease_until")
            .expression_attribute_names("#expires_at", "expires_at")
            .expression_attribute_names("#steps", "steps")
            .expression_attribute_names("#attempts", "attempts")
            .expression_attribute_values(
                ":in_progress",
                AttributeValue::S(LedgerStatus::InProgress.as_str().into()),
            )
            .expression_attribute_values(":now", number(now))
            .expression_attribute_values(":lease_until", number(now + lease_seconds))
            .expression_attribute_values(":expires_at", number(now + ttl_seconds))
            .expression_attribute_values(":no_steps", AttributeValue::M(HashMap::new()))
            .expression_attribute_values(":one", number(1))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Claim::Acquired(to_record(
                &output.attributes.unwrap_or_default(),
                OPERATION,
            )?)),
            Err(error) => {
                let Some(UpdateItemError::ConditionalCheckFailedException(failed)) =
                    error.as_service_error()
                else {
                    return Err(AwsError::from_sdk(SERVICE, OPERATION, error));
                };
                if let Some(item) = &failed.item {
                    return Ok(lost_claim(to_record(item, OPERATION)?));
                }
                // Without the old item in the error (older emulators), read it; it may have expired meanwhile.
                match self.get(key).await? {
                    Some(record) => Ok(lost_claim(record)),
                    None => Err(AwsError::ConditionFailed {
                        service: SERVICE,
                        operation: OPERATION,
                        message: format!("claim of {key} lost and the item is gone"),
                    }),
                }
            }
        }
    }

    async fn claim_with_lock(
        &self,
        key: &str,
        lease_seconds: i64,
        ttl_seconds: i64,
        lock: LockTerms<'_>,
        now: i64,
    ) -> Result<JointClaim, AwsError> {
        Self::check_key(key, TRANSACT)?;
        Self::check_key(lock.key, TRANSACT)?;
        // Only a transition without an item is claimed here: a take-over must read the steps it resumes from,
        // which a transaction does not return.
        let transition = transact_update(
            &self.table_name,
            key,
            (
                "SET #status = :in_progress, #claimed_at = :now, #lease_until = :lease_until, \
                 #expires_at = :expires_at, #steps = :no_steps, #attempts = :one",
                "attribute_not_exists(pk)",
            ),
            &CLAIM_NAMES,
            &claim_values(now, lease_seconds, ttl_seconds),
        )?;
        let lock = transact_update(
            &self.table_name,
            lock.key,
            (CLAIM_UPDATE, CLAIMABLE),
            &CLAIM_NAMES,
            &claim_values(now, lock.lease_seconds, lock.ttl_seconds),
        )?;
        match self
            .client
            .transact_write_items()
            .transact_items(transition)
            .transact_items(lock)
            .client_request_token(request_token())
            .send()
            .await
        {
            Ok(_) => Ok(JointClaim::Taken),
            // Whichever item refused (or a concurrent transaction on the lock), nothing was written: the
            // caller claims on its own, which reads what is there.
            Err(error)
                if error
                    .as_service_error()
                    .and_then(cancellation_codes)
                    .is_some() =>
            {
                Ok(JointClaim::Declined)
            }
            Err(error) => Err(AwsError::from_sdk(SERVICE, TRANSACT, error)),
        }
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
        Self::check_key(key, TRANSACT)?;
        Self::check_key(lock_key, TRANSACT)?;
        let transition = transact_update(
            &self.table_name,
            key,
            (COMPLETE_UPDATE, "attribute_exists(pk)"),
            &[
                ("#status", "status"),
                ("#outcome", "outcome"),
                ("#completed_at", "completed_at"),
            ],
            &[
                (
                    ":done",
                    AttributeValue::S(LedgerStatus::Done.as_str().into()),
                ),
                (":outcome", AttributeValue::S(outcome.to_string())),
                (":now", number(now)),
            ],
        )?;
        let lock = lock_end(end, lock_claimed_at);
        let lock = transact_update(
            &self.table_name,
            lock_key,
            (lock.expression, LOCK_HOLDER),
            &lock.names,
            &lock.values,
        )?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(transition)
            .transact_items(lock)
            .send()
            .await;
        let error = match result {
            Ok(_) => return Ok(()),
            Err(error) => error,
        };
        let Some(codes) = error.as_service_error().and_then(cancellation_codes) else {
            return Err(AwsError::from_sdk(SERVICE, TRANSACT, error));
        };
        let failed = |index: usize| {
            codes
                .get(index)
                .is_some_and(|c| c == "ConditionalCheckFailed")
        };
        if failed(0) {
            return Err(AwsError::ConditionFailed {
                service: SERVICE,
                operation: TRANSACT,
                message: format!("{key} has no ledger item to complete"),
            });
        }
        if failed(1) {
            // The lock is someone else's now: the transition is completed on its own.
            return self.complete(key, outcome, now).await;
        }
        // A concurrent write on the lock (another alarm taking it or looking at it) or throttling cancelled
        // the transaction: the two writes go out on their own, so the lock still ends. A lock end that fails
        // again is left to the lease.
        let (completed, _) = tokio::join!(
            self.complete(key, outcome, now),
            self.end_lock(lock_key, lock_claimed_at, end),
        );
        completed
    }

    async fn reopen(&self, key: &str, step: &str, detail: &Value) -> Result<(), AwsError> {
        Self::check_key(key, "UpdateItem")?;
        self.update(key)
            .update_expression(
                "SET #status = :in_progress, #lease_until = :zero, #steps.#step = :detail \
                 REMOVE #outcome, #completed_at",
            )
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#lease_until", "lease_until")
            .expression_attribute_names("#steps", "steps")
            .expression_attribute_names("#step", step)
            .expression_attribute_names("#outcome", "outcome")
            .expression_attribute_names("#completed_at", "completed_at")
            .expression_attribute_values(
                ":in_progress",
                AttributeValue::S(LedgerStatus::InProgress.as_str().into()),
            )
            .expression_attribute_values(":zero", number(0))
            .expression_attribute_values(":detail", AttributeValue::S(detail.to_string()))
            .send()
            .await
            .aws(SERVICE, "UpdateItem")?;
        Ok(())
    }

    async fn complete(&self, key: &str, outcome: &Value, now: i64) -> Result<(), AwsError> {
        Self::check_key(key, "UpdateItem")?;
        self.update(key)
            .update_expression(COMPLETE_UPDATE)
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#outcome", "outcome")
            .expression_attribute_names("#completed_at", "completed_at")
            .expression_attribute_values(
                ":done",
                AttributeValue::S(LedgerStatus::Done.as_str().into()),
            )
            .expression_attribute_values(":outcome", AttributeValue::S(outcome.to_string()))
            .expression_attribute_values(":now", number(now))
            .send()
            .await
            .aws(SERVICE, "UpdateItem")?;
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<(), AwsError> {
        Self::check_key(key, "UpdateItem")?;
        self.update(key)
            .update_expression("SET #lease_until = :zero")
            .condition_expression("#status = :in_progress")
            .expression_attribute_names("#lease_until", "lease_until")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":zero", number(0))
            .expression_attribute_values(
                ":in_progress",
                AttributeValue::S(LedgerStatus::InProgress.as_str().into()),
            )
            .send()
            .await
            .aws(SERVICE, "UpdateItem")?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<LedgerRecord>, AwsError> {
        Self::check_key(key, "GetItem")?;
        let output = self
            .client
            .get_item()
            .table_name(&self.table_name)
            .key("pk", AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .aws(SERVICE, "GetItem")?;
        output
            .item
            .map(|item| to_record(&item, "GetItem"))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput;
    use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
    use aws_sdk_dynamodb::types::CancellationReason;
    use aws_sdk_dynamodb::types::error::{
        ConditionalCheckFailedException, ProvisionedThroughputExceededException,
        TransactionCanceledException,
    };
    use aws_smithy_mocks::mock;
    use serde_json::json;

    use super::*;
    use crate::test_support::{mocked, wire};

    const KEY: &str =
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:x#ALARM#2026-01-01T00:00:00.000+0000";

    fn item(status: LedgerStatus, claimed_at: i64, lease_until: i64) -> Item {
        HashMap::from([
            ("pk".to_owned(), AttributeValue::S(KEY.into())),
            (
                "status".to_owned(),
                AttributeValue::S(status.as_str().into()),
            ),
            ("claimed_at".to_owned(), number(claimed_at)),
            ("lease_until".to_owned(), number(lease_until)),
            ("expires_at".to_owned(), number(claimed_at + 86_400)),
            ("attempts".to_owned(), number(1)),
            (
                "steps".to_owned(),
                AttributeValue::M(HashMap::from([(
                    "quota_request".to_owned(),
                    AttributeValue::S(r#"{"id":"r1"}"#.into()),
                )])),
            ),
        ])
    }

    fn lost(old: Option<Item>) -> UpdateItemError {
        UpdateItemError::ConditionalCheckFailedException(
            ConditionalCheckFailedException::builder()
                .meta(wire("ConditionalCheckFailedException"))
                .message("The conditional request failed")
                .set_item(old)
                .build(),
        )
    }

    #[tokio::test]
    async fn a_first_claim_is_acquired_with_a_lease_and_a_ttl() {
        let rule = mock!(aws_sdk_dynamodb::Client::update_item)
            .match_requests(|r| {
                let values = r.expression_attribute_values().unwrap();
                r.table_name() == Some("ledger")
                    && r.key().unwrap()["pk"] == AttributeValue::S(KEY.into())
                    && r.condition_expression()
                        .unwrap()
                        .starts_with("attribute_not_exists(pk) OR")
                    && values[":lease_until"] == number(1_060)
                    && values[":expires_at"] == number(1_000 + 7 * 86_400)
                    && r.return_values_on_condition_check_failure()
                        == Some(&ReturnValuesOnConditionCheckFailure::AllOld)
            })
            .then_output(|| {
                let mut fresh = item(LedgerStatus::InProgress, 1_000, 1_060);
                fresh.insert("steps".into(), AttributeValue::M(HashMap::new()));
                UpdateItemOutput::builder()
                    .set_attributes(Some(fresh))
                    .build()
            });
        let ledger = SdkLedger::new(mocked!(aws_sdk_dynamodb, [&rule]), "ledger");

        let Claim::Acquired(record) = ledger.claim(KEY, 60, 7 * 86_400, 1_000).await.unwrap()
        else {
            panic!("not acquired")
        };

        assert_eq!(
            (record.status, record.lease_until, record.attempts),
            (LedgerStatus::InProgress, 1_060, 1)
        );
        assert!(record.steps.is_empty());
    }

    #[tokio::test]
    async fn a_lost_claim_reports_the_owner_or_the_finished_record() {
        let busy = mock!(aws_sdk_dynamodb::Client::update_item)
            .match_requests(|r| r.expression_attribute_values().unwrap()[":now"] == number(1_010))
            .then_error(|| lost(Some(item(LedgerStatus::InProgress, 1_000, 1_060))));
        let done = mock!(aws_sdk_dynamodb::Client::update_item).then_error(|| {
            let mut finished = item(LedgerStatus::Done, 1_000, 1_060);
            finished.insert(
                "outcome".into(),
                AttributeValue::S(r#"{"email":"sent"}"#.into()),
            );
            lost(Some(finished))
        });
        let ledger = SdkLedger::new(mocked!(aws_sdk_dynamodb, [&busy, &done]), "ledger");

        assert_eq!(
            ledger.claim(KEY, 60, 86_400, 1_010).await.unwrap(),
            Claim::InProgress {
                since: 1_000,
                lease_until: 1_060
            }
        );
        let Claim::Done(record) = ledger.claim(KEY, 60, 86_400, 2_000).await.unwrap() else {
            panic!("not done")
        };
        assert_eq!(record.outcome, Some(json!({"email": "sent"})));
        assert_eq!(record.steps["quota_request"], json!({"id": "r1"}));
    }

    #[tokio::test]
    async fn a_lost_claim_without_the_old_item_reads_it() {
        let update = mock!(aws_sdk_dynamodb::Client::update_item).then_error(|| lost(None));
        let get = mock!(aws_sdk_dynamodb::Client::get_item)
            .match_requests(|r| r.consistent_read() == Some(true))
            .then_output(|| {
                GetItemOutput::builder()
                    .set_item(Some(item(LedgerStatus::InProgress, 5, 65)))
                    .build()
            });
        let ledger = SdkLedger::new(mocked!(aws_sdk_dynamodb, [&update, &get]), "ledger");

        assert_eq!(
            ledger.claim(KEY, 60, 86_400, 10).await.unwrap(),
            Claim::InProgress {
                since: 5,
                lease_until: 65
            }
        );
        assert_eq!(get.num_calls(), 1);
    }

    #[tokio::test]
    async fn reopening_and_completion_are_conditional_writes() {
        let step = mock!(aws_sdk_dynamodb::Client::update_item)
            .match_requests(|r| {
                r.update_expression().is_some_and(|e| {
                    e.contains("#steps.#step = :detail") && e.contains("REMOVE #outcome")
                }) && r.condition_expression() == Some("attribute_exists(pk)")
                    && r.expression_attribute_names().unwrap()["#step"] == "filed"
                    && r.expression_attribute_values().unwrap()[":detail"]
                        == AttributeValue::S(r#"{"case_id":"c1"}"#.into())
            })
            .then_output(|| UpdateItemOutput::builder().build());
        let complete = mock!(aws_sdk_dynamodb::Client::update_item)
            .match_requests(|r| r.update_expression().is_some_and(|e| e.contains(":done")))
            .then_error(|| lost(None));
        let ledger = SdkLedger::new(mocked!(aws_sdk_dynamodb, [&step, &complete]), "ledger");

        ledger
            .reopen(KEY, "filed", &json!({"case_id": "c1"}))
            .await
            .unwrap();
        let error = ledger.complete(KEY, &json!({}), 5).await.unwrap_err();

        assert!(matches!(
            error,
            AwsError::ConditionFailed {
                service: "dynamodb",
                operation: "UpdateItem",
                ..
            }
        ));
        assert!(!error.is_retryable());
    }

    fn cancelled(codes: &[&str]) -> TransactWriteItemsError {
        let mut cancelled = TransactionCanceledException::builder()
            .meta(wire("TransactionCanceledException"))
            .message("Transaction cancelled");
        for code in codes {
            cancelled =
                cancelled.cancellation_reasons(CancellationReason::builder().code(*code).build());
        }
        TransactWriteItemsError::TransactionCanceledException(cancelled.build())
    }

    #[tokio::test]
    async fn a_joint_claim_is_one_transaction_with_a_token_and_a_refusal_declines() {
        let taken = mock!(aws_sdk_dynamodb::Client::transact_write_items)
            .match_requests(|r| {
                let items = r.transact_items();
                items.len() == 2
                    && r.client_request_token()
                        .is_some_and(|t| !t.is_empty() && t.len() <= 36)
                    && items[0].update().unwrap().condition_expression()
                        == Some("attribute_not_exists(pk)")
                    && items[1].update().unwrap().key()["pk"] == AttributeValue::S("lock".into())
            })
            .then_output(|| TransactWriteItemsOutput::builder().build());
        let lock = LockTerms {
            key: "lock",
            lease_seconds: 120,
            ttl_seconds: 86_400,
        };
        let ledger = SdkLedger::new(mocked!(aws_sdk_dynamodb, [&taken]), "ledger");
        assert_eq!(
            ledger
                .claim_with_lock(KEY, 60, 3_600, lock, 5)
                .await
                .unwrap(),
            JointClaim::Taken
        );

        let refused = mock!(aws_sdk_dynamodb::Client::transact_write_items)
            .then_error(|| cancelled(&["None", "ConditionalCheckFailed"]));
        let ledger = SdkLedger::new(mocked!(aws_sdk_dynamodb, [&refused]), "ledger");
        assert_eq!(
            ledger
                .claim_with_lock(KEY, 60, 3_600, lock, 5)
                .await
                .unwrap(),
            JointClaim::Declined
        );
    }

    #[tokio::test]
    async fn a_close_cancelled_by_a_conflict_on_the_lock_still_completes_and_ends_the_lock() {
        let conflict = mock!(aws_sdk_dynamodb::Client::transact_write_items)
            .then_error(|| cancelled(&["None", "TransactionConflict"]));
        let complete = mock!(aws_sdk_dynamodb::Client::update_item)
            .match_requests(|r| r.update_expression() == Some(COMPLETE_UPDATE))
            .then_output(|| UpdateItemOutput::builder().build());
        let release = mock!(aws_sdk_dynamodb::Client::update_item)
            .match_requests(|r| {
                r.update_expression() == Some("SET #lease_until = :zero")
                    && r.condition_expression() == Some(LOCK_HOLDER)
                    && r.expression_attribute_values().unwrap()[":mine"] == number(7)
            })
            .then_output(|| UpdateItemOutput::builder().build());
        let ledger = SdkLedger::new(
            mocked!(aws_sdk_dynamodb, [&conflict, &complete, &release]),
            "ledger",
        );

        ledger
            .complete_with_lock(KEY, &json!({}), 9, "lock", 7, LockEnd::Release)
            .await
            .unwrap();

        assert_eq!((complete.num_calls(), release.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn a_close_whose_lock_was_taken_over_completes_alone_and_a_missing_transition_fails() {
        let stale = mock!(aws_sdk_dynamodb::Client::transact_write_items)
            .then_error(|| cancelled(&["None", "ConditionalCheckFailed"]));
        let complete = mock!(aws_sdk_dynamodb::Client::update_item)
            .match_requests(|r| r.update_expression() == Some(COMPLETE_UPDATE))
            .then_output(|| UpdateItemOutput::builder().build());
        let ledger = SdkLedger::new(mocked!(aws_sdk_dynamodb, [&stale, &complete]), "ledger");
        ledger
            .complete_with_lock(KEY, &json!({}), 9, "lock", 7, LockEnd::Release)
            .await
            .unwrap();
        assert_eq!(complete.num_calls(), 1);

        let missing = mock!(aws_sdk_dynamodb::Client::transact_write_items)
            .then_error(|| cancelled(&["ConditionalCheckFailed", "None"]));
        let ledger = SdkLedger::new(mocked!(aws_sdk_dynamodb, [&missing]), "ledger");
        assert!(matches!(
            ledger
                .complete_with_lock(KEY, &json!({}), 9, "lock", 7, LockEnd::Release)
                .await,
            Err(AwsError::ConditionFailed { .. })
        ));
    }

    #[tokio::test]
    async fn throttling_is_retryable_and_get_reads_the_item() {
        let throttled = mock!(aws_sdk_dynamodb::Client::update_item).then_error(|| {
            UpdateItemError::ProvisionedThroughputExceededException(
                ProvisionedThroughputExceededException::builder()
                    .meta(wire("ProvisionedThroughputExceededException"))
                    .build(),
            )
        });
        let get = mock!(aws_sdk_dynamodb::Client::get_item)
            .then_output(|| GetItemOutput::builder().build());
        let ledger = SdkLedger::new(mocked!(aws_sdk_dynamodb, [&throttled, &get]), "ledger");

        let error = ledger.claim(KEY, 60, 60, 0).await.unwrap_err();
        assert!(matches!(error, AwsError::Throttled { .. }) && error.is_retryable());
        assert_eq!(ledger.get(KEY).await.unwrap(), None);
        assert!(matches!(
            ledger.get("").await,
            Err(AwsError::IllegalArgument { .. })
        ));
    }
}
