//! Every text the system writes for people, as pure functions of typed facts:
//!
//! | Family | Reader | Module |
//! |---|---|---|
//! | alarm e-mail (what fired, the decision, usage, what was filed or why not, next steps) | AI SRE team | [`email`] |
//! | Support case subject and bodies, the append, the context added to a Service Quotas case | AWS Support engineer | [`case`] |
//! | follow-up e-mail (the case Service Quotas opened got our context, or how the request ended) | AI SRE team | [`follow_up`] |
//! | recovery (OK) e-mail | AI SRE team | [`recovery`] |
//! | quota-change e-mail from the alarm updater | AI SRE team | [`quota_change`] |
//!
//! Nothing here reads a clock or the environment: times come in as epoch seconds and are printed
//! by [`format::utc`], so the same facts always give the same text (the snapshot tests rely on it).
//! No message carries an e-mail address, a raw SNS event or a pre-signed URL.

pub mod case;
pub mod email;
pub mod follow_up;
pub mod format;
pub mod quota_change;
pub mod recovery;
mod shared;

use std::fmt;

use crate::alarms::{AlarmName, CUSTOMER_NAME_MAX_LEN, Classification, MODEL_NAME_MAX_LEN};
use crate::outcome::QuotaIncrease;
use crate::scenario::Scenario;
use crate::scenario::UsageThresholds;
use crate::stack::StackIdentity;
use crate::thresholds::{QuotaValue, RpmQuotaCode, Threshold};
use crate::usage::UsageSummary;

pub use case::{CaseText, Communication};

/// An e-mail published to the formatted SNS topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub body: String,
}

/// SNS rejects a subject of 100 characters or more ("less than 100 characters").
pub const SUBJECT_MAX_LEN: usize = 99;

/// Length as SNS may count it: UTF-16 code units, so an emoji counts 2. Never less than the
/// number of characters, so the limit holds however it is counted.
pub fn subject_len(subject: &str) -> usize {
    subject.encode_utf16().count()
}

/// One alarm transition that is part of this notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiredAlarm {
    pub name: AlarmName,
    /// CloudWatch's `NewStateReason`, as received.
    pub reason: String,
    /// `StateChangeTime`, epoch seconds.
    pub at: i64,
}

/// A quota or threshold as far as we know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Known(u64),
    /// The model has no such quota (RPM quota code `NA`).
    NotApplicable,
    /// It could not be read.
    Unknown,
}

impl Limit {
    pub fn known(self) -> Option<u64> {
        match self {
            Limit::Known(v) => Some(v),
            Limit::NotApplicable | Limit::Unknown => None,
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Known(v) => f.write_str(&format::thousands(*v)),
            Limit::NotApplicable => f.write_str("not applicable"),
            Limit::Unknown => f.write_str("unknown"),
        }
    }
}

/// The quota and alarm threshold of one side (RPM or TPM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SideFigures {
    pub quota: Limit,
    pub threshold: Limit,
}

impl SideFigures {
    /// RPM figures from what the processor read: the quota code from the environment (`NA` makes
    /// both sides "not applicable"), the live quota, the stored thresholds.
    pub fn rpm(
        code: &RpmQuotaCode,
        quota: Option<QuotaValue>,
        thresholds: Option<&UsageThresholds>,
    ) -> SideFigures {
        if code.code().is_none() {
            return SideFigures {
                quota: Limit::NotApplicable,
                threshold: Limit::NotApplicable,
            };
        }
        SideFigures {
            quota: quota.map_or(Limit::Unknown, |q| Limit::Known(q.get())),
            threshold: match thresholds.map(|t| t.rpm().threshold()) {
                Some(Some(t)) => Limit::Known(t.get()),
                Some(None) => Limit::NotApplicable,
                None => Limit::Unknown,
            },
        }
    }

    /// TPM figures: every model with a combined token quota has a TPM quota, so only "unknown" can replace
    /// a value (the stored thresholds of a split model have no combined threshold).
    pub fn tpm(quota: Option<QuotaValue>, thresholds: Option<&UsageThresholds>) -> SideFigures {
        SideFigures {
            quota: quota.map_or(Limit::Unknown, |q| Limit::Known(q.get())),
            threshold: thresholds
                .and_then(UsageThresholds::tpm)
                .map_or(Limit::Unknown, |t| Limit::Known(t.get())),
        }
    }

    /// One split token quota's figures (input or output TPM): its quota, and its stored threshold.
    pub fn token(quota: Option<QuotaValue>, threshold: Option<Threshold>) -> SideFigures {
        SideFigures {
            quota: quota.map_or(Limit::Unknown, |q| Limit::Known(q.get())),
            threshold: threshold.map_or(Limit::Unknown, |t| Limit::Known(t.get())),
        }
    }
}

/// The two token sides of a model whose token limit is an input and an output quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitTokenFigures {
    pub input: SideFigures,
    pub output: SideFigures,
}

/// Everything an alarm notification says, apart from what was done (the actions).
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmFacts {
    /// Who and where: the identity of the monitored model, free of account ids and addresses.
    pub stack: StackIdentity,
    /// The alarms of this notification, in the order to show them.
    pub alarms: Vec<FiredAlarm>,
    pub classification: Classification,
    pub scenario: Scenario,
    /// 14-day usage; `None` when it could not be read (the scenario then says why).
    pub usage: Option<UsageSummary>,
    pub rpm: SideFigures,
    /// The combined token quota's figures; not shown for a model with split token quotas.
    pub tpm: SideFigures,
    /// A model with split token quotas: the input and output quotas' figures, shown in place of `tpm`.
    pub split_tpm: Option<SplitTokenFigures>,
    /// The increases the case asks for (or lists for reference, for `low_usage`).
    pub increases: Vec<QuotaIncrease>,
    /// The `use-case-description` setting; left out when empty.
    pub use_case: String,
}

