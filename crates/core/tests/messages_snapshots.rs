//! Snapshot tests of every message the system writes, plus plain assertions for the facts that
//! must hold whatever the wording (W-10 reasons, dry run, limits).
//!
//! Review a changed snapshot by reading it as its reader would: the SRE team for e-mails, the
//! Support engineer for case text. Update with `INSTA_UPDATE=always cargo test -p bedrock-ops-core`.

use bedrock_ops_core::alarm_spec::{ModelIds, SPLIT_TOKEN_ALARM_KINDS};
use bedrock_ops_core::alarms::{AlarmKind, AlarmName, Classification};
use bedrock_ops_core::dedup::CaseCategory;
use bedrock_ops_core::follow_up::{Ending, FOLLOW_UP_KIND, FOLLOW_UP_VERSION, FollowUp};
use bedrock_ops_core::messages::case::{self, CASE_BODY_MAX_BYTES};
use bedrock_ops_core::messages::email::alarm_email;
use bedrock_ops_core::messages::follow_up::{FollowUpFacts, follow_up_email};
use bedrock_ops_core::messages::quota_change::{
    QuotaChange, SideChange, SplitChange, quota_change_email,
};
use bedrock_ops_core::messages::recovery::{Recovery, recovery_email};
use bedrock_ops_core::messages::{
    AlarmFacts, Email, FiredAlarm, Limit, SUBJECT_MAX_LEN, SideFigures, SplitTokenFigures,
    subject_len,
};
use bedrock_ops_core::outcome::{
    Action, CaseRef, Filing, NotFiledReason, Outcome, QuotaIncrease, Target,
};
use bedrock_ops_core::scenario::{QuotaSide, Scenario};
use bedrock_ops_core::stack::{StackIdentity, StackName};
use bedrock_ops_core::thresholds::{QuotaCode, RpmQuotaCode, TokenQuotaCodes};
use bedrock_ops_core::usage::{PerMinute, UsageSummary};
use bedrock_ops_testkit::fixtures::{MODEL_ID, RPM_CODE, TPM_CODE};

/// 2026-05-04 14:52:48 UTC.
const ALARM_AT: i64 = 1_777_906_368;

fn stack() -> StackIdentity {
    StackIdentity {
        name: StackName {
            customer: "Acme".into(),
            model_name: "G-Opus-4-6".into(),
        },
        model_ids: ModelIds::new(MODEL_ID, []).unwrap(),
        rpm_quota_code: RpmQuotaCode::parse(RPM_CODE).unwrap(),
        token_quotas: TokenQuotaCodes::Combined(QuotaCode::tpm(TPM_CODE).unwrap()),
        region: "us-east-1".into(),
    }
}

fn fired(kind: AlarmKind, minutes_later: i64) -> FiredAlarm {
    FiredAlarm {
        name: AlarmName::new("Acme", kind, "G-Opus-4-6"),
        reason: format!(
            "Threshold Crossed: 1 out of the last 1 datapoints [42.0 (04/05/26 14:51:00)] was \
             greater than the threshold for {} (minimum 1 datapoint for OK -> ALARM transition).",
            kind.metric_name()
        ),
        at: ALARM_AT + minutes_later * 60,
    }
}

fn usage(peak_rpm: f64, steady_rpm: f64, peak_tpm: f64, steady_tpm: f64) -> UsageSummary {
    UsageSummary {
        lookback_days: 14,
        active_minutes: 14_000,
        peak_rpm,
        steady_rpm,
        peak_tpm,
        steady_tpm,
        avg_input_tokens_per_request: Some(1_850.4),
        avg_output_tokens_per_request: Some(412.0),
        input_tpm: None,
        output_tpm: None,
    }
}

fn side(quota: u64, threshold: u64) -> SideFigures {
    SideFigures {
        quota: Limit::Known(quota),
        threshold: Limit::Known(threshold),
    }
}

fn rpm_increase(current: u64, desired: u64) -> QuotaIncrease {
    QuotaIncrease {
        side: QuotaSide::Rpm,
        quota_code: QuotaCode::new(RPM_CODE).unwrap(),
        quota_name:
            "Global cross-Region model inference requests per minute for Anthropic Claude Opus 4.6"
                .into(),
        current,
        desired,
    }
}

fn tpm_increase(current: u64, desired: u64) -> QuotaIncrease {
    QuotaIncrease {
        side: QuotaSide::Tpm,
        quota_code: QuotaCode::new(TPM_CODE).unwrap(),
        quota_name:
            "Global cross-Region model inference tokens per minute for Anthropic Claude Opus 4.6"
                .into(),
        current,
        desired,
    }
}

fn facts(
    kinds: &[AlarmKind],
    scenario: Scenario,
    usage: Option<UsageSummary>,
    rpm: SideFigures,
    tpm: SideFigures,
    increases: Vec<QuotaIncrease>,
) -> AlarmFacts {
    AlarmFacts {
        stack: stack(),
        alarms: kinds
            .iter()
            .enumerate()
            .map(|(i, k)| fired(*k, i as i64))
            .collect(),
        classification: Classification::of(kinds.iter().copied()).unwrap(),
        scenario,
        usage,
        rpm,
        tpm,
        split_tpm: None,
        increases,
        use_case: "Customer-support assistant for the retail web shop; traffic peaks during \
                   promotions."
            .into(),
    }
}

// The blog's worked examples, one per scenario and severity.

/// Throttles, RPM peak 9,500 ≥ 8,000: high_usage, critical, both quotas.
fn high_usage_critical() -> AlarmFacts {
    facts(
        &[AlarmKind::Throttles],
        Scenario::HighUsage { expedited: true },
        Some(usage(9_500.0, 4_200.0, 3_000_000.0, 1_150_000.0)),
        side(10_000, 8_000),
        side(6_250_000, 5_000_000),
        vec![
            rpm_increase(10_000, 12_500),
            tpm_increase(6_250_000, 7_812_500),
        ],
    )
}

