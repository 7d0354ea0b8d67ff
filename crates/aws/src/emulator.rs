//! Test harness for the local AWS emulator in `tests/emulator/` (moto behind our launcher, see its README).
//!
//! [`Emulator::start`] prepares the pinned Python environment if needed, starts `launcher.py` on a free loopback
//! port and stops it on drop; the launcher also exits by itself when this process dies, so a crashed test run never
//! leaves a server behind. [`Emulator::sdk_config`] points the real SDK clients at it, and the typed helpers drive
//! its `/_ext/` endpoints (seeding, read-back, call log, latency and fault injection) over a minimal blocking HTTP
//! client, so the harness adds no dependency.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ssm::config::{Credentials, SharedCredentialsProvider};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Region every emulated client uses.
pub const REGION: &str = "us-east-1";
/// The one account the emulator serves.
pub const ACCOUNT_ID: &str = "123456789012";
/// Environment variable naming a Python that already has the requirements (skips `setup.sh`).
pub const PYTHON_ENV: &str = "BEDROCK_OPS_EMULATOR_PYTHON";

const READY_TIMEOUT: Duration = Duration::from_secs(20);
const EXT_TIMEOUT: Duration = Duration::from_secs(30);
const RUN_DIR_PREFIX: &str = "bedrock-ops-emulator-run-";

/// Why the emulator could not be started or did not answer as expected.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("no workspace root with tests/emulator/launcher.py above {0}")]
    NoWorkspace(PathBuf),
    #[error("tests/emulator/setup.sh failed: {0}")]
    Setup(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the emulator did not publish its port within {0:?}; its log ends with:\n{1}")]
    NotReady(Duration, String),
    #[error("the emulator exited during start-up ({0}); its log ends with:\n{1}")]
    Exited(String, String),
    #[error("the emulator answered {status} to {method} {path}: {body}")]
    Http {
        method: String,
        path: String,
        status: u16,
        body: String,
    },
    #[error("unexpected answer to {path}: {source}")]
    Decode {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("the shared emulator failed to start: {0}")]
    Shared(String),
}

