"""The invocation card: one invocation as AWS would show it, and its text twin.

The card reads an InvocationResult (and its record); it never calls the runtime. Its
`text/plain` is `card_text`, which carries every graded fact (status, cold or warm,
durations, memory, cost, response, logs) and is the same on every run in the virtual clock.
"""

import html
import json

import ipywidgets as widgets
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ...cost.billing import record_cost
from ...cost.pricing import format_usd
from ...runtime import inprocess
from .base import TextTwin

LINES_SHOWN = 60          # of the response and of the logs, in the text twin
COST_PLACES = 10          # 1 ms at 128 MB costs $0.0000000021
STATUS_TEXT = {200: "OK", 202: "Accepted", 204: "No Content"}
COLORS = {"init": "#e8833a", "handler": "#3b7dd8", "billed": "#8c8c8c", "used": "#2ca02c",
          "free": "#d9d9d9", "cold": "#3b7dd8", "warm": "#e8833a", "error": "#c0392b"}


# ------------------------------------------------------------------ facts
def _function(result, function):
    record = result.record
    return function or (record.function if record else "?")


def _response_json(result):
    """The payload pretty-printed (as the console's "Response" box shows it)."""
    if not result.payload:
        return ""
    try:
        return json.dumps(json.loads(result.payload), indent=2, ensure_ascii=False)
    except ValueError:
        return result.payload.decode("utf-8", "replace")


def _headline(result, function):
    record = result.record
    name = _function(result, function)
    version = f" ({result.executed_version})" if result.executed_version else ""
    status = f"{result.status_code} {STATUS_TEXT.get(result.status_code, '')}".strip()
    parts = [f"{name}{version}", status]
    if result.function_error:
        parts.append(f"FunctionError: {result.function_error} ({result.error_type})")
    if record is not None:
        parts.append("cold start" if record.cold else "warm start")
    elif result.status_code == 202:
        parts.append("queued for asynchronous invocation (Event)")
    elif result.status_code == 204:
        parts.append("DryRun: the call would be allowed; nothing ran")
    return "  ".join(parts)


def duration_line(record):
    init = f"Init {record.init_ms:.2f} ms + " if record.cold else ""
    return f"{init}Duration {record.duration_ms:.2f} ms -> Billed Duration {record.billed_ms} ms"


def memory_line(record):
    share = 100 * record.max_memory_used_mb / record.memory_mb
    return f"Max Memory Used {record.max_memory_used_mb} MB of {record.memory_mb} MB ({share:.0f}%)"


def cost_line(record):
    charges = record_cost(record)
    parts = [f"request {format_usd(charges.requests, COST_PLACES)}",
             f"duration {format_usd(charges.duration, COST_PLACES)}"]
    if charges.init:
        parts.append(f"INIT {format_usd(charges.init, COST_PLACES)}")
    if charges.ephemeral:
        parts.append(f"/tmp {format_usd(charges.ephemeral, COST_PLACES)}")
    return f"Cost {format_usd(charges.total, COST_PLACES)} list price = {' + '.join(parts)}"


def _clip(lines, keep_end, note):
    if len(lines) <= LINES_SHOWN:
        return lines
    hidden = len(lines) - LINES_SHOWN
    if keep_end:
        return [f"... {hidden} earlier lines ({note})"] + lines[-LINES_SHOWN:]
    return lines[:LINES_SHOWN] + [f"... {hidden} more lines ({note})"]


def card_text(result, function=None):
    """The card as stable plain text: what nbval compares and a terminal shows."""
    name = _function(result, function)
    out = [_headline(result, function), f"RequestId: {result.request_id}"]
    record = result.record
    if record is None:
        return "\n".join(out)
    response = _response_json(result).splitlines()
    out += ["Response:"] + ["  " + line for line in _clip(response, False, "the full payload is in .payload")]
    out += ["Logs:"] + ["  " + line for line in _clip(result.log.splitlines(), True, f"%lambda logs {name}")]
    out += [duration_line(record), memory_line(record), cost_line(record)]
    return "\n".join(out)


# ----------------------------------------------------------------- widget
def _pre(text, max_height):
    return widgets.HTML(
        f"<pre style='margin:0;padding:6px;background:#f7f7f7;border-radius:4px;max-height:{max_height};"
        f"overflow:auto;font-size:12px;line-height:1.35;white-space:pre-wrap;word-break:normal;"
        f"overflow-wrap:break-word;tab-size:2'>{html.escape(text)}</pre>")


