"""An environment's life as on AWS: frozen between invocations, replaced when it died
while idle, INIT over 10 s retried inside the first invocation ("suppressed init"), a
zygote that died replaced without callers noticing, and no growth with use."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from lambdakit.runtime import reaper

HEALTHY = "def lambda_handler(event, context):\n    return 'fine'\n"

# A background thread that notes the time every 10 ms, whenever it gets to run.
TICKING = """
import threading, time

ticks = []

def tick():
    while True:
        ticks.append(time.time())
        time.sleep(0.01)

threading.Thread(target=tick, daemon=True).start()

def lambda_handler(event, context):
    time.sleep(event.get("wait", 0))
    return [t for t in ticks if t > event.get("after", 0)]
"""


def test_nothing_runs_between_invocations(real):
    real.create_function("ticking", TICKING, memory_size=1_769)
    assert real.invoke("ticking", {"wait": 0.1}).result  # the thread runs while the environment does
    idle_from = time.time()
    time.sleep(1.0)
    idle_until = time.time()
    ticks = real.invoke("ticking", {"after": idle_from}).result
    # (A thread a busy machine had not scheduled yet stops once it runs: allow it a moment.)
    assert [t for t in ticks if idle_from + 0.05 < t < idle_until] == []


def _gone(pid):
    try:
        os.kill(pid, 0)
        return False
    except ProcessLookupError:
        return True


@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_an_environment_that_died_while_idle_never_gets_a_request(make_runtime, clock):
    runtime = make_runtime(clock=clock)
    runtime.create_function("f", HEALTHY)
    first = runtime.invoke("f", {})
    pid = runtime.environments("f")[0].pid  # as the host sees it
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    second = runtime.invoke("f", {})
    assert second.function_error is None and second.record.cold
    assert second.record.environment_id != first.record.environment_id
    assert [(e.environment_id, e.kind) for e in runtime.lifecycle][:2] == [
        (first.record.environment_id, "created"), (first.record.environment_id, "stopped")]
    assert runtime.invoke("f", {}).record.cold is False


SLOW_INIT = """
import time

print("INIT starts")
time.sleep(12)
print("INIT done")

def lambda_handler(event, context):
    return {"left_ms": context.get_remaining_time_in_millis()}
"""


def test_an_init_over_10_s_is_retried_inside_the_first_invocation(virtual):
    virtual.create_function("slow", SLOW_INIT, timeout=30)
    result = virtual.invoke("slow", {})
    assert (result.function_error, result.result) == (None, {"left_ms": 30_000 - 12_150})
    rid = result.request_id
    assert result.log.splitlines() == [
        "INIT starts",
        "INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout",
        f"START RequestId: {rid} Version: $LATEST",
        "INIT starts",
        "INIT done",
        f"END RequestId: {rid}",
        # INIT ran in the invoke phase: it is in Duration, and there is no Init Duration.
        f"REPORT RequestId: {rid}\tDuration: 12150.00 ms\tBilled Duration: 22150 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: 40 MB\t"]
    assert result.record.cold and result.record.init_ms == 10_000.0 and result.record.duration_ms == 12_150.0
    again = virtual.invoke("slow", {})
    assert (again.record.cold, again.result) == (False, {"left_ms": 30_000})


def test_a_retried_init_that_runs_past_the_timeout_times_out(virtual):
    virtual.create_function("slow", SLOW_INIT, timeout=5)
    result = virtual.invoke("slow", {})
    rid = result.request_id
    assert result.result == {"errorMessage": f"RequestId: {rid} Error: Task timed out after 5.00 seconds",
                             "errorType": "Sandbox.Timedout"}
    assert "INIT_REPORT Init Duration: 5000.00 ms\tPhase: invoke\tStatus: timeout" in result.log.splitlines()
    assert virtual.environments("slow") == []


def test_an_init_of_12_s_succeeds_with_a_30_s_timeout_on_the_real_clock(real):
    real.create_function("slow", SLOW_INIT, timeout=30, memory_size=1_769)
    result = real.invoke("slow", {})
    assert result.function_error is None and 0 < result.result["left_ms"] < 30_000 - 11_000
    assert "\tPhase: init\tStatus: timeout" in result.log
    assert result.log.count("INIT done") == 1 and "Init Duration" not in result.report
    assert real.invoke("slow", {}).record.cold is False


SLEEPS = "import time\n\ndef lambda_handler(event, context):\n    time.sleep(0.5)\n    return 'fine'\n"


def _zygotes():
    """This process's children that are zygotes (alive, not zombies)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z" and b"zygote.main" in command:
            found.append(int(entry))
    return found


