//! `bedrock-ops-alert fleet plan / apply / status` against the local AWS emulator's CloudFormation (moto, made
//! asynchronous like AWS by tests/emulator/cloudformation_ext.py: change sets and stack operations stay in
//! progress for a few reads, a failed resource rolls the stack back). moto cannot run the SAM template, so the
//! stacks use tests/fixtures/fleet/template.yaml: a subset of template.yaml's parameters with identical
//! constraints (checked below) and resources moto creates. Needs `--features emulator`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::MutexGuard;

use aws_sdk_cloudformation::Client;
use bedrock_ops_core::fleet::TemplateParameters;
use bedrock_ops_testkit::emulator::{Emulator, SeedQuota, take_turn};
use bedrock_ops_testkit::fixtures::{MODEL_ID, RPM_CODE, RPM_NAME, TPM_CODE, TPM_NAME};
use serde_json::Value;

const TEMPLATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/fleet/template.yaml"
);
const HAIKU_ID: &str = "global.anthropic.claude-haiku-4-5-20251001-v1:0";
const SONNET_ID: &str = "apac.anthropic.claude-sonnet-4-5-20250929-v1:0";

fn session() -> (MutexGuard<'static, ()>, &'static Emulator) {
    let turn = take_turn();
    let emulator = Emulator::shared().expect("emulator starts");
    emulator.reset().unwrap();
    emulator
        .seed_quotas(
            &[
                SeedQuota::bedrock(RPM_CODE, RPM_NAME, 10_000.0),
                SeedQuota::bedrock(TPM_CODE, TPM_NAME, 6_250_000.0),
                SeedQuota::bedrock(
                    "L-5C02AA01",
                    "Global cross-region model inference requests per minute for Anthropic Claude Haiku 4.5 V1",
                    20_000.0,
                ),
                SeedQuota::bedrock(
                    "L-5C02AA02",
                    "Global cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5 V1",
                    8_000_000.0,
                ),
                SeedQuota::bedrock(
                    "L-6D11B301",
                    "Cross-region model inference requests per minute for Anthropic Claude Sonnet 4.5 V1",
                    400.0,
                ),
                SeedQuota::bedrock(
                    "L-6D11B302",
                    "Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1",
                    400_000.0,
                ),
            ],
            &[],
        )
        .unwrap();
    (turn, emulator)
}

/// A fleet file in its own directory.
struct FleetFile(PathBuf);

