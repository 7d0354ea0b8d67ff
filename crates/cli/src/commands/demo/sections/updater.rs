//! Section 9: Service Quotas approves the increase the processor filed, and the alarm updater's handler
//! runs on the scheduled event EventBridge would send. It shows the other half of the product's loop: the
//! live quota read, the threshold recomputed and the TPM alarm updated, verified by reading the alarm back
//! (only its threshold moved) and the threshold's history in Parameter Store, plus the quota-change e-mail.

use std::io::Write;

use alarm_updater::{Report, SideReport};
use bedrock_ops_aws::alarms::MetricAlarmDef;
use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_aws::parameters::ParameterVersion;
use bedrock_ops_aws::{AlarmAdmin, ParameterStore, QuotaService};
use bedrock_ops_core::messages::format::utc;
use bedrock_ops_core::settings::keys;
use bedrock_ops_core::settings::parameter_prefix;
use bedrock_ops_core::thresholds::SERVICE_CODE;
use bedrock_ops_testkit::emulator::{ACCOUNT_ID, REGION};
use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use super::Facts;
use super::email::Email;
use crate::commands::demo::Demo;
use crate::commands::demo::scenario::{CUSTOMER, MODEL, TPM_QUOTA};
use crate::commands::demo::show::{Show, figure, number};
use crate::commands::demo::stack::Rendered;
use crate::commands::demo::step::{Step, failed};

/// The approval, the updater's run and what CloudWatch, Parameter Store and the formatted topic show after.
#[derive(Serialize)]
pub struct UpdaterFacts {
    /// The handler's report, as the Lambda returns it.
    pub report: Report,
    /// The calculated TPM threshold's versions, oldest first (their values in the document).
    #[serde(serialize_with = "values")]
    pub tpm_threshold_history: Vec<ParameterVersion>,
    /// The quota-change e-mail.
    pub email: Email,
    #[serde(skip)]
    pub approval: Approval,
    /// The TPM alarm read back: only its threshold moved (anything else stops the demo).
    #[serde(skip)]
    pub alarm: ThresholdMove,
}

/// The quota request approved, and the quota Service Quotas applies after.
pub struct Approval {
    pub request_id: String,
    pub quota_code: String,
    pub applied: f64,
}

/// One alarm's threshold before the updater (as the calculator wrote it) and after (read back).
pub struct ThresholdMove {
    pub name: String,
    pub before: Option<f64>,
    pub after: Option<f64>,
}

/// Approves `request_id` (the processor's TPM increase), runs the updater, and checks the TPM alarm
/// against `quota_alarms` as the calculator wrote them.
pub async fn run(
    demo: &Demo<'_>,
    request_id: &str,
    quota_alarms: &[MetricAlarmDef],
    formatted_topic: &str,
) -> Step<UpdaterFacts> {
    let tpm_code = demo.stack.parameter("TokensPerMinuteQuotaCode")?;
    // The e-mails so far (the alarm's, the follow-up's): the updater's comes after them.
    let emails_before = demo
        .emulator
        .sns_messages(Some(formatted_topic))
        .map_err(failed("reading the formatted topic"))?
        .len();
    demo.emulator
        .set_request_status(request_id, "APPROVED")
        .map_err(failed("approving the quota request"))?;
    let applied = demo
        .clients
        .quotas()
        .get(SERVICE_CODE, tpm_code)
        .await
        .map_err(failed("GetServiceQuota"))?;

    let mut env = demo.stack.function_environment("alarm-updater")?;
    env.insert(
        alarm_updater::config::AWS_REGION.to_owned(),
        REGION.to_owned(),
    );
    let config = alarm_updater::UpdaterConfig::from_lookup(|name| env.get(name).cloned())
        .map_err(|e| e.to_string())?;
    let ports = alarm_updater::Ports {
        quotas: demo.clients.quotas(),
        alarms: demo.clients.alarms(),
        parameters: demo.clients.parameters(),
        notifier: demo.clients.notifier(),
    };
    let event = schedule_event(demo.stack)?;
    let report = Box::pin(alarm_updater::handle(&ports, &config, &event, now_epoch()))
        .await
        .map_err(failed("the alarm updater"))?;
    if !report.tpm.alarm_updated {
        return Err(format!(
            "the updater did not move the TPM alarm's threshold ({})",
            thresholds("TPM", &report.tpm)
        ));
    }

    let after = demo
        .clients
        .alarms()
        .describe(std::slice::from_ref(&report.tpm.alarm))
        .await
        .map_err(failed("DescribeAlarms"))?;
    let before = quota_alarms
        .iter()
        .find(|a| a.name == report.tpm.alarm)
        .ok_or("the TPM alarm was not read after the calculator")?;
    let now = after.first().ok_or("the TPM alarm is gone")?;
    let only_threshold = MetricAlarmDef {
        threshold: now.threshold,
        state_value: now.state_value.clone(),
        ..before.clone()
    } == *now;
    if !only_threshold {
        return Err("the updater changed more of the TPM alarm than its threshold".into());
    }
    let tpm_threshold_history = demo
        .clients
        .parameters()
        .history(&format!(
            "{}{}",
            parameter_prefix(CUSTOMER, MODEL),
            keys::TPM_THRESHOLD_CALCULATED
        ))
        .await
        .map_err(failed("GetParameterHistory"))?;
    let messages = demo
        .emulator
        .sns_messages(Some(formatted_topic))
        .map_err(failed("reading the formatted topic"))?;
    let email = messages
        .get(emails_before)
        .ok_or("the updater published no quota-change e-mail")?;
    Ok(UpdaterFacts {
        approval: Approval {
            request_id: request_id.to_owned(),
            quota_code: tpm_code.to_owned(),
            applied: applied.value,
        },
        alarm: ThresholdMove {
            name: now.name.clone(),
            before: before.threshold,
            after: now.threshold,
        },
        report,
        tpm_threshold_history,
        email: email.into(),
    })
}

