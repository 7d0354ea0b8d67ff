//! `process --event FILE`: runs the notification processor Lambda's own handler on an event file (an SNS
//! event, or the bare CloudWatch alarm message), to replay an alarm the Lambda missed. It claims the
//! transition in the ledger, files what the settings allow and publishes the e-mail, exactly like the Lambda;
//! a transition the ledger already holds is reported and left alone. With `--retry-failed` it redoes exactly
//! the failed steps of the recorded transition instead (docs/runbook.md says which outcome needs it).
//!
//! Configuration: the Lambda's environment variables (`CUSTOMER_NAME`, `BEDROCK_MODEL_NAME`,
//! `BEDROCK_MODEL_ID`, `EXTRA_MODEL_IDS`, `REQUESTS_PER_MINUTE_QUOTA_CODE`, `TOKENS_PER_MINUTE_QUOTA_CODE`,
//! `FORMATTED_TOPIC_ARN`, `LEDGER_TABLE_NAME`, `AWS_REGION`), each overridable by its flag. AWS access goes
//! through the standard configuration chain (profile, environment; `AWS_ENDPOINT_URL` points every client at
//! the local emulator).
// Input text passes through here (issue 13): no byte-index slicing, no unwrap outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::string_slice, clippy::indexing_slicing, clippy::unwrap_used)
)]

use std::collections::BTreeMap;
use std::io::{Read, Write};

use aws_config::Region;
use bedrock_ops_aws::AwsClients;
use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_core::text;
use notification_processor::config as env;
use notification_processor::{Config, Need, Report, RunMode, SdkProcessor, sdk_processor};
use serde_json::Value;

use super::CommandResult;

#[derive(clap::Args)]
pub struct Args {
    /// The event: an SNS event or a CloudWatch alarm message, as JSON (`-` reads standard input).
    #[arg(long, value_name = "FILE")]
    event: String,
    /// Print the decision as JSON: class, scenario, severity, actions, email, and for `simulate`
    /// follow_up_context (one object per transition; an array when the event holds several).
    #[arg(long)]
    json: bool,
    /// `process` only: redo exactly the failed steps of the transition the ledger recorded (a quota request,
    /// the Support case or its append, the e-mail), never one that succeeded; says so when nothing failed or
    /// no record exists.
    #[arg(long)]
    retry_failed: bool,
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
    if args.retry_failed && mode == RunMode::Simulate {
        return Err(
            "--retry-failed redoes recorded steps for real: use it with `process`, not `simulate`"
                .into(),
        );
    }
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
        let processor =
            processor_on_aws(config, "no AWS Region: set AWS_REGION or pass --region").await?;
        let reports = if args.retry_failed {
            processor.retry_failed(&event, now_epoch()).await
        } else {
            processor.handle(&event, now_epoch(), mode).await
        };
        reports.map_err(Into::<Box<dyn std::error::Error>>::into)
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

/// The processor with its production wiring, on the AWS configuration of the environment and the stack's
/// Region (else the configuration's); `no_region` is the error when neither names one.
pub(super) async fn processor_on_aws(
    config: Config,
    no_region: &'static str,
) -> Result<SdkProcessor, &'static str> {
    let mut loader = bedrock_ops_aws::clients::loader();
    if !config.stack.region.is_empty() {
        loader = loader.region(Region::new(config.stack.region.clone()));
    }
    let sdk = loader.load().await;
    let region = sdk.region().map(ToString::to_string).ok_or(no_region)?;
    Ok(sdk_processor(&AwsClients::new(&sdk), config, region))
}

pub(super) fn read_event(path: &str) -> Result<Value, String> {
    let bytes = if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("reading the event from standard input: {e}"))?;
        bytes
    } else {
        std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?
    };
    parse_event(path, &bytes)
}

