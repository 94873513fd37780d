"""The billing dashboard: what the invocations cost, a month at their rate, and a what-if.

It reads invocation records and prices them with lambdakit.cost.billing; it never calls the
runtime. Three stacked bars by component (observed, a 30-day month at the observed rate,
and the what-if month the sliders describe), each at list price and with the free tier,
whose credit is drawn as the grey offset. Its `text/plain` (`dashboard_text`) carries the
graded facts: the bill, the projection and the what-if, with fixed decimals.
"""

import math
from collections import Counter
from dataclasses import dataclass, fields

import ipywidgets as widgets
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ...core import limits
from ...cost.billing import MONTH_S, monthly_bill, project_month
from ...cost.pricing import US_EAST_1, Charges, billed_duration_ms, format_usd
from ...core.records import THROTTLED
from .base import TextTwin, fix_uids
from .charts import chart, redraw

COMPONENTS = tuple(f.name for f in fields(Charges))
COMPONENT_NAMES = {"requests": "requests", "duration": "duration", "init": "INIT",
                   "provisioned": "provisioned concurrency",
                   "provisioned_duration": "provisioned duration", "ephemeral": "ephemeral storage"}
COLORS = {"requests": "#8c564b", "duration": "#3b7dd8", "init": "#e8833a", "provisioned": "#9467bd",
          "provisioned_duration": "#c5b0d5", "ephemeral": "#17becf", "credit": "#d9d9d9"}
SCENARIOS = ("observed", "month", "what-if")
# Fewer billed invocations than this say little about a month's traffic (its mix of cold and
# warm starts above all); the text says so rather than let a projection pass for a forecast.
FORECAST_MIN_INVOCATIONS = 1_000
TITLES = {"observed": "observed", "month": "30-day month at the observed rate", "what-if": "what-if month"}
OBSERVED_PLACES = 10   # one invocation at 128 MB costs fractions of a micro-dollar
DEFAULT_WHAT_IF_INVOCATIONS = 1_000_000
DURATION_MAX_MS = limits.TIMEOUT_MAX_S * 1000
CHART_TEXT = "(chart: cost by component, observed, month and what-if)"


@dataclass(frozen=True)
class WhatIf:
    """A month of alike warm invocations (no INIT): what ``billing.monthly_cost`` prices."""
    invocations: int
    duration_ms: float
    memory_mb: int
    architecture: str = limits.DEFAULT_ARCHITECTURE

    def bill(self, prices=US_EAST_1):
        return monthly_bill(self.invocations, self.duration_ms, self.memory_mb, self.architecture,
                            prices=prices)

    def describe(self):
        return (f"{self.invocations:,} warm invocations (no INIT) x {self.duration_ms:,.1f} ms at "
                f"{self.memory_mb:,} MB, {self.architecture}")


def starting_what_if(records, projection=None):
    """The what-if the sliders start at: the records' usual memory, architecture and average
    billed handler duration (INIT left out: the what-if is warm invocations), at the projected
    monthly invocations."""
    billed = [r for r in records if r.outcome != THROTTLED]
    if not billed:
        return WhatIf(DEFAULT_WHAT_IF_INVOCATIONS, 100.0, limits.MEMORY_DEFAULT_MB)
    memory = Counter(r.memory_mb for r in billed).most_common(1)[0][0]
    architecture = Counter(r.architecture for r in billed).most_common(1)[0][0]
    duration = round(sum(billed_duration_ms(r.duration_ms, bill_init=False) for r in billed) / len(billed), 1)
    invocations = projection.month.requests if projection else DEFAULT_WHAT_IF_INVOCATIONS
    return WhatIf(max(invocations, 1), duration, memory, architecture)


