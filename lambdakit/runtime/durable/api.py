"""Durable functions as the Runtime's API (mixed into Runtime, as async_invoke.py is): starting
executions from Invoke, the checkpoint API the SDK calls from inside the handler, and the
management operations (Get, List, History, Stop, Pause, Resume, Delete, callbacks).

Replies are shaped as the REST API sends them (timestamps in epoch seconds), so the REST front
only serializes them.
"""

import json
import re

from ...core.errors import InvalidParameterValueException, validation_error
from ..layers import installed_layer
from ..functions import LATEST
from ..result import InvocationResult
from . import history
from .model import SUCCEEDED, TERMINAL
from .service import DurableService, _page

SYNC_INVOKE_LIMIT_S = 900   # "Synchronous invocations are limited to 15 minutes" (durable-invoking)
_NAME_RE = re.compile(r"[a-zA-Z0-9\-_]{1,64}")
STATUSES = ("RUNNING", "PAUSING", "PAUSED", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED", "DELETING")


class DurableExecutions:
    """Mixed into Runtime."""

    @property
    def _durable(self):
        with self._lock:
            service = self.__dict__.get("_durable_service")
            if service is None:
                service = self.__dict__["_durable_service"] = DurableService(self)
                self.timers.add(service)
            return service

    @property
    def durable_time_scale(self):
        """Real clock only: waits, retry delays and callback timeouts last their time divided by
        this (1.0 = as on AWS). The virtual clock needs none: a one-day wait takes no real time."""
        return self._durable.time_scale

    @durable_time_scale.setter
    def durable_time_scale(self, scale):
        if not scale > 0:
            raise InvalidParameterValueException("durable_time_scale must be a positive number.")
        self._durable.time_scale = float(scale)

    # ------------------------------------------------------------------ start
    def _invoke_durable(self, function, version, qualifier, body, invocation_type, execution_name):
        if qualifier is None:
            raise InvalidParameterValueException(
                "Durable execution is not supported on an unqualified function name. "
                "Use a version, an alias or $LATEST.")
        execution, new = self._start_durable(function.name, qualifier, body, execution_name, version=version)
        service = self._durable
        if invocation_type == "Event":
            if new and self.clock.virtual:
                service.invoke(execution)  # as the async queue does: the same records on every run
            return InvocationResult(202, b"", self.clock.request_id(), None, None, "",
                                    durable_execution_arn=execution.arn)
        if new:
            service.invoke(execution, "RequestResponse")
        limit_s = min(SYNC_INVOKE_LIMIT_S, execution.config["ExecutionTimeout"])
        service.wait(execution, until_ms=execution.start_ms + limit_s * 1000.0, timeout_s=limit_s)
        return _sync_result(execution, self.clock.request_id())

    def _start_durable(self, name, qualifier, body, execution_name, version=None, parent=None, execution_id=None):
        if execution_name is not None and not _NAME_RE.fullmatch(str(execution_name)):
            raise validation_error(execution_name, "durableExecutionName",
                                   "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+")
        with self._lock:
            function = self._function(name)
            if version is None:
                number, _ = function.resolve(None if qualifier == LATEST else qualifier, 0.0)
                version = function.version(number)
        # The SDK inside the handler reaches the checkpoint API through boto3's usual
        # AWS_ENDPOINT_URL_LAMBDA, as handlers reach other local services.
        self.handler_environment.setdefault("AWS_ENDPOINT_URL_LAMBDA", self.endpoint_url)
        return self._durable.start(function, version, qualifier, body, execution_name, parent, execution_id)

    # ------------------------------------------------------ checkpoint API (SDK)
    def checkpoint_durable_execution(self, durable_execution_arn, checkpoint_token, updates,
                                     client_token=None):
        """CheckpointDurableExecution: what the SDK in the handler calls to record progress."""
        return self._durable.checkpoint(durable_execution_arn, checkpoint_token, updates, client_token)

    def get_durable_execution_state(self, durable_execution_arn, checkpoint_token, marker=None, max_items=None):
        return self._durable.state(durable_execution_arn, checkpoint_token, marker, max_items)

    # ------------------------------------------------------------- management
    def get_durable_execution(self, durable_execution_arn, include_execution_data=False):
        execution = self._durable.get(durable_execution_arn)
        with self._durable.cond:
            return _describe(execution, include_execution_data)

    def list_durable_executions_by_function(self, function_name, qualifier=None, durable_execution_name=None,
                                            statuses=None, started_after=None, started_before=None,
                                            reverse_order=False, marker=None, max_items=None):
        """ListDurableExecutionsByFunction; started_after/before are epoch seconds."""
        with self._lock:
            self._function(function_name)
        for status in statuses or ():
            if status not in STATUSES:
                raise validation_error(status, "statuses", f"Member must satisfy enum value set: {list(STATUSES)}")
        with self._durable.cond:
            found = [e for e in self._durable.executions.values() if e.function == function_name
                     and (qualifier is None or e.qualifier == qualifier or e.version == qualifier)
                     and (durable_execution_name is None or e.name == durable_execution_name)
                     and (not statuses or e.status in statuses)
                     and (started_after is None or e.start_ms >= started_after * 1000.0)
                     and (started_before is None or e.start_ms < started_before * 1000.0)]
            summaries = [_summary(e) for e in (reversed(found) if reverse_order else found)]
        return _page(summaries, "DurableExecutions", marker, max_items, 1000)

    def get_durable_execution_history(self, durable_execution_arn, include_execution_data=False, marker=None,
                                      max_items=None, reverse_order=False):
        execution = self._durable.get(durable_execution_arn)
        with self._durable.cond:
            events = [history.shaped(e, include_execution_data) for e in execution.events]
        return _page(events[::-1] if reverse_order else events, "Events", marker, max_items, 1000)

    def stop_durable_execution(self, durable_execution_arn, error=None):
        return {"StopTimestamp": self._durable.stop(durable_execution_arn, error) / 1000.0}

    def pause_durable_execution(self, durable_execution_arn, reason=None, execution_timeout_paused=True,
                                client_token=None):
        self._durable.pause(durable_execution_arn, reason, execution_timeout_paused)

    def resume_durable_execution(self, durable_execution_arn, reason=None, client_token=None):
        self._durable.resume(durable_execution_arn, reason)

    def delete_durable_execution(self, durable_execution_arn):
        return {"DeletionRequestTimestamp": self._durable.delete(durable_execution_arn) / 1000.0}

    def send_durable_execution_callback_success(self, callback_id, result=b""):
        """Complete a callback (the approval a workflow waits for). `result` is the raw payload."""
        text = result.decode("utf-8") if isinstance(result, (bytes, bytearray)) else result
        self._durable.complete_callback(callback_id, "succeed", result=text)

    def send_durable_execution_callback_failure(self, callback_id, error=None):
        self._durable.complete_callback(callback_id, "fail", error=error or {})

    def send_durable_execution_callback_heartbeat(self, callback_id):
        self._durable.complete_callback(callback_id, "heartbeat")

    # ------------------------------------------------------ lambdakit's own
    def wait_durable_execution(self, durable_execution_arn, timeout=60.0):
        """Let an execution run to its end and describe it. On the virtual clock this moves the
        clock through its waits and retries (a week of them takes no real time) and stops early
        only when nothing more is due (it waits for a callback); on the real clock it waits at
        most `timeout` seconds."""
        self._durable.wait(self._durable.get(durable_execution_arn), timeout_s=timeout)
        return self.get_durable_execution(durable_execution_arn, include_execution_data=True)

    def durable_executions(self):
        """Every durable execution of this runtime (summaries as ListDurableExecutionsByFunction
        gives them), in start order, whatever its function."""
        with self._durable.cond:
            return [_summary(e) for e in self._durable.executions.values()]

    def durable_execution(self, durable_execution_arn):
        """The execution itself (lambdakit.runtime.durable.model.Execution): its operations,
        events and invocations (each with its InvocationRecord), for widgets and lessons."""
        return self._durable.get(durable_execution_arn)

    def durable_sdk_layer(self, layer_name="aws-durable-execution-sdk-python"):
        """Publish AWS's durable execution SDK, from this Python's installed distribution, as a
        layer (as a learner would package it); returns the LayerVersionArn."""
        return self.publish_layer_version(layer_name, installed_layer("aws-durable-execution-sdk-python"),
                                          description="AWS durable execution SDK for Python",
                                          compatible_runtimes=("python3.11", "python3.12", "python3.13",
                                                               "python3.14"))["LayerVersionArn"]


def _describe(execution, include_data):
    described = {**_summary(execution), "Version": execution.version,
                 "DurableConfig": dict(execution.config),
                 "ExpectedExecutionTimeoutTimestamp": execution.timeout_ms() / 1000.0,
                 "ExecutionDataIncluded": bool(include_data)}
    if include_data:
        described["InputPayload"] = execution.input_payload
        if execution.result is not None:
            described["Result"] = execution.result
    if execution.error is not None:
        described["Error"] = execution.error
    if execution.pause is not None:
        described["PauseDetails"] = {k: (v / 1000.0 if k.endswith("Timestamp") else v)
                                     for k, v in execution.pause.items() if v is not None}
    return described


def _summary(execution):
    summary = {"DurableExecutionArn": execution.arn, "DurableExecutionName": execution.name,
               "FunctionArn": execution.arn.split("/durable-execution/")[0], "Status": execution.status,
               "StartTimestamp": execution.start_ms / 1000.0}
    if execution.end_ms is not None:
        summary["EndTimestamp"] = execution.end_ms / 1000.0
    return summary


def _sync_result(execution, request_id):
    """Invoke's reply once the execution ended (or the synchronous limit passed)."""
    last = execution.invocations[-1].record if execution.invocations else None
    if execution.status == SUCCEEDED:
        payload, error = (execution.result or "").encode(), None
    elif execution.status in TERMINAL:
        error = execution.error or {}
        payload = json.dumps({"errorType": error.get("ErrorType", execution.status),
                              "errorMessage": error.get("ErrorMessage", "")}).encode()
    else:  # lambdakit's own answer: AWS does not document what a caller gets here
        error = True
        payload = json.dumps({"errorType": "lambdakit.SynchronousLimitExceeded",
                              "errorMessage": f"The durable execution is still {execution.status} after the "
                                              f"{SYNC_INVOKE_LIMIT_S} s synchronous invocation limit; "
                                              "invoke with InvocationType Event for longer workflows."}).encode()
    return InvocationResult(200, payload, request_id, execution.version, "Unhandled" if error else None, "",
                            last, durable_execution_arn=execution.arn)
