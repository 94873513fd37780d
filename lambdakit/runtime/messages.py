"""What an execution environment may tell the service, checked field by field.

The environment's half of the runtime writes these (bootstrap.py), but so could any
handler code that finds the pipe's descriptor: the service reads nothing it has not
checked here. A message of another shape raises ProtocolError, and the service ends
that environment.

    ["init", has_error, elapsed_ms, base_kb, cpu_ms, output, peak_kb]   bytes: the INIT error payload
    ["result", outcome, elapsed_ms, cpu_ms, output, peak_kb]           bytes: the response or error body
    ["deadline", cpu_ms, output, peak_kb]       virtual time reached the timeout
    ["oom", cpu_ms, output, peak_kb]            the address-space guard tripped
    ["sandbox_error", reason]                   the environment could not be set up
"""

import json
import math
from typing import NamedTuple

from .channel import ProtocolError

OUTCOMES = ("ok", "error", "too_large")
_ERROR_FIELDS = ("errorMessage", "errorType", "requestId", "stackTrace")
_REASON_CHARS = 2_000


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _kilobytes(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 40


def _text(value):
    return isinstance(value, str)


def _flag(value):
    return isinstance(value, bool)


def _outcome(value):
    return value in OUTCOMES


_FIELDS = {
    "init": (_flag, _number, _kilobytes, _number, _text, _kilobytes),
    "result": (_outcome, _number, _number, _text, _kilobytes),
    "deadline": (_number, _text, _kilobytes),
    "oom": (_number, _text, _kilobytes),
    "sandbox_error": (_text,),
}


class Reply(NamedTuple):
    """One message from an environment, as the service uses it."""
    kind: str
    cpu_ms: float = 0.0
    output: str = ""
    peak_kb: int = 0
    elapsed_ms: float = 0.0
    base_kb: int = 0
    error: dict | None = None   # init: the INIT error payload, when INIT failed
    outcome: str = "ok"         # result: ok, error (body is the error payload) or too_large
    body: bytes = b""           # result: the response or error payload
    reason: str = ""            # sandbox_error


def parse(message, blob):
    """The Reply for a (message, blob) from Channel.recv(); ProtocolError if it is not one."""
    kind, fields = message[0], message[1:]
    checks = _FIELDS.get(kind)
    if checks is None or len(fields) != len(checks) or not all(c(v) for c, v in zip(checks, fields)):
        raise ProtocolError(f"a message of unknown kind or shape ({kind[:40]!r})")
    if kind == "init":
        has_error, elapsed, base_kb, cpu, output, peak = fields
        return Reply(kind, cpu, output, peak, elapsed, base_kb, _error_payload(blob) if has_error else None)
    if kind == "result":
        outcome, elapsed, cpu, output, peak = fields
        if outcome == "error":
            _error_payload(blob)
        return Reply(kind, cpu, output, peak, elapsed, outcome=outcome, body=blob)
    if kind == "sandbox_error":
        return Reply(kind, reason=fields[0][:_REASON_CHARS])
    cpu, output, peak = fields
    return Reply(kind, cpu, output, peak)


def _error_payload(blob):
    """An error payload as the runtime builds it (bootstrap.make_error)."""
    try:
        error = json.loads(blob)
    except (ValueError, RecursionError):
        raise ProtocolError("an error payload that is not JSON") from None
    if not (isinstance(error, dict) and all(_text(error.get(k)) for k in _ERROR_FIELDS[:3])
            and isinstance(error.get("stackTrace"), list) and all(map(_text, error["stackTrace"]))):
        raise ProtocolError("an error payload without AWS's fields")
    return error
