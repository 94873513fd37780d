"""What an invocation returns to its caller: AWS's Invoke response plus the invocation's record."""

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class InvocationResult:
    status_code: int               # 200 RequestResponse, 202 Event, 204 DryRun
    payload: bytes
    request_id: str
    executed_version: str | None
    function_error: str | None     # "Unhandled" when the function failed
    log: str                       # this invocation's log lines, START to REPORT
    record: object = None          # the InvocationRecord (None for Event and DryRun)
    durable_execution_arn: str | None = None  # the durable execution a durable function's Invoke started

    @property
    def result(self):
        """The payload parsed as JSON (what a handler returned, or its error object)."""
        return json.loads(self.payload) if self.payload else None

    @property
    def error_type(self):
        return self.result.get("errorType") if self.function_error else None

    @property
    def log_tail(self):
        """The last 4 KB of the log, as `LogType=Tail` returns it (before base64)."""
        from ..core.limits import LOG_TAIL_BYTES
        return self.log.encode()[-LOG_TAIL_BYTES:].decode("utf-8", "ignore")

    @property
    def report(self):
        """The REPORT line (its `platform.report` record with the JSON log format)."""
        return next((line for line in self.log.splitlines()
                     if line.startswith("REPORT ") or line.startswith('{"time":') and '"type":"platform.report"' in line),
                    None)

    def __getattr__(self, name):
        # cold, init_ms, duration_ms, billed_ms, max_memory_used_mb, ... come from the record
        record = self.__dict__.get("record")
        if record is not None and hasattr(record, name):
            return getattr(record, name)
        raise AttributeError(name)

    def __repr__(self):
        head = f"InvocationResult(status={self.status_code}, request_id={self.request_id}"
        if self.function_error:
            head += f", function_error={self.function_error}"
        return head + f", payload={self.payload.decode('utf-8', 'replace')[:200]})"
