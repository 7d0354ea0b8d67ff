//! Fourteen days of per-minute Bedrock usage for the demo's model: office-hours traffic well under the
//! quotas, then a surge in the last half hour that takes the tokens-per-minute figure over its threshold
//! while requests per minute stay under theirs. Deterministic, so every run tells the same story.

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use bedrock_ops_aws::AwsClients;

/// The processor's usage window.
pub const DAYS: i64 = 14;
const MINUTES: i64 = DAYS * 24 * 60;
/// Minutes at the end of the window that carry the surge.
pub const SURGE_MINUTES: i64 = 30;
/// Requests per minute during the surge.
pub const SURGE_RPM: f64 = 6_200.0;
const INPUT_TOKENS_PER_REQUEST: f64 = 650.0;
const OUTPUT_TOKENS_PER_REQUEST: f64 = 50.0;
/// Output tokens count five times against the TPM quota (Bedrock's burndown rate for these models).
const OUTPUT_BURNDOWN: f64 = 5.0;
/// PutMetricData takes at most 1,000 datums per call.
const BATCH: usize = 1_000;
const IN_FLIGHT: usize = 4;

/// One minute of traffic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Minute {
    /// Epoch seconds, on a minute boundary.
    pub at: i64,
    pub invocations: f64,
}

impl Minute {
    pub fn input_tokens(&self) -> f64 {
        self.invocations * INPUT_TOKENS_PER_REQUEST
    }

    pub fn output_tokens(&self) -> f64 {
        self.invocations * OUTPUT_TOKENS_PER_REQUEST
    }

    /// `EstimatedTPMQuotaUsage`: what the TPM quota is charged.
    pub fn estimated_tpm(&self) -> f64 {
        self.input_tokens() + self.output_tokens() * OUTPUT_BURNDOWN
    }
}

/// The window ending with the minute before `last_minute_end` (epoch seconds on a minute boundary).
pub fn series(last_minute_end: i64) -> Vec<Minute> {
    let first = last_minute_end - MINUTES * 60;
    (0..MINUTES)
        .map(|i| {
            let at = first + i * 60;
            let invocations = if i >= MINUTES - SURGE_MINUTES {
                SURGE_RPM
            } else {
                usual(at)
            };
            Minute { at, invocations }
        })
        .collect()
}

/// Office hours (07:00-19:00 UTC) peak at about 4,000 requests per minute on weekdays, a night floor of a
/// few hundred, a quieter weekend, and a small deterministic ripple so no two minutes are alike.
fn usual(at: i64) -> f64 {
    let minute_of_day = at.rem_euclid(86_400) / 60;
    let hour = minute_of_day as f64 / 60.0;
    let day = at.div_euclid(86_400);
    // 1970-01-01 was a Thursday: days 2 and 3 of each week are the weekend.
    let weekend = matches!(day.rem_euclid(7), 2 | 3);
    let office = if (7.0..19.0).contains(&hour) {
        (std::f64::consts::PI * (hour - 7.0) / 12.0).sin()
    } else {
        0.0
    };
    let scale = if weekend { 0.35 } else { 1.0 };
    let ripple = ((at / 60).wrapping_mul(2_654_435_761).rem_euclid(200)) as f64 - 100.0;
    (300.0 + 3_600.0 * office * scale + ripple).max(0.0).round()
}

/// Writes the four series the processor and the alarms read; returns (datapoints, calls).
pub async fn push(
    clients: &AwsClients,
    model_id: &str,
    minutes: &[Minute],
) -> Result<(usize, usize), String> {
    let dimension = Dimension::builder().name("ModelId").value(model_id).build();
    let datum = |name: &str, at: i64, value: f64, unit: StandardUnit| {
        MetricDatum::builder()
            .metric_name(name)
            .dimensions(dimension.clone())
            .timestamp(DateTime::from_secs(at))
            .value(value)
            .unit(unit)
            .build()
    };
    let data: Vec<MetricDatum> = minutes
        .iter()
        .flat_map(|m| {
            [
                datum("Invocations", m.at, m.invocations, StandardUnit::Count),
                datum(
                    "InputTokenCount",
                    m.at,
                    m.input_tokens(),
                    StandardUnit::Count,
                ),
                datum(
                    "OutputTokenCount",
                    m.at,
                    m.output_tokens(),
                    StandardUnit::Count,
                ),
                datum(
                    "EstimatedTPMQuotaUsage",
                    m.at,
                    m.estimated_tpm(),
                    StandardUnit::Count,
                ),
            ]
        })
        .collect();
    // A few calls in flight at once: the emulator answers each in a few milliseconds, so the time goes into
    // encoding and the round trip, which overlap.
    let mut calls = tokio::task::JoinSet::new();
    let mut sent = 0;
    for chunk in data.chunks(BATCH) {
        if calls.len() >= IN_FLIGHT {
            join_one(&mut calls).await?;
        }
        let call = clients
            .cloudwatch
            .put_metric_data()
            .namespace("AWS/Bedrock")
            .set_metric_data(Some(chunk.to_vec()));
        calls.spawn(async move { call.send().await.map(drop) });
        sent += 1;
    }
    while !calls.is_empty() {
        join_one(&mut calls).await?;
    }
    Ok((data.len(), sent))
}

async fn join_one<E: std::error::Error + 'static>(
    calls: &mut tokio::task::JoinSet<Result<(), E>>,
) -> Result<(), String> {
    match calls.join_next().await {
        Some(Ok(Ok(()))) | None => Ok(()),
        Some(Ok(Err(e))) => Err(format!("PutMetricData: {}", super::step::chain(&e))),
        Some(Err(e)) => Err(format!("PutMetricData: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_fourteen_days_of_minutes_ending_with_the_surge() {
        let end = 1_790_000_040; // a minute boundary
        let minutes = series(end);
        assert_eq!(minutes.len(), 20_160);
        assert_eq!(minutes.last().unwrap().at, end - 60);
        assert_eq!(minutes[0].at, end - 14 * 86_400);
        assert!(minutes.windows(2).all(|w| w[1].at - w[0].at == 60));
        let surge = &minutes[minutes.len() - SURGE_MINUTES as usize..];
        assert!(surge.iter().all(|m| m.invocations == SURGE_RPM));
    }

    #[test]
    fn usual_traffic_stays_under_both_thresholds_and_the_surge_crosses_only_the_tpm_one() {
        // The demo's quotas at 80 %: 8,000 requests and 5,000,000 tokens per minute.
        let minutes = series(1_790_000_040);
        let (usual, surge) = minutes.split_at(minutes.len() - SURGE_MINUTES as usize);
        let usual_peak_tpm = usual.iter().map(Minute::estimated_tpm).fold(0.0, f64::max);
        let usual_peak_rpm = usual.iter().map(|m| m.invocations).fold(0.0, f64::max);
        assert!(
            usual_peak_tpm < 5_000_000.0 && usual_peak_tpm > 2_000_000.0,
            "{usual_peak_tpm}"
        );
        assert!(usual_peak_rpm < 8_000.0);
        assert!(surge[0].estimated_tpm() >= 5_000_000.0);
        assert!(surge[0].invocations < 8_000.0);
        assert!(usual.iter().all(|m| m.invocations >= 0.0));
    }
}
