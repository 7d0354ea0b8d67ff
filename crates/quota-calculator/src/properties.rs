//! The custom resource's properties, parsed and checked before any AWS call.
//!
//! CloudFormation passes every scalar property as a string (numbers too), so each is read as text; a list is
//! accepted for `ExtraModelIds` as well as the template's comma list. Every problem names the property, the
//! value and what is allowed, because this text becomes the stack event a person reads.

use bedrock_ops_core::alarm_spec::{AlarmSpecError, EvaluationPeriods, ModelIds, QuotaAlarmConfig};
use bedrock_ops_core::stack::{PROPERTIES, Problem, StackName};
use bedrock_ops_core::thresholds::{
    AlarmPeriod, Percent, QuotaCode, RpmQuotaCode, ThresholdError, TokenQuotaCodes,
};
use serde_json::{Map, Value};

// The stack's identity is read under the names core's `stack::PROPERTIES` gives it.
pub const CUSTOMER_NAME: &str = PROPERTIES.customer;
pub const BEDROCK_MODEL_NAME: &str = PROPERTIES.model_name;
pub const BEDROCK_MODEL_ID: &str = PROPERTIES.model_id;
pub const EXTRA_MODEL_IDS: &str = PROPERTIES.extra_model_ids;
pub const RPM_QUOTA_CODE: &str = PROPERTIES.rpm_quota_code;
pub const TPM_QUOTA_CODE: &str = PROPERTIES.tpm_quota_code;
pub const INPUT_TPM_QUOTA_CODE: &str = PROPERTIES.input_tpm_quota_code;
pub const OUTPUT_TPM_QUOTA_CODE: &str = PROPERTIES.output_tpm_quota_code;
pub const RPM_PERCENT: &str = "RequestsPerMinuteThresholdPercent";
pub const TPM_PERCENT: &str = "TokensPerMinuteThresholdPercent";
pub const ALARM_EVALUATION_PERIOD: &str = "AlarmEvaluationPeriod";
pub const WARNING_EVALUATION_PERIODS: &str = "WarningAlarmEvaluationPeriods";
pub const ALARM_TOPIC_ARN: &str = "AlarmTopicArn";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PropertyError {
    #[error("the custom resource has no ResourceProperties object")]
    NotAnObject,
    #[error("property {0} is missing")]
    Missing(&'static str),
    #[error("property {name} must be text, got {found}")]
    NotText { name: &'static str, found: String },
    #[error("property {name} = '{value}' is not valid: {allowed}")]
    Invalid {
        name: &'static str,
        value: String,
        allowed: String,
    },
}

impl From<Problem> for PropertyError {
    fn from(problem: Problem) -> PropertyError {
        match problem {
            Problem::Missing(name) => PropertyError::Missing(name),
            Problem::Invalid {
                name,
                value,
                reason,
            } => PropertyError::Invalid {
                name,
                value,
                allowed: reason,
            },
        }
    }
}

/// Everything Create and Update need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Properties {
    /// Who the resources belong to: enough to name (and so to delete) them.
    pub identity: StackName,
    pub model_ids: ModelIds,
    pub rpm_code: RpmQuotaCode,
    /// `None` when the template passed `NA`: refused by validation (which can then name the right code)
    /// unless `split_codes` holds the model's split token quotas.
    pub tpm_code: Option<QuotaCode>,
    /// The input and output token quota codes of a model whose token limit is split (`TokensPerMinuteQuotaCode`
    /// is then `NA`).
    pub split_codes: Option<(QuotaCode, QuotaCode)>,
    pub rpm_percent: Percent,
    pub tpm_percent: Percent,
    pub period: AlarmPeriod,
    pub evaluation_periods: EvaluationPeriods,
    pub topic_arn: String,
}

impl Properties {
    /// The quota alarms' configuration.
    pub fn alarm_config(&self) -> QuotaAlarmConfig {
        QuotaAlarmConfig {
            customer: self.identity.customer.clone(),
            model_name: self.identity.model_name.clone(),
            model_ids: self.model_ids.clone(),
            period: self.period,
            evaluation_periods: self.evaluation_periods,
            topic_arn: self.topic_arn.clone(),
        }
    }
}

fn object(properties: &Value) -> Result<&Map<String, Value>, PropertyError> {
    properties.as_object().ok_or(PropertyError::NotAnObject)
}

fn text(map: &Map<String, Value>, name: &'static str) -> Result<Option<String>, PropertyError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(PropertyError::NotText {
            name,
            found: kind_of(other).to_owned(),
        }),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn required(map: &Map<String, Value>, name: &'static str) -> Result<String, PropertyError> {
    match text(map, name)? {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(PropertyError::Missing(name)),
    }
}

fn invalid(name: &'static str, value: &str, allowed: impl ToString) -> PropertyError {
    PropertyError::Invalid {
        name,
        value: value.to_owned(),
        allowed: allowed.to_string(),
    }
}

