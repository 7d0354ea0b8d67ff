//! Proves each emulator extension with the real SDK clients. Needs `--features emulator` (the test command passes
//! `--all-features`). The tests share one emulator and take turns (each resets it), so the call log is exact.

use std::io::{Read, Write};
use std::sync::MutexGuard;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, Metric, MetricDataQuery, MetricDatum, MetricStat,
    StateValue, Statistic,
};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
};
use aws_sdk_servicequotas::types::RequestStatus;
use aws_sdk_ssm::error::ProvideErrorMetadata;
use bedrock_ops_aws::ledger::{Claim, JointClaim, LedgerStatus, LockEnd, LockTerms};
use bedrock_ops_aws::{AwsError, Ledger};
use bedrock_ops_core::thresholds::SERVICE_CODE;
use bedrock_ops_testkit::emulator::{Emulator, Fault, SeedQuota, take_turn};
use bedrock_ops_testkit::fixtures::RPM_CODE;
use serde_json::{Value, json};

/// The shared emulator, freshly reset, while this test holds the turn.
fn session() -> (MutexGuard<'static, ()>, &'static Emulator, SdkConfig) {
    let turn = take_turn();
    let emulator = Emulator::shared().expect("emulator starts");
    emulator.reset().expect("reset");
    let config = emulator.sdk_config();
    (turn, emulator, config)
}

