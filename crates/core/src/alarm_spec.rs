//! The two L2 quota alarms (HighInvocationRate, HighTPMQuotaUsage) as plain data.
//!
//! These alarms are owned by the Rust code, not by the template (W-9): the quota calculator writes exactly
//! this definition with PutMetricAlarm on every stack Create and Update, and the alarm updater changes only
//! the threshold of what it reads back. Keeping the definition in one pure function means the two can never
//! disagree about the metric math, the period handling or the actions.
//!
//! Shape of each alarm (metric math, at most [`MAX_MODEL_IDS`] model ids):
//!
//! | id | what | ReturnData |
//! |---|---|---|
//! | `m1` … `mN` | `AWS/Bedrock` metric, `Sum`, dimension `ModelId` = monitored id, then each extra id | false |
//! | `total` | `m1+…+mN` | false |
//! | `rate` | `total / (PERIOD(m1) / 60)`: the per-period sum as a per-minute rate (W-3) | true |
//!
//! so the threshold is always the per-minute figure ⌊quota × % / 100⌋, whatever the period.
//! Comparison `GreaterThanThreshold`, missing data `notBreaching`, AlarmActions and OKActions = the raw topic.
//! A model without an RPM quota gets no RPM alarm, and an RPM alarm left from an earlier configuration is
//! deleted.
//!
//! A model whose token limit is split in an input and an output quota gets, instead of `HighTPMQuotaUsage`
//! (deleted), `HighInputTPMQuotaUsage` on `InputTokenCount` and `HighOutputTPMQuotaUsage` on
//! `OutputTokenCount`, each summed over every id the same way. No burndown factor is applied: Bedrock's
//! documented output-token burndown (an output token counting several times) is how output tokens are
//! charged against a *combined* tokens-per-minute quota, the one `EstimatedTPMQuotaUsage` reports; a quota
//! that counts output tokens alone is compared with the output tokens as generated.

use std::fmt;

use serde::Serialize;

use crate::alarms::{AlarmKind, AlarmName};
use crate::scenario::QuotaSide;
use crate::thresholds::{AlarmPeriod, RpmThreshold, Threshold, Thresholds, l2_metric_math};

/// CloudWatch namespace of every Bedrock runtime metric.
pub const NAMESPACE: &str = "AWS/Bedrock";
/// The only dimension the alarms use.
pub const MODEL_ID_DIMENSION: &str = "ModelId";
/// Every metric read of the alarm.
pub const STATISTIC: &str = "Sum";
pub const COMPARISON_OPERATOR: &str = "GreaterThanThreshold";
pub const TREAT_MISSING_DATA: &str = "notBreaching";
/// CloudWatch accepts at most 10 metric queries in a metric-math alarm; `total` and `rate` take two.
pub const MAX_MODEL_IDS: usize = 8;
/// CloudWatch refuses an alarm whose period × evaluation periods exceeds one day.
pub const MAX_ALARM_WINDOW_SECONDS: u64 = 86_400;
/// CloudWatch's limit on a dimension value.
pub const MAX_MODEL_ID_LEN: usize = 1024;
/// Tag keys put on both alarms when they are created.
pub const TAG_CUSTOMER: &str = "bedrock-ops-alert:customer";
pub const TAG_MODEL: &str = "bedrock-ops-alert:model";
pub const TAG_MANAGED_BY: &str = "bedrock-ops-alert:managed-by";
/// Value of [`TAG_MANAGED_BY`]: tells a person editing the alarm in the console who will overwrite it.
pub const MANAGED_BY: &str = "quota-calculator";

/// The two L2 quota alarm kinds, RPM first.
pub const QUOTA_ALARM_KINDS: [AlarmKind; 2] =
    [AlarmKind::HighInvocationRate, AlarmKind::HighTpmQuotaUsage];
