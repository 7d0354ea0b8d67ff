//! `demo` (feature `emulator`): the whole product on one machine, with no AWS account. It starts the local
//! AWS emulator, creates one model's stack from template.yaml, runs the quota calculator's handler on a
//! CloudFormation Create, writes fourteen days of Bedrock usage whose last half hour crosses the TPM
//! threshold, moves that alarm to ALARM (the emulator publishes CloudWatch's message to the raw topic), hands
//! the message to the notification processor's handler as SNS delivers it, and shows what the emulated
//! services now hold and the e-mail as sent. Service Quotas links a Support case to the request only later,
//! as in AWS: the follow-up the processor left on its queue is delivered (the emulator's clocks moved on, no
//! waiting) and appends the usage-validated context to that case, then e-mails its number. Then Service
//! Quotas approves the request and the alarm updater's handler moves the threshold.
//!
//! The three handlers are the Lambdas' own library functions over the same adapters and SDK clients their
//! `main`s build; only the endpoint differs. Any failed step stops the demo with an error naming it, and the
//! emulator is stopped however the demo ends.
//!
//! This file is the orchestration only: the nine sections live in `sections/`, one file each, and each
//! returns the facts that both the narration and the `--json` document are rendered from.

mod runtime;
mod scenario;
mod sections;
mod show;
mod stack;
mod step;
mod usage;

use std::io::Write;
use std::time::Instant;

use bedrock_ops_aws::AwsClients;
use bedrock_ops_testkit::emulator::{self, Emulator};
use serde::Serialize;

use self::scenario::{CUSTOMER, MODEL, STAKEHOLDERS};
use self::sections::Facts;
use self::sections::alarm::AlarmFacts;
use self::sections::calculator::CalculatorFacts;
use self::sections::email::EmailFacts;
use self::sections::follow_up::FollowUpFacts;
use self::sections::processor::ProcessorFacts;
use self::sections::read_back::ReadBackFacts;
use self::sections::stack::StackFacts;
use self::sections::updater::UpdaterFacts;
use self::sections::usage::UsageFacts;
use self::show::Show;
use self::stack::Rendered;
use self::step::{Step, io};
use super::CommandResult;

#[derive(clap::Args)]
pub struct Args {
    /// Print one JSON document with what each step did and read back, instead of the narration.
    #[arg(long)]
    json: bool,
    /// Deliver the alarm through the real Lambda runtime: the notification-processor binary under `cargo
    /// lambda watch` (cargo-lambda on PATH; scripts/demo.sh installs it), instead of calling the same
    /// handler in this process.
    #[arg(long)]
    lambda_runtime: bool,
}

const SECTIONS: usize = 9;

/// What every section works with: the running emulator, SDK clients pointed at it, and the stack as
/// template.yaml renders it.
pub struct Demo<'a> {
    pub emulator: &'a Emulator,
    pub clients: AwsClients,
    pub stack: &'a Rendered,
    /// Whether the alarm goes through the Lambda runtime (`--lambda-runtime`).
    pub lambda_runtime: bool,
}

/// The facts of all nine sections: the `--json` document, less its `seconds` and `timings`. The key
/// names are the document's contract.
#[derive(Serialize)]
struct Record {
    stack: StackFacts,
    calculator: CalculatorFacts,
    usage: UsageFacts,
    alarm: AlarmFacts,
    decision: ProcessorFacts,
    /// `quota_requests` and `support_cases`, at the top level.
    #[serde(flatten)]
    read_back: ReadBackFacts,
    email: EmailFacts,
    follow_up: FollowUpFacts,
    updater: UpdaterFacts,
}

#[derive(Serialize)]
struct Document {
    #[serde(flatten)]
    record: Record,
    /// The whole command, to a tenth of a second.
    seconds: f64,
    /// (step, seconds) in the order they ran.
    timings: Timings,
}

