//! Support case text for the AWS Support engineer: the subject (the duplicate key from
//! [`crate::dedup`]), the body of a new case per scenario, the communication appended to an open
//! case (urgency prefix first), and the context appended to the case Service Quotas opens for an
//! increase request.
//!
//! Every body stays under [`CASE_BODY_MAX_BYTES`]: free text (state reasons, the use case) is cut
//! to a fixed budget first, and the whole body is cut last, so the limit holds for any input.
//! Every body ends with the stack's mark ([`crate::case_trail`]: the alarms it reports, the quota
//! increases it asks for), kept whole when the body is cut, so that later alarms can tell what the
//! case already carries without another call.

use crate::alarms::Severity;
use crate::case_trail::mark_line;
use crate::dedup::urgency_prefix;
use crate::outcome::QuotaIncrease;
use crate::scenario::Scenario;
use crate::thresholds::QuotaCode;

use super::AlarmFacts;
use super::format::{one_line, truncate};
use super::shared::{
    alarm_lines, comparison, fired_kinds, increase_line, kind_meaning, kind_names, lookback_days,
    rationale, usage_lines,
};

/// AWS Support's limit for `communicationBody`. Counted in bytes here, which is never less than
/// the number of characters.
pub const CASE_BODY_MAX_BYTES: usize = 8_000;
/// Budget for one alarm's CloudWatch state reason.
const REASON_MAX: usize = 400;
/// Budget for the `use-case-description` setting.
const USE_CASE_MAX: usize = 2_000;

/// A new Support case: subject and first communication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseText {
    pub subject: String,
    pub body: String,
}

/// A communication added to an existing case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Communication {
    pub body: String,
}

/// The subject of the case for these facts: `C - Bedrock Ops Alert - M - <category>`.
pub fn subject(facts: &AlarmFacts) -> String {
    facts
        .stack
        .name
        .case_subject(facts.scenario.case_category())
}

/// The first communication of a new case, worded for the scenario.
pub fn new_case(facts: &AlarmFacts) -> CaseText {
    let stack = &facts.stack;
    let title = match facts.scenario {
        Scenario::NonQuota => "Investigation request",
        Scenario::LowUsage => "Quota alarm, investigation first (increase listed for reference)",
        Scenario::HighUsage { .. } | Scenario::NewModel | Scenario::UsageUnknown { .. } => {
            "Quota increase request"
        }
    };
    let mut body = format!(
        "{title}: Amazon Bedrock model {} in {}\n\n",
        stack.model_name(),
        stack.region
    );
    body.push_str(&identity(facts));
    body.push('\n');
    let what = if facts.increases.len() > 1 {
        "the increases below"
    } else {
        "the increase below"
    };
    body.push_str(&summary(facts, what));
    body.push_str("\n\n");
    body.push_str(&increases(facts, false));
    body.push_str(&details(facts));
    body.push_str(
        "\nOpened automatically by Bedrock Ops Alert, which watches this Bedrock model's \
         errors, latency and quota usage.\n",
    );
    CaseText {
        subject: subject(facts),
        body: marked(&body, facts, asks(facts)),
    }
}

/// The communication added to an open case of the same category: the urgency prefix, the new
/// alarms, updated usage, and the increase asked for now (if any).
pub fn append(facts: &AlarmFacts) -> Communication {
    let kinds = fired_kinds(facts);
    let mut body = urgency_prefix(facts.classification.severity, &kinds);
    body.push_str("\n\n");
    body.push_str(&identity(facts));
    body.push('\n');
    body.push_str(&rationale(facts));
    body.push(' ');
    body.push_str(append_ask(facts));
    body.push_str("\n\n");
    body.push_str(&increases(facts, true));
    body.push_str(&details(facts));
    body.push_str("\nAdded automatically by Bedrock Ops Alert.\n");
    Communication {
        body: marked(&body, facts, asks(facts)),
    }
}

