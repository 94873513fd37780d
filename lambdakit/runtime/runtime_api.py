"""The Lambda Runtime API of one execution environment, served by the kernel on 127.0.0.1.

A runtime that is not lambdakit's own Python path (Node.js, a custom runtime's `bootstrap`,
AWS's awslambdaric) finds it at AWS_LAMBDA_RUNTIME_API and drives it as on AWS:

    GET  /2018-06-01/runtime/invocation/next              long poll: the next event
    POST /2018-06-01/runtime/invocation/{id}/response     the result
    POST /2018-06-01/runtime/invocation/{id}/error        a function error
    POST /2018-06-01/runtime/init/error                   INIT failed

A /response with `Lambda-Runtime-Function-Response-Mode: streaming` (and a chunked body) is
passed on piece by piece as it arrives, to the invocation's ResponseStream (response_stream.py)
when the caller reads a stream, else gathered as a buffered response is; a mid-stream failure
comes as the trailers `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body`
(base64 of the error JSON), as AWS's Node.js runtime sends them (ResponseStream.js).

The states, status codes and error bodies follow AWS's Runtime API emulator (the runtime's
states Started, Ready, Running, InvocationResponse, InvocationErrorResponse, InitError):
an id that is not the current invocation's is 400 InvalidRequestID, a call the state does
not allow is 403 InvalidStateTransition, a response over 6 MB is 413 RequestEntityTooLarge.

The service's half (foreign.py) offers an invocation and waits for its Outcome; the first
/next of a new environment is the end of its INIT. Like every loopback server of lambdakit
it refuses web pages (an Origin header, a foreign Host).
"""

import base64
import binascii
import json
import re
import selectors
import socket
import threading
from typing import NamedTuple

from ..core import limits
from ..core.httpserver import LoopbackServer, PooledHandler
from . import socket_owner
from .response_stream import Pacer

PREFIX = "/2018-06-01/runtime"
STARTED, READY, RUNNING, INIT_ERROR = "Started", "Ready", "Running", "InitError"
RESPONSE, ERROR_RESPONSE, RESPONSE_SENT = "InvocationResponse", "InvocationErrorResponse", "RuntimeResponseSentState"
_INVOCATION = re.compile(PREFIX + r"/invocation/([^/]+)/(response|error)")
_ERROR_TYPE = re.compile(r"(Runtime|Function)\.[A-Z][a-zA-Z]+")
# A runtime client holds one connection for /next and maybe one more for a post.
WORKERS = 4
ACCEPTED = b'{"status":"OK"}'
# An oversize body up to this size is read (and dropped) before the 413, beyond it the
# connection is closed.
_DISCARD_MAX = 64 << 20
RESPONSE_MODE = "Lambda-Runtime-Function-Response-Mode"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
ERROR_BODY_TRAILER = "Lambda-Runtime-Function-Error-Body"
_READ = 1 << 16


class Outcome(NamedTuple):
    """What the runtime told the service: "ready" (INIT done), "init_error", "response",
    "error" or "too_large"; body is the payload (a JSON object for the two errors)."""
    kind: str
    body: bytes = b""


def error_type_of(header):
    """AWS keeps a Lambda-Runtime-Function-Error-Type of the form Runtime.X or Function.X, and
    calls any other Runtime.Unknown."""
    return header if header and _ERROR_TYPE.fullmatch(header) else "Runtime.Unknown"


def error_payload(body, header):
    """The function error an /error or /init/error body makes: the JSON object the runtime
    posted, or, when it posted none, one built from the error-type header (as Lambda does)."""
    try:
        posted = json.loads(body) if body else None
    except (ValueError, RecursionError):
        posted = None
    if isinstance(posted, dict):
        if not isinstance(posted.get("errorType"), str):  # the service files errors by type
            posted["errorType"] = error_type_of(header)
        return json.dumps(posted).encode()
    error = {"errorMessage": body.decode("utf-8", "replace") if body else "",
             "errorType": error_type_of(header)}
    return json.dumps(error).encode()


