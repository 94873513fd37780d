"""Every fault a handler can commit: AWS's error type and message, the kernel unharmed,
and the next invocation working (cold again when the environment had to go).

awslambdaric, AWS's own Python runtime client, is the oracle for the payloads and error
log lines the runtime produces: the same handler is run through its bootstrap code."""

import json
import os
import re
import resource
import subprocess
import sys
import time

import pytest

from lambdakit import RequestEntityTooLargeException
from lambdakit.core import records
from lambdakit.core.errors import InvalidRequestContentException

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
HEALTHY = "def lambda_handler(event, context):\n    return 'fine'\n"

# Runs a handler through awslambdaric's bootstrap with a stand-in Runtime API client and
# log sink, then prints what it would have posted and logged.
ORACLE = r"""
import json, os, sys
sys.path.insert(0, os.getcwd())
from awslambdaric import bootstrap
from awslambdaric.lambda_runtime_exception import FaultException
from awslambdaric.lambda_runtime_marshaller import LambdaMarshaller

seen = {"payload": None, "logs": []}

class Client:
    marshaller = LambdaMarshaller()
    def post_invocation_error(self, invoke_id, data, xray_fault, invocation_id=None):
        seen["payload"], seen["error"] = data, True
    def post_invocation_result(self, invoke_id, data, content_type="application/json", invocation_id=None):
        seen["payload"], seen["error"] = (data.decode() if isinstance(data, bytes) else data), False

class Sink:
    def log(self, message, frame_type=None):
        seen["logs"].append(message)
    def log_error(self, lines):
        seen["logs"].append("\n".join(lines))  # one event, as with the platform's log sink

init_error = None
try:
    handler = bootstrap._get_handler(sys.argv[1])
except FaultException as e:
    init_error = bootstrap.make_error(e.msg, e.exception_type, e.trace)
except Exception:
    init_error = bootstrap.build_fault_result(sys.exc_info(), None)
if init_error is not None:
    bootstrap.log_error(init_error, Sink())
    seen["payload"], seen["error"] = json.dumps(init_error), True
else:
    bootstrap.handle_event_request(Client(), handler, "REQUEST-ID", sys.argv[2].encode(), "application/json",
                                   None, None, "arn", 4102444800000, None, Sink())
print(json.dumps(seen))
"""


def awslambdaric_run(tmp_path, source, event=None, handler="lambda_function.lambda_handler"):
    """(payload, is_error, [ERROR] log event) as AWS's runtime client gives them, paths as on AWS."""
    (tmp_path / "lambda_function.py").write_text(source)
    env = {"PATH": os.environ["PATH"], "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"}
    done = subprocess.run([sys.executable, "-c", ORACLE, handler, json.dumps(event or {})], cwd=tmp_path,
                          env=env, capture_output=True, text=True, check=True)
    seen = json.loads(done.stdout.replace(str(tmp_path), "/var/task"))
    errors = [line for line in seen["logs"] if line.startswith("[ERROR]")]
    return seen["payload"], seen["error"], errors[-1] if errors else None


def error_events(runtime, name):
    return [e.message for e in runtime.log_events(name) if e.message.startswith("[ERROR]")]


def next_invoke_works(runtime, name, cold):
    result = runtime.invoke(name, {})
    assert (result.function_error, result.result, result.record.cold) == (None, "fine", cold)


# --------------------------------------------------------------- function errors
RAISES = """
import helper

def lambda_handler(event, context):
    if event.get("fail"):
        helper.check(event["fail"])
    return "fine"
"""
HELPER = "def check(value):\n    raise ValueError(f'bad value: {value}')\n"


def test_unhandled_exception_matches_awslambdaric(virtual, tmp_path):
    (tmp_path / "helper.py").write_text(HELPER)
    (tmp_path / "lambda_function.py").write_text(RAISES)
    virtual.create_function("raises", str(tmp_path))
    result = virtual.invoke("raises", {"fail": "ünïcode"})
    assert result.function_error == "Unhandled" and result.status_code == 200
    payload = result.result
    assert list(payload) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert (payload["errorMessage"], payload["errorType"], payload["requestId"]) == (
        "bad value: ünïcode", "ValueError", result.request_id)
    assert payload["stackTrace"] == [
        '  File "/var/task/lambda_function.py", line 6, in lambda_handler\n    helper.check(event["fail"])\n',
        '  File "/var/task/helper.py", line 2, in check\n    raise ValueError(f\'bad value: {value}\')\n']
    oracle_payload, is_error, oracle_log = awslambdaric_run(tmp_path, RAISES, {"fail": "ünïcode"})
    assert is_error
    assert result.payload.decode() == oracle_payload.replace("REQUEST-ID", result.request_id)
    assert error_events(virtual, "raises") == [oracle_log]
    assert result.record.outcome == records.FUNCTION_ERROR and result.record.error_type == "ValueError"
    next_invoke_works(virtual, "raises", cold=False)  # a handled fault keeps the environment


