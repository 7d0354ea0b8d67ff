//! What an open Support case already carries from this stack, read from the case itself: every body we post
//! (a new case, an append, the context added to the case Service Quotas opened) ends with one stable,
//! machine-readable line, the mark,
//!
//! `Bedrock Ops Alert reference: stack=<customer>/<model> alarms=<kind>,<kind> asks=<quota code>,<quota code>`
//!
//! naming the alarms it reports and the quota increases it asks for (`asks=` is empty for a case that lists
//! increases for reference only, `low_usage`, and for an Investigation Request). AWS Support returns each
//! open case's most recent communications with the list of open cases the alarm path reads anyway
//! (DescribeCases with `includeCommunications`), each with its time, so the [`Trail`] of a case costs no
//! call: which alarms were reported on it and when last, and which quotas it asks for. Only the newest
//! communications come back (AWS: 5), so an older mark may be out of sight: the rules that read a trail
//! (`crate::append_rule`, `crate::quota_thread`) then err towards appending, never towards a second thread.

use std::collections::BTreeSet;

use crate::alarms::AlarmKind;
use crate::stack::StackName;
use crate::thresholds::QuotaCode;

/// The words every mark starts with.
pub const MARK_PREFIX: &str = "Bedrock Ops Alert reference:";

/// The mark of a body we post: which stack, which alarms, which quota increases it asks for.
pub fn mark_line<'a>(
    stack: &StackName,
    alarms: &[AlarmKind],
    asks: impl IntoIterator<Item = &'a QuotaCode>,
) -> String {
    let alarms: Vec<&str> = alarms.iter().map(|k| k.as_str()).collect();
    let asks: Vec<&str> = asks.into_iter().map(QuotaCode::as_str).collect();
    format!(
        "{MARK_PREFIX} stack={}/{} alarms={} asks={}",
        stack.customer,
        stack.model_name,
        alarms.join(","),
        asks.join(",")
    )
}

/// One mark of this stack, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mark {
    alarms: Vec<AlarmKind>,
    asks: Vec<String>,
}

/// The mark of `stack` on this line, if it is one; another stack's mark, or any other text, is `None`.
fn parse_mark(stack: &StackName, line: &str) -> Option<Mark> {
    let rest = line.trim().strip_prefix(MARK_PREFIX)?;
    let want_stack = format!("{}/{}", stack.customer, stack.model_name);
    let (mut this_stack, mut alarms, mut asks) = (false, Vec::new(), Vec::new());
    for field in rest.split_whitespace() {
        let Some((key, value)) = field.split_once('=') else {
            continue;
        };
        let items = value.split(',').filter(|item| !item.is_empty());
        match key {
            "stack" => this_stack = value == want_stack,
            // An alarm kind this version does not know is ignored, not an error.
            "alarms" => alarms.extend(items.filter_map(AlarmKind::from_name)),
            "asks" => asks.extend(items.map(str::to_owned)),
            _ => {}
        }
    }
    this_stack.then_some(Mark { alarms, asks })
}

/// One communication of a case: its body and when it was posted (epoch seconds, when known).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posted<'a> {
    pub body: &'a str,
    pub at: Option<i64>,
}

/// When an alarm was last reported on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reported {
    /// The newest mark naming it; `None` when no communication naming it has a readable time.
    pub at: Option<i64>,
}

/// What one open case carries from this stack, from the marks in its communications.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trail {
    marked: bool,
    reported: Vec<(AlarmKind, Reported)>,
    asks: BTreeSet<String>,
}

