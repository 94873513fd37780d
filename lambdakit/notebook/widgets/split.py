"""The alias traffic split: which versions an alias's requests ran, against its weights.

It reads invocation records (each says the version that ran) and the alias as GetAlias
describes it (its version and RoutingConfig.AdditionalVersionWeights). Routing is random
per request, so a 10% canary gets about 10%, not exactly: the text twin prints the count
expected and its standard deviation beside what was observed. Each request counts once
(its first attempt), throttled or not: the version is chosen before concurrency is.
"""

import math
from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .base import ABOVE_SUBPLOT_TITLES, LAYOUT, ChartWidget, fix_uids, plural, thin

MAX_POINTS = 2_000
COLORS = {"configured": "#b0b0b0", "observed": "#3b7dd8", "share": "#e8833a"}
CHART_TEXT = "(chart: versions' share of the alias's requests against the configured weights)"


@dataclass(frozen=True)
class SplitFacts:
    function: str
    alias: str
    weights: tuple            # (version, configured share), the alias's version first
    versions: tuple           # the version of each request, in order
    others: int = 0           # records of versions the alias does not route to

    @property
    def counts(self):
        return tuple((version, self.versions.count(version)) for version, _ in self.weights)

    def running_share(self):
        """(requests so far, share of the watched version so far): the last weighted version."""
        watched = self.weights[-1][0]
        seen, points = 0, []
        for n, version in enumerate(self.versions, start=1):
            seen += version == watched
            points.append((n, seen / n))
        return watched, points

    def summary(self):
        total = max(len(self.versions), 1)
        observed = ", ".join(f"version {v} {n / total:.1%}" for v, n in self.counts)
        return f"{plural(len(self.versions), 'request')} through {self.function}:{self.alias}: {observed}"

    def text(self):
        primary, *extra = self.weights
        routing = "".join(f", {share:.0%} to version {v}" for v, share in extra)
        total = len(self.versions)
        out = [f"Alias {self.function}:{self.alias} -> version {primary[0]}{routing}: "
               f"{plural(total, 'request')} routed"]
        for (version, share), (_, n) in zip(self.weights, self.counts):
            observed = f"{n:,} ({n / total:.1%})" if total else "0"
            spread = math.sqrt(total * share * (1 - share))
            out.append(f"  version {version}: configured {share:.1%}, observed {observed}, "
                       f"expected {total * share:,.1f} ± {spread:,.1f}")
        if self.others:
            out.append(f"  ({plural(self.others, 'invocation')} of other versions left out)")
        return "\n".join(out)


def alias_weights(alias):
    """((version, share), ...) of a GetAlias description, the alias's own version first."""
    extra = alias.get("RoutingConfig", {}).get("AdditionalVersionWeights", {})
    primary = 1 - sum(extra.values())
    return ((alias["FunctionVersion"], round(primary, 6)),) + tuple(sorted(extra.items()))


def split_facts(records, alias, function=None):
    """Facts from `records` and a GetAlias description (its ARN names the function)."""
    function = function or alias["AliasArn"].split(":")[6]
    weights = alias_weights(alias)
    routed = {version for version, _ in weights}
    mine = sorted((r for r in records if r.function == function and r.attempt == 1),
                  key=lambda r: r.start_ms)
    versions = tuple(r.version for r in mine if r.version in routed)
    return SplitFacts(function, alias["Name"], weights, versions, len(mine) - len(versions))


def split_figure(facts):
    figure = make_subplots(rows=1, cols=2, column_widths=[0.4, 0.6], horizontal_spacing=0.12,
                           subplot_titles=("share of requests", "share as requests accumulate"))
    labels = [f"version {v}" for v, _ in facts.weights]
    total = len(facts.versions) or 1
    figure.add_trace(go.Bar(name="configured", x=labels, y=[share for _, share in facts.weights],
                            marker_color=COLORS["configured"], hovertemplate="configured %{y:.1%}<extra></extra>"),
                     row=1, col=1)
    figure.add_trace(go.Bar(name="observed", x=labels, y=[n / total for _, n in facts.counts],
                            marker_color=COLORS["observed"], hovertemplate="observed %{y:.1%}<extra></extra>"),
                     row=1, col=1)
    watched, points = facts.running_share()
    points = thin(points, MAX_POINTS)
    share = dict(facts.weights)[watched]
    figure.add_trace(go.Scatter(name=f"observed share of version {watched}", mode="lines",
                                x=[n for n, _ in points], y=[s for _, s in points], line_color=COLORS["share"],
                                hovertemplate="after %{x:,} requests: %{y:.1%}<extra></extra>"), row=1, col=2)
    figure.add_trace(go.Scatter(name=f"configured {share:.0%}", mode="lines", x=[1, max(len(facts.versions), 1)],
                                y=[share, share], line=dict(color=COLORS["configured"], dash="dash"),
                                hoverinfo="skip"), row=1, col=2)
    figure.update_yaxes(tickformat=".0%", range=[0, 1.05])
    figure.update_xaxes(title_text="requests", row=1, col=2)
    figure.update_layout(height=340, barmode="group",
                         title=f"Traffic split of {facts.function}:{facts.alias}", **{**LAYOUT, **ABOVE_SUBPLOT_TITLES})
    return fix_uids(figure, "split")


class TrafficSplit(ChartWidget):
    """An alias's weighted routing against what its requests ran; repr is the text twin."""

    chart_text = CHART_TEXT
    draw = staticmethod(split_figure)

    def __init__(self, records, alias, function=None):
        self.alias, self.function = alias, function
        super().__init__(split_facts(records, alias, function))

    def update(self, records):
        """Redraw from these records (more requests through the alias)."""
        self.show(split_facts(records, self.alias, self.function))
