"""What every poller shares: a record of each batch it invoked, how Lambda reads a function's
response to a batch (complete success, partial batch response, or complete failure), and
event filtering (FilterCriteria).
"""

import base64
import json
from dataclasses import dataclass

from ..core.errors import TooManyRequestsException

OK, PARTIAL, ERROR, THROTTLED = "ok", "partial", "error", "throttled"


@dataclass(frozen=True)
class BatchAttempt:
    """One invocation of the function with one batch."""
    at_ms: float
    source: str              # the queue ARN, or the shard id
    items: tuple             # message ids (SQS) or sequence numbers (streams), in order
    request_id: str | None
    outcome: str             # ok, partial, error or throttled
    failed: tuple = ()       # the items Lambda counts as failed
    end_ms: float | None = None


def invoke_batch(runtime, config, event, at_ms):
    """Invoke the mapping's function with `event` at `at_ms`; (InvocationResult or None if throttled)."""
    name, _, qualifier = config.function_arn.split(":", 6)[6].partition(":")
    try:
        return runtime.invoke_at(name, event, at_ms, qualifier=qualifier or None)
    except TooManyRequestsException:
        return None


def failed_items(result, items, reports_item_failures):
    """(outcome, failed items) for a batch, as Lambda reads the function's response.

    With ReportBatchItemFailures, the response's batchItemFailures name the failed items by
    itemIdentifier; an empty or missing list is complete success, and an identifier that is
    empty, missing or not in the batch makes the whole batch a failure. A function error
    (timeout and crash included) fails the whole batch."""
    if result is None:
        return THROTTLED, tuple(items)
    if result.function_error:
        return ERROR, tuple(items)
    if not reports_item_failures:
        return OK, ()
    try:
        response = json.loads(result.payload) if result.payload.strip() else None
    except ValueError:
        return ERROR, tuple(items)
    failures = response.get("batchItemFailures") if isinstance(response, dict) else None
    if not failures:
        return OK, ()
    if not isinstance(failures, list):
        return ERROR, tuple(items)
    failed = []
    for entry in failures:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not identifier or identifier not in items:
            return ERROR, tuple(items)
        failed.append(identifier)
    return PARTIAL, tuple(item for item in items if item in set(failed))


def end_of(result, at_ms):
    """When an invocation that started at `at_ms` ended."""
    if result is None or result.record is None:
        return at_ms
    record = result.record
    return record.start_ms + record.init_ms + record.duration_ms


# ------------------------------------------------------------------ filtering
def matches_any(patterns, record):
    """Whether a record passes FilterCriteria (any one pattern matches; no patterns: all pass).
    Patterns see the record with its body (SQS) or data (Kinesis) parsed when it is JSON."""
    if not patterns:
        return True
    view = _filter_view(record)
    return any(_match(json.loads(pattern), view) for pattern in patterns)


def _filter_view(record):
    view = dict(record)
    if "body" in view:
        view["body"] = _json_or_text(view["body"])
    if "kinesis" in view:
        kinesis = dict(view["kinesis"])
        kinesis["data"] = _json_or_text(base64.b64decode(kinesis["data"]).decode("utf-8", "replace"))
        view["kinesis"] = kinesis
        view["data"] = kinesis["data"]
    return view


def _json_or_text(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _match(pattern, value):
    if not isinstance(value, dict):
        return False
    for key, wanted in pattern.items():
        present = key in value
        if isinstance(wanted, dict):
            if not present or not _match(wanted, value[key]):
                return False
            continue
        if not any(_match_one(rule, present, value.get(key)) for rule in wanted):
            return False
    return True


def _match_one(rule, present, value):
    if isinstance(rule, dict):
        if "exists" in rule:
            return present == rule["exists"]
        if not present:
            return False
        if "prefix" in rule:
            return isinstance(value, str) and value.startswith(rule["prefix"])
        if "anything-but" in rule:
            banned = rule["anything-but"]
            return value not in (banned if isinstance(banned, list) else [banned])
        if "numeric" in rule:
            return isinstance(value, (int, float)) and _numeric(rule["numeric"], value)
        return False
    return present and value == rule


def _numeric(conditions, value):
    checks = {"=": value.__eq__, ">": value.__gt__, ">=": value.__ge__, "<": value.__lt__, "<=": value.__le__}
    return all(checks[op](bound) for op, bound in zip(conditions[::2], conditions[1::2]))
