//! Parameter Store values under `/C/bedrock/quota-monitoring/M/` → typed [`Settings`].
//!
//! The template writes every key, so a missing key means someone deleted it. Defaults then:
//!
//! | key | allowed | default when missing |
//! |---|---|---|
//! | `enable-automated-support-case` | yes / no (any case) | **no**: never file real cases on a guess |
//! | `requests-per-minute-increase-percent` | 0–100 | 25 |
//! | `tokens-per-minute-increase-percent` | 0–100 | 25 |
//! | `notification-preference` | all / critical / warning (any case) | all |
//! | `use-case-description` | any text | empty (the section is left out) |
//! | `support-case-lookback-days` | 45 / 60 / 90 | 60 |
//! | `mode` | live / dry-run (any case) | live |
//! | `append-cooldown-minutes` | 0–1440 (0 = no cooldown) | 60 |
//!
//! A present but invalid value is an error naming the key, the value and what is allowed: quietly
//! replacing a typo with a default would change what the system files (W-14).
// Input text passes through here (issue 13): no byte-index slicing, no unwrap outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::string_slice, clippy::indexing_slicing, clippy::unwrap_used)
)]

use std::collections::BTreeMap;

use serde::Serialize;

use crate::alarms::Severity;
use crate::dedup::Lookback;
use crate::increase::IncreasePercent;

/// The Parameter Store keys, relative to [`parameter_prefix`].
pub mod keys {
    pub const ENABLE_AUTOMATED_SUPPORT_CASE: &str = "enable-automated-support-case";
    pub const REQUESTS_PER_MINUTE_INCREASE_PERCENT: &str = "requests-per-minute-increase-percent";
    pub const TOKENS_PER_MINUTE_INCREASE_PERCENT: &str = "tokens-per-minute-increase-percent";
    pub const NOTIFICATION_PREFERENCE: &str = "notification-preference";
    pub const USE_CASE_DESCRIPTION: &str = "use-case-description";
    pub const SUPPORT_CASE_LOOKBACK_DAYS: &str = "support-case-lookback-days";
    pub const MODE: &str = "mode";
    pub const APPEND_COOLDOWN_MINUTES: &str = "append-cooldown-minutes";
    pub const RPM_THRESHOLD_CALCULATED: &str = "thresholds/rpm-threshold-calculated";
    pub const TPM_THRESHOLD_CALCULATED: &str = "thresholds/tpm-threshold-calculated";
    pub const RPM_QUOTA: &str = "thresholds/rpm-quota";
    pub const TPM_QUOTA: &str = "thresholds/tpm-quota";
    pub const LAST_UPDATED: &str = "thresholds/last-updated";
    pub const LAST_CHANGE: &str = "thresholds/last-change";
    /// The quota codes and percents the stack was configured with, so the CLI computes exactly what the
    /// updater would without being told the stack's parameters again.
    pub const RPM_QUOTA_CODE: &str = "thresholds/rpm-quota-code";
    pub const TPM_QUOTA_CODE: &str = "thresholds/tpm-quota-code";
    pub const RPM_PERCENT: &str = "thresholds/rpm-percent";
    pub const TPM_PERCENT: &str = "thresholds/tpm-percent";

    /// The sub-path all of [`THRESHOLDS`] live under.
    pub const THRESHOLDS_DIR: &str = "thresholds/";

