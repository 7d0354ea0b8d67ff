//! The output contract: what the handling of one transition reports ([`Report`], [`Decision`], [`EmailStatus`])
//! and its JSON, which the CLI's `--json`, the Lambda's response and the ledger's audit record all print.
//!
//! The JSON is derived from the view types below, never built by hand, so its keys, values and key presence
//! live in one place: a decision is `scenario` (with `expedited` or `reason` when they apply), `key`, `class`,
//! `severity`, `actions` (see [`ActionView`]) and `email` (`subject`, `body` unless left out, `status` and its
//! `message_id` or `error`); a report adds `result`. The snapshots of `tests/report.rs` pin every kind.

use bedrock_ops_core::alarms::{AlarmClass, Severity};
use bedrock_ops_core::messages::Email;
use bedrock_ops_core::outcome::{Action, ActionView};
use bedrock_ops_core::scenario::Scenario;
use serde::Serialize;
use serde_json::Value;
use tracing::info;

use super::record::RecordedDecision;
use super::steps::StepResult;

/// What happened to the e-mail. Its JSON is the `status` of the `email` object, with `message_id` or
/// `error` beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EmailStatus {
    /// Not sent yet (what a recorded, unfinished attempt says).
    Pending,
    Published {
        message_id: String,
    },
    /// What the closing record says: it is written while the e-mail is published, before SNS answers with
    /// the message id (and taken back if SNS refuses).
    #[serde(rename = "published")]
    Sent,
    /// The notification preference does not want this severity.
    #[serde(rename = "filtered_by_notification_preference")]
    Filtered,
    /// A simulation publishes nothing.
    #[serde(rename = "not_published_simulation")]
    Simulated,
    /// SNS refused it for good (the error says why).
    Failed {
        error: String,
    },
}

impl EmailStatus {
    /// The one word the log line gives it.
    fn log_name(&self) -> &'static str {
        match self {
            EmailStatus::Pending => "pending",
            EmailStatus::Published { .. } | EmailStatus::Sent => "published",
            EmailStatus::Filtered => "filtered",
            EmailStatus::Simulated => "simulated",
            EmailStatus::Failed { .. } => "failed",
        }
    }
}

/// What a transition was decided to be. Its JSON is the decision's `scenario` (with `expedited` or `reason`
/// when the scenario has them), `recovery` for an OK transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "DecidedView")]
pub enum Decided {
    Alarm(Scenario),
    /// An OK transition: recovery e-mail, nothing filed.
    Recovery,
}

/// [`Decided`] as JSON: the scenario's own JSON, or `{"scenario": "recovery"}`.
#[derive(Serialize)]
#[serde(untagged)]
enum DecidedView {
    Alarm(Scenario),
    Recovery(RecoveryView),
}

#[derive(Serialize)]
#[serde(tag = "scenario", rename_all = "snake_case")]
enum RecoveryView {
    Recovery,
}

impl From<Decided> for DecidedView {
    fn from(decided: Decided) -> Self {
        match decided {
            Decided::Alarm(scenario) => DecidedView::Alarm(scenario),
            Decided::Recovery => DecidedView::Recovery(RecoveryView::Recovery),
        }
    }
}

impl Decided {
    fn name(&self) -> &'static str {
        match self {
            Decided::Alarm(scenario) => scenario.name(),
            Decided::Recovery => "recovery",
        }
    }

    /// Reads back what its JSON wrote: the `scenario` name, with `expedited` or `reason` when the scenario
    /// has them.
    pub(super) fn from_json(
        scenario: &str,
        expedited: Option<bool>,
        reason: Option<String>,
    ) -> Result<Self, String> {
        let missing = |field: &str| format!("scenario `{scenario}` without its field `{field}`");
        Ok(Decided::Alarm(match scenario {
            "recovery" => return Ok(Decided::Recovery),
            "non_quota" => Scenario::NonQuota,
            "new_model" => Scenario::NewModel,
            "high_usage" => Scenario::HighUsage {
                expedited: expedited.ok_or_else(|| missing("expedited"))?,
            },
            "low_usage" => Scenario::LowUsage,
            "usage_unknown" => Scenario::UsageUnknown {
                reason: reason.ok_or_else(|| missing("reason"))?,
            },
            _ => return Err("field `scenario` names no known scenario".into()),
        }))
    }
}