/// The L2 alarm kinds of a model with split token quotas, input first.
pub const SPLIT_TOKEN_ALARM_KINDS: [AlarmKind; 2] = [
    AlarmKind::HighInputTpmQuotaUsage,
    AlarmKind::HighOutputTpmQuotaUsage,
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlarmSpecError {
    #[error("the monitored model id is empty")]
    EmptyModelId,
    #[error(
        "model id '{0}…' is longer than CloudWatch's {MAX_MODEL_ID_LEN}-character dimension limit"
    )]
    ModelIdTooLong(String),
    #[error(
        "{count} model ids given (the monitored one plus extras); a quota alarm can sum at most {MAX_MODEL_IDS}"
    )]
    TooManyModelIds { count: usize },
    #[error("'{0}' is not a number of evaluation periods: allowed a whole number of at least 1")]
    EvaluationPeriodsNotANumber(String),
    #[error(
        "{periods} evaluation periods of {period} s make a {window} s window; CloudWatch allows at most {MAX_ALARM_WINDOW_SECONDS} s"
    )]
    WindowTooLong {
        periods: u32,
        period: AlarmPeriod,
        window: u64,
    },
    #[error("the alarm topic ARN is empty")]
    EmptyTopic,
}

/// The model ids whose traffic counts against the quota: the monitored id first, then the extras, without
/// repeats or blanks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ModelIds(Vec<String>);

impl ModelIds {
    pub fn new<'a>(
        monitored: &str,
        extras: impl IntoIterator<Item = &'a str>,
    ) -> Result<ModelIds, AlarmSpecError> {
        let monitored = monitored.trim();
        if monitored.is_empty() {
            return Err(AlarmSpecError::EmptyModelId);
        }
        let mut ids = vec![monitored.to_owned()];
        for extra in extras.into_iter().map(str::trim).filter(|e| !e.is_empty()) {
            if !ids.iter().any(|id| id == extra) {
                ids.push(extra.to_owned());
            }
        }
        if let Some(long) = ids.iter().find(|id| id.len() > MAX_MODEL_ID_LEN) {
            let head: String = long.chars().take(40).collect();
            return Err(AlarmSpecError::ModelIdTooLong(head));
        }
        if ids.len() > MAX_MODEL_IDS {
            return Err(AlarmSpecError::TooManyModelIds { count: ids.len() });
        }
        Ok(ModelIds(ids))
    }

    /// From the template's comma list of extra ids (may be empty).
    pub fn from_comma_list(monitored: &str, extras: &str) -> Result<ModelIds, AlarmSpecError> {
        ModelIds::new(monitored, extras.split(','))
    }

    pub fn monitored(&self) -> &str {
        // Never empty (`new` refuses an empty monitored id); `first` keeps a panic path out of every caller.
        self.0.first().map_or("", String::as_str)
    }

    pub fn all(&self) -> &[String] {
        &self.0
    }
}

/// How many consecutive periods must breach (N of N).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EvaluationPeriods(u32);

impl EvaluationPeriods {
    /// The template's default for warning alarms.
    pub const DEFAULT: EvaluationPeriods = EvaluationPeriods(5);

    /// At least 1, and the window (period × count) within CloudWatch's one-day limit.
    pub fn new(count: u32, period: AlarmPeriod) -> Result<EvaluationPeriods, AlarmSpecError> {
        if count == 0 {
            return Err(AlarmSpecError::EvaluationPeriodsNotANumber("0".into()));
        }
        let window = u64::from(count) * u64::from(period.seconds());
        if window > MAX_ALARM_WINDOW_SECONDS {
            return Err(AlarmSpecError::WindowTooLong {
                periods: count,
                period,
                window,
            });
        }
        Ok(EvaluationPeriods(count))
    }

