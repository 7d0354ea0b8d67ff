//! Why the emulator could not be started or did not answer as expected.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("no workspace root with tests/emulator/launcher.py above {0}")]
    NoWorkspace(PathBuf),
    #[error("tests/emulator/setup.sh failed: {0}")]
    Setup(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the emulator did not publish its port within {0:?}; its log ends with:\n{1}")]
    NotReady(Duration, String),
    #[error("the emulator exited during start-up ({0}); its log ends with:\n{1}")]
    Exited(String, String),
    #[error("the emulator answered {status} to {method} {path}: {body}")]
    Http {
        method: String,
        path: String,
        status: u16,
        body: String,
    },
    #[error("unexpected answer to {path}: {source}")]
    Decode {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("the shared emulator failed to start: {0}")]
    Shared(String),
}

pub(super) fn io_error(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> EmulatorError {
    let what = what.into();
    move |source| EmulatorError::Io { what, source }
}
