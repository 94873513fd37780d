"""The asynchronous retry timeline: each event's attempts, the waits between them, its ending.

It reads the records of asynchronous (Event) attempts and the events' outcomes
(`AsyncOutcome`s, from the runtime's async queue or from a simulation), so a real run and
a simulation draw alike. One row per event: accepted, each attempt (ok, failed or
throttled) with the wait before it (AWS waits 1 and then 2 minutes after a function error),
and how it ended: Success, RetriesExhausted or EventAgeExceeded, and where it was sent.
"""

from collections import Counter
from dataclasses import dataclass

import plotly.graph_objects as go

from ...scale.async_retry import EVENT_AGE_EXCEEDED, RETRIES_EXHAUSTED, SUCCESS
from ...core.records import OK, THROTTLED
from .base import LAYOUT, ChartWidget, fix_uids, plural, since, time_unit

EVENT = "Event"
MAX_EVENTS = 30           # drawn and listed; the header counts them all
DESTINATIONS = {"on_success": "OnSuccess destination", "on_failure": "OnFailure destination",
                "dead_letter_queue": "dead-letter queue"}
ENDINGS = {SUCCESS: "succeeded", RETRIES_EXHAUSTED: "retries exhausted", EVENT_AGE_EXCEEDED: "too old"}
COLORS = {"wait": "#b0b0b0", "run": "#3b7dd8", "accepted": "#555555", "ok": "#2ca02c", "failed": "#d62728",
          "throttled": "#e8833a", "succeeded": "#2ca02c", "delivered": "#8c1c13", "discarded": "#000000"}
CHART_TEXT = "(chart: asynchronous events, their attempts, waits and endings)"


@dataclass(frozen=True)
class Attempt:
    number: int
    start_ms: float
    end_ms: float
    outcome: str
    error_type: str | None


@dataclass(frozen=True)
class EventHistory:
    request_id: str
    function: str
    accepted_ms: float
    attempts: tuple
    outcome: object = None    # the AsyncOutcome, None while the event is still queued

    @property
    def ending(self):
        """What became of the event, in words."""
        o = self.outcome
        if o is None:
            return "still queued"
        sent = [DESTINATIONS[d] for d in o.destinations]
        if sent:
            return f"{o.condition} -> {' and '.join(sent)}"
        return o.condition if o.condition == SUCCESS else f"{o.condition}, discarded (no DLQ or OnFailure)"


@dataclass(frozen=True)
class RetryFacts:
    origin_ms: float
    events: tuple

    def summary(self):
        failed = sum(1 for e in self.events if e.outcome is not None and e.outcome.condition != SUCCESS)
        return (f"{plural(len(self.events), 'event')}, {failed:,} failed, "
                f"{plural(sum(len(e.attempts) for e in self.events), 'attempt')}")

    def text(self):
        ended = Counter(e.outcome.condition for e in self.events if e.outcome is not None)
        counts = [f"{ended[c]:,} {ENDINGS[c]}" for c in ENDINGS if ended[c]]
        queued = sum(1 for e in self.events if e.outcome is None)
        counts += [f"{queued:,} still queued"] if queued else []
        attempts = sum(len(e.attempts) for e in self.events)
        out = [f"Async retry timeline: {plural(len(self.events), 'event')} ({', '.join(counts) or 'none'}), "
               f"{plural(attempts, 'attempt')}; {since(self.origin_ms)}"]
        for event in self.events[:MAX_EVENTS]:
            out += self._event_text(event)
        if len(self.events) > MAX_EVENTS:
            out.append(f"  ... and {plural(len(self.events) - MAX_EVENTS, 'more event')} (see .facts.events)")
        return "\n".join(out)

    def _event_text(self, event):
        at = self._at
        o = event.outcome
        when = f" at {at(o.finished_ms)}" if o is not None else ""
        lines = [f"  {event.request_id} ({event.function}): accepted {at(event.accepted_ms)}; "
                 f"{event.ending}{when}"]
        free = event.accepted_ms
        for a in event.attempts:
            error = f" ({a.error_type})" if a.error_type else ""
            wait = f", after waiting {(a.start_ms - free) / 1000:,.3f} s" if a.number > 1 else ""
            lines.append(f"    attempt {a.number} {at(a.start_ms)} {a.outcome}{error}{wait}")
            free = a.end_ms
        return lines

    def _at(self, ms):
        return f"+{(ms - self.origin_ms) / 1000:,.3f} s"


