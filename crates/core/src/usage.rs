//! Usage figures from per-minute CloudWatch series.
//!
//! Definitions (they go to AWS Support, so they must be stated):
//! - **peak** = the highest per-minute value in the lookback window.
//! - **steady state** = the median over *active* minutes, i.e. minutes whose value is > 0. Idle minutes
//!   are left out so a workload that runs office hours is not reported at a third of its real rate;
//!   the median (not the mean) keeps one burst from moving it. With an even count it is the mean of
//!   the two middle values.
//! - **TPM** comes from the `EstimatedTPMQuotaUsage` series, the figure Bedrock enforces the quota on
//!   (cache writes and output burndown included), never from raw input + output token sums (W-7).
//! - **active minutes** = minutes with at least one invocation.
//! - **input / output TPM** (a model whose token limit is an input and an output quota) come from the
//!   `InputTokenCount` and `OutputTokenCount` series, the counts those two quotas are charged with: peak and
//!   steady state as above; unknown (`None`) when CloudWatch had no datapoint of the series.
//!
//! Missing minutes may be left out of a series or given as 0: neither changes any figure. Negative and
//! non-finite values cannot come from a CloudWatch Sum and are ignored.

use serde::Serialize;

/// The blog's window for the usage guard.
pub const DEFAULT_LOOKBACK_DAYS: u32 = 14;

/// Per-minute sums over the lookback window, as read by the metrics adapter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UsageSeries {
    pub lookback_days: u32,
    /// `Invocations` Sum per minute (all monitored model ids added up).
    pub invocations: Vec<f64>,
    /// `EstimatedTPMQuotaUsage` Sum per minute.
    pub estimated_tpm: Vec<f64>,
    /// `InputTokenCount` Sum per minute, when read.
    pub input_tokens: Option<Vec<f64>>,
    /// `OutputTokenCount` Sum per minute, when read.
    pub output_tokens: Option<Vec<f64>>,
}

/// The figures the scenario tree, the e-mail and the Support case use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageSummary {
    pub lookback_days: u32,
    pub active_minutes: u64,
    pub peak_rpm: f64,
    pub steady_rpm: f64,
    pub peak_tpm: f64,
    pub steady_tpm: f64,
    /// `None` when the input-token series was not read or there were no invocations.
    pub avg_input_tokens_per_request: Option<f64>,
    pub avg_output_tokens_per_request: Option<f64>,
    /// Peak and steady state of the `InputTokenCount` series per minute; `None` when it was not read.
    pub input_tpm: Option<PerMinute>,
    /// Peak and steady state of the `OutputTokenCount` series per minute; `None` when it was not read.
    pub output_tpm: Option<PerMinute>,
}

/// The peak and steady state of one per-minute series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PerMinute {
    pub peak: f64,
    pub steady: f64,
}

impl PerMinute {
    pub fn of(series: &[f64]) -> PerMinute {
        PerMinute {
            peak: peak(series),
            steady: steady_state(series),
        }
    }
}

fn active(series: &[f64]) -> impl Iterator<Item = f64> + '_ {
    series.iter().copied().filter(|v| v.is_finite() && *v > 0.0)
}

/// Highest value, 0 for an empty or idle series.
pub fn peak(series: &[f64]) -> f64 {
    active(series).fold(0.0, f64::max)
}