@pytest.mark.parametrize("value", ["{1, 2}", "object()", "{'when': __import__('datetime').date(2026, 1, 1)}"])
def test_return_value_that_is_not_json(virtual, tmp_path, value):
    source = f"def lambda_handler(event, context):\n    if event:\n        return {value}\n    return 'fine'\n"
    virtual.create_function("marshal", source)
    result = virtual.invoke("marshal", {"x": 1})
    assert result.function_error == "Unhandled"
    assert result.result["errorType"] == "Runtime.MarshalError"
    assert re.fullmatch(r"Unable to marshal response: Object of type \w+ is not JSON serializable",
                        result.result["errorMessage"])
    oracle_payload, _, oracle_log = awslambdaric_run(tmp_path, source, {"x": 1})
    assert result.payload.decode() == oracle_payload.replace("REQUEST-ID", result.request_id)
    assert error_events(virtual, "marshal") == [oracle_log]
    next_invoke_works(virtual, "marshal", cold=False)


@pytest.mark.parametrize("value", [
    '{"price": Decimal("1.10"), "big": Decimal("12345678901234567890.5"), "nan": Decimal("NaN")}',
    '{"text": "größe ✓ 日本", "nan": float("nan"), "inf": float("inf")}',
    '[1, 2.5, None, True, "x"]',
    '"just a string"',
    'None',
    'b"raw bytes, sent as they are"',
])
def test_return_values_are_encoded_as_awslambdaric_does(virtual, tmp_path, value):
    source = f"from decimal import Decimal\n\ndef lambda_handler(event, context):\n    return {value}\n"
    virtual.create_function("encode", source)
    result = virtual.invoke("encode", {})
    oracle_payload, is_error, _ = awslambdaric_run(tmp_path, source)
    assert (result.function_error, result.payload.decode()) == (None, oracle_payload) and not is_error


# ----------------------------------------------------------------- INIT errors
INIT_FAULTS = {
    "import": ("import requests_that_are_not_installed\n\ndef lambda_handler(event, context):\n    return 1\n",
               "Runtime.ImportModuleError",
               "Unable to import module 'lambda_function': No module named 'requests_that_are_not_installed'"),
    "handler": ("def handler(event, context):\n    return 1\n", "Runtime.HandlerNotFound",
                "Handler 'lambda_handler' missing on module 'lambda_function'"),
    "syntax": ("def lambda_handler(event, context)\n    return 1\n", "Runtime.UserCodeSyntaxError",
               "Syntax error in module 'lambda_function': expected ':' (lambda_function.py, line 1)"),
    "raises": ("raise RuntimeError('no config')\n", "RuntimeError", "no config"),
}


@pytest.mark.parametrize("fault", INIT_FAULTS)
@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_init_errors_match_awslambdaric(make_runtime, tmp_path, clock, fault):
    source, error_type, message = INIT_FAULTS[fault]
    runtime = make_runtime(clock=clock)
    runtime.create_function("init", source)
    result = runtime.invoke("init", {})
    assert result.function_error == "Unhandled"
    assert (result.result["errorType"], result.result["errorMessage"]) == (error_type, message)
    assert result.result["requestId"] == ""  # INIT errors carry no request id
    oracle_payload, _, oracle_log = awslambdaric_run(tmp_path, source)
    oracle = json.loads(oracle_payload)
    if fault == "raises":
        # The oracle's trace starts with its own two frames (the script, awslambdaric's
        # _get_handler); from the import machinery on, the traces are the same (in a sandbox
        # the standard library is at /var/lang, as on AWS).
        lang = "/var/lang" if runtime.isolation["sandbox"] else sys.base_prefix
        assert result.result["stackTrace"] == [f.replace(sys.base_prefix, lang) for f in oracle["stackTrace"][2:]]
        assert result.result["stackTrace"][-1] == (
            '  File "/var/task/lambda_function.py", line 1, in <module>\n    raise RuntimeError(\'no config\')\n')
    else:
        assert result.result == oracle
        assert error_events(runtime, "init") == [oracle_log]
    assert "LAMBDA_WARNING: Unhandled exception." in result.log
    assert result.report.endswith(f"\tStatus: error\tError Type: {error_type}")
    assert "Init Duration: " in result.report
    assert result.record.cold and runtime.environments("init") == []
    again = runtime.invoke("init", {})  # INIT is tried again, in a new environment
    assert again.record.cold and again.result["errorType"] == error_type
    assert again.record.environment_id != result.record.environment_id
    runtime.update_function_code("init", HEALTHY)
    next_invoke_works(runtime, "init", cold=True)


