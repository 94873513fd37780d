"""The durable execution service beside invoke: executions, their invocations (the first and
each replay), and the timers that owe a replay (a wait ends, a retry is due, a callback
arrives or times out, a chained invoke returns).

It is a lambdakit.core.timers driver. On the virtual clock replays run when the clock is
moved (Runtime.advance, Runtime.wait_durable_execution), so a one-day wait takes no real
time; on the real clock the timer thread runs them when due, in real time divided by
`time_scale` (a lambdakit setting for lessons, 1.0 = AWS's timing; it shortens waits, retry
delays and callback timeouts, never a handler's own run).
One invocation runs at a time per execution, as Lambda does.
"""

import json
import threading

from ...core.config import function_arn
from ...core.errors import (InvalidParameterValueException, LambdaError, ResourceConflictException,
                           ResourceNotFoundException)
from . import checkpoint, history
from ..functions import split_name
from .model import (CLOSED, FAILED, PAUSED, PAUSING, PENDING, READY, RUNNING, STARTED, STOPPED, SUCCEEDED,
                    TIMED_OUT, Execution, Invocation, Operation)

DAY_MS = 86_400_000.0


class DurableService:
    def __init__(self, runtime):
        self.runtime = runtime
        self.clock = runtime.clock
        self.time_scale = 1.0
        self.executions = {}          # ARN -> Execution, in start order
        self.callbacks = {}           # CallbackId -> (execution ARN, operation id)
        self.cond = threading.Condition(threading.RLock())

    # ------------------------------------------------------------------ starting
    def start(self, function, version, qualifier, body, name, parent=None, execution_id=None):
        """A new execution (or the one already started under `name` with the same input)."""
        payload = body.decode("utf-8") if body else ""
        with self.cond:
            if name is not None:
                for execution in self.executions.values():
                    if execution.function == function.name and execution.name == name:
                        if execution.input_payload != payload:
                            raise DurableExecutionAlreadyStartedException(
                                f"Durable execution with name {name} already exists with a different input.")
                        return execution, False
            execution_id = execution_id or self.clock.request_id()
            name = name or execution_id
            arn = f"{function_arn(function.name, version.number)}/durable-execution/{name}/{execution_id}"
            now = self.clock.now_ms()
            execution = Execution(arn, name, execution_id, function.name, version.number, qualifier, payload, now,
                                  function.durable_config, parent=parent)
            execution.operations[execution_id] = Operation(execution_id, "EXECUTION", STARTED, now,
                                                           details={"InputPayload": payload})
            history.add(execution, "ExecutionStarted", now, Input=history.result(payload),
                        ExecutionTimeout=function.durable_config["ExecutionTimeout"])
            execution.ready_ms = now
            self.executions[arn] = execution
            self.cond.notify_all()
            return execution, True

    def get(self, arn):
        with self.cond:
            execution = self.executions.get(arn)
            if execution is None:
                raise ResourceNotFoundException(f"Durable execution not found: {arn}")
            return execution

    # --------------------------------------------------------------- invocations
    def invoke(self, execution, invocation_type="Event"):
        """Run one invocation of `execution` if it is owed one and none is running."""
        with self.cond:
            if execution.running or execution.terminal or execution.status != RUNNING:
                return None
            execution.running, execution.ready_ms = True, None
            updated, execution.updated, execution.unreported = list(execution.updated), [], []
            event = {"DurableExecutionArn": execution.arn, "CheckpointToken": execution.new_token(),
                     "InitialExecutionState": {"Operations": [op.wire(False) for op in
                                                              execution.operations.values()],
                                               "NextMarker": ""},
                     "UpdatedOperationIds": updated}
        runtime = self.runtime
        start = self.clock.now_ms()
        try:
            with runtime._lock:
                function = runtime._function(execution.function)
                version = function.version(execution.version)
            result = runtime._invoke_sync(function, version, function_arn(execution.function, execution.qualifier),
                                          json.dumps(event).encode(), None, invocation_type=invocation_type,
                                          arrival_ms=start, qualifier=execution.qualifier)
        except LambdaError as error:  # throttled, or the function is gone: the replay stays owed
            with self.cond:
                execution.running, execution.token = False, None
                execution.ready_ms = self.clock.now_ms() + 1000.0
                self.cond.notify_all()
            return error
        end = result.record.start_ms + result.record.duration_ms if result.record else self.clock.now_ms()
        if self.clock.virtual:
            self.clock.advance_to(end)
        self._invocation_ended(execution, result, start, end)
        return result

    def _invocation_ended(self, execution, result, start, end):
        output, error = _output(result)
        with self.cond:
            execution.running, execution.token = False, None
            status = output.get("Status") if output else "ERROR"
            if status != "ERROR":
                execution.failed_invocations = 0
            execution.invocations.append(Invocation(result.request_id, start, end, status, result.record, error))
            history.add(execution, "InvocationCompleted", end, StartTimestamp=start, EndTimestamp=end,
                        RequestId=result.request_id, Error=history.error(error))
            if execution.terminal:  # stopped or timed out while it ran
                pass
            elif status == "SUCCEEDED":
                closing = execution.closing or ("SUCCEEDED", None, None)
                self._finish(execution, SUCCEEDED, end, result=output.get("Result") or closing[1])
            elif status == "ERROR" and execution.failed_invocations < INVOCATION_RETRIES:
                execution.failed_invocations += 1  # a crash or timeout: replay from the last checkpoint
                execution.ready_ms = end
            elif status in ("FAILED", "ERROR"):
                closing = execution.closing or ("FAILED", None, None)
                self._finish(execution, FAILED, end, error=(output or {}).get("Error") or error or closing[2])
            elif execution.closing is not None:  # PENDING after the result was checkpointed
                status, payload, error = execution.closing
                self._finish(execution, status, end, result=payload, error=error)
            elif execution.status == PAUSING:
                execution.status = PAUSED
            elif execution.updated and execution.ready_ms is None:
                execution.ready_ms = end  # something finished while it ran: replay at once
            self.cond.notify_all()

    def _finish(self, execution, status, at_ms, result=None, error=None):
        execution.status, execution.end_ms = status, at_ms
        execution.result, execution.error = result, error
        execution.ready_ms, execution.token = None, None
        for op in execution.operations.values():
            op.due_ms = op.heartbeat_due_ms = None
        root = execution.operations[execution.id]
        root.status, root.end_ms = status, at_ms
        kind = {SUCCEEDED: "ExecutionSucceeded", FAILED: "ExecutionFailed", TIMED_OUT: "ExecutionTimedOut",
                STOPPED: "ExecutionStopped"}[status]
        if status == SUCCEEDED:
            history.add(execution, kind, at_ms, Result=history.result(result or ""))
        else:
            history.add(execution, kind, at_ms, Error=history.error(error))
        if execution.parent is not None:
            self._chained_invoke_ended(execution.parent, status, result, error, at_ms)
        self.cond.notify_all()

    # ------------------------------------------------------------- checkpoints
    def checkpoint(self, arn, token, updates, client_token=None):
        with self.cond:
            execution = self.get(arn)
            now = self.clock.now_ms()
            if client_token and client_token in execution.client_tokens:
                seen_ms, reply = execution.client_tokens[client_token]
                if now - seen_ms <= CLIENT_TOKEN_WINDOW_MS:
                    return reply
            if execution.token is None or token != execution.token:
                raise InvalidParameterValueException("Invalid checkpoint token.")
            first_event = len(execution.events)
            changed = checkpoint.apply(execution, updates or [], now, self._scale())
            for op_id in changed:
                op = execution.operations[op_id]
                if op.type == "CALLBACK" and op.status == STARTED:
                    self.callbacks[op.details["CallbackId"]] = (arn, op_id)
            for event in execution.events[first_event:]:
                if event["EventType"] == "ChainedInvokeStarted":
                    self._resolve_target(execution.operations[event["Id"]], event["ChainedInvokeStartedDetails"])
            for op_id in execution.unreported:
                if op_id not in changed:
                    changed.append(op_id)
            execution.unreported = []
            reply = {"NewExecutionState": {"Operations": [execution.operations[i].wire(True) for i in changed]}}
            if execution.closing is None and not execution.terminal:
                reply["CheckpointToken"] = execution.new_token()
            else:
                execution.token = None
            if client_token:
                execution.client_tokens[client_token] = (now, reply)
            self.cond.notify_all()
            return reply

    def state(self, arn, token, marker=None, max_items=None):
        with self.cond:
            execution = self.get(arn)
            if execution.token is None or token != execution.token:
                raise InvalidParameterValueException("Invalid checkpoint token.")
            operations = [op.wire(True) for op in execution.operations.values()]
        return _page(operations, "Operations", marker, max_items, 100)

    # ---------------------------------------------------------------- callbacks
    def complete_callback(self, callback_id, outcome, result=None, error=None):
        """SendDurableExecutionCallbackSuccess / Failure / Heartbeat."""
        with self.cond:
            arn, op_id = self.callbacks.get(callback_id, (None, None))
            if arn is None or arn not in self.executions:
                raise ResourceNotFoundException(f"Callback not found: {callback_id}")
            execution = self.executions[arn]
            op = execution.operations[op_id]
            if op.status != STARTED or execution.terminal:
                raise CallbackTimeoutException(f"Callback {callback_id} is already closed.")
            now = self.clock.now_ms()
            if outcome == "heartbeat":
                if op.heartbeat_s:
                    op.heartbeat_due_ms = now + op.heartbeat_s * 1000.0 / self._scale()
                return
            if outcome == "succeed":
                op.status, op.end_ms, op.details["Result"] = SUCCEEDED, now, result
                history.add(execution, "CallbackSucceeded", now, op, Result=history.result(result))
            else:
                op.status, op.end_ms, op.details["Error"] = FAILED, now, error
                history.add(execution, "CallbackFailed", now, op, Error=history.error(error))
            op.due_ms = op.heartbeat_due_ms = None
            execution.mark_updated(op_id, now)
            self.cond.notify_all()

    # ----------------------------------------------------------- stop and pause
    def stop(self, arn, error=None):
        with self.cond:
            execution = self.get(arn)
            if execution.terminal:
                raise InvalidParameterValueException(f"Durable execution {arn} has already ended.")
            now = self.clock.now_ms()
            self._finish(execution, STOPPED, now, error=error)
            return now

    def pause(self, arn, reason=None, timeout_paused=True):
        with self.cond:
            execution = self.get(arn)
            if execution.status != RUNNING:
                raise ResourceConflictException(f"Durable execution {arn} is {execution.status}, not RUNNING.")
            now = self.clock.now_ms()
            execution.pause = {"PauseRequestTimestamp": now, "ExecutionTimeoutPaused": timeout_paused,
                               "Reason": reason}
            execution.status = PAUSING if execution.running else PAUSED
            history.add(execution, "ExecutionPaused", now, PauseRequestTimestamp=now,
                        Reason=history.result(reason), ExecutionTimeoutPaused=timeout_paused)

    def resume(self, arn, reason=None):
        with self.cond:
            execution = self.get(arn)
            if execution.status not in (PAUSING, PAUSED):
                raise ResourceConflictException(f"Durable execution {arn} is {execution.status}, not paused.")
            now = self.clock.now_ms()
            if execution.pause["ExecutionTimeoutPaused"]:
                execution.paused_ms += now - execution.pause["PauseRequestTimestamp"]
                execution.paused_ms = min(execution.paused_ms,
                                          execution.start_ms + MAX_LIFETIME_MS - execution.timeout_ms()
                                          + execution.paused_ms)
            execution.status, execution.pause = RUNNING, None
            history.add(execution, "ExecutionResumed", now, ResumeRequestTimestamp=now, Reason=history.result(reason))
            if execution.updated or not execution.invocations:
                execution.ready_ms = now  # progress was owed while it was paused
            self.cond.notify_all()

    def delete(self, arn):
        with self.cond:
            execution = self.get(arn)
            if not execution.terminal:
                raise ResourceConflictException(f"Durable execution {arn} has not ended.")
            self._forget(execution)
            return self.clock.now_ms()

    def _forget(self, execution):
        self.executions.pop(execution.arn, None)
        for op in execution.operations.values():
            self.callbacks.pop(op.details.get("CallbackId"), None)

    # ------------------------------------------------------------ timers driver
    def _scale(self):
        return 1.0 if self.clock.virtual else self.time_scale

    def due_ms(self):
        with self.cond:
            due = [d for execution in self.executions.values() for d in _due(execution)]
        return min(due) if due else None

    def step(self, at_ms):
        launches, replay = [], None
        with self.cond:
            for execution in list(self.executions.values()):
                if execution.terminal:
                    if execution.end_ms + execution.config["RetentionPeriodInDays"] * DAY_MS <= at_ms:
                        self._forget(execution)
                    continue
                if execution.timeout_ms() <= at_ms:
                    self._finish(execution, TIMED_OUT, at_ms, error={
                        "ErrorType": "ExecutionTimedOut", "ErrorMessage": "The durable execution timed out."})
                    continue
                launches += self._fire_timers(execution, at_ms)
                if (replay is None and execution.ready_ms is not None and execution.ready_ms <= at_ms
                        and execution.status == RUNNING and not execution.running):
                    replay = execution
        for execution, op in launches:
            self._launch_chained_invoke(execution, op, at_ms)
        if replay is not None and not launches:
            self.invoke(replay)

    def _fire_timers(self, execution, at_ms):
        launches = []
        for op in execution.operations.values():
            if op.status in CLOSED:
                continue
            if op.due_ms is not None and op.due_ms <= at_ms:
                op.due_ms = None
                if op.type == "WAIT":
                    op.status, op.end_ms = SUCCEEDED, at_ms
                    history.add(execution, "WaitSucceeded", at_ms, op, Duration=op.details.get("_Duration"))
                elif op.type == "STEP" and op.status == PENDING:
                    op.status = READY
                elif op.type == "CALLBACK":
                    self._callback_timed_out(execution, op, at_ms, "Callback.Timeout", "Callback timed out")
                    continue
                elif op.type == "CHAINED_INVOKE":
                    launches.append((execution, op))
                    continue
                execution.mark_updated(op.id, at_ms)
            elif op.heartbeat_due_ms is not None and op.heartbeat_due_ms <= at_ms:
                self._callback_timed_out(execution, op, at_ms, "Callback.Heartbeat", "Callback heartbeat timed out")
        return launches

    def _callback_timed_out(self, execution, op, at_ms, error_type, message):
        op.status, op.end_ms, op.due_ms, op.heartbeat_due_ms = TIMED_OUT, at_ms, None, None
        op.details["Error"] = {"ErrorType": error_type, "ErrorMessage": message}
        history.add(execution, "CallbackTimedOut", at_ms, op, Error=history.error(op.details["Error"]))
        execution.mark_updated(op.id, at_ms)

    # ----------------------------------------------------------- chained invoke
    def _resolve_target(self, op, details):
        """The version a chained invoke will run and, for a durable target, its execution's ARN:
        known when the START is checkpointed, as ChainedInvokeStarted shows them."""
        runtime = self.runtime
        name, qualifier = split_name(op.details["_Target"])
        try:
            with runtime._lock:
                function = runtime._function(name)
                number, _ = function.resolve(qualifier, 0.0)
        except LambdaError:
            return  # the launch reports the error
        details["ExecutedVersion"] = number
        if function.durable_config is not None:
            op.details["_ChildId"] = self.clock.request_id()
            details["DurableExecutionArn"] = (f"{function_arn(name, number)}/durable-execution/"
                                              f"{op.details['_ChildId']}/{op.details['_ChildId']}")

    def _launch_chained_invoke(self, execution, op, at_ms):
        """Invoke a chained invoke's target: a durable one as its own execution, others once."""
        runtime = self.runtime
        target, payload = op.details["_Target"], op.details.get("_Input") or ""
        try:
            name, qualifier = split_name(target)
            with runtime._lock:
                function = runtime._function(name)
            if function.durable_config is not None:
                child, _ = runtime._start_durable(name, qualifier or "$LATEST", payload.encode(), None,
                                                  parent=(execution.arn, op.id), execution_id=op.details.get("_ChildId"))
                with self.cond:
                    op.details["_Child"] = child.arn
                return
            result = runtime._invoke_sync(*_target(runtime, name, qualifier), payload.encode(), None,
                                          invocation_type="Event", arrival_ms=at_ms, qualifier=qualifier)
            if self.clock.virtual and result.record:
                self.clock.advance_to(result.record.start_ms + result.record.duration_ms)
            output, error = _output(result)
            status, value = (FAILED, None) if error else (SUCCEEDED, result.payload.decode("utf-8"))
        except LambdaError as failure:
            status, value, error = FAILED, None, {"ErrorType": failure.code, "ErrorMessage": failure.message}
        self._chained_invoke_ended((execution.arn, op.id), status, value, error, self.clock.now_ms())

    def _chained_invoke_ended(self, parent, status, result, error, at_ms):
        with self.cond:
            execution = self.executions.get(parent[0])
            if execution is None or execution.terminal:
                return
            op = execution.operations[parent[1]]
            op.status, op.end_ms = status, at_ms
            if status == SUCCEEDED:
                op.details["Result"] = result
                history.add(execution, "ChainedInvokeSucceeded", at_ms, op, Result=history.result(result))
            else:
                op.details["Error"] = error
                kind = {TIMED_OUT: "ChainedInvokeTimedOut", STOPPED: "ChainedInvokeStopped"}.get(
                    status, "ChainedInvokeFailed")
                history.add(execution, kind, at_ms, op, Error=history.error(error))
            execution.mark_updated(op.id, at_ms)
            self.cond.notify_all()

    # --------------------------------------------------------------- settling
    def wait(self, execution, until_ms=None, timeout_s=None):
        """Let `execution` run until it ends (or `until_ms`, or nothing more is due on the
        virtual clock). On the real clock wait at most `timeout_s` seconds."""
        if self.clock.virtual:
            timers = self.runtime.timers
            while not execution.terminal:
                with self.cond:  # its own progress, not its timeout: a callback may never come
                    due = min(_due(execution, progress_only=True), default=None)
                if due is None or (until_ms is not None and due > until_ms):
                    break
                timers.run_until(due)
            return execution
        with self.cond:
            self.cond.wait_for(lambda: execution.terminal, timeout=timeout_s)
        return execution


