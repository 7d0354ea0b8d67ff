//! `simulate --event FILE`: the same handler as `process`, in dry-run mode whatever the stack's `mode`
//! setting says: it reads the settings, thresholds, usage, quotas and open cases, decides and renders the
//! e-mail, and files nothing, publishes nothing and leaves the ledger untouched. `FORMATTED_TOPIC_ARN` and
//! `LEDGER_TABLE_NAME` are not needed. Flags and environment as for `process`.
//!
//! For each Service Quotas request the decision would file it also shows the usage-validated context that
//! request's follow-up would append to the case Service Quotas opens (`follow_up_context` in `--json`): the
//! processor's own rendering, with `<request id>` where the filed request's id would be.

use std::io::Write;

use notification_processor::RunMode;

use super::CommandResult;

pub use super::process::Args;

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    super::process::run_as(args, RunMode::Simulate, out)
}
