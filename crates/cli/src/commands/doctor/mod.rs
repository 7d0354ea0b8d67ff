//! `doctor --stack NAME [--json]`: reads a deployed stack and says, check by check, whether it is actually
//! watching — PASS, WARN or FAIL with the fix. Reads only; changes nothing.
//!
//! DescribeStacks, then every other read at once (ListSubscriptionsByTopic, DescribeAlarms, GetMetricData,
//! ListMetrics, GetParametersByPath, DescribeTable with DescribeTimeToLive, DescribeSeverityLevels,
//! iam:GetRole, GetServiceQuota for each quota code): 13 calls in 3 sequential round trips for a deployed
//! stack, the third being GetParametersByPath's second page (17 keys, 10 a page). The verdicts are the
//! core's (`bedrock_ops_core::doctor`). Exit code 0 when every check passed, 1 when one warned and none
//! failed, 2 when one failed.

mod examine;
mod stack;
#[cfg(test)]
mod tests;

use std::io::Write;

use bedrock_ops_aws::AwsClients;
use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_core::doctor::checks::{self, ids};
use bedrock_ops_core::doctor::{Check, Report, render};

use self::examine::{Sources, unreadable};
use self::stack::DeployedStack;
use crate::cloudformation::sdk::SdkStacks;
use crate::cloudformation::{StackDescription, Stacks};
use crate::commands::aws_config;
use crate::inspect::sdk::SdkInspector;

#[derive(clap::Args)]
pub struct Args {
    /// The stack's name (or id).
    #[arg(long, value_name = "NAME")]
    pub stack: String,
    /// The stack's Region [default: the configuration's, AWS_REGION].
    #[arg(long)]
    pub region: Option<String>,
    /// Print JSON: {"stack", "checks": [{"id", "status", "detail", "fix"}], "summary"}.
    #[arg(long)]
    pub json: bool,
}

/// The report of a stack as DescribeStacks answered (`None`: no such stack).
pub async fn report<S: Stacks>(
    stacks: &S,
    name: &str,
    examine: impl AsyncFnOnce(&DeployedStack) -> Vec<Check>,
) -> Report {
    let described: Result<Option<StackDescription>, _> = stacks.describe(name).await;
    let fail =
        |detail: String, fix: &str| Report::new(name, vec![Check::fail(ids::STACK, detail, fix)]);
    let description = match described {
        Ok(Some(description)) => description,
        Ok(None) => {
            return fail(
                format!("no stack {name} in this account and Region"),
                "check --stack and --region (or AWS_REGION)",
            );
        }
        Err(e) => {
            let failure = unreadable(&e);
            return fail(
                format!(
                    "could not read the stack: {} failed: {}",
                    failure.call, failure.message
                ),
                "allow cloudformation:DescribeStacks to the operator running doctor, then run it again",
            );
        }
    };
    let stack = match DeployedStack::from_description(&description) {
        Ok(stack) => stack,
        Err(reason) => return fail(reason, "deploy the stack from template.yaml"),
    };
    let mut all = vec![checks::stack(&stack.names, &stack.status)];
    all.extend(examine(&stack).await);
    Report::new(description.name, all)
}

/// Runs the checks and prints the report; returns the exit code (0, 1 or 2).
pub fn run(args: &Args, out: &mut impl Write) -> Result<u8, Box<dyn std::error::Error>> {
    let runtime = aws_config::runtime()?;
    let report = runtime.block_on(async {
        let config = aws_config::load(args.region.as_deref()).await?;
        let stacks = SdkStacks::new(aws_sdk_cloudformation::Client::new(&config));
        let clients = AwsClients::new(&config);
        let inspector = SdkInspector {
            clients: clients.clone(),
            iam: aws_sdk_iam::Client::new(&config),
        };
        let (alarms, parameters, quotas) =
            (clients.alarms(), clients.parameters(), clients.quotas());
        let sources = Sources {
            inspector: &inspector,
            alarms: &alarms,
            parameters: &parameters,
            quotas: &quotas,
            now: now_epoch(),
        };
        Ok::<_, String>(
            report(&stacks, &args.stack, async |stack| {
                sources.checks(stack).await
            })
            .await,
        )
    })?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        out.write_all(render::table(&report).as_bytes())?;
    }
    Ok(report.summary.exit_code)
}
