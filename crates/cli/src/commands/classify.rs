//! `classify`: kind, layer, severity and class of each alarm name, and the combined decision.

use std::io::Write;

use bedrock_ops_core::alarms::{AlarmClass, AlarmKind, AlarmName, Classification, Layer, Severity};
use bedrock_ops_core::dedup::CaseCategory;
use serde::Serialize;

use super::CommandResult;

#[derive(clap::Args)]
pub struct Args {
    /// Alarm names such as Acme-Bedrock-Throttles-Critical-G-Opus-4-6.
    #[arg(value_name = "ALARM_NAME", required = true)]
    names: Vec<String>,
    /// Print JSON: an array with one object per alarm.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Row<'a> {
    alarm: &'a str,
    customer: &'a str,
    model: &'a str,
    kind: AlarmKind,
    layer: Layer,
    severity: Severity,
    class: AlarmClass,
    metric: &'static str,
}

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    let mut parsed = Vec::with_capacity(args.names.len());
    let mut errors = Vec::new();
    for name in &args.names {
        match AlarmName::parse(name) {
            Ok(alarm) => parsed.push((name.as_str(), alarm)),
            Err(err) => errors.push(err.to_string()),
        }
    }
    // Every unknown name is reported, and nothing is printed, so a script never gets half a list.
    if !errors.is_empty() {
        return Err(errors.join("\nerror: ").into());
    }
    let rows: Vec<Row<'_>> = parsed
        .iter()
        .map(|(name, alarm)| Row {
            alarm: name,
            customer: &alarm.customer,
            model: &alarm.model,
            kind: alarm.kind,
            layer: alarm.layer(),
            severity: alarm.severity(),
            class: alarm.class(),
            metric: alarm.kind.metric_name(),
        })
        .collect();
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    for row in &rows {
        writeln!(out, "{}", row.alarm)?;
        writeln!(
            out,
            "  {} ({}, metric {}), severity {}, class {}  [customer {}, model {}]",
            row.kind, row.layer, row.metric, row.severity, row.class, row.customer, row.model
        )?;
    }
    if let Some(combined) = Classification::of(rows.iter().map(|r| r.kind)) {
        writeln!(
            out,
            "Together: class {}, severity {} -> {}",
            combined.class,
            combined.severity,
            CaseCategory::for_class(combined.class)
        )?;
    }
    Ok(())
}
