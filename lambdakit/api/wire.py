"""The Lambda REST API's wire format: requests in, responses out, errors as AWS shapes them.

Nothing here knows about functions or rules. A Request is what arrived; a Response is
encoded into one buffer (status line, headers and body together), because a keep-alive
connection that sends headers and body in two writes waits on Nagle + delayed ACK. A streamed
Response (InvokeWithResponseStream) instead has a producer that writes its body in HTTP/1.1
chunks as they come.
"""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus

from ..core.errors import InvalidRequestContentException, LambdaError, ServiceException

# AWS spells the message member "Message" for these codes and "message" for the rest;
# botocore's Lambda model agrees (it fills modeled error members by exact name).
_CAPITAL_MESSAGE = frozenset({"ResourceNotFoundException", "ServiceException"})


class UnknownOperationException(LambdaError):
    """A method and path that name no Lambda API operation."""
    code = "UnknownOperationException"
    status = 404


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    params: dict          # members bound from the URI, e.g. FunctionName (already unquoted)
    query: dict           # first value of each query-string parameter
    headers: object       # case-insensitive (http.client.HTTPMessage)
    body: bytes
    query_lists: dict = field(default_factory=dict)  # every value of each query-string parameter

    def query_list(self, name):
        """All values of a repeated query parameter (UntagResource's tagKeys)."""
        return list(self.query_lists.get(name, ()))

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def json(self):
        """The body as a JSON object ({} when empty), or AWS's InvalidRequestContentException."""
        if not self.body.strip():
            return {}
        try:
            value = json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as e:
            raise InvalidRequestContentException(f"Could not parse request body into json: {e}")
        if not isinstance(value, dict):
            raise InvalidRequestContentException(
                "Could not parse request body into json: the body must be a JSON object")
        return value


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    request_id: str | None = None   # the invocation's id for Invoke; a fresh one otherwise
    # A streamed body: produce(write) calls write(bytes) per chunk as they come, the first
    # call sending the head (so `headers`, x-amzn-RequestId included, may change until then).
    # Until that first call it may raise a LambdaError, or return a Response to send instead.
    produce: object = None

    def encode(self, close=False):
        """The whole HTTP/1.1 response as one bytes object."""
        if self.status == 204:  # a 204 carries no body and, per RFC 9110, no Content-Length
            return self.head(close, None)
        return self.head(close, f"Content-Length: {len(self.body)}") + self.body

    def head(self, close=False, framing="Transfer-Encoding: chunked"):
        """The status line and headers; `framing` says how the body is delimited."""
        lines = [f"HTTP/1.1 {self.status} {_reason(self.status)}", f"Date: {formatdate(usegmt=True)}"]
        if "x-amzn-RequestId" not in self.headers:
            lines.append(f"x-amzn-RequestId: {self.request_id or new_request_id()}")
        if close:
            lines.append("Connection: close")
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if framing:
            lines.append(framing)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _reason(status):
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def json_response(value, status=200, headers=None):
    body = json.dumps(value, separators=(",", ":")).encode()
    return Response(status, body, {"Content-Type": "application/json", **(headers or {})})


def empty_response(status):
    return Response(status)


def error_response(error):
    """A LambdaError as AWS sends it: JSON body plus x-amzn-ErrorType, so botocore raises its class."""
    body = error.to_body()
    if error.code in _CAPITAL_MESSAGE:
        body["Message"] = body.pop("message")
    return json_response(body, error.status, {"x-amzn-ErrorType": error.code})


def internal_error():
    """What the client sees when the server itself failed: no traceback, ever."""
    return error_response(ServiceException("An internal error occurred in the local Lambda service."))


def new_request_id():
    return str(uuid.uuid4())


def b64decode(text, member):
    """A base64 member (Code.ZipFile, X-Amz-Client-Context) as bytes."""
    if not isinstance(text, str):
        raise InvalidRequestContentException(
            f"Could not parse request body into json: {member} must be a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequestContentException(
            f"Could not parse request body into json: {member} is not valid base64")


def b64encode(data):
    return base64.b64encode(data).decode("ascii")
