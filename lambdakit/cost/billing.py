"""Monthly bills over invocation records, priced the way AWS prices an account's month.

A ``Bill`` streams records: it keeps usage counters (whole MB x ms, so they stay exact),
never the records, and prices them when asked. The rules it applies:

- Throttled requests are not billed: Lambda counts a request when it starts executing.
- The free tier (1M requests and 400,000 GB-s a month) is an option of every money view.
  It is one allowance for x86_64 and arm64 together; AWS does not say how it is split, so
  lambdakit spends it on x86_64 first, the dearer rate. Functions with provisioned
  concurrency get none of it: a function is excluded as soon as the bill sees one of its
  provisioned environments or a record served by one.
- Volume tiers apply per architecture to the month's on-demand GB-s left after the free
  tier. Provisioned concurrency, the duration it serves and ephemeral storage have flat
  rates and no free tier.
- ``by_function`` and ``by_version`` are list prices (first tier, no free tier): AWS applies
  the free tier and the tiers to the account, not to functions. The gap between their sum
  and the account total is ``volume_discount()`` plus ``free_tier_credit()``.
- INIT is part of duration; ``Charges.init`` is what INIT adds, i.e. the bill minus the
  same bill with INIT free (as before 1 Aug 2025).
"""

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from types import MappingProxyType

from ..core import limits
from .pricing import (MS_PER_S, US_EAST_1, Charges, billed_duration_ms, ceil_ms, duration_charge,
                      exact, format_usd, mb_ms_to_gb_seconds, provisioned_seconds, request_charge,
                      to_cents, to_cents_up, to_decimal)
from ..core.records import THROTTLED


def init_billed_ms(record):
    """The billed milliseconds INIT added to a record: billed_ms minus the handler alone."""
    return max(record.billed_ms - billed_duration_ms(record.duration_ms, bill_init=False), 0)


@dataclass
class _Usage:
    requests: int = 0
    mb_ms: int = 0               # on-demand duration, INIT included
    init_mb_ms: int = 0          # the part of mb_ms that INIT added
    provisioned_mb_ms: int = 0   # duration served by provisioned environments
    configured_mb_ms: int = 0    # provisioned environments x MB x billed time
    storage_mb_ms: int = 0       # /tmp above the free 512 MB x billed ms

    def add(self, other):
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass(frozen=True)
class Line:
    """One line of the account's bill, as AWS itemises it: a usage type and its charge."""
    name: str
    usage: Decimal
    unit: str
    amount: Decimal


