//! The updater's configuration: the Lambda environment the template sets (see the brief's contract).

use bedrock_ops_core::live_thresholds::QuotaConfig;
use bedrock_ops_core::thresholds::{Percent, QuotaCode, RpmQuotaCode};

pub const CUSTOMER_NAME: &str = "CUSTOMER_NAME";
pub const BEDROCK_MODEL_NAME: &str = "BEDROCK_MODEL_NAME";
pub const BEDROCK_MODEL_ID: &str = "BEDROCK_MODEL_ID";
pub const RPM_QUOTA_CODE: &str = "REQUESTS_PER_MINUTE_QUOTA_CODE";
pub const TPM_QUOTA_CODE: &str = "TOKENS_PER_MINUTE_QUOTA_CODE";
pub const RPM_PERCENT: &str = "REQUESTS_PER_MINUTE_THRESHOLD_PERCENT";
pub const TPM_PERCENT: &str = "TOKENS_PER_MINUTE_THRESHOLD_PERCENT";
pub const FORMATTED_TOPIC_ARN: &str = "FORMATTED_TOPIC_ARN";
/// Set by the Lambda runtime; names the Region in the e-mail.
pub const AWS_REGION: &str = "AWS_REGION";

/// Everything one run needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdaterConfig {
    pub customer: String,
    pub model_name: String,
    pub model_id: String,
    pub quotas: QuotaConfig,
    pub topic_arn: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} = '{value}' is not valid: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
}

impl UpdaterConfig {
    /// From the process environment.
    pub fn from_env() -> Result<UpdaterConfig, ConfigError> {
        UpdaterConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// From any name → value lookup (tests pass a map).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<UpdaterConfig, ConfigError> {
        let get = |name: &'static str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        fn parse<T, E: ToString>(
            name: &'static str,
            value: String,
            parse: impl Fn(&str) -> Result<T, E>,
        ) -> Result<T, ConfigError> {
            parse(&value).map_err(|e| ConfigError::Invalid {
                name,
                reason: e.to_string(),
                value,
            })
        }
        Ok(UpdaterConfig {
            customer: get(CUSTOMER_NAME)?,
            model_name: get(BEDROCK_MODEL_NAME)?,
            model_id: get(BEDROCK_MODEL_ID)?,
            quotas: QuotaConfig {
                rpm_code: parse(RPM_QUOTA_CODE, get(RPM_QUOTA_CODE)?, RpmQuotaCode::parse)?,
                tpm_code: parse(TPM_QUOTA_CODE, get(TPM_QUOTA_CODE)?, QuotaCode::tpm)?,
                rpm_percent: parse(RPM_PERCENT, get(RPM_PERCENT)?, str::parse::<Percent>)?,
                tpm_percent: parse(TPM_PERCENT, get(TPM_PERCENT)?, str::parse::<Percent>)?,
            },
            topic_arn: get(FORMATTED_TOPIC_ARN)?,
            region: get(AWS_REGION)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use bedrock_ops_testkit::fixtures::{MODEL_ID, RPM_CODE, TPM_CODE};

    use super::*;

    fn env() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            (CUSTOMER_NAME, "Acme"),
            (BEDROCK_MODEL_NAME, "Opus"),
            (BEDROCK_MODEL_ID, MODEL_ID),
            (RPM_QUOTA_CODE, RPM_CODE),
            (TPM_QUOTA_CODE, TPM_CODE),
            (RPM_PERCENT, "80"),
            (TPM_PERCENT, "75"),
            (
                FORMATTED_TOPIC_ARN,
                "arn:aws:sns:us-east-1:123456789012:formatted",
            ),
            (AWS_REGION, "us-east-1"),
        ])
    }

    fn from(map: &HashMap<&'static str, &'static str>) -> Result<UpdaterConfig, ConfigError> {
        UpdaterConfig::from_lookup(|name| map.get(name).map(|v| (*v).to_owned()))
    }

    #[test]
    fn the_template_environment_parses() {
        let config = from(&env()).unwrap();
        assert_eq!(config.customer, "Acme");
        assert_eq!(config.quotas.tpm_percent.get(), 75);
        assert_eq!(config.quotas.tpm_code.as_str(), TPM_CODE);
    }

    #[test]
    fn rpm_na_is_not_applicable() {
        let mut map = env();
        map.insert(RPM_QUOTA_CODE, "NA");
        assert_eq!(
            from(&map).unwrap().quotas.rpm_code,
            RpmQuotaCode::NotApplicable
        );
    }

    #[test]
    fn a_missing_or_bad_variable_is_named() {
        let mut map = env();
        map.remove(FORMATTED_TOPIC_ARN);
        assert_eq!(from(&map), Err(ConfigError::Missing(FORMATTED_TOPIC_ARN)));
        let mut map = env();
        map.insert(TPM_QUOTA_CODE, "NA");
        let err = from(&map).unwrap_err().to_string();
        assert!(err.contains("TOKENS_PER_MINUTE_QUOTA_CODE = 'NA'"), "{err}");
        let mut map = env();
        map.insert(RPM_PERCENT, "0");
        assert!(
            from(&map)
                .unwrap_err()
                .to_string()
                .contains("REQUESTS_PER_MINUTE_THRESHOLD_PERCENT")
        );
    }
}
