//! Every SDK client, built once per Lambda cold start from one shared configuration.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// AWS Support has one global endpoint, in us-east-1, whatever region the stack runs in.
pub const SUPPORT_REGION: &str = "us-east-1";

/// Retry and timeout budget applied to every client.
///
/// The handlers never sleep or poll (upstream W-2): the SDK's standard retry mode with a few attempts and its
/// jittered exponential backoff is the only waiting, and the timeouts keep a whole invocation within seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSettings {
    /// Attempts per call, the first one included.
    pub max_attempts: u32,
    /// Limit on establishing a connection.
    pub connect_timeout: Duration,
    /// Limit on one attempt (request sent to response read).
    pub attempt_timeout: Duration,
    /// Limit on the whole call, retries and backoff included.
    pub operation_timeout: Duration,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            connect_timeout: Duration::from_secs(3),
            // A 14-day, 1-minute GetMetricData read is the slowest call we make; it answers in a few seconds.
            attempt_timeout: Duration::from_secs(10),
            operation_timeout: Duration::from_secs(25),
        }
    }
}

impl ClientSettings {
    fn retry_config(&self) -> RetryConfig {
        RetryConfig::standard().with_max_attempts(self.max_attempts)
    }

    fn timeout_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect_timeout)
            .operation_attempt_timeout(self.attempt_timeout)
            .operation_timeout(self.operation_timeout)
            .build()
    }
}

/// Loads the standard AWS configuration chain (environment, profile, container/instance credentials;
/// `AWS_ENDPOINT_URL` redirects every client, which is how tests reach the emulator).
pub async fn load_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// The SDK clients of every capability. Cheap to clone (each client is an `Arc` inside).
#[derive(Debug, Clone)]
pub struct AwsClients {
    pub ssm: aws_sdk_ssm::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub service_quotas: aws_sdk_servicequotas::Client,
    /// Pinned to [`SUPPORT_REGION`].
    pub support: aws_sdk_support::Client,
    pub sns: aws_sdk_sns::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
}

impl AwsClients {
    /// Builds every client with the default [`ClientSettings`].
    pub fn new(config: &SdkConfig) -> Self {
        Self::with_settings(config, ClientSettings::default())
    }

    /// Builds every client from one configuration, overriding its retry and timeout settings.
    pub fn with_settings(config: &SdkConfig, settings: ClientSettings) -> Self {
        let config = config
            .to_builder()
            .retry_config(settings.retry_config())
            .timeout_config(settings.timeout_config())
            .build();
        // The builder keeps the configuration's endpoint URL, so an emulator override still applies to Support.
        let support = aws_sdk_support::config::Builder::from(&config)
            .region(Region::from_static(SUPPORT_REGION))
            .build();
        Self {
            ssm: aws_sdk_ssm::Client::new(&config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&config),
            service_quotas: aws_sdk_servicequotas::Client::new(&config),
            support: aws_sdk_support::Client::from_conf(support),
            sns: aws_sdk_sns::Client::new(&config),
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
        }
    }
}
