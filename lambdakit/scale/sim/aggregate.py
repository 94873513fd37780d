"""Invocation records in, a SimReport out: streamed, so memory does not grow with invocations.

Feed records in the order their executions start (the simulator does; sort a real run's
records by `start_ms` first). Concurrency at any moment is the number of executions that
started at or before it and end after it; an execution occupies its environment for INIT
plus INVOKE. Time in the report runs from `origin_ms`; the simulator passes each record's
start on that axis itself, because an epoch timestamp has lost the sub-microsecond digits
that decide whether one execution ends before the next begins.
"""

import math
from collections import Counter
from heapq import heappop, heappush

from ...cost.billing import init_billed_ms
from ..async_retry import EVENT_AGE_EXCEEDED, RETRIES_EXHAUSTED, SUCCESS
from ...core.records import FUNCTION_ERROR, THROTTLED, TIMEOUT
from .queues import PROCESSED, wait_bucket_ms
from .report import (AsyncTotals, ConcurrencySeries, FunctionReport, LatencyHistogram, QueueTotals, SimReport,
                     VersionTotals)

_ASYNC_ENDINGS = {SUCCESS: "succeeded", RETRIES_EXHAUSTED: "retries_exhausted",
                  EVENT_AGE_EXCEEDED: "event_age_exceeded"}
_DELIVERIES = {"on_success": "to_on_success", "on_failure": "to_on_failure",
               "dead_letter_queue": "to_dead_letter_queue"}


def latency_ms(init_ms, duration_ms):
    """The latency a caller waits, rounded up to the ms: the histograms' bucket."""
    return math.ceil(init_ms + duration_ms)


