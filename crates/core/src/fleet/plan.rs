//! The fleet plan: the desired stacks (from the file) against the stacks CloudFormation holds, as a pure
//! diff. Every model gets exactly one verdict — create, update (the parameters that change, whether the
//! template changes), unchanged, or blocked with the reason — and every stack carrying this fleet's tag
//! whose model left the file is planned for deletion (carried out only with `--prune`).
//!
//! What the Python sample's registry got wrong and this does not (W-16): changes are planned as updates
//! (it had no update path); an existing stack is only taken over when its own `CustomerName` and
//! `BedrockModelName` are this model's; a stack in a state CloudFormation cannot update (a failed
//! creation, an operation in progress) is reported, not adopted; a stack the fleet did not tag is never
//! deleted.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::file::{CUSTOMER_PARAMETER, MODEL_NAME_PARAMETER};
use super::identity::{FLEET_TAG, MODEL_TAG, TEMPLATE_TAG};

/// CloudFormation's answer for a NoEcho parameter's value.
pub const MASKED: &str = "****";

/// One model's stack (or StackSet) as the file wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredStack {
    pub model: String,
    pub stack_name: String,
    pub parameters: BTreeMap<String, String>,
    /// Digest of the template source apply would send; `None` when the plan was made without one (the
    /// template is then not compared).
    pub template_digest: Option<String>,
    /// StackSets only: `<organizational unit>/<Region>` deployment targets.
    pub placements: BTreeSet<String>,
}

/// A stack (or StackSet) as CloudFormation describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObservedStack {
    pub name: String,
    pub status: String,
    pub parameters: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    /// StackSets only: `<organizational unit>/<Region>` of its instances.
    pub placements: BTreeSet<String>,
}

/// One parameter whose value changes; `None` is "not set".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParameterChange {
    pub name: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// What apply will do with one stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Create {
        parameters: usize,
        placements: Vec<String>,
    },
    Update {
        changes: Vec<ParameterChange>,
        template_changed: bool,
        placements_added: Vec<String>,
        /// Removed only with `--prune`.
        placements_removed: Vec<String>,
    },
    Unchanged,
    /// The model left the file; deleted only with `--prune`.
    Delete,
    /// Apply cannot act on this stack; the reason says what a person must do.
    Blocked {
        reason: String,
    },
}

impl Action {
    pub fn label(&self) -> &'static str {
        match self {
            Action::Create { .. } => "create",
            Action::Update { .. } => "update",
            Action::Unchanged => "no change",
            Action::Delete => "delete",
            Action::Blocked { .. } => "blocked",
        }
    }
}

/// One line of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackPlan {
    pub stack_name: String,
    pub model: String,
    /// The stack's current status; `None` when it does not exist.
    pub status: Option<String>,
    #[serde(flatten)]
    pub action: Action,
}

/// The whole plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetPlan {
    pub customer: String,
    /// Where the stacks go: a Region, or the StackSets' targets.
    pub target: String,
    pub stacks: Vec<StackPlan>,
    /// Digest of the template source compared; `None`: the template was not compared.
    pub template: Option<String>,
    /// NoEcho parameters: CloudFormation never returns them, so they are sent but never compared.
    pub not_compared: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Counts {
    pub create: usize,
    pub update: usize,
    pub unchanged: usize,
    pub delete: usize,
    pub blocked: usize,
}

impl FleetPlan {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for stack in &self.stacks {
            match stack.action {
                Action::Create { .. } => counts.create += 1,
                Action::Update { .. } => counts.update += 1,
                Action::Unchanged => counts.unchanged += 1,
                Action::Delete => counts.delete += 1,
                Action::Blocked { .. } => counts.blocked += 1,
            }
        }
        counts
    }
}

/// Statuses from which CloudFormation accepts an UPDATE change set.
const UPDATABLE: [&str; 5] = [
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
];
/// A stack whose CREATE change set was made but never executed: it holds no resources yet.
const REVIEW: &str = "REVIEW_IN_PROGRESS";
/// StackSets report ACTIVE when they can be updated.
const STACK_SET_ACTIVE: &str = "ACTIVE";

fn blocked_reason(status: &str) -> String {
    if status.ends_with("_IN_PROGRESS") {
        format!("{status}: an operation is in progress; plan again when it has finished")
    } else if status == "ROLLBACK_COMPLETE"
        || status == "ROLLBACK_FAILED"
        || status == "CREATE_FAILED"
    {
        format!(
            "{status}: its creation failed and CloudFormation cannot update it; read its events, delete it (aws cloudformation delete-stack), then apply again"
        )
    } else {
        format!("{status}: CloudFormation cannot update a stack in this state; see its events")
    }
}

