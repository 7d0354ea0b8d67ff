//! The values of the blog's example, written once: the model, its two quotas (codes, names, values) and the
//! thresholds they give at 80 %. Tests that need "the Opus stack" use these, so a fixture changes in one place.
//! Plain values only: core's own tests use them through a dev-dependency cycle, where no core type may cross.

use std::collections::HashMap;

use bedrock_ops_core::stack;

/// The monitored model: Claude Opus 4.6 through the global cross-Region inference profile.
pub const MODEL_ID: &str = "global.anthropic.claude-opus-4-6-v1";

/// Its requests-per-minute quota (the template's default RPM code).
pub const RPM_CODE: &str = "L-3DD46812";
/// Its tokens-per-minute quota (the template's default TPM code).
pub const TPM_CODE: &str = "L-3DCCFAA4";

/// The quota names Service Quotas gives the two codes.
pub const RPM_NAME: &str =
    "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1";
pub const TPM_NAME: &str =
    "Global cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1";

/// The blog's quotas: 10,000 requests and 6,250,000 tokens per minute…
pub const RPM_QUOTA: u64 = 10_000;
pub const TPM_QUOTA: u64 = 6_250_000;
/// …and the thresholds they give at 80 %.
pub const RPM_THRESHOLD: u64 = 8_000;
pub const TPM_THRESHOLD: u64 = 5_000_000;

/// The Opus stack's identity as template.yaml sets it in every function's environment.
pub const STACK_ENV: &[(&str, &str)] = &[
    (stack::CUSTOMER_NAME, "Acme"),
    (stack::BEDROCK_MODEL_NAME, "Opus-4-6"),
    (stack::BEDROCK_MODEL_ID, MODEL_ID),
    (stack::REQUESTS_PER_MINUTE_QUOTA_CODE, RPM_CODE),
    (stack::TOKENS_PER_MINUTE_QUOTA_CODE, TPM_CODE),
    (stack::AWS_REGION, "us-east-1"),
];

/// A lookup over `pairs`, the shape in which the functions read their environment (a later pair wins).
pub fn env_lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

/// The custom-resource event fixture `tests/fixtures/custom-resource/<name>.json` (`create`, `update`,
/// `delete`): the Opus stack's properties as the template passes them.
pub fn custom_resource(name: &str) -> serde_json::Value {
    let text = match name {
        "create" => include_str!("../../../tests/fixtures/custom-resource/create.json"),
        "update" => include_str!("../../../tests/fixtures/custom-resource/update.json"),
        "delete" => include_str!("../../../tests/fixtures/custom-resource/delete.json"),
        other => panic!("no custom-resource fixture {other}"),
    };
    serde_json::from_str(text).expect("fixture is JSON")
}
