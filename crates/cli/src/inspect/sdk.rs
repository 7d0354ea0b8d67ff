//! [`Inspector`] over the SDK clients.

use std::collections::BTreeSet;

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, DimensionFilter, Metric, MetricDataQuery, MetricStat};
use aws_sdk_dynamodb::types::TimeToLiveStatus;
use aws_sdk_sns::error::ProvideErrorMetadata;
use bedrock_ops_aws::{AwsClients, AwsError};
use bedrock_ops_core::doctor::checks::{Subscription, Table};

use super::{Inspector, Window};

const BEDROCK: &str = "AWS/Bedrock";
const MODEL_ID: &str = "ModelId";
const INVOCATIONS: &str = "Invocations";
/// ListMetrics pages read at most (500 metrics each).
const MAX_METRIC_PAGES: usize = 10;

/// The SDK clients doctor reads through: the adapters' shared ones, plus IAM.
pub struct SdkInspector {
    pub clients: AwsClients,
    pub iam: aws_sdk_iam::Client,
}

impl Inspector for SdkInspector {
    async fn subscriptions(&self, topic_arn: &str) -> Result<Vec<Subscription>, AwsError> {
        let pages: Vec<_> = self
            .clients
            .sns
            .list_subscriptions_by_topic()
            .topic_arn(topic_arn)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsError::from_sdk("sns", "ListSubscriptionsByTopic", e))?;
        Ok(pages
            .iter()
            .flat_map(|page| page.subscriptions())
            .map(|s| Subscription {
                protocol: s.protocol().unwrap_or_default().to_owned(),
                endpoint: s.endpoint().unwrap_or_default().to_owned(),
                // SNS answers `PendingConfirmation` instead of an ARN until the recipient confirms.
                confirmed: s
                    .subscription_arn()
                    .is_some_and(|arn| arn.starts_with("arn:")),
            })
            .collect())
    }

    async fn with_invocations(
        &self,
        model_ids: &[String],
        window: Window,
    ) -> Result<BTreeSet<String>, AwsError> {
        let queries: Vec<MetricDataQuery> = model_ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let metric = Metric::builder()
                    .namespace(BEDROCK)
                    .metric_name(INVOCATIONS)
                    .dimensions(Dimension::builder().name(MODEL_ID).value(id).build())
                    .build();
                MetricDataQuery::builder()
                    .id(format!("m{i}"))
                    .metric_stat(
                        MetricStat::builder()
                            .metric(metric)
                            .period(3600)
                            .stat("Sum")
                            .build(),
                    )
                    .return_data(true)
                    .build()
            })
            .collect();
        let output = self
            .clients
            .cloudwatch
            .get_metric_data()
            .set_metric_data_queries(Some(queries))
            .start_time(DateTime::from_secs(window.start))
            .end_time(DateTime::from_secs(window.end))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("cloudwatch", "GetMetricData", e))?;
        Ok(output
            .metric_data_results()
            .iter()
            .filter(|r| r.values().iter().any(|v| *v > 0.0))
            .filter_map(|r| {
                let index: usize = r.id()?.strip_prefix('m')?.parse().ok()?;
                model_ids.get(index).cloned()
            })
            .collect())
    }

    async fn model_ids_in_region(&self) -> Result<Vec<String>, AwsError> {
        let mut pages = self
            .clients
            .cloudwatch
            .list_metrics()
            .namespace(BEDROCK)
            .metric_name(INVOCATIONS)
            .dimensions(DimensionFilter::builder().name(MODEL_ID).build())
            .into_paginator()
            .send();
        let mut ids = BTreeSet::new();
        let mut read = 0;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::from_sdk("cloudwatch", "ListMetrics", e))?;
            for metric in page.metrics() {
                if let [only] = metric.dimensions()
                    && only.name() == Some(MODEL_ID)
                {
                    ids.extend(only.value().map(str::to_owned));
                }
            }
            read += 1;
            if read == MAX_METRIC_PAGES {
                break;
            }
        }
        Ok(ids.into_iter().collect())
    }

    async fn table(&self, name: &str) -> Result<Option<Table>, AwsError> {
        let dynamodb = &self.clients.dynamodb;
        let (table, ttl) = tokio::join!(
            dynamodb.describe_table().table_name(name).send(),
            dynamodb.describe_time_to_live().table_name(name).send(),
        );
        let table = match table {
            Ok(table) => table,
            Err(e) => {
                let error = AwsError::from_sdk("dynamodb", "DescribeTable", e);
                return match error {
                    AwsError::NotFound { .. } => Ok(None),
                    other => Err(other),
                };
            }
        };
        let ttl = ttl.map_err(|e| AwsError::from_sdk("dynamodb", "DescribeTimeToLive", e))?;
        let description = ttl.time_to_live_description();
        Ok(Some(Table {
            status: table
                .table()
                .and_then(|t| t.table_status())
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            ttl_status: description
                .and_then(|d| d.time_to_live_status())
                .unwrap_or(&TimeToLiveStatus::Disabled)
                .as_str()
                .to_owned(),
            ttl_attribute: description
                .and_then(|d| d.attribute_name())
                .map(str::to_owned),
        }))
    }

    async fn severity_levels(&self) -> Result<(), AwsError> {
        self.clients
            .support
            .describe_severity_levels()
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::from_sdk("support", "DescribeSeverityLevels", e))
    }

    async fn role_exists(&self, name: &str) -> Result<bool, AwsError> {
        match self.iam.get_role().role_name(name).send().await {
            Ok(_) => Ok(true),
            Err(e) if e.code() == Some("NoSuchEntity") => Ok(false),
            Err(e) => Err(AwsError::from_sdk("iam", "GetRole", e)),
        }
    }
}
