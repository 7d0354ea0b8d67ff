//! The alarm catalogue, alarm-name parsing and the combination of several triggered alarms into one
//! classification.
//!
//! Every fact about an alarm kind (layer, severity, class, metric) lives in one `match` per fact on
//! [`AlarmKind`], so the processor, the calculator and the CLI cannot disagree (the sample mixed two
//! sources, W-4).
// Input text passes through here (issue 13): no byte-index slicing, no unwrap outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::string_slice, clippy::indexing_slicing, clippy::unwrap_used)
)]

use std::fmt;

use serde::Serialize;

/// Longest customer name the template accepts.
pub const CUSTOMER_NAME_MAX_LEN: usize = 10;
/// Longest model name the template accepts.
pub const MODEL_NAME_MAX_LEN: usize = 15;

/// The metric alarms of a stack: the ten of every stack, and the input and output token alarms that take the
/// place of `HighTPMQuotaUsage` for a model whose token limit is split in two quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum AlarmKind {
    ClientErrors,
    ServerErrors,
    Throttles,
    HighInvocationRate,
    #[serde(rename = "HighTPMQuotaUsage")]
    HighTpmQuotaUsage,
    HighLatency,
    InvocationAnomaly,
    InputTokenAnomaly,
    OutputTokenAnomaly,
    LatencyAnomaly,
    #[serde(rename = "HighInputTPMQuotaUsage")]
    HighInputTpmQuotaUsage,
    #[serde(rename = "HighOutputTPMQuotaUsage")]
    HighOutputTpmQuotaUsage,
}

/// Monitoring layer: L1 hard errors, L2 usage against quota, L3 anomaly detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Layer {
    L1,
    L2,
    L3,
}

/// Alarm severity; also the severity of a combined notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Warning,
}

/// Which quota an alarm points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmClass {
    /// Requests-per-minute quota.
    Rpm,
    /// Tokens-per-minute quota.
    Tpm,
    /// A quota signal that cannot tell which quota was hit, so both are checked.
    Both,
    /// The input tokens-per-minute quota of a model with split token quotas.
    InputTpm,
    /// The output tokens-per-minute quota of a model with split token quotas.
    OutputTpm,
    /// Not a quota signal: an investigation, never an increase.
    NonQuota,
}

impl AlarmKind {
    /// Every kind, in catalogue order (the order used when listing alarms).
    pub const ALL: [AlarmKind; 12] = [
        AlarmKind::ClientErrors,
        AlarmKind::ServerErrors,
        AlarmKind::Throttles,
        AlarmKind::HighInvocationRate,
        AlarmKind::HighTpmQuotaUsage,
        AlarmKind::HighLatency,
        AlarmKind::InvocationAnomaly,
        AlarmKind::InputTokenAnomaly,
        AlarmKind::OutputTokenAnomaly,
        AlarmKind::LatencyAnomaly,
        AlarmKind::HighInputTpmQuotaUsage,
        AlarmKind::HighOutputTpmQuotaUsage,
    ];

