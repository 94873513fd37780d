"""Execution environments: one process each, INIT once, globals and /tmp kept while warm,
a fresh /tmp for each new environment, separate environments for concurrent invocations."""

import io
import os
import threading
import time
import zipfile

import pytest

from lambdakit import TooManyRequestsException
from lambdakit.core import records

STATEFUL = """
import os

print("INIT ran")
invocations = 0
environment = os.urandom(8).hex()  # one per environment (a pid is 2 in each sandbox)

def lambda_handler(event, context):
    global invocations
    invocations += 1
    seen = sorted(os.listdir("/tmp"))
    with open(f"/tmp/{context.aws_request_id}", "w") as f:
        f.write("x")
    return {"invocations": invocations, "tmp": seen, "environment": environment,
            "stream": context.log_stream_name}
"""


def test_init_runs_once_and_globals_and_tmp_persist_while_warm(virtual):
    virtual.create_function("f", STATEFUL)
    results = [virtual.invoke("f", {}) for _ in range(3)]
    seen = [r.result for r in results]
    assert [s["invocations"] for s in seen] == [1, 2, 3]
    assert [s["tmp"] for s in seen] == [[], [results[0].request_id],
                                        sorted([results[0].request_id, results[1].request_id])]
    assert len({s["environment"] for s in seen}) == 1
    assert [r.record.cold for r in results] == [True, False, False]
    assert "INIT ran" in results[0].log and "INIT ran" not in results[1].log
    assert [("Init Duration" in r.report) for r in results] == [True, False, False]
    assert [r.record.init_ms > 0 for r in results] == [True, False, False]
    assert len({r.record.environment_id for r in results}) == 1


def test_a_new_environment_starts_with_an_empty_tmp(virtual):
    virtual.create_function("f", STATEFUL)
    first = virtual.invoke("f", {})
    virtual.update_function_configuration("f", description="retire the warm environment")
    second = virtual.invoke("f", {})
    assert second.record.cold and second.result["tmp"] == [] and second.result["invocations"] == 1
    assert second.record.environment_id != first.record.environment_id
    kinds = [(e.environment_id, e.kind) for e in virtual.lifecycle]
    assert kinds == [(first.record.environment_id, "created"), (first.record.environment_id, "retired"),
                     (second.record.environment_id, "created")]


def test_updated_code_runs_in_a_new_environment(virtual):
    virtual.create_function("f", "def lambda_handler(e, c):\n    return 'old'\n")
    assert virtual.invoke("f", {}).result == "old"
    virtual.update_function_code("f", "def lambda_handler(e, c):\n    return 'new'\n")
    result = virtual.invoke("f", {})
    assert (result.result, result.record.cold) == ("new", True)


def test_idle_environments_are_reclaimed(virtual):
    virtual.create_function("f", STATEFUL)
    virtual.invoke("f", {})
    virtual.advance(seconds=virtual.modelled.idle_reclaim_s - 1)
    assert virtual.invoke("f", {}).record.cold is False
    virtual.advance(seconds=virtual.modelled.idle_reclaim_s + 1)
    assert virtual.environments("f") == []
    assert virtual.lifecycle[-1].kind == "reclaimed"
    result = virtual.invoke("f", {})
    assert result.record.cold and result.result["tmp"] == []


def test_versions_have_their_own_environments(virtual):
    virtual.create_function("f", STATEFUL)
    virtual.publish_version("f")
    latest = virtual.invoke("f", {})
    one = virtual.invoke("f", {}, qualifier="1")
    assert one.record.cold and one.record.environment_id != latest.record.environment_id
    assert "[1]" in one.result["stream"] and "[$LATEST]" in latest.result["stream"]


SLOW = """
import os, time

def lambda_handler(event, context):
    with open("/tmp/mine", "a") as f:
        f.write(context.aws_request_id)
    time.sleep(event["sleep"])
    with open("/tmp/mine") as f:
        return {"tmp": f.read(), "stream": context.log_stream_name}
"""


def test_concurrent_invocations_get_separate_environments(real):
    real.create_function("slow", SLOW, memory_size=1_769)
    start = threading.Barrier(3)
    results = []

    def call():
        start.wait()
        results.append(real.invoke("slow", {"sleep": 1.0}))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.function_error is None for r in results)
    assert len({r.result["stream"] for r in results}) == 3
    assert len({r.record.environment_id for r in results}) == 3
    assert all(r.record.cold for r in results)
    assert all(r.result["tmp"] == r.request_id for r in results)  # each its own /tmp
    assert len(real.environments("slow")) == 3
    assert real.invoke("slow", {"sleep": 0}).record.cold is False


