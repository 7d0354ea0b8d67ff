//! Whether an alarm is appended to an open case again: one rule for repeat suppression (the sample's
//! "already reported" for anomaly and latency alarms, issue 12) and the append cooldown (issue 13: a
//! flapping alarm does not flood the case).
//!
//! Per alarm kind that fired, from the case's [`Trail`] (the marks of our earlier bodies on it):
//!
//! | alarm kind | the case already carries it | verdict |
//! |---|---|---|
//! | anomaly (`InvocationAnomaly`, `InputTokenAnomaly`, `OutputTokenAnomaly`, `LatencyAnomaly`) or `HighLatency` | no | append |
//! | the same | yes, at any time (appended before, or the case was opened for it) | already reported |
//! | errors, `Throttles`, RPM/TPM quota alarms (escalation: each new firing is news) | no | append |
//! | the same | last reported less than `append-cooldown-minutes` ago | cooldown |
//! | the same | last reported longer ago, or at a time not known, or the cooldown is 0 | append |
//!
//! Several alarms fired together (a composite) are appended when any one of them is; otherwise the
//! verdict is "cooldown" when any of them is waiting for its cooldown, else "already reported". A mark out
//! of sight (only the newest communications come back) reads as "not carried": the rule then appends,
//! it never drops a new signal on a guess.

use crate::alarms::AlarmKind;
use crate::case_trail::Trail;
use crate::outcome::{CaseRef, NotFiledReason};
use crate::settings::AppendCooldown;

/// What to do with an alarm and an open case that could take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Append,
    /// Every alarm is an anomaly or latency alarm the case already carries.
    AlreadyReported,
    /// Every escalating alarm was appended within the cooldown (and every other one is carried).
    Cooldown,
}

impl Verdict {
    /// The reason an append is not made, naming the case; `None` for [`Verdict::Append`].
    pub fn reason(self, case: &CaseRef, cooldown: AppendCooldown) -> Option<NotFiledReason> {
        match self {
            Verdict::Append => None,
            Verdict::AlreadyReported => {
                Some(NotFiledReason::AlreadyReported { case: case.clone() })
            }
            Verdict::Cooldown => Some(NotFiledReason::AppendCooldown {
                case: case.clone(),
                minutes: cooldown.get(),
            }),
        }
    }
}

/// Whether a repeat of this alarm on a case that carries it adds nothing (anomaly bands and latency:
/// the first report says it all), as opposed to errors, throttles and quota alarms, which escalate.
pub fn repeats_are_suppressed(kind: AlarmKind) -> bool {
    matches!(
        kind,
        AlarmKind::InvocationAnomaly
            | AlarmKind::InputTokenAnomaly
            | AlarmKind::OutputTokenAnomaly
            | AlarmKind::LatencyAnomaly
            | AlarmKind::HighLatency
    )
}

/// The verdict of one alarm kind.
fn verdict_of(kind: AlarmKind, trail: &Trail, cooldown: AppendCooldown, now: i64) -> Verdict {
    let Some(reported) = trail.reported(kind) else {
        return Verdict::Append;
    };
    if repeats_are_suppressed(kind) {
        return Verdict::AlreadyReported;
    }
    match reported.at {
        Some(at) if !cooldown.is_off() && now - at < cooldown.seconds() => Verdict::Cooldown,
        _ => Verdict::Append,
    }
}

