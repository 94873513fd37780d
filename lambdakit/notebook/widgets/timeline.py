"""The cold-start timeline: execution environments as swim lanes, and its text twin.

One lane per environment: its INIT and invoke blocks, the idle gaps between them, and how
it ended (reclaimed after idling, retired by new code, stopped after a fault). It reads
invocation records and, from a Runtime, its lifecycle events; a simulation has no
lifecycle, so its reclaims can be drawn from the modelled idle time instead, and are
labelled as modelled. Throttled requests never reached an environment: they sit in a
lane of their own.
"""

from collections import Counter
from dataclasses import dataclass

import plotly.graph_objects as go

from ...core.records import OK, THROTTLED
from .base import LAYOUT, ChartWidget, fix_uids, plural, seconds, since, time_unit

MAX_LANES = 40            # drawn and listed; the header counts them all
MAX_BLOCKS = 2_000        # invocations drawn; a long run's chart stops after them
CREATED = "created"
MODELLED_RECLAIM = "reclaimed (modelled)"
THROTTLED_LANE = "throttled"
COLORS = {"idle": "#e6e6e6", "init": "#e8833a", "invoke": "#3b7dd8", "error": "#c0392b",
          "end": "#555555", "throttled": "#d62728"}
CHART_TEXT = "(chart: environments as swim lanes, INIT and invoke blocks, idle gaps)"


@dataclass(frozen=True)
class Block:
    """One attempt in an environment: INIT (if cold) then the handler."""
    request_id: str
    start_ms: float
    init_ms: float
    duration_ms: float
    outcome: str
    cold: bool

    @property
    def end_ms(self):
        return self.start_ms + self.init_ms + self.duration_ms


@dataclass(frozen=True)
class Lane:
    environment_id: str
    function: str
    version: str
    created_ms: float
    blocks: tuple
    ended: tuple | None = None      # (kind, at_ms): reclaimed, retired, stopped, or modelled
    provisioned: bool = False

    def idle_gaps(self, until_ms):
        """(from, to) of each idle stretch; a lane still warm idles until `until_ms`.

        A provisioned environment idles from its creation (INIT ahead of traffic) to its first use.
        """
        gaps, free = [], self.created_ms if self.blocks and self.created_ms < self.blocks[0].start_ms else None
        for block in self.blocks:
            if free is not None and block.start_ms > free:
                gaps.append((free, block.start_ms))
            free = block.end_ms
        stop = self.ended[1] if self.ended else until_ms
        if free is not None and stop > free:
            gaps.append((free, stop))
        return tuple(gaps)

    @property
    def init_ms(self):
        return sum(block.init_ms for block in self.blocks)


@dataclass(frozen=True)
class Timeline:
    origin_ms: float
    end_ms: float
    lanes: tuple
    throttled: tuple = ()           # start times of throttled requests
    function: str | None = None

    @property
    def invocations(self):
        return sum(len(lane.blocks) for lane in self.lanes)

    @property
    def cold_starts(self):
        return sum(block.cold for lane in self.lanes for block in lane.blocks)

    def summary(self):
        return (f"{plural(len(self.lanes), 'environment')}, {plural(self.cold_starts, 'cold start')} in "
                f"{plural(self.invocations, 'invocation')}, {len(self.throttled):,} throttled "
                "(the printed text of this widget lists every lane)")

    def text(self):
        """The timeline as stable text: what nbval compares."""
        what = f" of {self.function}" if self.function else ""
        out = [f"Cold-start timeline{what}: {plural(len(self.lanes), 'environment')}, "
               f"{plural(self.invocations, 'invocation')} ({plural(self.cold_starts, 'cold start')}), "
               f"{len(self.throttled):,} throttled; {since(self.origin_ms)}"]
        out += ["  " + self._lane_text(lane) for lane in self.lanes[:MAX_LANES]]
        if len(self.lanes) > MAX_LANES:
            out.append(f"  ... and {plural(len(self.lanes) - MAX_LANES, 'more environment')} (see .facts.lanes)")
        return "\n".join(out)

    def _lane_text(self, lane):
        created = seconds(lane.created_ms - self.origin_ms)
        parts = [f"{lane.environment_id} {lane.function}:{lane.version}: created {created}"]
        if lane.provisioned:
            parts.append("provisioned (INIT ahead of traffic)")
        elif lane.init_ms:
            parts.append(f"INIT {lane.init_ms:,.2f} ms")
        failed = Counter(b.outcome for b in lane.blocks if b.outcome != OK)
        failures = f" ({', '.join(f'{n} {o}' for o, n in sorted(failed.items()))})" if failed else ""
        parts.append(plural(len(lane.blocks), "invocation") + failures)
        gaps = lane.idle_gaps(self.end_ms)
        if gaps:
            parts.append(f"longest idle {max(b - a for a, b in gaps) / 1000:,.3f} s")
        if lane.ended:
            parts.append(f"{lane.ended[0]} {seconds(lane.ended[1] - self.origin_ms)}")
        else:
            parts.append("warm at the end")
        return "; ".join(parts)


