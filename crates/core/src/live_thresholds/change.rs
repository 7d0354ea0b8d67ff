//! Stored against live: what moved, per side.

use crate::messages::Limit;
use crate::messages::quota_change::{QuotaChange, SideChange, SplitChange};
use crate::settings::keys;

use super::record::{limit_of, unfinished_change};
use super::{LiveThresholds, Stored};

/// Old against new (live) quota and threshold, per side. Old is what the stored values say, unless a run
/// stopped in the middle of recording a change: then the values may be half rewritten, and old is what that
/// change started from, so the next run records (and announces) the whole change again instead of a part of
/// it or none of it.
pub fn change(stored: &Stored, live: &LiveThresholds, at: i64) -> QuotaChange {
    let unfinished = unfinished_change(stored);
    let old = |side: &str, field: &str, key: &str| match &unfinished {
        Some(change) => limit_of(change.get(side).and_then(|s| s.get(field))),
        None => stored.limit(key),
    };
    let side = |name: &str, [quota_key, threshold_key]: [&str; 2], (quota, threshold)| SideChange {
        old_quota: old(name, "old_quota", quota_key),
        new_quota: quota,
        old_threshold: old(name, "old_threshold", threshold_key),
        new_threshold: threshold,
    };
    let rpm = side(
        "rpm",
        [keys::RPM_QUOTA, keys::RPM_THRESHOLD_CALCULATED],
        (live.rpm_quota(), live.rpm_threshold()),
    );
    match live.split_limits() {
        None => QuotaChange {
            at,
            rpm,
            tpm: side(
                "tpm",
                [keys::TPM_QUOTA, keys::TPM_THRESHOLD_CALCULATED],
                (live.tpm_quota(), live.tpm_threshold()),
            ),
            split: None,
        },
        // A split model has no combined quota, and no TPM key is stored for it: nothing to compare.
        Some([input, output]) => QuotaChange {
            at,
            rpm,
            tpm: SideChange {
                old_quota: Limit::NotApplicable,
                new_quota: Limit::NotApplicable,
                old_threshold: Limit::NotApplicable,
                new_threshold: Limit::NotApplicable,
            },
            split: Some(SplitChange {
                input: side(
                    "input_tpm",
                    [keys::INPUT_TPM_QUOTA, keys::INPUT_TPM_THRESHOLD_CALCULATED],
                    input,
                ),
                output: side(
                    "output_tpm",
                    [
                        keys::OUTPUT_TPM_QUOTA,
                        keys::OUTPUT_TPM_THRESHOLD_CALCULATED,
                    ],
                    output,
                ),
            }),
        },
    }
}

pub fn side_differs(side: &SideChange) -> bool {
    side.old_quota != side.new_quota || side.old_threshold != side.new_threshold
}

/// Whether a quota or a threshold moved on any side.
pub fn differs(change: &QuotaChange) -> bool {
    change
        .sides()
        .into_iter()
        .any(|(_, side)| side_differs(side))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live_thresholds::last_change_json;
    use crate::live_thresholds::testing::{live, split_live, stored};

    #[test]
    fn change_compares_stored_and_live_per_side() {
        let live = live(20_000, 6_250_000);
        let before = stored(&[
            (keys::RPM_QUOTA, "10000"),
            (keys::RPM_THRESHOLD_CALCULATED, "8000"),
            (keys::TPM_QUOTA, "6250000"),
            (keys::TPM_THRESHOLD_CALCULATED, "5000000"),
        ]);
        let c = change(&before, &live, 0);
        assert!(side_differs(&c.rpm));
        assert!(!side_differs(&c.tpm));
        assert_eq!(c.rpm.old_threshold, Limit::Known(8_000));
        assert_eq!(c.rpm.new_threshold, Limit::Known(16_000));
        assert!(differs(&c));
        let same = change(
            &stored(&[
                (keys::RPM_QUOTA, "20000"),
                (keys::RPM_THRESHOLD_CALCULATED, "16000"),
                (keys::TPM_QUOTA, "6250000"),
                (keys::TPM_THRESHOLD_CALCULATED, "5000000"),
            ]),
            &live,
            0,
        );
        assert!(!differs(&same));
    }

    #[test]
    fn a_split_model_compares_each_token_quota_and_never_the_combined_one() {
        let live = split_live(20_000, 2_000_000, 400_000);
        let before = stored(&[
            (keys::RPM_QUOTA, "20000"),
            (keys::RPM_THRESHOLD_CALCULATED, "16000"),
            (keys::INPUT_TPM_QUOTA, "1000000"),
            (keys::INPUT_TPM_THRESHOLD_CALCULATED, "800000"),
            (keys::OUTPUT_TPM_QUOTA, "400000"),
            (keys::OUTPUT_TPM_THRESHOLD_CALCULATED, "320000"),
        ]);
        let c = change(&before, &live, 0);
        let split = c.split.unwrap();
        assert!(side_differs(&split.input));
        assert_eq!(split.input.old_threshold, Limit::Known(800_000));
        assert_eq!(split.input.new_threshold, Limit::Known(1_600_000));
        assert!(!side_differs(&split.output));
        assert!(!side_differs(&c.rpm));
        assert_eq!(c.tpm.new_quota, Limit::NotApplicable);
        assert!(!side_differs(&c.tpm));
        assert!(differs(&c));

        let raised = stored(&[
            (keys::RPM_QUOTA, "20000"),
            (keys::RPM_THRESHOLD_CALCULATED, "16000"),
            (keys::INPUT_TPM_QUOTA, "2000000"),
            (keys::INPUT_TPM_THRESHOLD_CALCULATED, "1600000"),
            (keys::OUTPUT_TPM_QUOTA, "400000"),
            (keys::OUTPUT_TPM_THRESHOLD_CALCULATED, "320000"),
        ]);
        assert!(!differs(&change(&raised, &live, 0)));
    }

    #[test]
    fn an_unfinished_change_is_measured_from_where_it_started() {
        let live = live(20_000, 6_250_000);
        let started = change(
            &stored(&[
                (keys::RPM_QUOTA, "10000"),
                (keys::RPM_THRESHOLD_CALCULATED, "8000"),
                (keys::LAST_UPDATED, "1970-01-01T00:00:00Z"),
            ]),
            &live,
            60,
        );
        let record = last_change_json(&started, "alarm-updater");
        // The run wrote last-change and the new RPM threshold, then stopped.
        let half = stored(&[
            (keys::RPM_QUOTA, "10000"),
            (keys::RPM_THRESHOLD_CALCULATED, "16000"),
            (keys::LAST_CHANGE, &record),
            (keys::LAST_UPDATED, "1970-01-01T00:00:00Z"),
        ]);
        let resumed = change(&half, &live, 120);
        assert_eq!(resumed.rpm.old_threshold, Limit::Known(8_000));
        assert_eq!(resumed.rpm.old_quota, Limit::Known(10_000));
        assert!(differs(&resumed));

        // Finished (last-updated is the change's instant): the stored values are the baseline again.
        let done = stored(&[
            (keys::RPM_QUOTA, "20000"),
            (keys::RPM_THRESHOLD_CALCULATED, "16000"),
            (keys::LAST_CHANGE, &record),
            (keys::LAST_UPDATED, "1970-01-01T00:01:00Z"),
        ]);
        assert_eq!(
            change(&done, &live, 120).rpm.old_quota,
            Limit::Known(20_000)
        );
    }
}