/// The context added to the case that Service Quotas opened for increase request `request_id`:
/// the engineer sees why the request was filed, with the alarms and the usage behind it.
pub fn quota_request_context(
    facts: &AlarmFacts,
    request_id: &str,
    increase: &QuotaIncrease,
) -> Communication {
    let mut body = format!(
        "Context for Service Quotas request {request_id}, filed automatically by Bedrock Ops Alert:\n{} ({})\n\n",
        increase_line(increase).trim_end(),
        percent_more(increase)
    );
    body.push_str(&identity(facts));
    body.push('\n');
    body.push_str(&summary(facts, "this increase"));
    // `summary` asks to expedite only for high usage; any critical alarm behind a request asks.
    if facts.classification.severity == Severity::Critical
        && facts.scenario != (Scenario::HighUsage { expedited: true })
    {
        body.push_str(
            "\n\nPlease expedite: a critical alarm fired, so requests to this model may be failing \
             or being throttled right now.",
        );
    }
    body.push_str("\n\n");
    body.push_str(&details(facts));
    Communication {
        body: marked(&body, facts, vec![&increase.quota_code]),
    }
}

/// The quota increases a body asks for: none when it lists them for reference only (`low_usage`).
fn asks(facts: &AlarmFacts) -> Vec<&QuotaCode> {
    match facts.scenario {
        Scenario::LowUsage | Scenario::NonQuota => Vec::new(),
        Scenario::HighUsage { .. } | Scenario::NewModel | Scenario::UsageUnknown { .. } => {
            facts.increases.iter().map(|i| &i.quota_code).collect()
        }
    }
}

/// `body` cut to the limit with the stack's mark whole at its end.
fn marked(body: &str, facts: &AlarmFacts, asks: Vec<&QuotaCode>) -> String {
    let mark = mark_line(&facts.stack.name, &fired_kinds(facts), asks);
    // "\n\n" before the mark and "\n" after it.
    let budget = CASE_BODY_MAX_BYTES.saturating_sub(mark.len() + 3);
    let mut out = truncate(body.trim_end(), budget);
    out.push_str("\n\n");
    out.push_str(&mark);
    out.push('\n');
    out
}

/// `+50 %` (rounded to a whole percent; the desired value is always above the current one).
fn percent_more(increase: &QuotaIncrease) -> String {
    if increase.current == 0 {
        return "new quota value".to_owned();
    }
    let more = (increase.desired.saturating_sub(increase.current) as f64) * 100.0
        / increase.current as f64;
    format!("+{} %", more.round())
}

/// Account-neutral identity: customer, model, model id, Region, severity.
fn identity(facts: &AlarmFacts) -> String {
    let stack = &facts.stack;
    format!(
        "Customer: {}\nModel: {}\nModel ID: {}\nRegion: {}\nSeverity: {}\n",
        stack.customer(),
        stack.model_name(),
        stack.model_id(),
        stack.region,
        facts.classification.severity
    )
}

/// What an append asks of the engineer, by scenario.
fn append_ask(facts: &AlarmFacts) -> &'static str {
    match facts.scenario {
        Scenario::NonQuota => {
            "Please investigate these alarms together with the issue already on this case."
        }
        Scenario::LowUsage => "Please take these figures into the investigation on this case.",
        Scenario::HighUsage { .. } | Scenario::NewModel | Scenario::UsageUnknown { .. } => {
            "Please handle the increase asked for below together with the request already on \
             this case."
        }
    }
}

