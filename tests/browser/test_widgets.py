"""Each widget kind renders in JupyterLab: run a notebook that shows it, then read the page.

`NOTEBOOKS` is the table: one line per notebook, naming the widget kinds it must show and
how many of each. A new widget kind is a `Widget(...)` describing what a user sees in it;
a lesson (or a fixture in tests/browser/notebooks/) that shows it is one more line.
"""

import re
from dataclasses import dataclass

import pytest

from .pages import (CURRENT, RENDER_TIMEOUT_S, PageTimeout, error_outputs, open_notebook, run_all_cells,
                    unexecuted_cells, wait_until)

KERNEL = "Python 3 (lambdakit)"
OUTPUTS = f"{CURRENT} .jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output"
MIN_CHART_PX = (200, 100)  # narrower or lower than this, a chart is collapsed or blank


@dataclass(frozen=True)
class Widget:
    """What a user sees in one widget kind. `marker` (a regex) finds its outputs."""
    kind: str
    marker: str
    texts: tuple = ()        # all visible in every instance
    one_of: tuple = ()       # at least one visible in every instance
    patterns: tuple = ()     # regexes its text must match
    legend: tuple = ()       # plotly legend entries of its chart
    traces: int = 0          # plotly traces drawn (g.trace), 0: no chart


CARD = Widget("invocation card", r"RequestId: [0-9a-f-]{36}",
              texts=("Response", "Logs", "START RequestId", "END RequestId", "REPORT RequestId",
                     "Billed Duration", "Max Memory Used", "Cost $"),
              one_of=("COLD START", "WARM"), legend=("INIT", "handler", "billed"), traces=5)
BILLING = Widget("billing dashboard", r"What-if month",
                 texts=("observed", "30-day month at the observed rate", "invocations", "memory MB",
                        "duration ms", "list price", "with the free tier"),
                 legend=("requests", "duration", "INIT", "provisioned concurrency", "ephemeral storage",
                         "free tier credit"), traces=21)
TUNING = Widget("power-tuning chart", r"Recommended \(",
                texts=("Power tuning ", "strategy", "weight", "memory (MB)", "per invocation"),
                legend=("avg duration (ms)", "p90 duration (ms)", "cost per 1M invocations ($)", "recommended"),
                traces=4)
TUNING_PROGRESS = Widget("power-tuning progress bar", r"Power tuning \S+: \d+/\d+ invocations",
                         patterns=(r"(\d+)/\1 invocations",))
TIMELINE = Widget("cold-start timeline", r"Execution environments",
                  texts=("cold starts in", "env-1 (orders:$LATEST)"), legend=("idle", "INIT", "invoke", "failed invoke",
                                                               "environment ends"), traces=5)
CONCURRENCY = Widget("concurrency chart", r"Concurrency of orders",
                     texts=("account limit 1,000 is far above", "concurrent executions"),
                     legend=("peak concurrency", "cold starts"), traces=2)
CONCURRENCY_THROTTLED = Widget("concurrency chart with throttles", r"Concurrency of burst",
                               texts=("90 throttled",), legend=("peak concurrency", "cold starts", "throttled",
                                                                "reserved concurrency 10"), traces=4)
LATENCY = Widget("latency chart", r"cold and warm", texts=("each invocation", "how many at each latency"),
                 legend=("warm", "cold", "p50 20 ms", "p90 370 ms", "p99 450 ms"), traces=7)
RETRIES = Widget("async retry timeline", r"Asynchronous events", texts=("1 failed", "3 attempts"),
                 legend=("waiting", "running", "accepted", "attempt failed", "discarded"), traces=5)
SPLIT = Widget("alias traffic split", r"Traffic split of", texts=("share of requests", "version 2"),
               legend=("configured", "observed", "observed share of version 2", "configured 20%"), traces=4)


@dataclass(frozen=True)
class Case:
    notebook: str            # path under the JupyterLab root (see conftest.NOTEBOOK_DIRS)
    shows: tuple             # (Widget, how many) pairs


NOTEBOOKS = [
    Case("notebooks/00-start-here.ipynb", ((CARD, 4),)),
    Case("notebooks/04-reading-the-bill.ipynb", ((BILLING, 1),)),
    Case("notebooks/05-memory-and-power-tuning.ipynb", ((TUNING, 1),)),
    Case("fixtures/widgets-through-magics.ipynb", ((CARD, 1), (TUNING_PROGRESS, 1), (TUNING, 1), (BILLING, 1))),
    Case("fixtures/scale-widgets.ipynb", ((TIMELINE, 1), (CONCURRENCY, 1), (LATENCY, 1), (RETRIES, 1), (SPLIT, 1),
                                          (CONCURRENCY_THROTTLED, 1))),
]