    /// The kind as it appears in alarm names.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmKind::ClientErrors => "ClientErrors",
            AlarmKind::ServerErrors => "ServerErrors",
            AlarmKind::Throttles => "Throttles",
            AlarmKind::HighInvocationRate => "HighInvocationRate",
            AlarmKind::HighTpmQuotaUsage => "HighTPMQuotaUsage",
            AlarmKind::HighLatency => "HighLatency",
            AlarmKind::InvocationAnomaly => "InvocationAnomaly",
            AlarmKind::InputTokenAnomaly => "InputTokenAnomaly",
            AlarmKind::OutputTokenAnomaly => "OutputTokenAnomaly",
            AlarmKind::LatencyAnomaly => "LatencyAnomaly",
            AlarmKind::HighInputTpmQuotaUsage => "HighInputTPMQuotaUsage",
            AlarmKind::HighOutputTpmQuotaUsage => "HighOutputTPMQuotaUsage",
        }
    }

    /// Exact (case-sensitive) lookup of the name segment.
    pub fn from_name(name: &str) -> Option<AlarmKind> {
        AlarmKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    pub fn layer(self) -> Layer {
        match self {
            AlarmKind::ClientErrors | AlarmKind::ServerErrors | AlarmKind::Throttles => Layer::L1,
            AlarmKind::HighInvocationRate
            | AlarmKind::HighTpmQuotaUsage
            | AlarmKind::HighInputTpmQuotaUsage
            | AlarmKind::HighOutputTpmQuotaUsage
            | AlarmKind::HighLatency => Layer::L2,
            AlarmKind::InvocationAnomaly
            | AlarmKind::InputTokenAnomaly
            | AlarmKind::OutputTokenAnomaly
            | AlarmKind::LatencyAnomaly => Layer::L3,
        }
    }

    /// Severity is fixed per kind and repeated in the alarm name.
    pub fn severity(self) -> Severity {
        match self.layer() {
            Layer::L1 => Severity::Critical,
            Layer::L2 | Layer::L3 => Severity::Warning,
        }
    }

    pub fn class(self) -> AlarmClass {
        match self {
            AlarmKind::HighInvocationRate | AlarmKind::InvocationAnomaly => AlarmClass::Rpm,
            AlarmKind::HighTpmQuotaUsage
            | AlarmKind::InputTokenAnomaly
            | AlarmKind::OutputTokenAnomaly => AlarmClass::Tpm,
            AlarmKind::HighInputTpmQuotaUsage => AlarmClass::InputTpm,
            AlarmKind::HighOutputTpmQuotaUsage => AlarmClass::OutputTpm,
            AlarmKind::Throttles | AlarmKind::ClientErrors => AlarmClass::Both,
            AlarmKind::ServerErrors | AlarmKind::HighLatency | AlarmKind::LatencyAnomaly => {
                AlarmClass::NonQuota
            }
        }
    }

    /// The `AWS/Bedrock` metric the alarm watches.
    pub fn metric_name(self) -> &'static str {
        match self {
            AlarmKind::ClientErrors => "InvocationClientErrors",
            AlarmKind::ServerErrors => "InvocationServerErrors",
            AlarmKind::Throttles => "InvocationThrottles",
            AlarmKind::HighInvocationRate | AlarmKind::InvocationAnomaly => "Invocations",
            AlarmKind::HighTpmQuotaUsage => "EstimatedTPMQuotaUsage",
            AlarmKind::HighLatency | AlarmKind::LatencyAnomaly => "InvocationLatency",
            AlarmKind::InputTokenAnomaly | AlarmKind::HighInputTpmQuotaUsage => "InputTokenCount",
            AlarmKind::OutputTokenAnomaly | AlarmKind::HighOutputTpmQuotaUsage => {
                "OutputTokenCount"
            }
        }
    }
}

impl fmt::Display for AlarmKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::L1 => "L1",
            Layer::L2 => "L2",
            Layer::L3 => "L3",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Severity {
    /// The word used in alarm names.
    pub fn name_segment(self) -> &'static str {
        match self {
            Severity::Critical => "Critical",
            Severity::Warning => "Warning",
        }
    }

    /// The word used in e-mail subjects and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AlarmClass {
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmClass::Rpm => "rpm",
            AlarmClass::Tpm => "tpm",
            AlarmClass::Both => "both",
            AlarmClass::InputTpm => "input_tpm",
            AlarmClass::OutputTpm => "output_tpm",
            AlarmClass::NonQuota => "non_quota",
        }
    }

    pub fn is_quota(self) -> bool {
        self != AlarmClass::NonQuota
    }

    /// Whether the class names only token quotas (tpm, input_tpm, output_tpm).
    fn is_tokens_only(self) -> bool {
        matches!(
            self,
            AlarmClass::Tpm | AlarmClass::InputTpm | AlarmClass::OutputTpm
        )
    }

    /// Union of two classes: rpm ∪ tpm = both, a quota class absorbs non_quota, and two different token
    /// classes (input ∪ output, input ∪ tpm) give tpm: every token quota of the model.
    pub fn union(self, other: AlarmClass) -> AlarmClass {
        use AlarmClass::*;
        match (self, other) {
            (a, b) if a == b => a,
            (NonQuota, q) | (q, NonQuota) => q,
            (a, b) if a.is_tokens_only() && b.is_tokens_only() => Tpm,
            _ => Both,
        }
    }
}

