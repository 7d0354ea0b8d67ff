//! The custom-resource handler: Create and Update (validate, read live quotas, write the alarms and the
//! thresholds), Delete (remove what was written), and always an answer to CloudFormation before the deadline.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest;
use bedrock_ops_aws::diagnostic::{self, Classified};
use bedrock_ops_aws::live_thresholds::{finish_record, read_live, read_stored, write_record};
use bedrock_ops_aws::{AlarmAdmin, AwsError, InferenceProfiles, ParameterStore, QuotaService};
use bedrock_ops_core::alarm_spec::{QuotaAlarmPlan, plan_quota_alarms};
use bedrock_ops_core::live_thresholds::{self, LiveSide, LiveThresholds, QuotaConfig};
use bedrock_ops_core::settings::keys;
use bedrock_ops_core::stack::StackName;
use bedrock_ops_core::thresholds::{SERVICE_CODE, Thresholds, TokenQuotaCodes};
use lambda_runtime::Diagnostic;
use serde::Serialize;
use serde_json::Value;

use crate::alarm_def::to_alarm_def;
use crate::properties;
use crate::resolve::quota_subject;
use crate::response::{self, RequestIds, ResponseSink, SinkError, Status};
use crate::split;
use crate::validate::validate_codes;

/// What the handler talks to.
pub struct Ports<Q, A, P, S, B> {
    pub quotas: Q,
    pub alarms: A,
    pub parameters: P,
    pub sink: S,
    /// Bedrock's inference profiles: read only when BedrockModelId is an application profile.
    pub profiles: B,
}

/// Time kept back from the Lambda deadline to deliver the answer: the work is cut off this much earlier, so
/// CloudFormation always hears back instead of waiting an hour for a function that was killed.
pub const RESPONSE_MARGIN: Duration = Duration::from_secs(5);

/// PhysicalResourceId of a Create that failed before writing anything, so its Delete (on rollback) can
/// succeed at once, without calls that could themselves fail.
pub const FAILED_CREATE_PREFIX: &str = "create-failed-";

/// Written into `last-change` as the writer.
pub const WRITER: &str = "quota-calculator";

/// Stable per customer and model: an Update of anything else keeps the resource, a rename replaces it (and
/// CloudFormation then deletes the old one, with its old names).
pub fn physical_resource_id(identity: &StackName) -> String {
    format!("{}-{}-thresholds", identity.customer, identity.model_name)
}

/// What CloudFormation was told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub request_type: String,
    pub status: Status,
    pub reason: String,
    pub physical_resource_id: String,
    pub data: BTreeMap<String, String>,
}

/// The invocation failed in a way CloudFormation could not be told about.
#[derive(Debug, thiserror::Error)]
pub enum CalculatorError {
    #[error(
        "the event is not a custom-resource request with a ResponseURL, so no answer can be sent: {0}"
    )]
    Unanswerable(String),
    #[error("CloudFormation could not be told the outcome ({status:?}: {reason}): {source}")]
    NotDelivered {
        status: Status,
        reason: String,
        source: SinkError,
    },
}

/// A failed delivery is worth the Lambda's own retry (the request is re-run and answered again).
impl Classified for CalculatorError {
    fn is_retryable(&self) -> bool {
        matches!(self, CalculatorError::NotDelivered { .. })
    }
}

impl From<CalculatorError> for Diagnostic {
    fn from(error: CalculatorError) -> Diagnostic {
        diagnostic::diagnostic(&error)
    }
}

struct Decision {
    status: Status,
    reason: String,
    physical: String,
    data: HashMap<String, String>,
}

impl Decision {
    fn failed(reason: impl Into<String>, physical: impl Into<String>) -> Decision {
        Decision {
            status: Status::Failed,
            reason: reason.into(),
            physical: physical.into(),
            data: HashMap::new(),
        }
    }
}

/// Why Create/Update stopped, and whether anything had been written by then.
pub(crate) struct Failure {
    reason: String,
    wrote: bool,
}

impl Failure {
    pub(crate) fn before_writes(reason: impl Into<String>) -> Failure {
        Failure {
            reason: reason.into(),
            wrote: false,
        }
    }

    pub(crate) fn after_writes(reason: impl Into<String>) -> Failure {
        Failure {
            reason: reason.into(),
            wrote: true,
        }
    }
}

