//! One quota thread per stack (issue 12): an open case that already asks AWS for a quota of this stack
//! receives a new quota alarm as an append, and no second Service Quotas request or case is filed for that
//! quota.
//!
//! What "carries" means, from data the alarm path already holds (the open cases it lists in its first round
//! trip, each with its most recent communications and their marks, [`crate::case_trail`]):
//!
//! | open case (within the lookback) | carries a quota when |
//! |---|---|
//! | the stack's own "Quota Request" case (its exact subject) | a mark of ours on it asks for that quota, or no mark of ours is in sight at all (a case opened before marks existed, or whose marks are older than the communications AWS returns): the blog's rule, an open case of the category takes the alarm |
//! | any other open case (the case Service Quotas opened for our request, which our follow-up marked) | a mark of this stack on it asks for that quota |
//!
//! A reference case of `low_usage` asks for nothing, so it carries no quota: a later `high_usage` alarm
//! still requests the increase. The stack's own case is preferred when several carry a quota; each
//! thread gets one append with the increases it carries, and every quota no thread carries is requested
//! as before. A `low_usage` alarm's reference increases go to the stack's own case or, failing that, to a
//! thread that carries one of its quotas, instead of a new reference case ([`reference_thread`]).

use crate::case_trail::Trail;
use crate::outcome::{CaseRef, QuotaIncrease};
use crate::thresholds::QuotaCode;

/// An open case that could be a quota thread of this stack.
#[derive(Debug, Clone, Copy)]
pub struct OpenCase<'a> {
    pub case: &'a CaseRef,
    /// Its subject is the stack's own "Quota Request" subject.
    pub own_subject: bool,
    pub trail: &'a Trail,
}

impl OpenCase<'_> {
    /// Whether this case already asks for this quota (the module's table).
    pub fn carries(&self, code: &QuotaCode) -> bool {
        self.trail.asks(code) || (self.own_subject && !self.trail.is_marked())
    }
}

/// One append to a thread, with the increases it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadAppend {
    pub case: CaseRef,
    /// Index of the case in the slice given to [`route`] (its trail decides the append rule).
    pub index: usize,
    pub increases: Vec<QuotaIncrease>,
}

/// Where the increases of a plan go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routes {
    /// Appended to the thread that carries them, one append per thread.
    pub appends: Vec<ThreadAppend>,
    /// Requested from Service Quotas: no thread carries them.
    pub requests: Vec<QuotaIncrease>,
}