FILESYSTEM = """
import os

def lambda_handler(event, context):
    try:
        open("/var/task/new.txt", "w")
        writable = True
    except OSError as e:
        writable = e.strerror
    stat = os.statvfs("/tmp")
    return {"cwd": os.getcwd(), "task": sorted(os.listdir("/var/task")), "task_writable": writable,
            "tmp_mb": stat.f_blocks * stat.f_frsize // (1024 * 1024), "file": __file__,
            "data": open("data/config.json").read()}
"""


@pytest.fixture
def package_dir(tmp_path):
    (tmp_path / "lambda_function.py").write_text(FILESYSTEM)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "config.json").write_text('{"stage": "test"}')
    return tmp_path


def test_code_at_var_task_read_only_and_tmp_sized_by_ephemeral_storage(virtual, package_dir):
    if not virtual.isolation["private_tmp_and_var_task"]:
        pytest.skip("no mount namespaces here: code runs from its own directory, /tmp is shared")
    virtual.create_function("fs", str(package_dir), ephemeral_storage=1024)
    seen = virtual.invoke("fs", {}).result
    assert seen["cwd"] == "/var/task" and seen["file"] == "/var/task/lambda_function.py"
    assert seen["task"] == ["data", "lambda_function.py"]
    assert seen["task_writable"] == "Read-only file system"
    assert seen["tmp_mb"] == 1024
    assert seen["data"] == '{"stage": "test"}'


def test_code_from_a_zip_with_a_handler_in_a_package(virtual):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app/__init__.py", "")
        archive.writestr("app/handlers.py", "from app.util import twice\n\n"
                                            "def handle(event, context):\n    return twice(event['n'])\n")
        archive.writestr("app/util.py", "def twice(n):\n    return 2 * n\n")
    virtual.create_function("zipped", buffer.getvalue(), handler="app/handlers.handle")
    assert virtual.invoke("zipped", {"n": 21}).result == 42


def test_every_attempt_has_a_record(virtual):
    virtual.create_function("ok", "def lambda_handler(e, c):\n    return 1\n", memory_size=512)
    virtual.create_function("bad", "def lambda_handler(e, c):\n    raise ValueError('no')\n")
    results = [virtual.invoke("ok", {}), virtual.invoke("bad", {}), virtual.invoke("ok", {})]
    assert [r.record for r in results] == virtual.records
    first, failed, warm = virtual.records
    assert (first.function, first.version, first.request_id) == ("ok", "$LATEST", results[0].request_id)
    assert (first.cold, first.outcome, first.memory_mb, first.invocation_type) == (True, records.OK, 512,
                                                                                   "RequestResponse")
    assert (failed.outcome, failed.error_type) == (records.FUNCTION_ERROR, "ValueError")
    assert (warm.cold, warm.init_ms, warm.environment_id) == (False, 0.0, first.environment_id)
    assert warm.start_ms >= first.end_ms
    # INIT is billed since August 2025; whole milliseconds, rounded up.
    assert (first.init_ms, first.duration_ms, first.billed_ms) == (150.0, 0.0, 150)
    assert warm.billed_ms == 1


def test_close_stops_every_environment(make_runtime):
    runtime = make_runtime(clock="real")
    runtime.create_function("f", STATEFUL)
    runtime.invoke("f", {})
    pid = runtime.environments("f")[0].pid
    assert _alive(pid)
    runtime.close()
    assert runtime.environments() == [] and not _alive(pid)


def _alive(pid):
    """Whether a process exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_throttled_attempts_are_recorded(virtual):
    virtual.create_function("f", "def lambda_handler(e, c):\n    return 1\n")
    virtual.put_function_concurrency("f", 0)
    with pytest.raises(TooManyRequestsException) as caught:
        virtual.invoke("f", {})
    assert (caught.value.status, caught.value.message) == (429, "Rate Exceeded.")
    assert caught.value.fields["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    (record,) = virtual.records
    assert (record.outcome, record.environment_id, record.billed_ms, record.error_type) == (
        records.THROTTLED, None, 0, "ReservedFunctionConcurrentInvocationLimitExceeded")
    assert virtual.environments("f") == []
    virtual.delete_function_concurrency("f")
    assert virtual.invoke("f", {}).result == 1


def test_reserved_concurrency_throttles_the_second_concurrent_invocation(real):
    real.create_function("slow", SLOW, memory_size=1_769)
    real.put_function_concurrency("slow", 1)
    results = []

    def call():
        results.append(real.invoke("slow", {"sleep": 1.0}))

    thread = threading.Thread(target=call)
    thread.start()
    while not real.environments("slow") or not real.environments("slow")[0].busy:
        time.sleep(0.01)  # until the first invocation holds the one environment allowed
    with pytest.raises(TooManyRequestsException):
        real.invoke("slow", {"sleep": 0})
    thread.join()
    assert results[0].function_error is None
    assert [r.outcome for r in real.records] == [records.THROTTLED, records.OK]


def test_event_invocations_are_recorded(virtual):
    virtual.create_function("f", "def lambda_handler(e, c):\n    print(e['n'])\n")
    accepted = virtual.invoke("f", {"n": 1}, invocation_type="Event")
    assert (accepted.status_code, accepted.payload) == (202, b"")
    deadline = time.monotonic() + 30
    while not virtual.records and time.monotonic() < deadline:
        time.sleep(0.01)
    (record,) = virtual.records
    assert (record.request_id, record.invocation_type, record.outcome) == (accepted.request_id, "Event", records.OK)
    assert virtual.invoke("f", {"n": 2}, invocation_type="DryRun").status_code == 204
    assert len(virtual.records) == 1


TEMPDIR = """
import os, tempfile

