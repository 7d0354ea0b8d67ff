//! Tests of an ALARM transition over the in-memory fakes: the blog's scenarios, the settings that hold filings
//! back (automation off, percent 0, dry run, simulation), and failed reads. Named after the rule.

use super::*;
use bedrock_ops_core::outcome::WouldType;

use crate::handler::test_support::*;

#[tokio::test]
async fn high_usage_throttles_requests_both_quotas_and_emails_once() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    assert_eq!(
        decision.decided,
        Decided::Alarm(Scenario::HighUsage { expedited: true })
    );
    assert_eq!(decision.class, AlarmClass::Both);
    assert_eq!(
        world.filed_requests(),
        [(RPM.to_owned(), 12_500.0), (TPM.to_owned(), 7_812_500.0)]
    );
    assert_eq!(types(&decision), ["quota_request", "quota_request"]);
    assert!(world.support.created_cases().is_empty());
    let emails = world.emails();
    assert_eq!(emails.len(), 1);
    assert_eq!(
        emails[0].0,
        "🔴 [CRITICAL] Acme - Bedrock Ops Alert - Opus-4-6 - Quota Request"
    );
    assert!(
        emails[0].1.contains("req-1") && emails[0].1.contains("req-2"),
        "{}",
        emails[0].1
    );
    // Closed in one write with the e-mail: no intermediate step was recorded.
    let record = done_record(&world);
    assert_eq!(record.status, LedgerStatus::Done);
    assert!(record.steps.is_empty(), "{:?}", record.steps);
    assert_eq!(record.outcome.unwrap()["email"]["status"], "published");
}

#[tokio::test]
async fn high_tpm_quota_usage_requests_tpm_only() {
    let world = World::new();
    world.quotas_and_thresholds(200, 200_000);
    world.usage(150.0, 210_000.0);

    let decision = world.decide(&alarm("HighTPMQuotaUsage", "Warning")).await;

    assert_eq!(
        decision.decided,
        Decided::Alarm(Scenario::HighUsage { expedited: false })
    );
    assert_eq!(world.filed_requests(), [(TPM.to_owned(), 250_000.0)]);
    assert!(world.emails()[0].0.starts_with("🟡 [WARNING]"));
}

#[tokio::test]
async fn new_model_requests_without_usage_history() {
    let world = World::new();
    world.quotas_and_thresholds(200, 500_000);

    let decision = world.decide(&alarm("InputTokenAnomaly", "Warning")).await;

    assert_eq!(decision.decided, Decided::Alarm(Scenario::NewModel));
    assert_eq!(world.filed_requests(), [(TPM.to_owned(), 625_000.0)]);
}

#[tokio::test]
async fn throttled_usage_read_is_usage_unknown_and_says_so() {
    let world = World::new();
    world.usage_read_throttled();

    let decision = world.decide(&alarm("HighInvocationRate", "Warning")).await;

    let Decided::Alarm(Scenario::UsageUnknown { reason }) = &decision.decided else {
        panic!("{:?}", decision.decided)
    };
    assert!(reason.contains("throttled"), "{reason}");
    assert_eq!(world.filed_requests(), [(RPM.to_owned(), 12_500.0)]);
    assert!(world.emails()[0].1.contains("Rate exceeded"));
}

#[tokio::test]
async fn low_usage_opens_an_investigate_first_case_and_requests_nothing() {
    let world = World::new();
    world.quotas_and_thresholds(10_001, 6_250_000);
    world.usage(5_578.0, 3_404_691.0);

    let decision = world.decide(&alarm("InvocationAnomaly", "Warning")).await;

    assert_eq!(decision.decided, Decided::Alarm(Scenario::LowUsage));
    assert!(world.filed_requests().is_empty());
    assert_eq!(types(&decision), ["support_case", "none:investigate_first"]);
    let created = world.support.created_cases();
    assert_eq!(created.len(), 1);
    let (draft, _) = &created[0];
    assert_eq!(draft.subject, QUOTA_SUBJECT);
    assert_eq!(draft.severity, "normal");
    assert!(draft.body.contains("for reference only"), "{}", draft.body);
    assert!(draft.body.contains("12,502"), "{}", draft.body);
    let view = &views(&decision)[0];
    assert!(!view["display_id"].as_str().unwrap().is_empty(), "{view}");
    assert!(
        world.emails()[0]
            .1
            .contains(view["display_id"].as_str().unwrap())
    );
}

