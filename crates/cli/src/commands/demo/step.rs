//! How a demo step fails: one line of text naming the step and its cause, which the command prints as its
//! error after stopping the emulator.

/// A step's result; the error says which step failed and why.
pub type Step<T> = Result<T, String>;

/// A failed write of the narration.
pub fn io(error: std::io::Error) -> String {
    format!("writing the narration: {error}")
}

/// Context for a failed call: `what` failed, and why.
pub fn failed<E: std::error::Error>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |error| format!("{what}: {}", chain(&error))
}

/// The error and its sources: the SDK's own message is only "service error", the cause says what.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
