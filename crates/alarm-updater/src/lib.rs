//! The alarm updater: on an EventBridge schedule, re-reads the Bedrock quotas and, when one moved, moves the
//! quota alarms' thresholds with it (nothing else of the alarms; RPM and TPM, or RPM and a split model's
//! input and output token alarms), e-mails the change and records it.
//!
//! It computes and stores exactly like the quota calculator, through the live thresholds they share
//! (`bedrock_ops_core::live_thresholds`, pure, and `bedrock_ops_aws::live_thresholds`, I/O); the calculator
//! owns the alarms' definition, this crate only their threshold (no drift, W-9).
//!
//! | module | what |
//! |---|---|
//! | [`config`] | the Lambda environment |
//! | [`handler`] | one run, generic over the adapter traits, and its error type |

pub mod config;
pub mod handler;

pub use config::{ConfigError, UpdaterConfig};
pub use handler::{
    Assessment, Ports, Report, SideReport, UpdaterError, alarm_names, assess, handle, run,
};
