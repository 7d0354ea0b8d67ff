//! Retrying the failed steps of a recorded transition (`bedrock-ops-alert process --retry-failed`): the record
//! is read, and when a step failed (a quota request, the case or its append, the e-mail) the transition is
//! reopened with the record under [`RETRY_STEP`] and handled again; the claim then admits a retry
//! ([`super::gate::Admission::Retry`]), which redoes those steps and nothing else ([`Redo`]): no second
//! request, case, append or e-mail for a step that succeeded.
//!
//! When filings are redone, the reads and the plan run again (usage and quotas as they are now), and only the
//! failed filings are made; the e-mail is sent only when it was not out, and it is the recorded one (the
//! command's output and the record say what the retry filed).

use bedrock_ops_aws::ledger::LedgerStatus;
use bedrock_ops_aws::{
    FollowUpQueue, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk, UsageMetrics,
};
use bedrock_ops_core::outcome::Action;
use serde_json::Value;
use tracing::info;

use super::case_lock::HeldLock;
use super::record::{FILED_STEP, FiledRecord, RETRY_STEP};
use super::report::{EmailStatus, Report, json_of};
use super::steps::{Redo, merge, with_steps};
use super::{Clock, Processor, RunMode};
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
    /// Redoes the failed steps of every transition of `input` that the ledger holds a finished (or stopped)
    /// attempt of. A transition without such a record, or whose steps all succeeded, is reported and left
    /// alone.
    pub async fn retry_failed(
        &self,
        input: &Value,
        now: i64,
    ) -> Result<Vec<Report>, ProcessorError> {
        self.config.require_delivery()?;
        let transitions = self.transitions(input, now)?;
        let mut reports = Vec::with_capacity(transitions.len());
        for t in &transitions {
            let report = match self.recorded(t, now).await? {
                Err(reason) => Report::NoRecord {
                    key: t.key.clone(),
                    reason,
                },
                Ok(filed) => {
                    let steps = filed.steps();
                    if Redo::of(&steps).is_empty() {
                        info!(key = %t.key, "every step of the transition succeeded: nothing to retry");
                        Report::NothingToRetry {
                            key: t.key.clone(),
                            steps,
                        }
                    } else {
                        self.ports
                            .ledger
                            .reopen(&t.key, RETRY_STEP, &filed.to_json())
                            .await
                            .map_err(|e| ProcessorError::aws("reopening the transition", e))?;
                        let clock = Clock {
                            now,
                            lease: super::DEFAULT_LEASE_SECONDS,
                        };
                        Box::pin(self.handle_transition(t, clock, RunMode::Live)).await?
                    }
                }
            };
            reports.push(report);
        }
        Ok(reports)
    }

    /// The record of the transition's last attempt, or why there is none to retry.
    async fn recorded(
        &self,
        t: &Transition,
        now: i64,
    ) -> Result<Result<FiledRecord, String>, ProcessorError> {
        let unreadable = |step: &'static str| {
            move |problem| ProcessorError::UnreadableRecord {
                key: t.key.clone(),
                step,
                problem,
            }
        };
        let record = self
            .ports
            .ledger
            .get(&t.key)
            .await
            .map_err(|e| ProcessorError::aws("reading the ledger record", e))?;
        let Some(record) = record else {
            return Ok(Err(
                "the ledger holds no record of this transition: nothing was attempted; \
                           run `process --event FILE` without --retry-failed"
                    .into(),
            ));
        };
        match record.status {
            LedgerStatus::Done => match &record.outcome {
                Some(outcome) => FiledRecord::from_outcome(outcome)
                    .map(Ok)
                    .map_err(unreadable("outcome")),
                None => Ok(Err("the record is done without an outcome".into())),
            },
            LedgerStatus::InProgress if record.lease_until > now => {
                Err(ProcessorError::InProgress {
                    key: t.key.clone(),
                    lease_until: record.lease_until,
                })
            }
            LedgerStatus::InProgress => {
                for step in [RETRY_STEP, FILED_STEP] {
                    if let Some(detail) = record.steps.get(step) {
                        return FiledRecord::parse(detail).map(Ok).map_err(unreadable(step));
                    }
                }
                Ok(Err(
                    "an earlier attempt stopped before it filed anything: run \
                        `process --event FILE` without --retry-failed"
                        .into(),
                ))
            }
        }
    }

    /// Ends a retry: the recorded actions with the failed ones replaced by `redone`, the recorded e-mail
    /// sent when it was not out, and the transition closed (ending the case lock a new case took). When the
    /// e-mail fails again the transition is reopened with the merged record, and the error returned.
    pub(super) async fn retried(
        &self,
        t: &Transition,
        filed: FiledRecord,
        redo: &Redo,
        redone: &[Action],
        held: Option<HeldLock>,
        now: i64,
    ) -> Result<Report, ProcessorError> {
        let FiledRecord {
            decision,
            notify,
            follow_ups,
        } = filed;
        let redone = redone.iter().map(super::report::action_json).collect();
        let mut decision = super::record::RecordedDecision {
            actions: merge(&decision.actions, redone),
            ..decision
        };
        let mut refused = None;
        if redo.email && notify {
            let email = &decision.email;
            decision.email.status = match self
                .publish_email(&email.subject, &email.body, follow_ups.as_deref())
                .await
            {
                Ok(message_id) => EmailStatus::Published { message_id },
                Err(error) => {
                    let status = EmailStatus::Failed {
                        error: error.to_string(),
                    };
                    refused = Some(error);
                    status
                }
            };
        }
        let email_status = decision.email.status.clone();
        let outcome = with_steps(
            json_of(&decision.delivered(email_status.clone(), true)),
            &email_status,
        );
        self.close(&t.key, &outcome, held.as_ref(), now).await;
        if let Some(error) = refused {
            // The close ended the case lock; the transition is reopened with the merged record, so the next
            // retry redoes only the e-mail.
            let record = FiledRecord {
                decision,
                notify,
                follow_ups,
            };
            self.record_unsent(&t.key, RETRY_STEP, &record).await;
            return Err(ProcessorError::aws("publishing the recorded e-mail", error));
        }
        let record = FiledRecord {
            decision,
            notify,
            follow_ups: None,
        };
        let steps = record.steps();
        info!(key = %t.key, "retried: the failed steps were redone");
        Ok(Report::Retried {
            key: t.key.clone(),
            decision: record.decision,
            email_status,
            steps,
        })
    }
}

#[cfg(test)]
#[path = "tests/retry.rs"]
mod tests;