def bucket_count(end_ms, bucket_ms):
    """Buckets from time 0 up to and including the one that holds `end_ms`."""
    return int(end_ms // bucket_ms) + 1


class SeriesColumns:
    """The growing columns of a ConcurrencySeries, one entry per closed bucket."""

    def __init__(self, bucket_ms):
        self.bucket_ms = bucket_ms
        self.peak, self.invocations, self.cold_starts, self.throttles = [], [], [], []

    def __len__(self):
        return len(self.peak)

    def append(self, peak, invocations, cold_starts, throttles):
        self.peak.append(peak)
        self.invocations.append(invocations)
        self.cold_starts.append(cold_starts)
        self.throttles.append(throttles)

    def freeze(self):
        return ConcurrencySeries(self.bucket_ms, tuple(self.peak), tuple(self.invocations),
                                 tuple(self.cold_starts), tuple(self.throttles))


class SeriesBuilder:
    """Concurrency over time from executions given in start order."""

    def __init__(self, bucket_ms):
        self.columns = SeriesColumns(bucket_ms)
        self._ends = []                       # heap: end times of running executions
        self._peak = self._invocations = self._cold = self._throttles = 0

    def ran(self, start_ms, end_ms, cold):
        self._reach(start_ms)
        ends = self._ends
        while ends and ends[0] <= start_ms:
            heappop(ends)
        heappush(ends, end_ms)
        self._invocations += 1
        self._cold += cold
        self._peak = max(self._peak, len(ends))

    def throttled(self, at_ms):
        self._reach(at_ms)
        self._throttles += 1

    def freeze(self, end_ms):
        while len(self.columns) < bucket_count(end_ms, self.columns.bucket_ms):
            self._close()
        return self.columns.freeze()

    def _reach(self, at_ms):
        while at_ms >= (len(self.columns) + 1) * self.columns.bucket_ms:
            self._close()

    def _close(self):
        self.columns.append(self._peak, self._invocations, self._cold, self._throttles)
        boundary = len(self.columns) * self.columns.bucket_ms
        ends = self._ends
        while ends and ends[0] <= boundary:
            heappop(ends)
        self._peak = len(ends)
        self._invocations = self._cold = self._throttles = 0


class Aggregator:
    """Counts records, requests and async endings into a SimReport."""

    def __init__(self, bucket_ms, origin_ms=0.0, functions=()):
        self.bucket_ms = bucket_ms
        self.origin_ms = origin_ms
        self._versions = {}          # (function, version) -> (memory, architecture, Counter)
        self._functions = {}         # function -> _FunctionCounts
        self._account = SeriesBuilder(bucket_ms)
        for name in functions:       # reported even if no request ever reaches them
            self._function(name)

    def _function(self, name):
        if name not in self._functions:
            self._functions[name] = _FunctionCounts(self.bucket_ms)
        return self._functions[name]

    def request(self, function):
        self._function(function).requests += 1

    def add(self, record, start_ms=None):
        """Count one attempt; `start_ms` is its start on the report's time axis."""
        start = record.start_ms - self.origin_ms if start_ms is None else start_ms
        fn = self._function(record.function)
        key = (record.function, record.version)
        if key not in self._versions:
            self._versions[key] = (record.memory_mb, record.architecture, Counter())
        counts = self._versions[key][2]
        if record.outcome == THROTTLED:
            counts["throttles"] += 1
            fn.throttles[record.error_type] += 1
            fn.series.throttled(start)
            self._account.throttled(start)
            return
        end = start + record.init_ms + record.duration_ms
        counts["invocations"] += 1
        counts["cold_starts"] += record.cold
        counts["timeouts"] += record.outcome == TIMEOUT
        counts["function_errors"] += record.outcome == FUNCTION_ERROR
        if record.provisioned:
            counts["provisioned_invocations"] += 1
            counts["provisioned_billed_ms"] += record.billed_ms
        else:
            counts["billed_ms"] += record.billed_ms
            counts["init_billed_ms"] += init_billed_ms(record)
        latency = fn.latency_cold if record.cold else fn.latency_warm
        latency[latency_ms(record.init_ms, record.duration_ms)] += 1
        fn.series.ran(start, end, record.cold)
        self._account.ran(start, end, record.cold)

    def event_finished(self, function, condition, destinations):
        counts = self._function(function).asynchronous
        counts["accepted"] += 1
        counts[_ASYNC_ENDINGS[condition]] += 1
        for destination in destinations:
            counts[_DELIVERIES[destination]] += 1
        if condition != SUCCESS and not destinations:
            counts["discarded"] += 1

    def message_sent(self, function):
        self._function(function).queue["sent"] += 1

    def message_received(self, function):
        self._function(function).queue["receives"] += 1

    def message_finished(self, function, ending, wait_ms):
        """A message leaves the queue: `ending` is queues.PROCESSED, DEAD_LETTERED or EXPIRED."""
        fn = self._function(function)
        fn.queue[ending] += 1
        if ending == PROCESSED:
            fn.queue["delayed"] += wait_ms > 0
            fn.queue_wait[wait_bucket_ms(wait_ms)] += 1

    def report(self, end_ms):
        """The report of everything counted, covering time from the origin to `end_ms`."""
        versions = tuple(VersionTotals(fn, version, memory, arch, **counts)
                         for (fn, version), (memory, arch, counts) in sorted(self._versions.items()))
        functions = tuple(fn.report(name, end_ms) for name, fn in sorted(self._functions.items()))
        return SimReport(end_ms, functions, versions, self._account.freeze(end_ms))


class _FunctionCounts:
    def __init__(self, bucket_ms):
        self.requests = 0
        self.throttles = Counter()
        self.latency_warm = Counter()
        self.latency_cold = Counter()
        self.series = SeriesBuilder(bucket_ms)
        self.asynchronous = Counter()
        self.queue = Counter()
        self.queue_wait = Counter()

    def report(self, name, end_ms):
        return FunctionReport(
            function=name, requests=self.requests,
            throttles_by_reason=tuple(sorted(self.throttles.items())),
            latency_warm=LatencyHistogram(tuple(sorted(self.latency_warm.items()))),
            latency_cold=LatencyHistogram(tuple(sorted(self.latency_cold.items()))),
            concurrency=self.series.freeze(end_ms),
            asynchronous=AsyncTotals(**self.asynchronous),
            queue=QueueTotals(**self.queue, wait=LatencyHistogram(tuple(sorted(self.queue_wait.items())))))
