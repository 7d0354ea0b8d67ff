//! The CLI binary as an operator runs it on an emulated stack, shared by the emulator tests that drive it.

use std::process::Output;

use bedrock_ops_testkit::testbed::processor::Testbed;
use serde_json::Value;

/// `bedrock-ops-alert <args>` with only the stack's environment (`Testbed::command`).
pub fn cli(testbed: &Testbed, args: &[&str]) -> Output {
    testbed
        .command(env!("CARGO_BIN_EXE_bedrock-ops-alert"))
        .args(args)
        .output()
        .expect("binary runs")
}

/// The standard output of a run that must have succeeded (its exit status and stderr otherwise).
pub fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// The JSON document a successful `--json` run printed.
#[allow(dead_code)] // not every test binary that includes this module reads JSON through it
pub fn json(output: &Output) -> Value {
    serde_json::from_str(&succeeded(output)).expect("stdout is JSON")
}
