//! The notification processor's benchmark scenarios (the blog's six worked examples, an OK recovery, a
//! duplicate case → append and an open quota request → append), and what makes every run of one scenario do
//! the same work: a new transition per run (the ledger key moves with `StateChangeTime`) and, after each run,
//! the run's own filings closed again (its cases resolved, its quota requests closed) and the ledger emptied
//! (transitions and case locks), so the next run files them anew instead of appending.

use std::collections::BTreeSet;

use bedrock_ops_core::settings::keys;
use bedrock_ops_core::thresholds::SERVICE_CODE;
use bedrock_ops_testkit::testbed::processor::{
    Account, INVESTIGATION_SUBJECT, LEDGER_TABLE, RPM_CODE, Testbed, event,
};
use serde_json::Value;

/// One alarm the processor handles.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub account: Account,
    /// Under `tests/fixtures/events/`.
    pub fixture: &'static str,
    pub setup: Setup,
}

/// What is already open in AWS before the alarm arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    Nothing,
    /// An unresolved Investigation Request case with the stack's subject.
    OpenInvestigationCase,
    /// A pending Service Quotas increase request for the RPM quota.
    OpenRpmRequest,
}

/// Every scenario, the blog's examples first (their accounts realise the blog's numbers).
pub fn all() -> Vec<Scenario> {
    let blog_throttles = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    let server_errors = Account::new(10_000, 6_250_000).peaks(120.0, 90_000.0);
    vec![
        Scenario {
            name: "blog 1: Throttles, high_usage, RPM+TPM requests",
            account: blog_throttles.clone(),
            fixture: "throttles-alarm.json",
            setup: Setup::Nothing,
        },
        Scenario {
            name: "blog 2: HighTPMQuotaUsage, high_usage, TPM request",
            account: Account::new(200, 200_000).peaks(150.0, 210_000.0),
            fixture: "high-tpm-quota-usage-alarm.json",
            setup: Setup::Nothing,
        },
        Scenario {
            name: "blog 3: InvocationAnomaly, low_usage, case",
            account: Account::new(10_001, 6_250_000).peaks(5_578.0, 3_404_691.0),
            fixture: "invocation-anomaly-alarm.json",
            setup: Setup::Nothing,
        },
        Scenario {
            name: "blog 4: ClientErrors, low_usage, case",
            account: Account::new(200, 200_000).peaks(50.0, 80_000.0),
            fixture: "client-errors-alarm.json",
            setup: Setup::Nothing,
        },
        Scenario {
            name: "blog 5: InputTokenAnomaly, new_model, TPM request",
            account: Account::new(200, 500_000),
            fixture: "input-token-anomaly-alarm.json",
            setup: Setup::Nothing,
        },
        Scenario {
            name: "blog 6: ServerErrors, non_quota, case",
            account: server_errors.clone(),
            fixture: "server-errors-alarm.json",
            setup: Setup::Nothing,
        },
        Scenario {
            name: "OK recovery (Throttles)",
            account: blog_throttles,
            fixture: "throttles-ok.json",
            setup: Setup::Nothing,
        },
        // The two append scenarios run with no append cooldown, so that each of their 40 runs appends to the
        // open case again (with the default, every run after the first would be held as `append_cooldown`).
        Scenario {
            name: "duplicate case -> append (ServerErrors)",
            account: server_errors.setting(keys::APPEND_COOLDOWN_MINUTES, "0"),
            fixture: "server-errors-alarm.json",
            setup: Setup::OpenInvestigationCase,
        },
        Scenario {
            name: "open quota request -> append (HighInvocationRate)",
            account: Account::new(10_000, 6_250_000)
                .peaks(9_500.0, 90_000.0)
                .setting(keys::APPEND_COOLDOWN_MINUTES, "0"),
            fixture: "high-invocation-rate-alarm.json",
            setup: Setup::OpenRpmRequest,
        },
    ]
}

