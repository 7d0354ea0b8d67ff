//! In-memory [`InferenceProfiles`] for unit tests: profiles are found by id or ARN, anything else is
//! Bedrock's ResourceNotFoundException.

use super::{InferenceProfile, InferenceProfiles};
use crate::AwsError;
use crate::fake::{Faults, Shared, fault_knobs};

const SERVICE: &str = "bedrock";

#[derive(Debug, Default)]
struct State {
    profiles: Vec<InferenceProfile>,
    faults: Faults,
}

/// Cloning shares the profiles.
#[derive(Debug, Clone, Default)]
pub struct MemoryInferenceProfiles {
    state: Shared<State>,
}

fault_knobs!(MemoryInferenceProfiles);

impl MemoryInferenceProfiles {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(self, profile: InferenceProfile) -> Self {
        self.state.lock().profiles.push(profile);
        self
    }
}

impl InferenceProfiles for MemoryInferenceProfiles {
    async fn get(&self, id_or_arn: &str) -> Result<InferenceProfile, AwsError> {
        let mut state = self.state.lock();
        state.faults.enter("GetInferenceProfile")?;
        state
            .profiles
            .iter()
            .find(|p| p.id == id_or_arn || p.arn == id_or_arn)
            .cloned()
            .ok_or_else(|| AwsError::NotFound {
                service: SERVICE,
                operation: "GetInferenceProfile",
                message: format!("The specified inference profile {id_or_arn} does not exist."),
            })
    }
}
