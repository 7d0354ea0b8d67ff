//! The updater's configuration: the Lambda environment the template sets: the stack's identity (core's
//! [`StackIdentity`], read the same way by every function; the Region is required here, the e-mail names
//! it), the two threshold percents and the topic the e-mail goes to.

use bedrock_ops_core::live_thresholds::QuotaConfig;
pub use bedrock_ops_core::stack::{
    AWS_REGION, BEDROCK_MODEL_ID, BEDROCK_MODEL_NAME, CUSTOMER_NAME, ConfigError,
    INPUT_TOKENS_PER_MINUTE_QUOTA_CODE, OUTPUT_TOKENS_PER_MINUTE_QUOTA_CODE,
    REQUESTS_PER_MINUTE_QUOTA_CODE, TOKENS_PER_MINUTE_QUOTA_CODE,
};
use bedrock_ops_core::stack::{Lookup, StackIdentity};
use bedrock_ops_core::thresholds::Percent;

pub const RPM_PERCENT: &str = "REQUESTS_PER_MINUTE_THRESHOLD_PERCENT";
pub const TPM_PERCENT: &str = "TOKENS_PER_MINUTE_THRESHOLD_PERCENT";
pub const FORMATTED_TOPIC_ARN: &str = "FORMATTED_TOPIC_ARN";

/// Everything one run needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdaterConfig {
    /// Its `region` is never blank.
    pub stack: StackIdentity,
    pub rpm_percent: Percent,
    pub tpm_percent: Percent,
    pub topic_arn: String,
}

impl UpdaterConfig {
    /// From the process environment.
    pub fn from_env() -> Result<UpdaterConfig, ConfigError> {
        UpdaterConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// From any name → value lookup (tests pass a map); every problem is named at once.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<UpdaterConfig, ConfigError> {
        let mut env = Lookup::new(lookup);
        let stack = StackIdentity::read(&mut env);
        let region = env.required(AWS_REGION);
        let rpm_percent = env.parse(RPM_PERCENT, str::parse::<Percent>);
        let tpm_percent = env.parse(TPM_PERCENT, str::parse::<Percent>);
        let topic_arn = env.required(FORMATTED_TOPIC_ARN);
        env.finish("alarm updater", || {
            match (stack, region, rpm_percent, tpm_percent, topic_arn) {
                (
                    Some(stack),
                    Some(region),
                    Some(rpm_percent),
                    Some(tpm_percent),
                    Some(topic_arn),
                ) => Some(UpdaterConfig {
                    stack: StackIdentity { region, ..stack },
                    rpm_percent,
                    tpm_percent,
                    topic_arn,
                }),
                _ => None,
            }
        })
    }

    /// The quotas and percents the thresholds come from: RPM and the combined TPM quota, or RPM and a split
    /// model's input and output token quotas (both at the tokens-per-minute percent).
    pub fn quotas(&self) -> QuotaConfig {
        QuotaConfig {
            rpm_code: self.stack.rpm_quota_code.clone(),
            tokens: self.stack.token_quotas.clone(),
            rpm_percent: self.rpm_percent,
            tpm_percent: self.tpm_percent,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use bedrock_ops_core::stack::Problem;
    use bedrock_ops_core::thresholds::{QuotaCode, RpmQuotaCode, TokenQuotaCodes};
    use bedrock_ops_testkit::fixtures::{STACK_ENV, TPM_CODE};

    use super::*;

    fn env() -> HashMap<&'static str, &'static str> {
        let mut env: HashMap<_, _> = STACK_ENV.iter().copied().collect();
        env.extend([
            (RPM_PERCENT, "80"),
            (TPM_PERCENT, "75"),
            (
                FORMATTED_TOPIC_ARN,
                "arn:aws:sns:us-east-1:123456789012:formatted",
            ),
        ]);
        env
    }

    fn from(map: &HashMap<&'static str, &'static str>) -> Result<UpdaterConfig, ConfigError> {
        UpdaterConfig::from_lookup(|name| map.get(name).map(|v| (*v).to_owned()))
    }

    #[test]
    fn the_template_environment_parses() {
        let config = from(&env()).unwrap();
        assert_eq!(config.stack.customer(), "Acme");
        assert_eq!(config.stack.region, "us-east-1");
        assert_eq!(config.quotas().tpm_percent.get(), 75);
        assert_eq!(
            config.quotas().tokens,
            TokenQuotaCodes::Combined(QuotaCode::tpm(TPM_CODE).unwrap())
        );
    }

    #[test]
    fn rpm_na_is_not_applicable() {
        let mut map = env();
        map.insert(REQUESTS_PER_MINUTE_QUOTA_CODE, "NA");
        assert_eq!(
            from(&map).unwrap().quotas().rpm_code,
            RpmQuotaCode::NotApplicable
        );
    }

    #[test]
    fn a_split_token_model_follows_its_input_and_output_quotas() {
        let mut map = env();
        map.insert(TOKENS_PER_MINUTE_QUOTA_CODE, "NA");
        map.insert(INPUT_TOKENS_PER_MINUTE_QUOTA_CODE, "L-5C8A1E02");
        map.insert(OUTPUT_TOKENS_PER_MINUTE_QUOTA_CODE, "L-5C8A1E03");
        let quotas = from(&map).unwrap().quotas();
        assert_eq!(
            quotas.tokens,
            TokenQuotaCodes::Split {
                input: QuotaCode::new("L-5C8A1E02").unwrap(),
                output: QuotaCode::new("L-5C8A1E03").unwrap(),
            }
        );
        assert_eq!(quotas.tpm_percent.get(), 75);
    }

    #[test]
    fn every_missing_or_bad_variable_is_named() {
        let mut map = env();
        map.remove(FORMATTED_TOPIC_ARN);
        map.remove(AWS_REGION);
        map.insert(TOKENS_PER_MINUTE_QUOTA_CODE, "NA");
        map.insert(RPM_PERCENT, "0");
        let err = from(&map).unwrap_err();
        assert_eq!(err.problems.len(), 4, "{err}");
        assert!(
            err.problems
                .contains(&Problem::Missing(FORMATTED_TOPIC_ARN))
        );
        assert!(err.problems.contains(&Problem::Missing(AWS_REGION)));
        let text = err.to_string();
        assert!(
            text.starts_with("the alarm updater's configuration is incomplete"),
            "{text}"
        );
        assert!(
            text.contains("TOKENS_PER_MINUTE_QUOTA_CODE = 'NA'"),
            "{text}"
        );
        assert!(
            text.contains("REQUESTS_PER_MINUTE_THRESHOLD_PERCENT = '0'"),
            "{text}"
        );
    }
}
