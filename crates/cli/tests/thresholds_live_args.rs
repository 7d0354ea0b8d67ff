//! `thresholds --live` argument rules, without AWS: the live-only flags need `--live`, and `--live` takes the
//! stack, not offline quotas.

use std::process::{Command, Output};

use bedrock_ops_testkit::fixtures::TPM_CODE;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bedrock-ops-alert"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn live_only_flags_without_live_are_refused() {
    for flag in [
        ["--customer", "Acme"],
        ["--model", "Opus"],
        ["--rpm-quota-code", "NA"],
        ["--tpm-quota-code", TPM_CODE],
    ] {
        let out = run(&[
            "thresholds",
            "--rpm-quota",
            "10",
            "--tpm-quota",
            "10",
            flag[0],
            flag[1],
        ]);
        assert_eq!(out.status.code(), Some(1), "{flag:?}");
        assert!(
            stderr(&out).contains(&format!("{} is used with --live only", flag[0])),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn live_needs_the_stack_and_refuses_offline_quotas() {
    let out = run(&["thresholds", "--live", "--customer", "Acme"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--model"), "{}", stderr(&out));

    let out = run(&[
        "thresholds",
        "--live",
        "--customer",
        "Acme",
        "--model",
        "Opus",
        "--tpm-quota",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );

    let out = run(&[
        "thresholds",
        "--live",
        "--customer",
        "A",
        "--model",
        "M",
        "--tpm-quota-code",
        "NA",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("TPM quota code cannot be NA"),
        "{}",
        stderr(&out)
    );
}
