//! `thresholds --live --customer C --model M`: the stack's live quotas and what the alarm updater would set,
//! next to what is stored and what the alarms hold. Reads only; nothing is written.
//!
//! The quota codes and percents are the ones the quota calculator stored under the stack's thresholds path
//! (`thresholds/rpm-quota-code`, …), unless given as flags. The decision is the updater's own
//! ([`alarm_updater::Assessment`]), so this view cannot disagree with the next scheduled run.
//!
//! AWS access goes through the standard configuration chain (profile, environment, `AWS_REGION`;
//! `AWS_ENDPOINT_URL` points it at the local emulator).

use std::io::Write;

use alarm_updater::{Assessment, UpdaterError, alarm_names};
use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_aws::live_thresholds::{read_live, read_stored};
use bedrock_ops_aws::{AlarmAdmin, AwsClients, clients::load_config};
use bedrock_ops_core::live_thresholds::{LiveQuota, QuotaConfig, Stored};
use bedrock_ops_core::messages::Limit;
use bedrock_ops_core::messages::format::thousands;
use bedrock_ops_core::messages::quota_change::SideChange;
use bedrock_ops_core::settings::{keys, thresholds_path};
use bedrock_ops_core::thresholds::{
    Percent, QuotaCode, QuotaSource, RpmQuotaCode, TokenQuotaCodes,
};
use serde_json::{Value, json};

use super::CommandResult;

#[derive(clap::Args)]
pub struct LiveArgs {
    /// Read the stack's live quotas and show what the alarm updater would set (writes nothing).
    #[arg(long)]
    pub live: bool,
    /// Customer name of the stack (with --live).
    #[arg(
        long,
        value_name = "C",
        requires = "live",
        required_if_eq("live", "true")
    )]
    pub customer: Option<String>,
    /// Model name of the stack (with --live).
    #[arg(
        long,
        value_name = "M",
        requires = "live",
        required_if_eq("live", "true")
    )]
    pub model: Option<String>,
    /// RPM quota code, or NA [default: the one the stack stored].
    #[arg(long, value_name = "L-…|NA", value_parser = RpmQuotaCode::parse)]
    pub rpm_quota_code: Option<RpmQuotaCode>,
    /// TPM quota code [default: the one the stack stored].
    #[arg(long, value_name = "L-…", value_parser = QuotaCode::tpm)]
    pub tpm_quota_code: Option<QuotaCode>,
}

impl LiveArgs {
    /// Refuses the live-only flags without `--live` (clap's `requires` counts the flag's default as given).
    pub fn check_offline(&self) -> Result<(), String> {
        let given = [
            ("--customer", self.customer.is_some()),
            ("--model", self.model.is_some()),
            ("--rpm-quota-code", self.rpm_quota_code.is_some()),
            ("--tpm-quota-code", self.tpm_quota_code.is_some()),
        ];
        match given.iter().find(|(_, present)| *present) {
            Some((flag, _)) => Err(format!("{flag} is used with --live only")),
            None => Ok(()),
        }
    }
}

fn missing(what: &str, flag: &str, customer: &str, model: &str) -> String {
    format!(
        "no {what} is stored under {} (has the stack's quota calculator run?); pass {flag}",
        thresholds_path(customer, model)
    )
}

/// The stack's configuration: flags first, then what the calculator stored.
fn quota_config(
    args: &LiveArgs,
    (rpm_percent, tpm_percent): (Option<Percent>, Option<Percent>),
    stored: &Stored,
    customer: &str,
    model: &str,
) -> Result<QuotaConfig, String> {
    let parts = stored.quota_config_parts().map_err(|e| e.to_string())?;
    let stored_tokens = parts.tokens();
    Ok(QuotaConfig {
        rpm_code: args
            .rpm_quota_code
            .clone()
            .or(parts.rpm_code)
            .ok_or_else(|| missing("RPM quota code", "--rpm-quota-code", customer, model))?,
        // The flag, else the stored combined code or a split model's stored input and output codes.
        tokens: args
            .tpm_quota_code
            .clone()
            .map(TokenQuotaCodes::Combined)
            .or(stored_tokens)
            .ok_or_else(|| missing("TPM quota code", "--tpm-quota-code", customer, model))?,
        rpm_percent: rpm_percent
            .or(parts.rpm_percent)
            .ok_or_else(|| missing("RPM percent", "--rpm-percent", customer, model))?,
        tpm_percent: tpm_percent
            .or(parts.tpm_percent)
            .ok_or_else(|| missing("TPM percent", "--tpm-percent", customer, model))?,
    })
}

fn limit(value: Limit) -> Value {
    match value {
        Limit::Known(v) => json!(v),
        Limit::NotApplicable => json!("NA"),
        Limit::Unknown => Value::Null,
    }
}

fn source(quota: Option<&LiveQuota>) -> Value {
    match quota.map(|q| q.source) {
        Some(QuotaSource::Applied) => json!("applied"),
        Some(QuotaSource::AwsDefault) => json!("aws_default"),
        None => Value::Null,
    }
}

fn side(
    code: String,
    percent: Percent,
    quota: Option<&LiveQuota>,
    change: &SideChange,
    report: &alarm_updater::SideReport,
) -> Value {
    json!({
        "quota_code": code,
        "percent": percent.get(),
        "quota_source": source(quota),
        "stored_quota": limit(change.old_quota),
        "live_quota": limit(change.new_quota),
        "stored_threshold": limit(change.old_threshold),
        "new_threshold": limit(change.new_threshold),
        "alarm": report.alarm,
        "alarm_threshold": report.alarm_threshold,
        "alarm_would_change": report.alarm_updated,
    })
}

