//! The environment a child process (the `bedrock-ops-alert` binary under test) needs to reach the emulator,
//! and nothing else of the test's own environment.

use std::process::Command;

use super::Emulator;

impl Emulator {
    /// Clears the command's environment and points the AWS configuration chain at the emulator (endpoint,
    /// test credentials, no instance metadata). The Region is left to the command's flags.
    pub fn child_env<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command
            .env_clear()
            .env("AWS_ENDPOINT_URL", self.endpoint_url())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
    }
}
