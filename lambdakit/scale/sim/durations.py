"""Duration models: how long the handler runs (the INVOKE phase), in milliseconds.

Every model is a tuple of equally likely durations in ascending order, its *atoms*. A
measured sample is its own atoms; a continuous distribution is represented by `quantiles`
of its quantile points (the midpoints of equal-probability slices). An invocation draws a
16-bit random number, one of 65,536 equally likely *slots*, and slot s gives atom
floor(s * atoms / 65,536): so every atom's chance is within 1/65,536 of its share, a
sample longer than 65,536 is thinned to evenly spaced quantiles, and a draw costs no
floating-point arithmetic. That keeps every run identical on every machine and lets the
fast path count invocations per atom instead of per invocation.
"""

import math
from dataclasses import dataclass
from statistics import NormalDist

QUANTILES = 1000
SLOTS = 1 << 16


def slot_atoms(count):
    """The atom index each of the 65,536 draw slots gives, for a model of `count` atoms."""
    return [slot * count >> 16 for slot in range(SLOTS)]


@dataclass(frozen=True)
class Fixed:
    ms: float

    def __post_init__(self):
        _check_ms(self.ms, "ms")

    def atoms(self):
        return (float(self.ms),)


@dataclass(frozen=True)
class Empirical:
    """Durations measured from real invocations; each is drawn with equal probability."""

    samples_ms: tuple

    def __post_init__(self):
        samples = tuple(float(ms) for ms in self.samples_ms)
        if not samples:
            raise ValueError("an empirical duration model needs at least one sample")
        for ms in samples:
            _check_ms(ms, "samples_ms")
        object.__setattr__(self, "samples_ms", samples)

    def atoms(self):
        return tuple(sorted(self.samples_ms))


@dataclass(frozen=True)
class Uniform:
    low_ms: float
    high_ms: float
    quantiles: int = QUANTILES

    def __post_init__(self):
        _check_ms(self.low_ms, "low_ms")
        if self.high_ms < self.low_ms:
            raise ValueError("high_ms must be at least low_ms")
        _check_quantiles(self.quantiles)

    def atoms(self):
        span = self.high_ms - self.low_ms
        return tuple(self.low_ms + span * p for p in _midpoints(self.quantiles))


@dataclass(frozen=True)
class LogNormal:
    """Log-normal durations: half the invocations are faster than `median_ms`.

    `sigma` is the standard deviation of ln(duration); 0.5 puts the 99th percentile at
    about 3.2 times the median, a common shape for request latencies.
    """

    median_ms: float
    sigma: float = 0.5
    quantiles: int = QUANTILES

    def __post_init__(self):
        _check_ms(self.median_ms, "median_ms")
        if self.median_ms == 0:
            raise ValueError("median_ms must be positive")
        if not self.sigma >= 0:
            raise ValueError("sigma must not be negative")
        _check_quantiles(self.quantiles)

    def atoms(self):
        if self.sigma == 0:
            return (float(self.median_ms),)
        normal = NormalDist(math.log(self.median_ms), self.sigma)
        return tuple(math.exp(normal.inv_cdf(p)) for p in _midpoints(self.quantiles))


def _midpoints(quantiles):
    return [(k + 0.5) / quantiles for k in range(quantiles)]


def _check_ms(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 \
            or not math.isfinite(value):
        raise ValueError(f"{name} must be a non-negative number of milliseconds, not {value!r}")


def _check_quantiles(quantiles):
    if isinstance(quantiles, bool) or not isinstance(quantiles, int) or quantiles < 1:
        raise ValueError("quantiles must be a positive integer")
