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
                    request.case_id.as_deref().map_or_else(
                        || ", no Support case yet (Service Quotas links one later, as in AWS)"
                            .to_owned(),
                        |id| format!(", Support case {id} opened by Service Quotas")
                    )
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_document_counts_communications_and_leaves_the_narrations_text_out() {
        let facts = ReadBackFacts {
            quota_requests: vec![QuotaRequest {
                id: "r1".to_owned(),
                quota_code: "L-T".to_owned(),
                desired_value: 7_812_500.0,
                status: "CASE_OPENED".to_owned(),
                case_id: Some("17000000001".to_owned()),
                service_code: "bedrock".to_owned(),
                quota_name: "tokens".to_owned(),
            }],
            support_cases: vec![SupportCase {
                display_id: "17000000002".to_owned(),
                subject: "Acme - Bedrock Ops Alert - case".to_owned(),
                status: "opened".to_owned(),
                severity_code: "low".to_owned(),
                communications: 2,
                service_code: "service-limit-increase".to_owned(),
                category_code: "other".to_owned(),
                our_text: Some("Usage over 14 days".to_owned()),
            }],
        };
        assert_eq!(
            serde_json::to_value(&facts).unwrap(),
            json!({
                "quota_requests": [{"id": "r1", "quota_code": "L-T", "desired_value": 7_812_500.0,
                    "status": "CASE_OPENED", "case_id": "17000000001"}],
                "support_cases": [{"display_id": "17000000002", "subject": "Acme - Bedrock Ops Alert - case",
                    "status": "opened", "severity": "low", "communications": 2}],
            })
        );
        let text = crate::commands::demo::sections::narration(&facts);
        assert!(text.contains("bedrock L-T (tokens)"), "{text}");
        assert!(text.contains("    Usage over 14 days"), "{text}");
    }
}
