//! The blog's six worked examples, end to end against the emulated AWS: the seeded quotas, thresholds and
//! per-minute metrics realise each example's numbers, the handler runs as the Lambda runs it, and the
//! assertions read what the emulated services now hold.

use bedrock_ops_testkit::testbed::processor::{
    Account, INVESTIGATION_SUBJECT, QUOTA_SUBJECT, RPM_CODE, TPM_CODE, Testbed,
};
use serde_json::Value;

fn action_types(decision: &Value) -> Vec<&str> {
    decision["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect()
}

#[test]
fn blog_throttles_peak_9500_over_8000_is_high_usage_and_requests_rpm_and_tpm() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("throttles-alarm.json").await;

        assert_eq!(decision["scenario"], "high_usage");
        assert_eq!(decision["expedited"], true);
        assert_eq!(decision["class"], "both");
        assert_eq!(decision["severity"], "critical");
        assert_eq!(
            testbed.quota_requests(),
            [
                (RPM_CODE.to_owned(), 12_500.0),
                (TPM_CODE.to_owned(), 7_812_500.0)
            ]
        );
        assert!(testbed.our_cases().is_empty());
        // As AWS answers: no case linked yet in RequestServiceQuotaIncrease's answer; the follow-up carries
        // the context to it (tests/emulator_follow_up.rs).
        let rpm_request = &decision["actions"][0];
        assert!(rpm_request.get("display_id").is_none(), "{rpm_request}");
        let emails = testbed.emails();
        assert_eq!(emails.len(), 1);
        let email = &emails[0];
        assert!(
            email
                .message
                .contains("our usage-validated context will be added to the case it opens"),
            "{}",
            email.message
        );
        assert_eq!(
            email.subject.as_deref(),
            Some("🔴 [CRITICAL] Acme - Bedrock Ops Alert - Opus-4-6 - Quota Request")
        );
        for expected in ["9,500", "8,000", "12,500", "7,812,500"] {
            assert!(
                email.message.contains(expected),
                "{expected}: {}",
                email.message
            );
        }
    });
}

#[test]
fn blog_high_tpm_quota_usage_peak_210000_over_160000_requests_tpm_only() {
    let account = Account::new(200, 200_000).peaks(150.0, 210_000.0);
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("high-tpm-quota-usage-alarm.json").await;

        assert_eq!(decision["scenario"], "high_usage");
        assert_eq!(decision["expedited"], false);
        assert_eq!(decision["class"], "tpm");
        assert_eq!(testbed.quota_requests(), [(TPM_CODE.to_owned(), 250_000.0)]);
        let emails = testbed.emails();
        assert_eq!(emails.len(), 1);
        assert!(
            emails[0]
                .subject
                .as_deref()
                .unwrap()
                .starts_with("🟡 [WARNING]")
        );
        assert!(emails[0].message.contains("210,000"));
    });
}

#[test]
fn blog_invocation_anomaly_peak_5578_under_8000_is_low_usage_with_an_investigate_first_case() {
    let account = Account::new(10_001, 6_250_000).peaks(5_578.0, 3_404_691.0);
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("invocation-anomaly-alarm.json").await;

        assert_eq!(decision["scenario"], "low_usage");
        assert_eq!(action_types(&decision), ["support_case", "none"]);
        assert_eq!(decision["actions"][1]["reason"], "investigate_first");
        assert!(testbed.quota_requests().is_empty());
        let cases = testbed.our_cases();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].subject, QUOTA_SUBJECT);
        assert_eq!(cases[0].service_code, "service-bedrock");
        assert_eq!(cases[0].category_code, "general-guidance");
        assert_eq!(cases[0].issue_type, "technical");
        assert_eq!(cases[0].language, "en");
        let body = &cases[0].communications[0].body;
        assert!(body.contains("investigating the cause first"), "{body}");
        assert!(body.contains("for reference only"), "{body}");
        assert!(body.contains("from 10,001 to 12,502"), "{body}");
        assert_eq!(
            decision["actions"][0]["display_id"],
            cases[0].display_id.as_str()
        );
        let email = &testbed.emails()[0].message;
        assert!(email.contains(&cases[0].display_id), "{email}");
    });
}

#[test]
fn blog_client_errors_peaks_50_and_80000_are_low_usage_with_both_increases_for_reference() {
    let account = Account::new(200, 200_000).peaks(50.0, 80_000.0);
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("client-errors-alarm.json").await;

        assert_eq!(decision["scenario"], "low_usage");
        assert_eq!(decision["class"], "both");
        assert!(testbed.quota_requests().is_empty());
        let cases = testbed.our_cases();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].severity_code, "high");
        let body = &cases[0].communications[0].body;
        assert!(body.contains("from 200 to 250"), "{body}");
        assert!(body.contains("from 200,000 to 250,000"), "{body}");
    });
}

#[test]
fn blog_input_token_anomaly_on_a_model_without_history_is_new_model_and_requests_tpm() {
    let account = Account::new(200, 500_000);
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("input-token-anomaly-alarm.json").await;

        assert_eq!(decision["scenario"], "new_model");
        assert_eq!(testbed.quota_requests(), [(TPM_CODE.to_owned(), 625_000.0)]);
        assert!(testbed.emails()[0].message.contains("625,000"));
    });
}

#[test]
fn blog_server_errors_are_non_quota_and_open_an_investigation_case() {
    let account = Account::new(10_000, 6_250_000).peaks(120.0, 90_000.0);
    Testbed::run(&account, |testbed| async move {
        let decision = testbed.decide("server-errors-alarm.json").await;

        assert_eq!(decision["scenario"], "non_quota");
        assert_eq!(decision["class"], "non_quota");
        assert_eq!(action_types(&decision), ["support_case"]);
        assert!(testbed.quota_requests().is_empty());
        let cases = testbed.our_cases();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].subject, INVESTIGATION_SUBJECT);
        assert!(
            cases[0].communications[0]
                .body
                .contains("no quota increase is requested")
        );
        assert!(
            testbed.emails()[0]
                .subject
                .as_deref()
                .unwrap()
                .ends_with("Investigation Request")
        );
    });
}