impl FleetFile {
    fn new(name: &str) -> FleetFile {
        let dir =
            std::env::temp_dir().join(format!("bedrock-ops-fleet-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        FleetFile(dir.join("fleet.toml"))
    }

    fn write(&self, text: &str) -> &Path {
        std::fs::write(&self.0, text).unwrap();
        &self.0
    }
}

impl Drop for FleetFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Three models: Opus with its codes written out, Haiku and Sonnet with codes to discover.
fn three_models(haiku_tpm_percent: u32, with_sonnet: bool) -> String {
    let mut text = format!(
        r#"customer = "Acme"
region = "us-east-1"

[defaults]
StakeholderEmailList = ["ops@example.com", "ml@example.com"]
TokensPerMinuteThresholdPercent = 80

[[models]]
name = "Opus-4-6"
model_id = "{MODEL_ID}"
rpm_quota_code = "{RPM_CODE}"
tpm_quota_code = "{TPM_CODE}"

[[models]]
name = "Haiku-4-5"
model_id = "{HAIKU_ID}"
[models.parameters]
TokensPerMinuteThresholdPercent = {haiku_tpm_percent}
NotificationPreference = "critical"
"#
    );
    if with_sonnet {
        text.push_str(&format!(
            "\n[[models]]\nname = \"Sonnet-4-5\"\nmodel_id = \"{SONNET_ID}\"\n"
        ));
    }
    text
}

/// The first model of [`three_models`] alone.
fn one_model() -> String {
    let text = three_models(80, false);
    text[..text.find("[[models]]\nname = \"Haiku-4-5\"").unwrap()].to_owned()
}

fn cli(emulator: &Emulator, args: &[&str]) -> Output {
    emulator
        .child_env(&mut Command::new(env!("CARGO_BIN_EXE_bedrock-ops-alert")))
        .args(args)
        .output()
        .expect("binary runs")
}

fn fleet(emulator: &Emulator, command: &str, file: &Path, extra: &[&str]) -> Output {
    let file = file.to_str().unwrap();
    let mut args = vec![
        "fleet",
        command,
        "--file",
        file,
        "--template-file",
        TEMPLATE,
    ];
    if command == "apply" {
        args.extend(["--yes", "--poll-interval-ms", "20"]);
    }
    args.extend(extra);
    cli(emulator, &args)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

fn client(emulator: &Emulator) -> Client {
    Client::new(&emulator.sdk_config())
}

/// Name → (status, parameters) of every stack, read with the SDK.
fn stacks(emulator: &Emulator) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let output = runtime
        .block_on(client(emulator).describe_stacks().send())
        .unwrap();
    output
        .stacks()
        .iter()
        .map(|s| {
            let parameters = s
                .parameters()
                .iter()
                .map(|p| {
                    (
                        p.parameter_key().unwrap().to_owned(),
                        p.parameter_value().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            (
                s.stack_name().unwrap().to_owned(),
                (s.stack_status().unwrap().as_str().to_owned(), parameters),
            )
        })
        .collect()
}

fn calls(emulator: &Emulator, operation: &str) -> usize {
    emulator
        .calls()
        .unwrap()
        .iter()
        .filter(|c| c.service == "cloudformation" && c.operation == operation)
        .count()
}

fn plan_json(emulator: &Emulator, file: &Path) -> Value {
    serde_json::from_str(&ok(fleet(emulator, "plan", file, &["--json"]))).unwrap()
}

#[test]
fn the_test_template_keeps_template_yaml_s_constraints() {
    let real = TemplateParameters::embedded().unwrap();
    let double = TemplateParameters::parse(&std::fs::read_to_string(TEMPLATE).unwrap()).unwrap();
    assert_eq!(double.len(), 9);
    for spec in double.iter() {
        let original = real.get(&spec.name).unwrap();
        assert_eq!(
            (
                spec.kind,
                &spec.default,
                &spec.allowed_values,
                &spec.allowed_pattern,
                (spec.min_length, spec.max_length),
                (spec.min_value, spec.max_value),
                spec.no_echo
            ),
            (
                original.kind,
                &original.default,
                &original.allowed_values,
                &original.allowed_pattern,
                (original.min_length, original.max_length),
                (original.min_value, original.max_value),
                original.no_echo
            ),
            "{}",
            spec.name
        );
    }
}

/// The issue's "done when": three models planned and applied; one percent edited → exactly that diff and
/// only that stack updated; a model removed → its deletion planned, and carried out only with --prune.
#[test]
fn three_models_plan_apply_edit_and_prune() {
    let (_turn, emulator) = session();
    let file = FleetFile::new("done-when");
    let path = file.write(&three_models(80, true));

    let plan = ok(fleet(emulator, "plan", path, &[]));
    assert_eq!(plan.matches("  create  ").count(), 3, "{plan}");
    assert!(
        plan.contains("Plan: 3 to create, 0 to update, 0 to delete, 0 unchanged, 0 blocked."),
        "{plan}"
    );
    assert!(stacks(emulator).is_empty(), "plan changes nothing");

    let applied = ok(fleet(emulator, "apply", path, &[]));
    assert!(
        applied.contains("Applied: 3 created, 0 updated, 0 without changes, 0 deleted."),
        "{applied}"
    );
    assert!(
        applied.contains("[1/3] bedrock-ops-alert-Acme-Opus-4-6: create"),
        "{applied}"
    );
    assert!(
        applied.contains(
            "CREATE_COMPLETE AWS::CloudFormation::Stack bedrock-ops-alert-Acme-Sonnet-4-5"
        ),
        "{applied}"
    );
    let after = stacks(emulator);
    assert_eq!(after.len(), 3, "{after:?}");
    let expected: [(&str, &str, &str, &str, &str, &str); 3] = [
        ("Opus-4-6", MODEL_ID, RPM_CODE, TPM_CODE, "80", "all"),
        (
            "Haiku-4-5",
            HAIKU_ID,
            "L-5C02AA01",
            "L-5C02AA02",
            "80",
            "critical",
        ),
        (
            "Sonnet-4-5",
            SONNET_ID,
            "L-6D11B301",
            "L-6D11B302",
            "80",
            "all",
        ),
    ];
    for (model, id, rpm, tpm, percent, preference) in expected {
        let (status, parameters) = &after[&format!("bedrock-ops-alert-Acme-{model}")];
        assert_eq!(status, "CREATE_COMPLETE", "{model}");
        let want = BTreeMap::from([
            ("CustomerName", "Acme"),
            ("BedrockModelName", model),
            ("BedrockModelId", id),
            ("RequestsPerMinuteQuotaCode", rpm),
            ("TokensPerMinuteQuotaCode", tpm),
            ("TokensPerMinuteThresholdPercent", percent),
            ("RequestsPerMinuteThresholdPercent", "80"),
            ("NotificationPreference", preference),
        ]);
        for (key, value) in want {
            assert_eq!(
                parameters.get(key).map(String::as_str),
                Some(value),
                "{model} {key}"
            );
        }
        let emails = parameters["StakeholderEmailList"].as_str();
        assert!(
            emails == "****" || emails == "ops@example.com,ml@example.com",
            "{emails}"
        );
    }
    assert_eq!(
        ok(fleet(emulator, "plan", path, &[]))
            .matches("no change")
            .count(),
        3
    );

    // One model's percent edited: exactly that change, and only that stack is updated.
    let path = file.write(&three_models(70, true));
    let plan = plan_json(emulator, path);
    let actions: Vec<&str> = plan["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["unchanged", "update", "unchanged"], "{plan}");
    assert_eq!(
        plan["stacks"][1]["changes"],
        serde_json::json!([{ "name": "TokensPerMinuteThresholdPercent", "from": "80", "to": "70" }])
    );
    assert_eq!(plan["stacks"][1]["template_changed"], false);
    emulator.reset_calls().unwrap();
    let applied = ok(fleet(emulator, "apply", path, &[]));
    assert!(
        applied.contains("Applied: 0 created, 1 updated, 0 without changes, 0 deleted."),
        "{applied}"
    );
    assert_eq!(calls(emulator, "CreateChangeSet"), 1);
    assert_eq!(calls(emulator, "ExecuteChangeSet"), 1);
    let after = stacks(emulator);
    assert_eq!(
        after["bedrock-ops-alert-Acme-Haiku-4-5"].0,
        "UPDATE_COMPLETE"
    );
    assert_eq!(
        after["bedrock-ops-alert-Acme-Haiku-4-5"].1["TokensPerMinuteThresholdPercent"],
        "70"
    );
    assert_eq!(
        after["bedrock-ops-alert-Acme-Opus-4-6"].0,
        "CREATE_COMPLETE"
    );
    assert_eq!(
        after["bedrock-ops-alert-Acme-Sonnet-4-5"].0,
        "CREATE_COMPLETE"
    );

    // A model removed: planned for deletion, deleted only with --prune.
    let path = file.write(&three_models(70, false));
    let plan = ok(fleet(emulator, "plan", path, &[]));
    assert!(plan.contains("delete     only with --prune"), "{plan}");
    emulator.reset_calls().unwrap();
    let applied = ok(fleet(emulator, "apply", path, &[]));
    assert!(applied.contains("Nothing to apply."), "{applied}");
    assert_eq!(calls(emulator, "DeleteStack"), 0);
    assert!(stacks(emulator).contains_key("bedrock-ops-alert-Acme-Sonnet-4-5"));
    let applied = ok(fleet(emulator, "apply", path, &["--prune"]));
    assert!(
        applied.contains("[1/1] bedrock-ops-alert-Acme-Sonnet-4-5: delete"),
        "{applied}"
    );
    assert!(applied.contains("DELETE_COMPLETE"), "{applied}");
    assert!(
        applied.contains("Applied: 0 created, 0 updated, 0 without changes, 1 deleted."),
        "{applied}"
    );
    assert_eq!(calls(emulator, "DeleteStack"), 1);
    let after = stacks(emulator);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        [
            "bedrock-ops-alert-Acme-Haiku-4-5",
            "bedrock-ops-alert-Acme-Opus-4-6"
        ]
    );
}

#[test]
fn apply_waits_for_cloudformation_and_polls_with_backoff() {
    let (_turn, emulator) = session();
    emulator.set_cloudformation_settle_reads(4).unwrap();
    let file = FleetFile::new("waits");
    let path = file.write(&one_model());
    let applied = ok(fleet(emulator, "apply", path, &[]));
    assert!(applied.contains("Applied: 1 created"), "{applied}");
    // The change set is read until it is ready (4 reads in progress + 1), the stack until it is complete.
    assert_eq!(calls(emulator, "DescribeChangeSet"), 5);
    assert_eq!(
        calls(emulator, "DescribeStacks"),
        1 + 5,
        "one listing for the plan, then the wait"
    );
    assert_eq!(calls(emulator, "ExecuteChangeSet"), 1);
}

#[test]
fn a_failed_stack_stops_apply_with_the_events_that_explain_it() {
    let (_turn, emulator) = session();
    emulator
        .fail_next_stack_execution(
            "bedrock-ops-alert-Acme-Haiku-4-5",
            "FormattedTopic",
            "Resource handler returned message: \"Topic limit exceeded\"",
        )
        .unwrap();
    let file = FleetFile::new("failure");
    let path = file.write(&three_models(80, true));
    let output = fleet(emulator, "apply", path, &[]);
    assert!(!output.status.success());
    let text = stdout(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("CREATE_FAILED AWS::CloudFormation::CustomResource FormattedTopic: Resource handler returned message: \"Topic limit exceeded\""), "{text}");
    assert!(
        stderr.contains("bedrock-ops-alert-Acme-Haiku-4-5: ROLLBACK_COMPLETE: CREATE_FAILED"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Stopped: 1 more stack(s) not applied."),
        "{stderr}"
    );
    let after = stacks(emulator);
    assert_eq!(
        after["bedrock-ops-alert-Acme-Opus-4-6"].0,
        "CREATE_COMPLETE"
    );
    assert_eq!(
        after["bedrock-ops-alert-Acme-Haiku-4-5"].0,
        "ROLLBACK_COMPLETE"
    );
    assert!(
        !after.contains_key("bedrock-ops-alert-Acme-Sonnet-4-5"),
        "apply stopped at the failure"
    );

    // The failed stack is now blocked: plan says what to do, apply applies nothing.
    let plan = ok(fleet(emulator, "plan", path, &[]));
    assert!(
        plan.contains("blocked    ROLLBACK_COMPLETE: its creation failed"),
        "{plan}"
    );
    let output = fleet(emulator, "apply", path, &[]);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("1 stack(s) blocked (see the plan); nothing applied")
    );
}

#[test]
fn a_change_set_without_changes_is_reported_and_deleted() {
    let (_turn, emulator) = session();
    // A stack made outside the fleet (no fleet tags) with exactly the fleet's template and parameters: the plan
    // cannot know the template is the same, CloudFormation finds nothing to change.
    let file = FleetFile::new("nochange");
    let path = file.write(&one_model());
    let parameters = [
        ("CustomerName", "Acme"),
        ("StakeholderEmailList", "ops@example.com,ml@example.com"),
        ("NotificationPreference", "all"),
        ("BedrockModelName", "Opus-4-6"),
        ("BedrockModelId", MODEL_ID),
        ("RequestsPerMinuteQuotaCode", RPM_CODE),
        ("TokensPerMinuteQuotaCode", TPM_CODE),
        ("RequestsPerMinuteThresholdPercent", "80"),
        ("TokensPerMinuteThresholdPercent", "80"),
    ];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(
            client(emulator)
                .create_stack()
                .stack_name("bedrock-ops-alert-Acme-Opus-4-6")
                .template_body(std::fs::read_to_string(TEMPLATE).unwrap())
                .set_parameters(Some(
                    parameters
                        .iter()
                        .map(|(k, v)| {
                            aws_sdk_cloudformation::types::Parameter::builder()
                                .parameter_key(*k)
                                .parameter_value(*v)
                                .build()
                        })
                        .collect(),
                ))
                .send(),
        )
        .unwrap();
    let plan = ok(fleet(emulator, "plan", path, &[]));
    assert!(plan.contains("template: new version"), "{plan}");
    emulator.reset_calls().unwrap();
    let applied = ok(fleet(emulator, "apply", path, &[]));
    assert!(
        applied.contains("no changes: CloudFormation found nothing to change (change set deleted)"),
        "{applied}"
    );
    assert!(
        applied.contains("Applied: 0 created, 0 updated, 1 without changes, 0 deleted."),
        "{applied}"
    );
    assert_eq!(calls(emulator, "ExecuteChangeSet"), 0);
    assert_eq!(calls(emulator, "DeleteChangeSet"), 1);
}

#[test]
fn apply_refuses_without_a_template_or_confirmation_and_status_reads_every_stack() {
    let (_turn, emulator) = session();
    let file = FleetFile::new("status");
    let path = file.write(&three_models(80, false));
    let no_template = cli(
        emulator,
        &["fleet", "apply", "--file", path.to_str().unwrap(), "--yes"],
    );
    assert!(!no_template.status.success());
    assert!(
        String::from_utf8_lossy(&no_template.stderr)
            .contains("apply needs the template: --template-url URL")
    );
    let unconfirmed = cli(
        emulator,
        &[
            "fleet",
            "apply",
            "--file",
            path.to_str().unwrap(),
            "--template-file",
            TEMPLATE,
        ],
    );
    assert!(!unconfirmed.status.success());
    assert!(String::from_utf8_lossy(&unconfirmed.stderr).contains("pass --yes"));
    assert!(stacks(emulator).is_empty());

    ok(fleet(emulator, "apply", path, &[]));
    let status = ok(cli(
        emulator,
        &[
            "fleet",
            "status",
            "--file",
            path.to_str().unwrap(),
            "--json",
        ],
    ));
    let rows: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["stack_name"], "bedrock-ops-alert-Acme-Opus-4-6");
    assert_eq!(rows[0]["status"], "CREATE_COMPLETE");
    // The test template keeps no thresholds: nothing stored yet, said as missing, not as zero.
    assert_eq!(rows[0]["rpm"]["threshold"], Value::Null);
    assert_eq!(rows[0]["in_alarm"], serde_json::json!([]));
}
