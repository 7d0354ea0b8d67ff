//! The processor's flows end to end against the emulated AWS: alarms that arrive one after another, open
//! cases and requests, every setting, a missing Support plan, recovery and redelivery. Each test asserts on
//! what the emulated services hold afterwards.

use aws_sdk_servicequotas::Client as QuotasClient;
use aws_sdk_support::Client as SupportClient;
use bedrock_ops_aws::Ledger;
use bedrock_ops_aws::ledger::LedgerStatus;
use bedrock_ops_core::thresholds::SERVICE_CODE;
use bedrock_ops_testkit::testbed::processor::{
    Account, INVESTIGATION_SUBJECT, LEDGER_TABLE, QUOTA_SUBJECT, RPM_CODE, TPM_CODE, Testbed,
};
use notification_processor::Report;
use serde_json::Value;

fn types(decision: &Value) -> Vec<String> {
    decision["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| match a["type"].as_str().unwrap() {
            "none" => format!("none:{}", a["reason"].as_str().unwrap()),
            other => other.to_owned(),
        })
        .collect()
}

/// Filing calls that must never happen when nothing may be filed.
fn filing_calls(testbed: &Testbed) -> Vec<String> {
    testbed
        .calls()
        .into_iter()
        .filter(|c| {
            [
                "RequestServiceQuotaIncrease",
                "CreateCase",
                "AddCommunicationToCase",
            ]
            .contains(&c.operation.as_str())
        })
        .map(|c| c.operation)
        .collect()
}

#[test]
fn mixed_throttles_then_high_tpm_quota_usage_files_each_quota_once_and_appends_the_second_alarm() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        let first = testbed.decide("throttles-alarm.json").await;
        assert_eq!(types(&first), ["quota_request", "quota_request"]);

        let second = testbed.decide("high-tpm-quota-usage-alarm.json").await;

        assert_eq!(types(&second), ["append"]);
        assert_eq!(second["actions"][0]["quota_code"], TPM_CODE);
        assert_eq!(
            testbed.quota_requests(),
            [
                (RPM_CODE.to_owned(), 12_500.0),
                (TPM_CODE.to_owned(), 7_812_500.0)
            ]
        );
        let tpm_request = testbed
            .emulator
            .quota_requests()
            .unwrap()
            .into_iter()
            .find(|r| r.quota_code == TPM_CODE)
            .unwrap();
        let tpm_case = testbed
            .emulator
            .support_cases()
            .unwrap()
            .into_iter()
            .find(|c| Some(&c.case_id) == tpm_request.support_case_id.as_ref())
            .unwrap();
        let appended = tpm_case.communications.last().unwrap();
        assert!(
            appended
                .body
                .starts_with("FOLLOW-UP (WARNING): HighTPMQuotaUsage"),
            "{}",
            appended.body
        );
        assert_eq!(
            second["actions"][0]["display_id"],
            tpm_case.display_id.as_str()
        );
        assert_eq!(testbed.emails().len(), 2, "one e-mail per transition");
    });
}

#[test]
fn mixed_throttles_and_high_tpm_quota_usage_in_one_composite_is_one_decision() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("composite-throttles-high-tpm.json").await;

        assert_eq!(decision["class"], "both");
        assert_eq!(decision["severity"], "critical");
        assert_eq!(testbed.quota_requests().len(), 2);
        let emails = testbed.emails();
        assert_eq!(emails.len(), 1);
        assert!(
            emails[0]
                .message
                .contains("Throttles and HighTPMQuotaUsage fired")
        );
    });
}

#[test]
fn mixed_server_errors_then_high_invocation_rate_keep_their_own_categories() {
    let account = Account::new(10_000, 6_250_000).peaks(9_000.0, 90_000.0);
    Testbed::run(&account, |testbed| async move {
        let investigation = testbed.decide("server-errors-alarm.json").await;
        let quota = testbed.decide("high-invocation-rate-alarm.json").await;

        assert_eq!(types(&investigation), ["support_case"]);
        assert_eq!(quota["scenario"], "high_usage");
        assert_eq!(types(&quota), ["quota_request"]);
        assert_eq!(testbed.quota_requests(), [(RPM_CODE.to_owned(), 12_500.0)]);
        let ours = testbed.our_cases();
        assert_eq!(ours.len(), 1);
        assert_eq!(ours[0].subject, INVESTIGATION_SUBJECT);
        assert_eq!(
            ours[0].communications.len(),
            1,
            "the quota alarm is not appended to it"
        );
        assert_eq!(testbed.emails().len(), 2);
    });
}

