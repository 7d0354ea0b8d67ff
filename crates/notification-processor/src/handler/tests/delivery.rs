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

/// A retry finds the `filed` step an earlier attempt (of any build so far) recorded, in the shape the ledger has
/// always held.
fn recorded_filing(world: &World, step: Value) {
    let steps = BTreeMap::from([(FILED_STEP.to_owned(), step)]);
    world.seed_claim(THROTTLES_KEY, world.now - 90, world.now - 30, steps);
}

#[tokio::test]
async fn a_record_in_todays_shape_is_resumed_its_email_sent_and_nothing_filed_again() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);
    let step = filed_step_in_todays_shape(THROTTLES_KEY);
    recorded_filing(&world, step.clone());

    let reports = world.run(&alarm("Throttles", "Critical")).await.unwrap();

    let Report::Resumed {
        key, email_status, ..
    } = &reports[0]
    else {
        panic!("{reports:?}")
    };
    assert_eq!(key, THROTTLES_KEY);
    let message_id = "message-1".to_owned();
    assert_eq!(
        email_status,
        &EmailStatus::Published {
            message_id: message_id.clone()
        }
    );
    assert_eq!(
        world.emails(),
        [(
            step["decision"]["email"]["subject"]
                .as_str()
                .unwrap()
                .to_owned(),
            step["decision"]["email"]["body"]
                .as_str()
                .unwrap()
                .to_owned(),
        )]
    );
    assert!(world.quotas.requests().is_empty(), "nothing filed again");
    assert_eq!(world.support.calls("CreateCase"), 0);
    // The closing record is the recorded decision with what became of its e-mail.
    let record = done_record(&world);
    assert_eq!(record.status, LedgerStatus::Done);
    let mut outcome = step["decision"].clone();
    outcome["email"]["status"] = json!("published");
    outcome["email"]["message_id"] = json!(message_id);
    assert_eq!(record.outcome.unwrap(), outcome);
    let mut reported = outcome.clone();
    reported["result"] = json!("resumed");
    assert_eq!(reports[0].to_json(true), reported);
}

#[tokio::test]
async fn an_unreadable_record_publishes_nothing_and_is_kept_for_a_person() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);
    let mut step = filed_step_in_todays_shape(THROTTLES_KEY);
    step["decision"]["email"]
        .as_object_mut()
        .unwrap()
        .remove("subject");
    recorded_filing(&world, step.clone());

    let error = world
        .run(&alarm("Throttles", "Critical"))
        .await
        .unwrap_err();

    assert_eq!(error.error_type(), "NonRetryable");
    let message = error.to_string();
    assert!(
        message.contains(THROTTLES_KEY) && message.contains("subject"),
        "{message}"
    );
    assert!(world.emails().is_empty());
    assert!(world.quotas.requests().is_empty(), "nothing filed again");
    let record = done_record(&world);
    assert_eq!(record.status, LedgerStatus::InProgress);
    assert_eq!(
        record.steps[FILED_STEP], step,
        "the record is left as it was"
    );
}
