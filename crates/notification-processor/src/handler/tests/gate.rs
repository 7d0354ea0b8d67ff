//! Tests of the ledger gate: redeliveries, transitions held by another invocation, leases and take-overs,
//! and what a claim admits.

use super::*;
use crate::handler::test_support::*;

#[tokio::test]
async fn redelivered_message_files_once_and_emails_once() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);
    let event = alarm("Throttles", "Critical");

    world.run(&event).await.unwrap();
    let again = world.run(&event).await.unwrap();

    assert!(matches!(again[0], Report::AlreadyHandled { .. }));
    assert_eq!(world.quotas.requests().len(), 2);
    assert_eq!(world.emails().len(), 1);
}

#[tokio::test]
async fn transition_held_by_another_invocation_is_retryable() {
    let world = World::new();
    world.ledger.seed(LedgerRecord {
        key: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Acme-Bedrock-Throttles-Critical-Opus-4-6|ALARM|2026-05-04T14:52:48.069+0000".into(),
        status: LedgerStatus::InProgress,
        claimed_at: world.now - 5,
        lease_until: world.now + 600,
        attempts: 1,
        steps: BTreeMap::new(),
        outcome: None,
        completed_at: None,
        expires_at: world.now + 86_400,
    });

    let error = world
        .run(&alarm("Throttles", "Critical"))
        .await
        .unwrap_err();

    assert!(matches!(error, ProcessorError::InProgress { .. }));
    assert_eq!(error.error_type(), "Retryable");
    assert_eq!(world.quotas.calls("RequestServiceQuotaIncrease"), 0);
    assert!(world.emails().is_empty());
}

#[tokio::test]
async fn the_claim_lasts_until_just_after_the_lambda_deadline() {
    let world = World::new();

    world
        .processor()
        .handle_until(
            &alarm("ServerErrors", "Critical"),
            world.now,
            world.now + 60,
            RunMode::Live,
        )
        .await
        .unwrap();

    let record = done_record(&world);
    assert_eq!(record.lease_until, world.now + 60 + LEASE_MARGIN_SECONDS);
}

#[tokio::test]
async fn a_retry_takes_over_the_transition_of_a_timed_out_invocation() {
    let world = World::new();
    let event = alarm("ServerErrors", "Critical");
    let key = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Acme-Bedrock-ServerErrors-Critical-Opus-4-6|ALARM|2026-05-04T14:52:48.069+0000";
    world.ledger.seed(LedgerRecord {
        key: key.into(),
        status: LedgerStatus::InProgress,
        claimed_at: world.now - 120,
        lease_until: world.now - 45,
        attempts: 1,
        steps: BTreeMap::new(),
        outcome: None,
        completed_at: None,
        expires_at: world.now + 86_400,
    });

    let reports = world.run(&event).await.unwrap();

    assert!(matches!(reports[0], Report::Handled(_)));
    let record = done_record(&world);
    assert_eq!((record.status, record.attempts), (LedgerStatus::Done, 2));
    assert_eq!(world.support.created_cases().len(), 1);
}
