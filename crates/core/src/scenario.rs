//! The usage-validated scenario decision tree, and which quotas a case asks for.
//!
//! Precedence, first match wins:
//! 1. only non-quota alarms fired → `non_quota` (usage is not evaluated; Investigation Request);
//! 2. usage or thresholds could not be read → `usage_unknown` with the reason (W-8: the blog files
//!    these as `new_model`; we keep its action, a Quota Request, but say what really happened);
//! 3. 14-day peak RPM = 0 and peak TPM = 0 → `new_model`;
//! 4. peak RPM ≥ RPM threshold or peak TPM ≥ TPM threshold → `high_usage` (expedited when critical);
//!    a side whose threshold is not applicable (no RPM quota) never triggers; for a model whose token
//!    limit is an input and an output quota, peak input TPM ≥ input threshold or peak output TPM ≥
//!    output threshold stand where the TPM comparison would (when no side is over its threshold, a token
//!    series CloudWatch had no datapoint of leaves the usage unknown, with the series named);
//! 5. otherwise → `low_usage` (investigate first, increase details as reference).

use serde::Serialize;

use crate::alarms::{AlarmClass, Classification, Severity};
use crate::dedup::CaseCategory;
use crate::thresholds::{RpmThreshold, Threshold, Thresholds};
use crate::usage::{PerMinute, UsageSummary};

/// The thresholds the usage check compares with, as the calculator stored them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageThresholds {
    /// The RPM threshold and the combined TPM one.
    Combined(Thresholds),
    /// A model whose token limit is an input and an output quota: the RPM threshold and one per token quota.
    Split {
        rpm: RpmThreshold,
        input_tpm: Threshold,
        output_tpm: Threshold,
    },
}

impl UsageThresholds {
    pub fn rpm(&self) -> RpmThreshold {
        match self {
            UsageThresholds::Combined(t) => t.rpm,
            UsageThresholds::Split { rpm, .. } => *rpm,
        }
    }

    /// The combined TPM threshold; `None` for a split model.
    pub fn tpm(&self) -> Option<Threshold> {
        match self {
            UsageThresholds::Combined(t) => Some(t.tpm),
            UsageThresholds::Split { .. } => None,
        }
    }

    /// The input and output token thresholds of a split model.
    pub fn split(&self) -> Option<(Threshold, Threshold)> {
        match self {
            UsageThresholds::Combined(_) => None,
            UsageThresholds::Split {
                input_tpm,
                output_tpm,
                ..
            } => Some((*input_tpm, *output_tpm)),
        }
    }
}

impl From<Thresholds> for UsageThresholds {
    fn from(thresholds: Thresholds) -> UsageThresholds {
        UsageThresholds::Combined(thresholds)
    }
}

/// Whether the token side of the usage reached its threshold, or which series is missing to tell.
fn tokens_high(usage: &UsageSummary, thresholds: &UsageThresholds) -> Result<bool, String> {
    match thresholds {
        UsageThresholds::Combined(t) => Ok(t.tpm.is_reached_by(usage.peak_tpm)),
        UsageThresholds::Split {
            input_tpm,
            output_tpm,
            ..
        } => {
            let side = |figures: Option<PerMinute>, metric: &str, threshold: Threshold| {
                figures
                    .map(|f| threshold.is_reached_by(f.peak))
                    .ok_or_else(|| {
                        format!(
                            "CloudWatch has no {metric} datapoint in the {} days, so the split token quota's usage could not be compared with its threshold",
                            usage.lookback_days
                        )
                    })
            };
            let input = side(usage.input_tpm, "InputTokenCount", *input_tpm);
            let output = side(usage.output_tpm, "OutputTokenCount", *output_tpm);
            // One side over its threshold decides it, whatever the other series holds.
            match (input, output) {
                (Ok(true), _) | (_, Ok(true)) => Ok(true),
                (Ok(false), Ok(false)) => Ok(false),
                (Err(a), Err(b)) => Err(format!("{a}; {b}")),
                (Err(reason), _) | (_, Err(reason)) => Err(reason),
            }
        }
    }
}

/// One quota of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaSide {
    Rpm,
    Tpm,
    /// The input tokens-per-minute quota of a model with split token quotas.
    InputTpm,
    /// The output tokens-per-minute quota of a model with split token quotas.
    OutputTpm,
}

impl QuotaSide {
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaSide::Rpm => "RPM",
            QuotaSide::Tpm => "TPM",
            QuotaSide::InputTpm => "input TPM",
            QuotaSide::OutputTpm => "output TPM",
        }
    }
}

