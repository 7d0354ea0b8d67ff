//! CloudWatch usage read: the 14-day, 1-minute Bedrock usage series of one model (and the model ids that share
//! its quota) in one GetMetricData read.

use std::future::Future;

use crate::AwsError;

#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod sdk;

/// CloudWatch namespace of Bedrock runtime metrics; every metric has the `ModelId` dimension.
pub const BEDROCK_NAMESPACE: &str = "AWS/Bedrock";
/// Dimension that names the model (or inference profile) a Bedrock metric belongs to.
pub const MODEL_ID_DIMENSION: &str = "ModelId";
/// GetMetricData accepts at most this many queries per call.
pub const MAX_QUERIES: usize = 500;
/// GetMetricData returns at most this many datapoints per call.
pub const MAX_DATAPOINTS: usize = 100_800;

/// The Bedrock metrics of a usage read, each summed per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UsageMetric {
    Invocations,
    EstimatedTpmQuotaUsage,
    InputTokenCount,
    OutputTokenCount,
    InvocationThrottles,
}

impl UsageMetric {
    pub const ALL: [UsageMetric; 5] = [
        UsageMetric::Invocations,
        UsageMetric::EstimatedTpmQuotaUsage,
        UsageMetric::InputTokenCount,
        UsageMetric::OutputTokenCount,
        UsageMetric::InvocationThrottles,
    ];

    /// The CloudWatch metric name.
    pub fn metric_name(self) -> &'static str {
        match self {
            UsageMetric::Invocations => "Invocations",
            UsageMetric::EstimatedTpmQuotaUsage => "EstimatedTPMQuotaUsage",
            UsageMetric::InputTokenCount => "InputTokenCount",
            UsageMetric::OutputTokenCount => "OutputTokenCount",
            UsageMetric::InvocationThrottles => "InvocationThrottles",
        }
    }
}

/// What to read: the summed usage of `model_ids` over `[start, end)` in buckets of `period` seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageQuery {
    /// The monitored model id first, then any ids that share its quota (e.g. application inference profiles).
    pub model_ids: Vec<String>,
    /// Epoch seconds, inclusive; a multiple of `period` so buckets line up with CloudWatch's.
    pub start: i64,
    /// Epoch seconds, exclusive.
    pub end: i64,
    /// Bucket length in seconds (60 for per-minute figures).
    pub period: i64,
}

impl UsageQuery {
    /// The last `days` whole minutes before `now` at 1-minute resolution (14 days is the longest window that
    /// CloudWatch keeps at 1 minute, and exactly fits the datapoint limit for five series).
    pub fn last_days(model_ids: Vec<String>, now: i64, days: i64) -> Self {
        let end = now - now.rem_euclid(60);
        Self {
            model_ids,
            start: end - days * 86_400,
            end,
            period: 60,
        }
    }

    /// Number of buckets in the window.
    pub fn buckets(&self) -> usize {
        if self.period <= 0 || self.end <= self.start {
            return 0;
        }
        usize::try_from((self.end - self.start).div_euclid(self.period)).unwrap_or(0)
    }

    /// Checks the query against GetMetricData's limits before anything is sent.
    pub fn validate(&self) -> Result<(), String> {
        if self.model_ids.is_empty() {
            return Err("at least one model id is needed".into());
        }
        if self.model_ids.iter().any(|id| id.trim().is_empty()) {
            return Err("model ids must not be empty".into());
        }
        if self.period <= 0 || self.period % 60 != 0 {
            return Err(format!(
                "period {} is not a positive multiple of 60 seconds",
                self.period
            ));
        }
        if self.end <= self.start || (self.end - self.start) % self.period != 0 {
            return Err(format!(
                "window [{}, {}) is not a positive whole number of {}-second periods",
                self.start, self.end, self.period
            ));
        }
        let metrics = UsageMetric::ALL.len();
        let queries = metrics * query_count_per_metric(self.model_ids.len());
        if queries > MAX_QUERIES {
            return Err(format!(
                "{} model ids need {queries} queries, more than {MAX_QUERIES}",
                self.model_ids.len()
            ));
        }
        let datapoints = metrics * self.buckets();
        if datapoints > MAX_DATAPOINTS {
            return Err(format!(
                "the window needs {datapoints} datapoints, more than {MAX_DATAPOINTS}"
            ));
        }
        Ok(())
    }
}

