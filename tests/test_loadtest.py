"""load_test: requests sent from the kernel to real environments, on either clock. Every
request leaves a record; on the virtual clock the arrivals and the result are exact."""

import time

import pytest

import lambdakit
from lambdakit import load_test
from lambdakit.core import records
from lambdakit.scale.loadtest import ROUND_TRIP_MS, LoadTestResult

TAKES_100_MS = "from lambdakit import work\n\ndef lambda_handler(event, context):\n    work(io_ms=100)\n    return event\n"
SLEEPS = "import time\n\ndef lambda_handler(event, context):\n    time.sleep(1)\n    return 'ok'\n"


def starts_ms(result, origin_ms):
    return [r.start_ms - origin_ms for r in result.records]


def test_1000_concurrent_requests_against_reserved_10_lose_nothing(real):
    real.create_function("api", SLEEPS, memory_size=1769)
    real.put_function_concurrency("api", 10)
    run = load_test("api", concurrency=1000, n=1000, runtime=real, wait=False)
    result = run.wait(timeout=600)
    assert run.done and result.requests == 1000
    # Every request is one record, found by its request id: ok or throttled, nothing else.
    assert len(result.records) == 1000 and result.unrecorded == 0
    assert len({r.request_id for r in result.records}) == 1000
    assert {r.request_id for r in result.records} <= {r.request_id for r in real.records}
    assert set(result.outcomes) == {records.OK, records.THROTTLED}
    assert result.outcomes[records.OK] >= 10
    assert result.throttles_by_reason == {"ReservedFunctionConcurrentInvocationLimitExceeded": result.throttles}
    assert len(real.environments("api")) <= 10


def test_closed_loop_on_the_virtual_clock_sends_each_request_when_the_last_is_answered(virtual):
    virtual.create_function("api", TAKES_100_MS)
    origin = virtual.clock.now_ms()
    result = load_test("api", concurrency=2, n=6, payload={"q": 1}, runtime=virtual).result()
    # Two senders: cold starts (150 ms INIT + 100 ms), then warm (100 ms) answers.
    assert starts_ms(result, origin) == [0, 0, 250, 250, 350, 350]
    assert [r.cold for r in result.records] == [True, True, False, False, False, False]
    assert result.elapsed_s == 0.45 and virtual.clock.now_ms() - origin == 450
    assert result.latency_ms(50) == 100 and result.latency_ms(100) == 250


def test_open_loop_sends_at_the_rate_whatever_the_answers(virtual):
    virtual.create_function("api", TAKES_100_MS)
    origin = virtual.clock.now_ms()
    result = load_test("api", rate=5, n=5, runtime=virtual).result()
    assert starts_ms(result, origin) == [0, 200, 400, 600, 800]
    # The first takes 250 ms (a cold start), so the second, sent 200 ms in, needs an
    # environment of its own; from then on one is always free.
    assert [r.cold for r in result.records] == [True, True, False, False, False]


def test_a_duration_bounds_the_sending(virtual):
    virtual.create_function("api", TAKES_100_MS)
    origin = virtual.clock.now_ms()
    result = load_test("api", concurrency=1, duration=1, runtime=virtual).result()
    # 250 ms cold, then 100 ms warm: requests start at 0, 250, ..., 950 ms; none at 1 s.
    assert starts_ms(result, origin) == [0] + [250 + 100 * k for k in range(8)]
    assert result.requests == 9


def test_throttled_senders_come_back_after_a_round_trip(virtual):
    virtual.create_function("off", TAKES_100_MS)
    virtual.put_function_concurrency("off", 0)
    origin = virtual.clock.now_ms()
    result = load_test("off", concurrency=1, n=3, runtime=virtual).result()
    assert starts_ms(result, origin) == [0, ROUND_TRIP_MS, 2 * ROUND_TRIP_MS]
    assert result.outcomes == {records.THROTTLED: 3}


def test_the_summary_is_the_same_on_every_virtual_run(make_runtime):
    texts = []
    for _ in range(2):
        runtime = make_runtime(clock="virtual")
        runtime.create_function("api", TAKES_100_MS)
        runtime.put_function_concurrency("api", 3)
        texts.append(load_test("api", concurrency=5, n=10, runtime=runtime).result().text())
    assert texts[0] == texts[1]
    # Three run (cold: 250 ms); the two other senders are throttled and try again every
    # millisecond (ROUND_TRIP_MS) until the ten requests are spent.
    assert texts[0] == (
        "Load test of api (virtual clock, concurrency 5): 10 requests in 0.25 s\n"
        "  outcomes: ok 3, throttled 7\n"
        "  throttled (ReservedFunctionConcurrentInvocationLimitExceeded): 7\n"
        "  cold starts: 3\n"
        "  latency (INIT + INVOKE): p50 250.00 ms, p90 250.00 ms, p99 250.00 ms, max 250.00 ms\n"
        "  records: 10 for 10 requests (every request accounted for)")


def test_a_real_load_test_returns_at_once_and_can_be_stopped(real):
    real.create_function("api", SLEEPS)
    run = load_test("api", concurrency=2, duration=600, runtime=real, wait=False)
    assert not run.done and repr(run).startswith("LoadTest(api, concurrency 2: ")
    while run.progress()[0] == 0:  # until a first answer (waiting, not a timed assertion)
        time.sleep(0.01)
    run.stop()
    result = run.wait(timeout=60)
    assert isinstance(result, LoadTestResult) and result.clock == "real"
    assert 1 <= result.requests <= 4 and result.unrecorded == 0


def test_the_default_runtime_is_used_when_none_is_given(make_runtime, monkeypatch):
    runtime = make_runtime(clock="virtual")
    monkeypatch.setattr(lambdakit.notebook.default, "default_runtime", lambda: runtime)
    runtime.create_function("api", TAKES_100_MS)
    assert lambdakit.load_test("api", concurrency=1, n=2).result().requests == 2


@pytest.mark.parametrize("options, message", [
    ({"n": 1}, "one of concurrency="),
    ({"concurrency": 1, "rate": 1, "n": 1}, "one of concurrency="),
    ({"concurrency": 1}, "one of n="),
    ({"concurrency": 1, "n": 1, "duration": 1}, "one of n="),
    ({"concurrency": 0, "n": 1}, "concurrency must be"),
    ({"rate": -1, "n": 1}, "rate must be"),
    ({"concurrency": 1, "n": 0}, "n must be"),
])
def test_options_are_checked_before_anything_is_sent(virtual, options, message):
    virtual.create_function("api", TAKES_100_MS)
    with pytest.raises(ValueError, match=message):
        load_test("api", runtime=virtual, **options)
    assert virtual.records == []


def test_an_unknown_function_is_refused_before_anything_is_sent(virtual):
    with pytest.raises(lambdakit.ResourceNotFoundException):
        load_test("nope", concurrency=1, n=1, runtime=virtual)


def test_the_live_display_ends_on_the_text_twin(virtual, monkeypatch):
    import html

    from lambdakit.notebook.widgets import loadtest as live

    shown = []
    monkeypatch.setattr(live, "display", shown.append)
    virtual.create_function("api", TAKES_100_MS)
    test = load_test("api", concurrency=1, n=3, runtime=virtual, display=False)
    live.show(test, 0.01)
    ((bar, label),) = [box.children for box in shown]
    assert (bar.value, bar.max, bar.bar_style) == (3, 3, "success")
    assert html.unescape(label.value) == f"<pre>{test.result().text()}</pre>"
