//! Which quota codes apply to a model id: the RPM and TPM quotas of its invocation mode, found in the
//! Region's list of Bedrock quotas with the matching rules of [`crate::quota_match`].
//!
//! Each kind ends in one of three answers, never a guess: exactly one quota ([`KindMatch::Found`]), none
//! ([`KindMatch::None`]: for RPM that means the template's `NA`, for TPM a wrong model id), or several
//! ([`KindMatch::Ambiguous`]: a person picks, the candidates are listed).

use serde::Serialize;

use crate::quota_match::{InvocationMode, QuotaKind, candidate_codes};
use crate::thresholds::{NOT_APPLICABLE, QuotaCode, RpmQuotaCode, TokenQuotaCodes};

/// One quota of the Region's list, as Service Quotas describes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuotaListing {
    pub code: String,
    pub name: String,
    pub value: f64,
    pub adjustable: bool,
}

/// What the list holds for one kind of quota.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum KindMatch {
    Found { quota: QuotaListing },
    None,
    Ambiguous { candidates: Vec<QuotaListing> },
}

impl KindMatch {
    fn of(found: Vec<QuotaListing>) -> KindMatch {
        match <[QuotaListing; 1]>::try_from(found) {
            Ok([quota]) => KindMatch::Found { quota },
            Err(found) if found.is_empty() => KindMatch::None,
            Err(candidates) => KindMatch::Ambiguous { candidates },
        }
    }
}

/// The RPM and TPM quotas of one model id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Discovery {
    pub model_id: String,
    pub mode: InvocationMode,
    /// How many quotas the list held (so "none found" can say what was searched).
    pub searched: usize,
    pub rpm: KindMatch,
    pub tpm: KindMatch,
    /// The split input and output token quotas of a model whose token limit is two quotas.
    pub input_tpm: KindMatch,
    pub output_tpm: KindMatch,
}

/// Why the codes cannot be used as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    #[error(
        "no tokens-per-minute quota of model id '{model_id}' ({mode}) among the {searched} bedrock quotas of the Region: check the model id (an application inference profile is monitored through the model or system profile it wraps)"
    )]
    NoTpmQuota {
        model_id: String,
        mode: InvocationMode,
        searched: usize,
    },
    #[error(
        "the {kind} quota of model id '{model_id}' is ambiguous: {} match; set the code explicitly",
        .candidates.join(", ")
    )]
    Ambiguous {
        model_id: String,
        kind: QuotaKind,
        candidates: Vec<String>,
    },
}

/// What `--model-id` names, once ARNs are unwrapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelRef {
    /// A model id or a system-defined inference profile id (`global.`, `us.`, …), from itself or its ARN
    /// (`…:foundation-model/ID`, `…:inference-profile/ID`): its quotas can be matched by name.
    Id(String),
    /// An application inference profile (`…:application-inference-profile/ID`, or a bare profile id such as
    /// `e5t98lwp1dsr`): its quotas are those of the model or system profile it wraps, which its name does not
    /// tell; Bedrock's GetInferenceProfile does.
    ApplicationProfile(String),
}

impl ModelRef {
    pub fn parse(input: &str) -> ModelRef {
        let input = input.trim();
        if let Some((head, id)) = input.rsplit_once('/')
            && input.starts_with("arn:")
        {
            return if head.ends_with(":application-inference-profile") {
                ModelRef::ApplicationProfile(input.to_owned())
            } else {
                ModelRef::Id(id.to_owned())
            };
        }
        // Model and system-profile ids hold a provider segment (`anthropic.…`); an application profile id is
        // a bare lower-case alphanumeric token.
        if !input.is_empty()
            && !input.contains('.')
            && input
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            ModelRef::ApplicationProfile(input.to_owned())
        } else {
            ModelRef::Id(input.to_owned())
        }
    }
}

