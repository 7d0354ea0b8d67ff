//! The SDK configuration of a Lambda function, read from the environment Lambda itself sets: the Region
//! (`AWS_REGION`), the execution role's credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`) and, for the emulator, `AWS_ENDPOINT_URL`.
//!
//! Why not [`crate::clients::load_config`]: the default chain also reads profile files, SSO, web identity
//! through STS, ECS container and EC2 instance metadata credentials. A function never uses any of them (the
//! environment credentials come first in that chain and Lambda always sets them), yet each one is linked into
//! the bootstrap: the STS client, the IMDS client and the profile parser cost every function about a third of
//! a megabyte (docs/performance.md). The CLI keeps the full chain; an operator's machine needs it.

use std::env::{self, VarError};

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ssm::config::SharedCredentialsProvider;

use crate::clients::https_client;

/// What the function's environment did not hold.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LambdaConfigError {
    #[error(
        "neither AWS_REGION nor AWS_DEFAULT_REGION is set: Lambda sets AWS_REGION, so this runs outside Lambda"
    )]
    NoRegion,
    #[error("{name} is not valid Unicode")]
    NotUnicode { name: &'static str },
}

/// The configuration every SDK client of a function is built from (see the module doc).
pub fn lambda_config() -> Result<SdkConfig, LambdaConfigError> {
    from_lookup(env::var::<&str>)
}

/// [`lambda_config`] over any variable lookup, for the tests.
fn from_lookup(
    lookup: impl Fn(&'static str) -> Result<String, VarError>,
) -> Result<SdkConfig, LambdaConfigError> {
    let read = |name: &'static str| match lookup(name) {
        Ok(value) if value.is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(VarError::NotPresent) => Ok(None),
        Err(VarError::NotUnicode(_)) => Err(LambdaConfigError::NotUnicode { name }),
    };
    let region = match read("AWS_REGION")? {
        Some(region) => region,
        None => read("AWS_DEFAULT_REGION")?.ok_or(LambdaConfigError::NoRegion)?,
    };
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client())
        .region(Region::new(region))
        // Read again on every resolution, as the default chain's first link does; Lambda never rotates them
        // within a sandbox, and the SDK's identity cache keeps the resolved value.
        .credentials_provider(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ));
    if let Some(endpoint) = read("AWS_ENDPOINT_URL")? {
        builder = builder.endpoint_url(endpoint);
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(
        vars: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Result<String, VarError> {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
                .ok_or(VarError::NotPresent)
        }
    }

    #[test]
    fn the_region_comes_from_aws_region_first_then_aws_default_region() {
        let config = from_lookup(lookup(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ]))
        .unwrap();
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));

        let config = from_lookup(lookup(&[("AWS_DEFAULT_REGION", "us-east-1")])).unwrap();
        assert_eq!(config.region().map(|r| r.as_ref()), Some("us-east-1"));
    }

    #[test]
    fn without_a_region_the_error_says_which_variables_were_read() {
        let error = from_lookup(lookup(&[("AWS_REGION", "")])).unwrap_err();
        assert_eq!(error, LambdaConfigError::NoRegion);
        assert!(error.to_string().contains("AWS_REGION"));
    }

    #[test]
    fn the_endpoint_override_is_taken_only_when_set() {
        let config = from_lookup(lookup(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
        ]))
        .unwrap();
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:4566"));
        assert!(config.credentials_provider().is_some());

        let config = from_lookup(lookup(&[("AWS_REGION", "eu-west-1")])).unwrap();
        assert_eq!(config.endpoint_url(), None);
    }
}