/// The thread that carries this quota: the stack's own case first, then the others in the order given.
fn thread_of(code: &QuotaCode, open: &[OpenCase<'_>]) -> Option<usize> {
    let carrying = |own: bool| {
        open.iter()
            .position(|case| case.own_subject == own && case.carries(code))
    };
    carrying(true).or_else(|| carrying(false))
}

/// Routes the increases a plan would request (see the module's table).
pub fn route(increases: &[QuotaIncrease], open: &[OpenCase<'_>]) -> Routes {
    let mut routes = Routes::default();
    for increase in increases {
        match thread_of(&increase.quota_code, open) {
            None => routes.requests.push(increase.clone()),
            Some(index) => match routes.appends.iter_mut().find(|a| a.index == index) {
                Some(append) => append.increases.push(increase.clone()),
                None => routes.appends.push(ThreadAppend {
                    case: open[index].case.clone(),
                    index,
                    increases: vec![increase.clone()],
                }),
            },
        }
    }
    routes
}

/// The open case a `low_usage` alarm's reference increases go to: the stack's own case, or else a thread
/// that carries one of them (the case of an open request for its quota). `None`: a new reference case.
pub fn reference_thread(increases: &[QuotaIncrease], open: &[OpenCase<'_>]) -> Option<usize> {
    open.iter().position(|case| case.own_subject).or_else(|| {
        increases
            .iter()
            .find_map(|increase| thread_of(&increase.quota_code, open))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarms::AlarmKind;
    use crate::case_trail::{Posted, mark_line};
    use crate::scenario::QuotaSide;
    use crate::stack::StackName;

    const RPM: &str = "L-3DD46812";
    const TPM: &str = "L-3DCCFAA4";

    fn stack() -> StackName {
        StackName {
            customer: "Acme".to_owned(),
            model_name: "M".to_owned(),
        }
    }

    fn increase(side: QuotaSide, code: &str) -> QuotaIncrease {
        QuotaIncrease {
            side,
            quota_code: QuotaCode::new(code).unwrap(),
            quota_name: code.to_owned(),
            current: 100,
            desired: 125,
        }
    }

    fn both() -> Vec<QuotaIncrease> {
        vec![increase(QuotaSide::Rpm, RPM), increase(QuotaSide::Tpm, TPM)]
    }

    /// A trail whose one mark asks for `asks`; `None`: no mark of ours at all.
    fn trail(asks: Option<&[&str]>) -> Trail {
        let Some(asks) = asks else {
            return Trail::read(
                &stack(),
                [Posted {
                    body: "Service Quotas' body",
                    at: None,
                }],
            );
        };
        let codes: Vec<QuotaCode> = asks.iter().map(|c| QuotaCode::new(c).unwrap()).collect();
        let body = mark_line(&stack(), &[AlarmKind::Throttles], &codes);
        Trail::read(
            &stack(),
            [Posted {
                body: &body,
                at: Some(1),
            }],
        )
    }

    fn case(n: u8) -> CaseRef {
        CaseRef {
            case_id: format!("case-{n}"),
            display_id: format!("10{n}"),
        }
    }

    fn sides(increases: &[QuotaIncrease]) -> Vec<QuotaSide> {
        increases.iter().map(|i| i.side).collect()
    }

    /// (own subject?, the trail's asks) of each open case → (appends as (case index, sides), requested sides)
    #[test]
    fn the_routing_table() {
        type Open<'a> = (bool, Option<&'a [&'a str]>);
        type Appends = &'static [(usize, &'static [QuotaSide])];
        use QuotaSide::{Rpm, Tpm};
        let table: &[(&[Open<'_>], Appends, &[QuotaSide])] = &[
            // No open case: both requested.
            (&[], &[], &[Rpm, Tpm]),
            // The stack's own case asking for both: one append, nothing requested.
            (&[(true, Some(&[RPM, TPM]))], &[(0, &[Rpm, Tpm])], &[]),
            // It asks for RPM only: RPM appended, TPM still requested.
            (&[(true, Some(&[RPM]))], &[(0, &[Rpm])], &[Tpm]),
            // Its marks ask for nothing (a low_usage reference case): both requested.
            (&[(true, Some(&[]))], &[], &[Rpm, Tpm]),
            // No mark in sight on the stack's own case: the blog's rule, it takes both.
            (&[(true, None)], &[(0, &[Rpm, Tpm])], &[]),
            // Another case (Service Quotas' case of our RPM request, marked by the follow-up).
            (&[(false, Some(&[RPM]))], &[(0, &[Rpm])], &[Tpm]),
            // Another case without our mark is nobody's thread.
            (&[(false, None)], &[], &[Rpm, Tpm]),
            // Two Service Quotas cases, one per quota: one append each.
            (
                &[(false, Some(&[TPM])), (false, Some(&[RPM]))],
                &[(1, &[Rpm]), (0, &[Tpm])],
                &[],
            ),
            // The stack's own case wins over another case carrying the same quota.
            (
                &[(false, Some(&[RPM, TPM])), (true, Some(&[RPM]))],
                &[(1, &[Rpm]), (0, &[Tpm])],
                &[],
            ),
        ];
        for (open, appends, requested) in table {
            let trails: Vec<Trail> = open.iter().map(|(_, asks)| trail(*asks)).collect();
            let refs: Vec<CaseRef> = (0..open.len()).map(|i| case(i as u8)).collect();
            let cases: Vec<OpenCase<'_>> = open
                .iter()
                .zip(&trails)
                .zip(&refs)
                .map(|(((own, _), trail), case)| OpenCase {
                    case,
                    own_subject: *own,
                    trail,
                })
                .collect();
            let routes = route(&both(), &cases);
            let got: Vec<(usize, Vec<QuotaSide>)> = routes
                .appends
                .iter()
                .map(|a| (a.index, sides(&a.increases)))
                .collect();
            let want: Vec<(usize, Vec<QuotaSide>)> =
                appends.iter().map(|(i, s)| (*i, s.to_vec())).collect();
            assert_eq!(got, want, "{open:?}");
            assert_eq!(sides(&routes.requests), requested.to_vec(), "{open:?}");
            for append in &routes.appends {
                assert_eq!(append.case, refs[append.index]);
            }
        }
    }

    #[test]
    fn a_low_usage_reference_goes_to_the_stacks_case_or_the_thread_of_its_quota() {
        let own = trail(Some(&[]));
        let sq_rpm = trail(Some(&[RPM]));
        let foreign = trail(None);
        let (a, b, c) = (case(0), case(1), case(2));
        let open = |list: &[(bool, &'static str)]| -> Vec<(bool, &'static str)> { list.to_vec() };
        let build = |list: &[(bool, &'static str)]| -> Vec<OpenCase<'_>> {
            list.iter()
                .map(|(own_subject, which)| OpenCase {
                    case: match *which {
                        "own" => &a,
                        "sq" => &b,
                        _ => &c,
                    },
                    own_subject: *own_subject,
                    trail: match *which {
                        "own" => &own,
                        "sq" => &sq_rpm,
                        _ => &foreign,
                    },
                })
                .collect()
        };
        let rpm_only = vec![increase(QuotaSide::Rpm, RPM)];
        let tpm_only = vec![increase(QuotaSide::Tpm, TPM)];
        assert_eq!(reference_thread(&rpm_only, &[]), None);
        assert_eq!(
            reference_thread(&rpm_only, &build(&open(&[(false, "sq"), (true, "own")]))),
            Some(1)
        );
        assert_eq!(
            reference_thread(&rpm_only, &build(&open(&[(false, "x"), (false, "sq")]))),
            Some(1)
        );
        assert_eq!(
            reference_thread(&tpm_only, &build(&open(&[(false, "x"), (false, "sq")]))),
            None
        );
    }
}
