"""A streamed response on its way to the caller, as Lambda passes it on.

A runtime that POSTs its /response with `Lambda-Runtime-Function-Response-Mode: streaming`
(AWS's Node.js runtime for a handler wrapped in `awslambda.streamifyResponse`, or a custom
runtime) sends the body in HTTP chunks; the Runtime API hands each piece to the invocation's
ResponseStream as it arrives, and the front that asked for a stream (InvokeWithResponseStream,
a function URL in RESPONSE_STREAM mode) writes it to its client at once.

Lambda's limits on it (core.limits): at most 200 MB; the first 6 MB uncapped, the rest at
most 2 MBps (Pacer). Python's runtime cannot stream, as AWS's managed Python runtime cannot:
its response always arrives whole.
"""

import threading
import time

from ..core import limits

# The content type of a response that starts with a JSON prelude (statusCode, headers,
# cookies) and 8 NUL bytes (aws-lambda-nodejs-runtime-interface-client, HttpResponseStream.js):
# what a function URL reads its status and headers from.
HTTP_INTEGRATION_RESPONSE = "application/vnd.awslambda.http-integration-response"
PRELUDE_DELIMITER = b"\0" * 8


class ResponseStream:
    """Where one invocation's streamed response goes: `start(content_type)` once when the runtime
    begins its streaming /response, then `write(data)` per piece. Closed when the invocation
    ends, so a runtime still sending after its timeout reaches nobody; a caller that went away
    (OSError while writing) is dropped, and the function runs on, as on AWS."""

    def __init__(self, on_start=None, on_write=None):
        self._on_start, self._on_write = on_start, on_write
        self._lock = threading.Lock()
        self._open = True
        self.started = False   # the runtime began a streaming response
        self.broken = False    # the caller went away
        self.request_id = self.executed_version = None  # the invocation's, known when it starts

    def begin(self, request_id, executed_version):
        """The invocation that will stream here (before its runtime sends anything)."""
        self.request_id, self.executed_version = request_id, executed_version

    def start(self, content_type):
        with self._lock:
            if self._open and not self.started:
                self.started = True
                self._deliver(self._on_start, content_type)

    def write(self, data):
        with self._lock:
            if self._open and data:
                self._deliver(self._on_write, data)

    def close(self):
        with self._lock:
            self._open = False

    def _deliver(self, callback, value):
        if callback is None or self.broken:
            return
        try:
            callback(value)
        except OSError:
            self.broken = True


class CollectedStream(ResponseStream):
    """A ResponseStream that keeps what it was sent: the Python API's stream when no caller
    reads one, and a test's window on the chunks."""

    def __init__(self):
        super().__init__(self._started, self._append)
        self.content_type = None
        self.chunks = []

    def _started(self, content_type):
        self.content_type = content_type

    def _append(self, data):
        self.chunks.append(bytes(data))

    @property
    def body(self):
        return b"".join(self.chunks)


class Pacer:
    """Lambda's bandwidth cap on a streamed response: uncapped for the first 6 MB, then at most
    2 MBps. `sent(n)` sleeps as long as the cap needs after n more bytes (real clock only: on
    the virtual clock a foreign runtime's time is modelled, see foreign.py)."""

    def __init__(self, paced=True, now=time.monotonic, sleep=time.sleep):
        self.paced, self._now, self._sleep = paced, now, sleep
        self.total = 0
        self._capped_since = None

    def sent(self, n):
        self.total += n
        if not self.paced or self.total <= limits.STREAM_UNCAPPED_BYTES:
            return
        now = self._now()
        if self._capped_since is None:
            self._capped_since = now
        due = self._capped_since + (self.total - limits.STREAM_UNCAPPED_BYTES) / limits.STREAM_BANDWIDTH_BYTES_PER_S
        if due > now:
            self._sleep(due - now)


def split_prelude(buffer):
    """(prelude bytes, rest) once `buffer` holds the 8-NUL delimiter, else None."""
    at = buffer.find(PRELUDE_DELIMITER)
    if at < 0:
        return None
    return buffer[:at], buffer[at + len(PRELUDE_DELIMITER):]
