//! Which parsed transitions this deployment acts on (issue 13): only alarms of its own account and Region,
//! with a state-change time CloudWatch could have written for a live alarm. Everything else is refused
//! before any claim, read or filing, with an error that says why.
//!
//! - **Region**: the alarm ARN's Region is the processor's (`AWS_REGION`, or the CLI's `--region`).
//! - **Account**: the alarm ARN's account is the account of `FORMATTED_TOPIC_ARN`, the stack's own topic
//!   (the Lambda and `process` always have it; `simulate` checks the account only when it is given one).
//! - **Time**: never more than [`FUTURE_SKEW_SECONDS`] ahead of now; and, for the Lambda (which passes a
//!   lookback), never older than [`LOOKBACK_SECONDS`] — the ledger's retention, beyond which a redelivered
//!   transition could no longer be recognised as already handled. `process` replays an alarm the operator
//!   chose, of any age (its ledger claim still guards against doubles within the retention).

use bedrock_ops_core::text;

use crate::event::{EventError, Transition};
use crate::handler::LEDGER_TTL_SECONDS;

/// How far ahead of the clock a state-change time may be (clock skew between CloudWatch and us).
pub const FUTURE_SKEW_SECONDS: i64 = 5 * 60;
/// The oldest state change the Lambda acts on: the ledger keeps a transition this long (90 days).
pub const LOOKBACK_SECONDS: i64 = LEDGER_TTL_SECONDS;

/// What a run admits.
#[derive(Debug, Clone, Copy)]
pub struct Admission<'a> {
    /// The processor's Region.
    pub region: &'a str,
    /// The stack's account, when known.
    pub account: Option<&'a str>,
    pub now: i64,
    /// The oldest age accepted, in seconds; `None`: any past time.
    pub lookback: Option<i64>,
}

impl Admission<'_> {
    /// `Ok` when `transition` is this deployment's and recent enough.
    pub fn check(&self, transition: &Transition) -> Result<(), EventError> {
        let refused = |detail: String| EventError::Refused {
            name: text::echo(&transition.alarm_name),
            detail,
        };
        let origin = &transition.origin;
        if !self.region.is_empty() && origin.region != self.region {
            return Err(refused(format!(
                "its ARN is in Region {}, this stack is in {}",
                origin.region, self.region
            )));
        }
        if let Some(account) = self.account
            && origin.account != account
        {
            return Err(refused(format!(
                "its ARN is in account {}, this stack is in {account}",
                origin.account
            )));
        }
        let latest = self.now + FUTURE_SKEW_SECONDS;
        if transition.changed_at > latest {
            return Err(refused(format!(
                "its StateChangeTime is {} s ahead of now; at most {FUTURE_SKEW_SECONDS} s are accepted",
                transition.changed_at - self.now
            )));
        }
        if let Some(lookback) = self.lookback
            && transition.changed_at < self.now - lookback
        {
            return Err(refused(format!(
                "its StateChangeTime is {} days old; at most {} days are accepted (the ledger's retention)",
                (self.now - transition.changed_at) / 86_400,
                lookback / 86_400
            )));
        }
        Ok(())
    }
}

/// The account of an ARN (`arn:<partition>:<service>:<region>:<account>:…`), when it has one.
pub fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':')
        .nth(4)
        .filter(|account| account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use bedrock_ops_core::text::ECHO_CHARS;

    use super::*;
    use crate::event::transition;

    const NOW: i64 = 1_777_906_400; // 2026-05-04T14:53:20Z

    fn message(arn_region: &str, account: &str, time: &str) -> String {
        let name = "Acme-Bedrock-Throttles-Critical-Opus-4-6";
        serde_json::json!({
            "AlarmName": name,
            "AlarmArn": format!("arn:aws:cloudwatch:{arn_region}:{account}:alarm:{name}"),
            "NewStateValue": "ALARM",
            "StateChangeTime": time,
            "Trigger": {}
        })
        .to_string()
    }

    fn admit(message: &str, lookback: Option<i64>) -> Result<(), EventError> {
        let t = transition(0, message, "Acme", "Opus-4-6")?;
        Admission {
            region: "us-east-1",
            account: Some("123456789012"),
            now: NOW,
            lookback,
        }
        .check(&t)
    }

    #[test]
    fn this_accounts_and_regions_recent_alarm_is_admitted() {
        let ok = message("us-east-1", "123456789012", "2026-05-04T14:52:48.069+0000");
        admit(&ok, Some(LOOKBACK_SECONDS)).unwrap();
    }

    #[test]
    fn a_forged_arn_of_another_account_or_region_is_refused() {
        for (region, account, says) in [
            ("eu-west-1", "123456789012", "Region eu-west-1"),
            ("us-east-1", "999999999999", "account 999999999999"),
        ] {
            let err = admit(&message(region, account, "2026-05-04T14:52:48Z"), None).unwrap_err();
            assert!(matches!(err, EventError::Refused { .. }), "{err}");
            assert!(err.to_string().contains(says), "{err}");
        }
    }

    #[test]
    fn a_state_change_outside_the_window_is_refused_with_the_limit() {
        let future = admit(
            &message("us-east-1", "123456789012", "9999-12-31T23:59:59Z"),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(future.contains("at most 300 s"), "{future}");
        let ancient = admit(
            &message("us-east-1", "123456789012", "0001-01-01T00:00:00Z"),
            Some(LOOKBACK_SECONDS),
        )
        .unwrap_err()
        .to_string();
        assert!(ancient.contains("at most 90 days"), "{ancient}");
        // Without a lookback (`process`), an old alarm is a replay.
        admit(
            &message("us-east-1", "123456789012", "2026-01-01T00:00:00Z"),
            None,
        )
        .unwrap();
        assert!(ancient.len() < ECHO_CHARS * 2, "{ancient}");
    }

    #[test]
    fn the_account_of_a_topic_arn() {
        assert_eq!(
            arn_account("arn:aws:sns:us-east-1:123456789012:formatted"),
            Some("123456789012")
        );
        assert_eq!(arn_account("arn:aws:sns:us-east-1::formatted"), None);
        assert_eq!(arn_account("not an arn"), None);
    }
}