/// Matches a model id against the Region's quota list.
pub fn discover(listings: &[QuotaListing], model_id: &str) -> Discovery {
    let mode = InvocationMode::of_model_id(model_id);
    let find = |kind| {
        let codes = candidate_codes(
            listings.iter().map(|q| (q.code.as_str(), q.name.as_str())),
            model_id,
            mode,
            kind,
        );
        KindMatch::of(
            listings
                .iter()
                .filter(|q| codes.contains(&q.code))
                .cloned()
                .collect(),
        )
    };
    Discovery {
        model_id: model_id.trim().to_owned(),
        mode,
        searched: listings.len(),
        rpm: find(QuotaKind::RequestsPerMinute),
        tpm: find(QuotaKind::TokensPerMinute),
        input_tpm: find(QuotaKind::InputTokensPerMinute),
        output_tpm: find(QuotaKind::OutputTokensPerMinute),
    }
}

impl Discovery {
    /// The codes for the template's three token parameters as well: a model with no combined TPM quota but
    /// exactly one input and one output quota gets `TokensPerMinuteQuotaCode=NA` and the split codes;
    /// otherwise as [`Discovery::codes`].
    pub fn token_codes(&self) -> Result<(RpmQuotaCode, TokenQuotaCodes), DiscoveryError> {
        if let (
            KindMatch::None,
            KindMatch::Found { quota: input },
            KindMatch::Found { quota: output },
        ) = (&self.tpm, &self.input_tpm, &self.output_tpm)
        {
            let rpm = self.rpm_code()?;
            let split =
                TokenQuotaCodes::parse(NOT_APPLICABLE, Some(&input.code), Some(&output.code))
                    .map_err(|_| self.no_tpm_quota())?;
            return Ok((rpm, split));
        }
        self.codes()
            .map(|(rpm, tpm)| (rpm, TokenQuotaCodes::Combined(tpm)))
    }

    fn no_tpm_quota(&self) -> DiscoveryError {
        DiscoveryError::NoTpmQuota {
            model_id: self.model_id.clone(),
            mode: self.mode,
            searched: self.searched,
        }
    }

    fn ambiguous(&self, kind: QuotaKind, candidates: &[QuotaListing]) -> DiscoveryError {
        DiscoveryError::Ambiguous {
            model_id: self.model_id.clone(),
            kind,
            candidates: candidates.iter().map(|q| q.code.clone()).collect(),
        }
    }

    /// The RPM code: `NA` when the model has none.
    fn rpm_code(&self) -> Result<RpmQuotaCode, DiscoveryError> {
        let code = match &self.rpm {
            KindMatch::Found { quota } => RpmQuotaCode::parse(&quota.code),
            KindMatch::None => RpmQuotaCode::parse(NOT_APPLICABLE),
            KindMatch::Ambiguous { candidates } => {
                return Err(self.ambiguous(QuotaKind::RequestsPerMinute, candidates));
            }
        };
        // Service Quotas codes always have the `L-…` shape; a listing that does not is treated as absent
        // rather than passed on to the template, which would refuse it.
        code.map_err(|_| self.no_tpm_quota())
    }