/// HighTPMQuotaUsage, TPM peak 210,000 ≥ 160,000: high_usage, warning, TPM only.
fn high_usage_warning() -> AlarmFacts {
    facts(
        &[AlarmKind::HighTpmQuotaUsage],
        Scenario::HighUsage { expedited: false },
        Some(usage(150.0, 62.5, 210_000.0, 88_000.0)),
        side(200, 160),
        side(200_000, 160_000),
        vec![tpm_increase(200_000, 250_000)],
    )
}

/// InvocationAnomaly, RPM peak 5,578 < 8,000 (quota 10,001): low_usage, warning, RPM only.
fn low_usage_warning() -> AlarmFacts {
    facts(
        &[AlarmKind::InvocationAnomaly],
        Scenario::LowUsage,
        Some(usage(5_578.0, 2_100.0, 3_404_691.0, 1_200_000.0)),
        side(10_001, 8_000),
        side(6_250_000, 5_000_000),
        vec![rpm_increase(10_001, 12_502)],
    )
}

/// ClientErrors, 50 RPM and 80,000 TPM: low_usage, critical, both quotas for reference.
fn low_usage_critical() -> AlarmFacts {
    facts(
        &[AlarmKind::ClientErrors],
        Scenario::LowUsage,
        Some(usage(50.0, 12.0, 80_000.0, 20_500.0)),
        side(200, 160),
        side(200_000, 160_000),
        vec![rpm_increase(200, 250), tpm_increase(200_000, 250_000)],
    )
}

/// InputTokenAnomaly on a fresh model: new_model, warning, TPM only.
fn new_model_warning() -> AlarmFacts {
    let mut idle = usage(0.0, 0.0, 0.0, 0.0);
    idle.active_minutes = 0;
    idle.avg_input_tokens_per_request = None;
    idle.avg_output_tokens_per_request = None;
    facts(
        &[AlarmKind::InputTokenAnomaly],
        Scenario::NewModel,
        Some(idle),
        side(200, 160),
        side(500_000, 400_000),
        vec![tpm_increase(500_000, 625_000)],
    )
}

/// Throttles on a fresh model: new_model, critical, both quotas.
fn new_model_critical() -> AlarmFacts {
    let f = new_model_warning();
    facts(
        &[AlarmKind::Throttles],
        Scenario::NewModel,
        f.usage,
        f.rpm,
        f.tpm,
        vec![rpm_increase(200, 250), tpm_increase(500_000, 625_000)],
    )
}

/// Throttles while CloudWatch could not be read: usage_unknown, critical.
fn usage_unknown_critical() -> AlarmFacts {
    facts(
        &[AlarmKind::Throttles],
        Scenario::UsageUnknown {
            reason: "CloudWatch GetMetricData was throttled (ThrottlingException)".into(),
        },
        None,
        side(10_000, 8_000),
        side(6_250_000, 5_000_000),
        vec![
            rpm_increase(10_000, 12_500),
            tpm_increase(6_250_000, 7_812_500),
        ],
    )
}

/// HighInvocationRate while the stored thresholds could not be read: usage_unknown, warning.
fn usage_unknown_warning() -> AlarmFacts {
    facts(
        &[AlarmKind::HighInvocationRate],
        Scenario::UsageUnknown {
            reason: "Parameter Store denied reading the stored thresholds (AccessDeniedException)"
                .into(),
        },
        Some(usage(8_100.0, 3_900.0, 2_000_000.0, 900_000.0)),
        SideFigures {
            quota: Limit::Known(10_000),
            threshold: Limit::Unknown,
        },
        SideFigures {
            quota: Limit::Known(6_250_000),
            threshold: Limit::Unknown,
        },
        vec![rpm_increase(10_000, 12_500)],
    )
}

/// ServerErrors: non_quota, critical.
fn non_quota_critical() -> AlarmFacts {
    facts(
        &[AlarmKind::ServerErrors],
        Scenario::NonQuota,
        Some(usage(3_100.0, 1_900.0, 1_400_000.0, 800_000.0)),
        side(10_000, 8_000),
        side(6_250_000, 5_000_000),
        vec![],
    )
}

/// HighLatency and LatencyAnomaly: non_quota, warning.
fn non_quota_warning() -> AlarmFacts {
    facts(
        &[AlarmKind::HighLatency, AlarmKind::LatencyAnomaly],
        Scenario::NonQuota,
        Some(usage(3_100.0, 1_900.0, 1_400_000.0, 800_000.0)),
        side(10_000, 8_000),
        side(6_250_000, 5_000_000),
        vec![],
    )
}

/// Throttles on a model without an RPM quota: high_usage on TPM, RPM not applicable.
fn rpm_not_applicable() -> AlarmFacts {
    facts(
        &[AlarmKind::Throttles],
        Scenario::HighUsage { expedited: true },
        Some(usage(40.0, 9.0, 190_000.0, 70_000.0)),
        SideFigures {
            quota: Limit::NotApplicable,
            threshold: Limit::NotApplicable,
        },
        side(200_000, 160_000),
        vec![tpm_increase(200_000, 250_000)],
    )
}

fn case(n: u8) -> CaseRef {
    CaseRef {
        case_id: format!("case-123456789012-muen-2026-5f3e2a1b0c9d4e8{n}"),
        display_id: format!("17841234560{n}"),
    }
}

fn request_id(n: u8) -> String {
    format!("5f3e2a1b0c9d4e8f7a6b5c4d3e2f1a0{n}")
}

fn requested(f: &AlarmFacts) -> Vec<Action> {
    f.increases
        .iter()
        .enumerate()
        .map(|(i, inc)| Action::QuotaRequested {
            increase: inc.clone(),
            request_id: request_id(i as u8),
            // As AWS answers: the case is linked later, and the follow-up adds the context to it.
            case: None,
            follow_up: true,
            context_added: false,
        })
        .collect()
}

