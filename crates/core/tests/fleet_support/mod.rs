//! Desired and observed stacks for the fleet plan tests (`fleet_plan.rs`, `fleet_tables.rs`).

use std::collections::{BTreeMap, BTreeSet};

use bedrock_ops_core::fleet::identity::{FLEET_TAG, MODEL_TAG, TEMPLATE_TAG, stack_name};
use bedrock_ops_core::fleet::plan::MASKED;
use bedrock_ops_core::fleet::{DesiredStack, ObservedStack};

/// Acme's stack of `model` with its TPM percent, sent to `placements` (`<unit>/<Region>`, StackSets only).
pub fn desired(model: &str, tpm_percent: &str, placements: &[&str]) -> DesiredStack {
    DesiredStack {
        model: model.into(),
        stack_name: stack_name("Acme", model),
        parameters: BTreeMap::from([
            ("CustomerName".into(), "Acme".into()),
            ("BedrockModelName".into(), model.into()),
            ("StakeholderEmailList".into(), "ops@example.com".into()),
            ("TokensPerMinuteThresholdPercent".into(), tpm_percent.into()),
            ("NotificationPreference".into(), "all".into()),
        ]),
        template_digest: Some("sha256:1111".into()),
        placements: placements.iter().map(|p| (*p).to_owned()).collect(),
    }
}

/// That stack as CloudFormation returns it once applied: the NoEcho value masked, the fleet's tags on it.
pub fn observed(want: &DesiredStack, status: &str) -> ObservedStack {
    let mut parameters = want.parameters.clone();
    parameters.insert("StakeholderEmailList".into(), MASKED.into());
    ObservedStack {
        name: want.stack_name.clone(),
        status: status.into(),
        parameters,
        tags: BTreeMap::from([
            (FLEET_TAG.into(), "Acme".into()),
            (MODEL_TAG.into(), want.model.clone()),
            (TEMPLATE_TAG.into(), want.template_digest.clone().unwrap()),
        ]),
        placements: want.placements.clone(),
    }
}

pub fn no_echo() -> BTreeSet<String> {
    BTreeSet::from(["StakeholderEmailList".to_owned()])
}
