//! The notification processor's decision for one alarm transition, free of I/O: from the alarms
//! that fired, the settings, the stored thresholds, the 14-day usage and the two quotas, to the
//! classification, the scenario and the list of planned steps. The handler executes the steps and
//! reports each as an [`Action`]; it decides nothing about *what* to file.
//!
//! Rules, in the order they apply:
//! - one classification of every fired alarm ([`Classification::of`]) drives the scenario, the
//!   case category and the quotas asked for alike (W-4);
//! - `high_usage`, `new_model`, `usage_unknown` ask Service Quotas for **every** requested quota
//!   (W-5) at the desired value of [`decide_increase`]; a percent of 0 asks nothing for that quota;
//!   a quota that is not adjustable goes to a Support case instead;
//! - `low_usage` asks for no increase: a Quota Request case in an investigate-first tone lists the
//!   increases for reference only (no case when there is no increase to list);
//! - `non_quota` opens an Investigation Request case and asks for no increase;
//! - automation off (or settings that could not be read) holds every step, `mode = dry-run` turns
//!   every step into "would have filed"; both still decide and e-mail everything;
//! - the notification preference filters the e-mail only, never the filing.

use std::collections::BTreeMap;

use crate::alarms::{AlarmClass, Classification, Severity};
use crate::dedup::CaseCategory;
use crate::increase::{IncreaseDecision, IncreasePercent, QuotaFacts, decide_increase};
use crate::outcome::{Action, CaseRef, Filing, NotFiledReason, QuotaIncrease, Target};
use crate::scenario::{
    QuotaSide, Reading, Scenario, ScenarioDecision, UsageThresholds, decide, split_token_sides,
};
use crate::settings::{AppendCooldown, Mode, Settings, keys};
use crate::thresholds::{QuotaCode, RpmThreshold, Threshold, Thresholds};
use crate::usage::UsageSummary;

/// The state an alarm moved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlarmState {
    Alarm,
    Ok,
}

impl AlarmState {
    /// CloudWatch's `NewStateValue` spelling; `INSUFFICIENT_DATA` is not a transition we act on.
    pub fn parse(value: &str) -> Option<AlarmState> {
        match value {
            "ALARM" => Some(AlarmState::Alarm),
            "OK" => Some(AlarmState::Ok),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::Alarm => "ALARM",
            AlarmState::Ok => "OK",
        }
    }
}

/// One quota as Service Quotas described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaReading {
    pub code: QuotaCode,
    pub name: String,
    pub facts: QuotaFacts,
}

/// What is known about the quota of one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SideQuota {
    /// The model has no such quota (RPM quota code `NA`).
    NotApplicable,
    Read(QuotaReading),
    /// The quota could not be read; `reason` says why, in the words the e-mail uses.
    Unread {
        code: QuotaCode,
        reason: NotFiledReason,
    },
}

impl SideQuota {
    fn code(&self) -> Option<&QuotaCode> {
        match self {
            SideQuota::NotApplicable => None,
            SideQuota::Read(reading) => Some(&reading.code),
            SideQuota::Unread { code, .. } => Some(code),
        }
    }
}

/// Everything the decision depends on. Readings that failed carry the reason as text.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The alarms of the transition (one for a metric alarm, the triggering children of a
    /// composite), combined by [`Classification::of`].
    pub classification: &'a Classification,
    pub settings: Reading<'a, Settings>,
    pub usage: Reading<'a, UsageSummary>,
    pub thresholds: Reading<'a, UsageThresholds>,
    pub rpm: &'a SideQuota,
    /// `NotApplicable` for a model with split token quotas.
    pub tpm: &'a SideQuota,
    /// The split token quotas; both `NotApplicable` for a model with one combined token quota.
    pub input_tpm: &'a SideQuota,
    pub output_tpm: &'a SideQuota,
}

impl PlanInput<'_> {
    /// Whether the model's token limit is an input and an output quota.
    fn has_split_tokens(&self) -> bool {
        !matches!(self.input_tpm, SideQuota::NotApplicable)
    }
}

/// Whether the planned filings are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Execution {
    Live,
    /// `mode = dry-run`: everything is decided and reported as "would have filed".
    DryRun,
    /// Nothing is filed, for this reason (automation disabled, settings unreadable).
    Held(NotFiledReason),
}

/// One planned step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// RequestServiceQuotaIncrease at the desired value.
    RequestIncrease(QuotaIncrease),
    /// Service Quotas cannot take this increase; the Support case of [`Plan::case`] carries it.
    CaseInstead {
        increase: QuotaIncrease,
        reason: NotFiledReason,
    },
    /// A Support case of this category: a new one, or an append to an open duplicate.
    Case { category: CaseCategory },
    /// Deliberately not filed.
    Skip {
        target: Target,
        reason: NotFiledReason,
    },
}

/// The Support case a plan opens (or appends to), and the increases it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseStep {
    pub category: CaseCategory,
    /// Asked for (fallback) or listed for reference (`low_usage`); empty for `non_quota`.
    pub increases: Vec<QuotaIncrease>,
}

/// The decision for an ALARM transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub classification: Classification,
    pub decision: ScenarioDecision,
    pub execution: Execution,
    /// Whether the e-mail is sent (notification preference against severity).
    pub notify: bool,
    /// Every increase computed, RPM before TPM: requested, carried by a case, or for reference.
    pub increases: Vec<QuotaIncrease>,
    pub steps: Vec<Step>,
    /// At most one append per alarm per this window on an open case (`crate::append_rule`).
    pub append_cooldown: AppendCooldown,
}

