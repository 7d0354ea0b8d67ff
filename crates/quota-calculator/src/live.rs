//! Live thresholds: the quotas as Service Quotas reports them now, the thresholds the core computes from
//! them, what Parameter Store holds, and the record of a change. Shared by the quota calculator, the alarm
//! updater and `bedrock-ops-alert thresholds --live`, so the three can never compute or store differently.
//!
//! A quota that cannot be read is an error, never a stand-in value: the sample turned any RPM read failure
//! into a 999,999,999 threshold that silently disabled the alarm (W-8).

use std::collections::BTreeMap;

use bedrock_ops_aws::quotas::{QuotaInfo, QuotaService, QuotaSource};
use bedrock_ops_aws::{AwsError, ParameterStore};
use bedrock_ops_core::messages::Limit;
use bedrock_ops_core::messages::format::utc;
use bedrock_ops_core::messages::quota_change::{QuotaChange, SideChange};
use bedrock_ops_core::settings::parameter_prefix;
use bedrock_ops_core::thresholds::{
    NOT_APPLICABLE, Percent, QuotaCode, QuotaValue, RpmQuotaCode, RpmThreshold, Threshold,
    ThresholdError, Thresholds,
};
use serde_json::{Value, json};

/// Service Quotas' service code for Amazon Bedrock.
pub const SERVICE_CODE: &str = "bedrock";

/// Parameter Store keys the calculator and the updater write, relative to the stack's base path.
pub mod keys {
    pub use bedrock_ops_core::settings::keys::{
        LAST_CHANGE, LAST_UPDATED, RPM_QUOTA, RPM_THRESHOLD_CALCULATED, TPM_QUOTA,
        TPM_THRESHOLD_CALCULATED,
    };

    /// The quota codes and percents the stack was configured with, so the CLI computes exactly what the
    /// updater would without being told the stack's parameters again.
    pub const RPM_QUOTA_CODE: &str = "thresholds/rpm-quota-code";
    pub const TPM_QUOTA_CODE: &str = "thresholds/tpm-quota-code";
    pub const RPM_PERCENT: &str = "thresholds/rpm-percent";
    pub const TPM_PERCENT: &str = "thresholds/tpm-percent";

    /// Every key written; the calculator's Delete removes exactly these (10, one DeleteParameters call).
    pub const ALL: [&str; 10] = [
        RPM_THRESHOLD_CALCULATED,
        TPM_THRESHOLD_CALCULATED,
        RPM_QUOTA,
        TPM_QUOTA,
        RPM_QUOTA_CODE,
        TPM_QUOTA_CODE,
        RPM_PERCENT,
        TPM_PERCENT,
        LAST_CHANGE,
        LAST_UPDATED,
    ];
}

/// The sub-path all of [`keys::ALL`] live under.
const THRESHOLDS_DIR: &str = "thresholds/";

/// `/C/bedrock/quota-monitoring/M/thresholds/`.
pub fn thresholds_path(customer: &str, model: &str) -> String {
    format!("{}{THRESHOLDS_DIR}", parameter_prefix(customer, model))
}

/// Which quotas and percents a stack's thresholds come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaConfig {
    pub rpm_code: RpmQuotaCode,
    pub tpm_code: QuotaCode,
    pub rpm_percent: Percent,
    pub tpm_percent: Percent,
}

/// One quota as read now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveQuota {
    pub code: QuotaCode,
    pub name: String,
    pub value: QuotaValue,
    pub source: QuotaSource,
}

/// The quotas read now and the thresholds they give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveThresholds {
    pub config: QuotaConfig,
    /// `None` when the model has no RPM quota (code `NA`).
    pub rpm: Option<LiveQuota>,
    pub tpm: LiveQuota,
    pub thresholds: Thresholds,
}

impl LiveThresholds {
    pub fn rpm_quota(&self) -> Limit {
        self.rpm
            .as_ref()
            .map_or(Limit::NotApplicable, |q| Limit::Known(q.value.get()))
    }

    pub fn rpm_threshold(&self) -> Limit {
        self.thresholds
            .rpm
            .threshold()
            .map_or(Limit::NotApplicable, |t| Limit::Known(t.get()))
    }

    pub fn tpm_quota(&self) -> Limit {
        Limit::Known(self.tpm.value.get())
    }

    pub fn tpm_threshold(&self) -> Limit {
        Limit::Known(self.thresholds.tpm.get())
    }