/// The decision for one transition and what was done about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub key: String,
    pub class: AlarmClass,
    pub decided: Decided,
    pub severity: Severity,
    pub actions: Vec<Action>,
    pub email: Email,
    pub email_status: EmailStatus,
    /// `simulate` only: the context the follow-up would append to the case Service Quotas opens for each
    /// request the decision would file (empty otherwise).
    pub follow_up_context: Vec<FollowUpContext>,
}

/// The usage-validated context of one Service Quotas request, as its follow-up appends it to the case Service
/// Quotas opens (`core::messages::case::quota_request_context`, bounded by the case body limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpContext {
    pub quota_code: String,
    pub body: String,
}

/// A decision as JSON, generic over its e-mail's shape: [`EmailView`] in the contract (the body may be left
/// out), [`super::record::RecordedEmail`] in the ledger's record (the body is what a retry sends).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionView<E = EmailView> {
    #[serde(flatten)]
    pub(crate) decided: Decided,
    pub(crate) key: String,
    pub(crate) class: AlarmClass,
    pub(crate) severity: Severity,
    /// As [`ActionView`] renders them: a one-way rendering, read back only to be echoed.
    pub(crate) actions: Vec<Value>,
    pub(crate) email: E,
}

/// The contract's `email` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmailView {
    pub(crate) subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<String>,
    #[serde(flatten)]
    pub(crate) status: EmailStatus,
}

impl<E> DecisionView<E> {
    /// The same decision with another e-mail.
    pub(crate) fn with_email<F>(&self, email: F) -> DecisionView<F> {
        DecisionView {
            decided: self.decided.clone(),
            key: self.key.clone(),
            class: self.class,
            severity: self.severity,
            actions: self.actions.clone(),
            email,
        }
    }
}

impl Decision {
    /// The decision as JSON, with this e-mail.
    pub(crate) fn view_with<E>(&self, email: E) -> DecisionView<E> {
        DecisionView {
            decided: self.decided.clone(),
            key: self.key.clone(),
            class: self.class,
            severity: self.severity,
            actions: self.actions.iter().map(action_json).collect(),
            email,
        }
    }

    /// The decision as JSON, with the e-mail body or without it.
    pub(crate) fn view(&self, with_body: bool) -> DecisionView {
        self.view_with(EmailView {
            subject: self.email.subject.clone(),
            body: with_body.then(|| self.email.body.clone()),
            status: self.email_status.clone(),
        })
    }

    /// The CLI contract: `class`, `scenario` (with `expedited` or `reason` when they apply), `severity`,
    /// `actions` (see [`ActionView`]) and `email` (`subject`, `body` unless left out, and its status).
    pub fn to_json(&self, with_body: bool) -> Value {
        json_of(&self.view(with_body))
    }

    /// The log line of a handled transition: its decision in words, never the e-mail.
    pub(crate) fn log(&self) {
        let actions: Vec<String> = self
            .actions
            .iter()
            .map(|a| match ActionView::from(a) {
                ActionView::None(details) => format!("none:{}", details.reason),
                view => serde_json::to_value(&view)
                    .ok()
                    .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_owned))
                    .unwrap_or_default(),
            })
            .collect();
        info!(
            key = %self.key,
            class = self.class.as_str(),
            scenario = self.decided.name(),
            severity = self.severity.as_str(),
            actions = ?actions,
            email = self.email_status.log_name(),
            "transition handled"
        );
    }
}

/// One action as the contract renders it.
pub(super) fn action_json(action: &Action) -> Value {
    json_of(&ActionView::from(action))
}

