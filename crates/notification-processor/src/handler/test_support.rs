//! The fixtures every room's tests share: an account of in-memory fakes ([`World`]) with the blog's first example
//! stack, a processor over it, and builders of SNS events and alarm messages.

pub(super) use std::collections::BTreeMap;

pub(super) use bedrock_ops_aws::AwsError;
pub(super) use bedrock_ops_aws::diagnostic::Classified;
pub(super) use bedrock_ops_aws::ledger::memory::MemoryLedger;
pub(super) use bedrock_ops_aws::ledger::{LedgerRecord, LedgerStatus};
pub(super) use bedrock_ops_aws::metrics::UsageMetric;
pub(super) use bedrock_ops_aws::metrics::memory::MemoryUsageMetrics;
pub(super) use bedrock_ops_aws::notify::memory::MemoryNotifier;
pub(super) use bedrock_ops_aws::parameters::memory::MemoryParameters;
pub(super) use bedrock_ops_aws::queue::memory::MemoryQueue;
pub(super) use bedrock_ops_aws::quotas::memory::MemoryQuotas;
pub(super) use bedrock_ops_aws::quotas::{ChangeStatus, QuotaInfo, QuotaSource, RequestedChange};
pub(super) use bedrock_ops_aws::support::memory::MemorySupport;
pub(super) use bedrock_ops_core::alarms::{AlarmClass, Severity};
pub(super) use bedrock_ops_core::outcome::{Action, ActionView};
pub(super) use bedrock_ops_core::scenario::Scenario;
pub(super) use bedrock_ops_core::thresholds::SERVICE_CODE;
pub(super) use bedrock_ops_testkit::fixtures::{MODEL_ID, RPM_CODE as RPM, TPM_CODE as TPM};
pub(super) use serde_json::{Value, json};

pub(super) use super::{Decision, LEASE_MARGIN_SECONDS, Ports, Processor, Report, RunMode};
pub(super) use crate::config::{Config, Need};
pub(super) use crate::error::ProcessorError;

pub(super) const CUSTOMER: &str = "Acme";
pub(super) const MODEL: &str = "Opus-4-6";
pub(super) const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:Acme-formatted";
pub(super) const QUEUE_URL: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/follow-ups";
pub(super) const QUOTA_SUBJECT: &str = "Acme - Bedrock Ops Alert - Opus-4-6 - Quota Request";
pub(super) const INVESTIGATION_SUBJECT: &str =
    "Acme - Bedrock Ops Alert - Opus-4-6 - Investigation Request";

pub(super) type TestProcessor = Processor<
    MemoryParameters,
    MemoryUsageMetrics,
    MemoryQuotas,
    MemorySupport,
    MemoryNotifier,
    MemoryLedger,
    MemoryQueue,
>;

/// The fakes of one account, and a processor over them.
pub(super) struct World {
    pub(super) parameters: MemoryParameters,
    pub(super) metrics: MemoryUsageMetrics,
    pub(super) quotas: MemoryQuotas,
    pub(super) support: MemorySupport,
    pub(super) notifier: MemoryNotifier,
    pub(super) ledger: MemoryLedger,
    pub(super) queue: MemoryQueue,
    pub(super) now: i64,
}

pub(super) fn config() -> Config {
    config_with(&[])
}

/// [`config`] with some of its environment variables replaced (or added).
pub(super) fn config_with(overrides: &[(&str, &str)]) -> Config {
    Config::from_lookup(Need::Everything, |name| {
        if let Some((_, value)) = overrides.iter().find(|(key, _)| *key == name) {
            return Some((*value).to_owned());
        }
        Some(
            match name {
                "CUSTOMER_NAME" => CUSTOMER,
                "BEDROCK_MODEL_NAME" => MODEL,
                "BEDROCK_MODEL_ID" => MODEL_ID,
                "REQUESTS_PER_MINUTE_QUOTA_CODE" => RPM,
                "TOKENS_PER_MINUTE_QUOTA_CODE" => TPM,
                "FORMATTED_TOPIC_ARN" => TOPIC,
                "LEDGER_TABLE_NAME" => "ledger",
                "FOLLOW_UP_QUEUE_URL" => QUEUE_URL,
                _ => return None,
            }
            .to_owned(),
        )
    })
    .unwrap()
}

