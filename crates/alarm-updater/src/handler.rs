//! One scheduled run: re-read the quotas, and when a threshold or quota moved, retune the quota alarms (the
//! threshold only), tell people, and record the change. The quotas are RPM and the combined TPM quota, or
//! RPM and a split model's input and output token quotas (HighInputTPMQuotaUsage, HighOutputTPMQuotaUsage).
//!
//! Reads (one round trip, concurrently): the quotas (two, or three for a split model), the stored record
//! (one GetParametersByPath), the quota alarms (one DescribeAlarms). Then, only if something differs:
//! PutMetricAlarm for each alarm whose
//! threshold is not the live one, the record (`last-change` first, then the values), the quota-change e-mail,
//! and `last-updated` last. Until `last-updated` is written the change counts as unfinished, so a failure
//! anywhere before it makes the next run (or the Lambda retry) do the whole change again, e-mail included;
//! the e-mail is sent only once the record holds the change, so a failed record write sends none. Only a
//! failure of that last write, after the e-mail went out, makes the next run send it a second time.
//! Nothing differs → no write of any kind.

use bedrock_ops_aws::alarms::MetricAlarmDef;
use bedrock_ops_aws::diagnostic::{self, Classified};
use bedrock_ops_aws::live_thresholds::{
    LiveError, finish_record, read_live, read_stored, write_record,
};
use bedrock_ops_aws::{AlarmAdmin, AwsError, Notifier, ParameterStore, QuotaService};
use bedrock_ops_core::alarm_spec::{quota_alarm_kind, quota_alarm_name};
use bedrock_ops_core::live_thresholds::{self, LiveThresholds, QuotaConfig, Stored};
use bedrock_ops_core::messages::Limit;
use bedrock_ops_core::messages::quota_change::{QuotaChange, SideChange, quota_change_email};
use bedrock_ops_core::scenario::QuotaSide;
use bedrock_ops_core::thresholds::TokenQuotaCodes;
use lambda_runtime::Diagnostic;
use serde::Serialize;

use crate::config::UpdaterConfig;

/// Written into `last-change` as the writer.
pub const WRITER: &str = "alarm-updater";

/// What the updater talks to.
pub struct Ports<Q, A, P, N> {
    pub quotas: Q,
    pub alarms: A,
    pub parameters: P,
    pub notifier: N,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UpdaterError {
    #[error("{0}; the alarms were left as they are")]
    Quota(LiveError),
    #[error("{step} failed; {consequence}: {source}")]
    Aws {
        step: &'static str,
        consequence: &'static str,
        source: AwsError,
    },
    #[error(
        "alarm {0} does not exist; only the quota calculator creates it, and a stack update runs the \
         calculator only when one of its properties changes (model ids, quota codes, threshold percents, \
         AlarmEvaluationPeriod, WarningAlarmEvaluationPeriods): deploy once with one of them changed, then \
         back (the updater only changes thresholds)"
    )]
    AlarmMissing(String),
    #[error(
        "alarm {0} has no static threshold, so it is not one of the quota alarms this stack created"
    )]
    NotAThresholdAlarm(String),
}

/// Throttling and transient failures: the Lambda's own retry, or the next scheduled run, can succeed.
impl Classified for UpdaterError {
    fn is_retryable(&self) -> bool {
        match self {
            UpdaterError::Quota(error) => error.is_retryable(),
            UpdaterError::Aws { source, .. } => source.is_retryable(),
            UpdaterError::AlarmMissing(_) | UpdaterError::NotAThresholdAlarm(_) => false,
        }
    }
}

impl From<UpdaterError> for Diagnostic {
    fn from(error: UpdaterError) -> Diagnostic {
        diagnostic::diagnostic(&error)
    }
}

/// One side's figures in the run's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideReport {
    pub alarm: String,
    pub old_quota: Option<String>,
    pub new_quota: Option<String>,
    pub old_threshold: Option<String>,
    pub new_threshold: Option<String>,
    /// The alarm's threshold as it was read, when the alarm exists.
    pub alarm_threshold: Option<f64>,
    pub alarm_updated: bool,
}

