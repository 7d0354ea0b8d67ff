//! The quota calculator against the local AWS emulator with the real SDK clients and the real HTTPS sink:
//! the answer CloudFormation gets is read back from the emulator's response sink. Needs `--features emulator`
//! (the test command passes `--all-features`). The tests share one emulator and take turns (each resets it),
//! so the call log is exact.

use std::collections::BTreeMap;
use std::sync::MutexGuard;
use std::time::Duration;

use bedrock_ops_aws::{AlarmAdmin, AwsClients, ParameterStore};
use bedrock_ops_testkit::emulator::take_turn;
use bedrock_ops_testkit::emulator::{CallRecord, Emulator, Fault};
use bedrock_ops_testkit::fixtures::{MODEL_ID, RPM_CODE, TPM_CODE};
use bedrock_ops_testkit::testbed::calculator::{
    self as testbed, PATH, RPM_ALARM, SIGNATURE, SdkPorts, TPM_ALARM,
};
use quota_calculator::handle;
use serde_json::{Value, json};

const AT: i64 = 1_777_906_368;

struct Session {
    _turn: MutexGuard<'static, ()>,
    emulator: &'static Emulator,
    runtime: tokio::runtime::Runtime,
}

fn session() -> Session {
    let turn = take_turn();
    let emulator = Emulator::shared().expect("emulator starts");
    testbed::reset_and_seed(emulator);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    Session {
        _turn: turn,
        emulator,
        runtime,
    }
}

impl Session {
    /// The production wiring (AwsClients with the Lambda's retry and timeout settings) on the emulator.
    fn ports(&self) -> SdkPorts {
        testbed::ports(&AwsClients::new(&self.emulator.sdk_config()))
    }

    fn event(&self, fixture: &str, id: &str) -> Value {
        testbed::event(self.emulator, fixture, id)
    }

    /// Runs the handler and returns the body CloudFormation received.
    fn answer(&self, event: Value) -> Value {
        let id = event["ResponseURL"].as_str().unwrap().to_owned();
        let ports = self.ports();
        let outcome = self
            .runtime
            .block_on(handle(&ports, event, Duration::from_secs(60), AT))
            .unwrap();
        let responses = self.emulator.cfn_responses().unwrap();
        let response = responses
            .iter()
            .rev()
            .find(|r| id.contains(&format!("/_ext/cfn-response/{}?", r.path)))
            .expect("the answer reached the sink");
        let body = response.body.clone().expect("the answer is JSON");
        assert_eq!(body["Status"], json!(outcome.status));
        body
    }

    fn alarms(&self) -> BTreeMap<String, bedrock_ops_aws::alarms::MetricAlarmDef> {
        let names = [RPM_ALARM.to_owned(), TPM_ALARM.to_owned()];
        let alarms = self.ports().alarms;
        self.runtime
            .block_on(alarms.describe(&names))
            .unwrap()
            .into_iter()
            .map(|a| (a.name.clone(), a))
            .collect()
    }

    fn stored(&self) -> BTreeMap<String, String> {
        let parameters = self.ports().parameters;
        self.runtime.block_on(parameters.get_by_path(PATH)).unwrap()
    }

    fn calls(&self) -> Vec<CallRecord> {
        self.emulator.calls().unwrap()
    }
}

fn count(calls: &[CallRecord], operation: &str) -> usize {
    calls.iter().filter(|c| c.operation == operation).count()
}

fn summary(calls: &[CallRecord]) -> String {
    let mut by_operation: BTreeMap<&str, usize> = BTreeMap::new();
    for call in calls {
        *by_operation.entry(call.operation.as_str()).or_default() += 1;
    }
    format!("{} calls {by_operation:?}", calls.len())
}

fn with_property(mut event: Value, key: &str, value: &str) -> Value {
    event["ResourceProperties"][key] = json!(value);
    event
}