# ------------------------------------------------------------------ text
def components_text(bill, places):
    """One line per component with a charge, list price beside free tier applied."""
    listed, free = bill.components(), bill.components(free_tier=True)
    rows = [(COMPONENT_NAMES[name], getattr(listed, name), getattr(free, name))
            for name in COMPONENTS if getattr(listed, name) or getattr(free, name)]
    rows.append(("total", bill.total(), bill.total(free_tier=True)))
    return [f"  {label:<26}{format_usd(a, places):>18}{format_usd(b, places):>18}" for label, a, b in rows]


def dashboard_text(records, what_if, prices=US_EAST_1):
    """The dashboard as stable text: what nbval compares."""
    records = list(records)
    projection = project_month(records, prices)
    throttled = sum(1 for r in records if r.outcome == THROTTLED)
    functions = len({r.function for r in records})
    out = [f"Billing dashboard: {len(records):,} invocations ({throttled:,} throttled, not billed) "
           f"of {functions} function{'s' * (functions != 1)}",
           f"  {'':<26}{'list price':>18}{'free tier':>18}"]
    if projection is None:
        out.append("Observed: nothing billed yet.")
    else:
        month = projection.month
        billed = len(records) - throttled
        cold = sum(1 for r in records if r.cold and r.outcome != THROTTLED)
        out += ["Observed:", *components_text(projection.observed, OBSERVED_PLACES),
                f"Month at the observed rate: these {billed:,} invocations ({cold:,} cold) in "
                f"{projection.span_ms / 1000:,.3f} s of clock time, x{projection.factor:,.2f} for "
                f"{MONTH_S // 86400} days: {month.requests:,} invocations, {month.gb_seconds():,.3f} GB-s:",
                *components_text(month, 2),
                f"  {'free tier credit':<26}{format_usd(-month.free_tier_credit(), 2):>36}"]
        if billed < FORECAST_MIN_INVOCATIONS:
            out.append(f"  (a sample of {billed:,} invocations, fewer than {FORECAST_MIN_INVOCATIONS:,}: "
                       "the same mix of cold and warm all month, arithmetic, not a forecast; "
                       "the what-if month is the estimate)")
    bill = what_if.bill(prices)
    out += [f"What-if month: {what_if.describe()}:", *components_text(bill, 2),
            f"  {'free tier credit':<26}{format_usd(-bill.free_tier_credit(), 2):>36}",
            f"Prices: {prices.region} list prices checked {prices.request.checked}; INIT is billed at the "
            "duration rate (since 1 Aug 2025); the free tier is 1M requests and 400,000 GB-s a month per account, x86_64 and "
            "arm64 together, none for functions with provisioned concurrency."]
    return "\n".join(out)


# ---------------------------------------------------------------- figure
def _bars(bill):
    """Per component: (list price, with free tier); and the free-tier credit."""
    listed, free = bill.components(), bill.components(free_tier=True)
    return ({name: (float(getattr(listed, name)), float(getattr(free, name))) for name in COMPONENTS},
            float(bill.free_tier_credit()))


def billing_figure(bills):
    """Stacked cost by component for each scenario in ``bills`` (None: nothing to show)."""
    figure = make_subplots(rows=1, cols=len(SCENARIOS), horizontal_spacing=0.09,
                           subplot_titles=[TITLES[s] for s in SCENARIOS])
    for column, scenario in enumerate(SCENARIOS, start=1):
        bars, credit = _bars(bills[scenario]) if bills[scenario] else ({n: (0.0, 0.0) for n in COMPONENTS}, 0.0)
        for name in COMPONENTS:
            figure.add_trace(go.Bar(
                name=COMPONENT_NAMES[name], x=["list price", "free tier"], y=list(bars[name]),
                marker_color=COLORS[name], legendgroup=name, showlegend=column == 1,
                hovertemplate=f"{COMPONENT_NAMES[name]}: $%{{y:,.10f}}<extra></extra>"), row=1, col=column)
        figure.add_trace(go.Bar(
            name="free tier credit", x=["free tier"], y=[credit], marker_color=COLORS["credit"],
            marker_pattern_shape="/", legendgroup="credit", showlegend=column == 1,
            hovertemplate="free tier credit: $%{y:,.10f}<extra></extra>"), row=1, col=column)
        figure.update_yaxes(tickprefix="$", rangemode="tozero", row=1, col=column)
    figure.update_layout(barmode="stack", height=330, margin=dict(l=10, r=10, t=40, b=10),
                         legend=dict(orientation="h", y=-0.15), template="none", plot_bgcolor="white")
    return fix_uids(figure, "billing")


