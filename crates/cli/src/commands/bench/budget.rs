//! The processor's per-alarm budget and one measured run: shared by the `bench` command and the call-budget
//! test (`tests/call_budget.rs` compiles this file into itself, so it depends on its sibling modules only).

use std::future::Future;
use std::time::Duration;

use bedrock_ops_testkit::testbed::processor::Testbed;
use serde_json::Value;

use super::calls::CallLog;

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
