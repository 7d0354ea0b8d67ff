//! A local Lambda runtime API (the part a bootstrap talks to: `invocation/next`, `…/response`, `…/error`,
//! `init/error`) and a bootstrap run behind it as Lambda runs it: the benchmark (`bedrock-ops-alert bench`)
//! sees the release binary's init time, handler time, CPU time and peak RSS, and the tests run the real
//! binary's invocations, failures included ([`Bootstrap::call`], and Lambda's asynchronous retry in
//! [`crate::async_retry`]).
//!
//! Init time is measured from just before the process is spawned until the stub has read its first
//! `invocation/next` request. Handler time runs from the moment the stub has written an event to the moment
//! it has read the response: what Lambda bills, event and response (de)serialisation included.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use bedrock_ops_aws::clock::now_epoch_millis;
use serde_json::Value;

const API_PREFIX: &str = "/2018-06-01/runtime/";
/// Longest a run may take before the benchmark gives up on the bootstrap.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);
/// The deadline the stub hands to each invocation, like a function timeout.
const DEADLINE: Duration = Duration::from_secs(60);

/// What the stub saw.
#[derive(Debug)]
enum Seen {
    Poll(Instant),
    Delivered(String, Instant),
    Response(String, Instant, String),
    Error(String, String),
    InitError(String),
}

struct Invocation {
    id: String,
    body: String,
}

/// The stub server, one per bootstrap process.
struct RuntimeApi {
    addr: SocketAddr,
    invocations: Sender<Invocation>,
    seen: Receiver<Seen>,
    stop: Arc<AtomicBool>,
}

impl RuntimeApi {
    fn start(function_arn: String) -> std::io::Result<RuntimeApi> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let (invocations, pending) = channel::<Invocation>();
        let pending = Arc::new(Mutex::new(pending));
        let (report, seen) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let function_arn = Arc::new(function_arn);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (pending, report, arn) = (
                    Arc::clone(&pending),
                    report.clone(),
                    Arc::clone(&function_arn),
                );
                thread::spawn(move || serve(stream, &pending, &report, &arn));
            }
        });
        Ok(RuntimeApi {
            addr,
            invocations,
            seen,
            stop,
        })
    }

    fn next_seen(&self) -> Result<Seen, String> {
        self.seen
            .recv_timeout(RUN_TIMEOUT)
            .map_err(|e| format!("the bootstrap went quiet: {e}"))
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the stop flag.
        let _ = TcpStream::connect(self.addr);
    }
}

struct Request {
    method: String,
    path: String,
    body: String,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &str) -> bool {
    let mut out = format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(out.as_bytes()).is_ok() && stream.flush().is_ok()
}

/// One keep-alive connection of the bootstrap's runtime client.
fn serve(
    stream: TcpStream,
    pending: &Mutex<Receiver<Invocation>>,
    report: &Sender<Seen>,
    function_arn: &str,
) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let Some(route) = request.path.strip_prefix(API_PREFIX) else {
            respond(&mut writer, "404 Not Found", &[], "{}");
            continue;
        };
        let route = route.to_owned();
        if request.method == "GET" && route == "invocation/next" {
            let _ = report.send(Seen::Poll(Instant::now()));
            // The runtime waits here between events, as it does in Lambda; a closed channel ends the process's
            // turn.
            let next = pending.lock().map(|pending| pending.recv());
            let Ok(Ok(invocation)) = next else { return };
            let headers = [
                ("lambda-runtime-aws-request-id", invocation.id.clone()),
                (
                    "lambda-runtime-deadline-ms",
                    (u128::from(now_epoch_millis()) + DEADLINE.as_millis()).to_string(),
                ),
                (
                    "lambda-runtime-invoked-function-arn",
                    function_arn.to_owned(),
                ),
                (
                    "lambda-runtime-trace-id",
                    "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned(),
                ),
            ];
            if !respond(&mut writer, "200 OK", &headers, &invocation.body) {
                return;
            }
            let _ = report.send(Seen::Delivered(invocation.id, Instant::now()));
        } else if request.method == "POST" && route == "init/error" {
            let _ = report.send(Seen::InitError(request.body));
            respond(&mut writer, "202 Accepted", &[], "{}");
        } else if let Some(rest) = route.strip_prefix("invocation/") {
            let at = Instant::now();
            let seen = match rest.rsplit_once('/') {
                Some((id, "response")) => Seen::Response(id.to_owned(), at, request.body),
                Some((id, "error")) => Seen::Error(id.to_owned(), request.body),
                _ => {
                    respond(&mut writer, "404 Not Found", &[], "{}");
                    continue;
                }
            };
            let _ = report.send(seen);
            respond(&mut writer, "202 Accepted", &[], "{}");
        } else {
            respond(&mut writer, "404 Not Found", &[], "{}");
        }
    }
}