struct Written {
    identity: StackName,
    live: LiveThresholds,
    alarms: Vec<String>,
    keys_written: usize,
}

/// What a successful Create or Update tells CloudFormation.
pub(crate) struct Done {
    pub(crate) identity: StackName,
    pub(crate) reason: String,
    pub(crate) data: HashMap<String, String>,
}

impl From<Written> for Done {
    fn from(written: Written) -> Done {
        Done {
            reason: success_reason(&written),
            data: data(&written),
            identity: written.identity,
        }
    }
}

fn data(written: &Written) -> HashMap<String, String> {
    let live = &written.live;
    let rpm_quota = live
        .rpm
        .as_ref()
        .map_or_else(|| "NA".to_owned(), |q| q.value.to_string());
    // This path reads the combined quota only (a split model goes through `split.rs`).
    let tpm =
        |value: fn(&LiveSide) -> String| live.combined().map_or_else(|| "NA".to_owned(), value);
    HashMap::from([
        ("RpmThreshold".to_owned(), live.rpm_limit.to_string()),
        ("TpmThreshold".to_owned(), tpm(|t| t.threshold.to_string())),
        ("RpmQuota".to_owned(), rpm_quota),
        ("TpmQuota".to_owned(), tpm(|t| t.quota.value.to_string())),
        (
            "ThresholdsPath".to_owned(),
            written.identity.thresholds_path(),
        ),
    ])
}

fn success_reason(written: &Written) -> String {
    let live = &written.live;
    let rpm = match &live.rpm {
        Some(q) => format!(
            "RPM threshold {} ({} % of {} {})",
            live.rpm_limit, live.config.rpm_percent, q.code, q.value
        ),
        None => "no RPM threshold (the model has no RPM quota)".to_owned(),
    };
    let tpm = match live.combined() {
        Some(tpm) => format!(
            "TPM threshold {} ({} % of {} {})",
            tpm.threshold, live.config.tpm_percent, tpm.quota.code, tpm.quota.value
        ),
        None => "no TPM threshold".to_owned(),
    };
    format!(
        "{rpm}; {tpm}; alarms written: {}; {} parameter(s) written under {}",
        written.alarms.join(", "),
        written.keys_written,
        written.identity.thresholds_path()
    )
}

/// Puts every alarm of the plan (at most three: RPM and TPM, or RPM and a split model's input and output
/// alarms) and deletes the plan's deletions, all at once.
pub(crate) async fn write_alarms<A: AlarmAdmin>(
    alarms: &A,
    plan: &QuotaAlarmPlan,
) -> Result<(), Failure> {
    let (first, second, third, removed) = tokio::join!(
        put_if(alarms, plan.put.first()),
        put_if(alarms, plan.put.get(1)),
        put_if(alarms, plan.put.get(2)),
        async {
            if plan.delete.is_empty() {
                Ok(())
            } else {
                alarms.delete(&plan.delete).await
            }
        }
    );
    for result in [first, second, third] {
        result.map_err(|(name, e)| {
            Failure::after_writes(format!("Writing alarm {name} failed: {e}."))
        })?;
    }
    removed.map_err(|e| {
        Failure::after_writes(format!(
            "Deleting alarm(s) {} (not used by this configuration) failed: {e}.",
            plan.delete.join(", ")
        ))
    })
}

async fn put_if<A: AlarmAdmin>(
    alarms: &A,
    spec: Option<&bedrock_ops_core::alarm_spec::QuotaAlarmSpec>,
) -> Result<(), (String, AwsError)> {
    match spec {
        Some(spec) => alarms
            .put(&to_alarm_def(spec))
            .await
            .map_err(|e| (spec.name.clone(), e)),
        None => Ok(()),
    }
}

/// Create and Update are the same: whatever the stack changed, the live quotas are read again, so a stack
/// update can never put back a threshold older than the quota in force (W-9).
async fn create_or_update<Q, A, P, S, B>(
    ports: &Ports<Q, A, P, S, B>,
    properties: &Value,
    at: i64,
) -> Result<Done, Failure>
where
    Q: QuotaService,
    A: AlarmAdmin,
    P: ParameterStore,
    B: InferenceProfiles,
{
    let props = properties::parse(properties)
        .map_err(|e| Failure::before_writes(format!("Invalid properties: {e}.")))?;
    if let Some((input, output)) = &props.split_codes {
        return split::create_or_update(ports, &props, input, output).await;
    }
    combined(ports, props, at).await.map(Done::from)
}

