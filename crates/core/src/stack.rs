//! The stack's identity, parsed once: who the stack belongs to ([`StackName`]: the customer and the model
//! name every resource is named after), which model ids it watches, its two quota codes and its Region
//! ([`StackIdentity`]). The three functions and the CLI read it the same way, from their environment
//! ([`ENV`]) or, for the quota calculator, from the custom resource's properties ([`PROPERTIES`]); every
//! problem is named at once ([`ConfigError`]), so a bad deployment fails at start instead of on the first alarm.
//!
//! The names derived from the stack (its Parameter Store prefix, the quota alarm names, the case subjects) are
//! asked of [`StackName`], which hands them out from the one function each lives in.
//!
//! | environment variable | property | meaning |
//! |---|---|---|
//! | `CUSTOMER_NAME` | `CustomerName` | the customer part of names and of the Parameter Store path |
//! | `BEDROCK_MODEL_NAME` | `BedrockModelName` | the model part of names and of the Parameter Store path |
//! | `BEDROCK_MODEL_ID` | `BedrockModelId` | the model (or inference profile) id the alarms watch |
//! | `EXTRA_MODEL_IDS` | `ExtraModelIds` | comma list of more ids sharing the quota (may be empty) |
//! | `REQUESTS_PER_MINUTE_QUOTA_CODE` | `RequestsPerMinuteQuotaCode` | the RPM quota code, or `NA` when the model has none |
//! | `TOKENS_PER_MINUTE_QUOTA_CODE` | `TokensPerMinuteQuotaCode` | the TPM quota code, or `NA` when the model's token limit is split |
//! | `INPUT_TOKENS_PER_MINUTE_QUOTA_CODE` | `InputTokensPerMinuteQuotaCode` | the split input-token quota code (optional) |
//! | `OUTPUT_TOKENS_PER_MINUTE_QUOTA_CODE` | `OutputTokensPerMinuteQuotaCode` | the split output-token quota code (optional) |
//! | `AWS_REGION` | — | the Region, set by the Lambda runtime (the CLI falls back to its AWS configuration) |
// Input text passes through here (issue 13): no byte-index slicing, no unwrap outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::string_slice, clippy::indexing_slicing, clippy::unwrap_used)
)]

use std::fmt;

use crate::alarm_spec::{
    MAX_MODEL_ID_LEN, MAX_MODEL_IDS, ModelIds, quota_alarm_names, split_token_alarm_names,
};
use crate::alarms::{CUSTOMER_NAME_MAX_LEN, MODEL_NAME_MAX_LEN, valid_part};
use crate::dedup::{CaseCategory, case_subject};
use crate::settings::{parameter_name, parameter_prefix, thresholds_path};
use crate::thresholds::{RpmQuotaCode, TokenQuotaCodes};

pub const CUSTOMER_NAME: &str = "CUSTOMER_NAME";
pub const BEDROCK_MODEL_NAME: &str = "BEDROCK_MODEL_NAME";
pub const BEDROCK_MODEL_ID: &str = "BEDROCK_MODEL_ID";
pub const EXTRA_MODEL_IDS: &str = "EXTRA_MODEL_IDS";
pub const REQUESTS_PER_MINUTE_QUOTA_CODE: &str = "REQUESTS_PER_MINUTE_QUOTA_CODE";
pub const TOKENS_PER_MINUTE_QUOTA_CODE: &str = "TOKENS_PER_MINUTE_QUOTA_CODE";
pub const INPUT_TOKENS_PER_MINUTE_QUOTA_CODE: &str = "INPUT_TOKENS_PER_MINUTE_QUOTA_CODE";
pub const OUTPUT_TOKENS_PER_MINUTE_QUOTA_CODE: &str = "OUTPUT_TOKENS_PER_MINUTE_QUOTA_CODE";
pub const AWS_REGION: &str = "AWS_REGION";

/// The names the identity's parts are read under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keys {
    pub customer: &'static str,
    pub model_name: &'static str,
    pub model_id: &'static str,
    pub extra_model_ids: &'static str,
    pub rpm_quota_code: &'static str,
    pub tpm_quota_code: &'static str,
    pub input_tpm_quota_code: &'static str,
    pub output_tpm_quota_code: &'static str,
}

