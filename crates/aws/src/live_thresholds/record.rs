//! Writing the record of a change: [`write_record`] starts it, [`finish_record`] ends it. Until
//! `last-updated` is written the change counts as unfinished (`bedrock_ops_core::live_thresholds::change`),
//! so a run that stops in between is redone whole by the next one.

use bedrock_ops_core::live_thresholds::{LiveThresholds, Stored, differs, record_writes, rfc3339};
use bedrock_ops_core::messages::quota_change::QuotaChange;
use bedrock_ops_core::settings::{keys, parameter_name};

use crate::{AwsError, ParameterStore};

/// Starts recording a change: `last-change` first when a quota or threshold moved, then the value keys whose
/// stored value differs ([`record_writes`]); [`finish_record`] ends it. Sequential on purpose: PutParameter's
/// default throughput is a few calls per second. Returns the keys written; nothing is written when nothing
/// differs.
pub async fn write_record(
    parameters: &impl ParameterStore,
    customer: &str,
    model: &str,
    stored: &Stored,
    live: &LiveThresholds,
    change: &QuotaChange,
    by: &str,
) -> Result<Vec<&'static str>, AwsError> {
    let writes = record_writes(stored, live, change, by);
    let mut written = Vec::with_capacity(writes.len());
    for (key, value) in writes {
        parameters
            .put(&parameter_name(customer, model, key), &value)
            .await?;
        written.push(key);
    }
    Ok(written)
}

/// Ends the record of a change [`write_record`] started: `last-updated`, the change's instant, written last.
/// Nothing when nothing moved.
pub async fn finish_record(
    parameters: &impl ParameterStore,
    customer: &str,
    model: &str,
    change: &QuotaChange,
) -> Result<Option<&'static str>, AwsError> {
    if !differs(change) {
        return Ok(None);
    }
    parameters
        .put(
            &parameter_name(customer, model, keys::LAST_UPDATED),
            &rfc3339(change.at),
        )
        .await?;
    Ok(Some(keys::LAST_UPDATED))
}

#[cfg(test)]
mod tests {
    use bedrock_ops_core::live_thresholds::change;

    use super::*;
    use crate::live_thresholds::read::tests::{config, quotas};
    use crate::live_thresholds::{read_live, read_stored};
    use crate::parameters::memory::MemoryParameters;

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

        let now = read_stored(&params, "Acme", "Opus").await.unwrap();
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
