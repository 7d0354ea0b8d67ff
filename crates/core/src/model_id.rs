//! What kind of id `BedrockModelId` holds, and which model and invocation mode its quotas are named after.
//!
//! CloudWatch reports Bedrock traffic under the id the caller passed (`ModelId` dimension), and each kind of
//! id draws on a different family of quotas:
//!
//! | id | example | quotas |
//! |---|---|---|
//! | foundation model id (or its ARN) | `anthropic.claude-3-5-haiku-20241022-v1:0` | "On-demand model inference …" |
//! | system-defined profile id (or its ARN) | `us.anthropic.…`, `eu.`, `apac.`, `jp.`, `au.`, `ca.`, `us-gov.` | "Cross-region model inference …" |
//! | global system-defined profile | `global.anthropic.…` | "Global cross-region model inference …" |
//! | application profile id or ARN | `a1b2c3d4e5f6`, `arn:aws:bedrock:…:application-inference-profile/a1b2c3d4e5f6` | those of what it wraps |
//!
//! The first three name their model; an application profile's id is opaque, so the quota calculator asks
//! Bedrock (GetInferenceProfile) for the model ARNs it routes to and [`subject_of_profile_models`] reads the
//! model and the mode from them: one model ARN in one Region is on-demand; a Region-less model ARN is the
//! global profile; several Regions are a cross-Region profile, geographic or global (the API does not say
//! which it was copied from, so both families are accepted rather than guessing).

use std::fmt;

use crate::quota_match::InvocationMode;

/// The kind of an id, as far as the id itself tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelIdKind {
    /// A foundation model or a system-defined profile: the quotas are named after `id` (an ARN's resource
    /// id; the mode comes from its prefix).
    Named { id: String },
    /// An application inference profile id or ARN: only Bedrock knows what it wraps.
    ApplicationProfile,
}

/// An id this product cannot monitor, with what to pass instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "BedrockModelId '{id}' is not a model id, a system-defined inference profile id or an application \
     inference profile id or ARN ({why}); pass the ModelId CloudWatch reports for the traffic: a model id such \
     as anthropic.claude-3-5-haiku-20241022-v1:0, a profile id such as us.anthropic.claude-3-5-haiku-20241022-v1:0 \
     or global.anthropic.claude-opus-4-6-v1, or an application inference profile ARN \
     (arn:aws:bedrock:<region>:<account>:application-inference-profile/<id>)"
)]
pub struct UnsupportedModelId {
    pub id: String,
    pub why: String,
}

/// Length of an application inference profile's resource id (lower-case letters and digits).
const APPLICATION_PROFILE_ID_LEN: usize = 12;

fn is_application_profile_id(id: &str) -> bool {
    id.len() == APPLICATION_PROFILE_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// A Bedrock ARN's parts: `arn:<partition>:bedrock:<region>:<account>:<type>/<id>`.
struct BedrockArn<'a> {
    region: &'a str,
    resource_type: &'a str,
    resource_id: &'a str,
}

fn parse_arn(arn: &str) -> Option<BedrockArn<'_>> {
    let mut parts = arn.splitn(6, ':');
    let (
        Some("arn"),
        Some(_partition),
        Some("bedrock"),
        Some(region),
        Some(_account),
        Some(resource),
    ) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    )
    else {
        return None;
    };
    let (resource_type, resource_id) = resource.split_once('/')?;
    (!resource_id.is_empty()).then_some(BedrockArn {
        region,
        resource_type,
        resource_id,
    })
}

/// Classifies an id; refuses ARNs of other resources (provisioned or custom models, other services).
pub fn classify(id: &str) -> Result<ModelIdKind, UnsupportedModelId> {
    let id = id.trim();
    let unsupported = |why: &str| UnsupportedModelId {
        id: id.to_owned(),
        why: why.to_owned(),
    };
    if id.starts_with("arn:") {
        let arn = parse_arn(id).ok_or_else(|| unsupported("not a Bedrock ARN"))?;
        return match arn.resource_type {
            "application-inference-profile" => Ok(ModelIdKind::ApplicationProfile),
            "inference-profile" | "foundation-model" => Ok(ModelIdKind::Named {
                id: arn.resource_id.to_owned(),
            }),
            other => Err(unsupported(&format!(
                "an ARN of a {other}, which has no per-minute on-demand quota to watch"
            ))),
        };
    }
    if is_application_profile_id(id) {
        return Ok(ModelIdKind::ApplicationProfile);
    }
    if !id.contains('.') {
        return Err(unsupported(
            "no provider prefix such as 'anthropic.', and not a 12-character application profile id",
        ));
    }
    Ok(ModelIdKind::Named { id: id.to_owned() })
}

/// The model and invocation mode(s) whose quota names the codes must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaSubject {
    /// Matched against the model part of quota names (a profile prefix is ignored there).
    pub model_id: String,
    /// One mode, or cross-Region and global when an application profile's models cannot tell them apart.
    pub modes: Vec<InvocationMode>,
}

