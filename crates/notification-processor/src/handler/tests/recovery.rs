//! Tests of an OK transition that ends an ALARM.

use super::*;
use crate::handler::test_support::*;

#[tokio::test]
async fn ok_transition_sends_a_recovery_email_and_files_nothing() {
    let world = World::new();

    let reports = world
        .run(&sns(&message(
            "Throttles",
            "Critical",
            "OK",
            "2026-05-04T15:10:00Z",
        )))
        .await
        .unwrap();

    let Report::Handled(decision) = &reports[0] else {
        panic!("{reports:?}")
    };
    assert_eq!(decision.decided, Decided::Recovery);
    assert!(decision.actions.is_empty());
    assert_eq!(decision.to_json(false)["scenario"], "recovery");
    let emails = world.emails();
    assert_eq!(emails.len(), 1);
    assert!(emails[0].0.starts_with("✅ [OK]"), "{}", emails[0].0);
    assert_eq!(
        world.quotas.total_calls() + world.support.total_calls() + world.metrics.total_calls(),
        0
    );
}
