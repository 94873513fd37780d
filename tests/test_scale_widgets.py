"""The scale widgets: cold-start timeline, concurrency over time, latency cold vs warm, async
retry timeline, alias traffic split.

Each text twin is pinned exactly on a deterministic run (a virtual-clock Runtime, or the
simulator); a real run's records and a simulation's report give the same facts; the charts
have the expected traces with fixed uids and are built without a kernel; the `%lambda`
subcommands show the same widgets as the Python API; and a notebook of them executes
headless and passes nbval twice in a row.
"""

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from IPython.utils.capture import capture_output

import lambdakit
from lambdakit.notebook import default, widgets
from lambdakit.scale.async_retry import EventInvokeConfig
from lambdakit.cli import main
from lambdakit.scale.concurrency import RESERVED_LIMIT_EXCEEDED
from lambdakit.scale.sim import EVENT, Constant, Fixed, LogNormal, Poisson, Scenario, SimFunction, Trace, Workload, simulate
from lambdakit.notebook.widgets.concurrency import Limits
from lambdakit.notebook.widgets.timeline import MODELLED_RECLAIM
from conftest import notebook_texts

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "tests" / "browser" / "notebooks" / "scale-widgets.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PLOTLY = "application/vnd.plotly.v1+json"
DLQ = "arn:aws:sqs:us-east-1:123456789012:dead-letters"
ON_FAILURE = "arn:aws:sqs:us-east-1:123456789012:failures"

# INIT is 150 ms of modelled runtime start-up plus 200 ms of CPU on one full vCPU (1,769 MB).
HANDLER = """\
from lambdakit import work

work(cpu_ms=200)

def lambda_handler(event, context):
    work(io_ms=event.get("ms", 100))
    if event.get("fail"):
        raise ValueError("boom")
    return "ok"
"""


def story(runtime):
    """Cold, warm, idle 5 min (still warm), a failure, idle 11 min (reclaimed), cold again,
    new code (that environment is retired), cold once more."""
    runtime.create_function("orders", HANDLER, memory_size=1769)
    runtime.invoke("orders", {})
    runtime.invoke("orders", {"ms": 50})
    runtime.advance(minutes=5)
    runtime.invoke("orders", {"fail": True})
    runtime.advance(minutes=11)
    runtime.invoke("orders", {})
    runtime.update_function_code("orders", HANDLER.replace('"ok"', '"ok, v2"'))
    runtime.invoke("orders", {})
    return runtime


@pytest.fixture(scope="module")
def told():
    runtime = story(lambdakit.Runtime(clock="virtual"))
    yield runtime
    runtime.close()


def mimebundle(widget):
    return widget._repr_mimebundle_()


def plotly_output(widget):
    (output,) = widget.chart.outputs
    return output["data"]


# --------------------------------------------------------------------- timeline
STORY_TIMELINE = """\
Cold-start timeline: 3 environments, 5 invocations (3 cold starts), 0 throttled; times from 2026-01-01T00:00:00.000Z
  env-1 orders:$LATEST: created +0.000 s; INIT 350.00 ms; 3 invocations (1 function_error); longest idle 600.000 s; \
reclaimed +900.600 s
  env-2 orders:$LATEST: created +960.600 s; INIT 350.00 ms; 1 invocation; retired +961.050 s
  env-3 orders:$LATEST: created +961.050 s; INIT 350.00 ms; 1 invocation; warm at the end"""


def test_timeline_of_a_virtual_run(told):
    timeline = widgets.timeline(told)
    assert repr(timeline) == timeline.text() == STORY_TIMELINE
    lanes = timeline.facts.lanes
    assert [lane.ended for lane in lanes] == [("reclaimed", lanes[0].created_ms + 900_600.0),
                                              ("retired", lanes[0].created_ms + 961_050.0), None]
    # Idle 300 s (still warm after 5 minutes), then 600 s until the modelled reclaim.
    gaps = lanes[0].idle_gaps(timeline.facts.end_ms)
    assert [round((b - a) / 1000, 3) for a, b in gaps] == [300.0, 600.0]


