//! Section 1: the model's stack, created in the emulator from template.yaml itself (the template
//! evaluated for the demo's parameters, each resource created with the call CloudFormation would make).
//! It shows what the later sections act on (topics, ledger table, settings, the template's alarms, the
//! account's quotas) and names what the emulator does not hold, so nothing is silently left out.

use std::collections::BTreeMap;
use std::io::Write;

use bedrock_ops_aws::alarms::MetricAlarmDef;
use bedrock_ops_core::alarms::AlarmName;
use bedrock_ops_core::settings::parameter_prefix;
use bedrock_ops_testkit::emulator::SeedQuota;
use serde::{Serialize, Serializer};
use serde_json::Map;

use super::Facts;
use crate::commands::demo::Demo;
use crate::commands::demo::scenario::{
    CUSTOMER, MODEL, RPM_QUOTA, RPM_QUOTA_NAME, TPM_QUOTA, TPM_QUOTA_NAME,
};
use crate::commands::demo::show::{Show, number};
use crate::commands::demo::stack::{self, scalar};
use crate::commands::demo::step::{Step, failed};

/// What was created from the template, and what was not.
#[derive(Serialize)]
pub struct StackFacts {
    /// Logical id → the ARN CreateTopic returned.
    pub topics: BTreeMap<String, String>,
    /// Logical id → the URL CreateQueue returned (the follow-up queue and the dead-letter queues).
    pub queues: BTreeMap<String, String>,
    /// Named in the `--json` document; key and TTL shown in the narration.
    #[serde(serialize_with = "table_names")]
    pub tables: Vec<Table>,
    /// (full name, value) in template order for the narration; a name → value map in the document.
    #[serde(serialize_with = "as_map")]
    pub parameters: Vec<(String, String)>,
    /// The template's metric alarms as written (PutMetricAlarm); their names in the document.
    #[serde(serialize_with = "alarm_names")]
    pub alarms: Vec<MetricAlarmDef>,
    /// Resource type → how many the emulator does not hold.
    pub not_created: BTreeMap<String, usize>,
    #[serde(skip)]
    pub model_id: String,
    #[serde(skip)]
    pub rpm_code: String,
    #[serde(skip)]
    pub tpm_code: String,
    #[serde(skip)]
    pub functions: Vec<Function>,
}

pub struct Table {
    pub logical_id: String,
    pub name: String,
    pub key: String,
    pub ttl: String,
}

/// A function of the template and the size of the environment it is configured from.
pub struct Function {
    pub name: String,
    pub variables: usize,
}

impl StackFacts {
    /// The ARN of the topic with this logical id.
    pub fn topic(&self, logical_id: &str) -> Step<&str> {
        self.topics
            .get(logical_id)
            .map(String::as_str)
            .ok_or_else(|| format!("template.yaml has no {logical_id}"))
    }

    /// The URL of the queue with this logical id.
    pub fn queue(&self, logical_id: &str) -> Step<&str> {
        self.queues
            .get(logical_id)
            .map(String::as_str)
            .ok_or_else(|| format!("template.yaml has no {logical_id}"))
    }
}