fn category(f: &AlarmFacts) -> CaseCategory {
    f.scenario.case_category()
}

fn quota_target(inc: &QuotaIncrease) -> Target {
    Target::Quota {
        side: inc.side,
        quota_code: Some(inc.quota_code.clone()),
        desired: Some(inc.desired),
    }
}

fn not_filed_all(f: &AlarmFacts, reason: NotFiledReason) -> Vec<Action> {
    let mut actions: Vec<Action> = f
        .increases
        .iter()
        .map(|inc| Action::NotFiled {
            target: quota_target(inc),
            reason: reason.clone(),
        })
        .collect();
    if f.scenario == Scenario::NonQuota || f.scenario == Scenario::LowUsage {
        actions.push(Action::NotFiled {
            target: Target::Case {
                category: category(f),
                append_to: None,
            },
            reason,
        });
    }
    actions
}

fn investigate_first(f: &AlarmFacts) -> Vec<Action> {
    f.increases
        .iter()
        .map(|inc| Action::NotFiled {
            target: quota_target(inc),
            reason: NotFiledReason::InvestigateFirst,
        })
        .collect()
}

/// What the processor does for each scenario when everything works: quota requests for
/// high_usage / new_model / usage_unknown, a case otherwise (low_usage also records why no
/// increase was filed).
fn filed(f: &AlarmFacts, append: bool) -> Vec<Action> {
    let case_action = if append {
        Action::Appended {
            category: category(f),
            case: case(7),
        }
    } else {
        Action::CaseCreated {
            category: category(f),
            case: case(7),
        }
    };
    match f.scenario {
        Scenario::LowUsage => {
            let mut actions = investigate_first(f);
            actions.push(case_action);
            actions
        }
        Scenario::NonQuota => vec![case_action],
        _ if append => vec![case_action],
        _ => requested(f),
    }
}

fn already_open(f: &AlarmFacts, appended: bool) -> Vec<Action> {
    f.increases
        .iter()
        .enumerate()
        .map(|(i, inc)| Action::QuotaRequestAlreadyOpen {
            increase: inc.clone(),
            request_id: Some(request_id(i as u8)),
            appended_to: appended.then(|| case(i as u8)),
        })
        .collect()
}

fn dry_run(f: &AlarmFacts) -> Vec<Action> {
    match f.scenario {
        Scenario::LowUsage => {
            let mut actions = investigate_first(f);
            actions.push(Action::WouldFile {
                filing: Filing::NewCase {
                    category: category(f),
                },
            });
            actions
        }
        Scenario::NonQuota => vec![Action::WouldFile {
            filing: Filing::Append {
                category: category(f),
                case: case(7),
            },
        }],
        _ => f
            .increases
            .iter()
            .map(|inc| Action::WouldFile {
                filing: Filing::QuotaIncrease(inc.clone()),
            })
            .collect(),
    }
}

fn render(email: &Email) -> String {
    format!("SUBJECT: {}\n\n{}", email.subject, email.body)
}

fn scenarios() -> Vec<(&'static str, AlarmFacts)> {
    vec![
        ("high_usage_critical", high_usage_critical()),
        ("high_usage_warning", high_usage_warning()),
        ("low_usage_critical", low_usage_critical()),
        ("low_usage_warning", low_usage_warning()),
        ("new_model_critical", new_model_critical()),
        ("new_model_warning", new_model_warning()),
        ("usage_unknown_critical", usage_unknown_critical()),
        ("usage_unknown_warning", usage_unknown_warning()),
        ("non_quota_critical", non_quota_critical()),
        ("non_quota_warning", non_quota_warning()),
    ]
}

#[test]
fn email_per_scenario_and_outcome() {
    for (name, f) in scenarios() {
        let mut variants: Vec<(&str, Vec<Action>)> = vec![
            ("filed", filed(&f, false)),
            ("appended", filed(&f, true)),
            ("dry_run", dry_run(&f)),
            (
                "disabled",
                not_filed_all(&f, NotFiledReason::AutomationDisabled),
            ),
        ];
        if !f.increases.is_empty() && f.scenario != Scenario::LowUsage {
            variants.push(("already_open_appended", already_open(&f, true)));
            variants.push(("already_open_case_not_found", already_open(&f, false)));
        }
        for (variant, actions) in variants {
            insta::assert_snapshot!(
                format!("email__{name}__{variant}"),
                render(&alarm_email(&f, &actions))
            );
        }
    }
}

