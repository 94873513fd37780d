"""CheckpointDurableExecution's rules: each OperationUpdate moves one operation and writes its
history events. Allowed actions and transitions follow AWS's published local service
(aws-durable-execution-sdk-python-testing's checkpoint validators) and botocore's model."""

from ...core.errors import InvalidParameterValueException
from . import history
from .model import CANCELLED, FAILED, PENDING, READY, STARTED, SUCCEEDED, Operation, callback_id

ACTIONS = {"EXECUTION": ("SUCCEED", "FAIL"), "CONTEXT": ("START", "SUCCEED", "FAIL"),
           "STEP": ("START", "RETRY", "SUCCEED", "FAIL"), "WAIT": ("START", "CANCEL"),
           "CALLBACK": ("START",), "CHAINED_INVOKE": ("START",)}
PAYLOAD_MAX_BYTES = 1024 * 1024               # every operation's Payload (botocore's doc string)
EXECUTION_PAYLOAD_MAX_BYTES = 6 * 1024 * 1024  # a synchronous execution's result


def apply(execution, updates, now_ms, time_scale=1.0):
    """Apply a checkpoint's updates in order; return the ids of the operations they changed."""
    if not isinstance(updates, list):
        raise InvalidParameterValueException("Updates must be a list of OperationUpdate.")
    changed = []
    for index, update in enumerate(updates):
        op_type, action = _check(update, index, len(updates))
        existing = execution.operations.get(update["Id"])
        handler = _HANDLERS[op_type]
        op = handler(execution, existing, update, action, now_ms, time_scale)
        execution.operations_billed += 1
        execution.bytes_written += len((update.get("Payload") or "").encode())
        if op is not None and op.id not in changed:
            changed.append(op.id)
    return changed


def _check(update, index, count):
    if not isinstance(update, dict) or not isinstance(update.get("Id"), str):
        raise InvalidParameterValueException("Each update needs an Id.")
    op_type, action = update.get("Type"), update.get("Action")
    if op_type not in ACTIONS:
        raise InvalidParameterValueException(f"Invalid operation type: {op_type}.")
    if action not in ACTIONS[op_type]:
        raise InvalidParameterValueException(f"Invalid action {action} for operation type {op_type}.")
    if op_type == "EXECUTION" and index != count - 1:
        raise InvalidParameterValueException("An EXECUTION update must be the last update of a checkpoint.")
    limit = EXECUTION_PAYLOAD_MAX_BYTES if op_type == "EXECUTION" else PAYLOAD_MAX_BYTES
    if len((update.get("Payload") or "").encode()) > limit:
        raise InvalidParameterValueException(f"Payload must be at most {limit} bytes.")
    return op_type, action


def _new(execution, update, now_ms, status, **details):
    op = Operation(update["Id"], update["Type"], status, now_ms, update.get("SubType"), update.get("Name"),
                   update.get("ParentId"), details=details)
    execution.operations[op.id] = op
    return op


def _close(op, status, now_ms, **details):
    op.status, op.end_ms, op.due_ms, op.heartbeat_due_ms = status, now_ms, None, None
    op.details.update(details)


def _start_once(existing, update):
    if existing is not None:
        raise InvalidParameterValueException(f"Cannot start a {update['Type']} that already exist.")


def _must_be(op, update, statuses):
    if op is None or op.status not in statuses:
        raise InvalidParameterValueException(
            f"Cannot {update['Action']} {update['Type']} {update['Id']}: it is "
            f"{'unknown' if op is None else op.status}.")


# ---------------------------------------------------------------- per type
def _step(execution, op, update, action, now_ms, scale):
    if action == "START":
        if op is None:
            op = _new(execution, update, now_ms, STARTED, Attempt=0)
        else:
            _must_be(op, update, (READY, STARTED))
            op.status, op.due_ms = STARTED, None
            op.details.pop("NextAttemptTimestamp", None)
        history.add(execution, "StepStarted", now_ms, op)
        return op
    if op is None:  # a step may close in the same checkpoint that would have started it
        op = _new(execution, update, now_ms, STARTED, Attempt=0)
    _must_be(op, update, (STARTED, READY))
    payload, error = update.get("Payload"), update.get("Error")
    if action == "RETRY":
        if payload is not None and error is not None:
            raise InvalidParameterValueException("A RETRY may carry an Error or a Payload, not both.")
        delay = int((update.get("StepOptions") or {}).get("NextAttemptDelaySeconds") or 1)
        op.details["Attempt"] = op.details.get("Attempt", 0) + 1
        op.status = PENDING
        op.due_ms = now_ms + delay * 1000.0 / scale
        op.details["NextAttemptTimestamp"] = op.due_ms
        op.details["Result"], op.details["Error"] = payload, error
        retry = {"CurrentAttempt": op.details["Attempt"], "NextAttemptDelaySeconds": delay}
        if payload is not None:  # wait_for_condition's poll: its state so far
            history.add(execution, "StepSucceeded", now_ms, op, Result=history.result(payload), RetryDetails=retry)
        else:
            history.add(execution, "StepFailed", now_ms, op, Error=history.error(error), RetryDetails=retry)
        return op
    retry = {"CurrentAttempt": op.details.get("Attempt", 0) + 1}
    if action == "SUCCEED":
        _close(op, SUCCEEDED, now_ms, Result=payload, Error=None)
        history.add(execution, "StepSucceeded", now_ms, op, Result=history.result(payload), RetryDetails=retry)
    else:
        _close(op, FAILED, now_ms, Error=error, Result=None)
        history.add(execution, "StepFailed", now_ms, op, Error=history.error(error), RetryDetails=retry)
    return op


