"""The pipe between the service and one environment: data-only messages, length-prefixed.

A message is a JSON array (its kind first, then its fields) and beside it one byte string,
maybe empty (an event payload, a response body, an error payload), framed as

    [JSON length: 4 bytes][bytes length: 4 bytes][JSON][bytes]

Nothing in it can carry code, and the reader refuses a frame larger than its limits
before it allocates anything: the service reads what handler code could have written
(the pipe's descriptor is in the environment's process), so it parses it as data and
checks it (messages.py).

It stands where the Lambda Runtime API's HTTP would. A message usually costs one write
and one read system call (multiprocessing's Connection costs two reads), which is most
of the warm-invoke time once the handler itself is cheap.
"""

import json
import select
import socket
import struct

_HEADER = struct.Struct(">II")
_READ_SIZE = 1 << 16
_SMALL = 1 << 16
# Default limits; each end passes its own (the service: what an environment may send).
MAX_JSON_BYTES = 4 << 20
MAX_BLOB_BYTES = 8 << 20

_encode = json.JSONEncoder(allow_nan=False, separators=(",", ":")).encode


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


_decode = json.JSONDecoder(parse_constant=_refuse_constant).decode


class ProtocolError(ValueError):
    """What arrived is not a message this end accepts: oversized, not JSON, or of the wrong shape."""


class Channel:
    def __init__(self, sock, max_json=MAX_JSON_BYTES, max_blob=MAX_BLOB_BYTES):
        self.sock = sock
        self.max_json, self.max_blob = max_json, max_blob
        self._buffer = b""

    @classmethod
    def from_fd(cls, fd, **limits):
        return cls(socket.socket(fileno=fd), **limits)

    def fileno(self):
        return self.sock.fileno()

    def send(self, message, blob=b""):
        """Send `message` (a list or tuple of JSON values, its kind first) and `blob` (bytes)."""
        data = _encode(message).encode()
        header = _HEADER.pack(len(data), len(blob))
        if len(data) + len(blob) < _SMALL:
            self.sock.sendall(header + data + blob)
        else:  # no copy of a multi-megabyte payload just to save a system call
            self.sock.sendall(header + data)
            self.sock.sendall(blob)

    def recv(self):
        """The next (message, blob): the message a list whose first item is its kind.
        EOFError when the other end has gone; ProtocolError when what came is not a message."""
        buffer = self._buffer
        while len(buffer) < _HEADER.size:
            buffer += self._read(_READ_SIZE)
        json_size, blob_size = _HEADER.unpack_from(buffer)
        if json_size > self.max_json or blob_size > self.max_blob:
            raise ProtocolError(f"a message of {json_size + blob_size} bytes, over the channel's limit")
        end = _HEADER.size + json_size + blob_size
        if len(buffer) < end:
            body = bytearray(end)
            body[:len(buffer)] = buffer
            view, filled = memoryview(body), len(buffer)
            while filled < end:
                got = self.sock.recv_into(view[filled:])
                if not got:
                    raise EOFError
                filled += got
            buffer = body
        self._buffer = bytes(buffer[end:])
        split = _HEADER.size + json_size
        try:
            message = _decode(bytes(buffer[_HEADER.size:split]).decode())
        except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
            raise ProtocolError(f"a message that is not JSON ({type(e).__name__})") from None
        if not isinstance(message, list) or not message or not isinstance(message[0], str):
            raise ProtocolError("a message that is not a list starting with its kind")
        return message, bytes(buffer[split:end])

    def readable(self):
        """Whether recv() would not wait: a message, part of one, or the end, is there."""
        return bool(self._buffer) or bool(select.select([self.sock], [], [], 0)[0])

    def _read(self, size):
        data = self.sock.recv(size)
        if not data:
            raise EOFError
        return data

    def close(self):
        self.sock.close()
