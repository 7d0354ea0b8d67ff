//! Deploy-time guard: the quota codes of the stack must be this model's quotas, in the right invocation mode
//! and of the right kind, checked against the service's own list (ListServiceQuotas, every page).
//!
//! The matching rules are the core's (`quota_match`); this module only turns their verdicts into one
//! readable reason that also lists the codes that would be right, so a failed stack tells the person what
//! to type instead of only what was wrong.

use bedrock_ops_aws::quotas::QuotaInfo;
use bedrock_ops_core::quota_match::{InvocationMode, QuotaKind, candidate_codes, check_quota_name};
use bedrock_ops_core::thresholds::{QuotaCode, RpmQuotaCode};

use crate::properties::{
    INPUT_TPM_QUOTA_CODE, OUTPUT_TPM_QUOTA_CODE, RPM_QUOTA_CODE, TPM_QUOTA_CODE,
};

/// Why the codes were refused, every problem in one text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(pub String);

/// Codes that passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCodes {
    pub rpm: RpmQuotaCode,
    pub tpm: QuotaCode,
}

fn property(kind: QuotaKind) -> &'static str {
    match kind {
        QuotaKind::RequestsPerMinute => RPM_QUOTA_CODE,
        QuotaKind::TokensPerMinute => TPM_QUOTA_CODE,
        QuotaKind::InputTokensPerMinute => INPUT_TPM_QUOTA_CODE,
        QuotaKind::OutputTokensPerMinute => OUTPUT_TPM_QUOTA_CODE,
    }
}

fn candidates<'a>(quotas: &'a [QuotaInfo], model_id: &str, kind: QuotaKind) -> Vec<&'a QuotaInfo> {
    let mode = InvocationMode::of_model_id(model_id);
    let codes = candidate_codes(
        quotas.iter().map(|q| (q.code.as_str(), q.name.as_str())),
        model_id,
        mode,
        kind,
    );
    quotas.iter().filter(|q| codes.contains(&q.code)).collect()
}

fn candidates_text(quotas: &[QuotaInfo], model_id: &str, kind: QuotaKind) -> String {
    let mode = InvocationMode::of_model_id(model_id);
    let found = candidates(quotas, model_id, kind);
    if found.is_empty() {
        return format!(
            "No {kind} quota of model {model_id} ({mode}) is among the {} bedrock quotas of this Region; \
             check BedrockModelId (for an application inference profile, monitor the model or system \
             profile it wraps and list the profile in ExtraModelIds).",
            quotas.len()
        );
    }
    let list = found
        .iter()
        .map(|q| format!("{} (\"{}\")", q.code, q.name))
        .collect::<Vec<_>>()
        .join(", ");
    format!("Candidates for model {model_id} ({mode}, {kind}): {list}.")
}

fn check_code(
    quotas: &[QuotaInfo],
    model_id: &str,
    kind: QuotaKind,
    code: &QuotaCode,
) -> Option<String> {
    let name = property(kind);
    let problem = match quotas.iter().find(|q| q.code == code.as_str()) {
        None => format!("{name} {code} is not a bedrock quota in this Region."),
        Some(quota) => match check_quota_name(&quota.name, model_id, kind) {
            Ok(_) => return None,
            Err(err) => format!("{name} {code} does not fit: {err}."),
        },
    };
    Some(format!(
        "{problem} {}",
        candidates_text(quotas, model_id, kind)
    ))
}

