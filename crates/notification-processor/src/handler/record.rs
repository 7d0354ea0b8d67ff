//! What the ledger keeps of a transition between two attempts: the typed record of the `filed` step.
//!
//! When SNS refuses an e-mail for now (throttling), the transition is reopened with this record, so that the
//! retry sends the same e-mail without filing anything again ([`super::delivery`]). The record is the
//! decision as the contract renders it, with the e-mail body, and whether the e-mail is wanted:
//! `{"decision": {…, "email": {"subject", "body", "status": "pending"}}, "notify": true}` — the shape the
//! ledger has always held, so items written by earlier builds resume.

use bedrock_ops_core::messages::format::truncate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::report::{Decision, DecisionView, EmailStatus, EmailView};

/// The ledger step that holds what was filed and the e-mail to send.
pub const FILED_STEP: &str = "filed";

/// How much of a parser's complaint about an unreadable record is echoed in the error.
const PROBLEM_MAX_BYTES: usize = 300;

/// The decision as an earlier attempt recorded it.
pub type RecordedDecision = DecisionView<RecordedEmail>;

/// The recorded e-mail: everything a retry needs to send it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedEmail {
    pub(crate) subject: String,
    pub(crate) body: String,
    /// `pending`: the e-mail was not out when the record was written.
    #[serde(flatten)]
    pub(crate) status: EmailStatus,
}

/// The `filed` step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FiledRecord {
    pub(crate) decision: RecordedDecision,
    /// Whether the notification preference wants the e-mail.
    pub(crate) notify: bool,
}

impl FiledRecord {
    /// The record of `decision`, whose e-mail is still to be sent (when `notify`).
    pub(crate) fn of(decision: &Decision, notify: bool) -> Self {
        FiledRecord {
            decision: decision.view_with(RecordedEmail {
                subject: decision.email.subject.clone(),
                body: decision.email.body.clone(),
                status: decision.email_status.clone(),
            }),
            notify,
        }
    }

    /// Reads the step back. A record that does not parse is an error naming what is wrong (bounded).
    pub(crate) fn parse(step: &Value) -> Result<Self, String> {
        FiledRecord::deserialize(step)
            .map_err(|error| truncate(&error.to_string(), PROBLEM_MAX_BYTES))
    }

    pub(crate) fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("the filed record serialises to JSON")
    }
}

impl RecordedDecision {
    /// The recorded decision with what became of its e-mail, as the contract renders it.
    pub(crate) fn delivered(&self, status: EmailStatus, with_body: bool) -> DecisionView {
        self.with_email(EmailView {
            subject: self.email.subject.clone(),
            body: with_body.then(|| self.email.body.clone()),
            status,
        })
    }
}

#[cfg(test)]
#[path = "tests/record.rs"]
mod tests;
