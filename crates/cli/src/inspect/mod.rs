//! Read-only inspections of a deployed stack that no Lambda makes, for `doctor`: the formatted topic's
//! subscriptions, which ModelIds carry Bedrock traffic, the ledger table's state and TTL, the Support
//! plan, an IAM role. One trait ([`Inspector`]) over the SDK clients ([`sdk`]) and, for tests, in memory
//! ([`memory`]). It lives in the CLI crate, like `cloudformation`, so no Lambda compiles IAM.

use std::collections::BTreeSet;
use std::future::Future;

use bedrock_ops_aws::AwsError;
use bedrock_ops_core::doctor::checks::{Subscription, Table};

#[cfg(test)]
pub mod memory;
pub mod sdk;

/// A time window in epoch seconds, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    /// The last 24 hours up to the next whole minute after `now`.
    pub fn last_day(now: i64) -> Window {
        let end = now - now.rem_euclid(60) + 60;
        Window {
            start: end - 86_400,
            end,
        }
    }
}

pub trait Inspector {
    /// Every subscription of the topic (ListSubscriptionsByTopic, every page).
    fn subscriptions(
        &self,
        topic_arn: &str,
    ) -> impl Future<Output = Result<Vec<Subscription>, AwsError>>;
    /// The ids among `model_ids` with at least one `AWS/Bedrock` Invocations datapoint above zero in the
    /// window (one GetMetricData, one query per id).
    fn with_invocations(
        &self,
        model_ids: &[String],
        window: Window,
    ) -> impl Future<Output = Result<BTreeSet<String>, AwsError>>;
    /// The ModelId values with `AWS/Bedrock` Invocations metrics in the Region (ListMetrics: metrics with
    /// data in the last two weeks), sorted.
    fn model_ids_in_region(&self) -> impl Future<Output = Result<Vec<String>, AwsError>>;
    /// The table's status and TTL (DescribeTable and DescribeTimeToLive, concurrently); `None` when the
    /// table does not exist.
    fn table(&self, name: &str) -> impl Future<Output = Result<Option<Table>, AwsError>>;
    /// DescribeSeverityLevels: answers only on a Support plan with API access.
    fn severity_levels(&self) -> impl Future<Output = Result<(), AwsError>>;
    /// iam:GetRole: whether the role exists.
    fn role_exists(&self, name: &str) -> impl Future<Output = Result<bool, AwsError>>;
}