/// Create or Update of a model with one combined tokens-per-minute quota.
async fn combined<Q, A, P, S, B>(
    ports: &Ports<Q, A, P, S, B>,
    props: properties::Properties,
    at: i64,
) -> Result<Written, Failure>
where
    Q: QuotaService,
    A: AlarmAdmin,
    P: ParameterStore,
    B: InferenceProfiles,
{
    let identity = props.identity.clone();
    let model_id = props.model_ids.monitored();
    let config = props.tpm_code.clone().map(|tpm_code| QuotaConfig {
        rpm_code: props.rpm_code.clone(),
        tokens: TokenQuotaCodes::Combined(tpm_code),
        rpm_percent: props.rpm_percent,
        tpm_percent: props.tpm_percent,
    });

    // One round trip: the quota list (validation), both quota values, the stored record and, for an
    // application inference profile only, what it wraps, concurrently.
    let subject = quota_subject(&ports.profiles, model_id);
    let list = ports.quotas.list(SERVICE_CODE);
    let values = async {
        match &config {
            Some(config) => Some(read_live(&ports.quotas, config).await),
            None => None,
        }
    };
    let stored = read_stored(&ports.parameters, &identity.customer, &identity.model_name);
    let (subject, list, values, stored) = tokio::join!(subject, list, values, stored);

    let list = list.map_err(|e| {
        Failure::before_writes(format!(
            "Could not list the bedrock quotas to check the quota codes: {e}."
        ))
    })?;
    let subject = subject.map_err(Failure::before_writes)?;
    validate_codes(&list, &subject, &props.rpm_code, props.tpm_code.as_ref())
        .map_err(|e| Failure::before_writes(e.0))?;
    let Some(values) = values else {
        return Err(Failure::before_writes(
            "TokensPerMinuteQuotaCode cannot be NA.",
        ));
    };
    let live = values.map_err(|e| Failure::before_writes(format!("{e}. Nothing was changed.")))?;
    let stored = stored.map_err(|e| {
        Failure::before_writes(format!("Could not read the stored thresholds: {e}."))
    })?;
    let Some(tpm) = live.combined() else {
        return Err(Failure::before_writes(
            "TokensPerMinuteQuotaCode cannot be NA.",
        ));
    };
    let thresholds = Thresholds {
        rpm: live.rpm_limit,
        tpm: tpm.threshold,
    };
    let mut plan = plan_quota_alarms(&props.alarm_config(), &thresholds)
        .map_err(|e| Failure::before_writes(format!("{e}.")))?;
    // A stack switched from split token quotas to a combined one: the record still holds the split keys,
    // so the split alarms and keys are removed too (no extra call for a stack that never was split).
    let leftover_split: Vec<String> = keys::SPLIT_THRESHOLDS
        .iter()
        .filter(|key| stored.get(key).is_some())
        .map(|key| identity.parameter_name(key))
        .collect();
    if !leftover_split.is_empty() {
        plan.delete.extend(identity.split_token_alarm_names());
    }

    // Alarms first: Parameter Store records what the alarms hold, never what they were meant to hold.
    write_alarms(&ports.alarms, &plan).await?;

    let change = live_thresholds::change(&stored, &live, at);
    let storing_failed = |e: AwsError| {
        Failure::after_writes(format!(
            "The alarms were written, but storing the thresholds failed: {e}."
        ))
    };
    let (customer, model) = (&identity.customer, &identity.model_name);
    let written = write_record(
        &ports.parameters,
        customer,
        model,
        &stored,
        &live,
        &change,
        WRITER,
    )
    .await
    .map_err(storing_failed)?;
    let finished = finish_record(&ports.parameters, customer, model, &change)
        .await
        .map_err(storing_failed)?;
    if !leftover_split.is_empty() {
        ports
            .parameters
            .delete(&leftover_split)
            .await
            .map_err(storing_failed)?;
    }
    Ok(Written {
        identity,
        live,
        alarms: plan.put.iter().map(|spec| spec.name.clone()).collect(),
        keys_written: written.len() + usize::from(finished.is_some()),
    })
}

