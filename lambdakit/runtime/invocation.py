"""One invocation on one execution environment: INIT if cold, then INVOKE, and what came
of them: the payload or AWS's error, the figures of the record and the REPORT line."""

import json
import math
import os
import time

from ..core import limits, records
from ..core.clock import iso_ms
from ..core.records import InvocationRecord
from ..cost.pricing import billed_duration_ms
from . import logs, runtimes
from .environment import exit_text

# The 6 MB response quota as Lambda enforces and words it: "... maximum allowed payload
# size (6291556 bytes)", 100 bytes over 6 MiB.
RESPONSE_MAX_BYTES = limits.SYNC_PAYLOAD_MAX_BYTES + 100


class Invocation:
    """One invocation on one environment: INIT if cold, then INVOKE, and what came of them."""

    def __init__(self, service, env, version, request_id, arrival_ms, cold):
        self.service, self.env, self.version = service, env, version
        self.config = version.config
        self.request_id, self.arrival_ms, self.cold = request_id, arrival_ms, cold
        self.virtual = service.clock.virtual
        self.init_ms = 0.0
        self.init_error = None
        self.init_output = ""
        self.duration_ms = 0.0
        self.cpu_ms = 0.0
        self.output = ""
        self.payload = b""
        self.error_type = None
        self.outcome = records.OK
        self.keep = True
        self.peak_kb = 0
        self.timed_out_after = None  # "Task timed out after N.NN seconds" when it did
        self.init_report = None      # the INIT_REPORT line of an INIT that timed out or failed
        self.reinit_ms = None        # INIT run again inside the invocation ("suppressed init")
        self.reinit_output = ""

    # -- INIT --------------------------------------------------------------
    def init(self):
        """INIT, within its 10 s. When an on-demand environment's INIT runs out of them, Lambda
        starts it again and retries INIT at the first invocation, under the function's timeout
        (the "suppressed init"): that INIT then counts in the invocation's Duration."""
        message, watch, started = self._run_init(limits.INIT_TIMEOUT_S)
        timed_out = (message.kind == "deadline") if message else watch.reason == "timeout"
        if timed_out and self.env.initialization_type == "on-demand":
            self._retry_init_in_invoke(message, started)
        else:
            self.init_ms = self._end_init(message, watch, started, limits.INIT_TIMEOUT_S)
        self.env.end_init_burst()

    def _run_init(self, timeout_s):
        """Wait for the environment's INIT (at most `timeout_s`): (message, watch, start)."""
        started = time.monotonic()
        watchdog = self.service._pool.watchdog
        watch = watchdog.watch(self.env, timeout_s, self.config.memory_size)
        message = self.env.receive(("init", "deadline", "oom", "sandbox_error"))
        watchdog.unwatch(self.env)
        return message, watch, started

    def _retry_init_in_invoke(self, message, started):
        self.init_ms = limits.INIT_TIMEOUT_S * 1000.0 if self.virtual else (time.monotonic() - started) * 1000.0
        if message is not None:
            self.init_output = message.output
        self.init_report = self._init_report(self.init_ms, "init", "timeout")
        pool, env = self.service._pool, self.env
        env.close(graceful=False)
        pool.spawn(env, self.version, self.arrival_ms + self.init_ms, retried_init_timeout_s=self.config.timeout)
        first_output, self.init_output = self.init_output, ""
        message, watch, started = self._run_init(self.config.timeout)
        self.reinit_ms = self._end_init(message, watch, started, self.config.timeout)
        self.reinit_output, self.init_output = self.init_output, first_output
        if self.init_error is not None:  # the retry failed too: this invocation is over
            self.duration_ms = self.reinit_ms
            self.output = self.reinit_output + self._init_report(self.reinit_ms, "invoke") + "\n"

    def _init_report(self, duration_ms, phase, status=None):
        """AWS's INIT_REPORT line for an INIT that did not succeed (a JSON record in that format)."""
        error_type = self.init_error["errorType"] if self.init_error else None
        status = status or ("timeout" if error_type == "Sandbox.Timedout" else "error")
        if self.config.log_format == "JSON":
            return logs.init_report_record(self.arrival_ms + duration_ms, duration_ms, phase, status,
                                           None if status == "timeout" else error_type)
        return logs.init_report_line(duration_ms, phase, status, None if status == "timeout" else error_type)

    def _end_init(self, message, watch, started, limit_s):
        """What came of one INIT: ready, or the failure to report. Returns its duration (ms)."""
        env = self.env
        if message is None or message.kind != "init":
            return self._init_failed(message, watch, started, limit_s)
        error = message.error
        env.base_rss_kb = message.base_kb
        self.peak_kb = max(message.peak_kb, watch.peak_kb)
        self.init_output = message.output
        init_ms = (self.service.modelled.runtime_init_ms + message.elapsed_ms) if self.virtual \
            else (time.monotonic() - started) * 1000.0
        if error is not None:
            self.init_error = error
            if error["errorType"] == runtimes.INVALID_ENTRYPOINT:
                # Lambda's own words, not a runtime's (runtimes.exec_runtime sends them for the
                # platform): prefixed with the request id, and logged as "RequestId: ... Error: ...".
                self._fail_platform(error["errorMessage"], runtimes.INVALID_ENTRYPOINT, records.FUNCTION_ERROR)
                self.output += f"{json.loads(self.payload)['errorMessage']}\n{runtimes.INVALID_ENTRYPOINT}\n"
            else:
                self._fail(json.dumps(error).encode(), error["errorType"], records.FUNCTION_ERROR)
            self.keep = False
        elif self.peak_kb > self.config.memory_size * 1024:  # over the size between two samples
            self.init_error = {"errorType": "Runtime.OutOfMemory"}
            self._fail_platform("Runtime exited with error: signal: killed", "Runtime.OutOfMemory", records.OOM)
        return init_ms

    def _init_failed(self, message, watch, started, limit_s):
        """INIT ran past its time, ran out of memory, or the process died during it."""
        self.keep = False
        kind = message.kind if message else (watch.reason or self._killed_for_memory())
        init_ms = limit_s * 1000.0 if kind in ("deadline", "timeout") else (time.monotonic() - started) * 1000.0
        if kind == "sandbox_error":
            # Sent by the environment's own process, so handler code could send it too: it is
            # reported in the log as that environment's end, never raised in the kernel.
            self.init_output += f"[lambdakit] the environment could not be set up: {message.reason}\n"
            self.env.kill()
        elif message is not None:  # "deadline" or "oom", reported by the environment itself
            self.init_output, self.peak_kb = message.output, message.peak_kb
        self.peak_kb = max(self.peak_kb, watch.peak_kb)
        self.init_error = {"errorType": "Sandbox.Timedout" if kind in ("deadline", "timeout")
                           else "Runtime.OutOfMemory" if kind == "oom" else "Runtime.ExitError"}
        if kind in ("deadline", "timeout"):
            self.timed_out_after = f"Task timed out after {limit_s:.2f} seconds"
            self._fail_platform(self.timed_out_after, "Sandbox.Timedout", records.TIMEOUT)
        elif kind == "oom":
            self._fail_platform("Runtime exited with error: signal: killed", "Runtime.OutOfMemory", records.OOM)
        else:
            self.init_output += self._violation_note()
            status = self.env.zygote.wait_exit(self.env.pid)
            self.init_output += self.env.unread_output()
            self._fail_platform(self._exit_message(status), "Runtime.ExitError", records.CRASH)
        return init_ms

    # -- INVOKE ------------------------------------------------------------
    def invoke(self, body, invoked_arn, client_context, trace_id=None, stream=None):
        """INVOKE; a runtime that streams its response sends it to `stream` (a ResponseStream)
        as it goes, and nothing more reaches the stream once the invocation is over."""
        try:
            self._invoke(body, invoked_arn, client_context, trace_id, stream)
        finally:
            if stream is not None:
                stream.close()

    def _invoke(self, body, invoked_arn, client_context, trace_id, stream):
        env, service = self.env, self.service
        start_ms = self.arrival_ms + self.init_ms
        reinit_ms = self.reinit_ms or 0.0  # the timeout counts from the start of the invoke phase
        budget_s = self.config.timeout - reinit_ms / 1000.0
        deadline_ms = int(start_ms + self.config.timeout * 1000) if self.virtual \
            else int(time.time() * 1000 + budget_s * 1000)
        start_ms += reinit_ms
        request = {"request_id": self.request_id, "deadline_ms": deadline_ms,
                   "arn": invoked_arn, "now_ms": start_ms, "client_context": client_context,
                   "identity": None, "trace_id": trace_id or new_trace_id(self.request_id, start_ms)}
        started = time.monotonic()  # (the pool thawed the environment when it chose it)
        if stream is not None:
            stream.begin(self.request_id, self.version.number)
        sent = env.send(["invoke", request], body, stream)
        # Watched from after the send: a thread of a busy kernel may wait a long time for the
        # GIL, and that wait must not count against the function's timeout.
        watchdog = service._pool.watchdog
        watch = watchdog.watch(env, budget_s, self.config.memory_size)
        message = env.receive(("result", "deadline", "oom")) if sent else None
        watchdog.unwatch(env)
        elapsed_real = (time.monotonic() - started) * 1000.0 + reinit_ms
        env.invocations += 1
        self.output = self.reinit_output
        kind = message.kind if message else (watch.reason or self._killed_for_memory())
        if kind == "result" and watch.reason:
            # The watchdog ended it after it answered, while this thread waited for the GIL
            # (a kernel running a thousand senders): the answer stands, the environment is gone.
            self.keep = False
        if kind == "result":
            outcome, payload = message.outcome, message.body
            self.duration_ms = (message.elapsed_ms + reinit_ms) if self.virtual else elapsed_real
            self.cpu_ms = message.cpu_ms
            self.output += message.output
            self.peak_kb = max(self.peak_kb, message.peak_kb)
            if self.peak_kb > self.config.memory_size * 1024:
                self._fail_platform("Runtime exited with error: signal: killed", "Runtime.OutOfMemory", records.OOM)
            elif outcome == "error":
                self._fail(payload, json.loads(payload).get("errorType"), records.FUNCTION_ERROR)
            elif outcome == "too_large":
                self._fail(json.dumps({
                    "errorMessage": "Response payload size exceeded maximum allowed payload size "
                                    f"({RESPONSE_MAX_BYTES} bytes).",
                    "errorType": "Function.ResponseSizeTooLarge"}).encode(),
                    "Function.ResponseSizeTooLarge", records.FUNCTION_ERROR)
            else:
                self.payload = payload
            return
        self.keep = False
        if message is not None:  # "deadline" or "oom", reported by the environment itself
            self.output += message.output
            self.peak_kb = max(self.peak_kb, message.peak_kb)
        self.peak_kb = max(self.peak_kb, watch.peak_kb)
        if kind in ("deadline", "timeout"):
            self.duration_ms = self.config.timeout * 1000.0
            self.timed_out_after = f"Task timed out after {self.config.timeout:.2f} seconds"
            self._fail_platform(self.timed_out_after, "Sandbox.Timedout", records.TIMEOUT)
        elif kind == "oom":
            self.duration_ms = elapsed_real if not self.virtual else reinit_ms
            self._fail_platform("Runtime exited with error: signal: killed", "Runtime.OutOfMemory", records.OOM)
        else:
            self.duration_ms = elapsed_real if not self.virtual else reinit_ms
            self.output += self._violation_note()
            self.output += env.unread_output()
            self._fail_platform(self._exit_message(env.zygote.wait_exit(env.pid)),
                                "Runtime.ExitError", records.CRASH)

    def _violation_note(self):
        """lambdakit's line saying why it ended an environment that broke the channel's rules."""
        if self.env.violation is None:
            return ""
        return (f"[lambdakit] the runtime sent the service {self.env.violation}; "
                "the environment was stopped\n")

    def _killed_for_memory(self):
        """"oom" when the process died at its memory group's hard limit (the kernel was faster
        than the watchdog), else None."""
        return "oom" if self.env.killed_for_memory() else None

    def _exit_message(self, status):
        if status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            return "Runtime exited without providing a reason"
        return f"Runtime exited with error: {exit_text(status)}"

    def _fail(self, payload, error_type, outcome):
        self.payload, self.error_type, self.outcome = payload, error_type, outcome

    def _fail_platform(self, text, error_type, outcome):
        """A failure the platform reports (not the runtime): AWS's two-field error payload."""
        self.keep = False
        message = f"RequestId: {self.request_id} Error: {text}"
        self._fail(json.dumps({"errorMessage": message, "errorType": error_type}).encode(),
                   error_type, outcome)

    # -- results -------------------------------------------------------------
    @property
    def end_ms(self):
        return self.arrival_ms + self.init_ms + self.duration_ms

    def finish(self):
        """Work out the figures the record and the REPORT line share; call once, at the end."""
        if self.virtual:
            grown = max(0, self.peak_kb - self.env.base_rss_kb) // 1024
            used = self.service.modelled.runtime_memory_mb + grown
        else:
            used = math.ceil(self.peak_kb / 1024)
        if self.outcome == records.OOM:
            # Killed on crossing the limit: what was in use then is at least the memory size,
            # whatever the last sample before the kill saw.
            used = max(used, self.config.memory_size)
        self.max_memory_used_mb = used
        # Since 1 Aug 2025 on-demand functions are billed for INIT too; whole ms, rounded up.
        self.billed_ms = billed_duration_ms(self.duration_ms, self.init_ms)

    def record(self, invocation_type, attempt=1, provisioned=False):
        config = self.config
        return InvocationRecord(
            function=config.name, version=self.version.number, request_id=self.request_id,
            environment_id=self.env.id, start_ms=self.arrival_ms, init_ms=self.init_ms,
            duration_ms=self.duration_ms, billed_ms=self.billed_ms, memory_mb=config.memory_size,
            max_memory_used_mb=self.max_memory_used_mb, cold=self.cold, outcome=self.outcome,
            architecture=config.architecture, ephemeral_storage_mb=config.ephemeral_storage,
            invocation_type=invocation_type, attempt=attempt, cpu_ms=self.cpu_ms,
            provisioned=provisioned, error_type=self.error_type)

    def log_lines(self):
        status = error_type = None
        if self.outcome == records.TIMEOUT:
            status = "timeout"
        elif self.outcome in (records.OOM, records.CRASH) or self.init_error:
            status, error_type = "error", self.error_type
        init_ms = self.init_ms if self.cold and self.init_report is None else None
        lines = logs.split_output(self.init_output) if self.init_output else []
        if self.init_report is not None:
            lines.append(self.init_report)
        if self.config.log_format == "JSON":
            lines.append(logs.start_record(self.arrival_ms + self.init_ms, self.request_id, self.version.number))
            if self.output:
                lines += logs.split_output(self.output)
            lines.append(logs.report_record(
                self.end_ms, self.request_id, self.duration_ms, self.billed_ms, self.config.memory_size,
                self.max_memory_used_mb, init_ms, status, error_type))
            return lines
        lines.append(logs.start_line(self.request_id, self.version.number))
        if self.output:
            lines += logs.split_output(self.output)
        lines.append(logs.end_line(self.request_id))
        lines.append(logs.report_line(
            self.request_id, self.duration_ms, self.billed_ms, self.config.memory_size,
            self.max_memory_used_mb, init_ms, status, error_type))
        if self.timed_out_after is not None:
            # AWS logs the timeout after REPORT: "<timestamp> <request id> Task timed out after 3.00 seconds".
            lines.append(f"{iso_ms(self.end_ms)} {self.request_id} {self.timed_out_after}")
        return lines



def new_trace_id(request_id, start_ms):
    epoch_hex = format(int(start_ms // 1000), "08x")
    return f"Root=1-{epoch_hex}-{request_id.replace('-', '')[:24]};Parent={request_id.replace('-', '')[-16:]};Sampled=0;Lineage=1:{request_id[:8]}:0"

