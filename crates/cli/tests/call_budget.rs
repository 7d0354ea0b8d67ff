//! The benchmark's call counting, in-process and without timings (counts are deterministic, times are not):
//! every scenario keeps meeting the processor's budget (≤ 10 AWS calls, ≤ 4 sequential round trips per alarm),
//! but for the one round trip over it that docs/performance.md explains; a follow-up keeps ≤ 6 calls and
//! ≤ 4 round trips; the rare answer that already names its case has its own budget (the context added at once).

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

use bedrock_ops_testkit::testbed::processor::Testbed;
use budget::{MAX_CALLS, MAX_ROUND_TRIPS, measure_run};
use calls::CallLog;
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
                bedrock_ops_aws::clock::now_epoch(),
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

/// The one path over the round-trip budget: Service Quotas refuses the request as already open only in the
/// second round trip, and finding the open request's case takes a third before the append.
const OVER_ROUND_TRIPS: &str = "open quota request";

/// A follow-up's budget (issue 12): the look that appends the context is its longest path.
const FOLLOW_UP_MAX_CALLS: usize = 6;
const FOLLOW_UP_MAX_ROUND_TRIPS: usize = 4;

/// Blog 2's TPM request (blog 1's two requests), then the e-mail that carries its follow-up(s) as the queue's
/// subscription delivers it a minute later, with the cases linked and AWS's reply on them: the look of each
/// request appends the context and e-mails. One e-mail's looks run at once: the invocation takes the round
/// trips of one look, and each look its own calls.
#[test]
fn a_follow_up_stays_within_its_budget() {
    for (name, requests) in [("blog 2", 1), ("blog 1", 2)] {
        follow_up_within_budget(name, requests);
    }
}

fn follow_up_within_budget(name: &str, requests: usize) {
    let scenarios = scenarios::all();
    let scenario = scenarios
        .iter()
        .find(|s| s.name.starts_with(name))
        .expect("the scenario");
    Testbed::run(&scenario.account, |testbed| async move {
        testbed.emulator.set_support_auto_reply_after(0.0).unwrap();
        calls_in_process(&testbed, scenario, LATENCY_MS).await;
        let due = testbed.due_follow_ups(60).await;
        assert_eq!(due.len(), 1, "one e-mail carries the follow-ups");
        let processor = testbed.processor();
        let (_, log) = measure_run(&testbed, LATENCY_MS, due[0].clone(), |event| async move {
            let started = std::time::Instant::now();
            let now = bedrock_ops_aws::clock::now_epoch() + 61;
            let answer = processor
                .invoke(&event, now, now + 30)
                .await
                .expect("looked");
            assert_eq!(answer, serde_json::json!({"batchItemFailures": []}));
            started.elapsed()
        })
        .await;
        assert!(
            log.total() <= requests * FOLLOW_UP_MAX_CALLS
                && log.round_trips() <= FOLLOW_UP_MAX_ROUND_TRIPS,
            "{name}'s follow-up: {} calls in {} round trips: {}",
            log.total(),
            log.round_trips(),
            log.describe()
        );
        assert!(
            log.describe()
                .contains(&format!("AddCommunicationToCase {requests}")),
            "{}",
            log.describe()
        );
        println!(
            "{name}'s follow-up ({requests} looks) that appends: {} calls, {} round trips: {}",
            log.total(),
            log.round_trips(),
            log.describe()
        );
    });
}

/// The path where Service Quotas names the case in its answer (rare in AWS; the emulator's instant setting):
/// each request's case is looked up (DescribeCases by display id) and gets the context
/// (AddCommunicationToCase) in the same invocation, two round trips after the requests, and no follow-up
/// is scheduled. Blog 1 files two requests: its budget is the alarm's plus those two calls per request and
/// the two round trips (docs/performance.md).
const CASE_NAMED_AT_ONCE_MAX_CALLS: usize = MAX_CALLS + 4;
const CASE_NAMED_AT_ONCE_MAX_ROUND_TRIPS: usize = MAX_ROUND_TRIPS + 1;

#[test]
fn the_context_added_in_the_same_invocation_stays_within_its_budget() {
    let scenarios = scenarios::all();
    let scenario = scenarios
        .iter()
        .find(|s| s.name.starts_with("blog 1"))
        .expect("blog 1");
    Testbed::run(&scenario.account, |testbed| async move {
        testbed.emulator.set_quota_case_instant(true).unwrap();
        let log = calls_in_process(&testbed, scenario, LATENCY_MS).await;
        println!(
            "blog 1, case named at once: {} calls, {} round trips: {}",
            log.total(),
            log.round_trips(),
            log.describe()
        );
        assert!(
            log.total() <= CASE_NAMED_AT_ONCE_MAX_CALLS
                && log.round_trips() <= CASE_NAMED_AT_ONCE_MAX_ROUND_TRIPS,
            "{} calls in {} round trips: {}",
            log.total(),
            log.round_trips(),
            log.describe()
        );
        let described = log.describe();
        assert!(described.contains("AddCommunicationToCase"), "{described}");
        assert!(!described.contains("SendMessage"), "{described}");
        assert!(
            testbed.due_follow_ups(3_600).await.is_empty(),
            "no follow-up is scheduled"
        );
    });
}

#[test]
fn every_scenario_stays_within_the_call_and_round_trip_budget() {
    let scenarios = scenarios::all();
    assert_eq!(
        scenarios.len(),
        9,
        "every blog example, a recovery, the appends"
    );
    for scenario in &scenarios {
        let log = count(scenario);
        let round_trips = if scenario.name.starts_with(OVER_ROUND_TRIPS) {
            MAX_ROUND_TRIPS + 1
        } else {
            MAX_ROUND_TRIPS
        };
        println!(
            "{}: {} calls, {} round trips",
            scenario.name,
            log.total(),
            log.round_trips()
        );
        assert!(
            log.total() <= MAX_CALLS && log.round_trips() <= round_trips,
            "{}: {} calls in {} round trips: {}",
            scenario.name,
            log.total(),
            log.round_trips(),
            log.describe()
        );
    }
}
