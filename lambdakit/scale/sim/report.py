"""What a simulation reports: fixed-size totals, never one object per invocation.

Every value is a frozen dataclass of ints, tuples and Decimals, so two runs with the same
seed compare equal with `==`, and `SimReport.text()` is the printed twin of every chart.
"""

from dataclasses import dataclass

from ...cost.pricing import gb_seconds


@dataclass(frozen=True)
class LatencyHistogram:
    """Invocations by latency (INIT + INVOKE) rounded up to the millisecond."""

    counts: tuple = ()    # (ms, invocations) pairs, ascending ms

    @property
    def total(self):
        return sum(n for _, n in self.counts)

    @property
    def max_ms(self):
        return self.counts[-1][0] if self.counts else None

    @property
    def mean_ms(self):
        total = self.total
        return sum(ms * n for ms, n in self.counts) / total if total else None

    def percentile(self, q):
        """Nearest-rank percentile: the smallest latency at least q % of invocations do not exceed."""
        total = self.total
        if not total:
            return None
        rank = max(1, -(-total * q // 100))
        seen = 0
        for ms, n in self.counts:
            seen += n
            if seen >= rank:
                return ms
        return self.counts[-1][0]

    def merged(self, other):
        counts = dict(self.counts)
        for ms, n in other.counts:
            counts[ms] = counts.get(ms, 0) + n
        return LatencyHistogram(tuple(sorted(counts.items())))


@dataclass(frozen=True)
class ConcurrencySeries:
    """Per bucket of `bucket_ms` from the start: peak concurrent executions and counts."""

    bucket_ms: float
    peak: tuple
    invocations: tuple
    cold_starts: tuple
    throttles: tuple

    @property
    def max(self):
        return max(self.peak, default=0)


@dataclass(frozen=True)
class VersionTotals:
    function: str
    version: str
    memory_mb: int
    architecture: str
    invocations: int = 0            # attempts that ran (throttled ones did not)
    cold_starts: int = 0
    provisioned_invocations: int = 0
    function_errors: int = 0
    timeouts: int = 0
    throttles: int = 0
    billed_ms: int = 0              # on-demand, INIT included
    provisioned_billed_ms: int = 0  # duration served by provisioned concurrency
    init_billed_ms: int = 0         # the part of billed_ms INIT added (billed since 1 Aug 2025)

    @property
    def gb_seconds(self):
        return gb_seconds(self.billed_ms, self.memory_mb)

    @property
    def provisioned_gb_seconds(self):
        return gb_seconds(self.provisioned_billed_ms, self.memory_mb)


@dataclass(frozen=True)
class AsyncTotals:
    """Every accepted event ends exactly one way: succeeded, retries exhausted or too old."""

    accepted: int = 0
    succeeded: int = 0
    retries_exhausted: int = 0
    event_age_exceeded: int = 0
    to_on_success: int = 0
    to_on_failure: int = 0
    to_dead_letter_queue: int = 0
    discarded: int = 0              # failed with neither a DLQ nor an OnFailure destination

    @property
    def failed(self):
        return self.retries_exhausted + self.event_age_exceeded


@dataclass(frozen=True)
class QueueTotals:
    """Messages sent to SQS for the function: each ends processed, in the DLQ, or expired."""

    sent: int = 0
    processed: int = 0              # succeeded and deleted
    delayed: int = 0                # processed after waiting in the queue
    to_dead_letter_queue: int = 0   # moved by the redrive policy after maxReceiveCount receives
    expired: int = 0                # older than the queue's retention period
    receives: int = 0               # deliveries to the function, throttled ones included
    wait: LatencyHistogram = LatencyHistogram()   # processed messages: sent to last received, ms

    @property
    def lost(self):
        return self.to_dead_letter_queue + self.expired


@dataclass(frozen=True)
class AsyncOutcome:
    """How one asynchronous event ended (kept only when records are asked for)."""

    request_id: str
    function: str
    qualifier: str | None
    condition: str                  # Success, RetriesExhausted or EventAgeExceeded
    accepted_ms: float
    finished_ms: float
    attempts: int                   # records written for it, throttled attempts included
    invocations: int                # attempts that ran: approximateInvokeCount
    destinations: tuple             # of "on_success", "on_failure", "dead_letter_queue"


@dataclass(frozen=True)
class FunctionReport:
    function: str
    requests: int                   # synchronous requests plus asynchronous events accepted
    throttles_by_reason: tuple      # (reason, count) pairs
    latency_warm: LatencyHistogram
    latency_cold: LatencyHistogram
    concurrency: ConcurrencySeries
    asynchronous: AsyncTotals
    queue: QueueTotals = QueueTotals()

    @property
    def latency(self):
        return self.latency_warm.merged(self.latency_cold)

    @property
    def throttles(self):
        return sum(n for _, n in self.throttles_by_reason)


@dataclass(frozen=True)
class SimReport:
    end_ms: float                   # virtual time of the last activity, from the start
    functions: tuple
    versions: tuple
    account_concurrency: ConcurrencySeries

    def function(self, name):
        for report in self.functions:
            if report.function == name:
                return report
        raise KeyError(name)

    def versions_of(self, name):
        return tuple(v for v in self.versions if v.function == name)

    def text(self):
        lines = [f"simulated {self.end_ms / 1000:,.3f} s; peak account concurrency "
                 f"{self.account_concurrency.max}"]
        for fn in self.functions:
            lines.extend(_function_lines(fn, self.versions_of(fn.function)))
        return "\n".join(lines)


def _function_lines(fn, versions):
    ran = sum(v.invocations for v in versions)
    cold = sum(v.cold_starts for v in versions)
    latency = fn.latency
    lines = [f"{fn.function}: {fn.requests:,} requests, {ran:,} invocations ({cold:,} cold), "
             f"{fn.throttles:,} throttled; peak concurrency {fn.concurrency.max}"]
    for reason, n in fn.throttles_by_reason:
        lines.append(f"  throttled {n:,} x {reason}")
    if latency.total:
        lines.append(f"  latency ms: p50 {latency.percentile(50)}, p90 {latency.percentile(90)}, "
                     f"p99 {latency.percentile(99)}, max {latency.max_ms}")
    for v in versions:
        lines.append(f"  {v.version} ({v.memory_mb} MB {v.architecture}): {v.invocations:,} invocations, "
                     f"{v.function_errors:,} errors, {v.timeouts:,} timeouts, "
                     f"{v.gb_seconds:,.3f} GB-s on-demand, {v.provisioned_gb_seconds:,.3f} GB-s provisioned")
    a = fn.asynchronous
    if a.accepted:
        lines.append(f"  async: {a.accepted:,} accepted, {a.succeeded:,} succeeded, "
                     f"{a.retries_exhausted:,} retries exhausted, {a.event_age_exceeded:,} too old; "
                     f"{a.to_dead_letter_queue:,} to DLQ, {a.to_on_failure:,} to OnFailure, "
                     f"{a.discarded:,} discarded")
    q = fn.queue
    if q.sent:
        lines.append(f"  queue: {q.sent:,} sent, {q.processed:,} processed ({q.delayed:,} after waiting), "
                     f"{q.receives:,} receives; {q.to_dead_letter_queue:,} to DLQ, {q.expired:,} expired")
        if q.wait.total:
            lines.append(f"  queue wait ms: p50 {q.wait.percentile(50):,}, p99 {q.wait.percentile(99):,}, "
                         f"max {q.wait.max_ms:,}")
    return lines
