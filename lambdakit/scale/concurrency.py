"""AWS Lambda's concurrency accounting: may an execution start, from which pool, and if not, why.

Pure state with no clock, threads or processes: callers pass the time. The real-time
service calls it under its own lock; the simulator calls it from its event loop.

The rules (AWS Lambda Developer Guide: "Lambda function scaling", "Configuring reserved
concurrency", "Configuring provisioned concurrency", "Lambda scaling behavior"):

- The account has a concurrency limit (1,000 by default). Functions with reserved
  concurrency get exactly that much, no more and no less; the rest (the unreserved pool) is
  shared by every other function and may never be configured below 100.
- Provisioned concurrency belongs to a version or alias (never $LATEST). Requests to that
  qualifier use it first and spill over to on-demand concurrency. Provisioned concurrency
  counts against the function's reserved concurrency, or else against the unreserved pool.
- Each function may create 1,000 new execution environments every 10 seconds. AWS "makes a
  best attempt to refill your concurrency scaling rate continuously over time, rather than
  in one single refill of 1,000 units every 10 seconds", and unused rate does not accrue
  beyond 1,000 (docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html). `ScalingRate`
  models that as a bucket of 1,000 that refills at 100 environments a second.
"""

from collections import Counter
from dataclasses import dataclass

from ..core import limits
from ..core.config import check_int
from ..core.errors import InvalidParameterValueException, TooManyRequestsException

PROVISIONED = "provisioned"
RESERVED = "reserved"
UNRESERVED = "unreserved"

RESERVED_LIMIT_EXCEEDED = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT_EXCEEDED = "ConcurrentInvocationLimitExceeded"
THROTTLE_MESSAGE = "Rate Exceeded."

SCALING_WINDOW_MS = limits.SCALING_STEP_SECONDS * 1000.0
LATEST = "$LATEST"


@dataclass(frozen=True)
class Slot:
    """Permission for one execution; hand it back to `release` when the execution ends."""

    function: str
    qualifier: str | None
    pool: str                 # PROVISIONED, RESERVED or UNRESERVED
    new_environment: bool     # on-demand and no warm environment: the caller must create one


def throttle(reason):
    """The error a synchronous caller gets: HTTP 429 with AWS's message and Reason."""
    return TooManyRequestsException(THROTTLE_MESSAGE, Reason=reason)


class ScalingRate:
    """One function's allowance of new environments: 1,000, refilled continuously at
    1,000 per 10 seconds and never above 1,000.

    Kept in environment-milliseconds (an environment costs 10,000 of them and every
    millisecond adds 1,000) so that whole-millisecond times give exact counts.
    """

    COST = SCALING_WINDOW_MS
    FULL = limits.SCALING_STEP_ENVIRONMENTS * SCALING_WINDOW_MS

    def __init__(self):
        self._credit = self.FULL
        self._at_ms = None

    def take(self, at_ms):
        """Create one environment at `at_ms` if the allowance has one; True if it did."""
        if self._at_ms is not None:
            refill = (at_ms - self._at_ms) * limits.SCALING_STEP_ENVIRONMENTS
            self._credit = min(self.FULL, self._credit + refill)
        self._at_ms = at_ms
        if self._credit < self.COST:
            return False
        self._credit -= self.COST
        return True


