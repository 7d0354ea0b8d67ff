//! `follow-up --event FILE`: runs one look of a quota request's follow-up now, with the Lambda's own code (an
//! SQS event of the follow-up queue, or the bare follow-up message, e.g. one taken from the dead-letter
//! queue). Like the Lambda it claims the look in the ledger, appends the context to the linked case when the
//! rules say so, schedules the next look or sends the follow-up e-mail; a look the ledger already holds is
//! reported and left alone.
//!
//! Configuration: the Lambda's environment variables (`CUSTOMER_NAME`, `BEDROCK_MODEL_NAME`,
//! `BEDROCK_MODEL_ID`, `REQUESTS_PER_MINUTE_QUOTA_CODE`, `TOKENS_PER_MINUTE_QUOTA_CODE`,
//! `FORMATTED_TOPIC_ARN`, `LEDGER_TABLE_NAME`, `FOLLOW_UP_QUEUE_URL`, `AWS_REGION`) and the standard AWS
//! configuration chain.

use std::io::Write;

use bedrock_ops_aws::clock::now_epoch;
use notification_processor::{Config, Need};

use super::CommandResult;
use super::process::{processor_on_aws, read_event};

/// How long the CLI's claim of a look lasts (a look takes seconds).
const LEASE_SECONDS: i64 = 60;

#[derive(clap::Args)]
pub struct Args {
    /// The follow-up: an SQS event or the bare follow-up message, as JSON (`-` reads standard input).
    #[arg(long, value_name = "FILE")]
    event: String,
    /// Print each look's report as JSON (request id, attempt, result, status, case, next look, e-mail).
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    let event = read_event(&args.event)?;
    let config = Config::from_env(Need::Everything)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (reports, failed) = runtime.block_on(async {
        let processor = processor_on_aws(config, "no AWS Region: set AWS_REGION").await?;
        let now = now_epoch();
        processor
            .follow_ups(&event, now, now + LEASE_SECONDS)
            .await
            .map_err(Into::<Box<dyn std::error::Error>>::into)
    })?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &reports)?;
        writeln!(out)?;
    } else {
        for report in &reports {
            let mut line = format!(
                "request {} (look {}): {}",
                report.request_id,
                report.attempt,
                serde_json::to_value(report.result)?
                    .as_str()
                    .unwrap_or_default()
            );
            if let Some(case) = &report.case {
                line.push_str(&format!(", case {case}"));
            }
            if let Some(next) = report.next_look_in_seconds {
                line.push_str(&format!(", next look in {next} s"));
            }
            line.push_str(&format!(", e-mail {}", report.email));
            writeln!(out, "{line}")?;
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} follow-up(s) failed: {}",
            failed.len(),
            failed.join(", ")
        )
        .into())
    }
}
