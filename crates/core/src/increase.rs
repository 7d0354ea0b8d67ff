//! How much to ask for, and whether Service Quotas can take the request at all.
//!
//! desired = ⌈current × (100 + p) / 100⌉ in exact integer arithmetic, and always strictly greater
//! than current (a small quota with a small percent would otherwise round back to itself, which
//! Service Quotas rejects as "not an increase"). p = 0 means "do not request". A quota that is not
//! adjustable goes to a Support case instead. (Service Quotas publishes no maximum for a quota, so a
//! request above what AWS will grant is filed and answered by AWS, like any other.)

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::thresholds::QuotaValue;

/// Increase percentage, 0–100; 0 turns automatic requests for that quota off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct IncreasePercent(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not an increase percent: allowed a whole number from 0 to 100 (0 = do not request)"
)]
pub struct IncreasePercentError(pub String);

impl IncreasePercent {
    /// The template's default.
    pub const DEFAULT: IncreasePercent = IncreasePercent(25);

    pub fn new(value: u64) -> Result<IncreasePercent, IncreasePercentError> {
        match u8::try_from(value) {
            Ok(p @ 0..=100) => Ok(IncreasePercent(p)),
            _ => Err(IncreasePercentError(value.to_string())),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }

    pub fn is_off(self) -> bool {
        self.0 == 0
    }
}

impl Default for IncreasePercent {
    fn default() -> Self {
        IncreasePercent::DEFAULT
    }
}

impl FromStr for IncreasePercent {
    type Err = IncreasePercentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<u64>()
            .map_err(|_| IncreasePercentError(s.to_owned()))
            .and_then(IncreasePercent::new)
    }
}

impl fmt::Display for IncreasePercent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// ⌈current × (100 + p) / 100⌉, at least current + 1. Exact for every [`QuotaValue`]: the product
/// stays below 2^61 in u128 and the result below 2^54.
pub fn desired_value(current: QuotaValue, percent: IncreasePercent) -> u64 {
    let numerator = u128::from(current.get()) * (100 + u128::from(percent.get()));
    let ceil = numerator.div_ceil(100);
    let ceil = u64::try_from(ceil).expect("at most twice a quota value");
    ceil.max(current.get() + 1)
}

/// What Service Quotas says about a quota, as far as the decision needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaFacts {
    pub current: QuotaValue,
    pub adjustable: bool,
}

/// Why a Support case is filed instead of a Service Quotas request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SupportCaseReason {
    NotAdjustable,
}

impl fmt::Display for SupportCaseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupportCaseReason::NotAdjustable => {
                f.write_str("the quota is not adjustable through Service Quotas")
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum IncreaseDecision {
    /// The percent is 0.
    DoNotRequest,
    /// File `RequestServiceQuotaIncrease` with this desired value.
    Request { current: u64, desired: u64 },
    /// Ask in a Support case, stating the value and the reason.
    SupportCaseInstead {
        current: u64,
        desired: u64,
        #[serde(flatten)]
        reason: SupportCaseReason,
    },
}

pub fn decide_increase(facts: QuotaFacts, percent: IncreasePercent) -> IncreaseDecision {
    if percent.is_off() {
        return IncreaseDecision::DoNotRequest;
    }
    let current = facts.current.get();
    let desired = desired_value(facts.current, percent);
    let reason = (!facts.adjustable).then_some(SupportCaseReason::NotAdjustable);
    match reason {
        Some(reason) => IncreaseDecision::SupportCaseInstead {
            current,
            desired,
            reason,
        },
        None => IncreaseDecision::Request { current, desired },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thresholds::MAX_QUOTA_VALUE;

    fn q(v: u64) -> QuotaValue {
        QuotaValue::new(v).unwrap()
    }

    fn p(v: u64) -> IncreasePercent {
        IncreasePercent::new(v).unwrap()
    }

    fn facts(current: u64) -> QuotaFacts {
        QuotaFacts {
            current: q(current),
            adjustable: true,
        }
    }

    #[test]
    fn desired_is_ceiling_of_current_times_one_plus_percent() {
        assert_eq!(desired_value(q(10_000), p(25)), 12_500);
        assert_eq!(desired_value(q(6_250_000), p(50)), 9_375_000);
        assert_eq!(desired_value(q(200), p(100)), 400);
        // 10,001 × 1.25 = 12,501.25 → 12,502 (the sample truncated to 12,501).
        assert_eq!(desired_value(q(10_001), p(25)), 12_502);
    }

    #[test]
    fn desired_is_strictly_greater_when_rounding_would_give_current() {
        assert_eq!(desired_value(q(1), p(1)), 2);
        assert_eq!(desired_value(q(50), p(1)), 51);
        assert_eq!(desired_value(q(100), p(1)), 101);
    }

    #[test]
    fn desired_is_exact_for_the_largest_quota() {
        assert_eq!(
            desired_value(q(MAX_QUOTA_VALUE), p(100)),
            2 * MAX_QUOTA_VALUE
        );
    }

    #[test]
    fn increase_percent_allows_0_to_100() {
        assert!(IncreasePercent::new(0).unwrap().is_off());
        assert_eq!(IncreasePercent::new(100).unwrap().get(), 100);
        assert!(IncreasePercent::new(101).is_err());
        assert!("-1".parse::<IncreasePercent>().is_err());
        assert!("25%".parse::<IncreasePercent>().is_err());
        assert_eq!(" 50 ".parse::<IncreasePercent>().unwrap().get(), 50);
        assert_eq!(IncreasePercent::default().get(), 25);
    }

    #[test]
    fn zero_percent_means_do_not_request() {
        assert_eq!(
            decide_increase(facts(10_000), p(0)),
            IncreaseDecision::DoNotRequest
        );
    }

    #[test]
    fn not_adjustable_quota_goes_to_support_case() {
        let f = QuotaFacts {
            adjustable: false,
            ..facts(10_000)
        };
        assert_eq!(
            decide_increase(f, p(25)),
            IncreaseDecision::SupportCaseInstead {
                current: 10_000,
                desired: 12_500,
                reason: SupportCaseReason::NotAdjustable
            }
        );
    }
}