impl AlarmFacts {
    /// The kinds of the alarms of this notification, in order, without repeats (the classification's when
    /// no alarm detail was passed): what the bodies' marks name and what the append rule weighs.
    pub fn fired_kinds(&self) -> Vec<crate::alarms::AlarmKind> {
        shared::fired_kinds(self)
    }
}

/// `<icon> [<LABEL>] <Customer> - Bedrock Ops Alert - <Model> - <topic>`, kept under
/// [`SUBJECT_MAX_LEN`]. Valid names (10 and 15 characters at most) always fit in full; longer ones
/// (only possible with names the template would refuse) are cut to those limits with `…`, then the
/// end is cut if still needed. Line breaks and control characters become spaces (SNS refuses them).
pub fn fit_subject(icon: &str, label: &str, customer: &str, model: &str, topic: &str) -> String {
    let build = |customer: &str, model: &str| {
        clean(&format!(
            "{icon} [{label}] {customer} - Bedrock Ops Alert - {model} - {topic}"
        ))
    };
    let full = build(customer, model);
    if subject_len(&full) <= SUBJECT_MAX_LEN {
        return full;
    }
    let shorter = build(
        &shorten(customer, CUSTOMER_NAME_MAX_LEN),
        &shorten(model, MODEL_NAME_MAX_LEN),
    );
    if subject_len(&shorter) <= SUBJECT_MAX_LEN {
        return shorter;
    }
    let mut cut = String::new();
    for ch in shorter.chars() {
        if subject_len(&cut) + ch.len_utf16() + 1 > SUBJECT_MAX_LEN {
            break;
        }
        cut.push(ch);
    }
    cut.push('…');
    cut
}

fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// At most `max` characters, the last one replaced by `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use bedrock_ops_testkit::fixtures::RPM_CODE;

    use super::*;

    #[test]
    fn longest_valid_names_fit_in_full() {
        let s = fit_subject(
            "🔴",
            "CRITICAL",
            "Abcdefghij",
            "Model-Name-1234",
            "Investigation Request",
        );
        assert_eq!(
            s,
            "🔴 [CRITICAL] Abcdefghij - Bedrock Ops Alert - Model-Name-1234 - Investigation Request"
        );
        assert!(subject_len(&s) <= SUBJECT_MAX_LEN);
    }

    #[test]
    fn overlong_names_are_cut_to_the_template_limits() {
        let s = fit_subject(
            "🔴",
            "CRITICAL",
            "A-customer-name-far-too-long",
            "a-model-name-that-is-much-too-long-for-the-template",
            "Investigation Request",
        );
        assert_eq!(
            s,
            "🔴 [CRITICAL] A-custome… - Bedrock Ops Alert - a-model-name-t… - Investigation Request"
        );
        assert!(subject_len(&s) <= SUBJECT_MAX_LEN);
    }

    #[test]
    fn an_overlong_topic_is_cut_at_the_end() {
        let s = fit_subject("✅", "OK", "Acme", "M", &"x".repeat(200));
        assert_eq!(subject_len(&s), SUBJECT_MAX_LEN);
        assert!(s.ends_with('…'));
        assert!(s.starts_with("✅ [OK] Acme - Bedrock Ops Alert - M - xxx"));
    }

    #[test]
    fn control_characters_never_reach_the_subject() {
        let s = fit_subject("🟡", "WARNING", "Ac\nme", "M\t1", "Quota Request");
        assert_eq!(
            s,
            "🟡 [WARNING] Ac me - Bedrock Ops Alert - M 1 - Quota Request"
        );
    }

    #[test]
    fn rpm_figures_follow_the_quota_code() {
        use crate::thresholds::{Percent, RpmThreshold, Threshold, Thresholds};
        let t = UsageThresholds::Combined(Thresholds {
            rpm: RpmThreshold::of(Some(QuotaValue::new(10_000).unwrap()), Percent::DEFAULT),
            tpm: Threshold::of(QuotaValue::new(6_250_000).unwrap(), Percent::DEFAULT),
        });
        let code = RpmQuotaCode::parse(RPM_CODE).unwrap();
        let rpm = SideFigures::rpm(&code, QuotaValue::new(10_000).ok(), Some(&t));
        assert_eq!(rpm.quota, Limit::Known(10_000));
        assert_eq!(rpm.threshold, Limit::Known(8_000));
        let unread = SideFigures::rpm(&code, None, None);
        assert_eq!(
            (unread.quota, unread.threshold),
            (Limit::Unknown, Limit::Unknown)
        );
        let na = SideFigures::rpm(&RpmQuotaCode::NotApplicable, None, None);
        assert_eq!(
            (na.quota, na.threshold),
            (Limit::NotApplicable, Limit::NotApplicable)
        );
        let tpm = SideFigures::tpm(None, Some(&t));
        assert_eq!(
            (tpm.quota, tpm.threshold),
            (Limit::Unknown, Limit::Known(5_000_000))
        );
    }
}
