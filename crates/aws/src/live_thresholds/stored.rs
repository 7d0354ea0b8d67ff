//! The stack's stored record: everything under its thresholds path.

use bedrock_ops_core::live_thresholds::Stored;
use bedrock_ops_core::settings::thresholds_path;

use crate::{AwsError, ParameterStore};

/// One GetParametersByPath walk of the stack's thresholds path.
pub async fn read_stored(
    parameters: &impl ParameterStore,
    customer: &str,
    model: &str,
) -> Result<Stored, AwsError> {
    let relative = parameters
        .get_by_path(&thresholds_path(customer, model))
        .await?;
    Ok(Stored::from_thresholds_dir(relative))
}
