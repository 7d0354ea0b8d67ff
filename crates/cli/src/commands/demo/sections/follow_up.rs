//! Section 8: the second phase of the quota request. Service Quotas answered the request without a Support
//! case (as AWS usually does), so the processor left a follow-up on its queue. Here the demo plays Lambda's
//! event source mapping: it moves the emulator's clocks on instead of waiting (the queue's delays, and the
//! age of the Support cases, so AWS's automated reply arrives "a minute later"), receives each follow-up
//! that is due with all its attributes, and hands it as Lambda's SQS event to the processor's follow-up
//! handler (in this process, configured from the environment template.yaml gives the function). Each look
//! either finds nothing to do yet and puts the next one on the queue, or appends the usage-validated context
//! to the case Service Quotas opened and e-mails its number. The case is then read back with
//! DescribeCommunications.

use std::io::Write;

use bedrock_ops_aws::clock::now_epoch;
use bedrock_ops_core::follow_up::delay_seconds;
use bedrock_ops_testkit::emulator::{AWS_SUBMITTER, REGION, SERVICE_QUOTAS_SUBMITTER};
use notification_processor::{
    Config, FollowUpReport, FollowUpResult, Need, batch_response, sdk_processor,
};
use serde::Serialize;

use super::Facts;
use super::email::Email;
use crate::commands::demo::Demo;
use crate::commands::demo::show::Show;
use crate::commands::demo::step::{Step, failed};

/// At most this many rounds of the event source mapping (the demo's request needs two looks).
const MAX_ROUNDS: usize = 6;

/// The looks made, the cases Service Quotas opened as read back, and the follow-up e-mails.
#[derive(Serialize)]
pub struct FollowUpFacts {
    /// Each look, in the order made.
    pub looks: Vec<LookFacts>,
    /// The cases Service Quotas opened for the requests, read back with DescribeCommunications.
    pub cases: Vec<LinkedCase>,
    /// The follow-up e-mails, as published to the formatted topic.
    pub emails: Vec<Email>,
    #[serde(skip)]
    pub queue: String,
}

/// One look: the handler's report, when it ran, and what Lambda was answered.
#[derive(Serialize)]
pub struct LookFacts {
    /// Seconds after the alarm at which the event source mapping delivered it.
    pub after_seconds: u32,
    #[serde(flatten)]
    pub report: FollowUpReport,
    /// The handler's answer to the SQS event (`batchItemFailures`, empty when the message is done).
    pub batch_item_failures: usize,
}

/// A case Service Quotas opened, and who wrote what on it.
#[derive(Serialize)]
pub struct LinkedCase {
    pub display_id: String,
    pub subject: String,
    /// (submitted by, body), oldest first.
    pub communications: Vec<Communication>,
}

#[derive(Serialize)]
pub struct Communication {
    pub submitted_by: String,
    pub body: String,
}

/// Plays the follow-up queue's event source mapping until no follow-up is left, then reads back the cases
/// the looks named and the e-mails they sent.
pub async fn run(demo: &Demo<'_>, queue_url: &str, formatted_topic: &str) -> Step<FollowUpFacts> {
    let mut env = demo.stack.function_environment("notification-processor")?;
    env.insert(
        notification_processor::config::AWS_REGION.to_owned(),
        REGION.to_owned(),
    );
    let config = Config::from_lookup(Need::Everything, |name| env.get(name).cloned())
        .map_err(|e| e.to_string())?;
    let processor = sdk_processor(&demo.clients, config, REGION);
    let emails_before = demo
        .emulator
        .sns_messages(Some(formatted_topic))
        .map_err(failed("reading the formatted topic"))?
        .len();

    let started = now_epoch();
    let mut looks = Vec::new();
    let mut elapsed = 0_u32;
    // The first look comes after the first message's delay; each later one after the delay the look before
    // asked for.
    let mut wait = delay_seconds(0);
    for _ in 0..MAX_ROUNDS {
        elapsed += wait;
        demo.emulator
            .advance_support(wait)
            .map_err(failed("moving Support's clock on"))?;
        let events = demo
            .emulator
            .due_sqs_events(queue_url, wait)
            .map_err(failed("receiving the follow-ups"))?;
        if events.is_empty() {
            break;
        }
        let mut next = None;
        for event in &events {
            let now = started + i64::from(elapsed);
            let (reports, failures) = processor
                .follow_ups(event, now, now + 30)
                .await
                .map_err(failed("the follow-up handler"))?;
            let answer = batch_response(&failures);
            let failures = answer["batchItemFailures"].as_array().map_or(0, Vec::len);
            for report in reports {
                if let Some(delay) = report.next_look_in_seconds {
                    next = Some(next.map_or(delay, |n: u32| n.min(delay)));
                }
                looks.push(LookFacts {
                    after_seconds: elapsed,
                    report,
                    batch_item_failures: failures,
                });
            }
        }
        match next {
            Some(delay) => wait = delay,
            None => break,
        }
    }
    if looks.is_empty() {
        return Err("no follow-up was on the queue: the processor scheduled none".into());
    }
    if !looks
        .iter()
        .any(|l| l.report.result == FollowUpResult::ContextAdded)
    {
        return Err(format!(
            "no look added the context within {MAX_ROUNDS} rounds: {}",
            serde_json::to_string(&looks.iter().map(|l| &l.report).collect::<Vec<_>>())
                .unwrap_or_default()
        ));
    }

    let mut cases = Vec::new();
    for look in &looks {
        let Some(display_id) = look.report.case.as_deref() else {
            continue;
        };
        if look.report.result != FollowUpResult::ContextAdded
            || cases
                .iter()
                .any(|c: &LinkedCase| c.display_id == display_id)
        {
            continue;
        }
        cases.push(read_case(demo, display_id).await?);
    }
    let emails = demo
        .emulator
        .sns_messages(Some(formatted_topic))
        .map_err(failed("reading the formatted topic"))?
        .iter()
        .skip(emails_before)
        .map(Email::from)
        .collect();
    Ok(FollowUpFacts {
        looks,
        cases,
        emails,
        queue: queue_url.rsplit('/').next().unwrap_or(queue_url).to_owned(),
    })
}

