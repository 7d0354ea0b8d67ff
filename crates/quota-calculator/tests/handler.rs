//! The custom-resource handler end to end over the in-memory fakes: every answer CloudFormation can get,
//! what is written in each case, and what is never logged.

use std::time::Duration;

use bedrock_ops_aws::alarms::memory::MemoryAlarms;
use bedrock_ops_aws::alarms::{AlarmAdmin, MetricAlarmDef};
use bedrock_ops_aws::diagnostic::Classified;
use bedrock_ops_aws::inference_profiles::memory::MemoryInferenceProfiles;
use bedrock_ops_aws::inference_profiles::{InferenceProfile, ProfileType};
use bedrock_ops_aws::parameters::memory::MemoryParameters;
use bedrock_ops_aws::quotas::memory::MemoryQuotas;
use bedrock_ops_aws::quotas::{QuotaInfo, QuotaService, RequestedChange};
use bedrock_ops_aws::{AwsError, ParameterStore};
use bedrock_ops_core::thresholds::SERVICE_CODE;
use bedrock_ops_testkit::fixtures::{
    MODEL_ID, RPM_CODE, RPM_NAME, RPM_QUOTA, TPM_CODE, TPM_NAME, TPM_QUOTA,
};
use quota_calculator::handler::{FAILED_CREATE_PREFIX, RESPONSE_MARGIN};
use quota_calculator::{CalculatorError, MemorySink, Ports, SinkError, Status, handle};
use serde_json::{Value, json};

const AT: i64 = 1_777_906_368;
const BUDGET: Duration = Duration::from_secs(60);
const RPM_ALARM: &str = "Acme-Bedrock-HighInvocationRate-Warning-Opus";
const TPM_ALARM: &str = "Acme-Bedrock-HighTPMQuotaUsage-Warning-Opus";
const PATH: &str = "/Acme/bedrock/quota-monitoring/Opus/thresholds/";

fn fixture(name: &str) -> Value {
    let text = match name {
        "create" => include_str!("../../../tests/fixtures/custom-resource/create.json"),
        "update" => include_str!("../../../tests/fixtures/custom-resource/update.json"),
        "delete" => include_str!("../../../tests/fixtures/custom-resource/delete.json"),
        other => panic!("no fixture {other}"),
    };
    serde_json::from_str(text).unwrap()
}

fn with_property(mut event: Value, key: &str, value: &str) -> Value {
    event["ResourceProperties"][key] = json!(value);
    event
}

/// The Opus quotas of the blog example plus the variants that must never be picked.
fn opus_quotas() -> MemoryQuotas {
    MemoryQuotas::new()
        .with_applied(SERVICE_CODE, RPM_CODE, RPM_NAME, RPM_QUOTA as f64)
        .with_applied(SERVICE_CODE, TPM_CODE, TPM_NAME, TPM_QUOTA as f64)
        .with_applied(SERVICE_CODE, "L-9A1F0C22", "Global cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1 1M Context Length", 1_000_000.0)
        .with_applied(SERVICE_CODE, "L-4B7E2D11", "Cross-region model inference tokens per minute for Anthropic Claude Opus 4.6 V1", 3_125_000.0)
        .with_applied(SERVICE_CODE, "L-00000001", "On-demand model inference tokens per minute for Acme Tiny", 200_000.0)
}

struct World {
    quotas: MemoryQuotas,
    alarms: MemoryAlarms,
    parameters: MemoryParameters,
    sink: MemorySink,
    profiles: MemoryInferenceProfiles,
}

impl World {
    fn new() -> World {
        World {
            quotas: opus_quotas(),
            alarms: MemoryAlarms::new(),
            parameters: MemoryParameters::new(),
            sink: MemorySink::new(),
            profiles: MemoryInferenceProfiles::new(),
        }
    }

    fn ports(
        &self,
    ) -> Ports<MemoryQuotas, MemoryAlarms, MemoryParameters, MemorySink, MemoryInferenceProfiles>
    {
        Ports {
            quotas: self.quotas.clone(),
            alarms: self.alarms.clone(),
            parameters: self.parameters.clone(),
            sink: self.sink.clone(),
            profiles: self.profiles.clone(),
        }
    }

    async fn run(&self, event: Value) -> Value {
        let outcome = handle(&self.ports(), event, BUDGET, AT).await.unwrap();
        let answer = self.sink.last().unwrap();
        assert_eq!(answer["Status"], json!(outcome.status));
        answer
    }