/// The Lambdas' environment variables (template.yaml sets them).
pub const ENV: Keys = Keys {
    customer: CUSTOMER_NAME,
    model_name: BEDROCK_MODEL_NAME,
    model_id: BEDROCK_MODEL_ID,
    extra_model_ids: EXTRA_MODEL_IDS,
    rpm_quota_code: REQUESTS_PER_MINUTE_QUOTA_CODE,
    tpm_quota_code: TOKENS_PER_MINUTE_QUOTA_CODE,
    input_tpm_quota_code: INPUT_TOKENS_PER_MINUTE_QUOTA_CODE,
    output_tpm_quota_code: OUTPUT_TOKENS_PER_MINUTE_QUOTA_CODE,
};

/// The quota calculator's custom-resource properties (template.yaml passes them).
pub const PROPERTIES: Keys = Keys {
    customer: "CustomerName",
    model_name: "BedrockModelName",
    model_id: "BedrockModelId",
    extra_model_ids: "ExtraModelIds",
    rpm_quota_code: "RequestsPerMinuteQuotaCode",
    tpm_quota_code: "TokensPerMinuteQuotaCode",
    input_tpm_quota_code: "InputTokensPerMinuteQuotaCode",
    output_tpm_quota_code: "OutputTokensPerMinuteQuotaCode",
};

/// One unusable value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{name} = '{value}' is not valid: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: String,
    },
}

/// Every problem of one function's configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// Whose configuration: "processor", "alarm updater".
    pub function: &'static str,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {}'s configuration is incomplete: ", self.function)?;
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// Reads named values through a lookup (`None` or blank = missing, values trimmed), collecting every problem
/// instead of stopping at the first.
pub struct Lookup<F> {
    get: F,
    problems: Vec<Problem>,
}

impl<F: Fn(&str) -> Option<String>> Lookup<F> {
    pub fn new(get: F) -> Lookup<F> {
        Lookup {
            get,
            problems: Vec::new(),
        }
    }

    /// The value, or `None` without a problem.
    pub fn optional(&self, name: &str) -> Option<String> {
        (self.get)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// The value, or `None` with a [`Problem::Missing`].
    pub fn required(&mut self, name: &'static str) -> Option<String> {
        let value = self.optional(name);
        if value.is_none() {
            self.problems.push(Problem::Missing(name));
        }
        value
    }

    /// The value parsed, or `None` with the problem (missing or invalid).
    pub fn parse<T, E: fmt::Display>(
        &mut self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let value = self.required(name)?;
        self.check(name, &value, parse(&value))
    }

    /// `result`, or `None` with a [`Problem::Invalid`] naming `name` and `value`.
    pub fn check<T, E: fmt::Display>(
        &mut self,
        name: &'static str,
        value: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.invalid(name, value, &error);
                None
            }
        }
    }

    /// `result`, or `None` with its problem.
    pub fn keep<T>(&mut self, result: Result<T, Problem>) -> Option<T> {
        result.map_err(|problem| self.problems.push(problem)).ok()
    }

    // Not generic, so each parsed type adds only the match above to a bootstrap.
    fn invalid(&mut self, name: &'static str, value: &str, reason: &dyn fmt::Display) {
        self.problems.push(Problem::Invalid {
            name,
            value: value.to_owned(),
            reason: reason.to_string(),
        });
    }

    /// What `build` makes of the values read, when nothing was wrong; else every problem.
    pub fn finish<T>(
        self,
        function: &'static str,
        build: impl FnOnce() -> Option<T>,
    ) -> Result<T, ConfigError> {
        match build() {
            Some(value) if self.problems.is_empty() => Ok(value),
            _ => Err(ConfigError {
                function,
                problems: self.problems,
            }),
        }
    }
}

/// What the stack's resources are named after: enough to name (and so to delete) them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StackName {
    pub customer: String,
    pub model_name: String,
}

impl StackName {
    /// Both parts checked (1 to 10 and 1 to 15 characters, letters, digits and `-`: the template's rule and
    /// what the alarm names can hold), named under `keys`' names; the first problem, the customer's first.
    pub fn new(keys: &Keys, customer: &str, model_name: &str) -> Result<StackName, Problem> {
        Ok(StackName {
            customer: name_part(keys.customer, customer, CUSTOMER_NAME_MAX_LEN)?,
            model_name: name_part(keys.model_name, model_name, MODEL_NAME_MAX_LEN)?,
        })
    }

