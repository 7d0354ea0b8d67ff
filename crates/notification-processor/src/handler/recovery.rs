//! An OK transition that ends an ALARM: the claim and the settings in one round trip, then the recovery
//! e-mail (as the notification preference allows) with the closing write. Nothing is filed.

use bedrock_ops_aws::{
    FollowUpQueue, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk, UsageMetrics,
};
use bedrock_ops_core::alarms::Classification;
use bedrock_ops_core::messages::recovery::{Recovery, recovery_email};
use bedrock_ops_core::plan;
use bedrock_ops_core::settings::keys;

use super::gate::Admission;
use super::reads::read_settings;
use super::report::{Decided, Decision, EmailStatus, Report};
use super::steps::Redo;
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
    pub(super) async fn recovery(
        &self,
        t: &Transition,
        classification: &Classification,
        clock: Clock,
        run: RunMode,
    ) -> Result<Report, ProcessorError> {
        let now = clock.now;
        let (admission, parameters) = tokio::join!(
            self.claim(&t.key, clock, run),
            self.read_parameters(&keys::SETTINGS),
        );
        match admission? {
            Admission::Stop(report) => return Ok(report),
            Admission::Resume(filed) => return self.resume(t, filed, now, run).await,
            // A recovery files nothing: only its e-mail can be left to retry.
            Admission::Retry(filed) => {
                let redo = Redo::of(&filed.steps());
                return self.retried(t, filed, &redo, &[], None, now).await;
            }
            // The claim of a recovery takes no case lock: a recovery files nothing.
            Admission::Fresh { lock: _ } => {}
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
                &self.config.stack,
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
            follow_up_context: Vec::new(),
        };
        self.deliver(t, decision, plan.notify, None, None, now, run)
            .await
    }
}

#[cfg(test)]
#[path = "tests/recovery.rs"]
mod tests;
