//! [`SupportDesk`] over the AWS Support client (build it with [`crate::AwsClients`], which pins it to us-east-1).

use aws_sdk_support::primitives::{DateTime, DateTimeFormat};
use aws_sdk_support::types::{CaseDetails, Communication};

use super::{
    AWS_SUBMITTER, CaseCommunication, CaseDraft, CaseRef, CaseSummary, LinkedCase, SupportDesk,
};
use crate::AwsError;
use crate::error::SdkResultExt;

const SERVICE: &str = "support";
/// DescribeCases' page size limit; fewer pages means fewer round trips.
const CASES_PAGE: i32 = 100;
/// Attempts of a Support write (CreateCase, AddCommunicationToCase), the first one included.
const WRITE_ATTEMPTS: u32 = 3;
/// How far before a write's start a case or communication it made may be dated (clock skew).
const WRITE_SKEW_SECONDS: i64 = 60;

/// Support writes carry no idempotency token: the SDK's own retry of a timed-out or 5xx CreateCase opens a
/// second case when the first attempt did its work before failing (or is still doing it). The adapter sends
/// each attempt itself: a throttled write did nothing and is sent again; after a timeout or a server error
/// it looks for what the attempt made and, finding nothing, gives up rather than risk a second filing.
fn single_attempt() -> aws_sdk_support::config::Builder {
    aws_sdk_support::config::Builder::default()
        .retry_config(aws_config::retry::RetryConfig::disabled())
}

/// The pause before attempt `attempt + 1` of a Support write.
fn write_backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(100 << attempt.min(4))
}

/// Whether a failed write's attempt may have done the work anyway (a timeout or a server error), in which
/// case it is never sent again.
fn maybe_done(error: &AwsError) -> bool {
    matches!(error, AwsError::Timeout { .. } | AwsError::Transient { .. })
}

/// The error of a write that may have been done and was not sent again, saying so.
fn not_resent(error: AwsError) -> AwsError {
    let note = "; it may still have been done, so it was not sent again";
    match error {
        AwsError::Timeout {
            service,
            operation,
            message,
        } => AwsError::Timeout {
            service,
            operation,
            message: format!("{message}{note}"),
        },
        AwsError::Transient {
            service,
            operation,
            message,
        } => AwsError::Transient {
            service,
            operation,
            message: format!("{message}{note}"),
        },
        other => other,
    }
}

#[derive(Debug, Clone)]
pub struct SdkSupport {
    client: aws_sdk_support::Client,
}

impl SdkSupport {
    pub fn new(client: aws_sdk_support::Client) -> Self {
        Self { client }
    }
}

fn epoch(time: &str) -> Option<i64> {
    DateTime::from_str(time, DateTimeFormat::DateTime)
        .ok()
        .map(|at| at.secs())
}

fn to_summary(case: CaseDetails) -> Option<CaseSummary> {
    let time_created = case.time_created.unwrap_or_default();
    let recent = case
        .recent_communications
        .and_then(|recent| recent.communications)
        .unwrap_or_default()
        .into_iter()
        .map(to_communication)
        .collect();
    Some(CaseSummary {
        case_id: case.case_id?,
        display_id: case.display_id,
        subject: case.subject.unwrap_or_default(),
        status: case.status.unwrap_or_default(),
        created_at: epoch(&time_created),
        time_created,
        severity: case.severity_code,
        service_code: case.service_code,
        category_code: case.category_code,
        recent,
    })
}

fn to_communication(communication: Communication) -> CaseCommunication {
    CaseCommunication {
        body: communication.body.unwrap_or_default(),
        submitted_by: communication.submitted_by,
        created_at: communication.time_created.as_deref().and_then(epoch),
        time_created: communication.time_created,
    }
}

impl SupportDesk for SdkSupport {
    async fn open_cases(&self, after_epoch: i64) -> Result<Vec<CaseSummary>, AwsError> {
        let after = DateTime::from_secs(after_epoch)
            .fmt(DateTimeFormat::DateTime)
            .map_err(|error| {
                AwsError::invalid(
                    SERVICE,
                    "DescribeCases",
                    format!("after time {after_epoch}: {error}"),
                )
            })?;
        let pages = self
            .client
            .describe_cases()
            .after_time(after)
            .include_resolved_cases(false)
            // Each case's newest communications come with it at no extra call: what the case already
            // carries from this stack (`bedrock_ops_core::case_trail`).
            .include_communications(true)
            .max_results(CASES_PAGE)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .aws(SERVICE, "DescribeCases")?;
        Ok(pages
            .into_iter()
            .flat_map(|page| page.cases.unwrap_or_default())
            .filter_map(to_summary)
            .collect())
    }

