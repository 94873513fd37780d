"""The channel between the service and an environment carries data only: whatever handler
code writes onto it (it can find the pipe's descriptor), the kernel parses it as data,
within bounds, and ends that environment with AWS's Runtime.ExitError; the kernel, the
service and other functions are unharmed."""

import base64
import os
import pickle
import re
import resource
import socket
import struct
import threading
import tracemalloc

import pytest

from lambdakit.core import records
from lambdakit.runtime.channel import Channel, ProtocolError

# Writes the bytes it is given onto every socket it holds: the channel is the only one.
FORGER = """
import base64, os, time

def lambda_handler(event, context):
    if event.get("forge"):
        data = base64.b64decode(event["forge"])
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                    os.write(int(fd), data)
            except OSError:
                pass
        time.sleep(5)  # the service acts on what it read before this is over
    return "fine"
"""
HEALTHY = "def lambda_handler(event, context):\n    return 'fine'\n"


class RunsInTheKernel:
    """Unpickling this would run a shell command in the kernel."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def frame(json_part, blob=b""):
    return struct.pack(">II", len(json_part), len(blob)) + json_part + blob


def forged_messages(marker):
    pickled = pickle.dumps(("result", "ok", RunsInTheKernel(marker), 1.0, 0.0, "", 1), protocol=5)
    return {
        # The old wire format: a length, then a pickle the kernel would have loaded.
        "pickle": len(pickled).to_bytes(4, "big") + pickled,
        "same pickle, framed": frame(pickled),
        "garbage": b"\x00\x00\x00\x05\x00\x00\x00\x00hello",
        "4 GB header": b"\xff\xff\xff\xff\xff\xff\xff\xff",
        "not a list": frame(b'{"kind": "result"}'),
        "wrong shape": frame(b'["result", "ok", "1.0", 0.0, "", 1]'),
        "unknown kind": frame(b'["exec", "import os"]'),
        "NaN": frame(b'["result", "ok", NaN, 0.0, "", 1]'),
        "out of turn": frame(b'["init", false, 1.0, 1, 0.0, "", 1]'),
        "deep nesting": frame(b"[" * 100_000),
        "error without AWS's fields": frame(b'["result", "error", 1.0, 0.0, "", 1]', b'{"x": 1}'),
    }


@pytest.mark.parametrize("case", list(forged_messages("x")))
@pytest.mark.parametrize("clock", ["virtual", "real"])
def test_forged_messages_end_the_environment_and_leave_the_kernel_unharmed(make_runtime, tmp_path, clock, case):
    runtime = make_runtime(clock=clock)
    marker = tmp_path / "the-kernel-ran-handler-code"
    runtime.create_function("forger", FORGER, memory_size=1_769, timeout=30)
    runtime.create_function("other", HEALTHY)
    assert runtime.invoke("other", {}).result == "fine"
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = runtime.invoke("forger", {"forge": base64.b64encode(forged_messages(marker)[case]).decode()})
    assert result.result == {"errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: "
                                             "signal: killed", "errorType": "Runtime.ExitError"}
    assert result.record.outcome == records.CRASH
    assert result.report.endswith("\tStatus: error\tError Type: Runtime.ExitError")
    assert re.search(r"\[lambdakit\] the runtime sent the service .+; the environment was stopped\n", result.log)
    assert not marker.exists()
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kb < 64 * 1024  # nothing big allocated
    assert runtime.environments("forger") == []
    other = runtime.invoke("other", {})
    assert (other.result, other.record.cold) == ("fine", False)
    again = runtime.invoke("forger", {})
    assert (again.result, again.record.cold) == ("fine", True)


# Sends "the sandbox failed" from INIT, as the runtime's own start-up would.
FORGES_A_SANDBOX_ERROR = """
import os, struct, time
data = b'["sandbox_error", "forged by the handler"]'
for fd in os.listdir("/proc/self/fd"):
    try:
        if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
            os.write(int(fd), struct.pack(">II", len(data), 0) + data)
    except OSError:
        pass
time.sleep(5)

def lambda_handler(event, context):
    return "fine"
"""


def test_a_sandbox_error_sent_by_handler_code_ends_only_its_environment(make_runtime):
    runtime = make_runtime(clock="virtual")
    runtime.create_function("claims", FORGES_A_SANDBOX_ERROR, timeout=30)
    runtime.create_function("other", HEALTHY)
    result = runtime.invoke("claims", {})  # no exception in the kernel: an invocation that failed
    assert result.result["errorType"] == "Runtime.ExitError"
    assert result.record.outcome == records.CRASH
    assert "[lambdakit] the environment could not be set up: forged by the handler" in result.log
    assert runtime.environments("claims") == []
    assert runtime.invoke("other", {}).result == "fine"


# ------------------------------------------------------------- the framing itself
@pytest.fixture
def pair():
    ours, theirs = socket.socketpair()
    yield Channel(ours, max_json=1 << 16, max_blob=1 << 20), theirs
    ours.close()
    theirs.close()


def test_messages_and_their_bytes_go_through_whole(pair):
    channel, theirs = pair
    peer = Channel(theirs)
    big = os.urandom(900_000)

    def send():  # more than the socket buffers: sent while the other end reads
        peer.send(["result", "ok", 1.5, 0.25, "out ✓\ud800", 12], big)
        peer.send(["deadline", 0.0, "", 1])

    threading.Thread(target=send, daemon=True).start()
    assert channel.recv() == (["result", "ok", 1.5, 0.25, "out ✓\ud800", 12], big)
    assert channel.recv() == (["deadline", 0.0, "", 1], b"")


def test_a_header_over_the_limits_is_refused_before_anything_is_allocated(pair):
    channel, theirs = pair
    theirs.sendall(struct.pack(">II", 16, (1 << 20) + 1))
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolError):
            channel.recv()
        assert tracemalloc.get_traced_memory()[1] < 256 * 1024  # one read buffer, not the 1 MB claimed
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("data", [b"\xff\xfe", b"[1, 2", b"[]", b"[1]", b'"result"', b'["x", Infinity]'])
def test_what_is_not_a_message_is_refused(pair, data):
    channel, theirs = pair
    theirs.sendall(frame(data))
    with pytest.raises(ProtocolError):
        channel.recv()


def test_the_end_of_the_pipe_is_eof(pair):
    channel, theirs = pair
    theirs.sendall(frame(b'["result", "ok"]')[:-4])  # cut short
    theirs.close()
    with pytest.raises(EOFError):
        channel.recv()