/// One invocation's result.
#[derive(Debug, Clone)]
pub struct Invoked {
    /// From the event written to the response read.
    pub elapsed: Duration,
    pub response: Value,
}

/// What the function answered to one invocation.
#[derive(Debug, Clone)]
pub enum Answer {
    Response(Invoked),
    /// The error the runtime reported: `{"errorType": …, "errorMessage": …}`.
    Error(Value),
}

/// A bootstrap running behind the stub.
pub struct Bootstrap {
    child: Child,
    api: RuntimeApi,
    function_arn: String,
    /// Process start until its first poll of the runtime API.
    pub init: Duration,
}

static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);

impl Bootstrap {
    /// Starts `path` as function `function` with `env` (and nothing else from this process's environment, as in
    /// Lambda) and waits for its first poll. Its output goes to `log`.
    pub fn start(
        path: &Path,
        function: &str,
        env: &[(String, String)],
        log: &Path,
    ) -> Result<Bootstrap, String> {
        let arn = format!("arn:aws:lambda:us-east-1:123456789012:function:{function}");
        let api = RuntimeApi::start(arn.clone()).map_err(|e| format!("runtime API stub: {e}"))?;
        let out = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let lambda_env: BTreeMap<&str, String> = [
            ("AWS_LAMBDA_RUNTIME_API", api.addr.to_string()),
            ("AWS_LAMBDA_FUNCTION_NAME", function.to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{function}"),
            ),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".to_owned()),
            ("_HANDLER", "bootstrap".to_owned()),
        ]
        .into_iter()
        .collect();
        let mut command = Command::new(path);
        command
            .env_clear()
            .envs(lambda_env)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let started = Instant::now();
        let child = command
            .spawn()
            .map_err(|e| format!("starting {}: {e}", path.display()))?;
        let mut bootstrap = Bootstrap {
            child,
            api,
            function_arn: arn,
            init: Duration::ZERO,
        };
        match bootstrap.api.next_seen()? {
            Seen::Poll(at) => bootstrap.init = at - started,
            Seen::InitError(body) => return Err(format!("init error: {body}")),
            other => return Err(format!("unexpected first request: {other:?}")),
        }
        Ok(bootstrap)
    }

    /// Delivers `payload` as one invocation and waits for its answer; a function error is an `Err`.
    pub fn invoke(&mut self, payload: &Value) -> Result<Invoked, String> {
        match self.call(payload)? {
            Answer::Response(invoked) => Ok(invoked),
            Answer::Error(error) => Err(format!("the function failed: {error}")),
        }
    }

    /// Delivers `payload` as one invocation and returns the function's answer: its response, or the error it
    /// reported (`{"errorType", "errorMessage"}`).
    pub fn call(&mut self, payload: &Value) -> Result<Answer, String> {
        let id = format!("bench-{}", REQUEST_IDS.fetch_add(1, Ordering::SeqCst));
        self.api
            .invocations
            .send(Invocation {
                id: id.clone(),
                body: payload.to_string(),
            })
            .map_err(|_| "the runtime API stub stopped".to_owned())?;
        let mut delivered = None;
        loop {
            match self.api.next_seen()? {
                Seen::Delivered(got, at) if got == id => delivered = Some(at),
                Seen::Response(got, at, body) if got == id => {
                    let start = delivered.ok_or("a response before the event was delivered")?;
                    let elapsed = at - start;
                    // The runtime polls again at once; its CPU time settles before the next invocation.
                    self.settle();
                    let response = serde_json::from_str(&body).unwrap_or(Value::String(body));
                    return Ok(Answer::Response(Invoked { elapsed, response }));
                }
                Seen::Error(got, body) if got == id => {
                    self.settle();
                    let error = serde_json::from_str(&body).unwrap_or(Value::String(body));
                    return Ok(Answer::Error(error));
                }
                Seen::InitError(body) => return Err(format!("init error: {body}")),
                _ => {}
            }
        }
    }

    /// Waits for the runtime's next poll, which follows every answer.
    fn settle(&self) {
        if let Ok(Seen::Poll(_)) = self.api.seen.recv_timeout(RUN_TIMEOUT) {}
    }

    /// The function's ARN, as the stub hands it to every invocation.
    pub fn function_arn(&self) -> &str {
        &self.function_arn
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident set size so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Result<u64, String> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .map_err(|e| format!("/proc/{}/status: {e}", self.pid()))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| "no VmHWM in /proc status".to_owned())
    }

    /// User + system CPU time of the process so far (10 ms resolution: divide a sum over many runs).
    pub fn cpu_time(&self) -> Result<Duration, String> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))
            .map_err(|e| format!("/proc/{}/stat: {e}", self.pid()))?;
        // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
        let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        // USER_HZ is 100 on every Linux this runs on.
        Ok(Duration::from_millis((ticks(11) + ticks(12)) * 10))
    }
}

impl Drop for Bootstrap {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
