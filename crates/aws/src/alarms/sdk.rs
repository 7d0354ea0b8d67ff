//! [`AlarmAdmin`] over the CloudWatch client.

use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension as SdkDimension, Metric, MetricAlarm, MetricDataQuery,
    MetricStat, StandardUnit, Statistic, Tag,
};

use super::{AlarmAdmin, Dimension, MetricAlarmDef, MetricQuery, MetricStatDef, SingleMetric};
use crate::AwsError;
use crate::error::SdkResultExt;

const SERVICE: &str = "cloudwatch";
/// DescribeAlarms and DeleteAlarms take at most this many names per call.
const NAME_BATCH: usize = 100;

#[derive(Debug, Clone)]
pub struct SdkAlarms {
    client: aws_sdk_cloudwatch::Client,
}

impl SdkAlarms {
    pub fn new(client: aws_sdk_cloudwatch::Client) -> Self {
        Self { client }
    }
}

impl AlarmAdmin for SdkAlarms {
    async fn describe(&self, names: &[String]) -> Result<Vec<MetricAlarmDef>, AwsError> {
        let mut alarms = Vec::new();
        for batch in names.chunks(NAME_BATCH) {
            let pages = self
                .client
                .describe_alarms()
                .set_alarm_names(Some(batch.to_vec()))
                .alarm_types(AlarmType::MetricAlarm)
                .into_paginator()
                .send()
                .try_collect()
                .await
                .aws(SERVICE, "DescribeAlarms")?;
            alarms.extend(
                pages
                    .into_iter()
                    .flat_map(|page| page.metric_alarms.unwrap_or_default())
                    .map(from_sdk),
            );
        }
        Ok(alarms)
    }

    async fn put(&self, alarm: &MetricAlarmDef) -> Result<(), AwsError> {
        alarm
            .validate()
            .map_err(|message| AwsError::invalid(SERVICE, "PutMetricAlarm", message))?;
        let mut request = self
            .client
            .put_metric_alarm()
            .alarm_name(&alarm.name)
            .set_alarm_description(alarm.description.clone())
            .actions_enabled(alarm.actions_enabled)
            .set_alarm_actions(Some(alarm.alarm_actions.clone()))
            .set_ok_actions(Some(alarm.ok_actions.clone()))
            .set_insufficient_data_actions(Some(alarm.insufficient_data_actions.clone()))
            .set_threshold(alarm.threshold)
            .set_threshold_metric_id(alarm.threshold_metric_id.clone())
            .comparison_operator(ComparisonOperator::from(alarm.comparison_operator.as_str()))
            .evaluation_periods(alarm.evaluation_periods)
            .set_datapoints_to_alarm(alarm.datapoints_to_alarm)
            .set_treat_missing_data(alarm.treat_missing_data.clone())
            .set_evaluate_low_sample_count_percentile(
                alarm.evaluate_low_sample_count_percentile.clone(),
            )
            .set_unit(alarm.unit.as_deref().map(StandardUnit::from));
        if let Some(metric) = &alarm.metric {
            request = request
                .namespace(&metric.namespace)
                .metric_name(&metric.metric_name)
                .set_dimensions(Some(
                    metric.dimensions.iter().map(to_sdk_dimension).collect(),
                ))
                .set_statistic(metric.statistic.as_deref().map(Statistic::from))
                .set_extended_statistic(metric.extended_statistic.clone())
                .period(metric.period);
        } else {
            request = request.set_metrics(Some(alarm.metrics.iter().map(to_sdk_query).collect()));
        }
        if !alarm.tags.is_empty() {
            let tags = alarm
                .tags
                .iter()
                .map(|(key, value)| Tag::builder().key(key).value(value).build())
                .collect();
            request = request.set_tags(Some(tags));
        }
        request.send().await.aws(SERVICE, "PutMetricAlarm")?;
        Ok(())
    }

