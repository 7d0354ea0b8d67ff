//! Tests of the output contract. The snapshots pin, byte for byte, the JSON of every report kind and e-mail
//! status as the CLI, the Lambda and the ledger print it.

use super::*;
use crate::handler::test_support::*;

#[tokio::test]
async fn cli_json_keeps_the_contract_keys() {
    let world = World::new();
    world.usage(9_500.0, 3_000_000.0);

    let decision = world.decide(&alarm("Throttles", "Critical")).await;
    let out = decision.to_json(true);

    assert_eq!(out["class"], "both");
    assert_eq!(out["scenario"], "high_usage");
    assert_eq!(out["expedited"], true);
    assert_eq!(out["severity"], "critical");
    assert_eq!(out["actions"][0]["type"], "quota_request");
    assert_eq!(out["actions"][0]["quota_code"], RPM);
    assert_eq!(out["actions"][0]["desired"], 12_500);
    assert!(
        out["email"]["subject"]
            .as_str()
            .unwrap()
            .contains("Quota Request")
    );
    assert!(out["email"]["body"].as_str().unwrap().len() > 100);
    assert!(decision.to_json(false)["email"].get("body").is_none());
}

// ---- The output contract, pinned byte for byte ----
//
// The CLI's `--json`, the Lambda's response and the ledger's records are contracts: keys, values and key
// presence. Key order is not: serde_json sorts keys in the shipped builds and keeps insertion order only where
// a dev-dependency turns on its `preserve_order` (the workspace's test build), so keys are pinned sorted. Each
// snapshot holds every face of one transition: its reports with and without the e-mail body, the Lambda's
// response, and the ledger's items (recorded steps and closing outcome). An e-mail body the run produced shows
// as «e-mail body» (the e-mail snapshots of the core pin its wording); any other string is shown as is.

/// A fixed clock: e-mail bodies name the times of the usage peaks.
const PINNED_NOW: i64 = 1_777_906_800; // 2026-05-04T15:00:00Z

fn pinned_world() -> World {
    let mut world = World::new();
    world.now = PINNED_NOW;
    world
}

/// `value` with its keys sorted (whatever serde_json's map keeps) and the known e-mail bodies redacted.
fn canonical(value: Value, bodies: &[String]) -> Value {
    match value {
        Value::String(text) if bodies.contains(&text) => Value::String("«e-mail body»".into()),
        Value::Array(items) => items.into_iter().map(|v| canonical(v, bodies)).collect(),
        Value::Object(map) => {
            let sorted: BTreeMap<String, Value> = map.into_iter().collect();
            Value::Object(
                sorted
                    .into_iter()
                    .map(|(key, v)| (key, canonical(v, bodies)))
                    .collect(),
            )
        }
        other => other,
    }
}

/// The pinned text of one run's reports (or error) and the ledger it left.
fn contract(world: &World, result: &Result<Vec<Report>, ProcessorError>) -> String {
    let mut doc = serde_json::Map::new();
    let mut bodies: Vec<String> = world.emails().into_iter().map(|(_, body)| body).collect();
    match result {
        Ok(reports) => {
            bodies.extend(reports.iter().filter_map(|report| match report {
                Report::Handled(decision) => Some(decision.email.body.clone()),
                _ => None,
            }));
            let with_body: Vec<Value> = reports.iter().map(|r| r.to_json(true)).collect();
            let without_body: Vec<Value> = reports.iter().map(|r| r.to_json(false)).collect();
            doc.insert("reports_with_body".into(), Value::Array(with_body));
            doc.insert("reports_without_body".into(), Value::Array(without_body));
            doc.insert("lambda_response".into(), crate::lambda_response(reports));
        }
        Err(error) => {
            doc.insert(
                "error".into(),
                json!({"type": error.error_type(), "message": error.to_string()}),
            );
        }
    }
    let ledger: serde_json::Map<String, Value> = world
        .ledger
        .records()
        .into_iter()
        .map(|(key, record)| {
            let item = json!({
                "status": record.status.as_str(),
                "steps": record.steps,
                "outcome": record.outcome,
            });
            (key, item)
        })
        .collect();
    doc.insert("ledger".into(), Value::Object(ledger));
    serde_json::to_string_pretty(&canonical(Value::Object(doc), &bodies)).unwrap()
}

/// Runs `events` in turn on `world` (set up by the caller) and pins the last run's faces under `name`.
async fn pin(name: &str, world: &World, events: &[Value]) {
    let mut result = Ok(Vec::new());
    for event in events {
        result = world.run(event).await;
    }
    pin_result(name, world, &result);
}

