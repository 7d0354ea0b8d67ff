//! Quota matching against a fixture of Bedrock quota names in the style Service Quotas uses,
//! including the variants that must never match (1M context length, split input/output token
//! quotas, latency-optimized, bedrock-mantle, daily and batch quotas).

use bedrock_ops_core::quota_match::{
    InvocationMode, QuotaKind, QuotaNameError, candidate_codes, check_quota_name, parse_quota_name,
};
use bedrock_ops_testkit::fixtures::{MODEL_ID, RPM_CODE, TPM_CODE};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Fixture {
    quotas: Vec<Quota>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Quota {
    quota_code: String,
    quota_name: String,
}

fn fixture() -> Vec<Quota> {
    let text = include_str!("fixtures/bedrock_quota_names.json");
    serde_json::from_str::<Fixture>(text)
        .expect("fixture is valid JSON")
        .quotas
}

fn candidates(model_id: &str, kind: QuotaKind) -> Vec<String> {
    let quotas = fixture();
    let pairs = quotas
        .iter()
        .map(|q| (q.quota_code.as_str(), q.quota_name.as_str()));
    candidate_codes(pairs, model_id, InvocationMode::of_model_id(model_id), kind)
}

use QuotaKind::{RequestsPerMinute as Rpm, TokensPerMinute as Tpm};

#[test]
fn fixture_candidates_are_exactly_one_per_model_mode_and_kind() {
    let table: [(&str, QuotaKind, &[&str]); 22] = [
        (MODEL_ID, Rpm, &[RPM_CODE]),
        (MODEL_ID, Tpm, &[TPM_CODE]),
        ("us.anthropic.claude-opus-4-6-v1", Rpm, &["L-4B7E2D10"]),
        ("eu.anthropic.claude-opus-4-6-v1", Tpm, &["L-4B7E2D11"]),
        (
            "global.anthropic.claude-haiku-4-5-20251001-v1:0",
            Tpm,
            &["L-5C02AA02"],
        ),
        (
            "apac.anthropic.claude-sonnet-4-5-20250929-v1:0",
            Rpm,
            &["L-6D11B301"],
        ),
        (
            "apac.anthropic.claude-sonnet-4-5-20250929-v1:0",
            Tpm,
            &["L-6D11B302"],
        ),
        (
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            Tpm,
            &["L-6D11B305"],
        ),
        (
            "jp.anthropic.claude-sonnet-4-20250514-v1:0",
            Rpm,
            &["L-7E20C401"],
        ),
        (
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            Tpm,
            &["L-8F31D502"],
        ),
        (
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            Rpm,
            &["L-A042E601"],
        ),
        (
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            Tpm,
            &["L-A042E604"],
        ),
        (
            "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
            Rpm,
            &["L-A042E605"],
        ),
        ("meta.llama3-1-70b-instruct-v1:0", Rpm, &["L-C2640801"]),
        ("meta.llama3-1-8b-instruct-v1:0", Tpm, &["L-C2640804"]),
        ("us.meta.llama3-2-11b-instruct-v1:0", Rpm, &["L-C2640805"]),
        ("amazon.nova-pro-v1:0", Rpm, &["L-D3751901"]),
        ("us.amazon.nova-pro-v1:0", Tpm, &["L-D3751904"]),
        ("us.amazon.nova-premier-v1:0", Rpm, &["L-D3751905"]),
        ("us.amazon.nova-premier-v1:0", Tpm, &["L-D3751906"]),
        ("us.deepseek.r1-v1:0", Rpm, &["L-E4862A01"]),
        ("us-gov.deepseek.r1-v1:0", Tpm, &["L-E4862A02"]),
    ];
    for (model_id, kind, expected) in table {
        assert_eq!(candidates(model_id, kind), expected, "{model_id} {kind}");
    }
}

#[test]
fn fixture_model_without_quota_of_that_mode_has_no_candidate() {
    // The fixture has no on-demand or global quota for Claude Sonnet 4 and no global Nova Pro.
    assert!(candidates("anthropic.claude-sonnet-4-20250514-v1:0", Rpm).is_empty());
    assert!(candidates("global.anthropic.claude-sonnet-4-20250514-v1:0", Tpm).is_empty());
    assert!(candidates("global.amazon.nova-pro-v1:0", Rpm).is_empty());
}

#[test]
fn fixture_variants_never_match_any_kind() {
    for q in fixture() {
        let lower = q.quota_name.to_lowercase();
        let variant = lower.contains("context length")
            || lower.contains("input tokens")
            || lower.contains("output tokens")
            || lower.contains("latency-optimized")
            || lower.contains("bedrock-mantle")
            || lower.contains("per day")
            || lower.contains("job size");
        if !variant {
            continue;
        }
        let as_candidate = fixture_models()
            .iter()
            .flat_map(|id| [candidates(id, Rpm), candidates(id, Tpm)])
            .flatten()
            .any(|code| code == q.quota_code);
        assert!(!as_candidate, "variant {} was matched", q.quota_name);
    }
}

fn fixture_models() -> Vec<&'static str> {
    vec![
        MODEL_ID,
        "us.anthropic.claude-opus-4-6-v1",
        "anthropic.claude-opus-4-6-v1",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "openai.gpt-oss-120b-1:0",
        "us.openai.gpt-oss-120b-1:0",
    ]
}

#[test]
fn fixture_mantle_quota_is_refused_with_its_reason() {
    let mantle = fixture()
        .into_iter()
        .find(|q| q.quota_code == "L-0A1B2C03")
        .unwrap();
    let err =
        check_quota_name(&mantle.quota_name, "us.anthropic.claude-opus-4-6-v1", Rpm).unwrap_err();
    assert!(matches!(err, QuotaNameError::Mantle(_)));
    assert!(err.to_string().contains("bedrock-runtime"));
}

#[test]
fn fixture_every_plain_quota_name_parses() {
    let plain: Vec<_> = fixture()
        .into_iter()
        .filter(|q| parse_quota_name(&q.quota_name).is_ok())
        .collect();
    // 45 names, of which 6 belong to other families (latency-optimized, mantle, daily, batch); the two
    // split input/output token quotas parse as kinds of their own.
    assert_eq!(plain.len(), 39);
}

#[test]
fn fixture_split_token_quotas_are_found_as_their_own_kinds_only() {
    let id = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    assert_eq!(
        candidates(id, QuotaKind::InputTokensPerMinute),
        ["L-6D11B306"]
    );
    assert_eq!(
        candidates(id, QuotaKind::OutputTokensPerMinute),
        ["L-6D11B307"]
    );
    assert!(!candidates(id, Tpm).contains(&"L-6D11B306".to_owned()));
}