/// What a run found and did (the Lambda's result, and the CLI's output).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// A quota or threshold moved (or an alarm did not hold the live threshold).
    pub changed: bool,
    pub rpm: SideReport,
    /// The combined TPM quota (`NA` throughout for a split model, which has none).
    pub tpm: SideReport,
    /// A split model's input and output token quotas; absent for a combined model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tpm: Option<SideReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tpm: Option<SideReport>,
    pub parameters_written: Vec<&'static str>,
    pub email_message_id: Option<String>,
}

fn text(limit: Limit) -> Option<String> {
    match limit {
        Limit::Known(v) => Some(v.to_string()),
        Limit::NotApplicable => Some("NA".to_owned()),
        Limit::Unknown => None,
    }
}

/// The alarm update a side needs: `Some(def)` with the new threshold when the alarm holds another one.
fn retune(
    side: &SideChange,
    name: &str,
    described: &[MetricAlarmDef],
) -> Result<Option<MetricAlarmDef>, UpdaterError> {
    let Limit::Known(new) = side.new_threshold else {
        // No RPM quota, or the combined TPM quota of a split model: the calculator did not create (or
        // removed) this alarm.
        return Ok(None);
    };
    let alarm = described
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| UpdaterError::AlarmMissing(name.to_owned()))?;
    let current = alarm
        .threshold
        .ok_or_else(|| UpdaterError::NotAThresholdAlarm(name.to_owned()))?;
    // Thresholds stay far below 2^53: the conversion is exact.
    let wanted = new as f64;
    if current == wanted {
        return Ok(None);
    }
    let mut retuned = alarm.clone();
    retuned.threshold = Some(wanted);
    Ok(Some(retuned))
}

fn side_report(
    side: &SideChange,
    name: String,
    described: &[MetricAlarmDef],
    update: Option<&MetricAlarmDef>,
) -> SideReport {
    SideReport {
        alarm_threshold: described
            .iter()
            .find(|a| a.name == name)
            .and_then(|a| a.threshold),
        alarm: name,
        old_quota: text(side.old_quota),
        new_quota: text(side.new_quota),
        old_threshold: text(side.old_threshold),
        new_threshold: text(side.new_threshold),
        alarm_updated: update.is_some(),
    }
}

async fn put_if<A: AlarmAdmin>(alarms: &A, alarm: Option<&MetricAlarmDef>) -> Result<(), AwsError> {
    match alarm {
        Some(alarm) => alarms.put(alarm).await,
        None => Ok(()),
    }
}

/// The quota alarms a stack has, by side: RPM and TPM, or RPM and a split model's input and output token
/// alarms (the RPM one is described even when the model has no RPM quota: it must then be absent).
fn quota_sides(tokens: &TokenQuotaCodes) -> &'static [QuotaSide] {
    match tokens {
        TokenQuotaCodes::Combined(_) => &[QuotaSide::Rpm, QuotaSide::Tpm],
        TokenQuotaCodes::Split { .. } => {
            &[QuotaSide::Rpm, QuotaSide::InputTpm, QuotaSide::OutputTpm]
        }
    }
}

/// Each quota alarm's name, for DescribeAlarms.
pub fn alarm_names(customer: &str, model: &str, tokens: &TokenQuotaCodes) -> Vec<String> {
    quota_sides(tokens)
        .iter()
        .map(|side| quota_alarm_name(customer, model, quota_alarm_kind(*side)))
        .collect()
}

/// One quota alarm as assessed: its side, its name and the update it needs.
#[derive(Debug, Clone, PartialEq)]
struct SideAssessment {
    side: QuotaSide,
    name: String,
    /// The alarm with the live threshold, when it holds another one.
    update: Option<MetricAlarmDef>,
}