/// Runs an async test body on its own runtime while holding the turn (held outside any await point).
fn run<F: Future<Output = ()>>(body: impl FnOnce(&'static Emulator, SdkConfig) -> F) {
    let (_turn, emulator, config) = session();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(body(emulator, config));
}

fn now_minute() -> i64 {
    bedrock_ops_aws::clock::now_epoch() / 60 * 60
}

fn model(id: &str) -> Dimension {
    Dimension::builder().name("ModelId").value(id).build()
}

fn datum(name: &str, model_id: &str, at: i64, value: f64) -> MetricDatum {
    MetricDatum::builder()
        .metric_name(name)
        .dimensions(model(model_id))
        .timestamp(DateTime::from_secs(at))
        .value(value)
        .build()
}

fn stat_query(
    id: &str,
    model_id: &str,
    period: i32,
    stat: &str,
    return_data: bool,
) -> MetricDataQuery {
    MetricDataQuery::builder()
        .id(id)
        .metric_stat(
            MetricStat::builder()
                .metric(
                    Metric::builder()
                        .namespace("AWS/Bedrock")
                        .metric_name("Invocations")
                        .dimensions(model(model_id))
                        .build(),
                )
                .period(period)
                .stat(stat)
                .build(),
        )
        .return_data(return_data)
        .build()
}

fn expression(id: &str, text: &str) -> MetricDataQuery {
    MetricDataQuery::builder().id(id).expression(text).build()
}

#[test]
fn cloudwatch_metric_data_round_trips_over_cbor_with_math_and_aligned_buckets() {
    run(|_emulator, config| async move {
        let cw = aws_sdk_cloudwatch::Client::new(&config);
        let now = now_minute();

        let recent: Vec<MetricDatum> = (1..=30)
            .map(|i| datum("Invocations", "m-a", now - 60 * i, i as f64))
            .collect();
        cw.put_metric_data()
            .namespace("AWS/Bedrock")
            .set_metric_data(Some(recent))
            .send()
            .await
            .unwrap();
        let other: Vec<MetricDatum> = (1..=4)
            .map(|i| datum("Invocations", "m-b", now - 60 * i, 100.0))
            .collect();
        cw.put_metric_data()
            .namespace("AWS/Bedrock")
            .set_metric_data(Some(other))
            .send()
            .await
            .unwrap();
        // Same metric and dimensions in another namespace: moto leaks it into AWS/Bedrock sums, we must not.
        cw.put_metric_data()
            .namespace("Custom/Decoy")
            .metric_data(datum("Invocations", "m-a", now - 60, 5000.0))
            .send()
            .await
            .unwrap();
        // 1000 datums is large enough for the SDK to gzip the body.
        let bulk: Vec<MetricDatum> = (1..=1000)
            .map(|i| datum("Invocations", "m-bulk", now - 60 * i, 1.0))
            .collect();
        cw.put_metric_data()
            .namespace("AWS/Bedrock")
            .set_metric_data(Some(bulk))
            .send()
            .await
            .unwrap();

        let answer = cw
            .get_metric_data()
            .start_time(DateTime::from_secs(now - 3600))
            .end_time(DateTime::from_secs(now))
            .metric_data_queries(stat_query("m1", "m-a", 60, "Sum", true))
            .metric_data_queries(stat_query("m2", "m-b", 60, "Sum", false))
            .metric_data_queries(stat_query("m3", "m-a", 300, "Sum", false))
            .metric_data_queries(expression("total", "SUM([m1,m2])"))
            .metric_data_queries(expression("rate", "m3/(PERIOD(m3)/60)"))
            .send()
            .await
            .unwrap();
        let results = answer.metric_data_results();
        let ids: Vec<&str> = results.iter().filter_map(|r| r.id()).collect();
        assert_eq!(
            ids,
            ["m1", "total", "rate"],
            "ReturnData=false hides m2 and m3"
        );

        let m1 = &results[0];
        let stamps: Vec<i64> = m1.timestamps().iter().map(DateTime::secs).collect();
        assert_eq!(stamps.len(), 30);
        assert_eq!(stamps[0], now - 60, "newest first");
        assert!(stamps.windows(2).all(|pair| pair[0] > pair[1]));
        assert_eq!(m1.values()[0], 1.0, "the decoy namespace is not summed in");
        assert_eq!(
            m1.values().iter().sum::<f64>(),
            (1..=30).sum::<i64>() as f64
        );

        let total = &results[1];
        assert_eq!(total.timestamps()[0].secs(), now - 60);
        assert_eq!(total.values()[0], 101.0);
        assert_eq!(total.values().len(), 30);

        let rate = &results[2];
        for (stamp, value) in rate.timestamps().iter().zip(rate.values()) {
            let start = stamp.secs();
            assert_eq!(start % 300, 0, "buckets start on period boundaries");
            let expected: i64 = (1..=30)
                .filter(|i| (start..start + 300).contains(&(now - 60 * i)))
                .sum();
            assert_eq!(*value, expected as f64 / 5.0, "bucket {start}");
        }

        let bulk = cw
            .get_metric_data()
            .start_time(DateTime::from_secs(now - 2000 * 60))
            .end_time(DateTime::from_secs(now))
            .metric_data_queries(stat_query("b", "m-bulk", 3600, "SampleCount", true))
            .send()
            .await
            .unwrap();
        let counts = bulk.metric_data_results()[0].values();
        assert_eq!(
            counts.iter().sum::<f64>(),
            1000.0,
            "every gzipped datum arrived"
        );

        // Operations moto answers itself still come back as valid CBOR (nested timestamps included).
        let statistics = cw
            .get_metric_statistics()
            .namespace("AWS/Bedrock")
            .metric_name("Invocations")
            .dimensions(model("m-b"))
            .start_time(DateTime::from_secs(now - 3600))
            .end_time(DateTime::from_secs(now))
            .period(3600)
            .statistics(Statistic::Sum)
            .send()
            .await
            .unwrap();
        let points = statistics.datapoints();
        assert_eq!(points.iter().filter_map(|p| p.sum()).sum::<f64>(), 400.0);
        assert!(points.iter().all(|p| p.timestamp().is_some()));
        let listed = cw
            .list_metrics()
            .namespace("AWS/Bedrock")
            .send()
            .await
            .unwrap();
        assert!(!listed.metrics().is_empty());
    });
}

#[test]
fn alarms_keep_state_on_update_filter_by_type_and_publish_state_changes_to_sns() {
    run(|emulator, config| async move {
        let cw = aws_sdk_cloudwatch::Client::new(&config);
        let sns = aws_sdk_sns::Client::new(&config);
        let topic = sns
            .create_topic()
            .name("C-raw")
            .send()
            .await
            .unwrap()
            .topic_arn
            .unwrap();

        let throttles = "C-Bedrock-Throttles-Critical-M";
        let rate = "C-Bedrock-HighInvocationRate-Warning-M";
        let put_throttles = |threshold: f64| {
            cw.put_metric_alarm()
                .alarm_name(throttles)
                .namespace("AWS/Bedrock")
                .metric_name("InvocationThrottles")
                .dimensions(model("m-a"))
                .statistic(Statistic::Sum)
                .period(60)
                .evaluation_periods(1)
                .threshold(threshold)
                .comparison_operator(ComparisonOperator::GreaterThanThreshold)
                .alarm_actions(&topic)
                .ok_actions(&topic)
                .send()
        };
        put_throttles(0.0).await.unwrap();
        cw.put_metric_alarm()
            .alarm_name(rate)
            .evaluation_periods(1)
            .threshold(240.0)
            .comparison_operator(ComparisonOperator::GreaterThanThreshold)
            .metrics(stat_query("m1", "m-a", 60, "Sum", false))
            .metrics(stat_query("m2", "m-b", 60, "Sum", false))
            .metrics(
                MetricDataQuery::builder()
                    .id("total")
                    .expression("SUM([m1,m2])")
                    .return_data(false)
                    .build(),
            )
            .metrics(
                MetricDataQuery::builder()
                    .id("rate")
                    .expression("total/(PERIOD(m1)/60)")
                    .label("rate")
                    .build(),
            )
            .alarm_actions(&topic)
            .ok_actions(&topic)
            .send()
            .await
            .unwrap();
        cw.put_composite_alarm()
            .alarm_name("C-Bedrock-QuotaHealth-Composite-M")
            .alarm_rule(format!("ALARM(\"{throttles}\") OR ALARM(\"{rate}\")"))
            .send()
            .await
            .unwrap();

        let metric_only = cw.describe_alarms().send().await.unwrap();
        assert_eq!(metric_only.metric_alarms().len(), 2);
        assert!(
            metric_only.composite_alarms().is_empty(),
            "AlarmTypes defaults to metric alarms"
        );
        assert_eq!(
            metric_only.metric_alarms()[0].state_value(),
            Some(&StateValue::InsufficientData)
        );

        cw.set_alarm_state()
            .alarm_name(throttles)
            .state_value(StateValue::Alarm)
            .state_reason("Threshold Crossed")
            .send()
            .await
            .unwrap();
        put_throttles(2.0).await.unwrap();
        let updated = cw
            .describe_alarms()
            .alarm_names(throttles)
            .send()
            .await
            .unwrap();
        let alarm = &updated.metric_alarms()[0];
        assert_eq!(alarm.threshold(), Some(2.0));
        assert_eq!(
            alarm.state_value(),
            Some(&StateValue::Alarm),
            "PutMetricAlarm keeps the state"
        );

        let composites = cw
            .describe_alarms()
            .alarm_types(AlarmType::CompositeAlarm)
            .send()
            .await
            .unwrap();
        assert!(composites.metric_alarms().is_empty());
        assert_eq!(
            composites.composite_alarms()[0].state_value(),
            Some(&StateValue::Alarm)
        );

        cw.set_alarm_state()
            .alarm_name(rate)
            .state_value(StateValue::Alarm)
            .state_reason("r")
            .send()
            .await
            .unwrap();
        cw.set_alarm_state()
            .alarm_name(throttles)
            .state_value(StateValue::Ok)
            .state_reason("ok")
            .send()
            .await
            .unwrap();
        // Not a transition: CloudWatch sends nothing.
        cw.set_alarm_state()
            .alarm_name(throttles)
            .state_value(StateValue::Ok)
            .state_reason("ok")
            .send()
            .await
            .unwrap();

        let messages = emulator.sns_messages(Some(&topic)).unwrap();
        let subjects: Vec<&str> = messages
            .iter()
            .filter_map(|m| m.subject.as_deref())
            .collect();
        assert_eq!(
            subjects,
            [
                format!("ALARM: \"{throttles}\" in US East (N. Virginia)"),
                format!("ALARM: \"{rate}\" in US East (N. Virginia)"),
                format!("OK: \"{throttles}\" in US East (N. Virginia)"),
            ]
        );
        let first: Value = serde_json::from_str(&messages[0].message).unwrap();
        assert_eq!(first["AlarmName"], throttles);
        assert_eq!(first["AWSAccountId"], "123456789012");
        assert_eq!(first["NewStateValue"], "ALARM");
        assert_eq!(first["OldStateValue"], "INSUFFICIENT_DATA");
        assert_eq!(first["NewStateReason"], "Threshold Crossed");
        assert!(
            first["AlarmArn"]
                .as_str()
                .unwrap()
                .ends_with(&format!(":alarm:{throttles}"))
        );
        let trigger = &first["Trigger"];
        assert_eq!(trigger["MetricName"], "InvocationThrottles");
        assert_eq!(trigger["Namespace"], "AWS/Bedrock");
        assert_eq!(trigger["Statistic"], "SUM");
        assert_eq!(trigger["StatisticType"], "Statistic");
        assert_eq!(trigger["Dimensions"][0]["name"], "ModelId");
        assert_eq!(trigger["Dimensions"][0]["value"], "m-a");
        assert_eq!(trigger["Period"], 60);
        assert_eq!(trigger["Threshold"], 0.0);

        let math: Value = serde_json::from_str(&messages[1].message).unwrap();
        let metrics = math["Trigger"]["Metrics"].as_array().unwrap();
        assert_eq!(metrics.len(), 4);
        assert_eq!(metrics[3]["Expression"], "total/(PERIOD(m1)/60)");
        assert_eq!(
            metrics[0]["MetricStat"]["Metric"]["Dimensions"][0]["value"],
            "m-a"
        );
        assert_eq!(math["Trigger"]["Period"], 60);
        assert_eq!(math["Trigger"]["Threshold"], 240.0);

        let missing = cw
            .set_alarm_state()
            .alarm_name("nope")
            .state_value(StateValue::Ok)
            .state_reason("x")
            .send()
            .await;
        assert_eq!(
            missing.unwrap_err().code(),
            Some("ResourceNotFound"),
            "moto's errors survive the CBOR shim"
        );
    });
}

#[test]
fn service_quotas_seed_page_request_and_history() {
    run(|emulator, config| async move {
        let quotas = aws_sdk_servicequotas::Client::new(&config);
        let seeded: Vec<SeedQuota> = (0..7)
            .map(|i| {
                SeedQuota::bedrock(
                    &format!("L-0000000{i}"),
                    &format!("quota {i}"),
                    100.0 * (i + 1) as f64,
                )
            })
            .collect();
        let rpm = SeedQuota::bedrock(RPM_CODE, "Requests per minute", 400.0);
        emulator
            .seed_quotas(
                &[seeded.clone(), vec![rpm.clone()]].concat(),
                &[SeedQuota {
                    value: 200.0,
                    ..rpm
                }],
            )
            .unwrap();

        let applied = quotas
            .get_service_quota()
            .service_code(SERVICE_CODE)
            .quota_code(RPM_CODE)
            .send()
            .await
            .unwrap();
        assert_eq!(applied.quota().and_then(|q| q.value()), Some(400.0));
        let default = quotas
            .get_aws_default_service_quota()
            .service_code(SERVICE_CODE)
            .quota_code(RPM_CODE)
            .send()
            .await
            .unwrap();
        assert_eq!(default.quota().and_then(|q| q.value()), Some(200.0));
        let unknown = quotas
            .get_service_quota()
            .service_code(SERVICE_CODE)
            .quota_code("L-NOPE")
            .send()
            .await;
        assert_eq!(unknown.unwrap_err().code(), Some("NoSuchResourceException"));

        let pages: Vec<_> = quotas
            .list_service_quotas()
            .service_code(SERVICE_CODE)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .unwrap();
        assert!(
            pages.len() >= 2,
            "small default pages make clients follow NextToken"
        );
        assert_eq!(pages.iter().map(|p| p.quotas().len()).sum::<usize>(), 8);

        let requested = quotas
            .request_service_quota_increase()
            .service_code(SERVICE_CODE)
            .quota_code(RPM_CODE)
            .desired_value(800.0)
            .send()
            .await
            .unwrap();
        let request = requested.requested_quota().unwrap();
        // As AWS answers: no case yet; Service Quotas links it moments later (here, on the first read).
        assert_eq!(request.status(), Some(&RequestStatus::Pending));
        assert_eq!(request.case_id(), None);
        let read = quotas
            .get_requested_service_quota_change()
            .request_id(request.id().unwrap())
            .send()
            .await
            .unwrap();
        let read = read.requested_quota().unwrap();
        assert_eq!(read.status(), Some(&RequestStatus::CaseOpened));
        let display_id = read.case_id().unwrap().to_owned();
        let cases = emulator.support_cases().unwrap();
        assert_eq!(cases.len(), 1);
        assert_eq!(
            cases[0].display_id, display_id,
            "CaseId is the linked case's display id"
        );

        let again = quotas
            .request_service_quota_increase()
            .service_code(SERVICE_CODE)
            .quota_code(RPM_CODE)
            .desired_value(900.0);
        assert_eq!(
            again.send().await.unwrap_err().code(),
            Some("ResourceAlreadyExistsException")
        );
        let lower = quotas
            .request_service_quota_increase()
            .service_code(SERVICE_CODE)
            .quota_code("L-00000006");
        let lower = lower.desired_value(1.0).send().await;
        assert_eq!(lower.unwrap_err().code(), Some("IllegalArgumentException"));

        let history = quotas
            .list_requested_service_quota_change_history_by_quota()
            .service_code(SERVICE_CODE)
            .quota_code(RPM_CODE)
            .status(RequestStatus::CaseOpened)
            .send()
            .await
            .unwrap();
        assert_eq!(history.requested_quotas().len(), 1);
        let request_id = request.id().unwrap();
        let fetched = quotas
            .get_requested_service_quota_change()
            .request_id(request_id)
            .send()
            .await
            .unwrap();
        assert_eq!(
            fetched.requested_quota().and_then(|q| q.desired_value()),
            Some(800.0)
        );

        emulator.set_request_status(request_id, "APPROVED").unwrap();
        let recorded = emulator.quota_requests().unwrap();
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].status, "APPROVED");
        assert_eq!(
            recorded[0].support_case_id.as_deref(),
            Some(cases[0].case_id.as_str())
        );
        let applied = quotas
            .get_service_quota()
            .service_code(SERVICE_CODE)
            .quota_code(RPM_CODE)
            .send()
            .await
            .unwrap();
        assert_eq!(
            applied.quota().and_then(|q| q.value()),
            Some(800.0),
            "an approved request is applied"
        );
        let open = quotas
            .list_requested_service_quota_change_history_by_quota()
            .service_code(SERVICE_CODE)
            .quota_code(RPM_CODE)
            .status(RequestStatus::CaseOpened)
            .send()
            .await
            .unwrap();
        assert!(open.requested_quotas().is_empty());

        emulator
            .set_quota_value(SERVICE_CODE, RPM_CODE, 1000.0)
            .unwrap();
        let applied = quotas
            .get_service_quota()
            .service_code(SERVICE_CODE)
            .quota_code(RPM_CODE)
            .send()
            .await
            .unwrap();
        assert_eq!(applied.quota().and_then(|q| q.value()), Some(1000.0));
    });
}

