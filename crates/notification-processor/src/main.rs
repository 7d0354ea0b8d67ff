//! The notification processor Lambda: configuration and clients are built once per cold start; every
//! invocation runs [`notification_processor::Processor::invoke`] (an SNS alarm event or an SQS follow-up
//! event) with the invocation's deadline.

use bedrock_ops_aws::clock::now_epoch;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use notification_processor::{Config, Need};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    bedrock_ops_aws::telemetry::init();
    let config = Config::from_env(Need::Everything)?;
    let sdk_config = bedrock_ops_aws::lambda_config::lambda_config()?;
    let region = match config.stack.region.as_str() {
        "" => sdk_config
            .region()
            .map(ToString::to_string)
            .unwrap_or_default(),
        region => region.to_owned(),
    };
    let clients = bedrock_ops_aws::AwsClients::new(&sdk_config);
    let processor = notification_processor::sdk_processor(&clients, config, region)
        .with_lookback(notification_processor::admission::LOOKBACK_SECONDS);
    let processor = &processor;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = i64::try_from(event.context.deadline / 1000).unwrap_or(i64::MAX);
        processor
            .invoke(&event.payload, now_epoch(), deadline)
            .await
    }))
    .await
}
