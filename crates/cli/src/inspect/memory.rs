//! [`Inspector`] in memory, for the doctor's unit tests: seeded answers, or a failure per operation.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use bedrock_ops_aws::AwsError;
use bedrock_ops_core::doctor::checks::{Subscription, Table};

use super::{Inspector, Window};

#[derive(Default)]
pub struct MemoryInspector {
    pub subscriptions: RefCell<BTreeMap<String, Vec<Subscription>>>,
    /// ModelId → Invocations in the window.
    pub invocations: RefCell<BTreeMap<String, f64>>,
    /// ModelIds with metrics in the Region but no traffic in the window.
    pub listed_only: RefCell<BTreeSet<String>>,
    pub tables: RefCell<BTreeMap<String, Table>>,
    pub roles: RefCell<BTreeSet<String>>,
    /// Operation → the error it answers.
    pub failures: RefCell<BTreeMap<&'static str, AwsError>>,
    pub calls: RefCell<Vec<&'static str>>,
}

impl MemoryInspector {
    pub fn fail(&self, operation: &'static str, error: AwsError) {
        self.failures.borrow_mut().insert(operation, error);
    }

    fn call(&self, operation: &'static str) -> Result<(), AwsError> {
        self.calls.borrow_mut().push(operation);
        match self.failures.borrow().get(operation) {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        }
    }
}

impl Inspector for MemoryInspector {
    async fn subscriptions(&self, topic_arn: &str) -> Result<Vec<Subscription>, AwsError> {
        self.call("ListSubscriptionsByTopic")?;
        Ok(self
            .subscriptions
            .borrow()
            .get(topic_arn)
            .cloned()
            .unwrap_or_default())
    }

    async fn with_invocations(
        &self,
        model_ids: &[String],
        _window: Window,
    ) -> Result<BTreeSet<String>, AwsError> {
        self.call("GetMetricData")?;
        let invocations = self.invocations.borrow();
        Ok(model_ids
            .iter()
            .filter(|id| invocations.get(*id).is_some_and(|n| *n > 0.0))
            .cloned()
            .collect())
    }

    async fn model_ids_in_region(&self) -> Result<Vec<String>, AwsError> {
        self.call("ListMetrics")?;
        let mut ids: BTreeSet<String> = self.invocations.borrow().keys().cloned().collect();
        ids.extend(self.listed_only.borrow().iter().cloned());
        Ok(ids.into_iter().collect())
    }

    async fn table(&self, name: &str) -> Result<Option<Table>, AwsError> {
        self.call("DescribeTable")?;
        Ok(self.tables.borrow().get(name).cloned())
    }

    async fn severity_levels(&self) -> Result<(), AwsError> {
        self.call("DescribeSeverityLevels")
    }

    async fn role_exists(&self, name: &str) -> Result<bool, AwsError> {
        self.call("GetRole")?;
        Ok(self.roles.borrow().contains(name))
    }
}
