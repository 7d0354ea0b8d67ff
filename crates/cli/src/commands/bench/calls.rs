//! What one run cost in AWS calls, read from the emulator's call log.
//!
//! **Round trips.** Every logged call has the interval [start, end] during which the emulator held it (with the
//! injected latency inside it). Calls whose intervals overlap were in flight together, so they cost one round
//! trip between them. A round trip is a maximal set of overlapping calls: sort the calls by start, sweep, and
//! begin a new set whenever a call starts at or after the latest end seen so far in the current set. The
//! number of sets is the number of sequential round trips, the part of the handler's time that grows with
//! AWS's latency. The injected latency (25 ms by default) is what makes concurrent calls overlap visibly; at
//! 0 ms two concurrent calls can be answered one after the other and would count twice.

use std::collections::BTreeMap;

use bedrock_ops_testkit::emulator::CallRecord;

/// Calls that change something in AWS (the ledger's writes included).
pub const WRITES: [&str; 13] = [
    "PutMetricAlarm",
    "DeleteAlarms",
    "PutParameter",
    "DeleteParameters",
    "Publish",
    "RequestServiceQuotaIncrease",
    "CreateCase",
    "AddCommunicationToCase",
    "ResolveCase",
    "PutItem",
    "UpdateItem",
    "TransactWriteItems",
    "DeleteItem",
];

/// The calls of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct CallLog {
    pub calls: Vec<CallRecord>,
}

impl CallLog {
    pub fn new(calls: Vec<CallRecord>) -> CallLog {
        CallLog { calls }
    }

    pub fn total(&self) -> usize {
        self.calls.len()
    }

    /// Sequential round trips: see the module documentation.
    pub fn round_trips(&self) -> usize {
        let mut sorted: Vec<&CallRecord> = self.calls.iter().collect();
        sorted.sort_by(|a, b| a.start.total_cmp(&b.start));
        let mut trips = 0;
        let mut end = f64::NEG_INFINITY;
        for call in sorted {
            if call.start >= end {
                trips += 1;
                end = call.end;
            } else {
                end = end.max(call.end);
            }
        }
        trips
    }

    /// Calls per operation, by operation name.
    pub fn by_operation(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for call in &self.calls {
            *counts.entry(call.operation.as_str()).or_default() += 1;
        }
        counts
    }

    /// The calls that change something.
    pub fn writes(&self) -> usize {
        self.calls
            .iter()
            .filter(|c| WRITES.contains(&c.operation.as_str()))
            .count()
    }

    /// `GetMetricData 1, GetParameters 1, …`.
    pub fn describe(&self) -> String {
        self.by_operation()
            .iter()
            .map(|(op, n)| format!("{op} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(operation: &str, start: f64, end: f64) -> CallRecord {
        CallRecord {
            service: "svc".into(),
            operation: operation.into(),
            region: "us-east-1".into(),
            start,
            end,
            status: 200,
            error_code: None,
            faulted: false,
        }
    }

    #[test]
    fn overlapping_calls_share_a_round_trip_and_touching_ones_do_not() {
        let log = CallLog::new(vec![
            call("B", 0.002, 0.026),
            call("A", 0.000, 0.025),
            call("C", 0.010, 0.030),
            // Starts exactly when the last of the first set ended: the next round trip.
            call("D", 0.030, 0.055),
            call("E", 0.060, 0.085),
            call("F", 0.061, 0.086),
        ]);
        assert_eq!(log.round_trips(), 3);
        assert_eq!(log.total(), 6);
    }

    #[test]
    fn a_long_call_spans_the_short_ones_started_during_it() {
        let log = CallLog::new(vec![
            call("Long", 0.0, 1.0),
            call("Short1", 0.1, 0.2),
            call("Short2", 0.3, 0.4),
        ]);
        assert_eq!(log.round_trips(), 1);
        assert_eq!(CallLog::new(Vec::new()).round_trips(), 0);
    }

    #[test]
    fn writes_are_counted_by_operation() {
        let log = CallLog::new(vec![
            call("GetServiceQuota", 0.0, 0.1),
            call("PutMetricAlarm", 0.2, 0.3),
            call("PutMetricAlarm", 0.2, 0.3),
            call("DescribeAlarms", 0.4, 0.5),
            call("Publish", 0.6, 0.7),
        ]);
        assert_eq!(log.writes(), 3);
        assert_eq!(
            log.describe(),
            "DescribeAlarms 1, GetServiceQuota 1, Publish 1, PutMetricAlarm 2"
        );
    }
}