/// The verdict for the alarms that fired together (see the module's table). No alarm at all: append.
pub fn verdict(fired: &[AlarmKind], trail: &Trail, cooldown: AppendCooldown, now: i64) -> Verdict {
    let verdicts: Vec<Verdict> = fired
        .iter()
        .map(|kind| verdict_of(*kind, trail, cooldown, now))
        .collect();
    if verdicts.is_empty() || verdicts.contains(&Verdict::Append) {
        Verdict::Append
    } else if verdicts.contains(&Verdict::Cooldown) {
        Verdict::Cooldown
    } else {
        Verdict::AlreadyReported
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case_trail::{Posted, mark_line};
    use crate::stack::StackName;

    const NOW: i64 = 1_777_906_368;

    fn stack() -> StackName {
        StackName {
            customer: "Acme".to_owned(),
            model_name: "M".to_owned(),
        }
    }

    /// A case whose marks report `kinds`, posted `age` seconds ago (`None`: time unknown).
    fn trail(reported: &[(AlarmKind, Option<i64>)]) -> Trail {
        let bodies: Vec<(String, Option<i64>)> = reported
            .iter()
            .map(|(kind, age)| (mark_line(&stack(), &[*kind], []), age.map(|a| NOW - a)))
            .collect();
        Trail::read(
            &stack(),
            bodies.iter().map(|(body, at)| Posted { body, at: *at }),
        )
    }

    fn minutes(m: u32) -> AppendCooldown {
        AppendCooldown::minutes(m).unwrap()
    }

    use AlarmKind::*;
    use Verdict::*;

    #[test]
    fn the_rule_table() {
        // (what fired, what the case carries (kind, seconds ago), cooldown minutes, verdict)
        /// (what fired, what the case carries, cooldown minutes, verdict)
        type Row = (&'static [AlarmKind], Carried, u32, Verdict);
        type Carried = &'static [(AlarmKind, Option<i64>)];
        let table: &[Row] = &[
            // Nothing carried yet: always appended.
            (&[InvocationAnomaly], &[], 60, Append),
            (&[Throttles], &[], 60, Append),
            (&[HighLatency], &[(Throttles, Some(10))], 60, Append),
            // Anomaly and latency alarms: once per case, whatever the time and the cooldown.
            (
                &[InvocationAnomaly],
                &[(InvocationAnomaly, Some(10))],
                60,
                AlreadyReported,
            ),
            (
                &[LatencyAnomaly],
                &[(LatencyAnomaly, Some(30 * 86_400))],
                60,
                AlreadyReported,
            ),
            (
                &[InputTokenAnomaly],
                &[(InputTokenAnomaly, None)],
                0,
                AlreadyReported,
            ),
            (
                &[OutputTokenAnomaly],
                &[(OutputTokenAnomaly, Some(10))],
                0,
                AlreadyReported,
            ),
            (
                &[HighLatency],
                &[(HighLatency, Some(10))],
                60,
                AlreadyReported,
            ),
            // Escalating alarms: once per cooldown window.
            (&[Throttles], &[(Throttles, Some(10))], 60, Cooldown),
            (&[Throttles], &[(Throttles, Some(3_599))], 60, Cooldown),
            (&[Throttles], &[(Throttles, Some(3_600))], 60, Append),
            (&[ServerErrors], &[(ServerErrors, Some(10))], 60, Cooldown),
            (&[ClientErrors], &[(ClientErrors, Some(10))], 0, Append),
            (
                &[HighInvocationRate],
                &[(HighInvocationRate, Some(10))],
                60,
                Cooldown,
            ),
            (
                &[HighTpmQuotaUsage],
                &[(HighTpmQuotaUsage, Some(10))],
                1,
                Cooldown,
            ),
            (
                &[HighTpmQuotaUsage],
                &[(HighTpmQuotaUsage, Some(60))],
                1,
                Append,
            ),
            (
                &[HighInputTpmQuotaUsage],
                &[(HighInputTpmQuotaUsage, Some(10))],
                60,
                Cooldown,
            ),
            (
                &[HighOutputTpmQuotaUsage],
                &[(HighOutputTpmQuotaUsage, Some(10))],
                60,
                Cooldown,
            ),
            // An unknown time never holds an escalation back.
            (&[Throttles], &[(Throttles, None)], 60, Append),
            // Another alarm's report does not count.
            (&[Throttles], &[(ServerErrors, Some(10))], 60, Append),
            // Together: any append wins; else cooldown before already reported.
            (
                &[Throttles, InvocationAnomaly],
                &[(InvocationAnomaly, Some(10))],
                60,
                Append,
            ),
            (
                &[Throttles, InvocationAnomaly],
                &[(Throttles, Some(10)), (InvocationAnomaly, Some(10))],
                60,
                Cooldown,
            ),
            (
                &[LatencyAnomaly, HighLatency],
                &[(LatencyAnomaly, Some(10)), (HighLatency, Some(10))],
                60,
                AlreadyReported,
            ),
            (
                &[LatencyAnomaly, HighLatency],
                &[(LatencyAnomaly, Some(10))],
                60,
                Append,
            ),
            (&[], &[(Throttles, Some(10))], 60, Append),
        ];
        for (fired, carried, cooldown, expected) in table {
            assert_eq!(
                verdict(fired, &trail(carried), minutes(*cooldown), NOW),
                *expected,
                "fired {fired:?}, carried {carried:?}, cooldown {cooldown} min"
            );
        }
    }

    #[test]
    fn every_alarm_kind_is_either_suppressed_or_escalating_on_purpose() {
        let suppressed: Vec<AlarmKind> = AlarmKind::ALL
            .into_iter()
            .filter(|k| repeats_are_suppressed(*k))
            .collect();
        assert_eq!(
            suppressed,
            [
                HighLatency,
                InvocationAnomaly,
                InputTokenAnomaly,
                OutputTokenAnomaly,
                LatencyAnomaly
            ]
        );
    }

    #[test]
    fn a_verdict_names_the_case_and_the_cooldown() {
        let case = CaseRef {
            case_id: "case-1".into(),
            display_id: "101".into(),
        };
        assert_eq!(Append.reason(&case, minutes(60)), None);
        assert_eq!(
            AlreadyReported.reason(&case, minutes(60)),
            Some(NotFiledReason::AlreadyReported { case: case.clone() })
        );
        assert_eq!(
            Cooldown.reason(&case, minutes(45)),
            Some(NotFiledReason::AppendCooldown { case, minutes: 45 })
        );
    }
}
