//! Every SDK client, built once per Lambda cold start from one shared configuration.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ssm::config::SharedHttpClient;
use aws_smithy_http_client::Builder;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};

use crate::alarms::sdk::SdkAlarms;
use crate::ledger::sdk::SdkLedger;
use crate::metrics::sdk::SdkUsageMetrics;
use crate::notify::sdk::SdkNotifier;
use crate::parameters::sdk::SdkParameters;
use crate::queue::sdk::SdkQueue;
use crate::quotas::sdk::SdkQuotas;
use crate::support::sdk::SdkSupport;

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

    /// `config` with these retry and timeout settings: what every client is built from.
    pub fn apply(&self, config: &SdkConfig) -> SdkConfig {
        config
            .to_builder()
            .retry_config(self.retry_config())
            .timeout_config(self.timeout_config())
            .build()
    }

    fn timeout_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect_timeout)
            .operation_attempt_timeout(self.attempt_timeout)
            .operation_timeout(self.operation_timeout)
            .build()
    }
}

/// The one HTTP client of every SDK client: hyper 1 and rustls with the ring provider and the system's
/// root certificates (plain `http://` too, for the emulator). The SDK's default client would bring
/// aws-lc-rs, which cost 0.7 MB per bootstrap and a C build (docs/performance.md).
pub fn https_client() -> SharedHttpClient {
    Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// Loads the standard AWS configuration chain, for the CLI (environment, profile, container/instance credentials;
/// `AWS_ENDPOINT_URL` redirects every client, which is how tests reach the emulator).
pub async fn load_config() -> SdkConfig {
    loader().load().await
}

/// The configuration loader behind [`load_config`], for callers that set more (a region) before loading.
pub fn loader() -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest()).http_client(https_client())
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
    /// The configuration every client above was built from: clients used by one function only (the
    /// calculator's Bedrock client) are built from it on demand rather than in every function.
    pub config: SdkConfig,
}

impl AwsClients {
    /// Builds every client with the default [`ClientSettings`].
    pub fn new(config: &SdkConfig) -> Self {
        Self::with_settings(config, ClientSettings::default())
    }

    /// Builds every client from one configuration, overriding its retry and timeout settings.
    pub fn with_settings(config: &SdkConfig, settings: ClientSettings) -> Self {
        let config = settings.apply(config);
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
            config,
        }
    }

    pub fn parameters(&self) -> SdkParameters {
        SdkParameters::new(self.ssm.clone())
    }

    pub fn usage_metrics(&self) -> SdkUsageMetrics {
        SdkUsageMetrics::new(self.cloudwatch.clone())
    }

    pub fn alarms(&self) -> SdkAlarms {
        SdkAlarms::new(self.cloudwatch.clone())
    }

    pub fn quotas(&self) -> SdkQuotas {
        SdkQuotas::new(self.service_quotas.clone())
    }

    pub fn support_desk(&self) -> SdkSupport {
        SdkSupport::new(self.support.clone())
    }

    pub fn notifier(&self) -> SdkNotifier {
        SdkNotifier::new(self.sns.clone())
    }

    /// The Bedrock control-plane reads of the quota calculator (feature `bedrock`). Built on demand, not
    /// held as a client: only the calculator calls this, so only its bootstrap links the Bedrock SDK.
    #[cfg(feature = "bedrock")]
    pub fn inference_profiles(&self) -> crate::inference_profiles::sdk::SdkInferenceProfiles {
        crate::inference_profiles::sdk::SdkInferenceProfiles::new(aws_sdk_bedrock::Client::new(
            &self.config,
        ))
    }

    /// The follow-up queue at this URL. Built on demand, like the Bedrock client: only the processor calls
    /// this, so only its bootstrap links the SQS SDK.
    pub fn follow_up_queue(&self, queue_url: impl Into<String>) -> SdkQueue {
        SdkQueue::new(aws_sdk_sqs::Client::new(&self.config), queue_url)
    }

    /// The idempotency ledger over the given DynamoDB table.
    pub fn ledger(&self, table_name: impl Into<String>) -> SdkLedger {
        SdkLedger::new(self.dynamodb.clone(), table_name)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    use aws_sdk_support::config::Credentials;

    use super::*;

    fn config(endpoint: &str) -> SdkConfig {
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(https_client())
            .region(Region::new("eu-west-1"))
            .endpoint_url(endpoint)
            .credentials_provider(aws_sdk_support::config::SharedCredentialsProvider::new(
                Credentials::for_tests(),
            ))
            .build()
    }

    #[test]
    fn every_client_gets_bounded_retries_and_timeouts_and_support_is_pinned() {
        let clients = AwsClients::new(&config("http://127.0.0.1:1"));

        assert_eq!(
            clients.support.config().region().map(|r| r.as_ref()),
            Some(SUPPORT_REGION)
        );
        assert_eq!(
            clients.ssm.config().region().map(|r| r.as_ref()),
            Some("eu-west-1")
        );
        assert_eq!(
            clients
                .dynamodb
                .config()
                .retry_config()
                .map(|r| r.max_attempts()),
            Some(3)
        );
        assert_eq!(
            clients
                .support
                .config()
                .retry_config()
                .map(|r| r.max_attempts()),
            Some(3)
        );
        let timeouts = clients
            .cloudwatch
            .config()
            .timeout_config()
            .cloned()
            .unwrap();
        assert_eq!(
            timeouts.operation_timeout(),
            Some(ClientSettings::default().operation_timeout)
        );
        assert_eq!(
            timeouts.operation_attempt_timeout(),
            Some(ClientSettings::default().attempt_timeout)
        );
    }

    /// The emulator only works if the pinned Support client still goes to the configured endpoint.
    #[tokio::test]
    async fn the_support_client_keeps_the_endpoint_override_and_signs_for_us_east_1() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                headers.push(line.trim().to_lowercase());
            }
            let body = "{\"cases\":[]}";
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            (&stream).write_all(reply.as_bytes()).unwrap();
            headers
        });
        let settings = ClientSettings {
            max_attempts: 1,
            ..ClientSettings::default()
        };
        let clients = AwsClients::with_settings(&config(&endpoint), settings);

        clients.support.describe_cases().send().await.unwrap();

        let headers = server.join().unwrap();
        assert!(
            headers
                .iter()
                .any(|h| h == "x-amz-target: awssupport_20130415.describecases"),
            "{headers:?}"
        );
        assert!(
            headers
                .iter()
                .any(|h| h.starts_with("authorization:") && h.contains("/us-east-1/support/")),
            "{headers:?}"
        );
    }
}
