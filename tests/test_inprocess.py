"""The in-process environments of the browser (lambdakit/runtime/inprocess.py), run here by
choosing that backend as Pyodide does by itself."""

import json
import os
import sys
import time

import pytest

import lambdakit
from lambdakit.runtime import inprocess

HANDLER = '''
import os
from lambdakit import work
print("INIT: module-level code")
COUNT = 0

def lambda_handler(event, context):
    global COUNT
    COUNT += 1
    work(cpu_ms=100)
    with open(os.path.join(os.environ["TMP_ROOT"], "seen"), "a") as f:  # /tmp, as the backend swaps it
        f.write("x")
    os.environ["SET_BY_HANDLER"] = "yes"
    print("count", COUNT, "files", sorted(os.listdir(os.environ["TMP_ROOT"])))
    if event.get("spin"):
        while True:
            pass
    return {"count": COUNT, "remaining": context.get_remaining_time_in_millis()}
'''
DECLARED_WORK = '''
from lambdakit import work
work(cpu_ms=40)

def lambda_handler(event, context):
    work(cpu_ms=100, io_ms=20)
    return {"remaining": context.get_remaining_time_in_millis()}
'''


@pytest.fixture
def browser_like(monkeypatch, tmp_path):
    """Runtimes on the in-process backend, with its /tmp swapped in at tmp_path/tmp."""
    monkeypatch.setattr(inprocess, "ONLY_BACKEND", True)
    monkeypatch.setattr(inprocess, "TMP", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    (tmp_path / "tmp" / "kernel-file").write_text("the kernel's")
    made = []

    def make(**settings):
        runtime = lambdakit.Runtime(**settings)
        made.append(runtime)
        runtime.create_function("hello", HANDLER, timeout=2, environment={"TMP_ROOT": inprocess.TMP})
        return runtime

    yield make
    for runtime in made:
        runtime.close()


def _payload(result):
    return json.loads(result.payload)


def test_init_once_globals_persist_and_the_log_is_lambdas(browser_like):
    runtime = browser_like()
    first, second = runtime.invoke("hello", {}), runtime.invoke("hello", {})
    assert [_payload(first)["count"], _payload(second)["count"]] == [1, 2]
    assert [first.record.cold, second.record.cold] == [True, False]
    assert first.log.count("INIT: module-level code") == 1 and "INIT: module-level" not in second.log
    assert "count 2 files ['seen']" in second.log
    assert second.log.splitlines()[-1].startswith(f"REPORT RequestId: {second.request_id}\tDuration: ")


def test_figures_match_the_process_runtime(browser_like, monkeypatch):
    def run(runtime):
        runtime.create_function("work", DECLARED_WORK, memory_size=512)
        results = [runtime.invoke("work", {}) for _ in range(2)]
        return [(r.payload, r.record.cold, r.record.init_ms, r.record.duration_ms, r.record.billed_ms,
                 r.record.max_memory_used_mb, r.record.outcome) for r in results]
    in_process = run(browser_like())
    monkeypatch.setattr(inprocess, "ONLY_BACKEND", False)
    with lambdakit.Runtime() as theirs:
        assert run(theirs) == in_process


def test_a_new_environment_starts_clean(browser_like):
    runtime = browser_like()
    runtime.invoke("hello", {})
    runtime.update_function_configuration("hello", memory_size=1024)  # retires the environment
    result = runtime.invoke("hello", {})
    assert result.record.cold and _payload(result)["count"] == 1
    assert "count 1 files ['seen']" in result.log  # the old environment's file is not in its /tmp


def test_a_runaway_handler_stops_at_its_timeout(browser_like):
    runtime = browser_like()
    result = runtime.invoke("hello", {"spin": True})
    assert result.error_type == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in result.log
    assert runtime.invoke("hello", {}).record.cold  # that environment was stopped


def test_the_kernel_gets_its_own_state_back(browser_like):
    path, cwd, modules = sys.path[:], os.getcwd(), set(sys.modules)
    runtime = browser_like()
    runtime.invoke("hello", {})
    assert sys.path == path and os.getcwd() == cwd
    assert "SET_BY_HANDLER" not in os.environ and "TMP_ROOT" not in os.environ
    assert "lambda_function" not in sys.modules and set(sys.modules) - modules <= {"lambdakit.runtime.inprocess"}
    assert abs(time.time() - time.mktime(time.localtime())) < 5  # the real clock, not the virtual one
    assert os.listdir(inprocess.TMP) == ["kernel-file"]
    assert sys.gettrace() is None


def test_what_is_not_enforced_is_said(browser_like):
    isolation = browser_like().isolation
    assert isolation["memory_by_cgroup"] is False and "memory size is not enforced" in isolation["note"]


def test_the_real_clock_is_refused_in_one_line(browser_like):
    with pytest.raises(RuntimeError, match="virtual clock only"):
        browser_like(clock="real").invoke("hello", {})


def test_what_the_browser_imports_needs_no_aws_sdk():
    # The JupyterLite site has no botocore, boto3 or moto (they are not in its build): the
    # kernel imports lambdakit, its magics and the course package without them.
    import subprocess
    probe = ("import sys, lambdakit, lambdakit.course, lambdakit.notebook.magics\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'botocore', 'boto3', 'moto'}))")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
