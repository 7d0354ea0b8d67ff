//! One line of `fleet status`: what CloudFormation, Parameter Store, CloudWatch, Service Quotas and Support
//! say about one model's stack, gathered by the CLI and rendered by [`super::render`].

use serde::Serialize;

/// A threshold next to the quota it was computed from, as the stack stored them in Parameter Store.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Limits {
    /// `None`: not stored (yet); `NA` for an RPM quota the model does not have.
    pub threshold: Option<String>,
    pub quota: Option<String>,
}

/// An open quota increase request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenRequest {
    pub quota_code: String,
    pub desired: u64,
    pub status: String,
    /// The Support case's display id, once Service Quotas opened one.
    pub case_id: Option<String>,
}

/// One stack of the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackStatus {
    pub stack_name: String,
    pub model: String,
    /// CloudFormation's status; `None` when the stack does not exist.
    pub status: Option<String>,
    pub rpm: Limits,
    pub tpm: Limits,
    /// The alarms of this stack now in ALARM (alarm kinds, e.g. `HighTPMQuotaUsage`).
    pub in_alarm: Vec<String>,
    pub open_requests: Vec<OpenRequest>,
    /// Display ids (or case ids) of open Support cases whose subject is this stack's.
    pub open_cases: Vec<String>,
    /// What could not be read, said rather than shown as zero.
    pub unreadable: Vec<String>,
}