    async fn delete(&self, names: &[String]) -> Result<(), AwsError> {
        for batch in names.chunks(NAME_BATCH) {
            match self
                .client
                .delete_alarms()
                .set_alarm_names(Some(batch.to_vec()))
                .send()
                .await
                .aws(SERVICE, "DeleteAlarms")
            {
                Ok(_) => {}
                // CloudWatch refuses the whole batch when one name is unknown: delete the ones that still exist.
                Err(AwsError::NotFound { .. }) => {
                    let existing: Vec<String> = self
                        .describe(batch)
                        .await?
                        .into_iter()
                        .map(|alarm| alarm.name)
                        .collect();
                    if !existing.is_empty() {
                        self.client
                            .delete_alarms()
                            .set_alarm_names(Some(existing))
                            .send()
                            .await
                            .aws(SERVICE, "DeleteAlarms")?;
                    }
                }
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

fn from_sdk_dimensions(dimensions: Option<Vec<SdkDimension>>) -> Vec<Dimension> {
    dimensions
        .unwrap_or_default()
        .into_iter()
        .map(|d| Dimension {
            name: d.name.unwrap_or_default(),
            value: d.value.unwrap_or_default(),
        })
        .collect()
}

fn to_sdk_dimension(dimension: &Dimension) -> SdkDimension {
    SdkDimension::builder()
        .name(&dimension.name)
        .value(&dimension.value)
        .build()
}

fn from_sdk_query(query: MetricDataQuery) -> MetricQuery {
    MetricQuery {
        id: query.id.unwrap_or_default(),
        metric_stat: query.metric_stat.map(|stat| {
            let metric = stat.metric.unwrap_or_else(|| Metric::builder().build());
            MetricStatDef {
                namespace: metric.namespace.unwrap_or_default(),
                metric_name: metric.metric_name.unwrap_or_default(),
                dimensions: from_sdk_dimensions(metric.dimensions),
                period: stat.period.unwrap_or_default(),
                stat: stat.stat.unwrap_or_default(),
                unit: stat.unit.map(|unit| unit.as_str().to_owned()),
            }
        }),
        expression: query.expression,
        label: query.label,
        return_data: query.return_data,
        period: query.period,
        account_id: query.account_id,
    }
}

fn to_sdk_query(query: &MetricQuery) -> MetricDataQuery {
    let metric_stat = query.metric_stat.as_ref().map(|stat| {
        MetricStat::builder()
            .metric(
                Metric::builder()
                    .namespace(&stat.namespace)
                    .metric_name(&stat.metric_name)
                    .set_dimensions(Some(stat.dimensions.iter().map(to_sdk_dimension).collect()))
                    .build(),
            )
            .period(stat.period)
            .stat(&stat.stat)
            .set_unit(stat.unit.as_deref().map(StandardUnit::from))
            .build()
    });
    MetricDataQuery::builder()
        .id(&query.id)
        .set_metric_stat(metric_stat)
        .set_expression(query.expression.clone())
        .set_label(query.label.clone())
        .set_return_data(query.return_data)
        .set_period(query.period)
        .set_account_id(query.account_id.clone())
        .build()
}

fn from_sdk(alarm: MetricAlarm) -> MetricAlarmDef {
    let mut unmodelled = Vec::new();
    if alarm.evaluation_window.is_some() {
        unmodelled.push("EvaluationWindow".to_owned());
    }
    if alarm.warm_up_configuration.is_some() {
        unmodelled.push("WarmUpConfiguration".to_owned());
    }
    if alarm.evaluation_criteria.is_some() {
        unmodelled.push("EvaluationCriteria".to_owned());
    }
    if alarm.evaluation_interval.is_some() {
        unmodelled.push("EvaluationInterval".to_owned());
    }
    if alarm.action_configuration.is_some() {
        unmodelled.push("ActionConfiguration".to_owned());
    }
    let metric = alarm.metric_name.map(|metric_name| SingleMetric {
        namespace: alarm.namespace.unwrap_or_default(),
        metric_name,
        dimensions: from_sdk_dimensions(alarm.dimensions),
        statistic: alarm.statistic.map(|s| s.as_str().to_owned()),
        extended_statistic: alarm.extended_statistic,
        period: alarm.period.unwrap_or_default(),
    });
    MetricAlarmDef {
        name: alarm.alarm_name.unwrap_or_default(),
        arn: alarm.alarm_arn,
        description: alarm.alarm_description,
        // CloudWatch's default when the flag is absent.
        actions_enabled: alarm.actions_enabled.unwrap_or(true),
        alarm_actions: alarm.alarm_actions.unwrap_or_default(),
        ok_actions: alarm.ok_actions.unwrap_or_default(),
        insufficient_data_actions: alarm.insufficient_data_actions.unwrap_or_default(),
        metric,
        metrics: alarm
            .metrics
            .unwrap_or_default()
            .into_iter()
            .map(from_sdk_query)
            .collect(),
        threshold: alarm.threshold,
        threshold_metric_id: alarm.threshold_metric_id,
        comparison_operator: alarm
            .comparison_operator
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
        evaluation_periods: alarm.evaluation_periods.unwrap_or_default(),
        datapoints_to_alarm: alarm.datapoints_to_alarm,
        treat_missing_data: alarm.treat_missing_data,
        evaluate_low_sample_count_percentile: alarm.evaluate_low_sample_count_percentile,
        unit: alarm.unit.map(|u| u.as_str().to_owned()),
        state_value: alarm.state_value.map(|s| s.as_str().to_owned()),
        tags: Vec::new(),
        unmodelled,
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudwatch::operation::delete_alarms::{DeleteAlarmsError, DeleteAlarmsOutput};
    use aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput;
    use aws_sdk_cloudwatch::operation::put_metric_alarm::{
        PutMetricAlarmError, PutMetricAlarmInput, PutMetricAlarmOutput,
    };
    use aws_sdk_cloudwatch::types::error::{LimitExceededFault, ResourceNotFound};
    use aws_sdk_cloudwatch::types::{StateValue, WarmUpConfiguration};
    use aws_smithy_mocks::mock;

    use super::*;
    use crate::test_support::{mocked, wire};

    const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:raw";

    /// An L2 alarm as the quota calculator creates it: ids summed, then normalised to a per-minute rate.
    fn l2_alarm() -> MetricAlarm {
        let raw = |id: &str, model: &str| {
            MetricDataQuery::builder()
                .id(id)
                .metric_stat(
                    MetricStat::builder()
                        .metric(
                            Metric::builder()
                                .namespace("AWS/Bedrock")
                                .metric_name("Invocations")
                                .dimensions(
                                    SdkDimension::builder().name("ModelId").value(model).build(),
                                )
                                .build(),
                        )
                        .period(300)
                        .stat("Sum")
                        .build(),
                )
                .return_data(false)
                .build()
        };
        MetricAlarm::builder()
            .alarm_name("acme-Bedrock-HighInvocationRate-Warning-claude")
            .alarm_arn("arn:aws:cloudwatch:us-east-1:123456789012:alarm:x")
            .alarm_description("RPM above 80 % of quota")
            .actions_enabled(true)
            .alarm_actions(TOPIC)
            .ok_actions(TOPIC)
            .metrics(raw("m1", "anthropic.claude"))
            .metrics(raw("m2", "arn:profile"))
            .metrics(
                MetricDataQuery::builder()
                    .id("total")
                    .expression("m1+m2")
                    .return_data(false)
                    .build(),
            )
            .metrics(
                MetricDataQuery::builder()
                    .id("rate")
                    .expression("total / (PERIOD(m1) / 60)")
                    .label("Requests per minute")
                    .return_data(true)
                    .build(),
            )
            .threshold(8000.0)
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
            .evaluation_periods(3)
            .datapoints_to_alarm(2)
            .treat_missing_data("notBreaching")
            .state_value(StateValue::Ok)
            .build()
    }

    fn same_request(input: &PutMetricAlarmInput, alarm: &MetricAlarm, threshold: f64) -> bool {
        input.alarm_name() == alarm.alarm_name()
            && input.alarm_description() == alarm.alarm_description()
            && input.actions_enabled() == alarm.actions_enabled()
            && input.alarm_actions() == alarm.alarm_actions()
            && input.ok_actions() == alarm.ok_actions()
            && input.metrics() == alarm.metrics()
            && input.comparison_operator() == alarm.comparison_operator()
            && input.evaluation_periods() == alarm.evaluation_periods()
            && input.datapoints_to_alarm() == alarm.datapoints_to_alarm()
            && input.treat_missing_data() == alarm.treat_missing_data()
            && input.threshold() == Some(threshold)
            && input.tags().is_empty()
            && input.metric_name().is_none()
    }

    #[tokio::test]
    async fn describe_then_put_changes_only_the_threshold() {
        let describe = mock!(aws_sdk_cloudwatch::Client::describe_alarms)
            .match_requests(|r| {
                r.alarm_types() == [AlarmType::MetricAlarm] && r.alarm_names().len() == 1
            })
            .then_output(|| {
                DescribeAlarmsOutput::builder()
                    .metric_alarms(l2_alarm())
                    .build()
            });
        let put = mock!(aws_sdk_cloudwatch::Client::put_metric_alarm)
            .match_requests(|input| same_request(input, &l2_alarm(), 9000.0))
            .then_output(|| PutMetricAlarmOutput::builder().build());
        let alarms = SdkAlarms::new(mocked!(aws_sdk_cloudwatch, [&describe, &put]));

        let mut found = alarms
            .describe(&["acme-Bedrock-HighInvocationRate-Warning-claude".to_owned()])
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        let mut alarm = found.remove(0);
        assert_eq!(alarm.state_value.as_deref(), Some("OK"));
        assert_eq!(
            alarm.metrics[3].expression.as_deref(),
            Some("total / (PERIOD(m1) / 60)")
        );
        assert_eq!(
            alarm.metrics[0].metric_stat.as_ref().unwrap().dimensions[0].value,
            "anthropic.claude"
        );
        alarm.threshold = Some(9000.0);
        alarms.put(&alarm).await.unwrap();

        assert_eq!(put.num_calls(), 1);
    }

    #[tokio::test]
    async fn single_metric_alarms_round_trip_and_tags_go_out_on_create() {
        let single = MetricAlarm::builder()
            .alarm_name("acme-Bedrock-Throttles-Critical-claude")
            .namespace("AWS/Bedrock")
            .metric_name("InvocationThrottles")
            .dimensions(
                SdkDimension::builder()
                    .name("ModelId")
                    .value("anthropic.claude")
                    .build(),
            )
            .statistic(Statistic::Sum)
            .period(60)
            .unit(StandardUnit::Count)
            .threshold(1.0)
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
            .evaluation_periods(1)
            .build();
        let describe = mock!(aws_sdk_cloudwatch::Client::describe_alarms).then_output(move || {
            DescribeAlarmsOutput::builder()
                .metric_alarms(single.clone())
                .build()
        });
        let put = mock!(aws_sdk_cloudwatch::Client::put_metric_alarm)
            .match_requests(|r| {
                r.metric_name() == Some("InvocationThrottles")
                    && r.statistic() == Some(&Statistic::Sum)
                    && r.period() == Some(60)
                    && r.unit() == Some(&StandardUnit::Count)
                    && r.dimensions().len() == 1
                    && r.metrics().is_empty()
                    && r.tags().len() == 1
                    && r.tags()[0].key() == Some("Product")
            })
            .then_output(|| PutMetricAlarmOutput::builder().build());
        let alarms = SdkAlarms::new(mocked!(aws_sdk_cloudwatch, [&describe, &put]));

        let mut alarm = alarms.describe(&["x".to_owned()]).await.unwrap().remove(0);
        assert!(alarm.metrics.is_empty());
        assert_eq!(
            alarm.metric.as_ref().unwrap().statistic.as_deref(),
            Some("Sum")
        );
        alarm.tags = vec![("Product".into(), "bedrock-ops-alert".into())];
        alarms.put(&alarm).await.unwrap();
        assert_eq!(put.num_calls(), 1);
    }

    #[tokio::test]
    async fn an_alarm_with_settings_we_cannot_carry_is_never_put_back() {
        let mut alarm = l2_alarm();
        alarm.warm_up_configuration = Some(
            WarmUpConfiguration::builder()
                .warm_up_period_duration_in_minutes(5)
                .build(),
        );
        let describe = mock!(aws_sdk_cloudwatch::Client::describe_alarms).then_output(move || {
            DescribeAlarmsOutput::builder()
                .metric_alarms(alarm.clone())
                .build()
        });
        let put = mock!(aws_sdk_cloudwatch::Client::put_metric_alarm)
            .then_output(|| PutMetricAlarmOutput::builder().build());
        let alarms = SdkAlarms::new(mocked!(aws_sdk_cloudwatch, [&describe, &put]));

        let def = alarms.describe(&["x".to_owned()]).await.unwrap().remove(0);
        assert_eq!(def.unmodelled, vec!["WarmUpConfiguration".to_owned()]);
        assert!(matches!(
            alarms.put(&def).await,
            Err(AwsError::IllegalArgument { .. })
        ));
        assert_eq!(put.num_calls(), 0);
    }

    #[tokio::test]
    async fn put_maps_limit_exceeded() {
        let put = mock!(aws_sdk_cloudwatch::Client::put_metric_alarm).then_error(|| {
            PutMetricAlarmError::LimitExceededFault(
                LimitExceededFault::builder()
                    .meta(wire("LimitExceeded"))
                    .message("too many")
                    .build(),
            )
        });
        let alarms = SdkAlarms::new(mocked!(aws_sdk_cloudwatch, [&put]));
        let error = alarms.put(&from_sdk(l2_alarm())).await.unwrap_err();
        assert!(
            matches!(
                error,
                AwsError::QuotaExceeded {
                    operation: "PutMetricAlarm",
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn delete_skips_alarms_that_are_already_gone() {
        let refused = mock!(aws_sdk_cloudwatch::Client::delete_alarms)
            .match_requests(|r| r.alarm_names().len() == 2)
            .then_error(|| {
                DeleteAlarmsError::ResourceNotFound(
                    ResourceNotFound::builder()
                        .meta(wire("ResourceNotFound"))
                        .message("gone")
                        .build(),
                )
            });
        let describe = mock!(aws_sdk_cloudwatch::Client::describe_alarms).then_output(|| {
            DescribeAlarmsOutput::builder()
                .metric_alarms(l2_alarm())
                .build()
        });
        let retried = mock!(aws_sdk_cloudwatch::Client::delete_alarms)
            .match_requests(|r| {
                r.alarm_names() == ["acme-Bedrock-HighInvocationRate-Warning-claude".to_owned()]
            })
            .then_output(|| DeleteAlarmsOutput::builder().build());
        let alarms = SdkAlarms::new(mocked!(aws_sdk_cloudwatch, [&refused, &describe, &retried]));

        let names = [
            "acme-Bedrock-HighInvocationRate-Warning-claude".to_owned(),
            "gone".to_owned(),
        ];
        alarms.delete(&names).await.unwrap();

        assert_eq!(
            (
                refused.num_calls(),
                describe.num_calls(),
                retried.num_calls()
            ),
            (1, 1, 1)
        );
    }
}