    /// Every key the quota calculator and the alarm updater write (the live thresholds and their record); the
    /// calculator's Delete removes exactly these (10, one DeleteParameters call).
    pub const THRESHOLDS: [&str; 10] = [
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

    /// A model with split token quotas: each quota's threshold, value and code, kept in place of the TPM
    /// keys (Parameter Store keeps each parameter's earlier versions: their history).
    pub const INPUT_TPM_THRESHOLD_CALCULATED: &str = "thresholds/input-tpm-threshold-calculated";
    pub const OUTPUT_TPM_THRESHOLD_CALCULATED: &str = "thresholds/output-tpm-threshold-calculated";
    pub const INPUT_TPM_QUOTA: &str = "thresholds/input-tpm-quota";
    pub const OUTPUT_TPM_QUOTA: &str = "thresholds/output-tpm-quota";
    pub const INPUT_TPM_QUOTA_CODE: &str = "thresholds/input-tpm-quota-code";
    pub const OUTPUT_TPM_QUOTA_CODE: &str = "thresholds/output-tpm-quota-code";

    /// The split token quotas' keys, which the calculator's Delete removes too.
    pub const SPLIT_THRESHOLDS: [&str; 6] = [
        INPUT_TPM_THRESHOLD_CALCULATED,
        OUTPUT_TPM_THRESHOLD_CALCULATED,
        INPUT_TPM_QUOTA,
        OUTPUT_TPM_QUOTA,
        INPUT_TPM_QUOTA_CODE,
        OUTPUT_TPM_QUOTA_CODE,
    ];

    /// The keys [`super::Settings::from_parameters`] reads.
    pub const SETTINGS: [&str; 8] = [
        ENABLE_AUTOMATED_SUPPORT_CASE,
        REQUESTS_PER_MINUTE_INCREASE_PERCENT,
        TOKENS_PER_MINUTE_INCREASE_PERCENT,
        NOTIFICATION_PREFERENCE,
        USE_CASE_DESCRIPTION,
        SUPPORT_CASE_LOOKBACK_DAYS,
        MODE,
        APPEND_COOLDOWN_MINUTES,
    ];
}

/// `/C/bedrock/quota-monitoring/M/` (with the trailing slash).
pub fn parameter_prefix(customer: &str, model: &str) -> String {
    format!("/{customer}/bedrock/quota-monitoring/{model}/")
}

/// `/C/bedrock/quota-monitoring/M/thresholds/`: the path of [`keys::THRESHOLDS`].
pub fn thresholds_path(customer: &str, model: &str) -> String {
    format!(
        "{}{}",
        parameter_prefix(customer, model),
        keys::THRESHOLDS_DIR
    )
}

/// Full parameter name of a key.
pub fn parameter_name(customer: &str, model: &str, key: &str) -> String {
    format!("{}{key}", parameter_prefix(customer, model))
}

/// Which e-mails people want.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationPreference {
    #[default]
    All,
    Critical,
    Warning,
}

impl NotificationPreference {
    /// Whether a notification of this severity is sent.
    pub fn wants(self, severity: Severity) -> bool {
        match self {
            NotificationPreference::All => true,
            NotificationPreference::Critical => severity == Severity::Critical,
            NotificationPreference::Warning => severity == Severity::Warning,
        }
    }
}

/// At most one append per alarm per this many minutes on an open case (errors, throttles and quota
/// alarms keep escalating, but a flapping one does not flood the case: `crate::append_rule`). 0 turns
/// the cooldown off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AppendCooldown(u32);

impl AppendCooldown {
    pub const DEFAULT: AppendCooldown = AppendCooldown(60);
    /// A day: a longer window would silence an escalation for longer than anyone watches a case.
    pub const MAX_MINUTES: u32 = 1_440;

    pub fn minutes(minutes: u32) -> Option<AppendCooldown> {
        (minutes <= Self::MAX_MINUTES).then_some(AppendCooldown(minutes))
    }

    pub fn get(self) -> u32 {
        self.0
    }

    pub fn seconds(self) -> i64 {
        i64::from(self.0) * 60
    }

    pub fn is_off(self) -> bool {
        self.0 == 0
    }
}