class RuntimeApi:
    """The Runtime API of one environment and the hand-over between it and the service."""

    def __init__(self, response_max_bytes, before_outcome=lambda: None, own_processes=None, paced=True):
        self.response_max_bytes = response_max_bytes
        self.paced = paced  # the bandwidth cap of streamed responses applies (real clock)
        # The environment's processes (a callable), when only they may connect: the port is on
        # the host's loopback, open to any process there, other functions' handlers included.
        self._own_processes = own_processes
        self._before_outcome = before_outcome  # the service reads what the runtime printed first
        self._cond = threading.Condition()
        self.state = STARTED
        self._offered = None      # (request, event body, stream) not yet taken by /next
        self._current = None      # request id handed out and not answered yet
        self._stream = None       # the current invocation's ResponseStream, if its caller reads one
        self._outcomes = []
        self._ended = False
        handler = type("RuntimeApiHandler", (_Handler,), {"api": self})
        self._server = _Server(handler, workers=WORKERS, name="lambdakit-runtime-api")
        self._server.api = self
        self.address = f"127.0.0.1:{self._server.port}"
        self._accepting = threading.Thread(target=self._server.serve, name="lambdakit-runtime-api", daemon=True)
        self._accepting.start()

    # -- the service's side -------------------------------------------------------------
    def offer(self, request, body, stream=None):
        """Hand the runtime its next invocation (it takes it with /next); a streamed response
        goes to `stream` (a ResponseStream) as it arrives."""
        with self._cond:
            self._offered = (request, body, stream)
            self._cond.notify_all()

    def wait(self, timeout=None):
        """The next Outcome; None if the environment has ended (or `timeout` passed) first."""
        with self._cond:
            self._cond.wait_for(lambda: self._outcomes or self._ended, timeout)
            return self._outcomes.pop(0) if self._outcomes else None

    @property
    def ended(self):
        return self._ended

    def has_outcome(self):
        return bool(self._outcomes)

    @property
    def idle(self):
        """Whether the runtime is back at /next: the invocation's phase is over (AWS ends it
        there, not at /response, so what the runtime prints in between is still its log)."""
        return self.state == READY or self._ended

    def wait_idle(self, timeout=None):
        with self._cond:
            self._cond.wait_for(lambda: self.idle, timeout)

    def end(self):
        """The environment's process has gone: waiters stop waiting, /next gets a 500."""
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def close(self):
        self.end()
        self._server.stop()
        self._accepting.join()
        self._server.server_close()

    # -- the runtime's side (called from the HTTP handler) -----------------------------------
    def _publish(self, outcome):
        self._before_outcome()
        self._outcomes.append(outcome)
        self._cond.notify_all()

    def next_invocation(self):
        """(request, body) once one is offered; None if the environment ends first; or an
        error (status, type, message) when the state does not allow it."""
        with self._cond:
            if self.state == INIT_ERROR:
                return _transition_error(self.state, READY)
            if self.state == STARTED:
                self._publish(Outcome("ready"))
            self.state = READY
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._offered is not None or self._ended)
            if self._offered is None:
                return None
            (request, body, self._stream), self._offered = self._offered, None
            self.state, self._current = RUNNING, request["request_id"]
            return request, body

    def answer(self, request_id, kind, body, error_header=None):
        """A /response or /error for `request_id`; None when accepted, else the error."""
        with self._cond:
            if request_id != self._current:
                return 400, "InvalidRequestID", "Invalid request ID"
            if self.state != RUNNING:
                return _transition_error(self.state, RESPONSE if kind == "response" else ERROR_RESPONSE)
            self._current, self.state = None, RESPONSE_SENT
            if kind == "too_large":
                self._publish(Outcome("too_large"))
            elif kind == "response":
                self._publish(Outcome("response", body))
            else:
                self._publish(Outcome("error", error_payload(body, error_header)))
            return None

    def begin_stream(self, request_id, content_type):
        """A streaming /response begins: (error, None) if the call is out of order, else
        (None, the ResponseStream or None when the caller reads no stream)."""
        with self._cond:
            if request_id != self._current:
                return (400, "InvalidRequestID", "Invalid request ID"), None
            if self.state != RUNNING:
                return _transition_error(self.state, RESPONSE), None
            stream = self._stream
        if stream is not None:
            stream.start(content_type)
        return None, stream

    def init_error(self, body, error_header):
        with self._cond:
            if self.state != STARTED:
                return _transition_error(self.state, INIT_ERROR)
            self.state = INIT_ERROR
            self._publish(Outcome("init_error", error_payload(body, error_header)))
            return None


