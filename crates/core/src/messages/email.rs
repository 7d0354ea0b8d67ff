//! The alarm e-mail for the AI SRE team: a one-line headline (what happened, what we did), then
//! what fired, the decision and why, the usage figures, what was filed (or exactly why not, W-10),
//! next steps and console links. Plain text, no raw event, no addresses.

use crate::alarms::{AlarmClass, Severity};
use crate::dedup::CaseCategory;
use crate::outcome::{Action, CaseRef, Filing, NotFiledReason, QuotaIncrease, Target};
use crate::scenario::{QuotaSide, Scenario};

use super::format::{alarm_link, case_link, one_line, quotas_link, thousands, truncate};
use super::shared::{
    a_category, a_side, alarm_lines, and_list, fired_kinds, kind_names, rationale, usage_lines,
};
use super::{AlarmFacts, Email, fit_subject};

/// Longest CloudWatch state reason shown per alarm (bytes); the console link has the full text.
const REASON_MAX: usize = 300;
/// Longest AWS error message shown per action (bytes).
const ERROR_MAX: usize = 300;

/// `🔴 [CRITICAL] <C> - Bedrock Ops Alert - <M> - <Quota Request|Investigation Request>`.
pub fn alarm_subject(
    severity: Severity,
    customer: &str,
    model: &str,
    category: CaseCategory,
) -> String {
    let (icon, label) = match severity {
        Severity::Critical => ("🔴", "CRITICAL"),
        Severity::Warning => ("🟡", "WARNING"),
    };
    fit_subject(icon, label, customer, model, category.label())
}

/// The e-mail for one alarm notification and what was done about it.
pub fn alarm_email(facts: &AlarmFacts, actions: &[Action]) -> Email {
    let stack = &facts.stack;
    let severity = facts.classification.severity;
    let category = facts.scenario.case_category();
    let kinds = fired_kinds(facts);
    let dry_run = actions
        .iter()
        .any(|a| matches!(a, Action::WouldFile { .. }));

    let mut body = format!(
        "{} fired for {} ({}, {}); {}.\n\n",
        kind_names(&kinds),
        stack.model_name(),
        stack.customer(),
        stack.region,
        what_we_did(actions)
    );
    body.push_str(match severity {
        Severity::Critical => {
            "Severity: CRITICAL. Requests to this model are failing or being throttled now.\n"
        }
        Severity::Warning => {
            "Severity: WARNING. An early signal: no error or throttling alarm fired.\n"
        }
    });
    body.push_str(&format!(
        "Model: {} ({}) in {}, customer {}\n\n",
        stack.model_name(),
        stack.model_id(),
        stack.region,
        stack.customer()
    ));

    body.push_str("What fired:\n");
    body.push_str(&alarm_lines(&facts.alarms, REASON_MAX));

    body.push_str(&format!(
        "\nDecision: {}, scenario {} (alarm class {}: {}).\nWhy: {}\n\n",
        category.label(),
        facts.scenario.name(),
        facts.classification.class,
        class_meaning(facts.classification.class),
        rationale(facts)
    ));

    body.push_str(&usage_lines(facts));

    body.push_str(if dry_run {
        "\nWhat would have been done (dry run, mode = dry-run: nothing was filed):\n"
    } else {
        "\nWhat was done:\n"
    });
    if actions.is_empty() {
        body.push_str("- Nothing was filed and no action was recorded.\n");
    }
    body.push_str(&action_lines(actions));

    body.push_str("\nNext steps:\n");
    for step in next_steps(facts, actions) {
        body.push_str(&format!("- {step}\n"));
    }

    body.push_str("\nLinks:\n");
    let mut linked: Vec<&str> = Vec::new();
    for alarm in &facts.alarms {
        let name = alarm.name.to_string();
        if !linked.contains(&alarm.name.kind.as_str()) {
            linked.push(alarm.name.kind.as_str());
            body.push_str(&format!(
                "- CloudWatch alarm {}: {}\n",
                alarm.name.kind,
                alarm_link(&stack.region, &name)
            ));
        }
    }
    if facts.classification.class.is_quota() {
        body.push_str(&format!(
            "- Service Quotas, Amazon Bedrock in {}: {}\n",
            stack.region,
            quotas_link(&stack.region)
        ));
    }

    Email {
        subject: alarm_subject(severity, stack.customer(), stack.model_name(), category),
        body,
    }
}

