"""The virtual clock: handler code really runs, but its time is simulated and declared, and
request ids are seeded, so the same session prints the same output on every run."""

import pytest

import lambdakit
from lambdakit.core.config import vcpus

CLOCKS = """
import datetime, time

def lambda_handler(event, context):
    def now():
        return {"time": time.time(), "time_ns": time.time_ns(), "monotonic": time.monotonic(),
                "perf_counter": time.perf_counter(), "now": datetime.datetime.now().isoformat(),
                "utcnow": datetime.datetime.utcnow().isoformat(),
                "aware": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "today": datetime.date.today().isoformat(), "gmtime": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
                "ctime": time.ctime()}
    before = now()
    time.sleep(event.get("sleep", 0))
    return {"before": before, "after": now()}
"""


def test_time_in_handlers_is_virtual(make_runtime):
    runtime = make_runtime(clock="virtual", start="2025-06-01T12:00:00Z")
    runtime.create_function("clocks", CLOCKS, timeout=900)
    seen = runtime.invoke("clocks", {"sleep": 600.5}).result  # ten minutes pass in no time
    start = 1748779200.150  # 2025-06-01T12:00:00Z, after the modelled 150 ms of INIT
    assert seen["before"] == {
        "time": start, "time_ns": 1748779200150000000, "monotonic": start, "perf_counter": start,
        "now": "2025-06-01T12:00:00.150000", "utcnow": "2025-06-01T12:00:00.150000",
        "aware": "2025-06-01T12:00:00.150000+00:00", "today": "2025-06-01", "gmtime": "2025-06-01 12:00:00",
        "ctime": "Sun Jun  1 12:00:00 2025"}
    assert seen["after"]["time"] == pytest.approx(start + 600.5, abs=1e-6)
    assert seen["after"]["now"] == "2025-06-01T12:10:00.650000"
    result = runtime.records[-1]
    assert (result.duration_ms, result.billed_ms) == (600_500.0, 600_650)
    assert runtime.clock.now_ms() == pytest.approx(1748779200150 + 600_500)


def test_the_next_request_arrives_when_the_last_one_ended(virtual):
    virtual.create_function("clocks", CLOCKS)
    first = virtual.invoke("clocks", {"sleep": 1})
    second = virtual.invoke("clocks", {"sleep": 1})
    assert second.record.start_ms == first.record.end_ms
    assert second.result["before"]["time"] == pytest.approx(first.result["after"]["time"])
    virtual.advance(minutes=2)
    third = virtual.invoke("clocks", {})
    assert third.record.start_ms == second.record.end_ms + 120_000 and not third.record.cold


WORK = """
from lambdakit import work

work(cpu_ms=50)  # module-level work is INIT time

def lambda_handler(event, context):
    work(cpu_ms=event.get("cpu_ms", 0), io_ms=event.get("io_ms", 0), threads=event.get("threads", 1))
    return context.get_remaining_time_in_millis()
"""


@pytest.mark.parametrize("memory, event, duration", [
    (1_769, {"cpu_ms": 100}, 100.0),                    # one vCPU
    (128, {"cpu_ms": 100}, 100 * 1_769 / 128),           # 7% of a vCPU
    (884, {"cpu_ms": 100}, 100 * 1_769 / 884),
    (3_538, {"cpu_ms": 100}, 100.0),                     # two vCPUs, one thread: no faster
    (3_538, {"cpu_ms": 100, "threads": 2}, 50.0),
    (10_240, {"cpu_ms": 600, "threads": 8}, 600 / vcpus(10_240)),  # all the vCPUs there are
    (128, {"io_ms": 250}, 250.0),                        # waiting does not depend on the CPU share
    (512, {"cpu_ms": 10, "io_ms": 40}, 10 * 1_769 / 512 + 40),
])
def test_declared_work_scales_with_the_vcpu_share(virtual, memory, event, duration):
    virtual.create_function("work", WORK, memory_size=memory, timeout=60)
    result = virtual.invoke("work", event)
    assert result.record.duration_ms == pytest.approx(duration)
    assert result.record.cpu_ms == pytest.approx(event.get("cpu_ms", 0))
    assert result.record.init_ms == pytest.approx(150 + 50)  # an on-demand INIT runs at a full vCPU
    assert result.report.split("\t")[1] == f"Duration: {duration:.2f} ms"


