//! The rules of Bedrock Ops Alert, free of I/O: no AWS SDK, no async runtime.
//!
//! Where each rule lives:
//!
//! | Rule | Module |
//! |---|---|
//! | threshold = ⌊quota × % / 100⌋ (≥ 1), RPM "not applicable", quota codes, L2 period normalisation | [`thresholds`] |
//! | desired = ⌈current × (100 + p) / 100⌉ (> current), Service Quotas vs Support case | [`increase`] |
//! | the ten alarm kinds (layer, severity, class, metric), alarm names, combining triggered alarms | [`alarms`] |
//! | peak and steady state (median over active minutes) from per-minute series, TPM from `EstimatedTPMQuotaUsage` | [`usage`] |
//! | the scenario tree (non_quota, usage_unknown, new_model, high_usage, low_usage) and the quotas requested | [`scenario`] |
//! | case category, case subject = duplicate key (exact match), lookback, urgency prefix | [`dedup`] |
//! | what an open case already carries: the mark at the end of our bodies, read back from its communications | [`case_trail`] |
//! | one append per alarm: repeats of anomaly/latency alarms suppressed, the append cooldown for the others | [`append_rule`] |
//! | one quota thread per stack: increases an open case already asks for are appended, not requested again | [`quota_thread`] |
//! | Parameter Store values → typed settings with defaults; every Parameter Store key | [`settings`] |
//! | the stack's identity (names, model ids, quota codes, Region) parsed once, and the names derived from it | [`stack`] |
//! | live quotas → thresholds, the stored record, the change and its `last-change` record | [`live_thresholds`] |
//! | quota name ↔ model id / invocation mode / kind | [`quota_match`] |
//! | the kind of a `BedrockModelId` (model, system profile, application profile) and the quotas it draws on | [`model_id`] |
//! | the RPM and TPM quota codes of a model id in a Region's quota list (found, none, ambiguous) | [`quota_discovery`] |
//! | the two L2 quota alarms (metric math, actions, what to put and delete) as plain data | [`alarm_spec`] |
//! | one alarm transition → classification, scenario and the planned requests, cases and skips | [`plan`] |
//! | input text echoed bounded (200 characters and its length) and clean of controls, bidi and zero-width characters | [`text`] |
//! | the follow-up of a Service Quotas request: its queue message, back-off, and what one look decides | [`follow_up`] |
//! | many models from one file: template parameters, `fleet.toml`, stack identity, plan, tables (feature `fleet`) | `fleet` |

pub mod alarm_spec;
pub mod alarms;
pub mod append_rule;
pub mod case_trail;
pub mod dedup;
pub mod doctor;
#[cfg(feature = "fleet")]
pub mod fleet;
pub mod follow_up;
pub mod increase;
pub mod live_thresholds;
pub mod messages;
pub mod model_id;
pub mod outcome;
pub mod plan;
pub mod quota_discovery;
pub mod quota_match;
pub mod quota_thread;
pub mod scenario;
pub mod settings;
pub mod stack;
pub mod text;
pub mod thresholds;
pub mod usage;

pub use alarms::{
    AlarmClass, AlarmKind, AlarmName, AlarmNameError, Classification, Layer, Severity,
};
pub use dedup::{CaseCategory, Lookback, case_subject, subject_matches, urgency_prefix};
pub use increase::{
    IncreaseDecision, IncreasePercent, QuotaFacts, SupportCaseReason, decide_increase,
    desired_value,
};
pub use quota_match::{InvocationMode, QuotaKind, QuotaName, QuotaNameError};
pub use scenario::{QuotaSide, Scenario, ScenarioDecision, decide, decide_scenario};
pub use settings::{Mode, NotificationPreference, Settings, SettingsError};
pub use thresholds::{
    AlarmPeriod, Percent, QuotaCode, QuotaSource, QuotaValue, RpmQuotaCode, RpmThreshold,
    SERVICE_CODE, Threshold, ThresholdError, Thresholds,
};
pub use usage::{UsageSeries, UsageSummary};
