"""A durable execution's timeline: its operations (steps, waits, callbacks, retries, child
contexts, chained invokes) as bars in time, each invocation (the first and every replay) as a
band with what it cost, and the bill. The text twin prints the same, from the history.

It reads `Runtime.durable_execution(arn)` (operations, events, invocations with their records)
and `lambdakit.cost.durable`; it never reaches into the service.
"""

from dataclasses import dataclass

import plotly.graph_objects as go

from ...cost.durable import durable_bill
from ...cost.pricing import format_usd
from .base import LAYOUT, ChartWidget, fix_uids, plural, since, time_unit

CHART_TEXT = "(chart: the execution's operations and invocations in time)"
COLORS = {"STEP": "#3b7dd8", "WAIT": "#b0b0b0", "CALLBACK": "#e8833a", "CONTEXT": "#7fb77e",
          "CHAINED_INVOKE": "#9b6fd1", "invocation": "#d9534f"}


@dataclass(frozen=True)
class OperationRow:
    label: str
    type: str
    status: str
    start_ms: float
    end_ms: float | None
    attempts: int
    callback_id: str | None = None


@dataclass(frozen=True)
class InvocationRow:
    request_id: str
    start_ms: float
    end_ms: float
    status: str
    billed_ms: int
    cost: object


@dataclass(frozen=True)
class DurableFacts:
    name: str
    status: str
    start_ms: float
    end_ms: float | None
    operations: tuple
    invocations: tuple
    bill: object

    def _at(self, ms):
        return _span(ms - self.start_ms)

    def summary(self):
        return (f"{self.name}: {self.status}, {plural(len(self.invocations), 'invocation')}, "
                f"{plural(self.bill.operations, 'durable operation')}, {format_usd(self.bill.total, 6)}")

    def text(self):
        lasted = "" if self.end_ms is None else f" after {_span(self.end_ms - self.start_ms)}"
        out = [f"Durable execution {self.name}: {self.status}{lasted} ({since(self.start_ms)})",
               "Operations:"]
        for op in self.operations:
            end = "" if op.end_ms is None else f" -> {self._at(op.end_ms)}"
            retried = f", {plural(op.attempts, 'attempt')}" if op.attempts > 1 else ""
            callback = f", CallbackId {op.callback_id}" if op.callback_id and op.status == "STARTED" else ""
            out.append(f"  {op.type:<15}{op.label:<22}{op.status:<10}{self._at(op.start_ms)}{end}{retried}{callback}")
        out.append("Invocations:")
        for n, inv in enumerate(self.invocations, start=1):
            kind = "first" if n == 1 else "replay"
            out.append(f"  {n:>2} {kind:<7}{self._at(inv.start_ms):>12}  {inv.status:<10}"
                       f"billed {inv.billed_ms:,} ms  {format_usd(inv.cost, 8)}")
        bill = self.bill
        out.append(f"Bill: {format_usd(bill.compute, 8)} compute ({plural(bill.invocations, 'request')}, "
                   f"{bill.billed_ms:,} ms billed) + {format_usd(bill.operations_cost, 6)} for "
                   f"{plural(bill.operations, 'durable operation')} = {format_usd(bill.total, 6)}; "
                   f"{bill.bytes_written:,} bytes checkpointed (storage not priced)")
        return "\n".join(out)


def facts(runtime, arn):
    """The timeline's facts for the execution `arn` of `runtime`."""
    from ...cost.billing import record_cost
    execution = runtime.durable_execution(arn)
    operations = tuple(
        OperationRow(op.name or op.sub_type or op.type.lower(), op.type, op.status, op.start_ms, op.end_ms,
                     op.details.get("Attempt", 0) + 1 if op.type == "STEP" else 1, op.details.get("CallbackId"))
        for op in execution.operations.values() if op.type != "EXECUTION")
    invocations = tuple(
        InvocationRow(i.request_id, i.start_ms, i.end_ms, i.status, i.record.billed_ms if i.record else 0,
                      record_cost(i.record).total if i.record else 0)
        for i in execution.invocations)
    bill = durable_bill([i.record for i in execution.invocations], execution.operations_billed,
                        execution.bytes_written)
    return DurableFacts(execution.name, execution.status, execution.start_ms, execution.end_ms,
                        operations, invocations, bill)


class DurableTimeline(ChartWidget):
    chart_text = CHART_TEXT

    def draw(self, facts):
        last = max([facts.end_ms or 0] + [o.end_ms or o.start_ms for o in facts.operations]
                   + [i.end_ms for i in facts.invocations] + [facts.start_ms + 1])
        unit, per = time_unit(last - facts.start_ms)
        figure = go.Figure()
        for op in reversed(facts.operations):
            end = op.end_ms if op.end_ms is not None else last
            figure.add_trace(go.Bar(
                y=[f"{op.type.lower()} {op.label}"], x=[max((end - op.start_ms) / per, 1e-9)],
                base=[(op.start_ms - facts.start_ms) / per], orientation="h",
                marker_color=COLORS.get(op.type, "#888"), name=op.type.lower(), showlegend=False,
                hovertext=f"{op.status}"))
        for n, inv in enumerate(facts.invocations, start=1):
            figure.add_vrect(x0=(inv.start_ms - facts.start_ms) / per,
                             x1=(max(inv.end_ms, inv.start_ms + per / 200) - facts.start_ms) / per,
                             fillcolor=COLORS["invocation"], opacity=0.25, line_width=0)
        figure.update_layout(**LAYOUT, title=f"Durable execution {facts.name}: {facts.status}",
                             height=120 + 28 * len(facts.operations), barmode="overlay",
                             xaxis_title=f"{unit} since start (shaded: invocations)")
        return fix_uids(figure, "durable")


def durable_timeline(runtime, arn):
    """The timeline widget of one durable execution; its text/plain is the text twin."""
    return DurableTimeline(facts(runtime, arn))


def _span(ms):
    if ms < 60_000:
        return f"{ms / 1000:,.3f} s"
    if ms < 3_600_000:
        return f"{ms / 60_000:,.1f} min"
    if ms < 86_400_000:
        return f"{ms / 3_600_000:,.1f} h"
    return f"{ms / 86_400_000:,.2f} d"
