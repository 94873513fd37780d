"""Lambda prices for us-east-1, as data, and the pure functions that turn usage into money.

Conventions every function here follows:

- Money is ``Decimal`` and exact. Each computation runs in a decimal context that raises
  ``decimal.Inexact`` rather than round, so no intermediate figure is ever silently rounded.
- Billed duration is per invocation, in whole milliseconds, rounded up
  (``billed_duration_ms``); 100 ms granularity ended in Dec 2020. GB = MB / 1024, so
  GB-s = billed ms x MB / 1,024,000, exactly.
- INIT: since 1 Aug 2025 AWS bills the INIT phase of on-demand ZIP functions on managed
  runtimes too (container images, custom runtimes and provisioned concurrency already paid
  for it). The runtime adds INIT to the handler duration *before* rounding up, so an
  ``InvocationRecord.billed_ms`` already contains INIT on the invocation after a cold start.
- Only displayed amounts are rounded, and only with ``to_cents`` (half-up, our rule for
  totals) or ``to_cents_up`` (ceiling). An older version of AWS's pricing page (from the
  100 ms billing days) priced 512 MB, 3M invocations of 1 s, free tier applied, at
  $18.34 + $0.40 = $18.74: it multiplied 1,100,000 GB-s by the unit price rounded to
  $0.00001667 ($18.337). With the exact $0.0000166667 the total is $18.73337 -> $18.73.
- "List" price means no free tier; the free tier is always an explicit option.

This module holds the price table and per-unit arithmetic; ``lambdakit.cost.billing`` adds
usage up into invocation costs and monthly bills.
"""

import math
from dataclasses import dataclass, fields
from decimal import (Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow,
                     ROUND_CEILING, ROUND_HALF_UP, localcontext)
from functools import wraps

from ..core import limits

CHECKED = "2026-11"

MB_PER_GB = 1024
MS_PER_S = 1000
_MB_MS_PER_GB_S = MB_PER_GB * MS_PER_S
CENT = Decimal("0.01")

# 60 digits hold any realistic month (20 B GB-s x a 10-decimal rate uses ~32); trapping
# Inexact turns "a number got rounded" into an error instead of a wrong bill.
_EXACT = Context(prec=60, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])


def exact(function):
    """Run ``function`` in the exact decimal context: it raises instead of rounding money."""
    @wraps(function)
    def in_exact_context(*args, **kwargs):
        with localcontext(_EXACT):
            return function(*args, **kwargs)
    return in_exact_context


@dataclass(frozen=True)
class Published:
    """A number AWS publishes, its unit, and when we last checked it against AWS."""
    value: Decimal
    unit: str
    checked: str = CHECKED


@dataclass(frozen=True)
class Tier:
    """A duration rate for monthly GB-s up to ``up_to`` (cumulative); None means no bound."""
    up_to: Published | None
    rate: Published


@dataclass(frozen=True)
class ArchitecturePrices:
    duration: tuple[Tier, ...]          # on-demand, tiered on the month's GB-s
    provisioned_concurrency: Published  # per GB-s configured, used or not
    provisioned_duration: Published     # per GB-s of invocations served by provisioned environments
    ephemeral_storage: Published        # per GB-s of /tmp configured above the free 512 MB


@dataclass(frozen=True)
class PriceTable:
    region: str
    source: str
    request: Published
    x86_64: ArchitecturePrices
    arm64: ArchitecturePrices
    # One monthly allowance for x86_64 and arm64 together; never for provisioned concurrency.
    free_requests: Published
    free_gb_seconds: Published
    free_ephemeral_mb: Published
    provisioned_increment_s: Published  # provisioned time is rounded up to 5 minutes

    def architecture(self, name):
        if name not in limits.ARCHITECTURES:
            raise ValueError(f"Unknown architecture {name!r}; expected one of {limits.ARCHITECTURES}.")
        return getattr(self, name)


def _usd(amount, unit):
    return Published(Decimal(amount), f"USD per {unit}")