/// Every reason for not filing, each in the scenario where it happens, worded on its own (W-10).
#[test]
fn email_per_not_filed_reason() {
    let hu = high_usage_critical();
    let huw = high_usage_warning();
    let nq = non_quota_warning();
    let nqc = non_quota_critical();
    let lu = low_usage_critical();
    let nm = new_model_warning();
    let uu = usage_unknown_critical();
    let na = rpm_not_applicable();
    let cases: Vec<(&str, &AlarmFacts, Vec<Action>)> = vec![
        (
            "increase_percent_zero",
            &huw,
            vec![Action::NotFiled {
                target: Target::Quota {
                    side: QuotaSide::Tpm,
                    quota_code: Some(QuotaCode::new(TPM_CODE).unwrap()),
                    desired: None,
                },
                reason: NotFiledReason::IncreasePercentZero,
            }],
        ),
        (
            "rpm_quota_not_applicable",
            &na,
            vec![
                Action::NotFiled {
                    target: Target::Quota {
                        side: QuotaSide::Rpm,
                        quota_code: None,
                        desired: None,
                    },
                    reason: NotFiledReason::RpmQuotaNotApplicable,
                },
                Action::QuotaRequested {
                    increase: tpm_increase(200_000, 250_000),
                    request_id: request_id(1),
                    case: Some(case(1)),
                    follow_up: true,
                    context_added: false,
                },
            ],
        ),
        (
            "already_reported",
            &nq,
            vec![Action::NotFiled {
                target: Target::Case {
                    category: CaseCategory::InvestigationRequest,
                    append_to: Some(case(7)),
                },
                reason: NotFiledReason::AlreadyReported { case: case(7) },
            }],
        ),
        (
            "append_cooldown",
            &hu,
            vec![Action::NotFiled {
                target: Target::Case {
                    category: CaseCategory::QuotaRequest,
                    append_to: Some(case(7)),
                },
                reason: NotFiledReason::AppendCooldown {
                    case: case(7),
                    minutes: 60,
                },
            }],
        ),
        ("support_plan_missing", &lu, {
            let mut a = investigate_first(&lu);
            a.push(Action::NotFiled {
                target: Target::Case {
                    category: CaseCategory::QuotaRequest,
                    append_to: None,
                },
                reason: NotFiledReason::SupportPlanMissing,
            });
            a
        }),
        (
            "case_creation_limit_exceeded",
            &nqc,
            vec![Action::NotFiled {
                target: Target::Case {
                    category: CaseCategory::InvestigationRequest,
                    append_to: None,
                },
                reason: NotFiledReason::CaseCreationLimitExceeded,
            }],
        ),
        (
            "throttled_partly",
            &hu,
            vec![
                requested(&hu).remove(0),
                Action::NotFiled {
                    target: quota_target(&hu.increases[1]),
                    reason: NotFiledReason::Throttled,
                },
            ],
        ),
        (
            "access_denied_then_case",
            &nm,
            vec![
                Action::NotFiled {
                    target: quota_target(&nm.increases[0]),
                    reason: NotFiledReason::AccessDenied,
                },
                Action::CaseCreated {
                    category: CaseCategory::QuotaRequest,
                    case: case(7),
                },
            ],
        ),
        (
            "not_adjustable_then_case",
            &huw,
            vec![
                Action::NotFiled {
                    target: quota_target(&huw.increases[0]),
                    reason: NotFiledReason::NotAdjustable,
                },
                Action::CaseCreated {
                    category: CaseCategory::QuotaRequest,
                    case: case(7),
                },
            ],
        ),
        (
            "error",
            &uu,
            uu.increases
                .iter()
                .map(|inc| Action::NotFiled {
                    target: quota_target(inc),
                    reason: NotFiledReason::Error {
                        message: "Service Quotas: InternalFailure (the service could not \
                                  process the request)\nrequest id 1f2e"
                            .into(),
                    },
                })
                .collect(),
        ),
        (
            "quota_request_without_case_yet",
            &huw,
            vec![Action::QuotaRequested {
                increase: tpm_increase(200_000, 250_000),
                request_id: request_id(0),
                case: None,
                follow_up: false,
                context_added: false,
            }],
        ),
        (
            // Service Quotas named the case in its answer: the context went to it in the same invocation.
            "quota_request_case_named_context_added",
            &huw,
            vec![Action::QuotaRequested {
                increase: tpm_increase(200_000, 250_000),
                request_id: request_id(0),
                case: Some(case(1)),
                follow_up: false,
                context_added: true,
            }],
        ),
        (
            // Named, but the context could not go at once: its follow-up adds it.
            "quota_request_case_named_follow_up",
            &huw,
            vec![Action::QuotaRequested {
                increase: tpm_increase(200_000, 250_000),
                request_id: request_id(0),
                case: Some(case(1)),
                follow_up: true,
                context_added: false,
            }],
        ),
        ("no_action_recorded", &nq, vec![]),
        (
            "settings_unreadable",
            &hu,
            not_filed_all(
                &hu,
                NotFiledReason::SettingsUnreadable {
                    message: "Parameter Store setting 'mode' has the invalid value 'sometimes': \
                              allowed live or dry-run"
                        .into(),
                },
            ),
        ),
    ];
    for (name, f, actions) in cases {
        insta::assert_snapshot!(
            format!("email_reason__{name}"),
            render(&alarm_email(f, &actions))
        );
    }
}

#[test]
fn case_text_per_scenario() {
    let mut all = scenarios();
    all.push(("rpm_not_applicable", rpm_not_applicable()));
    for (name, f) in all {
        let new_case = case::new_case(&f);
        insta::assert_snapshot!(
            format!("case_new__{name}"),
            format!("SUBJECT: {}\n\n{}", new_case.subject, new_case.body)
        );
        insta::assert_snapshot!(format!("case_append__{name}"), case::append(&f).body);
    }
}

#[test]
fn quota_request_context_per_filing_scenario() {
    for (name, f) in [
        ("high_usage_critical", high_usage_critical()),
        ("new_model_warning", new_model_warning()),
        ("usage_unknown_warning", usage_unknown_warning()),
    ] {
        let increase = &f.increases[0];
        insta::assert_snapshot!(
            format!("case_quota_request_context__{name}"),
            case::quota_request_context(&f, &request_id(0), increase).body
        );
    }
}

#[test]
fn quota_request_context_of_a_critical_new_model_asks_to_expedite() {
    let f = new_model_critical();
    let body = case::quota_request_context(&f, &request_id(0), &f.increases[0]).body;
    assert!(body.contains("Please expedite"), "{body}");
    assert!(body.contains("(+25 %)"), "{body}");
    let warning = new_model_warning();
    let calm = case::quota_request_context(&warning, &request_id(0), &warning.increases[0]).body;
    assert!(!calm.contains("expedite"), "{calm}");
}

/// The follow-up of the blog's first example's TPM request.
fn follow_up_message(critical: bool) -> FollowUp {
    FollowUp {
        kind: FOLLOW_UP_KIND.into(),
        version: FOLLOW_UP_VERSION,
        stack: "/Acme/bedrock/quota-monitoring/G-Opus-4-6/".into(),
        transition: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:x#ALARM#t".into(),
        request_id: request_id(1),
        quota_code: TPM_CODE.into(),
        quota_name:
            "Global cross-Region model inference tokens per minute for Anthropic Claude Opus 4.6"
                .into(),
        current: 6_250_000,
        desired: 7_812_500,
        alarms: vec!["Acme-Bedrock-Throttles-Critical-G-Opus-4-6".into()],
        critical,
        notify: true,
        context: "context".into(),
        attempt: 3,
        requested_at: 1_777_906_368,
    }
}