    /// [`StackName::new`] through `lookup`, every problem kept.
    pub fn read<F: Fn(&str) -> Option<String>>(
        keys: &Keys,
        lookup: &mut Lookup<F>,
    ) -> Option<StackName> {
        let customer = lookup.optional(keys.customer).unwrap_or_default();
        let model_name = lookup.optional(keys.model_name).unwrap_or_default();
        let customer = lookup.keep(name_part(keys.customer, &customer, CUSTOMER_NAME_MAX_LEN));
        let model_name = lookup.keep(name_part(keys.model_name, &model_name, MODEL_NAME_MAX_LEN));
        Some(StackName {
            customer: customer?,
            model_name: model_name?,
        })
    }

    /// `/C/bedrock/quota-monitoring/M/`: the stack's Parameter Store prefix.
    pub fn parameter_prefix(&self) -> String {
        parameter_prefix(&self.customer, &self.model_name)
    }

    /// The full name of the stack's Parameter Store `key`.
    pub fn parameter_name(&self, key: &str) -> String {
        parameter_name(&self.customer, &self.model_name, key)
    }

    /// Where the thresholds and their record are stored.
    pub fn thresholds_path(&self) -> String {
        thresholds_path(&self.customer, &self.model_name)
    }

    /// The two L2 quota alarms', RPM first.
    pub fn quota_alarm_names(&self) -> [String; 2] {
        quota_alarm_names(&self.customer, &self.model_name)
    }

    /// The split token alarms', input first.
    pub fn split_token_alarm_names(&self) -> [String; 2] {
        split_token_alarm_names(&self.customer, &self.model_name)
    }

    /// The subject of the stack's Support cases of `category` (their duplicate key).
    pub fn case_subject(&self, category: CaseCategory) -> String {
        case_subject(&self.customer, &self.model_name, category)
    }
}

fn name_part(name: &'static str, value: &str, max: usize) -> Result<String, Problem> {
    if value.is_empty() {
        Err(Problem::Missing(name))
    } else if valid_part(value, max) {
        Ok(value.to_owned())
    } else {
        Err(Problem::Invalid {
            name,
            value: value.to_owned(),
            reason: format!("1 to {max} characters, letters, digits and '-' only"),
        })
    }
}

/// Everything that identifies one monitored model's stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackIdentity {
    pub name: StackName,
    /// The monitored id first, then the ids that share its quota.
    pub model_ids: ModelIds,
    pub rpm_quota_code: RpmQuotaCode,
    /// The combined TPM quota, or the input and output quotas of a split token limit.
    pub token_quotas: TokenQuotaCodes,
    /// Blank when the environment names none (the processor then takes its AWS configuration's).
    pub region: String,
}

impl StackIdentity {
    /// Reads the identity from the environment variables ([`ENV`]); the Region is optional here.
    pub fn read<F: Fn(&str) -> Option<String>>(lookup: &mut Lookup<F>) -> Option<StackIdentity> {
        let name = StackName::read(&ENV, lookup);
        let model_ids = read_model_ids(&ENV, lookup);
        let rpm_quota_code = lookup.parse(ENV.rpm_quota_code, RpmQuotaCode::parse);
        let token_quotas = read_token_quotas(&ENV, lookup);
        let region = lookup.optional(AWS_REGION).unwrap_or_default();
        match (name, model_ids, rpm_quota_code, token_quotas) {
            (Some(name), Some(model_ids), Some(rpm_quota_code), Some(token_quotas)) => {
                Some(StackIdentity {
                    name,
                    model_ids,
                    rpm_quota_code,
                    token_quotas,
                    region,
                })
            }
            _ => None,
        }
    }

    pub fn customer(&self) -> &str {
        &self.name.customer
    }

    pub fn model_name(&self) -> &str {
        &self.name.model_name
    }

    /// The monitored model id.
    pub fn model_id(&self) -> &str {
        self.model_ids.monitored()
    }
}