def _gb_s(amount):
    return Published(Decimal(amount), "GB-s per month")


US_EAST_1 = PriceTable(
    region="us-east-1",
    source="aws.amazon.com/lambda/pricing/ and the AWS Price List API (service AWSLambda)",
    request=_usd("0.0000002", "request"),  # $0.20 per 1M requests
    x86_64=ArchitecturePrices(
        duration=(Tier(_gb_s("6000000000"), _usd("0.0000166667", "GB-s")),
                  Tier(_gb_s("15000000000"), _usd("0.0000150000", "GB-s")),
                  Tier(None, _usd("0.0000133334", "GB-s"))),
        provisioned_concurrency=_usd("0.0000041667", "GB-s"),
        provisioned_duration=_usd("0.0000097222", "GB-s"),
        ephemeral_storage=_usd("0.0000000309", "GB-s"),
    ),
    arm64=ArchitecturePrices(
        duration=(Tier(_gb_s("7500000000"), _usd("0.0000133334", "GB-s")),
                  Tier(_gb_s("18750000000"), _usd("0.0000120001", "GB-s")),
                  Tier(None, _usd("0.0000106667", "GB-s"))),
        # Price List usage types Lambda-Provisioned-Concurrency-ARM and
        # Lambda-Provisioned-GB-Second-ARM; about 20% below x86_64, like on-demand.
        provisioned_concurrency=_usd("0.0000033334", "GB-s"),
        provisioned_duration=_usd("0.0000077778", "GB-s"),
        ephemeral_storage=_usd("0.0000000309", "GB-s"),
    ),
    free_requests=Published(Decimal(1_000_000), "requests per month"),
    free_gb_seconds=Published(Decimal(400_000), "GB-s per month"),
    free_ephemeral_mb=Published(Decimal(limits.EPHEMERAL_DEFAULT_MB), "MB of /tmp"),
    provisioned_increment_s=Published(Decimal(300), "seconds"),
)