    fn writes(&self) -> usize {
        self.alarms.puts().len() + self.alarms.deleted().len() + self.parameters.writes().len()
    }

    fn threshold(&self, name: &str) -> Option<f64> {
        self.alarms.alarm(name).and_then(|a| a.threshold)
    }
}

#[tokio::test]
async fn create_writes_both_alarms_and_the_thresholds_and_answers_with_the_data() {
    let world = World::new();
    let answer = world.run(fixture("create")).await;

    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(answer["PhysicalResourceId"], "Acme-Opus-thresholds");
    assert_eq!(answer["RequestId"], "d7c3a1e2-7f6b-4b5e-9a1c-000000000001");
    assert_eq!(answer["LogicalResourceId"], "QuotaThresholds");
    assert_eq!(
        answer["Data"],
        json!({
            "RpmThreshold": "8000",
            "TpmThreshold": "5000000",
            "RpmQuota": "10000",
            "TpmQuota": "6250000",
            "ThresholdsPath": PATH,
        })
    );
    assert_eq!(world.threshold(RPM_ALARM), Some(8_000.0));
    assert_eq!(world.threshold(TPM_ALARM), Some(5_000_000.0));
    let tpm = world.alarms.alarm(TPM_ALARM).unwrap();
    assert_eq!(
        tpm.alarm_actions,
        ["arn:aws:sns:us-east-1:123456789012:Acme-Bedrock-Alarms-Raw-Opus"]
    );
    assert_eq!(tpm.ok_actions, tpm.alarm_actions);
    assert_eq!(tpm.evaluation_periods, 5);
    assert_eq!(
        tpm.metrics.last().unwrap().expression.as_deref(),
        Some("total / (PERIOD(m1) / 60)")
    );

    let stored = world.parameters.get_by_path(PATH).await.unwrap();
    assert_eq!(stored.len(), 10, "{stored:?}");
    assert_eq!(stored["rpm-threshold-calculated"], "8000");
    assert_eq!(stored["tpm-threshold-calculated"], "5000000");
    assert_eq!(stored["rpm-quota"], "10000");
    assert_eq!(stored["tpm-quota"], "6250000");
    assert_eq!(stored["rpm-quota-code"], RPM_CODE);
    assert_eq!(stored["tpm-percent"], "80");
    assert_eq!(stored["last-updated"], "2026-05-04T14:52:48Z");
    let change: Value = serde_json::from_str(&stored["last-change"]).unwrap();
    assert_eq!(change["by"], "quota-calculator");
    assert_eq!(change["tpm"]["old_threshold"], Value::Null);
    assert_eq!(change["tpm"]["new_threshold"], 5_000_000);
}

#[tokio::test]
async fn create_reads_in_one_round_trip_the_list_both_quotas_and_the_stored_record() {
    let world = World::new();
    world.run(fixture("create")).await;
    assert_eq!(world.quotas.calls("ListAWSDefaultServiceQuotas"), 1);
    assert_eq!(world.quotas.calls("GetServiceQuota"), 2);
    assert_eq!(world.parameters.calls("GetParametersByPath"), 1);
    assert_eq!(world.alarms.calls("PutMetricAlarm"), 2);
    assert_eq!(world.alarms.calls("DescribeAlarms"), 0);
}

const PROFILE_ARN: &str =
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6";

/// An application profile copied from the global Opus profile: it routes to Opus in several Regions.
fn opus_application_profile() -> InferenceProfile {
    InferenceProfile {
        id: "a1b2c3d4e5f6".into(),
        arn: PROFILE_ARN.into(),
        kind: ProfileType::Application,
        status: "ACTIVE".into(),
        model_arns: ["us-east-1", "us-west-2", "eu-west-1"]
            .iter()
            .map(|r| format!("arn:aws:bedrock:{r}::foundation-model/anthropic.claude-opus-4-6-v1"))
            .collect(),
    }
}

#[tokio::test]
async fn an_application_profile_arn_creates_with_the_codes_of_the_model_it_wraps() {
    let world = World {
        profiles: MemoryInferenceProfiles::new().with(opus_application_profile()),
        ..World::new()
    };
    let answer = world
        .run(with_property(
            fixture("create"),
            "BedrockModelId",
            PROFILE_ARN,
        ))
        .await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(world.profiles.calls("GetInferenceProfile"), 1);
    // The alarms watch the profile's own ModelId: that is where CloudWatch reports its traffic.
    let tpm = world.alarms.alarm(TPM_ALARM).unwrap();
    let watched = &tpm.metrics[0].metric_stat.as_ref().unwrap().dimensions[0];
    assert_eq!(watched.value, PROFILE_ARN);
}

