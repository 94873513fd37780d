"""The fast path for one SQS workload whose mapping never meets a throttle or a failure.

With MaximumConcurrency at or under the function's concurrency, no errors and no timeouts,
every message runs once, in the order it was sent (queues.py): message k starts when it
arrives, or when the first of the mapping's running invocations ends if all of them are busy.
Environments follow the same rules as fast.py and the exact engine, and the same random draws
are used in the same order, so tests hold this path's reports equal to the exact engine's.
Should the scaling rate refuse an environment, this path gives up and the exact engine runs.
"""

from collections import Counter
from dataclasses import replace
from heapq import heappop, heappush
from types import SimpleNamespace

from ..concurrency import ACCOUNT_LIMIT_EXCEEDED, ScalingRate
from .aggregate import SeriesColumns, bucket_count
from .fast import close_buckets, fast_report
from .queues import wait_bucket_ms
from .report import LatencyHistogram, QueueTotals
from .streams import Draws, traffic_stream

_NEVER = float("inf")   # as in fast.py: busy[0] always exists


def unsupported_queue(scenario):
    """Why this path cannot run the scenario's one SQS workload, or None if it can."""
    (workload,) = scenario.workloads
    spec = scenario.function(workload.function)
    if spec.provisioned:
        return "the fast path runs queues without provisioned concurrency"
    if spec.error_rate or max(spec.duration.atoms()) >= spec.timeout_ms:
        return "a queue's failed messages return: the exact engine runs them"
    return None


def run_fast_queue(scenario, seed):
    """The SimReport, or None if an invocation was throttled (the function's concurrency or the scaling
    rate refused it): then only the exact engine is right."""
    (workload,) = scenario.workloads
    spec = scenario.function(workload.function)
    draws = Draws(spec, seed)
    counts = _simulate(workload.traffic.chunks(traffic_stream(seed, 0), scenario.horizon_ms), draws, spec.init_ms,
                       workload.source.limit, scenario.account().on_demand_capacity(spec.name),
                       scenario.idle_reclaim_s * 1000.0,
                       SeriesColumns(scenario.bucket_s * 1000.0), scenario.horizon_ms or 0.0)
    if counts is None:
        return None
    simulated = fast_report(spec, spec.version_of(workload.qualifier), draws, ACCOUNT_LIMIT_EXCEEDED, counts)
    arrived = counts.arrived
    queue = QueueTotals(sent=arrived, processed=arrived, delayed=counts.delayed, receives=arrived,
                        wait=LatencyHistogram(tuple(sorted(counts.waits.items()))))
    return replace(simulated, functions=(replace(simulated.functions[0], queue=queue),))


def _simulate(arrivals, draws, init_ms, limit, capacity, reclaim_ms, columns, horizon_ms):
    durations, indices = draws.durations, draws.indices
    warm, cold = [0] * len(durations), [0] * len(durations)
    busy = [_NEVER]          # end times of the mapping's running invocations, and one that never ends
    idle = []                # free times of idle environments, oldest first
    state = (busy, [], [], idle)
    create = ScalingRate().take
    waits, delayed = Counter(), 0
    started = cold_starts = peak = 0
    closed = (0, 0, 0)
    bucket_end = columns.bucket_ms
    last = start = 0.0
    for chunk in arrivals:
        for sent in chunk:
            last = sent
            start = max(sent, start)   # in the order sent: never before the message ahead of it
            while True:
                if start >= bucket_end:
                    totals = (started, 0, cold_starts)
                    peak, bucket_end = close_buckets(columns, start, peak, closed, totals, state)
                    closed = totals
                while busy[0] <= start:
                    idle.append(heappop(busy))
                if len(busy) - 1 < limit:
                    if len(busy) - 1 >= capacity:
                        return None  # the mapping invokes beyond the function's concurrency: a throttle
                    break
                start = busy[0]     # all busy: the oldest message waits for the first to end
            i = next(indices)
            if idle and idle[-1] + reclaim_ms > start:
                idle.pop()
                end = start + durations[i]
                warm[i] += 1
            else:
                idle.clear()         # the newest idle environment is reclaimed, so all are
                if not create(start):
                    return None
                end = start + init_ms + durations[i]
                cold[i] += 1
                cold_starts += 1
            heappush(busy, end)
            started += 1
            peak = max(peak, len(busy) - 1)
            waits[wait_bucket_ms(start - sent)] += 1
            delayed += start > sent
    end_ms = max([horizon_ms, last, *(end for end in busy if end != _NEVER)])
    totals = (started, 0, cold_starts)
    close_buckets(columns, end_ms, peak, closed, totals, state, buckets=bucket_count(end_ms, columns.bucket_ms))
    zeros = [0] * len(durations)
    return SimpleNamespace(arrived=started, limit_throttles=0, scaling_throttles=0, warm=warm, cold=cold,
                           provisioned=zeros, errors=0, columns=columns, end_ms=end_ms, waits=waits, delayed=delayed)
