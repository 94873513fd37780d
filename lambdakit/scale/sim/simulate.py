"""Run a scenario: a fast path when one can and nobody asked for records, else the exact engine."""

from dataclasses import dataclass

from .aggregate import Aggregator
from .engine import ExactEngine
from .fast import run_fast, unsupported
from .fast_queue import run_fast_queue, unsupported_queue

ENGINES = ("auto", "exact", "fast")


@dataclass(frozen=True)
class SimResult:
    report: object                  # SimReport
    records: tuple | None = None    # InvocationRecords, one per attempt, when asked for
    async_outcomes: tuple | None = None


def simulate(scenario, *, seed=0, records=False, engine="auto"):
    """Simulate `scenario` in virtual time; the same seed gives the same result everywhere.

    `records=True` also returns every InvocationRecord and asynchronous outcome: meant for
    small runs that feed widgets. Large runs keep only the streamed report.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}")
    queued = len(scenario.workloads) == 1 and scenario.workloads[0].source is not None
    reason = (unsupported(scenario) or (unsupported_queue(scenario) if queued else None)
              or ("records need the exact engine" if records else None))
    if engine == "fast" and reason:
        raise ValueError(reason)
    if engine == "fast" or (engine == "auto" and not reason):
        report = run_fast_queue(scenario, seed) if queued else run_fast(scenario, seed)
        if report is not None:
            return SimResult(report)
        if engine == "fast":
            raise ValueError("an invocation of the queue was throttled: the exact engine runs it")
    run = ExactEngine(scenario, seed, keep_records=records)
    report = run.run()
    if records:
        return SimResult(report, tuple(run.records), tuple(run.outcomes))
    return SimResult(report)


def report_from_records(records, bucket_s=60.0):
    """A SimReport of real (or simulated) records, so widgets draw both the same way."""
    ordered = sorted(records, key=lambda r: r.start_ms)
    if not ordered:
        return Aggregator(bucket_s * 1000.0).report(0.0)
    aggregator = Aggregator(bucket_s * 1000.0, origin_ms=ordered[0].start_ms)
    for record in ordered:
        aggregator.add(record)
    return aggregator.report(max(r.end_ms for r in ordered) - ordered[0].start_ms)
