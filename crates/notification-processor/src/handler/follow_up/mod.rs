//! Phase two of a quota request: one look per follow-up from the queue. No look ever waits: a look that finds
//! nothing to do yet puts the next message on the queue with its delay and ends. A queue message asks for
//! one look (the processor's own message) or for one per request of an alarm (its e-mail, delivered by the
//! queue's subscription to the e-mail topic: `event`); those looks run at once, so the message takes as
//! many round trips as one look.
//!
//! A look, in round trips (≤ 4, ≤ 6 AWS calls; docs/performance.md):
//! 1. claim the look in the ledger (`follow-up#<request>#<attempt>`: a redelivered message finds it done and
//!    does nothing) while reading the request (GetRequestedServiceQuotaChange);
//! 2. when the request is open and linked: its case with its recent correspondence (one DescribeCases), to
//!    see whether AWS's automated first reply is there;
//! 3. the core decides ([`follow_up::decide`]): append the context (AddCommunicationToCase), or put the next
//!    look on the queue (SendMessageBatch);
//! 4. the follow-up e-mail is published while the look is closed in the ledger (a refused e-mail reopens it).
//!
//! The context is appended by exactly one look: the looks of a request form a chain (each schedules the next
//! only when it found nothing to do), and each look is claimed once (a second copy of the alarm's e-mail
//! carries the same first looks, which find themselves done). When the e-mail fails after the append,
//! the look is reopened with [`CONTEXT_ADDED_STEP`] recorded, and the retry only publishes.

pub(crate) mod event;
pub(super) mod preview;
mod schedule;

pub(super) use schedule::Scheduling;

use bedrock_ops_aws::ledger::Claim;
use bedrock_ops_aws::queue::Delayed;
use bedrock_ops_aws::quotas::ChangeStatus;
use bedrock_ops_aws::{
    FollowUpQueue, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk, UsageMetrics,
};
use bedrock_ops_core::follow_up::{self, Ending, FollowUp, Look, Next, RequestState};
use bedrock_ops_core::messages::follow_up::{FollowUpFacts, follow_up_email};
use serde::Serialize;
use serde_json::{Value, json};
use tracing::{info, warn};

use super::gate::LEDGER_TTL_SECONDS;
use super::{Processor, maybe};
use crate::error::ProcessorError;

/// The step a look records when it appended the context but its e-mail still has to go out.
pub const CONTEXT_ADDED_STEP: &str = "context_added";
/// The step a look records when its e-mail failed with nothing appended.
const EMAIL_FAILED_STEP: &str = "email_failed";

/// What one look did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpReport {
    pub request_id: String,
    pub attempt: u32,
    pub result: FollowUpResult,
    /// The request's status as Service Quotas reported it (absent when the look was already done).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The display id of the case Service Quotas linked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// When the next look comes, for `look_again`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_look_in_seconds: Option<u32>,
    /// `published`, `filtered` (notification preference) or `none` (no e-mail for this result).
    pub email: &'static str,
}

/// A look's `result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpResult {
    ContextAdded,
    Approved,
    Denied,
    Closed,
    GaveUp,
    LookAgain,
    /// The ledger says this look was made before: nothing is done again.
    AlreadyHandled,
}

impl From<Ending> for FollowUpResult {
    fn from(ending: Ending) -> Self {
        match ending {
            Ending::ContextAdded => FollowUpResult::ContextAdded,
            Ending::Approved => FollowUpResult::Approved,
            Ending::Denied => FollowUpResult::Denied,
            Ending::Closed => FollowUpResult::Closed,
            Ending::GaveUp => FollowUpResult::GaveUp,
        }
    }
}

/// Service Quotas' status as the core's rule reads it; a status this build does not know counts as open.
fn request_state(status: &ChangeStatus) -> RequestState {
    match status {
        ChangeStatus::Approved => RequestState::Approved,
        ChangeStatus::Denied | ChangeStatus::NotApproved => RequestState::Denied,
        ChangeStatus::CaseClosed | ChangeStatus::InvalidRequest => RequestState::Closed,
        ChangeStatus::Pending | ChangeStatus::CaseOpened | ChangeStatus::Other(_) => {
            RequestState::Open
        }
    }
}

