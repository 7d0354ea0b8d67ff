//! `thresholds`: the per-minute alarm thresholds for given quotas, and what the L2 alarms compare
//! them with at the chosen period. With `--live`, the stack's live quotas instead (see
//! [`super::thresholds_live`]).

use std::io::Write;

use bedrock_ops_core::thresholds::{
    AlarmPeriod, NOT_APPLICABLE, Percent, QuotaValue, RpmThreshold, Threshold, l2_metric_math,
};
use serde::Serialize;

use super::CommandResult;

#[derive(clap::Args)]
pub struct Args {
    /// Requests-per-minute quota, or NA when the model has no RPM quota.
    #[arg(long, value_name = "N|NA", value_parser = parse_rpm_quota, required_unless_present = "live", conflicts_with = "live")]
    rpm_quota: Option<RpmQuota>,
    /// Tokens-per-minute quota.
    #[arg(
        long,
        value_name = "N",
        required_unless_present = "live",
        conflicts_with = "live"
    )]
    tpm_quota: Option<QuotaValue>,
    /// RPM threshold percent, 1–100 [default: 80; with --live: the stack's].
    #[arg(long, value_name = "P")]
    rpm_percent: Option<Percent>,
    /// TPM threshold percent, 1–100 [default: 80; with --live: the stack's].
    #[arg(long, value_name = "P")]
    tpm_percent: Option<Percent>,
    /// L2 alarm period in seconds: 60, 300, 900 or 3600.
    #[arg(long, value_name = "S", default_value_t = AlarmPeriod::OneMinute)]
    period: AlarmPeriod,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    live: super::thresholds_live::LiveArgs,
}

/// The RPM quota as given: a value, or none for `NA`.
#[derive(Clone, Copy)]
struct RpmQuota(Option<QuotaValue>);

fn parse_rpm_quota(raw: &str) -> Result<RpmQuota, String> {
    if raw.trim().eq_ignore_ascii_case(NOT_APPLICABLE) {
        Ok(RpmQuota(None))
    } else {
        raw.parse()
            .map(|q| RpmQuota(Some(q)))
            .map_err(|e: bedrock_ops_core::ThresholdError| e.to_string())
    }
}

#[derive(Serialize)]
struct Report {
    rpm_quota: Option<QuotaValue>,
    rpm_percent: Percent,
    rpm_threshold: RpmThreshold,
    tpm_quota: QuotaValue,
    tpm_percent: Percent,
    tpm_threshold: Threshold,
    period_seconds: AlarmPeriod,
    /// Metric math the L2 alarms compare with the thresholds.
    rate_expression: String,
    /// The per-period sums at which the alarms fire (threshold × minutes in the period).
    rpm_threshold_per_period: Option<u64>,
    tpm_threshold_per_period: u64,
}

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    if args.live.live {
        let percents = (args.rpm_percent, args.tpm_percent);
        return super::thresholds_live::run(&args.live, percents, args.json, out);
    }
    args.live.check_offline()?;
    let (Some(RpmQuota(rpm_quota)), Some(tpm_quota)) = (args.rpm_quota, args.tpm_quota) else {
        return Err("--rpm-quota and --tpm-quota are required without --live".into());
    };
    let (rpm_percent, tpm_percent) = (
        args.rpm_percent.unwrap_or_default(),
        args.tpm_percent.unwrap_or_default(),
    );
    let rpm_threshold = RpmThreshold::of(rpm_quota, rpm_percent);
    let tpm_threshold = Threshold::of(tpm_quota, tpm_percent);
    let minutes = u64::from(args.period.minutes());
    let report = Report {
        rpm_quota,
        rpm_percent,
        rpm_threshold,
        tpm_quota,
        tpm_percent,
        tpm_threshold,
        period_seconds: args.period,
        rate_expression: l2_metric_math(1).rate_expression,
        rpm_threshold_per_period: rpm_threshold.threshold().map(|t| t.get() * minutes),
        tpm_threshold_per_period: tpm_threshold.get() * minutes,
    };
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        write_human(&report, out)?;
    }
    Ok(())
}

fn write_human(r: &Report, out: &mut impl Write) -> std::io::Result<()> {
    match (r.rpm_quota, r.rpm_threshold.threshold()) {
        (Some(quota), Some(threshold)) => writeln!(
            out,
            "RPM threshold: {threshold} requests per minute ({}% of quota {quota})",
            r.rpm_percent
        )?,
        _ => writeln!(
            out,
            "RPM threshold: not applicable (the model has no RPM quota)"
        )?,
    }
    writeln!(
        out,
        "TPM threshold: {} tokens per minute ({}% of quota {})",
        r.tpm_threshold, r.tpm_percent, r.tpm_quota
    )?;
    writeln!(
        out,
        "Period: {} s; the L2 alarms compare the per-minute rate `{}` with these thresholds",
        r.period_seconds, r.rate_expression
    )?;
    if r.period_seconds != AlarmPeriod::OneMinute {
        let rpm = r
            .rpm_threshold_per_period
            .map_or_else(|| "no RPM alarm".to_owned(), |n| format!("{n} requests"));
        writeln!(
            out,
            "  i.e. they fire at {rpm} or {} tokens summed over {} s",
            r.tpm_threshold_per_period, r.period_seconds
        )?;
    }
    Ok(())
}
