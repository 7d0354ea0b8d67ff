//! Phase one of a quota request's two-phase flow, right after `RequestServiceQuotaIncrease`:
//! - a request whose answer already names its Support case gets the usage-validated context in this
//!   invocation (the case's internal id by DescribeCases, then AddCommunicationToCase), and no follow-up;
//! - every other request gets a follow-up message, its context rendered now from the figures the decision
//!   was made on. When the alarm's e-mail is due, the follow-ups ride on it as one SNS message attribute
//!   (`bedrock_ops_follow_up`): the follow-up queue's subscription to the e-mail topic (filtered on that
//!   attribute, raw delivery, the queue's default delay of one back-off step) takes them, so the one Publish
//!   both sends the e-mail and schedules them, or, refused, schedules nothing and is retried with them. When
//!   no e-mail goes out (the notification preference filters it, or a retry that does not publish), they
//!   go on the queue directly (one SendMessageBatch).
//!
//! The e-mail then says, truthfully, what happened to each request's context: added, to follow, or not
//! scheduled.

use bedrock_ops_aws::queue::Delayed;
use bedrock_ops_aws::{
    AwsError, FollowUpQueue, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk,
    UsageMetrics,
};
use bedrock_ops_core::alarms::Severity;
use bedrock_ops_core::follow_up::{self as rules, FOLLOW_UP_KIND, FOLLOW_UP_VERSION, FollowUp};
use bedrock_ops_core::messages::{AlarmFacts, case};
use bedrock_ops_core::outcome::{Action, CaseRef};
use tracing::{info, warn};

use super::super::filing::facts_with;
use super::super::{Processor, maybe};

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

/// The case a request's answer named, when the context can go to it now.
fn named_case(action: &Action) -> Option<&CaseRef> {
    match action {
        Action::QuotaRequested {
            case: Some(case), ..
        } if !case.display_id.is_empty() => Some(case),
        _ => None,
    }
}

/// How the follow-ups of an alarm's requests are scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheduling {
    /// The e-mail is due and carries them: what [`Processor::follow_up_requests`] returns is its attribute.
    OnTheEmail,
    /// No e-mail goes out with them: one SendMessageBatch now.
    OnTheQueue,
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
    /// Phase one for every request filed in `actions` (see the module's documentation), marking each action
    /// with what happened to its context. Returns the value of the `bedrock_ops_follow_up` attribute the e-mail must carry
    /// ([`Scheduling::OnTheEmail`] with follow-ups to schedule). Without a queue configured, no follow-up is
    /// scheduled, and the e-mail says the context cannot follow.
    pub(in super::super) async fn follow_up_requests(
        &self,
        transition: &str,
        facts: &AlarmFacts,
        actions: &mut [Action],
        notify: bool,
        scheduling: Scheduling,
        now: i64,
    ) -> Option<String> {
        self.add_context_now(transition, facts, actions, notify, now)
            .await;
        self.config.follow_up_queue_url.as_ref()?;
        let stack = self.path.as_str();
        let follow_ups: Vec<FollowUp> = actions
            .iter()
            .filter(|a| {
                !matches!(
                    a,
                    Action::QuotaRequested {
                        context_added: true,
                        ..
                    }
                )
            })
            .filter_map(|a| follow_up_of(stack, transition, facts, a, notify, now))
            .collect();
        if follow_ups.is_empty() {
            return None;
        }
        let carried = match scheduling {
            Scheduling::OnTheEmail => Some(rules::carried(&follow_ups)),
            Scheduling::OnTheQueue => {
                let messages: Vec<Delayed> = follow_ups
                    .iter()
                    .map(|f| Delayed {
                        body: f.to_json(),
                        delay_seconds: f.delay_seconds(),
                    })
                    .collect();
                if let Err(error) = self.ports.follow_ups.send(&messages).await {
                    warn!(%error, "the follow-ups could not be scheduled");
                    return None;
                }
                info!(count = messages.len(), "follow-ups scheduled on the queue");
                None
            }
        };
        let scheduled: Vec<&str> = follow_ups.iter().map(|f| f.request_id.as_str()).collect();
        for action in actions.iter_mut() {
            if let Action::QuotaRequested {
                request_id,
                follow_up,
                ..
            } = action
                && scheduled.contains(&request_id.as_str())
            {
                *follow_up = true;
            }
        }
        carried
    }

    /// The requests whose answer named their case get the context now, all at once. One that cannot (the
    /// case not found yet, or Support refused) keeps its follow-up, which adds the context later.
    async fn add_context_now(
        &self,
        transition: &str,
        facts: &AlarmFacts,
        actions: &mut [Action],
        notify: bool,
        now: i64,
    ) {
        let stack = self.path.as_str();
        let mut due = actions.iter().enumerate().filter_map(|(index, action)| {
            let case = named_case(action)?;
            let follow_up = follow_up_of(stack, transition, facts, action, notify, now)?;
            Some((index, case.clone(), follow_up.context))
        });
        let (first, second, third) = (due.next(), due.next(), due.next());
        let add = |(index, case, context): (usize, CaseRef, String)| async move {
            (index, self.add_context(case, &context).await)
        };
        let (first, second, third) = tokio::join!(
            maybe(first.map(add)),
            maybe(second.map(add)),
            maybe(third.map(add)),
        );
        for (index, added) in [first, second, third].into_iter().flatten() {
            match added {
                Ok(found) => {
                    if let Some(Action::QuotaRequested {
                        case,
                        context_added,
                        ..
                    }) = actions.get_mut(index)
                    {
                        info!(case = %found.display_id, "context added to the case Service Quotas named at once");
                        *case = Some(found);
                        *context_added = true;
                    }
                }
                Err(error) => {
                    warn!(%error, "the context could not be added at once: its follow-up adds it");
                }
            }
        }
    }

    /// Adds `context` to the case Service Quotas named (by display id): its internal id first.
    async fn add_context(&self, case: CaseRef, context: &str) -> Result<CaseRef, AwsError> {
        let case = if case.case_id.is_empty() {
            match self
                .ports
                .support
                .case_by_display_id(&case.display_id)
                .await?
            {
                Some(summary) => CaseRef {
                    case_id: summary.case_id,
                    display_id: case.display_id,
                },
                None => {
                    return Err(AwsError::NotFound {
                        service: "support",
                        operation: "DescribeCases",
                        message: format!("case {} is not found yet", case.display_id),
                    });
                }
            }
        } else {
            case
        };
        self.ports
            .support
            .add_communication(&case.case_id, context)
            .await?;
        Ok(case)
    }
}
