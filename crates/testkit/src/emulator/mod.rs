//! Test harness for the local AWS emulator in `tests/emulator/` (moto behind our launcher, see its README).
//!
//! [`Emulator::start`] prepares the pinned Python environment if needed, starts `launcher.py` on a free loopback
//! port and stops it on drop; the launcher also exits by itself when this process dies, so a crashed test run never
//! leaves a server behind. [`Emulator::sdk_config`] points the real SDK clients at it, and the typed helpers drive
//! its `/_ext/` endpoints (seeding, read-back, call log, latency and fault injection) over a minimal blocking HTTP
//! client, so the harness adds no dependency.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`Emulator`]: starting the process, sharing it per test binary, stopping it |
//! | [`setup`] | the workspace root, the emulator's Python, run directories |
//! | [`turn`] | the one lock: one test at a time on the shared emulator |
//! | [`clients`] | SDK configuration and clients pointed at the emulator |
//! | `child_env` | the environment of a child process (the CLI binary) that talks to the emulator |
//! | [`seeding`] | the state a test sets: reset, quotas, request status, Support plan, latency |
//! | [`readback`] | what the code under test did: quota requests, cases, SNS messages, calls, CloudFormation answers |
//! | [`faults`] | injected errors and delays, and [`fault_rows!`](crate::fault_rows) |
//! | [`cloudformation`] | how long stack operations stay in progress, a failure injected into a stack's next execution |
//! | `http` | the blocking HTTP/1.1 exchange with the `/_ext/` endpoints |
//! | [`error`] | [`EmulatorError`] |

mod child_env;
pub mod clients;
pub mod cloudformation;
pub mod error;
pub mod faults;
mod http;
pub mod readback;
pub mod seeding;
pub mod setup;
pub mod sqs;
pub mod turn;

use std::fs::{self, File};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use error::EmulatorError;
pub use faults::Fault;
pub use readback::{
    AWS_SUBMITTER, CallRecord, CfnResponse, Communication, QuotaRequest, SERVICE_QUOTAS_SUBMITTER,
    SnsMessage, SupportCase,
};
pub use seeding::SeedQuota;
pub use setup::{PYTHON_ENV, python, workspace_root};
pub use turn::take_turn;

use error::io_error;
use setup::{log_tail, remove_stale_run_dirs, unique_run_dir};

/// Region every emulated client uses.
pub const REGION: &str = "us-east-1";
/// The one account the emulator serves.
pub const ACCOUNT_ID: &str = "123456789012";

/// How long a starting emulator may take to publish its port. It starts in under a second on an idle core, but the
/// tests start one per test process, six at a time (.config/nextest.toml), on machines that may be compiling too:
/// a slow start is not a failure of the code under test.
const READY_TIMEOUT: Duration = Duration::from_secs(90);

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
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.run_dir);
    }
}