pub(super) fn quota(code: &str, name: &str, value: f64, adjustable: bool) -> QuotaInfo {
    QuotaInfo {
        service_code: SERVICE_CODE.into(),
        code: code.into(),
        name: name.into(),
        value,
        adjustable,
        unit: None,
        source: QuotaSource::Applied,
    }
}

impl World {
    /// The blog's first example account: 10,000 RPM and 6,250,000 TPM at 80 %, automation on.
    pub(super) fn new() -> World {
        let world = World {
            parameters: MemoryParameters::new(),
            metrics: MemoryUsageMetrics::new(),
            quotas: MemoryQuotas::new(),
            support: MemorySupport::new(),
            notifier: MemoryNotifier::new(),
            ledger: MemoryLedger::new(),
            queue: MemoryQueue::new(),
            now: bedrock_ops_aws::clock::now_epoch(),
        };
        for (key, value) in [
            ("enable-automated-support-case", "Yes"),
            ("requests-per-minute-increase-percent", "25"),
            ("tokens-per-minute-increase-percent", "25"),
            ("notification-preference", "all"),
            ("use-case-description", "Customer support assistant"),
            ("support-case-lookback-days", "60"),
            ("mode", "live"),
            ("append-cooldown-minutes", "60"),
        ] {
            world.set(key, value);
        }
        world.quotas_and_thresholds(10_000, 6_250_000);
        world
    }

    pub(super) fn set(&self, key: &str, value: &str) {
        self.parameters.seed(
            &format!("/{CUSTOMER}/bedrock/quota-monitoring/{MODEL}/{key}"),
            value,
        );
    }

    pub(super) fn quotas_and_thresholds(&self, rpm: u64, tpm: u64) {
        self.quotas.set_applied(quota(
            RPM,
            "On-demand model inference requests per minute",
            rpm as f64,
            true,
        ));
        self.quotas.set_applied(quota(
            TPM,
            "On-demand model inference tokens per minute",
            tpm as f64,
            true,
        ));
        self.set(
            "thresholds/rpm-threshold-calculated",
            &(rpm * 8 / 10).to_string(),
        );
        self.set(
            "thresholds/tpm-threshold-calculated",
            &(tpm * 8 / 10).to_string(),
        );
        self.set("thresholds/rpm-quota", &rpm.to_string());
        self.set("thresholds/tpm-quota", &tpm.to_string());
    }

    /// One busy minute an hour ago with these peaks, and a quieter one before it.
    pub(super) fn usage(&self, peak_rpm: f64, peak_tpm: f64) {
        let start = self.now - self.now.rem_euclid(60) - 3600;
        self.metrics.add_minutes(
            MODEL_ID,
            UsageMetric::Invocations,
            start,
            &[peak_rpm / 2.0, peak_rpm],
        );
        self.metrics.add_minutes(
            MODEL_ID,
            UsageMetric::EstimatedTpmQuotaUsage,
            start,
            &[peak_tpm / 2.0, peak_tpm],
        );
    }

    /// An unfinished claim of `key` (one attempt so far) with these steps.
    pub(super) fn seed_claim(
        &self,
        key: &str,
        claimed_at: i64,
        lease_until: i64,
        steps: BTreeMap<String, Value>,
    ) {
        self.ledger.seed(LedgerRecord {
            key: key.into(),
            status: LedgerStatus::InProgress,
            claimed_at,
            lease_until,
            attempts: 1,
            steps,
            outcome: None,
            completed_at: None,
            expires_at: self.now + 86_400,
        });
    }