#[tokio::test]
async fn an_unknown_application_profile_fails_naming_it_and_writes_nothing() {
    let world = World::new();
    let answer = world
        .run(with_property(
            fixture("create"),
            "BedrockModelId",
            PROFILE_ARN,
        ))
        .await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("BedrockModelId '{PROFILE_ARN}'")),
        "{reason}"
    );
    assert!(reason.contains("ExtraModelIds"), "{reason}");
    assert_eq!(world.writes(), 0);
}

#[tokio::test]
async fn a_model_id_needs_no_inference_profile_call() {
    let world = World::new();
    world.run(fixture("create")).await;
    assert_eq!(world.profiles.total_calls(), 0);
}

#[tokio::test]
async fn a_variant_tpm_code_fails_the_stack_naming_the_right_code_and_writes_nothing() {
    let world = World::new();
    let event = with_property(fixture("create"), "TokensPerMinuteQuotaCode", "L-9A1F0C22");
    let answer = world.run(event).await;

    assert_eq!(answer["Status"], "FAILED");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("TokensPerMinuteQuotaCode L-9A1F0C22 does not fit"),
        "{reason}"
    );
    assert!(
        reason.contains(&format!("Candidates for model {MODEL_ID}")),
        "{reason}"
    );
    assert!(reason.contains(TPM_CODE), "{reason}");
    assert!(
        answer["PhysicalResourceId"]
            .as_str()
            .unwrap()
            .starts_with(FAILED_CREATE_PREFIX)
    );
    assert_eq!(world.writes(), 0);
}

#[tokio::test]
async fn the_rollback_delete_of_a_create_that_wrote_nothing_succeeds_at_once() {
    let world = World::new();
    let event = with_property(fixture("create"), "TokensPerMinuteQuotaCode", "NA");
    let failed = world.run(event).await;
    assert_eq!(failed["Status"], "FAILED");
    assert!(
        failed["Reason"]
            .as_str()
            .unwrap()
            .contains("TokensPerMinuteQuotaCode cannot be NA")
    );

    let calls_before = world.alarms.total_calls() + world.parameters.total_calls();
    let mut delete = fixture("delete");
    delete["PhysicalResourceId"] = failed["PhysicalResourceId"].clone();
    let answer = world.run(delete).await;
    assert_eq!(answer["Status"], "SUCCESS");
    assert_eq!(answer["PhysicalResourceId"], failed["PhysicalResourceId"]);
    assert_eq!(
        world.alarms.total_calls() + world.parameters.total_calls(),
        calls_before
    );
}

#[tokio::test]
async fn rpm_na_for_a_model_without_rpm_quota_creates_only_the_tpm_alarm() {
    let world = World::new();
    // A left-over RPM alarm from an earlier configuration must go.
    let mut stale =
        MetricAlarmDef::metric_math(RPM_ALARM, Vec::new(), 1.0, "GreaterThanThreshold", 1);
    stale.metrics = vec![bedrock_ops_aws::alarms::MetricQuery {
        id: "rate".into(),
        metric_stat: None,
        expression: Some("m1".into()),
        label: None,
        return_data: Some(true),
        period: Some(60),
        account_id: None,
    }];
    world.alarms.seed(stale);
    let event = with_property(fixture("create"), "BedrockModelId", "acme.tiny-v1:0");
    let event = with_property(event, "RequestsPerMinuteQuotaCode", "NA");
    let event = with_property(event, "TokensPerMinuteQuotaCode", "L-00000001");
    let answer = world.run(event).await;

    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(answer["Data"]["RpmThreshold"], "NA");
    assert_eq!(answer["Data"]["RpmQuota"], "NA");
    assert_eq!(answer["Data"]["TpmThreshold"], "160000");
    assert_eq!(world.alarms.names(), [TPM_ALARM]);
    assert_eq!(world.alarms.deleted(), [RPM_ALARM]);
    let stored = world.parameters.get_by_path(PATH).await.unwrap();
    assert_eq!(stored["rpm-threshold-calculated"], "NA");
    assert_eq!(stored["rpm-quota-code"], "NA");
    assert_eq!(world.quotas.calls("GetServiceQuota"), 1);
}