impl fmt::Display for AlarmClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not one of our alarm names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlarmNameError {
    #[error(
        "'{name}' is not a Bedrock Ops Alert alarm name (expected <Customer>-Bedrock-<Kind>-<Critical|Warning>-<Model> with one of the ten kinds)"
    )]
    Unknown { name: String },
    #[error("'{name}': {kind} alarms are {expected}, but the name says {found}")]
    SeverityMismatch {
        name: String,
        kind: AlarmKind,
        expected: &'static str,
        found: &'static str,
    },
    #[error("'{name}' does not belong to customer '{customer}' and model '{model}'")]
    OtherStack {
        name: String,
        customer: String,
        model: String,
    },
}

/// A parsed `<Customer>-Bedrock-<Kind>-<Severity>-<Model>` alarm name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AlarmName {
    pub customer: String,
    pub kind: AlarmKind,
    pub model: String,
}

const BEDROCK_INFIX: &str = "-Bedrock-";

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// A customer or model part of a name: 1 to `max_len` letters, digits or `-`.
pub(crate) fn valid_part(s: &str, max_len: usize) -> bool {
    !s.is_empty() && s.len() <= max_len && s.chars().all(is_name_char)
}

/// Splits `<Kind>-<Severity>-<rest>`; `None` when the text does not start with a known kind.
fn split_kind(text: &str) -> Option<(AlarmKind, &str, &str)> {
    let (kind_text, rest) = text.split_once('-')?;
    let kind = AlarmKind::from_name(kind_text)?;
    let (severity_text, model) = rest.split_once('-')?;
    Some((kind, severity_text, model))
}

fn severity_from_segment(segment: &str) -> Option<Severity> {
    match segment {
        "Critical" => Some(Severity::Critical),
        "Warning" => Some(Severity::Warning),
        _ => None,
    }
}

impl AlarmName {
    pub fn new(customer: impl Into<String>, kind: AlarmKind, model: impl Into<String>) -> Self {
        AlarmName {
            customer: customer.into(),
            kind,
            model: model.into(),
        }
    }

    /// Exact parse. Customer and model may contain `-`; their length limits (10 and 15) make the
    /// split unique, because `-Bedrock-<Kind>-<Severity>-` is longer than either part could hide.
    pub fn parse(name: &str) -> Result<AlarmName, AlarmNameError> {
        let unknown = || AlarmNameError::Unknown {
            name: crate::text::echo(name),
        };
        // Overlapping occurrences matter (`X-Bedrock-Bedrock-…`), so no `match_indices`.
        // Byte-wise, so non-ASCII input cannot split a character; a match starts at an ASCII `-`,
        // which is always a character boundary.
        let starts = (0..name.len()).filter(|&i| {
            name.as_bytes()
                .get(i..)
                .is_some_and(|rest| rest.starts_with(BEDROCK_INFIX.as_bytes()))
        });
        for at in starts {
            let (Some(customer), Some(rest)) =
                (name.get(..at), name.get(at + BEDROCK_INFIX.len()..))
            else {
                continue;
            };
            let Some((kind, severity_text, model)) = split_kind(rest) else {
                continue;
            };
            if !valid_part(customer, CUSTOMER_NAME_MAX_LEN)
                || !valid_part(model, MODEL_NAME_MAX_LEN)
            {
                continue;
            }
            let Some(severity) = severity_from_segment(severity_text) else {
                continue;
            };
            if severity != kind.severity() {
                return Err(AlarmNameError::SeverityMismatch {
                    name: crate::text::echo(name),
                    kind,
                    expected: kind.severity().name_segment(),
                    found: severity.name_segment(),
                });
            }
            return Ok(AlarmName::new(customer, kind, model));
        }
        Err(unknown())
    }

    /// Parses a name and checks that it is one of the given stack's alarms (exact, case-sensitive).
    pub fn parse_for_stack(
        name: &str,
        customer: &str,
        model: &str,
    ) -> Result<AlarmName, AlarmNameError> {
        let parsed = AlarmName::parse(name)?;
        if parsed.customer == customer && parsed.model == model {
            Ok(parsed)
        } else {
            Err(AlarmNameError::OtherStack {
                name: crate::text::echo(name),
                customer: customer.to_owned(),
                model: model.to_owned(),
            })
        }
    }

    pub fn layer(&self) -> Layer {
        self.kind.layer()
    }

    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }

    pub fn class(&self) -> AlarmClass {
        self.kind.class()
    }
}

impl fmt::Display for AlarmName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}-{}-{}",
            self.customer,
            BEDROCK_INFIX,
            self.kind.as_str(),
            self.kind.severity().name_segment(),
            self.model
        )
    }
}

