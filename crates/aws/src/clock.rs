//! The one wall clock: every "now" the Lambdas, the adapters and the CLI need comes from here. The core never
//! reads it (its functions take times as epoch seconds), so the decisions stay pure and testable.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch (0 if the system clock is set before 1970).
pub fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// Milliseconds since the epoch, the unit of the Lambda context's deadline.
pub fn now_epoch_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_milliseconds_tell_the_same_time() {
        let (millis, secs) = (now_epoch_millis(), now_epoch());
        // After 2024-01-01 and within a second of each other.
        assert!(secs > 1_704_067_200, "{secs}");
        assert!((secs - i64::try_from(millis / 1000).unwrap()).abs() <= 1);
    }
}
