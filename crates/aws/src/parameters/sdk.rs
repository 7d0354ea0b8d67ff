//! [`ParameterStore`] over the SSM client.

use std::collections::BTreeMap;

use aws_sdk_ssm::types::ParameterType;

use super::{GET_BATCH, ParameterStore, ParameterVersion, normalise_path};
use crate::AwsError;
use crate::error::SdkResultExt;

const SERVICE: &str = "ssm";
/// DeleteParameters takes at most this many names per call.
const DELETE_BATCH: usize = 10;

#[derive(Debug, Clone)]
pub struct SdkParameters {
    client: aws_sdk_ssm::Client,
}

impl SdkParameters {
    pub fn new(client: aws_sdk_ssm::Client) -> Self {
        Self { client }
    }
}

impl ParameterStore for SdkParameters {
    async fn get_by_path(&self, path: &str) -> Result<BTreeMap<String, String>, AwsError> {
        let prefix = normalise_path(path);
        let query_path = if prefix == "/" {
            "/"
        } else {
            prefix.trim_end_matches('/')
        };
        let pages = self
            .client
            .get_parameters_by_path()
            .path(query_path)
            .recursive(true)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .aws(SERVICE, "GetParametersByPath")?;
        let mut values = BTreeMap::new();
        for parameter in pages
            .into_iter()
            .flat_map(|page| page.parameters.unwrap_or_default())
        {
            let (Some(name), Some(value)) = (parameter.name, parameter.value) else {
                continue;
            };
            if let Some(key) = name.strip_prefix(&prefix) {
                values.insert(key.to_owned(), value);
            }
        }
        Ok(values)
    }

    async fn get_keys(
        &self,
        path: &str,
        keys: &[&str],
    ) -> Result<BTreeMap<String, String>, AwsError> {
        let prefix = normalise_path(path);
        let mut values = BTreeMap::new();
        for batch in keys.chunks(GET_BATCH) {
            // Names that do not exist come back as `InvalidParameters`, not as an error: they are simply absent.
            let output = self
                .client
                .get_parameters()
                .set_names(Some(
                    batch.iter().map(|key| format!("{prefix}{key}")).collect(),
                ))
                .send()
                .await
                .aws(SERVICE, "GetParameters")?;
            for parameter in output.parameters.unwrap_or_default() {
                let (Some(name), Some(value)) = (parameter.name, parameter.value) else {
                    continue;
                };
                if let Some(key) = name.strip_prefix(&prefix) {
                    values.insert(key.to_owned(), value);
                }
            }
        }
        Ok(values)
    }

    async fn put(&self, name: &str, value: &str) -> Result<i64, AwsError> {
        let output = self
            .client
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(ParameterType::String)
            .overwrite(true)
            .send()
            .await
            .aws(SERVICE, "PutParameter")?;
        Ok(output.version)
    }

    async fn delete(&self, names: &[String]) -> Result<Vec<String>, AwsError> {
        let mut deleted = Vec::new();
        for batch in names.chunks(DELETE_BATCH) {
            // Names that no longer exist come back as `InvalidParameters`, not as an error: nothing to do for them.
            let output = self
                .client
                .delete_parameters()
                .set_names(Some(batch.to_vec()))
                .send()
                .await
                .aws(SERVICE, "DeleteParameters")?;
            deleted.extend(output.deleted_parameters.unwrap_or_default());
        }
        Ok(deleted)
    }

