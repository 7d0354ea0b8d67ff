//! The processor's environment, parsed once into typed values (quota codes as [`RpmQuotaCode`] and
//! [`QuotaCode`], the model id list as a list), so a bad deployment fails at start with every problem named
//! instead of on the first alarm.
//!
//! | variable | meaning |
//! |---|---|
//! | `CUSTOMER_NAME` | the customer part of alarm names and the Parameter Store path |
//! | `BEDROCK_MODEL_NAME` | the model part of alarm names and the Parameter Store path |
//! | `BEDROCK_MODEL_ID` | the model (or inference profile) id whose usage is read |
//! | `EXTRA_MODEL_IDS` | comma list of more ids sharing the quota (may be empty) |
//! | `REQUESTS_PER_MINUTE_QUOTA_CODE` | the RPM quota code, or `NA` when the model has none |
//! | `TOKENS_PER_MINUTE_QUOTA_CODE` | the TPM quota code |
//! | `FORMATTED_TOPIC_ARN` | where the e-mail is published |
//! | `LEDGER_TABLE_NAME` | the DynamoDB idempotency ledger |
//! | `AWS_REGION` | the Region, for console links (the CLI falls back to its AWS configuration) |

use bedrock_ops_core::thresholds::{QuotaCode, RpmQuotaCode};

pub const CUSTOMER_NAME: &str = "CUSTOMER_NAME";
pub const BEDROCK_MODEL_NAME: &str = "BEDROCK_MODEL_NAME";
pub const BEDROCK_MODEL_ID: &str = "BEDROCK_MODEL_ID";
pub const EXTRA_MODEL_IDS: &str = "EXTRA_MODEL_IDS";
pub const REQUESTS_PER_MINUTE_QUOTA_CODE: &str = "REQUESTS_PER_MINUTE_QUOTA_CODE";
pub const TOKENS_PER_MINUTE_QUOTA_CODE: &str = "TOKENS_PER_MINUTE_QUOTA_CODE";
pub const FORMATTED_TOPIC_ARN: &str = "FORMATTED_TOPIC_ARN";
pub const LEDGER_TABLE_NAME: &str = "LEDGER_TABLE_NAME";
pub const AWS_REGION: &str = "AWS_REGION";

/// Everything the processor is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub customer: String,
    pub model_name: String,
    pub model_id: String,
    /// Ids that share the monitored model's quota, read and summed with it.
    pub extra_model_ids: Vec<String>,
    pub rpm_quota_code: RpmQuotaCode,
    pub tpm_quota_code: QuotaCode,
    /// Needed to publish; `None` is accepted only when nothing is published (simulation).
    pub formatted_topic_arn: Option<String>,
    /// Needed to record transitions; `None` is accepted only when the ledger is not used (simulation).
    pub ledger_table_name: Option<String>,
    pub region: Option<String>,
}

/// What a caller needs from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The Lambda and `process`: publishing and the ledger too.
    Everything,
    /// `simulate`: nothing is published and the ledger is not touched.
    StackOnly,
}

