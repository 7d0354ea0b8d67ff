//! In-memory [`QuotaService`] for unit tests, with Service Quotas' refusals: one open request per quota, no
//! increase of a non-adjustable quota or to a value not above the current one.

use std::collections::BTreeMap;

use super::{ChangeStatus, QuotaInfo, QuotaService, QuotaSource, RequestedChange};
use crate::AwsError;
use crate::fake::{Faults, Shared, fault_knobs};

const SERVICE: &str = "service-quotas";

#[derive(Debug, Default)]
struct State {
    /// (service code, quota code) → applied quota.
    applied: BTreeMap<(String, String), QuotaInfo>,
    defaults: BTreeMap<(String, String), QuotaInfo>,
    requests: Vec<(String, RequestedChange)>,
    /// Display ids the next requests' answers name as their case, in order (Service Quotas linked at once).
    linked_at_once: Vec<String>,
    faults: Faults,
}

/// Cloning shares the quotas and requests.
#[derive(Debug, Clone, Default)]
pub struct MemoryQuotas {
    state: Shared<State>,
}

fault_knobs!(MemoryQuotas);

impl MemoryQuotas {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets an applied quota value (the `source` field is ignored).
    pub fn set_applied(&self, quota: QuotaInfo) {
        let key = (quota.service_code.clone(), quota.code.clone());
        self.state.lock().applied.insert(
            key,
            QuotaInfo {
                source: QuotaSource::Applied,
                ..quota
            },
        );
    }

    /// Sets an AWS default quota value (the `source` field is ignored).
    pub fn set_default(&self, quota: QuotaInfo) {
        let key = (quota.service_code.clone(), quota.code.clone());
        self.state.lock().defaults.insert(
            key,
            QuotaInfo {
                source: QuotaSource::AwsDefault,
                ..quota
            },
        );
    }

    /// Shorthand for an adjustable applied quota.
    pub fn with_applied(self, service_code: &str, code: &str, name: &str, value: f64) -> Self {
        self.set_applied(QuotaInfo {
            service_code: service_code.into(),
            code: code.into(),
            name: name.into(),
            value,
            adjustable: true,
            unit: None,
            source: QuotaSource::Applied,
        });
        self
    }

    /// Adds an existing request (e.g. one filed by a person), as if it had been filed for `service_code`.
    pub fn seed_request(&self, service_code: &str, change: RequestedChange) {
        self.state
            .lock()
            .requests
            .push((service_code.to_owned(), change));
    }

    /// The next request's answer names the case `display_id` (CASE_OPENED), as Service Quotas sometimes does
    /// when it links the case before answering; one call per request to link.
    pub fn link_next_request_at_once(&self, display_id: &str) {
        self.state.lock().linked_at_once.push(display_id.to_owned());
    }

    /// Moves a request on, as Service Quotas does when it opens a case or decides.
    pub fn set_request_status(&self, id: &str, status: ChangeStatus, case_id: Option<&str>) {
        let mut state = self.state.lock();
        if let Some((_, change)) = state
            .requests
            .iter_mut()
            .find(|(_, change)| change.id == id)
        {
            change.status = status;
            change.case_id = case_id.map(str::to_owned);
        }
    }

    /// Every request, seeded or filed, in order.
    pub fn requests(&self) -> Vec<RequestedChange> {
        self.state
            .lock()
            .requests
            .iter()
            .map(|(_, change)| change.clone())
            .collect()
    }
}

fn current(state: &State, key: &(String, String)) -> Option<QuotaInfo> {
    state
        .applied
        .get(key)
        .or_else(|| state.defaults.get(key))
        .cloned()
}

