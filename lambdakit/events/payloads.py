"""How caller values become the text and bytes that event payloads carry."""

import base64
import gzip
import json
import zlib


def as_text(value):
    """Message bodies are strings; anything else is sent as its JSON text, as SDKs do."""
    return value if isinstance(value, str) else json.dumps(value)


def as_bytes(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return as_text(value).encode()


def b64(data):
    return base64.b64encode(data).decode()


def gzip_b64(data):
    # mtime=0 keeps the gzip header, and so the event, identical from run to run.
    return b64(gzip.compress(data, mtime=0))


def gunzip_b64(text):
    # AWS sends gzip; wbits | 32 also reads the zlib streams some published samples hold.
    return zlib.decompress(base64.b64decode(text), zlib.MAX_WBITS | 32)