fn io_error(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> EmulatorError {
    let what = what.into();
    move |source| EmulatorError::Io { what, source }
}

/// A running emulator; dropping it stops the server.
#[derive(Debug)]
pub struct Emulator {
    child: Child,
    port: u16,
    endpoint: String,
    run_dir: PathBuf,
}

impl Emulator {
    /// Starts a new emulator (a few seconds the first time a machine builds the venv, about a second after).
    pub fn start() -> Result<Emulator, EmulatorError> {
        let emulator_dir = workspace_root()?.join("tests").join("emulator");
        let python = python()?;

        remove_stale_run_dirs();
        let run_dir = unique_run_dir();
        fs::create_dir_all(&run_dir)
            .map_err(io_error(format!("creating {}", run_dir.display())))?;
        let port_file = run_dir.join("port");
        let log_path = run_dir.join("emulator.log");
        let log = File::create(&log_path)
            .map_err(io_error(format!("creating {}", log_path.display())))?;
        let log_err = log
            .try_clone()
            .map_err(io_error("duplicating the log handle"))?;

        let mut child = Command::new(&python)
            .arg(emulator_dir.join("launcher.py"))
            .args([
                "--port",
                "0",
                "--parent-pid",
                &std::process::id().to_string(),
                "--port-file",
            ])
            .arg(&port_file)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(io_error(format!(
                "starting {} launcher.py",
                python.display()
            )))?;

        let started = Instant::now();
        let port = loop {
            if let Some(port) = fs::read_to_string(&port_file)
                .ok()
                .and_then(|text| text.trim().parse().ok())
            {
                break port;
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(EmulatorError::Exited(
                    status.to_string(),
                    log_tail(&log_path),
                ));
            }
            if started.elapsed() > READY_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(EmulatorError::NotReady(READY_TIMEOUT, log_tail(&log_path)));
            }
            std::thread::sleep(Duration::from_millis(20));
        };

        Ok(Emulator {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
            run_dir,
        })
    }

    /// One emulator per test binary, started on first use and never stopped explicitly: the launcher exits when
    /// the test process does. Tests sharing it must not rely on state other tests may change concurrently.
    pub fn shared() -> Result<&'static Emulator, EmulatorError> {
        static SHARED: OnceLock<Result<Emulator, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Emulator::start().map_err(|error| error.to_string()))
            .as_ref()
            .map_err(|error| EmulatorError::Shared(error.clone()))
    }

    /// Base URL of the emulator (`http://127.0.0.1:<port>`), for `endpoint_url` or `AWS_ENDPOINT_URL`.
    pub fn endpoint_url(&self) -> &str {
        &self.endpoint
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where the launcher's own log is written (useful when a test fails).
    pub fn log_path(&self) -> PathBuf {
        self.run_dir.join("emulator.log")
    }

    /// SDK configuration for the emulator: us-east-1, static test credentials, and few, fast retries so fault
    /// tests finish quickly (3 attempts, 5-50 ms backoff).
    pub fn sdk_config(&self) -> SdkConfig {
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(crate::clients::https_client())
            .region(Region::new(REGION))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "testing", "testing", None, None, "emulator",
            )))
            .endpoint_url(self.endpoint.clone())
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
    /// is a client timeout) and a retry partition of their own (`name`), so one test's throttling cannot drain
    /// another's retry budget.
    pub fn fault_clients(&self, name: &str) -> crate::AwsClients {
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
        crate::AwsClients::isolated(&config, name)
    }

    /// URL that a custom-resource response can be PUT to (stands in for CloudFormation's pre-signed S3 URL).
    pub fn cfn_response_url(&self, id: &str) -> String {
        format!("{}/_ext/cfn-response/{id}", self.endpoint)
    }

    /// Clears everything: moto's state and every extension (quotas, cases, calls, faults, latency, responses).
    pub fn reset(&self) -> Result<(), EmulatorError> {
        self.call("POST", "/_ext/reset", Some(&json!({}))).map(drop)
    }

    /// Adds (or replaces) applied quota values and, optionally, AWS default values.
    pub fn seed_quotas(
        &self,
        quotas: &[SeedQuota],
        defaults: &[SeedQuota],
    ) -> Result<(), EmulatorError> {
        let body = json!({ "quotas": quotas, "defaults": defaults });
        self.call("POST", "/_ext/service-quotas/seed", Some(&body))
            .map(drop)
    }

    /// Changes the applied value of a seeded quota.
    pub fn set_quota_value(
        &self,
        service_code: &str,
        quota_code: &str,
        value: f64,
    ) -> Result<(), EmulatorError> {
        let body = json!({ "ServiceCode": service_code, "QuotaCode": quota_code, "Value": value });
        self.call("POST", "/_ext/service-quotas/set-value", Some(&body))
            .map(drop)
    }

    /// Every RequestServiceQuotaIncrease received, oldest first.
    pub fn quota_requests(&self) -> Result<Vec<QuotaRequest>, EmulatorError> {
        self.get_list("/_ext/service-quotas/requests", "requests")
    }

    /// Moves a quota request to another status (APPROVED also makes its value the applied one).
    pub fn set_request_status(&self, request_id: &str, status: &str) -> Result<(), EmulatorError> {
        let body = json!({ "Id": request_id, "Status": status });
        self.call("POST", "/_ext/service-quotas/requests/status", Some(&body))
            .map(drop)
    }

    /// Every Support case, oldest first, with all its communications.
    pub fn support_cases(&self) -> Result<Vec<SupportCase>, EmulatorError> {
        self.get_list("/_ext/support/cases", "cases")
    }

    /// `false` makes every Support call answer SubscriptionRequiredException (no Business/Enterprise plan).
    pub fn set_support_subscribed(&self, subscribed: bool) -> Result<(), EmulatorError> {
        let body = json!({ "subscribed": subscribed });
        self.call("POST", "/_ext/support/subscription", Some(&body))
            .map(drop)
    }

    /// Messages published to SNS, in publishing order, optionally for one topic.
    pub fn sns_messages(&self, topic_arn: Option<&str>) -> Result<Vec<SnsMessage>, EmulatorError> {
        let path = match topic_arn {
            Some(arn) => format!("/_ext/sns/messages?topic_arn={}", percent_encode(arn)),
            None => "/_ext/sns/messages".to_owned(),
        };
        self.get_list(&path, "messages")
    }

    /// Every AWS call received since the last reset, in arrival order.
    pub fn calls(&self) -> Result<Vec<CallRecord>, EmulatorError> {
        self.get_list("/_ext/calls", "calls")
    }

    pub fn reset_calls(&self) -> Result<(), EmulatorError> {
        self.call("POST", "/_ext/calls/reset", Some(&json!({})))
            .map(drop)
    }

    /// Delay added before answering every AWS call (0 turns it off).
    pub fn set_latency_ms(&self, ms: u64) -> Result<(), EmulatorError> {
        self.call("POST", "/_ext/latency", Some(&json!({ "ms": ms })))
            .map(drop)
    }

    /// Installs a fault; returns its id.
    pub fn add_fault(&self, fault: &Fault) -> Result<u64, EmulatorError> {
        let body = serde_json::to_value(fault).map_err(|source| EmulatorError::Decode {
            path: "/_ext/faults".to_owned(),
            source,
        })?;
        let answer = self.call("POST", "/_ext/faults", Some(&body))?;
        decode::<FaultId>("/_ext/faults", answer).map(|created| created.id)
    }

    pub fn clear_faults(&self) -> Result<(), EmulatorError> {
        self.call("DELETE", "/_ext/faults", None).map(drop)
    }

    /// Custom-resource responses PUT to [`Emulator::cfn_response_url`], oldest first.
    pub fn cfn_responses(&self) -> Result<Vec<CfnResponse>, EmulatorError> {
        self.get_list("/_ext/cfn-responses", "responses")
    }

    fn get_list<T: DeserializeOwned>(
        &self,
        path: &str,
        field: &str,
    ) -> Result<Vec<T>, EmulatorError> {
        let mut answer = self.call("GET", path, None)?;
        decode(
            path,
            answer
                .get_mut(field)
                .map(Value::take)
                .unwrap_or(Value::Null),
        )
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, EmulatorError> {
        let (status, text) = http_request(self.port, method, path, body)?;
        if !(200..300).contains(&status) {
            return Err(EmulatorError::Http {
                method: method.to_owned(),
                path: path.to_owned(),
                status,
                body: text,
            });
        }
        serde_json::from_str(&text).map_err(|source| EmulatorError::Decode {
            path: path.to_owned(),
            source,
        })
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.run_dir);
    }
}

