//! The demo's nine sections, one file each. Each runs its part of the story against the emulator and
//! returns what it did and read back as one facts struct; the narration shows that struct and `--json`
//! serialises it, so the two outputs cannot tell different stories. In the order the README numbers them
//! (and `run_sections` in `demo` runs them):
//!
//! 1. [`stack`]: the stack, created from template.yaml;
//! 2. [`calculator`]: the quota calculator on the custom resource's Create;
//! 3. [`usage`]: fourteen days of Bedrock usage;
//! 4. [`alarm`]: the TPM alarm fires;
//! 5. [`processor`]: the notification processor handles it;
//! 6. [`read_back`]: what Service Quotas and Support now hold;
//! 7. [`email`]: the e-mail as sent;
//! 8. [`follow_up`]: the follow-up appends the context to the case Service Quotas opened, and e-mails it;
//! 9. [`updater`]: the quota is raised; the alarm updater follows.
//!
//! A field the narration needs but the `--json` document has never carried is `#[serde(skip)]`: the
//! document's keys are a contract (crates/cli/tests/demo.rs reads them) and stay exactly as they are.

use std::io::Write;

use serde::Serialize;

use super::show::Show;

pub mod alarm;
pub mod calculator;
pub mod email;
pub mod follow_up;
pub mod processor;
pub mod read_back;
pub mod stack;
pub mod updater;
pub mod usage;

/// What one section found: shown as narration, serialised for `--json`.
pub trait Facts: Serialize {
    /// The section's heading in the narration.
    const HEADING: &'static str;

    /// The narration of these facts, as label/value lines and verbatim blocks.
    fn show<W: Write>(&self, show: &mut Show<'_, W>) -> std::io::Result<()>;
}

/// The narration of `facts` alone, for tests.
#[cfg(test)]
fn narration(facts: &impl Facts) -> String {
    let mut out = Vec::new();
    facts
        .show(&mut Show::new(&mut out, false, 9))
        .expect("writes to memory");
    String::from_utf8(out).expect("UTF-8 narration")
}