#[test]
fn create_stores_8000_and_5000000_writes_both_alarms_and_answers_with_the_data() {
    let s = session();
    s.emulator.reset_calls().unwrap();

    let answer = s.answer(s.event("create", "create-1"));
    let calls = s.calls();

    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(answer["PhysicalResourceId"], "Acme-Opus-thresholds");
    assert_eq!(answer["Data"]["RpmThreshold"], "8000");
    assert_eq!(answer["Data"]["TpmThreshold"], "5000000");
    assert_eq!(answer["Data"]["RpmQuota"], "10000");
    assert_eq!(answer["Data"]["TpmQuota"], "6250000");
    assert_eq!(answer["Data"]["ThresholdsPath"], PATH);

    let stored = s.stored();
    assert_eq!(stored["rpm-threshold-calculated"], "8000");
    assert_eq!(stored["tpm-threshold-calculated"], "5000000");
    assert_eq!(stored["rpm-quota"], "10000");
    assert_eq!(stored["tpm-quota"], "6250000");
    assert_eq!(stored["last-updated"], "2026-05-04T14:52:48Z");
    assert_eq!(stored.len(), 10);

    let alarms = s.alarms();
    assert_eq!(alarms[RPM_ALARM].threshold, Some(8_000.0));
    assert_eq!(alarms[TPM_ALARM].threshold, Some(5_000_000.0));
    for alarm in alarms.values() {
        let ids: Vec<_> = alarm.metrics.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, ["m1", "total", "rate"]);
        let rate = &alarm.metrics[2];
        assert_eq!(
            rate.expression.as_deref(),
            Some("total / (PERIOD(m1) / 60)")
        );
        assert_eq!(rate.return_data, Some(true));
        let m1 = alarm.metrics[0].metric_stat.as_ref().unwrap();
        assert_eq!(
            (m1.namespace.as_str(), m1.stat.as_str(), m1.period),
            ("AWS/Bedrock", "Sum", 60)
        );
        assert_eq!(alarm.comparison_operator, "GreaterThanThreshold");
        assert_eq!(alarm.treat_missing_data.as_deref(), Some("notBreaching"));
        assert_eq!(
            alarm.alarm_actions,
            ["arn:aws:sns:us-east-1:123456789012:Acme-Bedrock-Alarms-Raw-Opus"]
        );
        assert_eq!(alarm.ok_actions, alarm.alarm_actions);
    }

    // Calls of one Create: the quota list (every page, applied and defaults), two quota values and the
    // stored record in one concurrent round; two PutMetricAlarm together; ten PutParameter in sequence.
    eprintln!("create: {}", summary(&calls));
    assert_eq!(count(&calls, "GetServiceQuota"), 2);
    assert_eq!(count(&calls, "GetParametersByPath"), 1);
    assert!(
        count(&calls, "ListServiceQuotas") >= 2,
        "every page: {}",
        summary(&calls)
    );
    assert_eq!(count(&calls, "PutMetricAlarm"), 2);
    assert_eq!(count(&calls, "PutParameter"), 10);
    assert!(calls.iter().all(|c| c.status == 200), "{calls:?}");
}

#[test]
fn a_wrong_quota_code_fails_the_resource_naming_the_candidates() {
    let s = session();
    let event = with_property(
        s.event("create", "wrong-code"),
        "TokensPerMinuteQuotaCode",
        "L-9A1F0C22",
    );
    let answer = s.answer(event);

    assert_eq!(answer["Status"], "FAILED");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("TokensPerMinuteQuotaCode L-9A1F0C22 does not fit"),
        "{reason}"
    );
    assert!(
        reason.contains(&format!(
            "Candidates for model {MODEL_ID} (global, tokens per minute): {TPM_CODE}"
        )),
        "{reason}"
    );
    assert!(s.alarms().is_empty());
    assert!(s.stored().is_empty());
    assert_eq!(count(&s.calls(), "PutMetricAlarm"), 0);
}