def build_timeline(records, lifecycle=(), function=None, idle_reclaim_s=None, until_ms=None):
    """The lanes of `records` (and `lifecycle` events), optionally of one function.

    Without lifecycle events, `idle_reclaim_s` (e.g. a Scenario's) marks where an idle
    environment would be reclaimed, if that is before `until_ms` (default: the last activity).
    """
    records = [r for r in records if function in (None, r.function)]
    lifecycle = [e for e in lifecycle if function in (None, e.function)]
    throttled = sorted(r.start_ms for r in records if r.outcome == THROTTLED and r.environment_id is None)
    blocks, seen, provisioned = {}, {}, set()
    for r in sorted((r for r in records if r.environment_id is not None), key=lambda r: r.start_ms):
        blocks.setdefault(r.environment_id, []).append(
            Block(r.request_id, r.start_ms, r.init_ms, r.duration_ms, r.outcome, r.cold))
        seen.setdefault(r.environment_id, r)
        if r.provisioned:
            provisioned.add(r.environment_id)
    created, ended = {}, {}
    for event in lifecycle:
        if event.kind == CREATED:
            created.setdefault(event.environment_id, event)
        else:
            ended.setdefault(event.environment_id, (event.kind, event.at_ms))
    times = [b.start_ms for bs in blocks.values() for b in bs] + [e.at_ms for e in lifecycle] + throttled
    if not times:
        return Timeline(0.0, 0.0, (), (), function)
    origin = min(times)
    end = max([b.end_ms for bs in blocks.values() for b in bs] + [e.at_ms for e in lifecycle] + throttled)
    end = end if until_ms is None else max(end, until_ms)
    lanes = []
    for env_id in set(blocks) | set(created):
        mine = tuple(blocks.get(env_id, ()))
        first = seen.get(env_id) or created[env_id]
        start = created[env_id].at_ms if env_id in created else mine[0].start_ms
        end_event = ended.get(env_id)
        if end_event is None and idle_reclaim_s is not None and mine and not lifecycle:
            at = max(b.end_ms for b in mine) + idle_reclaim_s * 1000.0
            end_event = (MODELLED_RECLAIM, at) if at <= end else None
        lanes.append(Lane(env_id, first.function, first.version, start, mine, end_event, env_id in provisioned))
    lanes.sort(key=lambda lane: (lane.created_ms, _number(lane.environment_id)))
    return Timeline(origin, end, tuple(lanes), tuple(throttled), function)


def _number(environment_id):
    """env-10 after env-9."""
    head, _, tail = environment_id.rpartition("-")
    return (head, int(tail)) if tail.isdigit() else (environment_id, 0)


# ---------------------------------------------------------------- figure
def _label(lane):
    return f"{lane.environment_id} ({lane.function}:{lane.version})"


def _cutoff(lanes, end_ms):
    """Where the chart stops: after the first MAX_BLOCKS invocations of `lanes`, or at the end."""
    starts = sorted(block.start_ms for lane in lanes for block in lane.blocks)
    return (starts[MAX_BLOCKS] if len(starts) > MAX_BLOCKS else end_ms), min(len(starts), MAX_BLOCKS)


