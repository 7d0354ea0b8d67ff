//! [`QuotaService`] over the Service Quotas client.

use std::collections::BTreeMap;

use aws_sdk_servicequotas::types::{RequestedServiceQuotaChange, ServiceQuota};

use super::{ChangeStatus, QuotaInfo, QuotaService, QuotaSource, RequestedChange};
use crate::AwsError;
use crate::error::SdkResultExt;

const SERVICE: &str = "service-quotas";
/// RequestServiceQuotaIncrease accepts desired values up to this.
const MAX_DESIRED_VALUE: f64 = 1e10;

#[derive(Debug, Clone)]
pub struct SdkQuotas {
    client: aws_sdk_servicequotas::Client,
}

impl SdkQuotas {
    pub fn new(client: aws_sdk_servicequotas::Client) -> Self {
        Self { client }
    }

    async fn list_applied(&self, service_code: &str) -> Result<Vec<ServiceQuota>, AwsError> {
        let pages = self
            .client
            .list_service_quotas()
            .service_code(service_code)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .aws(SERVICE, "ListServiceQuotas")?;
        Ok(pages
            .into_iter()
            .flat_map(|page| page.quotas.unwrap_or_default())
            .collect())
    }

    async fn list_defaults(&self, service_code: &str) -> Result<Vec<ServiceQuota>, AwsError> {
        let pages = self
            .client
            .list_aws_default_service_quotas()
            .service_code(service_code)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .aws(SERVICE, "ListAWSDefaultServiceQuotas")?;
        Ok(pages
            .into_iter()
            .flat_map(|page| page.quotas.unwrap_or_default())
            .collect())
    }

    /// The open requests (PENDING, CASE_OPENED) among every page of the quota's history: one call for the
    /// usual short history, where a call per open status would always be two. Closed entries are dropped
    /// before they are read, so a malformed old one cannot hide an open request.
    async fn open_requests_of(
        &self,
        service_code: &str,
        quota_code: &str,
    ) -> Result<Vec<RequestedChange>, AwsError> {
        const OPERATION: &str = "ListRequestedServiceQuotaChangeHistoryByQuota";
        let pages = self
            .client
            .list_requested_service_quota_change_history_by_quota()
            .service_code(service_code)
            .quota_code(quota_code)
            .max_results(100)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .aws(SERVICE, OPERATION)?;
        pages
            .into_iter()
            .flat_map(|page| page.requested_quotas.unwrap_or_default())
            .filter(|change| {
                change
                    .status
                    .as_ref()
                    .is_some_and(|s| ChangeStatus::parse(s.as_str()).is_open())
            })
            .map(|change| to_change(change, OPERATION))
            .collect()
    }
}

/// A quota without a value cannot be turned into a threshold; failing loudly beats a threshold of zero.
fn to_info(
    quota: ServiceQuota,
    source: QuotaSource,
    operation: &'static str,
) -> Result<QuotaInfo, AwsError> {
    let code = quota.quota_code.unwrap_or_default();
    let Some(value) = quota.value else {
        return Err(AwsError::Other {
            service: SERVICE,
            operation,
            code: "MissingValue".into(),
            message: format!("quota {code} has no value"),
        });
    };
    Ok(QuotaInfo {
        service_code: quota.service_code.unwrap_or_default(),
        name: quota.quota_name.unwrap_or_default(),
        code,
        value,
        adjustable: quota.adjustable,
        unit: quota.unit,
        source,
    })
}

fn to_change(
    change: RequestedServiceQuotaChange,
    operation: &'static str,
) -> Result<RequestedChange, AwsError> {
    let Some(id) = change.id else {
        return Err(AwsError::Other {
            service: SERVICE,
            operation,
            code: "MissingId".into(),
            message: "a requested quota change came back without an id".into(),
        });
    };
    Ok(RequestedChange {
        id,
        quota_code: change.quota_code.unwrap_or_default(),
        case_id: change.case_id.filter(|case| !case.is_empty()),
        status: change
            .status
            .map_or(ChangeStatus::Other(String::new()), |s| {
                ChangeStatus::parse(s.as_str())
            }),
        desired: change.desired_value.unwrap_or_default(),
        created: change.created.map(|at| at.secs()),
    })
}

