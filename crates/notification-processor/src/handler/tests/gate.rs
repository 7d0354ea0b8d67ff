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
    world.seed_claim(
        THROTTLES_KEY,
        world.now - 5,
        world.now + 600,
        BTreeMap::new(),
    );

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
    world.seed_claim(key, world.now - 120, world.now - 45, BTreeMap::new());

    let reports = world.run(&event).await.unwrap();

    assert!(matches!(reports[0], Report::Handled(_)));
    let record = done_record(&world);
    assert_eq!((record.status, record.attempts), (LedgerStatus::Done, 2));
    assert_eq!(world.support.created_cases().len(), 1);
}

// ---- What a claim admits: the one reading of the ledger's answer ----

/// A ledger item of `THROTTLES_KEY` claimed by this invocation, with these steps.
fn acquired(steps: BTreeMap<String, Value>) -> Result<Claim, AwsError> {
    Ok(Claim::Acquired(LedgerRecord {
        key: THROTTLES_KEY.into(),
        status: LedgerStatus::InProgress,
        claimed_at: 100,
        lease_until: 400,
        attempts: 2,
        steps,
        outcome: None,
        completed_at: None,
        expires_at: 86_500,
    }))
}

#[test]
fn a_first_claim_admits_the_transition_from_the_start() {
    let admitted = admit(THROTTLES_KEY, acquired(BTreeMap::new())).unwrap();

    assert!(matches!(admitted, Admission::Fresh { lock: None }));
}

#[test]
fn a_recorded_filing_admits_only_its_email() {
    let step = filed_step_in_todays_shape(THROTTLES_KEY);
    let steps = BTreeMap::from([(FILED_STEP.to_owned(), step.clone())]);

    let Admission::Resume(filed) = admit(THROTTLES_KEY, acquired(steps)).unwrap() else {
        panic!("not a resume")
    };

    assert_eq!(filed, FiledRecord::parse(&step).unwrap());
}

#[test]
fn a_done_transition_stops_with_already_handled() {
    let Ok(Claim::Acquired(record)) = acquired(BTreeMap::new()) else {
        unreachable!()
    };

    let admitted = admit(THROTTLES_KEY, Ok(Claim::Done(record))).unwrap();

    assert!(
        matches!(admitted, Admission::Stop(Report::AlreadyHandled { key }) if key == THROTTLES_KEY)
    );
}

#[test]
fn a_held_transition_and_a_failed_claim_are_errors() {
    let held = Ok(Claim::InProgress {
        since: 100,
        lease_until: 400,
    });
    let Err(error) = admit(THROTTLES_KEY, held) else {
        panic!("admitted")
    };
    assert!(matches!(
        error,
        ProcessorError::InProgress {
            lease_until: 400,
            ..
        }
    ));

    let denied = AwsError::from_code(
        "dynamodb",
        "UpdateItem",
        "AccessDeniedException",
        "no",
        Some(400),
    );
    let Err(error) = admit(THROTTLES_KEY, Err(denied)) else {
        panic!("admitted")
    };
    assert_eq!(error.error_type(), "NonRetryable");
    assert!(
        error
            .to_string()
            .starts_with("claiming the transition in the ledger"),
        "{error}"
    );
}

#[test]
fn an_unreadable_record_is_a_non_retryable_error_naming_the_key() {
    let steps = BTreeMap::from([(
        FILED_STEP.to_owned(),
        json!({"decision": 5, "notify": true}),
    )]);

    let Err(error) = admit(THROTTLES_KEY, acquired(steps)) else {
        panic!("admitted")
    };

    assert!(
        matches!(error, ProcessorError::UnreadableRecord { .. }),
        "{error}"
    );
    assert_eq!(error.error_type(), "NonRetryable");
    let message = error.to_string();
    assert!(message.contains(THROTTLES_KEY), "{message}");
    assert!(
        message.contains("'filed' record") && message.contains("field `decision` is not an object"),
        "{message}"
    );
}
