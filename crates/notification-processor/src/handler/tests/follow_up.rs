//! Tests of the two-phase quota flow over the in-memory fakes: the alarm schedules one follow-up per request,
//! and each look appends the context once, reports the outcome, or looks again later. Named after the rule.

use bedrock_ops_aws::queue::Delayed;
use bedrock_ops_core::follow_up::{self as rules, FollowUp, GIVE_UP_AFTER_SECONDS};

use super::*;
use crate::handler::test_support::*;

/// The follow-ups the alarm's e-mails carry (the queue's subscription delivers them after its default delay,
/// the first back-off step), parsed.
fn carried(world: &World) -> Vec<(FollowUp, u32)> {
    world
        .notifier
        .published()
        .iter()
        .flat_map(|m| m.attributes.iter())
        .filter(|(name, _)| name == rules::FOLLOW_UP_ATTRIBUTE)
        .flat_map(|(_, value)| rules::parse_carried(value).unwrap())
        .map(|f| (f, rules::BACKOFF_SECONDS[0]))
        .collect()
}

/// The follow-ups the processor put on the queue itself, parsed.
fn queued(world: &World) -> Vec<(FollowUp, u32)> {
    world
        .queue
        .take()
        .into_iter()
        .map(
            |Delayed {
                 body,
                 delay_seconds,
             }| (rules::parse(&body).unwrap(), delay_seconds),
        )
        .collect()
}

/// An SQS event of one message, as the event source mapping delivers it.
fn sqs_event(message: &FollowUp, id: &str) -> Value {
    json!({"Records": [{
        "messageId": id,
        "receiptHandle": "handle",
        "body": message.to_json(),
        "attributes": {},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:follow-ups",
        "awsRegion": "us-east-1"
    }]})
}

async fn look(world: &World, message: &FollowUp, at: i64) -> FollowUpReport {
    let (mut reports, failed) = world
        .processor()
        .follow_ups(&sqs_event(message, "m-1"), at, at + 60)
        .await
        .unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    reports.remove(0)
}

/// The blog's first example: both quotas requested, no case linked in the answer (as AWS does). The
/// follow-ups, carried by the e-mail or (no e-mail due) sent on the queue.
async fn throttles_with_high_usage(world: &World) -> Vec<(FollowUp, u32)> {
    world.usage(9_500.0, 3_000_000.0);
    world.decide(&alarm("Throttles", "Critical")).await;
    let mut follow_ups = carried(world);
    follow_ups.extend(queued(world));
    follow_ups
}

/// The queue's subscription delivering an e-mail that carries follow-ups, raw: the e-mail's text as the body,
/// the follow-ups as the message attribute.
fn delivered_email(world: &World, id: &str) -> Value {
    let email = world
        .notifier
        .published()
        .into_iter()
        .find(|m| !m.attributes.is_empty())
        .expect("an e-mail carrying follow-ups");
    let (name, value) = &email.attributes[0];
    json!({"Records": [{
        "messageId": id,
        "receiptHandle": "handle",
        "body": email.body,
        "attributes": {},
        "messageAttributes": {name: {"stringValue": value, "stringListValues": [],
            "binaryListValues": [], "dataType": "String"}},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:follow-ups",
        "awsRegion": "us-east-1"
    }]})
}

/// Service Quotas links a case to `request` and AWS posts its automated reply on it.
fn link_case(world: &World, request: &str, display_id: &str, aws_replied: bool) -> String {
    let (case_id, _) = world.support.seed_open_case("Service Quotas increase", 0);
    let display = world
        .support
        .cases()
        .into_iter()
        .find(|c| c.case_id == case_id)
        .and_then(|c| c.display_id)
        .unwrap();
    world
        .quotas
        .set_request_status(request, ChangeStatus::CaseOpened, Some(&display));
    if aws_replied {
        world.support.reply_as_aws(&case_id);
    }
    let _ = display_id;
    case_id
}

#[tokio::test]
async fn a_quota_request_without_case_id_schedules_a_follow_up_and_the_first_email_says_so() {
    let world = World::new();
    let follow_ups = throttles_with_high_usage(&world).await;

    assert_eq!(follow_ups.len(), 2);
    // Carried by the one e-mail: nothing was sent on the queue, one Publish scheduled both.
    assert!(world.queue.sent().is_empty());
    let published = world.notifier.published();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].attributes.len(), 1);
    let (first, delay) = &follow_ups[0];
    assert_eq!(*delay, 60);
    assert_eq!(first.request_id, "req-1");
    assert_eq!(first.attempt, 0);
    assert!(first.critical && first.notify);
    assert!(
        first
            .context
            .contains("Context for Service Quotas request req-1")
    );
    assert!(
        first.context.contains("Please expedite"),
        "{}",
        first.context
    );
    let email = &world.emails()[0].1;
    assert!(
        email.contains("our usage-validated context will be added to the case it opens"),
        "{email}"
    );
    assert!(
        !email.contains("expedited handling is asked for."),
        "the first e-mail must not claim AWS was asked already: {email}"
    );
}