/// What a run would do, decided from its reads alone: no write has happened yet. The CLI's
/// `thresholds --live` shows exactly this, so it can never tell a different story than the updater.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub live: LiveThresholds,
    pub stored: Stored,
    pub change: QuotaChange,
    sides: Vec<SideAssessment>,
    /// The combined TPM alarm's name, reported (as `NA`) for a split model too.
    tpm_name: String,
    described: Vec<MetricAlarmDef>,
}

impl Assessment {
    /// Decides from the three reads; a quota alarm that should exist and does not is an error.
    pub fn from_reads(
        customer: &str,
        model: &str,
        live: LiveThresholds,
        stored: Stored,
        described: Vec<MetricAlarmDef>,
        at: i64,
    ) -> Result<Assessment, UpdaterError> {
        let change = live_thresholds::change(&stored, &live, at);
        let sides = change
            .sides()
            .into_iter()
            .map(|(side, side_change)| {
                let name = quota_alarm_name(customer, model, quota_alarm_kind(side));
                let update = retune(side_change, &name, &described)?;
                Ok(SideAssessment { side, name, update })
            })
            .collect::<Result<Vec<_>, UpdaterError>>()?;
        Ok(Assessment {
            live,
            stored,
            change,
            sides,
            tpm_name: quota_alarm_name(customer, model, quota_alarm_kind(QuotaSide::Tpm)),
            described,
        })
    }

    /// The alarms with the live threshold, for those that hold another one.
    pub fn updates(&self) -> impl Iterator<Item = &MetricAlarmDef> {
        self.sides.iter().filter_map(|s| s.update.as_ref())
    }

    /// A quota or threshold moved, or an alarm does not hold the live threshold.
    pub fn changed(&self) -> bool {
        live_thresholds::differs(&self.change) || self.updates().next().is_some()
    }

    /// Anything at all to write (a damaged record value counts).
    pub fn needs_writes(&self) -> bool {
        self.changed()
            || self
                .live
                .parameter_values()
                .iter()
                .any(|(key, value)| self.stored.get(key) != Some(value.as_str()))
    }

    fn side_report(&self, side: QuotaSide) -> Option<SideReport> {
        let (_, change) = self.change.sides().into_iter().find(|(s, _)| *s == side)?;
        let assessed = self.sides.iter().find(|s| s.side == side)?;
        Some(side_report(
            change,
            assessed.name.clone(),
            &self.described,
            assessed.update.as_ref(),
        ))
    }

    pub fn report(
        &self,
        parameters_written: Vec<&'static str>,
        email_message_id: Option<String>,
    ) -> Report {
        let tpm = self
            .side_report(QuotaSide::Tpm)
            .unwrap_or_else(|| side_report(&self.change.tpm, self.tpm_name.clone(), &[], None));
        Report {
            changed: self.changed(),
            rpm: self
                .side_report(QuotaSide::Rpm)
                .unwrap_or_else(|| side_report(&self.change.rpm, String::new(), &[], None)),
            tpm,
            input_tpm: self.side_report(QuotaSide::InputTpm),
            output_tpm: self.side_report(QuotaSide::OutputTpm),
            parameters_written,
            email_message_id,
        }
    }
}

/// The updater's reads, concurrently: the quotas, the stored record, the quota alarms.
pub async fn assess<Q, A, P>(
    quotas: &Q,
    alarms: &A,
    parameters: &P,
    customer: &str,
    model: &str,
    config: &QuotaConfig,
    at: i64,
) -> Result<Assessment, UpdaterError>
where
    Q: QuotaService,
    A: AlarmAdmin,
    P: ParameterStore,
{
    let names = alarm_names(customer, model, &config.tokens);
    let (live, stored, described) = tokio::join!(
        read_live(quotas, config),
        read_stored(parameters, customer, model),
        alarms.describe(&names),
    );
    let live = live.map_err(UpdaterError::Quota)?;
    let stored = stored.map_err(|source| UpdaterError::Aws {
        step: "reading the stored thresholds (GetParametersByPath)",
        consequence: "the alarms were left as they are",
        source,
    })?;
    let described = described.map_err(|source| UpdaterError::Aws {
        step: "reading the quota alarms (DescribeAlarms)",
        consequence: "the alarms were left as they are",
        source,
    })?;
    Assessment::from_reads(customer, model, live, stored, described, at)
}

