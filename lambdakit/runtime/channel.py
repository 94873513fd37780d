"""The pipe between the service and one environment: pickled messages, length-prefixed.

It stands where the Lambda Runtime API's HTTP would. A message usually costs one write
and one read system call (multiprocessing's Connection costs two reads), which is most
of the warm-invoke time once the handler itself is cheap.
"""

import pickle
import select
import socket

_HEADER = 4
_READ_SIZE = 1 << 16
_SMALL = 1 << 16


class Channel:
    def __init__(self, sock):
        self.sock = sock
        self._buffer = b""

    @classmethod
    def from_fd(cls, fd):
        return cls(socket.socket(fileno=fd))

    def fileno(self):
        return self.sock.fileno()

    def send(self, message):
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        header = len(data).to_bytes(_HEADER, "big")
        if len(data) < _SMALL:
            self.sock.sendall(header + data)
        else:  # no copy of a multi-megabyte payload just to save a system call
            self.sock.sendall(header)
            self.sock.sendall(data)

    def recv(self):
        """The next message; EOFError when the other end has gone."""
        buffer = self._buffer
        while len(buffer) < _HEADER:
            buffer += self._read(_READ_SIZE)
        end = _HEADER + int.from_bytes(buffer[:_HEADER], "big")
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
        return pickle.loads(memoryview(buffer)[_HEADER:end])

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
