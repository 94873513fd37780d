"""One set of invocations, billed through every path lambdakit prices invocations by: the
records' Bill, a runtime's RecordStore (with most records dropped), a simulated month's totals,
the billing dashboard's text, the invocation card's cost line, `%lambda bill`'s table, and power
tuning's cost per invocation. They must agree to the last digit, INIT and the free tier included
(lambda-facts §13, "INIT and the free tier, one rule everywhere").
"""

import re
from decimal import Decimal as D

import pytest

from lambdakit.cost.billing import Bill, invocation_cost, record_cost
from lambdakit.cost.pricing import ceil_ms, format_usd
from lambdakit.cost.tuning import power_tune
from lambdakit.notebook.widgets.billing import WhatIf, dashboard_text
from lambdakit.notebook.widgets.card import cost_line
from lambdakit.runtime.recordstore import RecordStore
from lambdakit.scale.sim import (Fixed, Poisson, Scenario, SimFunction, Workload, simulate,
                                 simulated_bill)

# An hour of two functions: a heavy x86_64 one (10,240 MB, 60 s, 900 ms INIT) that uses up the
# free tier's GB-seconds by itself, and a light arm64 one. Idle environments are reclaimed after
# 10 s, so both have many cold starts (and so INIT to bill).
SCENARIO = Scenario(
    [SimFunction("report", duration=Fixed(60_000.0), memory_mb=10_240, timeout_s=120, init_ms=900.0),
     SimFunction("edge", duration=Fixed(20.25), memory_mb=128, architecture="arm64", init_ms=80.0)],
    [Workload("report", Poisson(rps=0.2)), Workload("edge", Poisson(rps=0.5))],
    duration_s=3600, idle_reclaim_s=10)


@pytest.fixture(scope="module")
def run():
    return simulate(SCENARIO, seed=3, records=True)


def money(bill):
    """What must agree: totals and every component, list price and after the free tier."""
    return {free_tier: (bill.total(free_tier=free_tier), bill.components(free_tier=free_tier))
            for free_tier in (False, True)}


def observed_rows(text):
    """The dashboard's observed block: {component: (list price, after the free tier)}."""
    block = text.split("Observed:\n", 1)[1].split("\nMonth at the observed rate", 1)[0]
    rows = {}
    for line in block.splitlines():
        label, listed, free = re.fullmatch(r"  (.+?)\s+(-?\$[\d,.]+)\s+(-?\$[\d,.]+)", line).groups()
        rows[label] = (listed, free)
    return rows


def test_every_path_bills_the_same_invocations_the_same(run):
    records = run.records
    reference = Bill.from_records(records)
    truth = money(reference)
    # The scenario is what it says: INIT billed, both architectures, the free tier at work.
    assert truth[False][1].init > 0 and reference.gb_seconds("arm64") > 0
    assert 0 < truth[True][0] < truth[False][0]
    assert reference.gb_seconds() > 400_000

    # A runtime's RecordStore that kept 50 records of thousands: the same bill, from totals.
    store = RecordStore(kept=50)
    for record in records:
        store.append(record)
    assert store.dropped > 0
    assert money(store.bill()) == truth
    assert money(Bill.from_records(store)) == truth

    # The simulated month: the report's per-version totals, INIT itemised the same way.
    assert money(simulated_bill(SCENARIO, run.report)) == truth

    # The invocation card: each record's list price; they add up to the bill's list price.
    assert sum((record_cost(r).total for r in records), D(0)) == truth[False][0]
    assert sum((record_cost(r).init for r in records), D(0)) == truth[False][1].init
    cold = next(r for r in records if r.cold)
    assert f"INIT {format_usd(record_cost(cold).init, 10)}" in cost_line(cold)

    # The dashboard's observed block, to ten decimals, list price and after the free tier.
    rows = observed_rows(dashboard_text(records, WhatIf(1, 1.0, 128)))
    for free_tier, column in ((False, 0), (True, 1)):
        total, components = truth[free_tier]
        assert rows["total"][column] == format_usd(total, 10)
        assert rows["INIT"][column] == format_usd(components.init, 10)
        assert rows["duration"][column] == format_usd(components.duration, 10)

    # `%lambda bill`: the table's Total row, list price beside the free tier applied.
    total_row = next(line for line in reference.render().splitlines() if line.startswith("Total "))
    assert total_row.split()[1:] == [format_usd(truth[False][0], 8), format_usd(truth[True][0], 8)]


def test_power_tuning_prices_the_same_invocations_without_their_init(virtual):
    """Power tuning's cost per invocation is the list price of a warm invocation; its
    invocations' own bill is that, times their number, plus the INIT of the cold one."""
    virtual.create_function("work", "from lambdakit import work\n\ndef lambda_handler(event, context):\n"
                                    "    work(io_ms=250.25)\n", memory_size=256)
    tuning = power_tune("work", (512,), runtime=virtual, invocations=6)
    [size] = tuning.sizes
    bill = Bill.from_records(size.records)
    assert sum(r.cold for r in size.records) == 1 and bill.components().init > 0
    assert size.cost == invocation_cost(ceil_ms(size.avg_ms), 512).total
    assert size.cost * len(size.records) + bill.components().init == bill.total()