impl QuotaSubject {
    /// The quotas of an id that names its model.
    pub fn named(id: &str) -> QuotaSubject {
        QuotaSubject {
            model_id: id.to_owned(),
            modes: vec![InvocationMode::of_model_id(id)],
        }
    }
}

impl fmt::Display for QuotaSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let modes = self
            .modes
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(" or ");
        write!(f, "{} ({modes})", self.model_id)
    }
}

/// The quotas an application profile draws on, from the model ARNs GetInferenceProfile lists.
pub fn subject_of_profile_models(models: &[String]) -> Result<QuotaSubject, String> {
    let mut model: Option<&str> = None;
    let mut regions: Vec<&str> = Vec::new();
    for arn in models {
        let parsed = parse_arn(arn)
            .filter(|a| a.resource_type == "foundation-model")
            .ok_or_else(|| format!("'{arn}' is not a foundation-model ARN"))?;
        match model {
            Some(seen) if seen != parsed.resource_id => {
                return Err(format!(
                    "it routes to more than one model ({seen} and {})",
                    parsed.resource_id
                ));
            }
            _ => model = Some(parsed.resource_id),
        }
        if !regions.contains(&parsed.region) {
            regions.push(parsed.region);
        }
    }
    let model = model.ok_or_else(|| "it lists no model".to_owned())?;
    let modes = if regions.contains(&"") {
        vec![InvocationMode::Global]
    } else if regions.len() == 1 {
        vec![InvocationMode::OnDemand]
    } else {
        vec![InvocationMode::CrossRegion, InvocationMode::Global]
    };
    Ok(QuotaSubject {
        model_id: model.to_owned(),
        modes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HAIKU: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";
    const APP_ARN: &str =
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6";

    fn named(id: &str) -> ModelIdKind {
        ModelIdKind::Named { id: id.to_owned() }
    }

    #[test]
    fn model_ids_and_every_system_profile_prefix_name_their_model() {
        assert_eq!(classify(HAIKU), Ok(named(HAIKU)));
        for prefix in ["global", "us", "eu", "apac", "jp", "au", "ca", "us-gov"] {
            let id = format!("{prefix}.{HAIKU}");
            assert_eq!(classify(&id), Ok(named(&id)), "{prefix}");
        }
    }

    #[test]
    fn arns_of_models_and_system_profiles_name_their_resource_id() {
        let model = format!("arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}");
        assert_eq!(classify(&model), Ok(named(HAIKU)));
        let profile =
            format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{HAIKU}");
        assert_eq!(classify(&profile), Ok(named(&format!("us.{HAIKU}"))));
    }

    #[test]
    fn application_profile_ids_and_arns_need_bedrock() {
        assert_eq!(classify(APP_ARN), Ok(ModelIdKind::ApplicationProfile));
        assert_eq!(
            classify("a1b2c3d4e5f6"),
            Ok(ModelIdKind::ApplicationProfile)
        );
        let gov = "arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:application-inference-profile/zz99yy88xx77";
        assert_eq!(classify(gov), Ok(ModelIdKind::ApplicationProfile));
    }

    #[test]
    fn other_arns_and_bare_words_are_refused_with_what_to_pass() {
        for id in [
            "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc",
            "arn:aws:sagemaker:us-east-1:123456789012:endpoint/x",
            "claude",
        ] {
            let err = classify(id).unwrap_err();
            assert_eq!(err.id, id);
            assert!(
                err.to_string()
                    .contains("application-inference-profile/<id>"),
                "{err}"
            );
        }
    }

    fn arn(region: &str) -> String {
        format!("arn:aws:bedrock:{region}::foundation-model/{HAIKU}")
    }

    #[test]
    fn one_regional_model_is_on_demand() {
        let subject = subject_of_profile_models(&[arn("us-east-1")]).unwrap();
        assert_eq!(subject.model_id, HAIKU);
        assert_eq!(subject.modes, [InvocationMode::OnDemand]);
    }

    #[test]
    fn several_regions_are_cross_region_or_global_and_a_regionless_arn_is_global() {
        let geo = subject_of_profile_models(&[arn("us-east-1"), arn("us-west-2")]).unwrap();
        assert_eq!(
            geo.modes,
            [InvocationMode::CrossRegion, InvocationMode::Global]
        );
        let global = subject_of_profile_models(&[arn("us-east-1"), arn("")]).unwrap();
        assert_eq!(global.modes, [InvocationMode::Global]);
        assert_eq!(global.to_string(), format!("{HAIKU} (global)"));
    }

    #[test]
    fn no_model_two_models_or_a_non_model_arn_cannot_be_resolved() {
        assert!(subject_of_profile_models(&[]).is_err());
        let other = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0".to_owned();
        assert!(subject_of_profile_models(&[arn("us-east-1"), other]).is_err());
        assert!(subject_of_profile_models(&[APP_ARN.to_owned()]).is_err());
    }
}
