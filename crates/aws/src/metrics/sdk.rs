//! [`UsageMetrics`] over the CloudWatch client: one GetMetricData read for the whole window.

use std::collections::HashMap;

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    Dimension, Metric, MetricDataQuery, MetricStat, ScanBy, StatusCode,
};

use super::{
    BEDROCK_NAMESPACE, MODEL_ID_DIMENSION, UsageMetric, UsageMetrics, UsageQuery, UsageSeries,
    assemble,
};
use crate::AwsError;
use crate::error::SdkResultExt;

const SERVICE: &str = "cloudwatch";
const OPERATION: &str = "GetMetricData";

#[derive(Debug, Clone)]
pub struct SdkUsageMetrics {
    client: aws_sdk_cloudwatch::Client,
}

impl SdkUsageMetrics {
    pub fn new(client: aws_sdk_cloudwatch::Client) -> Self {
        Self { client }
    }
}

/// The queries of a usage read, and which metric each returned id carries.
///
/// With one model id the raw metric is returned directly. With several, each id's metric is read without
/// returning data and one `SUM([...])` expression per metric adds them up (SUM over an array skips ids that have
/// no datapoint in a minute, where `m1 + m2` would drop that minute), so the returned datapoints stay at five
/// series whatever the number of ids.
pub(crate) fn build_queries(
    query: &UsageQuery,
) -> (Vec<MetricDataQuery>, HashMap<String, UsageMetric>) {
    let period = i32::try_from(query.period).unwrap_or(i32::MAX);
    let single = query.model_ids.len() == 1;
    let mut queries = Vec::new();
    let mut returned = HashMap::new();
    for (index, metric) in UsageMetric::ALL.into_iter().enumerate() {
        let raw_ids: Vec<String> = (0..query.model_ids.len())
            .map(|j| format!("m{index}_{j}"))
            .collect();
        for (raw_id, model_id) in raw_ids.iter().zip(&query.model_ids) {
            let stat = MetricStat::builder()
                .metric(
                    Metric::builder()
                        .namespace(BEDROCK_NAMESPACE)
                        .metric_name(metric.metric_name())
                        .dimensions(
                            Dimension::builder()
                                .name(MODEL_ID_DIMENSION)
                                .value(model_id)
                                .build(),
                        )
                        .build(),
                )
                .period(period)
                .stat("Sum")
                .build();
            queries.push(
                MetricDataQuery::builder()
                    .id(raw_id)
                    .metric_stat(stat)
                    .label(metric.metric_name())
                    .return_data(single)
                    .build(),
            );
        }
        if single {
            returned.insert(raw_ids[0].clone(), metric);
        } else {
            let id = format!("e{index}");
            queries.push(
                MetricDataQuery::builder()
                    .id(&id)
                    .expression(format!("SUM([{}])", raw_ids.join(",")))
                    .label(metric.metric_name())
                    .return_data(true)
                    .build(),
            );
            returned.insert(id, metric);
        }
    }
    (queries, returned)
}

impl UsageMetrics for SdkUsageMetrics {
    async fn usage(&self, query: &UsageQuery) -> Result<UsageSeries, AwsError> {
        query
            .validate()
            .map_err(|message| AwsError::invalid(SERVICE, OPERATION, message))?;
        let (queries, returned) = build_queries(query);
        let mut points = Vec::new();
        let mut next_token: Option<String> = None;
        // CloudWatch pages only when a response would be too large; the pages together are still one read.
        loop {
            let page = self
                .client
                .get_metric_data()
                .set_metric_data_queries(Some(queries.clone()))
                .start_time(DateTime::from_secs(query.start))
                .end_time(DateTime::from_secs(query.end))
                .scan_by(ScanBy::TimestampAscending)
                .set_next_token(next_token.take())
                .send()
                .await
                .aws(SERVICE, OPERATION)?;
            for result in page.metric_data_results.unwrap_or_default() {
                let Some(metric) = result
                    .id
                    .as_deref()
                    .and_then(|id| returned.get(id))
                    .copied()
                else {
                    continue;
                };
                check_status(
                    metric,
                    result.status_code.as_ref(),
                    result.messages.as_deref().unwrap_or_default(),
                )?;
                let timestamps = result.timestamps.unwrap_or_default();
                let values = result.values.unwrap_or_default();
                points.extend(
                    timestamps
                        .iter()
                        .zip(values)
                        .map(|(at, value)| (metric, at.secs(), value)),
                );
            }
            match page.next_token {
                Some(token) if !token.is_empty() => next_token = Some(token),
                _ => break,
            }
        }
        Ok(assemble(query, points))
    }
}

