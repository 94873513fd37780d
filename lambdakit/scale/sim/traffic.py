"""Traffic models: when requests arrive, in milliseconds of virtual time from the start.

Every model yields its arrivals in ascending order and in chunks (lists of a few thousand
times), so a month of traffic streams through in constant memory and the simulator's inner
loop runs over plain lists. Randomness comes only from the `random.Random` handed in, whose
sequence Python guarantees for a given seed on every machine.

Poisson traffic draws exponential gaps by inversion, -ln(1 - U) / rate, as
`random.expovariate` does. A rate that changes over time (bursty, diurnal) is a sequence of
constant-rate segments; a Poisson process has no memory, so starting afresh at each
segment boundary is exact.
"""

import math
import random
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate, repeat
from operator import mul, neg

CHUNK = 4096
HOUR_MS = 3_600_000.0
DAY_HOURS = 24


@dataclass(frozen=True)
class Constant:
    """Evenly spaced requests, `rps` per second, the first at time 0."""

    rps: float

    def __post_init__(self):
        _check_rate(self.rps, "rps")

    def chunks(self, rng, horizon_ms):
        gap = 1000.0 / self.rps
        total = math.ceil(_require_horizon(horizon_ms, self) / gap)
        for first in range(0, total, CHUNK):
            # Multiply rather than add, so the millionth arrival carries no rounding drift.
            times = list(map(mul, range(first, min(first + CHUNK, total)), repeat(gap)))
            yield times[:bisect_left(times, horizon_ms)]


@dataclass(frozen=True)
class Poisson:
    """Independent arrivals at an average of `rps` per second."""

    rps: float

    def __post_init__(self):
        _check_rate(self.rps, "rps")

    def chunks(self, rng, horizon_ms):
        return _piecewise_poisson(rng, [(0.0, _require_horizon(horizon_ms, self), self.rps)])


@dataclass(frozen=True)
class Bursty:
    """Poisson at `base_rps`, rising to `burst_rps` for `burst_s` at the start of every `period_s`."""

    base_rps: float
    burst_rps: float
    period_s: float
    burst_s: float

    def __post_init__(self):
        _check_rate(self.base_rps, "base_rps", allow_zero=True)
        _check_rate(self.burst_rps, "burst_rps")
        if not 0 < self.burst_s <= self.period_s:
            raise ValueError("burst_s must be positive and at most period_s")

    def chunks(self, rng, horizon_ms):
        return _piecewise_poisson(rng, self._segments(_require_horizon(horizon_ms, self)))

    def _segments(self, horizon_ms):
        period, burst = self.period_s * 1000.0, self.burst_s * 1000.0
        start = 0.0
        while start < horizon_ms:
            yield start, min(start + burst, horizon_ms), self.burst_rps
            yield start + burst, min(start + period, horizon_ms), self.base_rps
            start += period


@dataclass(frozen=True)
class Diurnal:
    """Poisson whose rate follows the day, hour by hour, averaging `mean_rps` over a day.

    The rate in hour h is mean_rps * (1 + swing * cos(2 pi (h + 0.5 - peak_hour) / 24)): a
    smooth day with its busiest hour at `peak_hour` and its quietest twelve hours later. The
    24 hourly values average exactly to `mean_rps`. Time 0 is midnight. `day_factors`
    multiplies day d's rates by day_factors[d % len(day_factors)] (a quiet weekend, a sale
    day), so a month is not always its first day thirty times.
    """

    mean_rps: float
    swing: float = 0.5
    peak_hour: float = 14.0
    day_factors: tuple = ()

    def __post_init__(self):
        _check_rate(self.mean_rps, "mean_rps")
        if not 0 <= self.swing <= 1:
            raise ValueError("swing must be between 0 and 1")
        object.__setattr__(self, "day_factors", tuple(self.day_factors))
        for factor in self.day_factors:
            _check_rate(factor, "day_factors", allow_zero=True)

    def hourly_rps(self):
        return tuple(
            self.mean_rps * (1 + self.swing * math.cos(2 * math.pi * (h + 0.5 - self.peak_hour) / DAY_HOURS))
            for h in range(DAY_HOURS))

    def chunks(self, rng, horizon_ms):
        return _piecewise_poisson(rng, self._segments(_require_horizon(horizon_ms, self)))

    def _segments(self, horizon_ms):
        rates = self.hourly_rps()
        hour = 0
        while hour * HOUR_MS < horizon_ms:
            rate = rates[hour % DAY_HOURS]
            if self.day_factors:
                rate *= self.day_factors[hour // DAY_HOURS % len(self.day_factors)]
            yield hour * HOUR_MS, min((hour + 1) * HOUR_MS, horizon_ms), rate
            hour += 1


@dataclass(frozen=True)
class Trace:
    """A recorded list of arrival times in seconds (a burst is many equal times)."""

    times_s: tuple

    def __post_init__(self):
        times = tuple(sorted(float(t) for t in self.times_s))
        if times and times[0] < 0:
            raise ValueError("arrival times must not be negative")
        object.__setattr__(self, "times_s", times)

    @classmethod
    def burst(cls, requests, at_s=0.0):
        return cls((at_s,) * requests)

    def chunks(self, rng, horizon_ms):
        times = [t * 1000.0 for t in self.times_s]
        if horizon_ms is not None:
            times = times[:bisect_left(times, horizon_ms)]
        for first in range(0, len(times), CHUNK):
            yield times[first:first + CHUNK]


def _piecewise_poisson(rng, segments):
    """Arrival chunks of a Poisson process that is constant within each (start, end, rps)."""
    for start, end, rps in segments:
        if rps == 0 or start >= end:
            continue
        rate_per_ms = rps / 1000.0
        now = start
        while True:
            # Draw about as many gaps as the segment still needs, so switching segments
            # every hour of a month wastes few random numbers.
            wanted = min(CHUNK, int((end - now) * rate_per_ms * 1.25) + 16)
            # -ln(1 - U) as log1p(-U): single-argument C functions all the way, the
            # cheapest exact exponential in pure Python.
            uniforms = map(random.Random.random, repeat(rng, wanted))
            gaps = map(mul, map(math.log1p, map(neg, uniforms)), repeat(-1.0 / rate_per_ms))
            times = list(accumulate(gaps, initial=now))
            del times[0]
            if times[-1] < end:
                yield times
                now = times[-1]
                continue
            inside = bisect_left(times, end)
            if inside:
                yield times[:inside]
            break


def _check_rate(value, name, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
            or (value == 0 and not allow_zero) or not math.isfinite(value):
        raise ValueError(f"{name} must be a positive number of requests per second, not {value!r}")


def _require_horizon(horizon_ms, model):
    if horizon_ms is None:
        raise ValueError(f"{type(model).__name__} traffic never ends: give the simulation a duration_s")
    return horizon_ms
