//! The follow-up of a Service Quotas request, free of I/O: the durable message that reaches the processor's
//! queue after `RequestServiceQuotaIncrease` (carried by the alarm's e-mail as [`FOLLOW_UP_ATTRIBUTE`], which
//! the queue's subscription filters on with [`FOLLOW_UP_FILTER_POLICY`], or sent by the processor itself),
//! the back-off between looks, and what one look decides from the request's status and its linked case.
//!
//! Why a follow-up at all: Service Quotas answers the request before it has opened the Support case (its
//! `CaseId` is usually absent), links the case seconds later, and AWS's automated first reply lands on the
//! case about a minute after that. Upstream slept 62–240 s in the Lambda to catch it; here the message comes
//! back after its delay (SQS `DelaySeconds`, at most [`MAX_DELAY_SECONDS`]) and no invocation ever waits.
//!
//! Rules, in order ([`decide`]):
//! - approved, denied / not approved, closed or invalid → one outcome e-mail, nothing appended;
//! - open and linked → the context is appended once AWS's automated reply is on the case, or
//!   [`REPLY_GRACE_SECONDS`] after the request, whichever comes first; until then the follow-up comes back;
//! - open and not linked → back again after [`delay_seconds`] (about 1, 2, 4, 8, 15, 15 … minutes), until
//!   [`GIVE_UP_AFTER_SECONDS`] after the request: then one final e-mail with the request's console link.

use serde::{Deserialize, Serialize};

/// The `kind` every follow-up message carries: anything else on the queue is refused.
pub const FOLLOW_UP_KIND: &str = "bedrock-ops-alert.quota-follow-up";
/// The version of the message's shape this build reads and writes.
pub const FOLLOW_UP_VERSION: u32 = 1;
/// SQS's limit on a message's `DelaySeconds`.
pub const MAX_DELAY_SECONDS: u32 = 900;
/// Back-off between looks, by attempt; the last value repeats.
pub const BACKOFF_SECONDS: [u32; 5] = [60, 120, 240, 480, MAX_DELAY_SECONDS];
/// After this long since the request (2 hours) a request still without a case ends the follow-up.
pub const GIVE_UP_AFTER_SECONDS: i64 = 7_200;
/// A linked case gets the context this long after the request even when AWS's automated reply has not
/// appeared (it usually comes about a minute after the case is opened).
pub const REPLY_GRACE_SECONDS: i64 = 300;
/// The largest message accepted from the queue (SQS allows 256 KiB; ours are under 10 KiB).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// The SNS message attribute that carries the follow-ups of an alarm's requests on its first e-mail: the
/// follow-up queue's subscription to the e-mail topic delivers only messages that have it (its filter policy),
/// so one Publish both sends the e-mail and schedules the follow-ups.
pub const FOLLOW_UP_ATTRIBUTE: &str = "bedrock_ops_follow_up";
/// The filter policy of the follow-up queue's subscription to the e-mail topic (template.yaml): only the
/// messages that carry [`FOLLOW_UP_ATTRIBUTE`] reach the queue.
pub const FOLLOW_UP_FILTER_POLICY: &str = r#"{"bedrock_ops_follow_up":[{"exists":true}]}"#;
/// At most this many follow-ups ride on one e-mail: one per quota an alarm can request (RPM, and TPM or the
/// split input and output token quotas).
pub const MAX_CARRIED: usize = 3;

/// The durable follow-up of one Service Quotas request, as its JSON travels on the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    /// Always [`FOLLOW_UP_KIND`].
    pub kind: String,
    /// Always [`FOLLOW_UP_VERSION`] for messages this build writes.
    pub version: u32,
    /// The Parameter Store prefix of the stack whose processor filed the request (`/C/bedrock/quota-monitoring/M/`):
    /// another stack's message is refused.
    pub stack: String,
    /// The ledger key of the alarm transition that filed the request (for the audit trail).
    pub transition: String,
    pub request_id: String,
    pub quota_code: String,
    pub quota_name: String,
    pub current: u64,
    pub desired: u64,
    /// The alarm(s) behind the request, as the first e-mail named them.
    pub alarms: Vec<String>,
    /// A critical alarm fired: the context asks for expedited handling.
    pub critical: bool,
    /// Whether the follow-up e-mail is sent: the notification preference, as it was when the alarm came.
    pub notify: bool,
    /// The usage-validated context to append to the case, rendered when the alarm was handled (its figures
    /// are the ones the decision was made on).
    pub context: String,
    /// 0 for the first look, then one more per look that found nothing to do yet.
    pub attempt: u32,
    /// When the request was filed, epoch seconds.
    pub requested_at: i64,
}

impl FollowUp {
    /// The message that asks for the next look, `attempt + 1`.
    pub fn next(&self) -> FollowUp {
        FollowUp {
            attempt: self.attempt.saturating_add(1),
            ..self.clone()
        }
    }

    /// The ledger key of this look: a redelivered message finds its look done and does nothing.
    pub fn ledger_key(&self) -> String {
        format!("follow-up#{}#{}", self.request_id, self.attempt)
    }