#[test]
fn a_model_with_split_token_quotas_deploys_with_an_input_and_an_output_alarm() {
    use bedrock_ops_testkit::testbed::calculator::{
        INPUT_TPM_ALARM, OUTPUT_TPM_ALARM, SPLIT_INPUT_CODE, SPLIT_MODEL_ID, SPLIT_OUTPUT_CODE,
        SPLIT_RPM_CODE, split_token_quotas,
    };
    let s = session();
    s.emulator
        .seed_quotas(&split_token_quotas(), &[])
        .expect("split quotas seeded");
    let event = with_property(s.event("create", "split"), "BedrockModelId", SPLIT_MODEL_ID);
    let event = with_property(event, "RequestsPerMinuteQuotaCode", SPLIT_RPM_CODE);
    let event = with_property(event, "TokensPerMinuteQuotaCode", "NA");
    let missing_output = with_property(
        event.clone(),
        "InputTokensPerMinuteQuotaCode",
        SPLIT_INPUT_CODE,
    );
    let event = with_property(
        missing_output.clone(),
        "OutputTokensPerMinuteQuotaCode",
        SPLIT_OUTPUT_CODE,
    );
    let answer = s.answer(event);

    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(answer["Data"]["InputTpmThreshold"], "1600000");
    assert_eq!(answer["Data"]["OutputTpmThreshold"], "320000");
    assert_eq!(answer["Data"]["RpmThreshold"], "1600");
    let names = [
        RPM_ALARM.to_owned(),
        TPM_ALARM.to_owned(),
        INPUT_TPM_ALARM.to_owned(),
        OUTPUT_TPM_ALARM.to_owned(),
    ];
    let alarms = s
        .runtime
        .block_on(s.ports().alarms.describe(&names))
        .unwrap();
    let mut created: Vec<&str> = alarms.iter().map(|a| a.name.as_str()).collect();
    created.sort_unstable();
    assert_eq!(created, [INPUT_TPM_ALARM, RPM_ALARM, OUTPUT_TPM_ALARM]);
    let stored = s.stored();
    assert_eq!(stored["input-tpm-threshold-calculated"], "1600000");
    assert_eq!(stored["output-tpm-threshold-calculated"], "320000");
    assert_eq!(stored["input-tpm-quota-code"], SPLIT_INPUT_CODE);

    // Delete removes the split alarms and keys too.
    let mut delete = s.event("delete", "split-delete");
    for (key, value) in [
        ("BedrockModelId", SPLIT_MODEL_ID),
        ("TokensPerMinuteQuotaCode", "NA"),
        ("InputTokensPerMinuteQuotaCode", SPLIT_INPUT_CODE),
        ("OutputTokensPerMinuteQuotaCode", SPLIT_OUTPUT_CODE),
    ] {
        delete = with_property(delete, key, value);
    }
    assert_eq!(s.answer(delete)["Status"], "SUCCESS");
    assert!(s.stored().is_empty(), "{:?}", s.stored());
    assert!(
        s.runtime
            .block_on(s.ports().alarms.describe(&names))
            .unwrap()
            .is_empty()
    );

    // TPM NA with one split code only is refused, naming both codes to pass.
    let refused = s.answer(with_property(
        missing_output,
        "ResponseURL",
        &format!("{}?x", s.emulator.cfn_response_url("split-refused")),
    ));
    assert_eq!(refused["Status"], "FAILED", "{refused}");
    let reason = refused["Reason"].as_str().unwrap();
    assert!(reason.contains("TokensPerMinuteQuotaCode"), "{reason}");

    // TPM NA without split codes names the split codes the model has.
    let event = with_property(
        s.event("create", "split-na"),
        "BedrockModelId",
        SPLIT_MODEL_ID,
    );
    let event = with_property(event, "RequestsPerMinuteQuotaCode", SPLIT_RPM_CODE);
    let refused = s.answer(with_property(event, "TokensPerMinuteQuotaCode", "NA"));
    let reason = refused["Reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!(
            "set InputTokensPerMinuteQuotaCode to {SPLIT_INPUT_CODE} and OutputTokensPerMinuteQuotaCode to {SPLIT_OUTPUT_CODE}"
        )),
        "{reason}"
    );
}

#[test]
fn rpm_na_for_a_model_without_an_rpm_quota_gives_only_the_tpm_alarm() {
    let s = session();
    let event = with_property(
        s.event("create", "tiny"),
        "BedrockModelId",
        "acme.tiny-v1:0",
    );
    let event = with_property(event, "RequestsPerMinuteQuotaCode", "NA");
    let event = with_property(event, "TokensPerMinuteQuotaCode", "L-00000001");
    let answer = s.answer(event);

    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(answer["Data"]["RpmThreshold"], "NA");
    assert_eq!(answer["Data"]["TpmThreshold"], "160000");
    assert_eq!(s.alarms().keys().collect::<Vec<_>>(), [TPM_ALARM]);
    assert_eq!(s.stored()["rpm-threshold-calculated"], "NA");

    // NA for a model that has an RPM quota is refused with the right code.
    let refused = s.answer(with_property(
        s.event("create", "opus-na"),
        "RequestsPerMinuteQuotaCode",
        "NA",
    ));
    assert_eq!(refused["Status"], "FAILED");
    assert!(
        refused["Reason"]
            .as_str()
            .unwrap()
            .contains(&format!("set it to {RPM_CODE}")),
        "{refused}"
    );
}

