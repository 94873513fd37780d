"""The two clocks: real wall time, and a deterministic virtual time.

Everything in the service asks its clock for the time; nothing reads `time` directly,
so a notebook run on the virtual clock prints the same output on every machine.
"""

import random
import threading
import time
import uuid
from datetime import datetime, timezone

# Where virtual time starts unless told otherwise: a fixed, documented instant.
VIRTUAL_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def to_epoch_ms(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp() * 1000.0


class RealClock:
    virtual = False
    name = "real"

    def __init__(self, seed=None):
        self._random = random.Random(seed)

    def now_ms(self):
        return time.time() * 1000.0

    def monotonic_ms(self):
        return time.monotonic() * 1000.0

    def advance(self, ms):
        """Real time cannot be advanced; waiting is the only way forward."""
        time.sleep(ms / 1000.0)

    def request_id(self):
        return str(uuid.uuid4())

    def random(self):
        return self._random


class VirtualClock:
    """Simulated time that moves only when the service (or a lesson) moves it."""

    virtual = True
    name = "virtual"

    def __init__(self, start=VIRTUAL_EPOCH, seed=0):
        self._now = to_epoch_ms(start)
        self._lock = threading.Lock()
        self.seed(seed)

    def seed(self, seed):
        self._ids = random.Random(f"request-ids:{seed}")
        self._random = random.Random(seed)

    def now_ms(self):
        return self._now

    monotonic_ms = now_ms

    def advance(self, ms):
        if ms < 0:
            raise ValueError("virtual time only moves forward")
        with self._lock:
            self._now += ms

    def advance_to(self, epoch_ms):
        with self._lock:
            self._now = max(self._now, epoch_ms)

    def set(self, moment):
        with self._lock:
            self._now = to_epoch_ms(moment)

    def request_id(self):
        with self._lock:
            return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def random(self):
        return self._random


def make_clock(kind, seed=0, start=VIRTUAL_EPOCH):
    if kind == "real":
        return RealClock(seed)
    if kind == "virtual":
        return VirtualClock(start, seed)
    raise ValueError(f"clock must be 'real' or 'virtual', not {kind!r}")


def iso_ms(epoch_ms):
    """AWS's log timestamp: ISO 8601, UTC, milliseconds, 'Z'."""
    moment = datetime.fromtimestamp(epoch_ms / 1000.0, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
