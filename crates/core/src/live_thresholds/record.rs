//! The record of a change in Parameter Store: `last-change` (one line of JSON, old and new per side) written
//! first, the value keys that differ, and `last-updated` (the change's instant) written last. Which keys to
//! write is decided here; writing them is `bedrock_ops_aws::live_thresholds`'.

use serde_json::{Value, json};

use crate::messages::Limit;
use crate::messages::format::utc;
use crate::messages::quota_change::{QuotaChange, SideChange};
use crate::settings::keys;
use crate::thresholds::NOT_APPLICABLE;

use super::change::differs;
use super::{LiveThresholds, Stored};

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

/// The reverse of [`limit_json`], for a record read back.
pub(super) fn limit_of(value: Option<&Value>) -> Limit {
    match value {
        Some(Value::Number(n)) => n.as_u64().map_or(Limit::Unknown, Limit::Known),
        Some(Value::String(s)) if s.eq_ignore_ascii_case(NOT_APPLICABLE) => Limit::NotApplicable,
        _ => Limit::Unknown,
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
/// A split model's record adds `input_tpm` and `output_tpm` (its `tpm` side is `NA` throughout).
pub fn last_change_json(change: &QuotaChange, by: &str) -> String {
    let mut record = json!({
        "at": rfc3339(change.at),
        "by": by,
        "rpm": side_json(&change.rpm),
        "tpm": side_json(&change.tpm),
    });
    if let (Some(split), Some(fields)) = (&change.split, record.as_object_mut()) {
        fields.insert("input_tpm".to_owned(), side_json(&split.input));
        fields.insert("output_tpm".to_owned(), side_json(&split.output));
    }
    record.to_string()
}

/// The `last-change` of a change a run started and did not finish. A record writes `last-change` first and
/// `last-updated` (the same instant) last, so any other pair means the run stopped in between, with the
/// value keys partly rewritten.
pub(super) fn unfinished_change(stored: &Stored) -> Option<Value> {
    let change: Value = serde_json::from_str(stored.get(keys::LAST_CHANGE)?).ok()?;
    let at = change.get("at")?.as_str()?;
    (stored.get(keys::LAST_UPDATED) != Some(at)).then_some(change)
}

/// The start of a change's record, in writing order: `last-change` first when a quota or threshold moved,
/// then the value keys whose stored value differs. Empty when nothing differs. `last-updated`
/// ([`rfc3339`] of the change's instant) ends the record, written only once all of these are.
pub fn record_writes(
    stored: &Stored,
    live: &LiveThresholds,
    change: &QuotaChange,
    by: &str,
) -> Vec<(&'static str, String)> {
    let mut writes: Vec<(&'static str, String)> = Vec::new();
    if differs(change) {
        writes.push((keys::LAST_CHANGE, last_change_json(change, by)));
    }
    writes.extend(
        live.parameter_values()
            .into_iter()
            .filter(|(key, value)| stored.get(key) != Some(value.as_str())),
    );
    writes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live_thresholds::change::change;
    use crate::live_thresholds::testing::{live, split_live, stored};

    #[test]
    fn rfc3339_is_utc_with_z() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_777_906_368), "2026-05-04T14:52:48Z");
    }

    #[test]
    fn last_change_is_one_line_json_with_old_and_new_per_side() {
        let live = live(20_000, 6_250_000);
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
        assert!(v.get("input_tpm").is_none());
    }

    #[test]
    fn a_split_change_records_each_token_side_and_resumes_from_it() {
        let live = split_live(20_000, 2_000_000, 400_000);
        let before = stored(&[
            (keys::INPUT_TPM_QUOTA, "1000000"),
            (keys::INPUT_TPM_THRESHOLD_CALCULATED, "800000"),
        ]);
        let c = change(&before, &live, 0);
        let text = last_change_json(&c, "alarm-updater");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["input_tpm"]["old_quota"], 1_000_000);
        assert_eq!(v["input_tpm"]["new_threshold"], 1_600_000);
        assert_eq!(v["output_tpm"]["new_quota"], 400_000);
        assert_eq!(v["tpm"]["new_quota"], "NA");

        let writes = record_writes(&before, &live, &c, "alarm-updater");
        let keys_written: Vec<&str> = writes.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys_written[0], keys::LAST_CHANGE);
        assert!(keys_written.contains(&keys::INPUT_TPM_THRESHOLD_CALCULATED));
        assert!(!keys_written.contains(&keys::TPM_QUOTA));
        assert!(!keys_written.contains(&keys::TPM_QUOTA_CODE));

        // The run wrote last-change and the new input threshold, then stopped: the next one resumes from
        // the change's own old values.
        let half = stored(&[
            (keys::INPUT_TPM_QUOTA, "2000000"),
            (keys::INPUT_TPM_THRESHOLD_CALCULATED, "1600000"),
            (keys::LAST_CHANGE, &text),
        ]);
        let resumed = change(&half, &live, 60).split.unwrap();
        assert_eq!(resumed.input.old_quota, Limit::Known(1_000_000));
        assert_eq!(resumed.input.old_threshold, Limit::Known(800_000));
    }
}
