//! What CloudFormation holds, as the core's [`ObservedStack`]s: every stack of the account and Region (the
//! plan looks only at the desired names and the fleet's own tagged stacks), or the fleet's StackSets with
//! their instances.

use bedrock_ops_core::fleet::ObservedStack;
use bedrock_ops_core::fleet::identity::STACK_PREFIX;

use crate::cloudformation::{StackSets, Stacks};

pub async fn stacks(stacks: &impl Stacks) -> Result<Vec<ObservedStack>, String> {
    let listed = stacks.list().await.map_err(|e| e.to_string())?;
    Ok(listed
        .into_iter()
        .map(|stack| ObservedStack {
            name: stack.name,
            status: stack.status,
            parameters: stack.parameters,
            tags: stack.tags,
            placements: Default::default(),
        })
        .collect())
}

/// The customer's StackSets (named `bedrock-ops-alert-<customer>-…`) and where their instances are.
pub async fn stack_sets(
    sets: &impl StackSets,
    customer: &str,
) -> Result<Vec<ObservedStack>, String> {
    let prefix = format!("{STACK_PREFIX}-{customer}-");
    let listed = sets.list(&prefix).await.map_err(|e| e.to_string())?;
    let mut observed = Vec::with_capacity(listed.len());
    for set in listed {
        let instances = sets.instances(&set.name).await.map_err(|e| e.to_string())?;
        observed.push(ObservedStack {
            placements: instances
                .iter()
                .map(|i| {
                    format!(
                        "{}/{}",
                        i.organizational_unit.as_deref().unwrap_or(&i.account),
                        i.region
                    )
                })
                .collect(),
            name: set.name,
            status: set.status,
            parameters: set.parameters,
            tags: set.tags,
        });
    }
    Ok(observed)
}