    async fn case_by_display_id(&self, display_id: &str) -> Result<Option<CaseSummary>, AwsError> {
        one_case(self.client.describe_cases().display_id(display_id)).await
    }

    async fn linked_case(&self, display_id: &str) -> Result<Option<LinkedCase>, AwsError> {
        let output = self
            .client
            .describe_cases()
            .display_id(display_id)
            .include_resolved_cases(true)
            .include_communications(true)
            .send()
            .await
            .aws(SERVICE, "DescribeCases");
        let cases = match output {
            Ok(output) => output.cases.unwrap_or_default(),
            Err(AwsError::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        Ok(cases.into_iter().find_map(|case| {
            let aws_replied = case
                .recent_communications
                .as_ref()
                .and_then(|recent| recent.communications.as_ref())
                .is_some_and(|communications| {
                    communications
                        .iter()
                        .any(|c| c.submitted_by.as_deref() == Some(AWS_SUBMITTER))
                });
            to_summary(case).map(|summary| LinkedCase {
                summary,
                aws_replied,
            })
        }))
    }

    async fn case_by_id(&self, case_id: &str) -> Result<Option<CaseSummary>, AwsError> {
        one_case(self.client.describe_cases().case_id_list(case_id)).await
    }

    async fn create_case(&self, draft: &CaseDraft) -> Result<CaseRef, AwsError> {
        let started = crate::clock::now_epoch();
        let mut attempt = 1;
        loop {
            let error = match self.create_case_once(draft).await {
                Ok(case) => return Ok(case),
                Err(error) => error,
            };
            if maybe_done(&error) {
                // Any open case with this exact subject opened since the call started is the one the failed
                // attempt made: the caller checked that none was open before it created one.
                let since = started - WRITE_SKEW_SECONDS;
                let made = self
                    .open_cases(since)
                    .await
                    .map_err(|_| not_resent(error.clone()))?
                    .into_iter()
                    .filter(|c| c.subject == draft.subject && c.created_at.unwrap_or(0) >= since)
                    .max_by_key(|c| c.created_at);
                return match made {
                    Some(case) => {
                        tracing::warn!(%error, "CreateCase failed after opening the case; using it");
                        Ok(CaseRef {
                            case_id: case.case_id,
                            display_id: case.display_id,
                        })
                    }
                    None => Err(not_resent(error)),
                };
            }
            if !error.is_retryable() || attempt >= WRITE_ATTEMPTS {
                return Err(error);
            }
            tokio::time::sleep(write_backoff(attempt)).await;
            attempt += 1;
        }
    }

    async fn add_communication(&self, case_id: &str, body: &str) -> Result<(), AwsError> {
        let mut attempt = 1;
        loop {
            let error = match self.add_communication_once(case_id, body).await {
                Ok(()) => return Ok(()),
                Err(error) => error,
            };
            if maybe_done(&error) {
                let added = self
                    .communications(case_id)
                    .await
                    .map_err(|_| not_resent(error.clone()))?
                    .iter()
                    .any(|c| c.body.trim() == body.trim());
                if added {
                    tracing::warn!(%error, "AddCommunicationToCase failed after adding it");
                    return Ok(());
                }
                return Err(not_resent(error));
            }
            if !error.is_retryable() || attempt >= WRITE_ATTEMPTS {
                return Err(error);
            }
            tokio::time::sleep(write_backoff(attempt)).await;
            attempt += 1;
        }
    }

    async fn communications(&self, case_id: &str) -> Result<Vec<CaseCommunication>, AwsError> {
        let pages = self
            .client
            .describe_communications()
            .case_id(case_id)
            .max_results(CASES_PAGE)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .aws(SERVICE, "DescribeCommunications")?;
        Ok(pages
            .into_iter()
            .flat_map(|page| page.communications.unwrap_or_default())
            .map(to_communication)
            .collect())
    }
}

impl SdkSupport {
    async fn create_case_once(&self, draft: &CaseDraft) -> Result<CaseRef, AwsError> {
        let output = self
            .client
            .create_case()
            .subject(&draft.subject)
            .communication_body(&draft.body)
            .severity_code(&draft.severity)
            .service_code(&draft.service_code)
            .category_code(&draft.category_code)
            .issue_type(&draft.issue_type)
            .language(&draft.language)
            .customize()
            .config_override(single_attempt())
            .send()
            .await
            .aws(SERVICE, "CreateCase")?;
        let case_id = output.case_id.ok_or_else(|| AwsError::Other {
            service: SERVICE,
            operation: "CreateCase",
            code: "MissingCaseId".into(),
            message: "the response holds no case id".into(),
        })?;
        Ok(CaseRef {
            case_id,
            display_id: None,
        })
    }

    async fn add_communication_once(&self, case_id: &str, body: &str) -> Result<(), AwsError> {
        let output = self
            .client
            .add_communication_to_case()
            .case_id(case_id)
            .communication_body(body)
            .customize()
            .config_override(single_attempt())
            .send()
            .await
            .aws(SERVICE, "AddCommunicationToCase")?;
        if output.result {
            Ok(())
        } else {
            Err(AwsError::Other {
                service: SERVICE,
                operation: "AddCommunicationToCase",
                code: "NotAdded".into(),
                message: format!("AWS Support did not add the communication to case {case_id}"),
            })
        }
    }
}

/// One case looked up by an identifier, resolved cases included; an unknown id is `None`, not an error.
async fn one_case(
    lookup: aws_sdk_support::operation::describe_cases::builders::DescribeCasesFluentBuilder,
) -> Result<Option<CaseSummary>, AwsError> {
    let output = lookup
        .include_resolved_cases(true)
        .include_communications(false)
        .send()
        .await
        .aws(SERVICE, "DescribeCases");
    match output {
        Ok(output) => Ok(output
            .cases
            .unwrap_or_default()
            .into_iter()
            .find_map(to_summary)),
        Err(AwsError::NotFound { .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_support::error::ErrorMetadata;
    use aws_sdk_support::operation::add_communication_to_case::AddCommunicationToCaseOutput;
    use aws_sdk_support::operation::create_case::{CreateCaseError, CreateCaseOutput};
    use aws_sdk_support::operation::describe_cases::{DescribeCasesError, DescribeCasesOutput};
    use aws_sdk_support::operation::describe_communications::DescribeCommunicationsOutput;
    use aws_sdk_support::types::error::{CaseCreationLimitExceeded, CaseIdNotFound};
    use aws_smithy_mocks::mock;

    use super::*;
    use crate::test_support::{mocked, wire};

    fn case(id: &str, subject: &str) -> CaseDetails {
        CaseDetails::builder()
            .case_id(id)
            .display_id(format!("display-{id}"))
            .subject(subject)
            .status("opened")
            .time_created("2026-01-01T00:00:10.123Z")
            .severity_code("normal")
            .build()
    }

    #[tokio::test]
    async fn open_cases_reads_every_page_of_unresolved_cases_after_the_lookback() {
        let first = mock!(aws_sdk_support::Client::describe_cases)
            .match_requests(|r| {
                r.after_time() == Some("2026-01-01T00:00:00Z")
                    && r.include_resolved_cases() == Some(false)
                    && r.next_token().is_none()
            })
            .then_output(|| {
                DescribeCasesOutput::builder()
                    .cases(case("c1", "acme - Bedrock Ops Alert - m - Quota Request"))
                    .next_token("n")
                    .build()
            });
        let second = mock!(aws_sdk_support::Client::describe_cases)
            .match_requests(|r| r.next_token() == Some("n"))
            .then_output(|| {
                DescribeCasesOutput::builder()
                    .cases(case("c2", "other"))
                    .build()
            });
        let support = SdkSupport::new(mocked!(aws_sdk_support, [&first, &second]));

        let cases = support.open_cases(1_767_225_600).await.unwrap();

        assert_eq!(
            cases.iter().map(|c| c.case_id.as_str()).collect::<Vec<_>>(),
            ["c1", "c2"]
        );
        assert_eq!(cases[0].created_at, Some(1_767_225_610));
        assert_eq!(cases[0].display_id.as_deref(), Some("display-c1"));
    }

    #[tokio::test]
    async fn a_missing_support_plan_is_its_own_error() {
        let rule = mock!(aws_sdk_support::Client::describe_cases).then_error(|| {
            DescribeCasesError::generic(
                ErrorMetadata::builder()
                    .code("SubscriptionRequiredException")
                    .message("AWS Premium Support Subscription is required")
                    .build(),
            )
        });
        let error = SdkSupport::new(mocked!(aws_sdk_support, [&rule]))
            .open_cases(0)
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            AwsError::SubscriptionRequired {
                service: "support",
                operation: "DescribeCases",
                ..
            }
        ));
        assert!(!error.is_retryable());
    }

    #[tokio::test]
    async fn case_by_display_id_includes_resolved_cases_and_maps_unknown_ids_to_none() {
        let found = mock!(aws_sdk_support::Client::describe_cases)
            .match_requests(|r| {
                r.display_id() == Some("display-c1") && r.include_resolved_cases() == Some(true)
            })
            .then_output(|| {
                DescribeCasesOutput::builder()
                    .cases(case("c1", "Quota Increase"))
                    .build()
            });
        let unknown = mock!(aws_sdk_support::Client::describe_cases)
            .match_requests(|r| r.display_id() == Some("nope"))
            .then_error(|| {
                DescribeCasesError::CaseIdNotFound(
                    CaseIdNotFound::builder()
                        .meta(wire("CaseIdNotFound"))
                        .build(),
                )
            });
        let support = SdkSupport::new(mocked!(aws_sdk_support, [&found, &unknown]));

        assert_eq!(
            support
                .case_by_display_id("display-c1")
                .await
                .unwrap()
                .unwrap()
                .case_id,
            "c1"
        );
        assert_eq!(support.case_by_display_id("nope").await.unwrap(), None);
    }

    #[tokio::test]
    async fn case_by_id_finds_a_created_case_and_maps_unknown_ids_to_none() {
        let found = mock!(aws_sdk_support::Client::describe_cases)
            .match_requests(|r| {
                r.case_id_list() == ["c1".to_owned()] && r.include_resolved_cases() == Some(true)
            })
            .then_output(|| {
                DescribeCasesOutput::builder()
                    .cases(case("c1", "s"))
                    .build()
            });
        let unknown = mock!(aws_sdk_support::Client::describe_cases)
            .match_requests(|r| r.case_id_list() == ["nope".to_owned()])
            .then_error(|| {
                DescribeCasesError::CaseIdNotFound(
                    CaseIdNotFound::builder()
                        .meta(wire("CaseIdNotFound"))
                        .build(),
                )
            });
        let support = SdkSupport::new(mocked!(aws_sdk_support, [&found, &unknown]));

        let case = support.case_by_id("c1").await.unwrap().unwrap();
        assert_eq!(case.display_id.as_deref(), Some("display-c1"));
        assert_eq!(support.case_by_id("nope").await.unwrap(), None);
    }

    #[tokio::test]
    async fn create_case_sends_the_whole_draft() {
        let rule = mock!(aws_sdk_support::Client::create_case)
            .match_requests(|r| {
                r.subject() == Some("s")
                    && r.communication_body() == Some("b")
                    && r.severity_code() == Some("high")
                    && r.service_code() == Some("service-bedrock")
                    && r.category_code() == Some("general-guidance")
                    && r.issue_type() == Some("technical")
                    && r.language() == Some("en")
            })
            .then_output(|| CreateCaseOutput::builder().case_id("case-1").build());
        let support = SdkSupport::new(mocked!(aws_sdk_support, [&rule]));

        let created = support
            .create_case(&CaseDraft::bedrock("s", "b", "high"))
            .await
            .unwrap();

        assert_eq!(
            created,
            CaseRef {
                case_id: "case-1".into(),
                display_id: None
            }
        );
    }

    #[tokio::test]
    async fn create_case_maps_the_creation_limit() {
        let rule = mock!(aws_sdk_support::Client::create_case).then_error(|| {
            CreateCaseError::CaseCreationLimitExceeded(
                CaseCreationLimitExceeded::builder()
                    .meta(wire("CaseCreationLimitExceeded"))
                    .build(),
            )
        });
        let error = SdkSupport::new(mocked!(aws_sdk_support, [&rule]))
            .create_case(&CaseDraft::bedrock("s", "b", "normal"))
            .await
            .unwrap_err();
        assert!(matches!(error, AwsError::CaseCreationLimitExceeded { .. }));
    }

    #[tokio::test]
    async fn communications_are_appended_and_read_back_over_every_page() {
        let add = mock!(aws_sdk_support::Client::add_communication_to_case)
            .match_requests(|r| r.case_id() == Some("c1") && r.communication_body() == Some("more"))
            .then_output(|| AddCommunicationToCaseOutput::builder().result(true).build());
        let page1 = mock!(aws_sdk_support::Client::describe_communications)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| {
                DescribeCommunicationsOutput::builder()
                    .communications(
                        Communication::builder()
                            .body("more")
                            .submitted_by("someone")
                            .build(),
                    )
                    .next_token("p2")
                    .build()
            });
        let page2 = mock!(aws_sdk_support::Client::describe_communications)
            .match_requests(|r| r.next_token() == Some("p2"))
            .then_output(|| {
                DescribeCommunicationsOutput::builder()
                    .communications(
                        Communication::builder()
                            .body("first")
                            .submitted_by("Amazon Web Services")
                            .build(),
                    )
                    .build()
            });
        let support = SdkSupport::new(mocked!(aws_sdk_support, [&add, &page1, &page2]));

        support.add_communication("c1", "more").await.unwrap();
        let bodies: Vec<_> = support
            .communications("c1")
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.body)
            .collect();

        assert_eq!(bodies, ["more", "first"]);
    }
}
