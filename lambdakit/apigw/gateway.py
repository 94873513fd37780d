"""A local API Gateway: a request is routed, turned into a proxy event, the function is
invoked synchronously, and its answer (or the failure) becomes the client's response.

REST APIs send payload format 1.0 and answer 502 for a function error or a malformed
proxy response, 500 when Lambda refuses the invocation (throttling, for one), and 504
"Endpoint request timed out" after the 29 s integration timeout. HTTP APIs send payload
format 2.0 and answer 500 for errors and 503 "Service Unavailable" after their 30 s
(Lambda developer guide, "Handling Lambda errors with an API Gateway API"; API Gateway
quotas; lambda-facts).
"""

import json
import threading
from dataclasses import dataclass

from ..core.errors import LambdaError
from ..events.apigateway import API_ID, v1_event_from_request, v2_event_from_request
from ..events.http_request import HttpRequest
from ..events.identifiers import derived_uuid, short_request_id
from ..events.proxy_responses import (HttpResponse, response_from_v1_payload, response_from_v2_payload,
                                      v1_error_response, v2_error_response)
from .routes import parse_routes, select

REST, HTTP = "rest", "http"

# Integration timeouts in ms: (default, minimum, maximum). A REST API can go past 29 s
# only through a quota increase (Regional and private APIs, since June 2024).
INTEGRATION_TIMEOUT_MS = {REST: (29_000, 50, 29_000), HTTP: (30_000, 50, 30_000)}


@dataclass(frozen=True)
class GatewayRequest:
    """One request as the gateway's access log keeps it."""
    request_id: str
    method: str
    path: str                       # inside the stage
    route: str | None               # the route key that matched
    function: str | None
    status: int
    integration_ms: float | None    # from invoke to the function's answer
    integration_error: str | None   # why the integration failed, if it did
    lambda_request_id: str | None


def _json_response(status, message, error_type=None):
    headers = [("Content-Type", "application/json")]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return HttpResponse(status, tuple(headers), json.dumps({"message": message}).encode())


