//! The follow-up e-mail: how a Service Quotas request filed for an alarm ended up — the case Service Quotas
//! opened got our context (its number and link), the request was approved, denied or closed, or no case was
//! linked within the follow-up's time and the request's console page is where to look.

use crate::follow_up::{Ending, FollowUp};
use crate::stack::StackIdentity;

use super::format::{case_link, one_line, quota_link, thousands, truncate, utc};
use super::{Email, fit_subject};

/// The facts of one finished follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpFacts<'a> {
    pub message: &'a FollowUp,
    pub ending: Ending,
    /// The display id of the case Service Quotas linked, when it did.
    pub case: Option<&'a str>,
    /// The request's status as Service Quotas spelled it (`APPROVED`, `CASE_CLOSED`, …).
    pub status: &'a str,
    /// When this look ran, epoch seconds.
    pub now: i64,
}

/// `<icon> [QUOTA] <C> - Bedrock Ops Alert - <M> - <what happened>`.
pub fn follow_up_email(stack: &StackIdentity, facts: &FollowUpFacts<'_>) -> Email {
    let m = facts.message;
    let (icon, topic) = match facts.ending {
        Ending::ContextAdded => (
            "📨",
            format!("case {} has our context", facts.case.unwrap_or("?")),
        ),
        Ending::Approved => ("✅", "quota increase approved".to_owned()),
        Ending::Denied => ("⛔", "quota increase denied".to_owned()),
        Ending::Closed => ("⛔", "quota request closed".to_owned()),
        Ending::GaveUp => ("⏳", "no Support case linked yet".to_owned()),
    };
    let request = format!(
        "Service Quotas request {} for {} ({}): from {} to {}",
        m.request_id,
        m.quota_code,
        truncate(&one_line(&m.quota_name), 200),
        thousands(m.current),
        thousands(m.desired)
    );
    let alarms = truncate(&one_line(&m.alarms.join(", ")), 400);
    let mut body = format!(
        "{request}, filed at {} for {} ({}, {}) after alarm {alarms}.\n\n",
        utc(m.requested_at),
        stack.model_name(),
        stack.customer(),
        stack.region
    );
    match facts.ending {
        Ending::ContextAdded => {
            let case = facts.case.unwrap_or_default();
            body.push_str(&format!(
                "Service Quotas opened AWS Support case {case} for it, and the usage-validated context \
                 (the alarms, the 14-day usage, the thresholds and quotas, the increase asked for) has \
                 been added to that case{}.\n\nFollow the case: {}\n",
                if m.critical {
                    ", asking for expedited handling because a critical alarm fired"
                } else {
                    ""
                },
                case_link(case)
            ));
        }
        Ending::Approved => body.push_str(&format!(
            "Service Quotas approved it: the quota is now {}. The alarm updater moves the alarm \
             thresholds to the new quota on its next run.\n",
            thousands(m.desired)
        )),
        Ending::Denied => body.push_str(&format!(
            "Service Quotas did not approve it (status {}). Ease the load, or {}.\n{}",
            facts.status,
            if facts.case.is_some() {
                "reply on its Support case with more context and ask again"
            } else {
                "file a new request with more context in the Service Quotas console"
            },
            case_sentence(facts.case)
        )),
        Ending::Closed => body.push_str(&format!(
            "The request was closed without an increase (status {}). If the increase is still \
             needed, the next quota alarm files a new request.\n{}",
            facts.status,
            case_sentence(facts.case)
        )),
        Ending::GaveUp => body.push_str(&format!(
            "By {} Service Quotas had still not linked a Support case to it (status {}), so our \
             context could not be added. Follow the request in the Service Quotas console; when a \
             case appears there, add the alarm's figures from the first e-mail to it.\n",
            utc(facts.now),
            facts.status
        )),
    }
    body.push_str(&format!(
        "\nService Quotas: {}\n",
        quota_link(&stack.region, &m.quota_code)
    ));
    Email {
        subject: fit_subject(icon, "QUOTA", stack.customer(), stack.model_name(), &topic),
        body,
    }
}

fn case_sentence(case: Option<&str>) -> String {
    case.map(|case| format!("\nSupport case {case}: {}\n", case_link(case)))
        .unwrap_or_default()
}