#[test]
fn follow_up_emails() {
    let critical = follow_up_message(true);
    let warning = follow_up_message(false);
    let variants: [(&str, &FollowUp, Ending, Option<&str>, &str); 7] = [
        (
            "context_added_critical",
            &critical,
            Ending::ContextAdded,
            Some("178412345601"),
            "CASE_OPENED",
        ),
        (
            "context_added_warning",
            &warning,
            Ending::ContextAdded,
            Some("178412345601"),
            "CASE_OPENED",
        ),
        (
            "approved",
            &warning,
            Ending::Approved,
            Some("178412345601"),
            "APPROVED",
        ),
        (
            "denied",
            &warning,
            Ending::Denied,
            Some("178412345601"),
            "DENIED",
        ),
        (
            "closed_without_case",
            &warning,
            Ending::Closed,
            None,
            "CASE_CLOSED",
        ),
        (
            "not_approved",
            &warning,
            Ending::Denied,
            None,
            "NOT_APPROVED",
        ),
        ("gave_up", &critical, Ending::GaveUp, None, "PENDING"),
    ];
    for (name, message, ending, case, status) in variants {
        let email = follow_up_email(
            &stack(),
            &FollowUpFacts {
                message,
                ending,
                case,
                status,
                now: message.requested_at + 7_200,
            },
        );
        assert!(
            subject_len(&email.subject) <= SUBJECT_MAX_LEN,
            "{}",
            email.subject
        );
        insta::assert_snapshot!(format!("email_follow_up__{name}"), render(&email));
    }
}

#[test]
fn recovery_emails() {
    let with_duration = Recovery {
        alarm: AlarmName::new("Acme", AlarmKind::Throttles, "G-Opus-4-6"),
        reason: "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (04/05/26 15:39:00)] was \
                 not greater than the threshold (0.0)."
            .into(),
        recovered_at: ALARM_AT + 47 * 60 + 12,
        alarm_since: Some(ALARM_AT),
    };
    insta::assert_snapshot!(
        "recovery__with_duration",
        render(&recovery_email(&stack(), &with_duration))
    );
    let unknown_start = Recovery {
        alarm: AlarmName::new("Acme", AlarmKind::OutputTokenAnomaly, "G-Opus-4-6"),
        reason: String::new(),
        recovered_at: ALARM_AT,
        alarm_since: None,
    };
    insta::assert_snapshot!(
        "recovery__start_unknown",
        render(&recovery_email(&stack(), &unknown_start))
    );
}

fn same(quota: Limit, threshold: Limit) -> SideChange {
    SideChange {
        old_quota: quota,
        new_quota: quota,
        old_threshold: threshold,
        new_threshold: threshold,
    }
}

fn moved(old_quota: u64, new_quota: u64, old_threshold: u64, new_threshold: u64) -> SideChange {
    SideChange {
        old_quota: Limit::Known(old_quota),
        new_quota: Limit::Known(new_quota),
        old_threshold: Limit::Known(old_threshold),
        new_threshold: Limit::Known(new_threshold),
    }
}

#[test]
fn quota_change_emails() {
    let at = ALARM_AT;
    let rpm_same = same(Limit::Known(10_000), Limit::Known(8_000));
    let na = same(Limit::NotApplicable, Limit::NotApplicable);
    let cases = [
        (
            "tpm_raised",
            QuotaChange {
                at,
                rpm: rpm_same,
                tpm: moved(6_250_000, 8_000_000, 5_000_000, 6_400_000),
                split: None,
            },
        ),
        (
            "rpm_lowered",
            QuotaChange {
                at,
                rpm: moved(10_000, 5_000, 8_000, 4_000),
                tpm: same(Limit::Known(6_250_000), Limit::Known(5_000_000)),
                split: None,
            },
        ),
        (
            "both_changed",
            QuotaChange {
                at,
                rpm: moved(10_000, 12_500, 8_000, 10_000),
                tpm: moved(6_250_000, 5_000_000, 5_000_000, 4_000_000),
                split: None,
            },
        ),
        (
            "rpm_not_applicable",
            QuotaChange {
                at,
                rpm: na,
                tpm: moved(200_000, 250_000, 160_000, 200_000),
                split: None,
            },
        ),
        (
            "thresholds_only",
            QuotaChange {
                at,
                rpm: SideChange {
                    old_threshold: Limit::Known(8_000),
                    new_threshold: Limit::Known(9_000),
                    ..rpm_same
                },
                tpm: SideChange {
                    old_threshold: Limit::Known(5_000_000),
                    new_threshold: Limit::Known(5_625_000),
                    ..same(Limit::Known(6_250_000), Limit::Known(5_000_000))
                },
                split: None,
            },
        ),
        (
            "nothing_changed",
            QuotaChange {
                at,
                rpm: rpm_same,
                tpm: same(Limit::Known(6_250_000), Limit::Known(5_000_000)),
                split: None,
            },
        ),
        (
            "rpm_quota_appeared",
            QuotaChange {
                at,
                rpm: SideChange {
                    old_quota: Limit::Unknown,
                    new_quota: Limit::Known(10_000),
                    old_threshold: Limit::Unknown,
                    new_threshold: Limit::Known(8_000),
                },
                tpm: same(Limit::Known(6_250_000), Limit::Known(5_000_000)),
                split: None,
            },
        ),
        (
            "split_input_raised",
            QuotaChange {
                at,
                rpm: rpm_same,
                tpm: na,
                split: Some(SplitChange {
                    input: moved(2_000_000, 3_000_000, 1_600_000, 2_400_000),
                    output: same(Limit::Known(400_000), Limit::Known(320_000)),
                }),
            },
        ),
        (
            "split_both_changed",
            QuotaChange {
                at,
                rpm: rpm_same,
                tpm: na,
                split: Some(SplitChange {
                    input: moved(2_000_000, 3_000_000, 1_600_000, 2_400_000),
                    output: moved(400_000, 500_000, 320_000, 400_000),
                }),
            },
        ),
    ];
    for (name, change) in cases {
        insta::assert_snapshot!(
            format!("quota_change__{name}"),
            render(&quota_change_email(&stack(), &change))
        );
    }
}

