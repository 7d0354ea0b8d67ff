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
async fn a_refused_email_leaves_the_transition_not_done_and_every_retry_only_publishes() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);
    let denied = || AwsError::from_code("sns", "Publish", "AuthorizationError", "no", Some(403));
    world.notifier.fail_next("Publish", denied());
    let event = alarm("Throttles", "Critical");

    let error = world.run(&event).await.unwrap_err();

    assert_eq!(error.error_type(), "NonRetryable");
    assert!(error.to_string().contains("access denied"), "{error}");
    let record = done_record(&world);
    assert_eq!(record.status, LedgerStatus::InProgress, "not done");
    assert_eq!(record.lease_until, 0, "a retry may take it at once");
    let filed = &record.steps[FILED_STEP];
    assert_eq!(filed["decision"]["email"]["status"], "failed");
    assert_eq!(
        filed["steps"].as_array().unwrap().last().unwrap(),
        &json!({"step": "email", "status": "failed", "reason": "refused"})
    );
    assert_eq!(world.quotas.requests().len(), 2);

    // Lambda retries whatever the errorType: the second attempt is refused again, the third gets through.
    world.notifier.fail_next("Publish", denied());
    let second = world.run(&event).await.unwrap_err();
    assert_eq!(second.error_type(), "NonRetryable");
    assert_eq!(done_record(&world).status, LedgerStatus::InProgress);
    let third = world.run(&event).await.unwrap();

    assert!(matches!(third[0], Report::Resumed { .. }), "{third:?}");
    assert_eq!(world.quotas.requests().len(), 2, "nothing filed twice");
    assert_eq!(world.emails().len(), 1, "one e-mail in all");
    let record = done_record(&world);
    assert_eq!(record.status, LedgerStatus::Done);
    let outcome = record.outcome.unwrap();
    assert_eq!(outcome["email"]["status"], "published");
    assert_eq!(
        outcome["steps"].as_array().unwrap().last().unwrap(),
        &json!({"step": "email", "status": "succeeded"})
    );
    // A redelivery after that is already handled: the e-mail is out.
    let again = world.run(&event).await.unwrap();
    assert!(matches!(again[0], Report::AlreadyHandled { .. }));
    assert_eq!(world.emails().len(), 1);
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
    outcome["steps"] = json!([
        {"step": "quota_request", "quota_code": RPM, "status": "succeeded"},
        {"step": "email", "status": "succeeded"},
    ]);
    assert_eq!(record.outcome.unwrap(), outcome);
    outcome.as_object_mut().unwrap().remove("steps");
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