#[tokio::test]
async fn without_a_queue_no_follow_up_is_scheduled_and_the_email_says_so() {
    let world = World::new();
    let mut config = config();
    config.follow_up_queue_url = None;
    world.usage(9_500.0, 3_000_000.0);
    let processor = Processor::new(world.processor().ports().clone(), config, "us-east-1");
    processor
        .handle(&alarm("Throttles", "Critical"), world.now, RunMode::Live)
        .await
        .unwrap();
    assert!(world.queue.sent().is_empty());
    assert!(world.notifier.published()[0].attributes.is_empty());
    assert!(
        world.emails()[0]
            .1
            .contains("follow-up could not be scheduled")
    );
}

#[tokio::test]
async fn a_refused_send_files_the_request_anyway_and_the_email_says_the_context_cannot_follow() {
    // Sent on the queue only when no e-mail carries them: a retry whose recorded e-mail is out already.
    let world = World::new();
    world.set("notification-preference", "warning");
    world.queue.fail_always(
        "SendMessageBatch",
        AwsError::from_code("sqs", "SendMessageBatch", "AccessDenied", "no", Some(403)),
    );
    world.usage(9_500.0, 3_000_000.0);
    let decision = world.decide(&alarm("Throttles", "Critical")).await;
    assert_eq!(world.filed_requests().len(), 2);
    assert!(
        world.emails().is_empty(),
        "the preference filters the e-mail"
    );
    assert!(
        decision
            .email
            .body
            .contains("follow-up could not be scheduled"),
        "{}",
        decision.email.body
    );
}

#[tokio::test]
async fn without_an_email_due_the_follow_ups_go_on_the_queue_with_the_first_delay() {
    let world = World::new();
    world.set("notification-preference", "warning");
    world.usage(9_500.0, 3_000_000.0);
    let decision = world.decide(&alarm("Throttles", "Critical")).await;
    assert!(world.emails().is_empty());
    let sent = queued(&world);
    assert_eq!(sent.len(), 2);
    assert!(sent.iter().all(|(f, delay)| *delay == 60 && !f.notify));
    assert!(
        decision
            .email
            .body
            .contains("our usage-validated context will be added to the case it opens")
    );
}

/// Blog 1's e-mail as the queue's subscription delivers it, with req-1's case linked (AWS replied) and req-2
/// approved meanwhile.
async fn blog_one_email_delivered(world: &World) -> Value {
    throttles_with_high_usage(world).await;
    link_case(world, "req-1", "", true);
    world
        .quotas
        .set_request_status("req-2", ChangeStatus::Approved, None);
    delivered_email(world, "m-1")
}

/// The looks of a delivered message `after` seconds on, and the ids of those that failed.
async fn deliver(world: &World, event: &Value, after: i64) -> (Vec<FollowUpReport>, Vec<String>) {
    let at = world.now + after;
    world
        .processor()
        .follow_ups(event, at, at + 60)
        .await
        .unwrap()
}

#[tokio::test]
async fn one_delivered_email_makes_the_looks_of_both_its_requests_at_once() {
    let world = World::new();
    let event = blog_one_email_delivered(&world).await;

    let (reports, failed) = deliver(&world, &event, 60).await;

    assert!(failed.is_empty(), "{failed:?}");
    let results: Vec<_> = reports
        .iter()
        .map(|r| (r.request_id.as_str(), r.result))
        .collect();
    assert_eq!(
        results,
        [
            ("req-1", FollowUpResult::ContextAdded),
            ("req-2", FollowUpResult::Approved)
        ]
    );
    assert_eq!(world.support.appended().len(), 1);
    assert_eq!(world.emails().len(), 3, "the alarm's and one per request");
    // SNS (or the queue) delivers the e-mail again: both looks are done, nothing happens twice.
    let (again, failed) = deliver(&world, &event, 90).await;
    assert!(failed.is_empty());
    assert!(
        again
            .iter()
            .all(|r| r.result == FollowUpResult::AlreadyHandled)
    );
    assert_eq!(world.support.appended().len(), 1);
    assert_eq!(world.emails().len(), 3);
}

