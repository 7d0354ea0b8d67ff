//! The quota-change e-mail sent by the alarm updater when a quota moved and the L2 alarm
//! thresholds followed it: old and new quota and threshold per side, and when.

use crate::alarm_spec::quota_alarm_kind;
use crate::scenario::QuotaSide;

use super::format::{quotas_link, utc};
use super::{Email, Limit, fit_subject};
use crate::stack::StackIdentity;

/// One side's quota and threshold before and after the update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SideChange {
    pub old_quota: Limit,
    pub new_quota: Limit,
    pub old_threshold: Limit,
    pub new_threshold: Limit,
}

impl SideChange {
    fn quota_changed(&self) -> bool {
        self.old_quota != self.new_quota
    }

    fn threshold_changed(&self) -> bool {
        self.old_threshold != self.new_threshold
    }

    /// `raised`/`lowered` between two known values, `changed` otherwise.
    fn direction(&self) -> &'static str {
        match (self.old_quota.known(), self.new_quota.known()) {
            (Some(old), Some(new)) if new > old => "raised",
            (Some(old), Some(new)) if new < old => "lowered",
            _ => "changed",
        }
    }
}

/// What the alarm updater changed, and when (epoch seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaChange {
    pub at: i64,
    pub rpm: SideChange,
    /// The combined TPM quota; not applicable on both ends for a split model.
    pub tpm: SideChange,
    /// A split model's input and output token quotas; `None` for a combined model.
    pub split: Option<SplitChange>,
}

/// A split model's two token quotas before and after the update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitChange {
    pub input: SideChange,
    pub output: SideChange,
}

impl QuotaChange {
    /// Every side the stack has: RPM, then the combined TPM quota or the input and output ones.
    pub fn sides(&self) -> Vec<(QuotaSide, &SideChange)> {
        match &self.split {
            None => vec![(QuotaSide::Rpm, &self.rpm), (QuotaSide::Tpm, &self.tpm)],
            Some(split) => vec![
                (QuotaSide::Rpm, &self.rpm),
                (QuotaSide::InputTpm, &split.input),
                (QuotaSide::OutputTpm, &split.output),
            ],
        }
    }
}

/// `input TPM quota raised` → `Input TPM quota raised` (a subject starts with a capital).
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// `RPM and TPM`, `RPM, input TPM and output TPM`.
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [head @ .., last] => format!("{} and {last}", head.join(", ")),
    }
}

/// e.g. `TPM quota raised from 6,250,000 to 8,000,000`.
fn quota_phrase(side: QuotaSide, change: &SideChange) -> String {
    format!(
        "{} quota {} from {} to {}",
        side.as_str(),
        change.direction(),
        change.old_quota,
        change.new_quota
    )
}

fn side_line(side: QuotaSide, change: &SideChange) -> String {
    let name = side.as_str();
    if change.old_quota == Limit::NotApplicable && change.new_quota == Limit::NotApplicable {
        return format!("- {name}: not applicable, this model has no {name} quota.\n");
    }
    let quota = if change.quota_changed() {
        format!(
            "quota {} → {} ({})",
            change.old_quota,
            change.new_quota,
            change.direction()
        )
    } else {
        format!("quota {} (unchanged)", change.new_quota)
    };
    let threshold = if change.threshold_changed() {
        format!(
            "{} alarm threshold {} → {}",
            quota_alarm_kind(side).as_str(),
            change.old_threshold,
            change.new_threshold
        )
    } else {
        format!(
            "{} alarm threshold {} (unchanged)",
            quota_alarm_kind(side).as_str(),
            change.new_threshold
        )
    };
    format!("- {name}: {quota}; {threshold}.\n")
}

/// The e-mail for one run of the alarm updater that changed something.
pub fn quota_change_email(stack: &StackIdentity, change: &QuotaChange) -> Email {
    let changed: Vec<(QuotaSide, &SideChange)> = change
        .sides()
        .into_iter()
        .filter(|(_, c)| c.quota_changed())
        .collect();
    let thresholds_changed = change.sides().iter().any(|(_, c)| c.threshold_changed());
    let topic = match changed.as_slice() {
        [] if thresholds_changed => "Alarm thresholds updated".to_owned(),
        [] => "Quotas checked, nothing changed".to_owned(),
        [(side, c)] => capitalized(&format!("{} quota {}", side.as_str(), c.direction())),
        many => capitalized(&format!(
            "{} quotas changed",
            and_list(
                &many
                    .iter()
                    .map(|(side, _)| side.as_str())
                    .collect::<Vec<_>>()
            )
        )),
    };
    let what = if changed.is_empty() {
        topic.to_lowercase()
    } else {
        changed
            .iter()
            .map(|(side, c)| quota_phrase(*side, c))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let follow = if thresholds_changed && !changed.is_empty() {
        "; alarm thresholds updated to match"
    } else {
        ""
    };
    let mut body = format!(
        "{} ({}, {}) at {}: {what}{follow}.\n\n",
        stack.model_name(),
        stack.customer(),
        stack.region,
        utc(change.at)
    );
    for (side, c) in change.sides() {
        body.push_str(&side_line(side, c));
    }
    body.push_str(if thresholds_changed {
        "\nOnly the alarm thresholds were changed; no case or quota request was filed.\n"
    } else {
        "\nNo alarm was changed and nothing was filed.\n"
    });
    body.push_str(&format!(
        "Service Quotas, Amazon Bedrock in {}: {}\n",
        stack.region,
        quotas_link(&stack.region)
    ));
    Email {
        subject: fit_subject("🔧", "INFO", stack.customer(), stack.model_name(), &topic),
        body,
    }
}
