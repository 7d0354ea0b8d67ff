//! Tests of the first round trip's reads and how they are read into the plan.

use super::*;
use crate::handler::report::Decided;
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

const INPUT: &str = "L-11111111";
const OUTPUT: &str = "L-22222222";

/// The first example's stack with its token limit split: 2,000,000 input and 400,000 output tokens per minute
/// (thresholds 1,600,000 and 320,000), as the calculator stores a split model.
fn split_world() -> (World, TestProcessor) {
    let world = World::new();
    world.quotas.set_applied(quota(
        INPUT,
        "On-demand model inference input tokens per minute",
        2_000_000.0,
        true,
    ));
    world.quotas.set_applied(quota(
        OUTPUT,
        "On-demand model inference output tokens per minute",
        400_000.0,
        true,
    ));
    for (key, value) in [
        (keys::INPUT_TPM_THRESHOLD_CALCULATED, "1600000"),
        (keys::OUTPUT_TPM_THRESHOLD_CALCULATED, "320000"),
        (keys::INPUT_TPM_QUOTA, "2000000"),
        (keys::OUTPUT_TPM_QUOTA, "400000"),
        // A split stack has no combined threshold: a value here must not be used.
        (keys::TPM_THRESHOLD_CALCULATED, "1"),
    ] {
        world.set(key, value);
    }
    let processor = world.processor_with(config_with(&[
        ("TOKENS_PER_MINUTE_QUOTA_CODE", "NA"),
        ("INPUT_TOKENS_PER_MINUTE_QUOTA_CODE", INPUT),
        ("OUTPUT_TOKENS_PER_MINUTE_QUOTA_CODE", OUTPUT),
    ]));
    (world, processor)
}

/// One busy minute an hour ago: `rpm` requests, `input` and `output` tokens.
fn split_usage(world: &World, rpm: f64, input: f64, output: f64) {
    let start = world.now - world.now.rem_euclid(60) - 3600;
    for (metric, peak) in [
        (UsageMetric::Invocations, rpm),
        (UsageMetric::InputTokenCount, input),
        (UsageMetric::OutputTokenCount, output),
    ] {
        world
            .metrics
            .add_minutes(MODEL_ID, metric, start, &[peak / 2.0, peak]);
    }
}

async fn split_decide(processor: &TestProcessor, world: &World, kind: &str) -> Decision {
    match processor
        .handle(&alarm(kind, "Warning"), world.now, RunMode::Live)
        .await
        .unwrap()
        .remove(0)
    {
        Report::Handled(decision) => decision,
        other => panic!("not handled: {other:?}"),
    }
}

#[test]
fn a_split_token_stack_reads_both_token_thresholds_and_a_combined_stack_is_unchanged() {
    let (_, processor) = split_world();
    for class in [
        AlarmClass::InputTpm,
        AlarmClass::OutputTpm,
        AlarmClass::Both,
        AlarmClass::NonQuota,
    ] {
        let live = processor.live_quotas(class);
        let names = processor.alarm_parameters(class, &live);
        assert!(
            names.contains(&keys::INPUT_TPM_THRESHOLD_CALCULATED),
            "{class:?}"
        );
        assert!(
            names.contains(&keys::OUTPUT_TPM_THRESHOLD_CALCULATED),
            "{class:?}"
        );
        assert!(
            !names.contains(&keys::TPM_THRESHOLD_CALCULATED),
            "{class:?}"
        );
        assert!(!names.contains(&keys::TPM_QUOTA), "{class:?}");
        // The token side not read live is shown from the quota the calculator stored.
        assert_eq!(
            live.input_tpm.is_none(),
            names.contains(&keys::INPUT_TPM_QUOTA),
            "{class:?}"
        );
        assert_eq!(
            live.output_tpm.is_none(),
            names.contains(&keys::OUTPUT_TPM_QUOTA),
            "{class:?}"
        );
        // At most two GetParameters calls, made concurrently.
        assert!(names.len() <= 20, "{class:?}: {names:?}");
    }
    let combined = World::new().processor();
    let live = combined.live_quotas(AlarmClass::Tpm);
    let names = combined.alarm_parameters(AlarmClass::Tpm, &live);
    assert!(
        !names
            .iter()
            .any(|n| n.contains("input-tpm") || n.contains("output-tpm"))
    );
}

#[tokio::test]
async fn an_input_token_alarm_with_high_input_usage_is_high_usage_and_raises_the_input_quota_only()
{
    let (world, processor) = split_world();
    // 1,700,000 input tokens per minute against the input threshold 1,600,000; RPM and output under theirs.
    split_usage(&world, 100.0, 1_700_000.0, 10_000.0);

    let decision = split_decide(&processor, &world, "HighInputTPMQuotaUsage").await;

    assert_eq!(
        decision.decided,
        Decided::Alarm(Scenario::HighUsage { expedited: false })
    );
    assert_eq!(world.filed_requests(), [(INPUT.to_owned(), 2_500_000.0)]);
    // The thresholds and the stored RPM and output quotas: more than 10 names, so a second GetParameters
    // call (concurrent, in the same round trip), never a third.
    let live = processor.live_quotas(AlarmClass::InputTpm);
    let names = processor
        .alarm_parameters(AlarmClass::InputTpm, &live)
        .len();
    assert_eq!(world.parameters.calls("GetParameters"), names.div_ceil(10));
    assert!(
        world.parameters.calls("GetParameters") <= 2,
        "{names} names"
    );
}

#[tokio::test]
async fn a_split_token_alarm_under_its_threshold_is_low_usage_and_files_nothing() {
    let (world, processor) = split_world();
    split_usage(&world, 100.0, 1_000_000.0, 300_000.0);

    let decision = split_decide(&processor, &world, "HighOutputTPMQuotaUsage").await;

    assert_eq!(decision.decided, Decided::Alarm(Scenario::LowUsage));
    assert!(world.filed_requests().is_empty());
}

#[tokio::test]
async fn a_split_token_model_without_token_counts_is_usage_unknown_naming_the_series() {
    let (world, processor) = split_world();
    world.usage(100.0, 1_000.0);

    let decision = split_decide(&processor, &world, "HighInputTPMQuotaUsage").await;

    let Decided::Alarm(Scenario::UsageUnknown { reason }) = &decision.decided else {
        panic!("{:?}", decision.decided);
    };
    assert!(reason.contains("InputTokenCount"), "{reason}");
    // Still a quota request of the input quota only.
    assert_eq!(world.filed_requests(), [(INPUT.to_owned(), 2_500_000.0)]);
}