fn class_meaning(class: AlarmClass) -> &'static str {
    match class {
        AlarmClass::Rpm => "points at the requests-per-minute quota",
        AlarmClass::Tpm => "points at the tokens-per-minute quota",
        AlarmClass::Both => "cannot tell which quota, so both are checked",
        AlarmClass::InputTpm => "points at the input tokens-per-minute quota only",
        AlarmClass::OutputTpm => "points at the output tokens-per-minute quota only",
        AlarmClass::NonQuota => "not a quota signal",
    }
}

/// The second half of the headline.
fn what_we_did(actions: &[Action]) -> String {
    let mut done: Vec<String> = Vec::new();
    let requested: Vec<&str> = actions
        .iter()
        .filter_map(|a| match a {
            Action::QuotaRequested { increase, .. } => Some(increase.side.as_str()),
            _ => None,
        })
        .collect();
    match requested.as_slice() {
        [] => {}
        [one] => done.push(format!("requested {} quota increase", a_side_str(one))),
        many => done.push(format!("requested {} quota increases", and_list(many))),
    }
    for action in actions {
        match action {
            Action::CaseCreated { case, .. } => {
                done.push(format!("opened Support case {}", case.display_id));
            }
            Action::Appended { case, .. } => {
                done.push(format!("added it to open case {}", case.display_id));
            }
            _ => {}
        }
    }
    let (open_sides, open_cases): (Vec<&str>, Vec<&str>) = actions
        .iter()
        .filter_map(|a| match a {
            Action::QuotaRequestAlreadyOpen {
                increase,
                appended_to: Some(case),
                ..
            } => Some((increase.side.as_str(), case.display_id.as_str())),
            _ => None,
        })
        .unzip();
    if !open_sides.is_empty() {
        let (noun, owner) = if open_sides.len() > 1 {
            ("requests", "cases")
        } else {
            ("request", "case")
        };
        done.push(format!(
            "added it to {owner} {} of the open {} increase {noun}",
            and_list(&open_cases),
            and_list(&open_sides)
        ));
    }
    let failed = actions
        .iter()
        .any(|a| matches!(a, Action::NotFiled { reason, .. } if is_failure(reason)));
    if !done.is_empty() {
        let mut text = done.join(", ");
        if failed {
            text.push_str("; some filings failed, see below");
        }
        return text;
    }
    if actions
        .iter()
        .any(|a| matches!(a, Action::WouldFile { .. }))
    {
        return "dry run, nothing was filed".to_owned();
    }
    let first_reason = actions
        .iter()
        .filter_map(|a| match a {
            Action::NotFiled {
                target: Target::Case { .. },
                reason,
            } => Some(reason),
            _ => None,
        })
        .chain(actions.iter().filter_map(|a| match a {
            Action::NotFiled { reason, .. } => Some(reason),
            _ => None,
        }))
        .next();
    let open: Vec<&str> = actions
        .iter()
        .filter_map(|a| match a {
            Action::QuotaRequestAlreadyOpen { increase, .. } => Some(increase.side.as_str()),
            _ => None,
        })
        .collect();
    match (first_reason, open.as_slice()) {
        (Some(reason), _) => format!("nothing was filed: {}", short_reason(reason)),
        (None, []) => "nothing was filed".to_owned(),
        (None, [one]) => format!(
            "nothing was filed: {} increase request is already open",
            a_side_str(one)
        ),
        (None, many) => format!(
            "nothing was filed: {} increase requests are already open",
            and_list(many)
        ),
    }
}

fn a_side_str(side: &str) -> &'static str {
    [QuotaSide::Rpm, QuotaSide::InputTpm, QuotaSide::OutputTpm]
        .into_iter()
        .find(|s| s.as_str() == side)
        .map_or(a_side(QuotaSide::Tpm), a_side)
}

/// Reasons that are failures to fix, as opposed to settings or rules doing their job.
fn is_failure(reason: &NotFiledReason) -> bool {
    matches!(
        reason,
        NotFiledReason::SupportPlanMissing
            | NotFiledReason::CaseCreationLimitExceeded
            | NotFiledReason::Throttled
            | NotFiledReason::AccessDenied
            | NotFiledReason::Error { .. }
            | NotFiledReason::SettingsUnreadable { .. }
    )
}

