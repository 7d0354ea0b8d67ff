//! `demo` (feature `emulator`): the whole product on one machine, with no AWS account. It starts the local
//! AWS emulator, creates one model's stack from template.yaml, runs the quota calculator's handler on a
//! CloudFormation Create, writes fourteen days of Bedrock usage whose last half hour crosses the TPM
//! threshold, moves that alarm to ALARM (the emulator publishes CloudWatch's message to the raw topic), hands
//! the message to the notification processor's handler as SNS delivers it, and shows what the emulated
//! services now hold and the e-mail as sent. Then Service Quotas approves the request and the alarm
//! updater's handler moves the threshold.
//!
//! The three handlers are the Lambdas' own library functions over the same adapters and SDK clients their
//! `main`s build; only the endpoint differs. Any failed step stops the demo with an error naming it, and the
//! emulator is stopped however the demo ends.

mod runtime;
mod scenario;
mod show;
mod stack;
mod step;
mod usage;

use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

use aws_sdk_cloudwatch::types::{AlarmType, StateValue};
use bedrock_ops_aws::alarms::MetricAlarmDef;
use bedrock_ops_aws::emulator::{self, ACCOUNT_ID, Emulator, REGION, SeedQuota, SnsMessage};
use bedrock_ops_aws::{AlarmAdmin, AwsClients, Ledger, ParameterStore, QuotaService};
use bedrock_ops_core::alarm_spec::quota_alarm_names;
use bedrock_ops_core::alarms::AlarmName;
use bedrock_ops_core::messages::format::utc;
use bedrock_ops_core::settings::parameter_prefix;
use notification_processor::{Config, Need, RunMode, lambda_response, now_epoch};
use quota_calculator::live::{SERVICE_CODE, keys, thresholds_path};
use serde_json::{Map, Value, json};

use self::scenario::{
    CUSTOMER, MODEL, RPM_QUOTA, RPM_QUOTA_NAME, STAKEHOLDERS, TPM_QUOTA, TPM_QUOTA_NAME,
    TPM_THRESHOLD,
};
use self::show::{Show, figure, number, operator};
use self::stack::{Provisioned, Rendered, scalar};
use self::step::{Step, failed, io};
use super::CommandResult;

#[derive(clap::Args)]
pub struct Args {
    /// Print one JSON document with what each step did and read back, instead of the narration.
    #[arg(long)]
    json: bool,
    /// Deliver the alarm through the real Lambda runtime: the notification-processor binary under `cargo
    /// lambda watch` (cargo-lambda on PATH; scripts/demo.sh installs it), instead of calling the same
    /// handler in this process.
    #[arg(long)]
    lambda_runtime: bool,
}

const SECTIONS: usize = 8;

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    let started = Instant::now();
    let root = emulator::workspace_root()?;
    let python = emulator::python()?;
    let stack = stack::render(
        &root,
        &python,
        &[
            ("CustomerName", CUSTOMER),
            ("BedrockModelName", MODEL),
            ("StakeholderEmailList", STAKEHOLDERS),
        ],
    )?;
    let emulator = Emulator::start()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut demo = Demo {
        emulator: &emulator,
        lambda_runtime: args.lambda_runtime,
        clients: AwsClients::new(&emulator.sdk_config()),
        stack: &stack,
        show: Show::new(out, args.json, SECTIONS),
        summary: Map::new(),
        timings: Vec::new(),
    };
    let result = runtime.block_on(demo.run());
    let Demo {
        mut show,
        mut summary,
        ..
    } = demo;
    let endpoint = emulator.endpoint_url().to_owned();
    // Stops the emulator and waits for it, whatever happened above.
    drop(emulator);
    let seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(timings) => {
            if args.json {
                summary.insert("seconds".into(), json!((seconds * 10.0).round() / 10.0));
                summary.insert("timings".into(), json!(timings));
                serde_json::to_writer_pretty(&mut *show.out(), &Value::Object(summary))?;
                writeln!(show.out())?;
            } else {
                let steps: Vec<String> = timings
                    .iter()
                    .map(|(step, secs)| format!("{step} {secs:.1} s"))
                    .collect();
                writeln!(show.out())?;
                writeln!(show.out(), "Done in {seconds:.1} s ({}).", steps.join(", "))?;
                writeln!(
                    show.out(),
                    "The emulator at {endpoint} is stopped; nothing is left running."
                )?;
            }
            Ok(())
        }
        Err(error) => Err(format!("the demo stopped: {error} (the emulator is stopped)").into()),
    }
}

