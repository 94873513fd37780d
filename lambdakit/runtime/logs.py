"""CloudWatch-style logs: a log group per function, a stream per environment, AWS's line formats.

With the JSON log format the platform's lines become JSON records as well: `platform.start`
and `platform.report` (the other platform records, initStart and runtimeDone, are not
produced here).
"""

import json
import threading
from collections import deque
from typing import NamedTuple

from ..core.clock import iso_ms

# What each log stream keeps; older events are dropped so a long session stays small
# (an invocation may log up to 256 KB, and a load test invokes thousands of times).
STREAM_EVENTS_KEPT = 10_000
STREAM_CHARS_KEPT = 8 * 1024 * 1024


def log_group(function_name):
    return f"/aws/lambda/{function_name}"


def stream_name(epoch_ms, version, hex32):
    """`2026/11/22/[$LATEST]8a1b...`: the creation date, the version, 32 hex characters."""
    day = iso_ms(epoch_ms)[:10].replace("-", "/")
    return f"{day}/[{version}]{hex32}"


def start_line(request_id, version):
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id):
    return f"END RequestId: {request_id}"


def report_line(request_id, duration_ms, billed_ms, memory_mb, max_used_mb, init_ms=None,
                status=None, error_type=None):
    """AWS's REPORT line: tab-separated fields; a trailing tab unless a Status field ends it."""
    fields = [f"REPORT RequestId: {request_id}", f"Duration: {duration_ms:.2f} ms",
              f"Billed Duration: {billed_ms} ms", f"Memory Size: {memory_mb} MB",
              f"Max Memory Used: {max_used_mb} MB"]
    if init_ms is not None:
        fields.append(f"Init Duration: {init_ms:.2f} ms")
    if status is None:
        return "\t".join(fields) + "\t"
    fields.append(f"Status: {status}")
    if error_type:
        fields.append(f"Error Type: {error_type}")
    return "\t".join(fields)


def init_report_line(duration_ms, phase, status, error_type=None):
    """AWS's INIT_REPORT line, logged when INIT timed out or failed: phase "init", or "invoke"
    for the INIT retried inside the first invocation."""
    fields = [f"INIT_REPORT Init Duration: {duration_ms:.2f} ms", f"Phase: {phase}", f"Status: {status}"]
    if error_type:
        fields.append(f"Error Type: {error_type}")
    return "\t".join(fields)


def init_report_record(time_ms, duration_ms, phase, status, error_type=None):
    """`platform.initReport`, the INIT_REPORT line in the JSON log format."""
    record = {"initializationType": "on-demand", "phase": phase, "status": status,
              "metrics": {"durationMs": round(duration_ms, 3)}}
    if error_type:
        record["errorType"] = error_type
    return platform_record("initReport", time_ms, record)


def platform_record(kind, time_ms, record):
    """A platform log record in the JSON log format, e.g. kind "start" or "report"."""
    return json.dumps({"time": iso_ms(time_ms), "type": f"platform.{kind}", "record": record},
                      separators=(",", ":"))


def start_record(time_ms, request_id, version):
    return platform_record("start", time_ms, {"requestId": request_id, "version": version})


def report_record(time_ms, request_id, duration_ms, billed_ms, memory_mb, max_used_mb, init_ms=None,
                  status=None, error_type=None):
    """`platform.report`: the REPORT line's figures, and the same status when it has one."""
    metrics = {"durationMs": round(duration_ms, 3), "billedDurationMs": billed_ms,
               "memorySizeMB": memory_mb, "maxMemoryUsedMB": max_used_mb}
    if init_ms is not None:
        metrics["initDurationMs"] = round(init_ms, 3)
    record = {"requestId": request_id, "metrics": metrics, "status": status or "success"}
    if error_type:
        record["errorType"] = error_type
    return platform_record("report", time_ms, record)


class LogEvent(NamedTuple):
    timestamp_ms: float
    message: str


class LogStore:
    """All log groups of a runtime; thread-safe, bounded per stream."""

    def __init__(self):
        self._streams = {}  # (group, stream) -> deque[LogEvent]
        self._chars = {}    # (group, stream) -> characters of its messages
        self._lock = threading.Lock()

    def append(self, group, stream, timestamp_ms, messages):
        key = (group, stream)
        with self._lock:
            events = self._streams.get(key)
            if events is None:
                events = self._streams[key] = deque()
            events.extend([LogEvent(timestamp_ms, m) for m in messages])
            chars = self._chars.get(key, 0) + sum(map(len, messages))
            while len(events) > STREAM_EVENTS_KEPT or chars > STREAM_CHARS_KEPT:
                chars -= len(events.popleft().message)
            self._chars[key] = chars

    def streams(self, group):
        with self._lock:
            return [s for g, s in self._streams if g == group]

    def events(self, group, stream=None):
        """Events of one stream, or of the whole group in time order."""
        with self._lock:
            chosen = [list(e) for (g, s), e in self._streams.items()
                      if g == group and (stream is None or s == stream)]
        return sorted((event for events in chosen for event in events), key=lambda e: e.timestamp_ms)

    def delete_group(self, group):
        with self._lock:
            for key in [k for k in self._streams if k[0] == group]:
                del self._streams[key], self._chars[key]


def split_output(text):
    """Handler output as log events: one per line, except `[ERROR]` blocks that AWS keeps whole."""
    if not text:
        return []
    events, block = [], None
    for line in text.splitlines():
        if line.startswith("[ERROR]") and block is None:
            block = [line]
        elif block is not None and (line.startswith("\u00a0") or line == "Traceback (most recent call last):"):
            block.append(line)
        else:
            if block:
                events.append("\n".join(block))
                block = None
            events.append(line)
    if block:
        events.append("\n".join(block))
    return events