/// A series CloudWatch could not compute is an error, not a series of zeros: zeros would read as "no usage".
fn check_status(
    metric: UsageMetric,
    status: Option<&StatusCode>,
    messages: &[aws_sdk_cloudwatch::types::MessageData],
) -> Result<(), AwsError> {
    let detail = || {
        let texts: Vec<&str> = messages.iter().filter_map(|m| m.value.as_deref()).collect();
        format!("{}: {}", metric.metric_name(), texts.join("; "))
    };
    match status {
        Some(StatusCode::InternalError) => Err(AwsError::Transient {
            service: SERVICE,
            operation: OPERATION,
            message: detail(),
        }),
        Some(StatusCode::Forbidden) => Err(AwsError::AccessDenied {
            service: SERVICE,
            operation: OPERATION,
            message: detail(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudwatch::operation::get_metric_data::{GetMetricDataError, GetMetricDataOutput};
    use aws_sdk_cloudwatch::types::MetricDataResult;
    use aws_sdk_cloudwatch::types::error::InvalidNextToken;
    use aws_smithy_mocks::mock;

    use super::*;
    use crate::test_support::{mocked, wire};

    const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn result(id: &str, points: &[(i64, f64)]) -> MetricDataResult {
        MetricDataResult::builder()
            .id(id)
            .set_timestamps(Some(
                points
                    .iter()
                    .map(|(at, _)| DateTime::from_secs(*at))
                    .collect(),
            ))
            .set_values(Some(points.iter().map(|(_, v)| *v).collect()))
            .status_code(StatusCode::Complete)
            .build()
    }

    #[test]
    fn a_full_14_day_read_of_many_ids_fits_one_call() {
        let ids: Vec<String> = (0..10).map(|i| format!("model-{i}")).collect();
        let query = UsageQuery::last_days(ids, NOW + 59, 14);
        query.validate().unwrap();
        let (queries, returned) = build_queries(&query);
        assert_eq!(query.buckets(), 20_160);
        assert_eq!(queries.len(), 5 * 11);
        assert_eq!(returned.len(), 5);
        let sums: Vec<_> = queries.iter().filter_map(|q| q.expression()).collect();
        assert_eq!(
            sums[0],
            "SUM([m0_0,m0_1,m0_2,m0_3,m0_4,m0_5,m0_6,m0_7,m0_8,m0_9])"
        );
        assert!(
            queries
                .iter()
                .filter(|q| q.expression().is_none())
                .all(|q| q.return_data() == Some(false))
        );
    }

    #[test]
    fn limits_are_checked_before_sending() {
        let too_long = UsageQuery {
            model_ids: vec!["m".into()],
            start: 0,
            end: 15 * 86_400,
            period: 60,
        };
        assert!(too_long.validate().unwrap_err().contains("datapoints"));
        let too_many = UsageQuery::last_days((0..100).map(|i| i.to_string()).collect(), NOW, 1);
        assert!(too_many.validate().unwrap_err().contains("queries"));
        assert!(UsageQuery::last_days(vec![], NOW, 1).validate().is_err());
    }

    #[tokio::test]
    async fn one_id_reads_raw_metrics_and_aligns_every_minute() {
        let query = UsageQuery {
            model_ids: vec!["anthropic.claude".into()],
            start: NOW,
            end: NOW + 300,
            period: 60,
        };
        let rule = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
            .match_requests(|r| {
                r.metric_data_queries().len() == 5
                    && r.metric_data_queries()
                        .iter()
                        .all(|q| q.return_data() == Some(true))
                    && r.start_time().map(|t| t.secs()) == Some(NOW)
            })
            .then_output(|| {
                GetMetricDataOutput::builder()
                    .metric_data_results(result("m0_0", &[(NOW, 3.0), (NOW + 180, 5.0)]))
                    .metric_data_results(result("m2_0", &[(NOW + 60, 1000.0)]))
                    .build()
            });
        let metrics = SdkUsageMetrics::new(mocked!(aws_sdk_cloudwatch, [&rule]));

        let usage = metrics.usage(&query).await.unwrap();

        assert_eq!(
            usage.timestamps,
            vec![NOW, NOW + 60, NOW + 120, NOW + 180, NOW + 240]
        );
        assert_eq!(usage.invocations.values, vec![3.0, 0.0, 0.0, 5.0, 0.0]);
        assert_eq!(usage.invocations.observed, 2);
        assert_eq!(usage.input_tokens.values, vec![0.0, 1000.0, 0.0, 0.0, 0.0]);
        assert_eq!(usage.throttles.observed, 0);
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn several_ids_are_summed_and_next_token_is_followed() {
        let query = UsageQuery {
            model_ids: vec!["a".into(), "b".into()],
            start: NOW,
            end: NOW + 120,
            period: 60,
        };
        let first = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
            .match_requests(|r| r.next_token().is_none() && r.metric_data_queries().len() == 15)
            .then_output(|| {
                GetMetricDataOutput::builder()
                    .metric_data_results(result("e0", &[(NOW, 7.0)]))
                    .next_token("more")
                    .build()
            });
        let second = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
            .match_requests(|r| r.next_token() == Some("more"))
            .then_output(|| {
                GetMetricDataOutput::builder()
                    .metric_data_results(result("e0", &[(NOW + 60, 2.0)]))
                    .metric_data_results(result("e1", &[(NOW + 60, 900.0)]))
                    .build()
            });
        let metrics = SdkUsageMetrics::new(mocked!(aws_sdk_cloudwatch, [&first, &second]));

        let usage = metrics.usage(&query).await.unwrap();

        assert_eq!(usage.invocations.values, vec![7.0, 2.0]);
        assert_eq!(usage.estimated_tpm_quota_usage.values, vec![0.0, 900.0]);
        assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn a_series_cloudwatch_failed_to_compute_is_an_error_not_zeros() {
        let query = UsageQuery {
            model_ids: vec!["a".into()],
            start: NOW,
            end: NOW + 60,
            period: 60,
        };
        let rule = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_output(|| {
            GetMetricDataOutput::builder()
                .metric_data_results(
                    MetricDataResult::builder()
                        .id("m0_0")
                        .status_code(StatusCode::InternalError)
                        .build(),
                )
                .build()
        });
        let error = SdkUsageMetrics::new(mocked!(aws_sdk_cloudwatch, [&rule]))
            .usage(&query)
            .await
            .unwrap_err();
        assert!(matches!(error, AwsError::Transient { .. }));
    }

    #[tokio::test]
    async fn service_errors_are_mapped() {
        let query = UsageQuery {
            model_ids: vec!["a".into()],
            start: NOW,
            end: NOW + 60,
            period: 60,
        };
        let rule = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_error(|| {
            GetMetricDataError::InvalidNextToken(
                InvalidNextToken::builder()
                    .meta(wire("InvalidNextToken"))
                    .message("bad")
                    .build(),
            )
        });
        let error = SdkUsageMetrics::new(mocked!(aws_sdk_cloudwatch, [&rule]))
            .usage(&query)
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            AwsError::IllegalArgument {
                service: "cloudwatch",
                operation: "GetMetricData",
                ..
            }
        ));
        assert!(!error.is_retryable());
    }
}
