//! The output contract: what the handling of one transition reports ([`Report`], [`Decision`], [`EmailStatus`])
//! and its JSON, which the CLI's `--json`, the Lambda's response and the ledger's audit record all print.

use bedrock_ops_core::alarms::{AlarmClass, Severity};
use bedrock_ops_core::messages::Email;
use bedrock_ops_core::outcome::{Action, ActionView};
use bedrock_ops_core::scenario::Scenario;
use serde_json::{Value, json};
use tracing::info;

/// What happened to the e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailStatus {
    /// Not sent yet (what a recorded, unfinished attempt says).
    Pending,
    Published {
        message_id: String,
    },
    /// What the closing record says: it is written while the e-mail is published, before SNS answers with
    /// the message id (and taken back if SNS refuses).
    Sent,
    /// The notification preference does not want this severity.
    Filtered,
    /// A simulation publishes nothing.
    Simulated,
    /// SNS refused it for good (the error says why).
    Failed {
        error: String,
    },
}

impl EmailStatus {
    pub(super) fn to_json(&self) -> Value {
        match self {
            EmailStatus::Pending => json!({"status": "pending"}),
            EmailStatus::Published { message_id } => {
                json!({"status": "published", "message_id": message_id})
            }
            EmailStatus::Sent => json!({"status": "published"}),
            EmailStatus::Filtered => json!({"status": "filtered_by_notification_preference"}),
            EmailStatus::Simulated => json!({"status": "not_published_simulation"}),
            EmailStatus::Failed { error } => json!({"status": "failed", "error": error}),
        }
    }
}

/// What a transition was decided to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    Alarm(Scenario),
    /// An OK transition: recovery e-mail, nothing filed.
    Recovery,
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
}

impl Decision {
    /// The CLI contract: `class`, `scenario` (with `expedited` or `reason` when they apply), `severity`,
    /// `actions` (see [`ActionView`]) and `email` (`subject`, `body` unless left out, and its status).
    pub fn to_json(&self, with_body: bool) -> Value {
        let mut out = match &self.decided {
            // `{"scenario": …}` plus `expedited` or `reason` when the scenario has them.
            Decided::Alarm(scenario) => json!(scenario),
            Decided::Recovery => json!({"scenario": "recovery"}),
        };
        out["key"] = json!(self.key);
        out["class"] = json!(self.class);
        out["severity"] = json!(self.severity);
        out["actions"] = json!(
            self.actions
                .iter()
                .map(ActionView::from)
                .collect::<Vec<_>>()
        );
        let mut email = json!({"subject": self.email.subject});
        if with_body {
            email["body"] = json!(self.email.body);
        }
        if let (Value::Object(email), Value::Object(status)) =
            (&mut email, self.email_status.to_json())
        {
            email.extend(status);
        }
        out["email"] = email;
        out
    }
}

/// The result of one transition.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    Handled(Decision),
    /// An earlier attempt filed and recorded everything; this one delivered its e-mail and closed it.
    Resumed {
        key: String,
        decision: Value,
        email_status: EmailStatus,
    },
    /// The ledger says this transition was handled before: nothing is done again.
    AlreadyHandled {
        key: String,
    },
    /// Nothing to act on (e.g. INSUFFICIENT_DATA).
    Ignored {
        key: String,
        reason: String,
    },
}

impl Report {
    pub fn to_json(&self, with_body: bool) -> Value {
        match self {
            Report::Handled(decision) => {
                let mut out = decision.to_json(with_body);
                out["result"] = json!("handled");
                out
            }
            Report::Resumed {
                key,
                decision,
                email_status,
            } => {
                let mut out = decision.clone();
                if !with_body
                    && let Some(email) = out.get_mut("email").and_then(Value::as_object_mut)
                {
                    email.remove("body");
                }
                if let (Some(email), Value::Object(status)) = (
                    out.get_mut("email").and_then(Value::as_object_mut),
                    email_status.to_json(),
                ) {
                    email.extend(status);
                }
                out["key"] = json!(key);
                out["result"] = json!("resumed");
                out
            }
            Report::AlreadyHandled { key } => json!({"key": key, "result": "already_handled"}),
            Report::Ignored { key, reason } => {
                json!({"key": key, "result": "ignored", "reason": reason})
            }
        }
    }
}

pub(super) fn log_decision(decision: &Decision) {
    let actions: Vec<String> = decision
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
    let scenario = match &decision.decided {
        Decided::Alarm(scenario) => scenario.name(),
        Decided::Recovery => "recovery",
    };
    let email = match &decision.email_status {
        EmailStatus::Pending => "pending",
        EmailStatus::Published { .. } | EmailStatus::Sent => "published",
        EmailStatus::Filtered => "filtered",
        EmailStatus::Simulated => "simulated",
        EmailStatus::Failed { .. } => "failed",
    };
    info!(
        key = %decision.key,
        class = decision.class.as_str(),
        scenario,
        severity = decision.severity.as_str(),
        actions = ?actions,
        email,
        "transition handled"
    );
}

#[cfg(test)]
#[path = "tests/report.rs"]
mod tests;
