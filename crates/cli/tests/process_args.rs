//! `process` and `simulate` without AWS: what they refuse, and the message they refuse it with.

use std::process::{Command, Output};

use bedrock_ops_testkit::fixtures::{MODEL_ID, RPM_CODE, TPM_CODE};

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bedrock-ops-alert"));
    command.args(args).env_clear();
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn fixture(name: &str) -> String {
    format!(
        "{}/../../tests/fixtures/events/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

const STACK: &[(&str, &str)] = &[
    ("CUSTOMER_NAME", "Acme"),
    ("BEDROCK_MODEL_NAME", "Opus-4-6"),
    ("BEDROCK_MODEL_ID", MODEL_ID),
    ("REQUESTS_PER_MINUTE_QUOTA_CODE", RPM_CODE),
    ("TOKENS_PER_MINUTE_QUOTA_CODE", TPM_CODE),
];

#[test]
fn process_names_every_missing_variable() {
    let out = run(
        &["process", "--event", &fixture("throttles-alarm.json")],
        &[],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    for name in [
        "CUSTOMER_NAME",
        "BEDROCK_MODEL_ID",
        "FORMATTED_TOPIC_ARN",
        "LEDGER_TABLE_NAME",
    ] {
        assert!(err.contains(&format!("{name} is not set")), "{err}");
    }
}

#[test]
fn simulate_needs_no_topic_nor_ledger_but_process_does() {
    let simulate = run(
        &["simulate", "--event", &fixture("throttles-alarm.json")],
        &[],
    );
    let err = stderr(&simulate);
    assert!(!err.contains("FORMATTED_TOPIC_ARN"), "{err}");
    assert!(err.contains("CUSTOMER_NAME is not set"), "{err}");

    let process = run(
        &["process", "--event", &fixture("throttles-alarm.json")],
        STACK,
    );
    assert!(stderr(&process).contains("FORMATTED_TOPIC_ARN is not set"));
}

#[test]
fn flags_override_the_environment_and_are_checked() {
    let out = run(
        &[
            "simulate",
            "--event",
            &fixture("throttles-alarm.json"),
            "--tpm-quota-code",
            "NA",
        ],
        STACK,
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(
            "TOKENS_PER_MINUTE_QUOTA_CODE = 'NA' is not valid: the TPM quota code cannot be NA"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unreadable_or_malformed_event_file_is_refused_before_any_aws_call() {
    let missing = run(&["simulate", "--event", "/nonexistent/event.json"], STACK);
    assert!(stderr(&missing).contains("reading /nonexistent/event.json"));

    let dir = std::env::temp_dir().join(format!("bedrock-ops-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_json = dir.join("event.json");
    std::fs::write(&not_json, "{ not json").unwrap();
    let out = run(&["simulate", "--event", not_json.to_str().unwrap()], STACK);
    assert!(stderr(&out).contains("is not JSON"), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}
