//! The two-phase quota flow against the emulated AWS with its realistic Service Quotas (no CaseId in the
//! request's answer, the case linked on a later read) and Support (AWS's automated reply about a minute
//! after the case opens). The tests play Lambda's event source mapping: they take each follow-up from the
//! queue once its delay has passed (moving the queue's clock on rather than waiting) and hand it to the
//! handler as an SQS event, with the handler's clock moved on by as much. No invocation sleeps.

use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_testkit::emulator::SupportCase;
use bedrock_ops_testkit::testbed::processor::{Account, RPM_CODE, TPM_CODE, Testbed};
use notification_processor::Report;
use serde_json::{Value, json};

/// The Lambda's answer to one follow-up event, `after` seconds from now.
async fn deliver(testbed: &Testbed, event: &Value, after: i64) -> Value {
    let now = now_epoch() + after;
    testbed
        .processor()
        .invoke(event, now, now + 30)
        .await
        .expect("the follow-up is handled")
}

/// The cases Service Quotas opened (not ours): one per linked request.
fn service_quotas_cases(testbed: &Testbed) -> Vec<SupportCase> {
    testbed
        .emulator
        .support_cases()
        .unwrap()
        .into_iter()
        .filter(|c| c.submitted_by == "servicequotas.amazonaws.com")
        .collect()
}

/// Our communications on a case.
fn ours(case: &SupportCase) -> Vec<&str> {
    case.communications
        .iter()
        .filter(|c| {
            c.submitted_by != "servicequotas.amazonaws.com"
                && c.submitted_by != "Amazon Web Services"
        })
        .map(|c| c.body.as_str())
        .collect()
}

#[test]
fn blog_throttles_each_case_service_quotas_opens_gets_the_context_once_and_an_email_names_it() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        testbed.emulator.set_support_auto_reply_after(0.0).unwrap();
        let decision = testbed.decide("throttles-alarm.json").await;
        assert_eq!(decision["scenario"], "high_usage");
        assert!(
            service_quotas_cases(&testbed).is_empty(),
            "no case linked yet"
        );

        // The e-mail carried both follow-ups: the queue's subscription delivered it raw, and nothing is due
        // before the queue's default delay (60 s): moto keeps delayed messages back.
        assert!(testbed.due_follow_ups(30).await.is_empty());
        let due = testbed.due_follow_ups(31).await;
        assert_eq!(
            due.len(),
            1,
            "one e-mail carrying the follow-up of each request"
        );
        let record = &due[0]["Records"][0];
        assert_eq!(
            record["body"],
            testbed.emails()[0].message,
            "raw delivery: the e-mail's text"
        );
        let carried = record["messageAttributes"]["bedrock_ops_follow_up"]["stringValue"]
            .as_str()
            .expect("the follow-ups as the message attribute");
        assert_eq!(
            bedrock_ops_core::follow_up::parse_carried(carried)
                .unwrap()
                .len(),
            2
        );
        // One invocation makes the look of each request (each links its case, as AWS does moments after
        // the request, and finds the reply).
        let answer = deliver(&testbed, &due[0], 61).await;
        assert_eq!(answer, json!({"batchItemFailures": []}));

        let cases = service_quotas_cases(&testbed);
        assert_eq!(cases.len(), 2);
        for case in &cases {
            let ours = ours(case);
            assert_eq!(ours.len(), 1, "exactly one communication from us: {ours:?}");
            let body = ours[0];
            for expected in ["9,500", "8,000", "Please expedite", "(+25 %)"] {
                assert!(body.contains(expected), "{expected}: {body}");
            }
            assert!(body.contains(RPM_CODE) || body.contains(TPM_CODE), "{body}");
        }
        let emails = testbed.emails();
        assert_eq!(emails.len(), 3, "the alarm's and one per request");
        for case in &cases {
            assert!(
                emails.iter().any(|e| e
                    .subject
                    .as_deref()
                    .unwrap_or_default()
                    .contains(&case.display_id)
                    && e.message
                        .contains(&format!("displayId={}", case.display_id))),
                "an e-mail names case {}",
                case.display_id
            );
        }

        // Redelivery of a follow-up and of the alarm changes nothing.
        deliver(&testbed, &due[0], 62).await;
        let again = testbed.report("throttles-alarm.json").await;
        assert!(matches!(again, Report::AlreadyHandled { .. }), "{again:?}");
        assert!(testbed.due_follow_ups(3_600).await.is_empty());
        for case in service_quotas_cases(&testbed) {
            assert_eq!(ours(&case).len(), 1);
        }
        assert_eq!(testbed.emails().len(), 3);
    });
}

