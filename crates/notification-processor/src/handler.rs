//! The handler: one alarm transition → a ledger claim, the reads, the core's plan, the filings, the e-mail,
//! the audit record. Generic over the adapter traits, so the Lambda, the CLI and the tests run the same code.
//!
//! Flow of an ALARM transition (each numbered group is one round trip; the calls of a group run concurrently):
//! 1. claim the transition in the ledger, taking the case lock of its category in the same write (a new
//!    transition; see [`Processor::claim_with_case_lock`]); read the stack's settings and thresholds by name
//!    (one GetParameters); read the 14-day usage (one GetMetricData); read the quotas the alarm class asks
//!    about (GetServiceQuota); list the open Support cases. The list is read here even when no case turns out
//!    to be needed (one call), so that every case path saves a round trip; it covers the longest lookback and
//!    is filtered by the setting afterwards;
//! 2. the core decides ([`plan::plan`]), then the Service Quotas requests of every side go out at once (an
//!    already open request: its case gets the alarm appended; a refused one: the Support-case fallback, one
//!    round trip later), or the Support case is appended to (open duplicate with the exact subject) or created
//!    under the lock;
//! 3. a created case's display id is looked up (CreateCase answers only the internal id);
//! 4. the e-mail is published while the transition is closed with its outcome (the audit record), and the
//!    lock ended in the same write: released, or kept to its lease's end with the case it opened recorded.
//!
//! Measured with the emulator (`bedrock-ops-alert bench`, `scripts/bench.sh`, docs/performance.md): 3 round
//! trips for Service Quotas requests and appends, 4 when a case is created.
//!
//! A retry after a failed e-mail finds the transition reopened with the e-mail recorded and only publishes it.
//! There are no polling loops on AWS state (W-2): the SDK's bounded retries are the only waiting, with one
//! bounded exception — an alarm that finds another alarm of its category holding the case lock waits at most
//! 5.5 s in total (`CASE_LOCK_WAITS_MS`) for it to be released or to name the case it opened, so it can append
//! instead of opening a duplicate.

use std::collections::BTreeMap;
use std::future::Future;

use bedrock_ops_aws::ledger::{Claim, JointClaim, LockEnd, LockTerms};
use bedrock_ops_aws::metrics::UsageQuery;
use bedrock_ops_aws::quotas::QuotaInfo;
use bedrock_ops_aws::support::{CaseDraft, CaseSummary};
use bedrock_ops_aws::{
    AwsError, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk, UsageMetrics,
};
use bedrock_ops_core::alarms::{AlarmClass, Classification, Severity};
use bedrock_ops_core::dedup::{CaseCategory, case_subject, subject_matches};
use bedrock_ops_core::increase::QuotaFacts;
use bedrock_ops_core::messages::recovery::{Recovery, recovery_email};
use bedrock_ops_core::messages::{AlarmFacts, Email, SideFigures, Stack, case, email};
use bedrock_ops_core::outcome::{
    Action, ActionView, CaseRef, NotFiledReason, QuotaIncrease, Target,
};
use bedrock_ops_core::plan::{
    self, AlarmState, CaseStep, Execution, Plan, PlanInput, QuotaReading, SideQuota,
};
use bedrock_ops_core::scenario::Scenario;
use bedrock_ops_core::settings::{Mode, Settings, keys, parameter_prefix};
use bedrock_ops_core::thresholds::{QuotaCode, QuotaValue};
use bedrock_ops_core::usage::{self, UsageSummary};
use serde_json::{Value, json};
use tracing::{error, info, warn};

use crate::config::Config;
use crate::error::ProcessorError;
use crate::event::{self, Transition};

/// Service Quotas' service code for Amazon Bedrock.
pub const SERVICE_CODE: &str = "bedrock";
/// How long a claim keeps other invocations off a transition when the caller has no deadline (the CLI): a
/// run takes seconds, so a crashed one frees the transition within minutes.
pub const DEFAULT_LEASE_SECONDS: i64 = 300;
/// Added to the time left before the Lambda's deadline: the lease outlives its holder by this much, and
/// expires before Lambda's first retry of a timed-out invocation (a minute later at the earliest).
pub const LEASE_MARGIN_SECONDS: i64 = 15;
/// How long ledger items (the audit record) are kept.
pub const LEDGER_TTL_SECONDS: i64 = 90 * 86_400;
/// The blog's usage window.
const USAGE_DAYS: i64 = usage::DEFAULT_LOOKBACK_DAYS as i64;
/// Open cases are listed once for the longest lookback the settings allow, then filtered by the setting, so
/// the list can be read before the settings are known.
const LONGEST_LOOKBACK_DAYS: i64 = 90;
/// GetParameters' limit on names per call.
const GET_PARAMETERS_MAX: usize = 10;
/// The ledger step that holds what was filed and the e-mail to send.
pub const FILED_STEP: &str = "filed";

/// The adapters the handler talks to.
#[derive(Debug, Clone)]
pub struct Ports<P, M, Q, S, N, L> {
    pub parameters: P,
    pub metrics: M,
    pub quotas: Q,
    pub support: S,
    pub notifier: N,
    pub ledger: L,
}

/// How a run treats the outside world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// The Lambda and `process`: ledger, filings (as the settings allow) and the e-mail.
    Live,
    /// `simulate`: dry run whatever the settings say; no ledger, no e-mail. Only reads reach AWS.
    Simulate,
}

/// What happened to the e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailStatus {
    /// Not sent yet (what a recorded, unfinished attempt says).
    Pending,
    Published {
        message_id: String,
    },
    /// What the closing record says: it is written while the e-mail is published, before SNS answers with
    /// the message id (and taken back if SNS refuses).
    Sent,
    /// The notification preference does not want this severity.
    Filtered,
    /// A simulation publishes nothing.
    Simulated,
    /// SNS refused it for good (the error says why).
    Failed {
        error: String,
    },
}

impl EmailStatus {
    fn to_json(&self) -> Value {
        match self {
            EmailStatus::Pending => json!({"status": "pending"}),
            EmailStatus::Published { message_id } => {
                json!({"status": "published", "message_id": message_id})
            }
            EmailStatus::Sent => json!({"status": "published"}),
            EmailStatus::Filtered => json!({"status": "filtered_by_notification_preference"}),
            EmailStatus::Simulated => json!({"status": "not_published_simulation"}),
            EmailStatus::Failed { error } => json!({"status": "failed", "error": error}),
        }
    }
}

