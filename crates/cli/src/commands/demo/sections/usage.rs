//! Section 3: fourteen days of per-minute Bedrock usage written to CloudWatch, usual office-hours traffic
//! then a surge in the last half hour. The processor decides on real usage, so the demo gives it some: the
//! surge crosses the TPM threshold while requests stay under theirs, which makes the alarm of the next
//! section a TPM alarm with usage that justifies an increase.

use std::io::Write;
use std::time::Instant;

use bedrock_ops_aws::clock::now_epoch;
use serde::Serialize;

use super::Facts;
use crate::commands::demo::Demo;
use crate::commands::demo::scenario::{TPM_QUOTA, TPM_THRESHOLD};
use crate::commands::demo::show::{Show, number};
use crate::commands::demo::step::Step;
use crate::commands::demo::usage::{self, Minute};

/// What was written and what it peaks at.
#[derive(Serialize)]
pub struct UsageFacts {
    pub datapoints: usize,
    /// PutMetricData calls.
    pub calls: usize,
    pub surge_rpm: f64,
    /// The surge's estimated tokens per minute, what the TPM alarm compares.
    pub surge_tpm: f64,
    #[serde(skip)]
    pub seconds: f64,
    #[serde(skip)]
    pub usual_peak_rpm: f64,
    #[serde(skip)]
    pub usual_peak_tpm: f64,
    /// The series written, oldest minute first: the alarm's section quotes its last minutes.
    #[serde(skip)]
    pub minutes: Vec<Minute>,
}

pub async fn run(demo: &Demo<'_>) -> Step<UsageFacts> {
    let now = now_epoch();
    let minutes = usage::series(now - now.rem_euclid(60));
    let model_id = demo.stack.parameter("BedrockModelId")?;
    let clock = Instant::now();
    let (datapoints, calls) = usage::push(&demo.clients, model_id, &minutes).await?;
    let seconds = clock.elapsed().as_secs_f64();
    let (usual, surge) = minutes.split_at(minutes.len() - usage::SURGE_MINUTES as usize);
    let peak = |f: fn(&Minute) -> f64, part: &[Minute]| part.iter().map(f).fold(0.0, f64::max);
    Ok(UsageFacts {
        datapoints,
        calls,
        surge_rpm: usage::SURGE_RPM,
        surge_tpm: peak(Minute::estimated_tpm, surge),
        seconds,
        usual_peak_rpm: peak(|m| m.invocations, usual),
        usual_peak_tpm: peak(Minute::estimated_tpm, usual),
        minutes,
    })
}

impl Facts for UsageFacts {
    const HEADING: &'static str = "Fourteen days of Bedrock usage";

    fn show<W: Write>(&self, show: &mut Show<'_, W>) -> std::io::Result<()> {
        show.field(
            "PutMetricData",
            format!(
                "{} datapoints in {} calls ({:.1} s): Invocations, InputTokenCount, OutputTokenCount \
                 and EstimatedTPMQuotaUsage per minute for {} minutes, dimension ModelId",
                number(self.datapoints as f64),
                self.calls,
                self.seconds,
                number(self.minutes.len() as f64)
            ),
        )?;
        show.field(
            "Usual traffic",
            format!(
                "office hours, quieter weekends: peak {} requests and {} tokens per minute",
                number(self.usual_peak_rpm),
                number(self.usual_peak_tpm)
            ),
        )?;
        show.field(
            "Last 30 minutes",
            format!(
                "surge to {} requests and {} tokens per minute ({:.0} % of the TPM quota, \
                 over the {} threshold; requests stay under theirs)",
                number(self.surge_rpm),
                number(self.surge_tpm),
                self.surge_tpm / TPM_QUOTA * 100.0,
                number(TPM_THRESHOLD)
            ),
        )
    }
}
