//! Tests of the case lock: taken with the claim, released or kept with the case opened under it, and what a
//! concurrent alarm of the category does with it.

use super::*;
use crate::handler::test_support::*;

/// The category's case lock item, if any.
fn case_lock(world: &World) -> Option<LedgerRecord> {
    let mut locks = world.ledger.records();
    locks.retain(|key, _| key.starts_with("case-lock|"));
    assert!(locks.len() <= 1, "{locks:?}");
    locks.into_values().next()
}

#[tokio::test]
async fn the_case_lock_taken_with_the_claim_is_released_when_no_case_is_opened() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);

    world.run(&alarm("Throttles", "Critical")).await.unwrap();

    assert_eq!(
        world.ledger.calls("TransactWriteItems"),
        2,
        "claim and close"
    );
    assert_eq!(world.ledger.calls("UpdateItem"), 0);
    let lock = case_lock(&world).expect("the lock was taken with the claim");
    assert!(lock.key.ends_with(QUOTA_SUBJECT), "{}", lock.key);
    assert_eq!(lock.lease_until, 0, "released by the closing write");
    assert!(lock.steps.is_empty());
}

#[tokio::test]
async fn a_created_case_is_recorded_on_the_lock_which_is_kept_for_concurrent_alarms() {
    let world = World::new();
    world.usage(100.0, 1_000.0);

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    let Action::CaseCreated { case, .. } = &decision.actions[0] else {
        panic!("{:?}", decision.actions)
    };
    let lock = case_lock(&world).unwrap();
    assert!(lock.key.ends_with(INVESTIGATION_SUBJECT), "{}", lock.key);
    assert_eq!(lock.lease_until, world.now + CASE_LOCK_SECONDS);
    assert_eq!(
        lock.steps[CASE_LOCK_STEP],
        json!({"claimed_at": world.now, "case_id": case.case_id, "display_id": case.display_id})
    );
    assert_eq!(world.ledger.calls("TransactWriteItems"), 2);
}

#[tokio::test]
async fn an_append_to_an_open_duplicate_releases_the_lock() {
    let world = World::new();
    world.usage(100.0, 1_000.0);
    world.support.seed_open_case(INVESTIGATION_SUBJECT, 60);

    world.run(&alarm("ServerErrors", "Critical")).await.unwrap();

    assert_eq!(case_lock(&world).unwrap().lease_until, 0);
}

/// A ServerErrors alarm opens the Investigation Request case, which Support does not list yet (only the lock
/// names it); returns the case id and a HighLatency alarm of the same category two seconds later.
async fn a_case_only_the_lock_knows(world: &World) -> (String, Value) {
    world.usage(100.0, 1_000.0);
    world.run(&alarm("ServerErrors", "Critical")).await.unwrap();
    let created = world.support.created_cases()[0].1.case_id.clone();
    world.support.hide_from_listing(&created);
    let second = sns(&message(
        "HighLatency",
        "Warning",
        "ALARM",
        "2026-05-04T14:52:50.000+0000",
    ));
    (created, second)
}

#[tokio::test]
async fn a_second_alarm_of_the_category_appends_to_the_case_recorded_on_the_lock() {
    let world = World::new();
    let (created, second) = a_case_only_the_lock_knows(&world).await;

    let decision = world.decide(&second).await;

    assert_eq!(types(&decision), ["append"]);
    assert_eq!(world.support.created_cases().len(), 1);
    assert_eq!(world.support.appended()[0].0, created);
}

#[tokio::test]
async fn a_throttled_look_at_the_lock_is_taken_again_not_reported_as_a_failure() {
    let world = World::new();
    let (_, second) = a_case_only_the_lock_knows(&world).await;
    world.ledger.fail_next(
        "GetItem",
        AwsError::from_code(
            "dynamodb",
            "GetItem",
            "ProvisionedThroughputExceededException",
            "slow",
            Some(400),
        ),
    );

    let decision = world.decide(&second).await;

    assert_eq!(types(&decision), ["append"]);
    assert_eq!(world.ledger.calls("GetItem"), 2);
}

#[tokio::test]
async fn a_redelivery_neither_takes_the_lock_nor_touches_it() {
    let world = World::new();
    world.usage(100.0, 1_000.0);
    let event = alarm("ServerErrors", "Critical");
    world.run(&event).await.unwrap();
    let lock = case_lock(&world).unwrap();

    let again = world.run(&event).await.unwrap();

    assert!(matches!(again[0], Report::AlreadyHandled { .. }));
    assert_eq!(case_lock(&world).unwrap(), lock);
}
