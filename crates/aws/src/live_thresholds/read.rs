//! The quotas as Service Quotas reports them now, and the thresholds the core computes from them.
//!
//! A quota that cannot be read is an error, never a stand-in value: the sample turned any RPM read failure
//! into a 999,999,999 threshold that silently disabled the alarm (W-8).

use bedrock_ops_core::live_thresholds::{LiveQuota, LiveThresholds, LiveTokens, QuotaConfig};
use bedrock_ops_core::thresholds::{
    QuotaCode, QuotaValue, SERVICE_CODE, ThresholdError, TokenQuotaCodes,
};

use crate::AwsError;
use crate::quotas::{QuotaInfo, QuotaService};

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

pub async fn read_quota(
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

/// Reads every quota of the stack concurrently, in one round trip (GetServiceQuota, the AWS default when the
/// account has no applied value): RPM (unless `NA`) and the combined TPM quota, or a split model's input and
/// output token quotas; and computes the thresholds. Any failure is an error.
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
    let tokens = async {
        match &config.tokens {
            TokenQuotaCodes::Combined(code) => read_quota(quotas, "TPM", code)
                .await
                .map(LiveTokens::Combined),
            TokenQuotaCodes::Split { input, output } => {
                let (input, output) = tokio::join!(
                    read_quota(quotas, "input TPM", input),
                    read_quota(quotas, "output TPM", output),
                );
                Ok(LiveTokens::Split {
                    input: input?,
                    output: output?,
                })
            }
        }
    };
    let (rpm, tokens) = tokio::join!(rpm, tokens);
    Ok(LiveThresholds::of(config.clone(), rpm?, tokens?))
}

#[cfg(test)]
pub(crate) mod tests {
    use bedrock_ops_core::messages::Limit;
    use bedrock_ops_core::thresholds::{Percent, RpmQuotaCode};
    use bedrock_ops_testkit::fixtures::{RPM_CODE, TPM_CODE};

    use super::*;
    use crate::quotas::QuotaSource;
    use crate::quotas::memory::MemoryQuotas;

    pub(crate) fn config() -> QuotaConfig {
        QuotaConfig {
            rpm_code: RpmQuotaCode::parse(RPM_CODE).unwrap(),
            tokens: TokenQuotaCodes::Combined(QuotaCode::tpm(TPM_CODE).unwrap()),
            rpm_percent: Percent::new(80).unwrap(),
            tpm_percent: Percent::new(80).unwrap(),
        }
    }

    pub(crate) fn quotas(rpm: f64, tpm: f64) -> MemoryQuotas {
        MemoryQuotas::new()
            .with_applied(SERVICE_CODE, RPM_CODE, "RPM quota", rpm)
            .with_applied(SERVICE_CODE, TPM_CODE, "TPM quota", tpm)
    }

    #[tokio::test]
    async fn blog_example_gives_8000_and_5000000() {
        let live = read_live(&quotas(10_000.0, 6_250_000.0), &config())
            .await
            .unwrap();
        assert_eq!(live.rpm_threshold(), Limit::Known(8_000));
        assert_eq!(live.tpm_threshold(), Limit::Known(5_000_000));
        assert_eq!(live.combined().unwrap().quota.source, QuotaSource::Applied);
    }

    #[tokio::test]
    async fn a_split_model_reads_rpm_input_and_output_in_one_round_trip() {
        let q = quotas(10_000.0, 6_250_000.0)
            .with_applied(SERVICE_CODE, "L-11111111", "input", 2_000_000.0)
            .with_applied(SERVICE_CODE, "L-22222222", "output", 400_000.0);
        let mut c = config();
        c.tokens = TokenQuotaCodes::Split {
            input: QuotaCode::new("L-11111111").unwrap(),
            output: QuotaCode::new("L-22222222").unwrap(),
        };
        let live = read_live(&q, &c).await.unwrap();
        assert_eq!(q.calls("GetServiceQuota"), 3);
        assert_eq!(live.tpm_quota(), Limit::NotApplicable);
        assert_eq!(
            live.split_limits(),
            Some([
                (Limit::Known(2_000_000), Limit::Known(1_600_000)),
                (Limit::Known(400_000), Limit::Known(320_000)),
            ])
        );
        c.tokens = TokenQuotaCodes::Split {
            input: QuotaCode::new("L-11111111").unwrap(),
            output: QuotaCode::new("L-99999999").unwrap(),
        };
        let err = read_live(&q, &c).await.unwrap_err();
        assert!(
            err.to_string().contains("output TPM quota L-99999999"),
            "{err}"
        );
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
}
