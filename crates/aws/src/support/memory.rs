//! In-memory [`SupportDesk`] for unit tests: cases with their correspondence, and a switch for "no Support plan".

use aws_sdk_support::primitives::{DateTime, DateTimeFormat};

use super::{
    AWS_SUBMITTER, CaseCommunication, CaseDraft, CaseRef, CaseSummary, LinkedCase, SupportDesk,
};
use crate::AwsError;
use crate::clock::now_epoch;
use crate::fake::{Faults, Shared, fault_knobs};

const SERVICE: &str = "support";
/// How many of a case's newest communications DescribeCases returns with it.
const RECENT_COMMUNICATIONS: usize = 5;

#[derive(Debug)]
struct StoredCase {
    summary: CaseSummary,
    /// Newest first, as DescribeCommunications returns them.
    communications: Vec<CaseCommunication>,
    /// Left out of the open-case list, as a case created moments ago can be.
    unlisted: bool,
}

#[derive(Debug)]
struct State {
    subscribed: bool,
    cases: Vec<StoredCase>,
    created: Vec<(CaseDraft, CaseRef)>,
    appended: Vec<(String, String)>,
    faults: Faults,
}

impl Default for State {
    fn default() -> Self {
        Self {
            subscribed: true,
            cases: Vec::new(),
            created: Vec::new(),
            appended: Vec::new(),
            faults: Faults::default(),
        }
    }
}

/// Cloning shares the cases. Cases created through the trait are stamped with the current system time, so a
/// handler's lookback (computed from the real clock) finds them.
#[derive(Debug, Clone, Default)]
pub struct MemorySupport {
    state: Shared<State>,
}

fault_knobs!(MemorySupport);

fn iso(epoch: i64) -> String {
    DateTime::from_secs(epoch)
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_default()
}

impl MemorySupport {
    pub fn new() -> Self {
        Self::default()
    }

    /// Without a Support plan every call fails with [`AwsError::SubscriptionRequired`], as the real API does.
    pub fn set_subscribed(&self, subscribed: bool) {
        self.state.lock().subscribed = subscribed;
    }

    /// Adds an existing case (not recorded as created).
    pub fn seed_case(&self, case: CaseSummary) {
        self.state.lock().cases.push(StoredCase {
            summary: case,
            communications: Vec::new(),
            unlisted: false,
        });
    }

    /// Shorthand: an open case with this subject, created `age_seconds` ago; returns its (case id, display id).
    pub fn seed_open_case(&self, subject: &str, age_seconds: i64) -> (String, String) {
        let mut state = self.state.lock();
        let number = state.cases.len() + 1;
        let created_at = now_epoch() - age_seconds;
        let case = CaseSummary {
            case_id: format!("case-123456789012-seed-{number}"),
            display_id: Some(format!("{}", 1_600_000_000 + number)),
            subject: subject.to_owned(),
            status: "opened".to_owned(),
            time_created: iso(created_at),
            created_at: Some(created_at),
            severity: Some("normal".to_owned()),
            service_code: Some("service-bedrock".to_owned()),
            category_code: Some("general-guidance".to_owned()),
            recent: Vec::new(),
        };
        let ids = (
            case.case_id.clone(),
            case.display_id.clone().unwrap_or_default(),
        );
        state.cases.push(StoredCase {
            summary: case,
            communications: Vec::new(),
            unlisted: false,
        });
        ids
    }

    /// Leaves a case out of the open-case list (DescribeCases lags behind CreateCase for a moment); it can
    /// still be read by id and appended to.
    pub fn hide_from_listing(&self, case_id: &str) {
        let mut state = self.state.lock();
        for case in &mut state.cases {
            if case.summary.case_id == case_id {
                case.unlisted = true;
            }
        }
    }

    /// Adds a communication to a seeded case as if it had been posted `age_seconds` ago (not recorded as
    /// appended through the trait): an earlier alarm's append, say.
    pub fn seed_communication(&self, case_id: &str, body: &str, age_seconds: i64) {
        let mut state = self.state.lock();
        if let Some(case) = state
            .cases
            .iter_mut()
            .find(|case| case.summary.case_id == case_id)
        {
            let at = now_epoch() - age_seconds;
            case.communications.insert(
                0,
                CaseCommunication {
                    body: body.to_owned(),
                    submitted_by: None,
                    time_created: Some(iso(at)),
                    created_at: Some(at),
                },
            );
        }
    }