#[test]
fn throttled_quota_reads_fail_the_resource_and_leave_nothing_behind() {
    let s = session();
    s.emulator
        .add_fault(
            &Fault::error(
                "servicequotas",
                "GetServiceQuota",
                "ThrottlingException",
                400,
            )
            .message("Rate exceeded"),
        )
        .unwrap();
    let answer = s.answer(s.event("create", "throttled"));

    assert_eq!(answer["Status"], "FAILED");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(reason.contains("could not read the"), "{reason}");
    assert!(reason.contains("throttled"), "{reason}");
    assert!(
        answer["PhysicalResourceId"]
            .as_str()
            .unwrap()
            .starts_with("create-failed-"),
        "{answer}"
    );
    s.emulator.clear_faults().unwrap();
    assert!(s.alarms().is_empty());
    assert!(s.stored().is_empty());
}

#[test]
fn an_update_keeps_the_resource_and_rewrites_the_alarms_with_the_new_periods() {
    let s = session();
    assert_eq!(s.answer(s.event("create", "u-create"))["Status"], "SUCCESS");
    s.emulator.reset_calls().unwrap();

    let answer = s.answer(s.event("update", "u-update"));
    let calls = s.calls();
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(answer["PhysicalResourceId"], "Acme-Opus-thresholds");
    let alarms = s.alarms();
    assert_eq!(alarms[RPM_ALARM].evaluation_periods, 3);
    assert_eq!(alarms[TPM_ALARM].threshold, Some(5_000_000.0));

    eprintln!("update (periods only): {}", summary(&calls));
    assert_eq!(count(&calls, "PutMetricAlarm"), 2);
    assert_eq!(
        count(&calls, "PutParameter"),
        0,
        "nothing in the record changed"
    );
}

#[test]
fn delete_leaves_no_alarm_and_no_parameter_and_succeeds_again_when_gone() {
    let s = session();
    assert_eq!(s.answer(s.event("create", "d-create"))["Status"], "SUCCESS");
    s.emulator.reset_calls().unwrap();

    let answer = s.answer(s.event("delete", "d-delete"));
    let calls = s.calls();
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert!(s.alarms().is_empty());
    assert!(s.stored().is_empty());
    eprintln!("delete: {}", summary(&calls));
    assert_eq!(count(&calls, "DeleteAlarms"), 1);
    assert_eq!(count(&calls, "DeleteParameters"), 1);

    assert_eq!(s.answer(s.event("delete", "d-again"))["Status"], "SUCCESS");
}