/// One raw query per model id, plus the summing expression when there is more than one id.
pub(crate) fn query_count_per_metric(model_ids: usize) -> usize {
    if model_ids > 1 { model_ids + 1 } else { 1 }
}

/// One metric's values, one per bucket; a bucket without a datapoint holds 0.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricSeries {
    pub values: Vec<f64>,
    /// How many buckets had a datapoint (0 means CloudWatch has no data at all for this metric).
    pub observed: usize,
}

impl MetricSeries {
    /// A series of `buckets` zeros with nothing observed.
    pub fn empty(buckets: usize) -> Self {
        Self {
            values: vec![0.0; buckets],
            observed: 0,
        }
    }
}

/// The result of a usage read: aligned per-bucket series.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageSeries {
    /// Start of each bucket (epoch seconds): `query.start + i * query.period`.
    pub timestamps: Vec<i64>,
    pub period: i64,
    pub invocations: MetricSeries,
    pub estimated_tpm_quota_usage: MetricSeries,
    pub input_tokens: MetricSeries,
    pub output_tokens: MetricSeries,
    pub throttles: MetricSeries,
}

impl UsageSeries {
    /// All-zero series covering the query's window.
    pub fn empty(query: &UsageQuery) -> Self {
        let buckets = query.buckets();
        let timestamps = (0..buckets)
            .map(|i| query.start + i as i64 * query.period)
            .collect();
        Self {
            timestamps,
            period: query.period,
            invocations: MetricSeries::empty(buckets),
            estimated_tpm_quota_usage: MetricSeries::empty(buckets),
            input_tokens: MetricSeries::empty(buckets),
            output_tokens: MetricSeries::empty(buckets),
            throttles: MetricSeries::empty(buckets),
        }
    }

    pub fn series(&self, metric: UsageMetric) -> &MetricSeries {
        match metric {
            UsageMetric::Invocations => &self.invocations,
            UsageMetric::EstimatedTpmQuotaUsage => &self.estimated_tpm_quota_usage,
            UsageMetric::InputTokenCount => &self.input_tokens,
            UsageMetric::OutputTokenCount => &self.output_tokens,
            UsageMetric::InvocationThrottles => &self.throttles,
        }
    }

    pub fn series_mut(&mut self, metric: UsageMetric) -> &mut MetricSeries {
        match metric {
            UsageMetric::Invocations => &mut self.invocations,
            UsageMetric::EstimatedTpmQuotaUsage => &mut self.estimated_tpm_quota_usage,
            UsageMetric::InputTokenCount => &mut self.input_tokens,
            UsageMetric::OutputTokenCount => &mut self.output_tokens,
            UsageMetric::InvocationThrottles => &mut self.throttles,
        }
    }

    /// True when no metric had a single datapoint in the window (a model never invoked, or no data yet).
    pub fn has_no_data(&self) -> bool {
        UsageMetric::ALL
            .iter()
            .all(|m| self.series(*m).observed == 0)
    }
}

/// Builds the aligned series of a query from datapoints `(metric, timestamp, value)`: points falling in the same
/// bucket are added up, points outside the window are dropped.
pub(crate) fn assemble(
    query: &UsageQuery,
    points: impl IntoIterator<Item = (UsageMetric, i64, f64)>,
) -> UsageSeries {
    let mut series = UsageSeries::empty(query);
    let mut seen = std::collections::BTreeSet::new();
    for (metric, timestamp, value) in points {
        if timestamp < query.start || timestamp >= query.end || query.period <= 0 {
            continue;
        }
        let Ok(index) = usize::try_from((timestamp - query.start) / query.period) else {
            continue;
        };
        let target = series.series_mut(metric);
        if let Some(slot) = target.values.get_mut(index) {
            *slot += value;
            if seen.insert((metric, index)) {
                target.observed += 1;
            }
        }
    }
    series
}

/// CloudWatch usage of Bedrock models.
pub trait UsageMetrics: Send + Sync {
    /// Reads every [`UsageMetric`] for the query in one GetMetricData read, each summed across the model ids.
    /// A query outside GetMetricData's limits is refused with [`AwsError::IllegalArgument`].
    fn usage(
        &self,
        query: &UsageQuery,
    ) -> impl Future<Output = Result<UsageSeries, AwsError>> + Send;
}