def test_timeline_chart_has_a_lane_per_environment(told):
    timeline = widgets.timeline(told)
    data = {trace.name: trace for trace in timeline.figure.data}
    assert list(data) == ["idle", "INIT", "invoke", "failed invoke", "environment ends", "throttled"]
    assert len(data["INIT"].x) == 3 and len(data["invoke"].x) == 4 and len(data["failed invoke"].x) == 1
    assert list(data["environment ends"].hovertext) == ["reclaimed", "retired"]
    assert list(timeline.figure.layout.yaxis.categoryarray) == [
        "env-1 (orders:$LATEST)", "env-2 (orders:$LATEST)", "env-3 (orders:$LATEST)"]
    assert timeline.figure.layout.xaxis.title.text == "minutes"  # 16 minutes of clock time
    assert data["INIT"].x == pytest.approx((0.35 / 60,) * 3)


def test_timeline_of_a_simulation_marks_modelled_reclaims_and_throttles():
    scenario = Scenario([SimFunction("api", duration=Fixed(100), reserved=1)],
                        [Workload("api", Trace([0.0, 0.05, 700.0]))], idle_reclaim_s=600)
    result = simulate(scenario, records=True)
    timeline = widgets.timeline(result, idle_reclaim_s=scenario.idle_reclaim_s)
    assert timeline.text() == """\
Cold-start timeline: 2 environments, 2 invocations (2 cold starts), 1 throttled; times from 2026-01-01T00:00:00.000Z
  env-1 api:$LATEST: created +0.000 s; INIT 150.00 ms; 1 invocation; longest idle 600.000 s; \
reclaimed (modelled) +600.250 s
  env-2 api:$LATEST: created +700.000 s; INIT 150.00 ms; 1 invocation; warm at the end"""
    assert timeline.facts.lanes[0].ended[0] == MODELLED_RECLAIM
    throttled = {t.name: t for t in timeline.figure.data}["throttled"]
    assert throttled.x == pytest.approx((0.05 / 60,)) and throttled.y == ("throttled",)


def test_a_long_run_draws_its_first_invocations_and_lists_its_first_lanes():
    scenario = Scenario([SimFunction("api", duration=Fixed(2000))], [Workload("api", Constant(30))],
                        duration_s=120)
    timeline = widgets.timeline(simulate(scenario, records=True))
    assert timeline.text().splitlines()[0].startswith("Cold-start timeline: 65 environments, 3,600 invocations")
    assert timeline.text().splitlines()[-1] == "  ... and 25 more environments (see .facts.lanes)"
    drawn = {trace.name: trace for trace in timeline.figure.data}
    assert len(drawn["invoke"].x) == 2_000 and len(drawn["INIT"].x) == 40
    assert timeline.figure.layout.title.text == \
        "Execution environments (the first 40 of 65 environments, their first 2,000 invocations)"


def test_provisioned_environments_idle_from_their_init_and_never_start_cold(make_runtime):
    runtime = make_runtime(clock="virtual")
    runtime.create_function("orders", HANDLER, memory_size=1769, publish=True)
    runtime.put_function_concurrency("orders", 5)
    runtime.put_provisioned_concurrency_config("orders", "1", 2)
    runtime.advance(seconds=1)
    for _ in range(6):
        runtime.invoke("orders", {"ms": 1000}, invocation_type="Event", qualifier="1")
    runtime.settle()
    assert widgets.timeline(runtime).text() == """\
Cold-start timeline: 5 environments, 6 invocations (3 cold starts), 1 throttled; times from 2026-01-01T00:00:00.000Z
  env-1 orders:1: created +0.000 s; provisioned (INIT ahead of traffic); 2 invocations; longest idle 1.000 s; \
warm at the end
  env-2 orders:1: created +0.000 s; provisioned (INIT ahead of traffic); 1 invocation; longest idle 1.000 s; \
warm at the end
  env-3 orders:1: created +1.000 s; INIT 350.00 ms; 1 invocation; longest idle 0.650 s; warm at the end
  env-4 orders:1: created +1.000 s; INIT 350.00 ms; 1 invocation; longest idle 0.650 s; warm at the end
  env-5 orders:1: created +1.000 s; INIT 350.00 ms; 1 invocation; longest idle 0.650 s; warm at the end"""
    chart = widgets.concurrency_chart(runtime, "orders")
    assert chart.facts.limits == Limits(account=1000, reserved=5, provisioned=2)
    assert chart.text() == """\
Concurrency of orders: peak 5 concurrent executions; 6 invocations, 3 cold starts, 1 throttled; 0.1 s buckets \
over 2.000 s; times from 2026-01-01T00:00:01.000Z
Limits: account 1,000, reserved concurrency 5, provisioned concurrency 2
Throttled: 1 x ReservedFunctionConcurrentInvocationLimitExceeded
      seconds from      until   peak  invocations   cold  throttled
             0.000      0.100      5            5      3          1
             0.100      1.000      5            0      0          0
             1.000      1.100      4            1      0          0
             1.100      1.400      4            0      0          0
             1.400      2.000      1            0      0          0
             2.000      2.100      0            0      0          0"""
    drawn = [trace.name for trace in chart.figure.data if trace.x]
    assert drawn == ["peak concurrency", "cold starts", "throttled", "reserved concurrency 5",
                     "provisioned concurrency 2"]
    assert chart.figure.layout.title.text == "Concurrency of orders (account limit 1,000 is far above)"