# ---------------------------------------------------------------------- timeout
SLEEPS = """
import time

def lambda_handler(event, context):
    print("before")
    if event.get("seconds"):
        time.sleep(event["seconds"])
    if event.get("spin"):
        while True:
            pass
    return "fine"
"""


def test_timeout_on_the_virtual_clock(virtual):
    virtual.create_function("sleepy", SLEEPS)  # the default timeout, 3 s
    result = virtual.invoke("sleepy", {"seconds": 10})
    assert result.function_error == "Unhandled"
    assert result.result == {"errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 3.00 seconds",
                             "errorType": "Sandbox.Timedout"}
    lines = result.log.splitlines()
    assert lines[1:3] == ["before", f"END RequestId: {result.request_id}"]
    assert lines[3] == (f"REPORT RequestId: {result.request_id}\tDuration: 3000.00 ms\tBilled Duration: 3150 ms\t"
                        "Memory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 150.00 ms\tStatus: timeout")
    assert lines[4] == f"2026-01-01T00:00:03.150Z {result.request_id} Task timed out after 3.00 seconds"
    assert (result.record.outcome, result.record.error_type) == (records.TIMEOUT, "Sandbox.Timedout")
    assert virtual.environments("sleepy") == []
    next_invoke_works(virtual, "sleepy", cold=True)


@pytest.mark.parametrize("event", [{"seconds": 30}, {"spin": True}], ids=["sleep", "infinite-loop"])
def test_timeout_on_the_real_clock_kills_the_process(real, event):
    real.create_function("sleepy", SLEEPS, timeout=1, memory_size=1_769)
    result = real.invoke("sleepy", event)
    assert result.result == {"errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds",
                             "errorType": "Sandbox.Timedout"}
    assert "\tStatus: timeout" in result.report
    assert result.log.splitlines()[-1].endswith(f"Z {result.request_id} Task timed out after 1.00 seconds")
    next_invoke_works(real, "sleepy", cold=True)


def test_infinite_loop_on_the_virtual_clock_is_stopped_in_real_time(virtual):
    virtual.create_function("sleepy", SLEEPS, timeout=1)
    result = virtual.invoke("sleepy", {"spin": True})
    assert result.result["errorType"] == "Sandbox.Timedout"
    assert result.record.duration_ms == 1000.0
    next_invoke_works(virtual, "sleepy", cold=True)


# ----------------------------------------------------------------------- memory
GREEDY = """
def lambda_handler(event, context):
    if event.get("mb"):
        hoard = [b"x" * (1024 * 1024) for _ in range(event["mb"])]
        return len(hoard)
    if event.get("gb"):
        return len(bytearray(event["gb"] * 1024 ** 3))
    return "fine"
"""


@pytest.mark.parametrize("clock", ["virtual", "real"])
@pytest.mark.parametrize("event", [{"mb": 300}, {"gb": 64}], ids=["grows", "one-huge-allocation"])
def test_memory_over_the_size(make_runtime, clock, event):
    runtime = make_runtime(clock=clock)
    runtime.create_function("greedy", GREEDY, memory_size=128, timeout=120)  # slow at 7% of a CPU
    result = runtime.invoke("greedy", event)
    assert result.result == {"errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: "
                                             "signal: killed", "errorType": "Runtime.OutOfMemory"}
    assert result.report.endswith("\tStatus: error\tError Type: Runtime.OutOfMemory")
    used = int(re.search(r"Max Memory Used: (\d+) MB", result.report).group(1))
    assert used >= 128 and result.record.max_memory_used_mb == used
    assert result.record.outcome == records.OOM
    next_invoke_works(runtime, "greedy", cold=True)


