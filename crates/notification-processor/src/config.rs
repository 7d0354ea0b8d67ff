//! The processor's environment, parsed once: the stack's identity (core's [`StackIdentity`], read the same way
//! by every function) plus what only the processor needs, so a bad deployment fails at start with every problem
//! named instead of on the first alarm.
//!
//! | variable | meaning |
//! |---|---|
//! | the stack's identity | `CUSTOMER_NAME`, `BEDROCK_MODEL_NAME`, `BEDROCK_MODEL_ID`, `EXTRA_MODEL_IDS`, `REQUESTS_PER_MINUTE_QUOTA_CODE`, `TOKENS_PER_MINUTE_QUOTA_CODE`, `AWS_REGION`: see [`bedrock_ops_core::stack`] |
//! | `FORMATTED_TOPIC_ARN` | where the e-mail is published |
//! | `LEDGER_TABLE_NAME` | the DynamoDB idempotency ledger |

pub use bedrock_ops_core::stack::{
    AWS_REGION, BEDROCK_MODEL_ID, BEDROCK_MODEL_NAME, CUSTOMER_NAME, ConfigError, EXTRA_MODEL_IDS,
    REQUESTS_PER_MINUTE_QUOTA_CODE, TOKENS_PER_MINUTE_QUOTA_CODE,
};
use bedrock_ops_core::stack::{Lookup, Problem, StackIdentity};

pub const FORMATTED_TOPIC_ARN: &str = "FORMATTED_TOPIC_ARN";
pub const LEDGER_TABLE_NAME: &str = "LEDGER_TABLE_NAME";

/// Whose configuration a [`ConfigError`] is about.
const FUNCTION: &str = "processor";

/// Everything the processor is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub stack: StackIdentity,
    /// Needed to publish; `None` is accepted only when nothing is published (simulation).
    pub formatted_topic_arn: Option<String>,
    /// Needed to record transitions; `None` is accepted only when the ledger is not used (simulation).
    pub ledger_table_name: Option<String>,
}

/// What a caller needs from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The Lambda and `process`: publishing and the ledger too.
    Everything,
    /// `simulate`: nothing is published and the ledger is not touched.
    StackOnly,
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
        let mut env = Lookup::new(lookup);
        let stack = StackIdentity::read(&mut env);
        let (formatted_topic_arn, ledger_table_name) = match need {
            Need::Everything => (
                env.required(FORMATTED_TOPIC_ARN),
                env.required(LEDGER_TABLE_NAME),
            ),
            Need::StackOnly => (
                env.optional(FORMATTED_TOPIC_ARN),
                env.optional(LEDGER_TABLE_NAME),
            ),
        };
        env.finish(FUNCTION, || {
            Some(Config {
                stack: stack?,
                formatted_topic_arn,
                ledger_table_name,
            })
        })
    }

    /// Refuses a configuration that cannot publish or record (a live run needs both).
    pub fn require_delivery(&self) -> Result<(), ConfigError> {
        let problems: Vec<Problem> = [
            (FORMATTED_TOPIC_ARN, self.formatted_topic_arn.is_none()),
            (LEDGER_TABLE_NAME, self.ledger_table_name.is_none()),
        ]
        .into_iter()
        .filter(|(_, missing)| *missing)
        .map(|(name, _)| Problem::Missing(name))
        .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError {
                function: FUNCTION,
                problems,
            })
        }
    }

    /// The monitored model id first, then the ids that share its quota, without repeats.
    pub fn model_ids(&self) -> Vec<String> {
        self.stack.model_ids.all().to_vec()
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
    fn parses_the_stack_and_the_processors_own_variables() {
        let c = Config::from_lookup(Need::Everything, env(FULL)).unwrap();
        assert_eq!(c.stack.customer(), "Acme");
        assert_eq!(c.stack.tpm_quota_code.as_str(), TPM_CODE);
        assert_eq!(
            c.model_ids(),
            [
                MODEL_ID,
                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"
            ]
        );
        assert_eq!(c.stack.region.as_deref(), Some("us-east-1"));
        assert_eq!(c.ledger_table_name.as_deref(), Some("ledger"));
        assert!(c.require_delivery().is_ok());
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
        assert!(
            text.starts_with("the processor's configuration is incomplete: "),
            "{text}"
        );
        for expected in [
            "CUSTOMER_NAME is not set",
            "BEDROCK_MODEL_NAME is not set",
            "BEDROCK_MODEL_ID is not set",
            "FORMATTED_TOPIC_ARN is not set",
            "LEDGER_TABLE_NAME is not set",
            "REQUESTS_PER_MINUTE_QUOTA_CODE = 'bogus' is not valid: 'bogus' is not a quota code",
            "TOKENS_PER_MINUTE_QUOTA_CODE = 'NA' is not valid: the TPM quota code cannot be NA",
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
        assert_eq!(
            (&c.formatted_topic_arn, &c.ledger_table_name),
            (&None, &None)
        );
        assert_eq!(c.model_ids(), [MODEL_ID]);
        let refused = c.require_delivery().unwrap_err().to_string();
        assert!(
            refused.contains("FORMATTED_TOPIC_ARN is not set; LEDGER_TABLE_NAME is not set"),
            "{refused}"
        );
        assert!(Config::from_lookup(Need::Everything, env(&pairs)).is_err());
    }
}