# ------------------------------------------------------------------ concurrency
STORY_CONCURRENCY = """\
Concurrency of orders: peak 1 concurrent execution; 5 invocations, 3 cold starts, 0 throttled; 30 s buckets \
over 961.500 s; times from 2026-01-01T00:00:00.000Z
Limits: account 1,000, reserved concurrency none, provisioned concurrency none
(rows of 2 buckets, 1 min: peak is their maximum, counts their sum)
      minutes from      until   peak  invocations   cold  throttled
             0.000      1.000      1            2      1          0
             1.000      5.000      0            0      0          0
             5.000      6.000      1            1      0          0
             6.000     16.000      0            0      0          0
            16.000     16.500      1            2      2          0"""


def test_concurrency_of_a_virtual_run(told):
    chart = widgets.concurrency_chart(told, "orders")
    assert repr(chart) == STORY_CONCURRENCY
    assert chart.facts.series.bucket_ms == 30_000.0 and len(chart.facts.series.peak) == 33


def burst():
    scenario = Scenario([SimFunction("burst", duration=Fixed(1000), reserved=10)],
                        [Workload("burst", Trace.burst(100))], bucket_s=1)
    return scenario, simulate(scenario, records=True)


def test_concurrency_of_a_burst_against_reserved_concurrency():
    scenario, result = burst()
    chart = widgets.concurrency_chart(result, "burst", limits=scenario)
    assert chart.text() == """\
Concurrency of burst: peak 10 concurrent executions; 10 invocations, 10 cold starts, 90 throttled; 1 s buckets \
over 1.150 s; times from the simulation's start
Limits: account 1,000, reserved concurrency 10, provisioned concurrency none
Throttled: 90 x ReservedFunctionConcurrentInvocationLimitExceeded
      seconds from      until   peak  invocations   cold  throttled
             0.000      1.000     10           10     10         90
             1.000      2.000     10            0      0          0"""
    data = {trace.name: trace for trace in chart.figure.data}
    # Every limit has a trace; one not set (or far above the data) is empty, so out of the legend.
    assert list(data) == ["peak concurrency", "cold starts", "throttled", "account limit", "reserved concurrency 10",
                          "provisioned concurrency"]
    assert data["account limit"].x == () and data["provisioned concurrency"].x == ()
    assert data["throttled"].text == ("90",) and data["throttled"].y == (10,)
    assert data["reserved concurrency 10"].y == (10, 10)


def test_the_account_limit_is_drawn_when_it_is_what_throttles():
    scenario = Scenario([SimFunction("api", duration=Fixed(1000))], [Workload("api", Trace.burst(150))],
                        account_limit=100, bucket_s=1)
    chart = widgets.concurrency_chart(simulate(scenario), "api", limits=scenario)
    assert chart.text().splitlines()[1:3] == [
        "Limits: account 100, reserved concurrency none, provisioned concurrency none",
        "Throttled: 50 x ConcurrentInvocationLimitExceeded"]
    drawn = {trace.name: trace.y for trace in chart.figure.data if trace.x}
    assert drawn["account limit 100"] == (100, 100) and drawn["throttled"] == (100,)
    assert chart.figure.layout.title.text == "Concurrency of api"


def test_records_and_the_report_give_the_same_concurrency():
    scenario, result = burst()
    from_records = widgets.concurrency_chart(result.records, "burst", bucket_s=1)
    from_report = widgets.concurrency_chart(result, "burst")
    assert from_records.facts.series == from_report.facts.series
    assert from_records.facts.throttles_by_reason == ((RESERVED_LIMIT_EXCEEDED, 90),)