/// What a transition was decided to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    Alarm(Scenario),
    /// An OK transition: recovery e-mail, nothing filed.
    Recovery,
}

/// The decision for one transition and what was done about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub key: String,
    pub class: AlarmClass,
    pub decided: Decided,
    pub severity: Severity,
    pub actions: Vec<Action>,
    pub email: Email,
    pub email_status: EmailStatus,
}

impl Decision {
    /// The CLI contract: `class`, `scenario` (with `expedited` or `reason` when they apply), `severity`,
    /// `actions` (see [`ActionView`]) and `email` (`subject`, `body` unless left out, and its status).
    pub fn to_json(&self, with_body: bool) -> Value {
        let mut out = match &self.decided {
            // `{"scenario": …}` plus `expedited` or `reason` when the scenario has them.
            Decided::Alarm(scenario) => json!(scenario),
            Decided::Recovery => json!({"scenario": "recovery"}),
        };
        out["key"] = json!(self.key);
        out["class"] = json!(self.class);
        out["severity"] = json!(self.severity);
        out["actions"] = json!(
            self.actions
                .iter()
                .map(ActionView::from)
                .collect::<Vec<_>>()
        );
        let mut email = json!({"subject": self.email.subject});
        if with_body {
            email["body"] = json!(self.email.body);
        }
        if let (Value::Object(email), Value::Object(status)) =
            (&mut email, self.email_status.to_json())
        {
            email.extend(status);
        }
        out["email"] = email;
        out
    }
}

/// The result of one transition.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    Handled(Decision),
    /// An earlier attempt filed and recorded everything; this one delivered its e-mail and closed it.
    Resumed {
        key: String,
        decision: Value,
        email_status: EmailStatus,
    },
    /// The ledger says this transition was handled before: nothing is done again.
    AlreadyHandled {
        key: String,
    },
    /// Nothing to act on (e.g. INSUFFICIENT_DATA).
    Ignored {
        key: String,
        reason: String,
    },
}

impl Report {
    pub fn to_json(&self, with_body: bool) -> Value {
        match self {
            Report::Handled(decision) => {
                let mut out = decision.to_json(with_body);
                out["result"] = json!("handled");
                out
            }
            Report::Resumed {
                key,
                decision,
                email_status,
            } => {
                let mut out = decision.clone();
                if !with_body
                    && let Some(email) = out.get_mut("email").and_then(Value::as_object_mut)
                {
                    email.remove("body");
                }
                if let (Some(email), Value::Object(status)) = (
                    out.get_mut("email").and_then(Value::as_object_mut),
                    email_status.to_json(),
                ) {
                    email.extend(status);
                }
                out["key"] = json!(key);
                out["result"] = json!("resumed");
                out
            }
            Report::AlreadyHandled { key } => json!({"key": key, "result": "already_handled"}),
            Report::Ignored { key, reason } => {
                json!({"key": key, "result": "ignored", "reason": reason})
            }
        }
    }
}

/// The notification processor.
#[derive(Debug, Clone)]
pub struct Processor<P, M, Q, S, N, L> {
    ports: Ports<P, M, Q, S, N, L>,
    config: Config,
    stack: Stack,
    path: String,
}

/// The invocation's time and how long its claim lasts.
#[derive(Debug, Clone, Copy)]
struct Clock {
    now: i64,
    lease: i64,
}

/// What the first round trip's claim found.
enum Claimed {
    /// A simulation claims nothing.
    Nothing,
    /// The ledger's answer to a claim of the transition alone.
    Alone(Result<Claim, AwsError>),
    /// A new transition, claimed together with its category's case lock (held from the invocation's `now`).
    WithCaseLock,
}

/// The case lock this invocation holds, and what was opened under it (recorded on the lock when the
/// transition is closed, for the alarms that wait on it; without it the lock is released then).
struct HeldLock {
    key: String,
    claimed_at: i64,
    opened: Option<Value>,
}

impl HeldLock {
    fn end(&self) -> LockEnd<'_> {
        match &self.opened {
            Some(opened) => LockEnd::Keep {
                step: CASE_LOCK_STEP,
                detail: opened,
            },
            None => LockEnd::Release,
        }
    }
}

/// Whether the claim lets this invocation work, and from where.
enum Gate {
    Fresh,
    /// An earlier attempt recorded its filings and e-mail.
    Resume(Value),
}

async fn maybe<F: Future>(future: Option<F>) -> Option<F::Output> {
    match future {
        Some(future) => Some(future.await),
        None => None,
    }
}

/// How long the case lock of a category is held: long enough for the created case to appear in every later
/// DescribeCases, short enough that a crashed holder does not block the category for long.
const CASE_LOCK_SECONDS: i64 = 120;
/// Lock items are worthless once their lease ended; DynamoDB removes them a day later.
const CASE_LOCK_TTL_SECONDS: i64 = 86_400;
/// The lock item's step that names the case its holder opened.
const CASE_LOCK_STEP: &str = "case";
/// Pauses between looks at a lock held by a concurrent alarm. Every new alarm holds its category's lock from
/// its first round trip to its closing write, so the holder may still have its filings (CreateCase and the
/// display-id lookup, or its quota requests) and that write ahead of it. Bounded, 5.5 s in all (W-2: no
/// open-ended waiting).
const CASE_LOCK_WAITS_MS: [u64; 10] = [100, 200, 300, 400, 500, 500, 750, 750, 1_000, 1_000];

/// The case lock item of a case subject (one per stack and category).
fn case_lock_key(subject: &str) -> String {
    format!("case-lock|{subject}")
}

/// What the case lock says.
enum CaseLock {
    /// This invocation holds the lock (claimed at this epoch second) and creates the case.
    Held(i64),
    /// A concurrent alarm of the category opened this case moments ago.
    OpenedByOther(CaseRef),
    /// A concurrent alarm still holds the lock and has opened no case yet.
    Busy,
}

