//! [`InferenceProfiles`] over the Bedrock control-plane client.

use super::{InferenceProfile, InferenceProfiles, ProfileType};
use crate::AwsError;
use crate::error::SdkResultExt;

const SERVICE: &str = "bedrock";

#[derive(Debug, Clone)]
pub struct SdkInferenceProfiles {
    client: aws_sdk_bedrock::Client,
}

impl SdkInferenceProfiles {
    pub fn new(client: aws_sdk_bedrock::Client) -> Self {
        Self { client }
    }
}

impl InferenceProfiles for SdkInferenceProfiles {
    async fn get(&self, id_or_arn: &str) -> Result<InferenceProfile, AwsError> {
        let out = self
            .client
            .get_inference_profile()
            .inference_profile_identifier(id_or_arn)
            .send()
            .await
            .aws(SERVICE, "GetInferenceProfile")?;
        Ok(InferenceProfile {
            id: out.inference_profile_id,
            arn: out.inference_profile_arn,
            kind: ProfileType::parse(out.r#type.as_str()),
            status: out.status.as_str().to_owned(),
            model_arns: out.models.into_iter().filter_map(|m| m.model_arn).collect(),
        })
    }
}