def lambda_handler(event, context):
    path = os.path.join(tempfile.gettempdir(), "mine")
    seen = os.path.exists(path)
    open(path, "w").close()
    return {"tmp": tempfile.gettempdir(), "seen": seen, "root": os.environ["LAMBDA_TASK_ROOT"], "cwd": os.getcwd()}
"""


def test_without_mount_namespaces_each_environment_has_its_own_tmpdir(make_runtime, monkeypatch):
    # Where Linux does not allow mount namespaces (or on macOS): TMPDIR per environment,
    # the code in its own directory. The limitation: code that writes to the literal /tmp shares it.
    monkeypatch.setattr("lambdakit.runtime.sandbox.namespaces_available", lambda: False)
    runtime = make_runtime(clock="real")
    runtime.create_function("f", TEMPDIR)
    first, again = runtime.invoke("f", {}).result, runtime.invoke("f", {}).result
    assert runtime.isolation["private_tmp_and_var_task"] is False
    assert (first["seen"], again["seen"]) == (False, True) and first["tmp"] == again["tmp"]
    assert first["tmp"].startswith(runtime.state_dir) and first["cwd"] == first["root"] != "/var/task"
    runtime.update_function_configuration("f", description="a new environment")
    other = runtime.invoke("f", {}).result
    assert other["tmp"] != first["tmp"] and other["seen"] is False
    assert not os.path.exists(first["tmp"])  # removed with its environment


def test_an_on_demand_init_runs_at_a_full_vcpu_then_at_the_share(make_runtime):
    runtime = make_runtime(clock="real")
    if not runtime.isolation["process_and_cpu_limits_by_cgroup"]:
        pytest.skip("no cgroups here: CPU is not limited")
    runtime.create_function("f", "import time\ntime.sleep(3)\n\ndef lambda_handler(e, c):\n    return 1\n",
                            memory_size=128)
    invoking = threading.Thread(target=runtime.invoke, args=("f", {}))
    invoking.start()
    during_init = None
    while during_init is None and invoking.is_alive():
        envs = runtime.environments("f")
        if envs and envs[0].cgroup is not None:
            during_init = cpu_quota(envs[0].cgroup.directories)
        time.sleep(0.01)
    invoking.join()
    assert (during_init, cpu_quota(runtime.environments("f")[0].cgroup.directories)) == (100_000, 7235)


def cgroup_setting(directories, *names):
    """The first word of the first of `names` found in the group's directories, or None."""
    for directory in directories:
        for name in names:
            if os.path.exists(os.path.join(directory, name)):
                with open(os.path.join(directory, name)) as f:
                    return f.read().split()[0]
    return None


def cpu_quota(directories):
    """The group's CPU quota in microseconds per 100 ms period; None when unlimited."""
    quota = cgroup_setting(directories, "cpu.cfs_quota_us", "cpu.max")
    return int(quota) if quota not in (None, "max", "-1") else None


@pytest.mark.parametrize("clock, memory, quota", [("real", 128, 7235), ("real", 1_769, 100_000),
                                                  ("real", 3_538, 200_000), ("virtual", 128, None)])
def test_environment_limits_in_its_cgroup(make_runtime, clock, memory, quota):
    # On the real clock CPU time is the memory size's share (1 vCPU at 1,769 MB); on the
    # virtual clock durations are declared, so only the 1,024-process limit applies.
    runtime = make_runtime(clock=clock)
    runtime.create_function("f", "def lambda_handler(e, c):\n    return 1\n", memory_size=memory)
    runtime.invoke("f", {})
    if not runtime.isolation["process_and_cpu_limits_by_cgroup"]:
        pytest.skip("no cgroups here: RLIMIT_NPROC limits processes, CPU is not limited")
    directories = runtime.environments("f")[0].cgroup.directories
    assert cgroup_setting(directories, "pids.max") == "1025"  # the function's 1,024 and the runtime's output thread
    assert cpu_quota(directories) == quota