    /// The delay before this look (SQS `DelaySeconds`).
    pub fn delay_seconds(&self) -> u32 {
        delay_seconds(self.attempt)
    }

    pub fn to_json(&self) -> String {
        // A struct of strings and integers always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Parses a message body from the queue: bounded, the kind and version checked, every field present.
pub fn parse(body: &str) -> Result<FollowUp, String> {
    if body.len() > MAX_MESSAGE_BYTES {
        return Err(format!(
            "the follow-up message has {} bytes, at most {MAX_MESSAGE_BYTES} are read",
            body.len()
        ));
    }
    let message: FollowUp = serde_json::from_str(body)
        .map_err(|e| format!("the message is not a follow-up of a quota request: {e}"))?;
    if message.kind != FOLLOW_UP_KIND {
        return Err(format!("the message kind is not {FOLLOW_UP_KIND}"));
    }
    if message.version != FOLLOW_UP_VERSION {
        return Err(format!(
            "follow-up version {} is not read by this build (version {FOLLOW_UP_VERSION})",
            message.version
        ));
    }
    if message.request_id.is_empty() || message.request_id.len() > 128 {
        return Err("the follow-up names no valid request id".into());
    }
    Ok(message)
}

/// The value of [`FOLLOW_UP_ATTRIBUTE`]: the follow-ups as one JSON array (SNS allows 10 attributes and
/// 256 KiB for a message with its attributes; three follow-ups of under 10 KiB each fit with room).
pub fn carried(follow_ups: &[FollowUp]) -> String {
    serde_json::to_string(follow_ups).unwrap_or_default()
}

/// Reads the value of [`FOLLOW_UP_ATTRIBUTE`] back: bounded, 1 to [`MAX_CARRIED`] follow-ups, each checked as
/// [`parse`] checks a message of its own.
pub fn parse_carried(value: &str) -> Result<Vec<FollowUp>, String> {
    let limit = MAX_CARRIED * MAX_MESSAGE_BYTES;
    if value.len() > limit {
        return Err(format!(
            "the carried follow-ups have {} bytes, at most {limit} are read",
            value.len()
        ));
    }
    let entries: Vec<serde_json::Value> = serde_json::from_str(value)
        .map_err(|e| format!("the carried follow-ups are not a JSON array: {e}"))?;
    if entries.is_empty() || entries.len() > MAX_CARRIED {
        return Err(format!(
            "{} follow-ups are carried, 1 to {MAX_CARRIED} are read",
            entries.len()
        ));
    }
    entries
        .iter()
        .map(|entry| parse(&entry.to_string()))
        .collect()
}

/// The delay before look `attempt`: 1, 2, 4, 8, 15, 15 … minutes.
pub fn delay_seconds(attempt: u32) -> u32 {
    let index = usize::try_from(attempt)
        .unwrap_or(usize::MAX)
        .min(BACKOFF_SECONDS.len() - 1);
    BACKOFF_SECONDS[index]
}

/// A request's status as a look sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestState {
    /// PENDING or CASE_OPENED (or a status this build does not know, which is treated as still open).
    Open,
    Approved,
    /// DENIED or NOT_APPROVED.
    Denied,
    /// CASE_CLOSED or INVALID_REQUEST: closed without an increase.
    Closed,
}

/// What one look found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub state: RequestState,
    /// Service Quotas has linked a Support case.
    pub linked: bool,
    /// AWS's automated first reply is on the linked case.
    pub aws_replied: bool,
    /// Seconds since the request was filed.
    pub elapsed: i64,
}

/// How a follow-up ends, worded by the follow-up e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    ContextAdded,
    Approved,
    Denied,
    Closed,
    GaveUp,
}

/// What a look does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Append the context to the linked case, then e-mail [`Ending::ContextAdded`].
    AppendContext,
    /// E-mail this ending; nothing more.
    Finish(Ending),
    /// Look again after this many seconds.
    LookAgain { delay: u32 },
}

