//! The three Lambdas' testbeds: a seeded emulator and the production wiring of each handler on it.
//!
//! | file | for |
//! |---|---|
//! | [`processor`] | the notification processor's integration tests, the CLI's tests and the benchmark: one stack's settings, thresholds, quotas, ledger table, topic and metrics |
//! | [`calculator`] | the quota calculator's: the blog's quotas and their look-alikes, custom-resource events answered to the emulator |
//! | [`updater`] | the alarm updater's: the stack the calculator's Create made, its topic and the updater's configuration |

pub mod calculator;
pub mod processor;
pub mod updater;

use aws_config::SdkConfig;

/// Creates the SNS topic `name` (the stack's formatted topic) and returns its ARN.
pub async fn create_topic(sdk: &SdkConfig, name: &str) -> String {
    aws_sdk_sns::Client::new(sdk)
        .create_topic()
        .name(name)
        .send()
        .await
        .expect("topic created")
        .topic_arn
        .expect("topic ARN")
}