/// The result of one transition.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    Handled(Decision),
    /// An earlier attempt filed and recorded everything; this one delivered its e-mail and closed it.
    Resumed {
        key: String,
        /// As the earlier attempt recorded it.
        decision: RecordedDecision,
        /// What this attempt did with the recorded e-mail.
        email_status: EmailStatus,
    },
    /// The ledger says this transition was handled before: nothing is done again.
    AlreadyHandled {
        key: String,
    },
    /// `process --retry-failed`: the failed steps of the recorded attempt were redone, and nothing else.
    Retried {
        key: String,
        /// The recorded decision, its failed actions replaced by what the retry did, with the recorded e-mail.
        decision: RecordedDecision,
        /// What became of the e-mail (as recorded when it was out already).
        email_status: EmailStatus,
        /// Every step after the retry.
        steps: Vec<StepResult>,
    },
    /// `process --retry-failed` on a record whose steps all succeeded (or were not due).
    NothingToRetry {
        key: String,
        steps: Vec<StepResult>,
    },
    /// `process --retry-failed` without a record of a finished attempt to retry; the reason says what to do.
    NoRecord {
        key: String,
        reason: String,
    },
    /// Nothing to act on (e.g. INSUFFICIENT_DATA).
    Ignored {
        key: String,
        reason: String,
    },
}

/// A report as JSON: a decision with its `result`, or a key with its `result` (and `reason`).
#[derive(Serialize)]
#[serde(untagged)]
enum ReportView<'a> {
    Decision {
        #[serde(flatten)]
        decision: DecisionView,
        result: ResultName,
        #[serde(skip_serializing_if = "Option::is_none")]
        steps: Option<&'a [StepResult]>,
        /// `simulate`: what each request's follow-up would append ([`FollowUpContext`]).
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        follow_up_context: &'a [FollowUpContext],
    },
    Key {
        key: &'a str,
        result: ResultName,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        steps: Option<&'a [StepResult]>,
    },
}

/// A report's `result`.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum ResultName {
    Handled,
    Resumed,
    AlreadyHandled,
    Ignored,
    Retried,
    NothingToRetry,
    NoRecord,
}

impl Report {
    fn view(&self, with_body: bool) -> ReportView<'_> {
        match self {
            Report::Handled(decision) => ReportView::Decision {
                decision: decision.view(with_body),
                result: ResultName::Handled,
                steps: None,
                follow_up_context: &decision.follow_up_context,
            },
            Report::Resumed {
                key,
                decision,
                email_status,
            } => ReportView::Decision {
                decision: DecisionView {
                    key: key.clone(),
                    ..decision.delivered(email_status.clone(), with_body)
                },
                result: ResultName::Resumed,
                steps: None,
                follow_up_context: &[],
            },
            Report::Retried {
                key,
                decision,
                email_status,
                steps,
            } => ReportView::Decision {
                decision: DecisionView {
                    key: key.clone(),
                    ..decision.delivered(email_status.clone(), with_body)
                },
                result: ResultName::Retried,
                steps: Some(steps),
                follow_up_context: &[],
            },
            Report::AlreadyHandled { key } => ReportView::Key {
                key,
                result: ResultName::AlreadyHandled,
                reason: None,
                steps: None,
            },
            Report::Ignored { key, reason } => ReportView::Key {
                key,
                result: ResultName::Ignored,
                reason: Some(reason),
                steps: None,
            },
            Report::NothingToRetry { key, steps } => ReportView::Key {
                key,
                result: ResultName::NothingToRetry,
                reason: None,
                steps: Some(steps),
            },
            Report::NoRecord { key, reason } => ReportView::Key {
                key,
                result: ResultName::NoRecord,
                reason: Some(reason),
                steps: None,
            },
        }
    }

    /// The report as JSON, with the e-mail body or without it (the Lambda's response, kept out of logs and
    /// destinations).
    pub fn to_json(&self, with_body: bool) -> Value {
        json_of(&self.view(with_body))
    }
}

/// The Lambda's answer: one summary per transition, without e-mail bodies (they stay out of logs and
/// destinations).
pub fn lambda_response(reports: &[Report]) -> Value {
    #[derive(Serialize)]
    struct Response {
        transitions: Vec<Value>,
    }
    json_of(&Response {
        transitions: reports.iter().map(|r| r.to_json(false)).collect(),
    })
}

/// The JSON of a view. The views have string keys and flatten only maps, the two ways serde_json can refuse
/// a value, so this cannot fail; the snapshots of `tests/report.rs` render every kind.
pub(super) fn json_of(view: &impl Serialize) -> Value {
    serde_json::to_value(view).expect("the contract's views serialise to JSON")
}

#[cfg(test)]
#[path = "tests/report.rs"]
mod tests;
