//! The typed record of what the notification processor did for one alarm transition: every quota
//! request, case, append, and every thing it deliberately did not file, with the reason.
//!
//! The handler builds it, the e-mail renders it (W-10: the e-mail can only say what this record
//! says, so "nothing was filed" always comes with its real reason), the ledger stores it, and the
//! CLI prints it. Its JSON form is the CLI contract: each action is an object whose `type` is
//! `quota_request`, `support_case`, `append` or `none`, with its quota code, desired value, case id
//! or reason ([`ActionView`]).

use std::fmt;

use serde::Serialize;

use crate::alarms::{AlarmClass, Severity};
use crate::dedup::CaseCategory;
use crate::increase::SupportCaseReason;
use crate::scenario::{QuotaSide, Scenario};
use crate::thresholds::QuotaCode;

/// A Support case by both of its ids: the API needs `case_id`, people and the console use
/// `display_id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CaseRef {
    pub case_id: String,
    pub display_id: String,
}

/// One quota increase with its computed target (see `increase::desired_value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaIncrease {
    pub side: QuotaSide,
    pub quota_code: QuotaCode,
    /// The Service Quotas name, e.g. "On-demand model inference tokens per minute for ...".
    pub quota_name: String,
    pub current: u64,
    pub desired: u64,
}

/// What a filing would have been: used for dry runs, where everything is decided but nothing is
/// sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Filing {
    QuotaIncrease(QuotaIncrease),
    NewCase {
        category: CaseCategory,
    },
    /// An open case of the same category (a duplicate) or the case of an already open quota request.
    Append {
        category: CaseCategory,
        case: CaseRef,
    },
}

/// What a [`Action::NotFiled`] is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Target {
    /// A quota increase. The code is `None` when the model has no such quota, the desired value
    /// when it could not be computed (percent 0, current value unknown).
    Quota {
        side: QuotaSide,
        quota_code: Option<QuotaCode>,
        desired: Option<u64>,
    },
    /// A new case or an append to an open one.
    Case {
        category: CaseCategory,
        append_to: Option<CaseRef>,
    },
}

/// Why something was not filed. Each reason is worded on its own in the e-mail (W-10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFiledReason {
    /// `enable-automated-support-case` is `No`.
    AutomationDisabled,
    /// The settings could not be read: a value that is not allowed (a typo: the message names the key,
    /// the value and what is allowed) or a failed Parameter Store read. Every filing is held.
    SettingsUnreadable { message: String },
    /// The side's increase percent setting is 0 ("do not request").
    IncreasePercentZero,
    /// The model has no requests-per-minute quota (RPM quota code `NA`).
    RpmQuotaNotApplicable,
    /// `low_usage`: the peaks are below the thresholds, so no increase is filed automatically; the
    /// case carries it for reference only.
    InvestigateFirst,
    /// This alarm was already reported on the open case; it is not appended twice.
    AlreadyReported { case: CaseRef },
    /// This alarm was appended to the open case less than `minutes` ago (setting
    /// `append-cooldown-minutes`): at most one append per alarm per window (`crate::append_rule`).
    AppendCooldown { case: CaseRef, minutes: u32 },
    /// AWS Support answered SubscriptionRequiredException: the account has no Business or
    /// Enterprise Support plan, so the Support API is closed to it.
    SupportPlanMissing,
    /// AWS Support refused a new case: CaseCreationLimitExceeded.
    CaseCreationLimitExceeded,
    /// The AWS API kept throttling after the SDK's bounded retries.
    Throttled,
    /// The function's role may not make the call.
    AccessDenied,
    /// Service Quotas cannot raise this quota; the Support-case path carries it instead.
    NotAdjustable,
    /// Any other failure, with the service's message (no secrets: error messages from AWS only).
    Error { message: String },
}

