//! AWS adapters: each capability the product needs is a trait, an SDK-backed implementation and an in-memory fake.
//!
//! Handlers are generic over the traits; `main` builds [`AwsClients`] once and hands out the SDK implementations,
//! unit tests hand in the fakes (`memory` modules), which record what was done and can be told to fail. The fakes
//! compile only for this crate's tests and with the `test-util` feature, which the other crates enable in their
//! dev-dependencies: no production build carries them.
//!
//! [`clock`] is the one wall clock of every crate above; [`diagnostic`] the one mapping of a Lambda's error to
//! the `Retryable` / `NonRetryable` diagnostic.
//!
//! [`live_thresholds`] is the one use case above the traits: reading the live quotas and the stored record and
//! writing a change's record, shared by the quota calculator, the alarm updater and the CLI.

pub mod alarms;
pub mod clients;
pub mod clock;
pub mod diagnostic;
pub mod error;
#[cfg(any(test, feature = "test-util"))]
mod fake;
pub mod inference_profiles;
pub mod lambda_config;
pub mod ledger;
pub mod live_thresholds;
pub mod metrics;
pub mod notify;
pub mod parameters;
pub mod queue;
pub mod quotas;
pub mod support;
pub mod telemetry;
#[cfg(test)]
mod test_support;

pub use alarms::AlarmAdmin;
pub use clients::{AwsClients, ClientSettings};
pub use error::AwsError;
pub use inference_profiles::InferenceProfiles;
pub use ledger::Ledger;
pub use metrics::UsageMetrics;
pub use notify::Notifier;
pub use parameters::ParameterStore;
pub use queue::FollowUpQueue;
pub use quotas::QuotaService;
pub use support::SupportDesk;
