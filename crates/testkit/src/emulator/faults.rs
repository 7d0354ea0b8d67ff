//! Fault injection: matching AWS calls answer an error, or answer late; and [`fault_rows!`](crate::fault_rows),
//! one test per row of a fault table.

use serde::{Deserialize, Serialize};

use super::http::decode;
use super::{Emulator, EmulatorError};

/// A fault to inject: the matching calls get `error_code` (after `delay_ms`, if any).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fault {
    pub service: String,
    /// `None` matches every operation of the service.
    pub operation: Option<String>,
    /// `None` with a delay: the call is answered normally, late (a client timeout, with the work done).
    pub error_code: Option<String>,
    pub http_status: u16,
    pub message: Option<String>,
    /// How many calls fail; `None` = every call until cleared.
    pub times: Option<u32>,
    pub delay_ms: u64,
}

impl Fault {
    /// Every matching call fails with `error_code` and `http_status` until told otherwise.
    pub fn error(service: &str, operation: &str, error_code: &str, http_status: u16) -> Self {
        Self {
            service: service.to_owned(),
            operation: Some(operation.to_owned()),
            error_code: Some(error_code.to_owned()),
            http_status,
            message: None,
            times: None,
            delay_ms: 0,
        }
    }

    /// Matching calls are answered normally but only after `delay_ms`.
    pub fn delay(service: &str, operation: &str, delay_ms: u64) -> Self {
        Self {
            service: service.to_owned(),
            operation: Some(operation.to_owned()),
            error_code: None,
            http_status: 200,
            message: None,
            times: None,
            delay_ms,
        }
    }

    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    pub fn message(mut self, message: &str) -> Self {
        self.message = Some(message.to_owned());
        self
    }

    pub fn delay_ms(mut self, delay_ms: u64) -> Self {
        self.delay_ms = delay_ms;
        self
    }
}

#[derive(Deserialize)]
struct FaultId {
    id: u64,
}

impl Emulator {
    /// Installs a fault; returns its id.
    pub fn add_fault(&self, fault: &Fault) -> Result<u64, EmulatorError> {
        let body = serde_json::to_value(fault).map_err(|source| EmulatorError::Decode {
            path: "/_ext/faults".to_owned(),
            source,
        })?;
        let answer = self.call("POST", "/_ext/faults", Some(&body))?;
        decode::<FaultId>("/_ext/faults", answer).map(|created| created.id)
    }

    pub fn clear_faults(&self) -> Result<(), EmulatorError> {
        self.call("DELETE", "/_ext/faults", None).map(drop)
    }
}

/// One `#[test]` per row of a fault table, named after the row: `fault_rows! { run; name: row; … }` calls
/// `run("name", row)` in each (the processor, calculator and updater fault suites).
#[macro_export]
macro_rules! fault_rows {
    ($run:path; $($name:ident: $row:expr;)+) => {
        $(
            #[test]
            fn $name() {
                $run(stringify!($name), $row);
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn faults_serialise_to_the_launcher_contract() {
        let fault =
            Fault::error("support", "CreateCase", "CaseCreationLimitExceeded", 400).times(2);
        assert_eq!(
            serde_json::to_value(&fault).unwrap(),
            json!({
                "service": "support", "operation": "CreateCase", "error_code": "CaseCreationLimitExceeded",
                "http_status": 400, "message": null, "times": 2, "delay_ms": 0
            })
        );
    }
}