impl NotFiledReason {
    /// The stable snake_case code used in JSON.
    pub fn code(&self) -> &'static str {
        match self {
            NotFiledReason::AutomationDisabled => "automation_disabled",
            NotFiledReason::SettingsUnreadable { .. } => "settings_unreadable",
            NotFiledReason::IncreasePercentZero => "increase_percent_zero",
            NotFiledReason::RpmQuotaNotApplicable => "rpm_quota_not_applicable",
            NotFiledReason::InvestigateFirst => "investigate_first",
            NotFiledReason::AlreadyReported { .. } => "already_reported",
            NotFiledReason::AppendCooldown { .. } => "append_cooldown",
            NotFiledReason::SupportPlanMissing => "support_plan_missing",
            NotFiledReason::CaseCreationLimitExceeded => "case_creation_limit_exceeded",
            NotFiledReason::Throttled => "throttled",
            NotFiledReason::AccessDenied => "access_denied",
            NotFiledReason::NotAdjustable => "not_adjustable",
            NotFiledReason::Error { .. } => "error",
        }
    }

    /// Every code [`NotFiledReason::code`] returns, then [`DRY_RUN_REASON`]: every `reason` an
    /// action of type `none` can carry. docs/runbook.md's "Nothing filed because…" table lists
    /// exactly these; the docs check (crates/cli/src/docs_check) compares the two.
    pub const CODES: &'static [&'static str] = &[
        "automation_disabled",
        "settings_unreadable",
        "increase_percent_zero",
        "rpm_quota_not_applicable",
        "investigate_first",
        "already_reported",
        "append_cooldown",
        "support_plan_missing",
        "case_creation_limit_exceeded",
        "throttled",
        "access_denied",
        "not_adjustable",
        "error",
        DRY_RUN_REASON,
    ];
}

impl From<SupportCaseReason> for NotFiledReason {
    fn from(reason: SupportCaseReason) -> Self {
        match reason {
            SupportCaseReason::NotAdjustable => NotFiledReason::NotAdjustable,
        }
    }
}

/// The dry-run reason code: a dry run files nothing, and says what it would have filed.
pub const DRY_RUN_REASON: &str = "dry_run";

/// One thing the processor did, or deliberately did not do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "ActionView")]
pub enum Action {
    /// A Service Quotas increase request was filed. Service Quotas opens a Support case for it;
    /// `case` is that case when its id was known. `follow_up` says whether the follow-up that adds our
    /// context to that case and e-mails its number was scheduled (`crate::follow_up`); `context_added`, that
    /// the answer already named the case and our context was added to it at once (no follow-up then).
    QuotaRequested {
        increase: QuotaIncrease,
        request_id: String,
        case: Option<CaseRef>,
        follow_up: bool,
        context_added: bool,
    },
    /// Service Quotas already holds an open request for this quota (ResourceAlreadyExists), filed by
    /// us earlier, by another stack or by a person. `appended_to` is its case when our alarm details
    /// were appended there.
    QuotaRequestAlreadyOpen {
        increase: QuotaIncrease,
        request_id: Option<String>,
        appended_to: Option<CaseRef>,
    },
    /// A new Support case was created.
    CaseCreated {
        category: CaseCategory,
        case: CaseRef,
    },
    /// An open case of the same category existed; the alarm was appended to it with the urgency
    /// prefix instead of opening a duplicate.
    Appended {
        category: CaseCategory,
        case: CaseRef,
    },
    /// Nothing was filed for `target`, for `reason`.
    NotFiled {
        target: Target,
        reason: NotFiledReason,
    },
    /// Dry run: this is what would have been filed.
    WouldFile { filing: Filing },
}

impl Action {
    /// Whether something was sent to AWS (a request, a case or an append).
    pub fn filed(&self) -> bool {
        match self {
            Action::QuotaRequested { .. }
            | Action::CaseCreated { .. }
            | Action::Appended { .. } => true,
            Action::QuotaRequestAlreadyOpen { appended_to, .. } => appended_to.is_some(),
            Action::NotFiled { .. } | Action::WouldFile { .. } => false,
        }
    }
}

/// The kind of filing a dry run would have made, as the `would` field of a `none` action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WouldType {
    QuotaRequest,
    SupportCase,
    Append,
}