    pub fn parse(text: &str, period: AlarmPeriod) -> Result<EvaluationPeriods, AlarmSpecError> {
        let count = text
            .trim()
            .parse::<u32>()
            .map_err(|_| AlarmSpecError::EvaluationPeriodsNotANumber(text.to_owned()))?;
        EvaluationPeriods::new(count, period)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for EvaluationPeriods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a stack's quota alarms are built from (the custom resource's properties).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaAlarmConfig {
    pub customer: String,
    pub model_name: String,
    pub model_ids: ModelIds,
    pub period: AlarmPeriod,
    pub evaluation_periods: EvaluationPeriods,
    /// The raw SNS topic: both AlarmActions and OKActions, so recoveries are delivered too (W-1).
    pub topic_arn: String,
}

/// One query of the alarm's metric math.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricQuerySpec {
    pub id: String,
    #[serde(flatten)]
    pub source: QuerySource,
    pub label: Option<String>,
    pub return_data: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuerySource {
    /// `AWS/Bedrock` `<metric_name>` `Sum` for `ModelId = model_id` over `period`.
    Metric {
        metric_name: &'static str,
        model_id: String,
        period: AlarmPeriod,
    },
    Expression(String),
}

/// A complete PutMetricAlarm definition of one quota alarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaAlarmSpec {
    pub kind: AlarmKind,
    pub name: String,
    pub description: String,
    pub metrics: Vec<MetricQuerySpec>,
    /// Per-minute threshold.
    pub threshold: Threshold,
    pub comparison_operator: &'static str,
    pub evaluation_periods: EvaluationPeriods,
    pub treat_missing_data: &'static str,
    pub alarm_actions: Vec<String>,
    pub ok_actions: Vec<String>,
    pub tags: Vec<(String, String)>,
}

/// What the calculator does to the quota alarms: put these, delete those.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaAlarmPlan {
    pub put: Vec<QuotaAlarmSpec>,
    /// Names of quota alarms that must not exist (the RPM alarm of a model without an RPM quota).
    pub delete: Vec<String>,
}

/// Name of a stack's quota alarm of this kind.
pub fn quota_alarm_name(customer: &str, model_name: &str, kind: AlarmKind) -> String {
    AlarmName::new(customer, kind, model_name).to_string()
}

/// The L2 alarm that watches a quota: HighInvocationRate for RPM, HighTPMQuotaUsage for the combined TPM
/// quota, HighInputTPMQuotaUsage and HighOutputTPMQuotaUsage for a split model's token quotas.
pub fn quota_alarm_kind(side: QuotaSide) -> AlarmKind {
    match side {
        QuotaSide::Rpm => AlarmKind::HighInvocationRate,
        QuotaSide::Tpm => AlarmKind::HighTpmQuotaUsage,
        QuotaSide::InputTpm => AlarmKind::HighInputTpmQuotaUsage,
        QuotaSide::OutputTpm => AlarmKind::HighOutputTpmQuotaUsage,
    }
}

/// Both quota alarm names, RPM first (what Delete removes and what the updater describes).
pub fn quota_alarm_names(customer: &str, model_name: &str) -> [String; 2] {
    QUOTA_ALARM_KINDS.map(|kind| quota_alarm_name(customer, model_name, kind))
}

/// The split token alarms' names, input first.
pub fn split_token_alarm_names(customer: &str, model_name: &str) -> [String; 2] {
    SPLIT_TOKEN_ALARM_KINDS.map(|kind| quota_alarm_name(customer, model_name, kind))
}

fn label(kind: AlarmKind) -> &'static str {
    match kind {
        AlarmKind::HighTpmQuotaUsage => "CombinedTPM",
        AlarmKind::HighInputTpmQuotaUsage => "CombinedInputTPM",
        AlarmKind::HighOutputTpmQuotaUsage => "CombinedOutputTPM",
        _ => "CombinedRPM",
    }
}

fn description(config: &QuotaAlarmConfig, kind: AlarmKind) -> String {
    let (what, quota) = match kind {
        AlarmKind::HighTpmQuotaUsage => (
            "estimated tokens-per-minute quota usage",
            "tokens-per-minute",
        ),
        AlarmKind::HighInputTpmQuotaUsage => ("input tokens", "input tokens-per-minute"),
        AlarmKind::HighOutputTpmQuotaUsage => ("output tokens", "output tokens-per-minute"),
        _ => ("requests per minute", "requests-per-minute"),
    };
    let ids = config.model_ids.all().len();
    let over = if ids == 1 {
        "1 model id".to_owned()
    } else {
        format!("{ids} model ids")
    };
    format!(
        "Bedrock Ops Alert {customer} / {model}: {what} (sum over {over}, as a per-minute rate) is above the \
         configured percentage of the {quota} quota. Created by the quota calculator; the alarm updater keeps \
         the threshold in line with the live quota. Edits in the console are overwritten.",
        customer = config.customer,
        model = config.model_name,
    )
}