type Timings = Vec<(&'static str, f64)>;

pub fn run(args: &Args, out: &mut impl Write) -> CommandResult {
    let started = Instant::now();
    let root = emulator::workspace_root()?;
    let python = emulator::python()?;
    let stack = stack::render(
        &root,
        &python,
        &[
            ("CustomerName", CUSTOMER),
            ("BedrockModelName", MODEL),
            ("StakeholderEmailList", STAKEHOLDERS),
        ],
    )?;
    // The emulator's realistic default: Service Quotas answers the request without a case and links one
    // moments later, AWS's automated reply comes a minute after; section 8 plays the follow-up that copes.
    let emulator = Emulator::start()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let demo = Demo {
        emulator: &emulator,
        clients: AwsClients::new(&emulator.sdk_config()),
        stack: &stack,
        lambda_runtime: args.lambda_runtime,
    };
    let mut show = Show::new(out, args.json, SECTIONS);
    let result = runtime.block_on(run_sections(&demo, &mut show));
    let endpoint = emulator.endpoint_url().to_owned();
    // Stops the emulator and waits for it, whatever happened above.
    drop(emulator);
    let seconds = started.elapsed().as_secs_f64();
    let (record, timings) =
        result.map_err(|error| format!("the demo stopped: {error} (the emulator is stopped)"))?;
    if args.json {
        let document = Document {
            record,
            seconds: (seconds * 10.0).round() / 10.0,
            timings,
        };
        // Through a `Value`, as the document was always built, so its keys keep the order they had: sorted,
        // or in the order written here when a build turns on serde_json's preserve_order (test builds do).
        serde_json::to_writer_pretty(&mut *show.out(), &serde_json::to_value(&document)?)?;
        writeln!(show.out())?;
    } else {
        let steps: Vec<String> = timings
            .iter()
            .map(|(step, secs)| format!("{step} {secs:.1} s"))
            .collect();
        writeln!(show.out())?;
        writeln!(show.out(), "Done in {seconds:.1} s ({}).", steps.join(", "))?;
        writeln!(
            show.out(),
            "The emulator at {endpoint} is stopped; nothing is left running."
        )?;
    }
    Ok(())
}

/// The nine sections in order, each narrated as soon as it is done; returns their facts and how long each
/// step took.
async fn run_sections<W: Write>(
    demo: &Demo<'_>,
    show: &mut Show<'_, W>,
) -> Step<(Record, Timings)> {
    show.title(
        "Bedrock Ops Alert: local demo",
        &[
            &format!(
                "Every AWS call below goes to a local emulator ({}): no AWS account, no Docker.",
                demo.emulator.endpoint_url()
            ),
            if demo.lambda_runtime {
                "The notification processor runs as its Lambda binary under `cargo lambda watch`; the \
                 calculator's and the updater's handlers run in this process, over the adapters and \
                 SDK clients their Lambdas use."
            } else {
                "The three Lambda handlers run in this process, over the adapters and SDK clients \
                 their Lambdas use."
            },
        ],
    )
    .map_err(io)?;
    let mut timings = Timings::new();
    let mut lap = |step: &'static str, clock: Instant| {
        timings.push((step, (clock.elapsed().as_secs_f64() * 10.0).round() / 10.0));
    };

    let clock = Instant::now();
    let stack = narrate(show, sections::stack::run(demo)).await?;
    lap("stack", clock);
    let clock = Instant::now();
    let calculator = narrate(show, sections::calculator::run(demo)).await?;
    lap("calculator", clock);
    let clock = Instant::now();
    let usage = narrate(show, sections::usage::run(demo)).await?;
    lap("usage", clock);
    let clock = Instant::now();
    let raw_topic = stack.topic("RawAlarmTopic")?;
    let alarm = narrate(show, sections::alarm::run(demo, raw_topic, &usage.minutes)).await?;
    lap("alarm", clock);
    let clock = Instant::now();
    let decision = narrate(show, sections::processor::run(demo, &alarm.published)).await?;
    lap("processor", clock);
    let clock = Instant::now();
    let read_back = narrate(show, async { sections::read_back::run(demo) }).await?;
    let formatted_topic = stack.topic("FormattedTopic")?;
    let email = narrate(show, async { sections::email::run(demo, formatted_topic) }).await?;
    lap("read-back", clock);
    let clock = Instant::now();
    let follow_up = narrate(
        show,
        sections::follow_up::run(demo, stack.queue("FollowUpQueue")?, formatted_topic),
    )
    .await?;
    lap("follow-up", clock);
    let clock = Instant::now();
    let updater = narrate(
        show,
        sections::updater::run(
            demo,
            &decision.tpm_request_id,
            &calculator.quota_alarms,
            formatted_topic,
        ),
    )
    .await?;
    lap("updater", clock);

    let record = Record {
        stack,
        calculator,
        usage,
        alarm,
        decision,
        read_back,
        email,
        follow_up,
        updater,
    };
    Ok((record, timings))
}

/// One section: its heading, then the section itself, then the narration of what it found.
async fn narrate<W: Write, F: Facts>(
    show: &mut Show<'_, W>,
    section: impl Future<Output = Step<F>>,
) -> Step<F> {
    show.section(F::HEADING).map_err(io)?;
    let facts = section.await?;
    facts.show(show).map_err(io)?;
    Ok(facts)
}