    /// The Parameter Store value of every key except `last-change` and `last-updated`.
    pub fn parameter_values(&self) -> [(&'static str, String); 8] {
        let rpm_quota = self
            .rpm
            .as_ref()
            .map_or_else(|| NOT_APPLICABLE.to_owned(), |q| q.value.to_string());
        [
            (
                keys::RPM_THRESHOLD_CALCULATED,
                self.thresholds.rpm.to_string(),
            ),
            (
                keys::TPM_THRESHOLD_CALCULATED,
                self.thresholds.tpm.to_string(),
            ),
            (keys::RPM_QUOTA, rpm_quota),
            (keys::TPM_QUOTA, self.tpm.value.to_string()),
            (keys::RPM_QUOTA_CODE, self.config.rpm_code.to_string()),
            (keys::TPM_QUOTA_CODE, self.config.tpm_code.to_string()),
            (keys::RPM_PERCENT, self.config.rpm_percent.to_string()),
            (keys::TPM_PERCENT, self.config.tpm_percent.to_string()),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LiveError {
    #[error("could not read the {side} quota {code}, so no threshold was computed: {source}")]
    Read {
        side: &'static str,
        code: String,
        source: AwsError,
    },
    #[error("the {side} quota {code} reads {value}, which gives no usable threshold: {reason}")]
    Unusable {
        side: &'static str,
        code: String,
        value: f64,
        reason: ThresholdError,
    },
}

impl LiveError {
    /// Throttling and transient failures: a later run can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, LiveError::Read { source, .. } if source.is_retryable())
    }
}

async fn read_quota(
    quotas: &impl QuotaService,
    side: &'static str,
    code: &QuotaCode,
) -> Result<LiveQuota, LiveError> {
    let info: QuotaInfo = quotas
        .get(SERVICE_CODE, code.as_str())
        .await
        .map_err(|source| LiveError::Read {
            side,
            code: code.to_string(),
            source,
        })?;
    let value =
        QuotaValue::from_service_quotas(info.value).map_err(|reason| LiveError::Unusable {
            side,
            code: code.to_string(),
            value: info.value,
            reason,
        })?;
    Ok(LiveQuota {
        code: code.clone(),
        name: info.name,
        value,
        source: info.source,
    })
}

/// Reads both quotas concurrently (GetServiceQuota, the AWS default when the account has no applied value)
/// and computes the thresholds. Any failure is an error.
pub async fn read_live(
    quotas: &impl QuotaService,
    config: &QuotaConfig,
) -> Result<LiveThresholds, LiveError> {
    let rpm = async {
        match config.rpm_code.code() {
            Some(code) => read_quota(quotas, "RPM", code).await.map(Some),
            None => Ok(None),
        }
    };
    let tpm = read_quota(quotas, "TPM", &config.tpm_code);
    let (rpm, tpm) = tokio::join!(rpm, tpm);
    let (rpm, tpm) = (rpm?, tpm?);
    let thresholds = Thresholds {
        rpm: RpmThreshold::of(rpm.as_ref().map(|q| q.value), config.rpm_percent),
        tpm: Threshold::of(tpm.value, config.tpm_percent),
    };
    Ok(LiveThresholds {
        config: config.clone(),
        rpm,
        tpm,
        thresholds,
    })
}

/// What Parameter Store holds under the thresholds path, keyed like [`keys`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    values: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Parameter Store value {key} = '{value}' is not usable: {reason}")]
pub struct StoredValueError {
    pub key: &'static str,
    pub value: String,
    pub reason: String,
}

impl Stored {
    /// From `key → value` pairs keyed like [`keys`] (`thresholds/…`).
    pub fn from_values(values: BTreeMap<String, String>) -> Stored {
        Stored { values }
    }

    /// One GetParametersByPath walk of the stack's thresholds path.
    pub async fn read(
        parameters: &impl ParameterStore,
        customer: &str,
        model: &str,
    ) -> Result<Stored, AwsError> {
        let relative = parameters
            .get_by_path(&thresholds_path(customer, model))
            .await?;
        Ok(Stored {
            values: relative
                .into_iter()
                .map(|(key, value)| (format!("{THRESHOLDS_DIR}{key}"), value))
                .collect(),
        })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// The `last-change` of a change a run started and did not finish. [`write_record`] writes `last-change`
    /// first and [`finish_record`] writes `last-updated` (the same instant) last, so any other pair means the
    /// run stopped in between, with the value keys partly rewritten.
    fn unfinished_change(&self) -> Option<Value> {
        let change: Value = serde_json::from_str(self.get(keys::LAST_CHANGE)?).ok()?;
        let at = change.get("at")?.as_str()?;
        (self.get(keys::LAST_UPDATED) != Some(at)).then_some(change)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// A stored quota or threshold: a number, `NA`, or unknown when missing or unreadable (a damaged value
    /// then counts as a change and is rewritten).
    pub fn limit(&self, key: &str) -> Limit {
        match self.get(key).map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case(NOT_APPLICABLE) => Limit::NotApplicable,
            Some(v) => v.parse::<u64>().map_or(Limit::Unknown, Limit::Known),
            None => Limit::Unknown,
        }
    }

    /// The quota codes and percents the calculator stored; `None` for a key that is missing.
    pub fn quota_config_parts(&self) -> Result<StoredConfig, StoredValueError> {
        fn parse<T>(
            stored: &Stored,
            key: &'static str,
            parse: impl Fn(&str) -> Result<T, ThresholdError>,
        ) -> Result<Option<T>, StoredValueError> {
            stored
                .get(key)
                .map(|value| {
                    parse(value).map_err(|e| StoredValueError {
                        key,
                        value: value.to_owned(),
                        reason: e.to_string(),
                    })
                })
                .transpose()
        }
        Ok(StoredConfig {
            rpm_code: parse(self, keys::RPM_QUOTA_CODE, RpmQuotaCode::parse)?,
            tpm_code: parse(self, keys::TPM_QUOTA_CODE, QuotaCode::tpm)?,
            rpm_percent: parse(self, keys::RPM_PERCENT, str::parse)?,
            tpm_percent: parse(self, keys::TPM_PERCENT, str::parse)?,
        })
    }
}

/// The configuration parts found in Parameter Store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredConfig {
    pub rpm_code: Option<RpmQuotaCode>,
    pub tpm_code: Option<QuotaCode>,
    pub rpm_percent: Option<Percent>,
    pub tpm_percent: Option<Percent>,
}

fn limit_of(value: Option<&Value>) -> Limit {
    match value {
        Some(Value::Number(n)) => n.as_u64().map_or(Limit::Unknown, Limit::Known),
        Some(Value::String(s)) if s.eq_ignore_ascii_case(NOT_APPLICABLE) => Limit::NotApplicable,
        _ => Limit::Unknown,
    }
}

/// Old against new (live) quota and threshold, per side. Old is what the stored values say, unless a run
/// stopped in the middle of recording a change: then the values may be half rewritten, and old is what that
/// change started from, so the next run records (and announces) the whole change again instead of a part of
/// it or none of it.
pub fn change(stored: &Stored, live: &LiveThresholds, at: i64) -> QuotaChange {
    let unfinished = stored.unfinished_change();
    let old = |side: &str, field: &str, key: &str| match &unfinished {
        Some(change) => limit_of(change.get(side).and_then(|s| s.get(field))),
        None => stored.limit(key),
    };
    QuotaChange {
        at,
        rpm: SideChange {
            old_quota: old("rpm", "old_quota", keys::RPM_QUOTA),
            new_quota: live.rpm_quota(),
            old_threshold: old("rpm", "old_threshold", keys::RPM_THRESHOLD_CALCULATED),
            new_threshold: live.rpm_threshold(),
        },
        tpm: SideChange {
            old_quota: old("tpm", "old_quota", keys::TPM_QUOTA),
            new_quota: live.tpm_quota(),
            old_threshold: old("tpm", "old_threshold", keys::TPM_THRESHOLD_CALCULATED),
            new_threshold: live.tpm_threshold(),
        },
    }
}

pub fn side_differs(side: &SideChange) -> bool {
    side.old_quota != side.new_quota || side.old_threshold != side.new_threshold
}

/// Whether a quota or a threshold moved on either side.
pub fn differs(change: &QuotaChange) -> bool {
    side_differs(&change.rpm) || side_differs(&change.tpm)
}

/// Epoch seconds → RFC 3339 UTC (`2026-05-04T14:52:48Z`), the form of `last-updated`.
pub fn rfc3339(epoch_seconds: i64) -> String {
    // `utc` gives `2026-05-04 14:52:48 UTC`; one calendar conversion in the code base is enough.
    let text = utc(epoch_seconds);
    let (date_time, _) = text.split_at(19);
    format!("{}Z", date_time.replacen(' ', "T", 1))
}

fn limit_json(limit: Limit) -> Value {
    match limit {
        Limit::Known(v) => json!(v),
        Limit::NotApplicable => json!(NOT_APPLICABLE),
        Limit::Unknown => Value::Null,
    }
}

fn side_json(side: &SideChange) -> Value {
    json!({
        "old_quota": limit_json(side.old_quota),
        "new_quota": limit_json(side.new_quota),
        "old_threshold": limit_json(side.old_threshold),
        "new_threshold": limit_json(side.new_threshold),
    })
}

/// The one-line JSON of `last-change`; `by` names the writer (`quota-calculator`, `alarm-updater`).
pub fn last_change_json(change: &QuotaChange, by: &str) -> String {
    json!({
        "at": rfc3339(change.at),
        "by": by,
        "rpm": side_json(&change.rpm),
        "tpm": side_json(&change.tpm),
    })
    .to_string()
}

/// Starts recording a change: `last-change` first when a quota or threshold moved, then the value keys whose
/// stored value differs; [`finish_record`] ends it. Sequential on purpose: PutParameter's default throughput
/// is a few calls per second. Returns the keys written; nothing is written when nothing differs.
pub async fn write_record(
    parameters: &impl ParameterStore,
    customer: &str,
    model: &str,
    stored: &Stored,
    live: &LiveThresholds,
    change: &QuotaChange,
    by: &str,
) -> Result<Vec<&'static str>, AwsError> {
    let prefix = parameter_prefix(customer, model);
    let mut writes: Vec<(&'static str, String)> = Vec::new();
    if differs(change) {
        writes.push((keys::LAST_CHANGE, last_change_json(change, by)));
    }
    writes.extend(
        live.parameter_values()
            .into_iter()
            .filter(|(key, value)| stored.get(key) != Some(value.as_str())),
    );
    let mut written = Vec::with_capacity(writes.len());
    for (key, value) in writes {
        parameters.put(&format!("{prefix}{key}"), &value).await?;
        written.push(key);
    }
    Ok(written)
}

/// Ends the record of a change [`write_record`] started: `last-updated`, the change's instant, written last.
/// Until it is written the change counts as unfinished (see [`change`]). Nothing when nothing moved.
pub async fn finish_record(
    parameters: &impl ParameterStore,
    customer: &str,
    model: &str,
    change: &QuotaChange,
) -> Result<Option<&'static str>, AwsError> {
    if !differs(change) {
        return Ok(None);
    }
    let name = format!(
        "{}{}",
        parameter_prefix(customer, model),
        keys::LAST_UPDATED
    );
    parameters.put(&name, &rfc3339(change.at)).await?;
    Ok(Some(keys::LAST_UPDATED))
}

#[cfg(test)]
mod tests {
    use bedrock_ops_aws::parameters::memory::MemoryParameters;
    use bedrock_ops_aws::quotas::memory::MemoryQuotas;

    use super::*;

    const OPUS_RPM: &str = "L-3DD46812";
    const OPUS_TPM: &str = "L-3DCCFAA4";

    fn config() -> QuotaConfig {
        QuotaConfig {
            rpm_code: RpmQuotaCode::parse(OPUS_RPM).unwrap(),
            tpm_code: QuotaCode::tpm(OPUS_TPM).unwrap(),
            rpm_percent: Percent::new(80).unwrap(),
            tpm_percent: Percent::new(80).unwrap(),
        }
    }

    fn quotas(rpm: f64, tpm: f64) -> MemoryQuotas {
        MemoryQuotas::new()
            .with_applied(SERVICE_CODE, OPUS_RPM, "RPM quota", rpm)
            .with_applied(SERVICE_CODE, OPUS_TPM, "TPM quota", tpm)
    }

    #[tokio::test]
    async fn blog_example_gives_8000_and_5000000() {
        let live = read_live(&quotas(10_000.0, 6_250_000.0), &config())
            .await
            .unwrap();
        assert_eq!(live.rpm_threshold(), Limit::Known(8_000));
        assert_eq!(live.tpm_threshold(), Limit::Known(5_000_000));
        assert_eq!(live.tpm.source, QuotaSource::Applied);
    }

    #[tokio::test]
    async fn rpm_code_na_reads_only_the_tpm_quota() {
        let q = quotas(10_000.0, 6_250_000.0);
        let mut c = config();
        c.rpm_code = RpmQuotaCode::NotApplicable;
        let live = read_live(&q, &c).await.unwrap();
        assert_eq!(live.rpm_threshold(), Limit::NotApplicable);
        assert_eq!(live.rpm_quota(), Limit::NotApplicable);
        assert_eq!(q.calls("GetServiceQuota"), 1);
        assert_eq!(live.parameter_values()[0].1, "NA");
        assert_eq!(live.parameter_values()[2].1, "NA");
    }

    #[tokio::test]
    async fn a_throttled_rpm_read_is_a_retryable_error_never_a_sentinel() {
        let q = quotas(10_000.0, 6_250_000.0);
        q.fail_always(
            "GetServiceQuota",
            AwsError::from_code(
                "servicequotas",
                "GetServiceQuota",
                "ThrottlingException",
                "Rate exceeded",
                Some(400),
            ),
        );
        let err = read_live(&q, &config()).await.unwrap_err();
        assert!(err.is_retryable());
        assert!(err.to_string().contains("could not read"), "{err}");
    }

    #[tokio::test]
    async fn access_denied_is_not_retryable_and_a_fractional_quota_is_refused() {
        let q = quotas(10_000.0, 6_250_000.0);
        q.fail_next(
            "GetServiceQuota",
            AwsError::from_code(
                "servicequotas",
                "GetServiceQuota",
                "AccessDeniedException",
                "no",
                Some(400),
            ),
        );
        let err = read_live(&q, &config()).await.unwrap_err();
        assert!(!err.is_retryable());
        let err = read_live(&quotas(10.5, 100.0), &config())
            .await
            .unwrap_err();
        assert!(
            matches!(err, LiveError::Unusable { side: "RPM", .. }),
            "{err}"
        );
    }

    fn stored(pairs: &[(&str, &str)]) -> Stored {
        Stored::from_values(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[tokio::test]
    async fn change_compares_stored_and_live_per_side() {
        let live = read_live(&quotas(20_000.0, 6_250_000.0), &config())
            .await
            .unwrap();
        let before = stored(&[
            (keys::RPM_QUOTA, "10000"),
            (keys::RPM_THRESHOLD_CALCULATED, "8000"),
            (keys::TPM_QUOTA, "6250000"),
            (keys::TPM_THRESHOLD_CALCULATED, "5000000"),
        ]);
        let c = change(&before, &live, 0);
        assert!(side_differs(&c.rpm));
        assert!(!side_differs(&c.tpm));
        assert_eq!(c.rpm.old_threshold, Limit::Known(8_000));
        assert_eq!(c.rpm.new_threshold, Limit::Known(16_000));
        assert!(differs(&c));
        let same = change(
            &stored(&[
                (keys::RPM_QUOTA, "20000"),
                (keys::RPM_THRESHOLD_CALCULATED, "16000"),
                (keys::TPM_QUOTA, "6250000"),
                (keys::TPM_THRESHOLD_CALCULATED, "5000000"),
            ]),
            &live,
            0,
        );
        assert!(!differs(&same));
    }

    #[tokio::test]
    async fn an_unfinished_change_is_measured_from_where_it_started() {
        let live = read_live(&quotas(20_000.0, 6_250_000.0), &config())
            .await
            .unwrap();
        let started = change(
            &stored(&[
                (keys::RPM_QUOTA, "10000"),
                (keys::RPM_THRESHOLD_CALCULATED, "8000"),
                (keys::LAST_UPDATED, "1970-01-01T00:00:00Z"),
            ]),
            &live,
            60,
        );
        let record = last_change_json(&started, "alarm-updater");
        // The run wrote last-change and the new RPM threshold, then stopped.
        let half = stored(&[
            (keys::RPM_QUOTA, "10000"),
            (keys::RPM_THRESHOLD_CALCULATED, "16000"),
            (keys::LAST_CHANGE, &record),
            (keys::LAST_UPDATED, "1970-01-01T00:00:00Z"),
        ]);
        let resumed = change(&half, &live, 120);
        assert_eq!(resumed.rpm.old_threshold, Limit::Known(8_000));
        assert_eq!(resumed.rpm.old_quota, Limit::Known(10_000));
        assert!(differs(&resumed));

        // Finished (last-updated is the change's instant): the stored values are the baseline again.
        let done = stored(&[
            (keys::RPM_QUOTA, "20000"),
            (keys::RPM_THRESHOLD_CALCULATED, "16000"),
            (keys::LAST_CHANGE, &record),
            (keys::LAST_UPDATED, "1970-01-01T00:01:00Z"),
        ]);
        assert_eq!(
            change(&done, &live, 120).rpm.old_quota,
            Limit::Known(20_000)
        );
    }

    #[test]
    fn damaged_or_missing_stored_values_are_unknown() {
        let s = stored(&[(keys::RPM_QUOTA, "lots"), (keys::TPM_QUOTA, " na ")]);
        assert_eq!(s.limit(keys::RPM_QUOTA), Limit::Unknown);
        assert_eq!(s.limit(keys::TPM_QUOTA), Limit::NotApplicable);
        assert_eq!(s.limit(keys::LAST_UPDATED), Limit::Unknown);
    }

    #[test]
    fn stored_config_parts_parse_and_name_a_bad_value() {
        let s = stored(&[
            (keys::RPM_QUOTA_CODE, "NA"),
            (keys::TPM_QUOTA_CODE, "L-3DCCFAA4"),
            (keys::RPM_PERCENT, "75"),
        ]);
        let parts = s.quota_config_parts().unwrap();
        assert_eq!(parts.rpm_code, Some(RpmQuotaCode::NotApplicable));
        assert_eq!(parts.rpm_percent, Some(Percent::new(75).unwrap()));
        assert_eq!(parts.tpm_percent, None);
        let err = stored(&[(keys::TPM_PERCENT, "180")])
            .quota_config_parts()
            .unwrap_err();
        assert_eq!(err.key, keys::TPM_PERCENT);
        assert!(err.to_string().contains("180"));
    }

    #[test]
    fn rfc3339_is_utc_with_z() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_777_906_368), "2026-05-04T14:52:48Z");
    }

    #[tokio::test]
    async fn last_change_is_one_line_json_with_old_and_new_per_side() {
        let live = read_live(&quotas(20_000.0, 6_250_000.0), &config())
            .await
            .unwrap();
        let c = change(&stored(&[(keys::RPM_QUOTA, "10000")]), &live, 0);
        let text = last_change_json(&c, "alarm-updater");
        assert!(!text.contains('\n'));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["at"], "1970-01-01T00:00:00Z");
        assert_eq!(v["by"], "alarm-updater");
        assert_eq!(v["rpm"]["old_quota"], 10_000);
        assert_eq!(v["rpm"]["new_quota"], 20_000);
        assert_eq!(v["rpm"]["old_threshold"], Value::Null);
        assert_eq!(v["rpm"]["new_threshold"], 16_000);
        assert_eq!(v["tpm"]["new_threshold"], 5_000_000);
    }

