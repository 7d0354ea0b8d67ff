//! What `simulate` shows of phase two: for each Service Quotas request a dry run would file, the
//! usage-validated context its follow-up would append to the case Service Quotas opens. Rendered by the same
//! core function, from the same figures, as the context phase one puts on the queue (`schedule`); only the
//! request id, which exists once the request is filed, is a placeholder.

use bedrock_ops_core::messages::{AlarmFacts, case};
use bedrock_ops_core::outcome::{Action, Filing};

use super::super::filing::facts_with;
use super::super::report::FollowUpContext;

/// Stands for the request id in a simulated context: Service Quotas assigns it when the request is filed.
pub(crate) const UNFILED_REQUEST_ID: &str = "<request id>";

/// The context of every quota request among `actions` that a dry run would have filed, in their order.
pub(crate) fn follow_up_context(facts: &AlarmFacts, actions: &[Action]) -> Vec<FollowUpContext> {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::WouldFile {
                filing: Filing::QuotaIncrease(increase),
            } => Some(FollowUpContext {
                quota_code: increase.quota_code.as_str().to_owned(),
                body: case::quota_request_context(
                    &facts_with(facts, vec![increase.clone()]),
                    UNFILED_REQUEST_ID,
                    increase,
                )
                .body,
            }),
            _ => None,
        })
        .collect()
}
