//! Tests of delivery: the closing record, a refused e-mail, the filtered e-mail, and the retry that sends the
//! e-mail an earlier attempt recorded.

use super::*;
use crate::handler::test_support::*;

#[tokio::test]
async fn preference_critical_files_a_warning_alarm_without_an_email() {
    let world = World::new();
    world.set("notification-preference", "critical");
    world.quotas_and_thresholds(200, 200_000);
    world.usage(150.0, 210_000.0);

    let decision = world.decide(&alarm("HighTPMQuotaUsage", "Warning")).await;

    assert_eq!(
        world.filed_requests().len(),
        1,
        "the filing is not filtered"
    );
    assert!(world.emails().is_empty());
    assert_eq!(decision.email_status, EmailStatus::Filtered);
    let record = done_record(&world);
    assert!(
        record.steps.is_empty(),
        "no intermediate record without an e-mail"
    );
    assert_eq!(
        record.outcome.unwrap()["email"]["status"],
        "filtered_by_notification_preference"
    );
}

#[tokio::test]
async fn a_refused_email_corrects_the_closing_record_and_is_an_error() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "AuthorizationError", "no", Some(403)),
    );

    let error = world
        .run(&alarm("Throttles", "Critical"))
        .await
        .unwrap_err();

    assert_eq!(error.error_type(), "NonRetryable");
    let record = done_record(&world);
    assert_eq!(record.status, LedgerStatus::Done);
    assert_eq!(record.outcome.unwrap()["email"]["status"], "failed");
    assert_eq!(world.quotas.requests().len(), 2);
}

#[tokio::test]
async fn failed_email_is_retried_from_the_ledger_without_filing_again() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "Throttling", "slow", Some(400)),
    );
    let event = alarm("Throttles", "Critical");

    let error = world.run(&event).await.unwrap_err();
    assert_eq!(error.error_type(), "Retryable");
    assert_eq!(world.quotas.requests().len(), 2);
    let record = done_record(&world);
    assert_eq!(record.status, LedgerStatus::InProgress);
    assert!(record.steps.contains_key(FILED_STEP));

    let retry = world.run(&event).await.unwrap();

    assert!(matches!(retry[0], Report::Resumed { .. }), "{retry:?}");
    assert_eq!(world.quotas.requests().len(), 2, "nothing filed twice");
    let emails = world.emails();
    assert_eq!(emails.len(), 1);
    assert!(emails[0].1.contains("req-1"));
    assert_eq!(done_record(&world).status, LedgerStatus::Done);
}