fn rpm_problems(quotas: &[QuotaInfo], model_id: &str, rpm: &RpmQuotaCode) -> Vec<String> {
    match rpm {
        RpmQuotaCode::Code(code) => {
            check_code(quotas, model_id, QuotaKind::RequestsPerMinute, code)
                .into_iter()
                .collect()
        }
        RpmQuotaCode::NotApplicable => {
            let found = candidates(quotas, model_id, QuotaKind::RequestsPerMinute);
            if found.is_empty() {
                return Vec::new();
            }
            vec![format!(
                "{RPM_QUOTA_CODE} is NA (no RPM quota), but model {model_id} has one: set it to {}. {}",
                found
                    .iter()
                    .map(|q| q.code.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
                candidates_text(quotas, model_id, QuotaKind::RequestsPerMinute)
            )]
        }
    }
}

/// For a TPM code of `NA` without split codes: what to pass instead, the split codes when the model has them.
fn tpm_na_problem(quotas: &[QuotaInfo], model_id: &str) -> String {
    let input = candidates(quotas, model_id, QuotaKind::InputTokensPerMinute);
    let output = candidates(quotas, model_id, QuotaKind::OutputTokensPerMinute);
    if let ([input], [output]) = (input.as_slice(), output.as_slice()) {
        return format!(
            "{TPM_QUOTA_CODE} is NA, but the split token quota codes are missing: model {model_id} has an \
             input and an output tokens-per-minute quota, so set {INPUT_TPM_QUOTA_CODE} to {} and \
             {OUTPUT_TPM_QUOTA_CODE} to {}.",
            input.code, output.code
        );
    }
    format!(
        "{TPM_QUOTA_CODE} cannot be NA: every Bedrock model has a tokens-per-minute quota, and the TPM \
         alarm needs it. {}",
        candidates_text(quotas, model_id, QuotaKind::TokensPerMinute)
    )
}

fn failed(problems: Vec<String>) -> ValidationError {
    ValidationError(format!(
        "Quota code validation failed: {}",
        problems.join(" ")
    ))
}

/// Checks both codes against the service's quota list; `tpm` is `None` when the template passed `NA`.
pub fn validate_codes(
    quotas: &[QuotaInfo],
    model_id: &str,
    rpm: &RpmQuotaCode,
    tpm: Option<&QuotaCode>,
) -> Result<ValidCodes, ValidationError> {
    let mut problems = rpm_problems(quotas, model_id, rpm);
    match tpm {
        Some(code) => {
            problems.extend(check_code(
                quotas,
                model_id,
                QuotaKind::TokensPerMinute,
                code,
            ));
        }
        None => problems.push(tpm_na_problem(quotas, model_id)),
    }
    match (problems.is_empty(), tpm) {
        (true, Some(tpm)) => Ok(ValidCodes {
            rpm: rpm.clone(),
            tpm: tpm.clone(),
        }),
        _ => Err(failed(problems)),
    }
}

/// Checks the RPM code and the split input and output token codes of a model whose token limit is split.
pub fn validate_split_codes(
    quotas: &[QuotaInfo],
    model_id: &str,
    rpm: &RpmQuotaCode,
    input: &QuotaCode,
    output: &QuotaCode,
) -> Result<(), ValidationError> {
    let mut problems = rpm_problems(quotas, model_id, rpm);
    problems.extend(check_code(
        quotas,
        model_id,
        QuotaKind::InputTokensPerMinute,
        input,
    ));
    problems.extend(check_code(
        quotas,
        model_id,
        QuotaKind::OutputTokensPerMinute,
        output,
    ));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(failed(problems))
    }
}