/// The JSON shape of an [`Action`]: the CLI contract. Fields that do not apply are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ActionView {
    QuotaRequest {
        quota: QuotaSide,
        quota_code: QuotaCode,
        quota_name: String,
        current: u64,
        desired: u64,
        request_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        case_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        display_id: Option<String>,
        /// Our context is on the case already (the answer named it): written only when true.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        context_added: bool,
    },
    SupportCase {
        category: CaseCategory,
        case_id: String,
        display_id: String,
    },
    Append {
        category: CaseCategory,
        case_id: String,
        display_id: String,
        /// Set when the case belongs to an already open quota request.
        #[serde(skip_serializing_if = "Option::is_none")]
        quota: Option<QuotaSide>,
        #[serde(skip_serializing_if = "Option::is_none")]
        quota_code: Option<QuotaCode>,
        #[serde(skip_serializing_if = "Option::is_none")]
        desired: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    None(NoneDetails),
}

/// The fields of a `none` action: the reason code, and what was not (or, in a dry run, would have
/// been) filed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NoneDetails {
    pub reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub would: Option<WouldType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<QuotaSide>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota_code: Option<QuotaCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<CaseCategory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_id: Option<String>,
}

impl From<&Action> for ActionView {
    fn from(action: &Action) -> Self {
        match action {
            Action::QuotaRequested {
                increase,
                request_id,
                case,
                context_added,
                ..
            } => ActionView::QuotaRequest {
                quota: increase.side,
                quota_code: increase.quota_code.clone(),
                quota_name: increase.quota_name.clone(),
                current: increase.current,
                desired: increase.desired,
                request_id: request_id.clone(),
                // Service Quotas names its case by display id only; an unknown internal id is left out.
                case_id: case
                    .as_ref()
                    .map(|c| c.case_id.clone())
                    .filter(|id| !id.is_empty()),
                display_id: case.as_ref().map(|c| c.display_id.clone()),
                context_added: *context_added,
            },
            Action::QuotaRequestAlreadyOpen {
                increase,
                request_id,
                appended_to: Some(case),
            } => ActionView::Append {
                category: CaseCategory::QuotaRequest,
                case_id: case.case_id.clone(),
                display_id: case.display_id.clone(),
                quota: Some(increase.side),
                quota_code: Some(increase.quota_code.clone()),
                desired: Some(increase.desired),
                request_id: request_id.clone(),
            },
            Action::QuotaRequestAlreadyOpen {
                increase,
                request_id,
                appended_to: None,
            } => ActionView::None(NoneDetails {
                reason: "quota_request_already_open",
                quota: Some(increase.side),
                quota_code: Some(increase.quota_code.clone()),
                current: Some(increase.current),
                desired: Some(increase.desired),
                request_id: request_id.clone(),
                ..NoneDetails::default()
            }),
            Action::CaseCreated { category, case } => ActionView::SupportCase {
                category: *category,
                case_id: case.case_id.clone(),
                display_id: case.display_id.clone(),
            },
            Action::Appended { category, case } => ActionView::Append {
                category: *category,
                case_id: case.case_id.clone(),
                display_id: case.display_id.clone(),
                quota: None,
                quota_code: None,
                desired: None,
                request_id: None,
            },
            Action::NotFiled { target, reason } => not_filed_view(target, reason),
            Action::WouldFile { filing } => would_file_view(filing),
        }
    }
}

impl From<Action> for ActionView {
    fn from(action: Action) -> Self {
        ActionView::from(&action)
    }
}

fn not_filed_view(target: &Target, reason: &NotFiledReason) -> ActionView {
    let mut details = NoneDetails {
        reason: reason.code(),
        ..NoneDetails::default()
    };
    match target {
        Target::Quota {
            side,
            quota_code,
            desired,
        } => {
            details.quota = Some(*side);
            details.quota_code.clone_from(quota_code);
            details.desired = *desired;
        }
        Target::Case {
            category,
            append_to,
        } => {
            details.category = Some(*category);
            details.case_id = append_to.as_ref().map(|a| a.case_id.clone());
            details.display_id = append_to.as_ref().map(|a| a.display_id.clone());
        }
    }
    match reason {
        NotFiledReason::Error { message } | NotFiledReason::SettingsUnreadable { message } => {
            details.message = Some(message.clone())
        }
        NotFiledReason::AlreadyReported { case } | NotFiledReason::AppendCooldown { case, .. } => {
            details.case_id = Some(case.case_id.clone());
            details.display_id = Some(case.display_id.clone());
        }
        _ => {}
    }
    ActionView::None(details)
}