#[test]
fn support_cases_page_take_communications_resolve_and_need_a_subscription() {
    run(|emulator, config| async move {
        let support = aws_sdk_support::Client::new(&config);
        let mut ids = Vec::new();
        for i in 0..7 {
            let created = support
                .create_case()
                .subject(format!("C - Bedrock Ops Alert - M{i} - Quota Request"))
                .service_code("service-bedrock")
                .category_code("general-guidance")
                .severity_code("high")
                .communication_body("Please raise the quota.")
                .language("en")
                .issue_type("technical")
                .send()
                .await
                .unwrap();
            ids.push(created.case_id.unwrap());
        }
        assert!(ids[0].starts_with("case-123456789012-"));

        let pages: Vec<_> = support
            .describe_cases()
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .unwrap();
        assert!(
            pages.len() >= 2,
            "small default pages make clients follow nextToken"
        );
        let cases: Vec<_> = pages.iter().flat_map(|p| p.cases()).collect();
        assert_eq!(cases.len(), 7);
        assert_eq!(cases[0].case_id(), Some(ids[6].as_str()), "newest first");
        assert_eq!(cases[0].status(), Some("opened"));
        assert!(
            cases[0]
                .display_id()
                .unwrap()
                .chars()
                .all(|c| c.is_ascii_digit())
        );

        support
            .add_communication_to_case()
            .case_id(&ids[0])
            .communication_body("Urgent: still throttled")
            .send()
            .await
            .unwrap();
        let communications = support
            .describe_communications()
            .case_id(&ids[0])
            .send()
            .await
            .unwrap();
        let bodies: Vec<_> = communications
            .communications()
            .iter()
            .filter_map(|c| c.body())
            .collect();
        assert_eq!(
            bodies,
            ["Urgent: still throttled", "Please raise the quota."]
        );

        let resolved = support
            .resolve_case()
            .case_id(&ids[1])
            .send()
            .await
            .unwrap();
        assert_eq!(resolved.initial_case_status(), Some("opened"));
        let open = support
            .describe_cases()
            .case_id_list(&ids[1])
            .send()
            .await
            .unwrap();
        assert!(
            open.cases().is_empty(),
            "resolved cases are hidden by default"
        );
        let all = support
            .describe_cases()
            .case_id_list(&ids[1])
            .include_resolved_cases(true)
            .send()
            .await
            .unwrap();
        assert_eq!(all.cases()[0].status(), Some("resolved"));
        let future = support
            .describe_cases()
            .after_time("2999-01-01T00:00:00Z")
            .send()
            .await
            .unwrap();
        assert!(future.cases().is_empty(), "afterTime filters");
        let again = support
            .describe_cases()
            .case_id_list(&ids[2])
            .send()
            .await
            .unwrap();
        assert_eq!(
            again.cases()[0].status(),
            Some("opened"),
            "reads never change a case"
        );

        let recorded = emulator.support_cases().unwrap();
        assert_eq!(recorded[0].communications.len(), 2);
        assert_eq!(recorded[0].severity_code, "high");

        let services = support
            .describe_services()
            .service_code_list("service-bedrock")
            .send()
            .await
            .unwrap();
        let categories: Vec<_> = services.services()[0]
            .categories()
            .iter()
            .filter_map(|c| c.code())
            .collect();
        assert!(categories.contains(&"general-guidance"));

        emulator.set_support_subscribed(false).unwrap();
        let refused = support.describe_severity_levels().send().await.unwrap_err();
        assert_eq!(refused.code(), Some("SubscriptionRequiredException"));
        assert_eq!(
            refused.raw_response().map(|r| r.status().as_u16()),
            Some(400)
        );
        emulator.set_support_subscribed(true).unwrap();
        assert_eq!(
            support
                .describe_severity_levels()
                .send()
                .await
                .unwrap()
                .severity_levels()
                .len(),
            5
        );
    });
}