fn view(customer: &str, model: &str, assessment: &Assessment) -> Value {
    let report = assessment.report(Vec::new(), None);
    let live = &assessment.live;
    let stored_change = assessment
        .stored
        .get(keys::LAST_CHANGE)
        .map(|text| serde_json::from_str(text).unwrap_or_else(|_| json!(text)));
    let tpm = live.combined();
    let mut view = json!({
        "customer": customer,
        "model": model,
        "changed": report.changed,
        "rpm": side(
            live.config.rpm_code.to_string(),
            live.config.rpm_percent,
            live.rpm.as_ref(),
            &assessment.change.rpm,
            &report.rpm,
        ),
        "tpm": side(
            live.config.tokens.tpm_parameter().to_owned(),
            live.config.tpm_percent,
            tpm.map(|t| &t.quota),
            &assessment.change.tpm,
            &report.tpm,
        ),
        "last_updated": assessment.stored.get(keys::LAST_UPDATED),
        "last_change": stored_change,
        "written": false,
    });
    // A split model's input and output token quotas, next to its `NA` combined one.
    if let (
        Some((input, output)),
        Some(split),
        Some(input_report),
        Some(output_report),
        Some(fields),
    ) = (
        live.split(),
        &assessment.change.split,
        &report.input_tpm,
        &report.output_tpm,
        view.as_object_mut(),
    ) {
        for (key, live_side, change, report) in [
            ("input_tpm", input, &split.input, input_report),
            ("output_tpm", output, &split.output, output_report),
        ] {
            fields.insert(
                key.to_owned(),
                side(
                    live_side.quota.code.to_string(),
                    live.config.tpm_percent,
                    Some(&live_side.quota),
                    change,
                    report,
                ),
            );
        }
    }
    view
}

fn human_side(name: &str, side: &Value) -> String {
    let show = |v: &Value| match v {
        Value::Null => "unknown".to_owned(),
        Value::String(s) => s.clone(),
        // Quotas and thresholds are whole numbers, the alarm's too (CloudWatch stores it as a double).
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0)
            .map_or_else(|| n.to_string(), |f| thousands(f as u64)),
        other => other.to_string(),
    };
    let code = show(&side["quota_code"]);
    if code == "NA" {
        return format!("{name}: not applicable (the model has no {name} quota)");
    }
    let alarm = match (
        &side["alarm_threshold"],
        side["alarm_would_change"].as_bool(),
    ) {
        (Value::Null, _) => "alarm missing".to_owned(),
        (held, Some(true)) => format!(
            "alarm holds {}, would be set to {}",
            show(held),
            show(&side["new_threshold"])
        ),
        (held, _) => format!("alarm holds {}", show(held)),
    };
    format!(
        "{name} {code} at {} %: quota stored {}, live {} ({}); threshold stored {}, live {}; {alarm}",
        show(&side["percent"]),
        show(&side["stored_quota"]),
        show(&side["live_quota"]),
        show(&side["quota_source"]).replace('_', " "),
        show(&side["stored_threshold"]),
        show(&side["new_threshold"]),
    )
}

fn write_human(view: &Value, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{} / {}: live quotas (read only, nothing written)",
        view["customer"].as_str().unwrap_or_default(),
        view["model"].as_str().unwrap_or_default()
    )?;
    writeln!(out, "{}", human_side("RPM", &view["rpm"]))?;
    writeln!(out, "{}", human_side("TPM", &view["tpm"]))?;
    for (name, key) in [("Input TPM", "input_tpm"), ("Output TPM", "output_tpm")] {
        if let Some(side) = view.get(key) {
            writeln!(out, "{}", human_side(name, side))?;
        }
    }
    if view["changed"].as_bool() == Some(true) {
        writeln!(
            out,
            "The alarm updater would change the thresholds on its next run."
        )
    } else {
        writeln!(out, "The alarm updater would change nothing.")
    }
}

async fn assess(
    args: &LiveArgs,
    percents: (Option<Percent>, Option<Percent>),
    customer: &str,
    model: &str,
) -> Result<Assessment, Box<dyn std::error::Error>> {
    let clients = AwsClients::new(&load_config().await);
    let (quotas, alarms, parameters) = (clients.quotas(), clients.alarms(), clients.parameters());
    let stored = read_stored(&parameters, customer, model).await?;
    let config = quota_config(args, percents, &stored, customer, model)?;
    let names = alarm_names(customer, model, &config.tokens);
    let (live, described) = tokio::join!(read_live(&quotas, &config), alarms.describe(&names));
    let live = live.map_err(UpdaterError::Quota)?;
    Ok(Assessment::from_reads(
        customer,
        model,
        live,
        stored,
        described?,
        now_epoch(),
    )?)
}

pub fn run(
    args: &LiveArgs,
    percents: (Option<Percent>, Option<Percent>),
    json: bool,
    out: &mut impl Write,
) -> CommandResult {
    let (Some(customer), Some(model)) = (args.customer.as_deref(), args.model.as_deref()) else {
        return Err("--live needs --customer and --model".into());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let assessment = runtime.block_on(assess(args, percents, customer, model))?;
    let view = view(customer, model, &assessment);
    if json {
        serde_json::to_writer_pretty(&mut *out, &view)?;
        writeln!(out)?;
    } else {
        write_human(&view, out)?;
    }
    Ok(())
}
