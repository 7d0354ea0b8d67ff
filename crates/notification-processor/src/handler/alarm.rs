//! An ALARM transition, start to end: the first round trip (claim with the case lock, settings, usage, live
//! quotas, open cases, all at once), the core's plan, the filings (or, in a dry run, what they would have
//! been), the e-mail, and its delivery with the closing write.

use bedrock_ops_aws::{
    FollowUpQueue, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk, UsageMetrics,
};
use bedrock_ops_core::alarms::Classification;
use bedrock_ops_core::dedup::CaseCategory;
use bedrock_ops_core::messages::{AlarmFacts, SideFigures, SplitTokenFigures, email};
use bedrock_ops_core::plan::{self, Execution, PlanInput};
use bedrock_ops_core::scenario::UsageThresholds;
use bedrock_ops_core::settings::{Mode, keys};
use bedrock_ops_core::thresholds::SERVICE_CODE;

use super::case_lock::case_lock_key;
use super::follow_up::Scheduling;
use super::follow_up::preview;
use super::gate::Admission;
use super::reads::{live_or_stored, read_settings, side_quota, within_lookback};
use super::report::{Decided, Decision, EmailStatus, Report};
use super::steps::Redo;
use super::{Clock, Processor, RunMode, maybe};
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
    pub(super) async fn alarm(
        &self,
        t: &Transition,
        classification: &Classification,
        clock: Clock,
        run: RunMode,
    ) -> Result<Report, ProcessorError> {
        let now = clock.now;
        let class = classification.class;
        let live = self.live_quotas(class);
        let wanted = self.alarm_parameters(class, &live);
        let lock_key = case_lock_key(
            &self
                .config
                .stack
                .name
                .case_subject(CaseCategory::for_class(class)),
        );
        let (admission, parameters, usage, rpm, tpm, input_tpm, output_tpm, open_cases) = tokio::join!(
            self.claim_with_case_lock(&t.key, &lock_key, clock, run),
            self.read_parameters(&wanted),
            self.read_usage(now),
            maybe(
                live.rpm
                    .map(|c| self.ports.quotas.get(SERVICE_CODE, c.as_str()))
            ),
            maybe(
                live.tpm
                    .map(|c| self.ports.quotas.get(SERVICE_CODE, c.as_str()))
            ),
            maybe(
                live.input_tpm
                    .map(|c| self.ports.quotas.get(SERVICE_CODE, c.as_str()))
            ),
            maybe(
                live.output_tpm
                    .map(|c| self.ports.quotas.get(SERVICE_CODE, c.as_str()))
            ),
            self.read_open_cases(now),
        );
        let (mut held, prior) = match admission? {
            Admission::Stop(report) => return Ok(report),
            Admission::Resume(filed) => return self.resume(t, filed, now, run).await,
            Admission::Retry(filed) => {
                let redo = Redo::of(&filed.steps());
                if !redo.filings() {
                    return self.retried(t, filed, &redo, &[], None, now).await;
                }
                (None, Some((filed, redo)))
            }
            Admission::Fresh { lock } => (lock, None),
        };
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
        let split_tokens = self.config.stack.token_quotas.split().is_some();
        let thresholds = parameters
            .as_ref()
            .map_err(ToString::to_string)
            .and_then(|values| plan::stored_thresholds(values, split_tokens));
        let usage = usage.map_err(|e| e.to_string());
        let rpm = side_quota(self.config.stack.rpm_quota_code.code(), rpm);
        let tokens = &self.config.stack.token_quotas;
        let tpm = side_quota(tokens.combined(), tpm);
        let split = tokens.split();
        let input_tpm = side_quota(split.map(|(input, _)| input), input_tpm);
        let output_tpm = side_quota(split.map(|(_, output)| output), output_tpm);
        let plan = plan::plan(&PlanInput {
            classification,
            settings: settings.as_ref().map_err(String::as_str),
            usage: usage.as_ref().map_err(String::as_str),
            thresholds: thresholds.as_ref().map_err(String::as_str),
            rpm: &rpm,
            tpm: &tpm,
            input_tpm: &input_tpm,
            output_tpm: &output_tpm,
        });

        let open_cases = within_lookback(open_cases, &settings, now);
        let facts = AlarmFacts {
            stack: self.config.stack.clone(),
            alarms: t.alarms.clone(),
            classification: plan.classification.clone(),
            scenario: plan.decision.scenario.clone(),
            usage: usage.ok(),
            rpm: SideFigures::rpm(
                &self.config.stack.rpm_quota_code,
                live_or_stored(&rpm, &parameters, keys::RPM_QUOTA),
                thresholds.as_ref().ok(),
            ),
            tpm: SideFigures::tpm(
                live_or_stored(&tpm, &parameters, keys::TPM_QUOTA),
                thresholds.as_ref().ok(),
            ),
            split_tpm: split.map(|_| {
                let stored = thresholds.as_ref().ok().and_then(UsageThresholds::split);
                SplitTokenFigures {
                    input: SideFigures::token(
                        live_or_stored(&input_tpm, &parameters, keys::INPUT_TPM_QUOTA),
                        stored.map(|(input, _)| input),
                    ),
                    output: SideFigures::token(
                        live_or_stored(&output_tpm, &parameters, keys::OUTPUT_TPM_QUOTA),
                        stored.map(|(_, output)| output),
                    ),
                }
            }),
            increases: plan.increases.clone(),
            use_case: settings
                .as_ref()
                .map(|s| s.use_case_description.clone())
                .unwrap_or_default(),
        };

        let redo = prior.as_ref().map(|(_, redo)| redo);
        // The first e-mail carries the follow-ups when it goes out; a retry's e-mail is the recorded one.
        let scheduling = if plan.notify && redo.is_none() {
            Scheduling::OnTheEmail
        } else {
            Scheduling::OnTheQueue
        };
        let mut follow_ups = None;
        let actions = match &plan.execution {
            Execution::Live => {
                // Boxed: the filings (up to three requests, each with its open-request append, beside the
                // thread appends) are the deepest future of a transition; inline they overflowed a test
                // thread's 2 MiB stack in debug builds.
                let mut actions =
                    Box::pin(self.execute(&plan, &facts, &open_cases, &mut held, now, redo)).await;
                follow_ups = self
                    .follow_up_requests(&t.key, &facts, &mut actions, plan.notify, scheduling, now)
                    .await;
                actions
            }
            // A retry under settings that now hold filings back redoes nothing: the failed steps stay failed.
            Execution::DryRun | Execution::Held(_) if redo.is_some() => Vec::new(),
            Execution::DryRun | Execution::Held(_) => self.unsent(&plan, &open_cases),
        };
        if let Some((filed, redo)) = prior {
            return self.retried(t, filed, &redo, &actions, held, now).await;
        }
        let email = email::alarm_email(&facts, &actions);
        let follow_up_context = match run {
            RunMode::Simulate => preview::follow_up_context(&facts, &actions),
            RunMode::Live => Vec::new(),
        };
        let decision = Decision {
            key: t.key.clone(),
            class: plan.classification.class,
            decided: Decided::Alarm(plan.decision.scenario.clone()),
            severity: plan.classification.severity,
            actions,
            email,
            email_status: EmailStatus::Pending,
            follow_up_context,
        };
        self.deliver(t, decision, plan.notify, follow_ups, held, now, run)
            .await
    }
}

#[cfg(test)]
#[path = "tests/alarm.rs"]
mod tests;
