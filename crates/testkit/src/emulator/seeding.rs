//! The state a test sets before the code under test runs: a clean slate, quotas and their values, quota
//! request statuses, the Support plan, per-call latency.

use bedrock_ops_core::thresholds::SERVICE_CODE;
use serde::Serialize;
use serde_json::{Value, json};

use super::{Emulator, EmulatorError};

/// A quota to seed. `Value` is the applied (or default) value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SeedQuota {
    pub service_code: String,
    pub quota_code: String,
    pub quota_name: String,
    pub value: f64,
    pub adjustable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl SeedQuota {
    /// An adjustable quota of the `bedrock` service.
    pub fn bedrock(quota_code: &str, quota_name: &str, value: f64) -> Self {
        Self {
            service_code: SERVICE_CODE.to_owned(),
            quota_code: quota_code.to_owned(),
            quota_name: quota_name.to_owned(),
            value,
            adjustable: true,
            unit: None,
        }
    }

    pub fn not_adjustable(mut self) -> Self {
        self.adjustable = false;
        self
    }

    /// The core's fixture of Bedrock quota names in Service Quotas' style
    /// (`crates/core/tests/fixtures/bedrock_quota_names.json`), with values and adjustability.
    pub fn bedrock_fixture() -> Vec<SeedQuota> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Fixture {
            quotas: Vec<Quota>,
        }
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Quota {
            quota_code: String,
            quota_name: String,
            value: f64,
            adjustable: bool,
        }
        let fixture: Fixture = serde_json::from_str(include_str!(
            "../../../core/tests/fixtures/bedrock_quota_names.json"
        ))
        .expect("the quota-name fixture is valid JSON");
        fixture
            .quotas
            .into_iter()
            .map(|q| SeedQuota {
                adjustable: q.adjustable,
                ..SeedQuota::bedrock(&q.quota_code, &q.quota_name, q.value)
            })
            .collect()
    }
}

impl Emulator {
    /// Clears everything: moto's state and every extension (quotas, cases, calls, faults, latency, responses).
    pub fn reset(&self) -> Result<(), EmulatorError> {
        self.call("POST", "/_ext/reset", Some(&json!({}))).map(drop)
    }

    /// Adds (or replaces) applied quota values and, optionally, AWS default values.
    pub fn seed_quotas(
        &self,
        quotas: &[SeedQuota],
        defaults: &[SeedQuota],
    ) -> Result<(), EmulatorError> {
        let body = json!({ "quotas": quotas, "defaults": defaults });
        self.call("POST", "/_ext/service-quotas/seed", Some(&body))
            .map(drop)
    }

    /// Seeds Bedrock inference profiles (in the emulator's Region): each `{"id", "type": "APPLICATION" |
    /// "SYSTEM_DEFINED", "models": [foundation-model ARN, ...], "status"?, "region"?}`; the fake derives
    /// the ARN, so `application_profile_arn(id)` is what GetInferenceProfile answers.
    pub fn seed_inference_profiles(&self, profiles: &[Value]) -> Result<(), EmulatorError> {
        let body = json!({ "profiles": profiles });
        self.call("POST", "/_ext/bedrock/inference-profiles", Some(&body))
            .map(drop)
    }

    /// Changes the applied value of a seeded quota.
    pub fn set_quota_value(
        &self,
        service_code: &str,
        quota_code: &str,
        value: f64,
    ) -> Result<(), EmulatorError> {
        let body = json!({ "ServiceCode": service_code, "QuotaCode": quota_code, "Value": value });
        self.call("POST", "/_ext/service-quotas/set-value", Some(&body))
            .map(drop)
    }

    /// Moves a quota request to another status (APPROVED also makes its value the applied one).
    pub fn set_request_status(&self, request_id: &str, status: &str) -> Result<(), EmulatorError> {
        let body = json!({ "Id": request_id, "Status": status });
        self.call("POST", "/_ext/service-quotas/requests/status", Some(&body))
            .map(drop)
    }