def test_a_month_is_printed_a_day_a_row():
    scenario = Scenario([SimFunction("api", duration=Fixed(50))], [Workload("api", Poisson(1))],
                        duration_s=30 * 86_400, bucket_s=60)
    chart = widgets.concurrency_chart(simulate(scenario), limits=scenario)
    text = chart.text().splitlines()
    assert text[2] == "(rows of 1440 buckets, 1 day: peak is their maximum, counts their sum)"
    assert text[3].split() == ["days", "from", "until", "peak", "invocations", "cold", "throttled"]
    assert len(text) == 4 + 31
    assert len(chart.figure.data[0].x) <= 1_501 and chart.figure.layout.xaxis.title.text == "days"


def test_limits_of_a_scenario():
    scenario = Scenario([SimFunction("a", reserved=50, provisioned={"1": 20}), SimFunction("b")], [],
                        account_limit=500)
    assert Limits.of(scenario, "a") == Limits(500, 50, 20)
    assert Limits.of(scenario, "b") == Limits(500)
    assert Limits.of(scenario) == Limits(500)


# ---------------------------------------------------------------------- latency
def test_latency_of_a_virtual_run(told):
    chart = widgets.latency_chart(told, "orders")
    assert repr(chart) == """\
Latency of orders (INIT + handler, ms rounded up): 5 invocations, 3 cold, 2 warm
               n      p50      p90      p99      max       mean
  all          5      450      450      450      450      300.0
  cold         3      450      450      450      450      450.0
  warm         2       50      100      100      100       75.0
  a cold start adds 400 ms at the median"""
    data = {trace.name: trace for trace in chart.figure.data}
    assert list(data) == ["warm", "cold", "p50 450 ms", "p90 450 ms", "p99 450 ms"]
    scatter = [t for t in chart.figure.data if t.type == "scatter" and t.mode == "markers"]
    assert [(t.name, t.y) for t in scatter] == [("warm", (50, 100)), ("cold", (450, 450, 450))]


def test_records_and_the_report_give_the_same_latency():
    scenario = Scenario([SimFunction("api", duration=LogNormal(median_ms=80))], [Workload("api", Poisson(20))],
                        duration_s=120, idle_reclaim_s=5)
    result = simulate(scenario, seed=3, records=True)
    from_records, from_report = widgets.latency_chart(result.records), widgets.latency_chart(result)
    assert from_records.text() == from_report.text()
    assert from_report.facts.points == () and len(from_records.facts.points) == from_records.facts.all.total
    report = result.report.function("api")
    assert from_records.facts.all.percentile(99) == report.latency.percentile(99)


# ---------------------------------------------------------------------- retries
def test_retry_timeline_of_a_virtual_run(make_runtime):
    runtime = make_runtime(clock="virtual")
    runtime.create_function("jobs", HANDLER, memory_size=1769)
    runtime.invoke("jobs", {"fail": True}, invocation_type="Event")
    runtime.invoke("jobs", {}, invocation_type="Event")
    runtime.settle()
    timeline = widgets.retry_timeline(runtime)
    assert repr(timeline) == """\
Async retry timeline: 2 events (1 succeeded, 1 retries exhausted), 4 attempts; times from 2026-01-01T00:00:00.000Z
  e3458720-defa-4907-8399-193a945dcf86 (jobs): accepted +0.000 s; RetriesExhausted, discarded (no DLQ or OnFailure) \
at +180.650 s
    attempt 1 +0.000 s function_error (ValueError)
    attempt 2 +60.450 s function_error (ValueError), after waiting 60.000 s
    attempt 3 +180.550 s function_error (ValueError), after waiting 120.000 s
  732a49ec-eafa-4fa4-8ecd-dacb7bb09e39 (jobs): accepted +0.000 s; Success at +0.450 s
    attempt 1 +0.000 s ok"""
    data = {trace.name: trace for trace in timeline.figure.data}
    assert list(data) == ["waiting", "running", "accepted", "attempt ok", "attempt failed", "attempt throttled",
                          "succeeded", "sent to DLQ / OnFailure", "discarded"]
    assert data["attempt failed"].x == (0.0, 60.45, 180.55) and data["discarded"].y == ("e3458720",)


