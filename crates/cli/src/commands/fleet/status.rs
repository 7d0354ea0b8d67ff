//! `fleet status [--file F] [--json]`: one line per stack of the fleet — CloudFormation's status, the live
//! RPM/TPM thresholds and quotas the stack keeps in Parameter Store, its alarms now in ALARM, open quota
//! increase requests and open Support cases. Reads only. A source that cannot be read is named on the
//! stack's line ("unreadable"), never shown as an empty value.
//!
//! With [targets] the live values live in each target account: the line shows the StackSet and the state
//! of its instances, and says so.

use std::collections::BTreeMap;
use std::io::Write;

use bedrock_ops_aws::quotas::QuotaService;
use bedrock_ops_aws::support::SupportDesk;
use bedrock_ops_aws::{AlarmAdmin, AwsClients, ParameterStore};
use bedrock_ops_core::alarms::{AlarmKind, AlarmName};
use bedrock_ops_core::dedup::{CaseCategory, case_subject};
use bedrock_ops_core::fleet::identity::{FLEET_TAG, MODEL_TAG, stack_name};
use bedrock_ops_core::fleet::render::status_table;
use bedrock_ops_core::fleet::status::{Limits, OpenRequest, StackStatus};
use bedrock_ops_core::settings::{keys, parameter_prefix};
use bedrock_ops_core::thresholds::{NOT_APPLICABLE, SERVICE_CODE};

use super::FleetArgs;
use super::desired::load;
use crate::cloudformation::sdk::{SdkStackSets, SdkStacks};
use crate::cloudformation::{StackSets, Stacks};
use crate::commands::{CommandResult, aws_config};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Print JSON (an array, one object per stack).
    #[arg(long)]
    pub json: bool,
}

/// How far back open Support cases are looked for (the template's longest lookback).
const CASE_LOOKBACK_DAYS: i64 = 90;

/// The live reads of one stack, each source independent of the others.
pub struct Live<'a, P, A, Q, S> {
    pub parameters: &'a P,
    pub alarms: &'a A,
    pub quotas: &'a Q,
    pub support: &'a S,
    pub now: i64,
}

impl<P: ParameterStore, A: AlarmAdmin, Q: QuotaService, S: SupportDesk> Live<'_, P, A, Q, S> {
    pub async fn read(&self, customer: &str, model: &str, row: &mut StackStatus) {
        let wanted = [
            keys::RPM_THRESHOLD_CALCULATED,
            keys::TPM_THRESHOLD_CALCULATED,
            keys::RPM_QUOTA,
            keys::TPM_QUOTA,
            keys::RPM_QUOTA_CODE,
            keys::TPM_QUOTA_CODE,
        ];
        let names: Vec<String> = AlarmKind::ALL
            .iter()
            .map(|kind| AlarmName::new(customer, *kind, model).to_string())
            .collect();
        let prefix = parameter_prefix(customer, model);
        let (stored, alarms, cases) = tokio::join!(
            self.parameters.get_keys(&prefix, &wanted),
            self.alarms.describe(&names),
            self.support
                .open_cases(self.now - CASE_LOOKBACK_DAYS * 86_400),
        );
        let stored: BTreeMap<String, String> = stored.unwrap_or_else(|e| {
            row.unreadable
                .push(format!("parameter store: {}", e.message()));
            BTreeMap::new()
        });
        let get = |key: &str| stored.get(key).cloned();
        row.rpm = Limits {
            threshold: get(keys::RPM_THRESHOLD_CALCULATED),
            quota: get(keys::RPM_QUOTA),
        };
        row.tpm = Limits {
            threshold: get(keys::TPM_THRESHOLD_CALCULATED),
            quota: get(keys::TPM_QUOTA),
        };
        match alarms {
            Ok(alarms) => {
                row.in_alarm = alarms
                    .iter()
                    .filter(|a| a.state_value.as_deref() == Some("ALARM"))
                    .filter_map(|a| AlarmName::parse(&a.name).ok())
                    .map(|name| name.kind.as_str().to_owned())
                    .collect();
            }
            Err(e) => row.unreadable.push(format!("cloudwatch: {}", e.message())),
        }
        for code in [get(keys::RPM_QUOTA_CODE), get(keys::TPM_QUOTA_CODE)]
            .into_iter()
            .flatten()
            .filter(|c| !c.eq_ignore_ascii_case(NOT_APPLICABLE))
        {
            match self.quotas.open_requests(SERVICE_CODE, &code).await {
                Ok(requests) => {
                    row.open_requests
                        .extend(requests.into_iter().map(|r| OpenRequest {
                            quota_code: r.quota_code,
                            desired: r.desired.max(0.0) as u64,
                            status: r.status.as_str().to_owned(),
                            case_id: r.case_id,
                        }))
                }
                Err(e) => row
                    .unreadable
                    .push(format!("service quotas: {}", e.message())),
            }
        }
        match cases {
            Ok(cases) => {
                let subjects = [
                    CaseCategory::QuotaRequest,
                    CaseCategory::InvestigationRequest,
                ]
                .map(|category| case_subject(customer, model, category));
                row.open_cases = cases
                    .into_iter()
                    .filter(|c| subjects.iter().any(|s| s == c.subject.trim()))
                    .map(|c| c.display_id.unwrap_or(c.case_id))
                    .collect();
            }
            Err(e) => row.unreadable.push(format!("support: {}", e.message())),
        }
    }
}