class Bill:
    """A month of Lambda usage for one account and Region; add records, then read money."""

    def __init__(self, prices=US_EAST_1):
        self.prices = prices
        self._usage = {}  # (function, version, architecture) -> _Usage
        self._provisioned_functions = set()

    @classmethod
    def from_records(cls, records, prices=US_EAST_1):
        if getattr(records, "dropped", 0):  # a runtime's RecordStore that let old records go
            return records.bill(prices)      # keeps their usage: the bill stays exact
        return cls(prices).add_all(records)

    def repriced(self, prices, function=None):
        """A copy of this bill's usage (of one function, if named) priced with ``prices``."""
        bill = Bill(prices)
        for key, usage in self._usage.items():
            if function in (None, key[0]):
                bill._entry(*key).add(usage)
        bill._provisioned_functions = {f for f in self._provisioned_functions if function in (None, f)}
        return bill

    def add_all(self, records):
        for record in records:
            self.add(record)
        return self

    def add(self, record):
        """Count one InvocationRecord (one attempt); throttled attempts cost nothing."""
        if record.outcome == THROTTLED:
            return self
        return self.add_usage(record.function, record.version, invocations=1,
                              billed_ms=record.billed_ms, memory_mb=record.memory_mb,
                              architecture=record.architecture, init_ms=init_billed_ms(record),
                              ephemeral_storage_mb=record.ephemeral_storage_mb,
                              provisioned=record.provisioned)

    def add_usage(self, function, version, *, invocations, billed_ms, memory_mb,
                  architecture=limits.DEFAULT_ARCHITECTURE, init_ms=0,
                  ephemeral_storage_mb=limits.EPHEMERAL_DEFAULT_MB, provisioned=False):
        """Count ``invocations`` alike invocations of ``billed_ms`` each, ``init_ms`` of it INIT."""
        if not isinstance(billed_ms, int) or not isinstance(init_ms, int):
            raise TypeError("billed_ms and init_ms are whole milliseconds; "
                            "round with pricing.billed_duration_ms first.")
        usage = self._entry(function, version, architecture)
        usage.requests += invocations
        mb_ms = invocations * billed_ms * memory_mb
        if provisioned:
            usage.provisioned_mb_ms += mb_ms
            self._provisioned_functions.add(function)
        else:
            usage.mb_ms += mb_ms
            usage.init_mb_ms += invocations * init_ms * memory_mb
        extra_mb = max(ephemeral_storage_mb - int(self.prices.free_ephemeral_mb.value), 0)
        usage.storage_mb_ms += invocations * billed_ms * extra_mb
        return self

    def add_totals(self, function, version, *, requests, billed_ms, memory_mb,
                   architecture=limits.DEFAULT_ARCHITECTURE, init_billed_ms=0, provisioned_billed_ms=0):
        """Count usage already summed over many invocations (a simulation's totals): ``requests``
        invocations that ran, ``billed_ms`` of on-demand duration (``init_billed_ms`` of it INIT)
        and ``provisioned_billed_ms`` served by provisioned environments, all at ``memory_mb``."""
        if not all(isinstance(n, int) for n in (requests, billed_ms, init_billed_ms, provisioned_billed_ms)):
            raise TypeError("requests and billed milliseconds are whole numbers")
        usage = self._entry(function, version, architecture)
        usage.requests += requests
        usage.mb_ms += billed_ms * memory_mb
        usage.init_mb_ms += init_billed_ms * memory_mb
        usage.provisioned_mb_ms += provisioned_billed_ms * memory_mb
        if provisioned_billed_ms:
            self._provisioned_functions.add(function)
        return self

    def add_provisioned(self, function, version, *, environments, memory_mb, seconds,
                        architecture=limits.DEFAULT_ARCHITECTURE):
        """Count provisioned concurrency configured on a version or alias for ``seconds``."""
        usage = self._entry(function, version, architecture)
        billed_s = int(provisioned_seconds(seconds, self.prices))
        usage.configured_mb_ms += environments * memory_mb * billed_s * MS_PER_S
        self._provisioned_functions.add(function)
        return self

    def _entry(self, function, version, architecture):
        self.prices.architecture(architecture)  # reject unknown architectures before counting
        return self._usage.setdefault((function, version, architecture), _Usage())

    def scaled(self, factor):
        """A bill with every usage counter times ``factor``, rounded half-up to whole requests
        and MB-ms: the same traffic mix at another volume (e.g. a month at an observed rate)."""
        factor = to_decimal(factor)
        if factor < 0:
            raise ValueError(f"a bill cannot be scaled by a negative factor ({factor})")
        bill = Bill(self.prices)
        bill._provisioned_functions = set(self._provisioned_functions)
        with localcontext(Context(prec=60)):
            for key, usage in self._usage.items():
                bill._usage[key] = _Usage(*(int((Decimal(getattr(usage, f.name)) * factor)
                                                .to_integral_value(ROUND_HALF_UP))
                                            for f in fields(_Usage)))
        return bill

    @property
    def requests(self):
        return sum(usage.requests for usage in self._usage.values())

    @exact
    def gb_seconds(self, architecture=None):
        """Billed GB-s of all invocations (on-demand and provisioned), INIT included."""
        return sum((mb_ms_to_gb_seconds(usage.mb_ms + usage.provisioned_mb_ms)
                    for (_, _, arch), usage in self._usage.items()
                    if architecture in (None, arch)), Decimal(0))

    @exact
    def _list_charges(self, usage, architecture):
        arch = self.prices.architecture(architecture)

        def priced(mb_ms, rate):
            return mb_ms_to_gb_seconds(mb_ms) * rate.value

        first_tier = arch.duration[0].rate
        return Charges(
            requests=request_charge(usage.requests, self.prices),
            duration=priced(usage.mb_ms - usage.init_mb_ms, first_tier),
            init=priced(usage.init_mb_ms, first_tier),
            provisioned=priced(usage.configured_mb_ms, arch.provisioned_concurrency),
            provisioned_duration=priced(usage.provisioned_mb_ms, arch.provisioned_duration),
            ephemeral=priced(usage.storage_mb_ms, arch.ephemeral_storage),
        )

    def by_version(self):
        """List price per (function, version), sorted."""
        totals = {}
        for (function, version, arch), usage in sorted(self._usage.items()):
            key = (function, version)
            totals[key] = totals.get(key, Charges()) + self._list_charges(usage, arch)
        return MappingProxyType(totals)

    def by_function(self):
        """List price per function, sorted."""
        totals = {}
        for (function, _), charges in self.by_version().items():
            totals[function] = totals.get(function, Charges()) + charges
        return MappingProxyType(totals)

    def _per_architecture(self):
        merged = {arch: _Usage() for arch in limits.ARCHITECTURES}
        for (_, _, arch), usage in self._usage.items():
            merged[arch].add(usage)
        return merged

    def _free_tier_eligible(self, architecture=None):
        eligible = _Usage()
        for (function, _, arch), usage in self._usage.items():
            if function not in self._provisioned_functions and architecture in (None, arch):
                eligible.add(usage)
        return eligible

    @exact
    def _request_amount(self, free_tier):
        free = min(self._free_tier_eligible().requests, int(self.prices.free_requests.value)) \
            if free_tier else 0
        return request_charge(self.requests - free, self.prices)

    @exact
    def _duration_amounts(self, free_tier, include_init=True):
        """On-demand duration charge per architecture, after the free tier and the tiers."""
        free_left = self.prices.free_gb_seconds.value if free_tier else Decimal(0)
        amounts = {}
        for arch, usage in self._per_architecture().items():
            eligible = self._free_tier_eligible(arch)
            gb_s = mb_ms_to_gb_seconds(usage.mb_ms - (0 if include_init else usage.init_mb_ms))
            free = min(free_left, mb_ms_to_gb_seconds(
                eligible.mb_ms - (0 if include_init else eligible.init_mb_ms)))
            free_left -= free
            amounts[arch] = duration_charge(gb_s - free, arch, self.prices)
        return amounts

    @exact
    def _init_amounts(self, free_tier):
        """Per architecture, what INIT adds: the duration charge minus the same with INIT free."""
        without_init = self._duration_amounts(free_tier, include_init=False)
        return {arch: amount - without_init[arch]
                for arch, amount in self._duration_amounts(free_tier).items()}

    @exact
    def lines(self, *, free_tier=False):
        """The account's bill as AWS itemises it: requests, then per architecture each charge."""
        result = [Line("Requests", Decimal(self.requests), "requests", self._request_amount(free_tier))]
        durations = self._duration_amounts(free_tier)
        for arch, usage in self._per_architecture().items():
            charges = self._list_charges(usage, arch)
            candidates = (
                (f"Duration {arch}", usage.mb_ms, durations[arch]),
                (f"Provisioned concurrency {arch}", usage.configured_mb_ms, charges.provisioned),
                (f"Provisioned duration {arch}", usage.provisioned_mb_ms, charges.provisioned_duration),
                (f"Ephemeral storage {arch}", usage.storage_mb_ms, charges.ephemeral),
            )
            result += [Line(name, mb_ms_to_gb_seconds(mb_ms), "GB-s", amount)
                       for name, mb_ms, amount in candidates if mb_ms]
        return tuple(result)

    @exact
    def components(self, *, free_tier=False):
        """Account total by component (requests, duration, INIT, provisioned, ephemeral)."""
        listed = sum((self._list_charges(usage, arch)
                      for arch, usage in self._per_architecture().items()), Charges())
        without_init = sum(self._duration_amounts(free_tier, include_init=False).values(), Decimal(0))
        return Charges(requests=self._request_amount(free_tier), duration=without_init,
                       init=sum(self._init_amounts(free_tier).values(), Decimal(0)),
                       provisioned=listed.provisioned,
                       provisioned_duration=listed.provisioned_duration, ephemeral=listed.ephemeral)

    @exact
    def total(self, *, free_tier=False):
        """Exact total for the month; round it for display with ``cents``."""
        return sum((line.amount for line in self.lines(free_tier=free_tier)), Decimal(0))

    def cents(self, *, free_tier=False, per_line=False):
        """Total in cents: the exact total rounded half-up, or (``per_line``) each line
        rounded up and then added. For the pricing page's 512 MB example these give $18.73
        and the page's $18.74; the page gets there with a unit price rounded to $0.00001667,
        so the two methods agree with it only where that rounding pushes each part up."""
        if per_line:
            return sum((to_cents_up(line.amount) for line in self.lines(free_tier=free_tier)), Decimal(0))
        return to_cents(self.total(free_tier=free_tier))

    @exact
    def volume_discount(self):
        """What the volume tiers take off the list price (no free tier)."""
        listed = sum((charges.total for charges in self.by_version().values()), Decimal(0))
        return listed - self.total()

    @exact
    def free_tier_credit(self):
        """What the free tier takes off the month's total."""
        return self.total() - self.total(free_tier=True)

    def render(self, places=8):
        """The bill as stable text (fixed decimals), list price next to free tier applied."""
        def row(label, listed, free, places=places):
            return f"{label:<60}{format_usd(listed, places):>17}{format_usd(free, places):>17}"

        out = [f"Lambda bill, {self.prices.region}, prices checked {self.prices.request.checked}",
               f"{'':<60}{'list price':>17}{'free tier':>17}"]
        init = {free_tier: self._init_amounts(free_tier) for free_tier in (False, True)}
        for listed, free in zip(self.lines(), self.lines(free_tier=True)):
            usage = f"{listed.usage:,.0f}" if listed.unit == "requests" else f"{listed.usage:,.3f}"
            out.append(row(f"{listed.name:<32}{usage:>19} {listed.unit:<8}", listed.amount, free.amount))
            if listed.name.startswith("Duration "):
                arch = listed.name.removeprefix("Duration ")
                out.append(row("  of which INIT (billed since 1 Aug 2025)", init[False][arch],
                               init[True][arch]))
        out += [
            row("Total", self.total(), self.total(free_tier=True)),
            row("Total in cents, rounded half-up", self.cents(), self.cents(free_tier=True), 2),
            row("Total in cents, each line rounded up (AWS pricing page)",
                self.cents(per_line=True), self.cents(free_tier=True, per_line=True), 2),
            "By version, list price (the free tier and volume tiers apply to the account):",
        ]
        out += [f"  {function:<32}{version:<26}{format_usd(charges.total, places):>17}"
                for (function, version), charges in self.by_version().items()]
        out += [f"  {'Volume tier discount':<58}{format_usd(-self.volume_discount(), places):>17}",
                f"  {'Free tier credit':<58}{format_usd(-self.free_tier_credit(), places):>17}"]
        return "\n".join(out)