fn decode<T: DeserializeOwned>(path: &str, value: Value) -> Result<T, EmulatorError> {
    serde_json::from_value(value).map_err(|source| EmulatorError::Decode {
        path: path.to_owned(),
        source,
    })
}

/// A quota to seed. `Value` is the applied (or default) value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SeedQuota {
    pub service_code: String,
    pub quota_code: String,
    pub quota_name: String,
    pub value: f64,
    pub adjustable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl SeedQuota {
    /// An adjustable quota of the `bedrock` service.
    pub fn bedrock(quota_code: &str, quota_name: &str, value: f64) -> Self {
        Self {
            service_code: "bedrock".to_owned(),
            quota_code: quota_code.to_owned(),
            quota_name: quota_name.to_owned(),
            value,
            adjustable: true,
            unit: None,
        }
    }

    pub fn not_adjustable(mut self) -> Self {
        self.adjustable = false;
        self
    }
}

/// A RequestServiceQuotaIncrease as the emulator recorded it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QuotaRequest {
    pub id: String,
    /// Display id of the linked Support case.
    pub case_id: Option<String>,
    /// Full id (`case-...`) of the linked Support case.
    pub support_case_id: Option<String>,
    pub service_code: String,
    pub quota_code: String,
    pub quota_name: String,
    pub desired_value: f64,
    pub status: String,
    /// Epoch seconds.
    pub created: f64,
    pub last_updated: f64,
}

/// A Support case with every communication, oldest first.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportCase {
    pub case_id: String,
    pub display_id: String,
    pub subject: String,
    pub status: String,
    pub service_code: String,
    pub category_code: String,
    pub severity_code: String,
    pub language: String,
    pub issue_type: String,
    pub submitted_by: String,
    pub time_created: String,
    pub cc_email_addresses: Vec<String>,
    pub communications: Vec<Communication>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Communication {
    pub body: String,
    pub submitted_by: String,
    pub time_created: String,
}