/// The CLI contract: every action as JSON, `type` one of quota_request/support_case/append/none.
#[test]
fn actions_json() {
    let hu = high_usage_critical();
    let mut actions = requested(&hu);
    actions.extend(already_open(&hu, true));
    actions.extend(already_open(&hu, false));
    actions.push(Action::CaseCreated {
        category: CaseCategory::QuotaRequest,
        case: case(7),
    });
    actions.push(Action::Appended {
        category: CaseCategory::InvestigationRequest,
        case: case(8),
    });
    let reasons = [
        NotFiledReason::AutomationDisabled,
        NotFiledReason::IncreasePercentZero,
        NotFiledReason::RpmQuotaNotApplicable,
        NotFiledReason::InvestigateFirst,
        NotFiledReason::AlreadyReported { case: case(7) },
        NotFiledReason::AppendCooldown {
            case: case(7),
            minutes: 1,
        },
        NotFiledReason::SupportPlanMissing,
        NotFiledReason::CaseCreationLimitExceeded,
        NotFiledReason::Throttled,
        NotFiledReason::AccessDenied,
        NotFiledReason::NotAdjustable,
        NotFiledReason::Error {
            message: "InternalFailure".into(),
        },
        NotFiledReason::SettingsUnreadable {
            message: "Parameter Store setting 'mode' has the invalid value 'x'".into(),
        },
    ];
    for reason in reasons {
        actions.push(Action::NotFiled {
            target: quota_target(&hu.increases[0]),
            reason,
        });
    }
    actions.push(Action::NotFiled {
        target: Target::Case {
            category: CaseCategory::QuotaRequest,
            append_to: None,
        },
        reason: NotFiledReason::SupportPlanMissing,
    });
    actions.push(Action::WouldFile {
        filing: Filing::QuotaIncrease(hu.increases[1].clone()),
    });
    actions.push(Action::WouldFile {
        filing: Filing::NewCase {
            category: CaseCategory::InvestigationRequest,
        },
    });
    actions.push(Action::WouldFile {
        filing: Filing::Append {
            category: CaseCategory::QuotaRequest,
            case: case(7),
        },
    });
    let outcome = Outcome {
        class: hu.classification.class,
        scenario: hu.scenario.clone(),
        severity: hu.classification.severity,
        actions,
    };
    insta::assert_json_snapshot!("outcome_json", outcome);
}

// Plain assertions: the facts that matter, whatever the wording.

#[test]
fn json_types_are_the_cli_contract() {
    let hu = high_usage_critical();
    let outcome = Outcome {
        class: hu.classification.class,
        scenario: Scenario::UsageUnknown { reason: "x".into() },
        severity: hu.classification.severity,
        actions: vec![
            requested(&hu).remove(0),
            Action::CaseCreated {
                category: CaseCategory::QuotaRequest,
                case: case(1),
            },
            Action::Appended {
                category: CaseCategory::QuotaRequest,
                case: case(1),
            },
            Action::NotFiled {
                target: quota_target(&hu.increases[0]),
                reason: NotFiledReason::Throttled,
            },
            Action::WouldFile {
                filing: Filing::NewCase {
                    category: CaseCategory::QuotaRequest,
                },
            },
        ],
    };
    let json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(json["class"], "both");
    assert_eq!(json["scenario"], "usage_unknown");
    assert_eq!(json["severity"], "critical");
    let types: Vec<&str> = json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["quota_request", "support_case", "append", "none", "none"]
    );
    assert_eq!(json["actions"][0]["quota_code"], RPM_CODE);
    assert_eq!(json["actions"][0]["desired"], 12_500);
    assert_eq!(json["actions"][1]["case_id"], case(1).case_id);
    assert_eq!(json["actions"][3]["reason"], "throttled");
    assert_eq!(json["actions"][4]["reason"], "dry_run");
    assert_eq!(json["actions"][4]["would"], "support_case");
}

#[test]
fn dry_run_email_says_what_would_have_been_filed() {
    for (name, f) in scenarios() {
        let body = alarm_email(&f, &dry_run(&f)).body;
        assert!(body.contains("dry run, nothing was filed"), "{name}");
        assert!(body.contains("Would have "), "{name}");
        assert!(!body.contains("What was done:"), "{name}");
    }
    let f = high_usage_critical();
    let body = alarm_email(&f, &dry_run(&f)).body;
    assert!(body.contains(&format!(
        "Would have requested the RPM quota increase {RPM_CODE} from 10,000 to 12,500."
    )));
}

