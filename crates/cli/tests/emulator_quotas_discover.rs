//! `bedrock-ops-alert quotas discover` against the local AWS emulator, whose Service Quotas fake is seeded with
//! the core's fixture of Bedrock quota names (crates/core/tests/fixtures/bedrock_quota_names.json) plus a model
//! that has only a tokens-per-minute quota and a model whose quota is listed twice. Needs `--features emulator`.

use std::process::{Command, Output};
use std::sync::MutexGuard;

use bedrock_ops_testkit::emulator::{Emulator, SeedQuota, take_turn};
use bedrock_ops_testkit::fixtures::{MODEL_ID, RPM_CODE, TPM_CODE};
use serde_json::Value;

/// A Titan-style embedding model with a TPM quota and no RPM quota.
const TPM_ONLY_MODEL: &str = "amazon.titan-embed-text-v2:0";
const TPM_ONLY_CODE: &str = "L-EE000002";

fn session() -> (MutexGuard<'static, ()>, &'static Emulator) {
    let turn = take_turn();
    let emulator = Emulator::shared().expect("emulator starts");
    emulator.reset().unwrap();
    let mut quotas = SeedQuota::bedrock_fixture();
    quotas.push(SeedQuota::bedrock(
        TPM_ONLY_CODE,
        "On-demand model inference tokens per minute for Amazon Titan Embed Text V2",
        300_000.0,
    ));
    // Two codes under one name: the kind is ambiguous, both must be listed.
    for code in ["L-AB000001", "L-AB000002"] {
        quotas.push(SeedQuota::bedrock(
            code,
            "Cross-region model inference requests per minute for Acme Nano",
            100.0,
        ));
    }
    quotas.push(SeedQuota::bedrock(
        "L-AB000003",
        "Cross-region model inference tokens per minute for Acme Nano",
        100_000.0,
    ));
    emulator.seed_quotas(&quotas, &[]).unwrap();
    (turn, emulator)
}

fn discover(emulator: &Emulator, model_id: &str, json: bool) -> Output {
    let mut args = vec![
        "quotas",
        "discover",
        "--model-id",
        model_id,
        "--region",
        "us-east-1",
    ];
    if json {
        args.push("--json");
    }
    emulator
        .child_env(&mut Command::new(env!("CARGO_BIN_EXE_bedrock-ops-alert")))
        .args(args)
        .output()
        .expect("binary runs")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn codes(emulator: &Emulator, model_id: &str) -> (String, String) {
    let output = discover(emulator, model_id, true);
    assert!(output.status.success(), "{model_id}: {output:?}");
    let view = json_of(&output);
    (
        view["parameters"]["RequestsPerMinuteQuotaCode"]
            .as_str()
            .unwrap()
            .to_owned(),
        view["parameters"]["TokensPerMinuteQuotaCode"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

#[test]
fn discover_finds_the_blogs_codes_for_global_opus_with_names_values_and_adjustability() {
    let (_turn, emulator) = session();
    let output = discover(emulator, MODEL_ID, false);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "{MODEL_ID} (global) in us-east-1: 49 bedrock quotas searched\n"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "RPM  {RPM_CODE}  10,000  adjustable  Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1\n"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "TPM  {TPM_CODE}  6,250,000  adjustable  Global cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1\n"
        )),
        "{text}"
    );
    assert!(
        text.ends_with(&format!(
            "For sam deploy: RequestsPerMinuteQuotaCode={RPM_CODE} TokensPerMinuteQuotaCode={TPM_CODE}\n"
        )),
        "{text}"
    );
    assert_eq!(
        codes(emulator, MODEL_ID),
        (RPM_CODE.to_owned(), TPM_CODE.to_owned())
    );
}

#[test]
fn discover_finds_geo_profile_codes_for_us_eu_apac_and_jp() {
    let (_turn, emulator) = session();
    let cases = [
        (
            "us.anthropic.claude-opus-4-6-v1",
            "L-4B7E2D10",
            "L-4B7E2D11",
        ),
        (
            "eu.anthropic.claude-opus-4-6-v1",
            "L-4B7E2D10",
            "L-4B7E2D11",
        ),
        (
            "apac.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "L-6D11B301",
            "L-6D11B302",
        ),
        (
            "jp.anthropic.claude-sonnet-4-20250514-v1:0",
            "L-7E20C401",
            "L-7E20C402",
        ),
    ];
    for (model_id, rpm, tpm) in cases {
        assert_eq!(
            codes(emulator, model_id),
            (rpm.to_owned(), tpm.to_owned()),
            "{model_id}"
        );
        assert_eq!(
            json_of(&discover(emulator, model_id, true))["mode"],
            "cross-region"
        );
    }
}

#[test]
fn discover_finds_on_demand_codes_for_a_base_model_id() {
    let (_turn, emulator) = session();
    let model_id = "anthropic.claude-3-5-sonnet-20240620-v1:0";
    assert_eq!(
        codes(emulator, model_id),
        ("L-A042E601".to_owned(), "L-A042E602".to_owned())
    );
    assert_eq!(
        json_of(&discover(emulator, model_id, true))["mode"],
        "on-demand"
    );
}

#[test]
fn discover_says_na_for_a_model_without_an_rpm_quota() {
    let (_turn, emulator) = session();
    let output = discover(emulator, TPM_ONLY_MODEL, false);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("RPM  none: the model has no requests-per-minute quota of this mode (RequestsPerMinuteQuotaCode=NA)"),
        "{text}"
    );
    assert!(
        text.ends_with(&format!(
            "RequestsPerMinuteQuotaCode=NA TokensPerMinuteQuotaCode={TPM_ONLY_CODE}\n"
        )),
        "{text}"
    );
    let view = json_of(&discover(emulator, TPM_ONLY_MODEL, true));
    assert_eq!(view["rpm"]["result"], "none");
    assert_eq!(view["parameters"]["RequestsPerMinuteQuotaCode"], "NA");
}

