//! Seeding the local AWS emulator for the updater's integration tests: a stack the quota calculator created
//! there (the blog's quotas, both alarms, the record, through the calculator's own Create) with its formatted
//! topic, the updater's configuration for it, and its wiring.

use alarm_updater::config::{
    AWS_REGION, BEDROCK_MODEL_ID, BEDROCK_MODEL_NAME, CUSTOMER_NAME, FORMATTED_TOPIC_ARN,
    INPUT_TOKENS_PER_MINUTE_QUOTA_CODE, OUTPUT_TOKENS_PER_MINUTE_QUOTA_CODE,
    REQUESTS_PER_MINUTE_QUOTA_CODE, RPM_PERCENT, TOKENS_PER_MINUTE_QUOTA_CODE, TPM_PERCENT,
};
use alarm_updater::{Ports, UpdaterConfig};
use bedrock_ops_aws::AwsClients;
use bedrock_ops_aws::alarms::sdk::SdkAlarms;
use bedrock_ops_aws::notify::sdk::SdkNotifier;
use bedrock_ops_aws::parameters::sdk::SdkParameters;
use bedrock_ops_aws::quotas::sdk::SdkQuotas;
use bedrock_ops_core::thresholds::SERVICE_CODE;

use super::calculator::{self, RPM_CODE, TPM_CODE};
use crate::emulator::Emulator;
use crate::fixtures::MODEL_ID;

pub const TOPIC_NAME: &str = "Acme-Bedrock-Alarms-Formatted-Opus";
/// When the stack was created (epoch seconds).
pub const T0: i64 = 1_777_852_800;
pub const DAY: i64 = 86_400;
/// The quotas after [`raise_quotas`], and the thresholds they give at 80 %.
pub const RAISED_RPM: f64 = 12_500.0;
pub const RAISED_TPM: f64 = 8_000_000.0;

/// The updater's wiring on the real SDK clients.
pub type SdkPorts = Ports<SdkQuotas, SdkAlarms, SdkParameters, SdkNotifier>;

/// Resets the emulator and creates the stack at [`T0`] with the calculator's Create (10,000 RPM and
/// 6,250,000 TPM at 80 %: alarms at 8,000 and 5,000,000); returns the formatted topic's ARN. The call log is
/// empty afterwards.
pub async fn created_stack(emulator: &Emulator) -> String {
    calculator::reset_and_seed(emulator);
    let created = calculator::create_stack(emulator, "updater-create", T0);
    created_with_topic(emulator, created).await
}

/// Resets the emulator and creates a split token model's stack at [`T0`] (the quotas of
/// [`calculator::split_token_quotas`] at 80 %: RPM 1,600, input 1,600,000, output 320,000); returns the
/// formatted topic's ARN. The call log is empty afterwards.
pub async fn created_split_stack(emulator: &Emulator) -> String {
    emulator.reset().expect("emulator reset");
    emulator
        .seed_quotas(&calculator::split_token_quotas(), &[])
        .expect("quotas seeded");
    let created = calculator::create_split_stack(emulator, "updater-split-create", T0);
    created_with_topic(emulator, created).await
}

/// The formatted topic, then the calculator's Create `created`, which must succeed; an empty call log.
async fn created_with_topic(
    emulator: &Emulator,
    created: impl std::future::Future<Output = quota_calculator::Outcome>,
) -> String {
    let topic_arn = super::create_topic(&emulator.sdk_config(), TOPIC_NAME).await;
    let created = created.await;
    assert_eq!(
        created.status,
        quota_calculator::Status::Success,
        "{created:?}"
    );
    emulator.reset_calls().expect("call log reset");
    topic_arn
}

/// Both quotas move up: 12,500 RPM and 8,000,000 TPM (thresholds 10,000 and 6,400,000).
pub fn raise_quotas(emulator: &Emulator) {
    for (code, value) in [(RPM_CODE, RAISED_RPM), (TPM_CODE, RAISED_TPM)] {
        emulator
            .set_quota_value(SERVICE_CODE, code, value)
            .expect("quota value set");
    }
}

/// The Lambda environment of the created stack's updater.
pub fn config(topic_arn: &str) -> UpdaterConfig {
    config_with_codes(topic_arn, RPM_CODE, TPM_CODE)
}

/// [`config`] with other quota codes (`NA` for a model without an RPM quota).
pub fn config_with_codes(topic_arn: &str, rpm_code: &str, tpm_code: &str) -> UpdaterConfig {
    config_from(topic_arn, MODEL_ID, rpm_code, tpm_code, None)
}

/// The Lambda environment of [`created_split_stack`]'s updater: TPM `NA` with the input and output codes.
pub fn split_config(topic_arn: &str) -> UpdaterConfig {
    config_from(
        topic_arn,
        calculator::SPLIT_MODEL_ID,
        calculator::SPLIT_RPM_CODE,
        "NA",
        Some((calculator::SPLIT_INPUT_CODE, calculator::SPLIT_OUTPUT_CODE)),
    )
}

fn config_from(
    topic_arn: &str,
    model_id: &str,
    rpm_code: &str,
    tpm_code: &str,
    split: Option<(&str, &str)>,
) -> UpdaterConfig {
    let (input, output) = split.unwrap_or_default();
    let env = [
        (CUSTOMER_NAME, "Acme"),
        (BEDROCK_MODEL_NAME, "Opus"),
        (BEDROCK_MODEL_ID, model_id),
        (REQUESTS_PER_MINUTE_QUOTA_CODE, rpm_code),
        (TOKENS_PER_MINUTE_QUOTA_CODE, tpm_code),
        (INPUT_TOKENS_PER_MINUTE_QUOTA_CODE, input),
        (OUTPUT_TOKENS_PER_MINUTE_QUOTA_CODE, output),
        (RPM_PERCENT, "80"),
        (TPM_PERCENT, "80"),
        (FORMATTED_TOPIC_ARN, topic_arn),
        (AWS_REGION, "us-east-1"),
    ];
    UpdaterConfig::from_lookup(|name| {
        env.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    })
    .expect("the test environment is valid")
}

/// The updater's wiring on `clients`.
pub fn ports(clients: &AwsClients) -> SdkPorts {
    Ports {
        quotas: clients.quotas(),
        alarms: clients.alarms(),
        parameters: clients.parameters(),
        notifier: clients.notifier(),
    }
}
