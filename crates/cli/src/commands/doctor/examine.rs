//! Every check after the stack's own: the reads, all at once (one round trip after DescribeStacks, plus
//! pages), and each read's verdict from the core.

use std::collections::BTreeMap;

use bedrock_ops_aws::live_thresholds::{LiveError, read_live};
use bedrock_ops_aws::quotas::QuotaService;
use bedrock_ops_aws::{AlarmAdmin, AwsError, ParameterStore};
use bedrock_ops_core::doctor::Check;
use bedrock_ops_core::doctor::checks::{
    self, AlarmActions, SERVICE_QUOTAS_ROLE, SupportAccess, Unreadable, ids,
};
use bedrock_ops_core::live_thresholds::Stored;
use bedrock_ops_core::settings::keys;

use super::stack::DeployedStack;
use crate::inspect::{Inspector, Window};

/// The adapters the checks read through.
pub struct Sources<'a, I, A, P, Q> {
    pub inspector: &'a I,
    pub alarms: &'a A,
    pub parameters: &'a P,
    pub quotas: &'a Q,
    pub now: i64,
}

/// The IAM action of a failed call (`service-quotas` is `servicequotas` there).
pub fn unreadable(error: &AwsError) -> Unreadable {
    let service = match error.service() {
        "service-quotas" => "servicequotas",
        other => other,
    };
    Unreadable {
        call: format!("{service}:{}", error.operation()),
        denied: matches!(error, AwsError::AccessDenied { .. }),
        retryable: error.is_retryable(),
        message: error.message().to_owned(),
    }
}

fn live_failure(error: &LiveError) -> (Unreadable, String) {
    match error {
        LiveError::Read { source, .. } => (unreadable(source), error.to_string()),
        LiveError::Unusable { .. } => (
            Unreadable {
                call: "servicequotas:GetServiceQuota".into(),
                denied: false,
                retryable: false,
                message: error.to_string(),
            },
            error.to_string(),
        ),
    }
}

impl<I: Inspector, A: AlarmAdmin, P: ParameterStore, Q: QuotaService> Sources<'_, I, A, P, Q> {
    /// The checks in report order, after `stack`.
    pub async fn checks(&self, stack: &DeployedStack) -> Vec<Check> {
        let names = &stack.names;
        let live = async {
            match &stack.quota_config {
                Ok(config) => read_live(self.quotas, config)
                    .await
                    .map_err(|e| live_failure(&e)),
                Err(reason) => Err((
                    Unreadable {
                        call: "cloudformation:DescribeStacks".into(),
                        denied: false,
                        retryable: false,
                        message: reason.clone(),
                    },
                    format!("the stack's quota parameters do not parse: {reason}"),
                )),
            }
        };
        let (subscriptions, alarms, traffic, active, parameters, table, support, role, live) = tokio::join!(
            self.inspector.subscriptions(&names.formatted_topic_arn),
            self.alarms.describe(&stack.alarms),
            self.inspector
                .with_invocations(&stack.monitored, Window::last_day(self.now)),
            self.inspector.model_ids_in_region(),
            self.parameters.get_by_path(&names.settings_prefix),
            self.inspector.table(&names.ledger_table),
            self.inspector.severity_levels(),
            self.inspector.role_exists(SERVICE_QUOTAS_ROLE),
            live,
        );
        let mut out = Vec::with_capacity(10);
        out.push(match subscriptions {
            Ok(subscriptions) => checks::subscriptions(names, &subscriptions),
            Err(e) => checks::cannot_run(ids::SUBSCRIPTIONS, &unreadable(&e)),
        });
        out.push(match alarms {
            Ok(found) => {
                let found: Vec<AlarmActions> = found
                    .into_iter()
                    .map(|a| AlarmActions {
                        name: a.name,
                        actions_enabled: a.actions_enabled,
                        alarm_actions: a.alarm_actions,
                        ok_actions: a.ok_actions,
                    })
                    .collect();
                checks::alarms(names, &stack.alarms, &found)
            }
            Err(e) => checks::cannot_run(ids::ALARMS, &unreadable(&e)),
        });
        let active = active.map_err(|e| unreadable(&e));
        out.push(match traffic {
            Ok(with_traffic) => checks::traffic(&stack.monitored, &with_traffic, &active),
            Err(e) => checks::cannot_run(ids::TRAFFIC, &unreadable(&e)),
        });
        match parameters {
            Ok(values) => {
                let (settings, stored) = split(values);
                out.push(checks::settings(names, &settings));
                out.push(checks::mode(names, &settings));
                // A split token model keeps its input and output quotas' keys instead of the TPM ones.
                let split = stack
                    .quota_config
                    .as_ref()
                    .is_ok_and(|config| config.tokens.split().is_some());
                out.push(checks::thresholds(names, &stored, split));
                out.push(checks::quotas(names, &live, &stored, self.now));
            }
            Err(e) => {
                let failure = unreadable(&e);
                for id in [ids::SETTINGS, ids::MODE, ids::THRESHOLDS, ids::QUOTAS] {
                    out.push(checks::cannot_run(id, &failure));
                }
            }
        }
        out.push(match table {
            Ok(table) => checks::ledger(names, table.as_ref()),
            Err(e) => checks::cannot_run(ids::LEDGER, &unreadable(&e)),
        });
        out.push(checks::support(&match support {
            Ok(()) => SupportAccess::Open,
            Err(AwsError::SubscriptionRequired { .. }) => SupportAccess::NotSubscribed,
            Err(e) => SupportAccess::Unreadable(unreadable(&e)),
        }));
        out.push(checks::service_linked_role(
            &role.map_err(|e| unreadable(&e)),
        ));
        out
    }
}

/// The settings (top-level keys) and the stored record (`thresholds/…`) of one GetParametersByPath walk.
fn split(values: BTreeMap<String, String>) -> (BTreeMap<String, String>, Stored) {
    let (stored, settings): (BTreeMap<_, _>, BTreeMap<_, _>) = values
        .into_iter()
        .partition(|(key, _)| key.starts_with(keys::THRESHOLDS_DIR));
    (settings, Stored::from_values(stored))
}
