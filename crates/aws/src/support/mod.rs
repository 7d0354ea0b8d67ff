//! AWS Support: find open cases, create a case, append to one, read its correspondence.
//!
//! The Support API needs a Business, Enterprise On-Ramp or Enterprise plan; without one every call fails with
//! [`AwsError::SubscriptionRequired`](crate::AwsError::SubscriptionRequired). Case bodies and communications may
//! contain e-mail addresses (`submitted_by`): never log them.

use std::future::Future;

use crate::AwsError;

#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod sdk;

/// The fields of a case that dedup and reporting need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    /// The internal id (`case-123456789012-muen-2024-…`) that the API's other calls take.
    pub case_id: String,
    /// The number shown in the console, which Service Quotas reports as its request's case id.
    pub display_id: Option<String>,
    pub subject: String,
    /// `opened`, `pending-customer-action`, `reopened`, `resolved`, `unassigned`, `work-in-progress`, …
    pub status: String,
    /// As the API returns it (ISO 8601).
    pub time_created: String,
    /// `time_created` in epoch seconds, when it parses.
    pub created_at: Option<i64>,
    pub severity: Option<String>,
    pub service_code: Option<String>,
    pub category_code: Option<String>,
    /// The case's most recent communications, newest first, as [`SupportDesk::open_cases`] reads them
    /// (DescribeCases with `includeCommunications`: AWS returns the newest 5); empty from the other reads.
    /// They may hold e-mail addresses: never log them.
    pub recent: Vec<CaseCommunication>,
}

/// What CreateCase needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDraft {
    pub subject: String,
    pub body: String,
    /// `low`, `normal`, `high`, `urgent`, `critical` (the plan limits which are allowed).
    pub severity: String,
    pub service_code: String,
    pub category_code: String,
    pub issue_type: String,
    pub language: String,
}

impl CaseDraft {
    /// A technical case about Amazon Bedrock in English, category general guidance (the team's contract).
    pub fn bedrock(
        subject: impl Into<String>,
        body: impl Into<String>,
        severity: impl Into<String>,
    ) -> Self {
        Self {
            subject: subject.into(),
            body: body.into(),
            severity: severity.into(),
            service_code: "service-bedrock".into(),
            category_code: "general-guidance".into(),
            issue_type: "technical".into(),
            language: "en".into(),
        }
    }
}

/// A case just created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRef {
    pub case_id: String,
    /// CreateCase returns only the internal id, so this is `None` from the SDK implementation; look the case up
    /// (DescribeCases) when the display id is needed.
    pub display_id: Option<String>,
}

/// One message of a case's correspondence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseCommunication {
    pub body: String,
    /// `Amazon Web Services` or the submitter's address: never log it.
    pub submitted_by: Option<String>,
    pub time_created: Option<String>,
    /// `time_created` in epoch seconds, when it parses.
    pub created_at: Option<i64>,
}

/// Who AWS's own replies on a case are submitted by.
pub const AWS_SUBMITTER: &str = "Amazon Web Services";

/// A case looked up by display id together with whether AWS has replied on it yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedCase {
    pub summary: CaseSummary,
    /// One of the case's recent communications was submitted by [`AWS_SUBMITTER`] (its automated first
    /// reply, which comes about a minute after the case is opened).
    pub aws_replied: bool,
}

/// AWS Support (the SDK implementation's client is pinned to us-east-1).
pub trait SupportDesk: Send + Sync {
    /// Every unresolved case created at or after `after_epoch` (DescribeCases, every page), each with its
    /// most recent communications ([`CaseSummary::recent`]) read in the same call.
    fn open_cases(
        &self,
        after_epoch: i64,
    ) -> impl Future<Output = Result<Vec<CaseSummary>, AwsError>> + Send;

    /// The case with this display id, resolved or not (so the caller sees its status), if it exists.
    fn case_by_display_id(
        &self,
        display_id: &str,
    ) -> impl Future<Output = Result<Option<CaseSummary>, AwsError>> + Send;

    /// [`SupportDesk::case_by_display_id`] with the case's recent communications read in the same call
    /// (DescribeCases with `includeCommunications`), to tell whether AWS has replied yet.
    fn linked_case(
        &self,
        display_id: &str,
    ) -> impl Future<Output = Result<Option<LinkedCase>, AwsError>> + Send;

    /// The case with this internal id, resolved or not, if it exists. CreateCase answers only the internal id; this
    /// is how its display id (the one the console and people use) is found.
    fn case_by_id(
        &self,
        case_id: &str,
    ) -> impl Future<Output = Result<Option<CaseSummary>, AwsError>> + Send;

    /// Creates a case.
    fn create_case(
        &self,
        draft: &CaseDraft,
    ) -> impl Future<Output = Result<CaseRef, AwsError>> + Send;

    /// Appends a message to a case (by internal id).
    fn add_communication(
        &self,
        case_id: &str,
        body: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;

    /// The case's whole correspondence (every page), newest first as the API returns it.
    fn communications(
        &self,
        case_id: &str,
    ) -> impl Future<Output = Result<Vec<CaseCommunication>, AwsError>> + Send;
}