/// The decision for an OK transition: a recovery e-mail, nothing filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryPlan {
    pub classification: Classification,
    pub notify: bool,
}

/// Support severity of a case we open: `high` ("production system impaired") for a critical
/// alarm, `normal` otherwise. Never `urgent`: an automated signal does not claim an outage.
pub fn case_severity_code(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "high",
        Severity::Warning => "normal",
    }
}

/// The thresholds the calculator stored (`thresholds/rpm-threshold-calculated` and
/// `thresholds/tpm-threshold-calculated`, or for a model with split token quotas
/// `thresholds/input-tpm-threshold-calculated` and `thresholds/output-tpm-threshold-calculated`;
/// keys relative to the stack path); the reason when one is missing or not a threshold.
pub fn stored_thresholds(
    values: &BTreeMap<String, String>,
    split_tokens: bool,
) -> Result<UsageThresholds, String> {
    fn get<T: std::str::FromStr<Err: std::fmt::Display>>(
        values: &BTreeMap<String, String>,
        key: &str,
    ) -> Result<T, String> {
        values
            .get(key)
            .ok_or_else(|| format!("Parameter Store has no {key}"))?
            .parse()
            .map_err(|e| format!("{key}: {e}"))
    }
    let rpm: RpmThreshold = get(values, keys::RPM_THRESHOLD_CALCULATED)?;
    if split_tokens {
        return Ok(UsageThresholds::Split {
            rpm,
            input_tpm: get(values, keys::INPUT_TPM_THRESHOLD_CALCULATED)?,
            output_tpm: get(values, keys::OUTPUT_TPM_THRESHOLD_CALCULATED)?,
        });
    }
    let tpm: Threshold = get(values, keys::TPM_THRESHOLD_CALCULATED)?;
    Ok(UsageThresholds::Combined(Thresholds { rpm, tpm }))
}

fn execution(settings: Reading<'_, Settings>) -> Execution {
    match settings {
        Err(reason) => Execution::Held(NotFiledReason::SettingsUnreadable {
            message: reason.to_owned(),
        }),
        Ok(s) if !s.automated_support_case => Execution::Held(NotFiledReason::AutomationDisabled),
        Ok(s) if s.mode == Mode::DryRun => Execution::DryRun,
        Ok(_) => Execution::Live,
    }
}

fn percent(settings: &Settings, side: QuotaSide) -> IncreasePercent {
    match side {
        QuotaSide::Rpm => settings.rpm_increase_percent,
        // The split token quotas are raised by the tokens-per-minute percent, as the combined one is.
        QuotaSide::Tpm | QuotaSide::InputTpm | QuotaSide::OutputTpm => {
            settings.tpm_increase_percent
        }
    }
}

fn quota_target(side: QuotaSide, code: Option<&QuotaCode>, desired: Option<u64>) -> Target {
    Target::Quota {
        side,
        quota_code: code.cloned(),
        desired,
    }
}

/// Whether the scenario asks Service Quotas directly (as opposed to a case only).
fn asks_service_quotas(scenario: &Scenario) -> bool {
    matches!(
        scenario,
        Scenario::HighUsage { .. } | Scenario::NewModel | Scenario::UsageUnknown { .. }
    )
}

/// The steps of one requested side, and the increase computed for it (if any).
fn side_steps(
    scenario: &Scenario,
    side: QuotaSide,
    quota: &SideQuota,
    percent: IncreasePercent,
) -> (Vec<Step>, Option<QuotaIncrease>) {
    let reading = match quota {
        SideQuota::NotApplicable => {
            let skip = Step::Skip {
                target: quota_target(side, None, None),
                reason: NotFiledReason::RpmQuotaNotApplicable,
            };
            return (vec![skip], None);
        }
        SideQuota::Unread { code, reason } => {
            let skip = Step::Skip {
                target: quota_target(side, Some(code), None),
                reason: reason.clone(),
            };
            return (vec![skip], None);
        }
        SideQuota::Read(reading) => reading,
    };
    let increase = |current: u64, desired: u64| QuotaIncrease {
        side,
        quota_code: reading.code.clone(),
        quota_name: reading.name.clone(),
        current,
        desired,
    };
    let (increase, service_quotas_refusal) = match decide_increase(reading.facts, percent) {
        IncreaseDecision::DoNotRequest => {
            let skip = Step::Skip {
                target: quota_target(side, Some(&reading.code), None),
                reason: NotFiledReason::IncreasePercentZero,
            };
            return (vec![skip], None);
        }
        IncreaseDecision::Request { current, desired } => (increase(current, desired), None),
        IncreaseDecision::SupportCaseInstead {
            current,
            desired,
            reason,
        } => (
            increase(current, desired),
            Some(NotFiledReason::from(reason)),
        ),
    };
    let step = if !asks_service_quotas(scenario) {
        Step::Skip {
            target: quota_target(side, Some(&increase.quota_code), Some(increase.desired)),
            reason: NotFiledReason::InvestigateFirst,
        }
    } else if let Some(reason) = service_quotas_refusal {
        Step::CaseInstead {
            increase: increase.clone(),
            reason,
        }
    } else {
        Step::RequestIncrease(increase.clone())
    };
    (vec![step], Some(increase))
}