    async fn history(&self, name: &str) -> Result<Vec<ParameterVersion>, AwsError> {
        let pages = self
            .client
            .get_parameter_history()
            .name(name)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .aws(SERVICE, "GetParameterHistory");
        let pages = match pages {
            Err(AwsError::NotFound { .. }) => return Ok(Vec::new()),
            other => other?,
        };
        let mut versions: Vec<ParameterVersion> = pages
            .into_iter()
            .flat_map(|page| page.parameters.unwrap_or_default())
            .map(|entry| ParameterVersion {
                version: entry.version,
                value: entry.value.unwrap_or_default(),
                last_modified: entry.last_modified_date.map(|at| at.secs()),
            })
            .collect();
        versions.sort_by_key(|entry| entry.version);
        Ok(versions)
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_ssm::operation::delete_parameters::DeleteParametersOutput;
    use aws_sdk_ssm::operation::get_parameter_history::{
        GetParameterHistoryError, GetParameterHistoryOutput,
    };
    use aws_sdk_ssm::operation::get_parameters::GetParametersOutput;
    use aws_sdk_ssm::operation::get_parameters_by_path::GetParametersByPathOutput;
    use aws_sdk_ssm::operation::put_parameter::{PutParameterError, PutParameterOutput};
    use aws_sdk_ssm::primitives::DateTime;
    use aws_sdk_ssm::types::error::{ParameterNotFound, TooManyUpdates};
    use aws_sdk_ssm::types::{Parameter, ParameterHistory};
    use aws_smithy_mocks::mock;

    use super::*;
    use crate::test_support::{mocked, wire};

    fn parameter(name: &str, value: &str) -> Parameter {
        Parameter::builder().name(name).value(value).build()
    }

    #[tokio::test]
    async fn get_by_path_walks_every_page_and_strips_the_path() {
        let first = mock!(aws_sdk_ssm::Client::get_parameters_by_path)
            .match_requests(|r| {
                r.path() == Some("/acme/bedrock/quota-monitoring/claude")
                    && r.recursive() == Some(true)
                    && r.next_token().is_none()
            })
            .then_output(|| {
                GetParametersByPathOutput::builder()
                    .parameters(parameter(
                        "/acme/bedrock/quota-monitoring/claude/mode",
                        "live",
                    ))
                    .next_token("page-2")
                    .build()
            });
        let second = mock!(aws_sdk_ssm::Client::get_parameters_by_path)
            .match_requests(|r| r.next_token() == Some("page-2"))
            .then_output(|| {
                GetParametersByPathOutput::builder()
                    .parameters(parameter(
                        "/acme/bedrock/quota-monitoring/claude/thresholds/rpm-quota",
                        "10000",
                    ))
                    .build()
            });
        let client = mocked!(aws_sdk_ssm, [&first, &second]);

        let values = SdkParameters::new(client)
            .get_by_path("/acme/bedrock/quota-monitoring/claude/")
            .await
            .unwrap();

        assert_eq!(values.len(), 2);
        assert_eq!(values["mode"], "live");
        assert_eq!(values["thresholds/rpm-quota"], "10000");
        assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn get_keys_reads_named_keys_ten_per_call_and_skips_missing_ones() {
        let keys: Vec<String> = (0..12).map(|i| format!("k{i:02}")).collect();
        let first = mock!(aws_sdk_ssm::Client::get_parameters)
            .match_requests(|r| r.names().len() == 10 && r.names()[0] == "/acme/m/k00")
            .then_output(|| {
                GetParametersOutput::builder()
                    .parameters(parameter("/acme/m/k00", "a"))
                    .invalid_parameters("/acme/m/k01")
                    .build()
            });
        let second = mock!(aws_sdk_ssm::Client::get_parameters)
            .match_requests(|r| r.names() == ["/acme/m/k10".to_owned(), "/acme/m/k11".to_owned()])
            .then_output(|| {
                GetParametersOutput::builder()
                    .parameters(parameter("/acme/m/k11", "b"))
                    .build()
            });
        let client = mocked!(aws_sdk_ssm, [&first, &second]);

        let names: Vec<&str> = keys.iter().map(String::as_str).collect();
        let values = SdkParameters::new(client)
            .get_keys("/acme/m", &names)
            .await
            .unwrap();

        assert_eq!(values.len(), 2);
        assert_eq!((values["k00"].as_str(), values["k11"].as_str()), ("a", "b"));
        assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn put_overwrites_a_string_parameter_and_returns_its_version() {
        let rule = mock!(aws_sdk_ssm::Client::put_parameter)
            .match_requests(|r| {
                r.name() == Some("/acme/x")
                    && r.overwrite() == Some(true)
                    && r.r#type() == Some(&ParameterType::String)
            })
            .then_output(|| PutParameterOutput::builder().version(7).build());
        let client = mocked!(aws_sdk_ssm, [&rule]);

        assert_eq!(
            SdkParameters::new(client)
                .put("/acme/x", "1")
                .await
                .unwrap(),
            7
        );
    }

    #[tokio::test]
    async fn put_maps_throttling_to_a_retryable_error() {
        let rule = mock!(aws_sdk_ssm::Client::put_parameter).then_error(|| {
            PutParameterError::TooManyUpdates(
                TooManyUpdates::builder()
                    .meta(wire("TooManyUpdates"))
                    .message("slow down")
                    .build(),
            )
        });
        let client = mocked!(aws_sdk_ssm, [&rule]);

        let error = SdkParameters::new(client)
            .put("/acme/x", "1")
            .await
            .unwrap_err();

        assert!(matches!(
            error,
            AwsError::Throttled {
                service: "ssm",
                operation: "PutParameter",
                ..
            }
        ));
        assert!(error.is_retryable());
    }

    #[tokio::test]
    async fn delete_batches_by_ten_and_ignores_names_already_gone() {
        let rule = mock!(aws_sdk_ssm::Client::delete_parameters).then_output(|| {
            DeleteParametersOutput::builder()
                .deleted_parameters("/a/0")
                .invalid_parameters("/a/1")
                .build()
        });
        let client = mocked!(aws_sdk_ssm, [&rule]);
        let names: Vec<String> = (0..12).map(|i| format!("/a/{i}")).collect();

        let deleted = SdkParameters::new(client).delete(&names).await.unwrap();

        assert_eq!(rule.num_calls(), 2);
        assert_eq!(deleted, vec!["/a/0".to_owned(), "/a/0".to_owned()]);
    }

    #[tokio::test]
    async fn history_is_sorted_oldest_first_and_empty_for_a_missing_parameter() {
        let found = mock!(aws_sdk_ssm::Client::get_parameter_history)
            .match_requests(|r| r.name() == Some("/a/last-change"))
            .then_output(|| {
                GetParameterHistoryOutput::builder()
                    .parameters(
                        ParameterHistory::builder()
                            .version(2)
                            .value("new")
                            .last_modified_date(DateTime::from_secs(200))
                            .build(),
                    )
                    .parameters(ParameterHistory::builder().version(1).value("old").build())
                    .build()
            });
        let missing = mock!(aws_sdk_ssm::Client::get_parameter_history)
            .match_requests(|r| r.name() == Some("/a/none"))
            .then_error(|| {
                GetParameterHistoryError::ParameterNotFound(
                    ParameterNotFound::builder()
                        .meta(wire("ParameterNotFound"))
                        .build(),
                )
            });
        let store = SdkParameters::new(mocked!(aws_sdk_ssm, [&found, &missing]));

        let history = store.history("/a/last-change").await.unwrap();
        assert_eq!(
            history.iter().map(|v| v.version).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert_eq!(history[1].last_modified, Some(200));
        assert!(store.history("/a/none").await.unwrap().is_empty());
    }
}