#[test]
fn every_not_filed_reason_is_worded_on_its_own() {
    let f = high_usage_critical();
    let reasons = [
        (
            NotFiledReason::AutomationDisabled,
            "enable-automated-support-case is No",
        ),
        (
            NotFiledReason::IncreasePercentZero,
            "requests-per-minute-increase-percent setting is 0",
        ),
        (
            NotFiledReason::RpmQuotaNotApplicable,
            "no requests-per-minute quota",
        ),
        (NotFiledReason::InvestigateFirst, "investigate first"),
        (
            NotFiledReason::AlreadyReported { case: case(3) },
            "already reported on open case 178412345603",
        ),
        (
            NotFiledReason::AppendCooldown {
                case: case(3),
                minutes: 30,
            },
            "added to open case 178412345603 less than 30 minutes ago",
        ),
        (
            NotFiledReason::SupportPlanMissing,
            "SubscriptionRequiredException",
        ),
        (
            NotFiledReason::CaseCreationLimitExceeded,
            "CaseCreationLimitExceeded",
        ),
        (NotFiledReason::Throttled, "throttling"),
        (NotFiledReason::AccessDenied, "access denied"),
        (NotFiledReason::NotAdjustable, "cannot adjust this quota"),
        (
            NotFiledReason::Error {
                message: "boom".into(),
            },
            "the call failed: boom",
        ),
        (
            NotFiledReason::SettingsUnreadable {
                message: "Parameter Store setting 'mode' has the invalid value 'x'".into(),
            },
            "the settings in Parameter Store could not be read, so nothing is filed until they are \
             fixed: Parameter Store setting 'mode' has the invalid value 'x'.",
        ),
    ];
    for (reason, expected) in reasons {
        let body = alarm_email(
            &f,
            &[Action::NotFiled {
                target: quota_target(&f.increases[0]),
                reason: reason.clone(),
            }],
        )
        .body;
        assert!(body.contains(expected), "{reason:?}: {body}");
        assert!(body.contains("nothing was filed: "), "{reason:?}");
        if reason != NotFiledReason::AutomationDisabled {
            assert!(
                !body.contains("turned off"),
                "{reason:?} must not claim disabled"
            );
        }
    }
}

#[test]
fn emails_are_truthful_about_filings() {
    let f = high_usage_critical();
    let body = alarm_email(&f, &requested(&f)).body;
    assert!(body.contains("requested RPM and TPM quota increases"));
    assert!(body.contains("Service Quotas request 5f3e2a1b0c9d4e8f7a6b5c4d3e2f1a00"));
    assert!(body.contains("from 6,250,000 to 7,812,500"));
    assert!(body.contains(
        "our usage-validated context will be added to the case it opens, and a second e-mail will name that case"
    ));
    assert!(body.contains("Watch for the follow-up e-mail"));
    assert!(!body.contains("expedited handling is asked for."), "{body}");
    assert!(body.contains(
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/Acme-Bedrock-Throttles-Critical-G-Opus-4-6"
    ));
    let appended = alarm_email(&f, &filed(&f, true)).body;
    assert!(appended.contains("added it to open case 178412345607"));
    let open = alarm_email(&f, &already_open(&f, true)).body;
    assert!(!open.contains("nothing was filed"), "{open}");
    assert!(open.contains(
        "added it to cases 178412345600 and 178412345601 of the open RPM and TPM increase requests"
    ));
    let not_found = alarm_email(&f, &already_open(&f, false)).body;
    assert!(
        not_found.contains("nothing was filed: RPM and TPM increase requests are already open")
    );
}

#[test]
fn usage_unknown_never_claims_a_new_model() {
    for f in [usage_unknown_critical(), usage_unknown_warning()] {
        let email = alarm_email(&f, &requested(&f)).body;
        let case_body = case::new_case(&f).body;
        for text in [&email, &case_body] {
            assert!(!text.to_lowercase().contains("new model"), "{text}");
            assert!(!text.contains("newly deployed"), "{text}");
            assert!(text.contains("could not"), "{text}");
        }
    }
}

#[test]
fn warning_emails_never_demand_immediate_action() {
    for (name, f) in scenarios() {
        let email = alarm_email(&f, &filed(&f, false));
        let lower = email.body.to_lowercase();
        if f.classification.severity == bedrock_ops_core::alarms::Severity::Warning {
            assert!(email.subject.starts_with("🟡 [WARNING] "), "{name}");
            assert!(!lower.contains("immediate"), "{name}");
            assert!(!lower.contains("failing"), "{name}");
        } else {
            assert!(email.subject.starts_with("🔴 [CRITICAL] "), "{name}");
        }
    }
}

#[test]
fn numbers_are_for_people() {
    for (name, f) in scenarios() {
        let email = alarm_email(&f, &filed(&f, false)).body;
        let case_body = case::new_case(&f).body;
        let raw: Vec<String> = [f.rpm.quota, f.rpm.threshold, f.tpm.quota, f.tpm.threshold]
            .iter()
            .filter_map(|l| l.known())
            .filter(|v| *v >= 1_000)
            .map(|v| v.to_string())
            .collect();
        for text in [&email, &case_body] {
            for number in &raw {
                assert!(!text.contains(number.as_str()), "{name}: raw {number}");
            }
            assert!(
                !text.contains(".0,") && !text.contains(".0;"),
                "{name}: {text}"
            );
            assert!(!text.contains('@'), "{name}: no addresses");
        }
    }
    let rpm_na = alarm_email(&rpm_not_applicable(), &[]).body;
    assert!(rpm_na.contains("not applicable, this model has no RPM quota"));
}

#[test]
fn subjects_are_the_contract_and_fit_sns() {
    let f = non_quota_warning();
    assert_eq!(
        alarm_email(&f, &[]).subject,
        "🟡 [WARNING] Acme - Bedrock Ops Alert - G-Opus-4-6 - Investigation Request"
    );
    assert_eq!(
        case::subject(&high_usage_critical()),
        "Acme - Bedrock Ops Alert - G-Opus-4-6 - Quota Request"
    );
    let mut long = high_usage_critical();
    long.stack.name.customer = "Customer-with-a-name-far-beyond-ten".into();
    long.stack.name.model_name = "Model-with-a-very-long-name-indeed".into();
    let subject = alarm_email(&long, &[]).subject;
    assert!(subject_len(&subject) <= SUBJECT_MAX_LEN, "{subject}");
    assert_eq!(
        subject,
        "🔴 [CRITICAL] Customer-… - Bedrock Ops Alert - Model-with-a-v… - Quota Request"
    );
}