#[tokio::test]
async fn a_delivered_email_whose_look_fails_comes_back_whole_and_only_the_failed_look_is_redone() {
    let world = World::new();
    let event = blog_one_email_delivered(&world).await;
    world.support.fail_next(
        "DescribeCases",
        AwsError::from_code(
            "support",
            "DescribeCases",
            "ThrottlingException",
            "",
            Some(400),
        ),
    );

    let (reports, failed) = deliver(&world, &event, 60).await;

    assert_eq!(failed, ["m-1"]);
    assert_eq!(reports.len(), 1, "req-2's look was made");
    let (again, failed) = deliver(&world, &event, 90).await;
    assert!(failed.is_empty());
    let results: Vec<_> = again.iter().map(|r| r.result).collect();
    assert_eq!(
        results,
        [FollowUpResult::ContextAdded, FollowUpResult::AlreadyHandled]
    );
    assert_eq!(world.support.appended().len(), 1);
}

#[tokio::test]
async fn a_refused_email_schedules_nothing_and_its_retry_publishes_the_follow_ups_with_it() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "InternalError", "", Some(500)),
    );
    assert!(world.run(&alarm("Throttles", "Critical")).await.is_err());
    assert!(carried(&world).is_empty() && world.queue.sent().is_empty());

    world.run(&alarm("Throttles", "Critical")).await.unwrap();

    let follow_ups = carried(&world);
    assert_eq!(follow_ups.len(), 2, "the retry's e-mail carries them");
    assert_eq!(world.filed_requests().len(), 2, "nothing filed again");
    assert!(world.queue.sent().is_empty());
}

