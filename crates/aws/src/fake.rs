//! Failure injection and call counting shared by the in-memory fakes.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::AwsError;

/// Per-operation (AWS API name, e.g. `CreateCase`) injected failures and call counts.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    once: HashMap<&'static str, VecDeque<AwsError>>,
    always: HashMap<&'static str, AwsError>,
    calls: HashMap<&'static str, usize>,
}

impl Faults {
    pub(crate) fn fail_next(&mut self, operation: &'static str, error: AwsError) {
        self.once.entry(operation).or_default().push_back(error);
    }

    pub(crate) fn fail_always(&mut self, operation: &'static str, error: AwsError) {
        self.always.insert(operation, error);
    }

    pub(crate) fn clear(&mut self) {
        self.once.clear();
        self.always.clear();
    }

    /// Counts a call to `operation` and answers the failure injected for it, if any (one-shot failures first).
    pub(crate) fn enter(&mut self, operation: &'static str) -> Result<(), AwsError> {
        *self.calls.entry(operation).or_default() += 1;
        if let Some(error) = self.once.get_mut(operation).and_then(VecDeque::pop_front) {
            return Err(error);
        }
        match self.always.get(operation) {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        }
    }

    pub(crate) fn calls(&self, operation: &str) -> usize {
        self.calls.get(operation).copied().unwrap_or(0)
    }

    pub(crate) fn total_calls(&self) -> usize {
        self.calls.values().sum()
    }
}

/// State shared between clones of a fake, so a test keeps a handle while the handler owns another.
#[derive(Debug, Default)]
pub(crate) struct Shared<S>(Arc<Mutex<S>>);

impl<S> Clone for Shared<S> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<S> Shared<S> {
    /// A panicking test must not turn every later assertion into a poison error, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, S> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Implements the failure-injection and call-count methods on a fake whose shared state has a `faults` field.
macro_rules! fault_knobs {
    ($fake:ty) => {
        impl $fake {
            /// Makes the next call of `operation` (AWS API name, e.g. `CreateCase`) fail with `error`; repeated
            /// calls queue further failures.
            pub fn fail_next(&self, operation: &'static str, error: $crate::AwsError) {
                self.state.lock().faults.fail_next(operation, error);
            }

            /// Makes every call of `operation` fail with `error` until [`Self::clear_failures`].
            pub fn fail_always(&self, operation: &'static str, error: $crate::AwsError) {
                self.state.lock().faults.fail_always(operation, error);
            }

            /// Removes every injected failure.
            pub fn clear_failures(&self) {
                self.state.lock().faults.clear();
            }

            /// How many times `operation` was called (failed calls included).
            pub fn calls(&self, operation: &str) -> usize {
                self.state.lock().faults.calls(operation)
            }

            /// How many calls were made in all.
            pub fn total_calls(&self) -> usize {
                self.state.lock().faults.total_calls()
            }
        }
    };
}

pub(crate) use fault_knobs;