/// The event file's JSON. A leading byte-order mark (editors on Windows write one) is skipped; text that
/// is not UTF-8 or not JSON is named as such, with where it goes wrong and never a copy of the input.
fn parse_event(path: &str, bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "{path} is not UTF-8 text: invalid byte at offset {}; save the event as UTF-8 JSON",
            e.valid_up_to()
        )
    })?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    serde_json::from_str(text)
        .map_err(|e| format!("{path} is not JSON: {}", text::echo(&e.to_string())))
}

/// The decision for people: the verdict line, the actions, then the e-mail as it was (or would be) sent.
// `serde_json::Value[&str]` is `Null` for a missing key, it never panics.
#[allow(clippy::indexing_slicing)]
fn write_text(report: &Report, out: &mut impl Write) -> CommandResult {
    let value = report.to_json(true);
    // Input-derived text is cleaned where it is parsed; this is the last guard before a terminal: no
    // control, bidi or zero-width character of any value is ever written (line breaks of the body stay).
    let text = |v: &Value| {
        let raw = v
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string());
        raw.split('\n')
            .map(|line| text::clean(line).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
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
        Some("no_record") => {
            writeln!(
                out,
                "{}: no record to retry, {}",
                text(&value["key"]),
                text(&value["reason"])
            )?;
            return Ok(());
        }
        Some("nothing_to_retry") => {
            writeln!(
                out,
                "{}: nothing to retry, every step succeeded",
                text(&value["key"])
            )?;
            write_steps(&value, out)?;
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
    if value["result"] == "retried" {
        writeln!(out, "retried: only the failed steps were redone")?;
        write_steps(&value, out)?;
    }
    writeln!(out, "e-mail ({}):", text(&value["email"]["status"]))?;
    writeln!(out, "  Subject: {}", text(&value["email"]["subject"]))?;
    writeln!(out)?;
    writeln!(out, "{}", text(&value["email"]["body"]))?;
    // `simulate`: what each request's follow-up would append to the case Service Quotas opens.
    for context in value["follow_up_context"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "follow-up context for {} (appended to the case Service Quotas opens for the request):",
            text(&context["quota_code"])
        )?;
        writeln!(out)?;
        writeln!(out, "{}", text(&context["body"]))?;
    }
    Ok(())
}

/// The steps of a record, one line each: `step [quota code | category]: status (reason)`.
fn write_steps(value: &Value, out: &mut impl Write) -> CommandResult {
    writeln!(out, "steps:")?;
    for step in value["steps"].as_array().into_iter().flatten() {
        let target = ["quota_code", "category"]
            .iter()
            .find_map(|field| step[field].as_str())
            .map(|target| format!(" {target}"))
            .unwrap_or_default();
        let reason = step["reason"]
            .as_str()
            .map(|reason| format!(" ({reason})"))
            .unwrap_or_default();
        writeln!(
            out,
            "  - {}{target}: {}{reason}",
            step["step"].as_str().unwrap_or_default(),
            step["status"].as_str().unwrap_or_default()
        )?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_byte_order_mark_is_skipped() {
        let value = parse_event("e.json", "\u{FEFF}{\"AlarmName\": \"x\"}".as_bytes()).unwrap();
        assert_eq!(value["AlarmName"], "x");
    }

    #[test]
    fn invalid_utf8_and_invalid_json_are_named_without_echoing_the_input() {
        let err = parse_event("e.json", b"{\"AlarmName\": \"\xff\xfe\"}").unwrap_err();
        assert_eq!(
            err,
            "e.json is not UTF-8 text: invalid byte at offset 15; save the event as UTF-8 JSON"
        );
        let err =
            parse_event("e.json", format!("[{}", "1,".repeat(100_000)).as_bytes()).unwrap_err();
        assert!(err.starts_with("e.json is not JSON: "), "{err}");
        assert!(err.len() < 400, "{err}");
    }

    #[test]
    fn text_output_writes_no_control_character() {
        let report = Report::Ignored {
            key: "k".into(),
            reason: "state \u{1b}[2J\u{202e}X is not acted on".into(),
        };
        let mut out = Vec::new();
        write_text(&report, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out, "k: ignored, state [2JX is not acted on\n");
    }
}
