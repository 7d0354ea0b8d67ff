//! The doctor over the adapters' in-memory fakes: every check at once, the "Done when" stack, a
//! check that cannot run, and the table and JSON as printed (insta snapshots).

use std::collections::BTreeMap;

use bedrock_ops_aws::alarms::MetricAlarmDef;
use bedrock_ops_aws::alarms::memory::MemoryAlarms;
use bedrock_ops_aws::parameters::memory::MemoryParameters;
use bedrock_ops_aws::quotas::memory::MemoryQuotas;
use bedrock_ops_aws::{AlarmAdmin, AwsError};
use bedrock_ops_core::SERVICE_CODE;
use bedrock_ops_core::doctor::checks::{
    LEDGER_TTL_ATTRIBUTE, SERVICE_QUOTAS_ROLE, Subscription, Table,
};
use bedrock_ops_core::doctor::{Report, Status, render};
use bedrock_ops_core::settings::{keys, parameter_name};

use super::examine::Sources;
use super::stack::DeployedStack;
use crate::cloudformation::StackDescription;
use crate::inspect::memory::MemoryInspector;

const MODEL_ID: &str = "global.anthropic.claude-opus-4-6-v1";
const RAW: &str = "arn:aws:sns:us-east-1:123456789012:Acme-Bedrock-Alarms-Raw-Opus";
const FORMATTED: &str = "arn:aws:sns:us-east-1:123456789012:Acme-Bedrock-Alarms-Formatted-Opus";
const TABLE: &str = "Acme-Bedrock-OpsAlert-Ledger-Opus";
const NOW: i64 = 1_780_000_000;

fn description() -> StackDescription {
    let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    StackDescription {
        name: "bedrock-ops-alert-Acme-Opus".into(),
        status: "CREATE_COMPLETE".into(),
        parameters: map(&[
            ("CustomerName", "Acme"),
            ("BedrockModelName", "Opus"),
            ("BedrockModelId", MODEL_ID),
            ("ExtraModelIds", ""),
            ("RequestsPerMinuteQuotaCode", "L-3DD46812"),
            ("TokensPerMinuteQuotaCode", "L-3DCCFAA4"),
            ("RequestsPerMinuteThresholdPercent", "80"),
            ("TokensPerMinuteThresholdPercent", "80"),
        ]),
        outputs: map(&[
            ("RawAlarmTopicArn", RAW),
            ("FormattedTopicArn", FORMATTED),
            ("LedgerTableName", TABLE),
            ("AlarmUpdaterFunctionName", "Acme-Alarm-Updater-Opus"),
        ]),
        ..StackDescription::default()
    }
}

/// A healthy stack's world: every check passes.
struct World {
    inspector: MemoryInspector,
    alarms: MemoryAlarms,
    parameters: MemoryParameters,
    quotas: MemoryQuotas,
    stack: DeployedStack,
}