/// The TPM code (required, `NA` for a split token limit) and the split codes (optional), by
/// [`TokenQuotaCodes::parse`]'s rules; a problem is named under the TPM code's name.
pub fn read_token_quotas<F: Fn(&str) -> Option<String>>(
    keys: &Keys,
    lookup: &mut Lookup<F>,
) -> Option<TokenQuotaCodes> {
    let tpm = lookup.required(keys.tpm_quota_code)?;
    let input = lookup.optional(keys.input_tpm_quota_code);
    let output = lookup.optional(keys.output_tpm_quota_code);
    let codes = TokenQuotaCodes::parse(&tpm, input.as_deref(), output.as_deref());
    lookup.check(keys.tpm_quota_code, &tpm, codes)
}

/// The monitored id (required) and the comma list of extras (optional), each problem under its own name.
fn read_model_ids<F: Fn(&str) -> Option<String>>(
    keys: &Keys,
    lookup: &mut Lookup<F>,
) -> Option<ModelIds> {
    let monitored = lookup.required(keys.model_id)?;
    let extras = lookup.optional(keys.extra_model_ids).unwrap_or_default();
    let (name, value) = if monitored.len() > MAX_MODEL_ID_LEN {
        (keys.model_id, &monitored)
    } else {
        (keys.extra_model_ids, &extras)
    };
    // The reason names the limits rather than rendering the alarm spec's error: its text (every alarm-spec
    // problem) would otherwise be linked into the processor's and the updater's bootstraps for this one line.
    let ids = ModelIds::from_comma_list(&monitored, &extras).map_err(|_| {
        format!(
            "at most {MAX_MODEL_IDS} model ids in all, each at most {MAX_MODEL_ID_LEN} characters"
        )
    });
    lookup.check(name, value, ids)
}

#[cfg(test)]
mod tests {
    use bedrock_ops_testkit::fixtures::{MODEL_ID, RPM_CODE, STACK_ENV, TPM_CODE, env_lookup};

    use super::*;

    const PROFILE: &str =
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc";

    fn full() -> Vec<(&'static str, &'static str)> {
        let mut pairs = STACK_ENV.to_vec();
        pairs.push((CUSTOMER_NAME, " Acme "));
        pairs.push((
            EXTRA_MODEL_IDS,
            " arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc ,, ",
        ));
        pairs
    }

    fn read(pairs: &[(&str, &str)]) -> Result<StackIdentity, ConfigError> {
        let mut lookup = Lookup::new(env_lookup(pairs));
        let stack = StackIdentity::read(&mut lookup);
        lookup.finish("test", || stack)
    }

    #[test]
    fn parses_every_variable_into_typed_values() {
        let stack = read(&full()).unwrap();
        assert_eq!((stack.customer(), stack.model_name()), ("Acme", "Opus-4-6"));
        assert_eq!(stack.model_ids.all(), [MODEL_ID, PROFILE]);
        assert_eq!(stack.model_id(), MODEL_ID);
        assert_eq!(stack.rpm_quota_code.code().unwrap().as_str(), RPM_CODE);
        assert_eq!(stack.token_quotas.combined().unwrap().as_str(), TPM_CODE);
        assert_eq!(stack.region, "us-east-1");
    }