/// Seeds the account's Bedrock quotas, then creates what the emulator can hold of the stack.
pub async fn run(demo: &Demo<'_>) -> Step<StackFacts> {
    let stack = demo.stack;
    let rpm_code = stack.parameter("RequestsPerMinuteQuotaCode")?;
    let tpm_code = stack.parameter("TokensPerMinuteQuotaCode")?;
    demo.emulator
        .seed_quotas(
            &[
                SeedQuota::bedrock(rpm_code, RPM_QUOTA_NAME, RPM_QUOTA),
                SeedQuota::bedrock(tpm_code, TPM_QUOTA_NAME, TPM_QUOTA),
            ],
            &[],
        )
        .map_err(failed("seeding the account's Bedrock quotas"))?;
    let provisioned = stack::provision(stack, &demo.clients).await?;
    let tables = stack
        .of_type("AWS::DynamoDB::Table")
        .map(|(logical_id, table)| Table {
            logical_id: logical_id.to_owned(),
            name: scalar(&table.properties["TableName"]),
            key: table.properties["KeySchema"][0]["AttributeName"]
                .as_str()
                .unwrap_or("?")
                .to_owned(),
            ttl: table.properties["TimeToLiveSpecification"]["AttributeName"]
                .as_str()
                .unwrap_or("none")
                .to_owned(),
        })
        .collect();
    let functions = stack
        .of_type("AWS::Serverless::Function")
        .map(|(_, f)| Function {
            name: scalar(&f.properties["FunctionName"]),
            variables: f.properties["Environment"]["Variables"]
                .as_object()
                .map_or(0, Map::len),
        })
        .collect();
    Ok(StackFacts {
        topics: provisioned.topics,
        queues: provisioned.queues,
        tables,
        parameters: provisioned.parameters,
        alarms: provisioned.alarms,
        not_created: provisioned.not_created,
        model_id: stack.parameter("BedrockModelId")?.to_owned(),
        rpm_code: rpm_code.to_owned(),
        tpm_code: tpm_code.to_owned(),
        functions,
    })
}

impl Facts for StackFacts {
    const HEADING: &'static str = "The stack, created from template.yaml";

    fn show<W: Write>(&self, show: &mut Show<'_, W>) -> std::io::Result<()> {
        show.field(
            "Parameters",
            format!(
                "CustomerName={CUSTOMER}  BedrockModelName={MODEL}  StakeholderEmailList=(not shown)\n\
                 every other parameter at its default"
            ),
        )?;
        show.field("Model id", &self.model_id)?;
        let topics: Vec<String> = self
            .topics
            .iter()
            .map(|(id, arn)| format!("{:<48} {id}", arn.rsplit(':').next().unwrap_or(arn)))
            .collect();
        show.field("SNS topics", topics.join("\n"))?;
        let queues: Vec<String> = self
            .queues
            .iter()
            .map(|(id, url)| format!("{:<48} {id}", url.rsplit('/').next().unwrap_or(url)))
            .collect();
        show.field("SQS queues", queues.join("\n"))?;
        for table in &self.tables {
            show.field(
                "DynamoDB table",
                format!(
                    "{} {} (key {}, TTL on {})",
                    table.name, table.logical_id, table.key, table.ttl
                ),
            )?;
        }
        let functions: Vec<String> = self
            .functions
            .iter()
            .map(|f| format!("{:<48} {} environment variables", f.name, f.variables))
            .collect();
        show.field(
            "Functions",
            format!(
                "{}\n(each handler is configured from exactly this environment)",
                functions.join("\n")
            ),
        )?;
        let prefix = parameter_prefix(CUSTOMER, MODEL);
        let settings: Vec<String> = self
            .parameters
            .iter()
            .map(|(name, value)| {
                format!("  {} = {value}", name.strip_prefix(&prefix).unwrap_or(name))
            })
            .collect();
        show.field(
            "Parameter Store",
            format!("{prefix}\n{}", settings.join("\n")),
        )?;
        show.field(
            "Alarms",
            format!(
                "{} PutMetricAlarm calls, actions on ALARM and OK:\n{}",
                self.alarms.len(),
                alarm_lines(&self.alarms).join("\n")
            ),
        )?;
        show.field(
            "Service Quotas",
            format!(
                "the account's values: RPM {} = {}, TPM {} = {}",
                self.rpm_code,
                number(RPM_QUOTA),
                self.tpm_code,
                number(TPM_QUOTA)
            ),
        )?;
        let skipped: Vec<String> = self
            .not_created
            .iter()
            // A no-break space keeps each count with its type when the line wraps.
            .map(|(kind, count)| format!("{kind}\u{a0}×{count}"))
            .collect();
        show.field(
            "Not emulated",
            format!(
                "{}\n(encryption, permissions, logs and e-mail delivery play no part in the flow below)",
                skipped.join(", ")
            ),
        )
    }
}

