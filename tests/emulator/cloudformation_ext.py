"""CloudFormation as pessimistic as AWS: moto creates, updates and deletes stacks synchronously, inside the call.

Real CloudFormation works asynchronously, and code that only ever saw moto would never wait. Patched here:
- a new change set is CREATE_IN_PROGRESS (execution UNAVAILABLE) for its first `settle_reads` DescribeChangeSet
  reads, and executing it before then is refused with InvalidChangeSetStatus, as AWS refuses it;
- after ExecuteChangeSet or DeleteStack, DescribeStacks shows the stack CREATE_/UPDATE_/DELETE_IN_PROGRESS for
  its next `settle_reads` reads (the deleted stack stays listed meanwhile), then the final state;
- a resource that fails while a change set executes (moto raised, and ExecuteChangeSet answered 500) fails the
  stack instead, as in AWS: the call succeeds, the resource gets a CREATE_FAILED/UPDATE_FAILED event with the
  reason, and the stack ends ROLLBACK_COMPLETE (a creation) or UPDATE_ROLLBACK_COMPLETE (an update);
- `/_ext/cloudformation/fail` makes the next execution of a named stack fail on a named resource that way.
moto already fails a change set that changes nothing with AWS's reason ("The submitted information didn't
contain changes...").
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.core.exceptions import ServiceException

DEFAULT_SETTLE_READS = 2


class InvalidChangeSetStatus(ServiceException):
    code = "InvalidChangeSetStatus"


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.settle_reads = DEFAULT_SETTLE_READS
        # change set id -> reads left while CREATE_IN_PROGRESS
        self.change_sets: dict[str, int] = {}
        # stack id -> [reads left, status shown meanwhile]
        self.stacks: dict[str, list[Any]] = {}
        # stack name and stack id -> [reads left, the deleted stack object] (one shared entry)
        self.deleting: dict[str, list[Any]] = {}
        # stack name -> (logical id, reason) for the next execution
        self.failures: dict[str, tuple[str, str]] = {}


STATE = _State()


def configure(payload: dict[str, Any]) -> None:
    with STATE.lock:
        STATE.settle_reads = max(0, int(payload.get("settle_reads", DEFAULT_SETTLE_READS)))


def fail_next(payload: dict[str, Any]) -> None:
    with STATE.lock:
        STATE.failures[str(payload["stack_name"])] = (
            str(payload.get("logical_id") or "Resource"),
            str(payload.get("reason") or "Resource creation failed (injected)"),
        )


def _shown(stack: Any, status: str) -> Any:
    shown = copy.copy(stack)
    shown.status = status
    return shown


def install() -> None:
    backend = cfn_models.CloudFormationBackend
    original_create_change_set = backend.create_change_set
    original_describe_change_set = backend.describe_change_set
    original_execute = backend.execute_change_set
    original_describe_stacks = backend.describe_stacks
    original_delete_stack = backend.delete_stack

    def create_change_set(self: Any, *args: Any, **kwargs: Any) -> Any:
        change_set_id, stack_id = original_create_change_set(self, *args, **kwargs)
        with STATE.lock:
            STATE.change_sets[change_set_id] = STATE.settle_reads
        return change_set_id, stack_id

    def describe_change_set(self: Any, change_set_name: str) -> Any:
        change_set = original_describe_change_set(self, change_set_name)
        with STATE.lock:
            left = STATE.change_sets.get(change_set.change_set_id, 0)
            if left <= 0:
                return change_set
            STATE.change_sets[change_set.change_set_id] = left - 1
        shown = copy.copy(change_set)
        shown.status = "CREATE_IN_PROGRESS"
        shown.execution_status = "UNAVAILABLE"
        shown.status_reason = None
        return shown

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = original_describe_change_set(self, change_set_name)
        with STATE.lock:
            if STATE.change_sets.get(change_set.change_set_id, 0) > 0:
                raise InvalidChangeSetStatus(
                    f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current status of [CREATE_IN_PROGRESS]"
                )
            injected = STATE.failures.pop(change_set.stack.name, None)
        if change_set.status != "CREATE_COMPLETE" or change_set.execution_status != "AVAILABLE":
            raise InvalidChangeSetStatus(
                f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current status of [{change_set.status}]"
            )
        stack = self.stacks[change_set.stack_id]
        kind = change_set.change_set_type
        try:
            if injected is not None:
                raise RuntimeError(injected[1])
            original_execute(self, change_set_name, stack_name)
            final = stack.status
        except Exception as error:  # noqa: BLE001 - any failure of moto's resource code fails the stack, as in AWS
            logical_id, reason = injected if injected is not None else ("Resource", str(error) or type(error).__name__)
            if injected is not None:
                # moto logs this itself before it applies the change set.
                stack._add_stack_event(f"{kind}_IN_PROGRESS", resource_status_reason="User Initiated")
            stack.events.append(
                cfn_models.Event(
                    stack_id=stack.stack_id,
                    stack_name=stack.name,
                    logical_resource_id=logical_id,
                    physical_resource_id="",
                    resource_type="AWS::CloudFormation::CustomResource" if injected else "",
                    resource_status=f"{kind}_FAILED",
                    resource_status_reason=reason,
                    resource_properties=None,
                )
            )
            final = "ROLLBACK_COMPLETE" if kind == "CREATE" else "UPDATE_ROLLBACK_COMPLETE"
            stack._add_stack_event(
                "ROLLBACK_IN_PROGRESS" if kind == "CREATE" else "UPDATE_ROLLBACK_IN_PROGRESS",
                resource_status_reason=f"The following resource(s) failed to {kind.lower()}: [{logical_id}].",
            )
            stack._add_stack_event(final)
            stack.status = final
            change_set.execution_status = "EXECUTE_FAILED"
        with STATE.lock:
            STATE.stacks[stack.stack_id] = [STATE.settle_reads, f"{kind}_IN_PROGRESS"]
        return None

    def describe_stacks(self: Any, name_or_stack_id: str) -> list[Any]:
        with STATE.lock:
            pending = STATE.deleting.get(name_or_stack_id) if name_or_stack_id else None
            if pending is not None and pending[0] > 0:
                pending[0] -= 1
                return [_shown(pending[1], "DELETE_IN_PROGRESS")]
        stacks = original_describe_stacks(self, name_or_stack_id)
        shown = []
        with STATE.lock:
            for stack in stacks:
                entry = STATE.stacks.get(stack.stack_id)
                if entry is not None and entry[0] > 0:
                    if name_or_stack_id:
                        entry[0] -= 1
                    shown.append(_shown(stack, entry[1]))
                else:
                    shown.append(stack)
            if not name_or_stack_id:
                unique = {id(entry): entry for entry in STATE.deleting.values()}
                shown.extend(_shown(stack, "DELETE_IN_PROGRESS") for left, stack in unique.values() if left > 0)
        return shown

    def delete_stack(self: Any, name_or_stack_id: str) -> None:
        doomed = [s for s in self.stacks.values() if name_or_stack_id in (s.name, s.stack_id)]
        original_delete_stack(self, name_or_stack_id)
        with STATE.lock:
            for stack in doomed:
                entry = [STATE.settle_reads, stack]
                STATE.deleting[stack.name] = entry
                STATE.deleting[stack.stack_id] = entry
                STATE.stacks.pop(stack.stack_id, None)

    backend.create_change_set = create_change_set
    backend.describe_change_set = describe_change_set
    backend.execute_change_set = execute_change_set
    backend.describe_stacks = describe_stacks
    backend.delete_stack = delete_stack