#[test]
fn follow_up_waits_for_aws_first_reply_then_appends_without_sleeping() {
    let account = Account::new(200, 200_000).peaks(150.0, 210_000.0);
    Testbed::run(&account, |testbed| async move {
        testbed
            .emulator
            .set_support_auto_reply_after(3_600.0)
            .unwrap();
        testbed.decide("high-tpm-quota-usage-alarm.json").await;
        let first = testbed.due_follow_ups(60).await;
        assert_eq!(first.len(), 1);
        let started = std::time::Instant::now();
        deliver(&testbed, &first[0], 60).await;
        assert!(started.elapsed().as_secs() < 10, "no invocation waits");
        // Linked, but AWS has not replied yet: no append, the next look is scheduled 2 minutes on.
        let cases = service_quotas_cases(&testbed);
        assert_eq!(cases.len(), 1);
        assert!(ours(&cases[0]).is_empty());
        assert_eq!(testbed.emails().len(), 1);
        assert!(testbed.due_follow_ups(60).await.is_empty());
        let second = testbed.due_follow_ups(61).await;
        assert_eq!(second.len(), 1);
        // Five minutes after the request the context goes even without the reply.
        deliver(&testbed, &second[0], 301).await;
        let cases = service_quotas_cases(&testbed);
        assert_eq!(ours(&cases[0]).len(), 1);
        assert_eq!(testbed.emails().len(), 2);
    });
}

#[test]
fn follow_up_that_finds_the_request_approved_emails_the_new_value_and_appends_nothing() {
    let account = Account::new(200, 200_000).peaks(150.0, 210_000.0);
    Testbed::run(&account, |testbed| async move {
        testbed.decide("high-tpm-quota-usage-alarm.json").await;
        let request = testbed.emulator.quota_requests().unwrap().remove(0);
        testbed
            .emulator
            .set_request_status(&request.id, "APPROVED")
            .unwrap();
        let due = testbed.due_follow_ups(60).await;
        deliver(&testbed, &due[0], 60).await;
        let emails = testbed.emails();
        assert_eq!(emails.len(), 2);
        assert!(
            emails[1]
                .subject
                .as_deref()
                .unwrap()
                .contains("quota increase approved")
        );
        assert!(
            emails[1].message.contains("250,000"),
            "{}",
            emails[1].message
        );
        assert!(
            service_quotas_cases(&testbed)
                .iter()
                .all(|c| ours(c).is_empty())
        );
        assert!(testbed.due_follow_ups(3_600).await.is_empty());
    });
}

#[test]
fn follow_up_of_a_request_never_linked_gives_up_after_the_limit_with_one_email() {
    let account = Account::new(200, 200_000).peaks(150.0, 210_000.0);
    Testbed::run(&account, |testbed| async move {
        testbed.emulator.set_quota_case_linking(1_000, 1e9).unwrap();
        testbed.decide("high-tpm-quota-usage-alarm.json").await;
        let mut elapsed = 0_i64;
        let mut looks = 0;
        loop {
            let due = testbed.due_follow_ups(900).await;
            if due.is_empty() {
                break;
            }
            elapsed += 900;
            looks += 1;
            assert!(looks < 20, "the follow-up ends");
            deliver(&testbed, &due[0], elapsed).await;
        }
        let emails = testbed.emails();
        assert_eq!(emails.len(), 2, "the alarm's and the final one");
        assert!(
            emails[1]
                .subject
                .as_deref()
                .unwrap()
                .contains("no Support case linked yet")
        );
        assert!(elapsed >= 7_200, "{elapsed}");
    });
}

