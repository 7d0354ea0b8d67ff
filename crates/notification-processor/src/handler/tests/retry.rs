//! Tests of `process --retry-failed`: the failed steps of a recorded transition are redone, and never a step
//! that succeeded (no second request, case, append or e-mail).

use super::*;
use crate::handler::test_support::*;

fn throttled(service: &'static str, operation: &'static str) -> AwsError {
    AwsError::from_code(
        service,
        operation,
        "ThrottlingException",
        "Rate exceeded",
        Some(400),
    )
}

impl World {
    async fn retry_failed(&self, event: &Value) -> Result<Vec<Report>, ProcessorError> {
        self.processor().retry_failed(event, self.now).await
    }
}

fn steps_of(report: &Report) -> Value {
    report.to_json(false)["steps"].clone()
}

#[tokio::test]
async fn a_case_throttled_throughout_is_filed_by_the_retry_without_a_second_email() {
    let world = World::new();
    world.usage(100.0, 1_000.0);
    world
        .support
        .fail_always("CreateCase", throttled("support", "CreateCase"));
    let event = alarm("ServerErrors", "Critical");
    let decision = world.decide(&event).await;
    assert_eq!(types(&decision), ["none:throttled"]);
    assert_eq!(
        world.emails().len(),
        1,
        "the e-mail says the case was not filed"
    );
    let outcome = done_record(&world).outcome.unwrap();
    assert_eq!(
        outcome["steps"],
        json!([
            {"step": "case", "category": "investigation_request", "status": "failed", "reason": "throttled"},
            {"step": "email", "status": "succeeded"},
        ])
    );
    world.support.clear_failures();

    let reports = world.retry_failed(&event).await.unwrap();

    assert!(matches!(reports[0], Report::Retried { .. }), "{reports:?}");
    assert_eq!(world.support.created_cases().len(), 1, "the case, once");
    assert_eq!(world.emails().len(), 1, "no second e-mail");
    let json = reports[0].to_json(false);
    assert_eq!(json["result"], "retried");
    assert_eq!(json["actions"][0]["type"], "support_case");
    assert_eq!(
        steps_of(&reports[0]),
        json!([
            {"step": "case", "category": "investigation_request", "status": "succeeded"},
            {"step": "email", "status": "succeeded"},
        ])
    );
    let record = done_record(&world);
    assert_eq!(record.status, LedgerStatus::Done);
    assert_eq!(record.outcome.unwrap()["steps"], steps_of(&reports[0]));

    let again = world.retry_failed(&event).await.unwrap();
    assert!(
        matches!(again[0], Report::NothingToRetry { .. }),
        "{again:?}"
    );
    assert_eq!(again[0].to_json(false)["result"], "nothing_to_retry");
    assert_eq!(world.support.created_cases().len(), 1);
}

#[tokio::test]
async fn only_the_failed_quota_request_is_sent_again() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);
    let denied_for_now = throttled("servicequotas", "RequestServiceQuotaIncrease");
    // The first of the two requests (they go out together) is throttled after the SDK's retries.
    world
        .quotas
        .fail_next("RequestServiceQuotaIncrease", denied_for_now);
    let event = alarm("Throttles", "Critical");
    world.decide(&event).await;
    assert_eq!(world.filed_requests().len(), 1);
    let failed = world
        .filed_requests()
        .first()
        .map(|(code, _)| if code == RPM { TPM } else { RPM })
        .unwrap();

    let reports = world.retry_failed(&event).await.unwrap();

    let requests = world.filed_requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[1].0, failed, "only the failed quota again");
    assert_eq!(world.emails().len(), 1);
    let steps = steps_of(&reports[0]);
    assert!(
        steps
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "succeeded"),
        "{steps}"
    );
}

#[tokio::test]
async fn a_refused_email_is_sent_by_the_retry_and_nothing_is_filed_again() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);
    world.notifier.fail_always(
        "Publish",
        AwsError::from_code("sns", "Publish", "AuthorizationError", "no", Some(403)),
    );
    let event = alarm("Throttles", "Critical");
    // Lambda's three attempts, each refused.
    for _ in 0..3 {
        world.run(&event).await.unwrap_err();
    }
    assert_eq!(world.quotas.requests().len(), 2);
    assert!(world.emails().is_empty());
    world.notifier.clear_failures();

    let reports = world.retry_failed(&event).await.unwrap();

    assert!(matches!(reports[0], Report::Retried { .. }), "{reports:?}");
    assert_eq!(world.emails().len(), 1);
    assert_eq!(world.quotas.requests().len(), 2, "nothing filed again");
    let record = done_record(&world);
    assert_eq!(record.status, LedgerStatus::Done);
    assert_eq!(record.outcome.unwrap()["email"]["status"], "published");
}

#[tokio::test]
async fn an_email_refused_again_on_retry_stays_to_retry() {
    let world = World::new();
    world.usage(100.0, 1_000.0);
    let denied = || AwsError::from_code("sns", "Publish", "AuthorizationError", "no", Some(403));
    world.notifier.fail_always("Publish", denied());
    let event = alarm("ServerErrors", "Critical");
    world.run(&event).await.unwrap_err();

    let error = world.retry_failed(&event).await.unwrap_err();

    assert_eq!(error.error_type(), "NonRetryable");
    let record = done_record(&world);
    assert_eq!(record.status, LedgerStatus::InProgress);
    assert!(record.steps.contains_key(RETRY_STEP));
    world.notifier.clear_failures();
    world.retry_failed(&event).await.unwrap();
    assert_eq!(world.emails().len(), 1);
    assert_eq!(world.support.created_cases().len(), 1, "one case in all");
}

#[tokio::test]
async fn a_transition_without_a_record_is_reported_and_left_alone() {
    let world = World::new();
    let event = alarm("Throttles", "Critical");

    let reports = world.retry_failed(&event).await.unwrap();

    let json = reports[0].to_json(false);
    assert_eq!(json["result"], "no_record");
    assert!(
        json["reason"]
            .as_str()
            .unwrap()
            .contains("without --retry-failed"),
        "{json}"
    );
    assert_eq!(
        world.ledger.calls("PutItem") + world.ledger.calls("UpdateItem"),
        0
    );
    assert!(world.emails().is_empty());
}

#[tokio::test]
async fn a_transition_whose_steps_all_succeeded_has_nothing_to_retry() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);
    let event = alarm("Throttles", "Critical");
    world.decide(&event).await;

    let reports = world.retry_failed(&event).await.unwrap();

    assert!(matches!(reports[0], Report::NothingToRetry { .. }));
    assert_eq!(world.quotas.requests().len(), 2);
    assert_eq!(world.emails().len(), 1);
}

#[tokio::test]
async fn a_transition_another_invocation_holds_is_not_taken() {
    let world = World::new();
    let steps = BTreeMap::from([(
        FILED_STEP.to_owned(),
        filed_step_in_todays_shape(THROTTLES_KEY),
    )]);
    world.seed_claim(THROTTLES_KEY, world.now - 5, world.now + 60, steps);

    let error = world
        .retry_failed(&alarm("Throttles", "Critical"))
        .await
        .unwrap_err();

    assert_eq!(error.error_type(), "Retryable");
    assert!(world.emails().is_empty());
}