#[tokio::test]
async fn a_request_answered_with_its_case_gets_the_context_at_once_and_no_follow_up() {
    let world = World::new();
    let (case_id, display_id) = world.support.seed_open_case("Service Quotas increase", 0);
    // Service Quotas opened it just now: not in the list read in the first round trip.
    world.support.hide_from_listing(&case_id);
    world.quotas.link_next_request_at_once(&display_id);
    world.usage(9_500.0, 3_000_000.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;

    let appended = world.support.appended();
    assert_eq!(appended.len(), 1);
    assert_eq!(appended[0].0, case_id);
    assert!(
        appended[0]
            .1
            .contains("Context for Service Quotas request req-1")
    );
    assert!(appended[0].1.contains("Please expedite"));
    // Only the other request (no case named) has a follow-up, carried by the e-mail.
    let follow_ups = carried(&world);
    assert_eq!(follow_ups.len(), 1);
    assert_eq!(follow_ups[0].0.request_id, "req-2");
    let body = &world.emails()[0].1;
    assert!(body.contains(&display_id), "{body}");
    assert!(
        body.contains("Our usage-validated context was added to it."),
        "{body}"
    );
    let recorded = serde_json::to_value(&decision.actions).unwrap();
    assert_eq!(recorded[0]["context_added"], true, "{recorded}");
    assert!(recorded[1].get("context_added").is_none(), "{recorded}");
}

#[tokio::test]
async fn a_case_named_at_once_that_cannot_take_the_context_keeps_its_follow_up() {
    let world = World::new();
    let (case_id, display_id) = world.support.seed_open_case("Service Quotas increase", 0);
    world.support.hide_from_listing(&case_id);
    world.quotas.link_next_request_at_once(&display_id);
    world.support.fail_next(
        "AddCommunicationToCase",
        AwsError::from_code(
            "support",
            "AddCommunicationToCase",
            "InternalServerError",
            "",
            Some(500),
        ),
    );
    world.usage(9_500.0, 3_000_000.0);

    world.decide(&alarm("Throttles", "Critical")).await;

    assert!(world.support.appended().is_empty());
    let follow_ups = carried(&world);
    assert_eq!(follow_ups.len(), 2, "both requests keep their follow-up");
    let body = &world.emails()[0].1;
    assert!(
        body.contains("Our usage-validated context is added to it shortly"),
        "{body}"
    );
}

#[tokio::test]
async fn linked_case_with_aws_reply_gets_the_context_once_and_one_email_names_it() {
    let world = World::new();
    let follow_ups = throttles_with_high_usage(&world).await;
    let (message, _) = &follow_ups[0];
    let case_id = link_case(&world, "req-1", "", true);

    let report = look(&world, message, world.now + 60).await;

    assert_eq!(report.result, FollowUpResult::ContextAdded);
    let appended = world.support.appended();
    assert_eq!(appended.len(), 1);
    assert_eq!(appended[0].0, case_id);
    assert_eq!(appended[0].1, message.context);
    let emails = world.emails();
    assert_eq!(emails.len(), 2);
    let display = report.case.clone().unwrap();
    assert!(
        emails[1]
            .0
            .contains(&format!("case {display} has our context")),
        "{}",
        emails[1].0
    );
    assert!(
        emails[1].1.contains(&format!("displayId={display}")),
        "{}",
        emails[1].1
    );
    assert!(emails[1].1.contains("asking for expedited handling"));

    // Redelivered: the look is done, nothing is appended or e-mailed again.
    let again = look(&world, message, world.now + 61).await;
    assert_eq!(again.result, FollowUpResult::AlreadyHandled);
    assert_eq!(world.support.appended().len(), 1);
    assert_eq!(world.emails().len(), 2);
    assert!(world.queue.sent().is_empty());
}

#[tokio::test]
async fn linked_case_waits_for_aws_first_reply_then_appends_after_the_grace() {
    let world = World::new();
    let follow_ups = throttles_with_high_usage(&world).await;
    let (message, _) = &follow_ups[0];
    link_case(&world, "req-1", "", false);

    let early = look(&world, message, world.now + 60).await;
    assert_eq!(early.result, FollowUpResult::LookAgain);
    assert_eq!(early.next_look_in_seconds, Some(120));
    assert!(world.support.appended().is_empty());
    let next = queued(&world);
    assert_eq!(next.len(), 1);
    assert_eq!((next[0].0.attempt, next[0].1), (1, 120));

    let late = look(&world, &next[0].0, world.now + rules::REPLY_GRACE_SECONDS).await;
    assert_eq!(late.result, FollowUpResult::ContextAdded);
    assert_eq!(world.support.appended().len(), 1);
}

#[tokio::test]
async fn not_linked_looks_again_with_back_off_and_gives_up_after_the_limit_with_one_email() {
    let world = World::new();
    let follow_ups = throttles_with_high_usage(&world).await;
    let (message, _) = &follow_ups[0];

    let first = look(&world, message, world.now + 60).await;
    assert_eq!(first.result, FollowUpResult::LookAgain);
    assert_eq!(world.emails().len(), 1, "no e-mail while waiting");
    let next = queued(&world).remove(0).0;

    let last = look(&world, &next, world.now + GIVE_UP_AFTER_SECONDS).await;
    assert_eq!(last.result, FollowUpResult::GaveUp);
    assert!(world.queue.sent().is_empty());
    let emails = world.emails();
    assert_eq!(emails.len(), 2);
    assert!(emails[1].0.contains("no Support case linked yet"));
    assert!(
        emails[1]
            .1
            .contains("servicequotas/home/services/bedrock/quotas/")
    );
}

#[tokio::test]
async fn a_follow_up_that_finds_the_request_approved_emails_the_new_value() {
    let world = World::new();
    let follow_ups = throttles_with_high_usage(&world).await;
    let (message, _) = &follow_ups[1];
    world
        .quotas
        .set_request_status("req-2", ChangeStatus::Approved, None);

    let report = look(&world, message, world.now + 60).await;

    assert_eq!(report.result, FollowUpResult::Approved);
    assert!(world.support.appended().is_empty());
    let emails = world.emails();
    assert!(emails[1].0.contains("quota increase approved"));
    assert!(emails[1].1.contains("7,812,500"), "{}", emails[1].1);
    assert!(
        emails[1]
            .1
            .contains("alarm updater moves the alarm thresholds")
    );
}

#[tokio::test]
async fn denied_and_closed_requests_end_with_their_outcome() {
    for (status, result) in [
        (ChangeStatus::Denied, FollowUpResult::Denied),
        (ChangeStatus::NotApproved, FollowUpResult::Denied),
        (ChangeStatus::CaseClosed, FollowUpResult::Closed),
    ] {
        let world = World::new();
        let follow_ups = throttles_with_high_usage(&world).await;
        world.quotas.set_request_status("req-1", status, None);
        let report = look(&world, &follow_ups[0].0, world.now + 60).await;
        assert_eq!(report.result, result);
        assert_eq!(world.emails().len(), 2);
    }
}

#[tokio::test]
async fn the_notification_preference_filters_the_follow_up_email_not_the_append() {
    let world = World::new();
    world.set("notification-preference", "warning");
    let follow_ups = throttles_with_high_usage(&world).await;
    assert!(!follow_ups[0].0.notify);
    link_case(&world, "req-1", "", true);
    let report = look(&world, &follow_ups[0].0, world.now + 60).await;
    assert_eq!(
        (report.result, report.email),
        (FollowUpResult::ContextAdded, "filtered")
    );
    assert_eq!(world.support.appended().len(), 1);
    assert!(world.emails().is_empty());
}

#[tokio::test]
async fn a_failed_email_after_the_append_is_retried_without_appending_again() {
    let world = World::new();
    let follow_ups = throttles_with_high_usage(&world).await;
    link_case(&world, "req-1", "", true);
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "InternalError", "", Some(500)),
    );
    let event = sqs_event(&follow_ups[0].0, "m-1");
    let (reports, failed) = world
        .processor()
        .follow_ups(&event, world.now + 60, world.now + 120)
        .await
        .unwrap();
    assert!(reports.is_empty());
    assert_eq!(failed, ["m-1"]);
    assert_eq!(world.support.appended().len(), 1);

    let retried = look(&world, &follow_ups[0].0, world.now + 200).await;
    assert_eq!(retried.result, FollowUpResult::ContextAdded);
    assert_eq!(world.support.appended().len(), 1, "appended once only");
    assert_eq!(world.emails().len(), 2);
}

