"""Notebook widgets: each reads invocation records or results and has a printed text twin.

Modules here import ipywidgets and plotly, so nothing outside the notebook layer imports them.

The scale widgets draw a Runtime's records (and lifecycle, async outcomes, aliases) or a
simulation's, alike; each function below takes a Runtime, a SimResult or records:

    from lambdakit.notebook import widgets
    widgets.timeline(runtime, "orders")              # environments as swim lanes
    widgets.concurrency_chart(result, "orders", limits=scenario)
    widgets.latency_chart(result.records)            # cold against warm, p50/p90/p99
    widgets.retry_timeline(result)                   # asynchronous attempts and endings
    widgets.traffic_split(runtime, "orders:live")    # an alias's versions against its weights
"""

from ...runtime.service import Runtime
from ...scale.sim import SimResult
from .concurrency import ConcurrencyChart, Limits
from .latency import LatencyChart
from .retries import AsyncRetryTimeline
from .split import TrafficSplit
from .timeline import ColdStartTimeline

__all__ = ["AsyncRetryTimeline", "ColdStartTimeline", "ConcurrencyChart", "LatencyChart", "Limits",
           "TrafficSplit", "concurrency_chart", "latency_chart", "retry_timeline", "timeline",
           "traffic_split"]


def _records(source):
    """The invocation records of a Runtime, a SimResult (run with records=True) or an iterable."""
    if isinstance(source, Runtime):
        return list(source.records)
    if isinstance(source, SimResult):
        if source.records is None:
            raise ValueError("this simulation kept no records: run simulate(..., records=True)")
        return source.records
    return source


def timeline(records, lifecycle=None, function=None, *, idle_reclaim_s=None, until_ms=None):
    """The cold-start timeline of `records` (a Runtime brings its own lifecycle events)."""
    if lifecycle is None:
        lifecycle = list(records.lifecycle) if isinstance(records, Runtime) else ()
    return ColdStartTimeline(_records(records), lifecycle, function, idle_reclaim_s, until_ms)


def concurrency_chart(source, function=None, *, limits=None, bucket_s=None):
    """Concurrency over time; `limits` is a Limits, a Scenario or a Runtime (a Runtime's own by default)."""
    if isinstance(source, Runtime):
        limits = source if limits is None else limits
        source = _records(source)
    return ConcurrencyChart(source, function, limits, bucket_s)


def latency_chart(source, function=None):
    """Latency cold against warm; a SimResult without records draws its histograms only."""
    if isinstance(source, Runtime):
        source = _records(source)
    return LatencyChart(source, function)


def retry_timeline(records, outcomes=None, function=None):
    """Asynchronous events' attempts and endings; a Runtime or SimResult brings its own outcomes."""
    if outcomes is None:
        outcomes = _outcomes(records)
    return AsyncRetryTimeline(_records(records), outcomes, function)


def _outcomes(source):
    if isinstance(source, SimResult):
        return source.async_outcomes or ()
    if isinstance(source, Runtime):
        return source.async_outcomes
    return ()


def traffic_split(records, alias, function=None):
    """An alias's traffic split. With a Runtime, `alias` may be "NAME:ALIAS" (or ALIAS and `function`)."""
    if isinstance(records, Runtime) and isinstance(alias, str):
        name, _, alias_name = alias.rpartition(":")
        function = function or name
        alias = records.get_alias(function, alias_name)
    return TrafficSplit(_records(records), alias, function)