/// The Lambda's answer to an SQS batch: the messages that failed, for the mapping to return to the queue
/// (`ReportBatchItemFailures`); the others are deleted.
pub fn batch_response(failed: &[String]) -> Value {
    json!({
        "batchItemFailures": failed
            .iter()
            .map(|id| json!({"itemIdentifier": id}))
            .collect::<Vec<_>>()
    })
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
    /// Handles an SQS event of follow-ups (or one bare follow-up message): each message on its own. The
    /// reports of the messages handled, and the ids of those that failed (to be delivered again).
    pub async fn follow_ups(
        &self,
        input: &Value,
        now: i64,
        deadline: i64,
    ) -> Result<(Vec<FollowUpReport>, Vec<String>), ProcessorError> {
        self.config.require_delivery()?;
        let lease = (deadline - now).max(0) + super::LEASE_MARGIN_SECONDS;
        let mut reports = Vec::new();
        let mut failed = Vec::new();
        for queued in event::queued(input)? {
            let looked = match queued.follow_ups() {
                Ok(messages) => Box::pin(self.looks(&messages, now, lease)).await,
                Err(problem) => vec![Err(ProcessorError::FollowUp(problem))],
            };
            let mut error = None;
            for look in looked {
                match look {
                    Ok(report) => reports.push(report),
                    Err(e) => error = Some(e),
                }
            }
            match error {
                None => {}
                // A bare message (the CLI) has no id to report: its error is the answer.
                Some(error) if queued.message_id.is_empty() => return Err(error),
                // The whole message comes back; its looks that were made find themselves done then.
                Some(error) => {
                    warn!(message = %queued.message_id, %error, "follow-up failed: the queue delivers it again");
                    failed.push(queued.message_id);
                }
            }
        }
        Ok((reports, failed))
    }

    /// The looks one message asks for, at once: an e-mail carries the follow-ups of up to three requests,
    /// each its own look (≤ 6 calls in ≤ 4 round trips), so the message takes no longer than one look.
    async fn looks(
        &self,
        messages: &[FollowUp],
        now: i64,
        lease: i64,
    ) -> Vec<Result<FollowUpReport, ProcessorError>> {
        let mut messages = messages.iter();
        let (first, second, third) = (messages.next(), messages.next(), messages.next());
        let (first, second, third) = tokio::join!(
            maybe(first.map(|m| self.look(m, now, lease))),
            maybe(second.map(|m| self.look(m, now, lease))),
            maybe(third.map(|m| self.look(m, now, lease))),
        );
        [first, second, third].into_iter().flatten().collect()
    }

    /// One look at one request.
    async fn look(
        &self,
        m: &FollowUp,
        now: i64,
        lease: i64,
    ) -> Result<FollowUpReport, ProcessorError> {
        if m.stack != self.path {
            return Err(ProcessorError::FollowUp(format!(
                "the follow-up is for stack {}, not this one",
                m.stack
            )));
        }
        let key = m.ledger_key();
        let report = |result: FollowUpResult| FollowUpReport {
            request_id: m.request_id.clone(),
            attempt: m.attempt,
            result,
            status: None,
            case: None,
            next_look_in_seconds: None,
            email: "none",
        };
        let (claim, change) = tokio::join!(
            self.ports
                .ledger
                .claim(&key, lease, LEDGER_TTL_SECONDS, now),
            self.ports.quotas.requested_change(&m.request_id),
        );
        let record = match claim {
            Err(error) => return Err(ProcessorError::aws("claiming the follow-up", error)),
            Ok(Claim::Done(_)) => {
                info!(key, "follow-up already made: nothing done again");
                return Ok(report(FollowUpResult::AlreadyHandled));
            }
            Ok(Claim::InProgress { lease_until, .. }) => {
                return Err(ProcessorError::InProgress { key, lease_until });
            }
            Ok(Claim::Acquired(record)) => record,
        };
        let change = match change {
            Ok(change) => change,
            Err(error) => {
                self.ports.ledger.release(&key).await.ok();
                return Err(ProcessorError::aws("reading the quota request", error));
            }
        };
        let status = change.status.as_str().to_owned();
        let state = request_state(&change.status);
        let display_id = change.case_id.clone();
        // A retry of a look that appended the context: only its e-mail is left.
        if record.steps.contains_key(CONTEXT_ADDED_STEP) {
            return self
                .finish(m, Ending::ContextAdded, display_id, status, now)
                .await;
        }
        let linked = match display_id
            .as_deref()
            .filter(|_| state == RequestState::Open)
        {
            None => None,
            Some(display_id) => match self.ports.support.linked_case(display_id).await {
                Ok(found) => found,
                Err(error) => {
                    self.ports.ledger.release(&key).await.ok();
                    return Err(ProcessorError::aws("reading the linked case", error));
                }
            },
        };
        let look = Look {
            state,
            linked: linked.is_some(),
            aws_replied: linked.as_ref().is_some_and(|c| c.aws_replied),
            elapsed: now - m.requested_at,
        };
        match follow_up::decide(look, m.attempt) {
            Next::LookAgain { delay } => {
                let next = m.next();
                let message = Delayed {
                    body: next.to_json(),
                    delay_seconds: delay,
                };
                if let Err(error) = self
                    .ports
                    .follow_ups
                    .send(std::slice::from_ref(&message))
                    .await
                {
                    self.ports.ledger.release(&key).await.ok();
                    return Err(ProcessorError::aws("scheduling the next look", error));
                }
                let report = FollowUpReport {
                    status: Some(status),
                    case: display_id,
                    next_look_in_seconds: Some(delay),
                    ..report(FollowUpResult::LookAgain)
                };
                info!(key, delay, "nothing to do yet: the next look is scheduled");
                self.close_look(&key, &report, now).await;
                Ok(report)
            }
            Next::AppendContext => {
                // `linked` is set whenever the rule appends.
                let case_id = linked.map(|c| c.summary.case_id).unwrap_or_default();
                if let Err(error) = self
                    .ports
                    .support
                    .add_communication(&case_id, &m.context)
                    .await
                {
                    self.ports.ledger.release(&key).await.ok();
                    return Err(ProcessorError::aws("adding the context to the case", error));
                }
                info!(key, case = ?display_id, "context added to the case Service Quotas opened");
                self.finish(m, Ending::ContextAdded, display_id, status, now)
                    .await
            }
            Next::Finish(ending) => self.finish(m, ending, display_id, status, now).await,
        }
    }

    /// The follow-up e-mail, published while the look is closed.
    async fn finish(
        &self,
        m: &FollowUp,
        ending: Ending,
        case: Option<String>,
        status: String,
        now: i64,
    ) -> Result<FollowUpReport, ProcessorError> {
        let key = m.ledger_key();
        let email = follow_up_email(
            &self.config.stack,
            &FollowUpFacts {
                message: m,
                ending,
                case: case.as_deref(),
                status: &status,
                now,
            },
        );
        let topic = self
            .config
            .formatted_topic_arn
            .as_deref()
            .unwrap_or_default();
        let mut report = FollowUpReport {
            request_id: m.request_id.clone(),
            attempt: m.attempt,
            result: ending.into(),
            status: Some(status),
            case,
            next_look_in_seconds: None,
            email: if m.notify { "published" } else { "filtered" },
        };
        // Published while the look is closed (one round trip); a refused e-mail takes the close back.
        let (published, ()) = tokio::join!(
            maybe(m.notify.then(|| {
                self.ports
                    .notifier
                    .publish(topic, &email.subject, &email.body)
            })),
            self.close_look(&key, &report, now),
        );
        match published {
            Some(Err(error)) => {
                report.email = "failed";
                // The retry finds the look open again: after an append it only publishes; otherwise it looks
                // again and comes to the same ending.
                let step = if ending == Ending::ContextAdded {
                    CONTEXT_ADDED_STEP
                } else {
                    EMAIL_FAILED_STEP
                };
                if let Err(kept) = self
                    .ports
                    .ledger
                    .reopen(&key, step, &json!({"case": report.case}))
                    .await
                {
                    warn!(key, error = %kept, "the look could not be reopened for its retry");
                }
                Err(ProcessorError::aws(
                    "publishing the follow-up e-mail",
                    error,
                ))
            }
            _ => Ok(report),
        }
    }

    async fn close_look(&self, key: &str, report: &FollowUpReport, now: i64) {
        let outcome = serde_json::to_value(report).unwrap_or(Value::Null);
        if let Err(error) = self.ports.ledger.complete(key, &outcome, now).await {
            warn!(key, %error, "the look could not be marked done in the ledger");
        }
    }
}

#[cfg(test)]
#[path = "../tests/follow_up.rs"]
mod tests;