impl Facts for UpdaterFacts {
    const HEADING: &'static str = "The quota is raised; the alarm updater follows";

    fn show<W: Write>(&self, show: &mut Show<'_, W>) -> std::io::Result<()> {
        show.field(
            "Service Quotas",
            format!(
                "request {} APPROVED: TPM {} {} → {}",
                self.approval.request_id,
                self.approval.quota_code,
                number(TPM_QUOTA),
                number(self.approval.applied)
            ),
        )?;
        show.field(
            "Updater run",
            "the scheduled event (EventBridge) to the handler the Lambda runs, configured from the \
             environment template.yaml gives the function",
        )?;
        show.field(
            "Thresholds",
            format!(
                "{}\n{}",
                thresholds("RPM", &self.report.rpm),
                thresholds("TPM", &self.report.tpm)
            ),
        )?;
        show.field(
            "CloudWatch",
            format!(
                "{} threshold {} → {} (read back); nothing else of the alarm changed",
                self.alarm.name,
                self.alarm.before.map(number).unwrap_or_default(),
                self.alarm.after.map(number).unwrap_or_default(),
            ),
        )?;
        let versions: Vec<String> = self
            .tpm_threshold_history
            .iter()
            .map(|v| format!("v{} {}", v.version, figure(&v.value)))
            .collect();
        show.field(
            "Parameter Store",
            format!(
                "{} history: {}",
                keys::TPM_THRESHOLD_CALCULATED,
                versions.join(" → ")
            ),
        )?;
        self.email.show("E-mail", show)
    }
}

/// `TPM: quota 6,250,000 → 7,812,500, threshold 5,000,000 → 6,250,000, alarm updated`.
fn thresholds(side: &str, figures: &SideReport) -> String {
    let moved = |old: &Option<String>, new: &Option<String>| {
        let (old, new) = (
            old.as_deref().map(figure).unwrap_or_else(|| "?".into()),
            new.as_deref().map(figure).unwrap_or_else(|| "?".into()),
        );
        if old == new {
            format!("{new} (unchanged)")
        } else {
            format!("{old} → {new}")
        }
    };
    format!(
        "{side}: quota {}, threshold {}{}",
        moved(&figures.old_quota, &figures.new_quota),
        moved(&figures.old_threshold, &figures.new_threshold),
        if figures.alarm_updated {
            ", alarm updated"
        } else {
            ""
        }
    )
}

/// The threshold's history in the document: its values, oldest first.
fn values<S: Serializer>(history: &[ParameterVersion], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(history.iter().map(|v| &v.value))
}

/// The EventBridge event of the template's threshold-update schedule.
fn schedule_event(stack: &Rendered) -> Step<Value> {
    let function = stack.resource("AlarmUpdaterFunction")?;
    let rule = function.properties["Events"]
        .as_object()
        .into_iter()
        .flatten()
        .find(|(_, e)| e["Type"] == "Schedule")
        .and_then(|(_, e)| e["Properties"]["Name"].as_str())
        .ok_or("template.yaml gives the alarm updater no schedule")?;
    let now = now_epoch();
    Ok(json!({
        "version": "0",
        "id": "00000000-0000-4000-8000-000000000002",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": utc(now).trim_end_matches(" UTC").replacen(' ', "T", 1) + "Z",
        "region": REGION,
        "resources": [format!("arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule}")],
        "detail": {}
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(alarm: &str, old: &str, new: &str, updated: bool) -> SideReport {
        SideReport {
            alarm: alarm.to_owned(),
            old_quota: Some(old.to_owned()),
            new_quota: Some(new.to_owned()),
            old_threshold: None,
            new_threshold: None,
            alarm_threshold: None,
            alarm_updated: updated,
        }
    }

    #[test]
    fn the_document_holds_the_report_the_history_values_and_the_email() {
        let report = Report {
            changed: true,
            rpm: side("rpm-alarm", "10000", "10000", false),
            tpm: side("tpm-alarm", "6250000", "7812500", true),
            input_tpm: None,
            output_tpm: None,
            parameters_written: Vec::new(),
            email_message_id: None,
        };
        let facts = UpdaterFacts {
            report: report.clone(),
            tpm_threshold_history: vec![
                ParameterVersion {
                    version: 1,
                    value: "5000000".to_owned(),
                    last_modified: None,
                },
                ParameterVersion {
                    version: 2,
                    value: "6250000".to_owned(),
                    last_modified: None,
                },
            ],
            email: Email {
                subject: Some("raised".to_owned()),
                body: "body".to_owned(),
            },
            approval: Approval {
                request_id: "r1".to_owned(),
                quota_code: "L-T".to_owned(),
                applied: 7_812_500.0,
            },
            alarm: ThresholdMove {
                name: "tpm-alarm".to_owned(),
                before: Some(5_000_000.0),
                after: Some(6_250_000.0),
            },
        };
        assert_eq!(
            serde_json::to_value(&facts).unwrap(),
            json!({
                "report": report,
                "tpm_threshold_history": ["5000000", "6250000"],
                "email": {"subject": "raised", "body": "body"},
            })
        );
        let text = crate::commands::demo::sections::narration(&facts);
        assert!(
            text.contains("history: v1 5,000,000 → v2 6,250,000"),
            "{text}"
        );
        assert!(
            text.contains("RPM: quota 10,000 (unchanged), threshold ? (unchanged)\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "TPM: quota 6,250,000 → 7,812,500, threshold ? (unchanged), alarm updated"
            ),
            "{text}"
        );
    }
}
