"""HTTP/1.1 servers on 127.0.0.1 that web pages cannot reach and idle clients cannot exhaust.

Every loopback server of lambdakit (the Lambda REST API, the local API Gateway, function URLs)
is built on LoopbackServer, which gives two defences:

- Who may talk. Any web page the learner opens can send requests to 127.0.0.1. A request whose
  `Origin` is not on the server's allow-list (a page's fetch), or whose `Host` is not the
  address the server is bound to (a DNS-rebinding page sends its own domain), is refused
  before its body is read: `refusal()` says why, the server answers in its own error shape.
- What a client may hold. A fixed pool of worker threads serves requests; a connection
  waiting for its next request is parked in one selector (no thread), closed after
  IDLE_TIMEOUT_S. The selector also gathers each request's head: a worker takes a connection
  only once its whole head has arrived, so a client that sends a byte at a time holds no
  thread. A request's head and body must arrive within REQUEST_TIMEOUT_S of its first byte
  (a reverse proxy's request timeout), and every socket read or write gives up after
  IO_TIMEOUT_S.
"""

import io
import logging
import queue
import select
import selectors
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler

log = logging.getLogger("lambdakit.http")

HOST = "127.0.0.1"     # never another interface
WORKERS = 64           # requests served at once; more wait their turn on their own connection
IO_TIMEOUT_S = 30.0    # a client that stops sending or reading mid-request is cut off
IDLE_TIMEOUT_S = 60.0  # a keep-alive connection with no next request is closed (boto3 reconnects)
REQUEST_TIMEOUT_S = 30.0  # a request's head and body arrive within this of its first byte, or it is cut off
HEAD_MAX_BYTES = 128 * 1024  # a longer request head closes the connection (http.server caps lines at 64 KiB)
# A worker waits this long for a busy client's next request before parking the connection
# (parking and waking costs two thread hops, ~0.15 ms a request for a client in a loop).
LINGER_S = 0.02


class BodyTooLarge(Exception):
    """The request body is over the server's cap; it was not read."""


class _RequestReader(io.RawIOBase):
    """The raw stream under a handler's rfile: first the bytes the selector gathered (`pending`),
    then the socket, each read cut short at the request's `deadline`."""

    def __init__(self, sock):
        self.sock = sock
        self.pending = bytearray()
        self.started = None      # monotonic time of the current request's first byte
        self.deadline = None     # set while a worker reads the request
        self.hold = False        # while set, a read takes only pending bytes, never the socket

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.pending:
            count = min(len(buffer), len(self.pending))
            buffer[:count] = self.pending[:count]
            del self.pending[:count]
            return count
        if self.hold:
            return None
        left = IO_TIMEOUT_S if self.deadline is None else min(IO_TIMEOUT_S, self.deadline - time.monotonic())
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        self.sock.settimeout(left)
        try:
            return self.sock.recv_into(buffer)
        finally:
            self.sock.settimeout(IO_TIMEOUT_S)

    def gather(self, limit=HEAD_MAX_BYTES):
        """Take what the socket has now, without waiting, until a whole head is pending;
        False once the client has closed its side."""
        self.sock.setblocking(False)
        try:
            while not self.head_complete() and len(self.pending) <= limit:
                try:
                    chunk = self.sock.recv(65536)
                except BlockingIOError:
                    return True
                if not chunk:
                    return False
                if not self.pending:
                    self.started = time.monotonic()
                self.pending += chunk
            return True
        finally:
            self.sock.settimeout(IO_TIMEOUT_S)

    def head_complete(self):
        return b"\r\n\r\n" in self.pending or b"\n\n" in self.pending


