"""Virtual-time simulation of Lambda at scale: traffic, durations, concurrency, retries.

    from lambdakit.scale.sim import Scenario, SimFunction, Workload, Poisson, LogNormal, simulate
    fn = SimFunction("api", duration=LogNormal(median_ms=80), memory_mb=512)
    result = simulate(Scenario([fn], [Workload("api", Poisson(rps=4))], duration_s=30 * 86_400))
    print(result.report.text())
"""

from .bill import simulated_bill
from .durations import Empirical, Fixed, LogNormal, Uniform
from .queues import SqsSource
from .report import (AsyncOutcome, AsyncTotals, ConcurrencySeries, FunctionReport, LatencyHistogram,
                     QueueTotals, SimReport, VersionTotals)
from .scenario import EVENT, REQUEST_RESPONSE, Scenario, SimFunction, Workload
from .simulate import SimResult, report_from_records, simulate
from .traffic import Bursty, Constant, Diurnal, Poisson, Trace

__all__ = [
    "AsyncOutcome", "AsyncTotals", "Bursty", "ConcurrencySeries", "Constant", "Diurnal", "EVENT",
    "Empirical", "Fixed", "FunctionReport", "LatencyHistogram", "LogNormal", "Poisson",
    "QueueTotals", "REQUEST_RESPONSE", "Scenario", "SimFunction", "SimReport", "SimResult", "SqsSource", "Trace",
    "Uniform",
    "VersionTotals", "Workload", "report_from_records", "simulate", "simulated_bill",
]