impl QuotaService for MemoryQuotas {
    async fn get(&self, service_code: &str, quota_code: &str) -> Result<QuotaInfo, AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("GetServiceQuota")?;
        let key = (service_code.to_owned(), quota_code.to_owned());
        if let Some(quota) = state.applied.get(&key) {
            return Ok(quota.clone());
        }
        state.faults.enter("GetAWSDefaultServiceQuota")?;
        state
            .defaults
            .get(&key)
            .cloned()
            .ok_or_else(|| AwsError::NotFound {
                service: SERVICE,
                operation: "GetAWSDefaultServiceQuota",
                message: format!("no quota {quota_code} in {service_code}"),
            })
    }

    async fn list(&self, service_code: &str) -> Result<Vec<QuotaInfo>, AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("ListServiceQuotas")?;
        state.faults.enter("ListAWSDefaultServiceQuotas")?;
        let mut quotas: BTreeMap<String, QuotaInfo> = BTreeMap::new();
        for ((service, code), quota) in state.defaults.iter().chain(&state.applied) {
            if service == service_code {
                quotas.insert(code.clone(), quota.clone());
            }
        }
        Ok(quotas.into_values().collect())
    }

    async fn request_increase(
        &self,
        service_code: &str,
        quota_code: &str,
        desired: f64,
    ) -> Result<RequestedChange, AwsError> {
        const OPERATION: &str = "RequestServiceQuotaIncrease";
        let mut state = self.state.lock();
        state.faults.enter(OPERATION)?;
        let key = (service_code.to_owned(), quota_code.to_owned());
        let quota = current(&state, &key).ok_or_else(|| AwsError::NotFound {
            service: SERVICE,
            operation: OPERATION,
            message: format!("no quota {quota_code} in {service_code}"),
        })?;
        if !quota.adjustable {
            return Err(AwsError::invalid(
                SERVICE,
                OPERATION,
                format!("quota {quota_code} is not adjustable"),
            ));
        }
        if desired.is_nan() || desired <= quota.value {
            return Err(AwsError::invalid(
                SERVICE,
                OPERATION,
                format!("desired value {desired} is not above {}", quota.value),
            ));
        }
        let already_open = state.requests.iter().any(|(service, change)| {
            service == service_code && change.quota_code == quota_code && change.status.is_open()
        });
        if already_open {
            return Err(AwsError::AlreadyExists {
                service: SERVICE,
                operation: OPERATION,
                message: format!("an increase request for {quota_code} is already open"),
            });
        }
        let case_id = (!state.linked_at_once.is_empty()).then(|| state.linked_at_once.remove(0));
        let change = RequestedChange {
            id: format!("req-{}", state.requests.len() + 1),
            quota_code: quota_code.to_owned(),
            status: if case_id.is_some() {
                ChangeStatus::CaseOpened
            } else {
                ChangeStatus::Pending
            },
            case_id,
            desired,
            created: None,
        };
        state
            .requests
            .push((service_code.to_owned(), change.clone()));
        Ok(change)
    }

    async fn requested_change(&self, request_id: &str) -> Result<RequestedChange, AwsError> {
        const OPERATION: &str = "GetRequestedServiceQuotaChange";
        let mut state = self.state.lock();
        state.faults.enter(OPERATION)?;
        state
            .requests
            .iter()
            .find(|(_, change)| change.id == request_id)
            .map(|(_, change)| change.clone())
            .ok_or_else(|| AwsError::NotFound {
                service: SERVICE,
                operation: OPERATION,
                message: format!("no request {request_id}"),
            })
    }

    async fn open_requests(
        &self,
        service_code: &str,
        quota_code: &str,
    ) -> Result<Vec<RequestedChange>, AwsError> {
        let mut state = self.state.lock();
        state
            .faults
            .enter("ListRequestedServiceQuotaChangeHistoryByQuota")?;
        Ok(state
            .requests
            .iter()
            .rev()
            .filter(|(service, change)| {
                service == service_code
                    && change.quota_code == quota_code
                    && change.status.is_open()
            })
            .map(|(_, change)| change.clone())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotas() -> MemoryQuotas {
        MemoryQuotas::new().with_applied(
            "bedrock",
            "L-RPM",
            "On-demand requests per minute for X",
            100.0,
        )
    }

    #[tokio::test]
    async fn get_falls_back_to_defaults_and_list_merges() {
        let quotas = quotas();
        quotas.set_default(QuotaInfo {
            service_code: "bedrock".into(),
            code: "L-TPM".into(),
            name: "tokens".into(),
            value: 5.0,
            adjustable: false,
            unit: None,
            source: QuotaSource::Applied,
        });
        assert_eq!(
            quotas.get("bedrock", "L-TPM").await.unwrap().source,
            QuotaSource::AwsDefault
        );
        assert!(matches!(
            quotas.get("bedrock", "L-NONE").await,
            Err(AwsError::NotFound { .. })
        ));
        assert_eq!(quotas.list("bedrock").await.unwrap().len(), 2);
        assert!(quotas.list("ec2").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn one_open_request_per_quota_and_service_quotas_refusals() {
        let quotas = quotas();
        let first = quotas
            .request_increase("bedrock", "L-RPM", 150.0)
            .await
            .unwrap();
        assert_eq!(first.status, ChangeStatus::Pending);
        assert!(matches!(
            quotas.request_increase("bedrock", "L-RPM", 200.0).await,
            Err(AwsError::AlreadyExists { .. })
        ));

        quotas.set_request_status(&first.id, ChangeStatus::CaseOpened, Some("170000"));
        let open = quotas.open_requests("bedrock", "L-RPM").await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].case_id.as_deref(), Some("170000"));

        quotas.set_request_status(&first.id, ChangeStatus::Approved, None);
        assert!(
            quotas
                .open_requests("bedrock", "L-RPM")
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            quotas.request_increase("bedrock", "L-RPM", 50.0).await,
            Err(AwsError::IllegalArgument { .. })
        ));
        assert_eq!(quotas.requests().len(), 1);
    }
}