#[tokio::test]
async fn a_failed_read_returns_the_message_to_the_queue_and_files_nothing() {
    let world = World::new();
    let follow_ups = throttles_with_high_usage(&world).await;
    world.quotas.fail_next(
        "GetRequestedServiceQuotaChange",
        AwsError::from_code(
            "servicequotas",
            "GetRequestedServiceQuotaChange",
            "ThrottlingException",
            "",
            Some(400),
        ),
    );
    let (_, failed) = world
        .processor()
        .follow_ups(
            &sqs_event(&follow_ups[0].0, "m-9"),
            world.now + 60,
            world.now + 120,
        )
        .await
        .unwrap();
    assert_eq!(failed, ["m-9"]);
    assert!(world.queue.sent().is_empty());
    // The claim was given back: the redelivery looks at once.
    let report = look(&world, &follow_ups[0].0, world.now + 61).await;
    assert_eq!(report.result, FollowUpResult::LookAgain);
}

#[tokio::test]
async fn a_foreign_or_malformed_message_fails_to_the_dead_letter_queue_and_does_nothing() {
    let world = World::new();
    let follow_ups = throttles_with_high_usage(&world).await;
    let mut foreign = follow_ups[0].0.clone();
    foreign.stack = "/Other/bedrock/quota-monitoring/M/".into();
    let event = json!({"Records": [
        {"messageId": "a", "eventSource": "aws:sqs", "body": foreign.to_json()},
        {"messageId": "b", "eventSource": "aws:sqs", "body": "{\"kind\": 1}"}
    ]});
    let (reports, failed) = world
        .processor()
        .follow_ups(&event, world.now, world.now + 60)
        .await
        .unwrap();
    assert!(reports.is_empty());
    assert_eq!(failed, ["a", "b"]);
    assert_eq!(world.emails().len(), 1);
    assert!(world.support.appended().is_empty());
}

#[tokio::test]
async fn the_lambda_answers_an_sqs_event_with_its_failed_items_only() {
    let world = World::new();
    let follow_ups = throttles_with_high_usage(&world).await;
    let processor = world.processor();
    let ok = processor
        .invoke(
            &sqs_event(&follow_ups[0].0, "m-1"),
            world.now + 60,
            world.now + 120,
        )
        .await
        .unwrap();
    assert_eq!(ok, json!({"batchItemFailures": []}));
    let bad = json!({"Records": [{"messageId": "x", "eventSource": "aws:sqs", "body": "nope"}]});
    let answer = processor
        .invoke(&bad, world.now, world.now + 60)
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "x"}]})
    );
    // An SNS alarm event still gets its summary.
    let sns = processor
        .invoke(&alarm("Throttles", "Critical"), world.now, world.now + 60)
        .await
        .unwrap();
    assert!(sns.get("transitions").is_some(), "{sns}");
}

#[tokio::test]
async fn a_redelivered_alarm_schedules_no_second_follow_up() {
    let world = World::new();
    let follow_ups = throttles_with_high_usage(&world).await;
    assert_eq!(follow_ups.len(), 2);
    world.run(&alarm("Throttles", "Critical")).await.unwrap();
    assert!(world.queue.sent().is_empty());
    assert_eq!(
        carried(&world).len(),
        2,
        "no second e-mail carries them again"
    );
    assert_eq!(world.filed_requests().len(), 2);
}