/// The ledger's table, as the template creates it.
async fn create_ledger_table(dynamodb: &aws_sdk_dynamodb::Client) {
    dynamodb
        .create_table()
        .table_name("ledger")
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

#[test]
fn the_ledger_takes_and_ends_a_lock_with_the_transition_atomically_in_moto() {
    run(|_emulator, config| async move {
        create_ledger_table(&aws_sdk_dynamodb::Client::new(&config)).await;
        let ledger = bedrock_ops_aws::AwsClients::new(&config).ledger("ledger");
        const LOCK: &str = "case-lock|S";
        let lock = LockTerms {
            key: LOCK,
            lease_seconds: 120,
            ttl_seconds: 86_400,
        };
        let claim = |key: &'static str, now| ledger.claim_with_lock(key, 60, 3_600, lock, now);

        assert_eq!(claim("t1", 1_000).await.unwrap(), JointClaim::Taken);
        // A redelivery, and another transition while the lock is held: declined, nothing written.
        assert_eq!(claim("t1", 1_001).await.unwrap(), JointClaim::Declined);
        assert_eq!(claim("t2", 1_001).await.unwrap(), JointClaim::Declined);
        assert!(ledger.get("t2").await.unwrap().is_none());
        let held = ledger.get(LOCK).await.unwrap().unwrap();
        assert_eq!(
            (held.claimed_at, held.lease_until, held.attempts),
            (1_000, 1_120, 1)
        );
        let t1 = ledger.get("t1").await.unwrap().unwrap();
        assert_eq!(
            (t1.status, t1.lease_until),
            (LedgerStatus::InProgress, 1_060)
        );

        let opened = json!({"case_id": "c1"});
        let keep = LockEnd::Keep {
            step: "case",
            detail: &opened,
        };
        ledger
            .complete_with_lock("t1", &json!({"done": 1}), 1_002, LOCK, 1_000, keep)
            .await
            .unwrap();
        let t1 = ledger.get("t1").await.unwrap().unwrap();
        assert_eq!(
            (t1.status, t1.outcome),
            (LedgerStatus::Done, Some(json!({"done": 1})))
        );
        let held = ledger.get(LOCK).await.unwrap().unwrap();
        assert_eq!((held.lease_until, &held.steps["case"]), (1_120, &opened));

        // Once the lease ends the lock is taken over (its record kept); its former holder can no longer end it,
        // and its transition is still completed.
        assert_eq!(claim("t2", 1_120).await.unwrap(), JointClaim::Taken);
        ledger
            .complete_with_lock("t2", &json!({}), 1_121, LOCK, 1_000, LockEnd::Release)
            .await
            .unwrap();
        assert_eq!(
            ledger.get("t2").await.unwrap().unwrap().status,
            LedgerStatus::Done
        );
        let held = ledger.get(LOCK).await.unwrap().unwrap();
        assert_eq!(
            (
                held.claimed_at,
                held.lease_until,
                held.attempts,
                held.steps.len()
            ),
            (1_120, 1_240, 2, 1)
        );
        ledger
            .complete_with_lock("t2", &json!({}), 1_122, LOCK, 1_120, LockEnd::Release)
            .await
            .unwrap();
        assert_eq!(ledger.get(LOCK).await.unwrap().unwrap().lease_until, 0);

        // A closed transition taken back is claimed at once with its step.
        ledger
            .reopen("t2", "filed", &json!({"e": 1}))
            .await
            .unwrap();
        let Claim::Acquired(resumed) = ledger.claim("t2", 60, 3_600, 1_123).await.unwrap() else {
            panic!("not reopened")
        };
        assert_eq!(
            (resumed.steps["filed"].clone(), resumed.outcome),
            (json!({"e": 1}), None)
        );

        assert!(matches!(
            ledger
                .complete_with_lock("missing", &json!({}), 1, LOCK, 1_120, LockEnd::Release)
                .await,
            Err(AwsError::ConditionFailed { .. })
        ));
    });
}

#[test]
fn dynamodb_conditional_put_and_ssm_get_by_path_work_in_moto() {
    run(|_emulator, config| async move {
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        create_ledger_table(&dynamodb).await;
        let put = || {
            dynamodb
                .put_item()
                .table_name("ledger")
                .item("pk", AttributeValue::S("alarm#ALARM#t".to_owned()))
                .condition_expression("attribute_not_exists(pk)")
                .send()
        };
        put().await.unwrap();
        assert_eq!(
            put().await.unwrap_err().code(),
            Some("ConditionalCheckFailedException")
        );

        let ssm = aws_sdk_ssm::Client::new(&config);
        for key in ["mode", "thresholds/rpm-quota", "thresholds/tpm-quota"] {
            ssm.put_parameter()
                .name(format!("/C/bedrock/quota-monitoring/M/{key}"))
                .value("1")
                .r#type(aws_sdk_ssm::types::ParameterType::String)
                .send()
                .await
                .unwrap();
        }
        let found = ssm
            .get_parameters_by_path()
            .path("/C/bedrock/quota-monitoring/M/")
            .recursive(true)
            .send()
            .await
            .unwrap();
        assert_eq!(found.parameters().len(), 3);
    });
}

#[test]
fn call_log_latency_and_faults() {
    run(|emulator, config| async move {
        let ssm = aws_sdk_ssm::Client::new(&config);
        let cw = aws_sdk_cloudwatch::Client::new(&config);
        let sns = aws_sdk_sns::Client::new(&config);
        ssm.put_parameter()
            .name("/C/p")
            .value("v")
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .send()
            .await
            .unwrap();

        // A non-retryable fault, once: the next call succeeds.
        emulator
            .add_fault(&Fault::error("ssm", "GetParameter", "ParameterNotFound", 400).times(1))
            .unwrap();
        assert_eq!(
            ssm.get_parameter()
                .name("/C/p")
                .send()
                .await
                .unwrap_err()
                .code(),
            Some("ParameterNotFound")
        );
        ssm.get_parameter().name("/C/p").send().await.unwrap();

        // Throttling over CBOR is retried by the SDK and then succeeds.
        emulator.reset_calls().unwrap();
        emulator
            .add_fault(&Fault::error("cloudwatch", "DescribeAlarms", "Throttling", 400).times(2))
            .unwrap();
        cw.describe_alarms().send().await.unwrap();
        let calls = emulator.calls().unwrap();
        let codes: Vec<_> = calls
            .iter()
            .map(|c| (c.operation.as_str(), c.error_code.as_deref(), c.faulted))
            .collect();
        assert_eq!(
            codes,
            [
                ("DescribeAlarms", Some("Throttling"), true),
                ("DescribeAlarms", Some("Throttling"), true),
                ("DescribeAlarms", None, false)
            ]
        );
        assert!(
            calls
                .iter()
                .all(|c| c.service == "cloudwatch" && c.end >= c.start)
        );

        // A 5xx on a Query-protocol service, always: the SDK gives up after its attempts with the right code.
        emulator.reset_calls().unwrap();
        emulator
            .add_fault(&Fault::error("sns", "ListTopics", "InternalError", 500).message("boom"))
            .unwrap();
        let failed = sns.list_topics().send().await.unwrap_err();
        assert_eq!(failed.code(), Some("InternalError"));
        assert_eq!(emulator.calls().unwrap().len(), 3, "three attempts");
        emulator.clear_faults().unwrap();
        sns.list_topics().send().await.unwrap();

        // Injected latency: two concurrent calls overlap in the log, each at least as long as the latency.
        emulator.reset_calls().unwrap();
        emulator.set_latency_ms(200).unwrap();
        let (a, b) = tokio::join!(
            ssm.get_parameter().name("/C/p").send(),
            sns.list_topics().send()
        );
        a.unwrap();
        b.unwrap();
        emulator.set_latency_ms(0).unwrap();
        let calls = emulator.calls().unwrap();
        assert_eq!(calls.len(), 2);
        assert!(calls.iter().all(|c| c.end - c.start >= 0.2));
        assert!(
            calls[0].start < calls[1].end && calls[1].start < calls[0].end,
            "the two calls overlapped"
        );

        // A late answer beyond the client's attempt timeout; the emulator still logs the call once it answers.
        emulator.reset_calls().unwrap();
        emulator
            .add_fault(&Fault::delay("ssm", "GetParameter", 1000).times(1))
            .unwrap();
        let impatient = aws_sdk_ssm::Client::from_conf(
            aws_sdk_ssm::config::Builder::from(&config)
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .timeout_config(
                    aws_config::timeout::TimeoutConfig::builder()
                        .operation_attempt_timeout(Duration::from_millis(300))
                        .build(),
                )
                .build(),
        );
        let timed_out = impatient
            .get_parameter()
            .name("/C/p")
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(timed_out, aws_sdk_ssm::error::SdkError::TimeoutError(_)),
            "{timed_out:?}"
        );
        let mut logged = Vec::new();
        for _ in 0..50 {
            logged = emulator.calls().unwrap();
            if !logged.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(logged.len(), 1);
        assert!(
            logged[0].faulted && logged[0].status == 200 && logged[0].end - logged[0].start >= 1.0
        );
    });
}

#[test]
fn custom_resource_responses_are_kept() {
    let (_turn, emulator, _config) = session();
    let url = emulator.cfn_response_url("stack-1/Calc");
    let path = url.trim_start_matches(emulator.endpoint_url());
    let body = r#"{"Status":"SUCCESS","LogicalResourceId":"Calc","Data":{"x":1}}"#;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", emulator.port())).unwrap();
    write!(
        stream,
        "PUT {path}?X-Amz-Signature=abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: \r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200"),
        "{answer}"
    );

    let responses = emulator.cfn_responses().unwrap();
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].path, "stack-1/Calc");
    assert_eq!(responses[0].query, "X-Amz-Signature=abc");
    assert_eq!(responses[0].body.as_ref().unwrap()["Data"]["x"], 1);
}
