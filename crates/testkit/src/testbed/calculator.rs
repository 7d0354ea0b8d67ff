//! Seeding the local AWS emulator for the calculator's and the alarm updater's integration tests: the blog's
//! Opus quotas with the look-alikes the validator must not take, custom-resource events answered to the
//! emulator's response sink, the production wiring, and the fast-failing clients of the fault suites.
//!
//! Tests of one binary share one emulator and take turns ([`take_turn`](crate::emulator::take_turn)); each
//! resets it, so the call log is exact.

use std::time::Duration;

use bedrock_ops_aws::AwsClients;
use bedrock_ops_aws::alarms::sdk::SdkAlarms;
use bedrock_ops_aws::inference_profiles::memory::MemoryInferenceProfiles;
use bedrock_ops_aws::inference_profiles::sdk::SdkInferenceProfiles;
use bedrock_ops_aws::parameters::sdk::SdkParameters;
use bedrock_ops_aws::quotas::memory::MemoryQuotas;
use bedrock_ops_aws::quotas::sdk::SdkQuotas;
use bedrock_ops_aws::{AlarmAdmin, ParameterStore, QuotaService};
use bedrock_ops_core::thresholds::SERVICE_CODE;
use quota_calculator::{HttpsSink, MemorySink, Outcome, Ports};
use serde_json::{Value, json};

use crate::emulator::{Emulator, SeedQuota};
use crate::fixtures::{RPM_NAME, RPM_QUOTA, TPM_NAME, TPM_QUOTA, custom_resource};

/// The stack's quota codes are the blog example's.
pub use crate::fixtures::{RPM_CODE, TPM_CODE};
pub const RPM_ALARM: &str = "Acme-Bedrock-HighInvocationRate-Warning-Opus";
pub const TPM_ALARM: &str = "Acme-Bedrock-HighTPMQuotaUsage-Warning-Opus";
/// The stack's thresholds path (the fixtures' customer and model).
pub const PATH: &str = "/Acme/bedrock/quota-monitoring/Opus/thresholds/";
/// The query of every test ResponseURL: a stand-in signature that must never be logged.
pub const SIGNATURE: &str = "X-Amz-Signature=NOT-TO-BE-LOGGED";

/// The handler's wiring on the real SDK clients.
pub type SdkPorts = Ports<SdkQuotas, SdkAlarms, SdkParameters, HttpsSink, SdkInferenceProfiles>;

/// The Opus quotas of the blog example (10,000 RPM, 6,250,000 TPM) and the look-alikes the validator must not
/// take, plus a model with no RPM quota. More than one ListServiceQuotas page (the emulator pages by 5).
pub fn opus_quotas() -> Vec<SeedQuota> {
    vec![
        SeedQuota::bedrock(RPM_CODE, RPM_NAME, RPM_QUOTA as f64),
        SeedQuota::bedrock(TPM_CODE, TPM_NAME, TPM_QUOTA as f64),
        SeedQuota::bedrock(
            "L-9A1F0C21",
            "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1 1M Context Length",
            200.0,
        ),
        SeedQuota::bedrock(
            "L-9A1F0C22",
            "Global cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1 1M Context Length",
            1_000_000.0,
        ),
        SeedQuota::bedrock(
            "L-4B7E2D10",
            "Cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1",
            5_000.0,
        ),
        SeedQuota::bedrock(
            "L-4B7E2D11",
            "Cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1",
            3_125_000.0,
        ),
        SeedQuota::bedrock(
            "L-0A1B2C03",
            "Cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1 (bedrock-mantle)",
            100.0,
        ),
        SeedQuota::bedrock(
            "L-00000001",
            "On-demand model inference tokens per minute for Acme Tiny",
            200_000.0,
        ),
    ]
}

/// A model whose token limit is split in an input and an output quota (Service Quotas' names for such models),
/// with its RPM quota: codes, then the model id they belong to.
pub const SPLIT_MODEL_ID: &str = "us.anthropic.claude-opus-4-8-v1";
pub const SPLIT_RPM_CODE: &str = "L-5C8A1E01";
pub const SPLIT_INPUT_CODE: &str = "L-5C8A1E02";
pub const SPLIT_OUTPUT_CODE: &str = "L-5C8A1E03";
pub const INPUT_TPM_ALARM: &str = "Acme-Bedrock-HighInputTPMQuotaUsage-Warning-Opus";
pub const OUTPUT_TPM_ALARM: &str = "Acme-Bedrock-HighOutputTPMQuotaUsage-Warning-Opus";

