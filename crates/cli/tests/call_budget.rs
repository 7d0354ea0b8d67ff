//! The benchmark's call counting, in-process and without timings (counts are deterministic, times are not):
//! the scenarios that meet the processor's budget (≤ 10 AWS calls, ≤ 4 sequential round trips per alarm) keep
//! meeting it. The scenarios that miss it are listed, with why, in docs/performance.md.

// The CLI is a binary crate, so the test compiles the `bench` command's own modules into itself rather than
// copying them.
#[path = "../src/commands/bench/budget.rs"]
mod budget;
#[path = "../src/commands/bench/calls.rs"]
mod calls;
// The per-run baseline that closes filings again is the command's alone: each count here has a fresh testbed.
#[allow(dead_code)]
#[path = "../src/commands/bench/scenarios.rs"]
mod scenarios;

use budget::{MAX_CALLS, MAX_ROUND_TRIPS, measure_run};
use calls::CallLog;
use notification_processor::testbed::Testbed;
use scenarios::Scenario;

/// Enough for concurrent calls to overlap visibly in the call log.
const LATENCY_MS: u64 = 25;

/// Sets up `scenario` on the seeded `testbed` and handles its alarm once with the handler library, in-process.
async fn calls_in_process(testbed: &Testbed, scenario: &Scenario, latency_ms: u64) -> CallLog {
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

fn count(scenario: &Scenario) -> CallLog {
    let mut log = None;
    let slot = &mut log;
    Testbed::run(&scenario.account, |testbed| async move {
        *slot = Some(calls_in_process(&testbed, scenario, LATENCY_MS).await);
    });
    log.expect("counted")
}

#[test]
fn requests_appends_and_recoveries_stay_within_the_call_and_round_trip_budget() {
    let within = ["blog 2", "blog 5", "duplicate", "OK recovery"];
    let scenarios: Vec<Scenario> = scenarios::all()
        .into_iter()
        .filter(|s| within.iter().any(|prefix| s.name.starts_with(prefix)))
        .collect();
    assert_eq!(scenarios.len(), within.len());
    for scenario in &scenarios {
        let log = count(scenario);
        assert!(
            log.total() <= MAX_CALLS && log.round_trips() <= MAX_ROUND_TRIPS,
            "{}: {} calls in {} round trips: {}",
            scenario.name,
            log.total(),
            log.round_trips(),
            log.describe()
        );
    }
}