    #[tokio::test]
    async fn write_record_writes_only_what_differs_and_nothing_when_nothing_does() {
        let params = MemoryParameters::new();
        let live = read_live(&quotas(10_000.0, 6_250_000.0), &config())
            .await
            .unwrap();
        let empty = Stored::default();
        let c = change(&empty, &live, 60);
        let written = write_record(
            &params,
            "Acme",
            "Opus",
            &empty,
            &live,
            &c,
            "quota-calculator",
        )
        .await
        .unwrap();
        assert_eq!(written.len(), 9);
        assert_eq!(written[0], keys::LAST_CHANGE);
        assert_eq!(
            finish_record(&params, "Acme", "Opus", &c).await.unwrap(),
            Some(keys::LAST_UPDATED)
        );
        assert_eq!(
            params.value("/Acme/bedrock/quota-monitoring/Opus/thresholds/tpm-threshold-calculated"),
            Some("5000000".into())
        );
        assert_eq!(
            params.value("/Acme/bedrock/quota-monitoring/Opus/thresholds/last-updated"),
            Some("1970-01-01T00:01:00Z".into())
        );

        let now = Stored::read(&params, "Acme", "Opus").await.unwrap();
        let again = change(&now, &live, 120);
        assert!(!differs(&again));
        let written = write_record(
            &params,
            "Acme",
            "Opus",
            &now,
            &live,
            &again,
            "alarm-updater",
        )
        .await
        .unwrap();
        assert!(written.is_empty());
        assert_eq!(params.writes().len(), 10);
    }
}
