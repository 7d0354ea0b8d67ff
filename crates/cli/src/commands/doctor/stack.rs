//! The deployed stack as doctor needs it: from DescribeStacks' parameters and outputs, the names every
//! check reads and every fix points at. Anything missing makes the stack check fail, naming it.

use bedrock_ops_core::alarms::{AlarmKind, AlarmName};
use bedrock_ops_core::doctor::checks::Names;
use bedrock_ops_core::live_thresholds::QuotaConfig;
use bedrock_ops_core::settings::parameter_prefix;
use bedrock_ops_core::thresholds::{RpmQuotaCode, TokenQuotaCodes};

use crate::cloudformation::StackDescription;

/// What the checks read, taken from the stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedStack {
    pub names: Names,
    pub status: String,
    pub customer: String,
    pub model: String,
    /// BedrockModelId, then ExtraModelIds.
    pub monitored: Vec<String>,
    /// The quota codes and percents the stack was deployed with; Err names a value that does not parse.
    pub quota_config: Result<QuotaConfig, String>,
    /// The ten Bedrock alarms (nine when the RPM quota code is NA).
    pub alarms: Vec<String>,
}

impl DeployedStack {
    pub fn from_description(stack: &StackDescription) -> Result<DeployedStack, String> {
        let mut missing = Vec::new();
        let mut get = |from: &std::collections::BTreeMap<String, String>, kind: &str, key: &str| {
            from.get(key).cloned().unwrap_or_else(|| {
                missing.push(format!("{kind} {key}"));
                String::new()
            })
        };
        let p = &stack.parameters;
        let o = &stack.outputs;
        let customer = get(p, "parameter", "CustomerName");
        let model = get(p, "parameter", "BedrockModelName");
        let model_id = get(p, "parameter", "BedrockModelId");
        let rpm_code = get(p, "parameter", "RequestsPerMinuteQuotaCode");
        let tpm_code = get(p, "parameter", "TokensPerMinuteQuotaCode");
        let rpm_percent = get(p, "parameter", "RequestsPerMinuteThresholdPercent");
        let tpm_percent = get(p, "parameter", "TokensPerMinuteThresholdPercent");
        let raw_topic_arn = get(o, "output", "RawAlarmTopicArn");
        let formatted_topic_arn = get(o, "output", "FormattedTopicArn");
        let ledger_table = get(o, "output", "LedgerTableName");
        let updater_function = get(o, "output", "AlarmUpdaterFunctionName");
        if !missing.is_empty() {
            return Err(format!(
                "{} has no {}: is it a Bedrock Ops Alert stack, and is it deployed?",
                stack.name,
                missing.join(", ")
            ));
        }
        let mut monitored = vec![model_id];
        monitored.extend(
            p.get("ExtraModelIds")
                .into_iter()
                .flat_map(|extra| extra.split(','))
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_owned),
        );
        let quota_config = (|| {
            Ok(QuotaConfig {
                rpm_code: RpmQuotaCode::parse(&rpm_code).map_err(|e| e.to_string())?,
                // A split token model (TPM code `NA`) reads its input and output quotas instead.
                tokens: TokenQuotaCodes::parse(
                    &tpm_code,
                    p.get("InputTokensPerMinuteQuotaCode").map(String::as_str),
                    p.get("OutputTokensPerMinuteQuotaCode").map(String::as_str),
                )
                .map_err(|e| e.to_string())?,
                rpm_percent: rpm_percent.parse().map_err(|e| format!("{e}"))?,
                tpm_percent: tpm_percent.parse().map_err(|e| format!("{e}"))?,
            })
        })();
        let has_rpm = !rpm_code.trim().eq_ignore_ascii_case("NA");
        // A split token model (TPM code `NA`) has an input and an output token alarm instead of the TPM one.
        let split = tpm_code.trim().eq_ignore_ascii_case("NA");
        let split_kinds = [
            AlarmKind::HighInputTpmQuotaUsage,
            AlarmKind::HighOutputTpmQuotaUsage,
        ];
        let alarms = AlarmKind::ALL
            .into_iter()
            .filter(|kind| has_rpm || *kind != AlarmKind::HighInvocationRate)
            .filter(|kind| {
                if split {
                    *kind != AlarmKind::HighTpmQuotaUsage
                } else {
                    !split_kinds.contains(kind)
                }
            })
            .map(|kind| AlarmName::new(&customer, kind, &model).to_string())
            .collect();
        Ok(DeployedStack {
            names: Names {
                stack: stack.name.clone(),
                settings_prefix: parameter_prefix(&customer, &model),
                formatted_topic_arn,
                raw_topic_arn,
                ledger_table,
                updater_function,
            },
            status: stack.status.clone(),
            customer,
            model,
            monitored,
            quota_config,
            alarms,
        })
    }
}