impl Trail {
    /// The trail of `stack` in these communications (any order).
    pub fn read<'a>(stack: &StackName, posted: impl IntoIterator<Item = Posted<'a>>) -> Trail {
        let mut trail = Trail::default();
        for communication in posted {
            for mark in communication
                .body
                .lines()
                .filter_map(|line| parse_mark(stack, line))
            {
                trail.marked = true;
                trail.asks.extend(mark.asks);
                for kind in mark.alarms {
                    trail.note(kind, communication.at);
                }
            }
        }
        trail
    }

    fn note(&mut self, kind: AlarmKind, at: Option<i64>) {
        match self.reported.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, reported)) => reported.at = reported.at.max(at),
            None => self.reported.push((kind, Reported { at })),
        }
    }

    /// Whether any communication in sight carries a mark of this stack.
    pub fn is_marked(&self) -> bool {
        self.marked
    }

    /// Whether a mark of this stack asks for this quota's increase.
    pub fn asks(&self, code: &QuotaCode) -> bool {
        self.asks.contains(code.as_str())
    }

    /// When this alarm was last reported on the case, if a mark in sight names it.
    pub fn reported(&self, kind: AlarmKind) -> Option<Reported> {
        self.reported
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, reported)| *reported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(customer: &str, model: &str) -> StackName {
        StackName {
            customer: customer.to_owned(),
            model_name: model.to_owned(),
        }
    }

    fn code(code: &str) -> QuotaCode {
        QuotaCode::new(code).unwrap()
    }

    #[test]
    fn a_mark_names_the_stack_the_alarms_and_the_asks() {
        let line = mark_line(
            &stack("Acme", "G-Opus-4-6"),
            &[AlarmKind::Throttles, AlarmKind::HighTpmQuotaUsage],
            [&code("L-3DD46812"), &code("L-3DCCFAA4")],
        );
        assert_eq!(
            line,
            "Bedrock Ops Alert reference: stack=Acme/G-Opus-4-6 \
             alarms=Throttles,HighTPMQuotaUsage asks=L-3DD46812,L-3DCCFAA4"
        );
        assert_eq!(
            mark_line(&stack("Acme", "M"), &[AlarmKind::LatencyAnomaly], []),
            "Bedrock Ops Alert reference: stack=Acme/M alarms=LatencyAnomaly asks="
        );
    }

    #[test]
    fn a_mark_reads_back_only_for_its_own_stack() {
        let acme = stack("acme", "M");
        let line = mark_line(&acme, &[AlarmKind::Throttles], [&code("L-1")]);
        assert_eq!(
            parse_mark(&acme, &format!("  {line}  ")),
            Some(Mark {
                alarms: vec![AlarmKind::Throttles],
                asks: vec!["L-1".to_owned()]
            })
        );
        // W-17: a longer customer name, another model or another case of letters is another stack.
        for other in [
            stack("bigacme", "M"),
            stack("acme", "M2"),
            stack("Acme", "M"),
        ] {
            assert_eq!(parse_mark(&other, &line), None, "{other:?}");
        }
        for not_a_mark in [
            "",
            "Bedrock Ops Alert",
            "asks=L-1 stack=acme/M",
            "quoted > {line}",
        ] {
            assert_eq!(parse_mark(&acme, not_a_mark), None, "{not_a_mark}");
        }
    }

    #[test]
    fn a_mark_with_unknown_alarm_names_or_extra_fields_still_reads() {
        let acme = stack("acme", "M");
        let line =
            "Bedrock Ops Alert reference: stack=acme/M alarms=Throttles,FutureKind asks= note=x";
        assert_eq!(
            parse_mark(&acme, line),
            Some(Mark {
                alarms: vec![AlarmKind::Throttles],
                asks: vec![]
            })
        );
    }

    #[test]
    fn a_trail_keeps_the_newest_time_of_each_alarm_and_every_ask() {
        let acme = stack("acme", "M");
        let first = format!(
            "New case body\n\n{}\n",
            mark_line(&acme, &[AlarmKind::Throttles], [&code("L-1")])
        );
        let second = mark_line(
            &acme,
            &[AlarmKind::Throttles, AlarmKind::InvocationAnomaly],
            [&code("L-2")],
        );
        let foreign = mark_line(
            &stack("other", "M"),
            &[AlarmKind::ServerErrors],
            [&code("L-9")],
        );
        let trail = Trail::read(
            &acme,
            [
                Posted {
                    body: &second,
                    at: Some(200),
                },
                Posted {
                    body: "Hello from AWS Support",
                    at: Some(300),
                },
                Posted {
                    body: &foreign,
                    at: Some(400),
                },
                Posted {
                    body: &first,
                    at: Some(100),
                },
            ],
        );
        assert!(trail.is_marked());
        assert_eq!(
            trail.reported(AlarmKind::Throttles),
            Some(Reported { at: Some(200) })
        );
        assert_eq!(
            trail.reported(AlarmKind::InvocationAnomaly),
            Some(Reported { at: Some(200) })
        );
        assert_eq!(trail.reported(AlarmKind::ServerErrors), None);
        assert!(trail.asks(&code("L-1")) && trail.asks(&code("L-2")));
        assert!(!trail.asks(&code("L-9")));
    }

    #[test]
    fn a_trail_without_our_marks_is_unmarked_and_times_may_be_unknown() {
        let acme = stack("acme", "M");
        let trail = Trail::read(
            &acme,
            [Posted {
                body: "Service Quotas request body",
                at: None,
            }],
        );
        assert_eq!(trail, Trail::default());
        assert!(!trail.is_marked());

        let line = mark_line(&acme, &[AlarmKind::HighLatency], []);
        let trail = Trail::read(
            &acme,
            [Posted {
                body: &line,
                at: None,
            }],
        );
        assert_eq!(
            trail.reported(AlarmKind::HighLatency),
            Some(Reported { at: None })
        );
    }
}
