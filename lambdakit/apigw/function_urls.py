"""A function URL over real HTTP: one pooled server on 127.0.0.1 per URL config.

Per request it reads the config in force (auth type and CORS may change while it serves),
then decides as a function URL does: AuthType AWS_IAM needs a SigV4-signed request;
AuthType NONE needs a resource-policy statement granting lambda:InvokeFunctionUrl to "*"
(what the console adds for you, and `aws lambda add-permission` adds by hand); CORS
preflights are answered from the config; the event is payload format 2.0 and the function's
answer is mapped as an HTTP API maps it.
"""

import json
import threading

from ..core.errors import LambdaError, TooManyRequestsException
from ..core.httpserver import BodyTooLarge, LoopbackServer, PooledHandler
from ..core.sigv4 import check_signature
from ..events.function_url import function_url_event_from_request
from ..events.http_request import HttpRequest
from ..events.proxy_responses import response_from_v2_payload

MAX_REQUEST_BYTES = 6 * 1024 * 1024  # the synchronous invoke payload quota


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
        self._write(*self._invoke(config, body), extra=self._cors(config.cors))

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
        try:
            result = runtime.invoke(config.function, event, qualifier=config.qualifier)
        except TooManyRequestsException:
            return _message(429, "Rate Exceeded.")
        except LambdaError:
            return _message(502, "Internal Server Error")
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