fn row(stack_name: String, model: String, status: Option<String>) -> StackStatus {
    StackStatus {
        stack_name,
        model,
        status,
        rpm: Limits::default(),
        tpm: Limits::default(),
        in_alarm: Vec::new(),
        open_requests: Vec::new(),
        open_cases: Vec::new(),
        unreadable: Vec::new(),
    }
}

/// The fleet's stacks: every model of the file, then the stacks carrying the fleet's tag whose model left it.
fn fleet_rows(
    customer: &str,
    models: &[String],
    listed: &[(String, String, BTreeMap<String, String>)],
) -> Vec<StackStatus> {
    let mut rows: Vec<StackStatus> = models
        .iter()
        .map(|model| {
            let name = stack_name(customer, model);
            let status = listed
                .iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, s, _)| s.clone());
            row(name, model.clone(), status)
        })
        .collect();
    for (name, status, tags) in listed {
        let ours = tags.get(FLEET_TAG).is_some_and(|c| c == customer);
        if ours && !rows.iter().any(|r| &r.stack_name == name) {
            let model = tags.get(MODEL_TAG).cloned().unwrap_or_default();
            rows.push(row(
                name.clone(),
                model,
                Some(format!("{status} (not in the file)")),
            ));
        }
    }
    rows
}

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    let loaded = load(&args.fleet)?;
    let customer = loaded.fleet.customer.clone();
    let models: Vec<String> = loaded.fleet.models.iter().map(|m| m.name.clone()).collect();
    let runtime = aws_config::runtime()?;
    let rows = runtime.block_on(async {
        let config = aws_config::load(loaded.region(&args.fleet)).await?;
        let cloudformation = aws_sdk_cloudformation::Client::new(&config);
        if loaded.fleet.targets.is_some() {
            let sets = SdkStackSets::new(cloudformation, args.fleet.delegated_admin);
            return stack_set_rows(&sets, &customer, &models).await;
        }
        let listed: Vec<(String, String, BTreeMap<String, String>)> =
            SdkStacks::new(cloudformation)
                .list()
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|s| (s.name, s.status, s.tags))
                .collect();
        let clients = AwsClients::new(&config);
        let (parameters, alarms, quotas, support) = (
            clients.parameters(),
            clients.alarms(),
            clients.quotas(),
            clients.support_desk(),
        );
        let live = Live {
            parameters: &parameters,
            alarms: &alarms,
            quotas: &quotas,
            support: &support,
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        };
        let mut rows = fleet_rows(&customer, &models, &listed);
        for row in &mut rows {
            if row.status.is_some() {
                let model = row.model.clone();
                live.read(&customer, &model, row).await;
            }
        }
        Ok::<_, String>(rows)
    })?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
    } else {
        out.write_all(status_table(&rows).as_bytes())?;
    }
    Ok(())
}