    /// An increase request of the RPM quota, opened an hour ago by someone else, with its Support case
    /// (by display id) once Service Quotas has linked one.
    pub(super) fn seed_open_rpm_request(&self, id: &str, case_display_id: Option<String>) {
        let status = if case_display_id.is_some() {
            ChangeStatus::CaseOpened
        } else {
            ChangeStatus::Pending
        };
        self.quotas.seed_request(
            SERVICE_CODE,
            RequestedChange {
                id: id.into(),
                quota_code: RPM.into(),
                case_id: case_display_id,
                status,
                desired: 20_000.0,
                created: Some(self.now - 3_600),
            },
        );
    }

    /// The role may not request quota increases.
    pub(super) fn quota_requests_denied(&self) {
        self.quotas.fail_always(
            "RequestServiceQuotaIncrease",
            AwsError::from_code(
                "servicequotas",
                "RequestServiceQuotaIncrease",
                "AccessDeniedException",
                "no",
                Some(400),
            ),
        );
    }

    /// AWS Support refuses new cases: the account reached its limit.
    pub(super) fn case_creation_limit_reached(&self) {
        self.support.fail_always(
            "CreateCase",
            AwsError::from_code(
                "support",
                "CreateCase",
                "CaseCreationLimitExceeded",
                "limit",
                Some(400),
            ),
        );
    }

    /// CloudWatch keeps throttling the usage read.
    pub(super) fn usage_read_throttled(&self) {
        self.metrics.fail_always(
            "GetMetricData",
            AwsError::from_code(
                "cloudwatch",
                "GetMetricData",
                "Throttling",
                "Rate exceeded",
                Some(400),
            ),
        );
    }

    pub(super) fn processor(&self) -> TestProcessor {
        self.processor_with(config())
    }

    pub(super) fn processor_with(&self, config: Config) -> TestProcessor {
        Processor::new(
            Ports {
                parameters: self.parameters.clone(),
                metrics: self.metrics.clone(),
                quotas: self.quotas.clone(),
                support: self.support.clone(),
                notifier: self.notifier.clone(),
                ledger: self.ledger.clone(),
                follow_ups: self.queue.clone(),
            },
            config,
            "us-east-1",
        )
    }

    pub(super) async fn run_as(
        &self,
        event: &Value,
        run: RunMode,
    ) -> Result<Vec<Report>, ProcessorError> {
        self.processor().handle(event, self.now, run).await
    }

    pub(super) async fn run(&self, event: &Value) -> Result<Vec<Report>, ProcessorError> {
        self.run_as(event, RunMode::Live).await
    }

    /// Runs one event that must be handled, and returns its decision.
    pub(super) async fn decide(&self, event: &Value) -> Decision {
        match self.run(event).await.unwrap().remove(0) {
            Report::Handled(decision) => decision,
            other => panic!("not handled: {other:?}"),
        }
    }

    pub(super) fn emails(&self) -> Vec<(String, String)> {
        self.notifier
            .published()
            .into_iter()
            .map(|m| {
                assert_eq!(m.topic_arn, TOPIC);
                (m.subject, m.body)
            })
            .collect()
    }

    pub(super) fn filed_requests(&self) -> Vec<(String, f64)> {
        self.quotas
            .requests()
            .into_iter()
            .map(|r| (r.quota_code, r.desired))
            .collect()
    }
}

/// The mark our bodies end with (`core::case_trail`), as this stack's earlier filing would have left it.
pub(super) fn mark(alarms: &[&str], asks: &[&str]) -> String {
    format!(
        "Bedrock Ops Alert reference: stack={CUSTOMER}/{MODEL} alarms={} asks={}",
        alarms.join(","),
        asks.join(",")
    )
}

/// An ALARM of `kind` at `time` (`2026-05-04T15:30:00.000+0000`): a later transition of the same alarm.
pub(super) fn alarm_at(kind: &str, severity: &str, time: &str) -> Value {
    sns(&message(kind, severity, "ALARM", time))
}

