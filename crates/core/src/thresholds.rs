//! Alarm thresholds from quotas, and the L2 alarms' period normalisation.
//!
//! threshold = ⌊quota × percent / 100⌋ in exact integer arithmetic, never below 1: a threshold of 0
//! would put the alarm in ALARM on any traffic (W-14), so a tiny quota (e.g. 1 at 80 %) gives 1.
//!
//! Period rule (W-3): quotas are per minute, but an L2 alarm may sum its metric over 60, 300, 900 or
//! 3600 s. The alarm's metric math divides the per-period sum by the number of minutes in the period
//! (`total / (PERIOD(m1) / 60)`), so the threshold is always the per-minute figure whatever the period.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// Largest quota value accepted. Service Quotas carries values as doubles, and 2^53 is the largest
/// integer a double holds exactly; it also keeps `quota × 200` far inside `u128`.
pub const MAX_QUOTA_VALUE: u64 = 1 << 53;

/// The literal that marks "this model has no RPM quota" in settings and stored thresholds.
pub const NOT_APPLICABLE: &str = "NA";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdError {
    #[error("threshold percent {0} is out of range: allowed 1 to 100")]
    PercentOutOfRange(u64),
    #[error("'{0}' is not a threshold percent: allowed a whole number from 1 to 100")]
    PercentNotANumber(String),
    #[error(
        "quota value {0} is not usable: a quota must be a whole number from 1 to {MAX_QUOTA_VALUE}"
    )]
    QuotaOutOfRange(String),
    #[error(
        "'{0}' is not a quota value: allowed a whole number from 1 to {MAX_QUOTA_VALUE}, or NA for the RPM quota"
    )]
    QuotaNotANumber(String),
    #[error(
        "'{0}' is not a stored threshold: allowed a whole number of at least 1, or NA for the RPM side"
    )]
    InvalidStoredThreshold(String),
    #[error("alarm period {0} s is not supported: allowed 60, 300, 900 or 3600")]
    UnsupportedPeriod(String),
    #[error(
        "'{0}' is not a quota code: allowed a code such as L-3DD46812 (or NA for the RPM quota only)"
    )]
    InvalidQuotaCode(String),
    #[error("the TPM quota code cannot be NA: every Bedrock model has a tokens-per-minute quota")]
    TpmCodeNotApplicable,
    #[error(
        "the TPM quota code is NA, so the model's token limit must be given as its split quotas: set both the input and the output tokens-per-minute quota codes"
    )]
    SplitTokenCodesIncomplete,
    #[error(
        "the split input and output tokens-per-minute quota codes are given, so the TPM quota code must be NA: a model's token limit is one combined quota or an input and an output quota, never both"
    )]
    CombinedAndSplitTokenCodes,
    #[error(
        "only one of the split token quota codes is given: set both the input and the output code, or neither"
    )]
    SplitTokenCodeMissing,
}

/// Threshold percentage, 1–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Percent(u8);

impl Percent {
    /// The blog's default: alarm at 80 % of the quota.
    pub const DEFAULT: Percent = Percent(80);

