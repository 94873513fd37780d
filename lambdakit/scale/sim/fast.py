"""The fast path: one function under synchronous traffic, e.g. a month of it in seconds.

It applies the same rules as the exact engine (engine.py) and draws the same random
numbers, but keeps no object per invocation: environments are only their end times in
heaps, invocations are counted per duration atom, and the report is computed from those
counts at the end. Tests hold the two paths to identical reports.
"""

from bisect import bisect_left
from collections import Counter
from heapq import heappop, heappush, heapreplace
from types import SimpleNamespace

from ..concurrency import ACCOUNT_LIMIT_EXCEEDED, RESERVED_LIMIT_EXCEEDED, ScalingRate
from ...cost.pricing import billed_duration_ms
from .aggregate import SeriesColumns, bucket_count, latency_ms
from .report import AsyncTotals, FunctionReport, LatencyHistogram, SimReport, VersionTotals
from .scenario import REQUEST_RESPONSE
from .streams import Draws, traffic_stream


_NEVER = float("inf")   # the end of an execution that never ends: a sentinel in the heap


def unsupported(scenario):
    """Why the fast path cannot run this scenario, or None if it can."""
    if len(scenario.workloads) != 1:
        return "the fast path runs exactly one workload"
    if scenario.workloads[0].invocation_type != REQUEST_RESPONSE:
        return "the fast path runs synchronous (RequestResponse) traffic only"
    return None


def run_fast(scenario, seed):
    (workload,) = scenario.workloads
    spec = scenario.function(workload.function)
    account = scenario.account()
    draws = Draws(spec, seed)
    counts = _simulate(
        arrivals=workload.traffic.chunks(traffic_stream(seed, 0), scenario.horizon_ms),
        draws=draws, init_ms=spec.init_ms,
        capacity=account.on_demand_capacity(spec.name),
        provisioned=account.provisioned(spec.name, workload.qualifier),
        reclaim_ms=scenario.idle_reclaim_s * 1000.0,
        columns=SeriesColumns(scenario.bucket_s * 1000.0),
        horizon_ms=scenario.horizon_ms or 0.0)
    limit_reason = (RESERVED_LIMIT_EXCEEDED if account.reserved(spec.name) is not None
                    else ACCOUNT_LIMIT_EXCEEDED)
    return fast_report(spec, spec.version_of(workload.qualifier), draws, limit_reason, counts)


def _simulate(arrivals, draws, init_ms, capacity, provisioned, reclaim_ms, columns, horizon_ms):
    durations, first_timeout, indices, failures = draws.durations, draws.first_timeout, draws.indices, draws.failures
    # Invocations by duration atom; the report is computed from these counts.
    warm, cold, on_provisioned = ([0] * len(durations) for _ in range(3))
    # On-demand executions: end times, plus one that never ends, so busy[0] always exists.
    busy = [_NEVER]
    doomed = []              # end times of timed-out executions: their environment is discarded
    provisioned_busy = []    # end times of executions on provisioned environments
    idle = []                # free times of idle on-demand environments, oldest first
    create = ScalingRate().take  # True if the scaling rate allows a new environment now
    state = (busy, doomed, provisioned_busy, idle)
    idle_append, idle_pop = idle.append, idle.pop
    bucket_ms = columns.bucket_ms
    bucket_end = bucket_ms
    arrived = limit_throttles = scaling_throttles = cold_starts = errors = 0
    # Invariant: `peak` (this bucket's peak so far) >= the executions in the heaps; so
    # reusing an environment in place, which leaves the heaps as large, cannot raise it.
    peak = 0
    closed = (0, 0, 0)       # arrived, throttled, cold starts when the last bucket closed
    last = 0.0
    for chunk in arrivals:
        if not chunk:
            continue
        last = chunk[-1]
        done = 0
        while done < len(chunk):
            if chunk[done] >= bucket_end:
                totals = (arrived, limit_throttles + scaling_throttles, cold_starts)
                peak, bucket_end = close_buckets(columns, chunk[done], peak, closed, totals, state)
                closed = totals
            # Take the arrivals up to the bucket's end, so the loop never looks at buckets.
            start, done = done, bisect_left(chunk, bucket_end, done)
            count = done - start
            arrived += count
            # Executions beside the on-demand ones (timed-out, provisioned), and the
            # on-demand heap size at which the limit is reached; both change rarely.
            others = len(doomed) + len(provisioned_busy)
            full = capacity + 1 - len(doomed)
            for t, i, failed in zip(chunk[start:done], indices, failures):
                if others:
                    while doomed and doomed[0] <= t:
                        heappop(doomed)
                        others -= 1
                        full += 1
                    while provisioned_busy and provisioned_busy[0] <= t:
                        heappop(provisioned_busy)
                        others -= 1
                if provisioned and len(provisioned_busy) < provisioned:
                    while busy[0] <= t:
                        idle_append(heappop(busy))
                    heappush(provisioned_busy, t + durations[i])
                    others += 1
                    on_provisioned[i] += 1
                    if i < first_timeout and failed:
                        errors += 1
                    if len(busy) - 1 + others > peak:
                        peak = len(busy) - 1 + others
                    continue
                first = busy[0]
                if first <= t:
                    # The common case: exactly one execution ended since the last arrival,
                    # so its environment is the most recently freed; reuse it in place.
                    # Concurrency stays as it was, so no limit or peak can be crossed.
                    if first + reclaim_ms > t and i < first_timeout:
                        if len(busy) == 2:       # it was the only one running
                            busy[0] = t + durations[i]
                            warm[i] += 1
                            if failed:
                                errors += 1
                            continue
                        if busy[1] > t and busy[2] > t:
                            heapreplace(busy, t + durations[i])
                            warm[i] += 1
                            if failed:
                                errors += 1
                            continue
                    idle_append(heappop(busy))
                    while busy[0] <= t:
                        idle_append(heappop(busy))
                if len(busy) >= full:
                    limit_throttles += 1
                    continue
                if idle and idle[-1] + reclaim_ms > t:
                    idle_pop()
                    end = t + durations[i]
                    warm[i] += 1
                else:
                    idle.clear()     # the newest idle environment is reclaimed, so all are
                    if not create(t):
                        scaling_throttles += 1
                        continue
                    end = t + init_ms + durations[i]
                    cold[i] += 1
                    cold_starts += 1
                if i < first_timeout:
                    heappush(busy, end)
                    if failed:
                        errors += 1
                else:
                    heappush(doomed, end)
                    others += 1
                    full -= 1
                if len(busy) - 1 + others > peak:
                    peak = len(busy) - 1 + others
    end_ms = max([horizon_ms, last, *(end for heap in state[:3] for end in heap if end != _NEVER)])
    totals = (arrived, limit_throttles + scaling_throttles, cold_starts)
    close_buckets(columns, end_ms, peak, closed, totals, state, buckets=bucket_count(end_ms, bucket_ms))
    return SimpleNamespace(arrived=arrived, limit_throttles=limit_throttles,
                           scaling_throttles=scaling_throttles, warm=warm, cold=cold,
                           provisioned=on_provisioned, errors=errors, columns=columns, end_ms=end_ms)


