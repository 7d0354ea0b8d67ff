//! Create and Update of a model whose token limit is split in an input and an output tokens-per-minute quota
//! (`TokensPerMinuteQuotaCode` = `NA` with both split codes): the codes validated against the service's list,
//! the three quotas read in one round trip, the RPM alarm (or its deletion), one alarm per token quota (the
//! combined TPM alarm deleted), and each quota's threshold, value and code written to Parameter Store.
//!
//! The values stored are core's live thresholds, exactly what the alarm updater keeps (it follows both split
//! quotas, writes `last-change` and e-mails a change); Parameter Store keeps each key's earlier versions. A
//! stack switched from a combined TPM quota loses its TPM alarm and TPM keys here.

use std::collections::HashMap;

use bedrock_ops_aws::live_thresholds::read::read_quota;
use bedrock_ops_aws::{AlarmAdmin, InferenceProfiles, ParameterStore, QuotaService};
use bedrock_ops_core::alarm_spec::plan_split_quota_alarms;
use bedrock_ops_core::live_thresholds::{LiveThresholds, LiveTokens, QuotaConfig};
use bedrock_ops_core::settings::keys;
use bedrock_ops_core::thresholds::{QuotaCode, SERVICE_CODE, TokenQuotaCodes};

use crate::handler::{Done, Failure, Ports, write_alarms};
use crate::properties::Properties;
use crate::resolve::quota_subject;
use crate::validate::validate_split_codes;

/// Validates, reads, writes the alarms, then the parameters (alarms first, as for a combined model).
pub(crate) async fn create_or_update<Q, A, P, S, B>(
    ports: &Ports<Q, A, P, S, B>,
    props: &Properties,
    input_code: &QuotaCode,
    output_code: &QuotaCode,
) -> Result<Done, Failure>
where
    Q: QuotaService,
    A: AlarmAdmin,
    P: ParameterStore,
    B: InferenceProfiles,
{
    let identity = props.identity.clone();
    let model_id = props.model_ids.monitored();
    // One round trip: the quota list (validation), the three quota values and, for an application inference
    // profile only, what it wraps, concurrently.
    let rpm = async {
        match props.rpm_code.code() {
            Some(code) => read_quota(&ports.quotas, "RPM", code).await.map(Some),
            None => Ok(None),
        }
    };
    let (subject, list, rpm, input, output) = tokio::join!(
        quota_subject(&ports.profiles, model_id),
        ports.quotas.list(SERVICE_CODE),
        rpm,
        read_quota(&ports.quotas, "input TPM", input_code),
        read_quota(&ports.quotas, "output TPM", output_code),
    );
    let list = list.map_err(|e| {
        Failure::before_writes(format!(
            "Could not list the bedrock quotas to check the quota codes: {e}."
        ))
    })?;
    let subject = subject.map_err(Failure::before_writes)?;
    validate_split_codes(&list, &subject, &props.rpm_code, input_code, output_code)
        .map_err(|e| Failure::before_writes(e.0))?;
    let unread = |e: bedrock_ops_aws::live_thresholds::LiveError| {
        Failure::before_writes(format!("{e}. Nothing was changed."))
    };
    let (rpm, input, output) = (
        rpm.map_err(unread)?,
        input.map_err(unread)?,
        output.map_err(unread)?,
    );

    // Core's live thresholds, as the alarm updater computes and stores them (both token quotas take the
    // tokens-per-minute percent), so its first run finds nothing to rewrite.
    let config = QuotaConfig {
        rpm_code: props.rpm_code.clone(),
        tokens: TokenQuotaCodes::Split {
            input: input_code.clone(),
            output: output_code.clone(),
        },
        rpm_percent: props.rpm_percent,
        tpm_percent: props.tpm_percent,
    };
    let live = LiveThresholds::of(
        config,
        rpm.clone(),
        LiveTokens::Split {
            input: input.clone(),
            output: output.clone(),
        },
    );
    let rpm_threshold = live.rpm_limit;
    let (input_threshold, output_threshold) = live
        .split()
        .map(|(input, output)| (input.threshold, output.threshold))
        .ok_or_else(|| Failure::before_writes("The token quotas are not split."))?;
    let plan = plan_split_quota_alarms(
        &props.alarm_config(),
        rpm_threshold,
        input_threshold,
        output_threshold,
    )
    .map_err(|e| Failure::before_writes(format!("{e}.")))?;

    write_alarms(&ports.alarms, &plan).await?;

    let values = live.parameter_values();
    // One after the other, as the combined record is written: PutParameter's rate is low.
    for (key, value) in &values {
        ports
            .parameters
            .put(&identity.parameter_name(key), value)
            .await
            .map_err(|e| {
                Failure::after_writes(format!(
                    "The alarms were written, but storing the thresholds failed: {e}."
                ))
            })?;
    }

    // A stack switched from a combined TPM quota: its TPM keys would describe a quota the model no longer
    // has (and name a code the CLI would read back), so they go, in one DeleteParameters call (names that
    // do not exist are ignored).
    let combined_keys: Vec<String> = [
        keys::TPM_THRESHOLD_CALCULATED,
        keys::TPM_QUOTA,
        keys::TPM_QUOTA_CODE,
    ]
    .iter()
    .map(|key| identity.parameter_name(key))
    .collect();
    ports.parameters.delete(&combined_keys).await.map_err(|e| {
        Failure::after_writes(format!(
            "The alarms and thresholds were written, but removing the combined TPM keys failed: {e}."
        ))
    })?;

    let rpm_text = match &rpm {
        Some(q) => format!(
            "RPM threshold {rpm_threshold} ({} % of {} {})",
            props.rpm_percent, q.code, q.value
        ),
        None => "no RPM threshold (the model has no RPM quota)".to_owned(),
    };
    let alarms: Vec<&str> = plan.put.iter().map(|spec| spec.name.as_str()).collect();
    let reason = format!(
        "{rpm_text}; input TPM threshold {input_threshold} ({pct} % of {} {}); output TPM threshold \
         {output_threshold} ({pct} % of {} {}); alarms written: {}; {} parameter(s) written under {}",
        input.code,
        input.value,
        output.code,
        output.value,
        alarms.join(", "),
        values.len(),
        identity.thresholds_path(),
        pct = props.tpm_percent,
    );
    let data = HashMap::from([
        ("RpmThreshold".to_owned(), rpm_threshold.to_string()),
        ("InputTpmThreshold".to_owned(), input_threshold.to_string()),
        (
            "OutputTpmThreshold".to_owned(),
            output_threshold.to_string(),
        ),
        ("ThresholdsPath".to_owned(), identity.thresholds_path()),
    ]);
    Ok(Done {
        identity,
        reason,
        data,
    })
}