#[test]
fn duplicate_case_gets_the_alarm_appended_with_the_urgency_prefix() {
    let account = Account::new(10_000, 6_250_000).peaks(120.0, 90_000.0);
    Testbed::run(&account, |testbed| async move {
        let support = SupportClient::new(&testbed.sdk);
        for subject in [
            INVESTIGATION_SUBJECT.to_owned(),
            format!("Big{INVESTIGATION_SUBJECT}"),
        ] {
            support
                .create_case()
                .subject(subject)
                .communication_body("An earlier alarm.")
                .service_code("service-bedrock")
                .category_code("general-guidance")
                .severity_code("normal")
                .send()
                .await
                .unwrap();
        }

        let decision = testbed.decide("server-errors-alarm.json").await;

        assert_eq!(types(&decision), ["append"]);
        let ours = testbed.our_cases();
        assert_eq!(ours.len(), 2, "no new case");
        let original = ours
            .iter()
            .find(|c| c.subject == INVESTIGATION_SUBJECT)
            .unwrap();
        assert_eq!(original.communications.len(), 2);
        let appended = &original.communications[1].body;
        assert!(
            appended.starts_with("ESCALATION (CRITICAL): ServerErrors fired again"),
            "{appended}"
        );
        let other = ours
            .iter()
            .find(|c| c.subject != INVESTIGATION_SUBJECT)
            .unwrap();
        assert_eq!(other.communications.len(), 1, "no substring match (W-17)");
        assert_eq!(
            decision["actions"][0]["display_id"],
            original.display_id.as_str()
        );
        assert!(testbed.emails()[0].message.contains(&original.display_id));
    });
}

#[test]
fn open_quota_request_gets_the_alarm_appended_to_its_case() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 90_000.0);
    Testbed::run(&account, |testbed| async move {
        let filed_by_a_person = QuotasClient::new(&testbed.sdk)
            .request_service_quota_increase()
            .service_code(SERVICE_CODE)
            .quota_code(RPM_CODE)
            .desired_value(20_000.0)
            .send()
            .await
            .unwrap()
            .requested_quota
            .unwrap();

        let decision = testbed.decide("high-invocation-rate-alarm.json").await;

        assert_eq!(types(&decision), ["append"]);
        assert_eq!(
            decision["actions"][0]["request_id"],
            filed_by_a_person.id().unwrap()
        );
        assert_eq!(testbed.quota_requests(), [(RPM_CODE.to_owned(), 20_000.0)]);
        // As in AWS, the request's answer named no case: Service Quotas linked it by the time the alarm read
        // the request's history.
        assert_eq!(filed_by_a_person.case_id(), None);
        let linked = testbed.emulator.quota_requests().unwrap()[0]
            .case_id
            .clone()
            .expect("linked by now");
        let case = testbed
            .emulator
            .support_cases()
            .unwrap()
            .into_iter()
            .find(|c| c.display_id == linked)
            .unwrap();
        assert_eq!(case.communications.len(), 2);
        assert!(
            case.communications[1]
                .body
                .starts_with("FOLLOW-UP (WARNING): HighInvocationRate")
        );
        assert!(testbed.our_cases().is_empty());
    });
}

#[test]
fn not_adjustable_tpm_quota_goes_to_a_quota_request_case() {
    let account = Account::new(10_000, 6_250_000)
        .peaks(9_500.0, 3_000_000.0)
        .tpm_not_adjustable();
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("throttles-alarm.json").await;

        assert_eq!(
            types(&decision),
            ["quota_request", "support_case", "none:not_adjustable"]
        );
        assert_eq!(testbed.quota_requests(), [(RPM_CODE.to_owned(), 12_500.0)]);
        let ours = testbed.our_cases();
        assert_eq!(ours.len(), 1);
        assert_eq!(ours[0].subject, QUOTA_SUBJECT);
        assert!(
            ours[0].communications[0]
                .body
                .contains("from 6,250,000 to 7,812,500")
        );
    });
}