#[tokio::test]
async fn rpm_na_is_refused_when_the_model_has_an_rpm_quota() {
    let world = World::new();
    let answer = world
        .run(with_property(
            fixture("create"),
            "RequestsPerMinuteQuotaCode",
            "NA",
        ))
        .await;
    assert_eq!(answer["Status"], "FAILED");
    assert!(
        answer["Reason"]
            .as_str()
            .unwrap()
            .contains(&format!("set it to {RPM_CODE}")),
        "{answer}"
    );
    assert_eq!(world.writes(), 0);
}

#[tokio::test]
async fn a_throttled_quota_read_fails_the_resource_and_writes_nothing() {
    let world = World::new();
    world.quotas.fail_always(
        "GetServiceQuota",
        AwsError::from_code(
            "service-quotas",
            "GetServiceQuota",
            "ThrottlingException",
            "Rate exceeded",
            Some(400),
        ),
    );
    let answer = world.run(fixture("create")).await;
    assert_eq!(answer["Status"], "FAILED");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("could not read the RPM quota {RPM_CODE}")),
        "{reason}"
    );
    assert!(reason.contains("throttled"), "{reason}");
    assert!(reason.contains("Nothing was changed"), "{reason}");
    assert_eq!(world.writes(), 0);
}

#[tokio::test]
async fn an_invalid_property_fails_with_its_name_before_any_call() {
    let world = World::new();
    let answer = world
        .run(with_property(
            fixture("create"),
            "AlarmEvaluationPeriod",
            "120",
        ))
        .await;
    assert_eq!(answer["Status"], "FAILED");
    assert!(
        answer["Reason"]
            .as_str()
            .unwrap()
            .contains("AlarmEvaluationPeriod = '120'")
    );
    assert_eq!(
        world.quotas.total_calls() + world.parameters.total_calls(),
        0
    );
}

#[tokio::test]
async fn a_failure_after_writing_keeps_the_real_id_so_the_rollback_cleans_up() {
    let world = World::new();
    world.parameters.fail_always(
        "PutParameter",
        AwsError::from_code(
            "ssm",
            "PutParameter",
            "AccessDeniedException",
            "not allowed",
            Some(400),
        ),
    );
    let answer = world.run(fixture("create")).await;
    assert_eq!(answer["Status"], "FAILED");
    assert_eq!(answer["PhysicalResourceId"], "Acme-Opus-thresholds");
    assert!(
        answer["Reason"]
            .as_str()
            .unwrap()
            .contains("storing the thresholds failed")
    );

    world.parameters.clear_failures();
    let deleted = world.run(fixture("delete")).await;
    assert_eq!(deleted["Status"], "SUCCESS");
    assert!(world.alarms.names().is_empty());
}

#[tokio::test]
async fn delete_removes_the_alarms_and_every_parameter_and_succeeds_again_when_gone() {
    let world = World::new();
    world.run(fixture("create")).await;
    // Settings owned by the template stay.
    world
        .parameters
        .seed("/Acme/bedrock/quota-monitoring/Opus/mode", "live");

    let answer = world.run(fixture("delete")).await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert!(world.alarms.names().is_empty());
    assert!(world.parameters.get_by_path(PATH).await.unwrap().is_empty());
    assert_eq!(
        world.parameters.snapshot().keys().collect::<Vec<_>>(),
        ["/Acme/bedrock/quota-monitoring/Opus/mode"]
    );

    let again = world.run(fixture("delete")).await;
    assert_eq!(again["Status"], "SUCCESS");
}

#[tokio::test]
async fn a_rename_replaces_the_resource_and_the_cleanup_delete_removes_only_the_old_one() {
    let world = World::new();
    world.run(fixture("create")).await;
    let mut update = fixture("update");
    update["ResourceProperties"]["BedrockModelName"] = json!("Opus2");
    let answer = world.run(update).await;
    assert_eq!(answer["Status"], "SUCCESS");
    assert_eq!(answer["PhysicalResourceId"], "Acme-Opus2-thresholds");
    assert_eq!(world.alarms.names().len(), 4);

    // CloudFormation's cleanup: Delete of the old id, with the old properties.
    let answer = world.run(fixture("delete")).await;
    assert_eq!(answer["Status"], "SUCCESS");
    assert_eq!(
        world.alarms.names(),
        [
            "Acme-Bedrock-HighInvocationRate-Warning-Opus2",
            "Acme-Bedrock-HighTPMQuotaUsage-Warning-Opus2"
        ]
    );
    assert!(world.parameters.get_by_path(PATH).await.unwrap().is_empty());
    let renamed = "/Acme/bedrock/quota-monitoring/Opus2/thresholds/";
    assert_eq!(
        world.parameters.get_by_path(renamed).await.unwrap().len(),
        10
    );
}

