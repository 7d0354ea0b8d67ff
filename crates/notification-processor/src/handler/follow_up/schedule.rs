//! Phase one of a quota request's two-phase flow: right after `RequestServiceQuotaIncrease`, one follow-up
//! message per request is put on the queue (one SendMessageBatch call), carrying the usage-validated context
//! rendered now, from the figures the decision was made on. The e-mail then says whether it was scheduled.

use bedrock_ops_aws::queue::Delayed;
use bedrock_ops_aws::{
    FollowUpQueue, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk, UsageMetrics,
};
use bedrock_ops_core::alarms::Severity;
use bedrock_ops_core::follow_up::{FOLLOW_UP_KIND, FOLLOW_UP_VERSION, FollowUp};
use bedrock_ops_core::messages::{AlarmFacts, case};
use bedrock_ops_core::outcome::Action;
use tracing::{info, warn};

use super::super::Processor;
use super::super::filing::facts_with;

/// The follow-up of one request, its context rendered from `facts`.
pub(crate) fn follow_up_of(
    stack: &str,
    transition: &str,
    facts: &AlarmFacts,
    action: &Action,
    notify: bool,
    now: i64,
) -> Option<FollowUp> {
    let Action::QuotaRequested {
        increase,
        request_id,
        ..
    } = action
    else {
        return None;
    };
    let context = case::quota_request_context(
        &facts_with(facts, vec![increase.clone()]),
        request_id,
        increase,
    );
    Some(FollowUp {
        kind: FOLLOW_UP_KIND.to_owned(),
        version: FOLLOW_UP_VERSION,
        stack: stack.to_owned(),
        transition: transition.to_owned(),
        request_id: request_id.clone(),
        quota_code: increase.quota_code.as_str().to_owned(),
        quota_name: increase.quota_name.clone(),
        current: increase.current,
        desired: increase.desired,
        alarms: facts.alarms.iter().map(|a| a.name.to_string()).collect(),
        critical: facts.classification.severity == Severity::Critical,
        notify,
        context: context.body,
        attempt: 0,
        requested_at: now,
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
    /// Schedules the follow-up of every request filed in `actions`, and marks those actions scheduled. Without
    /// a queue configured, or when SQS refuses, none is, and the e-mail says the context could not follow.
    pub(in super::super) async fn schedule_follow_ups(
        &self,
        transition: &str,
        facts: &AlarmFacts,
        actions: &mut [Action],
        notify: bool,
        now: i64,
    ) {
        if self.config.follow_up_queue_url.is_none() {
            return;
        }
        let stack = self.path.as_str();
        let follow_ups: Vec<FollowUp> = actions
            .iter()
            .filter_map(|a| follow_up_of(stack, transition, facts, a, notify, now))
            .collect();
        if follow_ups.is_empty() {
            return;
        }
        let messages: Vec<Delayed> = follow_ups
            .iter()
            .map(|f| Delayed {
                body: f.to_json(),
                delay_seconds: f.delay_seconds(),
            })
            .collect();
        match self.ports.follow_ups.send(&messages).await {
            Ok(()) => {
                info!(count = messages.len(), "follow-ups scheduled");
                for action in actions.iter_mut() {
                    if let Action::QuotaRequested { follow_up, .. } = action {
                        *follow_up = true;
                    }
                }
            }
            Err(error) => warn!(%error, "the follow-ups could not be scheduled"),
        }
    }
}
