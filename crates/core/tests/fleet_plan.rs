//! The fleet plan as a pure diff (feature `fleet`): what each desired stack becomes against what
//! CloudFormation holds.

mod fleet_support;

use std::collections::BTreeSet;

use bedrock_ops_core::fleet::identity::{FLEET_TAG, TEMPLATE_TAG};
use bedrock_ops_core::fleet::plan::{Action, ParameterChange, plan};
use fleet_support::{desired, no_echo, observed};

#[test]
fn a_changed_percent_is_exactly_one_parameter_change_and_masked_values_are_not_compared() {
    let want = desired("Opus", "70", &[]);
    let have = observed(&desired("Opus", "80", &[]), "CREATE_COMPLETE");
    let plan = plan("Acme", "us-east-1", &[want], &[have], &no_echo());
    assert_eq!(
        plan.stacks[0].action,
        Action::Update {
            changes: vec![ParameterChange {
                name: "TokensPerMinuteThresholdPercent".into(),
                from: Some("80".into()),
                to: Some("70".into())
            }],
            template_changed: false,
            placements_added: vec![],
            placements_removed: vec![]
        }
    );
    assert_eq!(plan.not_compared, ["StakeholderEmailList"]);
}

#[test]
fn missing_stacks_are_created_and_equal_ones_unchanged() {
    let (a, b) = (desired("Opus", "80", &[]), desired("Haiku", "80", &[]));
    let have = observed(&b, "UPDATE_COMPLETE");
    let plan = plan("Acme", "us-east-1", &[a, b], &[have], &no_echo());
    assert!(matches!(
        plan.stacks[0].action,
        Action::Create { parameters: 5, .. }
    ));
    assert_eq!(plan.stacks[0].status, None);
    assert_eq!(plan.stacks[1].action, Action::Unchanged);
    assert_eq!(plan.counts().create, 1);
}

#[test]
fn a_new_template_is_an_update_even_with_equal_parameters() {
    let want = desired("Opus", "80", &[]);
    let mut have = observed(&want, "CREATE_COMPLETE");
    have.tags.insert(TEMPLATE_TAG.into(), "t0".into());
    let plan = plan("Acme", "us-east-1", &[want], &[have], &no_echo());
    assert!(matches!(
        &plan.stacks[0].action,
        Action::Update { changes, template_changed: true, .. } if changes.is_empty()
    ));
}

#[test]
fn only_the_fleets_own_tagged_stacks_are_planned_for_deletion() {
    let gone = observed(&desired("Old", "80", &[]), "CREATE_COMPLETE");
    let mut other_customer = observed(&desired("Other", "80", &[]), "CREATE_COMPLETE");
    other_customer
        .tags
        .insert(FLEET_TAG.into(), "Globex".into());
    let mut untagged = observed(&desired("Manual", "80", &[]), "CREATE_COMPLETE");
    untagged.tags.clear();
    let plan = plan(
        "Acme",
        "us-east-1",
        &[],
        &[gone, other_customer, untagged],
        &no_echo(),
    );
    assert_eq!(plan.stacks.len(), 1);
    assert_eq!(plan.stacks[0].stack_name, "bedrock-ops-alert-Acme-Old");
    assert_eq!(plan.stacks[0].model, "Old");
    assert_eq!(plan.stacks[0].action, Action::Delete);
}

#[test]
fn another_models_stack_under_the_same_name_is_never_adopted() {
    let want = desired("Opus", "80", &[]);
    let mut have = observed(&want, "CREATE_COMPLETE");
    have.parameters
        .insert("BedrockModelName".into(), "opus".into());
    let plan = plan("Acme", "us-east-1", &[want], &[have], &no_echo());
    let Action::Blocked { reason } = &plan.stacks[0].action else {
        panic!("{:?}", plan.stacks[0].action)
    };
    assert!(
        reason.contains("BedrockModelName=opus, not Opus"),
        "{reason}"
    );
}

#[test]
fn stacks_cloudformation_cannot_update_are_blocked_with_what_to_do() {
    for (status, expect) in [
        ("ROLLBACK_COMPLETE", "delete it"),
        ("UPDATE_IN_PROGRESS", "in progress"),
        ("UPDATE_ROLLBACK_FAILED", "cannot update"),
    ] {
        let want = desired("Opus", "80", &[]);
        let have = observed(&want, status);
        let plan = plan("Acme", "us-east-1", &[want], &[have], &no_echo());
        let Action::Blocked { reason } = &plan.stacks[0].action else {
            panic!("{status}: {:?}", plan.stacks[0].action)
        };
        assert!(reason.contains(expect), "{status}: {reason}");
    }
    // A CREATE change set that was never executed: the stack holds nothing, create again.
    let want = desired("Opus", "80", &[]);
    let have = observed(&want, "REVIEW_IN_PROGRESS");
    let plan = plan("Acme", "us-east-1", &[want], &[have], &no_echo());
    assert!(matches!(plan.stacks[0].action, Action::Create { .. }));
}

#[test]
fn stack_set_placements_are_added_and_removed() {
    let mut want = desired("Opus", "80", &[]);
    want.placements = BTreeSet::from(["ou-a/us-east-1".to_owned(), "ou-a/eu-west-1".to_owned()]);
    let mut have = observed(&want, "ACTIVE");
    have.placements = BTreeSet::from(["ou-a/us-east-1".to_owned(), "ou-a/ap-south-1".to_owned()]);
    let plan = plan("Acme", "StackSets", &[want], &[have], &no_echo());
    let Action::Update {
        placements_added,
        placements_removed,
        ..
    } = &plan.stacks[0].action
    else {
        panic!("{:?}", plan.stacks[0].action)
    };
    assert_eq!(placements_added, &["ou-a/eu-west-1"]);
    assert_eq!(placements_removed, &["ou-a/ap-south-1"]);
}