# How many invocations in a row may end without the SDK's output (a crash, a timeout, an error
# outside the SDK) before the execution fails: AWS re-invokes after such an error (the conformance
# requirements show it) but does not publish how often; a lambdakit simulation parameter.
INVOCATION_RETRIES = 2
CLIENT_TOKEN_WINDOW_MS = 15 * 60_000.0     # botocore: duplicate ClientTokens within 15 minutes
MAX_LIFETIME_MS = 31_622_400_000.0         # a paused execution still ends 366 days after its start


def _due(execution, progress_only=False):
    if execution.terminal:
        if not progress_only:
            yield execution.end_ms + execution.config["RetentionPeriodInDays"] * DAY_MS
        return
    if not progress_only:
        yield execution.timeout_ms()
    if execution.ready_ms is not None and execution.status == RUNNING and not execution.running:
        yield execution.ready_ms
    for op in execution.operations.values():
        if op.status not in CLOSED:
            for due in (op.due_ms, op.heartbeat_due_ms):
                if due is not None:
                    yield due


def _target(runtime, name, qualifier):
    with runtime._lock:
        function = runtime._function(name)
        number, invoked_arn = function.resolve(qualifier, runtime.clock.random().random())
        return function, function.version(number), invoked_arn


def _output(result):
    """(the handler's durable output, an ErrorObject when the invocation itself failed)."""
    try:
        value = json.loads(result.payload) if result.payload else None
    except ValueError:
        value = None
    if result.function_error:
        value = value if isinstance(value, dict) else {}
        return None, {"ErrorType": value.get("errorType", "Unhandled"),
                      "ErrorMessage": value.get("errorMessage", ""),
                      **({"StackTrace": value["stackTrace"]} if isinstance(value.get("stackTrace"), list) else {})}
    return (value if isinstance(value, dict) else None), None


def _page(items, key, marker, max_items, default_size):
    try:
        start = int(marker or 0)
        size = int(max_items or 0) or default_size
    except ValueError:
        raise InvalidParameterValueException("Marker and MaxItems must be integers.")
    page = {key: items[start:start + size]}
    if start + size < len(items):
        page["NextMarker"] = str(start + size)
    return page


class DurableExecutionAlreadyStartedException(LambdaError):
    code = "DurableExecutionAlreadyStartedException"
    status = 409


class CallbackTimeoutException(LambdaError):
    code = "CallbackTimeoutException"
    status = 400