    pub fn new(value: u64) -> Result<Percent, ThresholdError> {
        match u8::try_from(value) {
            Ok(p @ 1..=100) => Ok(Percent(p)),
            _ => Err(ThresholdError::PercentOutOfRange(value)),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl Default for Percent {
    fn default() -> Self {
        Percent::DEFAULT
    }
}

impl FromStr for Percent {
    type Err = ThresholdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value: u64 = s
            .trim()
            .parse()
            .map_err(|_| ThresholdError::PercentNotANumber(s.to_owned()))?;
        Percent::new(value)
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A quota's applied value (per minute), 1 ..= [`MAX_QUOTA_VALUE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct QuotaValue(u64);

impl QuotaValue {
    pub fn new(value: u64) -> Result<QuotaValue, ThresholdError> {
        if (1..=MAX_QUOTA_VALUE).contains(&value) {
            Ok(QuotaValue(value))
        } else {
            Err(ThresholdError::QuotaOutOfRange(value.to_string()))
        }
    }

    /// From the double Service Quotas returns; fractions, NaN and values ≤ 0 are refused rather
    /// than rounded, since a quota that is not a whole positive number means we read the wrong thing.
    pub fn from_service_quotas(value: f64) -> Result<QuotaValue, ThresholdError> {
        let whole = value.is_finite() && value.fract() == 0.0;
        if whole && value >= 1.0 && value <= MAX_QUOTA_VALUE as f64 {
            // Exact: a whole double in range converts without loss.
            Ok(QuotaValue(value as u64))
        } else {
            Err(ThresholdError::QuotaOutOfRange(value.to_string()))
        }
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl FromStr for QuotaValue {
    type Err = ThresholdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value: u64 = s
            .trim()
            .parse()
            .map_err(|_| ThresholdError::QuotaNotANumber(s.to_owned()))?;
        QuotaValue::new(value)
    }
}

impl fmt::Display for QuotaValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A per-minute alarm threshold, always ≥ 1 and ≤ the quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Threshold(u64);

impl Threshold {
    /// ⌊quota × percent / 100⌋, raised to 1 when the floor is 0.
    pub fn of(quota: QuotaValue, percent: Percent) -> Threshold {
        let exact = u128::from(quota.0) * u128::from(percent.0) / 100;
        // exact ≤ quota ≤ MAX_QUOTA_VALUE, so it fits in u64.
        Threshold(
            u64::try_from(exact)
                .expect("threshold never exceeds the quota")
                .max(1),
        )
    }

    pub fn get(self) -> u64 {
        self.0
    }

    /// Whether a per-minute figure reaches the threshold (the blog's "meets or exceeds").
    pub fn is_reached_by(self, per_minute: f64) -> bool {
        per_minute >= self.0 as f64
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Threshold {
    type Err = ThresholdError;

    /// Reads a stored threshold back (Parameter Store keeps it as text).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().parse::<u64>() {
            Ok(value) if value >= 1 => Ok(Threshold(value)),
            _ => Err(ThresholdError::InvalidStoredThreshold(s.to_owned())),
        }
    }
}

/// The RPM side, which some models do not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RpmThreshold {
    Applicable(Threshold),
    /// The model has no requests-per-minute quota (quota code `NA`).
    NotApplicable,
}

impl RpmThreshold {
    pub fn of(quota: Option<QuotaValue>, percent: Percent) -> RpmThreshold {
        match quota {
            Some(q) => RpmThreshold::Applicable(Threshold::of(q, percent)),
            None => RpmThreshold::NotApplicable,
        }
    }

    pub fn threshold(self) -> Option<Threshold> {
        match self {
            RpmThreshold::Applicable(t) => Some(t),
            RpmThreshold::NotApplicable => None,
        }
    }

    pub fn is_applicable(self) -> bool {
        self.threshold().is_some()
    }
}

impl Serialize for RpmThreshold {
    /// A number, or `null` when not applicable.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.threshold().serialize(serializer)
    }
}

impl fmt::Display for RpmThreshold {
    /// The Parameter Store form: the number, or `NA`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpmThreshold::Applicable(t) => t.fmt(f),
            RpmThreshold::NotApplicable => f.write_str(NOT_APPLICABLE),
        }
    }
}

impl FromStr for RpmThreshold {
    type Err = ThresholdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case(NOT_APPLICABLE) {
            Ok(RpmThreshold::NotApplicable)
        } else {
            s.parse().map(RpmThreshold::Applicable)
        }
    }
}

/// Both thresholds of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Thresholds {
    pub rpm: RpmThreshold,
    pub tpm: Threshold,
}

/// Service Quotas' service code for Amazon Bedrock: every quota this product reads or raises is under it.
pub const SERVICE_CODE: &str = "bedrock";

/// Where a quota value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaSource {
    /// The value applied to this account (GetServiceQuota / ListServiceQuotas).
    Applied,
    /// The AWS default, used when the account has no applied value for the quota.
    AwsDefault,
}

/// A Service Quotas quota code such as `L-3DD46812`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct QuotaCode(String);

impl QuotaCode {
    /// Default RPM code of the template.
    pub const DEFAULT_RPM: &'static str = "L-3DD46812";
    /// Default TPM code of the template.
    pub const DEFAULT_TPM: &'static str = "L-3DCCFAA4";