/// The Bedrock alarms by layer and kind, each with its condition, then a count of the stack's alarms on
/// itself.
fn alarm_lines(alarms: &[MetricAlarmDef]) -> Vec<String> {
    let (bedrock, own): (Vec<&MetricAlarmDef>, Vec<&MetricAlarmDef>) = alarms
        .iter()
        .partition(|alarm| AlarmName::parse(&alarm.name).is_ok());
    let mut bedrock: Vec<(AlarmName, &MetricAlarmDef)> = bedrock
        .into_iter()
        .filter_map(|alarm| AlarmName::parse(&alarm.name).ok().map(|name| (name, alarm)))
        .collect();
    bedrock.sort_by_key(|(name, _)| (name.layer(), name.kind));
    let mut lines = Vec::new();
    for (parsed, alarm) in &bedrock {
        // The template's descriptions read `<model id>: <condition> - <advice>`.
        let condition = alarm
            .description
            .as_deref()
            .map(|d| d.split_once(": ").map_or(d, |(_, rest)| rest))
            .map(|d| d.split(" - ").next().unwrap_or(d).trim_end_matches('.'))
            .unwrap_or_default();
        lines.push(format!(
            "{} {:<9} {:<20} {condition}",
            parsed.layer().as_str(),
            parsed.severity().name_segment(),
            parsed.kind.as_str(),
        ));
    }
    lines.push(format!(
        "+ {} self-monitoring alarms (errors, throttles, dead letters) → formatted topic",
        own.len()
    ));
    lines.push(
        "(HighInvocationRate and HighTPMQuotaUsage are not in the template: the calculator creates them)"
            .to_owned(),
    );
    lines
}

fn table_names<S: Serializer>(tables: &[Table], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(tables.iter().map(|t| &t.name))
}

fn as_map<S: Serializer>(pairs: &[(String, String)], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

fn alarm_names<S: Serializer>(alarms: &[MetricAlarmDef], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(alarms.iter().map(|a| &a.name))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn facts() -> StackFacts {
        StackFacts {
            topics: BTreeMap::from([(
                "RawAlarmTopic".to_owned(),
                "arn:aws:sns:r:1:raw".to_owned(),
            )]),
            queues: BTreeMap::from([(
                "FollowUpQueue".to_owned(),
                "http://q/1/follow-up".to_owned(),
            )]),
            tables: vec![Table {
                logical_id: "LedgerTable".to_owned(),
                name: "ledger".to_owned(),
                key: "pk".to_owned(),
                ttl: "expires_at".to_owned(),
            }],
            parameters: vec![
                ("/b".to_owned(), "2".to_owned()),
                ("/a".to_owned(), "1".to_owned()),
            ],
            alarms: vec![MetricAlarmDef::metric_math(
                "Acme-OpsAlert-X-Opus-4-6",
                Vec::new(),
                1.0,
                "GreaterThanThreshold",
                1,
            )],
            not_created: BTreeMap::from([("AWS::IAM::Role".to_owned(), 3)]),
            model_id: "model".to_owned(),
            rpm_code: "L-R".to_owned(),
            tpm_code: "L-T".to_owned(),
            functions: Vec::new(),
        }
    }

    #[test]
    fn the_document_holds_names_and_a_settings_map_while_the_narration_keeps_the_detail() {
        let facts = facts();
        assert_eq!(
            serde_json::to_value(&facts).unwrap(),
            json!({
                "topics": {"RawAlarmTopic": "arn:aws:sns:r:1:raw"},
                "queues": {"FollowUpQueue": "http://q/1/follow-up"},
                "tables": ["ledger"],
                "parameters": {"/a": "1", "/b": "2"},
                "alarms": ["Acme-OpsAlert-X-Opus-4-6"],
                "not_created": {"AWS::IAM::Role": 3},
            })
        );
        let text = crate::commands::demo::sections::narration(&facts);
        assert!(text.contains("DynamoDB table  ledger LedgerTable (key pk, TTL on expires_at)"));
        assert!(text.contains("Model id        model"));
        assert!(
            text.contains("follow-up") && text.contains("FollowUpQueue"),
            "{text}"
        );
        // Template order in the narration, sorted in the document.
        assert!(text.find("/b = 2") < text.find("/a = 1"), "{text}");
        assert!(text.contains("+ 1 self-monitoring alarms"));
    }
}