def test_a_dead_zygote_is_replaced_once_and_cold_starts_never_see_it(real):
    others = set(_zygotes())  # of runtimes other tests left closing
    real.create_function("f", SLEEPS, memory_size=1_769)
    real.invoke("f", {})
    real._pool.zygote.process.kill()
    real._pool.zygote.process.wait()
    start = threading.Barrier(8)
    results = []

    def call():
        start.wait()
        results.append(real.invoke("f", {}))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.result for r in results] == ["fine"] * 8
    assert sum(r.record.cold for r in results) >= 7  # one may reuse the environment of the first call
    assert len(set(_zygotes()) - others) == 1
    real.close()
    deadline = time.monotonic() + 10
    while set(_zygotes()) - others and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(_zygotes()) - others == set()


def _rss_kb(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def test_an_environment_does_not_grow_with_use(virtual):
    virtual.create_function("f", HEALTHY)
    for _ in range(2_000):
        virtual.invoke("f", {})
    pid = virtual.environments("f")[0].pid
    before = _rss_kb(pid)
    for _ in range(20_000):
        virtual.invoke("f", {})
    assert virtual.environments("f")[0].pid == pid
    assert _rss_kb(pid) - before < 1024  # setting the trace id grew it 3 MB here


# A kernel of its own: starts a runtime, invokes once, says what it made, then waits to be killed.
KERNEL = r"""
import json, sys
import lambdakit

runtime = lambdakit.Runtime(clock="real")
runtime.create_function("f", sys.argv[1], memory_size=1_769)
runtime.invoke("f", {})
print(json.dumps({"environment": runtime.environments("f")[0].pid, "zygote": runtime._pool.zygote.process.pid,
                  "state": runtime.state_dir}), flush=True)
sys.stdin.read()
"""
LEAVES_A_CHILD = """
import subprocess

def lambda_handler(event, context):
    subprocess.Popen(["sleep", "600"])
    return "fine"
"""


def _running(pid):
    """Alive and not a zombie (an orphan's zombie waits for whoever reaps orphans here)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_nothing_is_left_when_the_kernel_dies(make_runtime):
    kernel = subprocess.Popen([sys.executable, "-c", KERNEL, LEAVES_A_CHILD], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    made = json.loads(kernel.stdout.readline())
    session = reaper.session_members({made["environment"]})
    assert len(session) >= 2  # the environment, frozen, and the child its handler left
    kernel.kill()
    kernel.wait()
    deadline = time.monotonic() + 10
    left = lambda: [pid for pid in [*session, made["zygote"]] if _running(pid)]  # noqa: E731
    while left() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left() == []
    assert os.path.isdir(made["state"])
    make_runtime(clock="virtual")  # the next runtime removes what the dead one left
    assert not os.path.exists(made["state"])


def test_a_burst_of_first_requests_starts_the_runtime_once(make_runtime):
    # A load test's first thousand requests all find the runtime unstarted. Started twice, it
    # had two watchdogs: a watch left in the first one killed environments that had answered.
    runtime = make_runtime(clock="real")
    runtime.create_function("f", "def lambda_handler(e, c):\n    return 1\n")
    gate = threading.Barrier(32)

    def first_request():
        gate.wait()
        runtime.invoke("f", {})

    def watchdogs():
        return [t for t in threading.enumerate() if t.name == "lambdakit-watchdog"]

    before = len(watchdogs())
    senders = [threading.Thread(target=first_request) for _ in range(32)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert len(watchdogs()) == before + 1
    assert all(r.outcome == "ok" for r in runtime.records)
