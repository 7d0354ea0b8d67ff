//! The handler: one alarm transition → a ledger claim, the reads, the core's plan, the filings, the e-mail,
//! the audit record. Generic over the adapter traits, so the Lambda, the CLI and the tests run the same code.
//!
//! Flow of an ALARM transition (each numbered group is one round trip; the calls of a group run concurrently):
//! 1. claim the transition in the ledger, taking the case lock of its category in the same write (a new
//!    transition; see the `gate` and `case_lock` rooms); read the stack's settings and thresholds by name
//!    (one GetParameters; a stack with split token quotas, which reads two token thresholds, may need a
//!    second, concurrent one); read the 14-day usage (one GetMetricData); read the quotas the alarm class asks
//!    about (GetServiceQuota); list the open Support cases, each with its newest communications (the marks of
//!    our bodies on it say what it already carries: `threads`). The list is read here even when no case turns out
//!    to be needed (one call), so that every case path saves a round trip; it covers the longest lookback and
//!    is filtered by the setting afterwards;
//! 2. the core decides ([`plan::plan`](bedrock_ops_core::plan::plan)), then the Service Quotas requests of
//!    every side go out at once (an already open request: its case gets the alarm appended; a refused one: the
//!    Support-case fallback, one round trip later), or the Support case is appended to (open duplicate with
//!    the exact subject) or created under the lock;
//! 3. a created case's display id is looked up (CreateCase answers only the internal id); a request whose
//!    answer already names its case (rare) has that case looked up by display id, and gets the context
//!    (AddCommunicationToCase) in one round trip more (`follow_up::schedule`);
//! 4. the e-mail is published while the transition is closed with its outcome (the audit record), and the
//!    lock ended in the same write: released, or kept to its lease's end with the case it opened recorded.
//!    The e-mail carries the follow-ups of the requests (message attribute `bedrock_ops_follow_up`): the
//!    follow-up queue's subscription to the topic takes it, so this Publish also schedules them. When no
//!    e-mail is due, one SendMessageBatch before this round trip schedules them instead.
//!
//! Measured with the emulator (`bedrock-ops-alert bench`, `scripts/bench.sh`, docs/performance.md): 3 round
//! trips for Service Quotas requests (their follow-ups included) and appends, 4 when a case is created, 5
//! when a request's answer already names its case and the context is added at once.
//!
//! A transition is done only when its e-mail is out or not due: a failed e-mail reopens it with what was filed
//! and the e-mail recorded, and returns the error to Lambda, whose retries only publish it.
//! There are no polling loops on AWS state (W-2): the SDK's bounded retries are the only waiting, with one
//! bounded exception — an alarm that finds another alarm of its category holding the case lock waits at most
//! 5.5 s in total (`CASE_LOCK_WAITS_MS`) for it to be released or to name the case it opened, so it can append
//! instead of opening a duplicate.
//!
//! # Rooms
//!
//! | Module | What |
//! |---|---|
//! | this one | [`Processor`], its [`Ports`] and [`RunMode`]: parse the event, dispatch each transition |
//! | `alarm` | an ALARM transition, start to end |
//! | `recovery` | an OK transition that ends an ALARM: the recovery e-mail |
//! | `gate` | the ledger claim and what it admits (handle, resume, or stop); giving the claim back |
//! | `case_lock` | the category's case lock: one Support case when alarms of a category arrive together |
//! | `reads` | settings, usage, live quotas and open cases, read into the plan's input |
//! | `filing` | Service Quotas requests, appends to open cases, new Support cases |
//! | `threads` | the open cases as this stack's threads: what each carries (the marks of our bodies), the quota threads increases are routed to, an append the append rule allows |
//! | `follow_up` | the follow-up of a Service Quotas request: carried by the alarm's e-mail or sent on the queue, or the context added at once when the answer names the case (`schedule`); one look per follow-up (context appended once, one e-mail); the SQS event (`event`); the context `simulate` shows (`preview`) |
//! | `delivery` | the e-mail with the closing write; the recorded e-mail of an earlier attempt |
//! | `record` | the typed record the ledger keeps between attempts ([`FILED_STEP`], [`RETRY_STEP`]) |
//! | `steps` | which steps of a transition succeeded and which failed; what a retry redoes |
//! | `retry` | `process --retry-failed`: the failed steps of a recorded transition redone, and nothing else |
//! | `report` | the output contract: [`Decision`], [`Report`], [`EmailStatus`] and their JSON |
//!
//! Each room's unit tests are in `tests/<room>.rs`, over the in-memory fakes of `test_support`.

use std::future::Future;

use bedrock_ops_aws::{
    FollowUpQueue, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk, UsageMetrics,
};
use bedrock_ops_core::alarms::Classification;
use bedrock_ops_core::plan::AlarmState;
use serde_json::Value;
use tracing::info;

use crate::admission::{Admission, arn_account};
use crate::config::Config;
use crate::error::ProcessorError;
use crate::event::{self, Transition};

mod alarm;
mod case_lock;
mod delivery;
mod filing;
mod follow_up;
mod gate;
mod reads;
mod record;
mod recovery;
mod report;
mod retry;
mod steps;
#[cfg(test)]
mod test_support;
mod threads;

pub use follow_up::{CONTEXT_ADDED_STEP, FollowUpReport, FollowUpResult, batch_response};
pub use gate::LEDGER_TTL_SECONDS;
pub use record::{FILED_STEP, RETRY_STEP, RecordedDecision, RecordedEmail};
pub use report::{
    Decided, Decision, DecisionView, EmailStatus, EmailView, FollowUpContext, Report,
    lambda_response,
};
pub use steps::{StepResult, StepStatus};

