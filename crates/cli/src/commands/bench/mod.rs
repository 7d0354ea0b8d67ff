//! `bench` (feature `emulator`, run by `scripts/bench.sh`, which builds the release bootstraps first and writes
//! the tables to docs/performance.md): the benchmark of issue 8. What one alarm, one calculator run and one
//! updater run cost in AWS calls, sequential round trips and time, against the local emulator with an injected
//! per-call latency; and the release bootstraps' size, peak RSS and init time behind a local Lambda runtime API.
//!
//! | Module | What |
//! |---|---|
//! | [`budget`] | the processor's call and round-trip budget, one measured run |
//! | [`calls`] | a run's call log: calls by operation, writes, sequential round trips (the algorithm) |
//! | [`scenarios`] | the processor's scenarios, one new transition per run, each run's filings closed again |
//! | [`stats`] | median and p95 |
//! | [`report`] | the table (figure, target, PASS/MISS) and its section of docs/performance.md |
//!
//! Timings are measured on the release bootstraps; the call counting is the same for the handler library
//! in-process, which is what the fast call-budget test (`tests/call_budget.rs`) runs.

mod budget;
mod calls;
mod report;
mod scenarios;
mod stats;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bedrock_ops_core::thresholds::SERVICE_CODE;
use bedrock_ops_testkit::emulator::{Emulator, SeedQuota};
use bedrock_ops_testkit::testbed::processor::{MODEL_ID, RPM_CODE, TPM_CODE, Testbed};
use serde_json::{Value, json};

use self::budget::{MAX_CALLS, MAX_ROUND_TRIPS, measure_run};
use self::calls::CallLog;
use self::report::{Table, judged, mib, ms};
use self::scenarios::{Baseline, Scenario};
use self::stats::{median, p95};
use super::CommandResult;
use bedrock_ops_testkit::runtime_api::Bootstrap;

const FUNCTIONS: [&str; 3] = [
    "notification-processor",
    "quota-calculator",
    "alarm-updater",
];
const ARCHES: [&str; 2] = ["arm64", "x86_64"];
const MAX_HANDLER_MEDIAN: Duration = Duration::from_millis(200);
const MAX_RUN: Duration = Duration::from_secs(1);
const MAX_BOOTSTRAP_BYTES: u64 = 8 * 1024 * 1024;
const MAX_RSS_KIB: u64 = 40 * 1024;
const MAX_INIT: Duration = Duration::from_millis(50);
/// Lambda gives a function one full vCPU at 1,769 MB and a proportional share below.
const FULL_VCPU_MB: f64 = 1769.0;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Latency the emulator adds to every AWS call, standing for a real AWS round trip.
    #[arg(long, default_value_t = 25)]
    latency_ms: u64,
    /// Measured runs per scenario and latency (after one unmeasured first run).
    #[arg(long, default_value_t = 20)]
    runs: u32,
    /// Process starts for the init time of each function.
    #[arg(long, default_value_t = 10)]
    init_starts: u32,
    /// Cargo's target directory: bootstraps are read from <dir>/lambda-<arch>/<function>/bootstrap
    /// (scripts/release.sh), or <dir>/release/<function> (cargo build --release) for the host.
    #[arg(long, default_value = "target")]
    target_dir: PathBuf,
    /// Writes the tables into this file's benchmark section (created when missing).
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Printed in the file as the command that reproduces the figures.
    #[arg(long, default_value = "scripts/bench.sh")]
    reproduce: String,
}

