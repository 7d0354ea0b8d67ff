//! Which model and invocation mode the quota codes must belong to, for any kind of `BedrockModelId`.
//!
//! A model id or a system-defined profile id names its model (no call). An application inference profile id
//! or ARN is opaque: one GetInferenceProfile tells which foundation model it routes to, in which Regions
//! (core's `model_id` turns that into the model and mode). Whatever cannot be resolved is refused with a
//! message that names the id and what to pass instead, because it becomes the stack event a person reads.

use bedrock_ops_aws::AwsError;
use bedrock_ops_aws::inference_profiles::{InferenceProfiles, ProfileType};
use bedrock_ops_core::model_id::{ModelIdKind, QuotaSubject, classify, subject_of_profile_models};

/// What to do instead, appended to every refusal of an application profile.
const INSTEAD: &str = "pass the ID or ARN of an ACTIVE application inference profile of this account and \
                       Region, or set BedrockModelId to the model or system-defined profile id it wraps and \
                       list the profile in ExtraModelIds";

/// The quotas `model_id` draws on; `Ok` without a call unless it is an application profile.
pub async fn quota_subject<B: InferenceProfiles>(
    profiles: &B,
    model_id: &str,
) -> Result<QuotaSubject, String> {
    match classify(model_id).map_err(|e| format!("{e}."))? {
        ModelIdKind::Named { id } => Ok(QuotaSubject::named(&id)),
        ModelIdKind::ApplicationProfile => {
            let profile = profiles.get(model_id).await.map_err(|e| match e {
                AwsError::NotFound { .. } | AwsError::AccessDenied { .. } => format!(
                    "BedrockModelId '{model_id}' is not an inference profile this stack can read ({e}); {INSTEAD}."
                ),
                AwsError::IllegalArgument { .. } => format!(
                    "BedrockModelId '{model_id}' is not a valid inference profile identifier ({e}); {INSTEAD}."
                ),
                other => format!(
                    "Could not read inference profile '{model_id}' to check the quota codes: {other}. \
                     Nothing was changed; update the stack again to retry."
                ),
            })?;
            if profile.status != "ACTIVE" {
                return Err(format!(
                    "BedrockModelId '{model_id}': inference profile {} is {}, not ACTIVE; {INSTEAD}.",
                    profile.arn, profile.status
                ));
            }
            if profile.kind == ProfileType::SystemDefined {
                return Ok(QuotaSubject::named(&profile.id));
            }
            subject_of_profile_models(&profile.model_arns).map_err(|why| {
                format!(
                    "BedrockModelId '{model_id}': application inference profile {} cannot be matched to one \
                     model's quotas: {why}; {INSTEAD}.",
                    profile.arn
                )
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use bedrock_ops_aws::inference_profiles::InferenceProfile;
    use bedrock_ops_aws::inference_profiles::memory::MemoryInferenceProfiles;
    use bedrock_ops_core::quota_match::InvocationMode;

    use super::*;

    const OPUS: &str = "anthropic.claude-opus-4-6-v1";
    const ARN: &str =
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6";

    fn profile(regions: &[&str]) -> InferenceProfile {
        InferenceProfile {
            id: "a1b2c3d4e5f6".into(),
            arn: ARN.into(),
            kind: ProfileType::Application,
            status: "ACTIVE".into(),
            model_arns: regions
                .iter()
                .map(|r| format!("arn:aws:bedrock:{r}::foundation-model/{OPUS}"))
                .collect(),
        }
    }

    fn run<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn model_and_system_profile_ids_need_no_call() {
        let profiles = MemoryInferenceProfiles::new();
        for id in [
            OPUS.to_owned(),
            format!("global.{OPUS}"),
            format!("us-gov.{OPUS}"),
        ] {
            let subject = run(quota_subject(&profiles, &id)).unwrap();
            assert_eq!(subject, QuotaSubject::named(&id));
        }
        assert_eq!(profiles.total_calls(), 0);
    }

    #[test]
    fn an_application_profile_arn_or_id_resolves_to_the_model_it_wraps() {
        let profiles = MemoryInferenceProfiles::new().with(profile(&["us-east-1", "us-west-2"]));
        for id in [ARN, "a1b2c3d4e5f6"] {
            let subject = run(quota_subject(&profiles, id)).unwrap();
            assert_eq!(subject.model_id, OPUS);
            assert_eq!(
                subject.modes,
                [InvocationMode::CrossRegion, InvocationMode::Global]
            );
        }
        assert_eq!(profiles.calls("GetInferenceProfile"), 2);
    }

    #[test]
    fn an_unknown_profile_is_refused_naming_the_id_and_what_to_pass() {
        let profiles = MemoryInferenceProfiles::new();
        let err = run(quota_subject(&profiles, ARN)).unwrap_err();
        assert!(err.contains(&format!("BedrockModelId '{ARN}'")), "{err}");
        assert!(err.contains("not found"), "{err}");
        assert!(err.contains("ExtraModelIds"), "{err}");
    }

    #[test]
    fn a_throttled_read_says_nothing_was_changed_and_how_to_retry() {
        let profiles = MemoryInferenceProfiles::new().with(profile(&["us-east-1"]));
        profiles.fail_next(
            "GetInferenceProfile",
            AwsError::Throttled {
                service: "bedrock",
                operation: "GetInferenceProfile",
                message: "slow down".into(),
            },
        );
        let err = run(quota_subject(&profiles, ARN)).unwrap_err();
        assert!(err.contains("update the stack again"), "{err}");
    }

    #[test]
    fn an_inactive_profile_or_one_of_two_models_is_refused() {
        let mut inactive = profile(&["us-east-1"]);
        inactive.status = "DELETING".into();
        let err = run(quota_subject(
            &MemoryInferenceProfiles::new().with(inactive),
            ARN,
        ))
        .unwrap_err();
        assert!(err.contains("is DELETING, not ACTIVE"), "{err}");
        let mut mixed = profile(&["us-east-1"]);
        mixed
            .model_arns
            .push("arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0".into());
        let err = run(quota_subject(
            &MemoryInferenceProfiles::new().with(mixed),
            ARN,
        ))
        .unwrap_err();
        assert!(err.contains("more than one model"), "{err}");
    }

    #[test]
    fn a_provisioned_model_arn_is_refused_without_a_call() {
        let profiles = MemoryInferenceProfiles::new();
        let err = run(quota_subject(
            &profiles,
            "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc",
        ))
        .unwrap_err();
        assert!(err.contains("provisioned-model"), "{err}");
        assert_eq!(profiles.total_calls(), 0);
    }
}
