//! Builders for this module's unit tests: a stored record from pairs, live thresholds from two quotas.

use bedrock_ops_testkit::fixtures::{RPM_CODE, TPM_CODE};

use super::{LiveQuota, LiveThresholds, LiveTokens, QuotaConfig, Stored};
use crate::thresholds::{
    Percent, QuotaCode, QuotaSource, QuotaValue, RpmQuotaCode, TokenQuotaCodes,
};

/// A split model's input and output token quota codes.
pub(super) const INPUT_CODE: &str = "L-1A2B3C4D";
pub(super) const OUTPUT_CODE: &str = "L-5E6F7A8B";

pub(super) fn stored(pairs: &[(&str, &str)]) -> Stored {
    Stored::from_values(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn quota(code: &str, value: u64) -> LiveQuota {
    LiveQuota {
        code: QuotaCode::new(code).unwrap(),
        name: format!("{code} quota"),
        value: QuotaValue::new(value).unwrap(),
        source: QuotaSource::Applied,
    }
}

/// Both quotas applied, thresholds at 80 %.
pub(super) fn live(rpm: u64, tpm: u64) -> LiveThresholds {
    let config = QuotaConfig {
        rpm_code: RpmQuotaCode::parse(RPM_CODE).unwrap(),
        tokens: TokenQuotaCodes::Combined(QuotaCode::tpm(TPM_CODE).unwrap()),
        rpm_percent: Percent::new(80).unwrap(),
        tpm_percent: Percent::new(80).unwrap(),
    };
    LiveThresholds::of(
        config,
        Some(quota(RPM_CODE, rpm)),
        LiveTokens::Combined(quota(TPM_CODE, tpm)),
    )
}

/// A split model: RPM, input and output token quotas applied, thresholds at 80 %.
pub(super) fn split_live(rpm: u64, input: u64, output: u64) -> LiveThresholds {
    let config = QuotaConfig {
        rpm_code: RpmQuotaCode::parse(RPM_CODE).unwrap(),
        tokens: TokenQuotaCodes::Split {
            input: QuotaCode::new(INPUT_CODE).unwrap(),
            output: QuotaCode::new(OUTPUT_CODE).unwrap(),
        },
        rpm_percent: Percent::new(80).unwrap(),
        tpm_percent: Percent::new(80).unwrap(),
    };
    LiveThresholds::of(
        config,
        Some(quota(RPM_CODE, rpm)),
        LiveTokens::Split {
            input: quota(INPUT_CODE, input),
            output: quota(OUTPUT_CODE, output),
        },
    )
}
