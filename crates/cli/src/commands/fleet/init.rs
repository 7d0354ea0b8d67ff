//! `fleet init [--file F] [--force]`: writes the commented example fleet file (it never overwrites one
//! silently).

use std::io::Write;
use std::path::PathBuf;

use bedrock_ops_core::fleet::example::EXAMPLE;

use super::super::CommandResult;

#[derive(clap::Args)]
pub struct Args {
    /// Where to write it.
    #[arg(long, value_name = "F", default_value = "fleet.toml")]
    pub file: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    if args.file.exists() && !args.force {
        return Err(format!(
            "{} exists; pass --force to overwrite it",
            args.file.display()
        )
        .into());
    }
    std::fs::write(&args.file, EXAMPLE)
        .map_err(|e| format!("writing {}: {e}", args.file.display()))?;
    writeln!(
        out,
        "Wrote {}: edit customer, StakeholderEmailList and the models, then run `bedrock-ops-alert fleet plan --file {}`.",
        args.file.display(),
        args.file.display()
    )?;
    Ok(())
}
