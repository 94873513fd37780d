"""AWS's event-stream encoding (application/vnd.amazon.eventstream), as botocore's EventStream
parses it: each message is a prelude (total length, headers length, CRC32 of both), string
headers, the payload, and a CRC32 of everything before it."""

import struct
import zlib

_STRING = 7  # header value type


def _headers(headers):
    encoded = b""
    for name, value in headers.items():
        name, value = name.encode(), value.encode()
        encoded += struct.pack("!B", len(name)) + name + struct.pack("!BH", _STRING, len(value)) + value
    return encoded


def message(headers, payload=b""):
    """One event-stream message."""
    encoded_headers = _headers(headers)
    total = 12 + len(encoded_headers) + len(payload) + 4
    prelude = struct.pack("!II", total, len(encoded_headers))
    prelude += struct.pack("!I", zlib.crc32(prelude))
    body = prelude + encoded_headers + payload
    return body + struct.pack("!I", zlib.crc32(body))


def event(event_type, payload, content_type="application/octet-stream"):
    return message({":event-type": event_type, ":content-type": content_type, ":message-type": "event"}, payload)
