//! The hostile corpus (`tests/fixtures/bad-events/`, issue 13) through the CLI's `simulate` and `process`
//! against the local AWS emulator: every file ends with a clear error or a clean decision, never a panic
//! (exit code 101); nothing is filed for a refused event; what the CLI prints is bounded, holds no e-mail
//! address and no control, bidi or zero-width character.
//!
//! The CLI runs at the real clock while the fixtures' alarms are of 2026-05-04: `process` replays an alarm
//! of any past time (only the Lambda has the 90-day lookback, see `notification_processor::admission`), so
//! the `reject-stale-*` files, refused on the Lambda's path by the processor's own corpus test, are replays
//! here.

use std::path::PathBuf;
use std::process::Output;

use bedrock_ops_core::text;
use bedrock_ops_testkit::testbed::processor::{Account, Testbed};

const FILINGS: [&str; 3] = [
    "RequestServiceQuotaIncrease",
    "CreateCase",
    "AddCommunicationToCase",
];

fn cli(testbed: &Testbed, args: &[&str]) -> Output {
    testbed
        .command(env!("CARGO_BIN_EXE_bedrock-ops-alert"))
        .args(args)
        .output()
        .expect("the CLI binary runs")
}

fn corpus() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/bad-events");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus")
        .map(|entry| entry.expect("entry").path())
        .collect();
    files.sort();
    files
}

fn filings(testbed: &Testbed) -> usize {
    testbed
        .calls()
        .iter()
        .filter(|c| FILINGS.contains(&c.operation.as_str()))
        .count()
}

fn has_email_address(text: &str) -> bool {
    text::mask_addresses(text) != text
}

/// What the CLI wrote is bounded and clean, whatever the file held.
fn check_output(name: &str, command: &str, out: &Output) {
    assert_ne!(out.status.code(), Some(101), "{command} {name}: panic");
    assert!(out.status.code().is_some(), "{command} {name}: killed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.len() < 4_096,
        "{command} {name}: {} bytes",
        stderr.len()
    );
    assert!(!has_email_address(&stderr), "{command} {name}: {stderr}");
    let stdout = String::from_utf8(out.stdout.clone()).expect("UTF-8 output");
    assert!(
        !stdout.chars().any(|c| c != '\n' && text::is_hidden(c)),
        "{command} {name}: a hidden character reached the terminal"
    );
    assert!(
        !stderr.chars().any(|c| c != '\n' && text::is_hidden(c)),
        "{command} {name}: {stderr:?}"
    );
}

#[test]
fn every_hostile_event_ends_in_a_clear_error_or_a_clean_decision_through_simulate_and_process() {
    let account = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    Testbed::run(&account, |testbed| async move {
        let files = corpus();
        assert!(files.len() >= 80, "{} files", files.len());
        let mut refused = 0;
        for path in &files {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let file = path.to_string_lossy().into_owned();
            let rejected = name.starts_with("reject-") && !name.starts_with("reject-stale-");
            for command in ["simulate", "process"] {
                let before = filings(&testbed);
                let out = cli(&testbed, &[command, "--event", &file, "--json"]);
                check_output(&name, command, &out);
                if rejected {
                    assert!(!out.status.success(), "{command} {name}: accepted");
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    assert!(stderr.starts_with("error: "), "{command} {name}: {stderr}");
                    assert_eq!(
                        filings(&testbed),
                        before,
                        "{command} {name}: something was filed"
                    );
                    refused += 1;
                } else {
                    assert!(
                        out.status.success(),
                        "{command} {name}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                if command == "simulate" {
                    assert_eq!(filings(&testbed), before, "simulate {name} filed");
                }
            }
        }
        println!("{} files, {refused} refusals, 0 panics", files.len());
    });
}