fn short_reason(reason: &NotFiledReason) -> String {
    match reason {
        NotFiledReason::AutomationDisabled => "automated filing is turned off".to_owned(),
        NotFiledReason::SettingsUnreadable { .. } => {
            "the settings in Parameter Store could not be read".to_owned()
        }
        NotFiledReason::IncreasePercentZero => "the increase percent setting is 0".to_owned(),
        NotFiledReason::RpmQuotaNotApplicable => "the model has no RPM quota".to_owned(),
        NotFiledReason::InvestigateFirst => {
            "usage is below the thresholds, investigate first".to_owned()
        }
        NotFiledReason::AlreadyReported { case } => {
            format!("already reported on open case {}", case.display_id)
        }
        NotFiledReason::AppendCooldown { case, minutes } => format!(
            "already added to open case {} within the last {}",
            case.display_id,
            minutes_phrase(*minutes)
        ),
        NotFiledReason::SupportPlanMissing => {
            "the account's Support plan does not include the Support API".to_owned()
        }
        NotFiledReason::CaseCreationLimitExceeded => {
            "AWS Support's case creation limit was reached".to_owned()
        }
        NotFiledReason::Throttled => "AWS throttled the calls".to_owned(),
        NotFiledReason::AccessDenied => "access was denied".to_owned(),
        NotFiledReason::NotAdjustable => "the quota is not adjustable".to_owned(),
        NotFiledReason::Error { .. } => "an AWS call failed".to_owned(),
    }
}