MONTH_S = 30 * 24 * 3600  # the 30-day month (2,592,000 s) projections use


def observed_span_ms(records):
    """Clock time the records cover: first arrival to last end (0 for no records)."""
    if not records:
        return 0.0
    return max(r.end_ms for r in records) - min(r.start_ms for r in records)


@dataclass(frozen=True)
class Projection:
    """The observed bill spread over a month at the observed rate (a ``Bill.scaled``)."""
    observed: Bill
    span_ms: float
    factor: Decimal
    month: Bill


def project_month(records, prices=US_EAST_1, month_s=MONTH_S):
    """Bill ``records``, then project them to a ``month_s`` month at the rate they arrived.

    The rate is the number of records over ``observed_span_ms``; every usage counter is
    multiplied by month / span. Returns None when the records span no time.
    Provisioned concurrency configured over time is not in records, so not projected.
    """
    records = list(records)
    span_ms = observed_span_ms(records)
    if span_ms <= 0:
        return None
    observed = Bill.from_records(records, prices)
    with localcontext(Context(prec=28)):
        factor = Decimal(month_s * MS_PER_S) / to_decimal(span_ms)
    return Projection(observed, span_ms, factor, observed.scaled(factor))


_WHAT_IF = ("what-if", "$LATEST")  # function and version of the hypothetical usage below


