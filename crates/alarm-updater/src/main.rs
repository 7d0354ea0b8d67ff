//! Lambda entry point of the alarm updater.

use alarm_updater::{Ports, UpdaterConfig, handle};
use bedrock_ops_aws::AwsClients;
use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_aws::lambda_config::lambda_config;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    bedrock_ops_aws::telemetry::init();
    let config = UpdaterConfig::from_env()?;
    let clients = AwsClients::new(&lambda_config()?);
    let ports = Ports {
        quotas: clients.quotas(),
        alarms: clients.alarms(),
        parameters: clients.parameters(),
        notifier: clients.notifier(),
    };
    let (ports, config) = (&ports, &config);
    // Any JSON is accepted: the schedule's payload carries nothing the run needs.
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let at = now_epoch();
        // Boxed: the run's future nested inside the runtime's is deeper than rustc's layout limit.
        Box::pin(handle(ports, config, &event.payload, at)).await
    }))
    .await
}