#[tokio::test]
async fn a_delete_whose_properties_name_another_resource_deletes_nothing() {
    let world = World::new();
    world.run(fixture("create")).await;
    let mut delete = fixture("delete");
    delete["PhysicalResourceId"] = json!("Acme-Sonnet-thresholds");
    let answer = world.run(delete).await;
    assert_eq!(answer["Status"], "SUCCESS");
    assert!(
        answer["Reason"]
            .as_str()
            .unwrap()
            .starts_with("Nothing deleted"),
        "{answer}"
    );
    assert_eq!(world.alarms.names(), [RPM_ALARM, TPM_ALARM]);
    assert_eq!(world.parameters.get_by_path(PATH).await.unwrap().len(), 10);
}

#[tokio::test]
async fn an_update_of_the_periods_rewrites_the_alarms_but_no_unchanged_parameter() {
    let world = World::new();
    world.run(fixture("create")).await;
    let writes_after_create = world.parameters.writes().len();

    let answer = world.run(fixture("update")).await;
    assert_eq!(answer["Status"], "SUCCESS");
    assert_eq!(answer["PhysicalResourceId"], "Acme-Opus-thresholds");
    assert_eq!(world.alarms.alarm(RPM_ALARM).unwrap().evaluation_periods, 3);
    assert_eq!(world.alarms.alarm(TPM_ALARM).unwrap().evaluation_periods, 3);
    assert_eq!(world.parameters.writes().len(), writes_after_create);
}

/// Service Quotas that answers only after a long pause.
#[derive(Clone)]
struct SlowQuotas(MemoryQuotas);

impl QuotaService for SlowQuotas {
    async fn get(&self, service_code: &str, quota_code: &str) -> Result<QuotaInfo, AwsError> {
        tokio::time::sleep(Duration::from_secs(30)).await;
        self.0.get(service_code, quota_code).await
    }

    async fn list(&self, service_code: &str) -> Result<Vec<QuotaInfo>, AwsError> {
        self.0.list(service_code).await
    }

    async fn request_increase(
        &self,
        service_code: &str,
        quota_code: &str,
        desired: f64,
    ) -> Result<RequestedChange, AwsError> {
        self.0
            .request_increase(service_code, quota_code, desired)
            .await
    }

    async fn open_requests(
        &self,
        service_code: &str,
        quota_code: &str,
    ) -> Result<Vec<RequestedChange>, AwsError> {
        self.0.open_requests(service_code, quota_code).await
    }

    async fn requested_change(&self, request_id: &str) -> Result<RequestedChange, AwsError> {
        self.0.requested_change(request_id).await
    }
}

#[tokio::test]
async fn work_that_outlives_the_budget_is_cut_off_and_answered_failed_in_time() {
    let world = World::new();
    let ports = Ports {
        quotas: SlowQuotas(world.quotas.clone()),
        alarms: world.alarms.clone(),
        parameters: world.parameters.clone(),
        sink: world.sink.clone(),
        profiles: world.profiles.clone(),
    };
    let budget = RESPONSE_MARGIN + Duration::from_millis(100);
    let started = std::time::Instant::now();
    let outcome = handle(&ports, fixture("create"), budget, AT).await.unwrap();
    assert!(started.elapsed() < budget, "{:?}", started.elapsed());
    assert_eq!(outcome.status, Status::Failed);
    assert!(
        outcome.reason.starts_with("Timed out"),
        "{}",
        outcome.reason
    );
    assert_eq!(world.sink.last().unwrap()["Status"], "FAILED");
    assert_eq!(world.writes(), 0);
}

