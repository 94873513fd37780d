"""The Lambda Runtime API of one environment (lambdakit.runtime.runtime_api), driven over real
HTTP on loopback as a runtime drives it: every endpoint, AWS's status codes and error bodies
for calls out of order, oversize responses, and web pages refused. The service's side is the
RuntimeApi object itself (offer an invocation, wait for its outcome)."""

import base64
import http.client
import json
import socket
import threading

import pytest

from lambdakit.core import limits
from lambdakit.runtime.response_stream import CollectedStream, Pacer, ResponseStream
from lambdakit.runtime.runtime_api import RuntimeApi

MAX = 6291556
NEXT = "/2018-06-01/runtime/invocation/next"
REQUEST = {"request_id": "8f4c-1", "deadline_ms": 1_700_000_003_000,
           "arn": "arn:aws:lambda:us-east-1:123456789012:function:f",
           "trace_id": "Root=1-65f0-abc;Parent=1;Sampled=0",
           "client_context": {"custom": {"k": "v"}}, "identity": {"cognitoIdentityId": "id-1"}}


@pytest.fixture
def api():
    api = RuntimeApi(MAX)
    yield api
    api.close()


def call(api, method, path, body=None, headers=None):
    host, port = api.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request(method, path, body, headers or {})
    response = connection.getresponse()
    reply = response.status, dict(response.getheaders()), response.read()
    connection.close()
    return reply


def error_of(reply):
    status, _, body = reply
    return status, json.loads(body)


