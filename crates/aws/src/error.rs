//! One error type for every adapter, classified by what a caller does next rather than by service.
//!
//! Every variant names the service and the operation that failed, so a message in a log or an e-mail says where it
//! came from without the caller having to wrap it. [`AwsError::is_retryable`] is the single answer to "should the
//! Lambda fail so that its runtime retries, or is retrying pointless".

use aws_sdk_ssm::config::http::HttpResponse;
use aws_sdk_ssm::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// A failed AWS call, or a request an adapter refused to send.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AwsError {
    /// The service throttled the call (after the SDK's own bounded retries).
    #[error("{service} {operation}: throttled: {message}")]
    Throttled {
        service: &'static str,
        operation: &'static str,
        message: String,
    },

    /// Missing IAM permission or unusable credentials.
    #[error("{service} {operation}: access denied: {message}")]
    AccessDenied {
        service: &'static str,
        operation: &'static str,
        message: String,
    },

    /// The named resource does not exist (parameter, alarm, quota, case, topic, table).
    #[error("{service} {operation}: not found: {message}")]
    NotFound {
        service: &'static str,
        operation: &'static str,
        message: String,
    },

    /// The resource already exists; for Service Quotas: an increase request for this quota is already open.
    #[error("{service} {operation}: already exists: {message}")]
    AlreadyExists {
        service: &'static str,
        operation: &'static str,
        message: String,
    },

    /// The account has no Business, Enterprise On-Ramp or Enterprise Support plan, so the Support API is closed.
    #[error("{service} {operation}: a Support plan with API access is required: {message}")]
    SubscriptionRequired {
        service: &'static str,
        operation: &'static str,
        message: String,
    },

    /// AWS Support refuses more case creations for now (a per-hour limit).
    #[error("{service} {operation}: case creation limit exceeded: {message}")]
    CaseCreationLimitExceeded {
        service: &'static str,
        operation: &'static str,
        message: String,
    },

    /// The request was refused as invalid. Service Quotas answers this for a quota that is not adjustable or a
    /// desired value that is not above the current one; adapters also use it for requests they refuse to send.
    #[error("{service} {operation}: illegal argument: {message}")]
    IllegalArgument {
        service: &'static str,
        operation: &'static str,
        message: String,
    },

    /// An account or service limit was reached (Service Quotas' open-request limits, CloudWatch's LimitExceeded).
    #[error("{service} {operation}: limit exceeded: {message}")]
    QuotaExceeded {
        service: &'static str,
        operation: &'static str,
        message: String,
    },

    /// A conditional write lost (the ledger's claim was taken by someone else).
    #[error("{service} {operation}: condition failed: {message}")]
    ConditionFailed {
        service: &'static str,
        operation: &'static str,
        message: String,
    },

    /// The call did not finish within the configured timeouts.
    #[error("{service} {operation}: timed out: {message}")]
    Timeout {
        service: &'static str,
        operation: &'static str,
        message: String,
    },

    /// A network failure, an unreadable response or a server-side (5xx) error.
    #[error("{service} {operation}: transient failure: {message}")]
    Transient {
        service: &'static str,
        operation: &'static str,
        message: String,
    },

    /// Any other error, with the service's error code as it was received.
    #[error("{service} {operation}: {code}: {message}")]
    Other {
        service: &'static str,
        operation: &'static str,
        code: String,
        message: String,
    },
}

