"""Plotly charts inside widgets without FigureWidget.

A FigureWidget saves Plotly's 5 MB JavaScript bundle in the notebook's widget state, once
per chart. Instead a chart is Plotly's own mimetype output inside an Output widget, which
JupyterLab renders with its built-in Plotly renderer; an interactive widget redraws it by
replacing that output. Figures use no named template (one would be embedded in every
saved chart).
"""

import ipywidgets as widgets

CONFIG = {"displayModeBar": False, "responsive": True}


def bundle(figure, text):
    """The display_data output of ``figure``; ``text`` is its text/plain."""
    return {"output_type": "display_data", "metadata": {},
            "data": {"application/vnd.plotly.v1+json": {**figure.to_plotly_json(), "config": CONFIG},
                     "text/plain": text}}


def chart(figure, text):
    """An Output widget showing ``figure``."""
    output = widgets.Output()
    redraw(output, figure, text)
    return output


def redraw(output, figure, text):
    output.outputs = (bundle(figure, text),)
