//! `bedrock-ops-alert thresholds --live` against the local AWS emulator: the built binary, pointed at the
//! emulator with `AWS_ENDPOINT_URL`, on a stack the quota calculator created there. Needs `--features emulator`
//! (the test command passes `--all-features`). The tests share one emulator and take turns.

use std::process::{Command, Output};
use std::sync::MutexGuard;
use std::time::Duration;

use bedrock_ops_aws::AwsClients;
use bedrock_ops_core::thresholds::SERVICE_CODE;
use bedrock_ops_testkit::emulator::{CallRecord, Emulator, SeedQuota, take_turn};
use bedrock_ops_testkit::fixtures::{
    RPM_CODE, RPM_NAME, RPM_QUOTA, TPM_CODE, TPM_NAME, TPM_QUOTA, custom_resource,
};
use serde_json::{Value, json};

const WRITES: [&str; 5] = [
    "PutMetricAlarm",
    "DeleteAlarms",
    "PutParameter",
    "DeleteParameters",
    "Publish",
];

/// A stack created by the quota calculator (10,000 RPM / 6,250,000 TPM at 80 %), whose RPM quota was then
/// raised to 12,500 in Service Quotas.
fn session() -> (MutexGuard<'static, ()>, &'static Emulator) {
    let turn = take_turn();
    let emulator = Emulator::shared().expect("emulator starts");
    emulator.reset().unwrap();
    emulator
        .seed_quotas(
            &[
                SeedQuota::bedrock(RPM_CODE, RPM_NAME, RPM_QUOTA as f64),
                SeedQuota::bedrock(TPM_CODE, TPM_NAME, TPM_QUOTA as f64),
            ],
            &[],
        )
        .unwrap();
    let clients = AwsClients::new(&emulator.sdk_config());
    let ports = quota_calculator::Ports {
        quotas: clients.quotas(),
        alarms: clients.alarms(),
        parameters: clients.parameters(),
        sink: quota_calculator::HttpsSink::new().unwrap(),
        profiles: clients.inference_profiles(),
    };
    let mut create = custom_resource("create");
    create["ResponseURL"] = json!(emulator.cfn_response_url("cli-create"));
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(quota_calculator::handle(
            &ports,
            create,
            Duration::from_secs(60),
            0,
        ))
        .unwrap();
    assert_eq!(outcome.status, quota_calculator::Status::Success);
    emulator
        .set_quota_value(SERVICE_CODE, RPM_CODE, 12_500.0)
        .unwrap();
    emulator.reset_calls().unwrap();
    (turn, emulator)
}

fn cli(emulator: &Emulator, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bedrock-ops-alert"))
        .args(args)
        .env_clear()
        .env("AWS_ENDPOINT_URL", emulator.endpoint_url())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("binary runs")
}

fn json_out(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "exit {:?}, stderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

fn writes(calls: &[CallRecord]) -> Vec<&str> {
    calls
        .iter()
        .map(|c| c.operation.as_str())
        .filter(|op| WRITES.contains(op))
        .collect()
}

#[test]
fn live_shows_what_the_updater_would_set_next_to_what_is_stored_and_writes_nothing() {
    let (_turn, emulator) = session();
    let v = json_out(&cli(
        emulator,
        &[
            "thresholds",
            "--live",
            "--customer",
            "Acme",
            "--model",
            "Opus",
            "--json",
        ],
    ));

    assert_eq!(v["changed"], true);
    assert_eq!(v["written"], false);
    assert_eq!(v["rpm"]["quota_code"], RPM_CODE);
    assert_eq!(v["rpm"]["percent"], 80);
    assert_eq!(v["rpm"]["quota_source"], "applied");
    assert_eq!(v["rpm"]["stored_quota"], 10_000);
    assert_eq!(v["rpm"]["live_quota"], 12_500);
    assert_eq!(v["rpm"]["stored_threshold"], 8_000);
    assert_eq!(v["rpm"]["new_threshold"], 10_000);
    assert_eq!(
        v["rpm"]["alarm"],
        "Acme-Bedrock-HighInvocationRate-Warning-Opus"
    );
    assert_eq!(v["rpm"]["alarm_threshold"], 8_000.0);
    assert_eq!(v["rpm"]["alarm_would_change"], true);
    assert_eq!(v["tpm"]["new_threshold"], 5_000_000);
    assert_eq!(v["tpm"]["alarm_would_change"], false);
    assert_eq!(v["last_change"]["by"], "quota-calculator");

    let calls = emulator.calls().unwrap();
    assert_eq!(writes(&calls), Vec::<&str>::new(), "{calls:?}");
}

#[test]
fn flags_override_the_stored_percent_and_the_human_output_says_what_would_happen() {
    let (_turn, emulator) = session();
    let v = json_out(&cli(
        emulator,
        &[
            "thresholds",
            "--live",
            "--customer",
            "Acme",
            "--model",
            "Opus",
            "--rpm-percent",
            "50",
            "--json",
        ],
    ));
    assert_eq!(v["rpm"]["percent"], 50);
    assert_eq!(v["rpm"]["new_threshold"], 6_250);

    let out = cli(
        emulator,
        &[
            "thresholds",
            "--live",
            "--customer",
            "Acme",
            "--model",
            "Opus",
        ],
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "RPM {RPM_CODE} at 80 %: quota stored 10,000, live 12,500 (applied)"
        )),
        "{text}"
    );
    assert!(
        text.contains("alarm holds 8,000, would be set to 10,000"),
        "{text}"
    );
    assert!(
        text.contains("The alarm updater would change the thresholds"),
        "{text}"
    );
}

#[test]
fn a_stack_without_a_stored_record_is_a_clear_error() {
    let (_turn, emulator) = session();
    let out = cli(
        emulator,
        &[
            "thresholds",
            "--live",
            "--customer",
            "Other",
            "--model",
            "Opus",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "no RPM quota code is stored under /Other/bedrock/quota-monitoring/Opus/thresholds/"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--rpm-quota-code"), "{stderr}");
}