    /// Posts AWS's automated first reply on a case (submitted by [`AWS_SUBMITTER`]).
    pub fn reply_as_aws(&self, case_id: &str) {
        let mut state = self.state.lock();
        if let Some(case) = state
            .cases
            .iter_mut()
            .find(|case| case.summary.case_id == case_id)
        {
            case.communications.insert(
                0,
                CaseCommunication {
                    body: "Hello, we received your request.".to_owned(),
                    submitted_by: Some(AWS_SUBMITTER.to_owned()),
                    time_created: None,
                    created_at: None,
                },
            );
        }
    }

    /// Sets a case's status (e.g. `resolved`).
    pub fn set_status(&self, case_id: &str, status: &str) {
        let mut state = self.state.lock();
        if let Some(case) = state
            .cases
            .iter_mut()
            .find(|case| case.summary.case_id == case_id)
        {
            case.summary.status = status.to_owned();
        }
    }

    /// Every case created through the trait, with what was sent.
    pub fn created_cases(&self) -> Vec<(CaseDraft, CaseRef)> {
        self.state.lock().created.clone()
    }

    /// Every communication appended through the trait: (case id, body).
    pub fn appended(&self) -> Vec<(String, String)> {
        self.state.lock().appended.clone()
    }

    /// Every case held, seeded or created.
    pub fn cases(&self) -> Vec<CaseSummary> {
        self.state
            .lock()
            .cases
            .iter()
            .map(|case| case.summary.clone())
            .collect()
    }

    fn enter(state: &mut State, operation: &'static str) -> Result<(), AwsError> {
        state.faults.enter(operation)?;
        if state.subscribed {
            Ok(())
        } else {
            Err(AwsError::SubscriptionRequired {
                service: SERVICE,
                operation,
                message: "AWS Premium Support Subscription is required to use this service.".into(),
            })
        }
    }
}

impl SupportDesk for MemorySupport {
    async fn open_cases(&self, after_epoch: i64) -> Result<Vec<CaseSummary>, AwsError> {
        let mut state = self.state.lock();
        Self::enter(&mut state, "DescribeCases")?;
        Ok(state
            .cases
            .iter()
            .filter(|case| !case.unlisted)
            .filter(|case| {
                case.summary.status != "resolved"
                    && case.summary.created_at.is_some_and(|at| at >= after_epoch)
            })
            .map(|case| CaseSummary {
                recent: case
                    .communications
                    .iter()
                    .take(RECENT_COMMUNICATIONS)
                    .cloned()
                    .collect(),
                ..case.summary.clone()
            })
            .collect())
    }

    async fn case_by_display_id(&self, display_id: &str) -> Result<Option<CaseSummary>, AwsError> {
        let mut state = self.state.lock();
        Self::enter(&mut state, "DescribeCases")?;
        Ok(state
            .cases
            .iter()
            .find(|case| case.summary.display_id.as_deref() == Some(display_id))
            .map(|case| case.summary.clone()))
    }

    async fn linked_case(&self, display_id: &str) -> Result<Option<LinkedCase>, AwsError> {
        let mut state = self.state.lock();
        Self::enter(&mut state, "DescribeCases")?;
        Ok(state
            .cases
            .iter()
            .find(|case| case.summary.display_id.as_deref() == Some(display_id))
            .map(|case| LinkedCase {
                summary: case.summary.clone(),
                aws_replied: case
                    .communications
                    .iter()
                    .any(|c| c.submitted_by.as_deref() == Some(AWS_SUBMITTER)),
            }))
    }

    async fn case_by_id(&self, case_id: &str) -> Result<Option<CaseSummary>, AwsError> {
        let mut state = self.state.lock();
        Self::enter(&mut state, "DescribeCases")?;
        Ok(state
            .cases
            .iter()
            .find(|case| case.summary.case_id == case_id)
            .map(|case| case.summary.clone()))
    }

