"""Latency, cold against warm: every invocation over time, and how many at each latency.

Latency here is what a caller waits for: INIT (on a cold start) plus the handler, rounded
up to the millisecond, as lambdakit.scale.sim's histograms count it, so the percentiles of a real
run and of a simulation mean the same. From records the chart also plots each invocation;
a simulation's report keeps only the histograms.
"""

from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ...core.records import THROTTLED
from ...scale.sim import LatencyHistogram, SimReport, SimResult
from ...scale.sim.aggregate import latency_ms
from .base import ABOVE_SUBPLOT_TITLES, LAYOUT, ChartWidget, fix_uids, since, thin, time_unit

PERCENTILES = (50, 90, 99)
MAX_POINTS = 2_000        # of each kind in the scatter
TARGET_BINS = 60
COLORS = {"cold": "#3b7dd8", "warm": "#e8833a", 50: "#2ca02c", 90: "#9467bd", 99: "#d62728"}
CHART_TEXT = "(chart: latency of each invocation, and its histogram, cold and warm)"


@dataclass(frozen=True)
class LatencyFacts:
    function: str | None
    cold: LatencyHistogram
    warm: LatencyHistogram
    points: tuple = ()        # (ms from origin, latency ms, cold) per invocation; () from a report
    origin_ms: float | None = None

    @property
    def all(self):
        return self.cold.merged(self.warm)

    def summary(self):
        percentiles = ", ".join(f"p{q} {_ms(self.all.percentile(q))} ms" for q in PERCENTILES)
        origin = f"; {since(self.origin_ms)}" if self.origin_ms is not None else ""
        return f"{self.all.total:,} invocations ({self.cold.total:,} cold): {percentiles}{origin}"

    def text(self):
        what = f" of {self.function}" if self.function else ""
        out = [f"Latency{what} (INIT + handler, ms rounded up): {self.all.total:,} invocations, "
               f"{self.cold.total:,} cold, {self.warm.total:,} warm",
               f"  {'':<5}{'n':>9}" + "".join(f"{'p' + str(q):>9}" for q in PERCENTILES) + f"{'max':>9}{'mean':>11}"]
        for name, histogram in (("all", self.all), ("cold", self.cold), ("warm", self.warm)):
            values = [histogram.percentile(q) for q in PERCENTILES] + [histogram.max_ms]
            mean = histogram.mean_ms
            out.append(f"  {name:<5}{histogram.total:>9,}" + "".join(f"{_ms(v):>9}" for v in values)
                       + f"{'-' if mean is None else f'{mean:,.1f}':>11}")
        if self.cold.total and self.warm.total:
            out.append(f"  a cold start adds {self.cold.percentile(50) - self.warm.percentile(50):,} ms "
                       "at the median")
        return "\n".join(out)


def _ms(value):
    return "-" if value is None else f"{value:,}"


def latency_facts(source, function=None):
    """Facts from a SimResult, a SimReport, or invocation records (of `function`, if given)."""
    if isinstance(source, SimResult):
        source = source.report
    if isinstance(source, SimReport):
        reports = [source.function(function)] if function else source.functions
        cold, warm = LatencyHistogram(), LatencyHistogram()
        for report in reports:
            cold, warm = cold.merged(report.latency_cold), warm.merged(report.latency_warm)
        return LatencyFacts(function, cold, warm)
    ran = sorted((r for r in source if function in (None, r.function) and r.outcome != THROTTLED),
                 key=lambda r: r.start_ms)
    origin = ran[0].start_ms if ran else None
    points = tuple((r.start_ms - origin, latency_ms(r.init_ms, r.duration_ms), r.cold) for r in ran)
    counts = {True: {}, False: {}}
    for _, ms, cold in points:
        counts[cold][ms] = counts[cold].get(ms, 0) + 1
    cold, warm = (LatencyHistogram(tuple(sorted(counts[kind].items()))) for kind in (True, False))
    return LatencyFacts(function, cold, warm, points, origin)


def _bin_width(max_ms):
    width = 1
    while max_ms / width > TARGET_BINS:
        for step in (2, 2.5, 2):
            width = int(width * step)
            if max_ms / width <= TARGET_BINS:
                break
    return width


def _binned(histogram, width):
    bins = {}
    for ms, n in histogram.counts:
        start = (ms // width) * width
        bins[start] = bins.get(start, 0) + n
    return sorted(bins.items())


def latency_figure(facts):
    figure = make_subplots(rows=1, cols=2, column_widths=[0.58, 0.42], horizontal_spacing=0.1,
                           subplot_titles=("each invocation", "how many at each latency"))
    span = facts.points[-1][0] if facts.points else 0.0
    unit, per = time_unit(span)
    for kind, cold in (("warm", False), ("cold", True)):  # cold drawn last, on top
        shown = thin([p for p in facts.points if p[2] == cold], MAX_POINTS)
        figure.add_trace(go.Scatter(
            name=kind, legendgroup=kind, mode="markers", x=[p[0] / per for p in shown], y=[p[1] for p in shown],
            marker=dict(color=COLORS[kind], size=5, opacity=0.7),
            hovertemplate=f"{kind}: %{{y:,}} ms at %{{x:,.3f}} {unit}<extra></extra>"), row=1, col=1)
    all_ = facts.all
    width = _bin_width(all_.max_ms or 1)
    tallest = 0
    for kind in ("warm", "cold"):
        bins = _binned(getattr(facts, kind), width)
        tallest = max([tallest] + [n for _, n in bins])
        figure.add_trace(go.Bar(
            name=kind, legendgroup=kind, showlegend=False, x=[start + width / 2 for start, _ in bins],
            y=[n for _, n in bins], width=width * 0.95, marker_color=COLORS[kind],
            hovertemplate=f"{kind}: %{{y:,}} at {width:,} ms wide bins<extra></extra>"), row=1, col=2)
    for q in PERCENTILES:
        value = all_.percentile(q)
        figure.add_trace(go.Scatter(
            name=f"p{q} {value:,} ms" if value is not None else f"p{q}", mode="lines",
            x=[value, value] if value is not None else [], y=[0, tallest] if value is not None else [],
            line=dict(color=COLORS[q], dash="dash"), hovertemplate=f"p{q}: %{{x:,}} ms<extra></extra>"),
            row=1, col=2)
    figure.update_xaxes(title_text=unit, rangemode="tozero", row=1, col=1)
    figure.update_yaxes(title_text="latency (ms)", rangemode="tozero", row=1, col=1)
    figure.update_xaxes(title_text="latency (ms)", rangemode="tozero", row=1, col=2)
    figure.update_yaxes(title_text="invocations", rangemode="tozero", row=1, col=2)
    what = f" of {facts.function}" if facts.function else ""
    figure.update_layout(height=380, barmode="stack", bargap=0, title=f"Latency{what}, cold and warm",
                         **{**LAYOUT, **ABOVE_SUBPLOT_TITLES})
    return fix_uids(figure, "latency")


class LatencyChart(ChartWidget):
    """Latency cold against warm, with p50/p90/p99; repr is the text twin."""

    chart_text = CHART_TEXT
    draw = staticmethod(latency_figure)

    def __init__(self, source, function=None):
        self.function = function
        super().__init__(latency_facts(source, function))

    def update(self, source):
        """Redraw from this source (e.g. a running load test's records so far)."""
        self.show(latency_facts(source, self.function))
