//! Benchmark, not a timed test: per scenario, the AWS calls one alarm costs and the sequential round trips
//! they need, read from the emulator's call log with 100 ms injected per call (so concurrent calls visibly
//! overlap). Prints a table (`--nocapture`) and holds each scenario to its measured budget, so a change that
//! adds a call or a round trip fails here and has to be justified.

use std::fmt::Write as _;

use bedrock_ops_aws::emulator::CallRecord;
use notification_processor::testbed::{
    Account, INVESTIGATION_SUBJECT, Testbed, event, round_trips,
};
use notification_processor::{Report, RunMode};

const LATENCY_MS: u64 = 100;

struct Measured {
    calls: Vec<CallRecord>,
    round_trips: usize,
}

/// Runs `fixture` once against `account` (after `prepare`) and measures the processor's calls only.
fn measure<F>(account: &Account, fixture: &str, prepare: impl FnOnce(&Testbed) -> F) -> Measured
where
    F: Future<Output = ()>,
{
    let mut measured = None;
    let slot = &mut measured;
    Testbed::run(account, |testbed| async move {
        prepare(&testbed).await;
        testbed.emulator.set_latency_ms(LATENCY_MS).unwrap();
        testbed.emulator.reset_calls().unwrap();
        let reports = testbed
            .processor()
            .handle(
                &event(fixture),
                notification_processor::now_epoch(),
                RunMode::Live,
            )
            .await
            .expect("handled");
        assert!(matches!(reports[..], [Report::Handled(_)]), "{reports:?}");
        let calls = testbed.calls();
        testbed.emulator.set_latency_ms(0).unwrap();
        *slot = Some(Measured {
            round_trips: round_trips(&calls),
            calls,
        });
    });
    measured.expect("measured")
}

fn describe(name: &str, m: &Measured) -> String {
    let mut line = format!("{name:<50} {:>5} {:>11}   ", m.calls.len(), m.round_trips);
    let ops: Vec<String> = m
        .calls
        .iter()
        .map(|c| format!("{}:{}", c.service, c.operation))
        .collect();
    let _ = write!(line, "{}", ops.join(", "));
    line
}

#[test]
fn calls_and_round_trips_per_alarm() {
    let mut table = vec![format!(
        "{:<50} {:>5} {:>11}   {}",
        "scenario", "calls", "round trips", "operations (arrival order)"
    )];
    let mut check = |name: &str, m: Measured, calls: usize, trips: usize| {
        table.push(describe(name, &m));
        assert_eq!(
            (m.calls.len(), m.round_trips),
            (calls, trips),
            "{name}: {}",
            describe(name, &m)
        );
    };

    let high = Account::new(10_000, 6_250_000).peaks(9_500.0, 3_000_000.0);
    check(
        "high_usage, both quotas (Throttles)",
        measure(&high, "throttles-alarm.json", |_| async {}),
        11,
        4,
    );
    let tpm = Account::new(200, 200_000).peaks(150.0, 210_000.0);
    check(
        "high_usage, TPM only (HighTPMQuotaUsage)",
        measure(&tpm, "high-tpm-quota-usage-alarm.json", |_| async {}),
        9,
        4,
    );
    let low = Account::new(10_001, 6_250_000).peaks(5_578.0, 3_404_691.0);
    check(
        "low_usage, case created (InvocationAnomaly)",
        measure(&low, "invocation-anomaly-alarm.json", |_| async {}),
        10,
        5,
    );
    let errors = Account::new(10_000, 6_250_000).peaks(120.0, 90_000.0);
    check(
        "non_quota, case created (ServerErrors)",
        measure(&errors, "server-errors-alarm.json", |_| async {}),
        9,
        5,
    );
    check(
        "non_quota, duplicate → append (ServerErrors)",
        measure(&errors, "server-errors-alarm.json", |testbed| {
            let support = aws_sdk_support::Client::new(&testbed.sdk);
            async move {
                support
                    .create_case()
                    .subject(INVESTIGATION_SUBJECT)
                    .communication_body("earlier alarm")
                    .service_code("service-bedrock")
                    .category_code("general-guidance")
                    .severity_code("normal")
                    .send()
                    .await
                    .unwrap();
            }
        }),
        8,
        4,
    );
    let rpm = Account::new(10_000, 6_250_000).peaks(9_500.0, 90_000.0);
    check(
        "open quota request → append (HighInvocationRate)",
        measure(&rpm, "high-invocation-rate-alarm.json", |testbed| {
            let quotas = aws_sdk_servicequotas::Client::new(&testbed.sdk);
            async move {
                quotas
                    .request_service_quota_increase()
                    .service_code("bedrock")
                    .quota_code(notification_processor::testbed::RPM_CODE)
                    .desired_value(20_000.0)
                    .send()
                    .await
                    .unwrap();
            }
        }),
        12,
        6,
    );
    check(
        "recovery (Throttles OK)",
        measure(&high, "throttles-ok.json", |_| async {}),
        4,
        3,
    );
    println!("\n{}\n", table.join("\n"));
}
