//! Tests of the processor's entry: events that are refused or ignored before anything is claimed.

use super::*;
use crate::event::EventError;
use crate::handler::test_support::*;

/// Every alarm goes INSUFFICIENT_DATA → OK at deploy time: ten such messages must not send ten "recovered" e-mails.
#[tokio::test]
async fn ok_that_does_not_follow_an_alarm_sends_nothing() {
    let world = World::new();
    for old in [Some("INSUFFICIENT_DATA"), Some("OK"), None] {
        let mut ok = message("Throttles", "Critical", "OK", "2026-05-04T15:10:00Z");
        match old {
            Some(old) => ok["OldStateValue"] = json!(old),
            None => {
                ok.as_object_mut().unwrap().remove("OldStateValue");
            }
        }

        let reports = world.run(&sns(&ok)).await.unwrap();

        assert!(
            matches!(&reports[0], Report::Ignored { reason, .. } if reason.contains("not after ALARM")),
            "{old:?}: {reports:?}"
        );
    }
    assert!(world.emails().is_empty());
    assert_eq!(
        world.quotas.total_calls() + world.support.total_calls() + world.metrics.total_calls(),
        0
    );
}

#[tokio::test]
async fn malformed_events_are_non_retryable_and_touch_nothing() {
    let world = World::new();
    for event in [
        json!("not an event"),
        json!({"Records": [{"Sns": {"Message": "{not json"}}]}),
        sns(&json!({"AlarmName": alarm_name("Throttles", "Critical")})),
    ] {
        let error = world.run(&event).await.unwrap_err();
        assert!(matches!(error, ProcessorError::Event(_)), "{error}");
        assert_eq!(error.error_type(), "NonRetryable");
    }
    assert_eq!(
        world.ledger.total_calls() + world.parameters.total_calls(),
        0
    );
}

#[tokio::test]
async fn alarm_of_another_stack_files_nothing() {
    let world = World::new();
    let other = sns(&json!({
        "AlarmName": "Acme-Bedrock-Throttles-Critical-Sonnet-4",
        "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Acme-Bedrock-Throttles-Critical-Sonnet-4",
        "NewStateValue": "ALARM",
        "StateChangeTime": "2026-05-04T14:52:48Z",
        "Trigger": {}
    }));

    let error = world.run(&other).await.unwrap_err();

    assert!(matches!(error, ProcessorError::Event(EventError::Alarm(_))));
    assert_eq!(error.error_type(), "NonRetryable");
    assert!(
        error
            .to_string()
            .contains("does not belong to customer 'Acme' and model 'Opus-4-6'")
    );
    assert_eq!(
        world.ledger.total_calls() + world.quotas.total_calls() + world.support.total_calls(),
        0
    );
}

#[tokio::test]
async fn insufficient_data_is_ignored() {
    let world = World::new();
    let reports = world
        .run(&sns(&message(
            "Throttles",
            "Critical",
            "INSUFFICIENT_DATA",
            "2026-05-04T14:52:48Z",
        )))
        .await
        .unwrap();
    assert!(matches!(reports[0], Report::Ignored { .. }));
    assert!(world.emails().is_empty());
}

#[tokio::test]
async fn missing_topic_or_ledger_is_refused_before_anything_is_filed() {
    let world = World::new();
    let mut config = config();
    config.formatted_topic_arn = None;
    let processor = Processor::new(world.processor().ports().clone(), config, "us-east-1");

    let error = processor
        .handle(&alarm("ServerErrors", "Critical"), world.now, RunMode::Live)
        .await
        .unwrap_err();

    assert!(
        error.to_string().contains("FORMATTED_TOPIC_ARN is not set"),
        "{error}"
    );
    assert_eq!(world.ledger.total_calls(), 0);
}
