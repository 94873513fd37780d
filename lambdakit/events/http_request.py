"""An HTTP request as a client sent it, and the rules the AWS front doors share.

API Gateway (REST and HTTP APIs), Lambda function URLs and ALB each turn such a request
into an event; the rules they have in common (grouping repeated headers and query
parameters, deciding whether a body travels as text or base64) live here.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

# HTTP APIs, function URLs and ALB pass these bodies as text and base64-encode every
# other one, including a body with no Content-Type and form posts. Verified against AWS
# by ministack (PR 766, 2026-06); AWS's documentation only says "binary".
_TEXT_MEDIA_TYPES = frozenset({"application/json", "application/javascript", "application/xml"})


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """What reached the front door. `path` is the path inside the stage, as sent (still
    percent-encoded); `query_string` is the raw text after '?'; `headers` keep their
    order and case, and repeated names appear once per value."""

    method: str
    path: str = "/"
    query_string: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    source_ip: str = "203.0.113.7"  # an RFC 5737 documentation address
    scheme: str = "https"
    port: int = 443
    protocol: str = "HTTP/1.1"

    def __post_init__(self):
        pairs = self.headers.items() if isinstance(self.headers, Mapping) else self.headers
        object.__setattr__(self, "headers", tuple((str(k), str(v)) for k, v in pairs))
        body = self.body.encode() if isinstance(self.body, str) else bytes(self.body)
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "method", self.method.upper())

    def header(self, name):
        """The last value sent for `name` (case-insensitive), or None."""
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[-1] if values else None


def sample_request(method="GET", path="/", *, query="", headers=None, body=b""):
    """A request like curl sends, for generators; caller headers replace the defaults."""
    sent = {"User-Agent": "curl/8.5.0", "Accept": "*/*"}
    body = body.encode() if isinstance(body, str) else bytes(body)
    if body:
        sent["Content-Type"] = "application/json"
        sent["Content-Length"] = str(len(body))
    for name, value in (headers or {}).items():
        for existing in [k for k in sent if k.lower() == name.lower()]:
            del sent[existing]
        sent[name] = value
    return HttpRequest(method, path, query, sent, body)


def grouped(pairs, *, fold_case=False):
    """{name: [values...]} in first-seen order; fold_case lower-cases the names."""
    groups = {}
    for name, value in pairs:
        groups.setdefault(name.lower() if fold_case else name, []).append(value)
    return groups


def query_pairs(query_string):
    """Decoded (name, value) pairs; a bare `flag` yields ('flag', '')."""
    return parse_qsl(query_string, keep_blank_values=True)


def raw_query_pairs(query_string):
    """Pairs left percent-encoded, as ALB passes them."""
    pairs = []
    for part in filter(None, query_string.split("&")):
        name, _, value = part.partition("=")
        pairs.append((name, value))
    return pairs


def media_type(content_type):
    """'Application/JSON; charset=utf-8' -> 'application/json'."""
    return (content_type or "").split(";")[0].strip().lower()


def matches_media_types(content_type, patterns):
    """API Gateway's binaryMediaTypes test: exact type, 'type/*', or '*/*'."""
    kind = media_type(content_type)
    if not kind:
        return False
    major = kind.split("/")[0]
    return any(p.lower() in (kind, f"{major}/*", "*/*") for p in patterns)


def is_text_body(content_type):
    kind = media_type(content_type)
    return kind.startswith("text/") or kind in _TEXT_MEDIA_TYPES


def forwarded_headers(request):
    """The X-Forwarded-* headers the AWS front doors add; a client's own X-Forwarded-For
    is kept and the source address appended, as a proxy does."""
    chain = request.header("X-Forwarded-For")
    forwarded_for = f"{chain}, {request.source_ip}" if chain else request.source_ip
    return [("X-Forwarded-For", forwarded_for),
            ("X-Forwarded-Port", str(request.port)),
            ("X-Forwarded-Proto", request.scheme)]


def proxied_headers(request, added, host):
    """The request's headers as the front door passes them on: its `added` headers replace
    any the client sent under the same names, and Host is filled in when the client sent
    none (HTTP/2 clients send :authority, which the front doors show as Host)."""
    replaced = {name.lower() for name, _ in added}
    kept = [(k, v) for k, v in request.headers if k.lower() not in replaced]
    if request.header("Host") is None:
        kept.insert(0, ("Host", host))
    return kept + list(added)
