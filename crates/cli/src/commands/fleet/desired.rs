//! The desired state: the fleet file validated against the template that will be deployed, the template
//! source and its digest, and each model's parameters with its quota codes (from the file, else found the
//! way `quotas discover` finds them).

use std::collections::BTreeSet;
use std::path::Path;

use bedrock_ops_aws::QuotaService;
use bedrock_ops_core::fleet::identity::stack_name;
use bedrock_ops_core::fleet::{DesiredStack, Fleet, FleetModel, TemplateParameters};
use bedrock_ops_core::quota_discovery::{QuotaListing, discover};
use bedrock_ops_core::thresholds::{QuotaCode, RpmQuotaCode};
use sha2::{Digest, Sha256};

use super::FleetArgs;
use crate::cloudformation::{MAX_TEMPLATE_BODY, TemplateSource};
use crate::commands::quotas::discover::list_quotas;

/// What apply deploys and what the file is validated against.
pub struct Template {
    /// `None`: no `--template-url` or `--template-file` (plan and status still work; apply refuses).
    pub source: Option<TemplateSource>,
    /// `sha256:<16 hex>` of the URL or of the body.
    pub digest: Option<String>,
    pub parameters: TemplateParameters,
}

/// The validated file and its template.
pub struct Loaded {
    pub fleet: Fleet,
    pub template: Template,
    pub path: String,
}

fn digest(text: &str) -> String {
    let hash = Sha256::digest(text.as_bytes());
    let hex: String = hash.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The template source of the command line. A `--template-url` is validated against this build's
/// `template.yaml` (use the CLI of the release you packaged); a `--template-file` against itself.
fn template(args: &FleetArgs) -> Result<Template, String> {
    if let Some(path) = &args.template_file {
        let body = std::fs::read_to_string(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let parameters =
            TemplateParameters::parse(&body).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(Template {
            digest: Some(digest(&body)),
            source: Some(TemplateSource::Body(body)),
            parameters,
        });
    }
    let parameters =
        TemplateParameters::embedded().map_err(|e| format!("the embedded template.yaml: {e}"))?;
    Ok(match &args.template_url {
        Some(url) => {
            if !url.starts_with("https://") {
                return Err(format!(
                    "--template-url must be an https:// URL of a template in S3, not {url:?}"
                ));
            }
            Template {
                digest: Some(digest(url)),
                source: Some(TemplateSource::Url(url.clone())),
                parameters,
            }
        }
        None => Template {
            source: None,
            digest: None,
            parameters,
        },
    })
}

/// Reads and validates the fleet file; every problem is reported as `<file>:<line>: <message>`.
pub fn load(args: &FleetArgs) -> Result<Loaded, String> {
    let template = template(args)?;
    let path = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file).map_err(|e| {
        let hint = if Path::new(&args.file).exists() {
            String::new()
        } else {
            " (create one with `bedrock-ops-alert fleet init`)".to_owned()
        };
        format!("reading {path}: {e}{hint}")
    })?;
    let fleet =
        Fleet::parse(&text, &template.parameters).map_err(|errors| errors.with_path(&path))?;
    Ok(Loaded {
        fleet,
        template,
        path,
    })
}

impl Loaded {
    /// The Region the stacks live in (single account) or the StackSets are administered from.
    pub fn region<'a>(&'a self, args: &'a FleetArgs) -> Option<&'a str> {
        args.region.as_deref().or(self.fleet.region.as_deref())
    }

    /// NoEcho parameters of the template: sent, never compared.
    pub fn no_echo(&self) -> BTreeSet<String> {
        self.template
            .parameters
            .iter()
            .filter(|p| p.no_echo)
            .map(|p| p.name.clone())
            .collect()
    }

    /// `<organizational unit>/<Region>` of every StackSet deployment target; empty without [targets].
    pub fn placements(&self) -> BTreeSet<String> {
        self.fleet
            .targets
            .iter()
            .flat_map(|t| {
                t.organizational_units
                    .iter()
                    .flat_map(|ou| t.regions.iter().map(move |r| format!("{ou}/{r}")))
            })
            .collect()
    }

    /// Every model's desired stack. Quota codes missing from the file are found in the Region's quota list
    /// (read once, only if needed); every model whose codes cannot be settled is reported.
    pub async fn desired(&self, quotas: &impl QuotaService) -> Result<Vec<DesiredStack>, String> {
        let needs_discovery = self
            .fleet
            .models
            .iter()
            .any(|m| m.rpm_quota_code.is_none() || m.tpm_quota_code.is_none());
        let listings: Vec<QuotaListing> = if needs_discovery {
            list_quotas(quotas)
                .await
                .map_err(|e| format!("discovering quota codes: {e}"))?
        } else {
            Vec::new()
        };
        let mut problems = Vec::new();
        let mut stacks = Vec::new();
        for model in &self.fleet.models {
            match codes(model, &listings) {
                Ok((rpm, tpm)) => stacks.push(DesiredStack {
                    model: model.name.clone(),
                    stack_name: stack_name(&self.fleet.customer, &model.name),
                    parameters: self.fleet.parameters_for(
                        model,
                        &self.template.parameters,
                        (&rpm, &tpm),
                    ),
                    template_digest: self.template.digest.clone(),
                    placements: self.placements(),
                }),
                Err(problem) => problems.push(format!(
                    "{}:{}: model {:?}: {problem}",
                    self.path, model.line, model.name
                )),
            }
        }
        if problems.is_empty() {
            Ok(stacks)
        } else {
            Err(problems.join("\n"))
        }
    }
}

/// A model's codes: the file's, else the discovered ones (each kind independently).
fn codes(
    model: &FleetModel,
    listings: &[QuotaListing],
) -> Result<(RpmQuotaCode, QuotaCode), String> {
    if let (Some(rpm), Some(tpm)) = (&model.rpm_quota_code, &model.tpm_quota_code) {
        return Ok((rpm.clone(), tpm.clone()));
    }
    let (rpm, tpm) = discover(listings, &model.model_id)
        .codes()
        .map_err(|e| format!("{e} (or set rpm_quota_code and tpm_quota_code)"))?;
    Ok((
        model.rpm_quota_code.clone().unwrap_or(rpm),
        model.tpm_quota_code.clone().unwrap_or(tpm),
    ))
}

/// Refuses what CloudFormation would refuse before anything is sent.
pub fn deployable(source: &Option<TemplateSource>) -> Result<&TemplateSource, String> {
    match source {
        None => Err("apply needs the template: --template-url URL (a packaged template in S3) or --template-file PATH".into()),
        Some(TemplateSource::Body(body)) if body.len() > MAX_TEMPLATE_BODY => Err(format!(
            "the template file is {} bytes, above CloudFormation's {MAX_TEMPLATE_BODY}-byte limit for an inline template: package it with `sam package`, upload it to S3 and pass --template-url (docs/fleet.md)",
            body.len()
        )),
        Some(source) => Ok(source),
    }
}
