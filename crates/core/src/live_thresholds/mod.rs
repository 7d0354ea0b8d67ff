//! Live thresholds, the pure half: the quotas as read now and the thresholds they give, what Parameter Store
//! holds under the stack's thresholds path, the change between the two, and the `last-change` record of it.
//!
//! The quota calculator, the alarm updater and `bedrock-ops-alert thresholds --live` all go through this
//! module (and its I/O half, `bedrock_ops_aws::live_thresholds`), so the three can never compute, compare or
//! store differently.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`QuotaConfig`], [`LiveQuota`], [`LiveThresholds`] (RPM and the combined TPM quota, or RPM and a split model's input and output token quotas) and the values they store |
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
    Threshold, TokenQuotaCodes,
};

/// Which quotas and percents a stack's thresholds come from. Both token quotas of a split model take the
/// tokens-per-minute percent, as the calculator's do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaConfig {
    pub rpm_code: RpmQuotaCode,
    pub tokens: TokenQuotaCodes,
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

/// A token quota as read now and the threshold it gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSide {
    pub quota: LiveQuota,
    pub threshold: Threshold,
}

impl LiveSide {
    fn of(quota: LiveQuota, percent: Percent) -> LiveSide {
        LiveSide {
            threshold: Threshold::of(quota.value, percent),
            quota,
        }
    }

    fn quota_limit(&self) -> Limit {
        Limit::Known(self.quota.value.get())
    }

    fn threshold_limit(&self) -> Limit {
        Limit::Known(self.threshold.get())
    }
}

/// The token quotas read now: the combined one, or a split model's input and output quotas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveTokens {
    Combined(LiveQuota),
    Split { input: LiveQuota, output: LiveQuota },
}

/// The token side(s) of [`LiveThresholds`], with their thresholds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveTokenSides {
    Combined(LiveSide),
    Split { input: LiveSide, output: LiveSide },
}

/// The quotas read now and the thresholds they give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveThresholds {
    pub config: QuotaConfig,
    /// `None` when the model has no RPM quota (code `NA`).
    pub rpm: Option<LiveQuota>,
    pub rpm_limit: RpmThreshold,
    pub tokens: LiveTokenSides,
}

impl LiveThresholds {
    /// The thresholds `rpm` (none when the model has no RPM quota) and the token quotas give at `config`'s
    /// percents.
    pub fn of(config: QuotaConfig, rpm: Option<LiveQuota>, tokens: LiveTokens) -> LiveThresholds {
        let percent = config.tpm_percent;
        let tokens = match tokens {
            LiveTokens::Combined(tpm) => LiveTokenSides::Combined(LiveSide::of(tpm, percent)),
            LiveTokens::Split { input, output } => LiveTokenSides::Split {
                input: LiveSide::of(input, percent),
                output: LiveSide::of(output, percent),
            },
        };
        LiveThresholds {
            rpm_limit: RpmThreshold::of(rpm.as_ref().map(|q| q.value), config.rpm_percent),
            config,
            rpm,
            tokens,
        }
    }

    /// The combined token quota; `None` for a split model.
    pub fn combined(&self) -> Option<&LiveSide> {
        match &self.tokens {
            LiveTokenSides::Combined(side) => Some(side),
            LiveTokenSides::Split { .. } => None,
        }
    }

    /// A split model's input and output token quotas; `None` for a combined one.
    pub fn split(&self) -> Option<(&LiveSide, &LiveSide)> {
        match &self.tokens {
            LiveTokenSides::Combined(_) => None,
            LiveTokenSides::Split { input, output } => Some((input, output)),
        }
    }

    pub fn rpm_quota(&self) -> Limit {
        self.rpm
            .as_ref()
            .map_or(Limit::NotApplicable, |q| Limit::Known(q.value.get()))
    }

    pub fn rpm_threshold(&self) -> Limit {
        self.rpm_limit
            .threshold()
            .map_or(Limit::NotApplicable, |t| Limit::Known(t.get()))
    }

    /// The combined TPM quota; not applicable to a split model.
    pub fn tpm_quota(&self) -> Limit {
        self.combined()
            .map_or(Limit::NotApplicable, LiveSide::quota_limit)
    }

    pub fn tpm_threshold(&self) -> Limit {
        self.combined()
            .map_or(Limit::NotApplicable, LiveSide::threshold_limit)
    }

    /// A split model's (quota, threshold) per side, input first; `None` for a combined model.
    pub fn split_limits(&self) -> Option<[(Limit, Limit); 2]> {
        self.split().map(|(input, output)| {
            [input, output].map(|side| (side.quota_limit(), side.threshold_limit()))
        })
    }

    /// The Parameter Store value of every key except `last-change` and `last-updated`: for a combined
    /// model the eight of [`keys::THRESHOLDS`]; for a split one the RPM keys, each split quota's threshold,
    /// value and code (the calculator's order) and the two percents (no TPM key: the model has no such
    /// quota).
    pub fn parameter_values(&self) -> Vec<(&'static str, String)> {
        let rpm_quota = self
            .rpm
            .as_ref()
            .map_or_else(|| NOT_APPLICABLE.to_owned(), |q| q.value.to_string());
        let rpm_threshold = (keys::RPM_THRESHOLD_CALCULATED, self.rpm_limit.to_string());
        let rpm_code = (keys::RPM_QUOTA_CODE, self.config.rpm_code.to_string());
        let percents = [
            (keys::RPM_PERCENT, self.config.rpm_percent.to_string()),
            (keys::TPM_PERCENT, self.config.tpm_percent.to_string()),
        ];
        let mut values = match &self.tokens {
            LiveTokenSides::Combined(tpm) => vec![
                rpm_threshold,
                (keys::TPM_THRESHOLD_CALCULATED, tpm.threshold.to_string()),
                (keys::RPM_QUOTA, rpm_quota),
                (keys::TPM_QUOTA, tpm.quota.value.to_string()),
                rpm_code,
                (keys::TPM_QUOTA_CODE, tpm.quota.code.to_string()),
            ],
            LiveTokenSides::Split { input, output } => vec![
                rpm_threshold,
                (keys::RPM_QUOTA, rpm_quota),
                rpm_code,
                (
                    keys::INPUT_TPM_THRESHOLD_CALCULATED,
                    input.threshold.to_string(),
                ),
                (
                    keys::OUTPUT_TPM_THRESHOLD_CALCULATED,
                    output.threshold.to_string(),
                ),
                (keys::INPUT_TPM_QUOTA, input.quota.value.to_string()),
                (keys::OUTPUT_TPM_QUOTA, output.quota.value.to_string()),
                (keys::INPUT_TPM_QUOTA_CODE, input.quota.code.to_string()),
                (keys::OUTPUT_TPM_QUOTA_CODE, output.quota.code.to_string()),
            ],
        };
        values.extend(percents);
        values
    }
}
