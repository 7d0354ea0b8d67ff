//! Tests of the `filed` record: it reads the shape the ledger has always held, writes it back unchanged, and
//! says what is wrong with one that does not parse.

use super::*;
use crate::handler::test_support::*;

#[test]
fn a_filed_step_in_todays_shape_reads_back_typed() {
    let record = FiledRecord::parse(&filed_step_in_todays_shape(THROTTLES_KEY)).unwrap();

    assert!(record.notify);
    let decision = &record.decision;
    assert_eq!(
        decision.decided,
        Decided::Alarm(Scenario::HighUsage { expedited: true })
    );
    assert_eq!(
        (decision.class, decision.severity),
        (AlarmClass::Both, Severity::Critical)
    );
    assert!(
        decision
            .key
            .ends_with("|ALARM|2026-05-04T14:52:48.069+0000")
    );
    assert_eq!(decision.actions.len(), 2);
    assert_eq!(
        decision.email.subject,
        "🔴 [CRITICAL] Acme - Bedrock Ops Alert - Opus-4-6 - Quota Request"
    );
    assert!(decision.email.body.starts_with("Throttles fired"));
    assert_eq!(decision.email.status, EmailStatus::Pending);
}

/// The record as written, without the `steps` it adds beside the decision (derived, never read back).
fn without_steps(mut record: Value) -> Value {
    record.as_object_mut().unwrap().remove("steps");
    record
}

#[test]
fn a_filed_step_is_written_back_in_the_shape_it_was_read_in() {
    let written = FiledRecord::parse(&filed_step_in_todays_shape(THROTTLES_KEY))
        .unwrap()
        .to_json();
    assert_eq!(
        written["steps"],
        json!([
            {"step": "quota_request", "quota_code": RPM, "status": "succeeded"},
            {"step": "email", "status": "failed", "reason": "not_sent"},
        ])
    );
    assert_eq!(
        without_steps(written),
        filed_step_in_todays_shape(THROTTLES_KEY)
    );
}

#[test]
fn the_email_status_a_record_holds_reads_back() {
    for (status, read) in [
        (
            json!({"status": "published", "message_id": "m-1"}),
            EmailStatus::Sent,
        ),
        (
            json!({"status": "filtered_by_notification_preference"}),
            EmailStatus::Filtered,
        ),
        (
            json!({"status": "failed", "error": "sns Publish: access denied: no"}),
            EmailStatus::Failed {
                error: "sns Publish: access denied: no".into(),
            },
        ),
        (json!({"status": "pending"}), EmailStatus::Pending),
    ] {
        let mut step = filed_step_in_todays_shape(THROTTLES_KEY);
        for (field, value) in status.as_object().unwrap() {
            step["decision"]["email"][field] = value.clone();
        }
        assert_eq!(
            FiledRecord::parse(&step).unwrap().decision.email.status,
            read,
            "{status}"
        );
    }
}

#[test]
fn a_closed_transitions_outcome_reads_back_as_its_record() {
    let step = filed_step_in_todays_shape(THROTTLES_KEY);
    let mut outcome = step["decision"].clone();
    outcome["email"]["status"] = json!("filtered_by_notification_preference");

    let record = FiledRecord::from_outcome(&outcome).unwrap();

    assert!(!record.notify, "a filtered e-mail was not wanted");
    assert_eq!(record.decision.email.status, EmailStatus::Filtered);
    outcome["email"]["status"] = json!("published");
    assert!(FiledRecord::from_outcome(&outcome).unwrap().notify);
}

#[test]
fn a_recovery_reads_back_as_a_recovery() {
    let mut step = filed_step_in_todays_shape(THROTTLES_KEY);
    step["decision"] = json!({
        "scenario": "recovery",
        "key": "k|OK|2026-05-04T15:10:00Z",
        "class": "both",
        "severity": "critical",
        "actions": [],
        "email": {"subject": "✅ [OK] recovered", "body": "back to OK", "status": "pending"}
    });
    step["notify"] = json!(false);

    let record = FiledRecord::parse(&step).unwrap();

    assert_eq!(record.decision.decided, Decided::Recovery);
    assert!(!record.notify);
    assert_eq!(without_steps(record.to_json()), step);
}