class PooledHandler(BaseHTTPRequestHandler):
    """A request handler that serves one request per call of handle_one_request(), so the
    server can park the connection between requests instead of a thread blocking on it."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms wait on small keep-alive replies

    def __init__(self, request, client_address, server):
        # BaseRequestHandler.__init__ would serve the whole connection here; the server drives it.
        self.request, self.client_address, self.server = request, client_address, server
        self.close_connection = False
        self.setup()
        # rfile reads what the selector gathered first; the socket file setup() made is closed
        # (an open one would keep the socket from closing).
        self.rfile.close()
        self.reader = _RequestReader(self.connection)
        self.rfile = io.BufferedReader(self.reader)

    def refusal(self):
        """Why this request must not be served (a web page sent it), or None."""
        return self.server.refusal(self.headers)

    def read_body(self, max_bytes):
        """The request body (Content-Length or chunked), never more than `max_bytes` read:
        BodyTooLarge beyond it, ValueError for framing that makes no sense."""
        self.reader.deadline = self.reader.started + REQUEST_TIMEOUT_S
        try:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                return self._read_chunked(max_bytes)
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0:
                raise ValueError("negative Content-Length")
            if length > max_bytes:
                raise BodyTooLarge()
            return self.rfile.read(length) if length else b""
        finally:
            self.reader.deadline = None

    def _read_chunked(self, max_bytes):
        chunks, total = [], 0
        while True:
            size = int(self.rfile.readline(65537).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(65537).strip():
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > max_bytes:
                raise BodyTooLarge()
            chunks.append(self.rfile.read(size))
            self.rfile.readline(3)

    def log_message(self, format, *args):
        log.debug("%s " + format, self.address_string(), *args)


class _Workers:
    """At most `size` daemon threads, started while queued work outnumbers the idle threads
    (a request stuck in a long invoke never blocks the interpreter's exit)."""

    def __init__(self, size, name):
        self._jobs = queue.SimpleQueue()
        self._size, self._name = size, name
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0     # threads waiting for a job
        self._queued = 0   # jobs no thread has taken yet

    def submit(self, job, *args):
        with self._lock:
            self._queued += 1
            if self._queued > self._idle and self._threads < self._size:
                self._threads += 1
                self._idle += 1
                threading.Thread(target=self._work, name=f"{self._name}-{self._threads}", daemon=True).start()
        self._jobs.put((job, args))

    def _work(self):
        while True:
            job, args = self._jobs.get()
            if job is None:
                return
            with self._lock:
                self._queued -= 1
                self._idle -= 1
            try:
                job(*args)
            finally:
                with self._lock:
                    self._idle += 1

    @property
    def threads(self):
        return self._threads

    def stop(self):
        for _ in range(self._threads):
            self._jobs.put((None, ()))


class LoopbackServer(socketserver.TCPServer):
    """A pooled HTTP/1.1 server on 127.0.0.1:`port`; `handler_class` is a PooledHandler."""

    allow_reuse_address = True
    request_queue_size = 1024  # a burst of connects waits in the kernel, not refused

    def __init__(self, handler_class, port=0, *, allowed_origins=(), workers=WORKERS, name="lambdakit-http"):
        self.allowed_origins = frozenset(o.rstrip("/").lower() for o in allowed_origins)
        self._workers = _Workers(workers, name)
        self._parked = {}            # socket -> (handler, parked at, monotonic s)
        self._arrivals = []          # handlers to park, handed over by workers
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._closing = False
        self._parker = None  # TCPServer calls server_close() when the port is busy
        super().__init__((HOST, port), handler_class)
        self.port = self.server_address[1]
        self._hosts = {f"{HOST}:{self.port}", f"localhost:{self.port}"}
        self._parker = threading.Thread(target=self._park_loop, name=f"{name}-idle", daemon=True)
        self._parker.start()

    # ------------------------------------------------------------ who may talk
    def refusal(self, headers):
        """Why a request with these headers comes from a web page (and is refused), or None."""
        origin = headers.get("Origin")
        if origin is not None and not self.origin_allowed(origin):
            return f"requests from web pages are refused (Origin {origin})"
        host = headers.get("Host")
        if host is not None and host.lower() not in self._hosts:
            return f"requests for another host are refused (Host {host}; this server is {HOST}:{self.port})"
        return None

    def origin_allowed(self, origin):
        return origin.rstrip("/").lower() in self.allowed_origins

    # ------------------------------------------------------ what a client holds
    def process_request(self, request, client_address):
        request.settimeout(IO_TIMEOUT_S)
        try:
            handler = self.RequestHandlerClass(request, client_address, self)
        except OSError:
            self.shutdown_request(request)
            return
        self._park(handler)  # a worker takes it once its first request arrives

    def _serve(self, handler):
        """Serve the requests whose heads have arrived on a connection, then park it or end it."""
        try:
            handler.handle_one_request()
            while not handler.close_connection and not self._closing and self._next_head(handler):
                handler.handle_one_request()  # pipelined, or sent while we answered
        except OSError:
            handler.close_connection = True
        except Exception:
            log.debug("lambdakit: a connection from %s ended with an error", handler.client_address,
                      exc_info=True)
            handler.close_connection = True
        if handler.close_connection or self._closing:
            self._end(handler)
            return
        self._park(handler)

    def _park(self, handler):
        with self._lock:
            self._arrivals.append(handler)
        self._wake()

    @staticmethod
    def _next_head(handler):
        """Whether the next request's whole head is here, or arrives within LINGER_S; if not,
        the connection is parked (or ended, if the client closed it) with what has come."""
        reader = handler.reader
        reader.hold = True  # what rfile read ahead goes back in front of the pending bytes
        try:
            reader.pending[0:0] = handler.rfile.read1(HEAD_MAX_BYTES)
        finally:
            reader.hold = False
        reader.started = time.monotonic() if reader.pending else None
        still_open = reader.gather()
        if still_open and not reader.head_complete() and select.select([handler.connection], [], [], LINGER_S)[0]:
            still_open = reader.gather()
        if not still_open:
            handler.close_connection = True
            return False
        return reader.head_complete()

    def _end(self, handler):
        try:
            handler.finish()
        except OSError:
            pass
        self.shutdown_request(handler.connection)

    def _wake(self):
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass  # closing

    def _park_loop(self):
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_r, selectors.EVENT_READ)
            while not self._closing:
                for key, _ in selector.select(timeout=1.0):
                    if key.fileobj is self._wake_r:
                        self._wake_r.recv(4096)
                        continue
                    handler, _ = self._parked[key.fileobj]
                    try:
                        open_ = handler.reader.gather()
                    except OSError:
                        open_ = False
                    if open_ and not handler.reader.head_complete() and \
                            len(handler.reader.pending) <= HEAD_MAX_BYTES:
                        continue  # a worker takes the connection once the whole head is here
                    selector.unregister(key.fileobj)
                    del self._parked[key.fileobj]
                    if open_ and handler.reader.head_complete():
                        self._workers.submit(self._serve, handler)
                    else:
                        self._end(handler)  # closed by the client, or a head too long
                with self._lock:
                    arrivals, self._arrivals = self._arrivals, []
                now = time.monotonic()
                for handler in arrivals:
                    self._parked[handler.connection] = (handler, now)
                    selector.register(handler.connection, selectors.EVENT_READ)
                for sock, (handler, since) in list(self._parked.items()):
                    started = handler.reader.started
                    if (now - started > REQUEST_TIMEOUT_S) if started is not None else (now - since > IDLE_TIMEOUT_S):
                        selector.unregister(sock)
                        del self._parked[sock]
                        self._end(handler)
            for handler, _ in self._parked.values():
                self._end(handler)
            self._parked.clear()

    @property
    def threads(self):
        """Worker threads started so far (never more than `workers`)."""
        return self._workers.threads

    def close_connections(self):
        """End every connection, parked or busy, so no request reaches a closed runtime."""
        self._closing = True
        self._wake()
        if self._parker is not None:
            self._parker.join()
        with self._lock:
            for handler in self._arrivals:
                self._end(handler)
            self._arrivals.clear()

    def server_close(self):
        self._closing = True
        super().server_close()
        self.close_connections()
        self._workers.stop()
        self._wake_r.close()
        self._wake_w.close()

    def handle_error(self, request, client_address):
        log.debug("lambdakit: connection from %s ended with an error", client_address, exc_info=True)
