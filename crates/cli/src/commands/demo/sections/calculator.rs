//! Section 2: the quota calculator's handler on the CloudFormation Create of the template's custom
//! resource, exactly as CloudFormation would send it. It shows the deploy-time half of the product: the
//! quota codes checked against Service Quotas, the two quota alarms created at quota × percent, the
//! thresholds record written to Parameter Store, and the answer PUT to CloudFormation's response URL (read
//! back from the emulator, since a stack waits on that answer).

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use bedrock_ops_aws::alarms::MetricAlarmDef;
use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_aws::{AlarmAdmin, ParameterStore};
use bedrock_ops_core::alarm_spec::quota_alarm_names;
use bedrock_ops_core::settings::parameter_prefix;
use bedrock_ops_core::settings::{keys, thresholds_path};
use bedrock_ops_testkit::emulator::{ACCOUNT_ID, REGION};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value, json};

use super::Facts;
use crate::commands::demo::Demo;
use crate::commands::demo::scenario::{CUSTOMER, MODEL};
use crate::commands::demo::show::{Show, figure, number, operator};
use crate::commands::demo::stack::{self, scalar};
use crate::commands::demo::step::{Step, failed};

/// The calculator's answer to CloudFormation and what it left in CloudWatch and Parameter Store.
#[derive(Serialize)]
pub struct CalculatorFacts {
    /// Always `SUCCESS`: any other answer stops the demo.
    pub status: String,
    pub reason: String,
    /// The answer's `Data`, as the stack's outputs would read it.
    pub data: Value,
    pub physical_resource_id: String,
    /// The two quota alarms read back after the calculator wrote them (name and threshold in the
    /// document); the updater's section compares against them.
    #[serde(serialize_with = "names_and_thresholds")]
    pub quota_alarms: Vec<MetricAlarmDef>,
    /// The thresholds record: key under the model's prefix → value.
    pub record: BTreeMap<String, String>,
    #[serde(skip)]
    pub event: Event,
    /// The composite alarms created after the calculator, as the template's DependsOn orders them.
    #[serde(skip)]
    pub composites: Vec<String>,
}

/// What the Create event carried.
pub struct Event {
    pub logical_id: String,
    pub resource_type: String,
    pub properties: usize,
}

pub async fn run(demo: &Demo<'_>) -> Step<CalculatorFacts> {
    let stack = demo.stack;
    let (logical_id, resource) = stack
        .resources
        .iter()
        .find(|(_, r)| r.kind.starts_with("Custom::"))
        .ok_or("template.yaml has no custom resource")?;
    let properties: Map<String, Value> = resource
        .properties
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), Value::String(scalar(v))))
        .collect();
    let event = Event {
        logical_id: logical_id.clone(),
        resource_type: resource.kind.clone(),
        properties: properties.len(),
    };
    let create = json!({
        "RequestType": "Create",
        "ServiceToken": properties.get("ServiceToken"),
        "ResponseURL": demo.emulator.cfn_response_url(logical_id),
        "StackId": format!("arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/bedrock-ops-alert-demo/00000000-0000-4000-8000-000000000001"),
        "RequestId": "demo-create-0001",
        "LogicalResourceId": logical_id,
        "ResourceType": resource.kind,
        "ResourceProperties": properties,
    });
    let timeout = stack.resource("QuotaCalculatorFunction")?.properties["Timeout"]
        .as_u64()
        .unwrap_or(60);
    let ports = quota_calculator::Ports {
        quotas: demo.clients.quotas(),
        alarms: demo.clients.alarms(),
        parameters: demo.clients.parameters(),
        sink: quota_calculator::HttpsSink::new().map_err(failed("the response client"))?,
        profiles: demo.clients.inference_profiles(),
    };
    let outcome = Box::pin(quota_calculator::handle(
        &ports,
        create,
        Duration::from_secs(timeout),
        now_epoch(),
    ))
    .await
    .map_err(failed("the quota calculator"))?;
    let answer = demo
        .emulator
        .cfn_responses()
        .map_err(failed("reading CloudFormation's answer back"))?
        .pop()
        .and_then(|r| r.body)
        .ok_or("the calculator sent CloudFormation no answer")?;
    let status = answer["Status"].as_str().unwrap_or("?").to_owned();
    let reason = answer["Reason"].as_str().unwrap_or("").to_owned();
    if status != "SUCCESS" {
        return Err(format!("the calculator answered {status}: {reason}"));
    }
    let names = quota_alarm_names(CUSTOMER, MODEL).to_vec();
    let quota_alarms = demo
        .clients
        .alarms()
        .describe(&names)
        .await
        .map_err(failed("DescribeAlarms"))?;
    let composites = stack::create_composites(stack, &demo.clients).await?;
    let record = demo
        .clients
        .parameters()
        .get_by_path(&parameter_prefix(CUSTOMER, MODEL))
        .await
        .map_err(failed("reading the thresholds record"))?
        .into_iter()
        .filter(|(key, _)| keys::THRESHOLDS.contains(&key.as_str()))
        .collect();
    Ok(CalculatorFacts {
        status,
        reason,
        data: answer.get("Data").cloned().unwrap_or_default(),
        physical_resource_id: outcome.physical_resource_id,
        quota_alarms,
        record,
        event,
        composites,
    })
}

