//! The open cases as this stack's threads: each case's trail (what it already carries, read from the marks of
//! our bodies in the communications listed with it, `core::case_trail`), the quota threads a plan's increases
//! are routed to (`core::quota_thread`), and an append that first asks the append rule (`core::append_rule`:
//! repeats of anomaly and latency alarms suppressed, the cooldown for the others). No call is made here but
//! the append itself.

use bedrock_ops_aws::support::CaseSummary;
use bedrock_ops_aws::{
    FollowUpQueue, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk, UsageMetrics,
};
use bedrock_ops_core::append_rule;
use bedrock_ops_core::case_trail::{Posted, Trail};
use bedrock_ops_core::dedup::{CaseCategory, subject_matches};
use bedrock_ops_core::messages::{AlarmFacts, case};
use bedrock_ops_core::outcome::{Action, CaseRef, Target};
use bedrock_ops_core::quota_thread::OpenCase;
use bedrock_ops_core::settings::AppendCooldown;
use bedrock_ops_core::stack::StackName;
use tracing::{info, warn};

use super::Processor;
use super::filing::{OpenCases, case_ref, not_filed_reason};

/// What an open case carries from this stack.
pub(super) fn trail(stack: &StackName, summary: &CaseSummary) -> Trail {
    Trail::read(
        stack,
        summary.recent.iter().map(|c| Posted {
            body: &c.body,
            at: c.created_at,
        }),
    )
}

/// The open cases that can be quota threads of this stack: its own Quota Request case, and any other open
/// case a mark of this stack is on (the case Service Quotas opened, once the follow-up added our context).
/// Newest first, as listed.
pub(super) struct Threads {
    cases: Vec<(CaseRef, bool, Trail)>,
}

impl Threads {
    pub(super) fn of(open_cases: &OpenCases, stack: &StackName) -> Threads {
        let subject = stack.case_subject(CaseCategory::QuotaRequest);
        let mut listed: Vec<&CaseSummary> = open_cases
            .as_ref()
            .map_or_else(|_| Vec::new(), |cases| cases.iter().collect());
        // Newest first, whatever order the list came in.
        listed.sort_by_key(|summary| std::cmp::Reverse(summary.created_at));
        let cases = listed
            .into_iter()
            .filter_map(|summary| {
                let own = subject_matches(&subject, &summary.subject);
                let trail = trail(stack, summary);
                (own || trail.is_marked()).then(|| (case_ref(summary), own, trail))
            })
            .collect();
        Threads { cases }
    }

    pub(super) fn open(&self) -> Vec<OpenCase<'_>> {
        self.cases
            .iter()
            .map(|(case, own_subject, trail)| OpenCase {
                case,
                own_subject: *own_subject,
                trail,
            })
            .collect()
    }

    pub(super) fn trail(&self, index: usize) -> Option<&Trail> {
        self.cases.get(index).map(|(_, _, trail)| trail)
    }
}

/// What the append rule weighs an alarm against: the cooldown setting and the invocation's time.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rule {
    pub(super) cooldown: AppendCooldown,
    pub(super) now: i64,
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
    /// Appends `facts` to an open case of `category` unless the append rule says the case already has it
    /// (`trail`: what it carries; `None`: not known, so the alarm is appended).
    pub(super) async fn append_ruled(
        &self,
        category: CaseCategory,
        case: CaseRef,
        trail: Option<&Trail>,
        facts: &AlarmFacts,
        rule: Rule,
        whose: &'static str,
    ) -> Action {
        let verdict = trail.map_or(append_rule::Verdict::Append, |trail| {
            append_rule::verdict(&facts.fired_kinds(), trail, rule.cooldown, rule.now)
        });
        if let Some(reason) = verdict.reason(&case, rule.cooldown) {
            info!(case = %case.display_id, whose, reason = reason.code(), "not appended again");
            return Action::NotFiled {
                target: Target::Case {
                    category,
                    append_to: Some(case),
                },
                reason,
            };
        }
        let body = case::append(facts).body;
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
                Action::NotFiled {
                    target: Target::Case {
                        category,
                        append_to: Some(case),
                    },
                    reason: not_filed_reason(&error),
                }
            }
        }
    }
}