#[test]
fn a_follow_up_whose_case_append_fails_goes_back_to_the_queue_and_appends_once_later() {
    let account = Account::new(200, 200_000).peaks(150.0, 210_000.0);
    Testbed::run(&account, |testbed| async move {
        use bedrock_ops_testkit::emulator::Fault;
        testbed.emulator.set_support_auto_reply_after(0.0).unwrap();
        testbed.decide("high-tpm-quota-usage-alarm.json").await;
        let due = testbed.due_follow_ups(60).await;
        testbed
            .emulator
            .add_fault(
                &Fault::error(
                    "support",
                    "AddCommunicationToCase",
                    "InternalServerError",
                    500,
                )
                .times(3),
            )
            .unwrap();
        let answer = deliver(&testbed, &due[0], 60).await;
        let id = due[0]["Records"][0]["messageId"].clone();
        assert_eq!(
            answer,
            json!({"batchItemFailures": [{"itemIdentifier": id}]})
        );
        testbed.emulator.clear_faults().unwrap();
        // The mapping delivers the same message again after its visibility timeout.
        deliver(&testbed, &due[0], 240).await;
        let cases = service_quotas_cases(&testbed);
        assert_eq!(ours(&cases[0]).len(), 1);
        assert_eq!(testbed.emails().len(), 2);
    });
}

#[test]
fn only_the_emails_carrying_follow_ups_reach_the_queue() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        // A non-quota alarm files a case, not a request: its e-mail carries nothing and stays off the queue.
        testbed.decide("server-errors-alarm.json").await;
        assert_eq!(testbed.emails().len(), 1);
        assert!(testbed.due_follow_ups(3_600).await.is_empty());
    });
}

#[test]
fn without_an_email_due_the_follow_up_is_sent_on_the_queue_and_still_appends() {
    let account = Account::new(200, 200_000)
        .peaks(150.0, 210_000.0)
        .setting("notification-preference", "critical");
    Testbed::run(&account, |testbed| async move {
        testbed.emulator.set_support_auto_reply_after(0.0).unwrap();
        testbed.decide("high-tpm-quota-usage-alarm.json").await;
        assert!(
            testbed.emails().is_empty(),
            "the preference filters the warning"
        );
        assert!(testbed.due_follow_ups(59).await.is_empty());
        let due = testbed.due_follow_ups(1).await;
        assert_eq!(due.len(), 1);
        assert!(
            due[0]["Records"][0]["messageAttributes"]
                .as_object()
                .unwrap()
                .is_empty()
        );
        deliver(&testbed, &due[0], 61).await;
        let cases = service_quotas_cases(&testbed);
        assert_eq!(cases.len(), 1);
        assert_eq!(ours(&cases[0]).len(), 1);
        assert!(testbed.emails().is_empty());
    });
}

#[test]
fn a_request_answered_with_its_case_gets_the_context_in_the_same_invocation_and_no_follow_up() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        testbed.emulator.set_quota_case_instant(true).unwrap();
        let decision = testbed.decide("throttles-alarm.json").await;
        assert_eq!(decision["scenario"], "high_usage");
        let cases = service_quotas_cases(&testbed);
        assert_eq!(cases.len(), 2);
        let email = &testbed.emails()[0].message;
        for case in &cases {
            let ours = ours(case);
            assert_eq!(ours.len(), 1, "exactly one communication from us: {ours:?}");
            assert!(ours[0].contains("Please expedite"), "{}", ours[0]);
            assert!(email.contains(&case.display_id), "{email}");
        }
        assert!(
            email.contains("Our usage-validated context was added to it."),
            "{email}"
        );
        assert!(
            testbed.due_follow_ups(3_600).await.is_empty(),
            "no follow-up"
        );
        let again = testbed.report("throttles-alarm.json").await;
        assert!(matches!(again, Report::AlreadyHandled { .. }), "{again:?}");
        for case in service_quotas_cases(&testbed) {
            assert_eq!(ours(&case).len(), 1);
        }
    });
}
