//! Which steps of a transition succeeded and which failed: a quota request (per quota code), the Support case
//! of the category (created, or appended to an open one) and the e-mail. The ledger's record carries them
//! (`steps` in the outcome), so that a retry redoes exactly the failed ones ([`Redo`]) and never a step that
//! succeeded.
//!
//! They are read from the actions as the contract renders them (the recorded decision holds only that
//! rendering): a `none` action with a failure reason ([`FAILURE_REASONS`]) is a failed step; a `none` action
//! with any other reason is a decision (automation off, dry run, already reported, …), not a step.

use serde::Serialize;
use serde_json::Value;

use super::report::EmailStatus;

/// The reason codes of a `none` action that mean a call failed (the step can be redone), as opposed to a
/// decision not to file. `settings_unreadable` is one: once the setting is fixed, a retry files.
pub const FAILURE_REASONS: [&str; 6] = [
    "settings_unreadable",
    "throttled",
    "access_denied",
    "error",
    "support_plan_missing",
    "case_creation_limit_exceeded",
];

/// What became of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Succeeded,
    Failed,
    /// The e-mail only: the notification preference does not want it.
    NotDue,
}

/// One step of a transition, as the record lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepResult {
    /// `quota_request`, `case`, `append` or `email`.
    pub step: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub status: StepStatus,
    /// The failure's reason code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl StepResult {
    pub fn failed(&self) -> bool {
        self.status == StepStatus::Failed
    }
}

fn text(action: &Value, field: &str) -> Option<String> {
    action.get(field).and_then(Value::as_str).map(str::to_owned)
}

/// The filing step an action reports, if it reports one.
fn filing_step(action: &Value) -> Option<StepResult> {
    let quota_code = text(action, "quota_code");
    let category = text(action, "category");
    let step = |step, status, reason| StepResult {
        step,
        quota_code: quota_code.clone(),
        category: category.clone(),
        status,
        reason,
    };
    match action.get("type").and_then(Value::as_str)? {
        "quota_request" => Some(step("quota_request", StepStatus::Succeeded, None)),
        // An append to the case of an open quota request is that quota's request step.
        "append" if quota_code.is_some() => {
            Some(step("quota_request", StepStatus::Succeeded, None))
        }
        "append" => Some(step("append", StepStatus::Succeeded, None)),
        "support_case" => Some(step("case", StepStatus::Succeeded, None)),
        "none" => {
            let reason = text(action, "reason")?;
            if !FAILURE_REASONS.contains(&reason.as_str()) {
                return None;
            }
            let name = if quota_code.is_some() {
                "quota_request"
            } else if action.get("case_id").is_some() {
                "append"
            } else {
                "case"
            };
            Some(step(name, StepStatus::Failed, Some(reason)))
        }
        _ => None,
    }
}

/// Every step of a transition: its filings, from the rendered `actions`, then its e-mail.
pub fn steps(actions: &[Value], email: &EmailStatus) -> Vec<StepResult> {
    let (status, reason) = match email {
        EmailStatus::Published { .. } | EmailStatus::Sent => (StepStatus::Succeeded, None),
        EmailStatus::Filtered | EmailStatus::Simulated => (StepStatus::NotDue, None),
        EmailStatus::Pending => (StepStatus::Failed, Some("not_sent".to_owned())),
        EmailStatus::Failed { .. } => (StepStatus::Failed, Some("refused".to_owned())),
    };
    actions
        .iter()
        .filter_map(filing_step)
        .chain(std::iter::once(StepResult {
            step: "email",
            quota_code: None,
            category: None,
            status,
            reason,
        }))
        .collect()
}

/// What a retry redoes: the failed steps of a record, and nothing else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redo {
    /// The quota codes whose request failed.
    pub quota_codes: Vec<String>,
    /// The category's case (or append) failed.
    pub case: bool,
    /// The category's case was created or appended to: never again, not even as a fallback.
    pub case_filed: bool,
    /// The e-mail is not out.
    pub email: bool,
}

impl Redo {
    pub fn of(steps: &[StepResult]) -> Self {
        let mut redo = Redo::default();
        for step in steps {
            match (step.step, step.status) {
                ("quota_request", StepStatus::Failed) => {
                    redo.quota_codes.extend(step.quota_code.clone());
                }
                ("email", StepStatus::Failed) => redo.email = true,
                ("case" | "append", StepStatus::Failed) => redo.case = true,
                ("case" | "append", StepStatus::Succeeded) => redo.case_filed = true,
                _ => {}
            }
        }
        redo
    }

    /// Whether a filing failed (not only the e-mail).
    pub fn filings(&self) -> bool {
        self.case || !self.quota_codes.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        !self.filings() && !self.email
    }

    /// Whether the request for `quota_code` is redone.
    pub fn request(&self, quota_code: &str) -> bool {
        self.quota_codes.iter().any(|c| c == quota_code)
    }

    /// Whether the case is filed by this retry: it failed before, or a request refused now falls back to it
    /// while no case was filed before.
    pub fn case_due(&self, refused_now: bool) -> bool {
        self.case || (refused_now && !self.case_filed)
    }
}

/// Which filing step an action reports: its quota's request, or the category's case (created or appended to).
fn step_key(action: &Value) -> Option<String> {
    let step = filing_step(action)?;
    Some(match step.step {
        "quota_request" => format!("quota_request:{}", step.quota_code.unwrap_or_default()),
        _ => "case".to_owned(),
    })
}

/// The recorded actions with every failed one that `redone` (a retry's actions, rendered) covers replaced by
/// the retry's: a failed step the retry did not redo stays failed in the record.
pub fn merge(recorded: &[Value], redone: Vec<Value>) -> Vec<Value> {
    let covered: Vec<String> = redone.iter().filter_map(step_key).collect();
    recorded
        .iter()
        .filter(|action| {
            !(filing_step(action).is_some_and(|step| step.failed())
                && step_key(action).is_some_and(|key| covered.contains(&key)))
        })
        .cloned()
        .chain(redone)
        .collect()
}

/// The outcome JSON with its `steps` beside the decision (an additive field of the ledger's record).
pub fn with_steps(mut outcome: Value, email: &EmailStatus) -> Value {
    let actions = outcome
        .get("actions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Value::Object(object) = &mut outcome {
        object.insert(
            "steps".into(),
            serde_json::to_value(steps(&actions, email)).unwrap_or_default(),
        );
    }
    outcome
}

#[cfg(test)]
#[path = "tests/steps.rs"]
mod tests;