/// The Lambda's entry. The EventBridge schedule's event (or any JSON, from a manual invoke) carries nothing the
/// run needs; only its source is logged, to tell scheduled runs from manual ones.
pub async fn handle<Q, A, P, N>(
    ports: &Ports<Q, A, P, N>,
    config: &UpdaterConfig,
    event: &serde_json::Value,
    at: i64,
) -> Result<Report, UpdaterError>
where
    Q: QuotaService,
    A: AlarmAdmin,
    P: ParameterStore,
    N: Notifier,
{
    let source = event
        .get("source")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("manual invoke");
    tracing::info!(source, "alarm updater run");
    run(ports, config, at).await
}

/// One run of the updater at `at` (epoch seconds).
pub async fn run<Q, A, P, N>(
    ports: &Ports<Q, A, P, N>,
    config: &UpdaterConfig,
    at: i64,
) -> Result<Report, UpdaterError>
where
    Q: QuotaService,
    A: AlarmAdmin,
    P: ParameterStore,
    N: Notifier,
{
    let (customer, model) = (config.stack.customer(), config.stack.model_name());
    let quotas = config.quotas();
    let assessment = assess(
        &ports.quotas,
        &ports.alarms,
        &ports.parameters,
        customer,
        model,
        &quotas,
        at,
    )
    .await?;
    let Assessment {
        live,
        stored,
        change,
        ..
    } = &assessment;

    if !assessment.needs_writes() {
        tracing::info!(
            rpm_threshold = %live.rpm_threshold(),
            tpm_threshold = %live.tpm_threshold(),
            split = live.split().is_some(),
            "quotas unchanged: nothing written"
        );
        return Ok(assessment.report(Vec::new(), None));
    }

    // Every alarm that needs it at once, as one round trip: a stack has at most three quota alarms.
    let updates: Vec<&MetricAlarmDef> = assessment.updates().collect();
    let (first, second, third) = tokio::join!(
        put_if(&ports.alarms, updates.first().copied()),
        put_if(&ports.alarms, updates.get(1).copied()),
        put_if(&ports.alarms, updates.get(2).copied()),
    );
    for result in [first, second, third] {
        result.map_err(|source| UpdaterError::Aws {
            step: "updating a quota alarm's threshold (PutMetricAlarm)",
            consequence: "the record was not updated, so the next run tries again",
            source,
        })?;
    }
    for update in assessment.updates() {
        tracing::info!(alarm = %update.name, threshold = update.threshold, "alarm threshold updated");
    }

    let mut written = write_record(
        &ports.parameters,
        customer,
        model,
        stored,
        live,
        change,
        WRITER,
    )
    .await
    .map_err(|source| UpdaterError::Aws {
        step: "recording the new thresholds (PutParameter)",
        consequence: "the alarms hold the new thresholds, no e-mail was sent and the change is not marked \
                      done, so the next run completes it",
        source,
    })?;

    let email_message_id = if live_thresholds::differs(change) {
        let email = quota_change_email(&config.stack, change);
        let id = ports
            .notifier
            .publish(&config.topic_arn, &email.subject, &email.body)
            .await
            .map_err(|source| UpdaterError::Aws {
                step: "sending the quota-change e-mail (Publish)",
                consequence: "the alarms and the record hold the new thresholds; the change is not marked \
                              done, so the next run sends the e-mail",
                source,
            })?;
        Some(id)
    } else {
        None
    };

    let finished = finish_record(&ports.parameters, customer, model, change)
        .await
        .map_err(|source| UpdaterError::Aws {
            step: "marking the change done (PutParameter last-updated)",
            consequence: "the alarms, the record and the e-mail are done, but the next run takes the change \
                          as unfinished and sends the e-mail again",
            source,
        })?;
    written.extend(finished);
    tracing::info!(parameters = written.len(), "thresholds recorded");
    Ok(assessment.report(written, email_message_id))
}
