//! Property tests of the arithmetic rules (thresholds, increases) and of name round trips.

use bedrock_ops_core::alarms::{AlarmKind, AlarmName};
use bedrock_ops_core::increase::{IncreasePercent, desired_value};
use bedrock_ops_core::thresholds::{MAX_QUOTA_VALUE, Percent, QuotaValue, Threshold};
use proptest::prelude::*;

const TEN_TO_THE_12: u64 = 1_000_000_000_000;

fn quota() -> impl Strategy<Value = QuotaValue> {
    prop_oneof![
        1..=1_000u64,
        1..=TEN_TO_THE_12,
        (MAX_QUOTA_VALUE - 1_000)..=MAX_QUOTA_VALUE,
    ]
    .prop_map(|v| QuotaValue::new(v).unwrap())
}

proptest! {
    #[test]
    fn threshold_never_exceeds_quota_and_is_at_least_one(q in quota(), p in 1..=100u64) {
        let t = Threshold::of(q, Percent::new(p).unwrap()).get();
        prop_assert!(t >= 1);
        prop_assert!(t <= q.get());
    }

    #[test]
    fn threshold_is_monotone_in_percent(q in quota(), a in 1..=100u64, b in 1..=100u64) {
        let (lo, hi) = (a.min(b), a.max(b));
        let t_lo = Threshold::of(q, Percent::new(lo).unwrap());
        let t_hi = Threshold::of(q, Percent::new(hi).unwrap());
        prop_assert!(t_lo <= t_hi);
    }

    #[test]
    fn threshold_is_exact_floor_up_to_ten_to_the_12(v in 1..=TEN_TO_THE_12, p in 1..=100u64) {
        let t = Threshold::of(QuotaValue::new(v).unwrap(), Percent::new(p).unwrap()).get();
        // Floor: t·100 ≤ v·p < (t+1)·100, unless the floor was 0 and raised to 1.
        let product = u128::from(v) * u128::from(p);
        if product >= 100 {
            prop_assert!(u128::from(t) * 100 <= product);
            prop_assert!(product < (u128::from(t) + 1) * 100);
        } else {
            prop_assert_eq!(t, 1);
        }
    }

    #[test]
    fn desired_is_always_greater_than_current(q in quota(), p in 1..=100u64) {
        let desired = desired_value(q, IncreasePercent::new(p).unwrap());
        prop_assert!(desired > q.get());
        prop_assert!(desired <= 2 * q.get());
    }

    #[test]
    fn desired_is_exact_ceiling_up_to_ten_to_the_12(v in 1..=TEN_TO_THE_12, p in 1..=100u64) {
        let desired = desired_value(QuotaValue::new(v).unwrap(), IncreasePercent::new(p).unwrap());
        let product = u128::from(v) * u128::from(100 + p);
        let ceil = product.div_ceil(100);
        prop_assert_eq!(u128::from(desired), ceil.max(u128::from(v) + 1));
    }

    #[test]
    fn alarm_names_round_trip(
        customer in "[A-Za-z0-9][A-Za-z0-9-]{0,9}",
        model in "[A-Za-z0-9-]{0,14}[A-Za-z0-9]",
        kind in proptest::sample::select(AlarmKind::ALL.to_vec()),
    ) {
        let name = AlarmName::new(customer, kind, model);
        prop_assert_eq!(AlarmName::parse(&name.to_string()).unwrap(), name);
    }
}
