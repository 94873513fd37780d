"""The HTTP server of the Lambda REST API: loopback only, HTTP/1.1 keep-alive, one write per reply.

It refuses what a web page could send (core.httpserver) and what no AWS client sends (no SigV4
Authorization, core.sigv4), reads the request, hands it to routes.dispatch, and writes the
Response. A failure in one connection is logged and ends that connection, never the server.
"""

import logging
import threading

from ..core.errors import InvalidRequestContentException, LambdaError, RequestEntityTooLargeException
from ..core.httpserver import HOST, BodyTooLarge, LoopbackServer, PooledHandler
from .routes import dispatch, match, presigned
from ..core.sigv4 import AccessDeniedException, check_signature
from .wire import UnknownOperationException, error_response, internal_error

log = logging.getLogger("lambdakit.api")
# AWS's own cap on a CreateFunction request: a 50 MB zip, base64-encoded, in JSON.
MAX_REQUEST_BYTES = 69_905_067


class _Handler(PooledHandler):
    server_version = "lambdakit"

    def _serve(self):
        refused = self.refusal()
        if refused:
            self._reply(error_response(AccessDeniedException(f"lambdakit: {refused}.")), close=True)
            return
        try:
            if not presigned(self.command, self.path):
                check_signature(self.headers)
        except LambdaError as error:
            self._reply(error_response(error), close=True)
            return
        try:
            body = self.read_body(MAX_REQUEST_BYTES)
        except BodyTooLarge:
            self._reply(error_response(RequestEntityTooLargeException(
                f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the {self._operation()} operation")),
                close=True)
            return
        except (ValueError, InvalidRequestContentException):
            self._reply(error_response(InvalidRequestContentException(
                "Could not read the request body.")), close=True)
            return
        self._reply(dispatch(self.server.runtime, self.command, self.path, self.headers, body))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    def _operation(self):
        try:
            return match(self.command, self.path.split("?", 1)[0])[0]
        except UnknownOperationException:
            return f"{self.command} {self.path}"

    def _reply(self, response, close=False):
        if close:
            self.close_connection = True
        if response.produce is not None:
            return self._stream(response)
        log.debug("%s %s -> %d", self.command, self.path, response.status)
        self.wfile.write(response.encode(close))

    def _stream(self, response):
        """A streamed reply: HTTP/1.1 chunks written as the producer makes them. A failure
        before the first chunk is an ordinary error reply; after it, the connection is cut."""
        sent = []

        def write(data):
            if not sent:
                sent.append(True)
                self.wfile.write(response.head())
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        try:
            instead = response.produce(write)
        except OSError:  # the client went away
            self.close_connection = True
            return
        except LambdaError as error:
            instead = error_response(error)
        except Exception:
            log.exception("lambdakit: %s %s failed inside the server", self.command, self.path)
            instead = internal_error()
        if sent and instead is not None:
            self.close_connection = True
        elif instead is not None:
            self._reply(instead)
        else:
            self.wfile.write((b"" if sent else response.head()) + b"0\r\n\r\n")

    def send_error(self, code, message=None, explain=None):
        """http.server's own errors (bad request line, unknown method) in AWS's JSON shape."""
        error = UnknownOperationException(message or "Unknown operation") if code == 501 \
            else InvalidRequestContentException(message or "Bad request")
        error.status = 404 if code == 501 else code
        self._reply(error_response(error), close=True)

    def log_message(self, format, *args):
        log.debug("%s " + format, self.address_string(), *args)


class _Server(LoopbackServer):
    def __init__(self, runtime, port, allowed_origins):
        self.runtime = runtime
        super().__init__(_Handler, port, allowed_origins=allowed_origins, name="lambdakit-api")


class LambdaServer:
    """The Lambda REST API for one Runtime, served from a background thread on 127.0.0.1."""

    def __init__(self, runtime, port=0, allowed_origins=()):
        self._httpd = _Server(runtime, port, allowed_origins)
        self._thread = None

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                            name=f"lambdakit-api-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self):
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    close = stop  # so Runtime.attach() and `with closing(...)` work too

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def serve(runtime, port=0, allowed_origins=()):
    """Start serving `runtime` on 127.0.0.1:`port` (0 picks a free port); returns the LambdaServer.
    `allowed_origins` are web origins whose pages may call it (none by default: no page needs to)."""
    return LambdaServer(runtime, port, allowed_origins).start()
