//! What Parameter Store holds under a stack's thresholds path, as one walk read it.

use std::collections::BTreeMap;

use crate::messages::Limit;
use crate::settings::keys;
use crate::thresholds::{
    NOT_APPLICABLE, Percent, QuotaCode, RpmQuotaCode, ThresholdError, TokenQuotaCodes,
};

/// What Parameter Store holds under the thresholds path, keyed like [`keys`] (`thresholds/…`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    values: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Parameter Store value {key} = '{value}' is not usable: {reason}")]
pub struct StoredValueError {
    pub key: &'static str,
    pub value: String,
    pub reason: String,
}

/// The configuration parts found in Parameter Store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredConfig {
    pub rpm_code: Option<RpmQuotaCode>,
    pub tpm_code: Option<QuotaCode>,
    /// A split model's input and output token quota codes.
    pub input_tpm_code: Option<QuotaCode>,
    pub output_tpm_code: Option<QuotaCode>,
    pub rpm_percent: Option<Percent>,
    pub tpm_percent: Option<Percent>,
}

impl StoredConfig {
    /// The token quota codes stored: the combined one, else both split ones; `None` when neither is whole.
    pub fn tokens(&self) -> Option<TokenQuotaCodes> {
        match (&self.tpm_code, &self.input_tpm_code, &self.output_tpm_code) {
            (Some(tpm), _, _) => Some(TokenQuotaCodes::Combined(tpm.clone())),
            (None, Some(input), Some(output)) => Some(TokenQuotaCodes::Split {
                input: input.clone(),
                output: output.clone(),
            }),
            _ => None,
        }
    }
}

impl Stored {
    /// From `key → value` pairs keyed like [`keys`] (`thresholds/…`).
    pub fn from_values(values: BTreeMap<String, String>) -> Stored {
        Stored { values }
    }

    /// From a walk of the thresholds path itself ([`crate::settings::thresholds_path`]), whose keys are
    /// relative to it (`rpm-quota`).
    pub fn from_thresholds_dir(relative: BTreeMap<String, String>) -> Stored {
        Stored {
            values: relative
                .into_iter()
                .map(|(key, value)| (format!("{}{key}", keys::THRESHOLDS_DIR), value))
                .collect(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// A stored quota or threshold: a number, `NA`, or unknown when missing or unreadable (a damaged value
    /// then counts as a change and is rewritten).
    pub fn limit(&self, key: &str) -> Limit {
        match self.get(key).map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case(NOT_APPLICABLE) => Limit::NotApplicable,
            Some(v) => v.parse::<u64>().map_or(Limit::Unknown, Limit::Known),
            None => Limit::Unknown,
        }
    }

    /// The quota codes and percents the calculator stored; `None` for a key that is missing.
    pub fn quota_config_parts(&self) -> Result<StoredConfig, StoredValueError> {
        fn parse<T>(
            stored: &Stored,
            key: &'static str,
            parse: impl Fn(&str) -> Result<T, ThresholdError>,
        ) -> Result<Option<T>, StoredValueError> {
            stored
                .get(key)
                .map(|value| {
                    parse(value).map_err(|e| StoredValueError {
                        key,
                        value: value.to_owned(),
                        reason: e.to_string(),
                    })
                })
                .transpose()
        }
        Ok(StoredConfig {
            rpm_code: parse(self, keys::RPM_QUOTA_CODE, RpmQuotaCode::parse)?,
            tpm_code: parse(self, keys::TPM_QUOTA_CODE, QuotaCode::tpm)?,
            input_tpm_code: parse(self, keys::INPUT_TPM_QUOTA_CODE, QuotaCode::new)?,
            output_tpm_code: parse(self, keys::OUTPUT_TPM_QUOTA_CODE, QuotaCode::new)?,
            rpm_percent: parse(self, keys::RPM_PERCENT, str::parse)?,
            tpm_percent: parse(self, keys::TPM_PERCENT, str::parse)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use bedrock_ops_testkit::fixtures::TPM_CODE;

    use super::*;
    use crate::live_thresholds::testing::stored;

    #[test]
    fn damaged_or_missing_stored_values_are_unknown() {
        let s = stored(&[(keys::RPM_QUOTA, "lots"), (keys::TPM_QUOTA, " na ")]);
        assert_eq!(s.limit(keys::RPM_QUOTA), Limit::Unknown);
        assert_eq!(s.limit(keys::TPM_QUOTA), Limit::NotApplicable);
        assert_eq!(s.limit(keys::LAST_UPDATED), Limit::Unknown);
    }

    #[test]
    fn stored_config_parts_parse_and_name_a_bad_value() {
        let s = stored(&[
            (keys::RPM_QUOTA_CODE, "NA"),
            (keys::TPM_QUOTA_CODE, TPM_CODE),
            (keys::RPM_PERCENT, "75"),
        ]);
        let parts = s.quota_config_parts().unwrap();
        assert_eq!(parts.rpm_code, Some(RpmQuotaCode::NotApplicable));
        assert_eq!(parts.rpm_percent, Some(Percent::new(75).unwrap()));
        assert_eq!(parts.tpm_percent, None);
        assert_eq!(
            parts.tokens(),
            Some(TokenQuotaCodes::Combined(QuotaCode::tpm(TPM_CODE).unwrap()))
        );
        let split = stored(&[
            (keys::INPUT_TPM_QUOTA_CODE, "L-11111111"),
            (keys::OUTPUT_TPM_QUOTA_CODE, "L-22222222"),
        ])
        .quota_config_parts()
        .unwrap();
        assert!(matches!(
            split.tokens(),
            Some(TokenQuotaCodes::Split { .. })
        ));
        let half = stored(&[(keys::INPUT_TPM_QUOTA_CODE, "L-11111111")]);
        assert_eq!(half.quota_config_parts().unwrap().tokens(), None);
        let err = stored(&[(keys::TPM_PERCENT, "180")])
            .quota_config_parts()
            .unwrap_err();
        assert_eq!(err.key, keys::TPM_PERCENT);
        assert!(err.to_string().contains("180"));
    }

    #[test]
    fn a_walk_of_the_thresholds_path_is_keyed_like_the_keys() {
        let s = Stored::from_thresholds_dir(
            [("rpm-quota".to_owned(), "10000".to_owned())]
                .into_iter()
                .collect(),
        );
        assert_eq!(s.limit(keys::RPM_QUOTA), Limit::Known(10_000));
    }
}