impl QuotaService for SdkQuotas {
    async fn get(&self, service_code: &str, quota_code: &str) -> Result<QuotaInfo, AwsError> {
        let applied = self
            .client
            .get_service_quota()
            .service_code(service_code)
            .quota_code(quota_code)
            .send()
            .await
            .aws(SERVICE, "GetServiceQuota");
        let applied = match applied {
            Ok(output) => output.quota,
            Err(AwsError::NotFound { .. }) => None,
            Err(error) => return Err(error),
        };
        if let Some(quota) = applied {
            return to_info(quota, QuotaSource::Applied, "GetServiceQuota");
        }
        const OPERATION: &str = "GetAWSDefaultServiceQuota";
        let output = self
            .client
            .get_aws_default_service_quota()
            .service_code(service_code)
            .quota_code(quota_code)
            .send()
            .await
            .aws(SERVICE, OPERATION)?;
        let quota = output.quota.ok_or_else(|| AwsError::NotFound {
            service: SERVICE,
            operation: OPERATION,
            message: format!("no quota {quota_code} in {service_code}"),
        })?;
        to_info(quota, QuotaSource::AwsDefault, OPERATION)
    }

    async fn list(&self, service_code: &str) -> Result<Vec<QuotaInfo>, AwsError> {
        let (applied, defaults) = tokio::join!(
            self.list_applied(service_code),
            self.list_defaults(service_code)
        );
        let mut quotas = BTreeMap::new();
        for quota in defaults? {
            // Defaults only fill the gaps; a default without a value is of no use to anyone.
            if let Ok(info) = to_info(
                quota,
                QuotaSource::AwsDefault,
                "ListAWSDefaultServiceQuotas",
            ) {
                quotas.insert(info.code.clone(), info);
            }
        }
        for quota in applied? {
            if let Ok(info) = to_info(quota, QuotaSource::Applied, "ListServiceQuotas") {
                quotas.insert(info.code.clone(), info);
            }
        }
        Ok(quotas.into_values().collect())
    }

    async fn requested_change(&self, request_id: &str) -> Result<RequestedChange, AwsError> {
        const OPERATION: &str = "GetRequestedServiceQuotaChange";
        let output = self
            .client
            .get_requested_service_quota_change()
            .request_id(request_id)
            .send()
            .await
            .aws(SERVICE, OPERATION)?;
        let Some(change) = output.requested_quota else {
            return Err(AwsError::Other {
                service: SERVICE,
                operation: OPERATION,
                code: "MissingRequest".into(),
                message: format!("request {request_id} came back empty"),
            });
        };
        to_change(change, OPERATION)
    }

    async fn request_increase(
        &self,
        service_code: &str,
        quota_code: &str,
        desired: f64,
    ) -> Result<RequestedChange, AwsError> {
        const OPERATION: &str = "RequestServiceQuotaIncrease";
        if !desired.is_finite() || desired <= 0.0 || desired > MAX_DESIRED_VALUE {
            return Err(AwsError::invalid(
                SERVICE,
                OPERATION,
                format!("desired value {desired} is out of range"),
            ));
        }
        let output = self
            .client
            .request_service_quota_increase()
            .service_code(service_code)
            .quota_code(quota_code)
            .desired_value(desired)
            .support_case_allowed(true)
            .send()
            .await
            .aws(SERVICE, OPERATION)?;
        let change = output.requested_quota.ok_or_else(|| AwsError::Other {
            service: SERVICE,
            operation: OPERATION,
            code: "MissingRequest".into(),
            message: "the response holds no requested quota".into(),
        })?;
        to_change(change, OPERATION)
    }

