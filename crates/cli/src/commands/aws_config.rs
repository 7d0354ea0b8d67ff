//! The AWS configuration of the commands that call AWS: the standard chain (profile, environment,
//! `AWS_ENDPOINT_URL` for the local emulator), with `--region` taking precedence over `AWS_REGION`.

use aws_config::{Region, SdkConfig};
use bedrock_ops_aws::clients::loader;

pub async fn load(region: Option<&str>) -> Result<SdkConfig, String> {
    let mut config = loader();
    if let Some(region) = region {
        config = config.region(Region::new(region.to_owned()));
    }
    let config = config.load().await;
    if config.region().is_none() {
        return Err("no AWS Region: pass --region or set AWS_REGION".into());
    }
    Ok(config)
}

/// A current-thread runtime for one command's AWS calls.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