#[tokio::test]
async fn non_quota_server_errors_open_an_investigation_case() {
    let world = World::new();
    world.usage(100.0, 1_000.0);

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(decision.decided, Decided::Alarm(Scenario::NonQuota));
    assert_eq!(types(&decision), ["support_case"]);
    assert_eq!(world.quotas.calls("GetServiceQuota"), 0);
    let (draft, _) = &world.support.created_cases()[0];
    assert_eq!(draft.subject, INVESTIGATION_SUBJECT);
    assert_eq!(draft.severity, "high");
    assert!(world.emails()[0].0.ends_with("Investigation Request"));
}

#[tokio::test]
async fn mixed_throttles_and_high_tpm_in_one_composite_is_one_both_class_decision() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);

    let decision = world
        .decide(&composite(&[
            ("Throttles", "Critical"),
            ("HighTPMQuotaUsage", "Warning"),
        ]))
        .await;

    assert_eq!(decision.class, AlarmClass::Both);
    assert_eq!(decision.severity, Severity::Critical);
    assert_eq!(world.filed_requests().len(), 2);
    assert_eq!(world.emails().len(), 1);
}

#[tokio::test]
async fn mixed_server_errors_and_high_invocation_rate_follow_the_quota_class() {
    let world = World::new();
    world.usage(9_000.0, 1_000.0);

    let decision = world
        .decide(&composite(&[
            ("ServerErrors", "Critical"),
            ("HighInvocationRate", "Warning"),
        ]))
        .await;

    assert_eq!(decision.class, AlarmClass::Rpm);
    assert_eq!(
        decision.decided,
        Decided::Alarm(Scenario::HighUsage { expedited: true })
    );
    assert_eq!(world.filed_requests(), [(RPM.to_owned(), 12_500.0)]);
    assert!(world.support.created_cases().is_empty());
    let body = &world.emails()[0].1;
    assert!(
        body.contains("ServerErrors") && body.contains("HighInvocationRate"),
        "{body}"
    );
}