fn ownership_problem(desired: &DesiredStack, observed: &ObservedStack) -> Option<String> {
    for key in [CUSTOMER_PARAMETER, MODEL_NAME_PARAMETER] {
        let (want, have) = (desired.parameters.get(key), observed.parameters.get(key));
        if let (Some(want), Some(have)) = (want, have)
            && want != have
        {
            return Some(format!(
                "the existing stack has {key}={have}, not {want}: it belongs to another model; it is left alone"
            ));
        }
    }
    None
}

fn diff(desired: &DesiredStack, observed: &ObservedStack, no_echo: &BTreeSet<String>) -> Action {
    let changes: Vec<ParameterChange> = desired
        .parameters
        .iter()
        .filter(|(name, _)| !no_echo.contains(*name))
        .filter(|(name, value)| observed.parameters.get(*name) != Some(value))
        .map(|(name, value)| ParameterChange {
            name: name.clone(),
            from: observed.parameters.get(name).cloned(),
            to: Some(value.clone()),
        })
        .collect();
    let template_changed = desired
        .template_digest
        .as_ref()
        .is_some_and(|digest| observed.tags.get(TEMPLATE_TAG) != Some(digest));
    let placements_added: Vec<String> = desired
        .placements
        .difference(&observed.placements)
        .cloned()
        .collect();
    let placements_removed: Vec<String> = observed
        .placements
        .difference(&desired.placements)
        .cloned()
        .collect();
    if changes.is_empty()
        && !template_changed
        && placements_added.is_empty()
        && placements_removed.is_empty()
    {
        Action::Unchanged
    } else {
        Action::Update {
            changes,
            template_changed,
            placements_added,
            placements_removed,
        }
    }
}

fn verdict(
    desired: &DesiredStack,
    observed: Option<&ObservedStack>,
    no_echo: &BTreeSet<String>,
) -> Action {
    let create = || Action::Create {
        parameters: desired.parameters.len(),
        placements: desired.placements.iter().cloned().collect(),
    };
    let Some(observed) = observed else {
        return create();
    };
    if let Some(reason) = ownership_problem(desired, observed) {
        return Action::Blocked { reason };
    }
    if observed.status == REVIEW {
        return create();
    }
    if !UPDATABLE.contains(&observed.status.as_str()) && observed.status != STACK_SET_ACTIVE {
        return Action::Blocked {
            reason: blocked_reason(&observed.status),
        };
    }
    diff(desired, observed, no_echo)
}

/// The plan of one fleet. `observed` is every stack CloudFormation listed (any owner: only the desired
/// names and the stacks tagged with this fleet's customer are looked at).
pub fn plan(
    customer: &str,
    target: &str,
    desired: &[DesiredStack],
    observed: &[ObservedStack],
    no_echo: &BTreeSet<String>,
) -> FleetPlan {
    let by_name: BTreeMap<&str, &ObservedStack> =
        observed.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut stacks: Vec<StackPlan> = desired
        .iter()
        .map(|want| {
            let have = by_name.get(want.stack_name.as_str()).copied();
            StackPlan {
                stack_name: want.stack_name.clone(),
                model: want.model.clone(),
                status: have.map(|s| s.status.clone()),
                action: verdict(want, have, no_echo),
            }
        })
        .collect();
    let wanted: BTreeSet<&str> = desired.iter().map(|d| d.stack_name.as_str()).collect();
    for stack in observed {
        let ours = stack.tags.get(FLEET_TAG).is_some_and(|c| c == customer);
        if !ours || wanted.contains(stack.name.as_str()) {
            continue;
        }
        let in_progress = stack.status.ends_with("_IN_PROGRESS") && stack.status != REVIEW;
        stacks.push(StackPlan {
            stack_name: stack.name.clone(),
            model: stack.tags.get(MODEL_TAG).cloned().unwrap_or_default(),
            status: Some(stack.status.clone()),
            action: if in_progress {
                Action::Blocked {
                    reason: blocked_reason(&stack.status),
                }
            } else {
                Action::Delete
            },
        });
    }
    FleetPlan {
        customer: customer.to_owned(),
        target: target.to_owned(),
        template: desired.iter().find_map(|d| d.template_digest.clone()),
        stacks,
        not_compared: no_echo.iter().cloned().collect(),
    }
}
