"""The service's handle on an environment whose runtime speaks the Lambda Runtime API
(Node.js, a custom runtime): the same process handle as Python's (timeout kill, memory watch,
freeze, exit status), with the Runtime API (runtime_api.py) where Python has its channel.

The invocation code drives it exactly as a Python environment: receive() answers with the
same messages.Reply values, built here from what the runtime did over HTTP.

On the virtual clock a foreign runtime's own time cannot be simulated (its code reads the
real clock), so its figures are modelled, and deterministic: INIT lasts the modelled
`runtime_init_ms`, an invocation `foreign_invoke_ms` (or its timeout), Max Memory Used is the
modelled `runtime_memory_mb` unless the memory size is crossed (then it is killed, as always).
"""

import json
import os
import select
import struct
import threading
import time

from . import messages, socket_owner
from .environment import ExecutionEnvironment
from .runtime_api import RuntimeApi

_CHUNK = 1 << 16
_FRAME = struct.Struct(">II")  # channel.py's frame header: JSON length, bytes length
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# How often a waiting invocation checks that the process still exists, for one that left
# a child holding its output pipe open.
_EXIT_CHECK_S = 0.05


class ForeignEnvironment(ExecutionEnvironment):
    """An execution environment whose process is a Runtime API client."""

    api = None

    def start(self, zygote, spec, cgroup):
        self.virtual = spec["virtual"]
        self.virtual_invoke_ms = spec["virtual_invoke_ms"]
        self._log_limit = spec["log_limit"]
        self._kept, self._dropped = bytearray(), 0
        self._out_lock = threading.Lock()
        self._eof = False
        self._cpu_mark_ms = 0.0
        self.api = RuntimeApi(spec["response_max_bytes"], self._drain, self._processes, paced=not self.virtual)
        spec["env"]["AWS_LAMBDA_RUNTIME_API"] = self.api.address
        try:
            super().start(zygote, spec, cgroup)
        except BaseException:
            self.api.close()
            raise
        self.channel.sock.setblocking(False)
        threading.Thread(target=self._read_output, name=f"lambdakit-{self.id}-output", daemon=True).start()

    def _processes(self):
        """The environment's processes: its cgroup's, or the runtime and its descendants."""
        if self.pid is None:
            return []
        pids = self.cgroup.pids() if self.cgroup is not None else set()
        return pids or socket_owner.descendants(self.pid)

    # -- the runtime's stdout and stderr (the function's logs) -----------------------------
    def _read_output(self):
        sock = self.channel.sock
        try:
            while not self._eof:
                select.select([sock], [], [])
                self._drain()
        except (OSError, ValueError):  # closed by close()
            pass
        self.api.end()

    def _drain(self):
        """Read what the runtime has written so far (at most the log limit is kept)."""
        with self._out_lock:
            while not self._eof:
                try:
                    data = self.channel.sock.recv(_CHUNK)
                except BlockingIOError:
                    return
                except OSError:
                    data = b""
                if not data:
                    self._eof = True
                    return
                room = self._log_limit - len(self._kept)
                if room > 0:
                    self._kept += data[:room]
                self._dropped += max(0, len(data) - max(room, 0))

    def _take_output(self):
        self._drain()
        with self._out_lock:
            text = self._kept.decode("utf-8", "replace")
            dropped, self._dropped = self._dropped, 0
            self._kept.clear()
        if dropped:
            text += (f"[lambdakit] {dropped} more characters of output were dropped: "
                     f"each invocation keeps at most {self._log_limit} characters of logs\n")
        return text

    # -- what the invocation code calls ----------------------------------------------------
    def send(self, message, blob=b"", stream=None):
        if message[0] == "invoke":
            request = dict(message[1])
            if self.virtual:
                request["virtual_now_ms"] = request["now_ms"]
            self.api.offer(request, blob, stream)
        return True  # "shutdown": the process is killed right after, as AWS does without extensions

    def receive(self, kinds):
        outcome = self._wait()
        if outcome is None:
            return self._sandbox_error() if "sandbox_error" in kinds else None
        if outcome.kind in ("response", "error", "too_large"):
            self._wait_idle()
        cpu_ms, output, peak_kb = self._cpu_ms(), self._take_output(), self._peak_kb()
        if outcome.kind in ("ready", "init_error"):
            error = json.loads(outcome.body) if outcome.kind == "init_error" else None
            base_kb = self.config.memory_size * 1024 if self.virtual else self.rss_kb()
            return messages.Reply("init", cpu_ms, output, peak_kb, 0.0, base_kb, error)
        body = b"" if outcome.kind == "too_large" else outcome.body
        result = {"response": "ok", "error": "error", "too_large": "too_large"}[outcome.kind]
        return messages.Reply("result", cpu_ms, output, peak_kb, self.virtual_invoke_ms,
                              outcome=result, body=body)

    def _sandbox_error(self):
        """A spare that could not set up its sandbox says why on its pipe, in the channel's
        framing (zygote.run_environment), before it ever runs the runtime."""
        with self._out_lock:
            data = bytes(self._kept)
        try:
            json_size, _ = _FRAME.unpack_from(data)
            message = json.loads(data[_FRAME.size:_FRAME.size + json_size])
        except (struct.error, ValueError):
            return None
        if isinstance(message, list) and message[:1] == ["sandbox_error"] and len(message) == 2 \
                and isinstance(message[1], str):
            return messages.Reply("sandbox_error", reason=message[1][:2000])
        return None

    def _wait(self):
        while True:
            outcome = self.api.wait(_EXIT_CHECK_S)
            if outcome is not None or self.api.ended:
                return outcome
            if self.zygote.has_exited(self.pid):
                return self.api.wait(0)

    def _wait_idle(self):
        """Until the runtime asks for its next event (or has gone): the end of the invocation."""
        while not self.api.idle and not self.zygote.has_exited(self.pid):
            self.api.wait_idle(_EXIT_CHECK_S)

    def unread_output(self):
        """What the runtime printed before it ended without an answer (its last words:
        a bootstrap's shell error, a stack trace), as AWS keeps it in the log."""
        self._wait_for_end_of_output()
        return self._take_output()

    def _wait_for_end_of_output(self, timeout_s=0.5):
        """Until the pipe has closed (every process holding it has gone), briefly."""
        deadline = time.monotonic() + timeout_s
        while not self._eof and time.monotonic() < deadline:
            time.sleep(0.01)

    def answered(self):
        """Whether the runtime has answered and is back at /next (or has gone): a runtime that
        posts its response but never asks for the next event still runs into its timeout."""
        api = self.api
        return api is not None and (api.ended or (api.has_outcome() and api.idle))

    def _cpu_ms(self):
        """CPU the runtime used since the last reply (user + system, from /proc)."""
        if self.virtual:
            return 0.0
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            total = (int(fields[11]) + int(fields[12])) * 1000.0 / _CLOCK_TICKS
        except (OSError, ValueError, IndexError):
            return 0.0
        used, self._cpu_mark_ms = max(0.0, total - self._cpu_mark_ms), total
        return used

    def _peak_kb(self):
        """The runtime's peak resident memory (VmHWM) or what its memory group counts now;
        on the virtual clock the modelled figure (see the module's docstring)."""
        if self.virtual:  # the memory size itself: no growth over the base the INIT reported
            return max(self.config.memory_size * 1024, self.rss_kb())
        peak = 0
        try:
            with open(f"/proc/{self.pid}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"VmHWM:"):
                        peak = int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        return max(peak, self.rss_kb())

    def close(self, graceful=True):
        super().close(graceful)
        if self.api is not None:
            self.api.close()