#[test]
fn case_creation_disabled_decides_and_emails_but_files_nothing() {
    let account = Account::new(10_000, 6_250_000)
        .peaks(9_500.0, 3_000_000.0)
        .setting("enable-automated-support-case", "No");
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("throttles-alarm.json").await;

        assert_eq!(
            types(&decision),
            ["none:automation_disabled", "none:automation_disabled"]
        );
        assert!(filing_calls(&testbed).is_empty());
        assert!(testbed.emulator.support_cases().unwrap().is_empty());
        let email = &testbed.emails()[0].message;
        assert!(
            email.contains("enable-automated-support-case is No"),
            "{email}"
        );
        assert!(
            email.contains("7,812,500"),
            "the e-mail still says what would be asked"
        );
    });
}

#[test]
fn percent_zero_requests_nothing_for_that_quota() {
    let account = Account::new(10_000, 6_250_000)
        .peaks(9_500.0, 3_000_000.0)
        .setting("requests-per-minute-increase-percent", "0");
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("throttles-alarm.json").await;

        assert_eq!(
            types(&decision),
            ["quota_request", "none:increase_percent_zero"]
        );
        assert_eq!(
            testbed.quota_requests(),
            [(TPM_CODE.to_owned(), 7_812_500.0)]
        );
        assert!(
            testbed.emails()[0]
                .message
                .contains("requests-per-minute-increase-percent setting is 0")
        );
    });
}

#[test]
fn preference_critical_files_a_warning_alarm_but_sends_no_email() {
    let account = Account::new(200, 200_000)
        .peaks(150.0, 210_000.0)
        .setting("notification-preference", "critical");
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("high-tpm-quota-usage-alarm.json").await;

        assert_eq!(testbed.quota_requests(), [(TPM_CODE.to_owned(), 250_000.0)]);
        assert!(testbed.emails().is_empty());
        assert_eq!(
            decision["email"]["status"],
            "filtered_by_notification_preference"
        );
    });
}

#[test]
fn dry_run_makes_no_filing_call_and_emails_what_would_have_been_filed() {
    let account = Account::new(10_000, 6_250_000)
        .peaks(9_500.0, 3_000_000.0)
        .setting("mode", "dry-run");
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("throttles-alarm.json").await;

        assert_eq!(types(&decision), ["none:dry_run", "none:dry_run"]);
        assert_eq!(decision["actions"][0]["would"], "quota_request");
        assert_eq!(decision["actions"][1]["desired"], 7_812_500);
        assert!(filing_calls(&testbed).is_empty());
        assert!(testbed.emulator.support_cases().unwrap().is_empty());
        let email = &testbed.emails()[0].message;
        assert!(email.contains("dry run"), "{email}");
        assert!(
            email.contains("Would have requested the TPM quota increase"),
            "{email}"
        );
    });
}

#[test]
fn support_not_subscribed_is_the_truthful_reason_in_the_email() {
    let account = Account::new(10_000, 6_250_000).peaks(120.0, 90_000.0);
    Testbed::run(&account, |testbed| async move {
        testbed.emulator.set_support_subscribed(false).unwrap();

        let decision = testbed.decide("server-errors-alarm.json").await;

        assert_eq!(types(&decision), ["none:support_plan_missing"]);
        assert!(testbed.emulator.support_cases().unwrap().is_empty());
        let email = &testbed.emails()[0].message;
        assert!(email.contains("SubscriptionRequiredException"), "{email}");
        assert!(
            email.contains("Business, Enterprise On-Ramp or Enterprise"),
            "{email}"
        );
    });
}