def next_in_background(api):
    """GET /next on a thread (it blocks until an invocation is offered); returns a getter."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("reply", call(api, "GET", NEXT)))
    thread.start()

    def reply():
        thread.join(10)
        return result["reply"]
    return reply


def started(api, request=REQUEST, body=b'{"n": 1}', stream=None):
    """The runtime has called /next (INIT done) and been handed `request`."""
    reply = next_in_background(api)
    assert api.wait(10).kind == "ready"
    api.offer(request, body, stream)
    return reply()


def test_next_hands_over_the_event_with_aws_headers(api):
    status, headers, body = started(api)
    assert status == 200 and body == b'{"n": 1}'
    assert headers["Content-Type"] == "application/json"
    assert headers["Lambda-Runtime-Aws-Request-Id"] == "8f4c-1"
    assert headers["Lambda-Runtime-Deadline-Ms"] == "1700000003000"
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == REQUEST["arn"]
    assert headers["Lambda-Runtime-Trace-Id"] == REQUEST["trace_id"]
    assert json.loads(headers["Lambda-Runtime-Client-Context"]) == {"custom": {"k": "v"}}
    assert json.loads(headers["Lambda-Runtime-Cognito-Identity"]) == {"cognitoIdentityId": "id-1"}


def test_headers_without_a_value_are_left_out(api):
    _, headers, _ = started(api, dict(REQUEST, client_context=None, identity=None))
    assert "Lambda-Runtime-Client-Context" not in headers
    assert "Lambda-Runtime-Cognito-Identity" not in headers


def test_response_is_accepted_and_becomes_the_outcome(api):
    started(api)
    status, _, body = call(api, "POST", "/2018-06-01/runtime/invocation/8f4c-1/response", b'{"ok": true}')
    assert (status, body) == (202, b'{"status":"OK"}')
    outcome = api.wait(10)
    assert (outcome.kind, outcome.body) == ("response", b'{"ok": true}')


def test_error_keeps_the_runtimes_payload(api):
    started(api)
    error = {"errorType": "TypeError", "errorMessage": "x is undefined", "trace": ["TypeError: x"]}
    status, _, _ = call(api, "POST", "/2018-06-01/runtime/invocation/8f4c-1/error", json.dumps(error),
                        {"Lambda-Runtime-Function-Error-Type": "TypeError"})
    assert status == 202
    outcome = api.wait(10)
    assert outcome.kind == "error" and json.loads(outcome.body) == error


def test_error_without_a_body_is_built_from_the_header(api):
    started(api)
    call(api, "POST", "/2018-06-01/runtime/invocation/8f4c-1/error", b"",
         {"Lambda-Runtime-Function-Error-Type": "Function.BadThing"})
    assert json.loads(api.wait(10).body) == {"errorMessage": "", "errorType": "Function.BadThing"}


def test_an_error_type_not_of_aws_form_is_runtime_unknown(api):
    started(api)
    call(api, "POST", "/2018-06-01/runtime/invocation/8f4c-1/error", b"", {"Lambda-Runtime-Function-Error-Type": "oops"})
    assert json.loads(api.wait(10).body)["errorType"] == "Runtime.Unknown"


def test_a_response_for_another_id_is_invalid_request_id(api):
    started(api)
    reply = call(api, "POST", "/2018-06-01/runtime/invocation/someone-else/response", b"{}")
    assert error_of(reply) == (400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"})
    assert not api.has_outcome()


def test_a_second_response_is_refused(api):
    started(api)
    assert call(api, "POST", "/2018-06-01/runtime/invocation/8f4c-1/response", b"1")[0] == 202
    assert error_of(call(api, "POST", "/2018-06-01/runtime/invocation/8f4c-1/error", b"{}"))[0] == 400
    assert error_of(call(api, "POST", "/2018-06-01/runtime/invocation/8f4c-1/response", b"2"))[1]["errorType"] \
        == "InvalidRequestID"
    assert api.wait(10).body == b"1" and not api.has_outcome()


def test_a_response_before_any_invocation_is_refused(api):
    reply = call(api, "POST", "/2018-06-01/runtime/invocation/8f4c-1/response", b"{}")
    assert error_of(reply) == (400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"})


def test_init_error_during_init_is_accepted(api):
    error = {"errorMessage": "Cannot find module 'index'", "errorType": "Runtime.ImportModuleError"}
    status, _, body = call(api, "POST", "/2018-06-01/runtime/init/error", json.dumps(error),
                           {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"})
    assert (status, body) == (202, b'{"status":"OK"}')
    outcome = api.wait(10)
    assert outcome.kind == "init_error" and json.loads(outcome.body) == error
    # and after it the runtime may not ask for events
    assert error_of(call(api, "GET", NEXT)) == (403, {
        "errorMessage": "State transition from InitError to Ready failed for runtime. "
                        "Error: State transition is not allowed",
        "errorType": "InvalidStateTransition"})


def test_init_error_after_init_is_an_invalid_state_transition(api):
    started(api)
    reply = call(api, "POST", "/2018-06-01/runtime/init/error", b"{}")
    assert error_of(reply) == (403, {
        "errorMessage": "State transition from Running to InitError failed for runtime. "
                        "Error: State transition is not allowed",
        "errorType": "InvalidStateTransition"})


def test_an_oversize_response_is_413_and_the_invocation_fails(api):
    started(api)
    reply = call(api, "POST", "/2018-06-01/runtime/invocation/8f4c-1/response", b"x" * (MAX + 1))
    assert error_of(reply) == (413, {"errorMessage": f"Exceeded maximum allowed payload size ({MAX} bytes).",
                                     "errorType": "RequestEntityTooLarge"})
    assert api.wait(10).kind == "too_large"


def test_a_response_of_exactly_the_limit_is_accepted(api):
    started(api)
    assert call(api, "POST", "/2018-06-01/runtime/invocation/8f4c-1/response", b"1" * MAX)[0] == 202
    assert len(api.wait(10).body) == MAX


def test_a_chunked_response_is_read_and_limited(api):
    started(api)
    host, port = api.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("POST", "/2018-06-01/runtime/invocation/8f4c-1/response", iter([b'{"a":', b"1}"]),
                       encode_chunked=True)
    assert connection.getresponse().status == 202
    assert api.wait(10).body == b'{"a":1}'


def test_unknown_paths_are_404(api):
    status, _, body = call(api, "GET", "/2018-06-01/runtime/invocation/next/extra")
    assert (status, body) == (404, b"404 page not found\n")
    assert call(api, "POST", "/2018-06-01/runtime/whatever", b"")[0] == 404


def test_web_pages_are_refused(api):
    reply = call(api, "POST", "/2018-06-01/runtime/init/error", b"{}", {"Origin": "https://evil.example"})
    assert reply[0] == 403 and not api.has_outcome()
    assert call(api, "GET", NEXT, headers={"Host": "evil.example"})[0] == 403


def test_a_waiting_next_ends_with_500_when_the_environment_ends(api):
    reply = next_in_background(api)
    assert api.wait(10).kind == "ready"
    api.end()
    assert error_of(reply()) == (500, {"errorMessage": "Internal Server Error", "errorType": "InternalServerError"})
    assert api.wait(1) is None


# -- streaming responses (Lambda-Runtime-Function-Response-Mode: streaming) ---------------------
STREAMING = "/2018-06-01/runtime/invocation/8f4c-1/response"


class RawStream:
    """A runtime's streaming /response written by hand, chunk by chunk, trailers and all."""

    def __init__(self, api, path=STREAMING, content_type="text/plain"):
        host, port = api.address.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.sock.sendall((f"POST {path} HTTP/1.1\r\nHost: {api.address}\r\n"
                           "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
                           "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n"
                           f"Content-Type: {content_type}\r\n\r\n").encode())

    def chunk(self, data):
        self.sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))

    def end(self, trailers=()):
        self.sock.sendall(b"0\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in trailers) + b"\r\n")
        return self.reply()

    def reply(self):
        """(status, headers, body) of the Runtime API's answer."""
        reply = http.client.HTTPResponse(self.sock)
        reply.begin()
        answer = reply.status, dict(reply.getheaders()), reply.read()
        self.sock.close()
        return answer


class Watched(ResponseStream):
    """A ResponseStream a test can wait on, piece by piece."""

    def __init__(self):
        super().__init__(lambda content_type: self.types.append(content_type), self._piece)
        self.types, self.pieces, self._arrived = [], [], threading.Semaphore(0)

    def _piece(self, data):
        self.pieces.append(data)
        self._arrived.release()

    def next_piece(self):
        assert self._arrived.acquire(timeout=10), "a piece the runtime sent did not arrive"
        return self.pieces[-1]


def test_a_streamed_response_is_passed_on_as_each_piece_arrives(api):
    stream = Watched()
    started(api, stream=stream)
    raw = RawStream(api)
    raw.chunk(b"first")
    # the first piece is with the caller while the runtime has not sent the rest
    assert stream.next_piece() == b"first" and stream.types == ["text/plain"] and not api.has_outcome()
    raw.chunk(b"second")
    assert stream.next_piece() == b"second"
    status, _, body = raw.end()
    assert (status, body) == (202, b'{"status":"OK"}')
    outcome = api.wait(10)
    assert (outcome.kind, outcome.body) == ("response", b"")  # it went to the stream, not into a buffer


def test_error_trailers_end_a_stream_with_the_function_error(api):
    stream = Watched()
    started(api, stream=stream)
    raw = RawStream(api)
    raw.chunk(b"partial")
    assert stream.next_piece() == b"partial"
    error = {"errorType": "Error", "errorMessage": "broke mid-stream", "trace": []}
    assert raw.end([("Lambda-Runtime-Function-Error-Type", "Error"),
                    ("Lambda-Runtime-Function-Error-Body", base64.b64encode(json.dumps(error).encode()).decode())])[0] == 202
    outcome = api.wait(10)
    assert outcome.kind == "error" and json.loads(outcome.body) == error


def test_a_streamed_response_nobody_reads_is_buffered_with_the_6_mb_limit(api):
    started(api)
    raw = RawStream(api)
    raw.chunk(b'{"a":')
    raw.chunk(b"1}")
    assert raw.end()[0] == 202
    assert api.wait(10).body == b'{"a":1}'


def test_a_stream_out_of_order_is_refused_before_it_is_read(api):
    stream = Watched()
    started(api, stream=stream)
    raw = RawStream(api, "/2018-06-01/runtime/invocation/someone-else/response")
    assert error_of(raw.reply()) == (400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"})
    assert stream.types == [] and not api.has_outcome()


def test_a_stream_over_the_limit_fails_the_invocation(api, monkeypatch):
    monkeypatch.setattr(limits, "STREAM_RESPONSE_MAX_BYTES", 8)
    stream = CollectedStream()
    started(api, stream=stream)
    raw = RawStream(api)
    raw.chunk(b"12345")
    raw.chunk(b"67890")
    assert error_of(raw.reply())[0] == 413  # answered at once: the rest is not read
    error = json.loads(api.wait(10).body)
    assert error == {"errorType": "Function.ResponseSizeTooLarge",
                     "errorMessage": "Response payload size exceeded maximum allowed payload size (8 bytes)."}
    assert stream.chunks == [b"12345"]


def test_the_bandwidth_cap_starts_after_6_mb():
    slept = []
    pacer = Pacer(now=lambda: 100.0, sleep=slept.append)  # everything sent at one instant
    pacer.sent(limits.STREAM_UNCAPPED_BYTES)
    assert slept == []  # the first 6 MB are uncapped
    pacer.sent(4 * 1024 * 1024)
    assert slept == [2.0]  # 4 MB more at 2 MBps
    Pacer(paced=False, now=lambda: 100.0, sleep=slept.append).sent(50 * 1024 * 1024)
    assert slept == [2.0]
