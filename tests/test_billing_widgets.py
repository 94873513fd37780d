"""The billing dashboard: projection to a month, the what-if sliders, the text twin.

The dashboard's figures come from lambdakit.cost.billing; these tests check it shows the same
money (to the exact Decimal) and that its text twin is stable. No kernel is needed.
"""

from decimal import Decimal as D

import pytest

from lambdakit.cost.billing import MONTH_S, Bill, monthly_cost, observed_span_ms, project_month
from lambdakit.cost.pricing import billed_duration_ms
from lambdakit.core.records import OK, THROTTLED, InvocationRecord
from lambdakit.notebook.widgets.billing import (COMPONENTS, BillingDashboard, WhatIf, dashboard_text,
                                                starting_what_if)


def record(start_ms, *, duration_ms=1000.0, init_ms=0.0, memory_mb=512, outcome=OK, function="fn",
           **extra):
    return InvocationRecord(
        function=function, version="$LATEST", request_id=f"req-{start_ms}", environment_id="env-1",
        start_ms=start_ms, init_ms=init_ms, duration_ms=duration_ms,
        billed_ms=billed_duration_ms(duration_ms, init_ms), memory_mb=memory_mb,
        max_memory_used_mb=40, cold=init_ms > 0, outcome=outcome, **extra)


# Ten 1 s invocations at 512 MB, one a second: 10 s of clock time, so a 30-day month at
# this rate is 259,200 times as much: 2,592,000 invocations. One throttled request too.
TEN_SECONDS = [record(i * 1000.0) for i in range(10)] + [
    record(5000.0, duration_ms=0.0, outcome=THROTTLED)]


# --- projection ------------------------------------------------------------------------------

def test_a_month_at_the_observed_rate_is_the_same_traffic_at_month_volume():
    projection = project_month(TEN_SECONDS)
    assert projection.span_ms == observed_span_ms(TEN_SECONDS) == 10_000.0
    assert projection.factor == D(259_200)
    assert projection.month.requests == 2_592_000
    for free_tier in (False, True):
        assert projection.month.total(free_tier=free_tier) == monthly_cost(
            2_592_000, 1000, 512, free_tier=free_tier)
    assert projection.month.total() == D("22.1184432")  # $0.5184 + 1,296,000 GB-s x $0.0000166667


def test_projection_needs_records_that_span_time():
    assert observed_span_ms([]) == 0.0
    assert project_month([]) is None


def test_scaling_a_bill_scales_usage_and_keeps_the_rules():
    bill = Bill.from_records(TEN_SECONDS)
    assert bill.scaled(1).lines() == bill.lines()
    assert bill.scaled(0).total() == 0
    assert bill.scaled(D("2.5")).requests == 25
    provisioned = Bill().add_provisioned("pc", "1", environments=1, memory_mb=512, seconds=300)
    provisioned.add_usage("pc", "1", invocations=10, billed_ms=1000, memory_mb=512, provisioned=True)
    # Functions with provisioned concurrency get no free tier, scaled or not.
    assert provisioned.scaled(1000).free_tier_credit() == 0
    with pytest.raises(ValueError, match="negative"):
        bill.scaled(-1)


# --- the dashboard ---------------------------------------------------------------------------

TEN_SECONDS_TEXT = """\
Billing dashboard: 11 invocations (1 throttled, not billed) of 1 function
                                    list price         free tier
Observed:
  requests                       $0.0000020000     $0.0000000000
  duration                       $0.0000833335     $0.0000000000
  total                          $0.0000853335     $0.0000000000
Month at the observed rate: these 10 invocations (0 cold) in 10.000 s of clock time, x259,200.00 \
for 30 days: 2,592,000 invocations, 1,296,000.000 GB-s:
  requests                               $0.52             $0.32
  duration                              $21.60            $14.93
  total                                 $22.12            $15.25
  free tier credit                                        -$6.87
  (a sample of 10 invocations, fewer than 1,000: the same mix of cold and warm all month, \
arithmetic, not a forecast; the what-if month is the estimate)
What-if month: 2,592,000 warm invocations (no INIT) x 1,000.0 ms at 512 MB, x86_64:
  requests                               $0.52             $0.32
  duration                              $21.60            $14.93
  total                                 $22.12            $15.25
  free tier credit                                        -$6.87
Prices: us-east-1 list prices checked 2026-11; INIT is billed at the duration rate (since 1 Aug 2025); \
the free tier is 1M requests and 400,000 GB-s a month per account, x86_64 and arm64 together, none for \
functions with provisioned concurrency."""


def test_the_text_twin_is_exact_and_stable():
    dashboard = BillingDashboard(TEN_SECONDS)
    assert repr(dashboard) == TEN_SECONDS_TEXT
    assert dashboard._repr_mimebundle_()["text/plain"] == TEN_SECONDS_TEXT
    assert repr(BillingDashboard(TEN_SECONDS)) == TEN_SECONDS_TEXT
    assert MONTH_S == 2_592_000