impl std::str::FromStr for AlarmName {
    type Err = AlarmNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AlarmName::parse(s)
    }
}

/// The composite alarm that aggregates a stack's ten alarms (dashboards only).
pub fn composite_alarm_name(customer: &str, model: &str) -> String {
    format!("{customer}-Bedrock-QuotaHealth-Composite-{model}")
}

/// One decision for a set of alarms that fired together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    pub class: AlarmClass,
    pub severity: Severity,
    /// Triggered quota alarms (rpm, tpm or both), catalogue order, no repeats.
    pub quota_alarms: Vec<AlarmKind>,
    /// Triggered non-quota alarms, still reported even when a quota alarm decides the class.
    pub non_quota_alarms: Vec<AlarmKind>,
}

impl Classification {
    /// Combines triggered alarms; `None` when nothing fired.
    ///
    /// class = union of the alarm classes (rpm + tpm gives both, a quota class wins over
    /// non_quota); severity = critical if any alarm is critical.
    pub fn of(kinds: impl IntoIterator<Item = AlarmKind>) -> Option<Classification> {
        let mut fired: Vec<AlarmKind> = kinds.into_iter().collect();
        fired.sort();
        fired.dedup();
        let first = *fired.first()?;
        let class = fired
            .iter()
            .fold(first.class(), |acc, k| acc.union(k.class()));
        let severity = if fired.iter().any(|k| k.severity() == Severity::Critical) {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let (quota_alarms, non_quota_alarms) =
            fired.into_iter().partition(|k| k.class().is_quota());
        Some(Classification {
            class,
            severity,
            quota_alarms,
            non_quota_alarms,
        })
    }

    /// Every triggered kind, quota alarms first.
    pub fn alarms(&self) -> impl Iterator<Item = AlarmKind> + '_ {
        self.quota_alarms
            .iter()
            .chain(self.non_quota_alarms.iter())
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_layers_severities_and_classes_match_the_contract() {
        use AlarmClass::*;
        use AlarmKind::*;
        let expected = [
            (
                ClientErrors,
                Layer::L1,
                Severity::Critical,
                Both,
                "InvocationClientErrors",
            ),
            (
                ServerErrors,
                Layer::L1,
                Severity::Critical,
                NonQuota,
                "InvocationServerErrors",
            ),
            (
                Throttles,
                Layer::L1,
                Severity::Critical,
                Both,
                "InvocationThrottles",
            ),
            (
                HighInvocationRate,
                Layer::L2,
                Severity::Warning,
                Rpm,
                "Invocations",
            ),
            (
                HighTpmQuotaUsage,
                Layer::L2,
                Severity::Warning,
                Tpm,
                "EstimatedTPMQuotaUsage",
            ),
            (
                HighLatency,
                Layer::L2,
                Severity::Warning,
                NonQuota,
                "InvocationLatency",
            ),
            (
                InvocationAnomaly,
                Layer::L3,
                Severity::Warning,
                Rpm,
                "Invocations",
            ),
            (
                InputTokenAnomaly,
                Layer::L3,
                Severity::Warning,
                Tpm,
                "InputTokenCount",
            ),
            (
                OutputTokenAnomaly,
                Layer::L3,
                Severity::Warning,
                Tpm,
                "OutputTokenCount",
            ),
            (
                LatencyAnomaly,
                Layer::L3,
                Severity::Warning,
                NonQuota,
                "InvocationLatency",
            ),
            (
                HighInputTpmQuotaUsage,
                Layer::L2,
                Severity::Warning,
                InputTpm,
                "InputTokenCount",
            ),
            (
                HighOutputTpmQuotaUsage,
                Layer::L2,
                Severity::Warning,
                OutputTpm,
                "OutputTokenCount",
            ),
        ];
        assert_eq!(expected.len(), AlarmKind::ALL.len());
        for (kind, layer, severity, class, metric) in expected {
            assert_eq!(kind.layer(), layer, "{kind}");
            assert_eq!(kind.severity(), severity, "{kind}");
            assert_eq!(kind.class(), class, "{kind}");
            assert_eq!(kind.metric_name(), metric, "{kind}");
        }
    }

    #[test]
    fn kind_names_round_trip_and_are_case_sensitive() {
        for kind in AlarmKind::ALL {
            assert_eq!(AlarmKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(AlarmKind::from_name("throttles"), None);
        assert_eq!(AlarmKind::from_name("HighTpmQuotaUsage"), None);
    }

    #[test]
    fn parse_splits_hyphenated_model_from_customer() {
        let name = AlarmName::parse("Acme-Bedrock-Throttles-Critical-G-Opus-4-6").unwrap();
        assert_eq!(
            name,
            AlarmName::new("Acme", AlarmKind::Throttles, "G-Opus-4-6")
        );
    }

    #[test]
    fn parse_splits_hyphenated_customer() {
        let name = AlarmName::parse("Big-Co-Bedrock-HighTPMQuotaUsage-Warning-Nova-Pro").unwrap();
        assert_eq!(name.customer, "Big-Co");
        assert_eq!(name.kind, AlarmKind::HighTpmQuotaUsage);
        assert_eq!(name.model, "Nova-Pro");
    }

    #[test]
    fn parse_accepts_customer_that_itself_contains_bedrock() {
        let name = AlarmName::parse("X-Bedrock-Bedrock-ServerErrors-Critical-M").unwrap();
        assert_eq!(name.customer, "X-Bedrock");
        assert_eq!(name.kind, AlarmKind::ServerErrors);
    }

    #[test]
    fn parse_round_trips_every_kind() {
        for kind in AlarmKind::ALL {
            let name = AlarmName::new("C-1", kind, "Model-4-6");
            assert_eq!(AlarmName::parse(&name.to_string()).unwrap(), name);
        }
    }

    #[test]
    fn parse_rejects_unknown_kind_and_names_the_alarm() {
        let err = AlarmName::parse("Acme-Bedrock-Melted-Critical-M").unwrap_err();
        assert_eq!(
            err,
            AlarmNameError::Unknown {
                name: "Acme-Bedrock-Melted-Critical-M".into()
            }
        );
        assert!(err.to_string().contains("Acme-Bedrock-Melted-Critical-M"));
    }

    #[test]
    fn parse_rejects_composite_and_malformed_names() {
        for bad in [
            "Acme-Bedrock-QuotaHealth-Composite-M",
            "",
            "Bedrock-Throttles-Critical-M",
            "Acme-Bedrock-Throttles-Critical-",
            "-Bedrock-Throttles-Critical-M",
            "Acme-Bedrock-Throttles-critical-M",
            "acme-bedrock-throttles-critical-m",
            "Acme-Bedrock-Throttles-Critical-Model_1",
            "Acme-Bedrock-Throttles-Critical-ModelNameTooLong16",
            "Customer123456-Bedrock-Throttles-Critical-M",
            "Acmé-Bedrock-Throttles-Critical-M",
            "é-Bedrock-Throttles-Critical-Mödel",
        ] {
            assert!(
                matches!(AlarmName::parse(bad), Err(AlarmNameError::Unknown { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn parse_rejects_severity_that_contradicts_the_kind() {
        let err = AlarmName::parse("Acme-Bedrock-Throttles-Warning-M").unwrap_err();
        assert!(matches!(
            err,
            AlarmNameError::SeverityMismatch {
                kind: AlarmKind::Throttles,
                ..
            }
        ));
        assert!(AlarmName::parse("Acme-Bedrock-HighLatency-Critical-M").is_err());
    }

    #[test]
    fn parse_for_stack_accepts_own_alarm_and_rejects_other_stacks() {
        let own = "Acme-Bedrock-HighLatency-Warning-G-Opus-4-6";
        assert!(AlarmName::parse_for_stack(own, "Acme", "G-Opus-4-6").is_ok());
        let other_customer = "BigAcme-Bedrock-HighLatency-Warning-G-Opus-4-6";
        assert!(matches!(
            AlarmName::parse_for_stack(other_customer, "Acme", "G-Opus-4-6"),
            Err(AlarmNameError::OtherStack { .. })
        ));
        assert!(AlarmName::parse_for_stack(own, "acme", "G-Opus-4-6").is_err());
        assert!(AlarmName::parse_for_stack(own, "Acme", "Opus-4-6").is_err());
    }

    #[test]
    fn composite_name_follows_contract() {
        assert_eq!(
            composite_alarm_name("Acme", "G-Opus-4-6"),
            "Acme-Bedrock-QuotaHealth-Composite-G-Opus-4-6"
        );
    }

    #[test]
    fn classify_rpm_and_tpm_together_is_both() {
        let c = Classification::of([AlarmKind::HighInvocationRate, AlarmKind::InputTokenAnomaly])
            .unwrap();
        assert_eq!(c.class, AlarmClass::Both);
        assert_eq!(c.severity, Severity::Warning);
    }

    #[test]
    fn classify_quota_with_non_quota_keeps_quota_class_and_lists_non_quota() {
        let c =
            Classification::of([AlarmKind::ServerErrors, AlarmKind::HighTpmQuotaUsage]).unwrap();
        assert_eq!(c.class, AlarmClass::Tpm);
        assert_eq!(c.severity, Severity::Critical);
        assert_eq!(c.quota_alarms, vec![AlarmKind::HighTpmQuotaUsage]);
        assert_eq!(c.non_quota_alarms, vec![AlarmKind::ServerErrors]);
    }

    #[test]
    fn classify_only_non_quota_is_non_quota() {
        let c = Classification::of([AlarmKind::HighLatency, AlarmKind::LatencyAnomaly]).unwrap();
        assert_eq!(c.class, AlarmClass::NonQuota);
        assert_eq!(c.severity, Severity::Warning);
        assert!(c.quota_alarms.is_empty());
    }

    #[test]
    fn classify_any_critical_makes_critical() {
        let c = Classification::of([AlarmKind::InvocationAnomaly, AlarmKind::Throttles]).unwrap();
        assert_eq!(c.severity, Severity::Critical);
        assert_eq!(c.class, AlarmClass::Both);
    }

    #[test]
    fn classify_nothing_is_none_and_repeats_collapse() {
        assert_eq!(Classification::of([]), None);
        let c = Classification::of([AlarmKind::Throttles, AlarmKind::Throttles]).unwrap();
        assert_eq!(c.alarms().collect::<Vec<_>>(), vec![AlarmKind::Throttles]);
    }

    #[test]
    fn an_input_token_alarm_points_at_the_input_quota_only() {
        let input = Classification::of([AlarmKind::HighInputTpmQuotaUsage]).unwrap();
        assert_eq!(
            (input.class, input.severity),
            (AlarmClass::InputTpm, Severity::Warning)
        );
        assert_eq!(
            AlarmKind::HighInputTpmQuotaUsage.metric_name(),
            "InputTokenCount"
        );
        let output = Classification::of([AlarmKind::HighOutputTpmQuotaUsage]).unwrap();
        assert_eq!(output.class, AlarmClass::OutputTpm);
        assert_eq!(
            AlarmKind::HighOutputTpmQuotaUsage.metric_name(),
            "OutputTokenCount"
        );
        let name =
            AlarmName::parse("Acme-Bedrock-HighInputTPMQuotaUsage-Warning-Opus-4-8").unwrap();
        assert_eq!(name.kind, AlarmKind::HighInputTpmQuotaUsage);
    }

    #[test]
    fn class_union_table() {
        use AlarmClass::*;
        let table = [
            (Rpm, Rpm, Rpm),
            (Rpm, Tpm, Both),
            (Rpm, Both, Both),
            (Rpm, NonQuota, Rpm),
            (Tpm, Tpm, Tpm),
            (Tpm, Both, Both),
            (Tpm, NonQuota, Tpm),
            (Both, Both, Both),
            (Both, NonQuota, Both),
            (NonQuota, NonQuota, NonQuota),
            (InputTpm, InputTpm, InputTpm),
            (InputTpm, OutputTpm, Tpm),
            (InputTpm, Tpm, Tpm),
            (OutputTpm, Tpm, Tpm),
            (InputTpm, Rpm, Both),
            (OutputTpm, Both, Both),
            (OutputTpm, NonQuota, OutputTpm),
        ];
        for (a, b, expected) in table {
            assert_eq!(a.union(b), expected, "{a} with {b}");
            assert_eq!(b.union(a), expected, "{b} with {a}");
        }
    }

    #[test]
    fn class_serialises_snake_case() {
        assert_eq!(
            serde_json::to_string(&AlarmClass::NonQuota).unwrap(),
            "\"non_quota\""
        );
        assert_eq!(
            serde_json::to_string(&Severity::Critical).unwrap(),
            "\"critical\""
        );
        assert_eq!(
            serde_json::to_string(&AlarmKind::HighTpmQuotaUsage).unwrap(),
            "\"HighTPMQuotaUsage\""
        );
    }
}
