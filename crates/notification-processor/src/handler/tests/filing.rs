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

// One quota thread per stack (issue 12 item 3).

#[tokio::test]
async fn open_quota_request_case_of_the_stack_takes_a_high_usage_alarm_and_nothing_new_is_filed() {
    let world = World::new();
    world.usage(9_500.0, 1.0);
    // A fallback case from two days ago, opened before cases carried our mark: it takes every quota.
    let (case_id, display_id) = world.support.seed_open_case(QUOTA_SUBJECT, 2 * 86_400);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    assert_eq!(types(&decision), ["append"]);
    assert_eq!(views(&decision)[0]["display_id"], display_id.as_str());
    assert!(
        world.quotas.requests().is_empty(),
        "no Service Quotas request"
    );
    assert!(world.support.created_cases().is_empty(), "no new case");
    let appended = world.support.appended();
    assert_eq!(appended.len(), 1);
    assert_eq!(appended[0].0, case_id);
    let body = &appended[0].1;
    assert!(
        body.starts_with("ESCALATION (CRITICAL): Throttles"),
        "{body}"
    );
    assert!(body.contains("from 10,000 to 12,500"), "{body}");
    assert!(body.contains(&mark(&["Throttles"], &[RPM, TPM])), "{body}");
    assert!(
        world.emails()[0].1.contains("added it to open case"),
        "{}",
        world.emails()[0].1
    );
}

#[tokio::test]
async fn a_quota_the_open_thread_does_not_ask_for_yet_is_still_requested() {
    let world = World::new();
    world.usage(9_500.0, 1.0);
    let (case_id, _) = world.support.seed_open_case(QUOTA_SUBJECT, 86_400);
    world
        .support
        .seed_communication(&case_id, &mark(&["HighInvocationRate"], &[RPM]), 86_400);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    assert_eq!(types(&decision), ["append", "quota_request"]);
    assert_eq!(world.filed_requests(), [(TPM.to_owned(), 7_812_500.0)]);
    let appended = &world.support.appended()[0].1;
    assert!(
        appended.contains(&mark(&["Throttles"], &[RPM])),
        "{appended}"
    );
}

#[tokio::test]
async fn a_low_usage_reference_case_asks_for_nothing_so_high_usage_still_requests() {
    let world = World::new();
    world.usage(9_500.0, 1.0);
    let (case_id, _) = world.support.seed_open_case(QUOTA_SUBJECT, 86_400);
    world
        .support
        .seed_communication(&case_id, &mark(&["ClientErrors"], &[]), 86_400);

    let decision = world.decide(&alarm("HighInvocationRate", "Warning")).await;

    assert_eq!(types(&decision), ["quota_request"]);
    assert!(world.support.appended().is_empty());
}

#[tokio::test]
async fn the_case_service_quotas_opened_for_our_request_is_the_thread_of_its_quota() {
    let world = World::new();
    world.usage(9_500.0, 1.0);
    // Service Quotas' own subject; our follow-up's context left the mark on it.
    let (case_id, display_id) = world
        .support
        .seed_open_case("Service Quotas increase: Amazon Bedrock", 3_600);
    world
        .support
        .seed_communication(&case_id, &mark(&["Throttles"], &[RPM]), 3_000);
    // Another stack's case with its own mark is nobody's thread here.
    let (other, _) = world.support.seed_open_case("Other case", 60);
    world.support.seed_communication(
        &other,
        "Bedrock Ops Alert reference: stack=Other/Opus-4-6 alarms=Throttles asks=L-3DD46812",
        60,
    );

    let decision = world.decide(&alarm("HighInvocationRate", "Warning")).await;

    assert_eq!(types(&decision), ["append"]);
    assert_eq!(views(&decision)[0]["display_id"], display_id.as_str());
    assert!(world.quotas.requests().is_empty());
    assert_eq!(world.support.appended()[0].0, case_id);
}

#[tokio::test]
async fn low_usage_appends_to_the_case_of_an_open_request_for_its_quota_instead_of_a_reference_case()
 {
    let world = World::new();
    world.usage(100.0, 1_000.0);
    let (case_id, _) = world
        .support
        .seed_open_case("Service Quotas increase: Amazon Bedrock", 3_600);
    world
        .support
        .seed_communication(&case_id, &mark(&["Throttles"], &[RPM]), 3_000);

    let decision = world.decide(&alarm("HighInvocationRate", "Warning")).await;

    assert_eq!(types(&decision), ["append", "none:investigate_first"]);
    assert!(
        world.support.created_cases().is_empty(),
        "no reference case"
    );
    assert_eq!(world.support.appended()[0].0, case_id);
}

// Repeat suppression and the append cooldown (issue 12 item 4, issue 13 item 3).

#[tokio::test]
async fn a_flapping_anomaly_alarm_is_appended_once_and_then_already_reported() {
    let world = World::new();
    world.usage(100.0, 1_000.0);
    let (case_id, display_id) = world.support.seed_open_case(INVESTIGATION_SUBJECT, 86_400);

    let first = world
        .decide(&alarm_at(
            "LatencyAnomaly",
            "Warning",
            "2026-05-04T15:00:00.000+0000",
        ))
        .await;
    let second = world
        .decide(&alarm_at(
            "LatencyAnomaly",
            "Warning",
            "2026-05-04T15:10:00.000+0000",
        ))
        .await;

    assert_eq!(types(&first), ["append"]);
    assert_eq!(types(&second), ["none:already_reported"]);
    assert_eq!(views(&second)[0]["display_id"], display_id.as_str());
    assert_eq!(world.support.appended().len(), 1);
    assert_eq!(world.support.appended()[0].0, case_id);
    let email = &world.emails()[1].1;
    assert!(
        email.contains(&format!("already reported on open case {display_id}")),
        "{email}"
    );
}

