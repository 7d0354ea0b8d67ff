//! The real Lambda runtime for the demo's alarm: the notification-processor binary itself (its `main`,
//! configuration from the environment, the `lambda_runtime` loop) polling the Lambda runtime API that
//! `cargo lambda watch --only-lambda-apis` serves, and the alarm sent through that server's invoke API, as
//! the Lambda service would. The function gets only what Lambda would give it: the environment
//! template.yaml sets, the runtime's variables, and what points its SDK clients at the emulator.
//!
//! The binary is the one built next to this CLI (scripts/demo.sh builds both), so nothing is compiled
//! while the demo runs. Everything started here is stopped when [`Watch`] is dropped.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Until `cargo lambda watch` accepts connections (a few seconds).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// One invocation of the processor (its Lambda timeout is 30 s).
const INVOKE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often a pending invoke checks whether the function died.
const POLL: Duration = Duration::from_millis(250);

pub struct Watch {
    /// `cargo lambda watch`, leader of its own process group.
    server: Child,
    function: Option<Child>,
    name: String,
    port: u16,
    log: PathBuf,
}

impl Watch {
    /// Starts the runtime API, then `binary` (next to this executable) with exactly `env` plus the
    /// runtime's variables. `cargo lambda watch` serves only functions named after a binary of the
    /// workspace, so the function is invoked by its binary name, not the stack's function name.
    pub fn start(binary: &str, env: &BTreeMap<String, String>) -> Result<Watch, String> {
        let name = binary;
        let program = std::env::current_exe()
            .map_err(|e| format!("locating this executable: {e}"))?
            .with_file_name(binary);
        if !program.is_file() {
            return Err(format!(
                "{} is not built; build it next to this CLI (scripts/demo.sh does: cargo build --bin {binary})",
                program.display()
            ));
        }
        let port = free_port()?;
        let log = std::env::temp_dir().join(format!(
            "bedrock-ops-demo-lambda-{}-{port}.log",
            std::process::id()
        ));
        let server = Command::new("cargo")
            .args(["lambda", "watch", "--only-lambda-apis"])
            .args(["--invoke-address", "127.0.0.1", "--invoke-port"])
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(append(&log)?)
            .stderr(append(&log)?)
            // Its own process group, so that stopping it stops everything it started.
            .process_group(0)
            .spawn()
            .map_err(|e| {
                format!(
                    "starting `cargo lambda watch` failed ({e}); install cargo-lambda with \
                     scripts/lib/build-tools.sh and put .venv-build/bin on PATH, or run the demo without \
                     --lambda-runtime"
                )
            })?;
        let mut watch = Watch {
            server,
            function: None,
            name: name.to_owned(),
            port,
            log,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = watch.server.try_wait() {
                return Err(format!(
                    "`cargo lambda watch` exited ({status}); {}",
                    watch.log_tail()
                ));
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "`cargo lambda watch` did not listen within {START_TIMEOUT:?}; {}",
                    watch.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let function = Command::new(&program)
            .env_clear()
            .envs(env)
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("http://127.0.0.1:{port}/.rt/{name}"),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .stdin(Stdio::null())
            .stdout(append(&watch.log)?)
            .stderr(append(&watch.log)?)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", program.display()))?;
        watch.function = Some(function);
        Ok(watch)
    }

    /// Invokes the function with `payload` through the Lambda invoke API; returns the function's result,
    /// or its error as the runtime reports it.
    pub fn invoke(&mut self, payload: &Value) -> Result<Value, String> {
        let function = self.name.clone();
        let body = payload.to_string();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))
            .map_err(|e| format!("connecting to `cargo lambda watch`: {e}"))?;
        stream
            .set_read_timeout(Some(POLL))
            .map_err(|e| e.to_string())?;
        write!(
            stream,
            "POST /2015-03-31/functions/{function}/invocations HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\
             Connection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.port,
            body.len()
        )
        .map_err(|e| format!("sending the invoke: {e}"))?;
        let raw = self.read_answer(&mut stream)?;
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head.split_whitespace().nth(1).unwrap_or("");
        let value: Value = serde_json::from_str(dechunk(head, body).trim()).map_err(|e| {
            format!(
                "the invoke answered {status} with no JSON ({e}): {}",
                self.log_tail()
            )
        })?;
        if status != "200" || value.get("errorType").is_some() {
            return Err(format!("the function failed ({status}): {value}"));
        }
        Ok(value)
    }

    /// The whole answer. The runtime API holds an invoke open when the function dies before answering,
    /// so a function that exited (cargo-lambda logs it) ends the wait at once instead of at the timeout.
    fn read_answer(&mut self, stream: &mut TcpStream) -> Result<Vec<u8>, String> {
        let started = Instant::now();
        let mut raw = Vec::new();
        let mut buffer = [0u8; 8192];
        loop {
            match stream.read(&mut buffer) {
                Ok(0) => return Ok(raw),
                Ok(n) => raw.extend_from_slice(&buffer[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    if let Some(status) = self.function_exited() {
                        return Err(format!(
                            "the function exited ({status}) without answering; {}",
                            self.log_tail()
                        ));
                    }
                    if started.elapsed() > INVOKE_TIMEOUT {
                        return Err(format!(
                            "no answer within {INVOKE_TIMEOUT:?}; {}",
                            self.log_tail()
                        ));
                    }
                }
                Err(e) => {
                    return Err(format!(
                        "reading the invoke's answer: {e}; {}",
                        self.log_tail()
                    ));
                }
            }
        }
    }

    /// `127.0.0.1:<port>` of the invoke and runtime APIs.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn function_exited(&mut self) -> Option<std::process::ExitStatus> {
        self.function.as_mut()?.try_wait().ok().flatten()
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        format!(
            "its log ends with:\n{}",
            lines[lines.len().saturating_sub(15)..].join("\n")
        )
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(function) = self.function.as_mut() {
            let _ = function.kill();
            let _ = function.wait();
        }
        // The group id is the server's pid (process_group(0)); a negative pid signals the whole group.
        let group = format!("-{}", self.server.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.server.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The shared log of the server and the function, opened for appending.
fn append(log: &Path) -> Result<File, String> {
    File::options()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| format!("opening {}: {e}", log.display()))
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("finding a free port: {e}"))
}

/// The body of an HTTP/1.1 answer, joined when it came chunked.
fn dechunk<'a>(head: &str, body: &'a str) -> std::borrow::Cow<'a, str> {
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return body.into();
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_answers_are_joined_and_plain_ones_kept() {
        assert_eq!(
            dechunk(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked",
                "4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n"
            ),
            "{\"a\":1}"
        );
        assert_eq!(dechunk("HTTP/1.1 200 OK", "{}"), "{}");
    }
}
