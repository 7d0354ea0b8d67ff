//! The answer to CloudFormation: a JSON document PUT to the request's pre-signed `ResponseURL`.
//!
//! The PUT goes through hyper, hyper-util's pooled client and hyper-rustls with the system's root
//! certificates and the ring provider: the very crates (versions and features) the SDK clients' HTTPS
//! client (bedrock_ops_aws::clients::https_client) already links, so answering CloudFormation compiles
//! nothing new and adds no second TLS stack. Plain `http://` is allowed too, which is how the tests reach the emulator's response sink.
//!
//! The URL carries a signature: it is never logged and never part of an error message (W-26).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::cloudformation::{
    CloudFormationCustomResourceResponse, CloudFormationCustomResourceResponseStatus,
};
use bedrock_ops_core::messages::format::truncate;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::CONTENT_LENGTH;
use hyper::{Request, Uri};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// CloudFormation refuses a response body over 4,096 bytes; the reason is cut to leave room for the rest.
pub const MAX_REASON_BYTES: usize = 2_500;

/// Where a request came from and what to echo back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestIds {
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
}

/// SUCCESS or FAILED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Success,
    Failed,
}

/// The response body; the reason is always set, so a person reading the stack events learns what happened.
pub fn body(
    ids: &RequestIds,
    status: Status,
    reason: &str,
    physical_resource_id: &str,
    data: &HashMap<String, String>,
) -> Vec<u8> {
    let mut response = CloudFormationCustomResourceResponse::default();
    response.status = match status {
        Status::Success => CloudFormationCustomResourceResponseStatus::Success,
        Status::Failed => CloudFormationCustomResourceResponseStatus::Failed,
    };
    response.reason = Some(truncate(reason, MAX_REASON_BYTES));
    response.physical_resource_id = physical_resource_id.to_owned();
    response.stack_id = ids.stack_id.clone();
    response.request_id = ids.request_id.clone();
    response.logical_resource_id = ids.logical_resource_id.clone();
    response.no_echo = false;
    response.data = data.clone();
    // Serialising a struct of strings and a string map cannot fail.
    serde_json::to_vec(&response).unwrap_or_default()
}

/// Why the answer did not reach CloudFormation (never containing the URL).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SinkError {
    #[error("the ResponseURL is not a usable http(s) URL")]
    BadUrl,
    #[error("the HTTPS client could not be set up: {0}")]
    Setup(String),
    #[error("sending the response failed: {0}")]
    Send(String),
    #[error("the response was refused with HTTP {status}: {excerpt}")]
    Refused { status: u16, excerpt: String },
    #[error("sending the response did not finish within {0:?}")]
    TimedOut(Duration),
}

/// Delivers a response body to a pre-signed URL.
pub trait ResponseSink: Send + Sync {
    fn put(&self, url: &str, body: Vec<u8>) -> impl Future<Output = Result<(), SinkError>> + Send;
}

