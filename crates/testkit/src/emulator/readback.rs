//! What the code under test did, as the emulator recorded it: quota increase requests, Support cases, SNS
//! messages, every AWS call, and the answers PUT to the custom-resource response sink.

use serde::Deserialize;
use serde_json::{Value, json};

use super::http::percent_encode;
use super::{Emulator, EmulatorError};

/// A RequestServiceQuotaIncrease as the emulator recorded it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QuotaRequest {
    pub id: String,
    /// Display id of the linked Support case.
    pub case_id: Option<String>,
    /// Full id (`case-...`) of the linked Support case.
    pub support_case_id: Option<String>,
    pub service_code: String,
    pub quota_code: String,
    pub quota_name: String,
    pub desired_value: f64,
    pub status: String,
    /// Epoch seconds.
    pub created: f64,
    pub last_updated: f64,
}

/// A Support case with every communication, oldest first.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportCase {
    pub case_id: String,
    pub display_id: String,
    pub subject: String,
    pub status: String,
    pub service_code: String,
    pub category_code: String,
    pub severity_code: String,
    pub language: String,
    pub issue_type: String,
    pub submitted_by: String,
    pub time_created: String,
    pub cc_email_addresses: Vec<String>,
    pub communications: Vec<Communication>,
}

/// Who the cases Service Quotas opens, and their first communication, are submitted by.
pub const SERVICE_QUOTAS_SUBMITTER: &str = "servicequotas.amazonaws.com";
/// Who AWS's own replies on a case (the automated first one) are submitted by.
pub const AWS_SUBMITTER: &str = "Amazon Web Services";

impl SupportCase {
    /// The bodies of the communications neither Service Quotas nor AWS wrote: ours, oldest first.
    pub fn ours(&self) -> Vec<&str> {
        self.communications
            .iter()
            .filter(|c| {
                c.submitted_by != SERVICE_QUOTAS_SUBMITTER && c.submitted_by != AWS_SUBMITTER
            })
            .map(|c| c.body.as_str())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Communication {
    pub body: String,
    pub submitted_by: String,
    pub time_created: String,
}

/// One SNS publish.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnsMessage {
    pub message_id: String,
    pub topic_arn: String,
    pub subject: Option<String>,
    pub message: String,
    /// Epoch seconds.
    pub timestamp: f64,
}

/// One AWS call as the emulator received and answered it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CallRecord {
    /// `cloudwatch`, `servicequotas`, `support`, `sns`, `ssm`, `dynamodb`, ... (the signing name).
    pub service: String,
    /// API operation name (`GetMetricData`); for REST protocols, method and path.
    pub operation: String,
    pub region: String,
    /// Epoch seconds when the request arrived and when its answer was ready.
    pub start: f64,
    pub end: f64,
    pub status: u16,
    pub error_code: Option<String>,
    /// Whether an injected fault matched this call.
    pub faulted: bool,
}

/// A body PUT to the custom-resource response sink.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CfnResponse {
    /// The part of the path after `/_ext/cfn-response/`.
    pub path: String,
    pub query: String,
    pub content_type: String,
    /// The body parsed as JSON, when it is JSON.
    pub body: Option<Value>,
    pub raw: String,
    pub received: f64,
}

impl Emulator {
    /// Every RequestServiceQuotaIncrease received, oldest first.
    pub fn quota_requests(&self) -> Result<Vec<QuotaRequest>, EmulatorError> {
        self.get_list("/_ext/service-quotas/requests", "requests")
    }

    /// Every Support case, oldest first, with all its communications.
    pub fn support_cases(&self) -> Result<Vec<SupportCase>, EmulatorError> {
        self.get_list("/_ext/support/cases", "cases")
    }

    /// The cases Service Quotas opened for increase requests (not ours), oldest first.
    pub fn service_quotas_cases(&self) -> Result<Vec<SupportCase>, EmulatorError> {
        let mut cases = self.support_cases()?;
        cases.retain(|c| c.submitted_by == SERVICE_QUOTAS_SUBMITTER);
        Ok(cases)
    }

    /// Messages published to SNS, in publishing order, optionally for one topic.
    pub fn sns_messages(&self, topic_arn: Option<&str>) -> Result<Vec<SnsMessage>, EmulatorError> {
        let path = match topic_arn {
            Some(arn) => format!("/_ext/sns/messages?topic_arn={}", percent_encode(arn)),
            None => "/_ext/sns/messages".to_owned(),
        };
        self.get_list(&path, "messages")
    }

    /// Every AWS call received since the last reset, in arrival order.
    pub fn calls(&self) -> Result<Vec<CallRecord>, EmulatorError> {
        self.get_list("/_ext/calls", "calls")
    }

    pub fn reset_calls(&self) -> Result<(), EmulatorError> {
        self.call("POST", "/_ext/calls/reset", Some(&json!({})))
            .map(drop)
    }

    /// URL that a custom-resource response can be PUT to (stands in for CloudFormation's pre-signed S3 URL).
    pub fn cfn_response_url(&self, id: &str) -> String {
        format!("{}/_ext/cfn-response/{id}", self.endpoint_url())
    }

    /// Custom-resource responses PUT to [`Emulator::cfn_response_url`], oldest first.
    pub fn cfn_responses(&self) -> Result<Vec<CfnResponse>, EmulatorError> {
        self.get_list("/_ext/cfn-responses", "responses")
    }
}
