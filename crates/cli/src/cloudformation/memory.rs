//! In-memory [`StackSets`] for tests of the paths the emulator (moto) cannot run: service-managed StackSets
//! need AWS Organizations, and moto reports an operation on an organizational unit as SUCCEEDED while it
//! creates nothing. This fake is no kinder than StackSets: operations run for a few reads before they end,
//! an organizational unit expands to its accounts, a set with instances cannot be deleted, and a failure can
//! be injected for the next operation.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};

use bedrock_ops_aws::AwsError;

use super::{
    Deployment, OperationState, StackInstance, StackSetDescription, StackSets, TemplateSource,
};

const SERVICE: &str = "cloudformation";

#[derive(Debug, Default)]
struct State {
    sets: BTreeMap<String, (StackSetDescription, Vec<StackInstance>)>,
    org_units: BTreeMap<String, Vec<String>>,
    /// Operation id → reads left before it ends, and how it ends.
    operations: BTreeMap<String, (u32, OperationState)>,
    next_failure: VecDeque<String>,
    calls: Vec<String>,
    next_id: u32,
}

#[derive(Debug, Default)]
pub struct MemoryStackSets {
    state: RefCell<State>,
}

/// Reads of DescribeStackSetOperation before an operation ends.
const RUNNING_READS: u32 = 2;

impl MemoryStackSets {
    pub fn new() -> Self {
        Self::default()
    }

    /// An organizational unit and the accounts in it.
    pub fn with_org_unit(self, id: &str, accounts: &[&str]) -> Self {
        self.state.borrow_mut().org_units.insert(
            id.to_owned(),
            accounts.iter().map(|a| (*a).to_owned()).collect(),
        );
        self
    }

    /// The next operation (of any kind) fails with this reason.
    pub fn fail_next_operation(&self, reason: &str) {
        self.state
            .borrow_mut()
            .next_failure
            .push_back(reason.to_owned());
    }

    /// Every call, as `Operation name` lines.
    pub fn calls(&self) -> Vec<String> {
        self.state.borrow().calls.clone()
    }

    pub fn set(&self, name: &str) -> Option<(StackSetDescription, Vec<StackInstance>)> {
        self.state.borrow().sets.get(name).cloned()
    }

    fn call(&self, text: String) {
        self.state.borrow_mut().calls.push(text);
    }

    fn start_operation(&self) -> String {
        let mut state = self.state.borrow_mut();
        state.next_id += 1;
        let id = format!("op-{}", state.next_id);
        let outcome = state
            .next_failure
            .pop_front()
            .map_or(OperationState::Succeeded, OperationState::Failed);
        state
            .operations
            .insert(id.clone(), (RUNNING_READS, outcome));
        id
    }

    fn missing(operation: &'static str, name: &str) -> AwsError {
        AwsError::NotFound {
            service: SERVICE,
            operation,
            message: format!("StackSet {name} not found"),
        }
    }
}

impl StackSets for MemoryStackSets {
    async fn list(&self, prefix: &str) -> Result<Vec<StackSetDescription>, AwsError> {
        self.call(format!("ListStackSets {prefix}"));
        Ok(self
            .state
            .borrow()
            .sets
            .values()
            .filter(|(set, _)| set.name.starts_with(prefix) && set.status == "ACTIVE")
            .map(|(set, _)| set.clone())
            .collect())
    }

    async fn describe(&self, name: &str) -> Result<Option<StackSetDescription>, AwsError> {
        self.call(format!("DescribeStackSet {name}"));
        Ok(self
            .state
            .borrow()
            .sets
            .get(name)
            .map(|(set, _)| set.clone()))
    }

    async fn instances(&self, name: &str) -> Result<Vec<StackInstance>, AwsError> {
        self.call(format!("ListStackInstances {name}"));
        let state = self.state.borrow();
        let (_, instances) = state
            .sets
            .get(name)
            .ok_or_else(|| Self::missing("ListStackInstances", name))?;
        Ok(instances.clone())
    }