/// The scenario paragraph, written to the engineer; `what` names the increase asked for ("the
/// increase below", "this request").
fn summary(facts: &AlarmFacts, what: &str) -> String {
    let kinds = fired_kinds(facts);
    // "Our alarm X fired" / "Our alarms X and Y fired": mixed alarms are named together, the
    // scenario already says which of them decided.
    let fired = format!(
        "Our {} {} fired",
        if kinds.len() > 1 { "alarms" } else { "alarm" },
        kind_names(&kinds)
    );
    let days = lookback_days(facts);
    match &facts.scenario {
        Scenario::HighUsage { expedited } => {
            let reached = comparison(facts, true);
            let numbers = if reached.is_empty() {
                String::new()
            } else {
                format!(" ({})", reached.join("; "))
            };
            let mut text = format!(
                "{fired}, and the {days}-day peak usage reached our alarm \
                 threshold{numbers}. This is sustained usage close to the quota, so we ask you to \
                 grant {what}."
            );
            if *expedited {
                text.push_str(
                    "\n\nPlease expedite: a critical alarm fired, so requests to this model are \
                     failing or being throttled right now.",
                );
            }
            text
        }
        Scenario::NewModel => format!(
            "This model appears to be newly deployed: no requests and no tokens were recorded in the \
             last {days} days, so it has no usage history yet. {fired}, \
             most likely as it starts taking traffic. Please review {what} so the quota fits \
             the load we expect."
        ),
        Scenario::UsageUnknown { reason } => format!(
            "{fired}. We could not verify usage before filing: {}. The \
             usage figures below may therefore be missing. The alarm is a quota signal, so we \
             still ask for {what}; please check this model's recent usage on your side.",
            truncate(&one_line(reason), 300).trim_end_matches('.')
        ),
        Scenario::LowUsage => {
            let below = comparison(facts, false);
            let numbers = if below.is_empty() {
                String::new()
            } else {
                format!(" ({})", below.join("; "))
            };
            format!(
                "{fired}, but the {days}-day peaks stayed below our alarm \
                 thresholds{numbers}. This looks like a short-lived event rather than sustained \
                 growth, so we are investigating the cause first and would welcome your help in \
                 finding what triggered it. {} {} for reference only; please apply nothing until \
                 we confirm on this case that an increase is needed.",
                capitalized(what),
                if facts.increases.len() > 1 {
                    "are"
                } else {
                    "is"
                }
            )
        }
        Scenario::NonQuota => {
            let meanings: Vec<&str> = kinds.iter().map(|k| kind_meaning(*k)).collect();
            let mut text = format!(
                "{fired}: {}. This is not a quota matter and no quota increase is requested. \
                 Please investigate the cause on the service side, and tell us about any \
                 mitigation we can apply meanwhile.",
                meanings.join("; ")
            );
            if facts.classification.severity == Severity::Critical {
                text.push_str(
                    " A critical alarm fired: requests to this model are failing right now.",
                );
            }
            text
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The increases section: requested, or listed for reference for `low_usage`. Empty for
/// `non_quota` and when nothing is asked.
fn increases(facts: &AlarmFacts, append: bool) -> String {
    if facts.increases.is_empty() || facts.scenario == Scenario::NonQuota {
        return String::new();
    }
    let plural = if facts.increases.len() > 1 { "s" } else { "" };
    let heading = match (&facts.scenario, append) {
        (Scenario::LowUsage, _) => {
            format!("Increase{plural} for reference only (not requested yet):")
        }
        (_, true) => format!("Increase{plural} requested now:"),
        (_, false) => format!("Requested increase{plural}:"),
    };
    let mut out = format!("{heading}\n");
    for increase in &facts.increases {
        out.push_str(&increase_line(increase));
    }
    out.push('\n');
    out
}

/// Alarms, usage and the use case: the evidence behind the request.
fn details(facts: &AlarmFacts) -> String {
    let mut out = String::from("Alarms:\n");
    out.push_str(&alarm_lines(&facts.alarms, REASON_MAX));
    out.push('\n');
    out.push_str(&usage_lines(facts));
    let use_case = facts.use_case.trim();
    if !use_case.is_empty() {
        out.push_str(&format!(
            "\nUse case:\n{}\n",
            truncate(use_case, USE_CASE_MAX)
        ));
    }
    out
}
