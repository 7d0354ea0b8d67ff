//! The reads of a transition's first round trip — the stack's settings and thresholds (Parameter Store), the
//! 14-day usage (CloudWatch), the live quotas the alarm class asks about (Service Quotas) and the open Support
//! cases — and how each is read into the plan's input, a failed read included (it is a reason, not a crash).

use std::collections::BTreeMap;

use bedrock_ops_aws::metrics::UsageQuery;
use bedrock_ops_aws::quotas::QuotaInfo;
use bedrock_ops_aws::{
    AwsError, FollowUpQueue, Ledger, Notifier, ParameterStore, QuotaService, SupportDesk,
    UsageMetrics,
};
use bedrock_ops_core::alarms::AlarmClass;
use bedrock_ops_core::increase::QuotaFacts;
use bedrock_ops_core::outcome::NotFiledReason;
use bedrock_ops_core::plan::{QuotaReading, SideQuota};
use bedrock_ops_core::settings::{Settings, keys};
use bedrock_ops_core::thresholds::{QuotaCode, QuotaValue};
use bedrock_ops_core::usage::{self, UsageSummary};

use super::filing::{OpenCases, not_filed_reason};
use super::{Processor, maybe};

/// The blog's usage window.
const USAGE_DAYS: i64 = usage::DEFAULT_LOOKBACK_DAYS as i64;
/// Open cases are listed once for the longest lookback the settings allow, then filtered by the setting, so
/// the list can be read before the settings are known.
const LONGEST_LOOKBACK_DAYS: i64 = 90;
/// GetParameters' limit on names per call.
const GET_PARAMETERS_MAX: usize = 10;

/// The stack's keys that were read, by name (or why they could not be).
pub(super) type Parameters = Result<BTreeMap<String, String>, AwsError>;

/// The quotas an ALARM reads live, by side: only those the class asks about (the plan needs their current
/// value); the other side's quota is shown from the value the calculator stored.
pub(super) struct LiveQuotas<'a> {
    pub(super) rpm: Option<&'a QuotaCode>,
    pub(super) tpm: Option<&'a QuotaCode>,
    /// The split token quotas (a model whose token limit is an input and an output quota), read in the same
    /// round trip.
    pub(super) input_tpm: Option<&'a QuotaCode>,
    pub(super) output_tpm: Option<&'a QuotaCode>,
}

impl<P, M, Q, S, N, L, F> Processor<P, M, Q, S, N, L, F>
where
    P: ParameterStore,
    M: UsageMetrics,
    Q: QuotaService,
    S: SupportDesk,
    N: Notifier,
    L: Ledger,
    F: FollowUpQueue,
{
    pub(super) fn live_quotas(&self, class: AlarmClass) -> LiveQuotas<'_> {
        let tokens = &self.config.stack.token_quotas;
        let split = tokens.split();
        LiveQuotas {
            rpm: self
                .config
                .stack
                .rpm_quota_code
                .code()
                .filter(|_| matches!(class, AlarmClass::Rpm | AlarmClass::Both)),
            tpm: tokens
                .combined()
                .filter(|_| matches!(class, AlarmClass::Tpm | AlarmClass::Both)),
            input_tpm: split.map(|(input, _)| input).filter(|_| {
                matches!(
                    class,
                    AlarmClass::InputTpm | AlarmClass::Tpm | AlarmClass::Both
                )
            }),
            output_tpm: split.map(|(_, output)| output).filter(|_| {
                matches!(
                    class,
                    AlarmClass::OutputTpm | AlarmClass::Tpm | AlarmClass::Both
                )
            }),
        }
    }

    /// The names an ALARM reads. A class asks for the increase of its own sides only (the plan reads no other
    /// side's percent, and the e-mail shows none), so a non-quota alarm skips both increase percents and reads
    /// the two stored quotas in their place, and an RPM or a token alarm skips the other side's percent and
    /// reads that side's stored quota instead: at most ten names, one GetParameters call. A model with split
    /// token quotas reads two token thresholds (and up to two stored token quotas) in place of one, so
    /// [`Self::read_parameters`] may make its second, concurrent call (same round trip); a combined stack's
    /// names are unchanged.
    pub(super) fn alarm_parameters(
        &self,
        class: AlarmClass,
        live: &LiveQuotas<'_>,
    ) -> Vec<&'static str> {
        let wants_rpm = matches!(class, AlarmClass::Rpm | AlarmClass::Both);
        let wants_tokens = !matches!(class, AlarmClass::Rpm | AlarmClass::NonQuota);
        let mut wanted: Vec<&str> = keys::SETTINGS
            .into_iter()
            .filter(|key| wants_rpm || *key != keys::REQUESTS_PER_MINUTE_INCREASE_PERCENT)
            .filter(|key| wants_tokens || *key != keys::TOKENS_PER_MINUTE_INCREASE_PERCENT)
            .collect();
        let split_tokens = self.config.stack.token_quotas.split().is_some();
        wanted.push(keys::RPM_THRESHOLD_CALCULATED);
        if !split_tokens {
            wanted.push(keys::TPM_THRESHOLD_CALCULATED);
        }
        if live.rpm.is_none() && self.config.stack.rpm_quota_code.code().is_some() {
            wanted.push(keys::RPM_QUOTA);
        }
        if live.tpm.is_none() && self.config.stack.token_quotas.combined().is_some() {
            wanted.push(keys::TPM_QUOTA);
        }
        if split_tokens {
            wanted.extend(split_token_keys(live));
        }
        wanted
    }

    /// The stack's keys, by name (GetParameters takes 10 names, so more are read in a second, concurrent call).
    /// The walk of the whole path would page by 10 through every key the calculator keeps there too.
    pub(super) async fn read_parameters(&self, wanted: &[&str]) -> Parameters {
        let (first, rest) = wanted.split_at(wanted.len().min(GET_PARAMETERS_MAX));
        let (first, rest) = tokio::join!(
            self.ports.parameters.get_keys(&self.path, first),
            maybe((!rest.is_empty()).then(|| self.ports.parameters.get_keys(&self.path, rest))),
        );
        let mut values = first?;
        if let Some(rest) = rest {
            values.extend(rest?);
        }
        Ok(values)
    }

    pub(super) async fn read_usage(&self, now: i64) -> Result<UsageSummary, AwsError> {
        let query = UsageQuery::last_days(self.config.model_ids(), now, USAGE_DAYS);
        let series = self.ports.metrics.usage(&query).await?;
        Ok(UsageSummary::from_series(&usage::UsageSeries {
            lookback_days: usage::DEFAULT_LOOKBACK_DAYS,
            invocations: series.invocations.values,
            estimated_tpm: series.estimated_tpm_quota_usage.values,
            // A series CloudWatch has no datapoint of is unknown, not zero tokens per request.
            input_tokens: (series.input_tokens.observed > 0).then_some(series.input_tokens.values),
            output_tokens: (series.output_tokens.observed > 0)
                .then_some(series.output_tokens.values),
        }))
    }

    /// The open cases of the longest lookback. The list is read even when no case turns out to be needed (one
    /// call), so that every case path saves a round trip.
    pub(super) async fn read_open_cases(&self, now: i64) -> OpenCases {
        self.ports
            .support
            .open_cases(now - LONGEST_LOOKBACK_DAYS * 86_400)
            .await
    }
}

