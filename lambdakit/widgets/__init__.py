"""Notebook widgets: each reads invocation records or results and has a printed text twin.

Modules here import ipywidgets and plotly, so nothing outside the notebook layer imports them.
"""
