//! SDK configuration and clients pointed at the emulator.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ssm::config::{Credentials, SharedCredentialsProvider};
use bedrock_ops_aws::AwsClients;
use bedrock_ops_aws::clients::{SUPPORT_REGION, https_client};

use super::{Emulator, REGION};

impl Emulator {
    /// SDK configuration for the emulator: us-east-1, static test credentials, and few, fast retries so fault
    /// tests finish quickly (3 attempts, 5-50 ms backoff).
    pub fn sdk_config(&self) -> SdkConfig {
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(https_client())
            .region(Region::new(REGION))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "testing", "testing", None, None, "emulator",
            )))
            .endpoint_url(self.endpoint_url())
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(5))
                    .with_max_backoff(Duration::from_millis(50)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(2))
                    .operation_attempt_timeout(Duration::from_secs(10))
                    .build(),
            )
            .build()
    }

    /// Clients for fault tests: [`Emulator::sdk_config`] with a 1 s attempt timeout (an answer delayed by 2.5 s
    /// is a client timeout) and a retry partition of their own (`name`, see [`isolated`]), so one test's
    /// throttling cannot drain another's retry budget.
    pub fn fault_clients(&self, name: &str) -> AwsClients {
        let config = self
            .sdk_config()
            .to_builder()
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(2))
                    .operation_attempt_timeout(Duration::from_secs(1))
                    .operation_timeout(Duration::from_secs(8))
                    .build(),
            )
            .build();
        isolated(&config, name)
    }
}

/// Every client straight from `config` (its retry and timeout settings untouched), each in its own retry
/// partition named after `partition`. The SDK keeps one retry token bucket per partition for the whole
/// process; fault tests that make many calls fail would otherwise drain the shared bucket, after which the
/// SDK silently stops retrying in every later test of the binary.
pub fn isolated(config: &SdkConfig, partition: &str) -> AwsClients {
    macro_rules! client {
        ($sdk:ident, $builder:expr) => {
            $sdk::Client::from_conf(
                $builder
                    .retry_partition($sdk::config::retry::RetryPartition::new(format!(
                        "{partition}-{}",
                        stringify!($sdk)
                    )))
                    .build(),
            )
        };
    }
    AwsClients {
        ssm: client!(aws_sdk_ssm, aws_sdk_ssm::config::Builder::from(config)),
        cloudwatch: client!(
            aws_sdk_cloudwatch,
            aws_sdk_cloudwatch::config::Builder::from(config)
        ),
        service_quotas: client!(
            aws_sdk_servicequotas,
            aws_sdk_servicequotas::config::Builder::from(config)
        ),
        support: client!(
            aws_sdk_support,
            aws_sdk_support::config::Builder::from(config)
                .region(Region::from_static(SUPPORT_REGION))
        ),
        sns: client!(aws_sdk_sns, aws_sdk_sns::config::Builder::from(config)),
        dynamodb: client!(
            aws_sdk_dynamodb,
            aws_sdk_dynamodb::config::Builder::from(config)
        ),
        sqs: client!(aws_sdk_sqs, aws_sdk_sqs::config::Builder::from(config)),
    }
}