def monthly_bill(invocations, duration_ms, memory_mb, architecture=limits.DEFAULT_ARCHITECTURE, *,
                 ephemeral_storage_mb=limits.EPHEMERAL_DEFAULT_MB, prices=US_EAST_1):
    """What-if: a month of ``invocations`` alike on-demand invocations of ``duration_ms`` each
    (rounded up per invocation) at ``memory_mb`` and ``architecture``."""
    return Bill(prices).add_usage(*_WHAT_IF, invocations=invocations,
                                  billed_ms=ceil_ms(duration_ms), memory_mb=memory_mb,
                                  architecture=architecture,
                                  ephemeral_storage_mb=ephemeral_storage_mb)


def monthly_cost(invocations, duration_ms, memory_mb, architecture=limits.DEFAULT_ARCHITECTURE, *,
                 free_tier=False, ephemeral_storage_mb=limits.EPHEMERAL_DEFAULT_MB, prices=US_EAST_1):
    """Exact monthly total of ``monthly_bill``; list price unless ``free_tier``."""
    return monthly_bill(invocations, duration_ms, memory_mb, architecture,
                        ephemeral_storage_mb=ephemeral_storage_mb, prices=prices).total(free_tier=free_tier)


def invocation_cost(billed_ms, memory_mb, *, architecture=limits.DEFAULT_ARCHITECTURE,
                    ephemeral_storage_mb=limits.EPHEMERAL_DEFAULT_MB, init_ms=0,
                    provisioned=False, prices=US_EAST_1):
    """List price of one invocation: its request, its duration (INIT apart) and its extra /tmp.

    ``billed_ms`` is the whole billed duration and ``init_ms`` the part of it INIT added.
    One invocation never leaves the first volume tier. Served by a provisioned environment,
    it pays the provisioned-duration rate; the environment itself is ``provisioned_cost``.
    """
    return Bill(prices).add_usage(*_WHAT_IF, invocations=1, billed_ms=billed_ms,
                                  memory_mb=memory_mb, architecture=architecture,
                                  init_ms=init_ms, ephemeral_storage_mb=ephemeral_storage_mb,
                                  provisioned=provisioned).components()


def record_cost(record, prices=US_EAST_1):
    """List price of one InvocationRecord (see ``invocation_cost``); throttled ones cost 0."""
    return Bill.from_records([record], prices).components()


def provisioned_cost(environments, memory_mb, seconds, *, invocations=0, duration_ms=0,
                     architecture=limits.DEFAULT_ARCHITECTURE, prices=US_EAST_1):
    """Provisioned concurrency: K environments x memory x time configured, plus what they serve.

    ``seconds`` is rounded up to 5-minute periods. ``invocations`` of ``duration_ms`` each
    (rounded up per invocation) pay requests and the provisioned-duration rate. There is no
    free tier for functions with provisioned concurrency.
    """
    bill = Bill(prices).add_provisioned(*_WHAT_IF, environments=environments, memory_mb=memory_mb,
                                        seconds=seconds, architecture=architecture)
    bill.add_usage(*_WHAT_IF, invocations=invocations, billed_ms=ceil_ms(duration_ms),
                   memory_mb=memory_mb, architecture=architecture, provisioned=True)
    return bill.components()
