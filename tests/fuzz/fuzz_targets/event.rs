//! Fuzz target: any bytes as the processor's event. The parsing must never panic, and every error it
//! returns must stay bounded (no copy of the input) and free of hidden characters.
//!
//! The event parser is compiled from its own source file (`crates/notification-processor/src/event.rs`
//! depends on the core crate, serde and thiserror only), so the target builds without the AWS SDK.
#![no_main]

use bedrock_ops_core::text;
use libfuzzer_sys::fuzz_target;

#[path = "../../../crates/notification-processor/src/event.rs"]
#[allow(dead_code)]
mod event;

/// The longest error message accepted: a few echoed fields of at most 200 characters each.
const MAX_ERROR_BYTES: usize = 4_096;

fn check(error: &event::EventError) {
    let message = error.to_string();
    assert!(message.len() <= MAX_ERROR_BYTES, "{} bytes", message.len());
    assert!(!message.chars().any(text::is_hidden), "{message:?}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let _ = event::parse_timestamp(input);
    let _ = event::parse_alarm_arn(input);
    // The message of one SNS record, as it arrives.
    if let Err(error) = event::transition(0, input, "Acme", "Opus-4-6") {
        check(&error);
    }
    // The whole event.
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(input) {
        match event::messages(&value) {
            Ok(messages) => {
                for (index, message) in messages.iter().enumerate() {
                    match event::transition(index, message, "Acme", "Opus-4-6") {
                        Ok(t) => assert!(t.key.len() <= 1_024, "key of {} bytes", t.key.len()),
                        Err(error) => check(&error),
                    }
                }
            }
            Err(error) => check(&error),
        }
    }
    let echoed = text::echo(input);
    assert!(echoed.chars().count() <= text::ECHO_CHARS + 30);
});
