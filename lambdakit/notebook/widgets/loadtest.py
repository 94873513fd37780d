"""The live display of a load test: a progress bar and a summary line, refreshed while the
test runs, and the result's text (its printed twin) once it is over.

It reads the LoadTest's progress and result only; it never calls the runtime.
"""

import html
import threading

import ipywidgets as widgets
from IPython.display import display


def _line(test):
    sent, answered, elapsed = test.progress()
    counts = ", ".join(f"{outcome} {n}" for outcome, n in sorted(answered.items())) or "no answers yet"
    total = f" of {test.n}" if test.n else ""
    return f"{test.function} ({test.mode}): {sent}{total} answered in {elapsed:.1f} s: {counts}"


def _update(test, bar, label):
    sent, _, elapsed = test.progress()
    bar.value = min(bar.max, sent if test.n else int(elapsed * 1000))
    if test.done:
        bar.value = bar.max
        bar.bar_style = "success"
        label.value = f"<pre>{html.escape(test.result().text())}</pre>"
    else:
        label.value = f"<code>{html.escape(_line(test))}</code>"


def show(test, refresh_s):
    """Display `test`'s progress below the cell and keep it current until the test ends."""
    bar = widgets.IntProgress(min=0, max=test.n or int(test.duration * 1000), description="load test")
    label = widgets.HTML()
    display(widgets.VBox([bar, label]))
    _update(test, bar, label)
    if test.done:
        return

    def refresh():
        while True:
            try:
                test.wait(refresh_s)
            except TimeoutError:
                _update(test, bar, label)
            else:
                _update(test, bar, label)
                return

    threading.Thread(target=refresh, name="lambdakit-load-display", daemon=True).start()
