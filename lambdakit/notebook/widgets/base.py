"""What the widgets share: a text/plain that is their text twin, fixed trace uids; and for the
scale widgets, a chart above a summary.

Each scale widget is built from a frozen "facts" value (a timeline, a series, a split)
that has a ``text()`` method: the twin nbval grades. The widget draws the same facts as a
Plotly chart (lambdakit.notebook.widgets.charts: a mimetype output, never a FigureWidget).
"""

import html

import ipywidgets as widgets

from ...core.clock import iso_ms
from .charts import chart, redraw

# The legend sits above the plot, right of the title, where it never covers an axis title.
LAYOUT = dict(margin=dict(l=10, r=10, t=60, b=10), template="none", plot_bgcolor="white",
              font=dict(size=11), title_x=0.01, title_y=0.98, title_yanchor="top",
              legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1))
# With subplot titles (drawn just above each plot) the legend goes higher.
ABOVE_SUBPLOT_TITLES = dict(margin=dict(l=10, r=10, t=90, b=10),
                            legend=dict(orientation="h", yanchor="bottom", y=1.1, xanchor="right", x=1))


def seconds(ms):
    """A time on the widgets' axis (seconds from the first record), as the text twins print it."""
    return f"+{ms / 1000:,.3f} s"


# An axis in seconds for a minute of traffic, in days for a month of it.
UNITS = (("seconds", 1_000.0, 300), ("minutes", 60_000.0, 300), ("hours", 3_600_000.0, 120),
         ("days", 86_400_000.0, None))


def time_unit(span_ms):
    """(name, ms per unit) of the unit that shows `span_ms` in readable numbers."""
    for name, ms, most in UNITS:
        if most is None or span_ms <= most * ms:
            return name, ms


def since(origin_ms):
    """The phrase that anchors a text twin's relative times."""
    return f"times from {iso_ms(origin_ms)}"


def plural(n, singular, plural_form=None):
    return f"{n:,} {singular if n == 1 else plural_form or singular + 's'}"


def fix_uids(figure, prefix):
    """Fixed trace uids: Plotly gives each trace a random one, so the saved chart would change."""
    for index, trace in enumerate(figure.data):
        trace.uid = f"{prefix}-{index}"
    return figure


def thin(items, most):
    """At most `most` of `items`, evenly spread and always the same ones (a chart needs no more)."""
    items = list(items)
    if len(items) <= most:
        return items
    step = len(items) / most
    return [items[int(i * step)] for i in range(most)]


class TextTwin:
    """The widget's text/plain is ``self.text()``, wherever IPython or nbval asks for it; by
    default the text of its ``facts``."""

    def text(self):
        return self.facts.text()

    def __repr__(self):
        return self.text()

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.text())

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.text()  # ipywidgets cuts text/plain at 110 characters
        return bundle


class ChartWidget(TextTwin, widgets.VBox):
    """A chart of ``facts`` with their one-line summary under it.

    Subclasses name the figure function (``draw``) and the chart's own text/plain
    (``chart_text``); their ``update(...)`` takes the constructor's sources again (a running
    load test's records so far, say) and redraws both in place.
    """

    chart_text = "(chart)"

    def __init__(self, facts, max_width="1100px"):
        self.facts = facts
        self.figure = self.draw(facts)
        self.chart = chart(self.figure, self.chart_text)
        self.summary = widgets.HTML(self._summary_html())
        super().__init__(children=[self.chart, self.summary],
                         layout=widgets.Layout(border="1px solid #ddd", padding="8px", max_width=max_width))

    def show(self, facts):
        """Draw `facts` in place of the current ones."""
        self.facts = facts
        self.figure = self.draw(facts)
        redraw(self.chart, self.figure, self.chart_text)
        self.summary.value = self._summary_html()

    def _summary_html(self):
        return f"<div style='font-size:12px'>{html.escape(self.facts.summary())}</div>"