/// The real PUT, over HTTPS (or HTTP for the emulator).
#[derive(Clone)]
pub struct HttpsSink {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

/// Attempts per response: S3 occasionally answers 5xx or drops a connection.
const ATTEMPTS: u32 = 3;
const BACKOFF: Duration = Duration::from_millis(200);

impl HttpsSink {
    pub fn new() -> Result<HttpsSink, SinkError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let connector = HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider)
            .map_err(|e| SinkError::Setup(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(HttpsSink {
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    async fn attempt(&self, uri: &Uri, body: &Bytes) -> Result<(), SinkError> {
        let request = Request::put(uri.clone())
            .header(CONTENT_LENGTH, body.len())
            .body(Full::new(body.clone()))
            .map_err(|_| SinkError::BadUrl)?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| SinkError::Send(describe_client_error(&e)))?;
        let status = response.status();
        let answer = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        if status.is_success() {
            Ok(())
        } else {
            Err(SinkError::Refused {
                status: status.as_u16(),
                excerpt: truncate(&String::from_utf8_lossy(&answer), 300),
            })
        }
    }
}

/// The client error and its causes, which name the failure (connect, TLS, reset) but not the URL.
fn describe_client_error(error: &hyper_util::client::legacy::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn retryable(error: &SinkError) -> bool {
    match error {
        SinkError::Send(_) => true,
        SinkError::Refused { status, .. } => *status >= 500,
        _ => false,
    }
}

impl ResponseSink for HttpsSink {
    async fn put(&self, url: &str, body: Vec<u8>) -> Result<(), SinkError> {
        let uri: Uri = url.parse().map_err(|_| SinkError::BadUrl)?;
        if !matches!(uri.scheme_str(), Some("https" | "http")) {
            return Err(SinkError::BadUrl);
        }
        let body = Bytes::from(body);
        let mut attempt = 1;
        loop {
            match self.attempt(&uri, &body).await {
                Err(error) if attempt < ATTEMPTS && retryable(&error) => {
                    tracing::warn!(attempt, %error, "response to CloudFormation not delivered, retrying");
                    tokio::time::sleep(BACKOFF * attempt).await;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }
}

/// A [`ResponseSink`] that keeps what it was given, for tests; it can be told to refuse. Compiled only for
/// tests and with the `test-util` feature.
#[cfg(any(test, feature = "test-util"))]
#[derive(Debug, Clone, Default)]
pub struct MemorySink {
    state: Arc<std::sync::Mutex<MemorySinkState>>,
}

#[cfg(any(test, feature = "test-util"))]
#[derive(Debug, Default)]
struct MemorySinkState {
    responses: Vec<(String, serde_json::Value)>,
    refuse_with: Option<SinkError>,
}

#[cfg(any(test, feature = "test-util"))]
impl MemorySink {
    pub fn new() -> MemorySink {
        MemorySink::default()
    }

    /// Every (URL, body) received, in order.
    pub fn responses(&self) -> Vec<(String, serde_json::Value)> {
        self.lock().responses.clone()
    }

    /// The last body received.
    pub fn last(&self) -> Option<serde_json::Value> {
        self.lock().responses.last().map(|(_, body)| body.clone())
    }

    /// Makes every later `put` fail with `error`.
    pub fn refuse_with(&self, error: SinkError) {
        self.lock().refuse_with = Some(error);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemorySinkState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(any(test, feature = "test-util"))]
impl ResponseSink for MemorySink {
    async fn put(&self, url: &str, body: Vec<u8>) -> Result<(), SinkError> {
        let mut state = self.lock();
        if let Some(error) = &state.refuse_with {
            return Err(error.clone());
        }
        let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        state.responses.push((url.to_owned(), body));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> RequestIds {
        RequestIds {
            stack_id: "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1".into(),
            request_id: "req-1".into(),
            logical_resource_id: "QuotaCalculatorCustomResource".into(),
        }
    }

    #[test]
    fn body_carries_every_field_cloudformation_reads() {
        let data = HashMap::from([("TpmThreshold".to_owned(), "5000000".to_owned())]);
        let bytes = body(&ids(), Status::Success, "ok", "Acme-Opus-thresholds", &data);
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["Status"], "SUCCESS");
        assert_eq!(v["Reason"], "ok");
        assert_eq!(v["PhysicalResourceId"], "Acme-Opus-thresholds");
        assert_eq!(v["StackId"], ids().stack_id);
        assert_eq!(v["RequestId"], "req-1");
        assert_eq!(v["LogicalResourceId"], "QuotaCalculatorCustomResource");
        assert_eq!(v["NoEcho"], false);
        assert_eq!(v["Data"]["TpmThreshold"], "5000000");
    }

    #[test]
    fn a_long_reason_is_cut_so_the_body_stays_under_4_kb() {
        let reason = "é".repeat(10_000);
        let bytes = body(&ids(), Status::Failed, &reason, "x", &HashMap::new());
        assert!(bytes.len() < 4_096, "{}", bytes.len());
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["Status"], "FAILED");
    }

    #[tokio::test]
    async fn a_url_that_is_not_http_is_refused_without_echoing_it() {
        let sink = HttpsSink::new().unwrap();
        let err = sink
            .put("ftp://bucket/key?X-Amz-Signature=secret", Vec::new())
            .await
            .unwrap_err();
        assert_eq!(err, SinkError::BadUrl);
        assert!(!err.to_string().contains("secret"));
    }

    #[tokio::test]
    async fn a_refused_connection_is_an_error_without_the_signature() {
        // Port 9 (discard) on loopback: nothing listens there in a test environment.
        let sink = HttpsSink::new().unwrap();
        let err = sink
            .put(
                "http://127.0.0.1:9/r?X-Amz-Signature=secret",
                b"{}".to_vec(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, SinkError::Send(_)), "{err}");
        assert!(!err.to_string().contains("secret"), "{err}");
    }
}
