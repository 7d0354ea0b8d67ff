//! Lambda entry point of the quota calculator.

use std::time::Duration;

use bedrock_ops_aws::AwsClients;
use bedrock_ops_aws::clock::now_epoch_millis;
use bedrock_ops_aws::lambda_config::lambda_config;
use lambda_runtime::{LambdaEvent, service_fn};
use quota_calculator::{HttpsSink, Ports, handle};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    bedrock_ops_aws::telemetry::init();
    let clients = AwsClients::new(&lambda_config()?);
    let ports = Ports {
        quotas: clients.quotas(),
        alarms: clients.alarms(),
        parameters: clients.parameters(),
        sink: HttpsSink::new()?,
        profiles: clients.inference_profiles(),
    };
    let ports = &ports;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let now = now_epoch_millis();
        let budget = Duration::from_millis(event.context.deadline.saturating_sub(now));
        let at = i64::try_from(now / 1000).unwrap_or(i64::MAX);
        // Boxed: the handler's future nested inside the runtime's is deeper than rustc's layout limit.
        Box::pin(handle(ports, event.payload, budget, at)).await
    }))
    .await
}
