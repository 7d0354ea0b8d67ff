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

#[test]
fn a_filed_step_is_written_back_in_the_shape_it_was_read_in() {
    assert_eq!(
        FiledRecord::parse(&filed_step_in_todays_shape(THROTTLES_KEY))
            .unwrap()
            .to_json(),
        filed_step_in_todays_shape(THROTTLES_KEY)
    );
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
    assert_eq!(record.to_json(), step);
}

#[test]
fn a_record_that_does_not_parse_says_what_is_wrong() {
    let mut no_notify = filed_step_in_todays_shape(THROTTLES_KEY);
    no_notify.as_object_mut().unwrap().remove("notify");
    let mut no_body = filed_step_in_todays_shape(THROTTLES_KEY);
    no_body["decision"]["email"]
        .as_object_mut()
        .unwrap()
        .remove("body");
    let mut unknown_scenario = filed_step_in_todays_shape(THROTTLES_KEY);
    unknown_scenario["decision"]["scenario"] = json!("sideways");

    for (step, says) in [
        (no_notify, "notify"),
        (no_body, "body"),
        (json!({"decision": 5, "notify": true}), "invalid type"),
        (json!("filed"), "invalid type"),
        (unknown_scenario, "did not match"),
    ] {
        let problem = FiledRecord::parse(&step).unwrap_err();
        assert!(problem.contains(says), "{step}: {problem}");
    }
}

#[test]
fn the_problem_with_an_unreadable_record_is_bounded() {
    let mut step = filed_step_in_todays_shape(THROTTLES_KEY);
    step["notify"] = json!("x".repeat(10_000));

    let problem = FiledRecord::parse(&step).unwrap_err();

    assert!(
        problem.len() <= PROBLEM_MAX_BYTES,
        "{} bytes",
        problem.len()
    );
    assert!(problem.starts_with("invalid type: string"), "{problem}");
}