def _badge(text, color):
    return (f"<span style='background:{color};color:white;border-radius:3px;padding:1px 6px;"
            f"font-size:11px;font-weight:bold'>{html.escape(text)}</span>")


def _header(result, function):
    record = result.record
    name = html.escape(_function(result, function))
    version = f" <span style='color:#666'>{html.escape(result.executed_version or '')}</span>"
    status = f"{result.status_code} {STATUS_TEXT.get(result.status_code, '')}"
    pieces = [f"<b>{name}</b>{version}", html.escape(status)]
    if record is not None:
        pieces.append(_badge("COLD START", COLORS["cold"]) if record.cold else _badge("WARM", COLORS["warm"]))
    if result.function_error:
        pieces.append(_badge(f"{result.function_error}: {result.error_type}", COLORS["error"]))
    request = f"<div style='color:#666;font-size:11px'>RequestId: {html.escape(result.request_id)}</div>"
    return widgets.HTML("&nbsp; ".join(pieces) + request)


def timing_figure(record):
    """INIT and handler duration against billed duration; memory used against memory size."""
    figure = make_subplots(rows=1, cols=2, column_widths=[0.7, 0.3], horizontal_spacing=0.12,
                           subplot_titles=("duration (ms)", "memory (MB)"))
    bars = [("INIT", "ran", record.init_ms, f"{record.init_ms:.0f} ms", "init", 1),
            ("handler", "ran", record.duration_ms, f"{record.duration_ms:.0f} ms", "handler", 1),
            ("billed", "billed", record.billed_ms, f"{record.billed_ms} ms", "billed", 1),
            ("used", "memory", record.max_memory_used_mb, f"{record.max_memory_used_mb} MB", "used", 2),
            ("size", "memory", record.memory_mb - record.max_memory_used_mb, f"of {record.memory_mb} MB",
             "free", 2)]
    for name, row, value, label, color, column in bars:
        figure.add_trace(go.Bar(name=name, y=[row], x=[value], orientation="h", marker_color=COLORS[color],
                                text=[label] if value else None, textposition="inside", textangle=0,
                                insidetextanchor="middle", showlegend=column == 1,
                                hovertemplate=f"{name}: %{{x:.2f}}<extra></extra>"),
                         row=1, col=column)
    figure.update_yaxes(automargin=True)
    # No template: a named one would embed its whole definition in every saved card.
    figure.update_layout(barmode="stack", height=170, margin=dict(l=10, r=10, t=30, b=10),
                         legend=dict(orientation="h", y=-0.25), template="none",
                         font=dict(size=11), plot_bgcolor="white")
    return figure


def _chart(figure):
    """The figure as Plotly's mimetype output inside an Output widget.

    Not a FigureWidget: each of those saves Plotly's 5 MB JavaScript bundle in the
    notebook's widget state, once per card.
    """
    chart = widgets.Output(layout=widgets.Layout(min_height=f"{figure.layout.height + 10}px"))
    chart.outputs = ({"output_type": "display_data", "metadata": {}, "data": {
        "application/vnd.plotly.v1+json": {**figure.to_plotly_json(), "config": {"displayModeBar": False}},
        "text/plain": "(chart: duration and memory)"}},)
    return chart


class InvocationCard(TextTwin, widgets.VBox):
    """One invocation: status, cold/warm, response, logs, durations, memory and cost."""

    def __init__(self, result, function=None):
        self.result = result
        self.function = _function(result, function)
        record = result.record
        children = [_header(result, function)]
        if record is not None:
            children += [widgets.HTML("<b>Response</b>"), _pre(_response_json(result), "16em"),
                         widgets.HTML("<b>Logs</b>"), _pre(result.log, "14em"),
                         _chart(timing_figure(record)),
                         widgets.HTML(f"<div style='font-size:12px'>{html.escape(duration_line(record))}<br>"
                                      f"{html.escape(memory_line(record))}<br>"
                                      f"<b>{html.escape(cost_line(record))}</b></div>")]
        if inprocess.ONLY_BACKEND:  # what the browser cannot enforce, said where the figures are
            children.append(widgets.HTML(f"<div style='font-size:11px;color:#666'>lambdakit "
                                         f"{html.escape(inprocess.CARD_NOTE)}</div>"))
        super().__init__(children=children, layout=widgets.Layout(
            border="1px solid #ddd", padding="8px", width="100%", max_width="960px"))

    def text(self):
        text = card_text(self.result, self.function)
        return f"{text}\nlambdakit {inprocess.CARD_NOTE}" if inprocess.ONLY_BACKEND else text