def test_a_projection_says_what_it_is_based_on_and_warns_below_a_sample_of_1000():
    """Lesson 4's two invocations, one cold: the month repeats them, and the text says so."""
    two = [record(0.0, init_ms=150.0), record(2000.0)]
    text = dashboard_text(two, WhatIf(1_000_000, 100.0, 512))
    assert "these 2 invocations (1 cold) in 3.000 s of clock time" in text
    assert "(a sample of 2 invocations, fewer than 1,000:" in text and "not a forecast" in text
    enough = [record(i * 1000.0) for i in range(1000)]
    text = dashboard_text(enough + [record(500.0, duration_ms=0.0, outcome=THROTTLED)], WhatIf(1, 1.0, 128))
    assert "these 1,000 invocations (0 cold)" in text and "not a forecast" not in text
    # Throttled requests are not billed and do not make a small sample look bigger.
    text = dashboard_text(enough[:999] + [record(500.0, duration_ms=0.0, outcome=THROTTLED)] * 5,
                          WhatIf(1, 1.0, 128))
    assert "a sample of 999 invocations, fewer than 1,000" in text
    # The what-if is warm invocations: it starts at the handler's billed duration, INIT left out.
    assert starting_what_if(two).duration_ms == 1000.0


def test_the_what_if_starts_at_the_observed_usage():
    dashboard = BillingDashboard(TEN_SECONDS)
    assert dashboard.what_if == WhatIf(2_592_000, 1000.0, 512, "x86_64")


@pytest.mark.parametrize("invocations, duration_ms, memory_mb, architecture", [
    (3_000_000, 1000, 512, "x86_64"),        # AWS's pricing-page example: $18.73 with the free tier
    (1_000_000, 200, 128, "x86_64"),
    (25_000_000, 120.5, 1769, "arm64"),
    (7_000_000_000, 50, 1024, "x86_64"),     # into the second volume tier
    (1, 1, 128, "arm64"),
])
def test_the_what_if_matches_billing_monthly_cost(invocations, duration_ms, memory_mb, architecture):
    dashboard = BillingDashboard(TEN_SECONDS)
    dashboard.set_what_if(invocations, duration_ms, memory_mb, architecture)
    assert dashboard.what_if == WhatIf(invocations, duration_ms, memory_mb, architecture)
    for free_tier in (False, True):
        assert dashboard.what_if_cost(free_tier) == monthly_cost(
            invocations, duration_ms, memory_mb, architecture, free_tier=free_tier)
    bill = dashboard.what_if.bill()
    listed, free = bill.components(), bill.components(free_tier=True)
    first = 2 * (len(COMPONENTS) + 1)   # the what-if column's traces
    for offset, name in enumerate(COMPONENTS):
        assert dashboard.figure.data[first + offset].y == (float(getattr(listed, name)),
                                                           float(getattr(free, name)))
    assert dashboard.figure.data[first + len(COMPONENTS)].y == (float(bill.free_tier_credit()),)
    assert f"What-if month: {invocations:,} warm invocations (no INIT)" in repr(dashboard)


def test_the_pricing_page_example_through_the_sliders():
    dashboard = BillingDashboard([])
    dashboard.set_what_if(invocations=3_000_000, duration_ms=1000, memory_mb=512)
    assert dashboard.what_if_cost(free_tier=True) == D("18.7333700000")
    assert "  total                                 $25.60            $18.73" in repr(dashboard)


def test_moving_one_slider_changes_only_that_input():
    dashboard = BillingDashboard(TEN_SECONDS)
    dashboard.architecture.value = "arm64"
    dashboard.memory.value = 1024
    assert dashboard.what_if == WhatIf(2_592_000, 1000.0, 1024, "arm64")
    assert dashboard.what_if_cost() == monthly_cost(2_592_000, 1000, 1024, "arm64")
    assert "at 1,024 MB, arm64" in dashboard.summary.value


def test_an_empty_dashboard_still_offers_the_what_if():
    dashboard = BillingDashboard([])
    assert dashboard.what_if == WhatIf(1_000_000, 100.0, 128, "x86_64")
    assert "Observed: nothing billed yet." in repr(dashboard)
    assert dashboard.what_if_cost(free_tier=True) == 0


def test_figure_trace_uids_are_fixed():
    dashboard = BillingDashboard(TEN_SECONDS)
    assert [trace.uid for trace in dashboard.figure.data] == [
        f"billing-{i}" for i in range(3 * (len(COMPONENTS) + 1))]


def test_init_and_several_functions_from_a_runtime_session(virtual):
    code = "from lambdakit import work\ndef lambda_handler(event, context):\n    work(io_ms=120)\n"
    virtual.create_function("a", code, memory_size=512)
    virtual.create_function("b", code, memory_size=1024, architecture="arm64")
    for _ in range(3):
        virtual.invoke("a")
        virtual.invoke("b")
        virtual.advance(seconds=1)
    dashboard = BillingDashboard(virtual.records)
    text = repr(dashboard)
    assert text.startswith("Billing dashboard: 6 invocations (0 throttled, not billed) of 2 functions")
    assert "  INIT " in text
    assert text == dashboard_text(virtual.records, dashboard.what_if)
    projection = project_month(virtual.records)
    assert projection.observed.total() == Bill.from_records(virtual.records).total()
    assert dashboard.what_if.memory_mb in (512, 1024)


def test_the_chart_is_a_small_plotly_output_redrawn_by_the_sliders():
    import json
    dashboard = BillingDashboard(TEN_SECONDS)
    dashboard.set_what_if(invocations=3_000_000, duration_ms=1000, memory_mb=512)
    (output,) = dashboard.chart.outputs
    plotted = output["data"]["application/vnd.plotly.v1+json"]
    duration = 2 * (len(COMPONENTS) + 1) + COMPONENTS.index("duration")
    assert plotted["data"][duration]["y"] == [25.00005, 18.33337]   # 1.5M GB-s, 1.1M after the free tier
    # Not a FigureWidget, which would save Plotly's 5 MB bundle in the notebook.
    assert len(json.dumps(plotted)) < 20_000