/// The complete definition of one quota alarm.
pub fn quota_alarm_spec(
    config: &QuotaAlarmConfig,
    kind: AlarmKind,
    threshold: Threshold,
) -> QuotaAlarmSpec {
    let math = l2_metric_math(config.model_ids.all().len());
    let mut metrics: Vec<MetricQuerySpec> = math
        .metric_ids
        .iter()
        .zip(config.model_ids.all())
        .map(|(id, model_id)| MetricQuerySpec {
            id: id.clone(),
            source: QuerySource::Metric {
                metric_name: kind.metric_name(),
                model_id: model_id.clone(),
                period: config.period,
            },
            label: None,
            return_data: false,
        })
        .collect();
    metrics.push(MetricQuerySpec {
        id: math.total_id.to_owned(),
        source: QuerySource::Expression(math.total_expression),
        label: None,
        return_data: false,
    });
    metrics.push(MetricQuerySpec {
        id: math.rate_id.to_owned(),
        source: QuerySource::Expression(math.rate_expression),
        label: Some(label(kind).to_owned()),
        return_data: true,
    });
    QuotaAlarmSpec {
        kind,
        name: quota_alarm_name(&config.customer, &config.model_name, kind),
        description: description(config, kind),
        metrics,
        threshold,
        comparison_operator: COMPARISON_OPERATOR,
        evaluation_periods: config.evaluation_periods,
        treat_missing_data: TREAT_MISSING_DATA,
        alarm_actions: vec![config.topic_arn.clone()],
        ok_actions: vec![config.topic_arn.clone()],
        tags: vec![
            (TAG_CUSTOMER.to_owned(), config.customer.clone()),
            (TAG_MODEL.to_owned(), config.model_name.clone()),
            (TAG_MANAGED_BY.to_owned(), MANAGED_BY.to_owned()),
        ],
    }
}

/// The RPM alarm to put, or its name to delete when the model has no RPM quota; the topic checked.
fn rpm_plan(
    config: &QuotaAlarmConfig,
    rpm: RpmThreshold,
) -> Result<QuotaAlarmPlan, AlarmSpecError> {
    if config.topic_arn.trim().is_empty() {
        return Err(AlarmSpecError::EmptyTopic);
    }
    let mut plan = QuotaAlarmPlan {
        put: Vec::with_capacity(3),
        delete: Vec::new(),
    };
    match rpm {
        RpmThreshold::Applicable(rpm) => {
            plan.put
                .push(quota_alarm_spec(config, AlarmKind::HighInvocationRate, rpm));
        }
        RpmThreshold::NotApplicable => plan.delete.push(quota_alarm_name(
            &config.customer,
            &config.model_name,
            AlarmKind::HighInvocationRate,
        )),
    }
    Ok(plan)
}

/// The quota alarms a stack must have for these thresholds: TPM always, RPM only when the model has an RPM
/// quota (otherwise its alarm is to be deleted).
pub fn plan_quota_alarms(
    config: &QuotaAlarmConfig,
    thresholds: &Thresholds,
) -> Result<QuotaAlarmPlan, AlarmSpecError> {
    let mut plan = rpm_plan(config, thresholds.rpm)?;
    plan.put.push(quota_alarm_spec(
        config,
        AlarmKind::HighTpmQuotaUsage,
        thresholds.tpm,
    ));
    Ok(plan)
}