/// How long a claim keeps other invocations off a transition when the caller has no deadline (the CLI): a
/// run takes seconds, so a crashed one frees the transition within minutes.
pub const DEFAULT_LEASE_SECONDS: i64 = 300;
/// Added to the time left before the Lambda's deadline: the lease outlives its holder by this much, and
/// expires before Lambda's first retry of a timed-out invocation (a minute later at the earliest).
pub const LEASE_MARGIN_SECONDS: i64 = 15;

/// The adapters the handler talks to.
#[derive(Debug, Clone)]
pub struct Ports<P, M, Q, S, N, L, F> {
    pub parameters: P,
    pub metrics: M,
    pub quotas: Q,
    pub support: S,
    pub notifier: N,
    pub ledger: L,
    /// Where the follow-ups of Service Quotas requests wait for their next look.
    pub follow_ups: F,
}

/// How a run treats the outside world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// The Lambda and `process`: ledger, filings (as the settings allow) and the e-mail.
    Live,
    /// `simulate`: dry run whatever the settings say; no ledger, no e-mail. Only reads reach AWS.
    Simulate,
}

/// The notification processor.
#[derive(Debug, Clone)]
pub struct Processor<P, M, Q, S, N, L, F> {
    ports: Ports<P, M, Q, S, N, L, F>,
    config: Config,
    /// The stack's Parameter Store prefix, derived once.
    path: String,
    /// The oldest state change acted on, in seconds ([`crate::admission`]); `None`: any past time.
    lookback: Option<i64>,
}

/// The invocation's time and how long its claim lasts.
#[derive(Debug, Clone, Copy)]
struct Clock {
    now: i64,
    lease: i64,
}

/// Awaits `future` when there is one: a call that a round trip makes only in some cases.
async fn maybe<F: Future>(future: Option<F>) -> Option<F::Output> {
    match future {
        Some(future) => Some(future.await),
        None => None,
    }
}

impl<P, M, Q, S, N, L, F> Processor<P, M, Q, S, N, L, F>
where
    P: ParameterStore,
    M: UsageMetrics,
    Q: QuotaService,
    S: SupportDesk,
    N: Notifier,
    L: Ledger,
    F: FollowUpQueue,
{
    /// `region` (the configuration's, or the AWS configuration's when it names none) names the Region in
    /// e-mails and console links.
    pub fn new(
        ports: Ports<P, M, Q, S, N, L, F>,
        mut config: Config,
        region: impl Into<String>,
    ) -> Self {
        config.stack.region = region.into();
        let path = config.stack.name.parameter_prefix();
        Processor {
            ports,
            config,
            path,
            lookback: None,
        }
    }

    /// Refuses state changes older than `seconds` (the Lambda: [`crate::admission::LOOKBACK_SECONDS`]).
    #[must_use]
    pub fn with_lookback(mut self, seconds: i64) -> Self {
        self.lookback = Some(seconds);
        self
    }

    pub fn ports(&self) -> &Ports<P, M, Q, S, N, L, F> {
        &self.ports
    }

    /// Handles an SNS event (or a bare alarm message): every record is parsed and admitted (this account,
    /// Region and time window: [`crate::admission`]) before anything is done, so a malformed or foreign
    /// record files nothing. Claims last [`DEFAULT_LEASE_SECONDS`].
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
        let transitions = self.transitions(input, now)?;
        let mut reports = Vec::with_capacity(transitions.len());
        for transition in &transitions {
            // Boxed: one transition's future holds every read and filing at once, too big for a caller's
            // stack (a test thread has 2 MiB) when kept inline.
            let handled = self.handle_transition(transition, Clock { now, lease }, run);
            reports.push(Box::pin(handled).await?);
        }
        Ok(reports)
    }

    /// Every transition of the event, parsed and admitted (this account and Region, a believable time)
    /// before anything is done.
    fn transitions(&self, input: &Value, now: i64) -> Result<Vec<Transition>, ProcessorError> {
        let transitions = event::messages(input)?
            .iter()
            .enumerate()
            .map(|(index, message)| {
                event::transition(
                    index,
                    message,
                    self.config.stack.customer(),
                    self.config.stack.model_name(),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let admission = Admission {
            region: &self.config.stack.region,
            account: self
                .config
                .formatted_topic_arn
                .as_deref()
                .and_then(arn_account),
            now,
            lookback: self.lookback,
        };
        for transition in &transitions {
            admission.check(transition)?;
        }
        Ok(transitions)
    }

    /// The Lambda's invocation: an SQS event from the follow-up queue (answered with its failed messages, for
    /// `ReportBatchItemFailures`), or an SNS alarm event (answered with one summary per transition).
    pub async fn invoke(
        &self,
        input: &Value,
        now: i64,
        deadline: i64,
    ) -> Result<Value, ProcessorError> {
        if follow_up::event::is_follow_up(input) {
            let (reports, failed) = self.follow_ups(input, now, deadline).await?;
            for report in &reports {
                info!(request = %report.request_id, attempt = report.attempt, result = ?report.result, "follow-up");
            }
            return Ok(batch_response(&failed));
        }
        let reports = self
            .handle_until(input, now, deadline, RunMode::Live)
            .await?;
        Ok(lambda_response(&reports))
    }

    /// Handles one parsed transition.
    async fn handle_transition(
        &self,
        transition: &Transition,
        clock: Clock,
        run: RunMode,
    ) -> Result<Report, ProcessorError> {
        if run == RunMode::Live {
            self.config.require_delivery()?;
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
}

#[cfg(test)]
#[path = "tests/dispatch.rs"]
mod tests;