/// The split model's quotas: 2,000 RPM, 2,000,000 input and 400,000 output tokens per minute.
pub fn split_token_quotas() -> Vec<SeedQuota> {
    vec![
        SeedQuota::bedrock(
            SPLIT_RPM_CODE,
            "Cross-region model inference requests per minute for Anthropic Claude Opus 4.8",
            2_000.0,
        ),
        SeedQuota::bedrock(
            SPLIT_INPUT_CODE,
            "Cross-region model inference input tokens per minute for Anthropic Claude Opus 4.8",
            2_000_000.0,
        ),
        SeedQuota::bedrock(
            SPLIT_OUTPUT_CODE,
            "Cross-region model inference output tokens per minute for Anthropic Claude Opus 4.8",
            400_000.0,
        ),
    ]
}

/// `quotas` (an in-memory Service Quotas) with [`split_token_quotas`] applied too.
pub fn with_split_token_quotas(mut quotas: MemoryQuotas) -> MemoryQuotas {
    for quota in split_token_quotas() {
        quotas = quotas.with_applied(
            SERVICE_CODE,
            &quota.quota_code,
            &quota.quota_name,
            quota.value,
        );
    }
    quotas
}

/// Resets the emulator and seeds [`opus_quotas`] as applied values (no AWS defaults).
pub fn reset_and_seed(emulator: &Emulator) {
    emulator.reset().expect("emulator reset");
    emulator
        .seed_quotas(&opus_quotas(), &[])
        .expect("quotas seeded");
}

/// A fixture event (`create`, `update`, `delete`) whose ResponseURL is the emulator's sink under `id`, with
/// [`SIGNATURE`] as its query.
pub fn event(emulator: &Emulator, fixture: &str, id: &str) -> Value {
    let mut event = custom_resource(fixture);
    event["ResponseURL"] = json!(format!("{}?{SIGNATURE}", emulator.cfn_response_url(id)));
    event
}

/// `event` (a fixture) made the Create, Update or Delete of [`SPLIT_MODEL_ID`]'s stack: its RPM code, TPM
/// `NA` and the input and output token codes of [`split_token_quotas`].
pub fn split_event(mut event: Value) -> Value {
    let properties = &mut event["ResourceProperties"];
    for (key, value) in [
        ("BedrockModelId", SPLIT_MODEL_ID),
        ("RequestsPerMinuteQuotaCode", SPLIT_RPM_CODE),
        ("TokensPerMinuteQuotaCode", "NA"),
        ("InputTokensPerMinuteQuotaCode", SPLIT_INPUT_CODE),
        ("OutputTokensPerMinuteQuotaCode", SPLIT_OUTPUT_CODE),
    ] {
        properties[key] = json!(value);
    }
    event
}

/// The calculator's wiring on `clients`.
pub fn ports(clients: &AwsClients) -> SdkPorts {
    Ports {
        quotas: clients.quotas(),
        alarms: clients.alarms(),
        parameters: clients.parameters(),
        sink: HttpsSink::new().expect("HTTPS client"),
        profiles: clients.inference_profiles(),
    }
}

/// The stack's Create as CloudFormation sends it, with the production wiring, at `at` (epoch seconds).
pub async fn create_stack(emulator: &Emulator, id: &str, at: i64) -> Outcome {
    let ports = ports(&AwsClients::new(&emulator.sdk_config()));
    quota_calculator::handle(
        &ports,
        event(emulator, "create", id),
        Duration::from_secs(60),
        at,
    )
    .await
    .expect("the Create is answered")
}

/// The Create of [`SPLIT_MODEL_ID`]'s stack ([`split_event`]), with the production wiring, at `at`.
pub async fn create_split_stack(emulator: &Emulator, id: &str, at: i64) -> Outcome {
    let ports = ports(&AwsClients::new(&emulator.sdk_config()));
    quota_calculator::handle(
        &ports,
        split_event(event(emulator, "create", id)),
        Duration::from_secs(60),
        at,
    )
    .await
    .expect("the Create is answered")
}

/// The calculator's handler on any adapters (the updater's in-memory tests create and update their stack with
/// it), its answer kept in memory; returns the body CloudFormation would receive.
pub async fn answer<Q, A, P>(quotas: Q, alarms: A, parameters: P, event: Value, at: i64) -> Value
where
    Q: QuotaService,
    A: AlarmAdmin,
    P: ParameterStore,
{
    let sink = MemorySink::new();
    let ports = Ports {
        quotas,
        alarms,
        parameters,
        sink: sink.clone(),
        profiles: MemoryInferenceProfiles::new(),
    };
    quota_calculator::handle(&ports, event, Duration::from_secs(60), at)
        .await
        .expect("the event is answered");
    sink.last().expect("an answer")
}
