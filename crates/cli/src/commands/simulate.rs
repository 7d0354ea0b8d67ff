//! `simulate --event FILE`: the same handler as `process`, in dry-run mode whatever the stack's `mode`
//! setting says: it reads the settings, thresholds, usage, quotas and open cases, decides and renders the
//! e-mail, and files nothing, publishes nothing and leaves the ledger untouched. `FORMATTED_TOPIC_ARN` and
//! `LEDGER_TABLE_NAME` are not needed. Flags and environment as for `process`.

use std::io::Write;

use notification_processor::RunMode;

use super::CommandResult;

pub use super::process::Args;

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    super::process::run_as(args, RunMode::Simulate, out)
}