#[tokio::test]
async fn an_undeliverable_answer_is_a_retryable_error_that_does_not_show_the_url() {
    let world = World::new();
    world.sink.refuse_with(SinkError::Refused {
        status: 503,
        excerpt: "Slow Down".into(),
    });
    let err = handle(&world.ports(), fixture("delete"), BUDGET, AT)
        .await
        .unwrap_err();
    assert!(err.is_retryable());
    assert!(matches!(err, CalculatorError::NotDelivered { .. }));
    assert!(!err.to_string().contains("EXAMPLESIGNATURE"), "{err}");
}

#[tokio::test]
async fn an_event_without_response_url_cannot_be_answered_and_says_so() {
    let world = World::new();
    let mut event = fixture("create");
    event.as_object_mut().unwrap().remove("ResponseURL");
    let err = handle(&world.ports(), event, BUDGET, AT).await.unwrap_err();
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("no answer can be sent"), "{err}");
    assert!(world.sink.responses().is_empty());
}

#[tokio::test]
async fn an_unknown_request_type_is_answered_failed() {
    let world = World::new();
    let mut event = fixture("create");
    event["RequestType"] = json!("Rollback");
    let answer = world.run(event).await;
    assert_eq!(answer["Status"], "FAILED");
    assert!(
        answer["Reason"]
            .as_str()
            .unwrap()
            .contains("Malformed custom-resource request"),
        "{answer}"
    );
    assert_eq!(answer["RequestId"], "d7c3a1e2-7f6b-4b5e-9a1c-000000000001");
}

#[tokio::test]
async fn deleting_a_parameter_store_failure_is_reported_not_swallowed() {
    let world = World::new();
    world.run(fixture("create")).await;
    world.parameters.fail_next(
        "DeleteParameters",
        AwsError::from_code(
            "ssm",
            "DeleteParameters",
            "AccessDeniedException",
            "no",
            Some(400),
        ),
    );
    let answer = world.run(fixture("delete")).await;
    assert_eq!(answer["Status"], "FAILED");
    assert!(
        answer["Reason"]
            .as_str()
            .unwrap()
            .contains("Deleting the threshold parameters failed")
    );
    // The alarms went in the same round trip.
    assert!(
        world
            .alarms
            .describe(&[RPM_ALARM.to_owned()])
            .await
            .unwrap()
            .is_empty()
    );
}

/// Issue 16: a stack update that switches between split token quotas and a combined TPM quota leaves no
/// alarm or key of the other kind behind (the L2 alarms are the calculator's, not template resources).
#[tokio::test]
async fn switching_between_split_and_combined_token_quotas_leaves_nothing_of_the_other_kind() {
    use bedrock_ops_testkit::testbed::calculator::{
        INPUT_TPM_ALARM, OUTPUT_TPM_ALARM, split_event, with_split_token_quotas,
    };
    let world = World {
        quotas: with_split_token_quotas(opus_quotas()),
        ..World::new()
    };
    let stored = |world: &World| {
        let parameters = world.parameters.clone();
        async move { parameters.get_by_path(PATH).await.unwrap() }
    };

    let mut split_update = split_event(fixture("update"));
    split_update["OldResourceProperties"] = fixture("create")["ResourceProperties"].clone();
    assert_eq!(world.run(fixture("create")).await["Status"], "SUCCESS");
    assert_eq!(world.run(split_update).await["Status"], "SUCCESS");
    let mut names = world.alarms.names();
    names.sort_unstable();
    let mut expected = [RPM_ALARM, INPUT_TPM_ALARM, OUTPUT_TPM_ALARM];
    expected.sort_unstable();
    assert_eq!(names, expected);
    let keys = stored(&world).await;
    assert!(keys.contains_key("input-tpm-quota"), "{keys:?}");
    for combined in ["tpm-quota", "tpm-threshold-calculated", "tpm-quota-code"] {
        assert!(!keys.contains_key(combined), "{combined} left: {keys:?}");
    }

    let mut combined_update = fixture("update");
    combined_update["OldResourceProperties"] =
        split_event(fixture("create"))["ResourceProperties"].clone();
    assert_eq!(world.run(combined_update).await["Status"], "SUCCESS");
    let mut names = world.alarms.names();
    names.sort_unstable();
    assert_eq!(names, [RPM_ALARM, TPM_ALARM]);
    let keys = stored(&world).await;
    assert_eq!(keys["tpm-quota-code"], TPM_CODE);
    assert!(
        !keys
            .keys()
            .any(|k| k.starts_with("input-") || k.starts_with("output-")),
        "{keys:?}"
    );
}