    /// Shape check only (`L-` and 1–16 upper-case letters or digits); existence is Service Quotas'.
    pub fn new(code: &str) -> Result<QuotaCode, ThresholdError> {
        let code = code.trim();
        let ok = code.strip_prefix("L-").is_some_and(|rest| {
            (1..=16).contains(&rest.len())
                && rest
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        });
        if ok {
            Ok(QuotaCode(code.to_owned()))
        } else {
            Err(ThresholdError::InvalidQuotaCode(code.to_owned()))
        }
    }

    /// A TPM code: `NA` is refused, every model has a TPM quota (W-13).
    pub fn tpm(code: &str) -> Result<QuotaCode, ThresholdError> {
        if code.trim().eq_ignore_ascii_case(NOT_APPLICABLE) {
            Err(ThresholdError::TpmCodeNotApplicable)
        } else {
            QuotaCode::new(code)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for QuotaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which quota(s) limit a model's tokens per minute: one combined (input + output) quota, or, for newer
/// models, an input and an output quota of their own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TokenQuotaCodes {
    Combined(QuotaCode),
    Split { input: QuotaCode, output: QuotaCode },
}

impl TokenQuotaCodes {
    /// From the three template values: `tpm` is a code, or `NA` when (and only when) both split codes are
    /// given; a split code that is blank or `NA` is absent.
    pub fn parse(
        tpm: &str,
        input: Option<&str>,
        output: Option<&str>,
    ) -> Result<TokenQuotaCodes, ThresholdError> {
        fn present(code: Option<&str>) -> Option<&str> {
            code.map(str::trim)
                .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case(NOT_APPLICABLE))
        }
        let tpm_na = tpm.trim().eq_ignore_ascii_case(NOT_APPLICABLE);
        match (tpm_na, present(input), present(output)) {
            (false, None, None) => QuotaCode::tpm(tpm).map(TokenQuotaCodes::Combined),
            (true, Some(input), Some(output)) => Ok(TokenQuotaCodes::Split {
                input: QuotaCode::new(input)?,
                output: QuotaCode::new(output)?,
            }),
            (true, None, None) => Err(ThresholdError::TpmCodeNotApplicable),
            (true, _, _) => Err(ThresholdError::SplitTokenCodesIncomplete),
            (false, Some(_), Some(_)) => Err(ThresholdError::CombinedAndSplitTokenCodes),
            (false, _, _) => Err(ThresholdError::SplitTokenCodeMissing),
        }
    }

    /// The combined code; `None` for a split model.
    pub fn combined(&self) -> Option<&QuotaCode> {
        match self {
            TokenQuotaCodes::Combined(code) => Some(code),
            TokenQuotaCodes::Split { .. } => None,
        }
    }

    /// The input and output codes of a split model.
    pub fn split(&self) -> Option<(&QuotaCode, &QuotaCode)> {
        match self {
            TokenQuotaCodes::Combined(_) => None,
            TokenQuotaCodes::Split { input, output } => Some((input, output)),
        }
    }

    /// The template's `TokensPerMinuteQuotaCode` value: the code, or `NA` for a split model.
    pub fn tpm_parameter(&self) -> &str {
        self.combined().map_or(NOT_APPLICABLE, QuotaCode::as_str)
    }
}

/// The RPM quota code: a code, or `NA` (case-insensitive) when the model has no RPM quota.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RpmQuotaCode {
    Code(QuotaCode),
    NotApplicable,
}

impl RpmQuotaCode {
    pub fn parse(code: &str) -> Result<RpmQuotaCode, ThresholdError> {
        if code.trim().eq_ignore_ascii_case(NOT_APPLICABLE) {
            Ok(RpmQuotaCode::NotApplicable)
        } else {
            QuotaCode::new(code).map(RpmQuotaCode::Code)
        }
    }

    pub fn code(&self) -> Option<&QuotaCode> {
        match self {
            RpmQuotaCode::Code(c) => Some(c),
            RpmQuotaCode::NotApplicable => None,
        }
    }
}

impl fmt::Display for RpmQuotaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpmQuotaCode::Code(c) => c.fmt(f),
            RpmQuotaCode::NotApplicable => f.write_str(NOT_APPLICABLE),
        }
    }
}

/// The evaluation period of the L2 quota alarms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum AlarmPeriod {
    #[default]
    OneMinute,
    FiveMinutes,
    FifteenMinutes,
    OneHour,
}

