//! Live thresholds, the pure half: the quotas as read now and the thresholds they give, what Parameter Store
//! holds under the stack's thresholds path, the change between the two, and the `last-change` record of it.
//!
//! The quota calculator, the alarm updater and `bedrock-ops-alert thresholds --live` all go through this
//! module (and its I/O half, `bedrock_ops_aws::live_thresholds`), so the three can never compute, compare or
//! store differently.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`QuotaConfig`], [`LiveQuota`], [`LiveThresholds`] and the values they store |
//! | [`stored`] | [`Stored`]: the Parameter Store record as read, and the configuration it holds |
//! | [`change`] | stored against live, per side, resuming an unfinished change |
//! | [`record`] | the `last-change` JSON, `last-updated`'s RFC 3339 form, and which keys a change writes |

pub mod change;
pub mod record;
pub mod stored;
#[cfg(test)]
mod testing;

pub use change::{change, differs, side_differs};
pub use record::{last_change_json, record_writes, rfc3339};
pub use stored::{Stored, StoredConfig, StoredValueError};

use crate::messages::Limit;
use crate::settings::keys;
use crate::thresholds::{
    NOT_APPLICABLE, Percent, QuotaCode, QuotaSource, QuotaValue, RpmQuotaCode, RpmThreshold,
    Threshold, Thresholds,
};

/// Which quotas and percents a stack's thresholds come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaConfig {
    pub rpm_code: RpmQuotaCode,
    pub tpm_code: QuotaCode,
    pub rpm_percent: Percent,
    pub tpm_percent: Percent,
}

/// One quota as read now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveQuota {
    pub code: QuotaCode,
    pub name: String,
    pub value: QuotaValue,
    pub source: QuotaSource,
}

/// The quotas read now and the thresholds they give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveThresholds {
    pub config: QuotaConfig,
    /// `None` when the model has no RPM quota (code `NA`).
    pub rpm: Option<LiveQuota>,
    pub tpm: LiveQuota,
    pub thresholds: Thresholds,
}

impl LiveThresholds {
    /// The thresholds `rpm` (none when the model has no RPM quota) and `tpm` give at `config`'s percents.
    pub fn of(config: QuotaConfig, rpm: Option<LiveQuota>, tpm: LiveQuota) -> LiveThresholds {
        let thresholds = Thresholds {
            rpm: RpmThreshold::of(rpm.as_ref().map(|q| q.value), config.rpm_percent),
            tpm: Threshold::of(tpm.value, config.tpm_percent),
        };
        LiveThresholds {
            config,
            rpm,
            tpm,
            thresholds,
        }
    }

    pub fn rpm_quota(&self) -> Limit {
        self.rpm
            .as_ref()
            .map_or(Limit::NotApplicable, |q| Limit::Known(q.value.get()))
    }

    pub fn rpm_threshold(&self) -> Limit {
        self.thresholds
            .rpm
            .threshold()
            .map_or(Limit::NotApplicable, |t| Limit::Known(t.get()))
    }

    pub fn tpm_quota(&self) -> Limit {
        Limit::Known(self.tpm.value.get())
    }

    pub fn tpm_threshold(&self) -> Limit {
        Limit::Known(self.thresholds.tpm.get())
    }

    /// The Parameter Store value of every key except `last-change` and `last-updated`.
    pub fn parameter_values(&self) -> [(&'static str, String); 8] {
        let rpm_quota = self
            .rpm
            .as_ref()
            .map_or_else(|| NOT_APPLICABLE.to_owned(), |q| q.value.to_string());
        [
            (
                keys::RPM_THRESHOLD_CALCULATED,
                self.thresholds.rpm.to_string(),
            ),
            (
                keys::TPM_THRESHOLD_CALCULATED,
                self.thresholds.tpm.to_string(),
            ),
            (keys::RPM_QUOTA, rpm_quota),
            (keys::TPM_QUOTA, self.tpm.value.to_string()),
            (keys::RPM_QUOTA_CODE, self.config.rpm_code.to_string()),
            (keys::TPM_QUOTA_CODE, self.config.tpm_code.to_string()),
            (keys::RPM_PERCENT, self.config.rpm_percent.to_string()),
            (keys::TPM_PERCENT, self.config.tpm_percent.to_string()),
        ]
    }
}