def test_provisioned_init_has_no_cpu_burst(virtual):
    # AWS's serverless guide: provisioned concurrency "goes directly to using proportional vCPU".
    virtual.create_function("work", WORK, memory_size=128)
    version = virtual.publish_version("work")["Version"]
    virtual.put_provisioned_concurrency_config("work", version, 1)
    env, = virtual.environments("work")
    assert env.ready_ms - env.created_ms == pytest.approx(150 + 50 * 1_769 / 128)


def test_declared_work_past_the_timeout_times_out(virtual):
    virtual.create_function("work", WORK, memory_size=128, timeout=1)
    result = virtual.invoke("work", {"cpu_ms": 100})  # 1,382 ms at 128 MB
    assert result.result["errorType"] == "Sandbox.Timedout"
    assert result.record.duration_ms == 1000.0


def test_init_over_10_seconds_times_out(virtual):
    virtual.create_function("slow_init", "import time\ntime.sleep(11)\n\ndef lambda_handler(e, c):\n    return 1\n")
    result = virtual.invoke("slow_init", {})
    assert result.result["errorType"] == "Sandbox.Timedout"
    assert result.record.init_ms == 10_000.0


SESSION = """
import logging, os, time
from lambdakit import work

state = {"n": 0}

def lambda_handler(event, context):
    state["n"] += 1
    data = b"m" * (event.get("mb", 0) * 1024 * 1024)
    work(cpu_ms=event.get("cpu_ms", 3.5))
    time.sleep(event.get("sleep", 0))
    logging.warning("call %s of %s", state["n"], context.aws_request_id)
    print(os.environ["_X_AMZN_TRACE_ID"], context.log_stream_name, context.get_remaining_time_in_millis())
    if event.get("fail"):
        raise RuntimeError(event["fail"])
    return {"n": state["n"], "len": len(data), "now": time.time()}
"""


def run_session(seed):
    """A short course session: cold and warm starts, errors, a timeout, idle time, memory."""
    runtime = lambdakit.Runtime(clock="virtual", seed=seed)
    try:
        runtime.create_function("a", SESSION, memory_size=256)
        runtime.create_function("b", SESSION, memory_size=1_024, timeout=2)
        events = [("a", {}), ("a", {"mb": 30}), ("b", {"cpu_ms": 40}), ("a", {"fail": "boom"}),
                  ("b", {"sleep": 5}), ("b", {}), ("a", {"sleep": 0.25})]
        results = []
        for i, (name, event) in enumerate(events):
            if i == 5:
                runtime.advance(minutes=20)  # idle environments are reclaimed
            results.append(runtime.invoke(name, event))
        return {
            "results": [(r.request_id, r.payload, r.function_error, r.log, r.record) for r in results],
            "logs": [list(runtime.log_events(n)) for n in ("a", "b")],
            "lifecycle": runtime.lifecycle,
        }
    finally:
        runtime.close()


def test_same_seed_same_output():
    first, second = run_session(seed=7), run_session(seed=7)
    assert first == second
    logs = "\n".join(r[3] for r in first["results"])
    assert "Init Duration" in logs and "Task timed out after 2.00 seconds" in logs and "RuntimeError" in logs
    assert [r[4].cold for r in first["results"]] == [True, False, True, False, False, True, True]
    memory = [r[4].max_memory_used_mb for r in first["results"]]
    assert memory[1] >= memory[0] + 30  # 30 MB more, also on the virtual clock


def test_another_seed_other_request_ids():
    first, other = run_session(seed=7), run_session(seed=8)
    assert [r[0] for r in first["results"]] != [r[0] for r in other["results"]]
    assert [r[4].duration_ms for r in first["results"]] == [r[4].duration_ms for r in other["results"]]


def test_reseeding_repeats_request_ids(virtual):
    virtual.create_function("f", "def lambda_handler(e, c):\n    return c.aws_request_id\n")
    virtual.seed(3)
    first = [virtual.invoke("f", {}).result for _ in range(3)]
    virtual.seed(3)
    again = [virtual.invoke("f", {}).result for _ in range(3)]
    assert first == again and len(set(first)) == 3