impl AlarmPeriod {
    pub const ALL: [AlarmPeriod; 4] = [
        AlarmPeriod::OneMinute,
        AlarmPeriod::FiveMinutes,
        AlarmPeriod::FifteenMinutes,
        AlarmPeriod::OneHour,
    ];

    pub fn from_seconds(seconds: u64) -> Result<AlarmPeriod, ThresholdError> {
        match seconds {
            60 => Ok(AlarmPeriod::OneMinute),
            300 => Ok(AlarmPeriod::FiveMinutes),
            900 => Ok(AlarmPeriod::FifteenMinutes),
            3600 => Ok(AlarmPeriod::OneHour),
            other => Err(ThresholdError::UnsupportedPeriod(other.to_string())),
        }
    }

    pub fn seconds(self) -> u32 {
        match self {
            AlarmPeriod::OneMinute => 60,
            AlarmPeriod::FiveMinutes => 300,
            AlarmPeriod::FifteenMinutes => 900,
            AlarmPeriod::OneHour => 3600,
        }
    }

    pub fn minutes(self) -> u32 {
        self.seconds() / 60
    }

    /// What the alarm's `rate` expression computes: a per-period sum as a per-minute rate.
    pub fn per_minute_rate(self, per_period_sum: f64) -> f64 {
        per_period_sum / f64::from(self.minutes())
    }
}

impl Serialize for AlarmPeriod {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.seconds())
    }
}

impl FromStr for AlarmPeriod {
    type Err = ThresholdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let seconds: u64 = s
            .trim()
            .parse()
            .map_err(|_| ThresholdError::UnsupportedPeriod(s.to_owned()))?;
        AlarmPeriod::from_seconds(seconds)
    }
}

impl fmt::Display for AlarmPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.seconds().fmt(f)
    }
}

/// Metric-math ids and expressions of an L2 quota alarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct L2MetricMath {
    /// `m1`, `m2`, …: one metric query per model id (ReturnData false).
    pub metric_ids: Vec<String>,
    /// Id of the sum expression.
    pub total_id: &'static str,
    /// `m1` for one model id, `SUM([m1,m2,…])` for several (ReturnData false). `SUM` rather than `+`:
    /// CloudWatch's `+` between series keeps only the minutes present in every series, so a minute in
    /// which only one model id had traffic would be dropped and the alarm would under-count.
    pub total_expression: String,
    /// Id of the expression the alarm compares with the threshold.
    pub rate_id: &'static str,
    /// `total / (PERIOD(m1) / 60)` (ReturnData true).
    pub rate_expression: String,
}

/// Builds the metric math for `model_count` model ids (the monitored one plus the extras);
/// a count of 0 is treated as 1 because an alarm always watches the monitored model.
pub fn l2_metric_math(model_count: usize) -> L2MetricMath {
    let metric_ids: Vec<String> = (1..=model_count.max(1)).map(|i| format!("m{i}")).collect();
    let total_expression = match metric_ids.as_slice() {
        [only] => only.clone(),
        ids => format!("SUM([{}])", ids.join(",")),
    };
    let rate_expression = per_minute_rate_expression("total", &metric_ids[0]);
    L2MetricMath {
        metric_ids,
        total_id: "total",
        total_expression,
        rate_id: "rate",
        rate_expression,
    }
}

/// `<total_id> / (PERIOD(<metric_id>) / 60)`: per-period sum → per-minute rate, evaluated by CloudWatch.
pub fn per_minute_rate_expression(total_id: &str, metric_id: &str) -> String {
    format!("{total_id} / (PERIOD({metric_id}) / 60)")
}

#[cfg(test)]
mod tests {
    use bedrock_ops_testkit::fixtures::{RPM_CODE, TPM_CODE};

    use super::*;

    fn q(v: u64) -> QuotaValue {
        QuotaValue::new(v).unwrap()
    }

    fn p(v: u64) -> Percent {
        Percent::new(v).unwrap()
    }

    #[test]
    fn threshold_is_floor_of_quota_times_percent() {
        assert_eq!(Threshold::of(q(10_000), p(80)).get(), 8_000);
        assert_eq!(Threshold::of(q(6_250_000), p(80)).get(), 5_000_000);
        assert_eq!(Threshold::of(q(10_001), p(80)).get(), 8_000);
        assert_eq!(Threshold::of(q(200), p(80)).get(), 160);
        assert_eq!(Threshold::of(q(999), p(33)).get(), 329);
    }

