//! What the ledger keeps of a transition between two attempts: the typed record of the `filed` step.
//!
//! When SNS refuses an e-mail (for now or for good), the transition is reopened with this record, so that the
//! retry sends the same e-mail without filing anything again ([`super::delivery`]); `process --retry-failed`
//! reopens a closed transition with it under [`RETRY_STEP`] ([`super::retry`]). Written, it carries `steps`
//! beside the decision: which steps succeeded and which failed ([`super::steps`]). The record is the
//! decision as the contract renders it, with the e-mail body, and whether the e-mail is wanted:
//! `{"decision": {…, "email": {"subject", "body", "status": "pending"}}, "notify": true}` — the shape the
//! ledger has always held, so items written by earlier builds resume.
//!
//! It is written by its derived `Serialize` and read back by [`FiledRecord::parse`], a reader of that one
//! shape. A derived `Deserialize` would read it in fewer lines, but serde's visitors for this three-level
//! record grew the Lambda's release bootstrap by 12 KB (measured), past its size before the record was typed;
//! with the reader it stays below that. The tests hold the writer and the reader together for every
//! scenario, class, severity and `notify`.

use bedrock_ops_core::alarms::{AlarmClass, Severity};
use serde::Serialize;
use serde_json::Value;

use super::report::{Decided, Decision, DecisionView, EmailStatus, EmailView};
use super::steps::{StepResult, steps};

/// The ledger step that holds what was filed and the e-mail to send.
pub const FILED_STEP: &str = "filed";
/// The ledger step that holds a record whose failed steps are being redone (`process --retry-failed`, see
/// [`super::retry`]): the same shape as [`FILED_STEP`], with the e-mail's status as it was recorded.
pub const RETRY_STEP: &str = "retry";

/// The decision as an earlier attempt recorded it.
pub type RecordedDecision = DecisionView<RecordedEmail>;

/// The recorded e-mail: everything a retry needs to send it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedEmail {
    pub(crate) subject: String,
    pub(crate) body: String,
    /// `pending`: the e-mail was not out when the record was written; `failed`: SNS refused it; `published`
    /// or `filtered_by_notification_preference` in the record of a closed transition. Read back as one of
    /// those (without the message id or the error), so a retry knows whether the e-mail is still due.
    #[serde(flatten)]
    pub(crate) status: EmailStatus,
}

/// The `filed` step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct FiledRecord {
    pub(crate) decision: RecordedDecision,
    /// Whether the notification preference wants the e-mail.
    pub(crate) notify: bool,
    /// The follow-ups the e-mail carries (the value of its `bedrock_ops_follow_up` attribute): a refused
    /// e-mail scheduled none of them, so its retry publishes them with it. Absent in records of earlier
    /// builds and of e-mails that carry none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) follow_ups: Option<String>,
}

impl FiledRecord {
    /// The record of `decision`, whose e-mail is still to be sent (when `notify`) carrying `follow_ups`.
    pub(crate) fn of(decision: &Decision, notify: bool, follow_ups: Option<String>) -> Self {
        FiledRecord {
            decision: decision.view_with(RecordedEmail {
                subject: decision.email.subject.clone(),
                body: decision.email.body.clone(),
                status: decision.email_status.clone(),
            }),
            notify,
            follow_ups,
        }
    }

    /// The record as the ledger keeps it, with its `steps` (which succeeded, which failed) beside it.
    pub(crate) fn to_json(&self) -> Value {
        let mut record = serde_json::to_value(self).expect("the filed record serialises to JSON");
        if let Value::Object(object) = &mut record {
            object.insert(
                "steps".into(),
                serde_json::to_value(self.steps()).unwrap_or_default(),
            );
        }
        record
    }

    /// Which steps of the recorded attempt succeeded and which failed.
    pub(crate) fn steps(&self) -> Vec<StepResult> {
        steps(&self.decision.actions, &self.decision.email.status)
    }

    /// The record of a closed transition, read from its outcome (the decision as the contract renders it,
    /// with the e-mail's body): the e-mail was wanted unless the preference filtered it.
    pub(crate) fn from_outcome(outcome: &Value) -> Result<Self, String> {
        let notify = outcome
            .pointer("/email/status")
            .and_then(Value::as_str)
            .is_none_or(|status| status != "filtered_by_notification_preference");
        Self::parse(&serde_json::json!({"decision": outcome, "notify": notify}))
    }