def _trace_index(scenario):
    return SCENARIOS.index(scenario) * (len(COMPONENTS) + 1)


# ----------------------------------------------------------------- widget
class BillingDashboard(TextTwin, widgets.VBox):
    """The bill of ``records``, a month at their rate, and a what-if driven by sliders."""

    def __init__(self, records, what_if=None, prices=US_EAST_1):
        self.records = tuple(records)
        self.prices = prices
        self.projection = project_month(self.records, prices)
        start = what_if or starting_what_if(self.records, self.projection)
        self.invocations = widgets.FloatLogSlider(
            value=start.invocations, base=10, min=0, max=10, step=0.01, description="invocations",
            readout_format=",.0f", continuous_update=False)
        self.memory = widgets.IntSlider(
            value=start.memory_mb, min=limits.MEMORY_MIN_MB, max=limits.MEMORY_MAX_MB, step=1,
            description="memory MB", continuous_update=False)
        self.duration = widgets.FloatLogSlider(
            value=start.duration_ms, base=10, min=0, max=math.log10(DURATION_MAX_MS), step=0.01,
            description="duration ms", readout_format=",.1f", continuous_update=False)
        self.architecture = widgets.ToggleButtons(
            options=limits.ARCHITECTURES, value=start.architecture, description="architecture")
        self.figure = billing_figure({
            "observed": self.projection.observed if self.projection else None,
            "month": self.projection.month if self.projection else None,
            "what-if": start.bill(prices)})
        self.summary = widgets.HTML()
        self.chart = chart(self.figure, CHART_TEXT)
        for control in (self.invocations, self.memory, self.duration, self.architecture):
            control.observe(self._changed, names="value")
        self._show_what_if()
        super().__init__(children=[self.chart, widgets.HBox([self.invocations, self.memory]),
                                   widgets.HBox([self.duration, self.architecture]), self.summary],
                         layout=widgets.Layout(border="1px solid #ddd", padding="8px", max_width="1100px"))

    @property
    def what_if(self):
        """The what-if the sliders describe now."""
        return WhatIf(int(round(self.invocations.value)), round(self.duration.value, 1),
                      self.memory.value, self.architecture.value)

    def set_what_if(self, invocations=None, duration_ms=None, memory_mb=None, architecture=None):
        """Move the sliders (None leaves one where it is); returns the new WhatIf."""
        for control, value in ((self.invocations, invocations), (self.duration, duration_ms),
                               (self.memory, memory_mb), (self.architecture, architecture)):
            if value is not None:
                control.value = value
        return self.what_if

    def what_if_cost(self, free_tier=False):
        """The what-if month's exact total (``billing.monthly_cost`` of the sliders)."""
        return self.what_if.bill(self.prices).total(free_tier=free_tier)

    def _changed(self, change):
        self._show_what_if()

    def _show_what_if(self):
        bill = self.what_if.bill(self.prices)
        bars, credit = _bars(bill)
        first = _trace_index("what-if")
        for offset, name in enumerate(COMPONENTS):
            self.figure.data[first + offset].y = list(bars[name])
        self.figure.data[first + len(COMPONENTS)].y = [credit]
        redraw(self.chart, self.figure, CHART_TEXT)
        self.summary.value = (f"<b>What-if month</b>: {self.what_if.describe()}: "
                              f"{format_usd(bill.total(), 2)} list price, "
                              f"{format_usd(bill.total(free_tier=True), 2)} with the free tier")

    def text(self):
        return dashboard_text(self.records, self.what_if, self.prices)