def test_retry_timeline_of_a_simulation_with_a_dlq_and_an_on_failure_destination():
    failing = SimFunction("worker", duration=Fixed(200), error_rate=1.0, dead_letter_queue=DLQ)
    busy = SimFunction("busy", duration=Fixed(100_000), timeout_s=900, reserved=1,
                       event_invoke_config=EventInvokeConfig(maximum_event_age_s=60, on_failure=ON_FAILURE))
    scenario = Scenario([failing, busy], [Workload("worker", Trace([0.0]), EVENT),
                                          Workload("busy", Trace.burst(2), EVENT)])
    result = simulate(scenario, records=True)
    timeline = widgets.retry_timeline(result)
    throttled = "throttled (ReservedFunctionConcurrentInvocationLimitExceeded)"
    assert timeline.text() == f"""\
Async retry timeline: 3 events (1 succeeded, 1 retries exhausted, 1 too old), 10 attempts; times from \
2026-01-01T00:00:00.000Z
  19c82932-ccc4-462d-b84b-1437eedb575b (worker): accepted +0.000 s; RetriesExhausted -> dead-letter queue at +180.750 s
    attempt 1 +0.000 s function_error
    attempt 2 +60.350 s function_error, after waiting 60.000 s
    attempt 3 +180.550 s function_error, after waiting 120.000 s
  aee948c9-8468-4d8a-9445-78b1ea79f5b8 (busy): accepted +0.000 s; Success at +100.150 s
    attempt 1 +0.000 s ok
  4c2a96f7-e529-46f3-9a68-0d412e0e4a42 (busy): accepted +0.000 s; EventAgeExceeded -> OnFailure destination at +60.000 s
    attempt 1 +0.000 s {throttled}
    attempt 2 +1.000 s {throttled}, after waiting 1.000 s
    attempt 3 +3.000 s {throttled}, after waiting 2.000 s
    attempt 4 +7.000 s {throttled}, after waiting 4.000 s
    attempt 5 +15.000 s {throttled}, after waiting 8.000 s
    attempt 6 +31.000 s {throttled}, after waiting 16.000 s"""
    data = {trace.name: trace for trace in timeline.figure.data}
    assert data["sent to DLQ / OnFailure"].x == (180.75, 60.0)
    assert data["attempt throttled"].x == (0.0, 1.0, 3.0, 7.0, 15.0, 31.0)
    assert data["running"].x[:2] == (0.0, 0.35)
    assert data["succeeded"].x == (100.15,) and data["discarded"].x == ()


# ---------------------------------------------------------------- traffic split
def test_traffic_split_of_a_weighted_alias(make_runtime):
    runtime = make_runtime(clock="virtual")
    runtime.create_function("orders", HANDLER, memory_size=1769, publish=True)
    runtime.update_function_code("orders", HANDLER.replace('"ok"', '"ok, v2"'), publish=True)
    runtime.create_alias("orders", "live", "1", weights={"2": 0.25})
    runtime.invoke("orders", {})  # $LATEST: not the alias's
    for _ in range(100):
        runtime.invoke("orders", {"ms": 10}, qualifier="live")
    split = widgets.traffic_split(runtime, "orders:live")
    assert repr(split) == """\
Alias orders:live -> version 1, 25% to version 2: 100 requests routed
  version 1: configured 75.0%, observed 85 (85.0%), expected 75.0 ± 4.3
  version 2: configured 25.0%, observed 15 (15.0%), expected 25.0 ± 4.3
  (1 invocation of other versions left out)"""
    ran = Counter(r.version for r in runtime.records)
    assert split.facts.counts == (("1", ran["1"]), ("2", ran["2"]))
    data = {trace.name: trace for trace in split.figure.data}
    assert list(data) == ["configured", "observed", "observed share of version 2", "configured 25%"]
    assert data["configured"].y == (0.75, 0.25)


# ------------------------------------------------------------ without a kernel
def all_widgets(runtime):
    scenario, result = burst()
    return [widgets.timeline(runtime), widgets.concurrency_chart(runtime, "orders"),
            widgets.latency_chart(runtime), widgets.retry_timeline(result),
            widgets.concurrency_chart(result, "burst", limits=scenario)]


