"""Concurrency over time, with the limits that cap it and the throttles they caused.

It reads a simulation's report (lambdakit.scale.sim) or invocation records (made into the same
report by `report_from_records`), so a real run and a simulation draw alike: per time
bucket, the peak of concurrent executions, the cold starts and the throttled requests,
under the account limit and the function's reserved and provisioned concurrency.
"""

import math
from dataclasses import dataclass

import plotly.graph_objects as go

from ...scale.sim import Scenario, SimReport, SimResult, report_from_records
from .base import LAYOUT, ChartWidget, fix_uids, plural, since, time_unit

MAX_ROWS = 32             # in the text twin; more buckets are merged into rows of several
MAX_POINTS = 1_500        # in the chart, likewise
# Bucket widths tried for records, smallest first, until the span needs at most TARGET_BUCKETS.
NICE_BUCKETS_S = (0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86_400,
                  7 * 86_400)
TARGET_BUCKETS = 60
OFF_SCALE = 4             # a limit this many times above everything else is not drawn
COLORS = {"peak": "#3b7dd8", "cold": "#e8833a", "throttled": "#d62728", "account": "#555555",
          "reserved": "#9467bd", "provisioned": "#2ca02c"}
CHART_TEXT = "(chart: concurrent executions over time, limits and throttles)"


@dataclass(frozen=True)
class Limits:
    """What caps concurrency: the account's limit, the function's reserved and provisioned."""
    account: int | None = None
    reserved: int | None = None
    provisioned: int | None = None

    def text(self):
        def show(n):
            return "none" if n is None else f"{n:,}"
        return (f"account {show(self.account)}, reserved concurrency {show(self.reserved)}, "
                f"provisioned concurrency {show(self.provisioned)}")

    @classmethod
    def of(cls, source, function=None):
        """The limits a Scenario or a Runtime sets for `function` (None: the account only)."""
        if isinstance(source, Scenario):
            if function is None:
                return cls(source.account_limit)
            fn = source.function(function)
            return cls(source.account_limit, fn.reserved, sum(n for _, n in fn.provisioned) or None)
        account = source.account_concurrency
        if function is None:
            return cls(account)
        reserved = source.get_function_concurrency(function).get("ReservedConcurrentExecutions")
        provisioned = sum(c["RequestedProvisionedConcurrentExecutions"]
                          for c in source.list_provisioned_concurrency_configs(function))
        return cls(account, reserved, provisioned or None)


@dataclass(frozen=True)
class Row:
    """One bucket, or several merged: peak is their maximum, counts their sum."""
    start_ms: float
    width_ms: float
    peak: int
    invocations: int
    cold_starts: int
    throttles: int


@dataclass(frozen=True)
class ConcurrencyFacts:
    function: str | None
    series: object            # lambdakit.scale.sim.ConcurrencySeries
    throttles_by_reason: tuple
    limits: Limits
    span_ms: float
    origin_ms: float | None   # epoch ms of time 0 (records), or None (a simulation's start)

    def rows(self, most):
        """The series in at most `most` rows, merging neighbouring buckets evenly."""
        s = self.series
        per = _merge(len(s.peak), s.bucket_ms, most)
        rows = []
        for first in range(0, len(s.peak), per):
            last = min(first + per, len(s.peak))
            rows.append(Row(first * s.bucket_ms, (last - first) * s.bucket_ms, max(s.peak[first:last]),
                            sum(s.invocations[first:last]), sum(s.cold_starts[first:last]),
                            sum(s.throttles[first:last])))
        return rows, per

    def summary(self):
        return (f"peak {plural(self.series.max, 'concurrent execution')}; {sum(self.series.throttles):,} throttled; "
                f"limits: {self.limits.text()}")

    def text(self):
        s = self.series
        what = f" of {self.function}" if self.function else " of the account"
        origin = since(self.origin_ms) if self.origin_ms is not None else "times from the simulation's start"
        out = [f"Concurrency{what}: peak {plural(s.max, 'concurrent execution')}; "
               f"{plural(sum(s.invocations), 'invocation')}, {plural(sum(s.cold_starts), 'cold start')}, "
               f"{sum(s.throttles):,} throttled; {_width(s.bucket_ms)} buckets over {self.span_ms / 1000:,.3f} s; "
               f"{origin}",
               f"Limits: {self.limits.text()}"]
        out += [f"Throttled: {n:,} x {reason}" for reason, n in self.throttles_by_reason]
        rows, per = self.rows(MAX_ROWS)
        if not rows:
            return "\n".join(out)
        if per > 1:
            out.append(f"(rows of {per} buckets, {_width(per * s.bucket_ms)}: peak is their maximum, "
                       "counts their sum)")
        unit, ms = time_unit(self.span_ms)
        out.append(f"  {unit + ' from':>16} {'until':>10} {'peak':>6} {'invocations':>12} {'cold':>6} "
                   f"{'throttled':>10}")
        out += [f"  {r.start_ms / ms:>16,.3f} {(r.start_ms + r.width_ms) / ms:>10,.3f} {r.peak:>6,} "
                f"{r.invocations:>12,} {r.cold_starts:>6,} {r.throttles:>10,}" for r in _quiet_merged(rows)]
        return "\n".join(out)