    /// The two codes for the template: RPM `NA` when the model has no RPM quota, an error when the TPM
    /// quota is missing or either kind is ambiguous.
    pub fn codes(&self) -> Result<(RpmQuotaCode, QuotaCode), DiscoveryError> {
        let rpm = self.rpm_code()?;
        let tpm = match &self.tpm {
            KindMatch::Found { quota } => QuotaCode::tpm(&quota.code),
            KindMatch::None => return Err(self.no_tpm_quota()),
            KindMatch::Ambiguous { candidates } => {
                return Err(self.ambiguous(QuotaKind::TokensPerMinute, candidates));
            }
        };
        tpm.map(|tpm| (rpm, tpm)).map_err(|_| self.no_tpm_quota())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(code: &str, name: &str) -> QuotaListing {
        QuotaListing {
            code: code.into(),
            name: name.into(),
            value: 100.0,
            adjustable: true,
        }
    }

    const OPUS_RPM: &str =
        "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1";
    const OPUS_TPM: &str =
        "Global cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1";

    #[test]
    fn one_quota_per_kind_gives_both_codes() {
        let list = [
            listing("L-3DD46812", OPUS_RPM),
            listing("L-3DCCFAA4", OPUS_TPM),
        ];
        let found = discover(&list, "global.anthropic.claude-opus-4-6-v1");
        assert_eq!(found.mode, InvocationMode::Global);
        let (rpm, tpm) = found.codes().unwrap();
        assert_eq!(rpm.to_string(), "L-3DD46812");
        assert_eq!(tpm.as_str(), "L-3DCCFAA4");
    }

    #[test]
    fn no_rpm_quota_gives_na_and_no_tpm_quota_is_an_error() {
        let list = [listing("L-3DCCFAA4", OPUS_TPM)];
        let found = discover(&list, "global.anthropic.claude-opus-4-6-v1");
        assert_eq!(found.rpm, KindMatch::None);
        assert_eq!(
            found.codes().unwrap().0,
            RpmQuotaCode::NotApplicable,
            "a model without an RPM quota takes NA"
        );
        let err = discover(&list[..0], "global.anthropic.claude-opus-4-6-v1")
            .codes()
            .unwrap_err();
        assert!(matches!(
            err,
            DiscoveryError::NoTpmQuota { searched: 0, .. }
        ));
    }

    #[test]
    fn split_token_quotas_are_reported_as_tpm_na_with_the_input_and_output_codes() {
        let list = [
            listing(
                "L-1",
                "Cross-region model inference requests per minute for Anthropic Claude Opus 4.8",
            ),
            listing(
                "L-2",
                "Cross-region model inference input tokens per minute for Anthropic Claude Opus 4.8",
            ),
            listing(
                "L-3",
                "Cross-region model inference output tokens per minute for Anthropic Claude Opus 4.8",
            ),
        ];
        let found = discover(&list, "us.anthropic.claude-opus-4-8-v1");
        assert_eq!(found.tpm, KindMatch::None);
        let (rpm, tokens) = found.token_codes().unwrap();
        assert_eq!(rpm.to_string(), "L-1");
        assert_eq!(tokens.tpm_parameter(), "NA");
        let (input, output) = tokens.split().unwrap();
        assert_eq!((input.as_str(), output.as_str()), ("L-2", "L-3"));
        // A combined model is unchanged.
        let opus = [listing("L-3DCCFAA4", OPUS_TPM)];
        let (_, tokens) = discover(&opus, "global.anthropic.claude-opus-4-6-v1")
            .token_codes()
            .unwrap();
        assert_eq!(tokens.combined().unwrap().as_str(), "L-3DCCFAA4");
    }

    #[test]
    fn model_ref_unwraps_arns_and_recognises_application_profiles() {
        let cases = [
            (
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0",
                ModelRef::Id("anthropic.claude-3-5-sonnet-20240620-v1:0".into()),
            ),
            (
                "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-opus-4-8-v1",
                ModelRef::Id("us.anthropic.claude-opus-4-8-v1".into()),
            ),
            (
                "global.anthropic.claude-opus-4-6-v1",
                ModelRef::Id("global.anthropic.claude-opus-4-6-v1".into()),
            ),
            (
                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/e5t98lwp1dsr",
                ModelRef::ApplicationProfile(
                    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/e5t98lwp1dsr"
                        .into(),
                ),
            ),
            (
                "e5t98lwp1dsr",
                ModelRef::ApplicationProfile("e5t98lwp1dsr".into()),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(ModelRef::parse(input), expected, "{input}");
        }
    }

    #[test]
    fn two_matching_quotas_are_ambiguous_and_both_named() {
        let list = [
            listing("L-1", OPUS_TPM),
            listing("L-2", OPUS_TPM),
            listing("L-3", OPUS_RPM),
        ];
        let found = discover(&list, "global.anthropic.claude-opus-4-6-v1");
        let KindMatch::Ambiguous { candidates } = &found.tpm else {
            panic!("{:?}", found.tpm)
        };
        assert_eq!(candidates.len(), 2);
        let err = found.codes().unwrap_err().to_string();
        assert!(err.contains("L-1, L-2"), "{err}");
        assert!(err.contains("tokens per minute"), "{err}");
    }
}