#[tokio::test]
async fn automation_off_decides_and_emails_but_files_nothing() {
    let world = World::new();
    world.set("enable-automated-support-case", "No");
    world.usage(9_500.0, 3_000_000.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    assert_eq!(
        types(&decision),
        ["none:automation_disabled", "none:automation_disabled"]
    );
    assert_eq!(world.quotas.calls("RequestServiceQuotaIncrease"), 0);
    assert_eq!(world.support.calls("CreateCase"), 0);
    let body = &world.emails()[0].1;
    assert!(
        body.contains("enable-automated-support-case is No"),
        "{body}"
    );
    assert!(
        body.contains("12,500") && body.contains("7,812,500"),
        "{body}"
    );
}

#[tokio::test]
async fn percent_zero_requests_nothing_for_that_quota() {
    let world = World::new();
    world.set("tokens-per-minute-increase-percent", "0");
    world.usage(9_500.0, 3_000_000.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    assert_eq!(world.filed_requests(), [(RPM.to_owned(), 12_500.0)]);
    assert_eq!(
        types(&decision),
        ["quota_request", "none:increase_percent_zero"]
    );
    assert!(
        world.emails()[0]
            .1
            .contains("tokens-per-minute-increase-percent setting is 0")
    );
}

#[tokio::test]
async fn dry_run_files_nothing_and_says_what_would_have_been_filed() {
    let world = World::new();
    world.set("mode", "dry-run");
    world.usage(9_500.0, 3_000_000.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    assert_eq!(types(&decision), ["none:dry_run", "none:dry_run"]);
    assert_eq!(views(&decision)[0]["would"], json!(WouldType::QuotaRequest));
    assert_eq!(views(&decision)[1]["desired"], 7_812_500);
    assert_eq!(world.quotas.calls("RequestServiceQuotaIncrease"), 0);
    assert!(world.emails()[0].1.contains("Would have requested"));
    assert_eq!(done_record(&world).status, LedgerStatus::Done);
}

#[tokio::test]
async fn dry_run_names_the_open_case_it_would_append_to() {
    let world = World::new();
    world.set("mode", "dry-run");
    let (_, display_id) = world.support.seed_open_case(INVESTIGATION_SUBJECT, 60);

    let decision = world.decide(&alarm("LatencyAnomaly", "Warning")).await;

    let view = &views(&decision)[0];
    assert_eq!(view["would"], json!(WouldType::Append));
    assert_eq!(view["display_id"], display_id.as_str());
    assert!(world.support.appended().is_empty());
}

#[tokio::test]
async fn simulation_touches_neither_ledger_nor_topic_nor_filings() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);

    let reports = world
        .run_as(&alarm("Throttles", "Critical"), RunMode::Simulate)
        .await
        .unwrap();

    let Report::Handled(decision) = &reports[0] else {
        panic!("{reports:?}")
    };
    assert_eq!(types(decision), ["none:dry_run", "none:dry_run"]);
    assert_eq!(decision.email_status, EmailStatus::Simulated);
    assert_eq!(world.ledger.total_calls(), 0);
    assert_eq!(world.notifier.published().len(), 0);
    assert_eq!(world.quotas.calls("RequestServiceQuotaIncrease"), 0);
}

#[tokio::test]
async fn simulation_shows_the_context_each_follow_up_would_append_as_the_live_run_queues_it() {
    let simulated = World::new();
    simulated.usage(9_500.0, 3_000_000.0);
    let reports = simulated
        .run_as(&alarm("Throttles", "Critical"), RunMode::Simulate)
        .await
        .unwrap();
    let Report::Handled(decision) = &reports[0] else {
        panic!("{reports:?}")
    };
    let codes: Vec<&str> = decision
        .follow_up_context
        .iter()
        .map(|c| c.quota_code.as_str())
        .collect();
    assert_eq!(codes, [RPM, TPM]);
    assert!(
        simulated.queue.sent().is_empty(),
        "a simulation queues nothing"
    );
    let json = reports[0].to_json(true);
    assert_eq!(json["follow_up_context"][1]["quota_code"], TPM);
    assert!(
        json["follow_up_context"][0]["body"]
            .as_str()
            .unwrap()
            .contains("Please expedite")
    );

    // The live run of the same alarm schedules the very same text (carried by its e-mail), its real request
    // id in place of the placeholder.
    let live = World::new();
    live.usage(9_500.0, 3_000_000.0);
    let filed = live.decide(&alarm("Throttles", "Critical")).await;
    assert!(filed.follow_up_context.is_empty(), "only simulate shows it");
    let queued: Vec<bedrock_ops_core::follow_up::FollowUp> = live
        .notifier
        .published()
        .iter()
        .flat_map(|m| m.attributes.iter())
        .filter(|(name, _)| name == bedrock_ops_core::follow_up::FOLLOW_UP_ATTRIBUTE)
        .flat_map(|(_, value)| bedrock_ops_core::follow_up::parse_carried(value).unwrap())
        .collect();
    assert_eq!(queued.len(), 2);
    for (message, preview) in queued.iter().zip(&decision.follow_up_context) {
        assert_eq!(message.quota_code, preview.quota_code);
        assert_eq!(
            preview.body.replace("<request id>", &message.request_id),
            message.context
        );
    }
}

#[tokio::test]
async fn throttled_settings_read_is_retryable_and_releases_the_claim() {
    let world = World::new();
    world.parameters.fail_next(
        "GetParameters",
        AwsError::from_code(
            "ssm",
            "GetParameters",
            "ThrottlingException",
            "slow",
            Some(400),
        ),
    );
    let event = alarm("ServerErrors", "Critical");

    let error = world.run(&event).await.unwrap_err();
    assert_eq!(error.error_type(), "Retryable");
    assert_eq!(world.support.calls("CreateCase"), 0);

    let retry = world.run(&event).await.unwrap();
    assert!(matches!(retry[0], Report::Handled(_)));
    assert_eq!(world.support.created_cases().len(), 1);
}

#[tokio::test]
async fn unreadable_settings_file_nothing_and_say_why() {
    let world = World::new();
    world.set("mode", "sometimes");

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(types(&decision), ["none:settings_unreadable"]);
    let email = &world.emails()[0].1;
    assert!(email.contains("'mode' has the invalid value 'sometimes'"));
    // The headline says what is wrong: a setting, not an AWS call.
    assert!(
        email.contains("nothing was filed: the settings in Parameter Store could not be read"),
        "{email}"
    );
    assert!(!email.contains("an AWS call failed"), "{email}");
    assert_eq!(world.support.calls("CreateCase"), 0);
}
