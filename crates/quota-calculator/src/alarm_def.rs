//! The core's quota-alarm definition in the adapter's PutMetricAlarm shape.

use bedrock_ops_aws::alarms::{Dimension, MetricAlarmDef, MetricQuery, MetricStatDef};
use bedrock_ops_core::alarm_spec::{
    MODEL_ID_DIMENSION, MetricQuerySpec, NAMESPACE, QuerySource, QuotaAlarmSpec, STATISTIC,
};

fn query(spec: &MetricQuerySpec) -> MetricQuery {
    let (metric_stat, expression) = match &spec.source {
        QuerySource::Metric {
            metric_name,
            model_id,
            period,
        } => (
            Some(MetricStatDef {
                namespace: NAMESPACE.to_owned(),
                metric_name: (*metric_name).to_owned(),
                dimensions: vec![Dimension::new(MODEL_ID_DIMENSION, model_id.clone())],
                // 60..=3600 always fits.
                period: i32::try_from(period.seconds()).unwrap_or(i32::MAX),
                stat: STATISTIC.to_owned(),
                unit: None,
            }),
            None,
        ),
        QuerySource::Expression(expression) => (None, Some(expression.clone())),
    };
    MetricQuery {
        id: spec.id.clone(),
        metric_stat,
        expression,
        label: spec.label.clone(),
        return_data: Some(spec.return_data),
        period: None,
        account_id: None,
    }
}

/// The complete alarm, actions enabled, as the calculator puts it.
pub fn to_alarm_def(spec: &QuotaAlarmSpec) -> MetricAlarmDef {
    let mut alarm = MetricAlarmDef::metric_math(
        spec.name.clone(),
        spec.metrics.iter().map(query).collect(),
        // Thresholds stay far below 2^53, so the conversion is exact.
        spec.threshold.get() as f64,
        spec.comparison_operator,
        i32::try_from(spec.evaluation_periods.get()).unwrap_or(i32::MAX),
    );
    alarm.description = Some(spec.description.clone());
    alarm.alarm_actions = spec.alarm_actions.clone();
    alarm.ok_actions = spec.ok_actions.clone();
    alarm.treat_missing_data = Some(spec.treat_missing_data.to_owned());
    alarm.tags = spec.tags.clone();
    alarm
}

#[cfg(test)]
mod tests {
    use bedrock_ops_core::alarm_spec::{
        EvaluationPeriods, ModelIds, QuotaAlarmConfig, quota_alarm_spec,
    };
    use bedrock_ops_core::alarms::AlarmKind;
    use bedrock_ops_core::thresholds::{AlarmPeriod, Percent, QuotaValue, Threshold};

    use super::*;

    #[test]
    fn the_put_shape_carries_every_part_of_the_spec() {
        let config = QuotaAlarmConfig {
            customer: "Acme".into(),
            model_name: "Opus".into(),
            model_ids: ModelIds::new("a.b-v1", ["c"]).unwrap(),
            period: AlarmPeriod::FifteenMinutes,
            evaluation_periods: EvaluationPeriods::new(4, AlarmPeriod::FifteenMinutes).unwrap(),
            topic_arn: "arn:aws:sns:us-east-1:123456789012:raw".into(),
        };
        let threshold = Threshold::of(QuotaValue::new(10_000).unwrap(), Percent::new(80).unwrap());
        let spec = quota_alarm_spec(&config, AlarmKind::HighInvocationRate, threshold);
        let alarm = to_alarm_def(&spec);

        assert!(alarm.validate().is_ok());
        assert_eq!(alarm.name, "Acme-Bedrock-HighInvocationRate-Warning-Opus");
        assert_eq!(alarm.threshold, Some(8_000.0));
        assert_eq!(alarm.evaluation_periods, 4);
        assert_eq!(alarm.comparison_operator, "GreaterThanThreshold");
        assert_eq!(alarm.treat_missing_data.as_deref(), Some("notBreaching"));
        assert_eq!(alarm.alarm_actions, alarm.ok_actions);
        assert!(alarm.actions_enabled);
        let m2 = alarm.metrics[1].metric_stat.as_ref().unwrap();
        assert_eq!(m2.namespace, "AWS/Bedrock");
        assert_eq!(m2.metric_name, "Invocations");
        assert_eq!(m2.dimensions, vec![Dimension::new("ModelId", "c")]);
        assert_eq!(m2.period, 900);
        assert_eq!(m2.stat, "Sum");
        assert_eq!(alarm.metrics[1].return_data, Some(false));
        let rate = alarm.metrics.last().unwrap();
        assert_eq!(
            rate.expression.as_deref(),
            Some("total / (PERIOD(m1) / 60)")
        );
        assert_eq!(rate.return_data, Some(true));
        assert_eq!(alarm.tags.len(), 3);
    }
}