impl Setup {
    pub async fn apply(self, testbed: &Testbed) {
        match self {
            Setup::Nothing => {}
            Setup::OpenInvestigationCase => {
                aws_sdk_support::Client::new(&testbed.sdk)
                    .create_case()
                    .subject(INVESTIGATION_SUBJECT)
                    .communication_body("an earlier alarm")
                    .service_code("service-bedrock")
                    .category_code("general-guidance")
                    .severity_code("normal")
                    .send()
                    .await
                    .expect("case created");
            }
            Setup::OpenRpmRequest => {
                let quotas = aws_sdk_servicequotas::Client::new(&testbed.sdk);
                let filed = quotas
                    .request_service_quota_increase()
                    .service_code(SERVICE_CODE)
                    .quota_code(RPM_CODE)
                    .desired_value(20_000.0)
                    .send()
                    .await
                    .expect("request filed");
                // A request open before the alarm has its case by then: Service Quotas links it moments after
                // the request (the emulator, on the request's first read).
                let id = filed
                    .requested_quota
                    .and_then(|r| r.id)
                    .expect("request id");
                quotas
                    .get_requested_service_quota_change()
                    .request_id(id)
                    .send()
                    .await
                    .expect("request read");
            }
        }
    }
}

/// The fixture's event as the `run`-th transition of its alarm: `StateChangeTime` is an hour before the
/// benchmark started plus `run` seconds, so the ledger sees a new transition each time and the processor's
/// lookback admits it (it refuses state changes older than 90 days; the fixtures are dated 2026-05-04).
pub fn event_for_run(fixture: &str, run: u32) -> Value {
    static START: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let start = *START.get_or_init(|| bedrock_ops_aws::clock::now_epoch() - 3_600);
    let mut event = event(fixture);
    // "YYYY-MM-DD HH:MM:SS UTC" → CloudWatch's "YYYY-MM-DDTHH:MM:SS.000+0000".
    let utc = bedrock_ops_core::messages::format::utc(start + i64::from(run));
    let (date, time) = (
        utc.get(..10).unwrap_or_default(),
        utc.get(11..19).unwrap_or_default(),
    );
    let stamp = format!("{date}T{time}.000+0000");
    let records = event["Records"].as_array_mut();
    match records {
        Some(records) => {
            for record in records {
                let message = &mut record["Sns"]["Message"];
                let mut alarm: Value =
                    serde_json::from_str(message.as_str().expect("an SNS message"))
                        .expect("an alarm message");
                alarm["StateChangeTime"] = Value::String(stamp.clone());
                *message = Value::String(alarm.to_string());
            }
        }
        None => event["StateChangeTime"] = Value::String(stamp),
    }
    event
}

/// The cases and quota requests open before a run.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    cases: BTreeSet<String>,
    requests: BTreeSet<String>,
}

impl Baseline {
    pub fn take(testbed: &Testbed) -> Baseline {
        Baseline {
            cases: testbed
                .emulator
                .support_cases()
                .expect("cases read back")
                .into_iter()
                .map(|c| c.case_id)
                .collect(),
            requests: testbed
                .emulator
                .quota_requests()
                .expect("requests read back")
                .into_iter()
                .map(|r| r.id)
                .collect(),
        }
    }

    /// Resolves the cases and closes the quota requests opened since the baseline was taken, and empties the
    /// ledger (a case lock left by the run would turn the next run's new case into an append).
    pub async fn undo_filings(&self, testbed: &Testbed) {
        let ledger = aws_sdk_dynamodb::Client::new(&testbed.sdk);
        let items = ledger
            .scan()
            .table_name(LEDGER_TABLE)
            .send()
            .await
            .expect("ledger scanned");
        for item in items.items() {
            if let Some(key) = item.get("pk") {
                ledger
                    .delete_item()
                    .table_name(LEDGER_TABLE)
                    .key("pk", key.clone())
                    .send()
                    .await
                    .expect("ledger item deleted");
            }
        }
        for request in testbed.emulator.quota_requests().expect("requests") {
            if !self.requests.contains(&request.id) && request.status != "CASE_CLOSED" {
                testbed
                    .emulator
                    .set_request_status(&request.id, "CASE_CLOSED")
                    .expect("request closed");
            }
        }
        let support = aws_sdk_support::Client::new(&testbed.sdk);
        for case in testbed.emulator.support_cases().expect("cases") {
            if !self.cases.contains(&case.case_id) && case.status != "resolved" {
                support
                    .resolve_case()
                    .case_id(&case.case_id)
                    .send()
                    .await
                    .expect("case resolved");
            }
        }
    }
}