/// The bootstrap this machine can run for `function`: x86_64 from cargo-lambda, else a host release build.
fn runnable(target: &Path, function: &str) -> Option<PathBuf> {
    if std::env::consts::ARCH != "x86_64" {
        return None;
    }
    [
        target
            .join("lambda-x86_64")
            .join(function)
            .join("bootstrap"),
        target.join("release").join(function),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

fn emulator_env(emulator: &Emulator) -> Vec<(String, String)> {
    [
        ("AWS_ENDPOINT_URL", emulator.endpoint_url()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn log_path(target: &Path, name: &str) -> PathBuf {
    let dir = target.join("bench");
    let _ = std::fs::create_dir_all(&dir);
    dir.join(format!("{name}.log"))
}

/// Starts `path` `starts` times and returns each start's init time.
fn init_times(
    path: &Path,
    function: &str,
    env: &[(String, String)],
    log: &Path,
    starts: u32,
) -> Vec<Duration> {
    (0..starts)
        .map(|_| {
            Bootstrap::start(path, function, env, log)
                .unwrap_or_else(|e| panic!("{function}: {e}"))
                .init
        })
        .collect()
}

/// Every run of one processor scenario.
struct ScenarioResult {
    name: &'static str,
    /// The first invocation of a fresh process (connections opened), at the injected latency.
    first: Duration,
    at_zero: Vec<Duration>,
    at_latency: Vec<Duration>,
    /// The call log of every run at the injected latency.
    logs: Vec<CallLog>,
    cpu_per_alarm: Duration,
    peak_rss_kib: u64,
}

fn handled(response: &Value) -> bool {
    response["transitions"]
        .as_array()
        .is_some_and(|t| t.iter().all(|t| t["result"] == "handled"))
}

fn run_scenario(
    args: &Args,
    path: &Path,
    scenario: &Scenario,
    inits: &mut Vec<Duration>,
) -> ScenarioResult {
    let mut out = None;
    let slot = &mut out;
    let log = log_path(&args.target_dir, "notification-processor");
    Testbed::run(&scenario.account, |testbed| async move {
        let env: Vec<(String, String)> = testbed
            .cli_env()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        if inits.is_empty() {
            inits.extend(init_times(
                path,
                "notification-processor",
                &env,
                &log,
                args.init_starts,
            ));
        }
        scenario.setup.apply(&testbed).await;
        let baseline = Baseline::take(&testbed);
        let mut boot = Bootstrap::start(path, "notification-processor", &env, &log)
            .unwrap_or_else(|e| panic!("{}: {e}", scenario.name));
        let mut run = 0;
        let mut invoke = async |latency: u64, boot: &mut Bootstrap| {
            run += 1;
            let event = scenarios::event_for_run(scenario.fixture, run);
            let measured = measure_run(&testbed, latency, event, |event| {
                let invoked = boot
                    .invoke(&event)
                    .unwrap_or_else(|e| panic!("{}: {e}", scenario.name));
                assert!(
                    handled(&invoked.response),
                    "{}: {}",
                    scenario.name,
                    invoked.response
                );
                std::future::ready(invoked.elapsed)
            })
            .await;
            baseline.undo_filings(&testbed).await;
            measured
        };
        let (first, _) = invoke(args.latency_ms, &mut boot).await;
        let mut at_zero = Vec::new();
        for _ in 0..args.runs {
            at_zero.push(invoke(0, &mut boot).await.0);
        }
        let (mut at_latency, mut logs) = (Vec::new(), Vec::new());
        let cpu_before = boot.cpu_time().expect("CPU time");
        for _ in 0..args.runs {
            let (elapsed, log) = invoke(args.latency_ms, &mut boot).await;
            at_latency.push(elapsed);
            logs.push(log);
        }
        let cpu = boot
            .cpu_time()
            .expect("CPU time")
            .saturating_sub(cpu_before);
        *slot = Some(ScenarioResult {
            name: scenario.name,
            first,
            at_zero,
            at_latency,
            logs,
            cpu_per_alarm: cpu / args.runs.max(1),
            peak_rss_kib: boot.peak_rss_kib().expect("VmHWM"),
        });
    });
    out.expect("scenario measured")
}

/// One calculator or updater variant's runs.
struct RunResult {
    name: String,
    times: Vec<Duration>,
    logs: Vec<CallLog>,
    /// The no-change run's target: no writes at all.
    must_not_write: bool,
}

struct FunctionRuns {
    runs: Vec<RunResult>,
    inits: Vec<(&'static str, Vec<Duration>)>,
    peak_rss_kib: Vec<(&'static str, u64)>,
}

fn workspace_file(relative: &str) -> Value {
    let path = bedrock_ops_testkit::emulator::workspace_root()
        .expect("workspace root")
        .join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `invoke` once unmeasured, then `runs` times at the injected latency (`before` prepares each run).
fn measured_runs(
    emulator: &Emulator,
    latency_ms: u64,
    runs: u32,
    mut before: impl FnMut(u32),
    mut invoke: impl FnMut(u32) -> Duration,
) -> (Vec<Duration>, Vec<CallLog>) {
    before(0);
    invoke(0);
    let (mut times, mut logs) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        before(run);
        emulator.set_latency_ms(latency_ms).expect("latency");
        emulator.reset_calls().expect("calls reset");
        times.push(invoke(run));
        logs.push(CallLog::new(emulator.calls().expect("call log")));
        emulator.set_latency_ms(0).expect("latency");
    }
    (times, logs)
}

fn calculator_and_updater(args: &Args) -> Option<FunctionRuns> {
    let calculator = runnable(&args.target_dir, "quota-calculator")?;
    let updater = runnable(&args.target_dir, "alarm-updater")?;
    let emulator = Emulator::shared().expect("the emulator starts");
    emulator.reset().expect("reset");
    let (rpm, tpm) = (10_000.0, 6_250_000.0);
    emulator
        .seed_quotas(
            &[
                SeedQuota::bedrock(RPM_CODE, "Global cross-region model inference requests per minute for Anthropic Claude Opus 4.6 V1", rpm),
                SeedQuota::bedrock(TPM_CODE, "Global cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1", tpm),
            ],
            &[],
        )
        .expect("quotas seeded");
    let topic_arn = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(
            aws_sdk_sns::Client::new(&emulator.sdk_config())
                .create_topic()
                .name("Acme-Bedrock-Alarms-Formatted-Opus")
                .send(),
        )
        .expect("topic created")
        .topic_arn
        .expect("topic ARN");
    let env = emulator_env(emulator);
    let mut result = FunctionRuns {
        runs: Vec::new(),
        inits: Vec::new(),
        peak_rss_kib: Vec::new(),
    };

    let log = log_path(&args.target_dir, "quota-calculator");
    result.inits.push((
        "quota-calculator",
        init_times(
            &calculator,
            "quota-calculator",
            &env,
            &log,
            args.init_starts,
        ),
    ));
    let mut boot = Bootstrap::start(&calculator, "quota-calculator", &env, &log)
        .unwrap_or_else(|e| panic!("quota-calculator: {e}"));
    let create = workspace_file("tests/fixtures/custom-resource/create.json");
    let (times, logs) = measured_runs(
        emulator,
        args.latency_ms,
        args.runs,
        |_| {},
        |run| {
            let mut event = create.clone();
            event["ResponseURL"] = json!(emulator.cfn_response_url(&format!("bench-{run}")));
            event["RequestId"] = json!(format!("bench-create-{run}"));
            let invoked = boot
                .invoke(&event)
                .unwrap_or_else(|e| panic!("quota-calculator: {e}"));
            invoked.elapsed
        },
    );
    let answered = emulator.cfn_responses().expect("CloudFormation replies");
    assert!(
        answered
            .iter()
            .all(|r| r.body.as_ref().is_some_and(|b| b["Status"] == "SUCCESS")),
        "the calculator failed: {answered:?}"
    );
    result.runs.push(RunResult {
        name: "quota calculator: Create (2 alarms, 10 parameters)".into(),
        times,
        logs,
        must_not_write: false,
    });
    result
        .peak_rss_kib
        .push(("quota-calculator", boot.peak_rss_kib().expect("VmHWM")));
    drop(boot);

    let mut env = env;
    env.extend(
        [
            ("CUSTOMER_NAME", "Acme"),
            ("BEDROCK_MODEL_NAME", "Opus"),
            ("BEDROCK_MODEL_ID", MODEL_ID),
            ("REQUESTS_PER_MINUTE_QUOTA_CODE", RPM_CODE),
            ("TOKENS_PER_MINUTE_QUOTA_CODE", TPM_CODE),
            ("REQUESTS_PER_MINUTE_THRESHOLD_PERCENT", "80"),
            ("TOKENS_PER_MINUTE_THRESHOLD_PERCENT", "80"),
            ("FORMATTED_TOPIC_ARN", topic_arn.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let log = log_path(&args.target_dir, "alarm-updater");
    result.inits.push((
        "alarm-updater",
        init_times(&updater, "alarm-updater", &env, &log, args.init_starts),
    ));
    let mut boot = Bootstrap::start(&updater, "alarm-updater", &env, &log)
        .unwrap_or_else(|e| panic!("alarm-updater: {e}"));
    let schedule = workspace_file("tests/fixtures/schedule/threshold-update.json");
    let mut invoke = |_| {
        boot.invoke(&schedule)
            .unwrap_or_else(|e| panic!("alarm-updater: {e}"))
            .elapsed
    };
    let (times, logs) = measured_runs(emulator, args.latency_ms, args.runs, |_| {}, &mut invoke);
    result.runs.push(RunResult {
        name: "alarm updater: no change".into(),
        times,
        logs,
        must_not_write: true,
    });
    // Every run finds both quotas raised again, so each one moves both alarms, records and e-mails.
    let (times, logs) = measured_runs(
        emulator,
        args.latency_ms,
        args.runs,
        |run| {
            let step = f64::from(run + 1);
            emulator
                .set_quota_value(SERVICE_CODE, RPM_CODE, rpm + 100.0 * step)
                .expect("RPM quota raised");
            emulator
                .set_quota_value(SERVICE_CODE, TPM_CODE, tpm + 10_000.0 * step)
                .expect("TPM quota raised");
        },
        &mut invoke,
    );
    result.runs.push(RunResult {
        name: "alarm updater: both quotas changed".into(),
        times,
        logs,
        must_not_write: false,
    });
    result
        .peak_rss_kib
        .push(("alarm-updater", boot.peak_rss_kib().expect("VmHWM")));
    Some(result)
}

fn spread(samples: &[Duration]) -> String {
    match (median(samples), p95(samples)) {
        (Some(m), Some(p)) => format!("{} / {}", ms(m), ms(p)),
        _ => "-".into(),
    }
}

/// The most of `f` over every run (the counts are the same in every run; the most is the honest figure).
fn most(logs: &[CallLog], f: impl Fn(&CallLog) -> usize) -> usize {
    logs.iter().map(f).max().unwrap_or(0)
}

/// The round trips of most runs, and how many runs counted more: on a loaded machine a call of a concurrent
/// group can be scheduled after its partner was answered, which splits the group in the log.
fn usual_round_trips(logs: &[CallLog]) -> (usize, usize) {
    let trips: Vec<usize> = logs.iter().map(CallLog::round_trips).collect();
    let usual = trips
        .iter()
        .copied()
        .max_by_key(|t| {
            (
                trips.iter().filter(|u| *u == t).count(),
                std::cmp::Reverse(*t),
            )
        })
        .unwrap_or(0);
    (usual, trips.iter().filter(|t| **t > usual).count())
}

fn processor_tables(args: &Args, results: &[ScenarioResult]) -> Vec<Table> {
    let latency = args.latency_ms;
    let mut main = Table::new(
        &format!(
            "Notification processor, per alarm ({} runs per figure, {latency} ms per AWS call unless said)",
            args.runs
        ),
        &[
            "scenario",
            "AWS calls",
            "sequential round trips",
            "handler median / p95 at 0 ms",
            &format!("handler median / p95 at {latency} ms"),
            &format!("median at {latency} ms"),
            "first run of a new process",
        ],
    );
    let mut operations = Table::new(
        "Notification processor, AWS calls by operation",
        &["scenario", "calls by operation"],
    );
    for r in results {
        let calls = most(&r.logs, CallLog::total);
        let (trips, split) = usual_round_trips(&r.logs);
        let med = median(&r.at_latency).unwrap_or_default();
        main.row(vec![
            r.name.to_owned(),
            judged(calls, &format!("≤ {MAX_CALLS}"), calls <= MAX_CALLS),
            judged(
                if split == 0 {
                    trips.to_string()
                } else {
                    format!("{trips} (more in {split} of {} runs)", r.logs.len())
                },
                &format!("≤ {MAX_ROUND_TRIPS}"),
                trips <= MAX_ROUND_TRIPS,
            ),
            spread(&r.at_zero),
            spread(&r.at_latency),
            judged(ms(med), "≤ 200 ms", med <= MAX_HANDLER_MEDIAN),
            ms(r.first),
        ]);
        operations.row(vec![
            r.name.to_owned(),
            r.logs.first().map(CallLog::describe).unwrap_or_default(),
        ]);
    }
    main.notes.push(
        "Handler time: from the runtime API stub writing the event to reading the response, on the x86_64 \
         release bootstrap, warm (after one first run). Round trips: maximal sets of overlapping calls in the \
         emulator's call log (crates/cli/src/commands/bench/calls.rs), as counted in most runs."
            .into(),
    );

    // Lambda's CPU share grows with memory up to one vCPU at 1,769 MB: the CPU part of a run shrinks with
    // memory, the wait for AWS does not.
    let mut memory = Table::new(
        &format!(
            "Notification processor, memory size and cost per alarm (blog example 1, {latency} ms per call)"
        ),
        &["memory", "estimated duration", "GB-ms per alarm"],
    );
    if let Some(r) = results.first() {
        let wall = median(&r.at_latency).unwrap_or_default().as_secs_f64() * 1000.0;
        let cpu = r.cpu_per_alarm.as_secs_f64() * 1000.0;
        let wait = (wall - cpu).max(0.0);
        for size in [128.0, 256.0, 512.0, 1024.0] {
            let duration = wait + cpu * (FULL_VCPU_MB / size).max(1.0);
            memory.row(vec![
                format!("{size:.0} MB"),
                format!("{duration:.0} ms"),
                format!("{:.1}", duration * size / 1024.0),
            ]);
        }
        memory.notes.push(format!(
            "Measured here: {cpu:.1} ms CPU per alarm (process user+system time over the runs) in a {wall:.1} ms \
             median run. Estimate: the wait for AWS stays, the CPU part scales with Lambda's CPU share \
             (memory / 1,769 MB). Cost per alarm = duration × memory, so it is lowest at the smallest size that \
             holds the peak RSS."
        ));
    }
    vec![main, operations, memory]
}

fn function_tables(args: &Args, runs: &FunctionRuns) -> Table {
    let mut table = Table::new(
        &format!(
            "Quota calculator and alarm updater, per run ({} runs, {} ms per AWS call)",
            args.runs, args.latency_ms
        ),
        &[
            "run",
            "AWS calls",
            "writes",
            "median / p95",
            "median",
            "calls by operation",
        ],
    );
    for r in &runs.runs {
        let writes = most(&r.logs, CallLog::writes);
        let med = median(&r.times).unwrap_or_default();
        table.row(vec![
            r.name.clone(),
            most(&r.logs, CallLog::total).to_string(),
            if r.must_not_write {
                judged(writes, "no writes", writes == 0)
            } else {
                writes.to_string()
            },
            spread(&r.times),
            judged(ms(med), "≤ 1 s", med <= MAX_RUN),
            r.logs.first().map(CallLog::describe).unwrap_or_default(),
        ]);
    }
    table
}

fn build_table(
    args: &Args,
    inits: &[(&'static str, Vec<Duration>)],
    rss: &[(&'static str, u64)],
) -> Table {
    let mut table = Table::new(
        "Bootstraps: size, peak RSS, init time",
        &[
            "function",
            "arm64 size",
            "x86_64 size",
            "peak RSS (x86_64, handling)",
            "init median (x86_64)",
        ],
    );
    for function in FUNCTIONS {
        let size = |arch: &str| {
            let path = args
                .target_dir
                .join(format!("lambda-{arch}"))
                .join(function)
                .join("bootstrap");
            match std::fs::metadata(&path) {
                Ok(meta) => judged(
                    mib(meta.len()),
                    "≤ 8 MiB",
                    meta.len() <= MAX_BOOTSTRAP_BYTES,
                ),
                Err(_) => "not built".to_owned(),
            }
        };
        let peak = rss.iter().find(|(f, _)| *f == function).map_or_else(
            || "not measured".to_owned(),
            |(_, kib)| {
                judged(
                    format!("{:.1} MiB", *kib as f64 / 1024.0),
                    "≤ 40 MiB",
                    *kib <= MAX_RSS_KIB,
                )
            },
        );
        let init = inits
            .iter()
            .find(|(f, _)| *f == function)
            .and_then(|(_, t)| median(t).map(|m| (m, t.len())))
            .map_or_else(
                || "not measured".to_owned(),
                |(m, n)| judged(format!("{} (n = {n})", ms(m)), "≤ 50 ms", m <= MAX_INIT),
            );
        table.row(vec![
            function.to_owned(),
            size(ARCHES[0]),
            size(ARCHES[1]),
            peak,
            init,
        ]);
    }
    table.notes.push(
        "Sizes: target/lambda-<arch>/<function>/bootstrap from scripts/release.sh. Peak RSS: VmHWM of the \
         bootstrap process after its runs. Init: process start until its first poll of the runtime API stub."
            .into(),
    );
    table
}

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    let machine = report::machine();
    let started = Instant::now();
    let mut tables = Vec::new();
    let mut inits = Vec::new();
    let mut rss = Vec::new();

    match runnable(&args.target_dir, "notification-processor") {
        Some(path) => {
            let mut processor_inits = Vec::new();
            let mut results = Vec::new();
            for scenario in scenarios::all() {
                eprintln!("bench: {}", scenario.name);
                results.push(run_scenario(args, &path, &scenario, &mut processor_inits));
            }
            inits.push(("notification-processor", processor_inits));
            rss.push((
                "notification-processor",
                results.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0),
            ));
            tables.extend(processor_tables(args, &results));
        }
        None => {
            eprintln!("bench: no runnable notification-processor bootstrap; run scripts/release.sh")
        }
    }
    eprintln!("bench: quota calculator and alarm updater");
    match calculator_and_updater(args) {
        Some(runs) => {
            tables.push(function_tables(args, &runs));
            inits.extend(runs.inits);
            rss.extend(runs.peak_rss_kib);
        }
        None => {
            eprintln!("bench: no runnable calculator/updater bootstrap; run scripts/release.sh")
        }
    }
    tables.push(build_table(args, &inits, &rss));

    let misses = report::misses(&tables);
    let body = format!(
        "### Latest run\n\nMachine: {}. Date: {}. Reproduce: `{}` (emulator latency {} ms per AWS call, {} runs per \
         figure, {} process starts per init figure; took {:.0} s).\n\n{}\n\n{} of the figures above miss their \
         target.\n",
        machine,
        report::today(),
        args.reproduce,
        args.latency_ms,
        args.runs,
        args.init_starts,
        started.elapsed().as_secs_f64(),
        tables
            .iter()
            .map(Table::markdown)
            .collect::<Vec<_>>()
            .join("\n\n"),
        misses,
    );
    writeln!(out, "{body}")?;
    if let Some(path) = &args.markdown {
        report::write_section(path, &body)
            .map_err(|error| format!("bench: writing {}: {error}", path.display()))?;
        eprintln!("bench: written to {}", path.display());
    }
    Ok(())
}