impl AwsError {
    /// Classifies an AWS error code (and, when the code is unknown, the HTTP status) into a variant.
    ///
    /// This is the one mapping table for every service; fakes use it too so that a test can inject exactly the
    /// code a real service would send.
    pub fn from_code(
        service: &'static str,
        operation: &'static str,
        code: &str,
        message: impl Into<String>,
        http_status: Option<u16>,
    ) -> Self {
        let message = message.into();
        match code {
            "ThrottlingException"
            | "Throttling"
            | "ThrottledException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "ProvisionedThroughputExceededException"
            | "RequestThrottledException"
            | "TooManyUpdates"
            | "SlowDown" => Self::Throttled {
                service,
                operation,
                message,
            },
            "AccessDeniedException"
            | "AccessDenied"
            | "DependencyAccessDeniedException"
            | "AuthorizationError"
            | "AuthorizationErrorException"
            | "UnauthorizedOperation"
            | "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "MissingAuthenticationToken" => Self::AccessDenied {
                service,
                operation,
                message,
            },
            "NoSuchResourceException"
            | "ResourceNotFoundException"
            | "ResourceNotFound"
            | "ParameterNotFound"
            | "ParameterVersionNotFound"
            | "NotFound"
            | "NotFoundException"
            | "CaseIdNotFound" => Self::NotFound {
                service,
                operation,
                message,
            },
            "ResourceAlreadyExistsException"
            | "ParameterAlreadyExists"
            | "AlreadyExists"
            | "AlreadyExistsException" => Self::AlreadyExists {
                service,
                operation,
                message,
            },
            "SubscriptionRequiredException" => Self::SubscriptionRequired {
                service,
                operation,
                message,
            },
            "CaseCreationLimitExceeded" => Self::CaseCreationLimitExceeded {
                service,
                operation,
                message,
            },
            "IllegalArgumentException"
            | "InvalidResourceStateException"
            | "ValidationException"
            | "ValidationError"
            | "InvalidParameterValue"
            | "InvalidParameterValueException"
            | "InvalidParameterCombination"
            | "InvalidParameter"
            | "InvalidParameterException"
            | "MissingParameter"
            | "InvalidNextToken"
            | "InvalidFilterKey"
            | "InvalidFilterValue"
            | "InvalidFormat"
            | "InvalidFormatFault"
            | "HierarchyTypeMismatchException"
            | "UnsupportedParameterType" => Self::IllegalArgument {
                service,
                operation,
                message,
            },
            "QuotaExceededException"
            | "LimitExceeded"
            | "LimitExceededException"
            | "ParameterLimitExceeded"
            | "ParameterMaxVersionLimitExceeded"
            | "HierarchyLevelLimitExceededException"
            | "AttachmentLimitExceeded"
            | "ItemCollectionSizeLimitExceededException" => Self::QuotaExceeded {
                service,
                operation,
                message,
            },
            "ConditionalCheckFailedException" => Self::ConditionFailed {
                service,
                operation,
                message,
            },
            "RequestTimeout" | "RequestTimeoutException" => Self::Timeout {
                service,
                operation,
                message,
            },
            "InternalFailure"
            | "InternalError"
            | "InternalErrorException"
            | "InternalServerError"
            | "InternalServerErrorException"
            | "InternalServiceError"
            | "InternalServiceFault"
            | "ServiceException"
            | "ServiceUnavailable"
            | "ServiceUnavailableException"
            | "TransactionConflictException"
            | "ReplicatedWriteConflictException" => Self::Transient {
                service,
                operation,
                message,
            },
            _ => match http_status {
                Some(429) => Self::Throttled {
                    service,
                    operation,
                    message,
                },
                Some(status) if status >= 500 => Self::Transient {
                    service,
                    operation,
                    message,
                },
                _ => Self::Other {
                    service,
                    operation,
                    code: code.to_owned(),
                    message,
                },
            },
        }
    }

    /// Maps an SDK error, whatever the service: modelled and unmodelled service errors by their error code,
    /// dispatch and response failures as transient, timeouts as timeouts.
    pub fn from_sdk<E>(
        service: &'static str,
        operation: &'static str,
        err: SdkError<E, HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let message = || DisplayErrorContext(&err).to_string();
        match &err {
            SdkError::ServiceError(service_err) => {
                let meta = service_err.err().meta();
                let status = service_err.raw().status().as_u16();
                let text = meta.message().map_or_else(message, str::to_owned);
                AwsError::from_code(
                    service,
                    operation,
                    meta.code().unwrap_or(""),
                    text,
                    Some(status),
                )
            }
            SdkError::TimeoutError(_) => Self::Timeout {
                service,
                operation,
                message: message(),
            },
            SdkError::DispatchFailure(failure) if failure.is_timeout() => Self::Timeout {
                service,
                operation,
                message: message(),
            },
            SdkError::DispatchFailure(failure) if failure.is_user() => Self::Other {
                service,
                operation,
                code: "DispatchFailure".into(),
                message: message(),
            },
            SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => Self::Transient {
                service,
                operation,
                message: message(),
            },
            _ => Self::Other {
                service,
                operation,
                code: "ConstructionFailure".into(),
                message: message(),
            },
        }
    }

    /// A request the adapter refuses to send because it would be invalid (e.g. an SNS subject over 100 characters).
    pub fn invalid(
        service: &'static str,
        operation: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::IllegalArgument {
            service,
            operation,
            message: message.into(),
        }
    }

    /// True when trying again later can succeed: throttling, timeouts and transient failures. A Lambda returns
    /// these as retryable errors; everything else is a decision the caller makes now (fallback, report, fail).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Throttled { .. } | Self::Timeout { .. } | Self::Transient { .. }
        )
    }

    /// The service the failed call went to, e.g. `support`.
    pub fn service(&self) -> &'static str {
        self.parts().0
    }

    /// The API operation that failed, e.g. `CreateCase`.
    pub fn operation(&self) -> &'static str {
        self.parts().1
    }

    /// The service's (or adapter's) message, without the service/operation prefix.
    pub fn message(&self) -> &str {
        self.parts().2
    }

    /// A short, stable name of the variant, for JSON output and metrics dimensions.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Throttled { .. } => "throttled",
            Self::AccessDenied { .. } => "access_denied",
            Self::NotFound { .. } => "not_found",
            Self::AlreadyExists { .. } => "already_exists",
            Self::SubscriptionRequired { .. } => "subscription_required",
            Self::CaseCreationLimitExceeded { .. } => "case_creation_limit_exceeded",
            Self::IllegalArgument { .. } => "illegal_argument",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::ConditionFailed { .. } => "condition_failed",
            Self::Timeout { .. } => "timeout",
            Self::Transient { .. } => "transient",
            Self::Other { .. } => "other",
        }
    }

    fn parts(&self) -> (&'static str, &'static str, &str) {
        match self {
            Self::Throttled {
                service,
                operation,
                message,
            }
            | Self::AccessDenied {
                service,
                operation,
                message,
            }
            | Self::NotFound {
                service,
                operation,
                message,
            }
            | Self::AlreadyExists {
                service,
                operation,
                message,
            }
            | Self::SubscriptionRequired {
                service,
                operation,
                message,
            }
            | Self::CaseCreationLimitExceeded {
                service,
                operation,
                message,
            }
            | Self::IllegalArgument {
                service,
                operation,
                message,
            }
            | Self::QuotaExceeded {
                service,
                operation,
                message,
            }
            | Self::ConditionFailed {
                service,
                operation,
                message,
            }
            | Self::Timeout {
                service,
                operation,
                message,
            }
            | Self::Transient {
                service,
                operation,
                message,
            }
            | Self::Other {
                service,
                operation,
                message,
                ..
            } => (service, operation, message),
        }
    }
}

