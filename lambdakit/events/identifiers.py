"""The names and ids events carry: account, region, ARNs' parts, and request ids.

Ids are derived from the event's own content by hashing, never drawn at random, so a
generator called twice with the same arguments returns the same event. Callers who need
distinct ids (a local service stamping many requests) pass them in.
"""

import base64
import hashlib
import uuid

# AWS's documentation account and the default Region of the course.
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


def _stream(parts, size):
    seed = "\x1f".join(str(part) for part in parts).encode()
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:size]


def derived_uuid(*parts):
    """A version-4-shaped UUID, e.g. SQS messageId or REST API requestId."""
    return str(uuid.UUID(bytes=_stream(parts, 16), version=4))


def derived_hex(length, *parts, upper=False):
    text = _stream(parts, (length + 1) // 2).hex()[:length]
    return text.upper() if upper else text


def derived_base64(length, *parts):
    """Opaque base64 text such as an SQS receipt handle or an S3 x-amz-id-2."""
    return base64.b64encode(_stream(parts, length)).decode()[:length]


def time_ordered_number(length, lead, ms, index=0):
    """A `length`-digit decimal string that grows with time and then with `index`, as
    sequence numbers and log event ids do: `lead`, the 17-digit time, zeros, plus index."""
    return str(int(f"{lead}{ms:017d}".ljust(length, "0")) + index)


def short_request_id(*parts):
    """API Gateway's extendedRequestId / HTTP API requestId, e.g. 'LV7fzho-PHcEJPw=':
    14 characters of URL-safe base64 and '='."""
    return base64.urlsafe_b64encode(_stream(parts, 10)).decode()[:14] + "="


def trace_header(epoch_ms, *parts):
    """An X-Ray trace id as API Gateway and ALB add it: Root=1-<hex seconds>-<24 hex>."""
    return f"Root=1-{epoch_ms // 1000:08x}-{derived_hex(24, *parts)}"