#[test]
fn discover_lists_the_candidates_of_an_ambiguous_match_and_fails() {
    let (_turn, emulator) = session();
    let output = discover(emulator, "us.acme.nano-v1:0", false);
    assert!(!output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("RPM  ambiguous: 2 quotas match, pick one:"),
        "{text}"
    );
    assert!(
        text.contains("       L-AB000001  100  adjustable"),
        "{text}"
    );
    assert!(
        text.contains("       L-AB000002  100  adjustable"),
        "{text}"
    );
    assert!(!text.contains("For sam deploy"), "{text}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("L-AB000001, L-AB000002"), "{stderr}");
}

#[test]
fn discover_fails_clearly_for_an_unknown_model() {
    let (_turn, emulator) = session();
    let output = discover(emulator, "global.amazon.nova-pro-v1:0", true);
    assert!(!output.status.success());
    let view = json_of(&output);
    assert_eq!(view["tpm"]["result"], "none");
    assert!(view["parameters"].is_null());
    assert!(
        view["error"].as_str().unwrap().contains(
            "no tokens-per-minute quota of model id 'global.amazon.nova-pro-v1:0' (global)"
        ),
        "{view}"
    );
}

#[test]
fn discover_reports_split_token_quotas_with_the_three_parameters_to_pass() {
    use bedrock_ops_testkit::testbed::calculator::{
        SPLIT_INPUT_CODE, SPLIT_MODEL_ID, SPLIT_OUTPUT_CODE, SPLIT_RPM_CODE, split_token_quotas,
    };
    let (_turn, emulator) = session();
    emulator.seed_quotas(&split_token_quotas(), &[]).unwrap();
    let output = discover(emulator, SPLIT_MODEL_ID, true);
    assert!(output.status.success(), "{output:?}");
    let view = json_of(&output);
    assert_eq!(view["tpm"]["result"], "none");
    assert_eq!(view["input_tpm"]["quota"]["code"], SPLIT_INPUT_CODE);
    let parameters = &view["parameters"];
    assert_eq!(parameters["RequestsPerMinuteQuotaCode"], SPLIT_RPM_CODE);
    assert_eq!(parameters["TokensPerMinuteQuotaCode"], "NA");
    assert_eq!(
        parameters["InputTokensPerMinuteQuotaCode"],
        SPLIT_INPUT_CODE
    );
    assert_eq!(
        parameters["OutputTokensPerMinuteQuotaCode"],
        SPLIT_OUTPUT_CODE
    );

    let human = discover(emulator, SPLIT_MODEL_ID, false);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains(&format!(
            "TokensPerMinuteQuotaCode=NA InputTokensPerMinuteQuotaCode={SPLIT_INPUT_CODE} \
             OutputTokensPerMinuteQuotaCode={SPLIT_OUTPUT_CODE}"
        )),
        "{text}"
    );
}

#[test]
fn discover_accepts_arns_and_explains_an_application_inference_profile() {
    let (_turn, emulator) = session();
    let arn = format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{MODEL_ID}");
    assert_eq!(
        codes(emulator, &arn),
        (RPM_CODE.to_owned(), TPM_CODE.to_owned())
    );

    let profile =
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/e5t98lwp1dsr";
    emulator.reset_calls().unwrap();
    let output = discover(emulator, profile, false);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is an application inference profile")
            && stderr.contains("get-inference-profile"),
        "{stderr}"
    );
    assert!(
        emulator.calls().unwrap().is_empty(),
        "refused before any call"
    );
}
