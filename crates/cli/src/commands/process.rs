//! `process --event FILE`: runs the notification processor Lambda's own handler on an event file (an SNS
//! event, or the bare CloudWatch alarm message), to replay an alarm the Lambda missed. It claims the
//! transition in the ledger, files what the settings allow and publishes the e-mail, exactly like the Lambda;
//! a transition the ledger already holds is reported and left alone.
//!
//! Configuration: the Lambda's environment variables (`CUSTOMER_NAME`, `BEDROCK_MODEL_NAME`,
//! `BEDROCK_MODEL_ID`, `EXTRA_MODEL_IDS`, `REQUESTS_PER_MINUTE_QUOTA_CODE`, `TOKENS_PER_MINUTE_QUOTA_CODE`,
//! `FORMATTED_TOPIC_ARN`, `LEDGER_TABLE_NAME`, `AWS_REGION`), each overridable by its flag. AWS access goes
//! through the standard configuration chain (profile, environment; `AWS_ENDPOINT_URL` points every client at
//! the local emulator).

use std::collections::BTreeMap;
use std::io::{Read, Write};

use aws_config::Region;
use bedrock_ops_aws::AwsClients;
use bedrock_ops_aws::clock::now_epoch;
use notification_processor::config as env;
use notification_processor::{Config, Need, Report, RunMode, sdk_processor};
use serde_json::Value;

use super::CommandResult;

#[derive(clap::Args)]
pub struct Args {
    /// The event: an SNS event or a CloudWatch alarm message, as JSON (`-` reads standard input).
    #[arg(long, value_name = "FILE")]
    event: String,
    /// Print the decision as JSON: class, scenario, severity, actions, email (one object per transition;
    /// an array when the event holds several).
    #[arg(long)]
    json: bool,
    /// Customer name [env: CUSTOMER_NAME].
    #[arg(long, value_name = "C")]
    customer: Option<String>,
    /// Model name [env: BEDROCK_MODEL_NAME].
    #[arg(long, value_name = "M")]
    model: Option<String>,
    /// Monitored model or inference-profile id [env: BEDROCK_MODEL_ID].
    #[arg(long, value_name = "ID")]
    model_id: Option<String>,
    /// Comma list of more ids sharing the quota [env: EXTRA_MODEL_IDS].
    #[arg(long, value_name = "IDS")]
    extra_model_ids: Option<String>,
    /// RPM quota code or NA [env: REQUESTS_PER_MINUTE_QUOTA_CODE].
    #[arg(long, value_name = "L-…|NA")]
    rpm_quota_code: Option<String>,
    /// TPM quota code [env: TOKENS_PER_MINUTE_QUOTA_CODE].
    #[arg(long, value_name = "L-…")]
    tpm_quota_code: Option<String>,
    /// Formatted notification topic [env: FORMATTED_TOPIC_ARN].
    #[arg(long, value_name = "ARN")]
    topic_arn: Option<String>,
    /// Idempotency ledger table [env: LEDGER_TABLE_NAME].
    #[arg(long, value_name = "TABLE")]
    ledger_table: Option<String>,
    /// Region [env: AWS_REGION, else the AWS configuration's].
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
}

impl Args {
    /// Flag values by the environment variable they override.
    fn overrides(&self) -> BTreeMap<&'static str, String> {
        [
            (env::CUSTOMER_NAME, &self.customer),
            (env::BEDROCK_MODEL_NAME, &self.model),
            (env::BEDROCK_MODEL_ID, &self.model_id),
            (env::EXTRA_MODEL_IDS, &self.extra_model_ids),
            (env::REQUESTS_PER_MINUTE_QUOTA_CODE, &self.rpm_quota_code),
            (env::TOKENS_PER_MINUTE_QUOTA_CODE, &self.tpm_quota_code),
            (env::FORMATTED_TOPIC_ARN, &self.topic_arn),
            (env::LEDGER_TABLE_NAME, &self.ledger_table),
            (env::AWS_REGION, &self.region),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.clone().map(|v| (name, v)))
        .collect()
    }
}

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    run_as(args, RunMode::Live, out)
}

/// `process` and `simulate` alike; `mode` says which.
pub fn run_as(args: &Args, mode: RunMode, out: &mut impl Write) -> CommandResult {
    let event = read_event(&args.event)?;
    let overrides = args.overrides();
    let need = match mode {
        RunMode::Live => Need::Everything,
        RunMode::Simulate => Need::StackOnly,
    };
    let config = Config::from_lookup(need, |name| {
        overrides
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let reports = runtime.block_on(async {
        let mut loader = bedrock_ops_aws::clients::loader();
        if !config.stack.region.is_empty() {
            loader = loader.region(Region::new(config.stack.region.clone()));
        }
        let sdk = loader.load().await;
        let region = sdk
            .region()
            .map(ToString::to_string)
            .ok_or("no AWS Region: set AWS_REGION or pass --region")?;
        let processor = sdk_processor(&AwsClients::new(&sdk), config, region);
        processor
            .handle(&event, now_epoch(), mode)
            .await
            .map_err(Into::<Box<dyn std::error::Error>>::into)
    })?;
    if args.json {
        let mut values: Vec<Value> = reports.iter().map(|r| r.to_json(true)).collect();
        let value = if values.len() == 1 {
            values.remove(0)
        } else {
            Value::Array(values)
        };
        serde_json::to_writer_pretty(&mut *out, &value)?;
        writeln!(out)?;
    } else {
        for report in &reports {
            write_text(report, out)?;
        }
    }
    Ok(())
}

pub(super) fn read_event(path: &str) -> Result<Value, String> {
    let text = if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("reading the event from standard input: {e}"))?;
        text
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?
    };
    serde_json::from_str(&text).map_err(|e| format!("{path} is not JSON: {e}"))
}

/// The decision for people: the verdict line, the actions, then the e-mail as it was (or would be) sent.
fn write_text(report: &Report, out: &mut impl Write) -> CommandResult {
    let value = report.to_json(true);
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string())
    };
    match value["result"].as_str() {
        Some("already_handled") => {
            writeln!(
                out,
                "{}: already handled, nothing done",
                text(&value["key"])
            )?;
            return Ok(());
        }
        Some("ignored") => {
            writeln!(
                out,
                "{}: ignored, {}",
                text(&value["key"]),
                text(&value["reason"])
            )?;
            return Ok(());
        }
        _ => {}
    }
    writeln!(
        out,
        "class {}, scenario {}, severity {}",
        text(&value["class"]),
        text(&value["scenario"]),
        text(&value["severity"])
    )?;
    writeln!(out, "actions:")?;
    let actions = value["actions"].as_array().cloned().unwrap_or_default();
    if actions.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for action in &actions {
        let fields: Vec<String> = action
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(key, _)| key.as_str() != "type")
            .map(|(key, v)| format!("{key}={}", text(v)))
            .collect();
        writeln!(out, "  - {}: {}", text(&action["type"]), fields.join(" "))?;
    }
    writeln!(out, "e-mail ({}):", text(&value["email"]["status"]))?;
    writeln!(out, "  Subject: {}", text(&value["email"]["subject"]))?;
    writeln!(out)?;
    writeln!(out, "{}", text(&value["email"]["body"]))?;
    Ok(())
}