def timeline_figure(timeline):
    """Horizontal bars on a time axis, one row per environment (and one for throttles)."""
    lanes = timeline.lanes[:MAX_LANES]
    origin = timeline.origin_ms
    cutoff, drawn = _cutoff(lanes, timeline.end_ms)
    unit, per = time_unit(cutoff - origin)
    rows = {"idle": [], "init": [], "invoke": [], "error": []}
    ends = []
    for lane in lanes:
        label = _label(lane)
        for start, stop in lane.idle_gaps(timeline.end_ms):
            if start < cutoff:
                rows["idle"].append((label, start, min(stop, cutoff) - start, "idle"))
        for block in lane.blocks:
            if block.start_ms >= cutoff:
                break
            if block.init_ms:
                rows["init"].append((label, block.start_ms, block.init_ms, f"INIT {block.request_id}"))
            kind = "invoke" if block.outcome == OK else "error"
            rows[kind].append((label, block.start_ms + block.init_ms, block.duration_ms,
                               f"{block.outcome} {block.request_id}"))
        if lane.ended and lane.ended[1] <= cutoff:
            ends.append((label, lane.ended[1], lane.ended[0]))
    throttled = [t for t in timeline.throttled if t < cutoff]
    figure = go.Figure()
    names = {"idle": "idle", "init": "INIT", "invoke": "invoke", "error": "failed invoke"}
    for kind, bars in rows.items():
        figure.add_trace(go.Bar(
            name=names[kind], orientation="h", y=[b[0] for b in bars], x=[b[2] / per for b in bars],
            base=[(b[1] - origin) / per for b in bars], marker_color=COLORS[kind], width=0.6,
            hovertext=[b[3] for b in bars], hovertemplate=f"%{{hovertext}}: %{{x:.3f}} {unit}<extra></extra>"))
    figure.add_trace(go.Scatter(
        name="environment ends", mode="markers", y=[e[0] for e in ends], x=[(e[1] - origin) / per for e in ends],
        marker=dict(symbol="x", size=11, color=COLORS["end"]), hovertext=[e[2] for e in ends],
        hovertemplate=f"%{{hovertext}} at %{{x:.3f}} {unit}<extra></extra>"))
    figure.add_trace(go.Scatter(
        name="throttled", mode="markers", y=[THROTTLED_LANE] * len(throttled),
        x=[(t - origin) / per for t in throttled],
        marker=dict(symbol="line-ns-open", size=12, color=COLORS["throttled"]),
        hovertemplate=f"throttled at %{{x:.3f}} {unit}<extra></extra>"))
    order = [_label(lane) for lane in lanes] + ([THROTTLED_LANE] if throttled else [])
    figure.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed", type="category")
    figure.update_xaxes(title_text=unit, rangemode="tozero")
    what = f" of {timeline.function}" if timeline.function else ""
    shown = []
    if len(timeline.lanes) > MAX_LANES:
        shown.append(f"the first {MAX_LANES} of {len(timeline.lanes):,} environments")
    if cutoff < timeline.end_ms:
        shown.append(f"their first {drawn:,} invocations")
    note = f" ({', '.join(shown)})" if shown else ""
    figure.update_layout(barmode="overlay", height=140 + 26 * max(len(order), 1),
                         title=f"Execution environments{what}{note}", **LAYOUT)
    return fix_uids(figure, "timeline")


class ColdStartTimeline(ChartWidget):
    """Environments as swim lanes: INIT and invoke blocks, idle gaps, reclaims; repr is the text twin."""

    chart_text = CHART_TEXT
    draw = staticmethod(timeline_figure)

    def __init__(self, records, lifecycle=(), function=None, idle_reclaim_s=None, until_ms=None):
        self.function, self.idle_reclaim_s, self.until_ms = function, idle_reclaim_s, until_ms
        super().__init__(self._facts(records, lifecycle))

    def update(self, records, lifecycle=()):
        """Redraw from these records and lifecycle events (a run that goes on)."""
        self.show(self._facts(records, lifecycle))

    def _facts(self, records, lifecycle):
        return build_timeline(records, lifecycle, self.function, self.idle_reclaim_s, self.until_ms)