@dataclass(frozen=True)
class Charges:
    """Money by component. ``duration`` excludes INIT, ``init`` is what INIT adds to it."""
    requests: Decimal = Decimal(0)
    duration: Decimal = Decimal(0)
    init: Decimal = Decimal(0)
    provisioned: Decimal = Decimal(0)           # provisioned concurrency configured
    provisioned_duration: Decimal = Decimal(0)  # invocations served by it
    ephemeral: Decimal = Decimal(0)

    @property
    def total(self):
        return sum((getattr(self, f.name) for f in fields(self)), Decimal(0))

    def __add__(self, other):
        return Charges(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def to_decimal(number):
    """An exact Decimal for an int, str, Decimal or float.

    A float becomes the decimal it prints as (its repr), not its binary expansion:
    Decimal(0.9) + Decimal(0.1) is a hair above 1, which would bill an extra millisecond.
    """
    if isinstance(number, float):
        return Decimal(repr(number))
    return Decimal(number)


@exact
def ceil_ms(duration_ms):
    """Whole milliseconds, rounded up."""
    return math.ceil(to_decimal(duration_ms))


@exact
def billed_duration_ms(duration_ms, init_ms=0, *, bill_init=True):
    """Billed Duration for one invocation: handler time (plus INIT), rounded up to 1 ms.

    The sum is rounded once, not each part: AWS's REPORT lines show Init Duration
    1307.68 ms + Duration 1058.15 ms -> Billed Duration 2366 ms (rounding each gives 2367).
    ``bill_init=False`` reproduces billing before 1 Aug 2025 for on-demand ZIP functions.
    Provisioned environments run INIT before any request arrives, so their records carry
    ``init_ms=0`` and nothing is added here.

    An invocation that ran is billed at least 1 ms: a real one never takes 0 ms, but the
    virtual clock can report 0.0, and AWS never prints "Billed Duration: 0 ms".
    """
    return max(ceil_ms(to_decimal(duration_ms) + (to_decimal(init_ms) if bill_init else 0)), 1)


@exact
def gb(memory_mb):
    """Memory in GB as AWS bills it: MB / 1024 (128 MB is 0.125 GB, not 0.128)."""
    return Decimal(memory_mb) / MB_PER_GB


@exact
def gb_seconds(billed_ms, memory_mb):
    """GB-s for a billed duration at a memory size; exact."""
    return mb_ms_to_gb_seconds(Decimal(billed_ms) * Decimal(memory_mb))


@exact
def mb_ms_to_gb_seconds(mb_ms):
    """GB-s from MB x milliseconds, the unit usage is counted in; exact (1/1,024,000 terminates)."""
    return Decimal(mb_ms) / _MB_MS_PER_GB_S


@exact
def price_per_ms(memory_mb, architecture=limits.DEFAULT_ARCHITECTURE, prices=US_EAST_1):
    """On-demand price of one billed millisecond at a memory size (first volume tier)."""
    rate = prices.architecture(architecture).duration[0].rate.value
    return rate * gb(memory_mb) / MS_PER_S


@exact
def request_charge(requests, prices=US_EAST_1):
    return prices.request.value * requests


@exact
def duration_charge(gb_s, architecture=limits.DEFAULT_ARCHITECTURE, prices=US_EAST_1):
    """On-demand duration charge for one month's GB-s of one architecture, tiers applied.

    AWS applies the tiers to the month's aggregate on-demand duration per architecture,
    per Region and account: each GB-s is charged the rate of the tier it falls in.
    """
    remaining = Decimal(gb_s)
    charge = Decimal(0)
    floor = Decimal(0)
    for tier in prices.architecture(architecture).duration:
        in_tier = remaining if tier.up_to is None else min(remaining, tier.up_to.value - floor)
        charge += in_tier * tier.rate.value
        remaining -= in_tier
        if tier.up_to is not None:
            floor = tier.up_to.value
    return charge


@exact
def provisioned_seconds(seconds, prices=US_EAST_1):
    """Time provisioned concurrency is billed for: rounded up to whole 5-minute periods."""
    increment = prices.provisioned_increment_s.value
    periods, remainder = divmod(to_decimal(seconds), increment)
    return (periods + (1 if remainder else 0)) * increment


def to_cents(amount):
    """Round to cents, half-up: how lambdakit displays a total."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents_up(amount):
    """Round up to cents (ceiling)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_CEILING)


def format_usd(amount, places=2):
    """Fixed-decimal dollars, half-up, for stable text: format_usd(Decimal('-1.5')) == '-$1.50'."""
    rounded = Decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{'-' if rounded < 0 else ''}${abs(rounded):,.{places}f}"


def render_prices(prices=US_EAST_1):
    """The price table as stable text, one published number per line with its check date."""
    rows = [("Requests", prices.request)]
    for name in limits.ARCHITECTURES:
        arch = prices.architecture(name)
        floor = Decimal(0)
        for tier in arch.duration:
            if tier.up_to is None:
                rows.append((f"Duration {name}, over {floor:,} GB-s/month", tier.rate))
            else:
                rows.append((f"Duration {name}, up to {tier.up_to.value:,} GB-s/month", tier.rate))
                floor = tier.up_to.value
        rows += [(f"Provisioned concurrency {name}", arch.provisioned_concurrency),
                 (f"Provisioned duration {name}", arch.provisioned_duration),
                 (f"Ephemeral storage {name}", arch.ephemeral_storage)]
    rows += [("Free tier requests", prices.free_requests),
             ("Free tier duration", prices.free_gb_seconds),
             ("Free ephemeral storage", prices.free_ephemeral_mb),
             ("Provisioned time rounded up to", prices.provisioned_increment_s)]
    lines = [f"Lambda prices, {prices.region}, from {prices.source}"]
    lines += [f"{label:<52}{published.value:>16,f} {published.unit:<18} checked {published.checked}"
              for label, published in rows]
    return "\n".join(lines)