    /// Reads the step back. A record that does not parse is an error naming the field that is missing or of
    /// the wrong type (never its value: the problem stays short whatever the record holds).
    pub(crate) fn parse(step: &Value) -> Result<Self, String> {
        let record = Fields::of(step, "the record")?;
        let decision = record.object("decision")?;
        let email = decision.object("email")?;
        Ok(FiledRecord {
            decision: DecisionView {
                decided: Decided::from_json(
                    decision.text("scenario")?,
                    decision.optional("expedited", Value::as_bool, "a boolean")?,
                    decision
                        .optional("reason", Value::as_str, "a string")?
                        .map(str::to_owned),
                )?,
                key: decision.text("key")?.to_owned(),
                class: decision.named("class", AlarmClass::as_str, CLASSES)?,
                severity: decision.named("severity", Severity::as_str, SEVERITIES)?,
                actions: decision
                    .field("actions", Value::as_array, "an array")?
                    .clone(),
                email: RecordedEmail {
                    subject: email.text("subject")?.to_owned(),
                    body: email.text("body")?.to_owned(),
                    status: recorded_status(
                        email.optional("status", Value::as_str, "a string")?,
                        email.optional("error", Value::as_str, "a string")?,
                    ),
                },
            },
            notify: record.field("notify", Value::as_bool, "a boolean")?,
            follow_ups: record
                .optional("follow_ups", Value::as_str, "a string")?
                .map(str::to_owned),
        })
    }
}

/// The e-mail status a record holds, read back: whether the e-mail is out, not wanted, refused, or still due.
fn recorded_status(status: Option<&str>, error: Option<&str>) -> EmailStatus {
    match status {
        Some("published") => EmailStatus::Sent,
        Some("filtered_by_notification_preference") => EmailStatus::Filtered,
        Some("failed") => EmailStatus::Failed {
            error: error.unwrap_or_default().to_owned(),
        },
        _ => EmailStatus::Pending,
    }
}

/// Every alarm class and severity, as the record names them (their `as_str`, which is also their JSON).
const CLASSES: [AlarmClass; 4] = [
    AlarmClass::Rpm,
    AlarmClass::Tpm,
    AlarmClass::Both,
    AlarmClass::NonQuota,
];
const SEVERITIES: [Severity; 2] = [Severity::Critical, Severity::Warning];

/// One JSON object of the record, read field by field.
struct Fields<'a> {
    object: &'a serde_json::Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn of(value: &'a Value, what: &str) -> Result<Self, String> {
        match value {
            Value::Object(object) => Ok(Fields { object }),
            _ => Err(format!("{what} is not an object")),
        }
    }

    fn object(&self, name: &str) -> Result<Fields<'a>, String> {
        let value = self
            .object
            .get(name)
            .ok_or_else(|| format!("missing field `{name}`"))?;
        Fields::of(value, &format!("field `{name}`"))
    }

    /// The field `name`, read as `kind` by `read`.
    fn field<T>(
        &self,
        name: &str,
        read: impl Fn(&'a Value) -> Option<T>,
        kind: &str,
    ) -> Result<T, String> {
        self.optional(name, read, kind)?
            .ok_or_else(|| format!("missing field `{name}`"))
    }

    /// The field `name` when it is there, read as `kind` by `read`.
    fn optional<T>(
        &self,
        name: &str,
        read: impl Fn(&'a Value) -> Option<T>,
        kind: &str,
    ) -> Result<Option<T>, String> {
        match self.object.get(name) {
            None => Ok(None),
            Some(value) => read(value)
                .map(Some)
                .ok_or_else(|| format!("field `{name}` is not {kind}")),
        }
    }

    fn text(&self, name: &str) -> Result<&'a str, String> {
        self.field(name, Value::as_str, "a string")
    }

    /// The one of `choices` whose name the field holds.
    fn named<T: Copy>(
        &self,
        name: &str,
        name_of: fn(T) -> &'static str,
        choices: impl IntoIterator<Item = T>,
    ) -> Result<T, String> {
        let text = self.text(name)?;
        choices
            .into_iter()
            .find(|choice| name_of(*choice) == text)
            .ok_or_else(|| format!("field `{name}` names no known {name}"))
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
