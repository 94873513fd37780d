"""File descriptors 1 and 2 of an environment: what C code, subprocesses and anything else
write there, kept up to a bound.

They are a pipe that a thread of the environment drains as fast as it is written, keeping
the first `limit` bytes of each phase and counting the rest: `yes` in a subprocess costs
CPU, never memory (a file or memfd would have grown by a gigabyte a second).
"""

import os
import select
import threading

_CHUNK = 1 << 16


class OutputPipe:
    def __init__(self):
        read_end, write_end = os.pipe()
        os.dup2(write_end, 1)
        os.dup2(write_end, 2)
        os.close(write_end)
        os.set_blocking(read_end, False)
        self._read_end = read_end
        self._lock = threading.Lock()
        self._kept = bytearray()
        self._dropped = 0
        self.limit = 0

    def start(self):
        """Start draining (after the sandbox is entered: a user namespace needs a single thread)."""
        threading.Thread(target=self._run, name="lambdakit-output", daemon=True).start()

    def _run(self):
        while True:
            select.select([self._read_end], [], [])
            self._drain()

    def _drain(self):
        with self._lock:
            while True:
                try:
                    data = os.read(self._read_end, _CHUNK)
                except BlockingIOError:
                    return
                room = self.limit - len(self._kept)
                if room > 0:
                    self._kept += data[:room]
                self._dropped += max(0, len(data) - max(room, 0))

    def take(self):
        """What was written since the last take: (text kept, number of bytes dropped)."""
        self._drain()
        with self._lock:
            kept, dropped = bytes(self._kept), self._dropped
            self._kept.clear()
            self._dropped = 0
        return kept.decode("utf-8", "replace"), dropped