impl Facts for CalculatorFacts {
    const HEADING: &'static str = "Quota calculator: the custom resource's Create";

    fn show<W: Write>(&self, show: &mut Show<'_, W>) -> std::io::Result<()> {
        show.field(
            "Event",
            format!(
                "Create for {} ({}), {} properties from the template",
                self.event.logical_id, self.event.resource_type, self.event.properties
            ),
        )?;
        show.field(
            "Answer",
            format!(
                "{}, PUT to the pre-signed ResponseURL (read back from the emulator)\n{}",
                self.status,
                self.reason.split("; ").collect::<Vec<_>>().join(";\n")
            ),
        )?;
        let data: Vec<String> = self
            .data
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k} = {}", figure(&scalar(v))))
            .collect();
        show.field("Data", data.join("\n"))?;
        let mut lines = Vec::new();
        for alarm in &self.quota_alarms {
            let expression = alarm
                .metrics
                .iter()
                .find(|q| q.return_data == Some(true))
                .and_then(|q| q.expression.as_deref())
                .unwrap_or_default();
            lines.push(alarm.name.clone());
            lines.push(format!(
                "  {} {} per minute, returned expression `{expression}`",
                operator(&alarm.comparison_operator),
                alarm.threshold.map(number).unwrap_or_default()
            ));
        }
        show.field("Quota alarms", lines.join("\n"))?;
        if !self.composites.is_empty() {
            show.field(
                "Composite",
                format!(
                    "{} (dashboards only, no actions), created after them as DependsOn says",
                    self.composites.join(", ")
                ),
            )?;
        }
        let shown: Vec<String> = [
            keys::RPM_THRESHOLD_CALCULATED,
            keys::TPM_THRESHOLD_CALCULATED,
            keys::RPM_QUOTA,
            keys::TPM_QUOTA,
            keys::LAST_UPDATED,
        ]
        .iter()
        .map(|key| {
            format!(
                "{key} = {}",
                self.record.get(*key).map(|v| figure(v)).unwrap_or_default()
            )
        })
        .collect();
        show.field(
            "Thresholds",
            format!(
                "{} keys written under {}:\n{}",
                self.record.len(),
                thresholds_path(CUSTOMER, MODEL),
                shown.join("\n")
            ),
        )
    }
}

/// The quota alarms in the document: `[{"name", "threshold"}]`.
fn names_and_thresholds<S: Serializer>(
    alarms: &[MetricAlarmDef],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Entry<'a> {
        name: &'a str,
        threshold: Option<f64>,
    }
    serializer.collect_seq(alarms.iter().map(|a| Entry {
        name: &a.name,
        threshold: a.threshold,
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_document_gives_each_quota_alarm_its_name_and_threshold_only() {
        let facts = CalculatorFacts {
            status: "SUCCESS".to_owned(),
            reason: "done".to_owned(),
            data: json!({"TpmThreshold": "5000000"}),
            physical_resource_id: "id".to_owned(),
            quota_alarms: vec![MetricAlarmDef::metric_math(
                "tpm-alarm",
                Vec::new(),
                5_000_000.0,
                "GreaterThanThreshold",
                5,
            )],
            record: BTreeMap::from([("thresholds/tpm-quota".to_owned(), "6250000".to_owned())]),
            event: Event {
                logical_id: "QuotaThresholds".to_owned(),
                resource_type: "Custom::QuotaThresholds".to_owned(),
                properties: 13,
            },
            composites: Vec::new(),
        };
        assert_eq!(
            serde_json::to_value(&facts).unwrap(),
            json!({
                "status": "SUCCESS",
                "reason": "done",
                "data": {"TpmThreshold": "5000000"},
                "physical_resource_id": "id",
                "quota_alarms": [{"name": "tpm-alarm", "threshold": 5_000_000.0}],
                "record": {"thresholds/tpm-quota": "6250000"},
            })
        );
        let text = crate::commands::demo::sections::narration(&facts);
        assert!(text.contains("> 5,000,000 per minute"), "{text}");
        assert!(text.contains("TpmThreshold = 5,000,000"), "{text}");
    }
}
