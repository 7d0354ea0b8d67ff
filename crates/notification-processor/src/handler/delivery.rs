//! Delivery: the e-mail is published while the transition is closed in the ledger with its outcome (one round
//! trip, not two), and the case lock ended in the same write. A transition is done only when its e-mail is out
//! or not due: when SNS refuses the e-mail, for now or for good, the transition is reopened with the typed
//! record of what was filed ([`FiledRecord`]) and the error goes to Lambda, whose retries only send that
//! e-mail ([`Processor::resume`]); after the third attempt the event is in the on-failure destination, and its
//! replay sends it.
//!
//! Only a crash of the process between the two answers, or a reopen that fails after a refused e-mail, can
//! leave a closed transition without its e-mail (docs/reliability.md).

use bedrock_ops_aws::notify::Attribute;
use bedrock_ops_aws::{
    AwsError, FollowUpQueue, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk,
    UsageMetrics,
};
use bedrock_ops_core::follow_up::FOLLOW_UP_ATTRIBUTE;
use serde_json::Value;
use tracing::{error, info};

use super::case_lock::HeldLock;
use super::record::{FILED_STEP, FiledRecord};
use super::report::{Decision, EmailStatus, Report};
use super::steps::with_steps;
use super::{Processor, RunMode, maybe};
use crate::error::ProcessorError;
use crate::event::Transition;

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
    /// The formatted topic the e-mails go to (checked to be set before a live run starts).
    pub(super) fn topic(&self) -> &str {
        self.config
            .formatted_topic_arn
            .as_deref()
            .unwrap_or_default()
    }

    /// Publishes an e-mail of this stack, carrying the follow-ups of its requests (`follow_ups`, the value
    /// of [`FOLLOW_UP_ATTRIBUTE`]) when it has any: the follow-up queue's subscription takes exactly those.
    pub(super) async fn publish_email(
        &self,
        subject: &str,
        body: &str,
        follow_ups: Option<&str>,
    ) -> Result<String, AwsError> {
        let attribute = follow_ups.map(|value| Attribute {
            name: FOLLOW_UP_ATTRIBUTE,
            value,
        });
        self.ports
            .notifier
            .publish_with(self.topic(), subject, body, attribute.as_slice())
            .await
    }

    /// Publishes the e-mail, with the follow-ups it carries, while the transition is closed in the ledger
    /// (one round trip, not two). The closing record says the e-mail is out; when SNS refuses it (and with
    /// it the follow-ups), the record is taken back so that a retry only publishes (a retryable refusal) or
    /// says it failed (a final one).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn deliver(
        &self,
        t: &Transition,
        mut decision: Decision,
        notify: bool,
        follow_ups: Option<String>,
        held: Option<HeldLock>,
        now: i64,
        run: RunMode,
    ) -> Result<Report, ProcessorError> {
        if run == RunMode::Simulate {
            decision.email_status = EmailStatus::Simulated;
            decision.log();
            return Ok(Report::Handled(decision));
        }
        let mut closing = decision.clone();
        closing.email_status = if notify {
            EmailStatus::Sent
        } else {
            EmailStatus::Filtered
        };
        let closing = with_steps(closing.to_json(true), &closing.email_status);
        let (_, published) = tokio::join!(
            self.close(&t.key, &closing, held.as_ref(), now),
            maybe(notify.then(|| {
                self.publish_email(
                    &decision.email.subject,
                    &decision.email.body,
                    follow_ups.as_deref(),
                )
            })),
        );
        decision.email_status = match published {
            None => EmailStatus::Filtered,
            Some(Ok(message_id)) => EmailStatus::Published { message_id },
            Some(Err(error)) => {
                // Whatever SNS said, the transition is not done: it is reopened with what was filed and the
                // e-mail recorded, and the error goes to Lambda, whose retries only publish; after the last
                // one the event is in the on-failure destination, and a replay publishes.
                decision.email_status = EmailStatus::Failed {
                    error: error.to_string(),
                };
                let record = FiledRecord::of(&decision, notify, follow_ups);
                self.record_unsent(&t.key, FILED_STEP, &record).await;
                return Err(ProcessorError::aws("publishing the e-mail", error));
            }
        };
        decision.log();
        Ok(Report::Handled(decision))
    }

    /// Takes back the closing write of a transition whose e-mail is not out, recording under `step` what
    /// was filed and the e-mail to send. A failure here is the one way left to lose the e-mail: it is logged
    /// at ERROR level (docs/reliability.md).
    pub(super) async fn record_unsent(&self, key: &str, step: &str, record: &FiledRecord) {
        if let Err(reopen) = self.ports.ledger.reopen(key, step, &record.to_json()).await {
            error!(key, error = %reopen, "the e-mail failed and the closed transition could not be reopened: a retry finds it done");
        }
    }

    /// Marks the transition done with its outcome, ending the case lock it holds in the same write. A failure
    /// here is logged, not returned: the filings are made and the e-mail is on its way, so a retry would only
    /// repeat them.
    pub(super) async fn close(
        &self,
        key: &str,
        outcome: &Value,
        held: Option<&HeldLock>,
        now: i64,
    ) {
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
    pub(super) async fn resume(
        &self,
        t: &Transition,
        filed: FiledRecord,
        now: i64,
        run: RunMode,
    ) -> Result<Report, ProcessorError> {
        let FiledRecord {
            decision,
            notify,
            follow_ups,
        } = filed;
        let email_status = if notify {
            let email = &decision.email;
            match self
                .publish_email(&email.subject, &email.body, follow_ups.as_deref())
                .await
            {
                Ok(message_id) => EmailStatus::Published { message_id },
                Err(error) => {
                    // Refused again, for now or for good: the record stays, the claim is given back, and the
                    // error goes to Lambda (a retry, or at last the on-failure destination).
                    self.release(&t.key, run).await;
                    return Err(ProcessorError::aws("publishing the recorded e-mail", error));
                }
            }
        } else {
            EmailStatus::Filtered
        };
        let outcome = with_steps(
            super::report::json_of(&decision.delivered(email_status.clone(), true)),
            &email_status,
        );
        self.close(&t.key, &outcome, None, now).await;
        info!(key = %t.key, "resumed: the recorded e-mail was delivered");
        Ok(Report::Resumed {
            key: t.key.clone(),
            decision,
            email_status,
        })
    }
}

#[cfg(test)]
#[path = "tests/delivery.rs"]
mod tests;
