//! Snapshots of the `fleet plan` and `fleet status` tables (feature `fleet`). Each snapshot is the exact text
//! an operator reads; a change to it must be reviewed.

mod fleet_support;

use std::collections::BTreeSet;

use bedrock_ops_core::fleet::identity::{TEMPLATE_TAG, stack_name};
use bedrock_ops_core::fleet::plan;
use bedrock_ops_core::fleet::render::{plan_table, status_table};
use bedrock_ops_core::fleet::status::{Limits, OpenRequest, StackStatus};
use fleet_support::{desired, no_echo, observed};

fn single_account_plan() -> bedrock_ops_core::fleet::FleetPlan {
    let opus = desired("Opus-4-6", "80", &[]);
    let sonnet = desired("Sonnet-4-5", "70", &[]);
    let mut sonnet_before = observed(&desired("Sonnet-4-5", "80", &[]), "CREATE_COMPLETE");
    sonnet_before
        .parameters
        .insert("NotificationPreference".into(), "critical".into());
    sonnet_before
        .tags
        .insert(TEMPLATE_TAG.into(), "sha256:0000".into());
    let haiku = desired("Haiku-4-5", "80", &[]);
    let haiku_now = observed(&haiku, "UPDATE_COMPLETE");
    let nova = desired("Nova-Pro", "80", &[]);
    let nova_failed = observed(&nova, "ROLLBACK_COMPLETE");
    let old = observed(&desired("Llama-3-1", "80", &[]), "CREATE_COMPLETE");
    plan(
        "Acme",
        "us-east-1 (account 123456789012)",
        &[opus, sonnet, haiku, nova],
        &[sonnet_before, haiku_now, nova_failed, old],
        &no_echo(),
    )
}

#[test]
fn plan_table_single_account() {
    insta::assert_snapshot!(plan_table(&single_account_plan(), false));
}

#[test]
fn plan_table_single_account_with_prune() {
    insta::assert_snapshot!(plan_table(&single_account_plan(), true));
}

#[test]
fn plan_table_stack_sets() {
    let opus = desired(
        "Opus-4-6",
        "80",
        &["ou-ab12-11111111/us-east-1", "ou-ab12-11111111/eu-west-1"],
    );
    let mut opus_now = observed(&opus, "ACTIVE");
    opus_now.placements = BTreeSet::from([
        "ou-ab12-11111111/us-east-1".to_owned(),
        "ou-ab12-11111111/ap-south-1".to_owned(),
    ]);
    let sonnet = desired("Sonnet-4-5", "80", &["ou-ab12-11111111/us-east-1"]);
    let plan = plan(
        "Acme",
        "StackSets (service-managed): ou-ab12-11111111 × us-east-1, eu-west-1",
        &[opus, sonnet],
        &[opus_now],
        &no_echo(),
    );
    insta::assert_snapshot!(plan_table(&plan, false));
}

#[test]
fn status_table_three_stacks() {
    let rows = vec![
        StackStatus {
            stack_name: stack_name("Acme", "Opus-4-6"),
            model: "Opus-4-6".into(),
            status: Some("CREATE_COMPLETE".into()),
            rpm: Limits {
                threshold: Some("8000".into()),
                quota: Some("10000".into()),
            },
            tpm: Limits {
                threshold: Some("5000000".into()),
                quota: Some("6250000".into()),
            },
            in_alarm: vec!["HighTPMQuotaUsage".into(), "Throttles".into()],
            open_requests: vec![OpenRequest {
                quota_code: "L-3DCCFAA4".into(),
                desired: 7_812_500,
                status: "CASE_OPENED".into(),
                case_id: Some("17000000001".into()),
            }],
            open_cases: vec!["17000000002".into()],
            unreadable: vec![],
        },
        StackStatus {
            stack_name: stack_name("Acme", "Titan-Embed"),
            model: "Titan-Embed".into(),
            status: Some("UPDATE_COMPLETE".into()),
            rpm: Limits {
                threshold: Some("NA".into()),
                quota: Some("NA".into()),
            },
            tpm: Limits {
                threshold: Some("240000".into()),
                quota: Some("300000".into()),
            },
            in_alarm: vec![],
            open_requests: vec![],
            open_cases: vec![],
            unreadable: vec![],
        },
        StackStatus {
            stack_name: stack_name("Acme", "Sonnet-4-5"),
            model: "Sonnet-4-5".into(),
            status: None,
            rpm: Limits::default(),
            tpm: Limits::default(),
            in_alarm: vec![],
            open_requests: vec![],
            open_cases: vec![],
            unreadable: vec!["support: a Support plan with API access is required".into()],
        },
    ];
    insta::assert_snapshot!(status_table(&rows));
}
