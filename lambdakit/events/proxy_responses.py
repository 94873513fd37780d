"""What the client receives when a proxy integration's function has answered.

The input is the function's response payload, the JSON bytes Lambda's Invoke returns.
REST APIs (payload v1) demand the proxy shape and answer 502 when the payload breaks it.
HTTP APIs and function URLs (payload v2) take any JSON: a payload without a statusCode
becomes a 200 response whose body is the payload itself.
"""

import base64
import binascii
import json
from dataclasses import dataclass

from .http_request import matches_media_types

_V1_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    integration_error: str | None = None  # why the integration failed, for the gateway's log

    def header(self, name):
        """The last value of header `name` (case-insensitive), or None."""
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[-1] if values else None


class _Malformed(Exception):
    pass


def v1_error_response(reason):
    """A REST API's answer when its Lambda integration fails (function error, timeout,
    malformed proxy response)."""
    return HttpResponse(
        502,
        (("Content-Type", "application/json"),
         ("x-amzn-ErrorType", "InternalServerErrorException")),
        b'{"message": "Internal server error"}',
        reason)


def v2_error_response(reason):
    """An HTTP API's answer when its Lambda integration fails."""
    return HttpResponse(500, (("Content-Type", "application/json"),),
                        b'{"message":"Internal Server Error"}', reason)


def response_from_v1_payload(payload, *, binary_media_types=(), accept=None):
    """The REST API's HTTP response for a proxy function's `payload`.

    A base64 body (isBase64Encoded true) is decoded only when the first media type of the
    request's `accept` header matches one of the API's `binary_media_types`; otherwise the
    client receives the base64 text itself.
    """
    try:
        result = _parse(payload)
        if not isinstance(result, dict):
            raise _Malformed("the payload is not a JSON object")
        unknown = sorted(result.keys() - _V1_KEYS)
        if unknown:
            raise _Malformed(f"unexpected keys {unknown}")
        # A missing statusCode means 200 (observed by SAM CLI's local API Gateway).
        status = _status(result.get("statusCode", 200))
        headers = _merged_headers(result.get("headers"), result.get("multiValueHeaders"))
        body = _body(result.get("body"))
        first_accept = (accept or "").split(",")[0]
        if _flag(result.get("isBase64Encoded", False)) and matches_media_types(
                first_accept, binary_media_types):
            data = _b64decode(body)
        else:
            data = body.encode()
    except _Malformed as error:
        return v1_error_response(f"Malformed Lambda proxy response: {error}")
    return HttpResponse(status, _with_default_content_type(headers), data)


def response_from_v2_payload(payload):
    """The HTTP API's (or function URL's) HTTP response for a function's `payload`."""
    try:
        result = _parse(payload)
        if not (isinstance(result, dict) and "statusCode" in result):
            raw = payload.encode() if isinstance(payload, str) else bytes(payload)
            return HttpResponse(200, (("Content-Type", "application/json"),), raw)
        status = _status(result["statusCode"])
        headers = _merged_headers(result.get("headers"), None)
        cookies = result.get("cookies") or []
        if not isinstance(cookies, list):
            raise _Malformed("cookies must be a list")
        headers += [("Set-Cookie", _header_value(cookie)) for cookie in cookies]
        body = _body(result.get("body"))
        # Format 2.0 has no binary media types: isBase64Encoded alone decides.
        data = _b64decode(body) if _flag(result.get("isBase64Encoded", False)) else body.encode()
    except _Malformed as error:
        return v2_error_response(f"Malformed Lambda proxy response: {error}")
    return HttpResponse(status, _with_default_content_type(headers), data)


def _parse(payload):
    try:
        return json.loads(payload)
    except (ValueError, TypeError) as error:
        raise _Malformed("the payload is not JSON") from error


def _status(value):
    # JSON numbers and numeric strings both pass; booleans are not status codes.
    if isinstance(value, bool):
        raise _Malformed("statusCode must be an integer")
    try:
        status = int(value)
    except (TypeError, ValueError) as error:
        raise _Malformed("statusCode must be an integer") from error
    if not 100 <= status <= 599:
        raise _Malformed(f"statusCode {status} is not an HTTP status")
    return status


def _header_value(value):
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return json.dumps(value)  # so true is 'true' and 1.5 is '1.5', as JSON wrote them
    raise _Malformed("header values must be strings")


def _merged_headers(single, multi):
    """AWS's merge: every multiValueHeaders value, then the headers values, except a
    name/value pair already given in multiValueHeaders."""
    for mapping in (single, multi):
        if mapping is not None and not isinstance(mapping, dict):
            raise _Malformed("headers must be an object")
    merged = []
    for name, values in (multi or {}).items():
        if not isinstance(values, list):
            raise _Malformed("multiValueHeaders values must be lists")
        merged += [(name, _header_value(v)) for v in values]
    for name, value in (single or {}).items():
        pair = (name, _header_value(value))
        if pair not in merged:
            merged.append(pair)
    return merged


def _body(value):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Malformed("body must be a string")
    return value


def _flag(value):
    # SAM CLI observed API Gateway accepting the strings "true" and "false" too.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _Malformed("isBase64Encoded must be a boolean")


def _b64decode(text):
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise _Malformed("body is not valid base64") from error


def _with_default_content_type(headers):
    # Without a Content-Type from the function the client gets application/json
    # (SAM CLI's observation, for both payload formats).
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers = headers + [("Content-Type", "application/json")]
    return tuple(headers)
