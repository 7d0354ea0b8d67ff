//! Text blocks that the e-mail and the case bodies share, so both tell the same story in the same
//! numbers: the alarm list, the usage lines, the one-sentence rationale of the scenario.

use crate::alarms::AlarmKind;
use crate::dedup::CaseCategory;
use crate::outcome::QuotaIncrease;
use crate::scenario::{QuotaSide, Scenario};

use super::format::{one_line, rate, thousands, truncate, utc};
use super::{AlarmFacts, FiredAlarm, Limit, SideFigures};

/// What an alarm kind means, in a few words.
pub(crate) fn kind_meaning(kind: AlarmKind) -> &'static str {
    match kind {
        AlarmKind::ClientErrors => {
            "requests were rejected with client errors (4xx), which include quota rejections"
        }
        AlarmKind::ServerErrors => "the service answered with server errors (5xx)",
        AlarmKind::Throttles => "requests were throttled, so a rate quota was hit",
        AlarmKind::HighInvocationRate => {
            "the request rate reached the requests-per-minute alarm threshold"
        }
        AlarmKind::HighTpmQuotaUsage => {
            "estimated token usage reached the tokens-per-minute alarm threshold"
        }
        AlarmKind::HighLatency => "invocation latency rose above its alarm threshold",
        AlarmKind::InvocationAnomaly => "the number of requests rose above its expected band",
        AlarmKind::InputTokenAnomaly => "input tokens rose above their expected band",
        AlarmKind::OutputTokenAnomaly => "output tokens rose above their expected band",
        AlarmKind::LatencyAnomaly => "latency rose above its expected band",
        AlarmKind::HighInputTpmQuotaUsage => {
            "input tokens reached the input tokens-per-minute alarm threshold"
        }
        AlarmKind::HighOutputTpmQuotaUsage => {
            "output tokens reached the output tokens-per-minute alarm threshold"
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => format!(
            "{} and {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// The kinds of the fired alarms, in the order given, without repeats; the classification's
/// kinds when no alarm detail was passed.
pub(crate) fn fired_kinds(facts: &AlarmFacts) -> Vec<AlarmKind> {
    let mut kinds = Vec::with_capacity(facts.alarms.len());
    for alarm in &facts.alarms {
        if !kinds.contains(&alarm.name.kind) {
            kinds.push(alarm.name.kind);
        }
    }
    if kinds.is_empty() {
        kinds.extend(facts.classification.alarms());
    }
    kinds
}

pub(crate) fn kind_names(kinds: &[AlarmKind]) -> String {
    and_list(&kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>())
}

/// One entry per fired alarm: kind, severity, layer, time, meaning, full name, state reason.
/// `reason_max` bounds the free-text state reason (bytes).
pub(crate) fn alarm_lines(alarms: &[FiredAlarm], reason_max: usize) -> String {
    let mut out = String::new();
    for alarm in alarms {
        let kind = alarm.name.kind;
        out.push_str(&format!(
            "- {kind} ({}, {}) at {}: {}.\n  Alarm: {}\n",
            kind.severity(),
            kind.layer(),
            utc(alarm.at),
            kind_meaning(kind),
            alarm.name,
        ));
        let reason = one_line(&alarm.reason);
        if !reason.is_empty() {
            out.push_str(&format!(
                "  CloudWatch reason: {}\n",
                truncate(&reason, reason_max)
            ));
        }
    }
    out
}

fn side_label(side: QuotaSide) -> &'static str {
    match side {
        QuotaSide::Rpm => "Requests per minute (RPM)",
        QuotaSide::Tpm => "Tokens per minute (TPM, estimated quota usage)",
        QuotaSide::InputTpm => "Input tokens per minute (input TPM)",
        QuotaSide::OutputTpm => "Output tokens per minute (output TPM)",
    }
}

/// The per-minute 14-day figures of one side next to its threshold and quota.
fn usage_line(
    side: QuotaSide,
    peak: Option<f64>,
    steady: Option<f64>,
    figures: SideFigures,
) -> String {
    let label = side_label(side);
    let usage = match (peak, steady) {
        (Some(p), Some(s)) => format!("peak {}, steady {}", rate(p), rate(s)),
        _ => "usage not read".to_owned(),
    };
    if figures.quota == Limit::NotApplicable {
        return format!("- {label}: {usage}; not applicable, this model has no RPM quota\n");
    }
    format!(
        "- {label}: {usage}; alarm threshold {}; quota {}\n",
        figures.threshold, figures.quota
    )
}

/// The usage section: header plus one line per side, and the average tokens per request when known.
pub(crate) fn usage_lines(facts: &AlarmFacts) -> String {
    let u = facts.usage.as_ref();
    let days = lookback_days(facts);
    let mut out = format!(
        "Usage over the last {days} days, per minute (steady = median of the minutes with traffic):\n"
    );
    out.push_str(&counted_ids_line(facts));
    out.push_str(&usage_line(
        QuotaSide::Rpm,
        u.map(|u| u.peak_rpm),
        u.map(|u| u.steady_rpm),
        facts.rpm,
    ));
    match facts.split_tpm {
        None => out.push_str(&usage_line(
            QuotaSide::Tpm,
            u.map(|u| u.peak_tpm),
            u.map(|u| u.steady_tpm),
            facts.tpm,
        )),
        Some(split) => {
            for (side, series, figures) in [
                (
                    QuotaSide::InputTpm,
                    u.and_then(|u| u.input_tpm),
                    split.input,
                ),
                (
                    QuotaSide::OutputTpm,
                    u.and_then(|u| u.output_tpm),
                    split.output,
                ),
            ] {
                out.push_str(&usage_line(
                    side,
                    series.map(|s| s.peak),
                    series.map(|s| s.steady),
                    figures,
                ));
            }
        }
    }
    if let Some(u) = u {
        let parts: Vec<String> = [
            u.avg_input_tokens_per_request
                .map(|v| format!("{} in", rate(v))),
            u.avg_output_tokens_per_request
                .map(|v| format!("{} out", rate(v))),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !parts.is_empty() {
            out.push_str(&format!(
                "- Average tokens per request: {}\n",
                parts.join(", ")
            ));
        }
    }
    out
}

/// Which ids the usage figures add up, when more than the monitored one: every id whose traffic was read is
/// named (each cut to 200 characters; a stack has at most a handful). Nothing when usage was not read.
fn counted_ids_line(facts: &AlarmFacts) -> String {
    let ids = facts.stack.model_ids.all();
    if facts.usage.is_none() || ids.len() < 2 {
        return String::new();
    }
    let names: Vec<String> = ids.iter().map(|id| truncate(&one_line(id), 200)).collect();
    format!(
        "- Counted over {} model ids, summed: {}\n",
        ids.len(),
        names.join(", ")
    )
}

/// The usage window: the one read, else the standard 14 days.
pub(crate) fn lookback_days(facts: &AlarmFacts) -> u32 {
    facts
        .usage
        .as_ref()
        .map_or(crate::usage::DEFAULT_LOOKBACK_DAYS, |u| u.lookback_days)
}

/// The peak of a side against its known threshold: `(peak, threshold)`.
fn peak_and_threshold(facts: &AlarmFacts, side: QuotaSide) -> Option<(f64, u64)> {
    let usage = facts.usage.as_ref()?;
    let (peak, figures) = match side {
        QuotaSide::Rpm => (usage.peak_rpm, facts.rpm),
        QuotaSide::Tpm => (usage.peak_tpm, facts.tpm),
        QuotaSide::InputTpm => (usage.input_tpm?.peak, facts.split_tpm?.input),
        QuotaSide::OutputTpm => (usage.output_tpm?.peak, facts.split_tpm?.output),
    };
    Some((peak, figures.threshold.known()?))
}

/// The sides the usage check compared: RPM and the combined TPM, or RPM and the split token quotas.
fn compared_sides(facts: &AlarmFacts) -> &'static [QuotaSide] {
    match facts.split_tpm {
        None => &[QuotaSide::Rpm, QuotaSide::Tpm],
        Some(_) => &[QuotaSide::Rpm, QuotaSide::InputTpm, QuotaSide::OutputTpm],
    }
}

pub(crate) fn comparison(facts: &AlarmFacts, reached: bool) -> Vec<String> {
    compared_sides(facts)
        .iter()
        .copied()
        .filter_map(|side| {
            let (peak, threshold) = peak_and_threshold(facts, side)?;
            ((peak >= threshold as f64) == reached).then(|| {
                format!(
                    "{} peak {} {} threshold {}",
                    side.as_str(),
                    rate(peak),
                    if reached { "≥" } else { "<" },
                    thousands(threshold)
                )
            })
        })
        .collect()
}

/// One truthful sentence on why the scenario was chosen, with the numbers that decided it.
pub(crate) fn rationale(facts: &AlarmFacts) -> String {
    match &facts.scenario {
        Scenario::NonQuota => {
            "Only server-error or latency alarms fired; they are not quota signals, \
             so usage was not weighed and no quota increase is involved."
                .to_owned()
        }
        Scenario::NewModel => format!(
            "No requests and no tokens were recorded in the last {} days: the model looks newly \
             deployed, so there is no usage history to check the alarm against.",
            lookback_days(facts)
        ),
        Scenario::HighUsage { expedited } => {
            let reached = comparison(facts, true);
            let mut text = if reached.is_empty() {
                format!(
                    "The {}-day peak usage reached an alarm threshold, so usage is close to the quota.",
                    lookback_days(facts)
                )
            } else {
                format!(
                    "The {}-day {} ({}), so sustained usage is close to the quota.",
                    lookback_days(facts),
                    if reached.len() == 1 {
                        "peak reached its alarm threshold"
                    } else {
                        "peaks reached their alarm thresholds"
                    },
                    reached.join("; ")
                )
            };
            if *expedited {
                text.push_str(
                    " A critical alarm fired: what we send to AWS Support asks for expedited handling.",
                );
            }
            text
        }
        Scenario::LowUsage => {
            let below = comparison(facts, false);
            let numbers = if below.is_empty() {
                String::new()
            } else {
                format!(" ({})", below.join("; "))
            };
            format!(
                "The {}-day peaks stayed below the alarm thresholds{numbers}, which points to a \
                 short-lived event rather than sustained growth.",
                lookback_days(facts)
            )
        }
        Scenario::UsageUnknown { reason } => format!(
            "Usage could not be verified: {}. This quota alarm is therefore handled as a quota \
             request without a usage check.",
            truncate(&one_line(reason), 300).trim_end_matches('.')
        ),
    }
}

/// "an RPM", "a TPM": the article as the abbreviation is read aloud.
pub(crate) fn a_side(side: QuotaSide) -> &'static str {
    match side {
        QuotaSide::Rpm => "an RPM",
        QuotaSide::Tpm => "a TPM",
        QuotaSide::InputTpm => "an input TPM",
        QuotaSide::OutputTpm => "an output TPM",
    }
}

/// "a Quota Request", "an Investigation Request".
pub(crate) fn a_category(category: CaseCategory) -> &'static str {
    match category {
        CaseCategory::QuotaRequest => "a Quota Request",
        CaseCategory::InvestigationRequest => "an Investigation Request",
    }
}

/// `Requests per minute, L-3DD46812 (name): from 10,000 to 12,500`.
pub(crate) fn increase_line(increase: &QuotaIncrease) -> String {
    let side = match increase.side {
        QuotaSide::Rpm => "Requests per minute",
        QuotaSide::Tpm => "Tokens per minute",
        QuotaSide::InputTpm => "Input tokens per minute",
        QuotaSide::OutputTpm => "Output tokens per minute",
    };
    let name = one_line(&increase.quota_name);
    let name = if name.is_empty() {
        String::new()
    } else {
        format!(" ({})", truncate(&name, 200))
    };
    format!(
        "- {side}, {}{name}: from {} to {}\n",
        increase.quota_code,
        thousands(increase.current),
        thousands(increase.desired)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn and_list_joins_like_prose() {
        assert_eq!(and_list::<&str>(&[]), "");
        assert_eq!(and_list(&["a"]), "a");
        assert_eq!(and_list(&["a", "b"]), "a and b");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
    }
}