pub(super) fn alarm_name(kind: &str, severity: &str) -> String {
    format!("{CUSTOMER}-Bedrock-{kind}-{severity}-{MODEL}")
}

pub(super) fn message(kind: &str, severity: &str, state: &str, time: &str) -> Value {
    let name = alarm_name(kind, severity);
    json!({
        "AlarmName": name,
        "AlarmArn": format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"),
        "AWSAccountId": "123456789012",
        "NewStateValue": state,
        "NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints was greater than the threshold.",
        "StateChangeTime": time,
        "OldStateValue": if state == "OK" { "ALARM" } else { "OK" },
        "Trigger": {"Namespace": "AWS/Bedrock"}
    })
}

pub(super) fn sns(message: &Value) -> Value {
    json!({"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": "m-1", "Message": message.to_string()}}]})
}

pub(super) fn alarm(kind: &str, severity: &str) -> Value {
    sns(&message(
        kind,
        severity,
        "ALARM",
        "2026-05-04T14:52:48.069+0000",
    ))
}

pub(super) fn composite(children: &[(&str, &str)]) -> Value {
    let name = format!("{CUSTOMER}-Bedrock-QuotaHealth-Composite-{MODEL}");
    let children: Vec<Value> = children
        .iter()
        .map(|(kind, severity)| {
            json!({"Arn": format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{}", alarm_name(kind, severity)),
                   "State": {"Value": "ALARM", "Timestamp": "2026-05-04T14:52:00.000+0000"}})
        })
        .collect();
    sns(&json!({
        "AlarmName": name,
        "AlarmArn": format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"),
        "NewStateValue": "ALARM",
        "NewStateReason": "child alarms transitioned to ALARM",
        "StateChangeTime": "2026-05-04T14:52:48.069+0000",
        "AlarmRule": "ALARM(a) OR ALARM(b)",
        "TriggeringChildren": children
    }))
}

pub(super) fn views(decision: &Decision) -> Vec<Value> {
    decision
        .actions
        .iter()
        .map(|a| serde_json::to_value(ActionView::from(a)).unwrap())
        .collect()
}

pub(super) fn types(decision: &Decision) -> Vec<String> {
    views(decision)
        .iter()
        .map(|v| match v["type"].as_str().unwrap() {
            "none" => format!("none:{}", v["reason"].as_str().unwrap()),
            other => other.to_owned(),
        })
        .collect()
}

pub(super) fn done_record(world: &World) -> LedgerRecord {
    // The transition's record; a created case also leaves its category's lock item.
    let mut records = world.ledger.records();
    records.retain(|key, _| !key.starts_with("case-lock|"));
    assert_eq!(records.len(), 1, "{records:?}");
    records.into_values().next().unwrap()
}

/// The ledger key of the transition `alarm("Throttles", "Critical")`.
pub(super) const THROTTLES_KEY: &str = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:Acme-Bedrock-Throttles-Critical-Opus-4-6|ALARM|2026-05-04T14:52:48.069+0000";

/// A `filed` step of the transition `key` as the processor has always written it: an RPM request filed, the
/// e-mail still to send (its body shortened).
pub(super) fn filed_step_in_todays_shape(key: &str) -> Value {
    json!({
        "decision": {
            "scenario": "high_usage",
            "expedited": true,
            "key": key,
            "class": "both",
            "severity": "critical",
            "actions": [
                {"type": "quota_request", "quota": "rpm", "quota_code": RPM, "quota_name": "On-demand model inference requests per minute",
                 "current": 10000, "desired": 12500, "request_id": "req-1"},
                {"type": "none", "reason": "increase_percent_zero", "quota": "tpm", "quota_code": TPM}
            ],
            "email": {
                "subject": "🔴 [CRITICAL] Acme - Bedrock Ops Alert - Opus-4-6 - Quota Request",
                "body": "Throttles fired for Opus-4-6 (Acme, us-east-1); requested an RPM quota increase.\n",
                "status": "pending"
            }
        },
        "notify": true
    })
}
