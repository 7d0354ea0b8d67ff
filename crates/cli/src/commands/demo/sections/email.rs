//! Section 7: the e-mail exactly as the processor published it to the formatted topic, which SNS e-mails
//! to each subscribed address. It is read back from the topic, not rebuilt, so what the reader sees is
//! what the stakeholders would receive.

use std::io::Write;

use bedrock_ops_testkit::emulator::SnsMessage;
use serde::Serialize;

use super::Facts;
use crate::commands::demo::Demo;
use crate::commands::demo::show::Show;
use crate::commands::demo::step::{Step, failed};

/// One e-mail as published: SNS's subject and message.
#[derive(Serialize)]
pub struct Email {
    pub subject: Option<String>,
    pub body: String,
}

impl From<&SnsMessage> for Email {
    fn from(message: &SnsMessage) -> Self {
        Email {
            subject: message.subject.clone(),
            body: message.message.clone(),
        }
    }
}

impl Email {
    /// The subject on the label's line, the body verbatim under it.
    pub fn show<W: Write>(&self, label: &str, show: &mut Show<'_, W>) -> std::io::Result<()> {
        show.field_unwrapped(label, self.subject.as_deref().unwrap_or(""))?;
        show.verbatim(&self.body)
    }
}

/// The processor's e-mail; in the document, `email` is `{subject, body}`.
#[derive(Serialize)]
pub struct EmailFacts {
    #[serde(flatten)]
    pub email: Email,
    /// The formatted topic's ARN.
    #[serde(skip)]
    pub topic: String,
}

/// Reads the one message of the formatted topic.
pub fn run(demo: &Demo<'_>, formatted_topic: &str) -> Step<EmailFacts> {
    let messages = demo
        .emulator
        .sns_messages(Some(formatted_topic))
        .map_err(failed("reading the formatted topic"))?;
    let [email] = messages.as_slice() else {
        return Err(format!(
            "the formatted topic holds {} messages, expected the one e-mail",
            messages.len()
        ));
    };
    Ok(EmailFacts {
        email: email.into(),
        topic: formatted_topic.to_owned(),
    })
}

impl Facts for EmailFacts {
    const HEADING: &'static str = "The e-mail, as the stakeholders receive it";

    fn show<W: Write>(&self, show: &mut Show<'_, W>) -> std::io::Result<()> {
        show.field(
            "Published to",
            format!(
                "{} (SNS e-mails each subscribed address)",
                self.topic.rsplit(':').next().unwrap_or(&self.topic)
            ),
        )?;
        self.email.show("Subject", show)
    }
}