/// A split token model's keys: both thresholds (the usage check compares each token series with its own), and
/// the stored quota of each token side not read live (display only).
fn split_token_keys(live: &LiveQuotas<'_>) -> impl Iterator<Item = &'static str> {
    [
        Some(keys::INPUT_TPM_THRESHOLD_CALCULATED),
        Some(keys::OUTPUT_TPM_THRESHOLD_CALCULATED),
        live.input_tpm.is_none().then_some(keys::INPUT_TPM_QUOTA),
        live.output_tpm.is_none().then_some(keys::OUTPUT_TPM_QUOTA),
    ]
    .into_iter()
    .flatten()
}

/// The open cases created within the lookback the settings ask for.
pub(super) fn within_lookback(
    open_cases: OpenCases,
    settings: &Result<Settings, String>,
    now: i64,
) -> OpenCases {
    let lookback = settings
        .as_ref()
        .map(|s| s.support_case_lookback)
        .unwrap_or_default();
    let since = now - i64::from(lookback.days()) * 86_400;
    open_cases.map(|cases| {
        cases
            .into_iter()
            .filter(|c| c.created_at.is_some_and(|at| at >= since))
            .collect::<Vec<_>>()
    })
}

pub(super) fn read_settings(parameters: &Parameters) -> Result<Settings, String> {
    match parameters {
        Ok(values) => Settings::from_parameters(values).map_err(|e| e.to_string()),
        Err(error) => Err(error.to_string()),
    }
}

/// One side's quota as the plan takes it: read, unread (with the reason), or not applicable to the model.
pub(super) fn side_quota(
    code: Option<&QuotaCode>,
    read: Option<Result<QuotaInfo, AwsError>>,
) -> SideQuota {
    let Some(code) = code else {
        return SideQuota::NotApplicable;
    };
    let unread = |reason| SideQuota::Unread {
        code: code.clone(),
        reason,
    };
    match read {
        None => unread(NotFiledReason::Error {
            message: "the quota was not read".into(),
        }),
        Some(Err(error)) => unread(not_filed_reason(&error)),
        Some(Ok(info)) => match QuotaValue::from_service_quotas(info.value) {
            Ok(current) => SideQuota::Read(QuotaReading {
                code: code.clone(),
                name: info.name,
                facts: QuotaFacts {
                    current,
                    adjustable: info.adjustable,
                },
            }),
            Err(error) => unread(NotFiledReason::Error {
                message: format!("Service Quotas reports {code} as {}: {error}", info.value),
            }),
        },
    }
}

/// The live quota when it was read, else the value the calculator stored (display only).
pub(super) fn live_or_stored(
    side: &SideQuota,
    parameters: &Parameters,
    key: &str,
) -> Option<QuotaValue> {
    match side {
        SideQuota::Read(reading) => Some(reading.facts.current),
        _ => parameters
            .as_ref()
            .ok()
            .and_then(|p| p.get(key))
            .and_then(|v| v.parse().ok()),
    }
}

#[cfg(test)]
#[path = "tests/reads.rs"]
mod tests;
