//! `quotas discover --model-id ID [--region R] [--json]`: the quota codes to deploy a model with, found in
//! the Region's Bedrock quotas (ListServiceQuotas, completed with the AWS defaults) by the core's matching
//! rules ([`bedrock_ops_core::quota_discovery`]). Reads only.
//!
//! Exit status 0 when both template parameters are settled (RPM may be `NA`), 1 when the TPM quota is
//! missing or a kind is ambiguous: the listing is printed first either way.

use std::io::Write;

use bedrock_ops_aws::quotas::QuotaInfo;
use bedrock_ops_aws::{AwsClients, QuotaService};
use bedrock_ops_core::messages::format::thousands;
use bedrock_ops_core::quota_discovery::{Discovery, KindMatch, ModelRef, QuotaListing, discover};
use bedrock_ops_core::thresholds::SERVICE_CODE;
use serde_json::json;

use super::super::{CommandResult, aws_config};

#[derive(clap::Args)]
pub struct Args {
    /// Model id, cross-Region or global inference-profile id (e.g. global.anthropic.claude-opus-4-6-v1), or the
    /// ARN of either; an application inference profile is recognised and explained.
    #[arg(long, value_name = "ID")]
    pub model_id: String,
    /// AWS Region whose quotas are read [default: the AWS configuration's Region].
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The Region's Bedrock quotas as listings.
pub async fn list_quotas(quotas: &impl QuotaService) -> Result<Vec<QuotaListing>, String> {
    let listed = quotas.list(SERVICE_CODE).await.map_err(|e| e.to_string())?;
    Ok(listed.into_iter().map(listing).collect())
}

fn listing(quota: QuotaInfo) -> QuotaListing {
    QuotaListing {
        code: quota.code,
        name: quota.name,
        value: quota.value,
        adjustable: quota.adjustable,
    }
}

fn value(quota: &QuotaListing) -> String {
    if quota.value >= 0.0 && quota.value.fract() == 0.0 {
        thousands(quota.value as u64)
    } else {
        quota.value.to_string()
    }
}

fn quota_line(quota: &QuotaListing) -> String {
    format!(
        "{}  {}  {}  {}",
        quota.code,
        value(quota),
        if quota.adjustable {
            "adjustable"
        } else {
            "not adjustable"
        },
        quota.name
    )
}

fn write_kind(
    out: &mut impl Write,
    label: &str,
    found: &KindMatch,
    none: &str,
) -> std::io::Result<()> {
    match found {
        KindMatch::Found { quota } => writeln!(out, "{label}  {}", quota_line(quota)),
        KindMatch::None => writeln!(out, "{label}  {none}"),
        KindMatch::Ambiguous { candidates } => {
            writeln!(
                out,
                "{label}  ambiguous: {} quotas match, pick one:",
                candidates.len()
            )?;
            for quota in candidates {
                writeln!(out, "       {}", quota_line(quota))?;
            }
            Ok(())
        }
    }
}

fn write_human(out: &mut impl Write, region: &str, found: &Discovery) -> std::io::Result<()> {
    writeln!(
        out,
        "{} ({}) in {region}: {} bedrock quotas searched",
        found.model_id, found.mode, found.searched
    )?;
    write_kind(
        out,
        "RPM",
        &found.rpm,
        "none: the model has no requests-per-minute quota of this mode (RequestsPerMinuteQuotaCode=NA)",
    )?;
    let split = matches!(found.tpm, KindMatch::None)
        && !matches!(found.input_tpm, KindMatch::None)
        && !matches!(found.output_tpm, KindMatch::None);
    if split {
        writeln!(
            out,
            "TPM  none combined: the model's token limit is split in an input and an output quota"
        )?;
        write_kind(out, "TPM in ", &found.input_tpm, "none")?;
        write_kind(out, "TPM out", &found.output_tpm, "none")?;
    } else {
        write_kind(
            out,
            "TPM",
            &found.tpm,
            "none: no tokens-per-minute quota of this model and mode (check the model id)",
        )?;
    }
    if let Ok((rpm, tokens)) = found.token_codes() {
        match tokens.split() {
            Some((input, output)) => writeln!(
                out,
                "For sam deploy: RequestsPerMinuteQuotaCode={rpm} TokensPerMinuteQuotaCode=NA \
                 InputTokensPerMinuteQuotaCode={input} OutputTokensPerMinuteQuotaCode={output}"
            )?,
            None => writeln!(
                out,
                "For sam deploy: RequestsPerMinuteQuotaCode={rpm} TokensPerMinuteQuotaCode={}",
                tokens.tpm_parameter()
            )?,
        }
    }
    Ok(())
}

/// An application inference profile's quotas are those of what it wraps, which only Bedrock knows.
fn application_profile(profile: &str) -> String {
    format!(
        "{profile} is an application inference profile: its quotas are those of the model or system inference \
         profile it wraps. Find that id with `aws bedrock get-inference-profile --inference-profile-identifier \
         {profile}` (under models), run `quotas discover --model-id <that id>`, and deploy with the codes it \
         prints (list the profile in ExtraModelIds so its traffic is counted)."
    )
}

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    // Refused before any call: an application profile's name does not tell its quotas.
    let model_id = match ModelRef::parse(&args.model_id) {
        ModelRef::Id(id) => id,
        ModelRef::ApplicationProfile(profile) => return Err(application_profile(&profile).into()),
    };
    let runtime = aws_config::runtime()?;
    let (region, listings) = runtime.block_on(async {
        let config = aws_config::load(args.region.as_deref()).await?;
        let region = config.region().map(ToString::to_string).unwrap_or_default();
        let listings = list_quotas(&AwsClients::new(&config).quotas()).await?;
        Ok::<_, String>((region, listings))
    })?;
    let found = discover(&listings, &model_id);
    let codes = found.token_codes();
    if args.json {
        let parameters = codes.as_ref().ok().map(|(rpm, tokens)| {
            let mut parameters = json!({
                "RequestsPerMinuteQuotaCode": rpm.to_string(),
                "TokensPerMinuteQuotaCode": tokens.tpm_parameter(),
            });
            if let Some((input, output)) = tokens.split() {
                parameters["InputTokensPerMinuteQuotaCode"] = json!(input.as_str());
                parameters["OutputTokensPerMinuteQuotaCode"] = json!(output.as_str());
            }
            parameters
        });
        let mut view = serde_json::to_value(&found)?;
        view["region"] = json!(region);
        view["parameters"] = json!(parameters);
        view["error"] = json!(codes.as_ref().err().map(ToString::to_string));
        serde_json::to_writer_pretty(&mut *out, &view)?;
        writeln!(out)?;
    } else {
        write_human(out, &region, &found)?;
    }
    codes.map(drop).map_err(Into::into)
}