def _quiet_merged(rows):
    """Rows with runs of quiet ones (nothing started, same peak) merged into one."""
    merged = []
    for row in rows:
        last = merged[-1] if merged else None
        if last and _quiet(last) and _quiet(row) and last.peak == row.peak:
            merged[-1] = Row(last.start_ms, last.width_ms + row.width_ms, row.peak, 0, 0, 0)
        else:
            merged.append(row)
    return merged


def _quiet(row):
    return not (row.invocations or row.cold_starts or row.throttles)


def _width(bucket_ms):
    """A bucket's width in its largest whole unit: 0.5 s, 5 s, 5 min, 1 h, 1 day."""
    for unit, ms in (("day", 86_400_000.0), ("h", 3_600_000.0), ("min", 60_000.0)):
        if bucket_ms >= ms and bucket_ms % ms == 0:
            n = int(bucket_ms // ms)
            return f"{n} {unit}{'s' if unit == 'day' and n > 1 else ''}"
    return f"{bucket_ms / 1000:g} s"


def _merge(buckets, bucket_ms, most):
    """How many buckets make a row: the fewest that give at most `most` rows, preferring a
    nice row width (an hour, a day) so the rows start at round times."""
    fewest = max(1, math.ceil(buckets / most))
    if fewest == 1:
        return 1
    for width_s in NICE_BUCKETS_S:
        per = width_s * 1000 / bucket_ms
        if per >= fewest and per == int(per):
            return int(per)
    return fewest


def auto_bucket_s(records):
    """The smallest nice bucket width that covers the records' span in TARGET_BUCKETS or fewer."""
    if not records:
        return NICE_BUCKETS_S[0]
    span_s = (max(r.end_ms for r in records) - min(r.start_ms for r in records)) / 1000
    for width in NICE_BUCKETS_S:
        if span_s / width <= TARGET_BUCKETS:
            return width
    return NICE_BUCKETS_S[-1]


def concurrency_facts(source, function=None, limits=None, bucket_s=None):
    """Facts from a SimResult, a SimReport, or invocation records (of `function`, if given)."""
    origin = None
    if isinstance(source, SimResult):
        source = source.report
    if not isinstance(source, SimReport):
        records = [r for r in source if function in (None, r.function)]
        origin = min((r.start_ms for r in records), default=None)
        source = report_from_records(records, bucket_s or auto_bucket_s(records))
    if function is None:
        series = source.account_concurrency
        reasons = {}
        for fn in source.functions:
            for reason, n in fn.throttles_by_reason:
                reasons[reason] = reasons.get(reason, 0) + n
        throttles = tuple(sorted(reasons.items()))
    else:
        fn = source.function(function)
        series, throttles = fn.concurrency, fn.throttles_by_reason
    return ConcurrencyFacts(function, series, throttles, limits or Limits(), source.end_ms, origin)


# ---------------------------------------------------------------- figure
LIMITS = (("account limit", "account"), ("reserved concurrency", "reserved"),
          ("provisioned concurrency", "provisioned"))


def _limit_lines(facts, top):
    """{key: value} of the limits to draw: those set, and not far above the data and the others."""
    values = {key: getattr(facts.limits, key) for _, key in LIMITS if getattr(facts.limits, key) is not None}
    others = max([top, 1] + [value for key, value in values.items() if key != "account"])
    return {key: value for key, value in values.items() if value <= OFF_SCALE * others}


def concurrency_figure(facts):
    rows, _ = facts.rows(MAX_POINTS)
    unit, ms = time_unit(facts.span_ms)
    seconds = [r.start_ms / ms for r in rows]
    end_s = (rows[-1].start_ms + rows[-1].width_ms) / ms if rows else 0.0
    figure = go.Figure()
    figure.add_trace(go.Scatter(
        name="peak concurrency", x=seconds + [end_s], y=[r.peak for r in rows] + [rows[-1].peak if rows else 0],
        mode="lines", line=dict(shape="hv", color=COLORS["peak"], width=2),
        hovertemplate=f"from %{{x:,.3f}} {unit}: peak %{{y:,}}<extra></extra>"))
    figure.add_trace(go.Bar(
        name="cold starts", x=[s + r.width_ms / ms / 2 for s, r in zip(seconds, rows)], y=[r.cold_starts for r in rows],
        width=[r.width_ms / ms * 0.9 for r in rows], marker_color=COLORS["cold"], opacity=0.6,
        hovertemplate="%{y:,} cold starts<extra></extra>"))
    hits = [(s, r) for s, r in zip(seconds, rows) if r.throttles]
    figure.add_trace(go.Scatter(
        name="throttled", mode="markers+text", x=[s + r.width_ms / ms / 2 for s, r in hits],
        y=[r.peak for _, r in hits],
        text=[f"{r.throttles:,}" for _, r in hits], textposition="top center",
        marker=dict(symbol="x", size=11, color=COLORS["throttled"]),
        hovertemplate="%{text} throttled<extra></extra>"))
    lines = _limit_lines(facts, facts.series.max)
    for name, key in LIMITS:  # every limit has its trace, empty (and out of the legend) when not drawn
        value = lines.get(key)
        drawn = value is not None
        figure.add_trace(go.Scatter(
            name=f"{name} {value:,}" if drawn else name, x=[0, end_s] if drawn else [],
            y=[value, value] if drawn else [], mode="lines",
            line=dict(color=COLORS[key], dash="dash" if key != "provisioned" else "dot"),
            hovertemplate=f"{name}: {value:,}<extra></extra>" if drawn else None))
    account = facts.limits.account
    far = account is not None and "account" not in lines
    what = f" of {facts.function}" if facts.function else " of the account"
    note = f" (account limit {account:,} is far above)" if far else ""
    figure.update_xaxes(title_text=unit, rangemode="tozero")
    # Room above the highest line for the throttle counts; whole numbers only on a short axis.
    top = max([facts.series.max, 1] + list(lines.values()))
    figure.update_yaxes(title_text="concurrent executions", range=[0, top * 1.15], dtick=1 if top <= 10 else None)
    figure.update_layout(height=360, bargap=0, title=f"Concurrency{what}{note}", **LAYOUT)
    return fix_uids(figure, "concurrency")


class ConcurrencyChart(ChartWidget):
    """Concurrency over time from a SimResult, SimReport or records; repr is the text twin.

    `limits` is a `Limits`, or a Scenario or Runtime to read them from.
    """

    chart_text = CHART_TEXT
    draw = staticmethod(concurrency_figure)

    def __init__(self, source, function=None, limits=None, bucket_s=None):
        if limits is not None and not isinstance(limits, Limits):
            limits = Limits.of(limits, function)
        self.function, self.limits, self.bucket_s = function, limits, bucket_s
        super().__init__(self._facts(source))

    def update(self, source):
        """Redraw from this source (e.g. a running load test's records so far)."""
        self.show(self._facts(source))

    def _facts(self, source):
        return concurrency_facts(source, self.function, self.limits, self.bucket_s)