#[test]
fn ok_recovery_sends_a_short_email_and_files_nothing() {
    let account = Account::new(10_000, 6_250_000);
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("throttles-ok.json").await;

        assert_eq!(decision["scenario"], "recovery");
        assert_eq!(decision["actions"], serde_json::json!([]));
        assert!(filing_calls(&testbed).is_empty());
        let emails = testbed.emails();
        assert_eq!(emails.len(), 1);
        assert_eq!(
            emails[0].subject.as_deref(),
            Some("✅ [OK] Acme - Bedrock Ops Alert - Opus-4-6 - Throttles recovered")
        );
        assert!(emails[0].message.contains("Nothing was filed"));
    });
}

#[test]
fn same_sns_message_twice_files_one_request_per_quota_and_sends_one_email() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        let first = testbed.report("throttles-alarm.json").await;
        let second = testbed.report("throttles-alarm.json").await;

        assert!(matches!(first, Report::Handled(_)));
        let Report::AlreadyHandled { key } = second else {
            panic!("{second:?}")
        };
        assert_eq!(testbed.quota_requests().len(), 2);
        assert_eq!(testbed.emails().len(), 1);
        let ledger = bedrock_ops_aws::AwsClients::new(&testbed.sdk).ledger(LEDGER_TABLE);
        let record = ledger.get(&key).await.unwrap().expect("a ledger item");
        assert_eq!(record.status, LedgerStatus::Done);
        assert_eq!(record.attempts, 1);
        let outcome = record.outcome.expect("the audit outcome");
        assert_eq!(outcome["scenario"], "high_usage");
        assert_eq!(outcome["email"]["status"], "published");
    });
}

#[test]
fn an_input_token_alarm_files_an_increase_of_the_input_quota_only() {
    use bedrock_ops_testkit::testbed::calculator::{SPLIT_INPUT_CODE, SPLIT_OUTPUT_CODE};
    let account = Account::new(10_000, 6_250_000)
        .split_tokens(2_000_000, 400_000)
        .peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        let decision = testbed
            .decide("high-input-tpm-quota-usage-alarm.json")
            .await;

        assert_eq!(decision["class"], "input_tpm", "{decision}");
        // The InputTokenCount peak (0.7 × 3,000,000 = 2,100,000) against the input threshold 1,600,000.
        assert_eq!(decision["scenario"], "high_usage", "{decision}");
        // 2,000,000 + 25 %: the input quota only, neither the output nor the RPM quota.
        assert_eq!(
            testbed.quota_requests(),
            [(SPLIT_INPUT_CODE.to_owned(), 2_500_000.0)]
        );
        let requested: Vec<String> = testbed
            .emulator
            .quota_requests()
            .unwrap()
            .into_iter()
            .map(|r| r.quota_code)
            .collect();
        assert!(!requested.contains(&SPLIT_OUTPUT_CODE.to_owned()));
        let emails = testbed.emails();
        assert_eq!(emails.len(), 1);
        assert!(
            emails[0]
                .message
                .contains("requested an input TPM quota increase"),
            "{}",
            emails[0].message
        );
        assert!(
            emails[0].message.contains(
                "Input tokens per minute (input TPM): peak 2,100,000, steady 1,050,000; \
                 alarm threshold 1,600,000; quota 2,000,000"
            ),
            "{}",
            emails[0].message
        );
    });
}

#[test]
fn a_throttle_on_a_split_token_model_requests_rpm_input_and_output_quotas() {
    use bedrock_ops_testkit::testbed::calculator::{SPLIT_INPUT_CODE, SPLIT_OUTPUT_CODE};
    let account = Account::new(10_000, 6_250_000)
        .split_tokens(2_000_000, 400_000)
        .peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("throttles-alarm.json").await;
        assert_eq!(decision["class"], "both", "{decision}");
        let mut requested = testbed.quota_requests();
        requested.sort_by(|a, b| a.0.cmp(&b.0));
        let mut expected = vec![
            (RPM_CODE.to_owned(), 12_500.0),
            (SPLIT_INPUT_CODE.to_owned(), 2_500_000.0),
            (SPLIT_OUTPUT_CODE.to_owned(), 500_000.0),
        ];
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(requested, expected);
        // No request of the combined TPM quota, which this stack does not watch.
        assert!(requested.iter().all(|(code, _)| code != TPM_CODE));
    });
}