#[test]
fn the_answer_carries_the_request_ids_and_the_signed_query_reaches_only_the_sink() {
    let s = session();
    let answer = s.answer(s.event("create", "ids"));
    assert_eq!(answer["RequestId"], "d7c3a1e2-7f6b-4b5e-9a1c-000000000001");
    assert_eq!(answer["LogicalResourceId"], "QuotaThresholds");
    assert!(
        answer["StackId"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:cloudformation:")
    );
    let response = s.emulator.cfn_responses().unwrap().pop().unwrap();
    assert_eq!(response.query, SIGNATURE);
    assert!(!answer.to_string().contains("NOT-TO-BE-LOGGED"));
}

// ----- BedrockModelId of every kind (issue 16) ------------------------------------------------------------

const OPUS: &str = "anthropic.claude-opus-4-6-v1";
const PROFILE_ID: &str = "a1b2c3d4e5f6";
const PROFILE_ARN: &str =
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6";

/// An application profile copied from the global Opus profile (it routes to Opus in three Regions) and the
/// system-defined global profile itself.
fn seed_profiles(s: &Session) {
    let models: Vec<String> = ["us-east-1", "us-west-2", "eu-west-1"]
        .iter()
        .map(|r| format!("arn:aws:bedrock:{r}::foundation-model/{OPUS}"))
        .collect();
    s.emulator
        .seed_inference_profiles(&[
            json!({"id": PROFILE_ID, "type": "APPLICATION", "models": models, "name": "team-a"}),
            json!({"id": MODEL_ID, "type": "SYSTEM_DEFINED", "models": models}),
        ])
        .unwrap();
}

fn create_with_model_id(s: &Session, model_id: &str, id: &str) -> (Value, Vec<CallRecord>) {
    s.emulator.reset_calls().unwrap();
    let event = with_property(s.event("create", id), "BedrockModelId", model_id);
    let answer = s.answer(event);
    (answer, s.calls())
}

#[test]
fn an_application_profile_arn_creates_with_its_codes_checked_against_the_wrapped_model() {
    let s = session();
    seed_profiles(&s);
    let (answer, calls) = create_with_model_id(&s, PROFILE_ARN, "app-arn");
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(answer["Data"]["TpmThreshold"], "5000000");
    let reads: Vec<&CallRecord> = calls.iter().filter(|c| c.service == "bedrock").collect();
    assert_eq!(reads.len(), 1, "{}", summary(&calls));
    assert!(
        reads[0].operation.starts_with("GET /inference-profiles/"),
        "{reads:?}"
    );
    assert!(reads[0].error_code.is_none(), "{reads:?}");
    // The alarms watch the profile's ARN: CloudWatch reports the profile's traffic under the id it was called by.
    let tpm = &s.alarms()[TPM_ALARM];
    assert_eq!(
        tpm.metrics[0].metric_stat.as_ref().unwrap().dimensions[0].value,
        PROFILE_ARN
    );
}

#[test]
fn an_application_profile_id_creates_too() {
    let s = session();
    seed_profiles(&s);
    let (answer, _) = create_with_model_id(&s, PROFILE_ID, "app-id");
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
}

#[test]
fn model_ids_and_system_profiles_of_every_prefix_create_without_a_bedrock_call() {
    let s = session();
    s.emulator
        .seed_quotas(
            &[
                bedrock_ops_testkit::emulator::SeedQuota::bedrock(
                    "L-0D0D0D01",
                    "On-demand model inference requests per minute for Anthropic Claude Opus 4.6 V1",
                    1_000.0,
                ),
                bedrock_ops_testkit::emulator::SeedQuota::bedrock(
                    "L-0D0D0D02",
                    "On-demand model inference tokens per minute for Anthropic Claude Opus 4.6 V1",
                    100_000.0,
                ),
            ],
            &[],
        )
        .unwrap();
    let cross = ("L-4B7E2D10", "L-4B7E2D11");
    let mut cases = vec![
        (OPUS.to_owned(), ("L-0D0D0D01", "L-0D0D0D02")),
        (MODEL_ID.to_owned(), (RPM_CODE, TPM_CODE)),
    ];
    for geo in ["us", "eu", "apac", "jp", "au", "ca", "us-gov"] {
        cases.push((format!("{geo}.{OPUS}"), cross));
    }
    for (i, (model_id, (rpm, tpm))) in cases.iter().enumerate() {
        s.emulator.reset_calls().unwrap();
        let event = s.event("create", &format!("kind-{i}"));
        let event = with_property(
            with_property(event, "BedrockModelId", model_id),
            "RequestsPerMinuteQuotaCode",
            rpm,
        );
        let answer = s.answer(with_property(event, "TokensPerMinuteQuotaCode", tpm));
        assert_eq!(answer["Status"], "SUCCESS", "{model_id}: {answer}");
        let calls = s.calls();
        assert!(
            calls.iter().all(|c| c.service != "bedrock"),
            "{model_id}: {}",
            summary(&calls)
        );
    }
}

#[test]
fn an_unknown_or_foreign_or_malformed_profile_fails_naming_it_and_writes_nothing() {
    let s = session();
    seed_profiles(&s);
    let cases = [
        (
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/zzzzzzzzzzzz",
            "ResourceNotFoundException",
        ),
        (
            "arn:aws:bedrock:us-east-1:999999999999:application-inference-profile/a1b2c3d4e5f6",
            "AccessDeniedException",
        ),
        (
            "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/a1b2c3d4e5f6",
            "ResourceNotFoundException",
        ),
        ("zzzzzzzzzzzz", "ResourceNotFoundException"),
    ];
    for (i, (model_id, code)) in cases.iter().enumerate() {
        let (answer, calls) = create_with_model_id(&s, model_id, &format!("bad-{i}"));
        assert_eq!(answer["Status"], "FAILED", "{model_id}: {answer}");
        let reason = answer["Reason"].as_str().unwrap();
        assert!(
            reason.contains(&format!("BedrockModelId '{model_id}'")),
            "{reason}"
        );
        assert!(reason.contains("ExtraModelIds"), "{reason}");
        let bedrock: Vec<_> = calls.iter().filter(|c| c.service == "bedrock").collect();
        assert_eq!(bedrock.len(), 1, "{model_id}");
        assert_eq!(bedrock[0].error_code.as_deref(), Some(*code), "{model_id}");
        assert_eq!(
            count(&calls, "PutMetricAlarm") + count(&calls, "PutParameter"),
            0
        );
    }
}