    async fn create_case(&self, draft: &CaseDraft) -> Result<CaseRef, AwsError> {
        let mut state = self.state.lock();
        Self::enter(&mut state, "CreateCase")?;
        let number = state.cases.len() + 1;
        let created_at = now_epoch();
        let case_id = format!("case-123456789012-mock-{number}");
        state.cases.push(StoredCase {
            summary: CaseSummary {
                case_id: case_id.clone(),
                display_id: Some(format!("{}", 1_700_000_000 + number)),
                subject: draft.subject.clone(),
                status: "opened".to_owned(),
                time_created: iso(created_at),
                created_at: Some(created_at),
                severity: Some(draft.severity.clone()),
                service_code: Some(draft.service_code.clone()),
                category_code: Some(draft.category_code.clone()),
                recent: Vec::new(),
            },
            communications: vec![CaseCommunication {
                body: draft.body.clone(),
                submitted_by: None,
                time_created: Some(iso(created_at)),
                created_at: Some(created_at),
            }],
            unlisted: false,
        });
        // Like CreateCase, only the internal id comes back.
        let reference = CaseRef {
            case_id,
            display_id: None,
        };
        state.created.push((draft.clone(), reference.clone()));
        Ok(reference)
    }

    async fn add_communication(&self, case_id: &str, body: &str) -> Result<(), AwsError> {
        let mut state = self.state.lock();
        Self::enter(&mut state, "AddCommunicationToCase")?;
        let now = now_epoch();
        let Some(case) = state
            .cases
            .iter_mut()
            .find(|case| case.summary.case_id == case_id)
        else {
            return Err(AwsError::NotFound {
                service: SERVICE,
                operation: "AddCommunicationToCase",
                message: format!("no case {case_id}"),
            });
        };
        case.communications.insert(
            0,
            CaseCommunication {
                body: body.to_owned(),
                submitted_by: None,
                time_created: Some(iso(now)),
                created_at: Some(now),
            },
        );
        state.appended.push((case_id.to_owned(), body.to_owned()));
        Ok(())
    }

    async fn communications(&self, case_id: &str) -> Result<Vec<CaseCommunication>, AwsError> {
        let mut state = self.state.lock();
        Self::enter(&mut state, "DescribeCommunications")?;
        state
            .cases
            .iter()
            .find(|case| case.summary.case_id == case_id)
            .map(|case| case.communications.clone())
            .ok_or_else(|| AwsError::NotFound {
                service: SERVICE,
                operation: "DescribeCommunications",
                message: format!("no case {case_id}"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn created_cases_are_found_open_and_take_appends() {
        let support = MemorySupport::new();
        let (old_id, _) =
            support.seed_open_case("acme - Bedrock Ops Alert - m - Quota Request", 100 * 86_400);
        let created = support
            .create_case(&CaseDraft::bedrock("subject", "body", "normal"))
            .await
            .unwrap();
        assert_eq!(created.display_id, None);

        let open = support.open_cases(now_epoch() - 60 * 86_400).await.unwrap();
        assert_eq!(
            open.len(),
            1,
            "the 100-day-old case is outside the lookback"
        );
        assert_eq!(open[0].case_id, created.case_id);
        let display = open[0].display_id.clone().unwrap();
        assert_eq!(
            support
                .case_by_display_id(&display)
                .await
                .unwrap()
                .unwrap()
                .case_id,
            created.case_id
        );
        assert_eq!(
            support
                .case_by_id(&created.case_id)
                .await
                .unwrap()
                .and_then(|c| c.display_id),
            Some(display)
        );
        assert_eq!(support.case_by_id("nope").await.unwrap(), None);

        support
            .add_communication(&created.case_id, "again")
            .await
            .unwrap();
        let bodies: Vec<_> = support
            .communications(&created.case_id)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.body)
            .collect();
        assert_eq!(bodies, ["again", "body"]);
        assert_eq!(
            support.appended(),
            vec![(created.case_id.clone(), "again".to_owned())]
        );
        assert!(matches!(
            support.add_communication("nope", "x").await,
            Err(AwsError::NotFound { .. })
        ));

        support.set_status(&created.case_id, "resolved");
        assert!(
            support
                .open_cases(0)
                .await
                .unwrap()
                .iter()
                .all(|c| c.case_id == old_id)
        );
    }

    #[tokio::test]
    async fn without_a_support_plan_nothing_is_created() {
        let support = MemorySupport::new();
        support.set_subscribed(false);
        let error = support
            .create_case(&CaseDraft::bedrock("s", "b", "normal"))
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            AwsError::SubscriptionRequired {
                operation: "CreateCase",
                ..
            }
        ));
        assert!(support.created_cases().is_empty());
        assert_eq!(support.calls("CreateCase"), 1);
    }
}
