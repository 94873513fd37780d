"""A function URL over real HTTP: one pooled server on 127.0.0.1 per URL config.

Per request it reads the config in force (auth type and CORS may change while it serves),
then decides as a function URL does: AuthType AWS_IAM needs a SigV4-signed request;
AuthType NONE needs a resource-policy statement granting lambda:InvokeFunctionUrl to "*"
(what the console adds for you, and `aws lambda add-permission` adds by hand); CORS
preflights are answered from the config; the event is payload format 2.0 and the function's
answer is mapped as an HTTP API maps it.

With InvokeMode RESPONSE_STREAM a function that streams (a Node.js handler wrapped in
`awslambda.streamifyResponse`) has its body sent as HTTP/1.1 chunks as it writes them, with
the status, headers and cookies of the prelude `awslambda.HttpResponseStream.from()` puts
first; a failure after the first chunk cuts the response short. A function that returns its
response whole (every Python function: AWS's Python runtime cannot stream) is answered as in
BUFFERED mode.
"""

import json
import threading

from ..core.errors import LambdaError, TooManyRequestsException
from ..core.httpserver import BodyTooLarge, LoopbackServer, PooledHandler
from ..runtime.response_stream import HTTP_INTEGRATION_RESPONSE, ResponseStream, split_prelude
from ..core.sigv4 import check_signature
from ..events.function_url import function_url_event_from_request
from ..events.http_request import HttpRequest
from ..events.proxy_responses import response_from_v2_payload

MAX_REQUEST_BYTES = 6 * 1024 * 1024  # the synchronous invoke payload quota
# How much of a stream may come before its prelude's delimiter (API Gateway's figure for the
# same format: the prelude must come within the first 16 KB).
_PRELUDE_MAX_BYTES = 16 * 1024


def _message(status, text):
    return status, [("Content-Type", "application/json")], json.dumps({"Message": text}).encode()