impl World {
    fn healthy() -> World {
        let stack = DeployedStack::from_description(&description()).unwrap();
        let inspector = MemoryInspector::default();
        inspector.subscriptions.borrow_mut().insert(
            FORMATTED.into(),
            vec![Subscription {
                protocol: "email".into(),
                endpoint: "oncall@example.com".into(),
                confirmed: true,
            }],
        );
        inspector
            .invocations
            .borrow_mut()
            .insert(MODEL_ID.into(), 120.0);
        inspector.tables.borrow_mut().insert(
            TABLE.into(),
            Table {
                status: "ACTIVE".into(),
                ttl_status: "ENABLED".into(),
                ttl_attribute: Some(LEDGER_TTL_ATTRIBUTE.into()),
            },
        );
        inspector
            .roles
            .borrow_mut()
            .insert(SERVICE_QUOTAS_ROLE.into());
        let alarms = MemoryAlarms::new();
        for name in &stack.alarms {
            let mut alarm =
                MetricAlarmDef::metric_math(name, Vec::new(), 1.0, "GreaterThanThreshold", 1);
            alarm.alarm_actions = vec![RAW.into()];
            alarm.ok_actions = vec![RAW.into()];
            alarms.seed(alarm);
        }
        let parameters = MemoryParameters::new();
        for (key, value) in [
            (keys::ENABLE_AUTOMATED_SUPPORT_CASE, "Yes"),
            (keys::REQUESTS_PER_MINUTE_INCREASE_PERCENT, "25"),
            (keys::TOKENS_PER_MINUTE_INCREASE_PERCENT, "25"),
            (keys::NOTIFICATION_PREFERENCE, "all"),
            (keys::USE_CASE_DESCRIPTION, "customer chat"),
            (keys::SUPPORT_CASE_LOOKBACK_DAYS, "45"),
            (keys::MODE, "live"),
            (keys::APPEND_COOLDOWN_MINUTES, "60"),
            (keys::RPM_THRESHOLD_CALCULATED, "8000"),
            (keys::TPM_THRESHOLD_CALCULATED, "5000000"),
            (keys::RPM_QUOTA, "10000"),
            (keys::TPM_QUOTA, "6250000"),
            (keys::RPM_QUOTA_CODE, "L-3DD46812"),
            (keys::TPM_QUOTA_CODE, "L-3DCCFAA4"),
            (keys::RPM_PERCENT, "80"),
            (keys::TPM_PERCENT, "80"),
        ] {
            parameters.seed(&parameter_name("Acme", "Opus", key), value);
        }
        let quotas = MemoryQuotas::new()
            .with_applied(SERVICE_CODE, "L-3DD46812", "RPM", 10_000.0)
            .with_applied(SERVICE_CODE, "L-3DCCFAA4", "TPM", 6_250_000.0);
        World {
            inspector,
            alarms,
            parameters,
            quotas,
            stack,
        }
    }

    async fn report(&self) -> Report {
        let sources = Sources {
            inspector: &self.inspector,
            alarms: &self.alarms,
            parameters: &self.parameters,
            quotas: &self.quotas,
            now: NOW,
        };
        let mut checks = vec![bedrock_ops_core::doctor::checks::stack(
            &self.stack.names,
            &self.stack.status,
        )];
        checks.extend(sources.checks(&self.stack).await);
        Report::new(&self.stack.names.stack, checks)
    }
}

fn statuses(report: &Report) -> Vec<(&'static str, Status)> {
    report.checks.iter().map(|c| (c.id, c.status)).collect()
}

#[tokio::test]
async fn a_healthy_stack_passes_every_check_and_exits_0() {
    let report = World::healthy().report().await;
    assert!(
        report.checks.iter().all(|c| c.status == Status::Pass),
        "{report:#?}"
    );
    assert_eq!(report.checks.len(), 11);
    assert_eq!(report.summary.exit_code, 0);
}

/// The "Done when": a BedrockModelId without traffic (the calls report another id), an
/// unconfirmed subscription and dry-run left on.
fn done_when_world() -> World {
    let world = World::healthy();
    world.inspector.invocations.borrow_mut().clear();
    world
        .inspector
        .invocations
        .borrow_mut()
        .insert("us.anthropic.claude-opus-4-6-v1".into(), 300.0);
    world
        .inspector
        .subscriptions
        .borrow_mut()
        .get_mut(FORMATTED)
        .unwrap()
        .push(Subscription {
            protocol: "email".into(),
            endpoint: "sre.lead@example.org".into(),
            confirmed: false,
        });
    world
        .parameters
        .seed(&parameter_name("Acme", "Opus", keys::MODE), "dry-run");
    world
}

#[tokio::test]
async fn doctor_finds_no_traffic_an_unconfirmed_subscription_and_dry_run() {
    let report = done_when_world().report().await;
    let found = statuses(&report);
    assert!(found.contains(&("traffic", Status::Fail)), "{found:?}");
    assert!(
        found.contains(&("subscriptions", Status::Warn)),
        "{found:?}"
    );
    assert!(found.contains(&("mode", Status::Warn)), "{found:?}");
    assert_eq!(report.summary.exit_code, 2);
    let traffic = report.checks.iter().find(|c| c.id == "traffic").unwrap();
    assert!(
        traffic.detail.contains("us.anthropic.claude-opus-4-6-v1"),
        "the id that has traffic is named: {}",
        traffic.detail
    );
}