def test_memory_under_the_size_is_reported(real):
    real.create_function("greedy", GREEDY, memory_size=512)
    result = real.invoke("greedy", {"mb": 100})
    assert result.function_error is None and result.result == 100
    assert 100 <= result.record.max_memory_used_mb < 512


# --------------------------------------------------------------------- payloads
def test_request_over_6_mb(virtual):
    virtual.create_function("echo", HEALTHY)
    with pytest.raises(RequestEntityTooLargeException) as caught:
        virtual.invoke("echo", "x" * (6 * 1024 * 1024 + 1))
    assert (caught.value.code, caught.value.status) == ("RequestEntityTooLargeException", 413)
    assert caught.value.message == "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    next_invoke_works(virtual, "echo", cold=True)


BIG_RESPONSE = "def lambda_handler(event, context):\n    return 'x' * event['n'] if event else 'fine'\n"


def test_response_over_6_mb(virtual):
    virtual.create_function("big", BIG_RESPONSE, memory_size=512)
    assert len(virtual.invoke("big", {"n": 6 * 1024 * 1024}).payload) == 6 * 1024 * 1024 + 2
    result = virtual.invoke("big", {"n": 7 * 1024 * 1024})
    assert result.function_error == "Unhandled"
    assert result.result == {"errorMessage": "Response payload size exceeded maximum allowed payload size "
                                             "(6291556 bytes).", "errorType": "Function.ResponseSizeTooLarge"}
    assert result.record.error_type == "Function.ResponseSizeTooLarge"
    next_invoke_works(virtual, "big", cold=False)


# ------------------------------------------------------------- the process ends
ENDS = """
import ctypes, os, signal, sys

def lambda_handler(event, context):
    how = event.get("how")
    if how == "sys.exit(0)":
        sys.exit(0)
    if how == "sys.exit(1)":
        sys.exit(1)
    if how == "os._exit(3)":
        os._exit(3)
    if how == "segfault":
        ctypes.string_at(0)
    if how == "abort":
        os.abort()
    if how == "SIGTERM":
        os.kill(os.getpid(), signal.SIGTERM)
    return "fine"
"""


@pytest.mark.parametrize("how, text", [
    ("sys.exit(0)", "Runtime exited without providing a reason"),
    ("sys.exit(1)", "Runtime exited with error: exit status 1"),
    ("os._exit(3)", "Runtime exited with error: exit status 3"),
    ("segfault", "Runtime exited with error: signal: segmentation fault"),
    ("abort", "Runtime exited with error: signal: aborted"),
    ("SIGTERM", "Runtime exited with error: signal: terminated"),
])
@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_the_runtime_process_ends(make_runtime, clock, how, text):
    runtime = make_runtime(clock=clock)
    runtime.create_function("ends", ENDS)
    result = runtime.invoke("ends", {"how": how})
    assert result.result == {"errorMessage": f"RequestId: {result.request_id} Error: {text}",
                             "errorType": "Runtime.ExitError"}
    assert result.report.endswith("\tStatus: error\tError Type: Runtime.ExitError")
    assert result.record.outcome == records.CRASH
    next_invoke_works(runtime, "ends", cold=True)


FORK_BOMB = """
import os, time

def lambda_handler(event, context):
    if event.get("bomb") == "count":
        # Fork sleeping children until the process limit refuses one; say how many there are.
        children = 0
        while True:
            try:
                if os.fork() == 0:
                    while True:
                        time.sleep(60)
                children += 1
            except OSError:
                return {"children": children}
    if event.get("bomb") == "classic":
        while True:
            try:
                os.fork()
            except OSError:
                pass
    return "fine"
"""


def process_group(pgid):
    """Live (not zombie) processes of a process group."""
    members = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry))
    return members