/// Median over active minutes, 0 when there are none.
pub fn steady_state(series: &[f64]) -> f64 {
    let mut values: Vec<f64> = active(series).collect();
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

fn total(series: &[f64]) -> f64 {
    active(series).sum()
}

fn per_request(tokens: Option<&Vec<f64>>, invocations: f64) -> Option<f64> {
    let tokens = tokens?;
    (invocations > 0.0).then(|| total(tokens) / invocations)
}

impl UsageSummary {
    pub fn from_series(series: &UsageSeries) -> UsageSummary {
        let invocations = total(&series.invocations);
        UsageSummary {
            lookback_days: series.lookback_days,
            active_minutes: active(&series.invocations).count() as u64,
            peak_rpm: peak(&series.invocations),
            steady_rpm: steady_state(&series.invocations),
            peak_tpm: peak(&series.estimated_tpm),
            steady_tpm: steady_state(&series.estimated_tpm),
            avg_input_tokens_per_request: per_request(series.input_tokens.as_ref(), invocations),
            avg_output_tokens_per_request: per_request(series.output_tokens.as_ref(), invocations),
            input_tpm: series.input_tokens.as_deref().map(PerMinute::of),
            output_tpm: series.output_tokens.as_deref().map(PerMinute::of),
        }
    }

    /// No requests and no quota consumption in the whole window.
    pub fn is_idle(&self) -> bool {
        self.peak_rpm == 0.0 && self.peak_tpm == 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_is_the_highest_minute() {
        assert_eq!(peak(&[0.0, 3.0, 9_500.0, 12.0]), 9_500.0);
        assert_eq!(peak(&[]), 0.0);
        assert_eq!(peak(&[0.0, 0.0]), 0.0);
    }

    #[test]
    fn steady_state_is_median_over_active_minutes_only() {
        // Idle minutes would drag a mean over all minutes to 30; active-minute median is 100.
        let series = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 100.0, 100.0, 100.0];
        assert_eq!(steady_state(&series), 100.0);
    }

    #[test]
    fn steady_state_ignores_a_single_burst() {
        assert_eq!(steady_state(&[10.0, 11.0, 12.0, 5_000.0, 10.0]), 11.0);
    }

    #[test]
    fn steady_state_with_even_count_is_mean_of_middle_two() {
        assert_eq!(steady_state(&[1.0, 2.0, 4.0, 100.0]), 3.0);
    }

    #[test]
    fn steady_state_of_idle_series_is_zero() {
        assert_eq!(steady_state(&[0.0; 5]), 0.0);
        assert_eq!(steady_state(&[]), 0.0);
    }

    #[test]
    fn negative_and_non_finite_values_are_ignored() {
        let series = [-5.0, f64::NAN, f64::INFINITY, 7.0];
        assert_eq!(peak(&series), 7.0);
        assert_eq!(steady_state(&series), 7.0);
    }

    #[test]
    fn tpm_comes_from_estimated_quota_usage_not_token_sums() {
        let summary = UsageSummary::from_series(&UsageSeries {
            lookback_days: 14,
            invocations: vec![10.0, 20.0],
            estimated_tpm: vec![50_000.0, 210_000.0],
            input_tokens: Some(vec![1_000.0, 2_000.0]),
            output_tokens: Some(vec![500.0, 1_000.0]),
        });
        assert_eq!(summary.peak_tpm, 210_000.0);
        assert_eq!(summary.steady_tpm, 130_000.0);
    }

    #[test]
    fn summary_counts_active_minutes_and_averages_tokens_per_request() {
        let summary = UsageSummary::from_series(&UsageSeries {
            lookback_days: 14,
            invocations: vec![0.0, 10.0, 30.0, 0.0],
            estimated_tpm: vec![0.0, 100.0, 300.0, 0.0],
            input_tokens: Some(vec![0.0, 1_000.0, 3_000.0, 0.0]),
            output_tokens: None,
        });
        assert_eq!(
            summary,
            UsageSummary {
                lookback_days: 14,
                active_minutes: 2,
                peak_rpm: 30.0,
                steady_rpm: 20.0,
                peak_tpm: 300.0,
                steady_tpm: 200.0,
                avg_input_tokens_per_request: Some(100.0),
                avg_output_tokens_per_request: None,
                input_tpm: Some(PerMinute {
                    peak: 3_000.0,
                    steady: 2_000.0,
                }),
                output_tpm: None,
            }
        );
    }

    #[test]
    fn tokens_per_request_is_none_without_invocations() {
        let summary = UsageSummary::from_series(&UsageSeries {
            lookback_days: 14,
            input_tokens: Some(vec![]),
            output_tokens: Some(vec![]),
            ..UsageSeries::default()
        });
        assert_eq!(summary.avg_input_tokens_per_request, None);
        assert_eq!(summary.avg_output_tokens_per_request, None);
        assert!(summary.is_idle());
    }

    #[test]
    fn input_and_output_tpm_are_peak_and_steady_of_their_own_series() {
        for (input, output, want_input, want_output) in [
            (
                Some(vec![0.0, 1_000.0, 9_000.0, 2_000.0]),
                Some(vec![0.0, 100.0, 300.0, 200.0]),
                Some((9_000.0, 2_000.0)),
                Some((300.0, 200.0)),
            ),
            // Idle minutes are left out of the steady state; one burst does not move it.
            (
                Some(vec![0.0, 0.0, 10.0, 10.0, 12.0, 50_000.0]),
                None,
                Some((50_000.0, 11.0)),
                None,
            ),
            // A series CloudWatch had no datapoint of stays unknown, never zero.
            (None, None, None, None),
            (
                Some(vec![]),
                Some(vec![0.0]),
                Some((0.0, 0.0)),
                Some((0.0, 0.0)),
            ),
        ] {
            let summary = UsageSummary::from_series(&UsageSeries {
                lookback_days: 14,
                invocations: vec![1.0],
                estimated_tpm: vec![1.0],
                input_tokens: input.clone(),
                output_tokens: output.clone(),
            });
            let of = |w: Option<(f64, f64)>| w.map(|(peak, steady)| PerMinute { peak, steady });
            assert_eq!(summary.input_tpm, of(want_input), "{input:?}");
            assert_eq!(summary.output_tpm, of(want_output), "{output:?}");
        }
    }

    #[test]
    fn split_tpm_never_comes_from_estimated_quota_usage() {
        let summary = UsageSummary::from_series(&UsageSeries {
            lookback_days: 14,
            invocations: vec![10.0],
            estimated_tpm: vec![999_999.0],
            input_tokens: Some(vec![4_000.0]),
            output_tokens: Some(vec![1_000.0]),
        });
        assert_eq!(summary.input_tpm.map(|m| m.peak), Some(4_000.0));
        assert_eq!(summary.output_tpm.map(|m| m.peak), Some(1_000.0));
    }
}