    #[test]
    fn threshold_at_100_percent_is_the_quota() {
        assert_eq!(Threshold::of(q(12_345), p(100)).get(), 12_345);
    }

    #[test]
    fn threshold_of_tiny_quota_is_at_least_one() {
        assert_eq!(Threshold::of(q(1), p(80)).get(), 1);
        assert_eq!(Threshold::of(q(1), p(1)).get(), 1);
        assert_eq!(Threshold::of(q(99), p(1)).get(), 1);
    }

    #[test]
    fn threshold_is_exact_for_the_largest_quota() {
        let max = q(MAX_QUOTA_VALUE);
        assert_eq!(Threshold::of(max, p(100)).get(), MAX_QUOTA_VALUE);
        assert_eq!(Threshold::of(max, p(50)).get(), MAX_QUOTA_VALUE / 2);
    }

    #[test]
    fn percent_outside_1_to_100_is_refused() {
        assert_eq!(Percent::new(0), Err(ThresholdError::PercentOutOfRange(0)));
        assert_eq!(
            Percent::new(101),
            Err(ThresholdError::PercentOutOfRange(101))
        );
        assert_eq!(
            Percent::new(256),
            Err(ThresholdError::PercentOutOfRange(256))
        );
        assert!("80".parse::<Percent>().is_ok());
        assert!("eighty".parse::<Percent>().is_err());
        assert!("-5".parse::<Percent>().is_err());
    }

    #[test]
    fn quota_must_be_positive_whole_and_bounded() {
        assert!(QuotaValue::new(0).is_err());
        assert!(QuotaValue::new(MAX_QUOTA_VALUE + 1).is_err());
        assert!("0".parse::<QuotaValue>().is_err());
        assert!("1.5".parse::<QuotaValue>().is_err());
        assert_eq!("6250000".parse::<QuotaValue>().unwrap().get(), 6_250_000);
    }

