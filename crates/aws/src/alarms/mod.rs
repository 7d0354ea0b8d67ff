//! CloudWatch metric alarms: read an alarm's full definition, put it back (changed or not), delete alarms.

use std::future::Future;

use crate::AwsError;

#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod sdk;

/// A metric dimension.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dimension {
    pub name: String,
    pub value: String,
}

impl Dimension {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// The metric of a single-metric alarm.
#[derive(Debug, Clone, PartialEq)]
pub struct SingleMetric {
    pub namespace: String,
    pub metric_name: String,
    pub dimensions: Vec<Dimension>,
    /// `Sum`, `Average`, `Maximum`, … (exactly one of `statistic` and `extended_statistic` is set).
    pub statistic: Option<String>,
    /// A percentile such as `p99`.
    pub extended_statistic: Option<String>,
    /// Seconds.
    pub period: i32,
}

/// The metric and statistic a metric-math query reads.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricStatDef {
    pub namespace: String,
    pub metric_name: String,
    pub dimensions: Vec<Dimension>,
    /// Seconds.
    pub period: i32,
    pub stat: String,
    pub unit: Option<String>,
}

/// One entry of a metric-math alarm: either a metric read (`metric_stat`) or an `expression` over other ids.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    pub id: String,
    pub metric_stat: Option<MetricStatDef>,
    pub expression: Option<String>,
    pub label: Option<String>,
    /// Exactly one query of an alarm returns data: the one the threshold applies to.
    pub return_data: Option<bool>,
    /// Period of an expression query, in seconds.
    pub period: Option<i32>,
    pub account_id: Option<String>,
}

/// Everything PutMetricAlarm needs to write a metric alarm, as DescribeAlarms returns it.
///
/// `describe` → change a field → `put` keeps every other property as it was. Enumerated values are kept as the
/// API spells them (`GreaterThanOrEqualToThreshold`, `notBreaching`, `ALARM`).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricAlarmDef {
    pub name: String,
    /// Read-only: set by `describe`, ignored by `put`.
    pub arn: Option<String>,
    pub description: Option<String>,
    pub actions_enabled: bool,
    pub alarm_actions: Vec<String>,
    pub ok_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
    /// Set for a single-metric alarm; `metrics` is empty then.
    pub metric: Option<SingleMetric>,
    /// Set for a metric-math (or anomaly-detection) alarm; `metric` is `None` then.
    pub metrics: Vec<MetricQuery>,
    /// Static threshold; `None` for an anomaly-detection alarm, which uses `threshold_metric_id`.
    pub threshold: Option<f64>,
    pub threshold_metric_id: Option<String>,
    pub comparison_operator: String,
    pub evaluation_periods: i32,
    pub datapoints_to_alarm: Option<i32>,
    pub treat_missing_data: Option<String>,
    pub evaluate_low_sample_count_percentile: Option<String>,
    pub unit: Option<String>,
    /// Read-only: the alarm's state when it was described (`OK`, `ALARM`, `INSUFFICIENT_DATA`).
    pub state_value: Option<String>,
    /// Applied only when `put` creates the alarm: PutMetricAlarm ignores tags when it overwrites one, and
    /// DescribeAlarms does not return them (so a described alarm has none here).
    pub tags: Vec<(String, String)>,
    /// Names of alarm settings this type cannot carry (newer PutMetricAlarm features such as an evaluation
    /// window, a warm-up or PromQL criteria). `put` refuses a definition that lists any, rather than silently
    /// dropping them.
    pub unmodelled: Vec<String>,
}

impl MetricAlarmDef {
    /// A metric-math alarm definition with actions enabled and no optional settings.
    pub fn metric_math(
        name: impl Into<String>,
        metrics: Vec<MetricQuery>,
        threshold: f64,
        comparison_operator: impl Into<String>,
        evaluation_periods: i32,
    ) -> Self {
        Self {
            name: name.into(),
            arn: None,
            description: None,
            actions_enabled: true,
            alarm_actions: Vec::new(),
            ok_actions: Vec::new(),
            insufficient_data_actions: Vec::new(),
            metric: None,
            metrics,
            threshold: Some(threshold),
            threshold_metric_id: None,
            comparison_operator: comparison_operator.into(),
            evaluation_periods,
            datapoints_to_alarm: None,
            treat_missing_data: None,
            evaluate_low_sample_count_percentile: None,
            unit: None,
            state_value: None,
            tags: Vec::new(),
            unmodelled: Vec::new(),
        }
    }

    /// Checks what PutMetricAlarm would reject, or what `put` would lose, before anything is sent.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("an alarm needs a name".into());
        }
        if !self.unmodelled.is_empty() {
            return Err(format!(
                "alarm {} uses settings this tool cannot preserve: {}",
                self.name,
                self.unmodelled.join(", ")
            ));
        }
        match (&self.metric, self.metrics.is_empty()) {
            (Some(_), false) => {
                return Err(format!(
                    "alarm {} has both a single metric and metric queries",
                    self.name
                ));
            }
            (None, true) => {
                return Err(format!(
                    "alarm {} has neither a metric nor metric queries",
                    self.name
                ));
            }
            _ => {}
        }
        if self.threshold.is_none() && self.threshold_metric_id.is_none() {
            return Err(format!(
                "alarm {} has neither a threshold nor a threshold metric id",
                self.name
            ));
        }
        if self.evaluation_periods < 1 {
            return Err(format!(
                "alarm {} needs at least one evaluation period",
                self.name
            ));
        }
        Ok(())
    }
}

/// CloudWatch metric alarms (composite alarms are out of scope: the template owns them).
pub trait AlarmAdmin: Send + Sync {
    /// The metric alarms with these names; names that do not exist are simply absent from the result.
    fn describe(
        &self,
        names: &[String],
    ) -> impl Future<Output = Result<Vec<MetricAlarmDef>, AwsError>> + Send;

    /// Creates the alarm or overwrites it with exactly this definition (PutMetricAlarm replaces every property).
    /// A definition failing [`MetricAlarmDef::validate`] is refused with [`AwsError::IllegalArgument`].
    fn put(&self, alarm: &MetricAlarmDef) -> impl Future<Output = Result<(), AwsError>> + Send;

    /// Deletes the named alarms; names that do not exist are not an error.
    fn delete(&self, names: &[String]) -> impl Future<Output = Result<(), AwsError>> + Send;
}