async fn delete<Q, A, P, S, B>(
    ports: &Ports<Q, A, P, S, B>,
    physical_id: &str,
    properties: &Value,
) -> Result<String, String>
where
    A: AlarmAdmin,
    P: ParameterStore,
{
    if physical_id.starts_with(FAILED_CREATE_PREFIX) {
        return Ok("Nothing to delete: the resource was never created.".to_owned());
    }
    let identity = properties::parse_identity(properties)
        .map_err(|e| format!("Cannot tell what to delete: {e}."))?;
    let described = physical_resource_id(&identity);
    if physical_id != described {
        // The properties name another resource: deleting by them could remove a live stack's alarms.
        return Ok(format!(
            "Nothing deleted: the properties describe {described}, not {physical_id}; remove its alarms and \
             parameters by hand if they remain."
        ));
    }
    let mut alarms = identity.quota_alarm_names().to_vec();
    // The split token quotas' alarms and keys only for a stack that has them: a combined stack's Delete
    // stays what it was (two alarm names, one DeleteParameters call of ten names).
    let split = properties::has_split_codes(properties);
    if split {
        alarms.extend(identity.split_token_alarm_names());
    }
    let split_keys: &[&str] = if split { &keys::SPLIT_THRESHOLDS } else { &[] };
    let parameters: Vec<String> = keys::THRESHOLDS
        .iter()
        .chain(split_keys)
        .map(|key| identity.parameter_name(key))
        .collect();
    let (alarms_deleted, parameters_deleted) = tokio::join!(
        ports.alarms.delete(&alarms),
        ports.parameters.delete(&parameters)
    );
    alarms_deleted.map_err(|e| format!("Deleting the quota alarms failed: {e}."))?;
    let removed = parameters_deleted
        .map_err(|e| format!("Deleting the threshold parameters failed: {e}."))?;
    Ok(format!(
        "Deleted the quota alarms ({}) and {} parameter(s) under {}.",
        alarms.join(", "),
        removed.len(),
        identity.thresholds_path()
    ))
}

fn timed_out(budget: Duration) -> String {
    format!(
        "Timed out: the work did not finish within {} s, {} s before the function's deadline. Nothing \
         further was changed; see the function's log.",
        budget.as_secs(),
        RESPONSE_MARGIN.as_secs()
    )
}

