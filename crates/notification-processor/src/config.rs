//! The processor's environment, parsed once: the stack's identity (core's [`StackIdentity`], read the same way
//! by every function) plus what only the processor needs, so a bad deployment fails at start with every problem
//! named instead of on the first alarm.
//!
//! | variable | meaning |
//! |---|---|
//! | the stack's identity | `CUSTOMER_NAME`, `BEDROCK_MODEL_NAME`, `BEDROCK_MODEL_ID`, `EXTRA_MODEL_IDS`, `REQUESTS_PER_MINUTE_QUOTA_CODE`, `TOKENS_PER_MINUTE_QUOTA_CODE`, `AWS_REGION`: see [`bedrock_ops_core::stack`] |
//! | `FORMATTED_TOPIC_ARN` | where the e-mail is published |
//! | `LEDGER_TABLE_NAME` | the DynamoDB idempotency ledger |
//! | `FOLLOW_UP_QUEUE_URL` | the SQS queue where the follow-ups of Service Quotas requests wait (optional: without it no follow-up is scheduled, and the e-mail says so) |

pub use bedrock_ops_core::stack::{
    AWS_REGION, BEDROCK_MODEL_ID, BEDROCK_MODEL_NAME, CUSTOMER_NAME, ConfigError, EXTRA_MODEL_IDS,
    REQUESTS_PER_MINUTE_QUOTA_CODE, TOKENS_PER_MINUTE_QUOTA_CODE,
};
use bedrock_ops_core::stack::{Lookup, Problem, StackIdentity};

pub const FORMATTED_TOPIC_ARN: &str = "FORMATTED_TOPIC_ARN";
pub const LEDGER_TABLE_NAME: &str = "LEDGER_TABLE_NAME";
pub const FOLLOW_UP_QUEUE_URL: &str = "FOLLOW_UP_QUEUE_URL";

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
    /// The follow-up queue; `None` schedules no follow-up (the e-mail says the context could not follow).
    pub follow_up_queue_url: Option<String>,
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
        let follow_up_queue_url = env.optional(FOLLOW_UP_QUEUE_URL);
        env.finish(FUNCTION, || {
            Some(Config {
                stack: stack?,
                formatted_topic_arn,
                ledger_table_name,
                follow_up_queue_url,
            })
        })
    }

    /// Refuses a configuration that cannot publish or record (a live run needs both).
    pub fn require_delivery(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        if self.formatted_topic_arn.is_none() {
            problems.push(Problem::Missing(FORMATTED_TOPIC_ARN));
        }
        if self.ledger_table_name.is_none() {
            problems.push(Problem::Missing(LEDGER_TABLE_NAME));
        }
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
    use bedrock_ops_testkit::fixtures::{MODEL_ID, STACK_ENV, TPM_CODE, env_lookup};

    use super::*;

    fn full() -> Vec<(&'static str, &'static str)> {
        let mut pairs = STACK_ENV.to_vec();
        pairs.extend([
            (
                EXTRA_MODEL_IDS,
                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc",
            ),
            (
                FORMATTED_TOPIC_ARN,
                "arn:aws:sns:us-east-1:123456789012:formatted",
            ),
            (LEDGER_TABLE_NAME, "ledger"),
        ]);
        pairs
    }

    #[test]
    fn parses_the_stack_and_the_processors_own_variables() {
        let c = Config::from_lookup(Need::Everything, env_lookup(&full())).unwrap();
        assert_eq!(c.stack.customer(), "Acme");
        assert_eq!(c.stack.token_quotas.combined().unwrap().as_str(), TPM_CODE);
        assert_eq!(
            c.model_ids(),
            [
                MODEL_ID,
                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"
            ]
        );
        assert_eq!(c.stack.region, "us-east-1");
        assert_eq!(c.ledger_table_name.as_deref(), Some("ledger"));
        assert!(c.require_delivery().is_ok());
    }

    #[test]
    fn its_own_problems_are_named_with_the_stacks() {
        let mut pairs = full();
        pairs.retain(|(k, _)| ![FORMATTED_TOPIC_ARN, LEDGER_TABLE_NAME].contains(k));
        pairs.push((TOKENS_PER_MINUTE_QUOTA_CODE, "NA"));
        let err = Config::from_lookup(Need::Everything, env_lookup(&pairs)).unwrap_err();
        assert_eq!(
            (err.function, err.problems.len()),
            ("processor", 3),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "the processor's configuration is incomplete: TOKENS_PER_MINUTE_QUOTA_CODE = 'NA' is not valid: \
             the TPM quota code cannot be NA: every Bedrock model has a tokens-per-minute quota; \
             FORMATTED_TOPIC_ARN is not set; LEDGER_TABLE_NAME is not set"
        );
    }

    #[test]
    fn simulation_needs_no_topic_and_no_ledger() {
        let mut pairs = full();
        pairs.retain(|(k, _)| {
            ![FORMATTED_TOPIC_ARN, LEDGER_TABLE_NAME, EXTRA_MODEL_IDS].contains(k)
        });
        let c = Config::from_lookup(Need::StackOnly, env_lookup(&pairs)).unwrap();
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
        assert!(Config::from_lookup(Need::Everything, env_lookup(&pairs)).is_err());
    }
}
