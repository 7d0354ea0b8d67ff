//! `bedrock-ops-alert`: operator commands over the Bedrock Ops Alert rules. One file per command in
//! `commands/`; every command has `--json` for scripts.

mod cloudformation;
mod commands;
#[cfg(test)]
mod docs_check;
mod inspect;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "bedrock-ops-alert",
    version,
    about = "Bedrock Ops Alert operator tool"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Alarm thresholds from the RPM and TPM quotas.
    Thresholds(commands::thresholds::Args),
    /// Kind, layer, severity and class of alarm names.
    Classify(commands::classify::Args),
    /// Run the notification processor on an alarm event file (files, e-mails and records, like the Lambda).
    Process(commands::process::Args),
    /// Run one look of a quota request's follow-up now (an SQS event or the bare follow-up message).
    FollowUp(commands::follow_up::Args),
    /// Run the notification processor on an alarm event file in dry-run mode (nothing filed or sent).
    Simulate(commands::simulate::Args),
    /// Many models from one file (fleet.toml): init, plan, apply, status through CloudFormation.
    Fleet(commands::fleet::Args),
    /// Whether a deployed stack is watching: each check PASS, WARN or FAIL with the fix (exit 0, 1, 2).
    Doctor(commands::doctor::Args),
    /// Service Quotas look-ups: the quota codes of a model (`quotas discover`).
    Quotas(commands::quotas::Args),
    /// The local demo: one model's stack in the AWS emulator, an alarm end to end, a quota raise.
    #[cfg(feature = "emulator")]
    Demo(commands::demo::Args),
    /// AWS calls, round trips and times per alarm, per run and per build, against their targets.
    #[cfg(feature = "emulator")]
    Bench(commands::bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut stdout = std::io::stdout().lock();
    let result = match cli.command {
        Command::Thresholds(args) => commands::thresholds::run(&args, &mut stdout),
        Command::Classify(args) => commands::classify::run(&args, &mut stdout),
        Command::Process(args) => commands::process::run(&args, &mut stdout),
        Command::FollowUp(args) => commands::follow_up::run(&args, &mut stdout),
        Command::Simulate(args) => commands::simulate::run(&args, &mut stdout),
        Command::Fleet(args) => commands::fleet::run(&args, &mut stdout),
        Command::Quotas(args) => commands::quotas::run(&args, &mut stdout),
        Command::Doctor(args) => match commands::doctor::run(&args, &mut stdout) {
            Ok(code) => {
                return match stdout.flush() {
                    Ok(()) => ExitCode::from(code),
                    Err(err) => {
                        eprintln!("error: {err}");
                        ExitCode::FAILURE
                    }
                };
            }
            // No report at all (no Region, say) is a failure to check, never a warning.
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::from(2);
            }
        },
        #[cfg(feature = "emulator")]
        Command::Demo(args) => commands::demo::run(&args, &mut stdout),
        #[cfg(feature = "emulator")]
        Command::Bench(args) => commands::bench::run(&args, &mut stdout),
    };
    let flushed = stdout.flush();
    match result.and(flushed.map_err(Into::into)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