    async fn open_requests(
        &self,
        service_code: &str,
        quota_code: &str,
    ) -> Result<Vec<RequestedChange>, AwsError> {
        let mut open = self.open_requests_of(service_code, quota_code).await?;
        open.sort_by_key(|change| std::cmp::Reverse(change.created));
        Ok(open)
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_servicequotas::operation::get_aws_default_service_quota::GetAwsDefaultServiceQuotaOutput;
    use aws_sdk_servicequotas::operation::get_service_quota::{
        GetServiceQuotaError, GetServiceQuotaOutput,
    };
    use aws_sdk_servicequotas::operation::list_aws_default_service_quotas::ListAwsDefaultServiceQuotasOutput;
    use aws_sdk_servicequotas::operation::list_requested_service_quota_change_history_by_quota::ListRequestedServiceQuotaChangeHistoryByQuotaOutput;
    use aws_sdk_servicequotas::operation::list_service_quotas::ListServiceQuotasOutput;
    use aws_sdk_servicequotas::operation::request_service_quota_increase::{
        RequestServiceQuotaIncreaseError, RequestServiceQuotaIncreaseOutput,
    };
    use aws_sdk_servicequotas::primitives::DateTime;
    use aws_sdk_servicequotas::types::error::{
        AccessDeniedException, IllegalArgumentException, NoSuchResourceException,
        QuotaExceededException, ResourceAlreadyExistsException, TooManyRequestsException,
    };
    use aws_smithy_mocks::mock;

    use aws_sdk_servicequotas::types::RequestStatus;

    use super::*;
    use crate::test_support::{mocked, wire};

    fn quota(code: &str, value: f64) -> ServiceQuota {
        ServiceQuota::builder()
            .service_code("bedrock")
            .quota_code(code)
            .quota_name(format!(
                "On-demand model inference requests per minute for {code}"
            ))
            .value(value)
            .adjustable(true)
            .unit("None")
            .build()
    }

    fn change(id: &str, status: RequestStatus, created: i64) -> RequestedServiceQuotaChange {
        RequestedServiceQuotaChange::builder()
            .id(id)
            .quota_code("L-1")
            .case_id("17000000001")
            .status(status)
            .desired_value(12000.0)
            .created(DateTime::from_secs(created))
            .build()
    }

    #[tokio::test]
    async fn get_reads_the_applied_value() {
        let rule = mock!(aws_sdk_servicequotas::Client::get_service_quota)
            .match_requests(|r| {
                r.service_code() == Some("bedrock") && r.quota_code() == Some("L-1")
            })
            .then_output(|| {
                GetServiceQuotaOutput::builder()
                    .quota(quota("L-1", 10_000.0))
                    .build()
            });
        let info = SdkQuotas::new(mocked!(aws_sdk_servicequotas, [&rule]))
            .get("bedrock", "L-1")
            .await
            .unwrap();
        assert_eq!(
            (info.value, info.source, info.adjustable),
            (10_000.0, QuotaSource::Applied, true)
        );
    }

    #[tokio::test]
    async fn get_falls_back_to_the_aws_default_when_no_value_is_applied() {
        let applied = mock!(aws_sdk_servicequotas::Client::get_service_quota).then_error(|| {
            GetServiceQuotaError::NoSuchResourceException(
                NoSuchResourceException::builder()
                    .meta(wire("NoSuchResourceException"))
                    .build(),
            )
        });
        let default = mock!(aws_sdk_servicequotas::Client::get_aws_default_service_quota)
            .then_output(|| {
                GetAwsDefaultServiceQuotaOutput::builder()
                    .quota(quota("L-1", 200.0))
                    .build()
            });
        let quotas = SdkQuotas::new(mocked!(aws_sdk_servicequotas, [&applied, &default]));

        let info = quotas.get("bedrock", "L-1").await.unwrap();

        assert_eq!((info.value, info.source), (200.0, QuotaSource::AwsDefault));
        assert_eq!((applied.num_calls(), default.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn get_does_not_fall_back_on_throttling() {
        let applied = mock!(aws_sdk_servicequotas::Client::get_service_quota).then_error(|| {
            GetServiceQuotaError::TooManyRequestsException(
                TooManyRequestsException::builder()
                    .meta(wire("TooManyRequestsException"))
                    .build(),
            )
        });
        let default = mock!(aws_sdk_servicequotas::Client::get_aws_default_service_quota)
            .then_output(|| {
                GetAwsDefaultServiceQuotaOutput::builder()
                    .quota(quota("L-1", 200.0))
                    .build()
            });
        let error = SdkQuotas::new(mocked!(aws_sdk_servicequotas, [&applied, &default]))
            .get("bedrock", "L-1")
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            AwsError::Throttled {
                service: "service-quotas",
                operation: "GetServiceQuota",
                ..
            }
        ));
        assert!(error.is_retryable());
        assert_eq!(default.num_calls(), 0);
    }

    #[tokio::test]
    async fn list_reads_every_page_and_fills_gaps_with_defaults() {
        let page1 = mock!(aws_sdk_servicequotas::Client::list_service_quotas)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| {
                ListServiceQuotasOutput::builder()
                    .quotas(quota("L-2", 5.0))
                    .next_token("t")
                    .build()
            });
        let page2 = mock!(aws_sdk_servicequotas::Client::list_service_quotas)
            .match_requests(|r| r.next_token() == Some("t"))
            .then_output(|| {
                ListServiceQuotasOutput::builder()
                    .quotas(quota("L-3", 6.0))
                    .build()
            });
        let defaults = mock!(aws_sdk_servicequotas::Client::list_aws_default_service_quotas)
            .then_output(|| {
                ListAwsDefaultServiceQuotasOutput::builder()
                    .quotas(quota("L-1", 1.0))
                    .quotas(quota("L-2", 2.0))
                    .build()
            });
        let quotas = SdkQuotas::new(mocked!(aws_sdk_servicequotas, [&page1, &page2, &defaults]));

        let list = quotas.list("bedrock").await.unwrap();

        let summary: Vec<_> = list
            .iter()
            .map(|q| (q.code.as_str(), q.value, q.source))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("L-1", 1.0, QuotaSource::AwsDefault),
                ("L-2", 5.0, QuotaSource::Applied),
                ("L-3", 6.0, QuotaSource::Applied)
            ]
        );
    }

    #[tokio::test]
    async fn request_increase_files_with_a_support_case_allowed() {
        let rule = mock!(aws_sdk_servicequotas::Client::request_service_quota_increase)
            .match_requests(|r| {
                r.desired_value() == Some(12000.0) && r.support_case_allowed() == Some(true)
            })
            .then_output(|| {
                RequestServiceQuotaIncreaseOutput::builder()
                    .requested_quota(
                        RequestedServiceQuotaChange::builder()
                            .id("req-1")
                            .quota_code("L-1")
                            .status(RequestStatus::Pending)
                            .desired_value(12000.0)
                            .build(),
                    )
                    .build()
            });
        let change = SdkQuotas::new(mocked!(aws_sdk_servicequotas, [&rule]))
            .request_increase("bedrock", "L-1", 12000.0)
            .await
            .unwrap();
        assert_eq!(change.id, "req-1");
        assert_eq!(change.status, ChangeStatus::Pending);
        assert_eq!(change.case_id, None);
    }

    #[tokio::test]
    async fn request_increase_maps_each_refusal() {
        type E = RequestServiceQuotaIncreaseError;
        type Refusal = (fn() -> E, &'static str);
        let cases: Vec<Refusal> = vec![
            (
                || {
                    E::ResourceAlreadyExistsException(
                        ResourceAlreadyExistsException::builder()
                            .meta(wire("ResourceAlreadyExistsException"))
                            .build(),
                    )
                },
                "already_exists",
            ),
            (
                || {
                    E::IllegalArgumentException(
                        IllegalArgumentException::builder()
                            .meta(wire("IllegalArgumentException"))
                            .build(),
                    )
                },
                "illegal_argument",
            ),
            (
                || {
                    E::QuotaExceededException(
                        QuotaExceededException::builder()
                            .meta(wire("QuotaExceededException"))
                            .build(),
                    )
                },
                "quota_exceeded",
            ),
            (
                || {
                    E::NoSuchResourceException(
                        NoSuchResourceException::builder()
                            .meta(wire("NoSuchResourceException"))
                            .build(),
                    )
                },
                "not_found",
            ),
            (
                || {
                    E::AccessDeniedException(
                        AccessDeniedException::builder()
                            .meta(wire("AccessDeniedException"))
                            .build(),
                    )
                },
                "access_denied",
            ),
        ];
        for (error, kind) in cases {
            let rule = mock!(aws_sdk_servicequotas::Client::request_service_quota_increase)
                .then_error(error);
            let quotas = SdkQuotas::new(mocked!(aws_sdk_servicequotas, [&rule]));
            let mapped = quotas
                .request_increase("bedrock", "L-1", 2.0)
                .await
                .unwrap_err();
            assert_eq!(mapped.kind(), kind, "{mapped:?}");
            assert!(!mapped.is_retryable());
        }
    }

    #[tokio::test]
    async fn request_increase_refuses_impossible_values_without_calling() {
        let rule = mock!(aws_sdk_servicequotas::Client::request_service_quota_increase)
            .then_output(|| RequestServiceQuotaIncreaseOutput::builder().build());
        let quotas = SdkQuotas::new(mocked!(aws_sdk_servicequotas, [&rule]));
        for desired in [0.0, f64::NAN, 2e10] {
            assert!(matches!(
                quotas.request_increase("bedrock", "L-1", desired).await,
                Err(AwsError::IllegalArgument { .. })
            ));
        }
        assert_eq!(rule.num_calls(), 0);
    }

    #[tokio::test]
    async fn open_requests_keeps_the_open_ones_of_every_page_newest_first() {
        let page_1 = mock!(
            aws_sdk_servicequotas::Client::list_requested_service_quota_change_history_by_quota
        )
        .match_requests(|r| r.status().is_none() && r.next_token().is_none())
        .then_output(|| {
            ListRequestedServiceQuotaChangeHistoryByQuotaOutput::builder()
                .requested_quotas(change("old", RequestStatus::Pending, 100))
                .requested_quotas(change("done", RequestStatus::Approved, 400))
                .next_token("p2")
                .build()
        });
        let page_2 = mock!(
            aws_sdk_servicequotas::Client::list_requested_service_quota_change_history_by_quota
        )
        .match_requests(|r| r.next_token() == Some("p2"))
        .then_output(|| {
            ListRequestedServiceQuotaChangeHistoryByQuotaOutput::builder()
                .requested_quotas(change("new", RequestStatus::CaseOpened, 300))
                .requested_quotas(change("mid", RequestStatus::CaseOpened, 200))
                .requested_quotas(change("denied", RequestStatus::Denied, 500))
                .build()
        });
        let quotas = SdkQuotas::new(mocked!(aws_sdk_servicequotas, [&page_1, &page_2]));

        let open = quotas.open_requests("bedrock", "L-1").await.unwrap();

        assert_eq!(
            open.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["new", "mid", "old"]
        );
        assert_eq!(open[0].case_id.as_deref(), Some("17000000001"));
    }
}
