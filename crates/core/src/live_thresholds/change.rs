//! Stored against live: what moved, per side.

use crate::messages::quota_change::{QuotaChange, SideChange};
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
    QuotaChange {
        at,
        rpm: SideChange {
            old_quota: old("rpm", "old_quota", keys::RPM_QUOTA),
            new_quota: live.rpm_quota(),
            old_threshold: old("rpm", "old_threshold", keys::RPM_THRESHOLD_CALCULATED),
            new_threshold: live.rpm_threshold(),
        },
        tpm: SideChange {
            old_quota: old("tpm", "old_quota", keys::TPM_QUOTA),
            new_quota: live.tpm_quota(),
            old_threshold: old("tpm", "old_threshold", keys::TPM_THRESHOLD_CALCULATED),
            new_threshold: live.tpm_threshold(),
        },
    }
}

pub fn side_differs(side: &SideChange) -> bool {
    side.old_quota != side.new_quota || side.old_threshold != side.new_threshold
}

/// Whether a quota or a threshold moved on either side.
pub fn differs(change: &QuotaChange) -> bool {
    side_differs(&change.rpm) || side_differs(&change.tpm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live_thresholds::last_change_json;
    use crate::live_thresholds::testing::{live, stored};
    use crate::messages::Limit;

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