fn would_file_view(filing: &Filing) -> ActionView {
    let details = match filing {
        Filing::QuotaIncrease(increase) => NoneDetails {
            would: Some(WouldType::QuotaRequest),
            quota: Some(increase.side),
            quota_code: Some(increase.quota_code.clone()),
            current: Some(increase.current),
            desired: Some(increase.desired),
            ..NoneDetails::default()
        },
        Filing::NewCase { category } => NoneDetails {
            would: Some(WouldType::SupportCase),
            category: Some(*category),
            ..NoneDetails::default()
        },
        Filing::Append { category, case } => NoneDetails {
            would: Some(WouldType::Append),
            category: Some(*category),
            case_id: Some(case.case_id.clone()),
            display_id: Some(case.display_id.clone()),
            ..NoneDetails::default()
        },
    };
    ActionView::None(NoneDetails {
        reason: DRY_RUN_REASON,
        ..details
    })
}

/// Everything the processor decided and did for one alarm transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub class: AlarmClass,
    /// Flattened: `scenario` is the name, with `expedited` or `reason` next to it when they apply.
    #[serde(flatten)]
    pub scenario: Scenario,
    pub severity: Severity,
    pub actions: Vec<Action>,
}

impl fmt::Display for NotFiledReason {
    /// A short phrase for logs and the CLI; the e-mail words each reason in full.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotFiledReason::Error { message } => write!(f, "error: {message}"),
            NotFiledReason::SettingsUnreadable { message } => {
                write!(f, "settings_unreadable: {message}")
            }
            NotFiledReason::AlreadyReported { case } => {
                write!(f, "already_reported on case {}", case.display_id)
            }
            NotFiledReason::AppendCooldown { case, minutes } => write!(
                f,
                "append_cooldown: appended to case {} less than {minutes} minutes ago",
                case.display_id
            ),
            other => f.write_str(other.code()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One value of every variant. The match makes a new variant a compile error here, so it
    /// cannot be left out of [`NotFiledReason::CODES`] (and of the runbook) by accident.
    fn one_of_each() -> Vec<NotFiledReason> {
        let case = CaseRef {
            case_id: "case-1".into(),
            display_id: "1".into(),
        };
        let all = vec![
            NotFiledReason::AutomationDisabled,
            NotFiledReason::SettingsUnreadable {
                message: "m".into(),
            },
            NotFiledReason::IncreasePercentZero,
            NotFiledReason::RpmQuotaNotApplicable,
            NotFiledReason::InvestigateFirst,
            NotFiledReason::AlreadyReported { case: case.clone() },
            NotFiledReason::AppendCooldown { case, minutes: 60 },
            NotFiledReason::SupportPlanMissing,
            NotFiledReason::CaseCreationLimitExceeded,
            NotFiledReason::Throttled,
            NotFiledReason::AccessDenied,
            NotFiledReason::NotAdjustable,
            NotFiledReason::Error {
                message: "m".into(),
            },
        ];
        for reason in &all {
            match reason {
                NotFiledReason::AutomationDisabled
                | NotFiledReason::SettingsUnreadable { .. }
                | NotFiledReason::IncreasePercentZero
                | NotFiledReason::RpmQuotaNotApplicable
                | NotFiledReason::InvestigateFirst
                | NotFiledReason::AlreadyReported { .. }
                | NotFiledReason::AppendCooldown { .. }
                | NotFiledReason::SupportPlanMissing
                | NotFiledReason::CaseCreationLimitExceeded
                | NotFiledReason::Throttled
                | NotFiledReason::AccessDenied
                | NotFiledReason::NotAdjustable
                | NotFiledReason::Error { .. } => {}
            }
        }
        all
    }

    #[test]
    fn reason_codes_list_every_variant_once_and_the_dry_run() {
        let mut codes: Vec<&str> = one_of_each().iter().map(NotFiledReason::code).collect();
        codes.push(DRY_RUN_REASON);
        assert_eq!(codes, NotFiledReason::CODES);
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), codes.len(), "a code is used twice: {codes:?}");
    }
}
