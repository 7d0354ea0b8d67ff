//! The filings a plan calls for: the Service Quotas increase requests of every side at once (an already open
//! request gets the alarm appended to its case; a refused one falls back to the Support case), then the
//! Support case — appended to the open case with the exact subject, or created under the case lock. Every
//! filing is reported as an [`Action`], and so is every one deliberately not made, with its reason (W-10).

use bedrock_ops_aws::support::{CaseDraft, CaseSummary};
use bedrock_ops_aws::{
    AwsError, FollowUpQueue, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk,
    UsageMetrics,
};
use bedrock_ops_core::dedup::{CaseCategory, subject_matches};
use bedrock_ops_core::messages::{AlarmFacts, case};
use bedrock_ops_core::outcome::{Action, CaseRef, Filing, NotFiledReason, QuotaIncrease, Target};
use bedrock_ops_core::plan::{CaseStep, Execution, Plan};
use bedrock_ops_core::quota_thread;
use bedrock_ops_core::thresholds::SERVICE_CODE;
use tracing::{info, warn};

use super::case_lock::{CaseLock, HeldLock, case_lock_key};
use super::steps::Redo;
use super::threads::{Rule, Threads, trail};
use super::{Processor, maybe};

/// The open cases read in the first round trip (or why they could not be).
pub(super) type OpenCases = Result<Vec<CaseSummary>, AwsError>;