def test_fork_bomb_stops_at_1024_processes(real):
    real.create_function("bomb", FORK_BOMB, timeout=300, memory_size=1_769)  # returns once refused
    result = real.invoke("bomb", {"bomb": "count"})
    pid = real.environments("bomb")[0].pid
    assert result.result["children"] == 1023  # Lambda's 1,024 processes, the environment's own included
    assert len(process_group(pid)) == 1024
    real.update_function_configuration("bomb", description="retire the environment and all it started")
    deadline = time.monotonic() + 10
    while process_group(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_group(pid) == []
    next_invoke_works(real, "bomb", cold=True)


def test_classic_fork_bomb_times_out_and_everything_is_killed(real):
    real.create_function("bomb", FORK_BOMB, timeout=2, memory_size=128)
    result = real.invoke("bomb", {"bomb": "classic"})
    assert result.result["errorType"] == "Sandbox.Timedout"
    assert real.environments("bomb") == []
    next_invoke_works(real, "bomb", cold=True)


FLOOD = """
import os

def lambda_handler(event, context):
    line = "y" * 1023
    for _ in range(event.get("mb", 0) * 1024):
        print(line)
    if event.get("fd_mb"):
        os.write(1, b"z" * (event["fd_mb"] * 1024 * 1024))
    return "fine"
"""


def test_100_mb_of_printed_output(real):
    real.create_function("flood", FLOOD, memory_size=1_769, timeout=60)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = real.invoke("flood", {"mb": 100, "fd_mb": 20})
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.function_error is None and result.result == "fine"
    assert len(result.log) < 300 * 1024
    assert re.search(r"\[lambdakit\] \d+ more characters of output were dropped: each invocation keeps "
                     r"at most 262144 characters of logs", result.log)
    assert result.log.splitlines()[1] == "y" * 1023
    assert grown_mb < 64
    next_invoke_works(real, "flood", cold=False)


# ------------------------------------------------------------ INIT that crashes
@pytest.mark.parametrize("module, error_type, text", [
    ("import sys\nsys.exit(2)\n", "Runtime.ExitError", "Runtime exited with error: exit status 2"),
    ("import os\nos._exit(0)\n", "Runtime.ExitError", "Runtime exited without providing a reason"),
    ("hoard = [b'x' * (1024 * 1024) for _ in range(300)]\n", "Runtime.OutOfMemory",
     "Runtime exited with error: signal: killed"),
    ("spike = b'x' * (200 * 1024 * 1024)\ndel spike\n", "Runtime.OutOfMemory",  # over, then under again
     "Runtime exited with error: signal: killed"),
])
def test_process_ends_during_init(virtual, module, error_type, text):
    virtual.create_function("init", module + "\ndef lambda_handler(event, context):\n    return 'fine'\n")
    result = virtual.invoke("init", {})
    assert result.result == {"errorMessage": f"RequestId: {result.request_id} Error: {text}",
                             "errorType": error_type}
    assert result.report.endswith(f"\tStatus: error\tError Type: {error_type}")
    assert "Init Duration: " in result.report
    virtual.update_function_code("init", HEALTHY)
    next_invoke_works(virtual, "init", cold=True)


def test_payload_that_is_not_json(virtual):
    virtual.create_function("echo", HEALTHY)
    with pytest.raises(InvalidRequestContentException) as caught:
        virtual.invoke("echo", b"{not json")
    assert caught.value.status == 400
    assert caught.value.message.startswith("Could not parse request body into json: Could not parse payload into json: ")
    assert virtual.records == []
    next_invoke_works(virtual, "echo", cold=True)


def test_zygote_killed_from_outside(real):
    real.create_function("echo", HEALTHY)
    real.create_function("other", HEALTHY)
    next_invoke_works(real, "echo", cold=True)
    real._pool.zygote.process.kill()
    real._pool.zygote.process.wait()
    next_invoke_works(real, "echo", cold=False)   # a warm environment does not need the zygote
    next_invoke_works(real, "other", cold=True)   # a new one comes from a new zygote


SUBPROCESS = """
import subprocess

def lambda_handler(event, context):
    subprocess.run(["echo", "from a subprocess"], check=True)
    print("from python")
    return "fine"
"""


def test_output_of_subprocesses_is_captured(real):
    real.create_function("sub", SUBPROCESS, memory_size=1_769)
    result = real.invoke("sub", {})
    assert result.result == "fine"
    lines = result.log.splitlines()
    assert "from a subprocess" in lines and "from python" in lines
    assert real.invoke("sub", {}).log.count("from a subprocess") == 1  # nothing left over from the first


FORKS_AND_RETURNS = """
import os

def lambda_handler(event, context):
    if os.fork() == 0:
        return "from the child"  # a forked copy that returns into the runtime
    os.wait()
    return "from the environment"
"""


def test_a_forked_copy_of_the_handler_never_answers(real):
    real.create_function("forks", FORKS_AND_RETURNS, memory_size=1_769)
    for _ in range(3):
        result = real.invoke("forks", {})
        assert (result.function_error, result.result) == (None, "from the environment")
    assert [r.cold for r in real.records] == [True, False, False]