fn raw_text(event: &Value, key: &str) -> Option<String> {
    event.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn raw_ids(event: &Value) -> RequestIds {
    RequestIds {
        stack_id: raw_text(event, "StackId").unwrap_or_default(),
        request_id: raw_text(event, "RequestId").unwrap_or_default(),
        logical_resource_id: raw_text(event, "LogicalResourceId").unwrap_or_default(),
    }
}

/// Handles one custom-resource event and answers CloudFormation, whatever happens, within `budget` (the
/// time left until the Lambda deadline). `at` is the current time in epoch seconds.
pub async fn handle<Q, A, P, S, B>(
    ports: &Ports<Q, A, P, S, B>,
    event: Value,
    budget: Duration,
    at: i64,
) -> Result<Outcome, CalculatorError>
where
    Q: QuotaService,
    A: AlarmAdmin,
    P: ParameterStore,
    S: ResponseSink,
    B: InferenceProfiles,
{
    let started = Instant::now();
    let work_budget = budget.saturating_sub(RESPONSE_MARGIN);
    let request_type = raw_text(&event, "RequestType").unwrap_or_default();
    let parsed = serde_json::from_value::<CloudFormationCustomResourceRequest>(event.clone());
    tracing::info!(
        request_type,
        logical_resource_id = raw_text(&event, "LogicalResourceId"),
        request_id = raw_text(&event, "RequestId"),
        "custom resource request"
    );

    let (url, ids, decision) = match parsed {
        Ok(CloudFormationCustomResourceRequest::Create(request)) => {
            let ids = RequestIds {
                stack_id: request.stack_id.clone(),
                request_id: request.request_id.clone(),
                logical_resource_id: request.logical_resource_id.clone(),
            };
            let marker = format!("{FAILED_CREATE_PREFIX}{}", request.request_id);
            let expected = properties::parse_identity(&request.resource_properties)
                .map(|identity| physical_resource_id(&identity));
            let work = create_or_update(ports, &request.resource_properties, at);
            let decision = match tokio::time::timeout(work_budget, work).await {
                Ok(Ok(done)) => success(done),
                Ok(Err(failure)) => {
                    let physical = match (&expected, failure.wrote) {
                        (Ok(id), true) => id.clone(),
                        _ => marker,
                    };
                    Decision::failed(failure.reason, physical)
                }
                // Something may have been written: the real id lets the rollback's Delete clean it up.
                Err(_) => Decision::failed(timed_out(work_budget), expected.unwrap_or(marker)),
            };
            (request.response_url, ids, decision)
        }
        Ok(CloudFormationCustomResourceRequest::Update(request)) => {
            let ids = RequestIds {
                stack_id: request.stack_id.clone(),
                request_id: request.request_id.clone(),
                logical_resource_id: request.logical_resource_id.clone(),
            };
            let work = create_or_update(ports, &request.resource_properties, at);
            let decision = match tokio::time::timeout(work_budget, work).await {
                Ok(Ok(done)) => success(done),
                Ok(Err(failure)) => {
                    Decision::failed(failure.reason, request.physical_resource_id.clone())
                }
                Err(_) => {
                    Decision::failed(timed_out(work_budget), request.physical_resource_id.clone())
                }
            };
            (request.response_url, ids, decision)
        }
        Ok(CloudFormationCustomResourceRequest::Delete(request)) => {
            let ids = RequestIds {
                stack_id: request.stack_id.clone(),
                request_id: request.request_id.clone(),
                logical_resource_id: request.logical_resource_id.clone(),
            };
            let physical = request.physical_resource_id.clone();
            let work = delete(ports, &physical, &request.resource_properties);
            let decision = match tokio::time::timeout(work_budget, work).await {
                Ok(Ok(reason)) => Decision {
                    status: Status::Success,
                    reason,
                    physical,
                    data: HashMap::new(),
                },
                Ok(Err(reason)) => Decision::failed(reason, physical),
                Err(_) => Decision::failed(timed_out(work_budget), physical),
            };
            (request.response_url, ids, decision)
        }
        other => {
            let Some(url) = raw_text(&event, "ResponseURL") else {
                let why = match other {
                    Err(e) => e.to_string(),
                    Ok(_) => format!("unsupported RequestType '{request_type}'"),
                };
                return Err(CalculatorError::Unanswerable(why));
            };
            let reason = match other {
                Err(e) => format!("Malformed custom-resource request: {e}."),
                Ok(_) => format!("Unsupported RequestType '{request_type}'."),
            };
            let physical = raw_text(&event, "PhysicalResourceId").unwrap_or_else(|| {
                format!(
                    "{FAILED_CREATE_PREFIX}{}",
                    raw_text(&event, "RequestId").unwrap_or_default()
                )
            });
            (url, raw_ids(&event), Decision::failed(reason, physical))
        }
    };

    match decision.status {
        Status::Success => tracing::info!(reason = %decision.reason, "answering SUCCESS"),
        Status::Failed => tracing::warn!(reason = %decision.reason, "answering FAILED"),
    }
    let body = response::body(
        &ids,
        decision.status,
        &decision.reason,
        &decision.physical,
        &decision.data,
    );
    // Whatever is left of the budget, and at least a moment: a late answer still beats none.
    let left = budget
        .saturating_sub(started.elapsed())
        .max(Duration::from_secs(1));
    let delivered = match tokio::time::timeout(left, ports.sink.put(&url, body)).await {
        Ok(result) => result,
        Err(_) => Err(SinkError::TimedOut(left)),
    };
    if let Err(source) = delivered {
        return Err(CalculatorError::NotDelivered {
            status: decision.status,
            reason: decision.reason,
            source,
        });
    }
    Ok(Outcome {
        request_type,
        status: decision.status,
        reason: response_reason(&decision.reason),
        physical_resource_id: decision.physical,
        data: decision.data.into_iter().collect(),
    })
}

fn response_reason(reason: &str) -> String {
    bedrock_ops_core::messages::format::truncate(reason, response::MAX_REASON_BYTES)
}

fn success(done: Done) -> Decision {
    Decision {
        status: Status::Success,
        physical: physical_resource_id(&done.identity),
        reason: done.reason,
        data: done.data,
    }
}