/// Decides an ALARM transition.
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let classification = input.classification.clone();
    let mut decision = decide(&classification, input.usage, input.thresholds);
    if input.has_split_tokens() {
        decision.requested = split_token_sides(decision.requested);
    }
    let defaults = Settings::default();
    let settings = input.settings.unwrap_or(&defaults);

    let mut steps = Vec::new();
    let mut increases = Vec::new();
    let class_wants_rpm = matches!(classification.class, AlarmClass::Rpm | AlarmClass::Both);
    if class_wants_rpm && !decision.requested.contains(&QuotaSide::Rpm) {
        // The stored thresholds say the model has no RPM quota, so the core did not ask for one.
        steps.push(Step::Skip {
            target: quota_target(QuotaSide::Rpm, input.rpm.code(), None),
            reason: NotFiledReason::RpmQuotaNotApplicable,
        });
    }
    for side in &decision.requested {
        let quota = match side {
            QuotaSide::Rpm => input.rpm,
            QuotaSide::Tpm => input.tpm,
            QuotaSide::InputTpm => input.input_tpm,
            QuotaSide::OutputTpm => input.output_tpm,
        };
        let (side_steps, increase) =
            side_steps(&decision.scenario, *side, quota, percent(settings, *side));
        steps.extend(side_steps);
        increases.extend(increase);
    }
    // A low_usage case exists to put the increase in front of an engineer for reference; with no
    // increase to show (percent 0, quota unread or not applicable) it would ask for nothing.
    let wants_case = match decision.scenario {
        Scenario::NonQuota => true,
        Scenario::LowUsage => !increases.is_empty(),
        _ => false,
    };
    if wants_case {
        steps.push(Step::Case {
            category: decision.category,
        });
    }

    Plan {
        notify: settings
            .notification_preference
            .wants(classification.severity),
        execution: execution(input.settings),
        append_cooldown: settings.append_cooldown,
        classification,
        decision,
        increases,
        steps,
    }
}

/// Decides an OK transition.
pub fn recovery(classification: &Classification, settings: Reading<'_, Settings>) -> RecoveryPlan {
    let notify = settings.map_or(true, |s| {
        s.notification_preference.wants(classification.severity)
    });
    RecoveryPlan {
        classification: classification.clone(),
        notify,
    }
}

impl Plan {
    /// The Support severity of the case this plan opens.
    pub fn case_severity(&self) -> &'static str {
        case_severity_code(self.classification.severity)
    }

    /// The increases Service Quotas is asked for.
    pub fn requests(&self) -> impl Iterator<Item = &QuotaIncrease> {
        self.steps.iter().filter_map(|s| match s {
            Step::RequestIncrease(increase) => Some(increase),
            _ => None,
        })
    }

    /// The Support case to open (or append to), given the increases Service Quotas refused at run
    /// time (`refused`, e.g. access denied or not adjustable after all): one case carries every
    /// increase that could not be requested, together with the ones planned that way. `None`
    /// when no case is needed.
    pub fn case(&self, refused: &[QuotaIncrease]) -> Option<CaseStep> {
        if let Some(category) = self.steps.iter().find_map(|s| match s {
            Step::Case { category } => Some(*category),
            _ => None,
        }) {
            let increases = if category == CaseCategory::QuotaRequest {
                self.increases.clone()
            } else {
                Vec::new()
            };
            return Some(CaseStep {
                category,
                increases,
            });
        }
        let mut carried: Vec<QuotaIncrease> = self
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::CaseInstead { increase, .. } => Some(increase.clone()),
                _ => None,
            })
            .chain(refused.iter().cloned())
            .collect();
        carried.sort_by_key(|i| i.side);
        carried.dedup_by_key(|i| i.side);
        (!carried.is_empty()).then_some(CaseStep {
            category: CaseCategory::QuotaRequest,
            increases: carried,
        })
    }

    /// The steps that need no AWS call, as actions: skips, and the "Support case instead" notes.
    pub fn decided_actions(&self) -> Vec<Action> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::Skip { target, reason } => Some(Action::NotFiled {
                    target: target.clone(),
                    reason: reason.clone(),
                }),
                Step::CaseInstead { increase, reason } => Some(Action::NotFiled {
                    target: quota_target(
                        increase.side,
                        Some(&increase.quota_code),
                        Some(increase.desired),
                    ),
                    reason: reason.clone(),
                }),
                Step::RequestIncrease(_) | Step::Case { .. } => None,
            })
            .collect()
    }

    /// Every action when nothing is sent (dry run or held): what would have been filed, or why it
    /// was not. `open_case` is the open case of the same category, when one was found, so the
    /// report says "would have appended to it".
    pub fn unsent_actions(&self, open_case: Option<&CaseRef>) -> Vec<Action> {
        let mut actions = self.decided_actions();
        let case = self.case(&[]);
        let filings = self
            .requests()
            .map(|increase| Filing::QuotaIncrease(increase.clone()))
            .chain(case.map(|case| match open_case {
                Some(open) => Filing::Append {
                    category: case.category,
                    case: open.clone(),
                },
                None => Filing::NewCase {
                    category: case.category,
                },
            }));
        for filing in filings {
            actions.push(match &self.execution {
                Execution::Held(reason) => Action::NotFiled {
                    target: filing_target(&filing),
                    reason: reason.clone(),
                },
                Execution::DryRun | Execution::Live => Action::WouldFile { filing },
            });
        }
        actions
    }
}