struct Demo<'a, 'o, W: Write> {
    emulator: &'a Emulator,
    /// Whether the alarm goes through the Lambda runtime (`--lambda-runtime`).
    lambda_runtime: bool,
    clients: AwsClients,
    stack: &'a Rendered,
    show: Show<'o, W>,
    summary: Map<String, Value>,
    timings: Vec<(&'static str, f64)>,
}

/// What the processor filed, kept for the later steps.
struct Filed {
    tpm_request_id: String,
}

impl<W: Write> Demo<'_, '_, W> {
    async fn run(&mut self) -> Step<Vec<(&'static str, f64)>> {
        let endpoint = self.emulator.endpoint_url().to_owned();
        self.show
            .title(
                "Bedrock Ops Alert: local demo",
                &[
                    &format!(
                        "Every AWS call below goes to a local emulator ({endpoint}): no AWS account, no Docker."
                    ),
                    if self.lambda_runtime {
                        "The notification processor runs as its Lambda binary under `cargo lambda watch`; the \
                         calculator's and the updater's handlers run in this process, over the adapters and \
                         SDK clients their Lambdas use."
                    } else {
                        "The three Lambda handlers run in this process, over the adapters and SDK clients \
                         their Lambdas use."
                    },
                ],
            )
            .map_err(io)?;
        let clock = Instant::now();
        let provisioned = self.section_stack().await?;
        self.lap("stack", clock);
        let clock = Instant::now();
        let l2 = self.section_calculator().await?;
        self.lap("calculator", clock);
        let clock = Instant::now();
        let minutes = self.section_usage().await?;
        self.lap("usage", clock);
        let clock = Instant::now();
        let raw = self.section_alarm(&provisioned, &minutes).await?;
        self.lap("alarm", clock);
        let clock = Instant::now();
        let filed = self.section_processor(&raw).await?;
        self.lap("processor", clock);
        let clock = Instant::now();
        self.section_holdings()?;
        let formatted = provisioned
            .topics
            .get("FormattedTopic")
            .ok_or("template.yaml has no FormattedTopic")?
            .clone();
        self.section_email(&formatted)?;
        self.lap("read-back", clock);
        let clock = Instant::now();
        self.section_updater(&filed, &l2, &formatted).await?;
        self.lap("updater", clock);
        Ok(std::mem::take(&mut self.timings))
    }

    fn lap(&mut self, step: &'static str, clock: Instant) {
        self.timings
            .push((step, (clock.elapsed().as_secs_f64() * 10.0).round() / 10.0));
    }

    fn note(&mut self, key: &str, value: Value) {
        self.summary.insert(key.to_owned(), value);
    }

    async fn section_stack(&mut self) -> Step<Provisioned> {
        self.show
            .section("The stack, created from template.yaml")
            .map_err(io)?;
        let stack = self.stack;
        let rpm_code = stack.parameter("RequestsPerMinuteQuotaCode")?;
        let tpm_code = stack.parameter("TokensPerMinuteQuotaCode")?;
        self.emulator
            .seed_quotas(
                &[
                    SeedQuota::bedrock(rpm_code, RPM_QUOTA_NAME, RPM_QUOTA),
                    SeedQuota::bedrock(tpm_code, TPM_QUOTA_NAME, TPM_QUOTA),
                ],
                &[],
            )
            .map_err(failed("seeding the account's Bedrock quotas"))?;
        let provisioned = stack::provision(stack, &self.clients).await?;

        self.show
            .field(
                "Parameters",
                format!(
                    "CustomerName={CUSTOMER}  BedrockModelName={MODEL}  StakeholderEmailList=(not shown)\n\
                     every other parameter at its default"
                ),
            )
            .map_err(io)?;
        self.show
            .field("Model id", stack.parameter("BedrockModelId")?)
            .map_err(io)?;
        let topics: Vec<String> = provisioned
            .topics
            .iter()
            .map(|(id, arn)| format!("{:<48} {id}", arn.rsplit(':').next().unwrap_or(arn)))
            .collect();
        self.show
            .field("SNS topics", topics.join("\n"))
            .map_err(io)?;
        for (logical_id, table) in stack.of_type("AWS::DynamoDB::Table") {
            let key = table.properties["KeySchema"][0]["AttributeName"]
                .as_str()
                .unwrap_or("?");
            let ttl = table.properties["TimeToLiveSpecification"]["AttributeName"]
                .as_str()
                .unwrap_or("none");
            self.show
                .field(
                    "DynamoDB table",
                    format!(
                        "{} {logical_id} (key {key}, TTL on {ttl})",
                        scalar(&table.properties["TableName"])
                    ),
                )
                .map_err(io)?;
        }
        let functions: Vec<String> = stack
            .of_type("AWS::Serverless::Function")
            .map(|(_, f)| {
                format!(
                    "{:<48} {} environment variables",
                    scalar(&f.properties["FunctionName"]),
                    f.properties["Environment"]["Variables"]
                        .as_object()
                        .map_or(0, Map::len)
                )
            })
            .collect();
        self.show
            .field(
                "Functions",
                format!(
                    "{}\n(each handler is configured from exactly this environment)",
                    functions.join("\n")
                ),
            )
            .map_err(io)?;
        let prefix = parameter_prefix(CUSTOMER, MODEL);
        let settings: Vec<String> = provisioned
            .parameters
            .iter()
            .map(|(name, value)| {
                format!("  {} = {value}", name.strip_prefix(&prefix).unwrap_or(name))
            })
            .collect();
        self.show
            .field(
                "Parameter Store",
                format!("{prefix}\n{}", settings.join("\n")),
            )
            .map_err(io)?;
        let (bedrock, own): (Vec<&MetricAlarmDef>, Vec<&MetricAlarmDef>) = provisioned
            .alarms
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
        self.show
            .field(
                "Alarms",
                format!(
                    "{} PutMetricAlarm calls, actions on ALARM and OK:\n{}",
                    provisioned.alarms.len(),
                    lines.join("\n")
                ),
            )
            .map_err(io)?;
        self.show
            .field(
                "Service Quotas",
                format!(
                    "the account's values: RPM {rpm_code} = {}, TPM {tpm_code} = {}",
                    number(RPM_QUOTA),
                    number(TPM_QUOTA)
                ),
            )
            .map_err(io)?;
        let skipped: Vec<String> = provisioned
            .not_created
            .iter()
            // A no-break space keeps each count with its type when the line wraps.
            .map(|(kind, count)| format!("{kind}\u{a0}×{count}"))
            .collect();
        self.show
            .field(
                "Not emulated",
                format!(
                    "{}\n(encryption, permissions, logs and e-mail delivery play no part in the flow below)",
                    skipped.join(", ")
                ),
            )
            .map_err(io)?;
        self.note(
            "stack",
            json!({
                "topics": provisioned.topics,
                "tables": provisioned.tables,
                "parameters": provisioned.parameters.iter().cloned().collect::<BTreeMap<_, _>>(),
                "alarms": provisioned.alarms.iter().map(|a| a.name.clone()).collect::<Vec<_>>(),
                "not_created": provisioned.not_created,
            }),
        );
        Ok(provisioned)
    }