/// `result.aws("ssm", "PutParameter")?` in the SDK implementations.
pub(crate) trait SdkResultExt<T> {
    fn aws(self, service: &'static str, operation: &'static str) -> Result<T, AwsError>;
}

impl<T, E> SdkResultExt<T> for Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn aws(self, service: &'static str, operation: &'static str) -> Result<T, AwsError> {
        self.map_err(|err| AwsError::from_sdk(service, operation, err))
    }
}

#[cfg(test)]
mod tests {
    use aws_smithy_mocks::mock;

    use super::*;
    use crate::test_support::mocked;

    #[test]
    fn codes_callers_branch_on_are_classified() {
        let kind = |code: &str, status: Option<u16>| {
            AwsError::from_code("svc", "Op", code, "m", status).kind()
        };
        assert_eq!(
            kind("SubscriptionRequiredException", Some(400)),
            "subscription_required"
        );
        assert_eq!(
            kind("CaseCreationLimitExceeded", Some(400)),
            "case_creation_limit_exceeded"
        );
        assert_eq!(
            kind("ResourceAlreadyExistsException", Some(400)),
            "already_exists"
        );
        assert_eq!(
            kind("ConditionalCheckFailedException", Some(400)),
            "condition_failed"
        );
        assert_eq!(kind("ThrottlingException", Some(400)), "throttled");
        assert_eq!(kind("NoSuchResourceException", Some(400)), "not_found");
        assert_eq!(
            kind("IllegalArgumentException", Some(400)),
            "illegal_argument"
        );
        assert_eq!(kind("QuotaExceededException", Some(400)), "quota_exceeded");
        assert_eq!(kind("AccessDeniedException", Some(400)), "access_denied");
        assert_eq!(kind("ServiceUnavailable", Some(503)), "transient");
        assert_eq!(kind("SomethingNew", Some(502)), "transient");
        assert_eq!(kind("SomethingNew", Some(429)), "throttled");
        assert_eq!(kind("SomethingNew", Some(400)), "other");
    }

    #[test]
    fn only_transient_conditions_are_retryable_and_context_is_kept() {
        let error = AwsError::from_code(
            "support",
            "CreateCase",
            "SomethingNew",
            "details",
            Some(400),
        );
        assert_eq!(
            error,
            AwsError::Other {
                service: "support",
                operation: "CreateCase",
                code: "SomethingNew".into(),
                message: "details".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "support CreateCase: SomethingNew: details"
        );
        assert_eq!(
            (error.service(), error.operation(), error.message()),
            ("support", "CreateCase", "details")
        );
        assert!(!error.is_retryable());
        for code in [
            "TooManyRequestsException",
            "InternalServerError",
            "RequestTimeout",
        ] {
            assert!(
                AwsError::from_code("s", "o", code, "", Some(400)).is_retryable(),
                "{code}"
            );
        }
        assert!(!AwsError::invalid("sns", "Publish", "too long").is_retryable());
    }

    #[tokio::test]
    async fn an_unmodelled_server_error_is_transient() {
        let rule = mock!(aws_sdk_ssm::Client::get_parameters_by_path)
            .sequence()
            .http_status(503, None)
            .build();
        let client = mocked!(aws_sdk_ssm, [&rule]);

        let error = client
            .get_parameters_by_path()
            .path("/a")
            .send()
            .await
            .aws("ssm", "GetParametersByPath")
            .unwrap_err();

        assert!(
            matches!(
                error,
                AwsError::Transient {
                    service: "ssm",
                    operation: "GetParametersByPath",
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.is_retryable());
    }
}
