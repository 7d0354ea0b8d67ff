//! Runs the built `bedrock-ops-alert` binary: the acceptance for `thresholds` and
//! `classify`, plus the error paths.

use std::process::{Command, Output};

use serde_json::{Value, json};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bedrock-ops-alert"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn stdout_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "exit {:?}, stderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn thresholds_acceptance_10000_and_6250000_give_8000_and_5000000() {
    let out = run(&[
        "thresholds",
        "--rpm-quota",
        "10000",
        "--tpm-quota",
        "6250000",
        "--json",
    ]);
    let v = stdout_json(&out);
    assert_eq!(v["rpm_threshold"], 8000);
    assert_eq!(v["tpm_threshold"], 5_000_000);
    assert_eq!(v["period_seconds"], 60);
    assert_eq!(v["rpm_percent"], 80);
    assert_eq!(v["rate_expression"], "total / (PERIOD(m1) / 60)");
}

#[test]
fn thresholds_rpm_na_gives_null_rpm_threshold() {
    let out = run(&[
        "thresholds",
        "--rpm-quota",
        "NA",
        "--tpm-quota",
        "200000",
        "--json",
    ]);
    let v = stdout_json(&out);
    assert_eq!(v["rpm_threshold"], Value::Null);
    assert_eq!(v["rpm_quota"], Value::Null);
    assert_eq!(v["tpm_threshold"], 160_000);
}

#[test]
fn thresholds_custom_percents_and_period_report_per_period_sums() {
    let out = run(&[
        "thresholds",
        "--rpm-quota",
        "10001",
        "--tpm-quota",
        "1000",
        "--rpm-percent",
        "50",
        "--tpm-percent",
        "100",
        "--period",
        "300",
        "--json",
    ]);
    let v = stdout_json(&out);
    assert_eq!(v["rpm_threshold"], 5000);
    assert_eq!(v["tpm_threshold"], 1000);
    assert_eq!(v["period_seconds"], 300);
    assert_eq!(v["rpm_threshold_per_period"], 25_000);
    assert_eq!(v["tpm_threshold_per_period"], 5_000);
}

#[test]
fn thresholds_human_output_is_readable() {
    let out = run(&["thresholds", "--rpm-quota", "NA", "--tpm-quota", "6250000"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("RPM threshold: not applicable"), "{text}");
    assert!(
        text.contains("TPM threshold: 5000000 tokens per minute (80% of quota 6250000)"),
        "{text}"
    );
}

#[test]
fn thresholds_bad_input_exits_non_zero_with_clear_message() {
    let cases: [(&[&str], &str); 5] = [
        (&["--rpm-quota", "0", "--tpm-quota", "10"], "--rpm-quota"),
        (&["--rpm-quota", "10", "--tpm-quota", "NA"], "--tpm-quota"),
        (
            &[
                "--rpm-quota",
                "10",
                "--tpm-quota",
                "10",
                "--rpm-percent",
                "0",
            ],
            "1 to 100",
        ),
        (
            &[
                "--rpm-quota",
                "10",
                "--tpm-quota",
                "10",
                "--tpm-percent",
                "101",
            ],
            "1 to 100",
        ),
        (
            &["--rpm-quota", "10", "--tpm-quota", "10", "--period", "120"],
            "60, 300, 900 or 3600",
        ),
    ];
    for (args, expected) in cases {
        let mut full = vec!["thresholds"];
        full.extend_from_slice(args);
        let out = run(&full);
        assert!(!out.status.success(), "{full:?} succeeded");
        assert!(
            stderr(&out).contains(expected),
            "{full:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn classify_acceptance_throttles_is_both_and_critical() {
    let out = run(&[
        "classify",
        "Acme-Bedrock-Throttles-Critical-G-Opus-4-6",
        "--json",
    ]);
    let v = stdout_json(&out);
    assert_eq!(
        v,
        json!([{
            "alarm": "Acme-Bedrock-Throttles-Critical-G-Opus-4-6",
            "customer": "Acme",
            "model": "G-Opus-4-6",
            "kind": "Throttles",
            "layer": "L1",
            "severity": "critical",
            "class": "both",
            "metric": "InvocationThrottles"
        }])
    );
}

#[test]
fn classify_several_names_gives_one_object_each() {
    let out = run(&[
        "classify",
        "Acme-Bedrock-HighTPMQuotaUsage-Warning-M",
        "Acme-Bedrock-LatencyAnomaly-Warning-M",
        "--json",
    ]);
    let v = stdout_json(&out);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["class"], "tpm");
    assert_eq!(rows[0]["layer"], "L2");
    assert_eq!(rows[1]["class"], "non_quota");
    assert_eq!(rows[1]["severity"], "warning");
}

#[test]
fn classify_human_output_shows_combined_decision() {
    let out = run(&[
        "classify",
        "Acme-Bedrock-ServerErrors-Critical-M",
        "Acme-Bedrock-InvocationAnomaly-Warning-M",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Together: class rpm, severity critical -> Quota Request"),
        "{text}"
    );
}

#[test]
fn classify_unknown_name_exits_non_zero_and_names_it() {
    let out = run(&[
        "classify",
        "Acme-Bedrock-Throttles-Critical-M",
        "Acme-Bedrock-Melted-Critical-M",
        "--json",
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no partial output");
    assert!(
        stderr(&out).contains("'Acme-Bedrock-Melted-Critical-M'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn classify_without_names_is_a_usage_error() {
    let out = run(&["classify", "--json"]);
    assert!(!out.status.success());
}
