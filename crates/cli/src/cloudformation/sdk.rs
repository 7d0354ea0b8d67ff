//! [`Stacks`] and [`StackSets`] over the CloudFormation client.

use std::collections::BTreeMap;

use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudformation::types::{
    AccountFilterType, AutoDeployment, CallAs, Capability, ChangeSetStatus, ChangeSetType,
    DeploymentTargets, ExecutionStatus, Parameter, PermissionModels, StackSetOperationStatus,
    StackSetStatus, Tag,
};
use bedrock_ops_aws::AwsError;

use super::{
    ChangeSetRequest, ChangeSetState, Deployment, NO_CHANGES_REASON, OperationState,
    StackDescription, StackEvent, StackInstance, StackSetDescription, StackSets, Stacks,
    TemplateSource,
};

const SERVICE: &str = "cloudformation";

/// The template creates IAM roles; SAM's transform is a macro.
fn capabilities() -> Vec<Capability> {
    vec![Capability::CapabilityIam, Capability::CapabilityAutoExpand]
}

fn aws<E>(
    operation: &'static str,
) -> impl FnOnce(SdkError<E, aws_sdk_cloudformation::config::http::HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |err| AwsError::from_sdk(SERVICE, operation, err)
}

fn parameters(values: &BTreeMap<String, String>) -> Vec<Parameter> {
    values
        .iter()
        .map(|(key, value)| {
            Parameter::builder()
                .parameter_key(key)
                .parameter_value(value)
                .build()
        })
        .collect()
}

fn tags(values: &[(String, String)]) -> Vec<Tag> {
    values
        .iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect()
}