def test_widgets_are_ipywidgets_whose_text_plain_is_the_twin(told):
    for widget in all_widgets(told):
        bundle = mimebundle(widget)
        assert WIDGET_VIEW in bundle and bundle["text/plain"] == widget.text()
        data = plotly_output(widget)
        assert set(data) == {PLOTLY, "text/plain"}
        assert data["text/plain"].startswith("(chart: ")
        uids = [trace["uid"] for trace in data[PLOTLY]["data"]]
        assert uids == [f"{uids[0].rsplit('-', 1)[0]}-{n}" for n in range(len(uids))]


def test_charts_are_the_same_on_every_build(told):
    first = [json.dumps(plotly_output(w)[PLOTLY], sort_keys=True) for w in all_widgets(told)]
    again = [json.dumps(plotly_output(w)[PLOTLY], sort_keys=True) for w in all_widgets(told)]
    assert first == again
    assert all(len(payload) < 200_000 for payload in first), "no Plotly bundle or template in the output"


def test_update_redraws_in_place_as_records_come_in(told):
    records = list(told.records)
    for make, update in ((lambda rs: widgets.concurrency_chart(rs, "orders"), lambda w, rs: w.update(rs)),
                         (lambda rs: widgets.latency_chart(rs), lambda w, rs: w.update(rs)),
                         (lambda rs: widgets.timeline(rs, told.lifecycle), lambda w, rs: w.update(rs, told.lifecycle))):
        live = make(records[:2])
        before = (live.chart.outputs, live.summary.value)
        update(live, records)
        fresh = make(records)
        assert live.text() == fresh.text() != make(records[:2]).text()
        assert (live.chart.outputs, live.summary.value) == (fresh.chart.outputs, fresh.summary.value) != before


def test_empty_sources_draw_empty_charts():
    for widget in (widgets.timeline([]), widgets.concurrency_chart([]), widgets.latency_chart([]),
                   widgets.retry_timeline([])):
        assert widget.text() and mimebundle(widget)["text/plain"] == widget.text()
    assert widgets.timeline([]).text().startswith("Cold-start timeline: 0 environments, 0 invocations")
    assert widgets.latency_chart([]).text().splitlines()[2].split() == ["all", "0", "-", "-", "-", "-", "-"]


def test_a_simulation_without_records_cannot_draw_a_timeline():
    scenario, _ = burst()
    with pytest.raises(ValueError, match="records=True"):
        widgets.timeline(simulate(scenario))


# ------------------------------------------------------------ %lambda magics
@pytest.fixture(scope="module")
def kernel_runtime():
    """The story, async events and a weighted alias, on the kernel's default runtime."""
    runtime = story(lambdakit.Runtime(clock="virtual"))
    runtime.publish_version("orders")
    runtime.update_function_code("orders", HANDLER.replace('"ok"', '"ok, v3"'), publish=True)
    runtime.create_alias("orders", "live", "1", weights={"2": 0.5})
    for _ in range(10):
        runtime.invoke("orders", {"ms": 10}, qualifier="live")
    runtime.invoke("orders", {"fail": True}, invocation_type="Event")
    runtime.settle()
    previous = default.set_default_runtime(runtime)
    yield runtime
    default.set_default_runtime(previous)
    runtime.close()


def displayed(shell, line):
    with capture_output() as captured:
        shell.run_cell(f"%lambda {line}")
    assert captured.stdout == ""
    (output,) = captured.outputs
    assert WIDGET_VIEW in output.data
    return output.data["text/plain"]


DOORS = {
    "timeline": lambda rt: widgets.timeline(rt),
    "timeline orders": lambda rt: widgets.timeline(rt, function="orders"),
    "concurrency-chart": lambda rt: widgets.concurrency_chart(rt),
    "concurrency-chart orders --bucket 1m": lambda rt: widgets.concurrency_chart(rt, "orders", bucket_s=60),
    "latency orders": lambda rt: widgets.latency_chart(rt, "orders"),
    "retries": lambda rt: widgets.retry_timeline(rt),
    "split orders live": lambda rt: widgets.traffic_split(rt, "orders:live"),
    "split orders live --last 4": lambda rt: widgets.traffic_split(rt.records[-4:], rt.get_alias("orders", "live")),
}


