"""The local API Gateway over real HTTP: a pooled HTTP/1.1 server on 127.0.0.1 in front
of an ApiGateway. It only reads requests and writes responses; the gateway decides.

Requests need no signature (API Gateway serves unsigned requests), but a web page's
request (an Origin not allowed, a DNS-rebinding Host) is refused as core.httpserver says.
"""

import threading

from ..core.httpserver import BodyTooLarge, LoopbackServer, PooledHandler
from ..events.http_request import HttpRequest
from .gateway import ApiGateway

# API Gateway's payload quota for REST and HTTP APIs: 10 MB.
MAX_REQUEST_BYTES = 10 * 1024 * 1024


class _Handler(PooledHandler):
    gateway = None  # set on the per-server subclass

    def _serve(self):
        refused = self.refusal()
        if refused:
            self.close_connection = True
            self._write_raw(403, [("Content-Type", "application/json"), ("x-amzn-ErrorType", "ForbiddenException"),
                                  ("x-lambdakit-refused", refused)], b'{"message":"Forbidden"}')
            return
        target, _, query = self.path.partition("?")
        if target.startswith(("http://", "https://")):  # absolute-form request target
            target = "/" + target.split("/", 3)[-1] if target.count("/") >= 3 else "/"
        body = self._read_body()
        if body is None:
            return
        prefix = self.gateway.stage_prefix
        if prefix and not (target == prefix or target.startswith(prefix + "/")):
            self._write(self.gateway.wrong_stage())
            return
        inside = target[len(prefix):] or "/"
        request = HttpRequest(self.command, inside, query, list(self.headers.items()), body,
                              source_ip=self.client_address[0])
        self._write(self.gateway.dispatch(request))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _read_body(self):
        try:
            return self.read_body(MAX_REQUEST_BYTES)
        except BodyTooLarge:
            status, body = 413, b'{"message":"Request Too Long"}'
        except ValueError:
            status, body = 400, b'{"message":"Bad Request"}'
        self.close_connection = True
        self._write_raw(status, [("Content-Type", "application/json")], body)
        return None

    def _write(self, response):
        self._write_raw(response.status, response.headers, response.body)

    def _write_raw(self, status, headers, body):
        self.send_response_only(status)
        self.send_header("Date", self.date_time_string())
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # the gateway keeps its own access log


class GatewayServer:
    """An ApiGateway served on 127.0.0.1; `url` is the invoke URL (stage included)."""

    def __init__(self, gateway, port=0, allowed_origins=()):
        self.gateway = gateway
        handler = type("GatewayHandler", (_Handler,), {"gateway": gateway})
        self._server = LoopbackServer(handler, port, allowed_origins=allowed_origins, name="lambdakit-apigw")
        self.port = self._server.port
        self.url = f"http://127.0.0.1:{self.port}{gateway.stage_prefix}"
        self.closed = False
        self._thread = threading.Thread(target=self._server.serve_forever, name="lambdakit-apigw",
                                        daemon=True)
        self._thread.start()

    def __getattr__(self, name):
        # routes, access_log, request(), dispatch(), kind, stage ... are the gateway's
        return getattr(self.__dict__["gateway"], name)

    def __repr__(self):
        state = "closed" if self.closed else self.url
        return f"ApiGateway({self.gateway.kind}, {state}, routes={[r.key for r in self.gateway.routes]})"

    def close(self):
        if self.closed:
            return
        self.closed = True
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def start(runtime, routes, *, port=0, allowed_origins=(), **options):
    """Serve `routes` ({"POST /lambda/hello": "hello", ...}) of `runtime` over HTTP on
    127.0.0.1 (a free port unless `port` is given); closed with the runtime. `allowed_origins`
    are the web origins whose pages may call it (none by default). Options as for
    ApiGateway: kind ("rest" or "http"), stage, binary_media_types, integration_timeout_ms."""
    return runtime.attach(GatewayServer(ApiGateway(runtime, routes, **options), port, allowed_origins))
