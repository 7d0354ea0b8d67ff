//! Bedrock inference profiles: what an application inference profile routes to (GetInferenceProfile).
//!
//! Only the quota calculator reads them, once per stack Create or Update and only for an application profile;
//! the SDK implementation compiles with the `bedrock` feature, so the processor and the updater never link the
//! Bedrock control-plane client.

use std::future::Future;

use crate::AwsError;

#[cfg(any(test, feature = "test-util"))]
pub mod memory;
#[cfg(feature = "bedrock")]
pub mod sdk;

/// `SYSTEM_DEFINED` or `APPLICATION`, as Bedrock reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileType {
    SystemDefined,
    Application,
    /// A type this version does not know yet, as received.
    Other(String),
}

impl ProfileType {
    pub fn parse(value: &str) -> ProfileType {
        match value {
            "SYSTEM_DEFINED" => ProfileType::SystemDefined,
            "APPLICATION" => ProfileType::Application,
            other => ProfileType::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            ProfileType::SystemDefined => "SYSTEM_DEFINED",
            ProfileType::Application => "APPLICATION",
            ProfileType::Other(other) => other,
        }
    }
}

/// One inference profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferenceProfile {
    pub id: String,
    pub arn: String,
    pub kind: ProfileType,
    /// `ACTIVE` is the only status Bedrock documents.
    pub status: String,
    /// The foundation-model ARNs it routes to, one per Region.
    pub model_arns: Vec<String>,
}

pub trait InferenceProfiles: Send + Sync {
    /// GetInferenceProfile by id or ARN. An unknown profile (or one of another account or Region) is
    /// [`AwsError::NotFound`] or [`AwsError::AccessDenied`], a malformed id [`AwsError::IllegalArgument`].
    fn get(
        &self,
        id_or_arn: &str,
    ) -> impl Future<Output = Result<InferenceProfile, AwsError>> + Send;
}
