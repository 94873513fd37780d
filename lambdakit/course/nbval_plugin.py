"""nbval settings for the lesson notebooks: compare text, never widget or chart payloads.

Widgets and charts carry random ids (widget model ids, Plotly div ids and trace uids), so
their rich outputs are left out of the comparison; each has a `text/plain` twin (e.g.
the invocation card's text) that is compared. It is a pytest plugin: notebooks/conftest.py
loads it in a checkout (and `lambdakit grade` through that), a learner's course folder by
`-p lambdakit.course.nbval_plugin` in its hidden .pytest.ini, so no conftest.py sits among
the lessons.
"""

import os

# The kernel nbval starts inherits this, so a chart's output type is the same on every machine.
os.environ["PLOTLY_RENDERER"] = "plotly_mimetype"

NOT_COMPARED = ("text/html", "application/javascript", "application/vnd.plotly.v1+json",
                "application/vnd.jupyter.widget-view+json")


def pytest_collectstart(collector):
    if collector.path.suffix == ".ipynb" and hasattr(collector, "skip_compare"):
        collector.skip_compare = tuple(collector.skip_compare) + NOT_COMPARED