/// Every missing or unusable variable, each with why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the processor's configuration is incomplete: {}", .problems.join("; "))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env(need: Need) -> Result<Config, ConfigError> {
        Config::from_lookup(need, |name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup` (`None` or blank = missing).
    pub fn from_lookup(
        need: Need,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let value = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut required = |name: &str| {
            value(name).unwrap_or_else(|| {
                problems.push(format!("{name} is not set"));
                String::new()
            })
        };
        let customer = required(CUSTOMER_NAME);
        let model_name = required(BEDROCK_MODEL_NAME);
        let model_id = required(BEDROCK_MODEL_ID);
        let rpm_raw = required(REQUESTS_PER_MINUTE_QUOTA_CODE);
        let tpm_raw = required(TOKENS_PER_MINUTE_QUOTA_CODE);
        let formatted_topic_arn = value(FORMATTED_TOPIC_ARN);
        let ledger_table_name = value(LEDGER_TABLE_NAME);
        if need == Need::Everything {
            for (name, present) in [
                (FORMATTED_TOPIC_ARN, formatted_topic_arn.is_some()),
                (LEDGER_TABLE_NAME, ledger_table_name.is_some()),
            ] {
                if !present {
                    problems.push(format!("{name} is not set"));
                }
            }
        }
        let rpm_quota_code = RpmQuotaCode::parse(&rpm_raw);
        let tpm_quota_code = QuotaCode::tpm(&tpm_raw);
        for (name, raw, error) in [
            (
                REQUESTS_PER_MINUTE_QUOTA_CODE,
                &rpm_raw,
                rpm_quota_code.as_ref().err(),
            ),
            (
                TOKENS_PER_MINUTE_QUOTA_CODE,
                &tpm_raw,
                tpm_quota_code.as_ref().err(),
            ),
        ] {
            if let Some(error) = error
                && !raw.is_empty()
            {
                problems.push(format!("{name}: {error}"));
            }
        }
        let extra_model_ids = value(EXTRA_MODEL_IDS)
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|id| !id.is_empty() && *id != model_id)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        match (rpm_quota_code, tpm_quota_code) {
            (Ok(rpm_quota_code), Ok(tpm_quota_code)) if problems.is_empty() => Ok(Config {
                customer,
                model_name,
                model_id,
                extra_model_ids,
                rpm_quota_code,
                tpm_quota_code,
                formatted_topic_arn,
                ledger_table_name,
                region: value(AWS_REGION),
            }),
            _ => Err(ConfigError { problems }),
        }
    }

    /// The monitored model id first, then the ids that share its quota, without repeats.
    pub fn model_ids(&self) -> Vec<String> {
        let mut ids = vec![self.model_id.clone()];
        for id in &self.extra_model_ids {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        ids
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use bedrock_ops_testkit::fixtures::{MODEL_ID, RPM_CODE, TPM_CODE};

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const FULL: &[(&str, &str)] = &[
        (CUSTOMER_NAME, "Acme"),
        (BEDROCK_MODEL_NAME, "Opus-4-6"),
        (BEDROCK_MODEL_ID, MODEL_ID),
        (
            EXTRA_MODEL_IDS,
            " arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc ,, ",
        ),
        (REQUESTS_PER_MINUTE_QUOTA_CODE, RPM_CODE),
        (TOKENS_PER_MINUTE_QUOTA_CODE, TPM_CODE),
        (
            FORMATTED_TOPIC_ARN,
            "arn:aws:sns:us-east-1:123456789012:formatted",
        ),
        (LEDGER_TABLE_NAME, "ledger"),
        (AWS_REGION, "us-east-1"),
    ];

    #[test]
    fn parses_every_variable_into_typed_values() {
        let c = Config::from_lookup(Need::Everything, env(FULL)).unwrap();
        assert_eq!(c.customer, "Acme");
        assert_eq!(c.rpm_quota_code.code().unwrap().as_str(), RPM_CODE);
        assert_eq!(c.tpm_quota_code.as_str(), TPM_CODE);
        assert_eq!(
            c.model_ids(),
            [
                MODEL_ID,
                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"
            ]
        );
        assert_eq!(c.region.as_deref(), Some("us-east-1"));
    }

    #[test]
    fn rpm_na_means_the_model_has_no_rpm_quota() {
        let mut pairs = FULL.to_vec();
        pairs.retain(|(k, _)| *k != REQUESTS_PER_MINUTE_QUOTA_CODE);
        pairs.push((REQUESTS_PER_MINUTE_QUOTA_CODE, "NA"));
        let c = Config::from_lookup(Need::Everything, env(&pairs)).unwrap();
        assert_eq!(c.rpm_quota_code, RpmQuotaCode::NotApplicable);
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let err = Config::from_lookup(
            Need::Everything,
            env(&[
                (REQUESTS_PER_MINUTE_QUOTA_CODE, "bogus"),
                (TOKENS_PER_MINUTE_QUOTA_CODE, "NA"),
            ]),
        )
        .unwrap_err();
        let text = err.to_string();
        for expected in [
            "CUSTOMER_NAME is not set",
            "BEDROCK_MODEL_NAME is not set",
            "BEDROCK_MODEL_ID is not set",
            "FORMATTED_TOPIC_ARN is not set",
            "LEDGER_TABLE_NAME is not set",
            "REQUESTS_PER_MINUTE_QUOTA_CODE: 'bogus' is not a quota code",
            "TOKENS_PER_MINUTE_QUOTA_CODE: the TPM quota code cannot be NA",
        ] {
            assert!(text.contains(expected), "{expected} missing from: {text}");
        }
    }

    #[test]
    fn simulation_needs_no_topic_and_no_ledger() {
        let mut pairs = FULL.to_vec();
        pairs.retain(|(k, _)| {
            ![FORMATTED_TOPIC_ARN, LEDGER_TABLE_NAME, EXTRA_MODEL_IDS].contains(k)
        });
        let c = Config::from_lookup(Need::StackOnly, env(&pairs)).unwrap();
        assert_eq!((c.formatted_topic_arn, c.ledger_table_name), (None, None));
        assert!(c.extra_model_ids.is_empty());
        assert!(Config::from_lookup(Need::Everything, env(&pairs)).is_err());
    }
}