fn parameter_map(values: &[Parameter]) -> BTreeMap<String, String> {
    values
        .iter()
        .filter_map(|p| {
            Some((
                p.parameter_key()?.to_owned(),
                p.parameter_value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

fn tag_map(values: &[Tag]) -> BTreeMap<String, String> {
    values
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

/// CloudFormation answers a missing stack or change set with a ValidationError that says so.
fn is_missing(error: &AwsError) -> bool {
    error.message().contains("does not exist")
}

fn describe_stack(stack: &aws_sdk_cloudformation::types::Stack) -> StackDescription {
    StackDescription {
        name: stack.stack_name().unwrap_or_default().to_owned(),
        id: stack.stack_id().unwrap_or_default().to_owned(),
        status: stack
            .stack_status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        status_reason: stack.stack_status_reason().map(str::to_owned),
        parameters: parameter_map(stack.parameters()),
        tags: tag_map(stack.tags()),
        outputs: stack
            .outputs()
            .iter()
            .filter_map(|o| {
                Some((
                    o.output_key()?.to_owned(),
                    o.output_value().unwrap_or_default().to_owned(),
                ))
            })
            .collect(),
    }
}

#[derive(Debug, Clone)]
pub struct SdkStacks {
    client: Client,
}

impl SdkStacks {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

impl Stacks for SdkStacks {
    async fn list(&self) -> Result<Vec<StackDescription>, AwsError> {
        let pages = self
            .client
            .describe_stacks()
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(aws("DescribeStacks"))?;
        Ok(pages
            .iter()
            .flat_map(|page| page.stacks())
            .map(describe_stack)
            .collect())
    }

    async fn describe(&self, name: &str) -> Result<Option<StackDescription>, AwsError> {
        match self.client.describe_stacks().stack_name(name).send().await {
            Ok(output) => Ok(output.stacks().first().map(describe_stack)),
            Err(err) => {
                let error = aws("DescribeStacks")(err);
                if is_missing(&error) {
                    Ok(None)
                } else {
                    Err(error)
                }
            }
        }
    }

    async fn create_change_set(&self, request: &ChangeSetRequest) -> Result<String, AwsError> {
        let mut call = self
            .client
            .create_change_set()
            .stack_name(&request.stack_name)
            .change_set_name(&request.change_set_name)
            .change_set_type(if request.create {
                ChangeSetType::Create
            } else {
                ChangeSetType::Update
            })
            .set_parameters(Some(parameters(&request.parameters)))
            .set_tags(Some(tags(&request.tags)))
            .set_capabilities(Some(capabilities()));
        call = match &request.template {
            TemplateSource::Body(body) => call.template_body(body),
            TemplateSource::Url(url) => call.template_url(url),
        };
        let output = call.send().await.map_err(aws("CreateChangeSet"))?;
        output
            .id()
            .map(str::to_owned)
            .ok_or_else(|| AwsError::Other {
                service: SERVICE,
                operation: "CreateChangeSet",
                code: "MissingId".into(),
                message: "CreateChangeSet answered without a change set id".into(),
            })
    }

    async fn change_set_state(&self, id: &str) -> Result<ChangeSetState, AwsError> {
        let output = self
            .client
            .describe_change_set()
            .change_set_name(id)
            .send()
            .await
            .map_err(aws("DescribeChangeSet"))?;
        let reason = output.status_reason().unwrap_or_default().to_owned();
        Ok(match output.status() {
            Some(ChangeSetStatus::Failed) if reason.contains(NO_CHANGES_REASON) => {
                ChangeSetState::NoChanges
            }
            Some(ChangeSetStatus::Failed) => ChangeSetState::Failed(reason),
            Some(ChangeSetStatus::CreateComplete) => match output.execution_status() {
                Some(ExecutionStatus::Available) | None => ChangeSetState::Ready,
                Some(other) => ChangeSetState::Failed(format!("change set is {}", other.as_str())),
            },
            _ => ChangeSetState::Pending,
        })
    }

    async fn execute_change_set(&self, id: &str) -> Result<(), AwsError> {
        self.client
            .execute_change_set()
            .change_set_name(id)
            .send()
            .await
            .map(drop)
            .map_err(aws("ExecuteChangeSet"))
    }

    async fn delete_change_set(&self, id: &str) -> Result<(), AwsError> {
        self.client
            .delete_change_set()
            .change_set_name(id)
            .send()
            .await
            .map(drop)
            .map_err(aws("DeleteChangeSet"))
    }

    async fn delete_stack(&self, name: &str) -> Result<(), AwsError> {
        self.client
            .delete_stack()
            .stack_name(name)
            .send()
            .await
            .map(drop)
            .map_err(aws("DeleteStack"))
    }

    async fn events(&self, name: &str) -> Result<Vec<StackEvent>, AwsError> {
        let output = self
            .client
            .describe_stack_events()
            .stack_name(name)
            .send()
            .await
            .map_err(aws("DescribeStackEvents"))?;
        Ok(output
            .stack_events()
            .iter()
            .map(|event| StackEvent {
                event_id: event.event_id().unwrap_or_default().to_owned(),
                logical_id: event.logical_resource_id().unwrap_or_default().to_owned(),
                resource_type: event.resource_type().unwrap_or_default().to_owned(),
                status: event
                    .resource_status()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                reason: event.resource_status_reason().map(str::to_owned),
            })
            .collect())
    }
}

/// StackSets as the management account (`CallAs SELF`) or a delegated administrator.
#[derive(Debug, Clone)]
pub struct SdkStackSets {
    client: Client,
    call_as: CallAs,
}

impl SdkStackSets {
    pub fn new(client: Client, delegated_admin: bool) -> Self {
        let call_as = if delegated_admin {
            CallAs::DelegatedAdmin
        } else {
            CallAs::SelfValue
        };
        Self { client, call_as }
    }

    fn targets(deployment: &Deployment) -> DeploymentTargets {
        let builder = DeploymentTargets::builder()
            .set_organizational_unit_ids(Some(deployment.organizational_units.clone()));
        if deployment.accounts.is_empty() {
            builder.build()
        } else {
            builder
                .set_accounts(Some(deployment.accounts.clone()))
                .account_filter_type(AccountFilterType::Intersection)
                .build()
        }
    }
}

impl StackSets for SdkStackSets {
    async fn list(&self, prefix: &str) -> Result<Vec<StackSetDescription>, AwsError> {
        let pages = self
            .client
            .list_stack_sets()
            .status(StackSetStatus::Active)
            .call_as(self.call_as.clone())
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(aws("ListStackSets"))?;
        let mut found = Vec::new();
        for name in pages
            .iter()
            .flat_map(|page| page.summaries())
            .filter_map(|summary| summary.stack_set_name())
            .filter(|name| name.starts_with(prefix))
        {
            if let Some(set) = self.describe(name).await? {
                found.push(set);
            }
        }
        Ok(found)
    }

    async fn describe(&self, name: &str) -> Result<Option<StackSetDescription>, AwsError> {
        let output = match self
            .client
            .describe_stack_set()
            .stack_set_name(name)
            .call_as(self.call_as.clone())
            .send()
            .await
        {
            Ok(output) => output,
            Err(err) => {
                let error = aws("DescribeStackSet")(err);
                return if matches!(error, AwsError::NotFound { .. }) || is_missing(&error) {
                    Ok(None)
                } else {
                    Err(error)
                };
            }
        };
        Ok(output.stack_set().map(|set| StackSetDescription {
            name: set.stack_set_name().unwrap_or_default().to_owned(),
            status: set
                .status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            parameters: parameter_map(set.parameters()),
            tags: tag_map(set.tags()),
        }))
    }

    async fn instances(&self, name: &str) -> Result<Vec<StackInstance>, AwsError> {
        let pages = self
            .client
            .list_stack_instances()
            .stack_set_name(name)
            .call_as(self.call_as.clone())
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(aws("ListStackInstances"))?;
        Ok(pages
            .iter()
            .flat_map(|page| page.summaries())
            .map(|instance| StackInstance {
                account: instance.account().unwrap_or_default().to_owned(),
                region: instance.region().unwrap_or_default().to_owned(),
                organizational_unit: instance.organizational_unit_id().map(str::to_owned),
                status: instance
                    .status()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                reason: instance.status_reason().map(str::to_owned),
            })
            .collect())
    }

    async fn create(
        &self,
        name: &str,
        template: &TemplateSource,
        values: &BTreeMap<String, String>,
        tag_values: &[(String, String)],
    ) -> Result<(), AwsError> {
        let call = self
            .client
            .create_stack_set()
            .stack_set_name(name)
            .set_parameters(Some(parameters(values)))
            .set_tags(Some(tags(tag_values)))
            .set_capabilities(Some(capabilities()))
            .permission_model(PermissionModels::ServiceManaged)
            .auto_deployment(AutoDeployment::builder().enabled(false).build())
            .call_as(self.call_as.clone());
        let call = match template {
            TemplateSource::Body(body) => call.template_body(body),
            TemplateSource::Url(url) => call.template_url(url),
        };
        call.send().await.map(drop).map_err(aws("CreateStackSet"))
    }

    async fn update(
        &self,
        name: &str,
        template: &TemplateSource,
        values: &BTreeMap<String, String>,
        tag_values: &[(String, String)],
    ) -> Result<String, AwsError> {
        let call = self
            .client
            .update_stack_set()
            .stack_set_name(name)
            .set_parameters(Some(parameters(values)))
            .set_tags(Some(tags(tag_values)))
            .set_capabilities(Some(capabilities()))
            .call_as(self.call_as.clone());
        let call = match template {
            TemplateSource::Body(body) => call.template_body(body),
            TemplateSource::Url(url) => call.template_url(url),
        };
        let output = call.send().await.map_err(aws("UpdateStackSet"))?;
        Ok(output.operation_id().unwrap_or_default().to_owned())
    }

    async fn create_instances(
        &self,
        name: &str,
        deployment: &Deployment,
    ) -> Result<String, AwsError> {
        let output = self
            .client
            .create_stack_instances()
            .stack_set_name(name)
            .deployment_targets(Self::targets(deployment))
            .set_regions(Some(deployment.regions.clone()))
            .call_as(self.call_as.clone())
            .send()
            .await
            .map_err(aws("CreateStackInstances"))?;
        Ok(output.operation_id().unwrap_or_default().to_owned())
    }

    async fn delete_instances(
        &self,
        name: &str,
        deployment: &Deployment,
    ) -> Result<String, AwsError> {
        let output = self
            .client
            .delete_stack_instances()
            .stack_set_name(name)
            .deployment_targets(Self::targets(deployment))
            .set_regions(Some(deployment.regions.clone()))
            .retain_stacks(false)
            .call_as(self.call_as.clone())
            .send()
            .await
            .map_err(aws("DeleteStackInstances"))?;
        Ok(output.operation_id().unwrap_or_default().to_owned())
    }

    async fn delete(&self, name: &str) -> Result<(), AwsError> {
        self.client
            .delete_stack_set()
            .stack_set_name(name)
            .call_as(self.call_as.clone())
            .send()
            .await
            .map(drop)
            .map_err(aws("DeleteStackSet"))
    }

    async fn operation(&self, name: &str, operation_id: &str) -> Result<OperationState, AwsError> {
        let output = self
            .client
            .describe_stack_set_operation()
            .stack_set_name(name)
            .operation_id(operation_id)
            .call_as(self.call_as.clone())
            .send()
            .await
            .map_err(aws("DescribeStackSetOperation"))?;
        let operation = output.stack_set_operation();
        let reason = operation
            .and_then(|o| o.status_reason())
            .unwrap_or_default()
            .to_owned();
        Ok(match operation.and_then(|o| o.status()) {
            Some(StackSetOperationStatus::Succeeded) => OperationState::Succeeded,
            Some(StackSetOperationStatus::Failed | StackSetOperationStatus::Stopped) => {
                // The operation's own reason is often empty; the first failed instance says why.
                let results = self
                    .client
                    .list_stack_set_operation_results()
                    .stack_set_name(name)
                    .operation_id(operation_id)
                    .call_as(self.call_as.clone())
                    .send()
                    .await
                    .map_err(aws("ListStackSetOperationResults"))?;
                let first = results
                    .summaries()
                    .iter()
                    .find(|r| r.status_reason().is_some())
                    .map(|r| {
                        format!(
                            "{} {}: {}",
                            r.account().unwrap_or_default(),
                            r.region().unwrap_or_default(),
                            r.status_reason().unwrap_or_default()
                        )
                    });
                OperationState::Failed(first.unwrap_or(reason))
            }
            _ => OperationState::Running,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;

    use aws_sdk_cloudformation::config::{BehaviorVersion, Credentials, Region};

    use super::*;

    /// Answers one request with `reply` and hands back the request's form-encoded body.
    fn one_exchange(reply: &'static str) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                reply.len()
            );
            (&stream).write_all(answer.as_bytes()).unwrap();
            String::from_utf8(body).unwrap()
        });
        (endpoint, server)
    }

    fn client(endpoint: &str) -> Client {
        let config = aws_sdk_cloudformation::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(bedrock_ops_aws::clients::https_client())
            .region(Region::new("eu-west-1"))
            .endpoint_url(endpoint)
            .credentials_provider(Credentials::new("a", "b", None, None, "test"))
            .build();
        Client::from_conf(config)
    }

    /// The packaged template goes by URL, with the capabilities SAM's transform and the IAM roles need, the
    /// fleet's tags and every parameter.
    #[tokio::test]
    async fn a_change_set_sends_the_template_url_capabilities_tags_and_parameters() {
        let (endpoint, server) = one_exchange(
            "<CreateChangeSetResponse><CreateChangeSetResult><Id>arn:cs</Id><StackId>arn:s</StackId></CreateChangeSetResult></CreateChangeSetResponse>",
        );
        let stacks = SdkStacks::new(client(&endpoint));
        let request = ChangeSetRequest {
            stack_name: "bedrock-ops-alert-Acme-Opus".into(),
            change_set_name: "bedrock-ops-alert-1".into(),
            create: true,
            template: TemplateSource::Url(
                "https://bucket.s3.eu-west-1.amazonaws.com/p/abc.yaml".into(),
            ),
            parameters: BTreeMap::from([("CustomerName".to_owned(), "Acme".to_owned())]),
            tags: vec![("bedrock-ops-alert:fleet".into(), "Acme".into())],
        };
        let id = stacks.create_change_set(&request).await.unwrap();
        assert_eq!(id, "arn:cs");
        let body = server.join().unwrap();
        for expected in [
            "Action=CreateChangeSet",
            "ChangeSetType=CREATE",
            "TemplateURL=https%3A%2F%2Fbucket.s3.eu-west-1.amazonaws.com%2Fp%2Fabc.yaml",
            "Capabilities.member.1=CAPABILITY_IAM",
            "Capabilities.member.2=CAPABILITY_AUTO_EXPAND",
            "Tags.member.1.Key=bedrock-ops-alert%3Afleet",
            "Parameters.member.1.ParameterKey=CustomerName",
            "Parameters.member.1.ParameterValue=Acme",
        ] {
            assert!(body.contains(expected), "{expected} not in {body}");
        }
        assert!(!body.contains("TemplateBody"), "{body}");
    }

    #[tokio::test]
    async fn a_stack_set_is_service_managed_without_auto_deployment_and_called_as_delegated_admin()
    {
        let (endpoint, server) = one_exchange(
            "<CreateStackSetResponse><CreateStackSetResult><StackSetId>id</StackSetId></CreateStackSetResult></CreateStackSetResponse>",
        );
        let sets = SdkStackSets::new(client(&endpoint), true);
        sets.create(
            "bedrock-ops-alert-Acme-Opus",
            &TemplateSource::Url(
                "https://bucket.s3.eu-west-1.amazonaws.com/p/processed.yaml".into(),
            ),
            &BTreeMap::new(),
            &[],
        )
        .await
        .unwrap();
        let body = server.join().unwrap();
        for expected in [
            "Action=CreateStackSet",
            "PermissionModel=SERVICE_MANAGED",
            "AutoDeployment.Enabled=false",
            "CallAs=DELEGATED_ADMIN",
            "Capabilities.member.1=CAPABILITY_IAM",
        ] {
            assert!(body.contains(expected), "{expected} not in {body}");
        }
    }
}
