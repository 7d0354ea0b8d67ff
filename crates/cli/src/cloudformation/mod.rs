//! CloudFormation for `fleet`: stacks through change sets, and StackSets with service-managed permissions.
//! One trait per capability ([`Stacks`], [`StackSets`]), implemented over the SDK client ([`sdk`]) and, for
//! tests, in memory ([`memory`]). This lives in the CLI crate on purpose: it is the CLI's need only, so no
//! Lambda ever compiles the CloudFormation SDK.

use std::collections::BTreeMap;
use std::future::Future;

use bedrock_ops_aws::AwsError;

#[cfg(test)]
pub mod memory;
pub mod sdk;

/// Where the template comes from: inline (at most 51,200 bytes, CloudFormation's limit) or a URL in S3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSource {
    Body(String),
    Url(String),
}

/// CloudFormation's TemplateBody limit.
pub const MAX_TEMPLATE_BODY: usize = 51_200;

/// A stack as DescribeStacks returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StackDescription {
    pub name: String,
    /// The stack's ARN: a deleted stack is still found (DELETE_COMPLETE) by its id, never by its name.
    pub id: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub parameters: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    /// OutputKey → OutputValue (`doctor` reads the topics' ARNs and the ledger's name there).
    pub outputs: BTreeMap<String, String>,
}

/// One stack event (newest first when listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackEvent {
    pub event_id: String,
    pub logical_id: String,
    pub resource_type: String,
    pub status: String,
    pub reason: Option<String>,
}

/// What a change set is to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetRequest {
    pub stack_name: String,
    pub change_set_name: String,
    /// CREATE for a stack that does not exist (or was never executed), UPDATE otherwise.
    pub create: bool,
    pub template: TemplateSource,
    pub parameters: BTreeMap<String, String>,
    pub tags: Vec<(String, String)>,
}

/// Where a change set stands (DescribeChangeSet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeSetState {
    /// CREATE_PENDING or CREATE_IN_PROGRESS.
    Pending,
    /// CREATE_COMPLETE with execution AVAILABLE.
    Ready,
    /// FAILED because it contains nothing to do ("The submitted information didn't contain changes").
    NoChanges,
    /// FAILED for any other reason, with CloudFormation's reason.
    Failed(String),
}

/// The reason CloudFormation gives a change set that changes nothing.
pub const NO_CHANGES_REASON: &str = "The submitted information didn't contain changes";

/// Stacks and change sets in one account and Region.
pub trait Stacks {
    /// Every stack that is not deleted (DescribeStacks, every page).
    fn list(&self) -> impl Future<Output = Result<Vec<StackDescription>, AwsError>>;
    /// One stack by name or id; `None` when it does not exist.
    fn describe(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<StackDescription>, AwsError>>;
    /// Starts creating a change set (asynchronous in CloudFormation); returns its id.
    fn create_change_set(
        &self,
        request: &ChangeSetRequest,
    ) -> impl Future<Output = Result<String, AwsError>>;
    fn change_set_state(&self, id: &str) -> impl Future<Output = Result<ChangeSetState, AwsError>>;
    fn execute_change_set(&self, id: &str) -> impl Future<Output = Result<(), AwsError>>;
    fn delete_change_set(&self, id: &str) -> impl Future<Output = Result<(), AwsError>>;
    fn delete_stack(&self, name: &str) -> impl Future<Output = Result<(), AwsError>>;
    /// The stack's most recent events, newest first (the first page); by name or id.
    fn events(&self, name: &str) -> impl Future<Output = Result<Vec<StackEvent>, AwsError>>;
}

/// A StackSet as DescribeStackSet returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StackSetDescription {
    pub name: String,
    /// ACTIVE or DELETED.
    pub status: String,
    pub parameters: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
}

/// One stack instance (ListStackInstances).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackInstance {
    pub account: String,
    pub region: String,
    pub organizational_unit: Option<String>,
    /// CURRENT, OUTDATED or INOPERABLE.
    pub status: String,
    pub reason: Option<String>,
}

/// Organizational units (and optionally accounts within them) and Regions of a StackSet operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub organizational_units: Vec<String>,
    /// Non-empty: only these accounts of the units (AccountFilterType INTERSECTION).
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
}

/// Where a StackSet operation stands (DescribeStackSetOperation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationState {
    Running,
    Succeeded,
    /// FAILED or STOPPED, with the first failed instance's reason when there is one.
    Failed(String),
}

/// StackSets with service-managed permissions (AWS Organizations), from the management account or a
/// delegated administrator.
pub trait StackSets {
    /// Every active StackSet whose name starts with `prefix`, described (tags and parameters included).
    fn list(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<StackSetDescription>, AwsError>>;
    fn describe(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<StackSetDescription>, AwsError>>;
    fn instances(&self, name: &str) -> impl Future<Output = Result<Vec<StackInstance>, AwsError>>;
    fn create(
        &self,
        name: &str,
        template: &TemplateSource,
        parameters: &BTreeMap<String, String>,
        tags: &[(String, String)],
    ) -> impl Future<Output = Result<(), AwsError>>;
    /// Updates every instance; returns the operation id.
    fn update(
        &self,
        name: &str,
        template: &TemplateSource,
        parameters: &BTreeMap<String, String>,
        tags: &[(String, String)],
    ) -> impl Future<Output = Result<String, AwsError>>;
    fn create_instances(
        &self,
        name: &str,
        deployment: &Deployment,
    ) -> impl Future<Output = Result<String, AwsError>>;
    fn delete_instances(
        &self,
        name: &str,
        deployment: &Deployment,
    ) -> impl Future<Output = Result<String, AwsError>>;
    fn delete(&self, name: &str) -> impl Future<Output = Result<(), AwsError>>;
    fn operation(
        &self,
        name: &str,
        operation_id: &str,
    ) -> impl Future<Output = Result<OperationState, AwsError>>;
}
