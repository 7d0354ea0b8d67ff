//! The recovery (OK) e-mail: short, because nothing was filed; it says what recovered, when, and
//! how long it was in alarm when that is known.

use crate::alarms::AlarmName;

use super::format::{alarm_link, duration, one_line, truncate, utc};
use super::{Email, fit_subject};
use crate::stack::StackIdentity;

/// One alarm back in OK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub alarm: AlarmName,
    /// CloudWatch's `NewStateReason` for the OK transition.
    pub reason: String,
    /// `StateChangeTime` of the OK transition, epoch seconds.
    pub recovered_at: i64,
    /// When the alarm entered ALARM (from `OldStateValue` history or the ledger), if known.
    pub alarm_since: Option<i64>,
}

/// `✅ [OK] <C> - Bedrock Ops Alert - <M> - <Kind> recovered`.
pub fn recovery_email(stack: &StackIdentity, recovery: &Recovery) -> Email {
    let kind = recovery.alarm.kind;
    let lasted = recovery
        .alarm_since
        .filter(|since| *since <= recovery.recovered_at)
        .map(|since| {
            // The filter above makes the difference non-negative.
            let seconds = u64::try_from(recovery.recovered_at - since).unwrap_or_default();
            format!(", after {} in alarm", duration(seconds))
        })
        .unwrap_or_default();
    let mut body = format!(
        "{kind} recovered for {} ({}, {}) at {}{lasted}. Nothing was filed for this recovery.\n\n",
        stack.model_name(),
        stack.customer(),
        stack.region,
        utc(recovery.recovered_at)
    );
    body.push_str(&format!(
        "Alarm: {} ({}, {}) is back to OK.\n",
        recovery.alarm,
        kind.severity(),
        kind.layer()
    ));
    let reason = one_line(&recovery.reason);
    if !reason.is_empty() {
        body.push_str(&format!("CloudWatch reason: {}\n", truncate(&reason, 300)));
    }
    body.push_str(
        "Cases or quota requests opened for this alarm stay open; say on the case if the \
         request is no longer needed.\n",
    );
    body.push_str(&format!(
        "\nCloudWatch alarm: {}\n",
        alarm_link(&stack.region, &recovery.alarm.to_string())
    ));
    Email {
        subject: fit_subject(
            "✅",
            "OK",
            stack.customer(),
            stack.model_name(),
            &format!("{kind} recovered"),
        ),
        body,
    }
}