fn oversized(mut f: AlarmFacts) -> AlarmFacts {
    f.use_case = "Our assistant serves every store. ".repeat(400);
    // The ten alarms of a stack with one combined token quota (a split stack has the two split token alarms
    // in place of HighTPMQuotaUsage).
    f.alarms = AlarmKind::ALL
        .iter()
        .filter(|k| !SPLIT_TOKEN_ALARM_KINDS.contains(k))
        .map(|k| FiredAlarm {
            reason: format!("{} ", k.metric_name()).repeat(200),
            ..fired(*k, 0)
        })
        .collect();
    f
}

#[test]
fn case_bodies_stay_under_the_support_limit() {
    for (name, f) in scenarios() {
        let f = oversized(f);
        let bodies = [
            case::new_case(&f).body,
            case::append(&f).body,
            case::quota_request_context(&f, "r", &rpm_increase(1, 2)).body,
        ];
        for body in bodies {
            assert!(body.len() <= CASE_BODY_MAX_BYTES, "{name}: {}", body.len());
        }
    }
}

#[test]
fn long_free_text_is_cut_deterministically() {
    let f = oversized(high_usage_critical());
    let body = case::new_case(&f).body;
    insta::assert_snapshot!("case_new__oversized_input", body);
    assert_eq!(body, case::new_case(&f).body);
}

/// HighInputTPMQuotaUsage of a model with split token quotas, watched through two ids: input peak 1,700,000
/// against its threshold 1,600,000 (quota 2,000,000), output 150,000 against 320,000 (quota 400,000). The
/// input quota alone is requested, and the usage names both ids it adds up.
fn split_input_alarm_with_extra_ids() -> AlarmFacts {
    let mut f = facts(
        &[AlarmKind::HighInputTpmQuotaUsage],
        Scenario::HighUsage { expedited: false },
        Some(UsageSummary {
            input_tpm: Some(PerMinute {
                peak: 1_700_000.0,
                steady: 800_000.0,
            }),
            output_tpm: Some(PerMinute {
                peak: 150_000.0,
                steady: 60_000.0,
            }),
            ..usage(900.0, 400.0, 1_900_000.0, 900_000.0)
        }),
        side(2_000, 1_600),
        SideFigures {
            quota: Limit::Unknown,
            threshold: Limit::Unknown,
        },
        vec![QuotaIncrease {
            side: QuotaSide::InputTpm,
            quota_code: QuotaCode::new("L-5C8A1E02").unwrap(),
            quota_name:
                "Cross-region model inference input tokens per minute for Anthropic Claude Opus 4.8"
                    .into(),
            current: 2_000_000,
            desired: 2_500_000,
        }],
    );
    f.split_tpm = Some(SplitTokenFigures {
        input: side(2_000_000, 1_600_000),
        output: side(400_000, 320_000),
    });
    f.stack.model_ids = ModelIds::new(
        "us.anthropic.claude-opus-4-8-v1",
        ["arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/e5t98lwp1dsr"],
    )
    .unwrap();
    f.stack.token_quotas = TokenQuotaCodes::Split {
        input: QuotaCode::new("L-5C8A1E02").unwrap(),
        output: QuotaCode::new("L-5C8A1E03").unwrap(),
    };
    f
}

#[test]
fn a_split_input_token_alarm_names_the_input_quota_and_every_counted_id() {
    let f = split_input_alarm_with_extra_ids();
    let email = render(&alarm_email(&f, &requested(&f)));
    assert!(
        email.contains("requested an input TPM quota increase"),
        "{email}"
    );
    assert!(
        email.contains("Counted over 2 model ids, summed"),
        "{email}"
    );
    insta::assert_snapshot!("email__split_input_tpm__filed", email);
    let new_case = case::new_case(&f);
    insta::assert_snapshot!(
        "case_new__split_input_tpm",
        format!("SUBJECT: {}\n\n{}", new_case.subject, new_case.body)
    );
    insta::assert_snapshot!(
        "case_quota_request_context__split_input_tpm",
        case::quota_request_context(&f, &request_id(0), &f.increases[0]).body
    );
    // The split sides' own figures, never the combined TPM line.
    for text in [&email, &new_case.body] {
        assert!(
            text.contains("Input tokens per minute (input TPM): peak 1,700,000, steady 800,000"),
            "{text}"
        );
        assert!(
            text.contains("alarm threshold 1,600,000; quota 2,000,000"),
            "{text}"
        );
        assert!(
            text.contains("Output tokens per minute (output TPM)"),
            "{text}"
        );
        assert!(!text.contains("estimated quota usage"), "{text}");
    }
    assert!(
        email.contains("input TPM peak 1,700,000 ≥ threshold 1,600,000"),
        "{email}"
    );
}

#[test]
fn split_token_alarm_low_usage_and_usage_unknown_name_each_side() {
    let mut low = split_input_alarm_with_extra_ids();
    low.classification = Classification::of([AlarmKind::HighOutputTpmQuotaUsage]).unwrap();
    low.alarms = vec![fired(AlarmKind::HighOutputTpmQuotaUsage, 0)];
    low.scenario = Scenario::LowUsage;
    if let Some(u) = low.usage.as_mut() {
        u.input_tpm = Some(PerMinute {
            peak: 1_000_000.0,
            steady: 800_000.0,
        });
    }
    let email = render(&alarm_email(&low, &[]));
    assert!(
        email.contains("output TPM peak 150,000 < threshold 320,000"),
        "{email}"
    );
    insta::assert_snapshot!("email__split_output_tpm__low_usage", email);

    let mut unknown = split_input_alarm_with_extra_ids();
    unknown.scenario = Scenario::UsageUnknown {
        reason: "CloudWatch has no OutputTokenCount datapoint in the 14 days, so the split token \
                 quota's usage could not be compared with its threshold"
            .into(),
    };
    if let Some(u) = unknown.usage.as_mut() {
        u.output_tpm = None;
    }
    let email = render(&alarm_email(&unknown, &requested(&unknown)));
    assert!(
        email.contains("Output tokens per minute (output TPM): usage not read"),
        "{email}"
    );
    insta::assert_snapshot!("email__split_input_tpm__usage_unknown", email);
}