fn extra_ids(map: &Map<String, Value>) -> Result<Vec<String>, PropertyError> {
    match map.get(EXTRA_MODEL_IDS) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(s.split(',').map(str::to_owned).collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(PropertyError::NotText {
                    name: EXTRA_MODEL_IDS,
                    found: format!("a list holding {}", kind_of(other)),
                }),
            })
            .collect(),
        Some(other) => Err(PropertyError::NotText {
            name: EXTRA_MODEL_IDS,
            found: kind_of(other).to_owned(),
        }),
    }
}

fn percent(map: &Map<String, Value>, name: &'static str) -> Result<Percent, PropertyError> {
    match text(map, name)? {
        None => Ok(Percent::DEFAULT),
        Some(value) => value.parse().map_err(|e| invalid(name, &value, e)),
    }
}

fn spec_error(name: &'static str, value: &str, error: AlarmSpecError) -> PropertyError {
    invalid(name, value, error)
}

/// The stack's name only: what Delete needs, so a Delete never fails on a property it does not use. Checked
/// by core's rules, the same for every function.
pub fn parse_identity(properties: &Value) -> Result<StackName, PropertyError> {
    let map = object(properties)?;
    let customer = text(map, CUSTOMER_NAME)?.unwrap_or_default();
    let model_name = text(map, BEDROCK_MODEL_NAME)?.unwrap_or_default();
    Ok(StackName::new(&PROPERTIES, &customer, &model_name)?)
}

/// Whether the properties name split token quota codes (what Delete needs to know of the token quotas).
pub fn has_split_codes(properties: &Value) -> bool {
    object(properties).is_ok_and(|map| {
        [INPUT_TPM_QUOTA_CODE, OUTPUT_TPM_QUOTA_CODE]
            .into_iter()
            .any(|name| matches!(text(map, name), Ok(Some(code)) if !code.is_empty()))
    })
}

/// Every property. Optional ones take the template's defaults: no extra ids, 80 %, a 60 s period, 5
/// evaluation periods.
pub fn parse(properties: &Value) -> Result<Properties, PropertyError> {
    let map = object(properties)?;
    let identity = parse_identity(properties)?;

    let model_id = required(map, BEDROCK_MODEL_ID)?;
    let extras = extra_ids(map)?;
    let model_ids = ModelIds::new(&model_id, extras.iter().map(String::as_str))
        .map_err(|e| spec_error(EXTRA_MODEL_IDS, &extras.join(","), e))?;

    let rpm_raw = required(map, RPM_QUOTA_CODE)?;
    let rpm_code =
        RpmQuotaCode::parse(&rpm_raw).map_err(|e| invalid(RPM_QUOTA_CODE, &rpm_raw, e))?;
    let tpm_raw = required(map, TPM_QUOTA_CODE)?;
    let input_raw = text(map, INPUT_TPM_QUOTA_CODE)?;
    let output_raw = text(map, OUTPUT_TPM_QUOTA_CODE)?;
    let (tpm_code, split_codes) =
        match TokenQuotaCodes::parse(&tpm_raw, input_raw.as_deref(), output_raw.as_deref()) {
            Ok(TokenQuotaCodes::Combined(code)) => (Some(code), None),
            Ok(TokenQuotaCodes::Split { input, output }) => (None, Some((input, output))),
            // `NA` without split codes: validation names the model's token quota codes.
            Err(ThresholdError::TpmCodeNotApplicable) => (None, None),
            Err(error) => return Err(invalid(TPM_QUOTA_CODE, &tpm_raw, error)),
        };

    let period = match text(map, ALARM_EVALUATION_PERIOD)? {
        None => AlarmPeriod::default(),
        Some(value) => value
            .parse()
            .map_err(|e| invalid(ALARM_EVALUATION_PERIOD, &value, e))?,
    };
    let evaluation_periods = match text(map, WARNING_EVALUATION_PERIODS)? {
        None => EvaluationPeriods::new(EvaluationPeriods::DEFAULT.get(), period)
            .map_err(|e| spec_error(WARNING_EVALUATION_PERIODS, "(default)", e))?,
        Some(value) => EvaluationPeriods::parse(&value, period)
            .map_err(|e| spec_error(WARNING_EVALUATION_PERIODS, &value, e))?,
    };

    let topic_arn = required(map, ALARM_TOPIC_ARN)?;
    if !topic_arn.starts_with("arn:") || !topic_arn.contains(":sns:") {
        return Err(invalid(ALARM_TOPIC_ARN, &topic_arn, "an SNS topic ARN"));
    }

    Ok(Properties {
        identity,
        model_ids,
        rpm_code,
        tpm_code,
        split_codes,
        rpm_percent: percent(map, RPM_PERCENT)?,
        tpm_percent: percent(map, TPM_PERCENT)?,
        period,
        evaluation_periods,
        topic_arn,
    })
}

#[cfg(test)]
mod tests {
    use bedrock_ops_testkit::fixtures::{MODEL_ID, RPM_CODE, TPM_CODE};
    use serde_json::json;

    use super::*;

