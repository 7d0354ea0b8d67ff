//! `follow-up --event FILE [--json]` against the local AWS emulator with its realistic Service Quotas (no
//! case in the request's answer) and Support (AWS's automated reply a minute after a case opens): a request
//! filed with `process`, then the follow-up it scheduled taken off the queue and run by the operator, as the
//! SQS event the Lambda receives and as the bare message. Each look as the rules make it: nothing linked yet
//! (the next look scheduled), linked but AWS has not replied (again), then the context appended once and an
//! e-mail naming the case; the same message run again adds nothing.

use std::path::{Path, PathBuf};

use bedrock_ops_testkit::testbed::processor::{Account, TPM_CODE, Testbed, fixtures_dir};
use serde_json::Value;

mod common;
use common::{cli, succeeded};

/// `follow-up --event FILE --json`: the one look's report.
fn look(testbed: &Testbed, file: &str) -> Value {
    let out: Value = serde_json::from_str(&succeeded(&cli(
        testbed,
        &["follow-up", "--event", file, "--json"],
    )))
    .expect("stdout is JSON");
    let reports = out.as_array().expect("an array of reports");
    assert_eq!(reports.len(), 1, "{out}");
    reports[0].clone()
}

fn workdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("follow-up-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, value: &Value) -> String {
    std::fs::write(path, value.to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

/// The one follow-up due `seconds` from now, as the SQS event the Lambda receives.
fn due(testbed: &Testbed, seconds: u32) -> Value {
    let mut events = testbed
        .emulator
        .due_sqs_events(&testbed.queue_url, seconds)
        .expect("the queue is read");
    assert_eq!(events.len(), 1, "one follow-up due: {events:?}");
    events.remove(0)
}

/// The report's keys, sorted.
fn keys(report: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn follow_up_runs_each_look_as_the_lambda_would_and_adds_the_context_once() {
    // A TPM alarm with usage above its threshold: one Service Quotas request, one follow-up.
    let account = Account::new(200, 200_000).peaks(150.0, 210_000.0);
    Testbed::run(&account, |testbed| async move {
        let dir = workdir();
        let alarm = fixtures_dir().join("high-tpm-quota-usage-alarm.json");
        let filed = succeeded(&cli(
            &testbed,
            &["process", "--event", &alarm.to_string_lossy(), "--json"],
        ));
        let filed: Value = serde_json::from_str(&filed).unwrap();
        assert_eq!(filed["actions"][0]["type"], "quota_request", "{filed}");
        assert!(
            filed["email"]["body"]
                .as_str()
                .unwrap()
                .contains("context will be added to the case it opens"),
            "the first e-mail says the follow-up is scheduled: {filed}"
        );
        let request_id = filed["actions"][0]["request_id"]
            .as_str()
            .unwrap()
            .to_owned();

        // Look 0, from the SQS event file, before Service Quotas has linked a case: looked again later.
        testbed.emulator.set_quota_case_linking(1_000, 1e9).unwrap();
        let sqs_event = write(&dir.join("look-0.sqs.json"), &due(&testbed, 60));
        let report = look(&testbed, &sqs_event);
        assert_eq!(
            keys(&report),
            [
                "attempt",
                "email",
                "next_look_in_seconds",
                "request_id",
                "result",
                "status"
            ]
        );
        assert_eq!(report["request_id"], request_id.as_str());
        assert_eq!(report["attempt"], 0);
        assert_eq!(report["result"], "look_again");
        assert_eq!(report["status"], "PENDING");
        assert_eq!(report["next_look_in_seconds"], 120);
        assert_eq!(report["email"], "none");
        assert!(testbed.emulator.service_quotas_cases().unwrap().is_empty());

        // Look 1, from the bare message (e.g. one taken from the dead-letter queue): the case is linked now,
        // but AWS's automated reply is not on it yet, so the context waits for the next look.
        testbed.emulator.set_quota_case_linking(1, 30.0).unwrap();
        let event = due(&testbed, 120);
        let bare: Value = serde_json::from_str(event["Records"][0]["body"].as_str().unwrap())
            .expect("the message body is JSON");
        let bare = write(&dir.join("look-1.message.json"), &bare);
        let report = look(&testbed, &bare);
        assert_eq!(report["attempt"], 1);
        assert_eq!(report["result"], "look_again");
        assert_eq!(report["status"], "CASE_OPENED");
        assert_eq!(report["next_look_in_seconds"], 240);
        let cases = testbed.emulator.service_quotas_cases().unwrap();
        assert_eq!(cases.len(), 1);
        let display_id = cases[0].display_id.clone();
        assert_eq!(report["case"], display_id.as_str());
        assert!(cases[0].ours().is_empty());

        // Look 2, four minutes on (Support's clock moved on too: AWS has replied): the context is added and
        // the e-mail names the case.
        testbed.emulator.advance_support(240).unwrap();
        let sqs_event = write(&dir.join("look-2.sqs.json"), &due(&testbed, 240));
        let report = look(&testbed, &sqs_event);
        assert_eq!(
            keys(&report),
            ["attempt", "case", "email", "request_id", "result", "status"]
        );
        assert_eq!(report["attempt"], 2);
        assert_eq!(report["result"], "context_added");
        assert_eq!(report["case"], display_id.as_str());
        assert_eq!(report["email"], "published");
        let ours_now: Vec<String> = testbed.emulator.service_quotas_cases().unwrap()[0]
            .ours()
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(ours_now.len(), 1, "{ours_now:?}");
        assert!(ours_now[0].contains(&request_id), "{}", ours_now[0]);
        assert!(ours_now[0].contains(TPM_CODE), "{}", ours_now[0]);
        let emails = testbed.emails();
        assert_eq!(emails.len(), 2, "the alarm's and the follow-up's");
        assert!(
            emails[1].subject.as_deref().unwrap().contains(&display_id),
            "{:?}",
            emails[1].subject
        );
        assert!(
            emails[1]
                .message
                .contains(&format!("displayId={display_id}"))
        );
        assert!(
            testbed
                .emulator
                .due_sqs_events(&testbed.queue_url, 3_600)
                .unwrap()
                .is_empty(),
            "a look that added the context schedules no other"
        );

        // The same message again (a redelivery, or an operator's second run): nothing is added again.
        let text = succeeded(&cli(&testbed, &["follow-up", "--event", &sqs_event]));
        assert_eq!(
            text,
            format!("request {request_id} (look 2): already_handled, e-mail none\n")
        );
        assert_eq!(
            testbed.emulator.service_quotas_cases().unwrap()[0]
                .ours()
                .len(),
            1
        );
        assert_eq!(testbed.emails().len(), 2);
        std::fs::remove_dir_all(&dir).ok();
    });
}

#[test]
fn follow_up_refuses_what_is_not_a_follow_up_with_a_clear_error() {
    let account = Account::new(200, 200_000);
    Testbed::run(&account, |testbed| async move {
        let dir = workdir();
        for (name, value) in [
            (
                "foreign.json",
                serde_json::json!({"kind": "bedrock-ops-alert.quota-follow-up", "version": 1}),
            ),
            ("empty-batch.json", serde_json::json!({"Records": []})),
        ] {
            let file = write(&dir.join(name), &value);
            let out = cli(&testbed, &["follow-up", "--event", &file, "--json"]);
            assert!(!out.status.success(), "{name} accepted");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("follow-up") || stderr.contains("SQS"),
                "{name}: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        }
        assert!(testbed.emails().is_empty());
        std::fs::remove_dir_all(&dir).ok();
    });
}