    #[test]
    fn quota_from_service_quotas_double_refuses_fractions_and_non_positive() {
        assert_eq!(
            QuotaValue::from_service_quotas(10_000.0).unwrap().get(),
            10_000
        );
        for bad in [0.0, -1.0, 0.5, 10.25, f64::NAN, f64::INFINITY, 1e300] {
            assert!(QuotaValue::from_service_quotas(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rpm_without_quota_is_not_applicable() {
        assert_eq!(RpmThreshold::of(None, p(80)), RpmThreshold::NotApplicable);
        assert_eq!(RpmThreshold::NotApplicable.to_string(), "NA");
        assert_eq!(
            serde_json::to_string(&RpmThreshold::NotApplicable).unwrap(),
            "null"
        );
        let applicable = RpmThreshold::of(Some(q(10_000)), p(80));
        assert_eq!(serde_json::to_string(&applicable).unwrap(), "8000");
        assert_eq!(applicable.to_string(), "8000");
    }

    #[test]
    fn stored_rpm_threshold_parses_back() {
        assert_eq!(
            "NA".parse::<RpmThreshold>().unwrap(),
            RpmThreshold::NotApplicable
        );
        assert_eq!(
            "na".parse::<RpmThreshold>().unwrap(),
            RpmThreshold::NotApplicable
        );
        assert_eq!(
            "8000"
                .parse::<RpmThreshold>()
                .unwrap()
                .threshold()
                .unwrap()
                .get(),
            8000
        );
        assert!("0".parse::<RpmThreshold>().is_err());
        assert!("999999999x".parse::<RpmThreshold>().is_err());
    }

    #[test]
    fn rpm_code_na_is_not_applicable_and_tpm_code_na_is_refused() {
        assert_eq!(
            RpmQuotaCode::parse("NA").unwrap(),
            RpmQuotaCode::NotApplicable
        );
        assert_eq!(
            RpmQuotaCode::parse(" na ").unwrap(),
            RpmQuotaCode::NotApplicable
        );
        assert_eq!(
            RpmQuotaCode::parse(RPM_CODE)
                .unwrap()
                .code()
                .unwrap()
                .as_str(),
            RPM_CODE
        );
        assert_eq!(
            QuotaCode::tpm("NA"),
            Err(ThresholdError::TpmCodeNotApplicable)
        );
        assert_eq!(
            QuotaCode::tpm(QuotaCode::DEFAULT_TPM).unwrap().as_str(),
            TPM_CODE
        );
    }

    #[test]
    fn tpm_code_may_be_na_only_when_both_split_token_codes_are_given() {
        let combined = TokenQuotaCodes::parse(TPM_CODE, None, Some(" ")).unwrap();
        assert_eq!(combined.combined().unwrap().as_str(), TPM_CODE);
        assert_eq!(combined.tpm_parameter(), TPM_CODE);
        let split = TokenQuotaCodes::parse("na", Some("L-11111111"), Some("L-22222222")).unwrap();
        let (input, output) = split.split().unwrap();
        assert_eq!(
            (input.as_str(), output.as_str()),
            ("L-11111111", "L-22222222")
        );
        assert_eq!(split.tpm_parameter(), "NA");
        assert_eq!(
            TokenQuotaCodes::parse("NA", None, Some("NA")),
            Err(ThresholdError::TpmCodeNotApplicable)
        );
        assert_eq!(
            TokenQuotaCodes::parse("NA", Some("L-11111111"), None),
            Err(ThresholdError::SplitTokenCodesIncomplete)
        );
        assert_eq!(
            TokenQuotaCodes::parse(TPM_CODE, Some("L-11111111"), Some("L-22222222")),
            Err(ThresholdError::CombinedAndSplitTokenCodes)
        );
        assert_eq!(
            TokenQuotaCodes::parse(TPM_CODE, None, Some("L-22222222")),
            Err(ThresholdError::SplitTokenCodeMissing)
        );
        assert!(TokenQuotaCodes::parse("NA", Some("bogus"), Some("L-22222222")).is_err());
    }

    #[test]
    fn quota_code_shape_is_checked() {
        for bad in [
            "",
            "L-",
            "3DD46812",
            "L-3dd46812",
            "L-3DD4 6812",
            "X-3DD46812",
        ] {
            assert!(QuotaCode::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn period_accepts_only_60_300_900_3600() {
        for (secs, minutes) in [(60, 1), (300, 5), (900, 15), (3600, 60)] {
            let period = AlarmPeriod::from_seconds(secs).unwrap();
            assert_eq!(u64::from(period.seconds()), secs);
            assert_eq!(period.minutes(), minutes);
            assert_eq!(secs.to_string().parse::<AlarmPeriod>().unwrap(), period);
        }
        for bad in [0, 30, 120, 600, 1800, 86_400] {
            assert!(AlarmPeriod::from_seconds(bad).is_err(), "{bad}");
        }
        assert!("5m".parse::<AlarmPeriod>().is_err());
        assert_eq!(AlarmPeriod::default().seconds(), 60);
    }

    #[test]
    fn per_minute_rate_normalises_every_period() {
        // 8,000 requests per minute sustained over the whole period.
        for period in AlarmPeriod::ALL {
            let sum = 8_000.0 * f64::from(period.minutes());
            assert_eq!(period.per_minute_rate(sum), 8_000.0, "{period}");
        }
        assert_eq!(AlarmPeriod::OneHour.per_minute_rate(60.0), 1.0);
    }

    #[test]
    fn threshold_reached_at_equal_per_minute_rate_for_every_period() {
        let t = Threshold::of(q(10_000), p(80));
        for period in AlarmPeriod::ALL {
            let minutes = f64::from(period.minutes());
            assert!(t.is_reached_by(period.per_minute_rate(8_000.0 * minutes)));
            assert!(!t.is_reached_by(period.per_minute_rate(7_999.0 * minutes)));
        }
    }

    #[test]
    fn metric_math_sums_models_then_divides_by_minutes_in_period() {
        let one = l2_metric_math(1);
        assert_eq!(one.metric_ids, vec!["m1"]);
        assert_eq!(one.total_expression, "m1");
        assert_eq!(one.rate_expression, "total / (PERIOD(m1) / 60)");
        let three = l2_metric_math(3);
        assert_eq!(three.total_expression, "SUM([m1,m2,m3])");
        assert_eq!(three.rate_expression, "total / (PERIOD(m1) / 60)");
        assert_eq!(l2_metric_math(0).metric_ids, vec!["m1"]);
        assert_eq!(
            per_minute_rate_expression("t", "m9"),
            "t / (PERIOD(m9) / 60)"
        );
    }
}