def retry_facts(records, outcomes=(), function=None):
    """Histories of the asynchronous events in `records` and `outcomes` (of `function`, if given)."""
    attempts = {}
    for r in sorted((r for r in records if r.invocation_type == EVENT and function in (None, r.function)),
                    key=lambda r: (r.start_ms, r.attempt)):
        attempts.setdefault(r.request_id, []).append(r)
    ended = {o.request_id: o for o in outcomes if function in (None, o.function)}
    # Events accepted at one instant keep the order they were first attempted (or ended) in.
    order = {}
    for request_id in [*attempts, *ended]:
        order.setdefault(request_id, len(order))
    events = []
    for request_id in set(attempts) | set(ended):
        mine = attempts.get(request_id, [])
        outcome = ended.get(request_id)
        accepted = outcome.accepted_ms if outcome is not None else mine[0].start_ms
        name = outcome.function if outcome is not None else mine[0].function
        events.append(EventHistory(request_id, name, accepted, tuple(
            Attempt(n, r.start_ms, r.end_ms, r.outcome, r.error_type) for n, r in enumerate(mine, start=1)),
            outcome))
    events.sort(key=lambda e: (e.accepted_ms, order[e.request_id]))
    origin = events[0].accepted_ms if events else 0.0
    return RetryFacts(origin, tuple(events))


# ---------------------------------------------------------------- figure
def retry_figure(facts):
    events = facts.events[:MAX_EVENTS]
    ends = [e.outcome.finished_ms for e in events if e.outcome] + \
        [a.end_ms for e in events for a in e.attempts] + [facts.origin_ms]
    span = max(ends) - facts.origin_ms
    unit, per = time_unit(span)

    def x(ms):
        return (ms - facts.origin_ms) / per
    wait_x, wait_y, run_x, run_y = [], [], [], []
    marks = {kind: ([], [], []) for kind in ("accepted", "ok", "failed", "throttled",
                                               "succeeded", "delivered", "discarded")}

    def mark(kind, ms, row, text):
        xs, ys, texts = marks[kind]
        xs.append(x(ms))
        ys.append(row)
        texts.append(text)
    for event in events:
        row = event.request_id[:8]
        mark("accepted", event.accepted_ms, row, "accepted")
        free = event.accepted_ms
        for a in event.attempts:
            wait_x += [x(free), x(a.start_ms), None]
            wait_y += [row, row, None]
            kind = "ok" if a.outcome == OK else "throttled" if a.outcome == THROTTLED else "failed"
            mark(kind, a.start_ms, row, f"attempt {a.number}: {a.outcome}")
            if a.end_ms > a.start_ms:
                run_x += [x(a.start_ms), x(a.end_ms), None]
                run_y += [row, row, None]
            free = a.end_ms
        o = event.outcome
        if o is not None:
            wait_x += [x(free), x(o.finished_ms), None]
            wait_y += [row, row, None]
            kind = "delivered" if o.condition != SUCCESS and o.destinations else \
                "succeeded" if o.condition == SUCCESS else "discarded"
            mark(kind, o.finished_ms, row, event.ending)
    figure = go.Figure()
    figure.add_trace(go.Scatter(name="waiting", x=wait_x, y=wait_y, mode="lines", hoverinfo="skip",
                                line=dict(color=COLORS["wait"], dash="dot")))
    figure.add_trace(go.Scatter(name="running", x=run_x, y=run_y, mode="lines", hoverinfo="skip",
                                line=dict(color=COLORS["run"], width=4)))
    styles = {"accepted": ("accepted", "circle-open", 9), "ok": ("attempt ok", "circle", 10),
              "failed": ("attempt failed", "circle-x", 11), "throttled": ("attempt throttled", "triangle-up", 10),
              "succeeded": ("succeeded", "star", 13), "delivered": ("sent to DLQ / OnFailure", "square", 11),
              "discarded": ("discarded", "x", 11)}
    for kind, (name, symbol, size) in styles.items():
        xs, ys, texts = marks[kind]
        figure.add_trace(go.Scatter(name=name, x=xs, y=ys, mode="markers", hovertext=texts,
                                    marker=dict(symbol=symbol, size=size, color=COLORS[kind]),
                                    hovertemplate=f"%{{hovertext}} at %{{x:,.3f}} {unit}<extra></extra>"))
    rows = [e.request_id[:8] for e in events]
    figure.update_yaxes(type="category", categoryorder="array", categoryarray=rows, autorange="reversed",
                        title_text="request id")
    # A little room either side, so markers at the first and last instants are not cut in half.
    figure.update_xaxes(title_text=unit, range=[-0.02 * span / per, 1.03 * span / per] if span else None)
    title = "Asynchronous events" if rows else "Asynchronous events (none yet)"
    figure.update_layout(height=160 + 28 * max(len(rows), 1), title=title, **LAYOUT)
    return fix_uids(figure, "retries")


class AsyncRetryTimeline(ChartWidget):
    """Each asynchronous event's attempts, waits and ending; repr is the text twin."""

    chart_text = CHART_TEXT
    draw = staticmethod(retry_figure)

    def __init__(self, records, outcomes=(), function=None):
        self.function = function
        super().__init__(retry_facts(records, outcomes, function))

    def update(self, records, outcomes=()):
        """Redraw from these records and outcomes (events still in the queue show as queued)."""
        self.show(retry_facts(records, outcomes, self.function))
