//! `simulate` and `process` against the local AWS emulator, through the normal AWS configuration chain
//! (`AWS_ENDPOINT_URL`), on the shared event fixtures.

use bedrock_ops_testkit::testbed::processor::{
    Account, LEDGER_TABLE, RPM_CODE, TPM_CODE, Testbed, fixtures_dir,
};

mod common;
use common::{cli, json};

fn fixture(name: &str) -> String {
    fixtures_dir().join(name).to_string_lossy().into_owned()
}

#[test]
fn simulate_prints_the_decision_and_touches_nothing() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        let out = json(&cli(
            &testbed,
            &[
                "simulate",
                "--event",
                &fixture("throttles-alarm.json"),
                "--json",
            ],
        ));

        assert_eq!(out["class"], "both");
        assert_eq!(out["scenario"], "high_usage");
        assert_eq!(out["severity"], "critical");
        let actions = out["actions"].as_array().unwrap();
        assert_eq!(actions.len(), 2);
        assert_eq!(actions[0]["type"], "none");
        assert_eq!(actions[0]["reason"], "dry_run");
        assert_eq!(actions[0]["would"], "quota_request");
        assert_eq!(actions[0]["quota_code"], RPM_CODE);
        assert_eq!(actions[0]["desired"], 12_500);
        assert_eq!(
            out["email"]["subject"],
            "🔴 [CRITICAL] Acme - Bedrock Ops Alert - Opus-4-6 - Quota Request"
        );
        assert!(
            out["email"]["body"]
                .as_str()
                .unwrap()
                .contains("Would have requested")
        );

        let services: Vec<String> = testbed.calls().into_iter().map(|c| c.operation).collect();
        for forbidden in [
            "RequestServiceQuotaIncrease",
            "CreateCase",
            "AddCommunicationToCase",
            "Publish",
            "UpdateItem",
            "TransactWriteItems",
            "PutItem",
        ] {
            assert!(
                !services.iter().any(|s| s == forbidden),
                "{forbidden} in {services:?}"
            );
        }
        assert!(testbed.emulator.quota_requests().unwrap().is_empty());
        assert!(testbed.emails().is_empty());
    });
}

#[test]
fn simulate_shows_the_context_each_follow_up_would_append_in_json_and_text() {
    // The blog's first example: a critical Throttles alarm with a 9,500 RPM peak against an 8,000 threshold.
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        let event = fixture("throttles-alarm.json");
        let out = json(&cli(&testbed, &["simulate", "--event", &event, "--json"]));
        let contexts = out["follow_up_context"]
            .as_array()
            .expect("follow_up_context");
        let codes: Vec<&str> = contexts
            .iter()
            .map(|c| c["quota_code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, [RPM_CODE, TPM_CODE], "one entry per request");
        for context in contexts {
            let body = context["body"].as_str().unwrap();
            let code = context["quota_code"].as_str().unwrap();
            for expected in [
                "Context for Service Quotas request <request id>",
                code,
                "9,500",
                "8,000",
                "(+25 %)",
                "Please expedite",
                "Customer-support assistant for the EMEA contact centre",
            ] {
                assert!(
                    body.contains(expected),
                    "{expected:?} in {code}'s context:\n{body}"
                );
            }
            assert!(body.len() <= 8_000, "bounded like every case body");
        }
        assert!(contexts[0]["body"].as_str().unwrap().contains("12,500"));
        assert!(contexts[1]["body"].as_str().unwrap().contains("7,812,500"));

        let text = cli(&testbed, &["simulate", "--event", &event]);
        assert!(text.status.success());
        let text = String::from_utf8(text.stdout).unwrap();
        for code in [RPM_CODE, TPM_CODE] {
            assert!(
                text.contains(&format!(
                    "follow-up context for {code} (appended to the case Service Quotas opens for the request):"
                )),
                "{text}"
            );
        }
        assert_eq!(text.matches("Please expedite").count(), 2, "{text}");
        assert!(text.contains("9,500"), "{text}");
        assert!(testbed.emulator.quota_requests().unwrap().is_empty());
        assert!(testbed.emulator.support_cases().unwrap().is_empty());
    });
}

#[test]
fn process_prints_no_follow_up_context_it_schedules_the_follow_up_instead() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        let out = json(&cli(
            &testbed,
            &[
                "process",
                "--event",
                &fixture("throttles-alarm.json"),
                "--json",
            ],
        ));
        assert_eq!(out["actions"][0]["type"], "quota_request");
        assert!(out.get("follow_up_context").is_none(), "{out}");
    });
}

#[test]
fn simulate_reads_a_bare_alarm_message_and_prints_text() {
    let account = Account::new(10_000, 6_250_000).peaks(120.0, 90_000.0);
    Testbed::run(&account, |testbed| async move {
        let out = cli(
            &testbed,
            &[
                "simulate",
                "--event",
                &fixture("server-errors-alarm-message.json"),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with("class non_quota, scenario non_quota, severity critical"),
            "{text}"
        );
        assert!(text.contains("would=support_case"), "{text}");
        assert!(text.contains(
            "Subject: 🔴 [CRITICAL] Acme - Bedrock Ops Alert - Opus-4-6 - Investigation Request"
        ));
    });
}

#[test]
fn process_replays_a_missed_alarm_once() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        let first = json(&cli(
            &testbed,
            &[
                "process",
                "--event",
                &fixture("throttles-alarm.json"),
                "--json",
            ],
        ));
        let again = json(&cli(
            &testbed,
            &[
                "process",
                "--event",
                &fixture("throttles-alarm.json"),
                "--json",
            ],
        ));

        assert_eq!(first["result"], "handled");
        assert_eq!(first["actions"][0]["type"], "quota_request");
        assert_eq!(first["email"]["status"], "published");
        assert_eq!(again["result"], "already_handled");
        assert_eq!(testbed.emulator.quota_requests().unwrap().len(), 2);
        assert_eq!(testbed.emails().len(), 1);
        assert!(
            ledger_has_the_transition(&testbed).await,
            "in {LEDGER_TABLE}"
        );
    });
}

/// Whether the ledger holds the fixture's transition, read with the adapter the processor uses.
async fn ledger_has_the_transition(testbed: &Testbed) -> bool {
    use bedrock_ops_aws::Ledger;
    let ledger = bedrock_ops_aws::AwsClients::new(&testbed.sdk).ledger(LEDGER_TABLE);
    let key = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Acme-Bedrock-Throttles-Critical-Opus-4-6|ALARM|2026-05-04T14:52:48.069+0000";
    ledger.get(key).await.unwrap().is_some()
}