class _Server(LoopbackServer):
    """Accepts until stop(): at once, where serve_forever() would take up to half a second to
    notice a shutdown, for each of a load test's hundreds of environments."""

    api = None

    def __init__(self, *args, **kwargs):
        self._stop_r, self._stop_w = socket.socketpair()
        super().__init__(*args, **kwargs)

    def serve(self):
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._stop_r, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self._stop_r:
                        return
                    self._handle_request_noblock()

    def stop(self):
        self._stop_w.send(b"\0")

    def server_close(self):
        super().server_close()
        self._stop_r.close()
        self._stop_w.close()

    def verify_request(self, request, client_address):
        """Serve a connection only if a process of the environment opened it."""
        own = self.api._own_processes
        if own is None:
            return True
        inode = socket_owner.connection_inode(client_address[1], self.port)
        return inode is not None and socket_owner.held_by(inode, own())


def _transition_error(current, wanted):
    return (403, "InvalidStateTransition", f"State transition from {current} to {wanted} failed for "
            "runtime. Error: State transition is not allowed")


class _Handler(PooledHandler):
    api = None  # set per server

    def do_GET(self):
        if self._refused():
            return
        if self.path != PREFIX + "/invocation/next":
            return self._not_found()
        taken = self.api.next_invocation()
        if taken is None:
            return self._error(500, "InternalServerError", "Internal Server Error")
        if len(taken) == 3:
            return self._error(*taken)
        request, body = taken
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": request["request_id"],
            "Lambda-Runtime-Deadline-Ms": str(int(request["deadline_ms"])),
            "Lambda-Runtime-Invoked-Function-Arn": request["arn"],
            "Lambda-Runtime-Trace-Id": request["trace_id"],
        }
        if request.get("client_context"):
            headers["Lambda-Runtime-Client-Context"] = json.dumps(request["client_context"])
        if request.get("identity"):
            headers["Lambda-Runtime-Cognito-Identity"] = json.dumps(request["identity"])
        if request.get("virtual_now_ms") is not None:
            # lambdakit's own: the virtual clock's time, for its Node.js runtime's Date
            headers["Lambdakit-Virtual-Now-Ms"] = str(int(request["virtual_now_ms"]))
        self._reply(200, body, headers)

    def do_POST(self):
        if self._refused():
            return
        if self.path == PREFIX + "/init/error":
            body = self._body(None)
            if body is None:
                return
            return self._accepted(self.api.init_error(body, self.headers.get("Lambda-Runtime-Function-Error-Type")))
        match = _INVOCATION.fullmatch(self.path)
        if match is None:
            return self._not_found()
        request_id, kind = match.groups()
        if kind == "response" and self.headers.get(RESPONSE_MODE, "").lower() == "streaming":
            return self._streamed(request_id)
        limit = self.api.response_max_bytes if kind == "response" else None
        body = self._body(limit)
        if body is None:
            return
        if body is _TOO_LARGE:
            refused = self.api.answer(request_id, "too_large", b"")
            if refused:
                return self._error(*refused)
            return self._error(413, "RequestEntityTooLarge",
                               f"Exceeded maximum allowed payload size ({limit} bytes).")
        self._accepted(self.api.answer(request_id, kind, body,
                                       self.headers.get("Lambda-Runtime-Function-Error-Type")))

    def _streamed(self, request_id):
        """A streaming /response: each piece goes on as it arrives (to the caller's stream, or
        into a buffered response of at most the usual 6 MB when nobody reads a stream)."""
        refused, stream = self.api.begin_stream(
            request_id, self.headers.get("Content-Type") or "application/octet-stream")
        if refused:
            self.close_connection = True
            return self._error(*refused)
        limit = limits.STREAM_RESPONSE_MAX_BYTES if stream is not None else self.api.response_max_bytes
        pacer, kept, size = Pacer(self.api.paced and stream is not None), [], 0
        trailers = {}
        try:
            for piece in self._pieces(trailers):
                size += len(piece)
                if size > limit:
                    break
                if stream is None:
                    kept.append(piece)
                else:
                    stream.write(piece)
                    pacer.sent(len(piece))
        except (ValueError, OSError):  # the runtime's body broke off: no answer from it
            self.close_connection = True
            return self._error(400, "TruncatedHTTPRequest", "HTTP request detected as truncated")
        if size > limit:
            self.close_connection = True
            if stream is None:
                self.api.answer(request_id, "too_large", b"")
            else:
                self.api.answer(request_id, "error", json.dumps({
                    "errorMessage": f"Response payload size exceeded maximum allowed payload size ({limit} bytes).",
                    "errorType": "Function.ResponseSizeTooLarge"}).encode())
            return self._error(413, "RequestEntityTooLarge", f"Exceeded maximum allowed payload size ({limit} bytes).")
        error_type = trailers.get(ERROR_TYPE_HEADER.lower())
        if error_type is not None:
            refused = self.api.answer(request_id, "error", _trailer_body(trailers.get(ERROR_BODY_TRAILER.lower())),
                                      error_type)
        else:
            refused = self.api.answer(request_id, "response", b"".join(kept))
        self._accepted(refused)

    def _pieces(self, trailers):
        """The request body, piece by piece as it arrives; a chunked body's trailers go into
        `trailers` at its end. ValueError when the framing breaks off."""
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                raise ValueError("bad Content-Length") from None
            yield from self._next_bytes(length)
            return
        while True:
            line = self.rfile.readline(1024)
            size = int(line.split(b";")[0].strip(), 16)  # ValueError on a broken or closed stream
            if size == 0:
                trailers.update(_read_trailers(self.rfile))
                return
            yield from self._next_bytes(size)
            if self.rfile.readline(8) not in (b"\r\n", b"\n"):
                raise ValueError("no chunk end")

    def _next_bytes(self, size):
        """The next `size` bytes of the body, in the pieces they arrive in."""
        while size > 0:
            piece = self.rfile.read1(min(size, _READ))
            if not piece:
                raise ValueError("truncated")
            size -= len(piece)
            yield piece

    def _refused(self):
        why = self.refusal()
        if why:
            self.close_connection = True
            self._error(403, "AccessDeniedException", why)
        return bool(why)

    def _body(self, limit):
        """The request body; _TOO_LARGE past `limit`; None after answering a malformed request."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._chunked(limit)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._error(400, "InvalidRequestFormat", "Invalid Content-Length")
            return None
        if limit is not None and length > limit:
            if length > _DISCARD_MAX:  # no client of ours sends that much: stop reading it
                self.close_connection = True
            else:  # read and drop it, so the runtime can read the 413
                for _ in range(0, length, 1 << 16):
                    self.rfile.read(min(1 << 16, length))
                    length -= 1 << 16
            return _TOO_LARGE
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.close_connection = True
            self._error(400, "TruncatedHTTPRequest", "HTTP request detected as truncated")
            return None
        return body

    def _chunked(self, limit):
        parts, size = [], 0
        while True:
            line = self.rfile.readline(1024)
            try:
                chunk = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                self.close_connection = True
                self._error(400, "TruncatedHTTPRequest", "HTTP request detected as truncated")
                return None
            if chunk == 0:
                _read_trailers(self.rfile)
                return b"".join(parts)
            size += chunk
            if limit is not None and size > limit:
                self.close_connection = True
                return _TOO_LARGE
            parts.append(self.rfile.read(chunk))
            self.rfile.readline(8)

    def _accepted(self, refused):
        if refused:
            return self._error(*refused)
        self._reply(202, ACCEPTED, {"Content-Type": "application/json"})

    def _not_found(self):
        self._reply(404, b"404 page not found\n", {"Content-Type": "text/plain; charset=utf-8"})

    def _error(self, status, error_type, message):
        body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
        self._reply(status, body, {"Content-Type": "application/json"})

    def _reply(self, status, body, headers):
        self.send_response_only(status)
        self.send_header("Date", self.date_time_string())
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


_TOO_LARGE = object()


def _read_trailers(rfile, max_lines=32):
    """The trailer fields after a chunked body's last chunk, by lower-case name."""
    trailers = {}
    for _ in range(max_lines):
        line = rfile.readline(8192)
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        trailers[name.strip().lower()] = value.strip()
    return trailers


def _trailer_body(value):
    """The error JSON of a Lambda-Runtime-Function-Error-Body trailer (base64), or b"" when
    there is none or it is not base64 (the error is then built from its type)."""
    try:
        return base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError):
        return b""