fn pin_result(name: &str, world: &World, result: &Result<Vec<Report>, ProcessorError>) {
    let text = contract(world, result);
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[tokio::test]
async fn contract_handled_quota_requests_published() {
    let world = pinned_world();
    world.usage(9_500.0, 3_000_000.0);
    pin(
        "handled_high_usage_both_published",
        &world,
        &[alarm("Throttles", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_high_usage_tpm_warning() {
    let world = pinned_world();
    world.quotas_and_thresholds(200, 200_000);
    world.usage(150.0, 210_000.0);
    pin(
        "handled_high_usage_tpm_warning",
        &world,
        &[alarm("HighTPMQuotaUsage", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_new_model() {
    let world = pinned_world();
    world.quotas_and_thresholds(200, 500_000);
    pin(
        "handled_new_model",
        &world,
        &[alarm("InputTokenAnomaly", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_usage_unknown() {
    let world = pinned_world();
    world.usage_read_throttled();
    pin(
        "handled_usage_unknown",
        &world,
        &[alarm("HighInvocationRate", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_low_usage_case_created() {
    let world = pinned_world();
    world.quotas_and_thresholds(10_001, 6_250_000);
    world.usage(5_578.0, 3_404_691.0);
    pin(
        "handled_low_usage_case_created",
        &world,
        &[alarm("InvocationAnomaly", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_non_quota_case_created() {
    let world = pinned_world();
    world.usage(100.0, 1_000.0);
    pin(
        "handled_non_quota_case_created",
        &world,
        &[alarm("ServerErrors", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_append_to_the_open_duplicate() {
    let world = pinned_world();
    world.usage(100.0, 1_000.0);
    world.support.seed_open_case(INVESTIGATION_SUBJECT, 86_400);
    pin(
        "handled_append_to_open_duplicate",
        &world,
        &[alarm("ServerErrors", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_append_to_the_open_requests_case() {
    let world = pinned_world();
    world.usage(9_500.0, 1.0);
    let (_, display_id) = world
        .support
        .seed_open_case("Service Quotas increase: Amazon Bedrock", 3_600);
    world.seed_open_rpm_request("human-1", Some(display_id));
    pin(
        "handled_append_to_open_request_case",
        &world,
        &[alarm("HighInvocationRate", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_open_request_without_a_case() {
    let world = pinned_world();
    world.usage(9_500.0, 1.0);
    world.seed_open_rpm_request("human-2", None);
    pin(
        "handled_open_request_without_case",
        &world,
        &[alarm("HighInvocationRate", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_not_adjustable_falls_back_to_a_case() {
    let world = pinned_world();
    world
        .quotas
        .set_applied(quota(TPM, "tokens per minute", 6_250_000.0, false));
    world.usage(9_500.0, 3_000_000.0);
    pin(
        "handled_not_adjustable_fallback",
        &world,
        &[alarm("Throttles", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_access_denied_falls_back_to_a_case() {
    let world = pinned_world();
    world.usage(9_500.0, 1.0);
    world.quota_requests_denied();
    pin(
        "handled_access_denied_fallback",
        &world,
        &[alarm("HighInvocationRate", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_automation_disabled() {
    let world = pinned_world();
    world.set("enable-automated-support-case", "No");
    world.usage(9_500.0, 3_000_000.0);
    pin(
        "handled_automation_disabled",
        &world,
        &[alarm("Throttles", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_increase_percent_zero() {
    let world = pinned_world();
    world.set("tokens-per-minute-increase-percent", "0");
    world.usage(9_500.0, 3_000_000.0);
    pin(
        "handled_increase_percent_zero",
        &world,
        &[alarm("Throttles", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_filtered_by_the_preference() {
    let world = pinned_world();
    world.set("notification-preference", "critical");
    world.quotas_and_thresholds(200, 200_000);
    world.usage(150.0, 210_000.0);
    pin(
        "handled_filtered_by_preference",
        &world,
        &[alarm("HighTPMQuotaUsage", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_dry_run() {
    let world = pinned_world();
    world.set("mode", "dry-run");
    world.usage(9_500.0, 3_000_000.0);
    pin(
        "handled_dry_run_quota_requests",
        &world,
        &[alarm("Throttles", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_dry_run_append() {
    let world = pinned_world();
    world.set("mode", "dry-run");
    world.support.seed_open_case(INVESTIGATION_SUBJECT, 60);
    pin(
        "handled_dry_run_append",
        &world,
        &[alarm("LatencyAnomaly", "Warning")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_simulated() {
    let world = pinned_world();
    world.usage(9_500.0, 3_000_000.0);
    let result = world
        .run_as(&alarm("Throttles", "Critical"), RunMode::Simulate)
        .await;
    pin_result("handled_simulated", &world, &result);
}

#[tokio::test]
async fn contract_handled_support_plan_missing() {
    let world = pinned_world();
    world.support.set_subscribed(false);
    pin(
        "handled_support_plan_missing",
        &world,
        &[alarm("ServerErrors", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_case_creation_limit() {
    let world = pinned_world();
    world.case_creation_limit_reached();
    pin(
        "handled_case_creation_limit",
        &world,
        &[alarm("ServerErrors", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_unreadable_settings() {
    let world = pinned_world();
    world.set("mode", "sometimes");
    pin(
        "handled_unreadable_settings",
        &world,
        &[alarm("ServerErrors", "Critical")],
    )
    .await;
}

#[tokio::test]
async fn contract_handled_recovery() {
    let world = pinned_world();
    let ok = sns(&message(
        "Throttles",
        "Critical",
        "OK",
        "2026-05-04T14:58:00Z",
    ));
    pin("handled_recovery", &world, &[ok]).await;
}

#[tokio::test]
async fn contract_already_handled() {
    let world = pinned_world();
    world.usage(9_500.0, 3_000_000.0);
    let event = alarm("Throttles", "Critical");
    pin("already_handled", &world, &[event.clone(), event]).await;
}

#[tokio::test]
async fn contract_ignored() {
    let world = pinned_world();
    let insufficient = sns(&message(
        "Throttles",
        "Critical",
        "INSUFFICIENT_DATA",
        "2026-05-04T14:52:48Z",
    ));
    pin("ignored_insufficient_data", &world, &[insufficient]).await;
    let mut ok = message("Throttles", "Critical", "OK", "2026-05-04T14:58:00Z");
    ok["OldStateValue"] = json!("INSUFFICIENT_DATA");
    pin("ignored_ok_not_after_alarm", &world, &[sns(&ok)]).await;
}

#[tokio::test]
async fn contract_refused_email() {
    let world = pinned_world();
    world.usage(9_500.0, 3_000_000.0);
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "AuthorizationError", "no", Some(403)),
    );
    pin("email_refused", &world, &[alarm("Throttles", "Critical")]).await;
}

#[tokio::test]
async fn contract_email_to_retry_and_resumed() {
    let world = pinned_world();
    world.usage(9_500.0, 3_000_000.0);
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "Throttling", "slow", Some(400)),
    );
    let event = alarm("Throttles", "Critical");
    pin("email_to_retry", &world, std::slice::from_ref(&event)).await;
    pin("resumed_published", &world, &[event]).await;
}

#[tokio::test]
async fn contract_resumed_and_refused() {
    let world = pinned_world();
    world.usage(100.0, 1_000.0);
    let event = alarm("ServerErrors", "Critical");
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "Throttling", "slow", Some(400)),
    );
    world.run(&event).await.unwrap_err();
    world.notifier.fail_next(
        "Publish",
        AwsError::from_code("sns", "Publish", "AuthorizationError", "no", Some(403)),
    );
    pin("resumed_refused", &world, &[event]).await;
}

/// Pins `process --retry-failed` on `event` after the runs the caller made.
async fn pin_retry(name: &str, world: &World, event: &Value) {
    let result = world.processor().retry_failed(event, world.now).await;
    pin_result(name, world, &result);
}

#[tokio::test]
async fn contract_retried_the_throttled_case() {
    let world = pinned_world();
    world.usage(100.0, 1_000.0);
    let event = alarm("ServerErrors", "Critical");
    world.support.fail_always(
        "CreateCase",
        AwsError::from_code(
            "support",
            "CreateCase",
            "ThrottlingException",
            "slow",
            Some(400),
        ),
    );
    world.run(&event).await.unwrap();
    world.support.clear_failures();
    pin_retry("retried_case", &world, &event).await;
}

#[tokio::test]
async fn contract_nothing_to_retry_and_no_record() {
    let world = pinned_world();
    world.usage(9_500.0, 3_000_000.0);
    pin_retry("no_record", &world, &alarm("Throttles", "Critical")).await;
    world.run(&alarm("Throttles", "Critical")).await.unwrap();
    pin_retry("nothing_to_retry", &world, &alarm("Throttles", "Critical")).await;
}
