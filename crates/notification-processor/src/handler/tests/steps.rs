//! Tests of the steps a record lists: which succeeded, which failed, and what a retry redoes.

use serde_json::json;

use super::*;

fn request(code: &str) -> Value {
    json!({"type": "quota_request", "quota": "rpm", "quota_code": code, "request_id": "req-1"})
}

#[test]
fn filings_and_the_email_are_steps_and_decisions_are_not() {
    let actions = [
        request("L-1"),
        json!({"type": "none", "reason": "throttled", "quota": "tpm", "quota_code": "L-2"}),
        json!({"type": "none", "reason": "case_creation_limit_exceeded", "category": "quota_request"}),
        json!({"type": "none", "reason": "increase_percent_zero", "quota": "tpm", "quota_code": "L-3"}),
        json!({"type": "none", "reason": "dry_run", "would": "support_case", "category": "quota_request"}),
    ];

    let steps = steps(&actions, &EmailStatus::Sent);

    assert_eq!(
        serde_json::to_value(&steps).unwrap(),
        json!([
            {"step": "quota_request", "quota_code": "L-1", "status": "succeeded"},
            {"step": "quota_request", "quota_code": "L-2", "status": "failed", "reason": "throttled"},
            {"step": "case", "category": "quota_request", "status": "failed", "reason": "case_creation_limit_exceeded"},
            {"step": "email", "status": "succeeded"},
        ])
    );
    let redo = Redo::of(&steps);
    assert_eq!(redo.quota_codes, ["L-2"]);
    assert!(redo.case && !redo.case_filed && !redo.email);
}

#[test]
fn an_append_to_an_open_requests_case_is_that_quotas_request_step() {
    let actions = [
        json!({"type": "append", "category": "quota_request", "case_id": "c", "display_id": "1", "quota_code": "L-1"}),
        json!({"type": "none", "reason": "access_denied", "category": "investigation_request", "case_id": "c2"}),
    ];

    let steps = steps(&actions, &EmailStatus::Filtered);

    let names: Vec<_> = steps.iter().map(|s| (s.step, s.status)).collect();
    assert_eq!(
        names,
        [
            ("quota_request", StepStatus::Succeeded),
            ("append", StepStatus::Failed),
            ("email", StepStatus::NotDue),
        ]
    );
}

#[test]
fn an_email_not_out_is_a_failed_step_and_the_only_one_to_redo() {
    for status in [
        EmailStatus::Pending,
        EmailStatus::Failed { error: "no".into() },
    ] {
        let redo = Redo::of(&steps(&[request("L-1")], &status));
        assert!(redo.email && !redo.filings(), "{status:?}");
    }
    assert!(Redo::of(&steps(&[request("L-1")], &EmailStatus::Sent)).is_empty());
}

#[test]
fn a_case_filed_before_is_never_a_fallback_again() {
    let filed = Redo::of(&steps(
        &[
            json!({"type": "support_case", "category": "quota_request", "case_id": "c", "display_id": "1"}),
        ],
        &EmailStatus::Sent,
    ));
    assert!(!filed.case_due(true));
    let none = Redo::default();
    assert!(none.case_due(true) && !none.case_due(false));
}

#[test]
fn a_merge_replaces_only_the_failed_steps_the_retry_redid() {
    let recorded = [
        request("L-1"),
        json!({"type": "none", "reason": "throttled", "quota": "tpm", "quota_code": "L-2"}),
        json!({"type": "none", "reason": "throttled", "category": "quota_request"}),
    ];
    let redone = vec![request("L-2")];

    let merged = merge(&recorded, redone);

    assert_eq!(
        merged,
        [recorded[0].clone(), recorded[2].clone(), request("L-2")]
    );
}

#[test]
fn the_outcome_carries_its_steps_beside_the_decision() {
    let outcome = with_steps(
        json!({"actions": [request("L-1")], "email": {"status": "published"}}),
        &EmailStatus::Sent,
    );
    assert_eq!(outcome["steps"].as_array().unwrap().len(), 2);
    assert_eq!(outcome["actions"], json!([request("L-1")]));
}