/// Every scenario (and the recovery) a decision can carry. Matched exhaustively, so a new scenario fails to
/// compile here until the record reads it back too.
fn every_decided() -> Vec<Decided> {
    let every = vec![
        Decided::Alarm(Scenario::NonQuota),
        Decided::Alarm(Scenario::NewModel),
        Decided::Alarm(Scenario::HighUsage { expedited: true }),
        Decided::Alarm(Scenario::HighUsage { expedited: false }),
        Decided::Alarm(Scenario::LowUsage),
        Decided::Alarm(Scenario::UsageUnknown {
            reason: "Rate exceeded".into(),
        }),
        Decided::Recovery,
    ];
    for decided in &every {
        match decided {
            Decided::Alarm(
                Scenario::NonQuota
                | Scenario::NewModel
                | Scenario::HighUsage { .. }
                | Scenario::LowUsage
                | Scenario::UsageUnknown { .. },
            )
            | Decided::Recovery => {}
        }
    }
    every
}

#[test]
fn every_record_the_processor_writes_reads_back_as_written() {
    let classes = [
        (AlarmClass::Rpm, Severity::Warning),
        (AlarmClass::Tpm, Severity::Critical),
        (AlarmClass::Both, Severity::Critical),
        (AlarmClass::NonQuota, Severity::Warning),
    ];
    for decided in every_decided() {
        for (class, severity) in classes {
            for notify in [true, false] {
                let decision = Decision {
                    key: THROTTLES_KEY.into(),
                    class,
                    decided: decided.clone(),
                    severity,
                    actions: Vec::new(),
                    email: bedrock_ops_core::messages::Email {
                        subject: "subject".into(),
                        body: "body\nwith lines".into(),
                    },
                    email_status: EmailStatus::Pending,
                    follow_up_context: Vec::new(),
                };
                // The follow-ups an e-mail carries ride in the record, so its retry schedules them.
                let carried = notify.then(|| r#"[{"kind":"k"}]"#.to_owned());
                let record = FiledRecord::of(&decision, notify, carried);

                let read = FiledRecord::parse(&record.to_json());

                assert_eq!(read.as_ref(), Ok(&record), "{decided:?} {class:?} {notify}");
            }
        }
    }
}

#[test]
fn the_record_names_classes_and_severities_as_their_json_does() {
    for class in CLASSES {
        assert_eq!(json!(class), class.as_str());
    }
    for severity in SEVERITIES {
        assert_eq!(json!(severity), severity.as_str());
    }
}

#[test]
fn a_record_that_does_not_parse_says_what_is_wrong() {
    let step = || filed_step_in_todays_shape(THROTTLES_KEY);
    let without = |pointer: &str, field: &str| {
        let mut step = step();
        step.pointer_mut(pointer)
            .and_then(Value::as_object_mut)
            .unwrap()
            .remove(field);
        step
    };
    let with = |pointer: &str, value: Value| {
        let mut step = step();
        *step.pointer_mut(pointer).unwrap() = value;
        step
    };

    for (step, says) in [
        (json!("filed"), "the record is not an object"),
        (
            json!({"decision": 5, "notify": true}),
            "field `decision` is not an object",
        ),
        (without("", "notify"), "missing field `notify`"),
        (
            with("/notify", json!("yes")),
            "field `notify` is not a boolean",
        ),
        (without("/decision/email", "body"), "missing field `body`"),
        (
            with("/decision/email/subject", json!(7)),
            "field `subject` is not a string",
        ),
        (without("/decision", "key"), "missing field `key`"),
        (
            with("/decision/actions", json!({})),
            "field `actions` is not an array",
        ),
        (
            with("/decision/class", json!("sideways")),
            "field `class` names no known class",
        ),
        (
            with("/decision/severity", json!("mild")),
            "field `severity` names no known severity",
        ),
        (
            with("/decision/scenario", json!("sideways")),
            "field `scenario` names no known scenario",
        ),
        (
            without("/decision", "expedited"),
            "scenario `high_usage` without its field `expedited`",
        ),
        (
            with("/decision/expedited", json!(1)),
            "field `expedited` is not a boolean",
        ),
    ] {
        assert_eq!(FiledRecord::parse(&step), Err(says.to_owned()), "{step}");
    }
}

#[test]
fn the_problem_with_an_unreadable_record_never_echoes_it() {
    let huge = "x".repeat(10_000);
    let mut step = filed_step_in_todays_shape(THROTTLES_KEY);
    step["notify"] = json!(huge);
    step["decision"]["scenario"] = json!(huge);

    let problem = FiledRecord::parse(&step).unwrap_err();

    assert!(!problem.contains("xxx"), "{problem}");
}