/// The case with this display id and every communication on it (DescribeCases, then DescribeCommunications).
async fn read_case(demo: &Demo<'_>, display_id: &str) -> Step<LinkedCase> {
    let support = &demo.clients.support;
    let found = support
        .describe_cases()
        .display_id(display_id)
        .include_resolved_cases(true)
        .include_communications(false)
        .send()
        .await
        .map_err(failed("DescribeCases"))?;
    let case = found
        .cases()
        .first()
        .ok_or_else(|| format!("Support holds no case {display_id}"))?;
    let case_id = case.case_id().unwrap_or_default();
    let mut communications = Vec::new();
    let mut token = None;
    loop {
        let page = support
            .describe_communications()
            .case_id(case_id)
            .set_next_token(token)
            .send()
            .await
            .map_err(failed("DescribeCommunications"))?;
        communications.extend(page.communications().iter().map(|c| Communication {
            submitted_by: c.submitted_by().unwrap_or_default().to_owned(),
            body: c.body().unwrap_or_default().to_owned(),
        }));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    // Support lists the newest first; the narration reads oldest first.
    communications.reverse();
    Ok(LinkedCase {
        display_id: display_id.to_owned(),
        subject: case.subject().unwrap_or_default().to_owned(),
        communications,
    })
}

impl Facts for FollowUpFacts {
    const HEADING: &'static str = "The follow-up: the case Service Quotas opened gets our context";

    fn show<W: Write>(&self, show: &mut Show<'_, W>) -> std::io::Result<()> {
        show.field(
            "Delivered",
            format!(
                "each follow-up from {} once its delay is over, as Lambda's SQS event (one record, with its \
                 message attributes), to the processor's follow-up handler in this process; the emulator's \
                 clocks are moved on instead of waiting (the queue's delays, the Support cases' age)",
                self.queue
            ),
        )?;
        for look in &self.looks {
            let report = &look.report;
            let mut line = format!(
                "request {}: {}",
                report.request_id,
                serde_json::to_value(report.result)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            );
            if let Some(status) = &report.status {
                line.push_str(&format!(", status {status}"));
            }
            match &report.case {
                Some(case) => line.push_str(&format!(", case {case}")),
                None => line.push_str(", no case linked yet"),
            }
            if let Some(next) = report.next_look_in_seconds {
                line.push_str(&format!(
                    ", next look in {next} s (AWS's automated first reply is not on the case yet)"
                ));
            }
            line.push_str(&format!(", e-mail {}", report.email));
            show.field(
                &format!("Look {} +{} s", report.attempt + 1, look.after_seconds),
                line,
            )?;
        }
        for case in &self.cases {
            let who: Vec<String> = case
                .communications
                .iter()
                .map(|c| {
                    let first = c.body.lines().next().unwrap_or_default();
                    let by = if c.submitted_by == SERVICE_QUOTAS_SUBMITTER {
                        "Service Quotas"
                    } else if c.submitted_by == AWS_SUBMITTER {
                        "AWS Support (automated reply)"
                    } else {
                        "Bedrock Ops Alert"
                    };
                    format!("{by}: {first}")
                })
                .collect();
            show.field(
                "Support case",
                format!(
                    "{} \"{}\", read back with DescribeCommunications: {} communication(s)\n{}",
                    case.display_id,
                    case.subject,
                    case.communications.len(),
                    who.join("\n")
                ),
            )?;
            if let Some(ours) = case.communications.iter().find(|c| {
                c.submitted_by != SERVICE_QUOTAS_SUBMITTER && c.submitted_by != AWS_SUBMITTER
            }) {
                show.verbatim(&ours.body)?;
            }
        }
        for email in &self.emails {
            email.show("Follow-up", show)?;
        }
        Ok(())
    }
}