fn full_reason(reason: &NotFiledReason, targets: &[&Target]) -> String {
    match reason {
        NotFiledReason::AutomationDisabled => {
            "automated filing is turned off (setting enable-automated-support-case is No)."
                .to_owned()
        }
        NotFiledReason::SettingsUnreadable { message } => format!(
            "the settings in Parameter Store could not be read, so nothing is filed until they are \
             fixed: {}.",
            truncate(&one_line(message), ERROR_MAX).trim_end_matches('.')
        ),
        NotFiledReason::IncreasePercentZero => {
            let mut keys: Vec<&str> = Vec::new();
            for target in targets {
                let key = match target {
                    Target::Quota {
                        side: QuotaSide::Rpm,
                        ..
                    } => "requests-per-minute-increase-percent",
                    Target::Quota {
                        side: QuotaSide::Tpm | QuotaSide::InputTpm | QuotaSide::OutputTpm,
                        ..
                    } => "tokens-per-minute-increase-percent",
                    Target::Case { .. } => "increase percent",
                };
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            let noun = if keys.len() > 1 {
                "settings are"
            } else {
                "setting is"
            };
            format!(
                "the {} {noun} 0, which means do not request.",
                and_list(&keys)
            )
        }
        NotFiledReason::RpmQuotaNotApplicable => {
            "this model has no requests-per-minute quota (RPM quota code NA).".to_owned()
        }
        NotFiledReason::InvestigateFirst => {
            "usage is below the alarm thresholds, so no increase is \
             requested automatically; investigate first."
                .to_owned()
        }
        NotFiledReason::AlreadyReported { case } => format!(
            "this alarm is already reported on open case {}, so it was not added again: {}",
            case.display_id,
            case_link(&case.display_id)
        ),
        NotFiledReason::AppendCooldown { case, minutes } => format!(
            "this alarm was added to open case {} less than {} ago, and an alarm is added to an open \
             case at most once per {} (setting append-cooldown-minutes): {}",
            case.display_id,
            minutes_phrase(*minutes),
            minutes_phrase(*minutes),
            case_link(&case.display_id)
        ),
        NotFiledReason::SupportPlanMissing => {
            "AWS Support answered SubscriptionRequiredException: \
             opening cases through the API needs a Business, Enterprise On-Ramp or Enterprise \
             Support plan."
                .to_owned()
        }
        NotFiledReason::CaseCreationLimitExceeded => "AWS Support refused a new case because the \
             account reached its case creation limit (CaseCreationLimitExceeded)."
            .to_owned(),
        NotFiledReason::Throttled => "AWS kept throttling the call after the retries.".to_owned(),
        NotFiledReason::AccessDenied => {
            "the function's IAM role is not allowed to make this call (access denied).".to_owned()
        }
        NotFiledReason::NotAdjustable => "Service Quotas cannot adjust this quota.".to_owned(),
        NotFiledReason::Error { message } => format!(
            "the call failed: {}.",
            truncate(&one_line(message), ERROR_MAX).trim_end_matches('.')
        ),
    }
}

/// `1 minute`, `45 minutes`.
fn minutes_phrase(minutes: u32) -> String {
    if minutes == 1 {
        "1 minute".to_owned()
    } else {
        format!("{minutes} minutes")
    }
}

fn target_phrase(target: &Target) -> String {
    match target {
        Target::Quota {
            side,
            quota_code,
            desired,
        } => match (quota_code, desired) {
            (Some(code), Some(d)) => format!(
                "{} quota increase ({code} to {})",
                side.as_str(),
                thousands(*d)
            ),
            (Some(code), None) => format!("{} quota increase ({code})", side.as_str()),
            (None, _) => format!("{} quota increase", side.as_str()),
        },
        Target::Case {
            category,
            append_to: None,
        } => format!("a new {category} Support case"),
        Target::Case {
            category,
            append_to: Some(case),
        } => format!("an update to open case {} ({category})", case.display_id),
    }
}

fn increase_phrase(increase: &QuotaIncrease) -> String {
    format!(
        "{} quota increase {} from {} to {}",
        increase.side.as_str(),
        increase.quota_code,
        thousands(increase.current),
        thousands(increase.desired)
    )
}

fn case_line(case: &CaseRef) -> String {
    format!(
        "Support case {}: {}",
        case.display_id,
        case_link(&case.display_id)
    )
}

/// Consecutive "not filed" actions with the same reason share one line, so a disabled or
/// investigate-first notification does not repeat the same sentence per quota.
fn action_lines(actions: &[Action]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < actions.len() {
        if let Action::NotFiled { reason, .. } = &actions[i] {
            let mut targets = Vec::new();
            while let Some(Action::NotFiled { target, reason: r }) = actions.get(i) {
                if r != reason {
                    break;
                }
                targets.push(target);
                i += 1;
            }
            out.push_str(&not_filed_line(&targets, reason));
        } else {
            out.push_str(&action_line(&actions[i]));
            i += 1;
        }
    }
    out
}

fn not_filed_line(targets: &[&Target], reason: &NotFiledReason) -> String {
    let phrases: Vec<String> = targets.iter().map(|t| target_phrase(t)).collect();
    format!(
        "- Not filed: {}. Why: {}\n",
        and_list(&phrases),
        full_reason(reason, targets)
    )
}

fn action_line(action: &Action) -> String {
    match action {
        Action::QuotaRequested {
            increase,
            request_id,
            case,
            follow_up,
            context_added,
        } => {
            let follow = match (case, follow_up) {
                (Some(case), _) if *context_added => format!(
                    "{}\n  Our usage-validated context was added to it.",
                    case_line(case)
                ),
                (Some(case), true) => format!(
                    "{}\n  Our usage-validated context is added to it shortly; a second e-mail confirms.",
                    case_line(case)
                ),
                (Some(case), false) => case_line(case),
                (None, true) => "Service Quotas has not linked a Support case to it yet: our \
                                 usage-validated context will be added to the case it opens, and a \
                                 second e-mail will name that case."
                    .to_owned(),
                (None, false) => "Service Quotas has not linked a Support case to it yet, and its \
                                  follow-up could not be scheduled: follow the request in the \
                                  Service Quotas console."
                    .to_owned(),
            };
            format!(
                "- Requested the {} (Service Quotas request {request_id}).\n  {follow}\n",
                increase_phrase(increase)
            )
        }
        Action::QuotaRequestAlreadyOpen {
            increase,
            request_id,
            appended_to,
        } => {
            let id = request_id
                .as_ref()
                .map(|id| format!(" (request {id})"))
                .unwrap_or_default();
            let rest = match appended_to {
                Some(case) => format!("this alarm was added to its {}", case_line(case)),
                None => "its Support case was not found, so nothing was added to it.".to_owned(),
            };
            let a = a_side(increase.side);
            format!(
                "- {}{} increase request for {} was already open{id}, so no second one was filed; {rest}\n",
                &a[..1].to_uppercase(),
                &a[1..],
                increase.quota_code
            )
        }
        Action::CaseCreated { category, case } => {
            format!("- Opened {} {}\n", a_category(*category), case_line(case))
        }
        Action::Appended { category, case } => {
            let a = a_category(*category);
            format!(
                "- {}{} case was already open, so this alarm was added to it instead of opening a duplicate: {}\n",
                &a[..1].to_uppercase(),
                &a[1..],
                case_line(case)
            )
        }
        Action::NotFiled { target, reason } => not_filed_line(&[target], reason),
        Action::WouldFile { filing } => match filing {
            Filing::QuotaIncrease(increase) => {
                format!(
                    "- Would have requested the {}.\n",
                    increase_phrase(increase)
                )
            }
            Filing::NewCase { category } => {
                format!("- Would have opened a new {category} Support case.\n")
            }
            Filing::Append { category, case } => format!(
                "- Would have added this alarm to the open {category} {}\n",
                case_line(case)
            ),
        },
    }
}

/// The display ids of the cases this notification touched, to point people at them.
fn touched_cases(actions: &[Action]) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::new();
    for action in actions {
        let case = match action {
            Action::CaseCreated { case, .. } | Action::Appended { case, .. } => Some(case),
            Action::QuotaRequested { case, .. } => case.as_ref(),
            Action::QuotaRequestAlreadyOpen { appended_to, .. } => appended_to.as_ref(),
            Action::NotFiled {
                reason:
                    NotFiledReason::AlreadyReported { case }
                    | NotFiledReason::AppendCooldown { case, .. },
                ..
            } => Some(case),
            Action::NotFiled { .. } | Action::WouldFile { .. } => None,
        };
        if let Some(case) = case
            && !ids.contains(&case.display_id.as_str())
        {
            ids.push(&case.display_id);
        }
    }
    ids
}