    fn full() -> Value {
        json!({
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:Acme-Quota-Calculator-Opus",
            "CustomerName": "Acme",
            "BedrockModelName": "Opus",
            "BedrockModelId": MODEL_ID,
            "ExtraModelIds": "abc123profile, ",
            "RequestsPerMinuteQuotaCode": RPM_CODE,
            "TokensPerMinuteQuotaCode": TPM_CODE,
            "RequestsPerMinuteThresholdPercent": "80",
            "TokensPerMinuteThresholdPercent": "75",
            "AlarmEvaluationPeriod": "300",
            "WarningAlarmEvaluationPeriods": "3",
            "AlarmTopicArn": "arn:aws:sns:us-east-1:123456789012:Acme-Bedrock-Alarms-Raw-Opus"
        })
    }

    #[test]
    fn template_properties_parse_as_strings() {
        let p = parse(&full()).unwrap();
        assert_eq!(p.identity.customer, "Acme");
        assert_eq!(p.model_ids.all(), [MODEL_ID, "abc123profile"]);
        assert_eq!(p.tpm_percent.get(), 75);
        assert_eq!(p.period, AlarmPeriod::FiveMinutes);
        assert_eq!(p.evaluation_periods.get(), 3);
        assert_eq!(p.tpm_code.unwrap().as_str(), TPM_CODE);
    }

    #[test]
    fn optional_properties_take_the_defaults_and_numbers_are_accepted() {
        let mut v = full();
        let map = v.as_object_mut().unwrap();
        for key in [
            EXTRA_MODEL_IDS,
            RPM_PERCENT,
            TPM_PERCENT,
            ALARM_EVALUATION_PERIOD,
            WARNING_EVALUATION_PERIODS,
        ] {
            map.remove(key);
        }
        let p = parse(&v).unwrap();
        assert_eq!(p.model_ids.all().len(), 1);
        assert_eq!(p.rpm_percent, Percent::DEFAULT);
        assert_eq!(p.period, AlarmPeriod::OneMinute);
        assert_eq!(p.evaluation_periods.get(), 5);

        map_set(&mut v, ALARM_EVALUATION_PERIOD, json!(3600));
        map_set(&mut v, EXTRA_MODEL_IDS, json!(["a", "b"]));
        let p = parse(&v).unwrap();
        assert_eq!(p.period, AlarmPeriod::OneHour);
        assert_eq!(p.model_ids.all().len(), 3);
    }

    fn map_set(v: &mut Value, key: &str, value: Value) {
        v.as_object_mut().unwrap().insert(key.to_owned(), value);
    }

    #[test]
    fn rpm_na_is_not_applicable_and_tpm_na_is_left_for_validation_to_refuse() {
        let mut v = full();
        map_set(&mut v, RPM_QUOTA_CODE, json!("NA"));
        map_set(&mut v, TPM_QUOTA_CODE, json!("na"));
        let p = parse(&v).unwrap();
        assert_eq!(p.rpm_code, RpmQuotaCode::NotApplicable);
        assert_eq!(p.tpm_code, None);
    }

    #[test]
    fn every_problem_names_the_property_and_the_value() {
        let cases: [(&str, Value, &str); 8] = [
            (
                CUSTOMER_NAME,
                json!("Acme Corp"),
                "CustomerName = 'Acme Corp'",
            ),
            (
                BEDROCK_MODEL_NAME,
                json!("a-very-long-model-name"),
                "BedrockModelName",
            ),
            (
                RPM_QUOTA_CODE,
                json!("3DD46812"),
                "RequestsPerMinuteQuotaCode = '3DD46812'",
            ),
            (
                RPM_PERCENT,
                json!("0"),
                "RequestsPerMinuteThresholdPercent = '0'",
            ),
            (
                ALARM_EVALUATION_PERIOD,
                json!("120"),
                "AlarmEvaluationPeriod = '120'",
            ),
            (
                WARNING_EVALUATION_PERIODS,
                json!("0"),
                "WarningAlarmEvaluationPeriods = '0'",
            ),
            (
                ALARM_TOPIC_ARN,
                json!("my-topic"),
                "AlarmTopicArn = 'my-topic'",
            ),
            (EXTRA_MODEL_IDS, json!(true), "ExtraModelIds must be text"),
        ];
        for (key, value, expected) in cases {
            let mut v = full();
            map_set(&mut v, key, value);
            let err = parse(&v).unwrap_err().to_string();
            assert!(err.contains(expected), "{key}: {err}");
        }
    }

    #[test]
    fn a_window_over_one_day_is_refused() {
        let mut v = full();
        map_set(&mut v, ALARM_EVALUATION_PERIOD, json!("3600"));
        map_set(&mut v, WARNING_EVALUATION_PERIODS, json!("30"));
        let err = parse(&v).unwrap_err().to_string();
        assert!(err.contains("86400"), "{err}");
    }

    #[test]
    fn missing_required_property_is_named_and_delete_needs_only_the_identity() {
        let mut v = full();
        v.as_object_mut().unwrap().remove(BEDROCK_MODEL_ID);
        assert_eq!(parse(&v), Err(PropertyError::Missing(BEDROCK_MODEL_ID)));
        let identity = parse_identity(&v).unwrap();
        assert_eq!(identity.model_name, "Opus");
        assert_eq!(parse(&json!("x")), Err(PropertyError::NotAnObject));
    }
}
