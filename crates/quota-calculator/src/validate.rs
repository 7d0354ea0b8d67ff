//! Deploy-time guard: the quota codes of the stack must be this model's quotas, in the right invocation mode
//! and of the right kind, checked against the service's own list (ListServiceQuotas, every page).
//!
//! The matching rules are the core's (`quota_match`); this module only turns their verdicts into one
//! readable reason that also lists the codes that would be right, so a failed stack tells the person what
//! to type instead of only what was wrong.

use bedrock_ops_aws::quotas::QuotaInfo;
use bedrock_ops_core::model_id::QuotaSubject;
use bedrock_ops_core::quota_match::{QuotaKind, candidate_codes, check_quota_name_in};
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

fn modes_text(subject: &QuotaSubject) -> String {
    subject
        .modes
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The quotas of the subject's model and kind in any of its modes.
fn candidates<'a>(
    quotas: &'a [QuotaInfo],
    subject: &QuotaSubject,
    kind: QuotaKind,
) -> Vec<&'a QuotaInfo> {
    let codes: Vec<String> = subject
        .modes
        .iter()
        .flat_map(|&mode| {
            candidate_codes(
                quotas.iter().map(|q| (q.code.as_str(), q.name.as_str())),
                &subject.model_id,
                mode,
                kind,
            )
        })
        .collect();
    quotas.iter().filter(|q| codes.contains(&q.code)).collect()
}

fn candidates_text(quotas: &[QuotaInfo], subject: &QuotaSubject, kind: QuotaKind) -> String {
    let model_id = &subject.model_id;
    let modes = modes_text(subject);
    let found = candidates(quotas, subject, kind);
    if found.is_empty() {
        return format!(
            "No {kind} quota of model {model_id} ({modes}) is among the {} bedrock quotas of this Region; \
             check BedrockModelId: a model id, a system-defined inference profile id (us., eu., apac., jp., \
             au., ca., us-gov. or global. and the model id) or an application inference profile id or ARN.",
            quotas.len()
        );
    }
    let list = found
        .iter()
        .map(|q| format!("{} (\"{}\")", q.code, q.name))
        .collect::<Vec<_>>()
        .join(", ");
    format!("Candidates for model {model_id} ({modes}, {kind}): {list}.")
}

fn check_code(
    quotas: &[QuotaInfo],
    subject: &QuotaSubject,
    kind: QuotaKind,
    code: &QuotaCode,
) -> Option<String> {
    let name = property(kind);
    let problem = match quotas.iter().find(|q| q.code == code.as_str()) {
        None => format!("{name} {code} is not a bedrock quota in this Region."),
        Some(quota) => {
            // Accepted in any of the subject's modes; the first mode's refusal is the one reported.
            let verdicts: Vec<_> = subject
                .modes
                .iter()
                .map(|&mode| check_quota_name_in(&quota.name, &subject.model_id, mode, kind))
                .collect();
            if verdicts.iter().any(Result::is_ok) {
                return None;
            }
            match verdicts.into_iter().find_map(Result::err) {
                Some(err) => format!("{name} {code} does not fit: {err}."),
                None => return None,
            }
        }
    };
    Some(format!(
        "{problem} {}",
        candidates_text(quotas, subject, kind)
    ))
}

fn rpm_problems(quotas: &[QuotaInfo], subject: &QuotaSubject, rpm: &RpmQuotaCode) -> Vec<String> {
    let model_id = &subject.model_id;
    match rpm {
        RpmQuotaCode::Code(code) => check_code(quotas, subject, QuotaKind::RequestsPerMinute, code)
            .into_iter()
            .collect(),
        RpmQuotaCode::NotApplicable => {
            let found = candidates(quotas, subject, QuotaKind::RequestsPerMinute);
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
                candidates_text(quotas, subject, QuotaKind::RequestsPerMinute)
            )]
        }
    }
}

