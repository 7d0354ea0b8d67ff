//! `fleet`: many models from one file (`fleet.toml`), through CloudFormation.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | the subcommands and the options they share |
//! | [`init`] | writes the commented example |
//! | [`desired`] | the file, the template source and the discovered quota codes → the desired stacks |
//! | [`observed`] | what CloudFormation holds → the observed stacks |
//! | [`plan`] | `fleet plan`: the diff, as a table or JSON |
//! | [`apply`] | `fleet apply`: change sets (stacks) or StackSet operations, progress, events on failure |
//! | [`wait`] | bounded back-off while CloudFormation works |
//! | [`status`] | `fleet status`: one line per stack from CloudFormation, Parameter Store, CloudWatch, Service Quotas, Support |

pub mod apply;
pub mod desired;
pub mod init;
pub mod observed;
pub mod plan;
pub mod status;
pub mod wait;

use std::io::Write;
use std::path::PathBuf;

use super::CommandResult;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Write a commented example fleet file.
    Init(init::Args),
    /// What apply would change, read from CloudFormation (nothing is changed).
    Plan(plan::Args),
    /// Carry the plan out through CloudFormation change sets (StackSets with [targets]).
    Apply(apply::Args),
    /// One line per stack: status, thresholds and quotas, alarms in ALARM, open requests and cases.
    Status(status::Args),
}

/// Options every fleet command that reads AWS shares.
#[derive(clap::Args, Clone)]
pub struct FleetArgs {
    /// The fleet file.
    #[arg(long, value_name = "F", default_value = "fleet.toml")]
    pub file: PathBuf,
    /// Region of the stacks [default: the file's `region`, else the AWS configuration's]. With [targets], the
    /// Region the StackSets are administered from.
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// A packaged template in S3 (what `sam package` writes, uploaded): what apply deploys.
    #[arg(long, value_name = "URL", conflicts_with = "template_file")]
    pub template_url: Option<String>,
    /// A local template (at most 51,200 bytes, CloudFormation's limit for an inline template), sent as the body.
    #[arg(long, value_name = "PATH")]
    pub template_file: Option<PathBuf>,
    /// With [targets]: act as a delegated administrator of StackSets (CallAs DELEGATED_ADMIN) instead of the
    /// management account.
    #[arg(long)]
    pub delegated_admin: bool,
}

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    match &args.command {
        Command::Init(args) => init::run(args, out),
        Command::Plan(args) => plan::run(args, out),
        Command::Apply(args) => apply::run(args, out),
        Command::Status(args) => status::run(args, out),
    }
}
