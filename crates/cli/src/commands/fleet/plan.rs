//! `fleet plan [--file F] [--prune] [--json]`: for each model (and target), what apply would do, read from
//! CloudFormation; nothing is changed.

use std::io::Write;

use ::aws_config::SdkConfig;
use bedrock_ops_aws::AwsClients;
use bedrock_ops_core::fleet::render::plan_table;
use bedrock_ops_core::fleet::{DesiredStack, FleetPlan, ObservedStack, plan};

use super::desired::{Loaded, load};
use super::{FleetArgs, observed};
use crate::cloudformation::sdk::{SdkStackSets, SdkStacks};
use crate::commands::{CommandResult, aws_config};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Show deletions as `apply --prune` would carry them out.
    #[arg(long)]
    pub prune: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Where the fleet's stacks go, for the plan's header.
pub fn target_label(loaded: &Loaded, region: &str) -> String {
    match &loaded.fleet.targets {
        None => region.to_owned(),
        Some(targets) => format!(
            "StackSets (service-managed) from {region}: {} × {}",
            targets.organizational_units.join(", "),
            targets.regions.join(", ")
        ),
    }
}

/// Everything a plan needs, read once: the desired stacks and the plan.
pub struct Planned {
    pub desired: Vec<DesiredStack>,
    pub observed: Vec<ObservedStack>,
    pub plan: FleetPlan,
}

/// Reads the quotas (if codes must be discovered) and CloudFormation, and diffs.
pub async fn compute(
    args: &FleetArgs,
    loaded: &Loaded,
    config: &SdkConfig,
) -> Result<Planned, String> {
    let clients = AwsClients::new(config);
    let desired = loaded.desired(&clients.quotas()).await?;
    let cloudformation = aws_sdk_cloudformation::Client::new(config);
    let observed = match loaded.fleet.targets {
        None => observed::stacks(&SdkStacks::new(cloudformation)).await?,
        Some(_) => {
            let sets = SdkStackSets::new(cloudformation, args.delegated_admin);
            observed::stack_sets(&sets, &loaded.fleet.customer).await?
        }
    };
    let region = config.region().map(ToString::to_string).unwrap_or_default();
    let plan = plan(
        &loaded.fleet.customer,
        &target_label(loaded, &region),
        &desired,
        &observed,
        &loaded.no_echo(),
    );
    Ok(Planned {
        desired,
        observed,
        plan,
    })
}

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    let loaded = load(&args.fleet)?;
    let runtime = aws_config::runtime()?;
    let planned = runtime.block_on(async {
        let config = aws_config::load(loaded.region(&args.fleet)).await?;
        compute(&args.fleet, &loaded, &config).await
    })?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &planned.plan)?;
        writeln!(out)?;
    } else {
        out.write_all(plan_table(&planned.plan, args.prune).as_bytes())?;
    }
    Ok(())
}