    #[test]
    fn rpm_na_means_the_model_has_no_rpm_quota_and_region_and_extras_are_optional() {
        let mut pairs = full();
        pairs.retain(|(k, _)| {
            ![REQUESTS_PER_MINUTE_QUOTA_CODE, AWS_REGION, EXTRA_MODEL_IDS].contains(k)
        });
        pairs.push((REQUESTS_PER_MINUTE_QUOTA_CODE, "NA"));
        let stack = read(&pairs).unwrap();
        assert_eq!(stack.rpm_quota_code, RpmQuotaCode::NotApplicable);
        assert_eq!(
            (stack.region.as_str(), stack.model_ids.all().len()),
            ("", 1)
        );
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let err = read(&[
            (CUSTOMER_NAME, "Acme Corp"),
            (EXTRA_MODEL_IDS, "a,b"),
            (REQUESTS_PER_MINUTE_QUOTA_CODE, "bogus"),
            (TOKENS_PER_MINUTE_QUOTA_CODE, "NA"),
        ])
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("the test's configuration is incomplete: "),
            "{text}"
        );
        for expected in [
            "CUSTOMER_NAME = 'Acme Corp' is not valid: 1 to 10 characters",
            "BEDROCK_MODEL_NAME is not set",
            "BEDROCK_MODEL_ID is not set",
            "REQUESTS_PER_MINUTE_QUOTA_CODE = 'bogus' is not valid",
            "TOKENS_PER_MINUTE_QUOTA_CODE = 'NA' is not valid: the TPM quota code cannot be NA",
        ] {
            assert!(text.contains(expected), "{expected} missing from: {text}");
        }
        assert_eq!(err.problems.len(), 5, "{text}");
    }

    #[test]
    fn a_split_token_model_passes_tpm_na_with_both_split_codes() {
        let mut pairs = full();
        pairs.retain(|(k, _)| *k != TOKENS_PER_MINUTE_QUOTA_CODE);
        pairs.push((TOKENS_PER_MINUTE_QUOTA_CODE, "NA"));
        pairs.push((INPUT_TOKENS_PER_MINUTE_QUOTA_CODE, "L-11111111"));
        pairs.push((OUTPUT_TOKENS_PER_MINUTE_QUOTA_CODE, "L-22222222"));
        let stack = read(&pairs).unwrap();
        let (input, output) = stack.token_quotas.split().unwrap();
        assert_eq!(
            (input.as_str(), output.as_str()),
            ("L-11111111", "L-22222222")
        );
        pairs.retain(|(k, _)| *k != OUTPUT_TOKENS_PER_MINUTE_QUOTA_CODE);
        let err = read(&pairs).unwrap_err().to_string();
        assert!(
            err.contains(
                "TOKENS_PER_MINUTE_QUOTA_CODE = 'NA' is not valid: the TPM quota code is NA, so"
            ),
            "{err}"
        );
    }

    #[test]
    fn too_many_extra_ids_are_named_under_extra_model_ids() {
        let mut pairs = full();
        pairs.retain(|(k, _)| *k != EXTRA_MODEL_IDS);
        pairs.push((EXTRA_MODEL_IDS, "a,b,c,d,e,f,g,h,i"));
        let err = read(&pairs).unwrap_err();
        assert!(
            matches!(
                &err.problems[..],
                [Problem::Invalid {
                    name: EXTRA_MODEL_IDS,
                    ..
                }]
            ),
            "{err}"
        );
    }

    #[test]
    fn the_names_derived_from_the_stack() {
        let name = read(&full()).unwrap().name;
        assert_eq!(
            name.parameter_prefix(),
            "/Acme/bedrock/quota-monitoring/Opus-4-6/"
        );
        assert_eq!(
            name.thresholds_path(),
            "/Acme/bedrock/quota-monitoring/Opus-4-6/thresholds/"
        );
        assert_eq!(
            name.quota_alarm_names(),
            [
                "Acme-Bedrock-HighInvocationRate-Warning-Opus-4-6",
                "Acme-Bedrock-HighTPMQuotaUsage-Warning-Opus-4-6"
            ]
        );
        assert_eq!(
            name.case_subject(CaseCategory::QuotaRequest),
            "Acme - Bedrock Ops Alert - Opus-4-6 - Quota Request"
        );
    }

    #[test]
    fn the_calculator_checks_the_name_under_its_property_names() {
        assert_eq!(
            StackName::new(&PROPERTIES, "Acme", ""),
            Err(Problem::Missing("BedrockModelName"))
        );
        let invalid = StackName::new(&PROPERTIES, "Acme Corp", "").unwrap_err();
        assert!(
            matches!(
                invalid,
                Problem::Invalid {
                    name: "CustomerName",
                    ..
                }
            ),
            "{invalid}"
        );
    }

    #[test]
    fn the_name_is_read_under_any_keys() {
        let mut lookup = Lookup::new(env_lookup(&[
            ("CustomerName", "Acme"),
            ("BedrockModelName", ""),
        ]));
        let name = StackName::read(&PROPERTIES, &mut lookup);
        let err = lookup.finish("calculator", || name).unwrap_err();
        assert_eq!(err.problems, [Problem::Missing("BedrockModelName")]);
    }
}