/// How an AWS failure reads in the e-mail and the audit record.
pub(super) fn not_filed_reason(error: &AwsError) -> NotFiledReason {
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

pub(super) fn case_ref(summary: &CaseSummary) -> CaseRef {
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

/// The open case with this display id, from the list already read.
fn known_case(open_cases: &OpenCases, display_id: &str) -> Option<CaseRef> {
    open_cases
        .as_ref()
        .ok()?
        .iter()
        .find(|c| c.display_id.as_deref() == Some(display_id))
        .map(case_ref)
}

pub(super) fn facts_with(facts: &AlarmFacts, increases: Vec<QuotaIncrease>) -> AlarmFacts {
    AlarmFacts {
        increases,
        ..facts.clone()
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
    /// What a dry run (or a plan held back by the settings) reports instead of filing: the filings it would
    /// have made, naming the open case it would have appended to.
    pub(super) fn unsent(&self, plan: &Plan, open_cases: &OpenCases) -> Vec<Action> {
        let stack = &self.config.stack.name;
        let threads = Threads::of(open_cases, stack);
        let open = plan.case(&[]).and_then(|step| {
            let subject = stack.case_subject(step.category);
            let own = open_cases
                .as_ref()
                .ok()
                .and_then(|cases| duplicate(cases, &subject))
                .map(case_ref);
            own.or_else(|| {
                (step.category == CaseCategory::QuotaRequest)
                    .then(|| quota_thread::reference_thread(&step.increases, &threads.open()))
                    .flatten()
                    .and_then(|index| threads.open().get(index).map(|t| t.case.clone()))
            })
        });
        let mut actions = plan.unsent_actions(open.as_ref());
        if plan.execution == Execution::DryRun {
            // What a live run would route to an open thread instead of requesting it.
            let wanted: Vec<QuotaIncrease> = plan.requests().cloned().collect();
            for append in quota_thread::route(&wanted, &threads.open()).appends {
                actions.retain(|action| {
                    !matches!(action, Action::WouldFile { filing: Filing::QuotaIncrease(i) } if append.increases.contains(i))
                });
                actions.push(Action::WouldFile {
                    filing: Filing::Append {
                        category: CaseCategory::QuotaRequest,
                        case: append.case,
                    },
                });
            }
        }
        actions
    }

    /// Files what the plan says, and reports every filing (or why not). A retry (`redo`) files only the
    /// steps that failed before, and reports only those.
    pub(super) async fn execute(
        &self,
        plan: &Plan,
        facts: &AlarmFacts,
        open_cases: &OpenCases,
        held: &mut Option<HeldLock>,
        now: i64,
        redo: Option<&Redo>,
    ) -> Vec<Action> {
        // An open case that already asks for a quota of this stack takes the alarm as an append, and that
        // quota is not requested again (`core::quota_thread`); a retry redoes the thread appends only when an
        // append failed before.
        let wanted: Vec<QuotaIncrease> = plan.requests().cloned().collect();
        let threads = Threads::of(open_cases, &self.config.stack.name);
        let mut routes = if redo.is_some_and(|redo| !redo.case) {
            // A retry of failed requests only: no append is redone.
            quota_thread::Routes {
                appends: Vec::new(),
                requests: wanted,
            }
        } else {
            quota_thread::route(&wanted, &threads.open())
        };
        if let Some(redo) = redo {
            routes
                .requests
                .retain(|i| redo.request(i.quota_code.as_str()));
        }
        let rule = Rule {
            cooldown: plan.append_cooldown,
            now,
        };
        let thread_appends = async {
            let mut actions = Vec::new();
            for append in &routes.appends {
                let facts = facts_with(facts, append.increases.clone());
                actions.push(
                    self.append_ruled(
                        CaseCategory::QuotaRequest,
                        append.case.clone(),
                        threads.trail(append.index),
                        &facts,
                        rule,
                        "open case that already asks for the quota",
                    )
                    .await,
                );
            }
            actions
        };
        // At most three quotas: RPM and the combined TPM quota, or RPM and a split model's input and output
        // quotas; all requested at once (a retry: only those that failed before).
        let mut requests = routes.requests.iter();
        let (first, second, third) = (requests.next(), requests.next(), requests.next());
        let ((first, second, third), appended) = tokio::join!(
            async {
                tokio::join!(
                    maybe(first.map(|i| Box::pin(self.request(i, facts, open_cases)))),
                    maybe(second.map(|i| Box::pin(self.request(i, facts, open_cases)))),
                    maybe(third.map(|i| Box::pin(self.request(i, facts, open_cases)))),
                )
            },
            thread_appends,
        );
        let mut actions = appended;
        let mut refused = Vec::new();
        for (action, increase) in [first, second, third].into_iter().flatten() {
            actions.push(action);
            refused.extend(increase);
        }
        // A retry opens the case when it failed before, or as the fallback of a request refused now.
        let case_due = redo.is_none_or(|redo| redo.case_due(!refused.is_empty()));
        if let Some(step) = plan.case(&refused).filter(|_| case_due) {
            actions.push(
                self.file_case(plan, &step, facts, open_cases, held, now)
                    .await,
            );
        }
        if redo.is_none() {
            actions.extend(plan.decided_actions());
        }
        actions
    }

    /// One Service Quotas request; the increase is returned too when Service Quotas refused it, for the
    /// Support-case fallback.
    async fn request(
        &self,
        increase: &QuotaIncrease,
        facts: &AlarmFacts,
        open_cases: &OpenCases,
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
                    // Set once the follow-up is on the queue (`follow_up::schedule`).
                    follow_up: false,
                    context_added: false,
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
        open_cases: &OpenCases,
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
        open_cases: &OpenCases,
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
        let subject = self.config.stack.name.case_subject(category);
        let rule = Rule {
            cooldown: plan.append_cooldown,
            now,
        };
        let stack = &self.config.stack.name;
        if let Some(open) = duplicate(cases, &subject) {
            let trail = trail(stack, open);
            return self
                .append_ruled(
                    category,
                    case_ref(open),
                    Some(&trail),
                    &facts,
                    rule,
                    "open case of the same category",
                )
                .await;
        }
        // No case of the stack's own subject: a quota alarm's increases go to the case of an open request for
        // one of its quotas (Service Quotas' case, marked by our follow-up) rather than to a new case.
        if category == CaseCategory::QuotaRequest {
            let threads = Threads::of(open_cases, stack);
            if let Some(index) = quota_thread::reference_thread(&step.increases, &threads.open())
                && let Some(thread) = threads.open().get(index)
            {
                return self
                    .append_ruled(
                        category,
                        thread.case.clone(),
                        Some(thread.trail),
                        &facts,
                        rule,
                        "case of an open request for the quota",
                    )
                    .await;
            }
        }
        let lock_key = case_lock_key(&subject);
        if held.as_ref().is_none_or(|lock| lock.key != lock_key) {
            match self.case_lock(&subject, now).await {
                Ok(CaseLock::Held(claimed_at)) => {
                    // Taken here only when the first claim could not take it with the transition.
                    *held = Some(HeldLock::taken(lock_key, claimed_at));
                }
                Ok(CaseLock::OpenedByOther(case)) => {
                    // Opened moments ago by another alarm: no trail of it was listed, so it takes the alarm.
                    return self
                        .append_ruled(
                            category,
                            case,
                            None,
                            &facts,
                            rule,
                            "case another alarm of the category just opened",
                        )
                        .await;
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
                let case = CaseRef {
                    case_id: created.case_id,
                    display_id,
                };
                // Recorded on the lock by the closing write, which keeps the lock until its lease ends: by then
                // the case is in every later list of open cases, and until then this record is how a
                // concurrent alarm of the category finds it.
                if let Some(lock) = held.as_mut() {
                    lock.opened(&case);
                }
                Action::CaseCreated { category, case }
            }
            Err(error) => {
                // Nothing was opened: the closing write releases the lock.
                warn!(%error, "Support case not created");
                not_filed(None, &error)
            }
        }
    }
}

#[cfg(test)]
#[path = "tests/filing.rs"]
mod tests;