/// One SNS publish.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnsMessage {
    pub message_id: String,
    pub topic_arn: String,
    pub subject: Option<String>,
    pub message: String,
    /// Epoch seconds.
    pub timestamp: f64,
}

/// One AWS call as the emulator received and answered it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CallRecord {
    /// `cloudwatch`, `servicequotas`, `support`, `sns`, `ssm`, `dynamodb`, ... (the signing name).
    pub service: String,
    /// API operation name (`GetMetricData`); for REST protocols, method and path.
    pub operation: String,
    pub region: String,
    /// Epoch seconds when the request arrived and when its answer was ready.
    pub start: f64,
    pub end: f64,
    pub status: u16,
    pub error_code: Option<String>,
    /// Whether an injected fault matched this call.
    pub faulted: bool,
}

/// A fault to inject: the matching calls get `error_code` (after `delay_ms`, if any).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fault {
    pub service: String,
    /// `None` matches every operation of the service.
    pub operation: Option<String>,
    /// `None` with a delay: the call is answered normally, late (a client timeout, with the work done).
    pub error_code: Option<String>,
    pub http_status: u16,
    pub message: Option<String>,
    /// How many calls fail; `None` = every call until cleared.
    pub times: Option<u32>,
    pub delay_ms: u64,
}

impl Fault {
    /// Every matching call fails with `error_code` and `http_status` until told otherwise.
    pub fn error(service: &str, operation: &str, error_code: &str, http_status: u16) -> Self {
        Self {
            service: service.to_owned(),
            operation: Some(operation.to_owned()),
            error_code: Some(error_code.to_owned()),
            http_status,
            message: None,
            times: None,
            delay_ms: 0,
        }
    }

    /// Matching calls are answered normally but only after `delay_ms`.
    pub fn delay(service: &str, operation: &str, delay_ms: u64) -> Self {
        Self {
            service: service.to_owned(),
            operation: Some(operation.to_owned()),
            error_code: None,
            http_status: 200,
            message: None,
            times: None,
            delay_ms,
        }
    }

    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    pub fn message(mut self, message: &str) -> Self {
        self.message = Some(message.to_owned());
        self
    }

    pub fn delay_ms(mut self, delay_ms: u64) -> Self {
        self.delay_ms = delay_ms;
        self
    }
}

#[derive(Deserialize)]
struct FaultId {
    id: u64,
}

/// A body PUT to the custom-resource response sink.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CfnResponse {
    /// The part of the path after `/_ext/cfn-response/`.
    pub path: String,
    pub query: String,
    pub content_type: String,
    /// The body parsed as JSON, when it is JSON.
    pub body: Option<Value>,
    pub raw: String,
    pub received: f64,
}

/// The emulator's Python (its venv, prepared first if needed, or [`PYTHON_ENV`]); it also has PyYAML, so the
/// demo and the template tests can run `tests/template/render_stack.py` with it.
pub fn python() -> Result<PathBuf, EmulatorError> {
    if let Some(python) = std::env::var_os(PYTHON_ENV) {
        return Ok(PathBuf::from(python));
    }
    let emulator_dir = workspace_root()?.join("tests").join("emulator");
    run_setup(&emulator_dir)?;
    Ok(emulator_dir.join(".venv").join("bin").join("python"))
}

/// The workspace checkout: the first directory above the crate (or the current directory) that holds
/// `tests/emulator/launcher.py`.
pub fn workspace_root() -> Result<PathBuf, EmulatorError> {
    let mut starts: Vec<PathBuf> = Vec::new();
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        starts.push(PathBuf::from(dir));
    }
    if let Ok(dir) = std::env::current_dir() {
        starts.push(dir);
    }
    starts.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    for start in &starts {
        for dir in start.ancestors() {
            if dir
                .join("tests")
                .join("emulator")
                .join("launcher.py")
                .is_file()
            {
                return Ok(dir.to_path_buf());
            }
        }
    }
    Err(EmulatorError::NoWorkspace(starts.swap_remove(0)))
}

