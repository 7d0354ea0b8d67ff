//! The emulator's CloudFormation knobs (`tests/emulator/cloudformation_ext.py`): how long stacks and change
//! sets stay in progress, and a resource failure injected into a stack's next execution.

use serde_json::json;

use super::{Emulator, EmulatorError};

impl Emulator {
    /// DescribeStacks / DescribeChangeSet reads for which a stack operation or a new change set stays in
    /// progress (2 after a reset).
    pub fn set_cloudformation_settle_reads(&self, reads: u32) -> Result<(), EmulatorError> {
        self.call(
            "POST",
            "/_ext/cloudformation/settings",
            Some(&json!({ "settle_reads": reads })),
        )
        .map(drop)
    }

    /// The next execution of a change set of `stack_name` fails on `logical_id` with `reason`: the stack
    /// rolls back with a `*_FAILED` event carrying the reason, as CloudFormation reports a failed resource.
    pub fn fail_next_stack_execution(
        &self,
        stack_name: &str,
        logical_id: &str,
        reason: &str,
    ) -> Result<(), EmulatorError> {
        let body = json!({ "stack_name": stack_name, "logical_id": logical_id, "reason": reason });
        self.call("POST", "/_ext/cloudformation/fail", Some(&body))
            .map(drop)
    }
}