fn filing_target(filing: &Filing) -> Target {
    match filing {
        Filing::QuotaIncrease(increase) => quota_target(
            increase.side,
            Some(&increase.quota_code),
            Some(increase.desired),
        ),
        Filing::NewCase { category } => Target::Case {
            category: *category,
            append_to: None,
        },
        Filing::Append { category, case } => Target::Case {
            category: *category,
            append_to: Some(case.clone()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarms::AlarmKind;
    use crate::increase::IncreasePercent;
    use crate::settings::NotificationPreference;
    use crate::thresholds::{Percent, QuotaValue};

    fn settings() -> Settings {
        Settings {
            automated_support_case: true,
            ..Settings::default()
        }
    }

    fn thresholds(rpm_quota: Option<u64>, tpm_quota: u64) -> UsageThresholds {
        UsageThresholds::Combined(Thresholds {
            rpm: RpmThreshold::of(
                rpm_quota.map(|q| QuotaValue::new(q).unwrap()),
                Percent::DEFAULT,
            ),
            tpm: Threshold::of(QuotaValue::new(tpm_quota).unwrap(), Percent::DEFAULT),
        })
    }

    fn usage(peak_rpm: f64, peak_tpm: f64) -> UsageSummary {
        UsageSummary {
            lookback_days: 14,
            active_minutes: u64::from(peak_rpm > 0.0),
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

    fn read(code: &str, value: u64) -> SideQuota {
        SideQuota::Read(QuotaReading {
            code: QuotaCode::new(code).unwrap(),
            name: format!("quota {code}"),
            facts: QuotaFacts {
                current: QuotaValue::new(value).unwrap(),
                adjustable: true,
            },
        })
    }

    fn rpm(value: u64) -> SideQuota {
        read(QuotaCode::DEFAULT_RPM, value)
    }

    fn tpm(value: u64) -> SideQuota {
        read(QuotaCode::DEFAULT_TPM, value)
    }

    struct Case {
        alarms: Vec<AlarmKind>,
        settings: Settings,
        usage: UsageSummary,
        thresholds: UsageThresholds,
        rpm: SideQuota,
        tpm: SideQuota,
    }

    impl Case {
        fn new(alarms: &[AlarmKind], rpm_quota: u64, tpm_quota: u64, peaks: (f64, f64)) -> Case {
            Case {
                alarms: alarms.to_vec(),
                settings: settings(),
                usage: usage(peaks.0, peaks.1),
                thresholds: thresholds(Some(rpm_quota), tpm_quota),
                rpm: rpm(rpm_quota),
                tpm: tpm(tpm_quota),
            }
        }

        fn plan(&self) -> Plan {
            plan(&PlanInput {
                classification: &fired(&self.alarms),
                settings: Ok(&self.settings),
                usage: Ok(&self.usage),
                thresholds: Ok(&self.thresholds),
                rpm: &self.rpm,
                tpm: &self.tpm,
                input_tpm: &SideQuota::NotApplicable,
                output_tpm: &SideQuota::NotApplicable,
            })
        }
    }

    fn fired(alarms: &[AlarmKind]) -> Classification {
        Classification::of(alarms.iter().copied()).expect("at least one alarm")
    }

    fn requested(plan: &Plan) -> Vec<(QuotaSide, u64, u64)> {
        plan.requests()
            .map(|i| (i.side, i.current, i.desired))
            .collect()
    }

    fn split_plan(alarms: &[AlarmKind], thresholds: Reading<'_, UsageThresholds>) -> Plan {
        let settings = settings();
        let usage = usage(100.0, 1_000.0);
        plan(&PlanInput {
            classification: &fired(alarms),
            settings: Ok(&settings),
            usage: Ok(&usage),
            thresholds,
            rpm: &SideQuota::NotApplicable,
            tpm: &SideQuota::NotApplicable,
            input_tpm: &read("L-11111111", 2_000_000),
            output_tpm: &read("L-22222222", 400_000),
        })
    }

    fn requested_codes(plan: &Plan) -> Vec<String> {
        plan.steps
            .iter()
            .filter_map(|step| match step {
                Step::RequestIncrease(increase) => Some(increase.quota_code.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_input_token_alarm_files_an_increase_of_the_input_quota_only() {
        let plan = split_plan(
            &[AlarmKind::HighInputTpmQuotaUsage],
            Err("Parameter Store has no thresholds/tpm-threshold-calculated"),
        );
        assert_eq!(plan.decision.requested, vec![QuotaSide::InputTpm]);
        assert_eq!(requested_codes(&plan), ["L-11111111"]);
        assert_eq!(plan.increases[0].side, QuotaSide::InputTpm);
        // 2,000,000 raised by the default TPM increase percent.
        assert!(plan.increases[0].desired > 2_000_000);
        let output = split_plan(&[AlarmKind::HighOutputTpmQuotaUsage], Err("unread"));
        assert_eq!(requested_codes(&output), ["L-22222222"]);
    }

    #[test]
    fn an_input_token_alarm_with_high_input_usage_is_high_usage_and_raises_the_input_quota_only() {
        let settings = settings();
        let pct = Percent::DEFAULT;
        let thresholds = UsageThresholds::Split {
            rpm: RpmThreshold::NotApplicable,
            input_tpm: Threshold::of(QuotaValue::new(2_000_000).unwrap(), pct),
            output_tpm: Threshold::of(QuotaValue::new(400_000).unwrap(), pct),
        };
        let per_minute = |peak: f64| crate::usage::PerMinute {
            peak,
            steady: peak / 2.0,
        };
        let plan_for = |input: f64, output: f64| {
            let usage = UsageSummary {
                input_tpm: Some(per_minute(input)),
                output_tpm: Some(per_minute(output)),
                ..usage(100.0, 1_000.0)
            };
            plan(&PlanInput {
                classification: &fired(&[AlarmKind::HighInputTpmQuotaUsage]),
                settings: Ok(&settings),
                usage: Ok(&usage),
                thresholds: Ok(&thresholds),
                rpm: &SideQuota::NotApplicable,
                tpm: &SideQuota::NotApplicable,
                input_tpm: &read("L-11111111", 2_000_000),
                output_tpm: &read("L-22222222", 400_000),
            })
        };
        // Peak 1,700,000 input tokens per minute against the threshold 1,600,000.
        let high = plan_for(1_700_000.0, 1_000.0);
        assert_eq!(
            high.decision.scenario,
            Scenario::HighUsage { expedited: false }
        );
        assert_eq!(requested_codes(&high), ["L-11111111"]);
        // Under both thresholds: investigate first, the input increase for reference only.
        let low = plan_for(1_000_000.0, 1_000.0);
        assert_eq!(low.decision.scenario, Scenario::LowUsage);
        assert!(requested_codes(&low).is_empty());
        assert_eq!(low.increases.len(), 1);
        assert_eq!(low.increases[0].side, QuotaSide::InputTpm);
    }

    #[test]
    fn a_throttle_on_a_split_token_model_asks_for_both_token_quotas() {
        let plan = split_plan(&[AlarmKind::Throttles], Err("unread"));
        assert_eq!(
            plan.decision.requested,
            vec![QuotaSide::Rpm, QuotaSide::InputTpm, QuotaSide::OutputTpm]
        );
        // The model has no RPM quota: skipped, the two token quotas requested.
        assert_eq!(requested_codes(&plan), ["L-11111111", "L-22222222"]);
    }

    #[test]
    fn blog_throttles_high_usage_requests_both_quotas_expedited() {
        let plan = Case::new(
            &[AlarmKind::Throttles],
            10_000,
            6_250_000,
            (9_500.0, 3_000_000.0),
        )
        .plan();
        assert_eq!(
            plan.decision.scenario,
            Scenario::HighUsage { expedited: true }
        );
        assert_eq!(plan.classification.class, AlarmClass::Both);
        assert_eq!(plan.classification.severity, Severity::Critical);
        assert_eq!(
            requested(&plan),
            vec![
                (QuotaSide::Rpm, 10_000, 12_500),
                (QuotaSide::Tpm, 6_250_000, 7_812_500)
            ]
        );
        assert_eq!(plan.case(&[]), None);
        assert_eq!(plan.execution, Execution::Live);
        assert!(plan.notify);
    }

    #[test]
    fn blog_high_tpm_quota_usage_requests_tpm_only() {
        let plan = Case::new(
            &[AlarmKind::HighTpmQuotaUsage],
            200,
            200_000,
            (150.0, 210_000.0),
        )
        .plan();
        assert_eq!(
            plan.decision.scenario,
            Scenario::HighUsage { expedited: false }
        );
        assert_eq!(requested(&plan), vec![(QuotaSide::Tpm, 200_000, 250_000)]);
        assert!(plan.decided_actions().is_empty());
    }

    #[test]
    fn blog_invocation_anomaly_low_usage_opens_investigate_first_case_with_rpm_reference() {
        let mut case = Case::new(
            &[AlarmKind::InvocationAnomaly],
            10_001,
            6_250_000,
            (5_578.0, 3_404_691.0),
        );
        case.thresholds = thresholds(Some(10_001), 6_250_000);
        let plan = case.plan();
        assert_eq!(plan.decision.scenario, Scenario::LowUsage);
        assert_eq!(requested(&plan), vec![]);
        let case = plan.case(&[]).unwrap();
        assert_eq!(case.category, CaseCategory::QuotaRequest);
        assert_eq!(case.increases.len(), 1);
        assert_eq!(case.increases[0].side, QuotaSide::Rpm);
        assert_eq!(case.increases[0].desired, 12_502);
        assert_eq!(
            plan.decided_actions(),
            vec![Action::NotFiled {
                target: quota_target(
                    QuotaSide::Rpm,
                    Some(&QuotaCode::new(QuotaCode::DEFAULT_RPM).unwrap()),
                    Some(12_502)
                ),
                reason: NotFiledReason::InvestigateFirst,
            }]
        );
    }

    #[test]
    fn blog_client_errors_low_usage_lists_both_increases_for_reference() {
        let plan = Case::new(&[AlarmKind::ClientErrors], 200, 200_000, (50.0, 80_000.0)).plan();
        assert_eq!(plan.decision.scenario, Scenario::LowUsage);
        assert_eq!(requested(&plan), vec![]);
        let case = plan.case(&[]).unwrap();
        let sides: Vec<QuotaSide> = case.increases.iter().map(|i| i.side).collect();
        assert_eq!(sides, vec![QuotaSide::Rpm, QuotaSide::Tpm]);
        assert!(plan.decided_actions().iter().all(|a| matches!(
            a,
            Action::NotFiled {
                reason: NotFiledReason::InvestigateFirst,
                ..
            }
        )));
    }

    #[test]
    fn blog_input_token_anomaly_on_new_model_requests_tpm() {
        let plan = Case::new(&[AlarmKind::InputTokenAnomaly], 200, 500_000, (0.0, 0.0)).plan();
        assert_eq!(plan.decision.scenario, Scenario::NewModel);
        assert_eq!(requested(&plan), vec![(QuotaSide::Tpm, 500_000, 625_000)]);
        assert_eq!(plan.case(&[]), None);
    }

    #[test]
    fn blog_server_errors_non_quota_opens_investigation_case_without_increase() {
        let plan = Case::new(
            &[AlarmKind::ServerErrors],
            10_000,
            6_250_000,
            (9_999.0, 6_000_000.0),
        )
        .plan();
        assert_eq!(plan.decision.scenario, Scenario::NonQuota);
        assert!(plan.increases.is_empty());
        assert_eq!(
            plan.case(&[]),
            Some(CaseStep {
                category: CaseCategory::InvestigationRequest,
                increases: vec![]
            })
        );
        assert_eq!(plan.case_severity(), "high");
    }

    #[test]
    fn mixed_throttles_and_tpm_alarm_is_one_both_class_decision() {
        let plan = Case::new(
            &[AlarmKind::HighTpmQuotaUsage, AlarmKind::Throttles],
            10_000,
            6_250_000,
            (9_500.0, 3_000_000.0),
        )
        .plan();
        assert_eq!(plan.classification.class, AlarmClass::Both);
        assert_eq!(requested(&plan).len(), 2);
    }

    #[test]
    fn mixed_server_errors_and_rpm_alarm_follow_the_quota_class_only() {
        let plan = Case::new(
            &[AlarmKind::ServerErrors, AlarmKind::HighInvocationRate],
            10_000,
            6_250_000,
            (9_000.0, 10.0),
        )
        .plan();
        assert_eq!(plan.classification.class, AlarmClass::Rpm);
        assert_eq!(plan.classification.severity, Severity::Critical);
        assert_eq!(
            plan.decision.scenario,
            Scenario::HighUsage { expedited: true }
        );
        assert_eq!(requested(&plan), vec![(QuotaSide::Rpm, 10_000, 12_500)]);
        assert_eq!(plan.decision.category, CaseCategory::QuotaRequest);
    }

    #[test]
    fn percent_zero_asks_nothing_for_that_side_only() {
        let mut case = Case::new(&[AlarmKind::Throttles], 10_000, 6_250_000, (9_500.0, 1.0));
        case.settings.rpm_increase_percent = IncreasePercent::new(0).unwrap();
        let plan = case.plan();
        assert_eq!(
            requested(&plan),
            vec![(QuotaSide::Tpm, 6_250_000, 7_812_500)]
        );
        assert_eq!(
            plan.decided_actions(),
            vec![Action::NotFiled {
                target: quota_target(
                    QuotaSide::Rpm,
                    Some(&QuotaCode::new(QuotaCode::DEFAULT_RPM).unwrap()),
                    None
                ),
                reason: NotFiledReason::IncreasePercentZero,
            }]
        );
        assert_eq!(plan.case(&[]), None);
    }

    #[test]
    fn percent_zero_on_both_sides_files_nothing_at_all() {
        let mut case = Case::new(&[AlarmKind::Throttles], 10_000, 6_250_000, (9_500.0, 1.0));
        case.settings.rpm_increase_percent = IncreasePercent::new(0).unwrap();
        case.settings.tpm_increase_percent = IncreasePercent::new(0).unwrap();
        let plan = case.plan();
        assert_eq!(requested(&plan), vec![]);
        assert_eq!(plan.case(&[]), None);
        assert_eq!(plan.decided_actions().len(), 2);
    }

    #[test]
    fn low_usage_with_nothing_to_list_opens_no_case() {
        let mut case = Case::new(&[AlarmKind::ClientErrors], 200, 200_000, (50.0, 80_000.0));
        case.settings.rpm_increase_percent = IncreasePercent::new(0).unwrap();
        case.settings.tpm_increase_percent = IncreasePercent::new(0).unwrap();
        let plan = case.plan();
        assert_eq!(plan.decision.scenario, Scenario::LowUsage);
        assert_eq!(plan.case(&[]), None);
        assert!(plan.decided_actions().iter().all(|a| matches!(
            a,
            Action::NotFiled {
                reason: NotFiledReason::IncreasePercentZero,
                ..
            }
        )));
    }

    #[test]
    fn not_adjustable_quota_goes_to_a_support_case_instead() {
        let mut case = Case::new(&[AlarmKind::Throttles], 10_000, 6_250_000, (9_500.0, 1.0));
        if let SideQuota::Read(r) = &mut case.tpm {
            r.facts.adjustable = false;
        }
        let plan = case.plan();
        assert_eq!(requested(&plan), vec![(QuotaSide::Rpm, 10_000, 12_500)]);
        let case = plan.case(&[]).unwrap();
        assert_eq!(case.category, CaseCategory::QuotaRequest);
        assert_eq!(case.increases.len(), 1);
        assert_eq!(case.increases[0].side, QuotaSide::Tpm);
        assert!(matches!(
            plan.decided_actions().as_slice(),
            [Action::NotFiled {
                reason: NotFiledReason::NotAdjustable,
                ..
            }]
        ));
    }

    #[test]
    fn run_time_refusal_joins_the_planned_fallback_in_one_case() {
        let mut case = Case::new(&[AlarmKind::Throttles], 10_000, 6_250_000, (9_500.0, 1.0));
        if let SideQuota::Read(r) = &mut case.tpm {
            r.facts.adjustable = false;
        }
        let plan = case.plan();
        let refused: Vec<QuotaIncrease> = plan.requests().cloned().collect();
        let case = plan.case(&refused).unwrap();
        let sides: Vec<QuotaSide> = case.increases.iter().map(|i| i.side).collect();
        assert_eq!(sides, vec![QuotaSide::Rpm, QuotaSide::Tpm]);
    }

    #[test]
    fn unreadable_usage_is_usage_unknown_and_still_requests() {
        let case = Case::new(
            &[AlarmKind::HighInvocationRate],
            10_000,
            6_250_000,
            (0.0, 0.0),
        );
        let plan = plan(&PlanInput {
            classification: &fired(&case.alarms),
            settings: Ok(&case.settings),
            usage: Err("CloudWatch GetMetricData: throttled"),
            thresholds: Ok(&case.thresholds),
            rpm: &case.rpm,
            tpm: &case.tpm,
            input_tpm: &SideQuota::NotApplicable,
            output_tpm: &SideQuota::NotApplicable,
        });
        assert_eq!(plan.decision.scenario.name(), "usage_unknown");
        assert_eq!(requested(&plan), vec![(QuotaSide::Rpm, 10_000, 12_500)]);
    }

    #[test]
    fn unread_quota_is_not_filed_and_says_why() {
        let mut case = Case::new(&[AlarmKind::Throttles], 10_000, 6_250_000, (9_500.0, 1.0));
        case.rpm = SideQuota::Unread {
            code: QuotaCode::new(QuotaCode::DEFAULT_RPM).unwrap(),
            reason: NotFiledReason::Throttled,
        };
        let plan = case.plan();
        assert_eq!(
            requested(&plan),
            vec![(QuotaSide::Tpm, 6_250_000, 7_812_500)]
        );
        assert!(matches!(
            plan.decided_actions().as_slice(),
            [Action::NotFiled {
                reason: NotFiledReason::Throttled,
                target: Target::Quota {
                    side: QuotaSide::Rpm,
                    desired: None,
                    ..
                }
            }]
        ));
    }

    #[test]
    fn rpm_not_applicable_is_skipped_with_its_reason() {
        let mut case = Case::new(&[AlarmKind::Throttles], 10_000, 200_000, (10.0, 190_000.0));
        case.thresholds = thresholds(None, 200_000);
        case.rpm = SideQuota::NotApplicable;
        let plan = case.plan();
        assert_eq!(
            plan.decision.scenario,
            Scenario::HighUsage { expedited: true }
        );
        assert_eq!(requested(&plan), vec![(QuotaSide::Tpm, 200_000, 250_000)]);
        assert!(matches!(
            plan.decided_actions().as_slice(),
            [Action::NotFiled {
                reason: NotFiledReason::RpmQuotaNotApplicable,
                ..
            }]
        ));
    }

    #[test]
    fn rpm_alarm_on_a_model_without_rpm_quota_explains_why_nothing_is_filed() {
        let mut case = Case::new(
            &[AlarmKind::HighInvocationRate],
            10_000,
            200_000,
            (10.0, 1.0),
        );
        case.thresholds = thresholds(None, 200_000);
        case.rpm = SideQuota::NotApplicable;
        let plan = case.plan();
        assert_eq!(requested(&plan), vec![]);
        assert_eq!(plan.case(&[]), None);
        assert!(matches!(
            plan.decided_actions().as_slice(),
            [Action::NotFiled {
                reason: NotFiledReason::RpmQuotaNotApplicable,
                target: Target::Quota {
                    quota_code: None,
                    ..
                }
            }]
        ));
    }

    #[test]
    fn automation_off_holds_every_filing_and_still_decides() {
        let mut case = Case::new(&[AlarmKind::Throttles], 10_000, 6_250_000, (9_500.0, 1.0));
        case.settings.automated_support_case = false;
        let plan = case.plan();
        assert_eq!(
            plan.execution,
            Execution::Held(NotFiledReason::AutomationDisabled)
        );
        assert_eq!(requested(&plan).len(), 2);
        let actions = plan.unsent_actions(None);
        assert_eq!(actions.len(), 2);
        assert!(actions.iter().all(|a| matches!(
            a,
            Action::NotFiled {
                reason: NotFiledReason::AutomationDisabled,
                target: Target::Quota {
                    desired: Some(_),
                    ..
                }
            }
        )));
    }

    #[test]
    fn dry_run_reports_what_would_have_been_filed() {
        let mut case = Case::new(&[AlarmKind::ServerErrors], 10_000, 6_250_000, (1.0, 1.0));
        case.settings.mode = Mode::DryRun;
        let plan = case.plan();
        assert_eq!(plan.execution, Execution::DryRun);
        assert_eq!(
            plan.unsent_actions(None),
            vec![Action::WouldFile {
                filing: Filing::NewCase {
                    category: CaseCategory::InvestigationRequest
                }
            }]
        );
        let open = CaseRef {
            case_id: "case-1".into(),
            display_id: "101".into(),
        };
        assert_eq!(
            plan.unsent_actions(Some(&open)),
            vec![Action::WouldFile {
                filing: Filing::Append {
                    category: CaseCategory::InvestigationRequest,
                    case: open
                }
            }]
        );
    }

    #[test]
    fn automation_off_wins_over_dry_run() {
        let mut case = Case::new(&[AlarmKind::ServerErrors], 10_000, 6_250_000, (1.0, 1.0));
        case.settings.mode = Mode::DryRun;
        case.settings.automated_support_case = false;
        assert_eq!(
            case.plan().execution,
            Execution::Held(NotFiledReason::AutomationDisabled)
        );
    }

    #[test]
    fn unreadable_settings_hold_everything_and_say_why() {
        let case = Case::new(&[AlarmKind::Throttles], 10_000, 6_250_000, (9_500.0, 1.0));
        let plan = plan(&PlanInput {
            classification: &fired(&case.alarms),
            settings: Err("ssm GetParametersByPath: access denied"),
            usage: Ok(&case.usage),
            thresholds: Ok(&case.thresholds),
            rpm: &case.rpm,
            tpm: &case.tpm,
            input_tpm: &SideQuota::NotApplicable,
            output_tpm: &SideQuota::NotApplicable,
        });
        let Execution::Held(NotFiledReason::SettingsUnreadable { message }) = &plan.execution
        else {
            panic!("{:?}", plan.execution)
        };
        assert!(message.contains("access denied"), "{message}");
        assert!(
            plan.notify,
            "with unknown preferences every e-mail goes out"
        );
    }

    #[test]
    fn notification_preference_filters_the_email_not_the_filing() {
        let mut case = Case::new(
            &[AlarmKind::HighTpmQuotaUsage],
            200,
            200_000,
            (150.0, 210_000.0),
        );
        case.settings.notification_preference = NotificationPreference::Critical;
        let plan = case.plan();
        assert!(!plan.notify);
        assert_eq!(plan.execution, Execution::Live);
        assert_eq!(requested(&plan).len(), 1);

        case.alarms = vec![AlarmKind::Throttles];
        assert!(case.plan().notify);
    }

    #[test]
    fn recovery_files_nothing_and_follows_the_preference() {
        let mut s = settings();
        s.notification_preference = NotificationPreference::Critical;
        let latency = fired(&[AlarmKind::HighLatency]);
        assert!(!recovery(&latency, Ok(&s)).notify);
        assert!(recovery(&fired(&[AlarmKind::ServerErrors]), Ok(&s)).notify);
        assert!(recovery(&latency, Err("unread")).notify);
    }

    #[test]
    fn case_severity_is_high_for_critical_and_normal_for_warning() {
        assert_eq!(case_severity_code(Severity::Critical), "high");
        assert_eq!(case_severity_code(Severity::Warning), "normal");
    }

    #[test]
    fn stored_thresholds_parse_numbers_and_rpm_na() {
        let values: BTreeMap<String, String> = [
            (keys::RPM_THRESHOLD_CALCULATED, "NA"),
            (keys::TPM_THRESHOLD_CALCULATED, "5000000"),
            (keys::MODE, "live"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let t = stored_thresholds(&values, false).unwrap();
        assert_eq!(t.rpm(), RpmThreshold::NotApplicable);
        assert_eq!(t.tpm().map(Threshold::get), Some(5_000_000));
    }

    #[test]
    fn stored_thresholds_of_a_split_token_model_are_the_input_and_output_ones() {
        let mut values: BTreeMap<String, String> = [
            (keys::RPM_THRESHOLD_CALCULATED, "160"),
            (keys::INPUT_TPM_THRESHOLD_CALCULATED, "1600000"),
            (keys::OUTPUT_TPM_THRESHOLD_CALCULATED, "320000"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let t = stored_thresholds(&values, true).unwrap();
        assert_eq!(t.rpm().threshold().map(Threshold::get), Some(160));
        assert_eq!(t.tpm(), None);
        let (input, output) = t.split().unwrap();
        assert_eq!((input.get(), output.get()), (1_600_000, 320_000));
        // A split stack has no combined key, and needs none.
        let err = stored_thresholds(&values, false).unwrap_err();
        assert!(err.contains("tpm-threshold-calculated"), "{err}");
        values.remove(keys::OUTPUT_TPM_THRESHOLD_CALCULATED);
        let err = stored_thresholds(&values, true).unwrap_err();
        assert!(err.contains("output-tpm-threshold-calculated"), "{err}");
    }

    #[test]
    fn stored_thresholds_name_the_missing_or_damaged_key() {
        let mut values = BTreeMap::new();
        let err = stored_thresholds(&values, false).unwrap_err();
        assert!(err.contains("rpm-threshold-calculated"), "{err}");
        values.insert(keys::RPM_THRESHOLD_CALCULATED.to_owned(), "8000".to_owned());
        values.insert(keys::TPM_THRESHOLD_CALCULATED.to_owned(), "lots".to_owned());
        let err = stored_thresholds(&values, false).unwrap_err();
        assert!(
            err.contains("tpm-threshold-calculated") && err.contains("lots"),
            "{err}"
        );
    }

    #[test]
    fn alarm_state_parses_cloudwatch_spelling_only() {
        assert_eq!(AlarmState::parse("ALARM"), Some(AlarmState::Alarm));
        assert_eq!(AlarmState::parse("OK"), Some(AlarmState::Ok));
        assert_eq!(AlarmState::parse("INSUFFICIENT_DATA"), None);
        assert_eq!(AlarmState::parse("alarm"), None);
    }
}