/// How an AWS failure reads in the e-mail and the audit record.
fn not_filed_reason(error: &AwsError) -> NotFiledReason {
    match error {
        AwsError::Throttled { .. } => NotFiledReason::Throttled,
        AwsError::AccessDenied { .. } => NotFiledReason::AccessDenied,
        AwsError::SubscriptionRequired { .. } => NotFiledReason::SupportPlanMissing,
        AwsError::CaseCreationLimitExceeded { .. } => NotFiledReason::CaseCreationLimitExceeded,
        other => NotFiledReason::Error {
            message: other.to_string(),
        },
    }
}

/// Service Quotas refusals that the Support-case path can carry instead (W-5's fallback): the quota cannot be
/// requested through the API, but a person at AWS Support can still raise it.
fn refused_by_service_quotas(error: &AwsError) -> bool {
    matches!(
        error,
        AwsError::AccessDenied { .. }
            | AwsError::IllegalArgument { .. }
            | AwsError::QuotaExceeded { .. }
            | AwsError::NotFound { .. }
    )
}

fn quota_target(increase: &QuotaIncrease) -> Target {
    Target::Quota {
        side: increase.side,
        quota_code: Some(increase.quota_code.clone()),
        desired: Some(increase.desired),
    }
}

fn case_ref(summary: &CaseSummary) -> CaseRef {
    CaseRef {
        case_id: summary.case_id.clone(),
        display_id: summary.display_id.clone().unwrap_or_default(),
    }
}

/// The open case whose subject is exactly `subject` (newest first when, against the rules, there are several).
fn duplicate<'a>(cases: &'a [CaseSummary], subject: &str) -> Option<&'a CaseSummary> {
    cases
        .iter()
        .filter(|c| subject_matches(subject, &c.subject))
        .max_by_key(|c| c.created_at)
}

fn side_quota(code: Option<&QuotaCode>, read: Option<Result<QuotaInfo, AwsError>>) -> SideQuota {
    let Some(code) = code else {
        return SideQuota::NotApplicable;
    };
    let unread = |reason| SideQuota::Unread {
        code: code.clone(),
        reason,
    };
    match read {
        None => unread(NotFiledReason::Error {
            message: "the quota was not read".into(),
        }),
        Some(Err(error)) => unread(not_filed_reason(&error)),
        Some(Ok(info)) => match QuotaValue::from_service_quotas(info.value) {
            Ok(current) => SideQuota::Read(QuotaReading {
                code: code.clone(),
                name: info.name,
                facts: QuotaFacts {
                    current,
                    adjustable: info.adjustable,
                    maximum: None,
                },
            }),
            Err(error) => unread(NotFiledReason::Error {
                message: format!("Service Quotas reports {code} as {}: {error}", info.value),
            }),
        },
    }
}

