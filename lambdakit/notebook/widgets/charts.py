"""Plotly charts inside widgets without FigureWidget.

A FigureWidget saves Plotly's 5 MB JavaScript bundle in the notebook's widget state, once
per chart. Instead a chart is Plotly's own mimetype output inside an Output widget, which
JupyterLab renders with its built-in Plotly renderer; an interactive widget redraws it by
replacing that output. Figures use no named template (one would be embedded in every
saved chart).

No ``responsive`` config: with it Plotly sizes the chart to 100% of its container's height,
and an output's container has no height of its own, so the chart collapses to 0 px in
JupyterLab (its SVG is drawn but nothing shows). Without it the chart takes the figure's
height and the container's width; JupyterLab's Plotly renderer redraws it on resize. The
Output keeps the figure's height while a control replaces the chart, so the page does not jump.
"""

import ipywidgets as widgets

CONFIG = {"displayModeBar": False}


def bundle(figure, text):
    """The display_data output of ``figure``; ``text`` is its text/plain."""
    # Plotly's named templates turn automargin on; without one, tick labels and axis titles
    # are cut off by narrow margins (seen in JupyterLab by tests/browser).
    figure.update_xaxes(automargin=True).update_yaxes(automargin=True)
    return {"output_type": "display_data", "metadata": {},
            "data": {"application/vnd.plotly.v1+json": {**figure.to_plotly_json(), "config": CONFIG},
                     "text/plain": text}}


def chart(figure, text):
    """An Output widget showing ``figure``."""
    height = figure.layout.height
    output = widgets.Output(layout=widgets.Layout(min_height=f"{height}px" if height else None))
    redraw(output, figure, text)
    return output


def redraw(output, figure, text):
    output.outputs = (bundle(figure, text),)
