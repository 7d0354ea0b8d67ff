//! Tests of the filings: Service Quotas requests and their Support-case fallback, appends to open cases, and
//! the reason each filing not made carries into the e-mail.

use super::*;
use crate::handler::test_support::*;

#[tokio::test]
async fn second_alarm_while_the_first_is_in_alarm_is_handled_and_appended() {
    let world = World::new();
    world.usage(100.0, 1_000.0);
    world.decide(&alarm("ServerErrors", "Critical")).await;
    let later = sns(&message(
        "HighLatency",
        "Warning",
        "ALARM",
        "2026-05-04T15:30:00.000+0000",
    ));

    let decision = world.decide(&later).await;

    assert_eq!(types(&decision), ["append"]);
    assert_eq!(world.support.created_cases().len(), 1);
    assert_eq!(world.emails().len(), 2);
}

#[tokio::test]
async fn already_open_quota_request_gets_the_alarm_appended_to_its_case() {
    let world = World::new();
    world.usage(9_500.0, 1.0);
    let (case_id, display_id) = world
        .support
        .seed_open_case("Service Quotas increase: Amazon Bedrock", 3_600);
    world.seed_open_rpm_request("human-1", Some(display_id.clone()));

    let decision = world.decide(&alarm("HighInvocationRate", "Warning")).await;

    assert_eq!(types(&decision), ["append"]);
    let view = &views(&decision)[0];
    assert_eq!(view["request_id"], "human-1");
    assert_eq!(view["display_id"], display_id.as_str());
    let appended = world.support.appended();
    assert_eq!(appended.len(), 1);
    assert_eq!(appended[0].0, case_id);
    assert!(
        appended[0].1.starts_with("FOLLOW-UP (WARNING)"),
        "{}",
        appended[0].1
    );
    assert_eq!(world.quotas.requests().len(), 1, "no second request");
}

#[tokio::test]
async fn not_adjustable_quota_goes_to_a_support_case() {
    let world = World::new();
    world
        .quotas
        .set_applied(quota(TPM, "tokens per minute", 6_250_000.0, false));
    world.usage(9_500.0, 3_000_000.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    assert_eq!(
        types(&decision),
        ["quota_request", "support_case", "none:not_adjustable"]
    );
    assert_eq!(world.filed_requests(), [(RPM.to_owned(), 12_500.0)]);
    let (draft, _) = &world.support.created_cases()[0];
    assert_eq!(draft.subject, QUOTA_SUBJECT);
    assert!(draft.body.contains("7,812,500"), "{}", draft.body);
    assert!(
        !draft.body.contains("from 10,000 to 12,500"),
        "only the refused side: {}",
        draft.body
    );
}

#[tokio::test]
async fn access_denied_request_falls_back_to_a_support_case() {
    let world = World::new();
    world.usage(9_500.0, 1.0);
    world.quota_requests_denied();

    let decision = world.decide(&alarm("HighInvocationRate", "Warning")).await;

    assert_eq!(types(&decision), ["none:access_denied", "support_case"]);
    assert!(world.support.created_cases()[0].0.body.contains("12,500"));
}

#[tokio::test]
async fn duplicate_case_gets_an_append_with_the_urgency_prefix() {
    let world = World::new();
    world.usage(100.0, 1_000.0);
    let (case_id, display_id) = world.support.seed_open_case(INVESTIGATION_SUBJECT, 86_400);
    world
        .support
        .seed_open_case(&format!("Big{INVESTIGATION_SUBJECT}"), 60);
    world.support.seed_open_case(QUOTA_SUBJECT, 60);

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(types(&decision), ["append"]);
    assert_eq!(views(&decision)[0]["display_id"], display_id.as_str());
    assert!(world.support.created_cases().is_empty());
    let appended = world.support.appended();
    assert_eq!(appended.len(), 1);
    assert_eq!(appended[0].0, case_id);
    assert!(
        appended[0]
            .1
            .starts_with("ESCALATION (CRITICAL): ServerErrors"),
        "{}",
        appended[0].1
    );
}

#[tokio::test]
async fn support_not_subscribed_is_the_reason_in_the_email() {
    let world = World::new();
    world.support.set_subscribed(false);

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(types(&decision), ["none:support_plan_missing"]);
    assert!(
        world.emails()[0]
            .1
            .contains("SubscriptionRequiredException")
    );
}

#[tokio::test]
async fn case_creation_limit_is_the_reason_in_the_email() {
    let world = World::new();
    world.case_creation_limit_reached();

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(types(&decision), ["none:case_creation_limit_exceeded"]);
    assert!(world.emails()[0].1.contains("CaseCreationLimitExceeded"));
}

#[tokio::test]
async fn throttled_case_listing_files_no_case_rather_than_a_possible_duplicate() {
    let world = World::new();
    world.support.fail_always(
        "DescribeCases",
        AwsError::from_code(
            "support",
            "DescribeCases",
            "ThrottlingException",
            "slow",
            Some(400),
        ),
    );

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(types(&decision), ["none:throttled"]);
    assert_eq!(world.support.calls("CreateCase"), 0);
}