impl Default for AppendCooldown {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// `dry-run` decides and reports everything but files nothing (no case, no quota request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    #[default]
    Live,
    DryRun,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settings {
    pub automated_support_case: bool,
    pub rpm_increase_percent: IncreasePercent,
    pub tpm_increase_percent: IncreasePercent,
    pub notification_preference: NotificationPreference,
    pub use_case_description: String,
    pub support_case_lookback: Lookback,
    pub mode: Mode,
    pub append_cooldown: AppendCooldown,
}

impl Default for Settings {
    /// The documented defaults (module docs).
    fn default() -> Self {
        Settings {
            automated_support_case: false,
            rpm_increase_percent: IncreasePercent::DEFAULT,
            tpm_increase_percent: IncreasePercent::DEFAULT,
            notification_preference: NotificationPreference::All,
            use_case_description: String::new(),
            support_case_lookback: Lookback::default(),
            mode: Mode::Live,
            append_cooldown: AppendCooldown::DEFAULT,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Parameter Store setting '{key}' has the invalid value '{value}': allowed {allowed}")]
pub struct SettingsError {
    pub key: &'static str,
    pub value: String,
    pub allowed: &'static str,
}

fn parse_with<T>(
    values: &BTreeMap<String, String>,
    key: &'static str,
    allowed: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, SettingsError> {
    let Some(raw) = values.get(key) else {
        return Ok(None);
    };
    parse(raw).map(Some).ok_or_else(|| SettingsError {
        key,
        value: raw.clone(),
        allowed,
    })
}

fn yes_no(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

fn preference(raw: &str) -> Option<NotificationPreference> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "all" => Some(NotificationPreference::All),
        "critical" => Some(NotificationPreference::Critical),
        "warning" => Some(NotificationPreference::Warning),
        _ => None,
    }
}

fn mode(raw: &str) -> Option<Mode> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "live" => Some(Mode::Live),
        "dry-run" => Some(Mode::DryRun),
        _ => None,
    }
}

const PERCENT_ALLOWED: &str = "a whole number from 0 to 100 (0 = do not request)";
const COOLDOWN_ALLOWED: &str = "a whole number of minutes from 0 to 1440 (0 = no cooldown)";

impl Settings {
    /// Reads the settings from `key → raw value` (keys as in [`keys`], relative to the prefix).
    /// Keys not listed in [`keys::SETTINGS`] are ignored.
    pub fn from_parameters(values: &BTreeMap<String, String>) -> Result<Settings, SettingsError> {
        let d = Settings::default();
        Ok(Settings {
            automated_support_case: parse_with(
                values,
                keys::ENABLE_AUTOMATED_SUPPORT_CASE,
                "Yes or No",
                yes_no,
            )?
            .unwrap_or(d.automated_support_case),
            rpm_increase_percent: parse_with(
                values,
                keys::REQUESTS_PER_MINUTE_INCREASE_PERCENT,
                PERCENT_ALLOWED,
                |s| s.parse().ok(),
            )?
            .unwrap_or(d.rpm_increase_percent),
            tpm_increase_percent: parse_with(
                values,
                keys::TOKENS_PER_MINUTE_INCREASE_PERCENT,
                PERCENT_ALLOWED,
                |s| s.parse().ok(),
            )?
            .unwrap_or(d.tpm_increase_percent),
            notification_preference: parse_with(
                values,
                keys::NOTIFICATION_PREFERENCE,
                "all, critical or warning",
                preference,
            )?
            .unwrap_or(d.notification_preference),
            use_case_description: values
                .get(keys::USE_CASE_DESCRIPTION)
                .map(|s| s.trim().to_owned())
                .unwrap_or(d.use_case_description),
            support_case_lookback: parse_with(
                values,
                keys::SUPPORT_CASE_LOOKBACK_DAYS,
                "45, 60 or 90 (days)",
                |s| s.parse().ok(),
            )?
            .unwrap_or(d.support_case_lookback),
            mode: parse_with(values, keys::MODE, "live or dry-run", mode)?.unwrap_or(d.mode),
            append_cooldown: parse_with(
                values,
                keys::APPEND_COOLDOWN_MINUTES,
                COOLDOWN_ALLOWED,
                |s| s.trim().parse().ok().and_then(AppendCooldown::minutes),
            )?
            .unwrap_or(d.append_cooldown),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn settings_full_set_parses() {
        let s = Settings::from_parameters(&map(&[
            (keys::ENABLE_AUTOMATED_SUPPORT_CASE, "Yes"),
            (keys::REQUESTS_PER_MINUTE_INCREASE_PERCENT, "50"),
            (keys::TOKENS_PER_MINUTE_INCREASE_PERCENT, "0"),
            (keys::NOTIFICATION_PREFERENCE, "critical"),
            (
                keys::USE_CASE_DESCRIPTION,
                " Chat assistant for support agents ",
            ),
            (keys::SUPPORT_CASE_LOOKBACK_DAYS, "90"),
            (keys::MODE, "dry-run"),
            (keys::APPEND_COOLDOWN_MINUTES, " 15 "),
        ]))
        .unwrap();
        assert_eq!(s.append_cooldown.get(), 15);
        assert!(s.automated_support_case);
        assert_eq!(s.rpm_increase_percent.get(), 50);
        assert!(s.tpm_increase_percent.is_off());
        assert_eq!(s.notification_preference, NotificationPreference::Critical);
        assert_eq!(s.use_case_description, "Chat assistant for support agents");
        assert_eq!(s.support_case_lookback.days(), 90);
        assert_eq!(s.mode, Mode::DryRun);
    }

    #[test]
    fn settings_missing_keys_take_documented_defaults() {
        let s = Settings::from_parameters(&BTreeMap::new()).unwrap();
        assert_eq!(s, Settings::default());
        assert!(!s.automated_support_case);
        assert_eq!(s.rpm_increase_percent.get(), 25);
        assert_eq!(s.tpm_increase_percent.get(), 25);
        assert_eq!(s.notification_preference, NotificationPreference::All);
        assert_eq!(s.use_case_description, "");
        assert_eq!(s.support_case_lookback.days(), 60);
        assert_eq!(s.mode, Mode::Live);
        assert_eq!(s.append_cooldown.get(), 60);
    }

    #[test]
    fn append_cooldown_allows_0_to_1440_minutes() {
        for (raw, minutes) in [("0", 0), ("1", 1), ("60", 60), ("1440", 1_440)] {
            let s =
                Settings::from_parameters(&map(&[(keys::APPEND_COOLDOWN_MINUTES, raw)])).unwrap();
            assert_eq!(s.append_cooldown.get(), minutes, "{raw}");
            assert_eq!(s.append_cooldown.is_off(), minutes == 0);
            assert_eq!(s.append_cooldown.seconds(), i64::from(minutes) * 60);
        }
    }

    #[test]
    fn settings_yes_no_and_words_are_case_insensitive() {
        let s = Settings::from_parameters(&map(&[
            (keys::ENABLE_AUTOMATED_SUPPORT_CASE, "YES"),
            (keys::NOTIFICATION_PREFERENCE, "Warning"),
            (keys::MODE, "Dry-Run"),
        ]))
        .unwrap();
        assert!(s.automated_support_case);
        assert_eq!(s.notification_preference, NotificationPreference::Warning);
        assert_eq!(s.mode, Mode::DryRun);
        let s = Settings::from_parameters(&map(&[(keys::ENABLE_AUTOMATED_SUPPORT_CASE, "no")]))
            .unwrap();
        assert!(!s.automated_support_case);
    }

    #[test]
    fn settings_invalid_value_names_key_value_and_allowed() {
        let cases = [
            (keys::ENABLE_AUTOMATED_SUPPORT_CASE, "true", "Yes or No"),
            (
                keys::REQUESTS_PER_MINUTE_INCREASE_PERCENT,
                "150",
                PERCENT_ALLOWED,
            ),
            (
                keys::TOKENS_PER_MINUTE_INCREASE_PERCENT,
                "-5",
                PERCENT_ALLOWED,
            ),
            (
                keys::NOTIFICATION_PREFERENCE,
                "none",
                "all, critical or warning",
            ),
            (
                keys::SUPPORT_CASE_LOOKBACK_DAYS,
                "30",
                "45, 60 or 90 (days)",
            ),
            (keys::MODE, "test", "live or dry-run"),
            (keys::APPEND_COOLDOWN_MINUTES, "1441", COOLDOWN_ALLOWED),
            (keys::APPEND_COOLDOWN_MINUTES, "-1", COOLDOWN_ALLOWED),
            (keys::APPEND_COOLDOWN_MINUTES, "an hour", COOLDOWN_ALLOWED),
        ];
        for (key, value, allowed) in cases {
            let err = Settings::from_parameters(&map(&[(key, value)])).unwrap_err();
            assert_eq!(
                err,
                SettingsError {
                    key,
                    value: value.to_owned(),
                    allowed
                }
            );
            let text = err.to_string();
            assert!(
                text.contains(key) && text.contains(value) && text.contains(allowed),
                "{text}"
            );
        }
    }

    #[test]
    fn notification_preference_filters_by_severity() {
        use NotificationPreference::*;
        assert!(All.wants(Severity::Critical) && All.wants(Severity::Warning));
        assert!(Critical.wants(Severity::Critical) && !Critical.wants(Severity::Warning));
        assert!(!Warning.wants(Severity::Critical) && Warning.wants(Severity::Warning));
    }

    #[test]
    fn parameter_names_follow_the_base_path() {
        assert_eq!(
            parameter_name("Acme", "G-Opus-4-6", keys::MODE),
            "/Acme/bedrock/quota-monitoring/G-Opus-4-6/mode"
        );
        assert_eq!(
            parameter_name("Acme", "M", keys::RPM_THRESHOLD_CALCULATED),
            "/Acme/bedrock/quota-monitoring/M/thresholds/rpm-threshold-calculated"
        );
    }

    #[test]
    fn mode_serialises_kebab_case() {
        assert_eq!(serde_json::to_string(&Mode::DryRun).unwrap(), "\"dry-run\"");
    }
}