#[tokio::test]
async fn the_table_and_the_json_as_printed() {
    let report = done_when_world().report().await;
    insta::assert_snapshot!("doctor_table", render::table(&report));
    insta::assert_json_snapshot!("doctor_json", report);
}

#[tokio::test]
async fn a_check_that_cannot_run_says_so_and_the_others_still_run() {
    let world = World::healthy();
    world.inspector.fail(
        "ListSubscriptionsByTopic",
        AwsError::from_code(
            "sns",
            "ListSubscriptionsByTopic",
            "AuthorizationError",
            "not allowed",
            Some(403),
        ),
    );
    world.inspector.fail(
        "DescribeSeverityLevels",
        AwsError::from_code(
            "support",
            "DescribeSeverityLevels",
            "SubscriptionRequiredException",
            "no plan",
            Some(400),
        ),
    );
    world.alarms.fail_always(
        "DescribeAlarms",
        AwsError::from_code(
            "cloudwatch",
            "DescribeAlarms",
            "Throttling",
            "slow down",
            Some(400),
        ),
    );
    let report = world.report().await;
    let subscriptions = &report.checks[1];
    assert_eq!(subscriptions.status, Status::Warn);
    assert!(
        subscriptions
            .fix
            .as_deref()
            .unwrap()
            .starts_with("allow sns:ListSubscriptionsByTopic"),
        "{subscriptions:?}"
    );
    let alarms = &report.checks[2];
    assert_eq!(
        (alarms.status, alarms.fix.as_deref()),
        (Status::Warn, Some("run doctor again in a minute"))
    );
    let support = report.checks.iter().find(|c| c.id == "support").unwrap();
    assert_eq!(
        support.detail,
        "Basic/Developer plan: cases cannot be filed; quota requests still can"
    );
    assert_eq!(report.summary.exit_code, 1, "{report:#?}");
}

#[tokio::test]
async fn drifted_quotas_and_a_missing_alarm_and_ttl_are_reported() {
    let world = World::healthy();
    world
        .quotas
        .set_applied(bedrock_ops_aws::quotas::QuotaInfo {
            service_code: SERVICE_CODE.into(),
            code: "L-3DCCFAA4".into(),
            name: "TPM".into(),
            value: 12_500_000.0,
            adjustable: true,
            unit: None,
            source: bedrock_ops_core::QuotaSource::Applied,
        });
    world.alarms.delete(&world.stack.alarms[..1]).await.unwrap();
    world
        .inspector
        .tables
        .borrow_mut()
        .get_mut(TABLE)
        .unwrap()
        .ttl_status = "DISABLED".into();
    world.inspector.roles.borrow_mut().clear();
    let report = world.report().await;
    let found = statuses(&report);
    assert!(found.contains(&("quotas", Status::Warn)), "{found:?}");
    assert!(found.contains(&("alarms", Status::Fail)), "{found:?}");
    assert!(found.contains(&("ledger", Status::Warn)), "{found:?}");
    assert!(
        found.contains(&("service-linked-role", Status::Warn)),
        "{found:?}"
    );
}

#[test]
fn a_stack_without_the_templates_outputs_is_not_examined() {
    let mut description = description();
    description.outputs.remove("LedgerTableName");
    let error = DeployedStack::from_description(&description).unwrap_err();
    assert!(error.contains("no output LedgerTableName"), "{error}");
}

#[test]
fn an_rpm_code_of_na_expects_nine_alarms_and_extra_ids_are_monitored() {
    let mut description = description();
    description
        .parameters
        .insert("RequestsPerMinuteQuotaCode".into(), "NA".into());
    description.parameters.insert(
        "ExtraModelIds".into(),
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc".into(),
    );
    let stack = DeployedStack::from_description(&description).unwrap();
    assert_eq!(stack.alarms.len(), 9);
    assert!(
        !stack
            .alarms
            .iter()
            .any(|a| a.contains("HighInvocationRate"))
    );
    assert_eq!(stack.monitored.len(), 2);
}