class ApiGateway:
    """One API with one stage. `dispatch` answers a request in-process; `start()` (in
    lambdakit.apigw) also serves it over HTTP on 127.0.0.1."""

    def __init__(self, runtime, routes, *, kind=REST, stage=None, binary_media_types=(),
                 integration_timeout_ms=None, api_id=API_ID):
        if kind not in (REST, HTTP):
            raise ValueError(f"kind must be {REST!r} (REST API, payload 1.0) or {HTTP!r} (HTTP API, payload 2.0)")
        default, low, high = INTEGRATION_TIMEOUT_MS[kind]
        timeout = default if integration_timeout_ms is None else integration_timeout_ms
        if not low <= timeout <= high:
            raise ValueError(f"integration_timeout_ms must be between {low} and {high} for a {kind} API")
        self.runtime = runtime
        self.kind = kind
        self.stage = stage or ("prod" if kind == REST else "$default")
        self.routes = parse_routes(routes, allow_default=kind == HTTP)
        self.binary_media_types = tuple(binary_media_types)
        self.integration_timeout_ms = timeout
        self.api_id = api_id
        self.access_log = []
        self._lock = threading.Lock()
        self._count = 0

    def __repr__(self):
        return f"ApiGateway({self.kind}, stage={self.stage}, routes={[r.key for r in self.routes]})"

    @property
    def stage_prefix(self):
        """The path a client puts before the routes' paths ('' for a $default stage)."""
        return "" if self.stage == "$default" else f"/{self.stage}"

    # ------------------------------------------------------------ requests
    def request(self, method, path, *, json_body=None, body=b"", headers=None, query=""):
        """Send a request in-process (path inside the stage), as curl would over HTTP."""
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        headers.setdefault("User-Agent", "lambdakit")
        return self.dispatch(HttpRequest(method, path, query, headers, body, source_ip="127.0.0.1"))

    def wrong_stage(self):
        """What API Gateway answers for a URL outside any deployed stage."""
        return _json_response(403, "Forbidden", "ForbiddenException") if self.kind == REST \
            else _json_response(404, "Not Found")

    def dispatch(self, request):
        """The response for `request` (an events.HttpRequest whose path is inside the stage)."""
        with self._lock:
            self._count += 1
            number = self._count
        now_ms = int(self.runtime.clock.now_ms())
        request_id = derived_uuid("rest", self.api_id, number, now_ms) if self.kind == REST \
            else short_request_id("http", self.api_id, number, now_ms)
        found = select(self.routes, request.method, request.path)
        if found is None:
            response = _json_response(403, "Missing Authentication Token", "MissingAuthenticationTokenException") \
                if self.kind == REST else _json_response(404, "Not Found")
            return self._answer(request, request_id, None, response, None, None)
        route, params = found
        event = self._event(request, route, params, request_id, now_ms)
        response, integration_ms, lambda_request_id = self._integrate(route, event, request)
        return self._answer(request, request_id, route, response, integration_ms, lambda_request_id,
                            event)

    def _event(self, request, route, params, request_id, now_ms):
        common = dict(stage=self.stage, path_parameters=params or None, request_id=request_id,
                      now=now_ms, api_id=self.api_id)
        if self.kind == REST:
            return v1_event_from_request(request, resource=route.path,
                                         binary_media_types=self.binary_media_types, **common)
        return v2_event_from_request(request, route_key=route.key, **common)

    # ------------------------------------------------------------ integration
    def _integrate(self, route, event, request):
        """(response, integration ms, Lambda request id) for one proxy integration call."""
        outcome = self._invoke(route, event)
        if outcome is None:  # still running when the integration timeout passed (real clock)
            return self._timed_out(), float(self.integration_timeout_ms), None
        result, error = outcome
        if error is not None:
            # Lambda refused the invocation (throttled, too large, not found): a 500 either way.
            failed = v1_error_response(f"Lambda invocation failed: {error}") if self.kind == REST \
                else v2_error_response(f"Lambda invocation failed: {error}")
            return HttpResponse(500, failed.headers, failed.body, failed.integration_error), None, None
        record = result.record
        integration_ms = (record.init_ms + record.duration_ms) if record is not None else None
        if integration_ms is not None and integration_ms > self.integration_timeout_ms:
            return self._timed_out(), float(self.integration_timeout_ms), result.request_id
        if result.function_error:
            reason = f"Lambda function error: {result.error_type}"
            failed = v1_error_response(reason) if self.kind == REST else v2_error_response(reason)
            return failed, integration_ms, result.request_id
        if self.kind == REST:
            response = response_from_v1_payload(result.payload, binary_media_types=self.binary_media_types,
                                                accept=request.header("Accept"))
        else:
            response = response_from_v2_payload(result.payload)
        return response, integration_ms, result.request_id

    def _invoke(self, route, event):
        """(result, error), or None if the real clock passed the integration timeout first.

        On the virtual clock the function's own (virtual) duration is compared with the
        timeout afterwards; on the real clock the gateway stops waiting, and the function
        runs on to its end, as on AWS."""
        outcome = []

        def call():
            try:
                outcome.append((self.runtime.invoke(route.function, event, qualifier=route.qualifier), None))
            except LambdaError as error:
                outcome.append((None, error))

        if self.runtime.clock.virtual:
            call()
            return outcome[0]
        worker = threading.Thread(target=call, name="lambdakit-apigw-integration", daemon=True)
        worker.start()
        worker.join(self.integration_timeout_ms / 1000.0)
        return outcome[0] if outcome else None

    def _timed_out(self):
        response = _json_response(504, "Endpoint request timed out", "InternalServerErrorException") \
            if self.kind == REST else _json_response(503, "Service Unavailable")
        return HttpResponse(response.status, response.headers, response.body,
                            f"Integration timeout after {self.integration_timeout_ms} ms")

    # ------------------------------------------------------------ the answer
    def _answer(self, request, request_id, route, response, integration_ms, lambda_request_id, event=None):
        headers = list(response.headers)
        if self.kind == REST:
            trace = (event or {}).get("headers", {}).get("X-Amzn-Trace-Id")
            headers += [("x-amzn-RequestId", request_id),
                        ("x-amz-apigw-id", short_request_id(request_id))]
            if trace:
                headers.append(("X-Amzn-Trace-Id", trace))
        else:
            headers.append(("apigw-requestid", request_id))
        answered = HttpResponse(response.status, tuple(headers), response.body, response.integration_error)
        entry = GatewayRequest(request_id, request.method, request.path, route.key if route else None,
                               route.function if route else None, response.status, integration_ms,
                               response.integration_error, lambda_request_id)
        with self._lock:
            self.access_log.append(entry)
        return answered
