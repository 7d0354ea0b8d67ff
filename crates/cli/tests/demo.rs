//! The README's demo, end to end, as `scripts/demo.sh` runs it: the built binary against a fresh emulator,
//! the alarm going through the real Lambda runtime (`cargo lambda watch` and the notification-processor
//! binary). It checks what a reader is promised (each section, the decision, the request held by Service
//! Quotas, the e-mail, the threshold moving), that `--json` carries the same facts with the handler called
//! in-process (under the document's contract keys), that nothing is left running afterwards, and that a failing step makes the command fail.
//!
//! The Lambda runtime needs cargo-lambda (installed here with scripts/lib/build-tools.sh, as the demo
//! does) and the notification-processor binary next to the CLI's: `cargo test --workspace` (the test
//! command) builds both.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bedrock_ops_testkit::fixtures::TPM_CODE;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn demo(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bedrock-ops-alert"))
        .arg("demo")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("the CLI runs")
}

/// PATH with cargo-lambda on it, installed first if needed (idempotent, as for the demo).
fn path_with_cargo_lambda() -> String {
    let status = Command::new("bash")
        .arg(root().join("scripts/lib/build-tools.sh"))
        .status()
        .expect("bash runs");
    assert!(status.success(), "scripts/lib/build-tools.sh failed");
    let tools = root().join(".venv-build/bin");
    format!(
        "{}:{}",
        tools.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn the_demo_narrates_every_step_and_stops_the_emulator() {
    let processor =
        Path::new(env!("CARGO_BIN_EXE_bedrock-ops-alert")).with_file_name("notification-processor");
    assert!(
        processor.is_file(),
        "{} is not built: run the tests with --workspace (scripts/test.sh does)",
        processor.display()
    );
    let path = path_with_cargo_lambda();
    let output = demo(&["--lambda-runtime"], &[("PATH", &path)]);
    let text = stdout(&output);
    assert!(
        output.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "[1/9] The stack, created from template.yaml",
        "[2/9] Quota calculator: the custom resource's Create",
        "[3/9] Fourteen days of Bedrock usage",
        "[4/9] An alarm fires",
        "[5/9] The notification processor handles it",
        "[6/9] What the emulated AWS services now hold",
        "[7/9] The e-mail, as the stakeholders receive it",
        "[8/9] The follow-up: the case Service Quotas opened gets our context",
        "[9/9] The quota is raised; the alarm updater follows",
        // The template's alarms, the calculator's answer and the usage that crosses the threshold.
        "L1 Critical  Throttles",
        "Answer          SUCCESS",
        "Acme-Bedrock-HighTPMQuotaUsage-Warning-Opus-4-6  > 5,000,000 per minute",
        "surge to 6,200 requests and 5,580,000 tokens per minute",
        // The alarm as CloudWatch publishes it, and the processor's decision.
        "Subject: ALARM: \"Acme-Bedrock-HighTPMQuotaUsage-Warning-Opus-4-6\" in US East (N. Virginia)",
        "on the notification-processor binary: its main and the lambda_runtime loop",
        "Decision        class tpm, scenario high_usage, severity warning",
        &format!("TPM increase requested: {TPM_CODE}"),
        "6,250,000 → 7,812,500",
        // What Service Quotas holds (no case yet, as in AWS), and the e-mail as sent, truthful about it.
        "desired value 7,812,500, status PENDING, no Support case yet",
        "Subject         🟡 [WARNING] Acme - Bedrock Ops Alert - Opus-4-6 - Quota Request",
        &format!("Requested the TPM quota increase {TPM_CODE} from 6,250,000 to 7,812,500"),
        "our usage-validated context will be added to the case it opens, and a second e-mail will name that case",
        // The follow-up: a first look finds the case linked but AWS's reply not yet there, the second one
        // appends the context; the case read back holds Service Quotas', AWS's and our communication.
        "status CASE_OPENED, case 17000000001, next look in 120 s",
        "context_added, status CASE_OPENED, case 17000000001, e-mail published",
        "read back with DescribeCommunications: 3 communication(s)",
        "AWS Support (automated reply): Hello",
        "Bedrock Ops Alert: Context for Service Quotas request",
        &format!("- Tokens per minute, {TPM_CODE} ("),
        "from 6,250,000 to 7,812,500 (+25 %)",
        "Follow-up       📨 [QUOTA] Acme - Bedrock Ops Alert - Opus-4-6 - case 17000000001 has our context",
        "Service Quotas opened AWS Support case 17000000001 for it",
        // The quota raise and the updater.
        "TPM: quota 6,250,000 → 7,812,500, threshold 5,000,000 → 6,250,000, alarm updated",
        "RPM: quota 10,000 (unchanged), threshold 8,000 (unchanged)",
        "nothing else of the alarm changed",
        "TPM quota raised",
        "is stopped; nothing is left running.",
    ] {
        // Long lines are wrapped under their label: compare with every run of white space as one space.
        let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat(&text).contains(&flat(expected)),
            "missing {expected:?} in:\n{text}"
        );
    }
    let endpoint = text
        .split("local emulator (http://")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the demo names the emulator's address");
    assert!(
        TcpStream::connect(endpoint).is_err(),
        "the emulator at {endpoint} still answers after the demo"
    );
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let runtime = flat
        .split("Lambda's invoke and runtime APIs, at ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the demo names the Lambda runtime's address");
    assert!(
        TcpStream::connect(runtime).is_err(),
        "`cargo lambda watch` at {runtime} still answers after the demo"
    );
}

#[test]
fn the_json_summary_carries_the_same_facts() {
    let output = demo(&["--json"], &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).expect("one JSON document");
    // The document's keys are a contract: exactly these, at the top and in each section's facts. (Their
    // order is not: serde_json keeps insertion order when a build enables its preserve_order feature.)
    let keys = |value: &Value| -> Vec<String> {
        let mut keys: Vec<String> = value
            .as_object()
            .unwrap_or_else(|| panic!("not an object: {value}"))
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    for (value, expected) in [
        (
            &summary,
            &[
                "alarm",
                "calculator",
                "decision",
                "email",
                "follow_up",
                "quota_requests",
                "seconds",
                "stack",
                "support_cases",
                "timings",
                "updater",
                "usage",
            ][..],
        ),
        (
            &summary["stack"],
            &[
                "alarms",
                "not_created",
                "parameters",
                "queues",
                "tables",
                "topics",
            ],
        ),
        (
            &summary["calculator"],
            &[
                "data",
                "physical_resource_id",
                "quota_alarms",
                "reason",
                "record",
                "status",
            ],
        ),
        (
            &summary["calculator"]["quota_alarms"][1],
            &["name", "threshold"],
        ),
        (
            &summary["usage"],
            &["calls", "datapoints", "surge_rpm", "surge_tpm"],
        ),
        (
            &summary["alarm"],
            &["class", "kind", "message", "name", "subject"],
        ),
        (
            &summary["quota_requests"][0],
            &["case_id", "desired_value", "id", "quota_code", "status"],
        ),
        (&summary["email"], &["body", "subject"]),
        (&summary["follow_up"], &["cases", "emails", "looks"]),
        (
            &summary["follow_up"]["looks"][1],
            &[
                "after_seconds",
                "attempt",
                "batch_item_failures",
                "case",
                "email",
                "request_id",
                "result",
                "status",
            ],
        ),
        (
            &summary["follow_up"]["cases"][0],
            &["communications", "display_id", "subject"],
        ),
        (
            &summary["updater"],
            &["email", "report", "tpm_threshold_history"],
        ),
        (&summary["updater"]["email"], &["body", "subject"]),
    ] {
        assert_eq!(keys(value), expected, "in {value}");
    }
    let steps: Vec<&str> = summary["timings"]
        .as_array()
        .expect("timings")
        .iter()
        .map(|step| step[0].as_str().expect("a step name"))
        .collect();
    assert_eq!(
        steps,
        [
            "stack",
            "calculator",
            "usage",
            "alarm",
            "processor",
            "read-back",
            "follow-up",
            "updater"
        ]
    );
    assert_eq!(
        summary["stack"]["tables"],
        serde_json::json!(["Acme-Bedrock-OpsAlert-Ledger-Opus-4-6"])
    );
    assert_eq!(summary["usage"]["datapoints"], 80_640);
    assert_eq!(summary["calculator"]["status"], "SUCCESS");
    assert_eq!(summary["calculator"]["data"]["TpmThreshold"], "5000000");
    assert_eq!(summary["alarm"]["class"], "tpm");
    assert_eq!(summary["decision"]["scenario"], "high_usage");
    assert_eq!(summary["decision"]["actions"][0]["type"], "quota_request");
    assert_eq!(summary["decision"]["actions"][0]["desired"], 7_812_500);
    assert_eq!(summary["quota_requests"][0]["desired_value"], 7_812_500.0);
    // Service Quotas links the case only later, as in AWS; nothing of ours is a Support case.
    assert_eq!(summary["quota_requests"][0]["status"], "PENDING");
    assert_eq!(summary["quota_requests"][0]["case_id"], Value::Null);
    assert_eq!(summary["support_cases"], serde_json::json!([]));
    let looks = summary["follow_up"]["looks"].as_array().expect("looks");
    let results: Vec<(&str, u64)> = looks
        .iter()
        .map(|l| {
            (
                l["result"].as_str().unwrap(),
                l["after_seconds"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(results, [("look_again", 60), ("context_added", 180)]);
    let case = &summary["follow_up"]["cases"][0];
    let ours: Vec<&str> = case["communications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["body"]
                .as_str()
                .unwrap()
                .starts_with("Context for Service Quotas request")
        })
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(ours.len(), 1, "exactly one communication from us");
    for expected in [TPM_CODE, "6,250,000", "7,812,500", "5,580,000"] {
        assert!(ours[0].contains(expected), "{expected}: {}", ours[0]);
    }
    let display_id = case["display_id"].as_str().unwrap();
    let emails = summary["follow_up"]["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 1);
    assert!(emails[0]["subject"].as_str().unwrap().contains(display_id));
    assert!(
        emails[0]["body"]
            .as_str()
            .unwrap()
            .contains(&format!("displayId={display_id}"))
    );
    assert!(
        summary["email"]["subject"]
            .as_str()
            .unwrap()
            .ends_with("Opus-4-6 - Quota Request")
    );
    assert_eq!(
        summary["updater"]["report"]["tpm"]["new_threshold"],
        "6250000"
    );
    assert_eq!(
        summary["updater"]["tpm_threshold_history"],
        serde_json::json!(["5000000", "6250000"])
    );
}

#[test]
fn a_failing_step_fails_the_command() {
    let output = demo(
        &[],
        &[("BEDROCK_OPS_EMULATOR_PYTHON", "/nonexistent/python3")],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
}