def _wait(execution, op, update, action, now_ms, scale):
    if action == "START":
        _start_once(op, update)
        seconds = int((update.get("WaitOptions") or {}).get("WaitSeconds") or 0)
        if seconds < 1:
            raise InvalidParameterValueException("WaitOptions.WaitSeconds must be at least 1.")
        op = _new(execution, update, now_ms, STARTED)
        op.due_ms = now_ms + seconds * 1000.0 / scale
        op.details["ScheduledEndTimestamp"] = op.due_ms
        op.details["_Duration"] = seconds
        history.add(execution, "WaitStarted", now_ms, op, Duration=seconds, ScheduledEndTimestamp=op.due_ms)
        return op
    _must_be(op, update, (STARTED,))
    _close(op, CANCELLED, now_ms)
    history.add(execution, "WaitCancelled", now_ms, op, Error=history.error(update.get("Error")))
    return op


def _callback(execution, op, update, action, now_ms, scale):
    _start_once(op, update)
    options = update.get("CallbackOptions") or {}
    timeout, heartbeat = int(options.get("TimeoutSeconds") or 0), int(options.get("HeartbeatTimeoutSeconds") or 0)
    op = _new(execution, update, now_ms, STARTED, CallbackId=callback_id(execution.arn, update["Id"]))
    op.due_ms = now_ms + timeout * 1000.0 / scale if timeout else None
    op.heartbeat_s = heartbeat
    op.heartbeat_due_ms = now_ms + heartbeat * 1000.0 / scale if heartbeat else None
    history.add(execution, "CallbackStarted", now_ms, op, CallbackId=op.details["CallbackId"],
                Timeout=timeout or None, HeartbeatTimeout=heartbeat or None)
    return op


def _context(execution, op, update, action, now_ms, scale):
    if action == "START":
        _start_once(op, update)
        op = _new(execution, update, now_ms, STARTED)
        history.add(execution, "ContextStarted", now_ms, op)
        return op
    if op is None:
        op = _new(execution, update, now_ms, STARTED)
    _must_be(op, update, (STARTED,))
    replay_children = bool((update.get("ContextOptions") or {}).get("ReplayChildren")) or None
    if action == "SUCCEED":
        if update.get("Error") is not None:
            raise InvalidParameterValueException("A CONTEXT SUCCEED may not carry an Error.")
        _close(op, SUCCEEDED, now_ms, Result=update.get("Payload"), ReplayChildren=replay_children)
        history.add(execution, "ContextSucceeded", now_ms, op, Result=history.result(update.get("Payload")))
    else:
        if update.get("Payload") is not None:
            raise InvalidParameterValueException("A CONTEXT FAIL may not carry a Payload.")
        _close(op, FAILED, now_ms, Error=update.get("Error"), ReplayChildren=replay_children)
        history.add(execution, "ContextFailed", now_ms, op, Error=history.error(update.get("Error")))
    return op


def _chained_invoke(execution, op, update, action, now_ms, scale):
    _start_once(op, update)
    options = update.get("ChainedInvokeOptions") or {}
    if not options.get("FunctionName"):
        raise InvalidParameterValueException("ChainedInvokeOptions.FunctionName is required.")
    op = _new(execution, update, now_ms, STARTED)
    op.details["_Target"] = options["FunctionName"]
    op.details["_Input"] = update.get("Payload")
    op.due_ms = now_ms  # the service invokes the target at once (scheduler.py)
    history.add(execution, "ChainedInvokeStarted", now_ms, op, FunctionName=options["FunctionName"],
                TenantId=options.get("TenantId"), Input=history.result(update.get("Payload")))
    return op


def _execution(execution, op, update, action, now_ms, scale):
    if action == "SUCCEED":
        execution.closing = ("SUCCEEDED", update.get("Payload"), None)
    else:
        execution.closing = ("FAILED", None, update.get("Error"))
    return None


_HANDLERS = {"STEP": _step, "WAIT": _wait, "CALLBACK": _callback, "CONTEXT": _context,
             "CHAINED_INVOKE": _chained_invoke, "EXECUTION": _execution}