def close_buckets(columns, now_ms, peak, closed, totals, state, buckets=None):
    """Close the open bucket, then empty ones, until the bucket of `now_ms` is open (or
    `buckets` exist); return that bucket's starting concurrency and its end.

    Executions that ended by a bucket's start leave the heaps here, as they would at the
    next arrival, so the heaps hold exactly what runs when the bucket opens.
    """
    busy, doomed, provisioned_busy, idle = state
    throttles = totals[1] - closed[1]
    columns.append(peak, totals[0] - closed[0] - throttles, totals[2] - closed[2], throttles)
    bucket_ms = columns.bucket_ms
    while True:
        boundary = len(columns) * bucket_ms
        while busy[0] <= boundary:
            idle.append(heappop(busy))
        for heap in (doomed, provisioned_busy):
            while heap and heap[0] <= boundary:
                heappop(heap)
        running = len(busy) - 1 + len(doomed) + len(provisioned_busy)
        if len(columns) == buckets or (buckets is None and now_ms < boundary + bucket_ms):
            return running, boundary + bucket_ms
        columns.append(running, 0, 0, 0)


def fast_report(spec, version, draws, limit_reason, counts):
    warm_latency, cold_latency = Counter(), Counter()
    invocations = timeouts = billed = provisioned_billed = init_billed = 0
    for i, duration in enumerate(draws.durations):
        warm, cold, provisioned = counts.warm[i], counts.cold[i], counts.provisioned[i]
        ran = warm + cold + provisioned
        if not ran:
            continue
        if warm + provisioned:
            warm_latency[latency_ms(0.0, duration)] += warm + provisioned
        if cold:
            cold_latency[latency_ms(spec.init_ms, duration)] += cold
        invocations += ran
        if i >= draws.first_timeout:
            timeouts += ran
        with_init = billed_duration_ms(duration, spec.init_ms)
        billed += warm * billed_duration_ms(duration) + cold * with_init
        init_billed += cold * (with_init - billed_duration_ms(duration))
        provisioned_billed += provisioned * billed_duration_ms(duration)
    throttles = Counter({limit_reason: counts.limit_throttles})
    throttles[ACCOUNT_LIMIT_EXCEEDED] += counts.scaling_throttles
    versions = ()
    if counts.arrived:
        versions = (VersionTotals(
            spec.name, version, spec.memory_mb, spec.architecture, invocations=invocations,
            cold_starts=sum(counts.cold), provisioned_invocations=sum(counts.provisioned),
            function_errors=counts.errors, timeouts=timeouts, throttles=sum(throttles.values()),
            billed_ms=billed, provisioned_billed_ms=provisioned_billed, init_billed_ms=init_billed),)
    series = counts.columns.freeze()
    function = FunctionReport(
        function=spec.name, requests=counts.arrived,
        throttles_by_reason=tuple(sorted((reason, n) for reason, n in throttles.items() if n)),
        latency_warm=LatencyHistogram(tuple(sorted(warm_latency.items()))),
        latency_cold=LatencyHistogram(tuple(sorted(cold_latency.items()))),
        concurrency=series, asynchronous=AsyncTotals())
    return SimReport(counts.end_ms, (function,), versions, series)