    /// `false` makes every Support call answer SubscriptionRequiredException (no Business/Enterprise plan).
    pub fn set_support_subscribed(&self, subscribed: bool) -> Result<(), EmulatorError> {
        let body = json!({ "subscribed": subscribed });
        self.call("POST", "/_ext/support/subscription", Some(&body))
            .map(drop)
    }

    /// Confirms the pending e-mail subscription of `topic_arn` to `endpoint`, as the recipient's click on the
    /// confirmation link does (the emulator keeps e-mail subscriptions pending, like AWS).
    pub fn confirm_subscription(
        &self,
        topic_arn: &str,
        endpoint: &str,
    ) -> Result<(), EmulatorError> {
        let body = json!({ "topic_arn": topic_arn, "endpoint": endpoint });
        self.call("POST", "/_ext/sns/confirm", Some(&body))
            .map(drop)
    }

    /// How Service Quotas links a request's Support case: after `reads` reads of the request or `seconds`
    /// since it was filed (the default, 1 read or 30 s, is AWS's: no CaseId in RequestServiceQuotaIncrease's
    /// answer, the case linked moments later).
    pub fn set_quota_case_linking(&self, reads: u32, seconds: f64) -> Result<(), EmulatorError> {
        let body = json!({ "link_after_reads": reads, "link_after_seconds": seconds });
        self.call("POST", "/_ext/service-quotas/settings", Some(&body))
            .map(drop)
    }

    /// `true` links the case in RequestServiceQuotaIncrease's answer itself (for tests about something else
    /// than the follow-up; never the default).
    pub fn set_quota_case_instant(&self, instant: bool) -> Result<(), EmulatorError> {
        self.call(
            "POST",
            "/_ext/service-quotas/settings",
            Some(&json!({ "instant": instant })),
        )
        .map(drop)
    }

    /// When AWS's automated first reply appears on a case Service Quotas opened (default 60 s after it).
    pub fn set_support_auto_reply_after(&self, seconds: f64) -> Result<(), EmulatorError> {
        let body = json!({ "auto_reply_after_seconds": seconds });
        self.call("POST", "/_ext/support/settings", Some(&body))
            .map(drop)
    }

    /// Ages every Support case by `seconds` (its creation, its communications, its pending automated reply), as
    /// if that much time had passed: AWS's reply a minute after the case opens, without waiting a minute.
    /// Returns how many cases were aged.
    pub fn advance_support(&self, seconds: u32) -> Result<u64, EmulatorError> {
        let body = json!({ "seconds": seconds });
        let answer = self.call("POST", "/_ext/support/advance", Some(&body))?;
        Ok(answer["advanced"].as_u64().unwrap_or_default())
    }

    /// Moves the queue's clock on by `seconds` (delays and visibility timeouts end sooner); returns how many
    /// messages it holds.
    pub fn advance_queue(&self, queue_url: &str, seconds: u32) -> Result<u64, EmulatorError> {
        let body = json!({ "QueueUrl": queue_url, "Seconds": seconds });
        let answer = self.call("POST", "/_ext/sqs/advance", Some(&body))?;
        Ok(answer["advanced"].as_u64().unwrap_or_default())
    }

    /// Delay added before answering every AWS call (0 turns it off).
    pub fn set_latency_ms(&self, ms: u64) -> Result<(), EmulatorError> {
        self.call("POST", "/_ext/latency", Some(&json!({ "ms": ms })))
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::fixtures::RPM_CODE;

    #[test]
    fn seed_quotas_use_the_service_quotas_field_names() {
        let quota = SeedQuota::bedrock(
            RPM_CODE,
            "On-demand model inference requests per minute",
            400.0,
        );
        assert_eq!(
            serde_json::to_value(&quota).unwrap(),
            json!({
                "ServiceCode": "bedrock", "QuotaCode": RPM_CODE,
                "QuotaName": "On-demand model inference requests per minute", "Value": 400.0, "Adjustable": true
            })
        );
    }
}