#[tokio::test]
async fn an_anomaly_alarm_the_case_was_opened_for_is_not_appended() {
    let world = World::new();
    world.usage(100.0, 1_000.0);

    let opened = world
        .decide(&alarm_at(
            "LatencyAnomaly",
            "Warning",
            "2026-05-04T15:00:00.000+0000",
        ))
        .await;
    let again = world
        .decide(&alarm_at(
            "LatencyAnomaly",
            "Warning",
            "2026-05-04T15:10:00.000+0000",
        ))
        .await;
    let other = world
        .decide(&alarm_at(
            "HighLatency",
            "Warning",
            "2026-05-04T15:20:00.000+0000",
        ))
        .await;

    assert_eq!(types(&opened), ["support_case"]);
    assert_eq!(types(&again), ["none:already_reported"]);
    assert_eq!(types(&other), ["append"], "another alarm is news");
}

#[tokio::test]
async fn throttles_twice_within_the_cooldown_are_appended_once() {
    let world = World::new();
    world.usage(9_500.0, 1.0);
    let (_, display_id) = world.support.seed_open_case(QUOTA_SUBJECT, 86_400);

    let first = world
        .decide(&alarm_at(
            "Throttles",
            "Critical",
            "2026-05-04T15:00:00.000+0000",
        ))
        .await;
    let second = world
        .decide(&alarm_at(
            "Throttles",
            "Critical",
            "2026-05-04T15:10:00.000+0000",
        ))
        .await;

    assert_eq!(types(&first), ["append"]);
    assert_eq!(types(&second), ["none:append_cooldown"]);
    assert_eq!(views(&second)[0]["display_id"], display_id.as_str());
    assert_eq!(world.support.appended().len(), 1);
    assert!(
        world.quotas.requests().is_empty(),
        "the thread still carries both quotas"
    );
    let email = &world.emails()[1].1;
    assert!(email.contains("append-cooldown-minutes"), "{email}");
}

#[tokio::test]
async fn throttles_after_the_cooldown_or_with_cooldown_0_are_appended_again() {
    // (setting, how long ago the case last got Throttles, the next two transitions, appends made)
    let table = [
        ("60", 3_700, ["append", "none:append_cooldown"], 1),
        (
            "60",
            600,
            ["none:append_cooldown", "none:append_cooldown"],
            0,
        ),
        ("0", 600, ["append", "append"], 2),
    ];
    for (cooldown, age, expected, appends) in table {
        let world = World::new();
        world.set("append-cooldown-minutes", cooldown);
        world.usage(9_500.0, 1.0);
        let (case_id, _) = world.support.seed_open_case(QUOTA_SUBJECT, 86_400);
        world
            .support
            .seed_communication(&case_id, &mark(&["Throttles"], &[RPM, TPM]), age);

        let first = world.decide(&alarm("Throttles", "Critical")).await;
        let second = world
            .decide(&alarm_at(
                "Throttles",
                "Critical",
                "2026-05-04T15:10:00.000+0000",
            ))
            .await;

        let got = [types(&first), types(&second)];
        assert_eq!(
            got,
            expected.map(|t| vec![t.to_owned()]),
            "cooldown {cooldown}, age {age}"
        );
        assert_eq!(
            world.support.appended().len(),
            appends,
            "cooldown {cooldown}, age {age}"
        );
        assert!(world.quotas.requests().is_empty());
    }
}

#[tokio::test]
async fn an_invalid_cooldown_setting_holds_the_filings_and_says_why() {
    let world = World::new();
    world.set("append-cooldown-minutes", "2000");
    world.usage(9_500.0, 1.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    assert!(
        types(&decision)
            .iter()
            .all(|t| t == "none:settings_unreadable"),
        "{:?}",
        types(&decision)
    );
    assert!(world.quotas.requests().is_empty());
    assert!(
        world.emails()[0].1.contains("append-cooldown-minutes"),
        "{}",
        world.emails()[0].1
    );
}

#[tokio::test]
async fn a_dry_run_says_it_would_have_appended_to_the_open_thread_instead_of_requesting() {
    let world = World::new();
    world.set("mode", "dry-run");
    world.usage(9_500.0, 1.0);
    let (case_id, display_id) = world.support.seed_open_case(QUOTA_SUBJECT, 86_400);
    world
        .support
        .seed_communication(&case_id, &mark(&["Throttles"], &[RPM]), 86_400);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    let views = views(&decision);
    let would: Vec<&str> = views.iter().map(|v| v["would"].as_str().unwrap()).collect();
    assert_eq!(would, ["quota_request", "append"], "{views:?}");
    assert_eq!(views[0]["quota_code"], TPM);
    assert_eq!(views[1]["display_id"], display_id.as_str());
    assert!(world.support.appended().is_empty() && world.quotas.requests().is_empty());
}
