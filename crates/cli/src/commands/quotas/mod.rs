//! `quotas`: Service Quotas look-ups for deploying a model.

pub mod discover;

use std::io::Write;

use super::CommandResult;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// The RPM and TPM quota codes (names, values, adjustability) of a model or inference-profile id.
    Discover(discover::Args),
}

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    match &args.command {
        Command::Discover(args) => discover::run(args, out),
    }
}
