//! Duplicate detection of Support cases: the case category, the exact subject used as the key, the
//! lookback window and the urgency prefix put in front of an appended communication.
//!
//! Matching rule: a case is ours when its subject, with surrounding whitespace trimmed, is *exactly*
//! the expected subject, case-sensitive. No substring test (W-17: `acme` must not match `bigacme`),
//! and no case folding, because `Acme` and `ACME` are separate stacks with separate cases.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::alarms::{AlarmClass, AlarmKind, Severity};

/// The two kinds of case, one open case of each per customer and model at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseCategory {
    QuotaRequest,
    InvestigationRequest,
}

impl CaseCategory {
    pub fn for_class(class: AlarmClass) -> CaseCategory {
        if class.is_quota() {
            CaseCategory::QuotaRequest
        } else {
            CaseCategory::InvestigationRequest
        }
    }

    /// The wording in subjects.
    pub fn label(self) -> &'static str {
        match self {
            CaseCategory::QuotaRequest => "Quota Request",
            CaseCategory::InvestigationRequest => "Investigation Request",
        }
    }
}

impl fmt::Display for CaseCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// `C - Bedrock Ops Alert - M - <Category>`: the Support case subject and the duplicate key.
pub fn case_subject(customer: &str, model: &str, category: CaseCategory) -> String {
    format!(
        "{customer} - Bedrock Ops Alert - {model} - {}",
        category.label()
    )
}

/// Whether an existing case's subject is the expected one (exact after trimming; see module docs).
pub fn subject_matches(expected: &str, actual: &str) -> bool {
    expected.trim() == actual.trim()
}

/// How far back open cases are searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lookback {
    Days45,
    #[default]
    Days60,
    Days90,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a support-case lookback: allowed 45, 60 or 90 (days)")]
pub struct LookbackError(pub String);

impl Lookback {
    pub fn days(self) -> u32 {
        match self {
            Lookback::Days45 => 45,
            Lookback::Days60 => 60,
            Lookback::Days90 => 90,
        }
    }

    pub fn from_days(days: u32) -> Result<Lookback, LookbackError> {
        match days {
            45 => Ok(Lookback::Days45),
            60 => Ok(Lookback::Days60),
            90 => Ok(Lookback::Days90),
            other => Err(LookbackError(other.to_string())),
        }
    }
}

impl FromStr for Lookback {
    type Err = LookbackError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<u32>()
            .map_err(|_| LookbackError(s.to_owned()))
            .and_then(Lookback::from_days)
    }
}

impl Serialize for Lookback {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.days())
    }
}

impl fmt::Display for Lookback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.days().fmt(f)
    }
}

/// The first lines of a communication appended to an open case: it tells the engineer at a glance
/// that this is a new signal on an incident they already hold, and how serious it is now.
pub fn urgency_prefix(severity: Severity, alarms: &[AlarmKind]) -> String {
    let names = if alarms.is_empty() {
        "an alarm".to_owned()
    } else {
        alarms
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match severity {
        Severity::Critical => format!(
            "ESCALATION (CRITICAL): {names} fired again while this case is still open. \
             The impact is growing; updated figures follow."
        ),
        Severity::Warning => format!(
            "FOLLOW-UP (WARNING): {names} fired again while this case is still open. \
             Updated figures follow."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_follows_class() {
        assert_eq!(
            CaseCategory::for_class(AlarmClass::Rpm),
            CaseCategory::QuotaRequest
        );
        assert_eq!(
            CaseCategory::for_class(AlarmClass::Tpm),
            CaseCategory::QuotaRequest
        );
        assert_eq!(
            CaseCategory::for_class(AlarmClass::Both),
            CaseCategory::QuotaRequest
        );
        assert_eq!(
            CaseCategory::for_class(AlarmClass::NonQuota),
            CaseCategory::InvestigationRequest
        );
    }

    #[test]
    fn case_subject_is_exact_contract_text() {
        assert_eq!(
            case_subject("Acme", "G-Opus-4-6", CaseCategory::QuotaRequest),
            "Acme - Bedrock Ops Alert - G-Opus-4-6 - Quota Request"
        );
        assert_eq!(
            case_subject("Acme", "G-Opus-4-6", CaseCategory::InvestigationRequest),
            "Acme - Bedrock Ops Alert - G-Opus-4-6 - Investigation Request"
        );
    }

    #[test]
    fn subject_match_is_exact_after_trimming() {
        let key = case_subject("Acme", "M", CaseCategory::QuotaRequest);
        assert!(subject_matches(&key, &key));
        assert!(subject_matches(&key, &format!("  {key}\n")));
        assert!(!subject_matches(&key, &key.to_uppercase()));
        assert!(!subject_matches(&key, &format!("RE: {key}")));
    }

    #[test]
    fn subject_match_never_matches_a_longer_customer_name() {
        let acme = case_subject("acme", "M", CaseCategory::QuotaRequest);
        let bigacme = case_subject("bigacme", "M", CaseCategory::QuotaRequest);
        assert!(
            bigacme.contains(&acme),
            "the sample's substring test would match"
        );
        assert!(!subject_matches(&acme, &bigacme));
    }

    #[test]
    fn subject_match_is_category_aware() {
        let quota = case_subject("Acme", "M", CaseCategory::QuotaRequest);
        let investigation = case_subject("Acme", "M", CaseCategory::InvestigationRequest);
        assert!(!subject_matches(&quota, &investigation));
    }

    #[test]
    fn lookback_allows_45_60_90_and_defaults_to_60() {
        assert_eq!(Lookback::default().days(), 60);
        for days in [45, 60, 90] {
            assert_eq!(Lookback::from_days(days).unwrap().days(), days);
            assert_eq!(days.to_string().parse::<Lookback>().unwrap().days(), days);
        }
        for bad in ["0", "30", "61", "sixty", ""] {
            assert!(bad.parse::<Lookback>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn urgency_prefix_names_alarms_and_severity() {
        let critical = urgency_prefix(Severity::Critical, &[AlarmKind::Throttles]);
        assert!(critical.starts_with("ESCALATION (CRITICAL): Throttles fired again"));
        let warning = urgency_prefix(
            Severity::Warning,
            &[AlarmKind::HighInvocationRate, AlarmKind::InvocationAnomaly],
        );
        assert!(warning.starts_with("FOLLOW-UP (WARNING): HighInvocationRate, InvocationAnomaly"));
        assert!(urgency_prefix(Severity::Warning, &[]).contains("an alarm fired again"));
    }
}
