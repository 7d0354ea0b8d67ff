//! Service Quotas: read quota values, list a service's quotas, file and find increase requests.

use std::future::Future;

use crate::AwsError;

#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod sdk;

/// Where a quota value came from (a core type: the live thresholds carry it).
pub use bedrock_ops_core::thresholds::QuotaSource;

/// A quota and its current value.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaInfo {
    pub service_code: String,
    pub code: String,
    pub name: String,
    pub value: f64,
    pub adjustable: bool,
    pub unit: Option<String>,
    pub source: QuotaSource,
}

/// Status of a quota increase request, as Service Quotas reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeStatus {
    Pending,
    CaseOpened,
    Approved,
    Denied,
    CaseClosed,
    NotApproved,
    InvalidRequest,
    /// A status this version does not know yet, as received.
    Other(String),
}

impl ChangeStatus {
    /// The API's spelling (`PENDING`, `CASE_OPENED`, …).
    pub fn as_str(&self) -> &str {
        match self {
            ChangeStatus::Pending => "PENDING",
            ChangeStatus::CaseOpened => "CASE_OPENED",
            ChangeStatus::Approved => "APPROVED",
            ChangeStatus::Denied => "DENIED",
            ChangeStatus::CaseClosed => "CASE_CLOSED",
            ChangeStatus::NotApproved => "NOT_APPROVED",
            ChangeStatus::InvalidRequest => "INVALID_REQUEST",
            ChangeStatus::Other(other) => other,
        }
    }

    pub fn parse(status: &str) -> Self {
        match status {
            "PENDING" => ChangeStatus::Pending,
            "CASE_OPENED" => ChangeStatus::CaseOpened,
            "APPROVED" => ChangeStatus::Approved,
            "DENIED" => ChangeStatus::Denied,
            "CASE_CLOSED" => ChangeStatus::CaseClosed,
            "NOT_APPROVED" => ChangeStatus::NotApproved,
            "INVALID_REQUEST" => ChangeStatus::InvalidRequest,
            other => ChangeStatus::Other(other.to_owned()),
        }
    }

    /// Still being worked on: a new request for the same quota would be refused as already existing.
    pub fn is_open(&self) -> bool {
        matches!(self, ChangeStatus::Pending | ChangeStatus::CaseOpened)
    }
}

/// A quota increase request.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestedChange {
    pub id: String,
    pub quota_code: String,
    /// The Support case's *display* id, once Service Quotas has opened one (it fills in asynchronously).
    pub case_id: Option<String>,
    pub status: ChangeStatus,
    pub desired: f64,
    /// Epoch seconds.
    pub created: Option<i64>,
}

/// Service Quotas.
pub trait QuotaService: Send + Sync {
    /// The quota's applied value. When the account has no applied value (GetServiceQuota answers
    /// NoSuchResourceException, which it does for quotas never changed in some services), the AWS default is
    /// read instead (GetAWSDefaultServiceQuota) and marked [`QuotaSource::AwsDefault`]. Only when both are
    /// missing is the result [`AwsError::NotFound`].
    fn get(
        &self,
        service_code: &str,
        quota_code: &str,
    ) -> impl Future<Output = Result<QuotaInfo, AwsError>> + Send;

    /// Every quota of the service: the applied values (ListServiceQuotas, every page), completed with the AWS
    /// defaults of quotas that have no applied value (ListAWSDefaultServiceQuotas, every page, read concurrently),
    /// because ListServiceQuotas leaves those out. Sorted by quota code.
    fn list(
        &self,
        service_code: &str,
    ) -> impl Future<Output = Result<Vec<QuotaInfo>, AwsError>> + Send;

    /// Files an increase request (RequestServiceQuotaIncrease, Support case allowed). An open request for the same
    /// quota gives [`AwsError::AlreadyExists`]; a quota that is not adjustable or a value not above the current
    /// one gives [`AwsError::IllegalArgument`]; too many open requests gives [`AwsError::QuotaExceeded`].
    fn request_increase(
        &self,
        service_code: &str,
        quota_code: &str,
        desired: f64,
    ) -> impl Future<Output = Result<RequestedChange, AwsError>> + Send;

    /// One increase request by its id (GetRequestedServiceQuotaChange): its status and, once Service Quotas
    /// has linked one, its Support case. An unknown id gives [`AwsError::NotFound`].
    fn requested_change(
        &self,
        request_id: &str,
    ) -> impl Future<Output = Result<RequestedChange, AwsError>> + Send;

    /// The quota's open increase requests (PENDING and CASE_OPENED, from every page), newest first.
    fn open_requests(
        &self,
        service_code: &str,
        quota_code: &str,
    ) -> impl Future<Output = Result<Vec<RequestedChange>, AwsError>> + Send;
}