@pytest.mark.parametrize("line", DOORS)
def test_the_magic_shows_what_the_api_returns(shell, kernel_runtime, line):
    assert displayed(shell, line) == DOORS[line](kernel_runtime).text()


def test_the_magics_read_the_kernels_runtime(shell, kernel_runtime):
    assert displayed(shell, "retries orders").splitlines()[0].startswith(
        "Async retry timeline: 1 event (1 retries exhausted), 3 attempts")
    assert displayed(shell, "split orders live").splitlines()[0] == \
        "Alias orders:live -> version 1, 50% to version 2: 10 requests routed"


@pytest.mark.parametrize("line, message", [
    ("timeline nope", "ResourceNotFoundException"),
    ("split orders nope", "ResourceNotFoundException"),
    ("concurrency-chart --bucket soon", "%lambda concurrency-chart --bucket: 'soon' is not a duration"),
    ("split orders live --last 0", "%lambda split: --last must be at least 1"),
])
def test_bad_lines_show_nothing(shell, kernel_runtime, line, message):
    from lambdakit.notebook.magic_requests import CommandError
    with capture_output() as captured, pytest.raises(CommandError, match=message):
        shell.run_cell(f"%lambda {line}")
    assert captured.outputs == []


# ------------------------------------------------------------------- notebook
@pytest.fixture(scope="module")
def jupyter_path(tmp_path_factory):
    """The lambdakit kernelspec, installed where only these tests look (JUPYTER_PATH)."""
    prefix = tmp_path_factory.mktemp("kernel-prefix")
    assert main(["install-kernel", "--prefix", str(prefix)]) == 0
    return prefix / "share" / "jupyter"


def _environ(jupyter_path):
    import os
    return {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
            "JUPYTER_PATH": str(jupyter_path), "PLOTLY_RENDERER": "plotly_mimetype"}


def test_the_notebook_executes_headless_and_matches_its_stored_outputs(jupyter_path, tmp_path, monkeypatch):
    from nbclient import NotebookClient
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))
    monkeypatch.setenv("PLOTLY_RENDERER", "plotly_mimetype")
    stored = nbformat.read(NOTEBOOK, as_version=4)
    fresh = nbformat.read(NOTEBOOK, as_version=4)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(fresh, timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in fresh.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert notebook_texts(fresh) == notebook_texts(stored)
    shown = [o.data["text/plain"].split(":")[0].split(" of ")[0] for o in outputs if WIDGET_VIEW in o.get("data", {})]
    assert shown == ["Cold-start timeline", "Concurrency", "Latency", "Async retry timeline", "Alias orders",
                     "Concurrency"]
    for output in outputs:  # each chart's own output holds Plotly's JSON, never its JavaScript bundle
        assert "require.js" not in json.dumps(output.get("data", {}))


@pytest.fixture
def graded(jupyter_path, tmp_path):
    """The notebook in a folder with the lessons' nbval conftest (widget payloads not compared)."""
    shutil.copy(NOTEBOOK, tmp_path / NOTEBOOK.name)
    shutil.copy(ROOT / "notebooks" / "conftest.py", tmp_path / "conftest.py")
    return tmp_path


def run_nbval(folder, jupyter_path):
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", NOTEBOOK.name, "-q", "-p", "no:cacheprovider",
         "--rootdir", str(folder)], cwd=folder, capture_output=True, text=True, timeout=600,
        env=_environ(jupyter_path))


def test_nbval_passes_twice_in_a_row(graded, jupyter_path):
    for run in (1, 2):
        result = run_nbval(graded, jupyter_path)
        assert result.returncode == 0, f"run {run}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
        assert " passed" in result.stdout and "failed" not in result.stdout


def test_nbval_grades_the_text_twins(graded, jupyter_path):
    """A changed fact in a widget's text/plain fails its cell; its widget and chart payloads are not compared."""
    path = graded / NOTEBOOK.name
    nb = nbformat.read(path, as_version=4)
    views = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if WIDGET_VIEW in o.get("data", {})]
    views[0].data[WIDGET_VIEW]["model_id"] = "0" * 32
    views[1].data["text/plain"] = views[1].data["text/plain"].replace("4 cold starts", "3 cold starts")
    nbformat.write(nb, path)
    result = run_nbval(graded, jupyter_path)
    assert result.returncode == 1
    assert "1 failed" in result.stdout and "mismatch 'text/plain'" in result.stdout
