//! The quota calculator: a CloudFormation custom resource that checks the stack's quota codes against the
//! model, reads the live quotas, computes the thresholds with the core, and owns the two L2 quota alarms
//! (created and updated with PutMetricAlarm, deleted with the stack). The live thresholds and their record
//! (shared with the alarm updater and the CLI) are `bedrock_ops_core::live_thresholds` (pure) and
//! `bedrock_ops_aws::live_thresholds` (I/O).
//!
//! | module | what |
//! |---|---|
//! | [`handler`] | the Lambda handler, generic over the adapter traits, and its error type |
//! | [`properties`] | the custom resource's properties, parsed and checked |
//! | [`resolve`] | which model and mode the codes must fit: an application inference profile resolved (GetInferenceProfile) |
//! | [`validate`] | quota codes against ListServiceQuotas and the core's name matching |
//! | [`alarm_def`] | the core's alarm definition in the adapter's PutMetricAlarm shape |
//! | [`response`] | the answer PUT to CloudFormation's pre-signed URL |

pub mod alarm_def;
pub mod handler;
pub mod properties;
pub mod resolve;
pub mod response;
mod split;
pub mod validate;

pub use handler::{CalculatorError, Outcome, Ports, handle, physical_resource_id};
#[cfg(any(test, feature = "test-util"))]
pub use response::MemorySink;
pub use response::{HttpsSink, ResponseSink, SinkError, Status};
