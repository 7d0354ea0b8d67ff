//! One quota thread per stack, repeat suppression and the append cooldown against the emulated AWS: what an
//! open case already carries is read from the marks of our bodies in the communications DescribeCases lists
//! with it, and the emulator's call log shows what was (not) filed.

use aws_sdk_support::Client as SupportClient;
use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_testkit::testbed::processor::{Account, QUOTA_SUBJECT, Testbed, event};
use notification_processor::{Report, RunMode};
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

/// The event fixture with its alarm's state change at `time` (CloudWatch's spelling): another transition of
/// the same alarm.
fn at(fixture: &str, time: &str) -> Value {
    let mut event = event(fixture);
    for record in event["Records"].as_array_mut().into_iter().flatten() {
        let message = &mut record["Sns"]["Message"];
        let mut alarm: Value = serde_json::from_str(message.as_str().unwrap()).unwrap();
        alarm["StateChangeTime"] = Value::String(time.to_owned());
        *message = Value::String(alarm.to_string());
    }
    event
}

async fn decide_at(testbed: &Testbed, fixture: &str, time: &str) -> Value {
    let mut reports = testbed
        .processor()
        .handle(&at(fixture, time), now_epoch(), RunMode::Live)
        .await
        .expect("handled");
    match reports.remove(0) {
        report @ Report::Handled(_) => report.to_json(true),
        other => panic!("{other:?}"),
    }
}

/// The operations of the calls made after the first `skip` calls.
fn operations_after(testbed: &Testbed, skip: usize) -> Vec<String> {
    testbed
        .calls()
        .into_iter()
        .skip(skip)
        .map(|c| c.operation)
        .collect()
}

fn count(operations: &[String], name: &str) -> usize {
    operations.iter().filter(|o| o.as_str() == name).count()
}

/// Opens the stack's Quota Request case as an earlier run (or a person) did; returns its display id.
async fn open_quota_case(testbed: &Testbed, body: &str) -> String {
    SupportClient::new(&testbed.sdk)
        .create_case()
        .subject(QUOTA_SUBJECT)
        .communication_body(body)
        .service_code("service-bedrock")
        .category_code("general-guidance")
        .severity_code("normal")
        .send()
        .await
        .unwrap();
    testbed.our_cases()[0].display_id.clone()
}

#[test]
fn an_open_quota_request_case_of_the_stack_takes_a_new_throttles_alarm_and_nothing_new_is_filed() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        let display_id = open_quota_case(&testbed, "A fallback case from two days ago.").await;
        let before = testbed.calls().len();

        let decision = testbed.decide("throttles-alarm.json").await;

        assert_eq!(types(&decision), ["append"]);
        assert_eq!(decision["actions"][0]["display_id"], display_id.as_str());
        let calls = operations_after(&testbed, before);
        assert_eq!(count(&calls, "RequestServiceQuotaIncrease"), 0, "{calls:?}");
        assert_eq!(count(&calls, "CreateCase"), 0, "{calls:?}");
        assert_eq!(count(&calls, "AddCommunicationToCase"), 1, "{calls:?}");
        assert!(testbed.quota_requests().is_empty());
        let case = &testbed.our_cases()[0];
        assert_eq!(case.communications.len(), 2);
        let appended = &case.communications[1].body;
        assert!(
            appended.starts_with("ESCALATION (CRITICAL): Throttles"),
            "{appended}"
        );
        assert!(appended.contains("from 10,000 to 12,500"), "{appended}");
        assert!(
            appended.contains("Bedrock Ops Alert reference: stack=")
                && appended.contains("alarms=Throttles asks=L-"),
            "{appended}"
        );
    });
}

#[test]
fn a_flapping_anomaly_alarm_is_appended_once_and_then_already_reported() {
    let account = Account::new(10_000, 6_250_000).peaks(120.0, 90_000.0);
    Testbed::run(&account, |testbed| async move {
        let display_id = open_quota_case(&testbed, "An earlier alarm.").await;
        let before = testbed.calls().len();

        let first = decide_at(
            &testbed,
            "invocation-anomaly-alarm.json",
            "2026-05-04T15:00:00.000+0000",
        )
        .await;
        let second = decide_at(
            &testbed,
            "invocation-anomaly-alarm.json",
            "2026-05-04T15:05:00.000+0000",
        )
        .await;
        let third = decide_at(
            &testbed,
            "invocation-anomaly-alarm.json",
            "2026-05-04T15:10:00.000+0000",
        )
        .await;

        assert_eq!(types(&first), ["append", "none:investigate_first"]);
        for repeat in [&second, &third] {
            assert_eq!(
                types(repeat),
                ["none:already_reported", "none:investigate_first"]
            );
            assert_eq!(repeat["actions"][0]["display_id"], display_id.as_str());
        }
        let calls = operations_after(&testbed, before);
        assert_eq!(count(&calls, "AddCommunicationToCase"), 1, "{calls:?}");
        assert_eq!(count(&calls, "CreateCase"), 0, "{calls:?}");
        let emails = testbed.emails();
        assert!(
            emails[2]
                .message
                .contains(&format!("already reported on open case {display_id}")),
            "{}",
            emails[2].message
        );
    });
}

/// Throttles at 15:00 and 15:10 on the stack's open Quota Request case under this cooldown setting: the two
/// decisions' action types, the appends made, the second e-mail.
fn throttles_twice(cooldown: &str) -> (Vec<Vec<String>>, usize, String) {
    let account = Account::new(10_000, 6_250_000)
        .peaks(9_500.0, 3_000_000.0)
        .setting("append-cooldown-minutes", cooldown);
    let mut seen = None;
    let slot = &mut seen;
    Testbed::run(&account, |testbed| async move {
        let display_id = open_quota_case(&testbed, "A fallback case.").await;
        let before = testbed.calls().len();
        let mut decisions = Vec::new();
        for time in [
            "2026-05-04T15:00:00.000+0000",
            "2026-05-04T15:10:00.000+0000",
        ] {
            let decision = decide_at(&testbed, "throttles-alarm.json", time).await;
            assert_eq!(decision["actions"][0]["display_id"], display_id.as_str());
            decisions.push(types(&decision));
        }
        let calls = operations_after(&testbed, before);
        assert_eq!(count(&calls, "RequestServiceQuotaIncrease"), 0, "{calls:?}");
        assert_eq!(count(&calls, "CreateCase"), 0, "{calls:?}");
        *slot = Some((
            decisions,
            count(&calls, "AddCommunicationToCase"),
            testbed.emails()[1].message.clone(),
        ));
    });
    seen.expect("ran")
}

#[test]
fn throttles_twice_within_the_cooldown_are_appended_once() {
    let (decisions, appends, email) = throttles_twice("60");

    assert_eq!(decisions, [vec!["append"], vec!["none:append_cooldown"]]);
    assert_eq!(appends, 1);
    assert!(email.contains("less than 60 minutes ago"), "{email}");
}

#[test]
fn throttles_twice_with_cooldown_0_are_appended_twice() {
    let (decisions, appends, _) = throttles_twice("0");

    assert_eq!(decisions, [vec!["append"], vec!["append"]]);
    assert_eq!(appends, 2);
}