impl<P, M, Q, S, N, L> Processor<P, M, Q, S, N, L>
where
    P: ParameterStore,
    M: UsageMetrics,
    Q: QuotaService,
    S: SupportDesk,
    N: Notifier,
    L: Ledger,
{
    /// `region` names the Region in e-mails and console links.
    pub fn new(ports: Ports<P, M, Q, S, N, L>, config: Config, region: impl Into<String>) -> Self {
        let stack = Stack {
            customer: config.customer.clone(),
            model_name: config.model_name.clone(),
            model_id: config.model_id.clone(),
            region: region.into(),
        };
        let path = parameter_prefix(&config.customer, &config.model_name);
        Processor {
            ports,
            config,
            stack,
            path,
        }
    }

    pub fn ports(&self) -> &Ports<P, M, Q, S, N, L> {
        &self.ports
    }

    /// Handles an SNS event (or a bare alarm message): every record is parsed before anything is done, so a
    /// malformed record files nothing. Claims last [`DEFAULT_LEASE_SECONDS`].
    pub async fn handle(
        &self,
        input: &Value,
        now: i64,
        run: RunMode,
    ) -> Result<Vec<Report>, ProcessorError> {
        self.handle_until(
            input,
            now,
            now + DEFAULT_LEASE_SECONDS - LEASE_MARGIN_SECONDS,
            run,
        )
        .await
    }

    /// [`Processor::handle`] for an invocation that ends at `deadline` (epoch seconds, the Lambda context's):
    /// a claim lasts until shortly after it, so a retry of an invocation that timed out can take over.
    pub async fn handle_until(
        &self,
        input: &Value,
        now: i64,
        deadline: i64,
        run: RunMode,
    ) -> Result<Vec<Report>, ProcessorError> {
        let lease = (deadline - now).max(0) + LEASE_MARGIN_SECONDS;
        let transitions = event::messages(input)?
            .iter()
            .enumerate()
            .map(|(index, message)| {
                event::transition(
                    index,
                    message,
                    &self.config.customer,
                    &self.config.model_name,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut reports = Vec::with_capacity(transitions.len());
        for transition in &transitions {
            // Boxed: one transition's future holds every read and filing at once, too big for a caller's
            // stack (a test thread has 2 MiB) when kept inline.
            let handled = self.handle_transition(transition, Clock { now, lease }, run);
            reports.push(Box::pin(handled).await?);
        }
        Ok(reports)
    }

    /// Handles one parsed transition.
    async fn handle_transition(
        &self,
        transition: &Transition,
        clock: Clock,
        run: RunMode,
    ) -> Result<Report, ProcessorError> {
        if run == RunMode::Live {
            self.require_delivery()?;
        }
        let ignored = |reason: String| {
            info!(key = %transition.key, %reason, "nothing to act on");
            Ok(Report::Ignored {
                key: transition.key.clone(),
                reason,
            })
        };
        let Some(state) = transition.state else {
            return ignored(format!("state {} is not acted on", transition.state_value));
        };
        // Every alarm goes INSUFFICIENT_DATA → OK right after it is created: only an OK that ends an ALARM is
        // a recovery worth an e-mail.
        if state == AlarmState::Ok && transition.old_state_value.as_deref() != Some("ALARM") {
            return ignored(format!(
                "OK after {}, not after ALARM: nothing recovered",
                transition
                    .old_state_value
                    .as_deref()
                    .unwrap_or("an unknown state")
            ));
        }
        let Some(classification) =
            Classification::of(transition.alarms.iter().map(|a| a.name.kind))
        else {
            return ignored("the composite alarm names no triggering child".into());
        };
        info!(key = %transition.key, alarm = %transition.alarm_name, state = state.as_str(), "handling alarm transition");
        match state {
            AlarmState::Alarm => self.alarm(transition, &classification, clock, run).await,
            AlarmState::Ok => self.recovery(transition, &classification, clock, run).await,
        }
    }

    fn require_delivery(&self) -> Result<(), ProcessorError> {
        let mut problems = Vec::new();
        if self.config.formatted_topic_arn.is_none() {
            problems.push(format!("{} is not set", crate::config::FORMATTED_TOPIC_ARN));
        }
        if self.config.ledger_table_name.is_none() {
            problems.push(format!("{} is not set", crate::config::LEDGER_TABLE_NAME));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(crate::config::ConfigError { problems }.into())
        }
    }

    async fn claim(&self, key: &str, clock: Clock, run: RunMode) -> Claimed {
        match run {
            RunMode::Live => Claimed::Alone(
                self.ports
                    .ledger
                    .claim(key, clock.lease, LEDGER_TTL_SECONDS, clock.now)
                    .await,
            ),
            RunMode::Simulate => Claimed::Nothing,
        }
    }

    /// The claim of an ALARM transition. A new one (nearly every alarm) takes its category's case lock in the
    /// same write, whether or not a case turns out to be needed: a case then costs no round trip to lock, and
    /// an alarm that opens none releases the lock in its closing write, so neither adds a call. A redelivery
    /// or a retry, or a lock held by a concurrent alarm, falls back to the claim alone (and the lock is taken
    /// later, if a case is needed).
    async fn claim_with_case_lock(
        &self,
        key: &str,
        lock_key: &str,
        clock: Clock,
        run: RunMode,
    ) -> Claimed {
        if run == RunMode::Simulate {
            return Claimed::Nothing;
        }
        let lock = LockTerms {
            key: lock_key,
            lease_seconds: CASE_LOCK_SECONDS,
            ttl_seconds: CASE_LOCK_TTL_SECONDS,
        };
        match self
            .ports
            .ledger
            .claim_with_lock(key, clock.lease, LEDGER_TTL_SECONDS, lock, clock.now)
            .await
        {
            Ok(JointClaim::Taken) => Claimed::WithCaseLock,
            Ok(JointClaim::Declined) => self.claim(key, clock, run).await,
            Err(error) => Claimed::Alone(Err(error)),
        }
    }

    /// Turns the claim into go / stop.
    fn gate(&self, key: &str, claim: Claimed) -> Result<Result<Gate, Report>, ProcessorError> {
        let claim = match claim {
            Claimed::Nothing | Claimed::WithCaseLock => return Ok(Ok(Gate::Fresh)),
            Claimed::Alone(claim) => claim,
        };
        match claim {
            Err(error) => Err(ProcessorError::aws(
                "claiming the transition in the ledger",
                error,
            )),
            Ok(Claim::Done(_)) => {
                info!(key, "already handled: nothing filed, no e-mail");
                Ok(Err(Report::AlreadyHandled {
                    key: key.to_owned(),
                }))
            }
            Ok(Claim::InProgress { lease_until, .. }) => {
                info!(
                    key,
                    lease_until, "another invocation is handling this transition"
                );
                Err(ProcessorError::InProgress {
                    key: key.to_owned(),
                    lease_until,
                })
            }
            Ok(Claim::Acquired(record)) => match record.steps.get(FILED_STEP) {
                Some(filed) => {
                    info!(
                        key,
                        attempts = record.attempts,
                        "an earlier attempt filed already: only its e-mail is left"
                    );
                    Ok(Ok(Gate::Resume(filed.clone())))
                }
                None => Ok(Ok(Gate::Fresh)),
            },
        }
    }

    /// Gives the claim back after a failure before anything was filed, so the retry can start at once.
    async fn release(&self, key: &str, run: RunMode) {
        if run == RunMode::Live
            && let Err(error) = self.ports.ledger.release(key).await
        {
            warn!(key, %error, "could not release the claim; a retry waits for the lease to expire");
        }
    }

    /// The stack's keys, by name (GetParameters takes 10 names, so more are read in a second, concurrent call).
    /// The walk of the whole path would page by 10 through every key the calculator keeps there too.
    async fn read_parameters(&self, wanted: &[&str]) -> Result<BTreeMap<String, String>, AwsError> {
        let (first, rest) = wanted.split_at(wanted.len().min(GET_PARAMETERS_MAX));
        let (first, rest) = tokio::join!(
            self.ports.parameters.get_keys(&self.path, first),
            maybe((!rest.is_empty()).then(|| self.ports.parameters.get_keys(&self.path, rest))),
        );
        let mut values = first?;
        if let Some(rest) = rest {
            values.extend(rest?);
        }
        Ok(values)
    }

    async fn read_usage(&self, now: i64) -> Result<UsageSummary, AwsError> {
        let query = UsageQuery::last_days(self.config.model_ids(), now, USAGE_DAYS);
        let series = self.ports.metrics.usage(&query).await?;
        Ok(UsageSummary::from_series(&usage::UsageSeries {
            lookback_days: usage::DEFAULT_LOOKBACK_DAYS,
            invocations: series.invocations.values,
            estimated_tpm: series.estimated_tpm_quota_usage.values,
            // A series CloudWatch has no datapoint of is unknown, not zero tokens per request.
            input_tokens: (series.input_tokens.observed > 0).then_some(series.input_tokens.values),
            output_tokens: (series.output_tokens.observed > 0)
                .then_some(series.output_tokens.values),
        }))
    }

    async fn alarm(
        &self,
        t: &Transition,
        classification: &Classification,
        clock: Clock,
        run: RunMode,
    ) -> Result<Report, ProcessorError> {
        let now = clock.now;
        let class = classification.class;
        // Only the quotas the class asks about are read live (the plan needs their current value); the other
        // side's quota is shown from the value the calculator stored.
        let rpm_code = self
            .config
            .rpm_quota_code
            .code()
            .filter(|_| matches!(class, AlarmClass::Rpm | AlarmClass::Both));
        let tpm_code = Some(&self.config.tpm_quota_code)
            .filter(|_| matches!(class, AlarmClass::Tpm | AlarmClass::Both));
        // Nine or ten names fit one GetParameters call: a non-quota alarm asks for no increase, so it skips the
        // increase percents and reads the two stored quotas in their place.
        let increase_percents = [
            keys::REQUESTS_PER_MINUTE_INCREASE_PERCENT,
            keys::TOKENS_PER_MINUTE_INCREASE_PERCENT,
        ];
        let mut wanted: Vec<&str> = keys::SETTINGS
            .into_iter()
            .filter(|key| class != AlarmClass::NonQuota || !increase_percents.contains(key))
            .collect();
        wanted.extend([
            keys::RPM_THRESHOLD_CALCULATED,
            keys::TPM_THRESHOLD_CALCULATED,
        ]);
        if rpm_code.is_none() && self.config.rpm_quota_code.code().is_some() {
            wanted.push(keys::RPM_QUOTA);
        }
        if tpm_code.is_none() {
            wanted.push(keys::TPM_QUOTA);
        }
        let lock_key = case_lock_key(&case_subject(
            &self.config.customer,
            &self.config.model_name,
            CaseCategory::for_class(class),
        ));
        let (claim, parameters, usage, rpm, tpm, open_cases) = tokio::join!(
            self.claim_with_case_lock(&t.key, &lock_key, clock, run),
            self.read_parameters(&wanted),
            self.read_usage(now),
            maybe(rpm_code.map(|c| self.ports.quotas.get(SERVICE_CODE, c.as_str()))),
            maybe(tpm_code.map(|c| self.ports.quotas.get(SERVICE_CODE, c.as_str()))),
            self.ports
                .support
                .open_cases(now - LONGEST_LOOKBACK_DAYS * 86_400),
        );
        let mut held = matches!(claim, Claimed::WithCaseLock).then(|| HeldLock {
            key: lock_key,
            claimed_at: now,
            opened: None,
        });
        match self.gate(&t.key, claim)? {
            Err(report) => return Ok(report),
            Ok(Gate::Resume(filed)) => return self.resume(t, filed, now, run).await,
            Ok(Gate::Fresh) => {}
        }
        let parameters = match parameters {
            Err(error) if error.is_retryable() => {
                tokio::join!(
                    self.release(&t.key, run),
                    maybe(held.as_ref().map(|lock| self.release(&lock.key, run))),
                );
                return Err(ProcessorError::aws("reading the settings", error));
            }
            other => other,
        };
        let mut settings = read_settings(&parameters);
        if run == RunMode::Simulate
            && let Ok(settings) = &mut settings
        {
            settings.mode = Mode::DryRun;
        }
        let thresholds = parameters
            .as_ref()
            .map_err(ToString::to_string)
            .and_then(plan::stored_thresholds);
        let usage = usage.map_err(|e| e.to_string());
        let rpm = side_quota(self.config.rpm_quota_code.code(), rpm);
        let tpm = side_quota(Some(&self.config.tpm_quota_code), tpm);
        let plan = plan::plan(&PlanInput {
            classification,
            settings: settings.as_ref().map_err(String::as_str),
            usage: usage.as_ref().map_err(String::as_str),
            thresholds: thresholds.as_ref().map_err(String::as_str),
            rpm: &rpm,
            tpm: &tpm,
        });

        let lookback = settings
            .as_ref()
            .map(|s| s.support_case_lookback)
            .unwrap_or_default();
        let since = now - i64::from(lookback.days()) * 86_400;
        let open_cases = open_cases.map(|cases| {
            cases
                .into_iter()
                .filter(|c| c.created_at.is_some_and(|at| at >= since))
                .collect::<Vec<_>>()
        });
        let facts = AlarmFacts {
            stack: self.stack.clone(),
            alarms: t.alarms.clone(),
            classification: plan.classification.clone(),
            scenario: plan.decision.scenario.clone(),
            usage: usage.ok(),
            rpm: SideFigures::rpm(
                &self.config.rpm_quota_code,
                live_or_stored(&rpm, &parameters, keys::RPM_QUOTA),
                thresholds.as_ref().ok(),
            ),
            tpm: SideFigures::tpm(
                live_or_stored(&tpm, &parameters, keys::TPM_QUOTA),
                thresholds.as_ref().ok(),
            ),
            increases: plan.increases.clone(),
            use_case: settings
                .as_ref()
                .map(|s| s.use_case_description.clone())
                .unwrap_or_default(),
        };

        let actions = match &plan.execution {
            Execution::Live => {
                self.execute(&plan, &facts, &open_cases, &mut held, now)
                    .await
            }
            Execution::DryRun | Execution::Held(_) => {
                let open = plan.case(&[]).and_then(|step| {
                    let subject = case_subject(
                        &self.config.customer,
                        &self.config.model_name,
                        step.category,
                    );
                    open_cases
                        .as_ref()
                        .ok()
                        .and_then(|cases| duplicate(cases, &subject))
                        .map(case_ref)
                });
                plan.unsent_actions(open.as_ref())
            }
        };
        let email = email::alarm_email(&facts, &actions);
        let decision = Decision {
            key: t.key.clone(),
            class: plan.classification.class,
            decided: Decided::Alarm(plan.decision.scenario.clone()),
            severity: plan.classification.severity,
            actions,
            email,
            email_status: EmailStatus::Pending,
        };
        self.deliver(t, decision, plan.notify, held, now, run).await
    }

    /// Files what the plan says, and reports every filing (or why not).
    async fn execute(
        &self,
        plan: &Plan,
        facts: &AlarmFacts,
        open_cases: &Result<Vec<CaseSummary>, AwsError>,
        held: &mut Option<HeldLock>,
        now: i64,
    ) -> Vec<Action> {
        let mut requests = plan.requests();
        let (first, second) = (requests.next(), requests.next());
        let (first, second) = tokio::join!(
            maybe(first.map(|i| self.request(i, facts, open_cases))),
            maybe(second.map(|i| self.request(i, facts, open_cases))),
        );
        let mut actions = Vec::new();
        let mut refused = Vec::new();
        for (action, increase) in [first, second].into_iter().flatten() {
            actions.push(action);
            refused.extend(increase);
        }
        if let Some(step) = plan.case(&refused) {
            actions.push(
                self.file_case(plan, &step, facts, open_cases, held, now)
                    .await,
            );
        }
        actions.extend(plan.decided_actions());
        actions
    }

    /// One Service Quotas request; the increase is returned too when Service Quotas refused it, for the
    /// Support-case fallback.
    async fn request(
        &self,
        increase: &QuotaIncrease,
        facts: &AlarmFacts,
        open_cases: &Result<Vec<CaseSummary>, AwsError>,
    ) -> (Action, Option<QuotaIncrease>) {
        let code = increase.quota_code.as_str();
        // Desired values are whole numbers below 2^54, exact as f64.
        let desired = increase.desired as f64;
        match self
            .ports
            .quotas
            .request_increase(SERVICE_CODE, code, desired)
            .await
        {
            Ok(change) => {
                info!(quota = code, request = %change.id, "quota increase requested");
                let case = change.case_id.map(|display_id| {
                    known_case(open_cases, &display_id).unwrap_or(CaseRef {
                        // Service Quotas names its case by display id only; the internal id is not needed here.
                        case_id: String::new(),
                        display_id,
                    })
                });
                let action = Action::QuotaRequested {
                    increase: increase.clone(),
                    request_id: change.id,
                    case,
                };
                (action, None)
            }
            Err(AwsError::AlreadyExists { .. }) => (
                self.append_to_open_request(increase, facts, open_cases)
                    .await,
                None,
            ),
            Err(error) if refused_by_service_quotas(&error) => {
                warn!(quota = code, %error, "Service Quotas refused the request: the Support case carries it");
                let action = Action::NotFiled {
                    target: quota_target(increase),
                    reason: not_filed_reason(&error),
                };
                (action, Some(increase.clone()))
            }
            Err(error) => {
                warn!(quota = code, %error, "quota increase not requested");
                let action = Action::NotFiled {
                    target: quota_target(increase),
                    reason: not_filed_reason(&error),
                };
                (action, None)
            }
        }
    }

    /// Service Quotas already holds an open request for the quota: the alarm is appended to its case instead.
    async fn append_to_open_request(
        &self,
        increase: &QuotaIncrease,
        facts: &AlarmFacts,
        open_cases: &Result<Vec<CaseSummary>, AwsError>,
    ) -> Action {
        let code = increase.quota_code.as_str();
        let open = match self.ports.quotas.open_requests(SERVICE_CODE, code).await {
            Ok(open) => open,
            Err(error) => {
                warn!(quota = code, %error, "the open increase request could not be listed");
                Vec::new()
            }
        };
        let request_id = open.first().map(|r| r.id.clone());
        let display_id = open.iter().find_map(|r| r.case_id.clone());
        let appended_to = match display_id {
            None => None,
            Some(display_id) => {
                let case = match known_case(open_cases, &display_id) {
                    Some(case) => Ok(Some(case)),
                    None => self
                        .ports
                        .support
                        .case_by_display_id(&display_id)
                        .await
                        .map(|found| found.as_ref().map(case_ref)),
                };
                match case {
                    Ok(Some(case)) => {
                        let body = case::append(&facts_with(facts, vec![increase.clone()])).body;
                        match self
                            .ports
                            .support
                            .add_communication(&case.case_id, &body)
                            .await
                        {
                            Ok(()) => Some(case),
                            Err(error) => {
                                warn!(quota = code, case = %case.display_id, %error, "could not append to the open request's case");
                                None
                            }
                        }
                    }
                    Ok(None) => None,
                    Err(error) => {
                        warn!(quota = code, %error, "the open request's case could not be found");
                        None
                    }
                }
            }
        };
        info!(
            quota = code,
            appended = appended_to.is_some(),
            "an increase request was already open"
        );
        Action::QuotaRequestAlreadyOpen {
            increase: increase.clone(),
            request_id,
            appended_to,
        }
    }

    /// The Support case of the plan: appended to the open case with the same subject, or created.
    async fn file_case(
        &self,
        plan: &Plan,
        step: &CaseStep,
        facts: &AlarmFacts,
        open_cases: &Result<Vec<CaseSummary>, AwsError>,
        held: &mut Option<HeldLock>,
        now: i64,
    ) -> Action {
        let category = step.category;
        let not_filed = |append_to: Option<CaseRef>, error: &AwsError| Action::NotFiled {
            target: Target::Case {
                category,
                append_to,
            },
            reason: not_filed_reason(error),
        };
        let cases = match open_cases {
            Ok(cases) => cases,
            Err(error) => {
                // Without the list a new case could duplicate an open one, so none is created.
                warn!(%error, "open cases could not be listed: no case filed");
                return not_filed(None, error);
            }
        };
        let facts = facts_with(facts, step.increases.clone());
        let subject = case_subject(&self.config.customer, &self.config.model_name, category);
        let (facts_ref, not_filed_ref) = (&facts, &not_filed);
        // `whose` names the case in the log: the open duplicate, or the one another alarm of the category
        // just opened.
        let append = |case: CaseRef, whose: &'static str| async move {
            let body = case::append(facts_ref).body;
            match self
                .ports
                .support
                .add_communication(&case.case_id, &body)
                .await
            {
                Ok(()) => {
                    info!(case = %case.display_id, whose, "appended to the case");
                    Action::Appended { category, case }
                }
                Err(error) => {
                    warn!(case = %case.display_id, whose, %error, "could not append to the case");
                    not_filed_ref(Some(case), &error)
                }
            }
        };
        if let Some(open) = duplicate(cases, &subject) {
            return append(case_ref(open), "open case of the same category").await;
        }
        let lock_key = case_lock_key(&subject);
        if held.as_ref().is_none_or(|lock| lock.key != lock_key) {
            match self.case_lock(&subject, now).await {
                Ok(CaseLock::Held(claimed_at)) => {
                    // Taken here only when the first claim could not take it with the transition.
                    *held = Some(HeldLock {
                        key: lock_key,
                        claimed_at,
                        opened: None,
                    });
                }
                Ok(CaseLock::OpenedByOther(case)) => {
                    return append(case, "case another alarm of the category just opened").await;
                }
                Ok(CaseLock::Busy) => {
                    warn!("another alarm of the category is still opening its case: no case filed");
                    return Action::NotFiled {
                        target: Target::Case {
                            category,
                            append_to: None,
                        },
                        reason: NotFiledReason::Error {
                            message: "another alarm of this stack was opening the case of this category at \
                                      the same moment; this alarm was not added to it"
                                .into(),
                        },
                    };
                }
                Err(error) => {
                    // Without the lock a second invocation could open the same case.
                    warn!(%error, "the case lock could not be taken: no case filed");
                    return not_filed(None, &error);
                }
            }
        }
        let text = case::new_case(&facts);
        let draft = CaseDraft::bedrock(text.subject, text.body, plan.case_severity());
        match self.ports.support.create_case(&draft).await {
            Ok(created) => {
                // CreateCase answers only the internal id; the e-mail's console link needs the display id.
                let display_id = match created.display_id {
                    Some(display_id) => display_id,
                    None => match self.ports.support.case_by_id(&created.case_id).await {
                        Ok(found) => found.and_then(|c| c.display_id).unwrap_or_default(),
                        Err(error) => {
                            warn!(%error, "the new case's display id could not be read");
                            String::new()
                        }
                    },
                };
                info!(case = %display_id, "Support case created");
                // Recorded on the lock by the closing write, which keeps the lock until its lease ends: by then
                // the case is in every later list of open cases, and until then this record is how a
                // concurrent alarm of the category finds it.
                if let Some(lock) = held.as_mut() {
                    lock.opened = Some(json!({
                        "claimed_at": lock.claimed_at,
                        "case_id": created.case_id,
                        "display_id": display_id,
                    }));
                }
                Action::CaseCreated {
                    category,
                    case: CaseRef {
                        case_id: created.case_id,
                        display_id,
                    },
                }
            }
            Err(error) => {
                // Nothing was opened: the closing write releases the lock.
                warn!(%error, "Support case not created");
                not_filed(None, &error)
            }
        }
    }

    /// The case with its display id, read from Support when the lock's holder recorded the case before it
    /// knew the display id (the e-mail's console link needs it; the append does not).
    async fn with_display_id(&self, mut case: CaseRef) -> CaseRef {
        if case.display_id.is_empty() {
            match self.ports.support.case_by_id(&case.case_id).await {
                Ok(found) => {
                    case.display_id = found.and_then(|c| c.display_id).unwrap_or_default();
                }
                Err(error) => {
                    warn!(%error, "the display id of the case just opened could not be read")
                }
            }
        }
        case
    }

    /// Takes the category's case lock before a case is created. Two alarms of one category that arrive together
    /// both list the open cases before either creates one; the lock (a conditional write in the ledger table)
    /// lets one create the case while the other waits briefly for it and appends instead.
    async fn case_lock(&self, subject: &str, now: i64) -> Result<CaseLock, AwsError> {
        let key = case_lock_key(subject);
        for wait_ms in CASE_LOCK_WAITS_MS {
            let claim = self
                .ports
                .ledger
                .claim(&key, CASE_LOCK_SECONDS, CASE_LOCK_TTL_SECONDS, now)
                .await;
            match claim {
                Ok(Claim::Acquired(record)) => return Ok(CaseLock::Held(record.claimed_at)),
                // The lock is only ever released or left to expire, never completed.
                Ok(Claim::Done(_)) => return Ok(CaseLock::Busy),
                // The holder's closing transaction on the lock (TransactionConflict) or throttling: look again.
                Err(error) if error.is_retryable() => {}
                Err(error) => return Err(error),
                Ok(Claim::InProgress { .. }) => {
                    let held = match self.ports.ledger.get(&key).await {
                        Ok(held) => held,
                        Err(error) if error.is_retryable() => None,
                        Err(error) => return Err(error),
                    };
                    if let Some(case) = held.and_then(|record| {
                        let opened = record.steps.get(CASE_LOCK_STEP)?;
                        // A case recorded under an earlier, expired lease is in the open-case list already
                        // (or resolved): only the current holder's counts.
                        (opened.get("claimed_at")?.as_i64()? == record.claimed_at).then(|| {
                            let text = |field: &str| {
                                opened
                                    .get(field)
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                                    .to_owned()
                            };
                            CaseRef {
                                case_id: text("case_id"),
                                display_id: text("display_id"),
                            }
                        })
                    }) {
                        return Ok(CaseLock::OpenedByOther(self.with_display_id(case).await));
                    }
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(wait_ms)).await;
        }
        Ok(CaseLock::Busy)
    }

    /// Publishes the e-mail while the transition is closed in the ledger (one round trip, not two). The
    /// closing record says the e-mail is out; when SNS refuses it, the record is taken back so that a retry
    /// only publishes (a retryable refusal) or says it failed (a final one). Only a crash of the process
    /// between the two answers can leave a closed transition without its e-mail (docs/reliability.md).
    async fn deliver(
        &self,
        t: &Transition,
        mut decision: Decision,
        notify: bool,
        held: Option<HeldLock>,
        now: i64,
        run: RunMode,
    ) -> Result<Report, ProcessorError> {
        if run == RunMode::Simulate {
            decision.email_status = EmailStatus::Simulated;
            log_decision(&decision);
            return Ok(Report::Handled(decision));
        }
        let topic = self
            .config
            .formatted_topic_arn
            .as_deref()
            .unwrap_or_default();
        let mut closing = decision.clone();
        closing.email_status = if notify {
            EmailStatus::Sent
        } else {
            EmailStatus::Filtered
        };
        let closing = closing.to_json(true);
        let (_, published) = tokio::join!(
            self.close(&t.key, &closing, held.as_ref(), now),
            maybe(notify.then(|| {
                self.ports
                    .notifier
                    .publish(topic, &decision.email.subject, &decision.email.body)
            })),
        );
        decision.email_status = match published {
            None => EmailStatus::Filtered,
            Some(Ok(message_id)) => EmailStatus::Published { message_id },
            Some(Err(error)) if error.is_retryable() => {
                let resume = json!({"decision": decision.to_json(true), "notify": notify});
                if let Err(reopen) = self.ports.ledger.reopen(&t.key, FILED_STEP, &resume).await {
                    error!(key = %t.key, error = %reopen, "the e-mail failed and the closed transition could not be reopened: a retry finds it done");
                }
                return Err(ProcessorError::aws("publishing the e-mail", error));
            }
            Some(Err(error)) => EmailStatus::Failed {
                error: error.to_string(),
            },
        };
        log_decision(&decision);
        if let EmailStatus::Failed { error } = &decision.email_status {
            self.close(&t.key, &decision.to_json(true), None, now).await;
            return Err(ProcessorError::aws(
                "publishing the e-mail",
                AwsError::Other {
                    service: "sns",
                    operation: "Publish",
                    code: "NotPublished".into(),
                    message: error.clone(),
                },
            ));
        }
        Ok(Report::Handled(decision))
    }

    /// Marks the transition done with its outcome, ending the case lock it holds in the same write. A failure
    /// here is logged, not returned: the filings are made and the e-mail is on its way, so a retry would only
    /// repeat them.
    async fn close(&self, key: &str, outcome: &Value, held: Option<&HeldLock>, now: i64) {
        let closed = match held {
            Some(lock) => {
                self.ports
                    .ledger
                    .complete_with_lock(key, outcome, now, &lock.key, lock.claimed_at, lock.end())
                    .await
            }
            None => self.ports.ledger.complete(key, outcome, now).await,
        };
        if let Err(error) = closed {
            error!(key, %error, "the transition could not be marked done in the ledger");
        }
    }

    /// A retry of an attempt that filed and recorded everything: publish its e-mail and close.
    async fn resume(
        &self,
        t: &Transition,
        filed: Value,
        now: i64,
        run: RunMode,
    ) -> Result<Report, ProcessorError> {
        let mut decision = filed.get("decision").cloned().unwrap_or(Value::Null);
        let notify = filed.get("notify").and_then(Value::as_bool).unwrap_or(true);
        let text = |field: &str| {
            decision
                .pointer(&format!("/email/{field}"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (subject, body) = (text("subject"), text("body"));
        let email_status = if notify {
            let topic = self
                .config
                .formatted_topic_arn
                .as_deref()
                .unwrap_or_default();
            match self.ports.notifier.publish(topic, &subject, &body).await {
                Ok(message_id) => EmailStatus::Published { message_id },
                Err(error) if error.is_retryable() => {
                    self.release(&t.key, run).await;
                    return Err(ProcessorError::aws("publishing the recorded e-mail", error));
                }
                Err(error) => EmailStatus::Failed {
                    error: error.to_string(),
                },
            }
        } else {
            EmailStatus::Filtered
        };
        if let (Some(email), Value::Object(status)) = (
            decision.get_mut("email").and_then(Value::as_object_mut),
            email_status.to_json(),
        ) {
            email.extend(status);
        }
        self.close(&t.key, &decision, None, now).await;
        info!(key = %t.key, "resumed: the recorded e-mail was delivered");
        Ok(Report::Resumed {
            key: t.key.clone(),
            decision,
            email_status,
        })
    }

    async fn recovery(
        &self,
        t: &Transition,
        classification: &Classification,
        clock: Clock,
        run: RunMode,
    ) -> Result<Report, ProcessorError> {
        let now = clock.now;
        let (claim, parameters) = tokio::join!(
            self.claim(&t.key, clock, run),
            self.read_parameters(&keys::SETTINGS),
        );
        match self.gate(&t.key, claim)? {
            Err(report) => return Ok(report),
            Ok(Gate::Resume(filed)) => return self.resume(t, filed, now, run).await,
            Ok(Gate::Fresh) => {}
        }
        let parameters = match parameters {
            Err(error) if error.is_retryable() => {
                self.release(&t.key, run).await;
                return Err(ProcessorError::aws("reading the settings", error));
            }
            other => other,
        };
        let settings = read_settings(&parameters);
        let plan = plan::recovery(classification, settings.as_ref().map_err(String::as_str));
        // The classification exists, so there is a first alarm; a composite that recovers names the child that
        // moved it.
        let email = t.alarms.first().map(|first| {
            recovery_email(
                &self.stack,
                &Recovery {
                    alarm: first.name.clone(),
                    reason: first.reason.clone(),
                    recovered_at: first.at,
                    alarm_since: None,
                },
            )
        });
        let Some(email) = email else {
            return Ok(Report::Ignored {
                key: t.key.clone(),
                reason: "no alarm to report as recovered".into(),
            });
        };
        let decision = Decision {
            key: t.key.clone(),
            class: plan.classification.class,
            decided: Decided::Recovery,
            severity: plan.classification.severity,
            actions: Vec::new(),
            email,
            email_status: EmailStatus::Pending,
        };
        self.deliver(t, decision, plan.notify, None, now, run).await
    }
}

fn read_settings(
    parameters: &Result<BTreeMap<String, String>, AwsError>,
) -> Result<Settings, String> {
    match parameters {
        Ok(values) => Settings::from_parameters(values).map_err(|e| e.to_string()),
        Err(error) => Err(error.to_string()),
    }
}

/// The live quota when it was read, else the value the calculator stored (display only).
fn live_or_stored(
    side: &SideQuota,
    parameters: &Result<BTreeMap<String, String>, AwsError>,
    key: &str,
) -> Option<QuotaValue> {
    match side {
        SideQuota::Read(reading) => Some(reading.facts.current),
        _ => parameters
            .as_ref()
            .ok()
            .and_then(|p| p.get(key))
            .and_then(|v| v.parse().ok()),
    }
}

/// The open case with this display id, from the list already read.
fn known_case(
    open_cases: &Result<Vec<CaseSummary>, AwsError>,
    display_id: &str,
) -> Option<CaseRef> {
    open_cases
        .as_ref()
        .ok()?
        .iter()
        .find(|c| c.display_id.as_deref() == Some(display_id))
        .map(case_ref)
}

fn facts_with(facts: &AlarmFacts, increases: Vec<QuotaIncrease>) -> AlarmFacts {
    AlarmFacts {
        increases,
        ..facts.clone()
    }
}

fn log_decision(decision: &Decision) {
    let actions: Vec<String> = decision
        .actions
        .iter()
        .map(|a| match ActionView::from(a) {
            ActionView::None(details) => format!("none:{}", details.reason),
            view => serde_json::to_value(&view)
                .ok()
                .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_default(),
        })
        .collect();
    let scenario = match &decision.decided {
        Decided::Alarm(scenario) => scenario.name(),
        Decided::Recovery => "recovery",
    };
    let email = match &decision.email_status {
        EmailStatus::Pending => "pending",
        EmailStatus::Published { .. } | EmailStatus::Sent => "published",
        EmailStatus::Filtered => "filtered",
        EmailStatus::Simulated => "simulated",
        EmailStatus::Failed { .. } => "failed",
    };
    info!(
        key = %decision.key,
        class = decision.class.as_str(),
        scenario,
        severity = decision.severity.as_str(),
        actions = ?actions,
        email,
        "transition handled"
    );
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;
