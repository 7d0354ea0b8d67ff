//! The notification processor: one CloudWatch alarm transition of a stack → the core's decision, the Service
//! Quotas requests and Support cases it calls for, one e-mail, and an audit record in the ledger.
//!
//! | Module | What |
//! |---|---|
//! | [`event`] | SNS event / alarm message → [`event::Transition`] (this stack's alarms only; no panic, bounded) |
//! | [`admission`] | only this account's and Region's alarms, within the time window |
//! | [`config`] | the Lambda's environment variables, parsed |
//! | [`handler`] | [`Processor`]: claim, read, plan, file, e-mail, record — in rooms, one concern each: |
//! | `handler::alarm` | an ALARM transition, start to end |
//! | `handler::recovery` | an OK transition that ends an ALARM: the recovery e-mail |
//! | `handler::gate` | the ledger claim and what it admits (handle, resume, or stop) |
//! | `handler::case_lock` | the category's case lock: one Support case when alarms of a category arrive together |
//! | `handler::reads` | settings, usage, live quotas and open cases, read into the plan's input |
//! | `handler::filing` | Service Quotas requests, appends to open cases, new Support cases |
//! | `handler::delivery` | the e-mail with the closing write; the recorded e-mail of an earlier attempt |
//! | `handler::follow_up` | the follow-up of a Service Quotas request: scheduled after the request, one look per SQS message (context appended once, one e-mail) |
//! | `handler::record` | the typed record the ledger keeps between attempts |
//! | `handler::report` | the output contract: [`Decision`], [`Report`], [`EmailStatus`] and their JSON |
//! | [`error`] | [`ProcessorError`] with its `Retryable` / `NonRetryable` diagnostic |
//!
//! The Lambda (`main.rs`) and the CLI's `process` and `simulate` commands run the same [`Processor`].
// Every event is hostile until parsed (issue 13): no byte-index slicing and no unwrap anywhere in the
// library outside tests; the two `expect`s left are invariants of our own serialisable types.
#![cfg_attr(
    not(test),
    deny(clippy::string_slice, clippy::indexing_slicing, clippy::unwrap_used)
)]

pub mod admission;
pub mod config;
pub mod error;
pub mod event;
pub mod handler;

use bedrock_ops_aws::AwsClients;
use bedrock_ops_aws::ledger::sdk::SdkLedger;
use bedrock_ops_aws::metrics::sdk::SdkUsageMetrics;
use bedrock_ops_aws::notify::sdk::SdkNotifier;
use bedrock_ops_aws::parameters::sdk::SdkParameters;
use bedrock_ops_aws::queue::sdk::SdkQueue;
use bedrock_ops_aws::quotas::sdk::SdkQuotas;
use bedrock_ops_aws::support::sdk::SdkSupport;

pub use config::{Config, Need};
pub use error::ProcessorError;
pub use handler::{
    Decision, EmailStatus, FollowUpReport, FollowUpResult, Ports, Processor, Report, RunMode,
    batch_response, lambda_response,
};

/// The processor over the real SDK clients.
pub type SdkProcessor = Processor<
    SdkParameters,
    SdkUsageMetrics,
    SdkQuotas,
    SdkSupport,
    SdkNotifier,
    SdkLedger,
    SdkQueue,
>;

/// Builds the processor over `clients`; the ledger table comes from the configuration (a simulation has
/// none and never touches it).
pub fn sdk_processor(
    clients: &AwsClients,
    config: Config,
    region: impl Into<String>,
) -> SdkProcessor {
    let ledger = clients.ledger(config.ledger_table_name.clone().unwrap_or_default());
    let ports = Ports {
        parameters: clients.parameters(),
        metrics: clients.usage_metrics(),
        quotas: clients.quotas(),
        support: clients.support_desk(),
        notifier: clients.notifier(),
        ledger,
        follow_ups: clients.follow_up_queue(config.follow_up_queue_url.clone().unwrap_or_default()),
    };
    Processor::new(ports, config, region)
}