/// "case 1" or "cases 1 and 2"; `None` when no case was touched.
fn cases_phrase(ids: &[&str]) -> Option<String> {
    match ids {
        [] => None,
        [one] => Some(format!("case {one}")),
        many => Some(format!("cases {}", and_list(many))),
    }
}

fn next_steps(facts: &AlarmFacts, actions: &[Action]) -> Vec<String> {
    let cases = cases_phrase(&touched_cases(actions));
    let filed = actions.iter().any(Action::filed);
    let dry_run = actions
        .iter()
        .any(|a| matches!(a, Action::WouldFile { .. }));
    let mut steps = Vec::new();
    let follows = actions.iter().any(|a| {
        matches!(
            a,
            Action::QuotaRequested {
                follow_up: true,
                context_added: false,
                ..
            }
        )
    });
    match &facts.scenario {
        Scenario::HighUsage { expedited: true } => {
            steps.push(format!(
                "Requests are failing now: ease the load{} (retries with backoff, a \
                 cross-Region inference profile, prompt caching).",
                if filed {
                    " while the increase is processed"
                } else {
                    ""
                }
            ));
            if let Some(cases) = &cases {
                steps.push(format!(
                    "Follow {cases}; what we send there asks AWS Support for expedited handling."
                ));
            }
        }
        Scenario::HighUsage { expedited: false } => steps.push(match &cases {
            Some(cases) => format!(
                "Usage is close to the quota: check that the growth is expected, and follow \
                 {cases} so the increase lands before traffic reaches the limit."
            ),
            None => "Usage is close to the quota: check that the growth is expected.".to_owned(),
        }),
        Scenario::LowUsage => {
            steps.push(
                "Investigate first: look in the alarm's metrics for a burst, a retry loop or a new \
                 client around the alarm time."
                    .to_owned(),
            );
            if let Some(cases) = &cases {
                steps.push(format!(
                    "The increase is on {cases} for reference only; tell the Support engineer \
                     there whether you still need it."
                ));
            }
        }
        Scenario::NewModel => steps.push(match &cases {
            Some(cases) => format!(
                "Confirm the traffic expected for this new model; if the increase is not \
                 needed, say so on {cases}."
            ),
            None => "Confirm the traffic expected for this new model and size the quotas for it."
                .to_owned(),
        }),
        Scenario::UsageUnknown { .. } => {
            steps.push(
                "Fix what stopped the usage check (see Why above), so later alarms are checked \
                 against usage."
                    .to_owned(),
            );
            if filed {
                steps.push(
                    "The increase was asked for without a usage check: confirm that it is needed."
                        .to_owned(),
                );
            }
        }
        Scenario::NonQuota => {
            steps.push(
                "Check the alarm's metrics and the AWS Health Dashboard for this model and \
                 Region; errors and latency are not solved by a quota increase."
                    .to_owned(),
            );
            if let Some(cases) = &cases {
                steps.push(format!("Follow {cases} for the findings of AWS Support."));
            }
        }
    }
    if dry_run {
        steps.push(
            "This was a dry run: set the mode parameter to live to file automatically.".to_owned(),
        );
    } else if !filed && cases.is_none() {
        steps.push(if facts.classification.class.is_quota() {
            "Nothing was filed: if an increase is needed, request it in the Service Quotas \
             console (link below)."
                .to_owned()
        } else {
            "Nothing was filed: if the problem persists, open a case in the AWS Support console."
                .to_owned()
        });
    }
    if follows {
        steps.push(
            "Watch for the follow-up e-mail: it names the Support case Service Quotas opens for \
             each request once our context is on it, or tells how the request ended."
                .to_owned(),
        );
    }
    steps
}