    async fn create(
        &self,
        name: &str,
        _template: &TemplateSource,
        parameters: &BTreeMap<String, String>,
        tags: &[(String, String)],
    ) -> Result<(), AwsError> {
        self.call(format!("CreateStackSet {name}"));
        let mut state = self.state.borrow_mut();
        if state.sets.contains_key(name) {
            return Err(AwsError::AlreadyExists {
                service: SERVICE,
                operation: "CreateStackSet",
                message: format!("StackSet {name} already exists"),
            });
        }
        let set = StackSetDescription {
            name: name.to_owned(),
            status: "ACTIVE".into(),
            parameters: parameters.clone(),
            tags: tags.iter().cloned().collect(),
        };
        state.sets.insert(name.to_owned(), (set, Vec::new()));
        Ok(())
    }

    async fn update(
        &self,
        name: &str,
        _template: &TemplateSource,
        parameters: &BTreeMap<String, String>,
        tags: &[(String, String)],
    ) -> Result<String, AwsError> {
        self.call(format!("UpdateStackSet {name}"));
        {
            let mut state = self.state.borrow_mut();
            let (set, instances) = state
                .sets
                .get_mut(name)
                .ok_or_else(|| Self::missing("UpdateStackSet", name))?;
            set.parameters = parameters.clone();
            set.tags = tags.iter().cloned().collect();
            for instance in instances {
                instance.status = "CURRENT".into();
            }
        }
        Ok(self.start_operation())
    }

    async fn create_instances(
        &self,
        name: &str,
        deployment: &Deployment,
    ) -> Result<String, AwsError> {
        self.call(format!(
            "CreateStackInstances {name} {} {}",
            deployment.organizational_units.join(","),
            deployment.regions.join(",")
        ));
        {
            let mut state = self.state.borrow_mut();
            let mut added = Vec::new();
            for unit in &deployment.organizational_units {
                let accounts = state.org_units.get(unit).cloned().unwrap_or_default();
                for account in accounts
                    .iter()
                    .filter(|a| deployment.accounts.is_empty() || deployment.accounts.contains(a))
                {
                    for region in &deployment.regions {
                        added.push(StackInstance {
                            account: account.clone(),
                            region: region.clone(),
                            organizational_unit: Some(unit.clone()),
                            status: "CURRENT".into(),
                            reason: None,
                        });
                    }
                }
            }
            let (_, instances) = state
                .sets
                .get_mut(name)
                .ok_or_else(|| Self::missing("CreateStackInstances", name))?;
            instances.extend(added);
        }
        Ok(self.start_operation())
    }

    async fn delete_instances(
        &self,
        name: &str,
        deployment: &Deployment,
    ) -> Result<String, AwsError> {
        self.call(format!(
            "DeleteStackInstances {name} {} {}",
            deployment.organizational_units.join(","),
            deployment.regions.join(",")
        ));
        {
            let mut state = self.state.borrow_mut();
            let (_, instances) = state
                .sets
                .get_mut(name)
                .ok_or_else(|| Self::missing("DeleteStackInstances", name))?;
            instances.retain(|i| {
                let unit = i.organizational_unit.as_deref().unwrap_or_default();
                !(deployment.organizational_units.iter().any(|u| u == unit)
                    && deployment.regions.contains(&i.region))
            });
        }
        Ok(self.start_operation())
    }

    async fn delete(&self, name: &str) -> Result<(), AwsError> {
        self.call(format!("DeleteStackSet {name}"));
        let mut state = self.state.borrow_mut();
        let (_, instances) = state
            .sets
            .get(name)
            .ok_or_else(|| Self::missing("DeleteStackSet", name))?;
        if !instances.is_empty() {
            return Err(AwsError::Other {
                service: SERVICE,
                operation: "DeleteStackSet",
                code: "StackSetNotEmptyException".into(),
                message: format!("StackSet {name} still has {} instances", instances.len()),
            });
        }
        state.sets.remove(name);
        Ok(())
    }

    async fn operation(&self, name: &str, operation_id: &str) -> Result<OperationState, AwsError> {
        self.call(format!("DescribeStackSetOperation {name} {operation_id}"));
        let mut state = self.state.borrow_mut();
        let (reads, outcome) =
            state
                .operations
                .get_mut(operation_id)
                .ok_or_else(|| AwsError::NotFound {
                    service: SERVICE,
                    operation: "DescribeStackSetOperation",
                    message: format!("operation {operation_id} not found"),
                })?;
        if *reads > 0 {
            *reads -= 1;
            return Ok(OperationState::Running);
        }
        Ok(outcome.clone())
    }
}
