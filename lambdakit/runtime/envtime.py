"""Time as a handler sees it inside an execution environment, and the work it can declare.

Real clock: nothing is patched. Virtual clock: `time`, `datetime` and `sleep` read and move
a simulated clock, so handler code really runs but its durations are the declared ones
and the same notebook prints the same numbers on every machine.
"""

import datetime as _datetime
import queue as _queue  # noqa: F401 -- bound to the real monotonic before install(): a blocking
# get(timeout=) waits in real time, as threading's waits do (AWS's durable SDK batches that way)
import time as _time

_REAL = {name: getattr(_time, name) for name in (
    "time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns",
    "sleep", "gmtime", "localtime", "ctime", "strftime", "asctime", "process_time")}
_REAL_DATETIME = _datetime.datetime
_REAL_DATE = _datetime.date


class DeadlineReached(BaseException):
    """Virtual time reached the function's timeout; the environment is about to be stopped."""


class EnvironmentTime:
    def __init__(self, virtual=False, vcpus=1.0, cpu_throttled=False):
        self.virtual = virtual
        self.vcpus = vcpus
        self.cpu_throttled = cpu_throttled  # real clock: a cgroup holds the process to `vcpus`
        self.now_ms = 0.0
        self.deadline_ms = None
        self.declared_cpu_ms = 0.0

    # -- reading time --------------------------------------------------------
    def time(self):
        return self.now_ms / 1000.0 if self.virtual else _REAL["time"]()

    def time_ns(self):
        whole = int(self.now_ms)  # exact integer nanoseconds for whole milliseconds
        return whole * 1_000_000 + round((self.now_ms - whole) * 1_000_000)

    def epoch_ms(self):
        """Whole milliseconds since the epoch: int(time.time() * 1000), exact when virtual."""
        return int(self.now_ms) if self.virtual else int(_REAL["time"]() * 1000)

    def wall_ms(self):
        """Milliseconds on this environment's clock (virtual or real monotonic)."""
        return self.now_ms if self.virtual else _REAL["monotonic"]() * 1000.0

    def cpu_ms(self):
        return self.declared_cpu_ms if self.virtual else _REAL["process_time"]() * 1000.0

    # -- moving time ---------------------------------------------------------
    def advance(self, ms):
        if ms <= 0:
            return
        target = self.now_ms + ms
        if self.deadline_ms is not None and target >= self.deadline_ms:
            self.now_ms = self.deadline_ms
            raise DeadlineReached()
        self.now_ms = target

    def sleep(self, seconds):
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        if self.virtual:
            self.advance(seconds * 1000.0)
        else:
            _REAL["sleep"](seconds)

    def work(self, cpu_ms=0.0, io_ms=0.0, threads=1):
        """Declare work: cpu_ms of CPU time on one full vCPU, io_ms of waiting.

        CPU runs at the share Lambda gives this memory size (1 vCPU at 1,769 MB), so
        the wall time of cpu_ms is cpu_ms / min(threads, vCPUs).
        """
        if cpu_ms < 0 or io_ms < 0 or threads < 1:
            raise ValueError("cpu_ms and io_ms must be >= 0 and threads >= 1")
        cpu_wall_ms = cpu_ms / min(threads, self.vcpus)
        if self.virtual:
            self.declared_cpu_ms += cpu_ms
            self.advance(cpu_wall_ms + io_ms)
            return
        # One thread spins here. Under a cgroup it gets min(1, vcpus) of a CPU, so spinning
        # that share of the wall time takes the wall time; without one it spins at a full
        # CPU and sleeps the rest.
        spin_ms = cpu_wall_ms * min(1.0, self.vcpus) if self.cpu_throttled else cpu_ms / threads
        start = _REAL["process_time"]()
        while (_REAL["process_time"]() - start) * 1000.0 < spin_ms:
            pass
        _REAL["sleep"](max(0.0, cpu_wall_ms - spin_ms + io_ms) / 1000.0)

    # -- patching the process ------------------------------------------------
    def install(self):
        """Route the process's clocks through this object (virtual clock only)."""
        if not self.virtual:
            return
        now = self.time
        _time.time = now
        _time.time_ns = self.time_ns
        _time.monotonic = _time.perf_counter = now
        _time.monotonic_ns = _time.perf_counter_ns = _time.time_ns
        _time.sleep = self.sleep
        _time.gmtime = lambda secs=None: _REAL["gmtime"](now() if secs is None else secs)
        _time.localtime = lambda secs=None: _REAL["localtime"](now() if secs is None else secs)
        _time.ctime = lambda secs=None: _REAL["ctime"](now() if secs is None else secs)
        _time.asctime = lambda t=None: _REAL["asctime"](_time.localtime() if t is None else t)
        _time.strftime = lambda fmt, t=None: _REAL["strftime"](fmt, _time.localtime() if t is None else t)
        _datetime.datetime = _virtual_datetime_class(now)
        _datetime.date = _virtual_date_class(now)


def restore_real_time():
    """Undo install(): environments that share the kernel's interpreter (inprocess.py) patch
    the clocks only while their handler runs."""
    for name, function in _REAL.items():
        setattr(_time, name, function)
    _datetime.datetime, _datetime.date = _REAL_DATETIME, _REAL_DATE


def _virtual_datetime_class(now):
    class datetime(_REAL_DATETIME):
        @classmethod
        def now(cls, tz=None):
            return cls.fromtimestamp(now(), tz)

        @classmethod
        def utcnow(cls):
            return cls.fromtimestamp(now(), _datetime.timezone.utc).replace(tzinfo=None)

        @classmethod
        def today(cls):
            return cls.fromtimestamp(now())

    return datetime


def _virtual_date_class(now):
    class date(_REAL_DATE):
        @classmethod
        def today(cls):
            return cls.fromtimestamp(now())

    return date


# The environment's clock; outside an environment (e.g. a handler unit-tested in the
# kernel) declared work simply runs on the real clock.
current = EnvironmentTime()


def work(cpu_ms=0.0, io_ms=0.0, threads=1):
    """Declare work in handler code: `from lambdakit import work; work(cpu_ms=200, io_ms=50)`."""
    current.work(cpu_ms, io_ms, threads)