/// The quota alarms of a model with split token quotas: RPM as for every model, one alarm per token quota,
/// and the combined TPM alarm (left from an earlier configuration) deleted.
pub fn plan_split_quota_alarms(
    config: &QuotaAlarmConfig,
    rpm: RpmThreshold,
    input: Threshold,
    output: Threshold,
) -> Result<QuotaAlarmPlan, AlarmSpecError> {
    let mut plan = rpm_plan(config, rpm)?;
    plan.put.push(quota_alarm_spec(
        config,
        AlarmKind::HighInputTpmQuotaUsage,
        input,
    ));
    plan.put.push(quota_alarm_spec(
        config,
        AlarmKind::HighOutputTpmQuotaUsage,
        output,
    ));
    plan.delete.push(quota_alarm_name(
        &config.customer,
        &config.model_name,
        AlarmKind::HighTpmQuotaUsage,
    ));
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thresholds::{Percent, QuotaValue};

    const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:Acme-Bedrock-Alarms-Raw-Opus";

    fn config(extras: &[&str], period: AlarmPeriod) -> QuotaAlarmConfig {
        QuotaAlarmConfig {
            customer: "Acme".into(),
            model_name: "Opus".into(),
            model_ids: ModelIds::new(
                "global.anthropic.claude-opus-4-6-v1",
                extras.iter().copied(),
            )
            .unwrap(),
            period,
            evaluation_periods: EvaluationPeriods::new(5, period).unwrap(),
            topic_arn: TOPIC.into(),
        }
    }

    fn thresholds(rpm: Option<u64>, tpm: u64) -> Thresholds {
        let p = Percent::new(80).unwrap();
        Thresholds {
            rpm: RpmThreshold::of(rpm.map(|q| QuotaValue::new(q).unwrap()), p),
            tpm: Threshold::of(QuotaValue::new(tpm).unwrap(), p),
        }
    }

    #[test]
    fn both_alarms_for_the_blog_example_carry_8000_and_5000000() {
        let plan = plan_quota_alarms(
            &config(&[], AlarmPeriod::OneMinute),
            &thresholds(Some(10_000), 6_250_000),
        )
        .unwrap();
        assert!(plan.delete.is_empty());
        let names: Vec<_> = plan.put.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Acme-Bedrock-HighInvocationRate-Warning-Opus",
                "Acme-Bedrock-HighTPMQuotaUsage-Warning-Opus"
            ]
        );
        assert_eq!(plan.put[0].threshold.get(), 8_000);
        assert_eq!(plan.put[1].threshold.get(), 5_000_000);
    }

    #[test]
    fn metric_math_reads_every_model_id_sums_them_and_returns_only_the_per_minute_rate() {
        let spec = quota_alarm_spec(
            &config(
                &["us.anthropic.claude-opus-4-6-v1"],
                AlarmPeriod::FiveMinutes,
            ),
            AlarmKind::HighTpmQuotaUsage,
            Threshold::of(QuotaValue::new(100).unwrap(), Percent::new(50).unwrap()),
        );
        let ids: Vec<_> = spec.metrics.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, ["m1", "m2", "total", "rate"]);
        assert_eq!(
            spec.metrics[0].source,
            QuerySource::Metric {
                metric_name: "EstimatedTPMQuotaUsage",
                model_id: "global.anthropic.claude-opus-4-6-v1".into(),
                period: AlarmPeriod::FiveMinutes,
            }
        );
        assert!(matches!(
            &spec.metrics[1].source,
            QuerySource::Metric { model_id, .. } if model_id == "us.anthropic.claude-opus-4-6-v1"
        ));
        assert_eq!(
            spec.metrics[2].source,
            QuerySource::Expression("SUM([m1,m2])".into())
        );
        assert_eq!(
            spec.metrics[3].source,
            QuerySource::Expression("total / (PERIOD(m1) / 60)".into())
        );
        let returning: Vec<_> = spec
            .metrics
            .iter()
            .filter(|q| q.return_data)
            .map(|q| q.id.as_str())
            .collect();
        assert_eq!(returning, ["rate"]);
        assert_eq!(spec.metrics[3].label.as_deref(), Some("CombinedTPM"));
    }

    #[test]
    fn rpm_alarm_watches_invocations() {
        let spec = quota_alarm_spec(
            &config(&[], AlarmPeriod::OneMinute),
            AlarmKind::HighInvocationRate,
            Threshold::of(QuotaValue::new(10).unwrap(), Percent::new(80).unwrap()),
        );
        assert!(matches!(
            spec.metrics[0].source,
            QuerySource::Metric {
                metric_name: "Invocations",
                ..
            }
        ));
        assert_eq!(spec.metrics[2].label.as_deref(), Some("CombinedRPM"));
    }

    #[test]
    fn every_period_uses_the_same_expression_and_the_same_per_minute_threshold() {
        let t = thresholds(Some(10_000), 6_250_000);
        for period in AlarmPeriod::ALL {
            let plan = plan_quota_alarms(&config(&[], period), &t).unwrap();
            for alarm in &plan.put {
                let rate = alarm.metrics.last().unwrap();
                assert_eq!(
                    rate.source,
                    QuerySource::Expression("total / (PERIOD(m1) / 60)".into()),
                    "{period}"
                );
                assert!(matches!(
                    alarm.metrics[0].source,
                    QuerySource::Metric { period: p, .. } if p == period
                ));
            }
            assert_eq!(plan.put[0].threshold.get(), 8_000, "{period}");
            assert_eq!(plan.put[1].threshold.get(), 5_000_000, "{period}");
        }
    }

    #[test]
    fn fixed_settings_and_both_action_lists_point_at_the_raw_topic() {
        let plan = plan_quota_alarms(
            &config(&[], AlarmPeriod::OneMinute),
            &thresholds(Some(10_000), 6_250_000),
        )
        .unwrap();
        for alarm in &plan.put {
            assert_eq!(alarm.comparison_operator, "GreaterThanThreshold");
            assert_eq!(alarm.treat_missing_data, "notBreaching");
            assert_eq!(alarm.evaluation_periods.get(), 5);
            assert_eq!(alarm.alarm_actions, [TOPIC]);
            assert_eq!(alarm.ok_actions, [TOPIC]);
            assert!(alarm.description.contains("Acme / Opus"));
            assert!(alarm.description.len() <= 1024);
            assert!(
                alarm
                    .tags
                    .contains(&(TAG_MANAGED_BY.to_owned(), MANAGED_BY.to_owned()))
            );
        }
    }

    #[test]
    fn model_without_rpm_quota_gets_no_rpm_alarm_and_a_left_over_one_is_deleted() {
        let plan = plan_quota_alarms(
            &config(&[], AlarmPeriod::OneMinute),
            &thresholds(None, 6_250_000),
        )
        .unwrap();
        assert_eq!(plan.put.len(), 1);
        assert_eq!(plan.put[0].kind, AlarmKind::HighTpmQuotaUsage);
        assert_eq!(
            plan.delete,
            ["Acme-Bedrock-HighInvocationRate-Warning-Opus"]
        );
    }

    #[test]
    fn model_ids_drop_blanks_and_repeats_and_keep_the_monitored_id_first() {
        let ids = ModelIds::from_comma_list("a.b-v1", " c.d-v1 , ,a.b-v1,c.d-v1,e").unwrap();
        assert_eq!(ids.all(), ["a.b-v1", "c.d-v1", "e"]);
        assert_eq!(ids.monitored(), "a.b-v1");
        assert_eq!(ModelIds::from_comma_list("x", "").unwrap().all(), ["x"]);
        assert_eq!(
            ModelIds::from_comma_list(" ", "x"),
            Err(AlarmSpecError::EmptyModelId)
        );
    }

    #[test]
    fn model_ids_are_limited_by_cloudwatchs_ten_queries() {
        let eight: Vec<String> = (1..8).map(|i| format!("id{i}")).collect();
        let ok = ModelIds::new("m", eight.iter().map(String::as_str)).unwrap();
        assert_eq!(ok.all().len(), MAX_MODEL_IDS);
        let spec = quota_alarm_spec(
            &QuotaAlarmConfig {
                model_ids: ok,
                ..config(&[], AlarmPeriod::OneMinute)
            },
            AlarmKind::HighInvocationRate,
            Threshold::of(QuotaValue::new(10).unwrap(), Percent::new(80).unwrap()),
        );
        assert_eq!(spec.metrics.len(), 10);
        let nine: Vec<String> = (1..9).map(|i| format!("id{i}")).collect();
        assert_eq!(
            ModelIds::new("m", nine.iter().map(String::as_str)),
            Err(AlarmSpecError::TooManyModelIds { count: 9 })
        );
        let long = "x".repeat(MAX_MODEL_ID_LEN + 1);
        assert!(matches!(
            ModelIds::new(&long, []),
            Err(AlarmSpecError::ModelIdTooLong(_))
        ));
    }

    #[test]
    fn evaluation_window_is_at_most_one_day() {
        assert!(EvaluationPeriods::new(24, AlarmPeriod::OneHour).is_ok());
        assert!(matches!(
            EvaluationPeriods::new(25, AlarmPeriod::OneHour),
            Err(AlarmSpecError::WindowTooLong { window: 90_000, .. })
        ));
        assert!(EvaluationPeriods::new(0, AlarmPeriod::OneMinute).is_err());
        assert_eq!(
            EvaluationPeriods::parse(" 3 ", AlarmPeriod::OneMinute)
                .unwrap()
                .get(),
            3
        );
        assert!(EvaluationPeriods::parse("three", AlarmPeriod::OneMinute).is_err());
        assert!(EvaluationPeriods::parse("-1", AlarmPeriod::OneMinute).is_err());
    }

    #[test]
    fn empty_topic_is_refused() {
        let mut c = config(&[], AlarmPeriod::OneMinute);
        c.topic_arn = " ".into();
        assert_eq!(
            plan_quota_alarms(&c, &thresholds(Some(1), 1)),
            Err(AlarmSpecError::EmptyTopic)
        );
    }

    #[test]
    fn split_token_quotas_get_an_input_and_an_output_alarm_summed_over_every_id_without_burndown() {
        let p = Percent::new(80).unwrap();
        let plan = plan_split_quota_alarms(
            &config(
                &["arn:aws:bedrock:us-east-1:1:application-inference-profile/x"],
                AlarmPeriod::OneMinute,
            ),
            RpmThreshold::NotApplicable,
            Threshold::of(QuotaValue::new(2_000_000).unwrap(), p),
            Threshold::of(QuotaValue::new(400_000).unwrap(), p),
        )
        .unwrap();
        let kinds: Vec<_> = plan.put.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            [
                AlarmKind::HighInputTpmQuotaUsage,
                AlarmKind::HighOutputTpmQuotaUsage
            ]
        );
        assert_eq!(
            plan.delete,
            [
                "Acme-Bedrock-HighInvocationRate-Warning-Opus",
                "Acme-Bedrock-HighTPMQuotaUsage-Warning-Opus"
            ]
        );
        let input = &plan.put[0];
        assert_eq!(
            input.name,
            "Acme-Bedrock-HighInputTPMQuotaUsage-Warning-Opus"
        );
        assert_eq!(input.threshold.get(), 1_600_000);
        assert_eq!(plan.put[1].threshold.get(), 320_000);
        for (alarm, metric) in plan.put.iter().zip(["InputTokenCount", "OutputTokenCount"]) {
            let metrics: Vec<_> = alarm
                .metrics
                .iter()
                .filter_map(|q| match &q.source {
                    QuerySource::Metric {
                        metric_name,
                        model_id,
                        ..
                    } => Some((*metric_name, model_id.as_str())),
                    QuerySource::Expression(_) => None,
                })
                .collect();
            assert_eq!(metrics.len(), 2, "{}", alarm.name);
            assert!(metrics.iter().all(|(m, _)| *m == metric), "{metrics:?}");
            // The sum of the ids as they are: no burndown multiplier in the expression.
            assert_eq!(
                alarm.metrics[2].source,
                QuerySource::Expression("SUM([m1,m2])".into())
            );
        }
        assert_eq!(
            split_token_alarm_names("Acme", "Opus"),
            [
                "Acme-Bedrock-HighInputTPMQuotaUsage-Warning-Opus",
                "Acme-Bedrock-HighOutputTPMQuotaUsage-Warning-Opus"
            ]
        );
    }

    #[test]
    fn names_follow_the_contract() {
        assert_eq!(
            quota_alarm_names("Big-Co", "G-Opus-4-6"),
            [
                "Big-Co-Bedrock-HighInvocationRate-Warning-G-Opus-4-6",
                "Big-Co-Bedrock-HighTPMQuotaUsage-Warning-G-Opus-4-6"
            ]
        );
    }
}