/// The rule of one look (see the module's documentation).
pub fn decide(look: Look, attempt: u32) -> Next {
    match look.state {
        RequestState::Approved => return Next::Finish(Ending::Approved),
        RequestState::Denied => return Next::Finish(Ending::Denied),
        RequestState::Closed => return Next::Finish(Ending::Closed),
        RequestState::Open => {}
    }
    let again = Next::LookAgain {
        delay: delay_seconds(attempt.saturating_add(1)),
    };
    if look.linked {
        if look.aws_replied || look.elapsed >= REPLY_GRACE_SECONDS {
            Next::AppendContext
        } else {
            again
        }
    } else if look.elapsed >= GIVE_UP_AFTER_SECONDS {
        Next::Finish(Ending::GaveUp)
    } else {
        again
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> FollowUp {
        FollowUp {
            kind: FOLLOW_UP_KIND.into(),
            version: FOLLOW_UP_VERSION,
            stack: "Acme-Claude".into(),
            transition: "arn:alarm#ALARM#1".into(),
            request_id: "req-1".into(),
            quota_code: "L-1".into(),
            quota_name: "tokens".into(),
            current: 100,
            desired: 150,
            alarms: vec!["Acme-Claude-Throttles".into()],
            critical: true,
            notify: true,
            context: "context".into(),
            attempt: 0,
            requested_at: 1_000,
        }
    }

    fn look(state: RequestState, linked: bool, aws_replied: bool, elapsed: i64) -> Look {
        Look {
            state,
            linked,
            aws_replied,
            elapsed,
        }
    }

    #[test]
    fn back_off_is_about_1_2_4_8_then_15_minutes_and_never_above_the_sqs_limit() {
        let delays: Vec<u32> = (0..8).map(delay_seconds).collect();
        assert_eq!(delays, [60, 120, 240, 480, 900, 900, 900, 900]);
        assert_eq!(delay_seconds(u32::MAX), MAX_DELAY_SECONDS);
        // Within the two hours the follow-up gives itself, about 11 looks are made.
        let mut spent = 0_i64;
        let mut looks = 0;
        while spent < GIVE_UP_AFTER_SECONDS {
            spent += i64::from(delay_seconds(looks));
            looks += 1;
        }
        assert_eq!(looks, 11);
    }

    #[test]
    fn follow_up_decision_table() {
        use RequestState::{Approved, Closed, Denied, Open};
        let again = |attempt: u32| Next::LookAgain {
            delay: delay_seconds(attempt + 1),
        };
        let finish = Next::Finish;
        let table = [
            // (state, linked, aws replied, elapsed, attempt) → next
            ((Approved, false, false, 10, 0), finish(Ending::Approved)),
            ((Approved, true, true, 10, 0), finish(Ending::Approved)),
            ((Denied, true, false, 10, 3), finish(Ending::Denied)),
            ((Closed, false, false, 10, 3), finish(Ending::Closed)),
            ((Open, true, true, 61, 0), Next::AppendContext),
            ((Open, true, false, 61, 0), again(0)),
            (
                (Open, true, false, REPLY_GRACE_SECONDS, 2),
                Next::AppendContext,
            ),
            ((Open, false, false, 61, 0), again(0)),
            ((Open, false, false, GIVE_UP_AFTER_SECONDS - 1, 9), again(9)),
            (
                (Open, false, false, GIVE_UP_AFTER_SECONDS, 10),
                finish(Ending::GaveUp),
            ),
            // A linked case is never given up on: the context goes once the grace has passed.
            (
                (Open, true, false, GIVE_UP_AFTER_SECONDS, 10),
                Next::AppendContext,
            ),
        ];
        for ((state, linked, replied, elapsed, attempt), expected) in table {
            assert_eq!(
                decide(look(state, linked, replied, elapsed), attempt),
                expected,
                "{state:?} linked={linked} replied={replied} elapsed={elapsed}"
            );
        }
    }

    #[test]
    fn the_message_round_trips_and_each_look_has_its_own_ledger_key() {
        let first = message();
        let parsed = parse(&first.to_json()).unwrap();
        assert_eq!(parsed, first);
        let second = first.next();
        assert_eq!(second.attempt, 1);
        assert_eq!(second.delay_seconds(), 120);
        assert_ne!(first.ledger_key(), second.ledger_key());
        assert_eq!(first.ledger_key(), "follow-up#req-1#0");
    }

    #[test]
    fn carried_follow_ups_round_trip_and_bad_carried_values_are_refused() {
        let two = [
            message(),
            FollowUp {
                request_id: "req-2".into(),
                ..message()
            },
        ];
        assert_eq!(parse_carried(&carried(&two)).unwrap(), two);
        assert!(parse_carried("[]").unwrap_err().contains("0 follow-ups"));
        let four = vec![message(); 4];
        assert!(
            parse_carried(&carried(&four))
                .unwrap_err()
                .contains("4 follow-ups")
        );
        assert!(parse_carried("{}").is_err());
        let mut foreign = message();
        foreign.kind = "other".into();
        assert!(
            parse_carried(&carried(&[foreign]))
                .unwrap_err()
                .contains("kind")
        );
        let huge = "x".repeat(MAX_CARRIED * MAX_MESSAGE_BYTES + 1);
        assert!(parse_carried(&huge).unwrap_err().contains("bytes"));
    }

    #[test]
    fn foreign_unknown_or_oversized_messages_are_refused() {
        assert!(parse("{}").is_err());
        assert!(parse("not json").is_err());
        let mut other = message();
        other.kind = "something-else".into();
        assert!(parse(&other.to_json()).unwrap_err().contains("kind"));
        let mut newer = message();
        newer.version = 2;
        assert!(parse(&newer.to_json()).unwrap_err().contains("version 2"));
        let mut empty = message();
        empty.request_id.clear();
        assert!(parse(&empty.to_json()).is_err());
        let huge = format!("{{\"kind\":\"{}\"}}", "x".repeat(MAX_MESSAGE_BYTES));
        assert!(parse(&huge).unwrap_err().contains("bytes"));
        let mut extra: serde_json::Value = serde_json::from_str(&message().to_json()).unwrap();
        extra["unexpected"] = serde_json::json!(1);
        assert!(parse(&extra.to_string()).is_err());
    }
}
