//! In-memory [`UsageMetrics`] for unit tests: datapoints per model id, summed at read time like the SDK read.

use std::collections::BTreeMap;

use super::{UsageMetric, UsageMetrics, UsageQuery, UsageSeries, assemble};
use crate::AwsError;
use crate::fake::{Faults, Shared, fault_knobs};

#[derive(Debug, Default)]
struct State {
    points: BTreeMap<(String, UsageMetric), Vec<(i64, f64)>>,
    queries: Vec<UsageQuery>,
    faults: Faults,
}

/// Cloning shares the data.
#[derive(Debug, Clone, Default)]
pub struct MemoryUsageMetrics {
    state: Shared<State>,
}

fault_knobs!(MemoryUsageMetrics);

impl MemoryUsageMetrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one datapoint (a per-period sum) for a model id.
    pub fn add_point(&self, model_id: &str, metric: UsageMetric, timestamp: i64, value: f64) {
        self.state
            .lock()
            .points
            .entry((model_id.to_owned(), metric))
            .or_default()
            .push((timestamp, value));
    }

    /// Adds consecutive per-minute datapoints for a model id, the first at `start`.
    pub fn add_minutes(&self, model_id: &str, metric: UsageMetric, start: i64, values: &[f64]) {
        let mut state = self.state.lock();
        let series = state
            .points
            .entry((model_id.to_owned(), metric))
            .or_default();
        series.extend(
            values
                .iter()
                .enumerate()
                .map(|(i, value)| (start + 60 * i as i64, *value)),
        );
    }

    /// Every query received, in order.
    pub fn queries(&self) -> Vec<UsageQuery> {
        self.state.lock().queries.clone()
    }
}

impl UsageMetrics for MemoryUsageMetrics {
    async fn usage(&self, query: &UsageQuery) -> Result<UsageSeries, AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("GetMetricData")?;
        state.queries.push(query.clone());
        query
            .validate()
            .map_err(|message| AwsError::invalid("cloudwatch", "GetMetricData", message))?;
        let points = state
            .points
            .iter()
            .filter(|((model_id, _), _)| query.model_ids.contains(model_id))
            .flat_map(|((_, metric), points)| {
                points
                    .iter()
                    .map(move |(at, value)| (*metric, at - at.rem_euclid(query.period), *value))
            });
        Ok(assemble(query, points))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sums_the_queried_ids_only_and_counts_observed_minutes() {
        let metrics = MemoryUsageMetrics::new();
        metrics.add_minutes("a", UsageMetric::Invocations, 600, &[1.0, 2.0]);
        metrics.add_point("b", UsageMetric::Invocations, 630, 10.0);
        metrics.add_point("c", UsageMetric::Invocations, 600, 100.0);
        let query = UsageQuery {
            model_ids: vec!["a".into(), "b".into()],
            start: 600,
            end: 780,
            period: 60,
        };

        let usage = metrics.usage(&query).await.unwrap();

        assert_eq!(usage.invocations.values, vec![11.0, 2.0, 0.0]);
        assert_eq!(usage.invocations.observed, 2);
        assert!(!usage.has_no_data());
        assert_eq!(metrics.queries(), vec![query]);
    }

    #[tokio::test]
    async fn an_empty_store_reads_as_no_data_and_failures_can_be_injected() {
        let metrics = MemoryUsageMetrics::new();
        let query = UsageQuery::last_days(vec!["a".into()], 1_000_000, 1);
        assert!(metrics.usage(&query).await.unwrap().has_no_data());

        metrics.fail_next(
            "GetMetricData",
            AwsError::from_code("cloudwatch", "GetMetricData", "Throttling", "", None),
        );
        assert!(metrics.usage(&query).await.unwrap_err().is_retryable());
        assert_eq!(metrics.calls("GetMetricData"), 2);
    }
}