    /// Returns the two quota alarms as the calculator wrote them.
    async fn section_calculator(&mut self) -> Step<Vec<MetricAlarmDef>> {
        self.show
            .section("Quota calculator: the custom resource's Create")
            .map_err(io)?;
        let stack = self.stack;
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
        let event = json!({
            "RequestType": "Create",
            "ServiceToken": properties.get("ServiceToken"),
            "ResponseURL": self.emulator.cfn_response_url(logical_id),
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
            quotas: self.clients.quotas(),
            alarms: self.clients.alarms(),
            parameters: self.clients.parameters(),
            sink: quota_calculator::HttpsSink::new().map_err(failed("the response client"))?,
        };
        let outcome = Box::pin(quota_calculator::handle(
            &ports,
            event,
            Duration::from_secs(timeout),
            now_epoch(),
        ))
        .await
        .map_err(failed("the quota calculator"))?;
        let answer = self
            .emulator
            .cfn_responses()
            .map_err(failed("reading CloudFormation's answer back"))?
            .pop()
            .and_then(|r| r.body)
            .ok_or("the calculator sent CloudFormation no answer")?;
        let status = answer["Status"].as_str().unwrap_or("?");
        let reason = answer["Reason"].as_str().unwrap_or("");
        if status != "SUCCESS" {
            return Err(format!("the calculator answered {status}: {reason}"));
        }
        self.show
            .field(
                "Event",
                format!(
                    "Create for {logical_id} ({}), {} properties from the template",
                    resource.kind,
                    properties.len()
                ),
            )
            .map_err(io)?;
        self.show
            .field(
                "Answer",
                format!(
                    "{status}, PUT to the pre-signed ResponseURL (read back from the emulator)\n{}",
                    reason.split("; ").collect::<Vec<_>>().join(";\n")
                ),
            )
            .map_err(io)?;
        let data: Vec<String> = answer["Data"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k} = {}", figure(&scalar(v))))
            .collect();
        self.show.field("Data", data.join("\n")).map_err(io)?;

        let names = quota_alarm_names(CUSTOMER, MODEL).to_vec();
        let l2 = self
            .clients
            .alarms()
            .describe(&names)
            .await
            .map_err(failed("DescribeAlarms"))?;
        let mut lines = Vec::new();
        for alarm in &l2 {
            let expression = alarm
                .metrics
                .iter()
                .find(|q| q.return_data == Some(true))
                .and_then(|q| q.expression.clone())
                .unwrap_or_default();
            lines.push(alarm.name.clone());
            lines.push(format!(
                "  {} {} per minute, returned expression `{expression}`",
                operator(&alarm.comparison_operator),
                alarm.threshold.map(number).unwrap_or_default()
            ));
        }
        self.show
            .field("Quota alarms", lines.join("\n"))
            .map_err(io)?;
        let composites = stack::create_composites(stack, &self.clients).await?;
        if !composites.is_empty() {
            self.show
                .field(
                    "Composite",
                    format!(
                        "{} (dashboards only, no actions), created after them as DependsOn says",
                        composites.join(", ")
                    ),
                )
                .map_err(io)?;
        }
        let record = self
            .clients
            .parameters()
            .get_by_path(&parameter_prefix(CUSTOMER, MODEL))
            .await
            .map_err(failed("reading the thresholds record"))?
            .into_iter()
            .filter(|(key, _)| keys::ALL.contains(&key.as_str()))
            .collect::<BTreeMap<_, _>>();
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
                record.get(*key).map(|v| figure(v)).unwrap_or_default()
            )
        })
        .collect();
        self.show
            .field(
                "Thresholds",
                format!(
                    "{} keys written under {}:\n{}",
                    record.len(),
                    thresholds_path(CUSTOMER, MODEL),
                    shown.join("\n")
                ),
            )
            .map_err(io)?;
        self.note(
            "calculator",
            json!({
                "status": status,
                "reason": reason,
                "data": answer["Data"],
                "physical_resource_id": outcome.physical_resource_id,
                "quota_alarms": l2.iter().map(|a| json!({"name": a.name, "threshold": a.threshold})).collect::<Vec<_>>(),
                "record": record,
            }),
        );
        Ok(l2)
    }

    async fn section_usage(&mut self) -> Step<Vec<usage::Minute>> {
        self.show
            .section("Fourteen days of Bedrock usage")
            .map_err(io)?;
        let now = now_epoch();
        let minutes = usage::series(now - now.rem_euclid(60));
        let model_id = self.stack.parameter("BedrockModelId")?;
        let clock = Instant::now();
        let (datapoints, calls) = usage::push(&self.clients, model_id, &minutes).await?;
        let (usual, surge) = minutes.split_at(minutes.len() - usage::SURGE_MINUTES as usize);
        let peak = |f: fn(&usage::Minute) -> f64, part: &[usage::Minute]| {
            part.iter().map(f).fold(0.0, f64::max)
        };
        let tpm_threshold = TPM_THRESHOLD;
        let surge_tpm = peak(usage::Minute::estimated_tpm, surge);
        self.show
            .field(
                "PutMetricData",
                format!(
                    "{} datapoints in {calls} calls ({:.1} s): Invocations, InputTokenCount, OutputTokenCount \
                     and EstimatedTPMQuotaUsage per minute for {} minutes, dimension ModelId",
                    number(datapoints as f64),
                    clock.elapsed().as_secs_f64(),
                    number(minutes.len() as f64)
                ),
            )
            .map_err(io)?;
        self.show
            .field(
                "Usual traffic",
                format!(
                    "office hours, quieter weekends: peak {} requests and {} tokens per minute",
                    number(peak(|m| m.invocations, usual)),
                    number(peak(usage::Minute::estimated_tpm, usual))
                ),
            )
            .map_err(io)?;
        self.show
            .field(
                "Last 30 minutes",
                format!(
                    "surge to {} requests and {} tokens per minute ({:.0} % of the TPM quota, \
                     over the {} threshold; requests stay under theirs)",
                    number(usage::SURGE_RPM),
                    number(surge_tpm),
                    surge_tpm / TPM_QUOTA * 100.0,
                    number(tpm_threshold)
                ),
            )
            .map_err(io)?;
        self.note(
            "usage",
            json!({"datapoints": datapoints, "calls": calls, "surge_rpm": usage::SURGE_RPM, "surge_tpm": surge_tpm}),
        );
        Ok(minutes)
    }

    /// Moves the TPM alarm to ALARM; returns the message CloudWatch published to the raw topic.
    async fn section_alarm(
        &mut self,
        provisioned: &Provisioned,
        minutes: &[usage::Minute],
    ) -> Step<SnsMessage> {
        self.show.section("An alarm fires").map_err(io)?;
        let [_, name] = quota_alarm_names(CUSTOMER, MODEL);
        let periods: usize = self
            .stack
            .parameter("WarningAlarmEvaluationPeriods")?
            .parse()
            .map_err(failed("WarningAlarmEvaluationPeriods"))?;
        let threshold = TPM_THRESHOLD;
        let reason = breach_reason(&minutes[minutes.len().saturating_sub(periods)..], threshold);
        self.clients
            .cloudwatch
            .set_alarm_state()
            .alarm_name(&name)
            .state_value(StateValue::Alarm)
            .state_reason(&reason)
            .send()
            .await
            .map_err(failed("SetAlarmState"))?;
        let raw = provisioned
            .topics
            .get("RawAlarmTopic")
            .ok_or("template.yaml has no RawAlarmTopic")?;
        let mut published = self
            .emulator
            .sns_messages(Some(raw))
            .map_err(failed("reading the raw topic"))?;
        if published.len() != 1 {
            return Err(format!(
                "CloudWatch published {} messages to the raw topic, expected the one alarm message",
                published.len()
            ));
        }
        let message = published.remove(0);
        let body: Value =
            serde_json::from_str(&message.message).map_err(failed("the alarm message"))?;
        let parsed = AlarmName::parse(&name).map_err(|e| e.to_string())?;
        self.show
            .field(
                "SetAlarmState",
                format!(
                    "{name}\n{} → {} (nothing evaluates metrics in the emulator, so the demo sets the state \
                     CloudWatch would reach with this data)",
                    body["OldStateValue"].as_str().unwrap_or("?"),
                    body["NewStateValue"].as_str().unwrap_or("?")
                ),
            )
            .map_err(io)?;
        self.show.field("Reason", &reason).map_err(io)?;
        self.show
            .field_unwrapped(
                "Raw topic",
                format!(
                    "CloudWatch published the alarm message, as it does in AWS:\nSubject: {}\nAlarmArn: {}\nStateChangeTime: {}\nTrigger: {} {} {}",
                    message.subject.as_deref().unwrap_or(""),
                    body["AlarmArn"].as_str().unwrap_or(""),
                    body["StateChangeTime"].as_str().unwrap_or(""),
                    body["Trigger"]["Metrics"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|m| m["MetricStat"]["Metric"]["MetricName"].as_str())
                        .collect::<Vec<_>>()
                        .join(" + "),
                    body["Trigger"]["ComparisonOperator"].as_str().unwrap_or(""),
                    body["Trigger"]["Threshold"],
                ),
            )
            .map_err(io)?;
        self.show
            .field(
                "Catalogue",
                format!(
                    "{}: layer {}, {}, class {}",
                    parsed.kind.as_str(),
                    parsed.layer().as_str(),
                    parsed.severity().as_str(),
                    parsed.class().as_str()
                ),
            )
            .map_err(io)?;
        let composites = self
            .clients
            .cloudwatch
            .describe_alarms()
            .alarm_types(AlarmType::CompositeAlarm)
            .send()
            .await
            .map_err(failed("DescribeAlarms (composites)"))?;
        for composite in composites.composite_alarms() {
            self.show
                .field(
                    "Composite",
                    format!(
                        "{} is now {} (it has no actions: the alarm's own message above is what is acted on)",
                        composite.alarm_name().unwrap_or(""),
                        composite.state_value().map(|s| s.as_str()).unwrap_or("?")
                    ),
                )
                .map_err(io)?;
        }
        self.note(
            "alarm",
            json!({"name": name, "kind": parsed.kind.as_str(), "class": parsed.class().as_str(),
                   "subject": message.subject, "message": body}),
        );
        Ok(message)
    }

    async fn section_processor(&mut self, raw: &SnsMessage) -> Step<Filed> {
        self.show
            .section("The notification processor handles it")
            .map_err(io)?;
        let mut env = self.stack.function_environment("notification-processor")?;
        // Set by the Lambda runtime, not the template.
        env.insert(
            notification_processor::config::AWS_REGION.to_owned(),
            REGION.to_owned(),
        );
        let event = sns_event(raw);
        // One transition as the Lambda reports it (`lambda_response`), the e-mail body left out.
        let (transition, how) = if self.lambda_runtime {
            let mut process_env = env.clone();
            process_env.extend(self.lambda_env("NotificationProcessorFunction")?);
            process_env.extend(self.emulator_env());
            let mut watch = runtime::Watch::start("notification-processor", &process_env)?;
            let response = watch.invoke(&event)?;
            (
                one_transition(&response)?,
                format!(
                    "the raw topic's message in an SNS event (Records[0].Sns), invoked through `cargo lambda \
                     watch` (Lambda's invoke and runtime APIs, at {}) on the notification-processor binary: \
                     its main and the lambda_runtime loop, with only the environment template.yaml gives \
                     the function, Lambda's own variables and the emulator's endpoint",
                    watch.address()
                ),
            )
        } else {
            let config = Config::from_lookup(Need::Everything, |name| env.get(name).cloned())
                .map_err(|e| e.to_string())?;
            let processor = notification_processor::sdk_processor(&self.clients, config, REGION);
            let reports = processor
                .handle(&event, now_epoch(), RunMode::Live)
                .await
                .map_err(failed("the notification processor"))?;
            (
                one_transition(&lambda_response(&reports))?,
                "the raw topic's message in an SNS event (Records[0].Sns), to the handler the Lambda's \
                     main runs (in this process), configured from the environment template.yaml gives the \
                     function"
                    .to_owned(),
            )
        };
        self.show.field("Delivered", how).map_err(io)?;
        if transition["result"] != "handled" {
            return Err(format!("the processor did not act: {transition}"));
        }
        let scenario = match transition["expedited"].as_bool() {
            Some(true) => format!("{} (expedited)", scalar(&transition["scenario"])),
            _ => scalar(&transition["scenario"]),
        };
        self.show
            .field(
                "Decision",
                format!(
                    "class {}, scenario {scenario}, severity {}",
                    scalar(&transition["class"]),
                    scalar(&transition["severity"])
                ),
            )
            .map_err(io)?;
        let actions = transition["actions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let lines: Vec<String> = actions.iter().map(describe_action).collect();
        self.show.field("Actions", lines.join("\n")).map_err(io)?;
        let key = scalar(&transition["key"]);
        let ledger = self
            .clients
            .ledger(
                env.get(notification_processor::config::LEDGER_TABLE_NAME)
                    .cloned()
                    .unwrap_or_default(),
            )
            .get(&key)
            .await
            .map_err(failed("reading the ledger"))?
            .ok_or("the ledger holds no record of the transition")?;
        self.show
            .field(
                "Ledger",
                format!(
                    "{key}: {}, steps {} (a redelivery of this message files nothing again)",
                    ledger.status.as_str(),
                    ledger.steps.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            )
            .map_err(io)?;
        self.show
            .field(
                "E-mail",
                format!(
                    "{}: \"{}\"",
                    scalar(&transition["email"]["status"]),
                    scalar(&transition["email"]["subject"])
                ),
            )
            .map_err(io)?;
        let tpm_code = self.stack.parameter("TokensPerMinuteQuotaCode")?;
        let tpm_request_id = actions
            .iter()
            .find(|a| a["type"] == "quota_request" && a["quota_code"] == tpm_code)
            .map(|a| scalar(&a["request_id"]))
            .ok_or("the processor filed no TPM quota increase request")?;
        self.note("decision", transition);
        Ok(Filed { tpm_request_id })
    }

    /// What the Lambda service sets from the function's configuration (SAM Globals included).
    fn lambda_env(&self, logical_id: &str) -> Step<[(String, String); 3]> {
        let property = |path: &[&str]| {
            self.stack
                .function_property(logical_id, path)
                .map(|v| scalar(&v))
        };
        Ok([
            (
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".to_owned(),
                property(&["MemorySize"])?,
            ),
            (
                "AWS_LAMBDA_LOG_FORMAT".to_owned(),
                property(&["LoggingConfig", "LogFormat"])?,
            ),
            (
                "AWS_LAMBDA_LOG_LEVEL".to_owned(),
                property(&["LoggingConfig", "ApplicationLogLevel"])?,
            ),
        ])
    }

    /// What points a separate process's SDK clients at the emulator.
    fn emulator_env(&self) -> [(String, String); 5] {
        [
            ("AWS_ENDPOINT_URL", self.emulator.endpoint_url()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_DEFAULT_REGION", REGION),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    }

    fn section_holdings(&mut self) -> Step<()> {
        self.show
            .section("What the emulated AWS services now hold")
            .map_err(io)?;
        let requests = self
            .emulator
            .quota_requests()
            .map_err(failed("reading the quota requests back"))?;
        let cases = self
            .emulator
            .support_cases()
            .map_err(failed("reading the Support cases back"))?;
        if requests.is_empty() && cases.is_empty() {
            return Err("Service Quotas and Support hold nothing: nothing was filed".into());
        }
        for request in &requests {
            self.show
                .field(
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
                )
                .map_err(io)?;
        }
        for case in &cases {
            self.show
                .field(
                    "Support case",
                    format!(
                        "{} \"{}\"\n{}/{}, severity {}, status {}, {} communication(s)",
                        case.display_id,
                        case.subject,
                        case.service_code,
                        case.category_code,
                        case.severity_code,
                        case.status,
                        case.communications.len()
                    ),
                )
                .map_err(io)?;
            // Cases Service Quotas opens carry its own text; the ones this product files carry ours.
            if case.subject.contains("Bedrock Ops Alert")
                && let Some(first) = case.communications.first()
            {
                self.show.verbatim(&first.body).map_err(io)?;
            }
        }
        self.note(
            "quota_requests",
            json!(requests.iter().map(|r| json!({"id": r.id, "quota_code": r.quota_code, "desired_value": r.desired_value,
                "status": r.status, "case_id": r.case_id})).collect::<Vec<_>>()),
        );
        self.note(
            "support_cases",
            json!(cases.iter().map(|c| json!({"display_id": c.display_id, "subject": c.subject, "status": c.status,
                "severity": c.severity_code, "communications": c.communications.len()})).collect::<Vec<_>>()),
        );
        Ok(())
    }

    fn section_email(&mut self, formatted: &str) -> Step<()> {
        self.show
            .section("The e-mail, as the stakeholders receive it")
            .map_err(io)?;
        let messages = self
            .emulator
            .sns_messages(Some(formatted))
            .map_err(failed("reading the formatted topic"))?;
        let [email] = messages.as_slice() else {
            return Err(format!(
                "the formatted topic holds {} messages, expected the one e-mail",
                messages.len()
            ));
        };
        self.show
            .field(
                "Published to",
                format!(
                    "{} (SNS e-mails each subscribed address)",
                    formatted.rsplit(':').next().unwrap_or(formatted)
                ),
            )
            .map_err(io)?;
        self.show
            .field_unwrapped("Subject", email.subject.as_deref().unwrap_or(""))
            .map_err(io)?;
        self.show.verbatim(&email.message).map_err(io)?;
        self.note(
            "email",
            json!({"subject": email.subject, "body": email.message}),
        );
        Ok(())
    }

    async fn section_updater(
        &mut self,
        filed: &Filed,
        l2_before: &[MetricAlarmDef],
        formatted: &str,
    ) -> Step<()> {
        self.show
            .section("The quota is raised; the alarm updater follows")
            .map_err(io)?;
        let tpm_code = self.stack.parameter("TokensPerMinuteQuotaCode")?;
        self.emulator
            .set_request_status(&filed.tpm_request_id, "APPROVED")
            .map_err(failed("approving the quota request"))?;
        let applied = self
            .clients
            .quotas()
            .get(SERVICE_CODE, tpm_code)
            .await
            .map_err(failed("GetServiceQuota"))?;
        self.show
            .field(
                "Service Quotas",
                format!(
                    "request {} APPROVED: TPM {tpm_code} {} → {}",
                    filed.tpm_request_id,
                    number(TPM_QUOTA),
                    number(applied.value)
                ),
            )
            .map_err(io)?;

        let mut env = self.stack.function_environment("alarm-updater")?;
        env.insert(
            alarm_updater::config::AWS_REGION.to_owned(),
            REGION.to_owned(),
        );
        let config = alarm_updater::UpdaterConfig::from_lookup(|name| env.get(name).cloned())
            .map_err(|e| e.to_string())?;
        let ports = alarm_updater::Ports {
            quotas: self.clients.quotas(),
            alarms: self.clients.alarms(),
            parameters: self.clients.parameters(),
            notifier: self.clients.notifier(),
        };
        let event = schedule_event(self.stack)?;
        let report = Box::pin(alarm_updater::handle(&ports, &config, &event, now_epoch()))
            .await
            .map_err(failed("the alarm updater"))?;
        self.show
            .field(
                "Updater run",
                "the scheduled event (EventBridge) to the handler the Lambda runs, configured from the \
                 environment template.yaml gives the function",
            )
            .map_err(io)?;
        let mut lines = Vec::new();
        for (side, figures) in [("RPM", &report.rpm), ("TPM", &report.tpm)] {
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
            lines.push(format!(
                "{side}: quota {}, threshold {}{}",
                moved(&figures.old_quota, &figures.new_quota),
                moved(&figures.old_threshold, &figures.new_threshold),
                if figures.alarm_updated {
                    ", alarm updated"
                } else {
                    ""
                }
            ));
        }
        self.show
            .field("Thresholds", lines.join("\n"))
            .map_err(io)?;
        if !report.tpm.alarm_updated {
            return Err("the updater did not move the TPM alarm's threshold".into());
        }

        let after = self
            .clients
            .alarms()
            .describe(std::slice::from_ref(&report.tpm.alarm))
            .await
            .map_err(failed("DescribeAlarms"))?;
        let before = l2_before
            .iter()
            .find(|a| a.name == report.tpm.alarm)
            .ok_or("the TPM alarm was not read after the calculator")?;
        let now = after.first().ok_or("the TPM alarm is gone")?;
        let only_threshold = MetricAlarmDef {
            threshold: now.threshold,
            state_value: now.state_value.clone(),
            ..before.clone()
        } == *now;
        self.show
            .field(
                "CloudWatch",
                format!(
                    "{} threshold {} → {} (read back){}",
                    now.name,
                    before.threshold.map(number).unwrap_or_default(),
                    now.threshold.map(number).unwrap_or_default(),
                    if only_threshold {
                        "; nothing else of the alarm changed"
                    } else {
                        ""
                    }
                ),
            )
            .map_err(io)?;
        if !only_threshold {
            return Err("the updater changed more of the TPM alarm than its threshold".into());
        }
        let history = self
            .clients
            .parameters()
            .history(&format!(
                "{}{}",
                parameter_prefix(CUSTOMER, MODEL),
                keys::TPM_THRESHOLD_CALCULATED
            ))
            .await
            .map_err(failed("GetParameterHistory"))?;
        let versions: Vec<String> = history
            .iter()
            .map(|v| format!("v{} {}", v.version, figure(&v.value)))
            .collect();
        self.show
            .field(
                "Parameter Store",
                format!(
                    "{} history: {}",
                    keys::TPM_THRESHOLD_CALCULATED,
                    versions.join(" → ")
                ),
            )
            .map_err(io)?;
        let messages = self
            .emulator
            .sns_messages(Some(formatted))
            .map_err(failed("reading the formatted topic"))?;
        let email = messages
            .get(1)
            .ok_or("the updater published no quota-change e-mail")?;
        self.show
            .field_unwrapped("E-mail", email.subject.as_deref().unwrap_or(""))
            .map_err(io)?;
        self.show.verbatim(&email.message).map_err(io)?;
        self.note(
            "updater",
            json!({"report": report, "tpm_threshold_history": history.iter().map(|v| v.value.clone()).collect::<Vec<_>>(),
                   "email": {"subject": email.subject, "body": email.message}}),
        );
        Ok(())
    }
}

/// CloudWatch's wording for a breach, from the datapoints that caused it.
fn breach_reason(last: &[usage::Minute], threshold: f64) -> String {
    let points: Vec<String> = last
        .iter()
        .rev()
        .map(|m| {
            let text = utc(m.at);
            // `2026-11-23 11:49:00 UTC` → `23/11/26 11:49:00`, CloudWatch's format.
            let (date, time) = text.split_once(' ').unwrap_or((&text, ""));
            let mut parts = date.split('-');
            let (year, month, day) = (
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            format!(
                "{:.1} ({day}/{month}/{} {})",
                m.estimated_tpm(),
                year.get(2..).unwrap_or(year),
                time.trim_end_matches(" UTC")
            )
        })
        .collect();
    format!(
        "Threshold Crossed: {n} out of the last {n} datapoints [{}] were greater than the threshold ({threshold:.1}) \
         (minimum {n} datapoints for OK -> ALARM transition).",
        points.join(", "),
        n = last.len()
    )
}

/// The SNS → Lambda event for one message of the raw topic, as SNS builds it.
fn sns_event(message: &SnsMessage) -> Value {
    // Whole seconds are enough for the demo; SNS writes milliseconds.
    let timestamp = utc(message.timestamp as i64)
        .trim_end_matches(" UTC")
        .replacen(' ', "T", 1)
        + ".000Z";
    json!({
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": format!("{}:00000000-0000-4000-8000-00000000demo", message.topic_arn),
            "Sns": {
                "Type": "Notification",
                "MessageId": message.message_id,
                "TopicArn": message.topic_arn,
                "Subject": message.subject,
                "Message": message.message,
                "Timestamp": timestamp,
                "SignatureVersion": "1",
                "Signature": "EXAMPLE",
                "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-demo.pem",
                "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                "MessageAttributes": {}
            }
        }]
    })
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

/// The Lambda's answer for its only transition.
fn one_transition(response: &Value) -> Step<Value> {
    match response["transitions"].as_array().map(Vec::as_slice) {
        Some([transition]) => Ok(transition.clone()),
        _ => Err(format!(
            "expected one transition in the Lambda's answer: {response}"
        )),
    }
}

/// One action of the decision's JSON (the CLI contract: `type` and its fields) for people.
fn describe_action(action: &Value) -> String {
    let field = |name: &str| scalar(&action[name]);
    let count = |name: &str| action[name].as_f64().map(number).unwrap_or_default();
    match action["type"].as_str().unwrap_or("") {
        "quota_request" => format!(
            "{} increase requested: {} ({})\n  {} → {}, request {}{}",
            field("quota").to_uppercase(),
            field("quota_code"),
            field("quota_name"),
            count("current"),
            count("desired"),
            field("request_id"),
            action["display_id"]
                .as_str()
                .map(|id| format!(", Support case {id}"))
                .unwrap_or_default()
        ),
        "support_case" => format!(
            "Support case {} opened ({})",
            field("display_id"),
            field("category")
        ),
        "append" => format!(
            "appended to open Support case {} ({})",
            field("display_id"),
            field("category")
        ),
        _ => format!(
            "nothing filed: {}{}",
            field("reason"),
            action["message"]
                .as_str()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breach_reason_reads_like_cloudwatchs() {
        let minutes = [
            usage::Minute {
                at: 1_795_000_020,
                invocations: 6_200.0,
            },
            usage::Minute {
                at: 1_795_000_080,
                invocations: 6_200.0,
            },
        ];
        assert_eq!(
            breach_reason(&minutes, 5_000_000.0),
            "Threshold Crossed: 2 out of the last 2 datapoints [5580000.0 (18/11/26 11:08:00), 5580000.0 \
             (18/11/26 11:07:00)] were greater than the threshold (5000000.0) (minimum 2 datapoints for OK -> \
             ALARM transition)."
        );
    }
}
