//! Section 6: what Service Quotas and Support now hold, read back from the emulator rather than taken
//! from the processor's own report: the quota increase request with the Support case Service Quotas
//! linked to it later (asynchronously, as in AWS), and any case this product filed, with its text.

use std::io::Write;

use serde::Serialize;

use super::Facts;
use crate::commands::demo::Demo;
use crate::commands::demo::show::{Show, number};
use crate::commands::demo::step::{Step, failed};

/// The emulated account's quota requests and Support cases. In the document these are two top-level keys,
/// `quota_requests` and `support_cases`.
#[derive(Serialize)]
pub struct ReadBackFacts {
    pub quota_requests: Vec<QuotaRequest>,
    pub support_cases: Vec<SupportCase>,
}

#[derive(Serialize)]
pub struct QuotaRequest {
    pub id: String,
    pub quota_code: String,
    pub desired_value: f64,
    pub status: String,
    /// The Support case Service Quotas opened for it, once it has.
    pub case_id: Option<String>,
    #[serde(skip)]
    pub service_code: String,
    #[serde(skip)]
    pub quota_name: String,
}

#[derive(Serialize)]
pub struct SupportCase {
    pub display_id: String,
    pub subject: String,
    pub status: String,
    #[serde(rename = "severity")]
    pub severity_code: String,
    /// How many communications the case holds.
    pub communications: usize,
    #[serde(skip)]
    pub service_code: String,
    #[serde(skip)]
    pub category_code: String,
    /// The first communication, for a case this product filed (cases Service Quotas opens carry its own
    /// text, which is not shown).
    #[serde(skip)]
    pub our_text: Option<String>,
}

pub fn run(demo: &Demo<'_>) -> Step<ReadBackFacts> {
    let requests = demo
        .emulator
        .quota_requests()
        .map_err(failed("reading the quota requests back"))?;
    let cases = demo
        .emulator
        .support_cases()
        .map_err(failed("reading the Support cases back"))?;
    if requests.is_empty() && cases.is_empty() {
        return Err("Service Quotas and Support hold nothing: nothing was filed".into());
    }
    Ok(ReadBackFacts {
        quota_requests: requests
            .into_iter()
            .map(|r| QuotaRequest {
                id: r.id,
                quota_code: r.quota_code,
                desired_value: r.desired_value,
                status: r.status,
                case_id: r.case_id,
                service_code: r.service_code,
                quota_name: r.quota_name,
            })
            .collect(),
        support_cases: cases
            .into_iter()
            .map(|c| SupportCase {
                our_text: c
                    .communications
                    .first()
                    .filter(|_| c.subject.contains("Bedrock Ops Alert"))
                    .map(|first| first.body.clone()),
                communications: c.communications.len(),
                display_id: c.display_id,
                subject: c.subject,
                status: c.status,
                severity_code: c.severity_code,
                service_code: c.service_code,
                category_code: c.category_code,
            })
            .collect(),
    })
}

impl Facts for ReadBackFacts {
    const HEADING: &'static str = "What the emulated AWS services now hold";

    fn show<W: Write>(&self, show: &mut Show<'_, W>) -> std::io::Result<()> {
        for request in &self.quota_requests {
            show.field(
                "Quota request",
                format!(
                    "{} {} ({})\n{}: desired value {}, status {}{}",
                    request.service_code,
                    request.quota_code,
                    request.quota_name,
                    request.id,
                    number(request.desired_value),
                    request.status,
                    request
                        .case_id
                        .as_deref()
                        .map(|id| format!(", Support case {id} opened by Service Quotas"))
                        .unwrap_or_default()
                ),
            )?;
        }
        for case in &self.support_cases {
            show.field(
                "Support case",
                format!(
                    "{} \"{}\"\n{}/{}, severity {}, status {}, {} communication(s)",
                    case.display_id,
                    case.subject,
                    case.service_code,
                    case.category_code,
                    case.severity_code,
                    case.status,
                    case.communications
                ),
            )?;
            if let Some(text) = &case.our_text {
                show.verbatim(text)?;
            }
        }
        Ok(())
    }
}