fn run_setup(emulator_dir: &Path) -> Result<(), EmulatorError> {
    let output = Command::new("bash")
        .arg(emulator_dir.join("setup.sh"))
        .stdin(Stdio::null())
        .output()
        .map_err(io_error("running tests/emulator/setup.sh"))?;
    if output.status.success() {
        return Ok(());
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Err(EmulatorError::Setup(format!(
        "{}: {}",
        output.status,
        tail(&text, 40)
    )))
}

/// Removes run directories left by test processes that are gone (the shared emulator is never dropped, so its
/// directory outlives the run; its launcher has exited by then).
fn remove_stale_run_dirs() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(RUN_DIR_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest
            .split('-')
            .next()
            .filter(|pid| pid.chars().all(|c| c.is_ascii_digit()))
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn unique_run_dir() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or_default();
    std::env::temp_dir().join(format!(
        "{RUN_DIR_PREFIX}{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

fn log_tail(path: &Path) -> String {
    fs::read_to_string(path)
        .map(|text| tail(&text, 30))
        .unwrap_or_else(|error| format!("(log unreadable: {error})"))
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// One HTTP/1.1 exchange with `Connection: close`; returns the status and the body.
fn http_request(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, String), EmulatorError> {
    let what = || format!("{method} {path} on the emulator");
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(io_error(what()))?;
    stream
        .set_read_timeout(Some(EXT_TIMEOUT))
        .map_err(io_error(what()))?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        payload.len()
    );
    stream
        .write_all(head.as_bytes())
        .map_err(io_error(what()))?;
    stream
        .write_all(payload.as_bytes())
        .map_err(io_error(what()))?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(io_error(what()))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| EmulatorError::Http {
            method: method.to_owned(),
            path: path.to_owned(),
            status: 0,
            body: tail(&text, 5),
        })?;
    Ok((status, body.to_owned()))
}

/// Every log line written on this thread, TRACE and up, while it lives: for the tests that check what is never
/// logged (e-mail addresses, pre-signed URLs, secrets).
pub struct CapturedLogs {
    lines: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

/// The writer the capturing subscriber formats into.
#[derive(Clone)]
struct LogSink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    pub fn start() -> CapturedLogs {
        let lines = std::sync::Arc::default();
        let sink = LogSink(std::sync::Arc::clone(&lines));
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || sink.clone())
            .finish();
        CapturedLogs {
            lines,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    /// Everything logged so far.
    pub fn text(&self) -> String {
        let lines = self
            .lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&lines).into_owned()
    }
}

/// One `#[test]` per row of a fault table, named after the row: `fault_rows! { run; name: row; … }` calls
/// `run("name", row)` in each (the processor, calculator and updater fault suites).
#[macro_export]
macro_rules! fault_rows {
    ($run:path; $($name:ident: $row:expr;)+) => {
        $(
            #[test]
            fn $name() {
                $run(stringify!($name), $row);
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_arns_are_percent_encoded_for_the_query_string() {
        assert_eq!(
            percent_encode("arn:aws:sns:us-east-1:123456789012:t"),
            "arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At"
        );
    }

    #[test]
    fn faults_serialise_to_the_launcher_contract() {
        let fault =
            Fault::error("support", "CreateCase", "CaseCreationLimitExceeded", 400).times(2);
        assert_eq!(
            serde_json::to_value(&fault).unwrap(),
            json!({
                "service": "support", "operation": "CreateCase", "error_code": "CaseCreationLimitExceeded",
                "http_status": 400, "message": null, "times": 2, "delay_ms": 0
            })
        );
    }

    #[test]
    fn seed_quotas_use_the_service_quotas_field_names() {
        let quota = SeedQuota::bedrock(
            "L-3DD46812",
            "On-demand model inference requests per minute",
            400.0,
        );
        assert_eq!(
            serde_json::to_value(&quota).unwrap(),
            json!({
                "ServiceCode": "bedrock", "QuotaCode": "L-3DD46812",
                "QuotaName": "On-demand model inference requests per minute", "Value": 400.0, "Adjustable": true
            })
        );
    }

    #[test]
    fn the_workspace_root_holds_the_launcher() {
        let root = workspace_root().unwrap();
        assert!(root.join("tests/emulator/setup.sh").is_file());
    }
}
