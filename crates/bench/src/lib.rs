//! The benchmark of issue 8 (`scripts/bench.sh`): what one alarm, one calculator run and one updater run cost in
//! AWS calls, sequential round trips and time, against the local emulator with an injected per-call latency; and
//! the release bootstraps' size, peak RSS and init time behind a local Lambda runtime API.
//!
//! | Module | What |
//! |---|---|
//! | [`calls`] | a run's call log: calls by operation, writes, sequential round trips (the algorithm) |
//! | [`scenarios`] | the processor's scenarios, one new transition per run, each run's filings closed again |
//! | [`runtime_api`] | the runtime-API stub and a release bootstrap run behind it |
//! | [`stats`] | median and p95 |
//! | [`report`] | the table (figure, target, PASS/MISS) and its section of docs/performance.md |
//!
//! Timings are measured on the release bootstraps (`src/main.rs`); the call counting is the same for the
//! handler library in-process, which is what the fast call-budget test runs.

pub mod calls;
pub mod report;
pub mod runtime_api;
pub mod scenarios;
pub mod stats;

use std::future::Future;
use std::time::Duration;

use notification_processor::testbed::Testbed;
use serde_json::Value;

use crate::calls::CallLog;
use crate::scenarios::Scenario;

/// The processor's budget per alarm (issue 8).
pub const MAX_CALLS: usize = 10;
pub const MAX_ROUND_TRIPS: usize = 4;

/// One measured run: `invoke` handles `event` while the emulator answers every call after `latency_ms`; the
/// call log holds that run's calls only.
pub async fn measure_run<F, Fut>(
    testbed: &Testbed,
    latency_ms: u64,
    event: Value,
    invoke: F,
) -> (Duration, CallLog)
where
    F: FnOnce(Value) -> Fut,
    Fut: Future<Output = Duration>,
{
    testbed
        .emulator
        .set_latency_ms(latency_ms)
        .expect("latency set");
    testbed.emulator.reset_calls().expect("call log reset");
    let elapsed = invoke(event).await;
    let log = CallLog::new(testbed.calls());
    testbed.emulator.set_latency_ms(0).expect("latency cleared");
    (elapsed, log)
}

/// Sets up `scenario` on the seeded `testbed` and handles its alarm once with the handler library, in-process.
pub async fn calls_in_process(testbed: &Testbed, scenario: &Scenario, latency_ms: u64) -> CallLog {
    scenario.setup.apply(testbed).await;
    let processor = testbed.processor();
    let event = scenarios::event_for_run(scenario.fixture, 0);
    let (_, log) = measure_run(testbed, latency_ms, event, |event| async move {
        let started = std::time::Instant::now();
        let reports = processor
            .handle(
                &event,
                notification_processor::now_epoch(),
                notification_processor::RunMode::Live,
            )
            .await
            .expect("handled");
        assert!(
            matches!(reports[..], [notification_processor::Report::Handled(_)]),
            "{reports:?}"
        );
        started.elapsed()
    })
    .await;
    log
}
