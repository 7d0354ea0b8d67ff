//! What the calculator logs: never the pre-signed ResponseURL (W-26). In its own test binary because tracing's
//! per-callsite cache is process-wide, and other tests running alongside would race it.

use std::time::Duration;

use bedrock_ops_aws::alarms::memory::MemoryAlarms;
use bedrock_ops_aws::inference_profiles::memory::MemoryInferenceProfiles;
use bedrock_ops_aws::parameters::memory::MemoryParameters;
use bedrock_ops_aws::quotas::memory::MemoryQuotas;
use bedrock_ops_core::thresholds::SERVICE_CODE;
use bedrock_ops_testkit::fixtures::{RPM_CODE, RPM_NAME, RPM_QUOTA, TPM_CODE, TPM_NAME, TPM_QUOTA};
use quota_calculator::{MemorySink, Ports, SinkError, handle};
use serde_json::{Value, json};

fn event(tpm_code: &str, request_type: &str) -> Value {
    let mut event: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/custom-resource/create.json"
    ))
    .unwrap();
    event["ResourceProperties"]["TokensPerMinuteQuotaCode"] = json!(tpm_code);
    event["RequestType"] = json!(request_type);
    event["PhysicalResourceId"] = json!("Acme-Opus-thresholds");
    event
}

#[tokio::test]
async fn the_presigned_url_is_never_logged_on_success_failure_or_a_delivery_error() {
    let logs = bedrock_ops_testkit::logs::CapturedLogs::start();

    let sink = MemorySink::new();
    let ports = Ports {
        quotas: MemoryQuotas::new()
            .with_applied(SERVICE_CODE, RPM_CODE, RPM_NAME, RPM_QUOTA as f64)
            .with_applied(SERVICE_CODE, TPM_CODE, TPM_NAME, TPM_QUOTA as f64),
        alarms: MemoryAlarms::new(),
        parameters: MemoryParameters::new(),
        sink: sink.clone(),
        profiles: MemoryInferenceProfiles::new(),
    };
    let budget = Duration::from_secs(60);
    let created = handle(&ports, event(TPM_CODE, "Create"), budget, 0)
        .await
        .unwrap();
    assert_eq!(created.status, quota_calculator::Status::Success);
    let refused = handle(&ports, event("L-9999", "Create"), budget, 0)
        .await
        .unwrap();
    assert_eq!(refused.status, quota_calculator::Status::Failed);
    sink.refuse_with(SinkError::Send("connection reset".into()));
    assert!(
        handle(&ports, event(TPM_CODE, "Delete"), budget, 0)
            .await
            .is_err()
    );

    let text = logs.text();
    assert!(text.contains("custom resource request"), "{text}");
    assert!(text.contains("answering SUCCESS"), "{text}");
    assert!(text.contains("answering FAILED"), "{text}");
    assert!(!text.contains("EXAMPLESIGNATURE"), "{text}");
    assert!(
        !text.contains("cloudformation-custom-resource-response"),
        "{text}"
    );
}
