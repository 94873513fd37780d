"""The power-tuning chart and its progress bar, each with a text twin.

The chart reads a ``lambdakit.cost.tuning.PowerTuning``; it never calls the runtime. Duration
(average, and p90) and cost per invocation against memory on two y axes, the memory sizes
evenly spaced as Power Tuning draws them, and the recommended size marked. A strategy
toggle and a weight slider move the recommendation; the text twin (`text/plain`) is the
tuning report for the strategy and weight shown.
"""

from dataclasses import replace

import ipywidgets as widgets
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ...cost.pricing import format_usd
from ...cost.tuning import COST_PLACES, STRATEGIES
from .base import TextTwin, fix_uids
from .charts import chart, redraw

COLORS = {"duration": "#3b7dd8", "p90": "#9fbfe8", "cost": "#e8833a", "pick": "#2ca02c"}
PER = 1_000_000  # cost is drawn per 1M invocations: readable dollars, same curve
CHART_TEXT = "(chart: duration and cost against memory)"


def _points(tuning, value):
    """One y value per memory size, None where the size failed (a gap in the line)."""
    return [value(size) if size.ok else None for size in tuning.sizes]


def tuning_figure(tuning):
    """Duration and cost against memory, dual axis, with the recommendation marked."""
    memory = [str(size.memory_mb) for size in tuning.sizes]
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(go.Scatter(name="avg duration (ms)", x=memory, y=_points(tuning, lambda s: s.avg_ms),
                                mode="lines+markers", line_color=COLORS["duration"]), secondary_y=False)
    figure.add_trace(go.Scatter(name="p90 duration (ms)", x=memory, y=_points(tuning, lambda s: s.p90_ms),
                                mode="lines", line=dict(color=COLORS["p90"], dash="dot")), secondary_y=False)
    figure.add_trace(go.Scatter(name="cost per 1M invocations ($)", x=memory,
                                y=_points(tuning, lambda s: float(s.cost) * PER),
                                mode="lines+markers", line_color=COLORS["cost"]), secondary_y=True)
    figure.add_trace(go.Scatter(name="recommended", x=[], y=[], mode="markers+text", textposition="top center",
                                marker=dict(symbol="star", size=16, color=COLORS["pick"])), secondary_y=False)
    figure.update_xaxes(title_text="memory (MB)", type="category")
    figure.update_yaxes(title_text="duration (ms)", rangemode="tozero", secondary_y=False)
    figure.update_yaxes(title_text="$ per 1M invocations", rangemode="tozero", tickprefix="$", secondary_y=True)
    figure.update_layout(height=360, margin=dict(l=10, r=10, t=40, b=10), template="none",
                         plot_bgcolor="white", title=f"Power tuning {tuning.function} ({tuning.cpu_model} CPU model)",
                         legend=dict(orientation="h", y=-0.25))
    return fix_uids(figure, "tuning")


class PowerTuningChart(TextTwin, widgets.VBox):
    """A PowerTuning as a chart, with a strategy toggle and a balanced-weight slider."""

    def __init__(self, tuning):
        self.tuning = tuning
        self.strategy = widgets.ToggleButtons(options=STRATEGIES, value=tuning.strategy, description="strategy")
        self.weight = widgets.FloatSlider(value=tuning.weight, min=0, max=1, step=0.05, description="weight",
                                          readout_format=".2f", continuous_update=False)
        self.figure = tuning_figure(tuning)
        self.summary = widgets.HTML()
        self.chart = chart(self.figure, CHART_TEXT)
        self.strategy.observe(self._changed, names="value")
        self.weight.observe(self._changed, names="value")
        self._show()
        super().__init__(children=[self.chart, widgets.HBox([self.strategy, self.weight]), self.summary],
                         layout=widgets.Layout(border="1px solid #ddd", padding="8px", max_width="960px"))

    @property
    def shown(self):
        """The tuning with the strategy and weight the controls show now."""
        return replace(self.tuning, strategy=self.strategy.value, weight=round(self.weight.value, 2))

    @property
    def recommendation(self):
        return self.shown.recommendation

    def _changed(self, change):
        self._show()

    def _show(self):
        tuning = self.shown
        best = tuning.recommendation
        self.weight.disabled = tuning.strategy != "balanced"
        pick = self.figure.data[3]
        pick.x, pick.y, pick.text = [str(best.memory_mb)], [best.avg_ms], [f"{best.memory_mb} MB"]
        redraw(self.chart, self.figure, CHART_TEXT)
        weight = f", weight {tuning.weight:g}" if tuning.strategy == "balanced" else ""
        self.summary.value = (f"<b>Recommended ({tuning.strategy}{weight})</b>: {best.memory_mb} MB, "
                              f"avg {best.avg_ms:,.2f} ms, {format_usd(best.cost, COST_PLACES)} per invocation"
                              f"<br><span style='color:#666;font-size:11px'>CPU model: {tuning.cpu_model}; "
                              "see the text report (repr) for what is measured and what is modelled</span>")

    def text(self):
        return self.shown.render()


class TuningProgress(TextTwin, widgets.HBox):
    """A progress bar for ``power_tune(progress=...)``: call it with (done, total, memory_mb)."""

    def __init__(self, function, total):
        self.function = function
        self.total = total
        self.done = 0
        self.memory_mb = None
        self.bar = widgets.IntProgress(value=0, min=0, max=total, description="tuning")
        self.label = widgets.Label()
        self._show()
        super().__init__(children=[self.bar, self.label])

    def __call__(self, done, total, memory_mb):
        self.done, self.total, self.memory_mb = done, total, memory_mb
        self.bar.max = total
        self.bar.value = done
        self._show()

    def _show(self):
        self.label.value = self.text()

    def text(self):
        at = f", now at {self.memory_mb} MB" if self.memory_mb is not None and self.done < self.total else ""
        return f"Power tuning {self.function}: {self.done}/{self.total} invocations{at}"
