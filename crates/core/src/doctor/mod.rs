//! `doctor`: whether a deployed stack is actually watching, as a list of checks, each PASS, WARN or FAIL
//! with the fix. This module is the pure half: the verdict of each check from what was read
//! ([`checks`]), the report with its summary and exit code (here), and the table ([`render`]). The reads
//! are the CLI's (`crates/cli/src/commands/doctor/`).

pub mod checks;
pub mod render;

use serde::Serialize;

/// A check's verdict. The order is the severity: the report's exit code is its worst check's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
        }
    }
}

/// One check's result. `id` is stable (scripts key on it); `fix` is what to do, absent on PASS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub status: Status,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    pub fn pass(id: &'static str, detail: impl Into<String>) -> Check {
        Check {
            id,
            status: Status::Pass,
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn warn(id: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            id,
            status: Status::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    pub fn fail(id: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            id,
            status: Status::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// How many checks ended in each status, and the exit code they give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    /// 0 when every check passed, 1 when one warned and none failed, 2 when one failed.
    pub exit_code: u8,
}

/// The `--json` document: `{"stack", "checks": [{"id", "status", "detail", "fix"}], "summary"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub stack: String,
    pub checks: Vec<Check>,
    pub summary: Summary,
}

impl Report {
    pub fn new(stack: impl Into<String>, checks: Vec<Check>) -> Report {
        let count = |status| checks.iter().filter(|c| c.status == status).count();
        let worst = checks.iter().map(|c| c.status).max();
        let summary = Summary {
            pass: count(Status::Pass),
            warn: count(Status::Warn),
            fail: count(Status::Fail),
            exit_code: match worst {
                None | Some(Status::Pass) => 0,
                Some(Status::Warn) => 1,
                Some(Status::Fail) => 2,
            },
        };
        Report {
            stack: stack.into(),
            checks,
            summary,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exit_code_is_the_worst_checks() {
        let pass = Check::pass("a", "ok");
        let warn = Check::warn("b", "hm", "do this");
        let fail = Check::fail("c", "no", "do that");
        assert_eq!(Report::new("s", vec![pass.clone()]).summary.exit_code, 0);
        assert_eq!(
            Report::new("s", vec![pass.clone(), warn.clone()])
                .summary
                .exit_code,
            1
        );
        let all = Report::new("s", vec![fail, pass, warn]);
        assert_eq!(all.summary.exit_code, 2);
        assert_eq!(
            (all.summary.pass, all.summary.warn, all.summary.fail),
            (1, 1, 1)
        );
    }
}

#[cfg(test)]
mod checks_tests;