class ConcurrencyAccount:
    """Concurrency of one account in one Region."""

    def __init__(self, account_limit=limits.ACCOUNT_CONCURRENCY_DEFAULT):
        if isinstance(account_limit, bool) or not isinstance(account_limit, int) or account_limit < 1:
            raise ValueError(f"account_limit must be a positive integer, not {account_limit!r}")
        self.account_limit = account_limit
        self._reserved = {}                  # function -> reserved concurrency
        self._provisioned = {}               # (function, qualifier) -> provisioned concurrency
        self._provisioned_total = Counter()  # function -> sum over its qualifiers
        self._busy_provisioned = Counter()   # (function, qualifier) -> executions running
        self._busy_on_demand = Counter()     # function -> on-demand executions running
        self._busy_unreserved = 0            # on-demand executions of unreserved functions
        self._scaling = {}                   # function -> its ScalingRate
        self._pool_capacity = account_limit  # on-demand capacity of the unreserved pool

    # -- configuration -------------------------------------------------------------------

    @property
    def minimum_unreserved(self):
        # Accounts whose limit is under 100 report their whole limit as the minimum
        # ("... below its minimum value of [10]" on a 10-concurrency account).
        return min(limits.UNRESERVED_CONCURRENCY_MIN, self.account_limit)

    @property
    def unreserved_limit(self):
        """GetAccountSettings' UnreservedConcurrentExecutions."""
        return self.account_limit - sum(self._reserved.values())

    def reserved(self, function):
        return self._reserved.get(function)

    def provisioned(self, function, qualifier):
        return self._provisioned.get((function, qualifier), 0)

    def put_reserved(self, function, reserved):
        """PutFunctionConcurrency."""
        check_int(reserved, "reservedConcurrentExecutions", 0)
        if reserved < self._provisioned_total[function]:
            raise _provisioned_over_reserved()
        if self._headroom({**self._reserved, function: reserved}) < self.minimum_unreserved:
            raise self._below_minimum("ReservedConcurrentExecutions")
        self._reserved[function] = reserved
        self._pool_capacity = self._headroom()

    def delete_reserved(self, function):
        """DeleteFunctionConcurrency."""
        self._reserved.pop(function, None)
        self._pool_capacity = self._headroom()

    def put_provisioned(self, function, qualifier, provisioned):
        """PutProvisionedConcurrencyConfig on a version or alias."""
        check_int(provisioned, "provisionedConcurrentExecutions", 1)
        if qualifier in (None, LATEST):
            raise InvalidParameterValueException(
                "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
        total = self._provisioned_total[function] - self.provisioned(function, qualifier) + provisioned
        reserved = self._reserved.get(function)
        if reserved is not None and total > reserved:
            raise _provisioned_over_reserved()
        if reserved is None and self._headroom(self._reserved, function, total) < self.minimum_unreserved:
            raise self._below_minimum("ConcurrentExecutions")
        self._provisioned[(function, qualifier)] = provisioned
        self._provisioned_total[function] = total
        self._pool_capacity = self._headroom()

    def delete_provisioned(self, function, qualifier):
        """DeleteProvisionedConcurrencyConfig."""
        self._provisioned_total[function] -= self._provisioned.pop((function, qualifier), 0)
        self._pool_capacity = self._headroom()

    def remove_function(self, function):
        """DeleteFunction: its reservations go back to the account."""
        self._reserved.pop(function, None)
        for key in [key for key in self._provisioned if key[0] == function]:
            del self._provisioned[key]
        self._provisioned_total.pop(function, None)
        self._scaling.pop(function, None)
        self._pool_capacity = self._headroom()

    def _below_minimum(self, setting):
        return InvalidParameterValueException(
            f"Specified {setting} for function decreases account's UnreservedConcurrentExecution "
            f"below its minimum value of [{self.minimum_unreserved}].")

    def _headroom(self, reserved=None, function=None, provisioned_total=None):
        """On-demand concurrency the unreserved pool would have under these reservations."""
        reserved = self._reserved if reserved is None else reserved
        totals = dict(self._provisioned_total)
        if function is not None:
            totals[function] = provisioned_total
        pooled = sum(n for fn, n in totals.items() if fn not in reserved)
        return self.account_limit - sum(reserved.values()) - pooled

    def on_demand_capacity(self, function):
        """How many on-demand executions the function could run if it were alone."""
        reserved = self._reserved.get(function)
        if reserved is not None:
            return reserved - self._provisioned_total[function]
        return self._pool_capacity

    # -- executions ----------------------------------------------------------------------

    def in_flight(self, function=None):
        if function is None:
            return sum(self._busy_on_demand.values()) + sum(self._busy_provisioned.values())
        return self._busy_on_demand[function] + sum(
            n for (fn, _), n in self._busy_provisioned.items() if fn == function)

    def acquire(self, function, at_ms, qualifier=None, warm_environment=False, provisioned_environment=True):
        """Admit one execution of `function` invoked as `qualifier`, or raise the 429.

        Provisioned concurrency configured on that very qualifier (the version or alias
        the caller named) serves first. `warm_environment` says whether the caller has an
        idle, initialised on-demand environment for it; without one, serving on-demand
        creates an environment, which the scaling rate limits. `provisioned_environment`
        False says the caller has no idle provisioned environment for the version the
        request was routed to (one is still initialising, or a weighted alias's share for
        that version is busy), so the request goes on-demand.
        """
        key = (function, qualifier)
        if provisioned_environment and self._busy_provisioned[key] < self._provisioned.get(key, 0):
            self._busy_provisioned[key] += 1
            return Slot(function, qualifier, PROVISIONED, new_environment=False)
        reserved = self._reserved.get(function)
        if reserved is not None:
            if self._busy_on_demand[function] >= reserved - self._provisioned_total[function]:
                raise throttle(RESERVED_LIMIT_EXCEEDED)
            pool = RESERVED
        else:
            if self._busy_unreserved >= self._pool_capacity:
                raise throttle(ACCOUNT_LIMIT_EXCEEDED)
            pool = UNRESERVED
        if not warm_environment:
            self._record_creation(function, at_ms)
        self._busy_on_demand[function] += 1
        if pool == UNRESERVED:
            self._busy_unreserved += 1
        return Slot(function, qualifier, pool, new_environment=not warm_environment)

    def _record_creation(self, function, at_ms):
        # AWS names no separate reason for the scaling rate; the account-level one is what
        # a caller sees for "no more concurrency right now".
        if not self._scaling.setdefault(function, ScalingRate()).take(at_ms):
            raise throttle(ACCOUNT_LIMIT_EXCEEDED)

    def release(self, slot):
        if slot.pool == PROVISIONED:
            self._busy_provisioned[(slot.function, slot.qualifier)] -= 1
            return
        self._busy_on_demand[slot.function] -= 1
        if slot.pool == UNRESERVED:
            self._busy_unreserved -= 1


def _provisioned_over_reserved():
    # AWS's text for PutProvisionedConcurrencyConfig; PutFunctionConcurrency breaking the
    # same rule gets the same words here, as AWS's own are not documented.
    return InvalidParameterValueException(
        "Requested Provisioned Concurrency should not be greater than the "
        "reservedConcurrentExecution for function")