/// Outcome of the decision tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "scenario", rename_all = "snake_case")]
pub enum Scenario {
    NonQuota,
    NewModel,
    /// `expedited` when the triggering alarms are critical.
    HighUsage {
        expedited: bool,
    },
    LowUsage,
    /// Usage or thresholds could not be read; the reason is shown to people as is.
    UsageUnknown {
        reason: String,
    },
}

impl Scenario {
    pub fn name(&self) -> &'static str {
        match self {
            Scenario::NonQuota => "non_quota",
            Scenario::NewModel => "new_model",
            Scenario::HighUsage { .. } => "high_usage",
            Scenario::LowUsage => "low_usage",
            Scenario::UsageUnknown { .. } => "usage_unknown",
        }
    }

    pub fn case_category(&self) -> CaseCategory {
        match self {
            Scenario::NonQuota => CaseCategory::InvestigationRequest,
            _ => CaseCategory::QuotaRequest,
        }
    }
}

/// The scenario plus the quotas the case asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScenarioDecision {
    pub scenario: Scenario,
    pub category: CaseCategory,
    /// RPM before TPM; empty for `non_quota`.
    pub requested: Vec<QuotaSide>,
}

/// Usage as read, or why it could not be read.
pub type Reading<'a, T> = Result<&'a T, &'a str>;

/// The tree of the module docs. `usage` and `thresholds` carry the failure reason when unread.
pub fn decide_scenario(
    classification: &Classification,
    usage: Reading<'_, UsageSummary>,
    thresholds: Reading<'_, UsageThresholds>,
) -> Scenario {
    if classification.class == AlarmClass::NonQuota {
        return Scenario::NonQuota;
    }
    let (usage, thresholds) = match (usage, thresholds) {
        (Ok(u), Ok(t)) => (u, t),
        (Err(u), Err(t)) => {
            return Scenario::UsageUnknown {
                reason: format!("{u}; {t}"),
            };
        }
        (Err(reason), _) | (_, Err(reason)) => {
            return Scenario::UsageUnknown {
                reason: reason.to_owned(),
            };
        }
    };
    if usage.is_idle() {
        return Scenario::NewModel;
    }
    let rpm_high = thresholds
        .rpm()
        .threshold()
        .is_some_and(|t| t.is_reached_by(usage.peak_rpm));
    // A side over its threshold decides it; a token series that could not be compared matters only when
    // no other side did.
    let tpm_high = match tokens_high(usage, thresholds) {
        Ok(high) => high,
        Err(_) if rpm_high => true,
        Err(reason) => return Scenario::UsageUnknown { reason },
    };
    if rpm_high || tpm_high {
        Scenario::HighUsage {
            expedited: classification.severity == Severity::Critical,
        }
    } else {
        Scenario::LowUsage
    }
}

/// Quotas asked for by class: rpm → RPM, tpm → TPM, both → both, non_quota → none; input_tpm → the
/// input quota only, output_tpm → the output quota only. The RPM side is dropped when the model has no RPM
/// quota. When the thresholds are unknown, RPM is kept; the case builder then finds out from Service Quotas
/// whether it exists.
pub fn requested_sides(class: AlarmClass, thresholds: Option<&UsageThresholds>) -> Vec<QuotaSide> {
    let rpm_exists = thresholds.is_none_or(|t| t.rpm().is_applicable());
    let (rpm, tpm) = match class {
        AlarmClass::Rpm => (true, false),
        AlarmClass::Tpm => (false, true),
        AlarmClass::Both => (true, true),
        AlarmClass::InputTpm => return vec![QuotaSide::InputTpm],
        AlarmClass::OutputTpm => return vec![QuotaSide::OutputTpm],
        AlarmClass::NonQuota => (false, false),
    };
    let mut sides = Vec::with_capacity(2);
    if rpm && rpm_exists {
        sides.push(QuotaSide::Rpm);
    }
    if tpm {
        sides.push(QuotaSide::Tpm);
    }
    sides
}

/// The token sides of a model with split token quotas stand where the combined TPM side would: a class
/// that asks for "the token quota" (tpm, both) asks for the input and the output quota.
pub fn split_token_sides(sides: Vec<QuotaSide>) -> Vec<QuotaSide> {
    sides
        .into_iter()
        .flat_map(|side| match side {
            QuotaSide::Tpm => vec![QuotaSide::InputTpm, QuotaSide::OutputTpm],
            other => vec![other],
        })
        .collect()
}

