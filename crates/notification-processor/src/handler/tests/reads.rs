//! Tests of the first round trip's reads and how they are read into the plan.

use super::*;
use crate::handler::test_support::*;

#[tokio::test]
async fn cases_older_than_the_lookback_are_not_duplicates() {
    let world = World::new();
    world.set("support-case-lookback-days", "45");
    world
        .support
        .seed_open_case(INVESTIGATION_SUBJECT, 50 * 86_400);

    let decision = world.decide(&alarm("ServerErrors", "Critical")).await;

    assert_eq!(types(&decision), ["support_case"]);
}

#[test]
fn every_alarm_class_reads_its_names_in_one_get_parameters_call() {
    let processor = World::new().processor();
    for class in [
        AlarmClass::Rpm,
        AlarmClass::Tpm,
        AlarmClass::Both,
        AlarmClass::NonQuota,
    ] {
        let live = processor.live_quotas(class);
        let names = processor.alarm_parameters(class, &live);

        assert!(names.len() <= 10, "{class:?}: {names:?}");
        assert!(
            names.contains(&keys::APPEND_COOLDOWN_MINUTES),
            "{class:?}: {names:?}"
        );
        // The side not read live is shown from the quota the calculator stored.
        assert_eq!(
            live.rpm.is_none(),
            names.contains(&keys::RPM_QUOTA),
            "{class:?}"
        );
        assert_eq!(
            live.tpm.is_none(),
            names.contains(&keys::TPM_QUOTA),
            "{class:?}"
        );
    }
}

#[tokio::test]
async fn only_the_quotas_the_class_asks_about_are_read_live() {
    for (kind, severity, live_reads) in [
        ("Throttles", "Critical", 2),
        ("HighInvocationRate", "Warning", 1),
        ("HighTPMQuotaUsage", "Warning", 1),
        ("ServerErrors", "Critical", 0),
    ] {
        let world = World::new();

        world.decide(&alarm(kind, severity)).await;

        assert_eq!(world.quotas.calls("GetServiceQuota"), live_reads, "{kind}");
        assert_eq!(world.parameters.calls("GetParameters"), 1, "{kind}");
    }
}