FACTS = """(output) => {
    const box = (e) => { const r = e.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; };
    const root = output.querySelector('.jupyter-widgets');
    return {
        text: output.innerText,
        mime: output.dataset.mimeType || null,
        widget: root !== null,
        styled: root !== null && getComputedStyle(root).display === 'flex',
        charts: Array.from(output.querySelectorAll('.js-plotly-plot')).map(plot => ({
            traces: plot.querySelectorAll('.main-svg g.trace').length,
            legend: Array.from(plot.querySelectorAll('.legendtext')).map(e => e.textContent),
            size: box(plot),
            clipped: Array.from(plot.querySelectorAll('.main-svg text')).filter(text => {
                const [t, p] = [text.getBoundingClientRect(), plot.getBoundingClientRect()];
                return text.textContent.trim() && t.width > 0 && (t.left < p.left - 1 || t.right > p.right + 1
                    || t.top < p.top - 1 || t.bottom > p.bottom + 1);
            }).map(text => text.textContent),
        })),
    };
}"""


def instance_problems(widget, facts):
    """What is wrong with one rendered instance of `widget` (empty: it rendered fully)."""
    problems = []
    if not facts["widget"]:
        problems.append(f"shown as {facts['mime']} only: the widget's JavaScript did not render it")
        return problems
    if not facts["styled"]:
        problems.append("unstyled: ipywidgets' CSS is not applied (the box is not a flexbox)")
    text = facts["text"]
    problems += [f"{t!r} not visible" for t in widget.texts if t not in text]
    if widget.one_of and not any(t in text for t in widget.one_of):
        problems.append(f"none of {widget.one_of} visible")
    problems += [f"text does not match {p!r}" for p in widget.patterns if not re.search(p, text)]
    if widget.traces:
        if len(facts["charts"]) != 1:
            problems.append(f"{len(facts['charts'])} plotly charts, expected 1")
        for chart in facts["charts"]:
            if chart["traces"] != widget.traces:
                problems.append(f"{chart['traces']} plotly traces drawn, expected {widget.traces}")
            missing = [name for name in widget.legend if name not in chart["legend"]]
            if missing:
                problems.append(f"legend lacks {missing} (has {chart['legend']})")
            if chart["clipped"]:
                problems.append(f"chart labels cut off at its edges: {chart['clipped']}")
            if chart["size"][0] < MIN_CHART_PX[0] or chart["size"][1] < MIN_CHART_PX[1]:
                problems.append(f"chart is {chart['size'][0]}x{chart['size'][1]} px: collapsed or blank")
    return problems


def shown_widgets(page, case):
    """Scroll each output into view and read the displays among them: {Widget: [(index, facts)]}.

    A display shown as text/plain only is kept: it is a widget whose JavaScript failed.
    """
    outputs = page.locator(OUTPUTS)
    found = {widget: [] for widget, _ in case.shows}
    for index in range(outputs.count()):
        output = outputs.nth(index)
        output.scroll_into_view_if_needed()
        facts = output.evaluate(FACTS)
        if not (facts["widget"] or facts["mime"] == "text/plain"):
            continue  # printed text, not a display: a lesson may print a widget's text twin
        for widget in found:
            if re.search(widget.marker, facts["text"]):
                found[widget].append((index, facts))
    return found


def case_problems(case, found):
    problems = []
    for widget, count in case.shows:
        if len(found[widget]) != count:
            problems.append(f"{widget.kind}: {len(found[widget])} shown, expected {count}")
        for number, (_, facts) in enumerate(found[widget], start=1):
            problems += [f"{widget.kind} #{number}: {p}" for p in instance_problems(widget, facts)]
    return problems


@pytest.mark.parametrize("case", NOTEBOOKS, ids=[case.notebook.rsplit("/", 1)[-1] for case in NOTEBOOKS])
def test_widgets_render(case, lab, page, console, screenshot):
    workspace = re.sub(r"\W", "-", case.notebook)
    open_notebook(page, lab, case.notebook, KERNEL, workspace)
    try:
        run_all_cells(page, lab, case.notebook, KERNEL)
        errors = error_outputs(page)
        assert not errors, "errors in the outputs:\n" + "\n".join(errors)
        skipped = unexecuted_cells(page, lab, case.notebook)
        assert not skipped, f"Run All Cells did not execute code cells {skipped}"

        def rendered():
            found = shown_widgets(page, case)
            return found if not case_problems(case, found) else None
        try:
            found = wait_until(f"the widgets of {case.notebook} to render", rendered, RENDER_TIMEOUT_S, 1)
        except PageTimeout:
            found = shown_widgets(page, case)
        for widget, instances in found.items():
            for number, (index, _) in enumerate(instances, start=1):
                screenshot(page.locator(OUTPUTS).nth(index), f"{workspace}-{widget.kind}-{number}")
        problems = case_problems(case, found)
        assert not problems, "widgets did not render fully:\n" + "\n".join(problems)
        errors = error_outputs(page)
        assert not errors, "errors in the outputs:\n" + "\n".join(errors)
        uncaught = [line for line in console if line.startswith("uncaught")]
        assert not uncaught, "JavaScript errors in the page:\n" + "\n".join(uncaught)
    finally:
        screenshot(page, workspace)
        lab.shut_down(case.notebook)