/// StackSets: the set's status and its instances' (the live values are in the target accounts).
async fn stack_set_rows(
    sets: &impl StackSets,
    customer: &str,
    models: &[String],
) -> Result<Vec<StackStatus>, String> {
    let mut rows = Vec::new();
    for model in models {
        let name = stack_name(customer, model);
        let set = sets.describe(&name).await.map_err(|e| e.to_string())?;
        let mut line = row(name.clone(), model.clone(), None);
        if let Some(set) = set.filter(|s| s.status != "DELETED") {
            let instances = sets.instances(&name).await.map_err(|e| e.to_string())?;
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for instance in &instances {
                *counts.entry(instance.status.clone()).or_default() += 1;
            }
            let summary: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
            line.status = Some(format!(
                "{} ({} instances: {})",
                set.status,
                instances.len(),
                summary.join(", ")
            ));
            line.unreadable.push(
                "live values: in each target account (run fleet status there without [targets])"
                    .into(),
            );
        }
        rows.push(line);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use bedrock_ops_aws::AwsError;
    use bedrock_ops_aws::alarms::MetricAlarmDef;
    use bedrock_ops_aws::alarms::memory::MemoryAlarms;
    use bedrock_ops_aws::parameters::memory::MemoryParameters;
    use bedrock_ops_aws::quotas::memory::MemoryQuotas;
    use bedrock_ops_aws::quotas::{ChangeStatus, RequestedChange};
    use bedrock_ops_aws::support::memory::MemorySupport;
    use bedrock_ops_core::settings::parameter_name;

    use super::*;

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    /// The Opus stack's line as [`Live::read`] fills it from these fakes.
    async fn read_opus(
        parameters: &MemoryParameters,
        alarms: &MemoryAlarms,
        quotas: &MemoryQuotas,
        support: &MemorySupport,
    ) -> StackStatus {
        let live = Live {
            parameters,
            alarms,
            quotas,
            support,
            now: now(),
        };
        let mut line = row(
            "bedrock-ops-alert-Acme-Opus".into(),
            "Opus".into(),
            Some("CREATE_COMPLETE".into()),
        );
        live.read("Acme", "Opus", &mut line).await;
        line
    }

    fn alarm(kind: AlarmKind, state: &str) -> MetricAlarmDef {
        let mut alarm = MetricAlarmDef::metric_math(
            AlarmName::new("Acme", kind, "Opus").to_string(),
            Vec::new(),
            1.0,
            "GreaterThanThreshold",
            1,
        );
        alarm.state_value = Some(state.into());
        alarm
    }

    #[tokio::test]
    async fn a_stacks_line_holds_its_thresholds_alarms_requests_and_cases() {
        let parameters = MemoryParameters::new();
        for (key, value) in [
            (keys::RPM_THRESHOLD_CALCULATED, "8000"),
            (keys::RPM_QUOTA, "10000"),
            (keys::TPM_THRESHOLD_CALCULATED, "5000000"),
            (keys::TPM_QUOTA, "6250000"),
            (keys::RPM_QUOTA_CODE, "L-3DD46812"),
            (keys::TPM_QUOTA_CODE, "L-3DCCFAA4"),
        ] {
            parameters.seed(&parameter_name("Acme", "Opus", key), value);
        }
        // Another model's stored values must not leak into this line.
        parameters.seed(&parameter_name("Acme", "Haiku", keys::RPM_QUOTA), "1");
        let alarms = MemoryAlarms::new();
        alarms.seed(alarm(AlarmKind::HighTpmQuotaUsage, "ALARM"));
        alarms.seed(alarm(AlarmKind::Throttles, "OK"));
        let quotas = MemoryQuotas::new();
        quotas.seed_request(
            SERVICE_CODE,
            RequestedChange {
                id: "r-1".into(),
                quota_code: "L-3DCCFAA4".into(),
                case_id: Some("17000000001".into()),
                status: ChangeStatus::CaseOpened,
                desired: 7_812_500.0,
                created: Some(now()),
            },
        );
        let support = MemorySupport::new();
        support.seed_open_case(
            "Acme - Bedrock Ops Alert - Opus - Investigation Request",
            3600,
        );
        support.seed_open_case(
            "Acme - Bedrock Ops Alert - Opus-2 - Investigation Request",
            3600,
        );
        let line = read_opus(&parameters, &alarms, &quotas, &support).await;
        assert_eq!(
            line.rpm,
            Limits {
                threshold: Some("8000".into()),
                quota: Some("10000".into())
            }
        );
        assert_eq!(
            line.tpm,
            Limits {
                threshold: Some("5000000".into()),
                quota: Some("6250000".into())
            }
        );
        assert_eq!(line.in_alarm, ["HighTPMQuotaUsage"]);
        assert_eq!(
            line.open_requests,
            [OpenRequest {
                quota_code: "L-3DCCFAA4".into(),
                desired: 7_812_500,
                status: "CASE_OPENED".into(),
                case_id: Some("17000000001".into()),
            }]
        );
        assert_eq!(line.open_cases.len(), 1, "only this stack's exact subject");
        assert!(line.unreadable.is_empty(), "{:?}", line.unreadable);
    }

    #[tokio::test]
    async fn a_source_that_cannot_be_read_is_named_not_shown_as_empty() {
        let parameters = MemoryParameters::new();
        parameters.seed(&parameter_name("Acme", "Opus", keys::RPM_QUOTA_CODE), "NA");
        let support = MemorySupport::new();
        support.set_subscribed(false);
        let alarms = MemoryAlarms::new();
        alarms.fail_always(
            "DescribeAlarms",
            AwsError::from_code(
                "cloudwatch",
                "DescribeAlarms",
                "AccessDenied",
                "not allowed",
                Some(403),
            ),
        );
        let quotas = MemoryQuotas::new();
        let line = read_opus(&parameters, &alarms, &quotas, &support).await;
        assert_eq!(line.unreadable.len(), 2, "{:?}", line.unreadable);
        assert!(
            line.unreadable[0].starts_with("cloudwatch: "),
            "{:?}",
            line.unreadable
        );
        assert!(
            line.unreadable[1].starts_with("support: "),
            "{:?}",
            line.unreadable
        );
        assert_eq!(
            quotas.calls("ListRequestedServiceQuotaChangeHistoryByQuota"),
            0,
            "NA is no quota"
        );
    }

    #[test]
    fn stacks_tagged_for_the_fleet_but_gone_from_the_file_get_a_line() {
        let tags = |customer: &str, model: &str| {
            BTreeMap::from([
                (FLEET_TAG.to_owned(), customer.to_owned()),
                (MODEL_TAG.to_owned(), model.to_owned()),
            ])
        };
        let listed = vec![
            (
                "bedrock-ops-alert-Acme-Opus".to_owned(),
                "CREATE_COMPLETE".to_owned(),
                tags("Acme", "Opus"),
            ),
            (
                "bedrock-ops-alert-Acme-Old".to_owned(),
                "UPDATE_COMPLETE".to_owned(),
                tags("Acme", "Old"),
            ),
            (
                "bedrock-ops-alert-Globex-X".to_owned(),
                "CREATE_COMPLETE".to_owned(),
                tags("Globex", "X"),
            ),
        ];
        let rows = fleet_rows("Acme", &["Opus".into(), "Haiku".into()], &listed);
        let lines: Vec<(&str, Option<&str>)> = rows
            .iter()
            .map(|r| (r.stack_name.as_str(), r.status.as_deref()))
            .collect();
        assert_eq!(
            lines,
            [
                ("bedrock-ops-alert-Acme-Opus", Some("CREATE_COMPLETE")),
                ("bedrock-ops-alert-Acme-Haiku", None),
                (
                    "bedrock-ops-alert-Acme-Old",
                    Some("UPDATE_COMPLETE (not in the file)")
                ),
            ]
        );
    }
}
