//! Order statistics of measured times (nearest rank, so every figure is one that was measured).

use std::time::Duration;

/// The `p`-th percentile (0 < p ≤ 100) by nearest rank; `None` for no samples.
pub fn percentile(samples: &[Duration], p: f64) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

pub fn median(samples: &[Duration]) -> Option<Duration> {
    percentile(samples, 50.0)
}

pub fn p95(samples: &[Duration]) -> Option<Duration> {
    percentile(samples, 95.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|v| Duration::from_millis(*v)).collect()
    }

    #[test]
    fn nearest_rank_picks_a_measured_sample() {
        let samples = ms(&(1..=20).rev().collect::<Vec<_>>());
        assert_eq!(median(&samples), Some(Duration::from_millis(10)));
        assert_eq!(p95(&samples), Some(Duration::from_millis(19)));
        assert_eq!(percentile(&samples, 100.0), Some(Duration::from_millis(20)));
        assert_eq!(median(&ms(&[7])), Some(Duration::from_millis(7)));
        assert_eq!(median(&[]), None);
    }
}