/// [`decide_scenario`] and [`requested_sides`] together, from the same classification (W-4).
pub fn decide(
    classification: &Classification,
    usage: Reading<'_, UsageSummary>,
    thresholds: Reading<'_, UsageThresholds>,
) -> ScenarioDecision {
    let scenario = decide_scenario(classification, usage, thresholds);
    let requested = requested_sides(classification.class, thresholds.ok());
    ScenarioDecision {
        category: scenario.case_category(),
        scenario,
        requested,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarms::AlarmKind;
    use crate::thresholds::{Percent, QuotaValue, RpmThreshold, Threshold};

    fn thresholds(rpm_quota: Option<u64>, tpm_quota: u64) -> UsageThresholds {
        let pct = Percent::DEFAULT;
        UsageThresholds::Combined(Thresholds {
            rpm: RpmThreshold::of(rpm_quota.map(|q| QuotaValue::new(q).unwrap()), pct),
            tpm: Threshold::of(QuotaValue::new(tpm_quota).unwrap(), pct),
        })
    }

    /// RPM quota 200 (threshold 160), input quota 2,000,000 (threshold 1,600,000), output quota 400,000
    /// (threshold 320,000).
    fn split_thresholds() -> UsageThresholds {
        let pct = Percent::DEFAULT;
        let quota = |q| QuotaValue::new(q).unwrap();
        UsageThresholds::Split {
            rpm: RpmThreshold::of(Some(quota(200)), pct),
            input_tpm: Threshold::of(quota(2_000_000), pct),
            output_tpm: Threshold::of(quota(400_000), pct),
        }
    }

    fn split_usage(peak_rpm: f64, input: Option<f64>, output: Option<f64>) -> UsageSummary {
        let per_minute = |peak: f64| PerMinute {
            peak,
            steady: peak / 2.0,
        };
        UsageSummary {
            input_tpm: input.map(per_minute),
            output_tpm: output.map(per_minute),
            ..usage(peak_rpm, peak_rpm)
        }
    }

    #[test]
    fn split_token_side_is_decided_against_its_own_threshold() {
        let t = split_thresholds();
        for (kind, peak_rpm, input, output, want) in [
            // 1,700,000 input tokens per minute ≥ 1,600,000.
            (
                AlarmKind::HighInputTpmQuotaUsage,
                50.0,
                Some(1_700_000.0),
                Some(10_000.0),
                Scenario::HighUsage { expedited: false },
            ),
            // Exactly at the threshold is high, as for the combined side.
            (
                AlarmKind::HighOutputTpmQuotaUsage,
                50.0,
                Some(1.0),
                Some(320_000.0),
                Scenario::HighUsage { expedited: false },
            ),
            // 1,599,999 and 319,999: both under.
            (
                AlarmKind::HighInputTpmQuotaUsage,
                50.0,
                Some(1_599_999.0),
                Some(319_999.0),
                Scenario::LowUsage,
            ),
            // The RPM side still counts, as with a combined token quota.
            (
                AlarmKind::Throttles,
                160.0,
                Some(1.0),
                Some(1.0),
                Scenario::HighUsage { expedited: true },
            ),
            // Idle model: new_model before the series are looked at.
            (
                AlarmKind::HighInputTpmQuotaUsage,
                0.0,
                None,
                None,
                Scenario::NewModel,
            ),
        ] {
            let usage = split_usage(peak_rpm, input, output);
            let s = decide_scenario(&fired(&[kind]), Ok(&usage), Ok(&t));
            assert_eq!(s, want, "{kind:?} {peak_rpm} {input:?} {output:?}");
        }
    }

    #[test]
    fn split_token_model_without_a_token_series_is_usage_unknown_naming_it() {
        let t = split_thresholds();
        let s = decide_scenario(
            &fired(&[AlarmKind::HighInputTpmQuotaUsage]),
            Ok(&split_usage(50.0, Some(1_000.0), None)),
            Ok(&t),
        );
        let Scenario::UsageUnknown { reason } = s else {
            panic!("{s:?}");
        };
        assert!(reason.contains("OutputTokenCount"), "{reason}");
        assert!(!reason.contains("InputTokenCount"), "{reason}");

        let s = decide_scenario(
            &fired(&[AlarmKind::HighOutputTpmQuotaUsage]),
            Ok(&split_usage(50.0, None, None)),
            Ok(&t),
        );
        let Scenario::UsageUnknown { reason } = s else {
            panic!("{s:?}");
        };
        assert!(reason.contains("InputTokenCount") && reason.contains("OutputTokenCount"));

        // A side known to be over its threshold decides without the missing series.
        for (peak_rpm, input) in [(50.0, Some(1_700_000.0)), (160.0, None)] {
            let s = decide_scenario(
                &fired(&[AlarmKind::HighInputTpmQuotaUsage]),
                Ok(&split_usage(peak_rpm, input, None)),
                Ok(&t),
            );
            assert_eq!(s, Scenario::HighUsage { expedited: false }, "{peak_rpm}");
        }
    }

    #[test]
    fn split_thresholds_expose_rpm_and_no_combined_tpm() {
        let t = split_thresholds();
        assert_eq!(t.rpm().threshold().map(Threshold::get), Some(160));
        assert_eq!(t.tpm(), None);
        let (input, output) = t.split().unwrap();
        assert_eq!((input.get(), output.get()), (1_600_000, 320_000));
        let combined = thresholds(None, 200_000);
        assert_eq!(combined.tpm().map(Threshold::get), Some(160_000));
        assert_eq!(combined.split(), None);
        assert!(requested_sides(AlarmClass::Rpm, Some(&combined)).is_empty());
    }

    fn usage(peak_rpm: f64, peak_tpm: f64) -> UsageSummary {
        UsageSummary {
            lookback_days: 14,
            active_minutes: 1,
            peak_rpm,
            steady_rpm: peak_rpm / 2.0,
            peak_tpm,
            steady_tpm: peak_tpm / 2.0,
            avg_input_tokens_per_request: None,
            avg_output_tokens_per_request: None,
            input_tpm: None,
            output_tpm: None,
        }
    }

    fn fired(kinds: &[AlarmKind]) -> Classification {
        Classification::of(kinds.iter().copied()).unwrap()
    }

    #[test]
    fn throttles_9500_rpm_over_8000_threshold_is_high_usage() {
        let t = thresholds(Some(10_000), 6_250_000);
        let d = decide(
            &fired(&[AlarmKind::Throttles]),
            Ok(&usage(9_500.0, 3_000_000.0)),
            Ok(&t),
        );
        assert_eq!(d.scenario, Scenario::HighUsage { expedited: true });
        assert_eq!(d.category, CaseCategory::QuotaRequest);
        assert_eq!(d.requested, vec![QuotaSide::Rpm, QuotaSide::Tpm]);
    }

    #[test]
    fn high_tpm_quota_usage_210000_over_160000_is_high_usage() {
        let t = thresholds(Some(200), 200_000);
        let d = decide(
            &fired(&[AlarmKind::HighTpmQuotaUsage]),
            Ok(&usage(150.0, 210_000.0)),
            Ok(&t),
        );
        assert_eq!(d.scenario, Scenario::HighUsage { expedited: false });
        assert_eq!(d.requested, vec![QuotaSide::Tpm]);
    }

    #[test]
    fn invocation_anomaly_5578_under_8000_with_quota_10001_is_low_usage() {
        let t = thresholds(Some(10_001), 6_250_000);
        assert_eq!(t.rpm().threshold().unwrap().get(), 8_000);
        let d = decide(
            &fired(&[AlarmKind::InvocationAnomaly]),
            Ok(&usage(5_578.0, 3_404_691.0)),
            Ok(&t),
        );
        assert_eq!(d.scenario, Scenario::LowUsage);
        assert_eq!(d.category, CaseCategory::QuotaRequest);
        assert_eq!(d.requested, vec![QuotaSide::Rpm]);
    }

    #[test]
    fn client_errors_50_rpm_80000_tpm_is_low_usage() {
        let t = thresholds(Some(200), 200_000);
        let d = decide(
            &fired(&[AlarmKind::ClientErrors]),
            Ok(&usage(50.0, 80_000.0)),
            Ok(&t),
        );
        assert_eq!(d.scenario, Scenario::LowUsage);
        assert_eq!(d.requested, vec![QuotaSide::Rpm, QuotaSide::Tpm]);
    }

    #[test]
    fn input_token_anomaly_on_fresh_model_is_new_model() {
        let t = thresholds(Some(200), 500_000);
        let d = decide(
            &fired(&[AlarmKind::InputTokenAnomaly]),
            Ok(&usage(0.0, 0.0)),
            Ok(&t),
        );
        assert_eq!(d.scenario, Scenario::NewModel);
        assert_eq!(d.category, CaseCategory::QuotaRequest);
        assert_eq!(d.requested, vec![QuotaSide::Tpm]);
    }

    #[test]
    fn server_errors_is_non_quota() {
        let d = decide(
            &fired(&[AlarmKind::ServerErrors]),
            Err("metrics not read"),
            Err("thresholds not read"),
        );
        assert_eq!(d.scenario, Scenario::NonQuota);
        assert_eq!(d.category, CaseCategory::InvestigationRequest);
        assert!(d.requested.is_empty());
    }

    #[test]
    fn non_quota_ignores_usage_even_when_peak_is_over_threshold() {
        let t = thresholds(Some(10_000), 6_250_000);
        let d = decide(
            &fired(&[AlarmKind::HighLatency, AlarmKind::LatencyAnomaly]),
            Ok(&usage(9_999.0, 6_000_000.0)),
            Ok(&t),
        );
        assert_eq!(d.scenario, Scenario::NonQuota);
    }

    #[test]
    fn unreadable_usage_is_usage_unknown_with_reason_not_new_model() {
        let t = thresholds(Some(10_000), 6_250_000);
        let s = decide_scenario(
            &fired(&[AlarmKind::Throttles]),
            Err("CloudWatch GetMetricData was throttled"),
            Ok(&t),
        );
        assert_eq!(
            s,
            Scenario::UsageUnknown {
                reason: "CloudWatch GetMetricData was throttled".into()
            }
        );
    }

    #[test]
    fn unreadable_thresholds_is_usage_unknown_and_still_a_quota_request() {
        let d = decide(
            &fired(&[AlarmKind::HighInvocationRate]),
            Ok(&usage(10.0, 10.0)),
            Err("Parameter Store read denied"),
        );
        assert_eq!(d.scenario.name(), "usage_unknown");
        assert_eq!(d.category, CaseCategory::QuotaRequest);
        assert_eq!(d.requested, vec![QuotaSide::Rpm]);
    }

    #[test]
    fn both_unreadable_carries_both_reasons() {
        let s = decide_scenario(&fired(&[AlarmKind::Throttles]), Err("a"), Err("b"));
        assert_eq!(
            s,
            Scenario::UsageUnknown {
                reason: "a; b".into()
            }
        );
    }

    #[test]
    fn peak_equal_to_threshold_is_high_usage() {
        let t = thresholds(Some(10_000), 6_250_000);
        let s = decide_scenario(
            &fired(&[AlarmKind::HighInvocationRate]),
            Ok(&usage(8_000.0, 1.0)),
            Ok(&t),
        );
        assert_eq!(s, Scenario::HighUsage { expedited: false });
    }

    #[test]
    fn rpm_not_applicable_never_triggers_and_is_not_requested() {
        let t = thresholds(None, 200_000);
        let d = decide(
            &fired(&[AlarmKind::Throttles]),
            Ok(&usage(1_000_000.0, 10.0)),
            Ok(&t),
        );
        assert_eq!(d.scenario, Scenario::LowUsage);
        assert_eq!(d.requested, vec![QuotaSide::Tpm]);
    }

    #[test]
    fn rpm_class_on_model_without_rpm_quota_requests_nothing() {
        let t = thresholds(None, 200_000);
        assert!(requested_sides(AlarmClass::Rpm, Some(&t)).is_empty());
    }

    #[test]
    fn quota_alarm_with_non_quota_alarm_is_decided_by_usage() {
        let t = thresholds(Some(200), 200_000);
        let d = decide(
            &fired(&[AlarmKind::ServerErrors, AlarmKind::HighTpmQuotaUsage]),
            Ok(&usage(150.0, 210_000.0)),
            Ok(&t),
        );
        assert_eq!(d.scenario, Scenario::HighUsage { expedited: true });
        assert_eq!(d.requested, vec![QuotaSide::Tpm]);
    }

    #[test]
    fn scenario_serialises_with_snake_case_tag() {
        let json = serde_json::to_value(Scenario::HighUsage { expedited: true }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"scenario": "high_usage", "expedited": true})
        );
        let json = serde_json::to_value(Scenario::UsageUnknown { reason: "x".into() }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"scenario": "usage_unknown", "reason": "x"})
        );
        for (s, name) in [
            (Scenario::NonQuota, "non_quota"),
            (Scenario::NewModel, "new_model"),
            (Scenario::LowUsage, "low_usage"),
        ] {
            assert_eq!(serde_json::to_value(&s).unwrap()["scenario"], name);
            assert_eq!(s.name(), name);
        }
    }
}