#[cfg(test)]
mod tests {
    use bedrock_ops_aws::quotas::QuotaSource;
    use bedrock_ops_core::thresholds::SERVICE_CODE;
    use bedrock_ops_testkit::fixtures::{MODEL_ID, RPM_CODE, TPM_CODE, TPM_NAME};
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Fixture {
        quotas: Vec<FixtureQuota>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct FixtureQuota {
        quota_code: String,
        quota_name: String,
        value: f64,
    }

    /// The core's fixture of real-style Bedrock quota names, as ListServiceQuotas would return them.
    fn fixture() -> Vec<QuotaInfo> {
        let text = include_str!("../../core/tests/fixtures/bedrock_quota_names.json");
        let fixture: Fixture = serde_json::from_str(text).unwrap();
        fixture
            .quotas
            .into_iter()
            .map(|q| QuotaInfo {
                service_code: SERVICE_CODE.into(),
                code: q.quota_code,
                name: q.quota_name,
                value: q.value,
                adjustable: true,
                unit: None,
                source: QuotaSource::Applied,
            })
            .collect()
    }

    fn code(c: &str) -> QuotaCode {
        QuotaCode::new(c).unwrap()
    }

    fn rpm(c: &str) -> RpmQuotaCode {
        RpmQuotaCode::parse(c).unwrap()
    }

    #[test]
    fn right_codes_for_global_opus_pass() {
        let ok =
            validate_codes(&fixture(), MODEL_ID, &rpm(RPM_CODE), Some(&code(TPM_CODE))).unwrap();
        assert_eq!(ok.tpm.as_str(), TPM_CODE);
    }

    #[test]
    fn cross_region_and_apac_profiles_pass_with_their_cross_region_codes() {
        let quotas = fixture();
        assert!(
            validate_codes(
                &quotas,
                "us.anthropic.claude-opus-4-6-v1",
                &rpm("L-4B7E2D10"),
                Some(&code("L-4B7E2D11"))
            )
            .is_ok()
        );
        let apac = "apac.anthropic.claude-sonnet-4-5-20250929-v1:0";
        assert!(
            validate_codes(&quotas, apac, &rpm("L-6D11B301"), Some(&code("L-6D11B302"))).is_ok()
        );
    }

    #[test]
    fn the_1m_context_length_variant_is_refused_and_the_real_code_named() {
        let err = validate_codes(
            &fixture(),
            MODEL_ID,
            &rpm(RPM_CODE),
            Some(&code("L-9A1F0C22")),
        )
        .unwrap_err()
        .0;
        assert!(
            err.contains("TokensPerMinuteQuotaCode L-9A1F0C22 does not fit"),
            "{err}"
        );
        assert!(
            err.contains(&format!("{TPM_CODE} (\"{TPM_NAME}\")")),
            "{err}"
        );
        assert!(!err.contains("RequestsPerMinuteQuotaCode"), "{err}");
    }

    #[test]
    fn a_code_of_the_wrong_mode_is_refused_with_the_candidates_of_the_right_mode() {
        // The cross-region Opus quota for a global profile.
        let err = validate_codes(
            &fixture(),
            MODEL_ID,
            &rpm("L-4B7E2D10"),
            Some(&code(TPM_CODE)),
        )
        .unwrap_err()
        .0;
        assert!(
            err.contains("RequestsPerMinuteQuotaCode L-4B7E2D10 does not fit"),
            "{err}"
        );
        assert!(err.contains("cross-region quota"), "{err}");
        assert!(
            err.contains(&format!(
                "Candidates for model {MODEL_ID} (global, requests per minute): {RPM_CODE}"
            )),
            "{err}"
        );
    }

    #[test]
    fn a_swapped_kind_and_an_unknown_code_are_both_reported() {
        let err = validate_codes(
            &fixture(),
            MODEL_ID,
            &rpm(TPM_CODE),
            Some(&code("L-FFFFFFFF")),
        )
        .unwrap_err()
        .0;
        assert!(
            err.contains(&format!(
                "RequestsPerMinuteQuotaCode {TPM_CODE} does not fit"
            )),
            "{err}"
        );
        assert!(
            err.contains("TokensPerMinuteQuotaCode L-FFFFFFFF is not a bedrock quota"),
            "{err}"
        );
    }

    #[test]
    fn rpm_na_is_accepted_only_when_the_model_has_no_rpm_quota() {
        let quotas = fixture();
        // A model with a TPM quota and no RPM quota.
        let mut with_tpm_only = quotas.clone();
        with_tpm_only.push(QuotaInfo {
            code: "L-00000001".into(),
            name: "On-demand model inference tokens per minute for Acme Tiny".into(),
            ..quotas[0].clone()
        });
        let ok = validate_codes(
            &with_tpm_only,
            "acme.tiny-v1:0",
            &RpmQuotaCode::NotApplicable,
            Some(&code("L-00000001")),
        )
        .unwrap();
        assert_eq!(ok.rpm, RpmQuotaCode::NotApplicable);
        let err = validate_codes(
            &quotas,
            MODEL_ID,
            &RpmQuotaCode::NotApplicable,
            Some(&code(TPM_CODE)),
        )
        .unwrap_err()
        .0;
        assert!(
            err.contains(&format!(
                "RequestsPerMinuteQuotaCode is NA (no RPM quota), but model {MODEL_ID} has one: set it to {RPM_CODE}"
            )),
            "{err}"
        );
    }

    #[test]
    fn tpm_na_is_refused_clearly_with_the_right_code() {
        let err = validate_codes(&fixture(), MODEL_ID, &rpm(RPM_CODE), None)
            .unwrap_err()
            .0;
        assert!(
            err.contains("TokensPerMinuteQuotaCode cannot be NA"),
            "{err}"
        );
        assert!(err.contains(TPM_CODE), "{err}");
    }

    #[test]
    fn mantle_quotas_and_unknown_models_say_what_to_check() {
        let quotas = fixture();
        let err = validate_codes(
            &quotas,
            "us.anthropic.claude-opus-4-6-v1",
            &rpm("L-0A1B2C03"),
            Some(&code("L-4B7E2D11")),
        )
        .unwrap_err()
        .0;
        assert!(err.contains("bedrock-mantle"), "{err}");
        let err = validate_codes(
            &quotas,
            "e5t98lwp1dsr",
            &rpm(RPM_CODE),
            Some(&code(TPM_CODE)),
        )
        .unwrap_err()
        .0;
        assert!(
            err.contains("No requests per minute quota of model e5t98lwp1dsr (on-demand)"),
            "{err}"
        );
        assert!(err.contains("ExtraModelIds"), "{err}");
    }
}
