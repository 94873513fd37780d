"""The Lambda bill of a simulated run: what `Bill` (lambdakit.cost.billing) makes of its totals.

Usage comes from the report's per-version totals (requests that ran, billed duration and the
part of it INIT added, the duration provisioned environments served). The provisioned
concurrency each function's scenario configures is billed for the scenario's duration (else
the whole run), as AWS bills it while configured. Throttled requests cost nothing.
"""

from ...cost.billing import Bill
from ...cost.pricing import US_EAST_1


def simulated_bill(scenario, report, prices=US_EAST_1):
    """A Bill for `report`, the result of simulating `scenario`."""
    bill = Bill(prices)
    for v in report.versions:
        bill.add_totals(v.function, v.version, requests=v.invocations, billed_ms=v.billed_ms,
                        memory_mb=v.memory_mb, architecture=v.architecture,
                        init_billed_ms=v.init_billed_ms, provisioned_billed_ms=v.provisioned_billed_ms)
    span_s = scenario.duration_s or report.end_ms / 1000.0
    for fn in scenario.functions:
        for qualifier, count in fn.provisioned:
            bill.add_provisioned(fn.name, fn.version_of(qualifier), environments=count,
                                 memory_mb=fn.memory_mb, seconds=span_s, architecture=fn.architecture)
    return bill
