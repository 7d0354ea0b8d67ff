//! Lambda's asynchronous invocation, as AWS runs it for an SNS-triggered function: an attempt that fails is
//! retried twice (three attempts in all, about a minute and then two minutes apart), **whatever the
//! errorType** — `Retryable` and `NonRetryable` alike —, and after the last failure the event goes to the
//! function's on-failure destination as a destination record (`requestContext.condition` =
//! `RetriesExhausted`, the event in `requestPayload`, the error in `responsePayload`). Run against a real
//! bootstrap behind the runtime-API stub ([`crate::runtime_api::Bootstrap`]).
//!
//! The delays are the caller's (a test waits seconds, not minutes), and `between` runs before each retry:
//! where a test changes the world between attempts (a fault that goes away).

use std::time::Duration;

use serde_json::{Value, json};

use crate::runtime_api::{Answer, Bootstrap};

/// Lambda's retries of a failed asynchronous invocation (`MaximumRetryAttempts`, the template's value).
pub const RETRIES: usize = 2;

/// Where an asynchronous invocation ended.
#[derive(Debug, Clone)]
pub enum Ending {
    /// Attempt `attempt` (1-based) answered; its response.
    Succeeded { attempt: usize, response: Value },
    /// Every attempt failed; the destination record of the on-failure destination.
    RetriesExhausted { record: Value },
}

impl Ending {
    /// The error the last attempt reported (`{"errorType", "errorMessage"}`), when every attempt failed.
    pub fn error(&self) -> Option<&Value> {
        match self {
            Ending::RetriesExhausted { record } => record.get("responsePayload"),
            Ending::Succeeded { .. } => None,
        }
    }
}

/// One asynchronous invocation of `payload`: every attempt's answer, and where it ended.
pub struct AsyncInvocation {
    pub answers: Vec<Answer>,
    pub ending: Ending,
}

/// Invokes `payload` asynchronously: the first attempt, then up to [`RETRIES`] retries after `delays`, with
/// `between(attempt)` run before retry `attempt` (2 or 3).
pub fn invoke_async(
    bootstrap: &mut Bootstrap,
    payload: &Value,
    delays: [Duration; RETRIES],
    mut between: impl FnMut(usize),
) -> Result<AsyncInvocation, String> {
    let mut answers = Vec::new();
    for attempt in 1..=RETRIES + 1 {
        if attempt > 1 {
            std::thread::sleep(delays[attempt - 2]);
            between(attempt);
        }
        let answer = bootstrap.call(payload)?;
        answers.push(answer.clone());
        if let Answer::Response(invoked) = answer {
            return Ok(AsyncInvocation {
                answers,
                ending: Ending::Succeeded {
                    attempt,
                    response: invoked.response,
                },
            });
        }
    }
    let error = match answers.last() {
        Some(Answer::Error(error)) => error.clone(),
        _ => Value::Null,
    };
    let record = json!({
        "version": "1.0",
        "requestContext": {
            "functionArn": format!("{}:$LATEST", bootstrap.function_arn()),
            "condition": "RetriesExhausted",
            "approximateInvokeCount": RETRIES + 1,
        },
        "requestPayload": payload,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": error,
    });
    Ok(AsyncInvocation {
        answers,
        ending: Ending::RetriesExhausted { record },
    })
}