class _Handler(PooledHandler):
    def _serve(self):
        server = self.server
        refused = self.refusal()
        if refused:
            self.close_connection = True
            self._write(*_message(403, "Forbidden"), extra=[("x-lambdakit-refused", refused)])
            return
        try:
            body = self.read_body(MAX_REQUEST_BYTES)
        except (BodyTooLarge, ValueError):
            self.close_connection = True
            self._write(*_message(413, f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the "
                                       "InvokeFunction operation"))
            return
        try:
            config = server.runtime.url_config(server.key)
        except LambdaError:
            self._write(*_message(404, "Not Found"))
            return
        if self.command == "OPTIONS" and self.headers.get("Access-Control-Request-Method") and config.cors:
            self._write(200, self._preflight(config.cors), b"")
            return
        reply = self._invoke(config, body)
        if reply is not None:  # None: streamed already
            self._write(*reply, extra=self._cors(config.cors))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _invoke(self, config, body):
        runtime = self.server.runtime
        if config.auth_type == "AWS_IAM":
            try:
                check_signature(self.headers)
            except LambdaError:
                return _message(403, "Forbidden")
        elif not runtime.invoke_allowed(config.function, config.qualifier, "*", "lambda:InvokeFunctionUrl",
                                        url_auth_type="NONE"):
            return _message(403, "Forbidden")
        target, _, query = self.path.partition("?")
        request = HttpRequest(self.command, target, query, list(self.headers.items()), body,
                              source_ip=self.client_address[0], scheme="http", port=self.server.port)
        event = function_url_event_from_request(request, auth_type=config.auth_type, url_id=config.url_id,
                                                request_id=runtime.clock.request_id(),
                                                now=int(runtime.clock.now_ms()))
        streamed = _StreamedReply(self, self._cors(config.cors)) if config.invoke_mode == "RESPONSE_STREAM" else None
        try:
            result = runtime.invoke(config.function, event, qualifier=config.qualifier,
                                    response_stream=streamed and streamed.stream)
        except TooManyRequestsException:
            return _message(429, "Rate Exceeded.")
        except LambdaError:
            return _message(502, "Internal Server Error")
        if streamed is not None and streamed.stream.started:
            return streamed.finish(result)
        if result.function_error:
            return _message(502, "Internal Server Error")
        response = response_from_v2_payload(result.payload)
        if response.integration_error:
            return _message(502, "Internal Server Error")
        return response.status, list(response.headers) + [("x-amzn-RequestId", result.request_id)], response.body

    def _origin_allowed(self, cors):
        origin = self.headers.get("Origin")
        allowed = cors.get("AllowOrigins", [])
        return origin is not None and ("*" in allowed or origin in allowed)

    def _cors(self, cors):
        if not cors or not self._origin_allowed(cors):
            return []
        headers = [("Access-Control-Allow-Origin", "*" if "*" in cors["AllowOrigins"] else self.headers["Origin"]),
                   ("Vary", "Origin")]
        if cors.get("ExposeHeaders"):
            headers.append(("Access-Control-Expose-Headers", ",".join(cors["ExposeHeaders"])))
        if cors.get("AllowCredentials"):
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return headers

    def _preflight(self, cors):
        headers = self._cors(cors)
        if headers:
            if cors.get("AllowMethods"):
                headers.append(("Access-Control-Allow-Methods", ",".join(cors["AllowMethods"])))
            if cors.get("AllowHeaders"):
                headers.append(("Access-Control-Allow-Headers", ",".join(cors["AllowHeaders"])))
            if cors.get("MaxAge") is not None:
                headers.append(("Access-Control-Max-Age", str(cors["MaxAge"])))
        return headers

    def _write(self, status, headers, body, extra=()):
        self.send_response_only(status)
        self.send_header("Date", self.date_time_string())
        for name, value in list(headers) + list(extra):
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _StreamedReply:
    """A function URL's streamed answer, written from the runtime's side as pieces arrive: the
    head once the status is known (at once, or after the prelude), then one chunk per piece."""

    def __init__(self, handler, extra):
        self.handler, self.extra = handler, extra
        self.stream = ResponseStream(self._start, self._piece)
        self._prelude = None      # bytes gathered until the delimiter, for the prelude content type
        self._content_type = None
        self.head_sent = False

    def _start(self, content_type):
        if content_type.split(";")[0].strip().lower() == HTTP_INTEGRATION_RESPONSE:
            self._prelude = b""
        else:
            self._content_type = content_type
            self._head(200, [("Content-Type", content_type)])

    def _piece(self, data):
        if not self.head_sent:
            self._prelude += data
            found = split_prelude(self._prelude)
            if found is None:
                if len(self._prelude) > _PRELUDE_MAX_BYTES:
                    raise OSError("no prelude delimiter")  # the stream then goes nowhere: a 502
                return
            prelude, data = found
            try:
                status, headers = _prelude_head(prelude)
            except ValueError:
                raise OSError("a prelude that is not JSON") from None
            self._head(status, headers)
        if data and self.handler.command != "HEAD":
            self.handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _head(self, status, headers):
        handler = self.handler
        handler.send_response_only(status)
        handler.send_header("Date", handler.date_time_string())
        request_id = self.stream.request_id
        for name, value in list(headers) + list(self.extra) + [("x-amzn-RequestId", request_id)]:
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "date"):
                handler.send_header(name, value)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        self.head_sent = True

    def finish(self, result):
        """After the invocation: end the body, or cut it short if the function failed (the
        client sees an incomplete response). None, or the reply when nothing was sent yet."""
        if not self.head_sent:
            return _message(502, "Internal Server Error")
        if result.function_error or self.stream.broken:
            self.handler.close_connection = True
            return None
        if self.handler.command != "HEAD":
            self.handler.wfile.write(b"0\r\n\r\n")
        return None


def _prelude_head(prelude):
    """(status, headers) from HttpResponseStream.from()'s JSON prelude: statusCode (200 when
    absent), headers, and cookies as Set-Cookie headers; ValueError if it is not one."""
    value = json.loads(prelude or b"{}")
    if not isinstance(value, dict):
        raise ValueError("the prelude is not an object")
    status = value.get("statusCode", 200)
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError("bad statusCode")
    headers = [(str(k), str(v)) for k, v in (value.get("headers") or {}).items()]
    headers += [("Set-Cookie", str(c)) for c in value.get("cookies") or ()]
    return status, headers


class _Server(LoopbackServer):
    def __init__(self, runtime, key):
        self.runtime, self.key = runtime, key
        super().__init__(_Handler, 0, name="lambdakit-url")

    def origin_allowed(self, origin):
        """Pages of the origins the URL's CORS allows may call it; other pages may not."""
        try:
            allowed = self.runtime.url_config(self.key).cors.get("AllowOrigins", [])
        except LambdaError:
            return False
        return "*" in allowed or origin in allowed


class UrlServer:
    """The HTTP server of one function URL config; `url` is its FunctionUrl."""

    def __init__(self, runtime, key):
        self._server = _Server(runtime, key)
        self.url = f"http://127.0.0.1:{self._server.port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"lambdakit-url-{self._server.port}", daemon=True)
        self._thread.start()

    def close(self):
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()