/// For a TPM code of `NA` without split codes: what to pass instead, the split codes when the model has them.
fn tpm_na_problem(quotas: &[QuotaInfo], subject: &QuotaSubject) -> String {
    let model_id = &subject.model_id;
    let input = candidates(quotas, subject, QuotaKind::InputTokensPerMinute);
    let output = candidates(quotas, subject, QuotaKind::OutputTokensPerMinute);
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
        candidates_text(quotas, subject, QuotaKind::TokensPerMinute)
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
    subject: &QuotaSubject,
    rpm: &RpmQuotaCode,
    tpm: Option<&QuotaCode>,
) -> Result<ValidCodes, ValidationError> {
    let mut problems = rpm_problems(quotas, subject, rpm);
    match tpm {
        Some(code) => {
            problems.extend(check_code(
                quotas,
                subject,
                QuotaKind::TokensPerMinute,
                code,
            ));
        }
        None => problems.push(tpm_na_problem(quotas, subject)),
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
    subject: &QuotaSubject,
    rpm: &RpmQuotaCode,
    input: &QuotaCode,
    output: &QuotaCode,
) -> Result<(), ValidationError> {
    let mut problems = rpm_problems(quotas, subject, rpm);
    problems.extend(check_code(
        quotas,
        subject,
        QuotaKind::InputTokensPerMinute,
        input,
    ));
    problems.extend(check_code(
        quotas,
        subject,
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

    use bedrock_ops_core::quota_match::InvocationMode;

    use super::*;

    fn named(id: &str) -> QuotaSubject {
        QuotaSubject::named(id)
    }

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
        let ok = validate_codes(
            &fixture(),
            &named(MODEL_ID),
            &rpm(RPM_CODE),
            Some(&code(TPM_CODE)),
        )
        .unwrap();
        assert_eq!(ok.tpm.as_str(), TPM_CODE);
    }

    #[test]
    fn cross_region_and_apac_profiles_pass_with_their_cross_region_codes() {
        let quotas = fixture();
        assert!(
            validate_codes(
                &quotas,
                &named("us.anthropic.claude-opus-4-6-v1"),
                &rpm("L-4B7E2D10"),
                Some(&code("L-4B7E2D11"))
            )
            .is_ok()
        );
        let apac = "apac.anthropic.claude-sonnet-4-5-20250929-v1:0";
        assert!(
            validate_codes(
                &quotas,
                &named(apac),
                &rpm("L-6D11B301"),
                Some(&code("L-6D11B302"))
            )
            .is_ok()
        );
    }

    #[test]
    fn the_1m_context_length_variant_is_refused_and_the_real_code_named() {
        let err = validate_codes(
            &fixture(),
            &named(MODEL_ID),
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
            &named(MODEL_ID),
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
            &named(MODEL_ID),
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
            &named("acme.tiny-v1:0"),
            &RpmQuotaCode::NotApplicable,
            Some(&code("L-00000001")),
        )
        .unwrap();
        assert_eq!(ok.rpm, RpmQuotaCode::NotApplicable);
        let err = validate_codes(
            &quotas,
            &named(MODEL_ID),
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
        let err = validate_codes(&fixture(), &named(MODEL_ID), &rpm(RPM_CODE), None)
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
            &named("us.anthropic.claude-opus-4-6-v1"),
            &rpm("L-0A1B2C03"),
            Some(&code("L-4B7E2D11")),
        )
        .unwrap_err()
        .0;
        assert!(err.contains("bedrock-mantle"), "{err}");
        let err = validate_codes(
            &quotas,
            &named("acme.unknown-v1:0"),
            &rpm(RPM_CODE),
            Some(&code(TPM_CODE)),
        )
        .unwrap_err()
        .0;
        assert!(
            err.contains("No requests per minute quota of model acme.unknown-v1:0 (on-demand)"),
            "{err}"
        );
        assert!(
            err.contains("application inference profile id or ARN"),
            "{err}"
        );
    }

    fn wrapped(modes: &[InvocationMode]) -> QuotaSubject {
        QuotaSubject {
            model_id: "anthropic.claude-opus-4-6-v1".into(),
            modes: modes.to_vec(),
        }
    }

    #[test]
    fn an_application_profile_across_regions_takes_the_global_or_the_cross_region_codes() {
        use InvocationMode::{CrossRegion, Global};
        let quotas = fixture();
        let subject = wrapped(&[CrossRegion, Global]);
        assert!(validate_codes(&quotas, &subject, &rpm(RPM_CODE), Some(&code(TPM_CODE))).is_ok());
        assert!(
            validate_codes(
                &quotas,
                &subject,
                &rpm("L-4B7E2D10"),
                Some(&code("L-4B7E2D11"))
            )
            .is_ok()
        );
        let err = validate_codes(&quotas, &subject, &rpm(RPM_CODE), Some(&code("L-9A1F0C22")))
            .unwrap_err()
            .0;
        assert!(
            err.contains("cross-region or global, tokens per minute"),
            "{err}"
        );
    }

    #[test]
    fn an_application_profile_of_one_region_refuses_the_global_codes() {
        let err = validate_codes(
            &fixture(),
            &wrapped(&[InvocationMode::OnDemand]),
            &rpm(RPM_CODE),
            Some(&code(TPM_CODE)),
        )
        .unwrap_err()
        .0;
        assert!(err.contains("does not fit"), "{err}");
        assert!(err.contains("(on-demand)"), "{err}");
    }
}
