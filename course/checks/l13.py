"""Checks for lesson 13, the capstone: a design for lambdakit.course.capstone's shop, defended.

Each check re-runs the design on a runtime of its own: it deploys the scenario's code with the
design's settings, measures it with orders drawn for this learner, simulates 30 days of the
scenario's traffic with a simulation seed of the learner's own, and judges what comes out
(latency, load, the bill). Nothing is read from the learner's code or text.
"""

import threading
from contextlib import contextmanager
from decimal import Decimal

from lambdakit.cost import billing
from lambdakit.cost.pricing import format_usd
from lambdakit.course import capstone
from lambdakit.course.capstone import MONTH_S, SCENARIO
from lambdakit.course.checking import CHECK_START, as_count, as_decimal, learner_random
from lambdakit.course.exercises import exercise, expect, fail
from lambdakit.runtime.service import Runtime
from lambdakit.esm.mapping import MAXIMUM_CONCURRENCY_MAX, MAXIMUM_CONCURRENCY_MIN
from lambdakit.scale.sim import Diurnal, Empirical, Scenario, SimFunction, Workload, simulate

SAMPLES = 200                      # orders the check measures each function with
MEMORY_GRID = (512, 1024, 1280, 1536, 1769, 2048, 3008)
GRID_SAMPLES = 100
WASTE = Decimal("1.15")            # a memory size may cost up to 15 % more than the cheapest that works
P99_TOLERANCE = Decimal("0.15")    # a measured p99 claim within 15 % of the check's month
BILL_TOLERANCE = Decimal("0.03")   # another seed's month costs within a few tenths of a per cent


@contextmanager
def _runtime():
    runtime = Runtime(clock="virtual", seed=0, start=CHECK_START)
    try:
        yield runtime
    finally:
        threading.Thread(target=runtime.close, daemon=True).start()


def _record(answer, name, keys):
    if not isinstance(answer, dict) or not set(keys) <= set(answer):
        fail(f"{name} should be a dict with the keys {', '.join(keys)}.")
    for key in keys:
        if answer[key] is Ellipsis:
            fail(f"{name}[{key!r}] is still `...`: decide it first.")


def _memory(value, name):
    memory = as_count(value, f"{name}['memory_mb']")
    expect(128 <= memory <= 10240, f"{memory} MB is not a memory size Lambda offers (128 to 10,240 MB).")
    return memory


def _api(api_design):
    _record(api_design, "api_design", ("memory_mb", "provisioned", "p99_ms"))
    memory = _memory(api_design["memory_mb"], "api_design")
    provisioned = as_count(api_design["provisioned"], "api_design['provisioned']")
    expect(provisioned >= 0, "provisioned concurrency cannot be negative.")
    return memory, provisioned


def api_month(memory, provisioned, rng):
    """The API at `memory` with `provisioned` environments: a month on this learner's orders and seed."""
    events, seed = capstone.orders(rng, SAMPLES), rng.randrange(10_000)
    with _runtime() as runtime:
        capstone.deploy_api(runtime, memory, provisioned)
        records = capstone.measure(runtime, "orders-api", events)
        return capstone.month(runtime, "orders-api", seed=seed), records


def _gb_s_per_request(records):
    return sum(Decimal(r.billed_ms) * r.memory_mb for r in records if not r.cold) / len(records) / 1024


def _cheapest_that_works(rng_state):
    """Per memory size of the grid that meets the p99 goal on warm requests: GB-s per request."""
    costs = {}
    for memory in MEMORY_GRID:
        events = capstone.orders(_rng(rng_state), GRID_SAMPLES)
        with _runtime() as runtime:
            capstone.deploy_api(runtime, memory)
            warm = [r for r in capstone.measure(runtime, "orders-api", events) if not r.cold]
        durations = sorted(r.duration_ms for r in warm)
        if durations[-(-len(durations) * 99 // 100) - 1] <= SCENARIO.api_p99_ms:
            costs[memory] = _gb_s_per_request(warm)
    return costs


def _rng(state):
    import random
    rng = random.Random()
    rng.setstate(state)
    return rng


@exercise("13.1")
def api_sized(api_design):
    memory, provisioned = _api(api_design)
    claimed = as_decimal(api_design["p99_ms"], "api_design['p99_ms']")
    rng = learner_random("13.1")
    state = rng.getstate()
    month, records = api_month(memory, provisioned, rng)
    fn = month.function()
    expect(fn.throttles == 0, f"{fn.throttles:,} requests were throttled in the month.")
    p99 = fn.latency.percentile(99)
    expect(p99 <= SCENARIO.api_p99_ms,
           f"at {memory} MB a simulated month answers 99 % of requests within {p99} ms: over the "
           f"{SCENARIO.api_p99_ms} ms goal.",
           "The handler's work is mostly CPU. What does memory change for CPU?")
    if provisioned:
        without, _ = api_month(memory, 0, _rng(state))
        cold = sum(v.cold_starts for v in without.report.versions)
        if without.function().latency.percentile(99) <= SCENARIO.api_p99_ms:
            cost = billing.provisioned_cost(provisioned, memory, MONTH_S).provisioned
            fail(f"provisioned concurrency buys nothing for this goal: without it {cold:,} of "
                 f"{without.function().requests:,} requests start cold and the p99 is met anyway, and "
                 f"{provisioned} environment(s) add {format_usd(cost)} a month, against a "
                 f"{format_usd(SCENARIO.budget)} budget.",
                 "Look at how many requests start cold in a month, and what share the p99 leaves out.")
    if abs(claimed - p99) > P99_TOLERANCE * p99:
        _wrong_p99(claimed, p99, memory)
    works = _cheapest_that_works(state)
    cheapest = min(works.values())
    mine = _gb_s_per_request([r for r in records if not r.cold])
    expect(mine <= WASTE * cheapest,
           f"{memory} MB meets the goal, but costs {mine / cheapest - 1:.0%} more per request than the "
           "cheapest memory size that also meets it.",
           "Measure a few memory sizes, not only the largest: cost is memory x duration.")
    return "the p99 goal met in a simulated month, at a memory size close to the cheapest that meets it"


@exercise("13.2")
def month_defended(api_design, worker_design, month_bill):
    memory, provisioned = _api(api_design)
    _record(worker_design, "worker_design", ("memory_mb", "invocation", "max_concurrency"))
    worker_memory = _memory(worker_design["memory_mb"], "worker_design")
    invocation = worker_design["invocation"]
    expect(invocation in ("sync", "async", "queue"),
           f"worker_design['invocation'] should be 'sync', 'async' or 'queue', not {invocation!r}.")
    claimed = as_decimal(month_bill, "month_bill")
    rng = learner_random("13.2")
    orders = capstone.orders(rng, SAMPLES)
    worker_seed = rng.randrange(10_000)
    if invocation == "sync":
        with _runtime() as runtime:
            capstone.deploy_worker(runtime, worker_memory)
            worker_records = capstone.measure(runtime, "orders-worker", [capstone.sqs_event(o) for o in orders])
        p99 = _api_waiting_for_invoices(memory, orders, worker_records, rng)
        fail(f"called synchronously, every order waits for its invoice: a simulated day of the API "
             f"then has a p99 of {p99:,} ms, against the {SCENARIO.api_p99_ms} ms goal.",
             "Does the customer need the invoice before the API answers?")
    cap = worker_design["max_concurrency"]
    if cap is None:
        fail("nothing caps the worker: at the sale's busiest hour it would open more connections than "
             f"the invoice store's {SCENARIO.invoice_connections}.",
             "Which setting limits how many copies of a function run at once?")
    cap = as_count(cap, "worker_design['max_concurrency']")
    expect(cap <= SCENARIO.invoice_connections,
           f"a cap of {cap} lets more workers run than the invoice store has connections.")
    expect(cap >= MAXIMUM_CONCURRENCY_MIN,
           f"an event source mapping's MaximumConcurrency is {MAXIMUM_CONCURRENCY_MIN} to {MAXIMUM_CONCURRENCY_MAX:,}, not {cap}.")
    with _runtime() as runtime:
        capstone.deploy_worker(runtime, worker_memory)
        capstone.measure(runtime, "orders-worker", [capstone.sqs_event(o) for o in orders])
        worker = capstone.month(runtime, "orders-worker", seed=worker_seed, max_concurrency=cap)
    load = capstone.busiest_hour_load(worker, cap)
    expect(load <= SCENARIO.busiest_hour_load,
           f"at {worker_memory} MB with {cap} worker(s), the month's busiest hour keeps them {load:.0%} busy: "
           f"more than {SCENARIO.busiest_hour_load:.0%}, so the queue grows.",
           "Which hour of the month is the busiest? Simulate the whole month, not one day.")
    api, _ = api_month(memory, provisioned, rng)
    total = api.bill.total() + worker.bill.total()
    expect(total <= SCENARIO.budget,
           f"the month costs {format_usd(total)}: over the {format_usd(SCENARIO.budget)} budget.",
           "Which line of the bill is the largest? Is it buying something the goals ask for?")
    if abs(claimed - total) > BILL_TOLERANCE * total:
        _wrong_bill(claimed, total, (api.bill, worker.bill))
    return "within the budget, the invoice store protected, the bill matching a re-simulated month"


def _near(value, target):
    return target and abs(value - target) <= BILL_TOLERANCE * abs(target)


def _wrong_p99(claimed, p99, memory):
    """Say which slip the claimed p99 looks like, never the month's value itself."""
    if _near(claimed * 1000, p99):
        fail("your p99 looks like seconds: the design record wants milliseconds.")
    side = "lower" if claimed < p99 else "higher"
    fail(f"your p99 ({claimed} ms) is {side} than a simulated month at {memory} MB shows.",
         "Simulate the month at the memory size you chose and read the p99 from its report "
         "(all requests, cold starts included), not one day's or the median.")


def _wrong_bill(claimed, total, bills):
    """Say which slip the claimed bill looks like, never the month's total itself."""
    if _near(claimed / 100, total):
        fail("your bill looks like cents: month_bill is in dollars.")
    if any(_near(claimed, bill.total()) for bill in bills):
        fail("your bill is one function's: the month's bill has both.")
    if _near(claimed, sum(bill.total(free_tier=True) for bill in bills)):
        fail("your bill takes the free tier off; the budget is the list price.")
    if claimed > total:
        fail(f"your bill ({format_usd(claimed)}) is higher than a simulated month of this design.",
             "Did one day stand for the month? This month has quiet weekends and a sale day.")
    fail(f"your bill ({format_usd(claimed)}) is lower than a simulated month of this design.",
         "Add both functions' bills for the whole simulated month: list price, INIT included.")


def _api_waiting_for_invoices(memory, orders, worker_records, rng):
    """The API's p99 over a day when each request also waits for the order's invoice."""
    with _runtime() as runtime:
        capstone.deploy_api(runtime, memory)
        api_records = capstone.measure(runtime, "orders-api", orders)
    together = Empirical(tuple(a.duration_ms + w.duration_ms for a, w in zip(api_records, worker_records)))
    day = Diurnal(SCENARIO.api_traffic.mean_rps, SCENARIO.api_traffic.swing, SCENARIO.api_traffic.peak_hour)
    fn = SimFunction("orders-api", duration=together, memory_mb=memory, timeout_s=10,
                     init_ms=api_records[0].init_ms)
    report = simulate(Scenario([fn], [Workload("orders-api", day)], duration_s=86_400),
                      seed=rng.randrange(10_000)).report
    return report.function("orders-api").latency.percentile(99)


@exercise("13.3")
def shipping_confirmation(long_step):
    _record(long_step, "long_step", ("choice", "invocations_per_order"))
    choice = long_step["choice"]
    expect(choice in capstone.LONG_STEP_CHOICES,
           f"long_step['choice'] should be one of {', '.join(capstone.LONG_STEP_CHOICES)}, not {choice!r}.")
    claimed = as_count(long_step["invocations_per_order"], "long_step['invocations_per_order']")
    rng = learner_random("13.3")
    confirmed_after_s = rng.randrange(3_600, SCENARIO.confirmation_days * 86_400)
    order = capstone.orders(rng, 1)[0]["order"]
    if choice in ("sync", "async"):
        error = _one_invocation(order, confirmed_after_s)
        fail(f"one invocation waiting for the warehouse ends in {error}: no invocation, "
             f"{'synchronous or not' if choice == 'async' else 'however it is called'}, runs past 15 minutes, "
             f"and this confirmation came after {confirmed_after_s / 3600:.1f} hours.",
             "Which services can wait for days without running (or billing) anything meanwhile?")
    invocations = _durable_invocations(order, confirmed_after_s) if choice == "durable" else 2
    expect(claimed == invocations,
           f"{claimed} Lambda invocation(s) per order is not what running it shows.",
           "Count the times Lambda runs the handler: at the start, and when something it waited for arrives."
           if choice == "durable" else "Which states of the workflow call a Lambda function?")
    return "a workflow that waits days for the warehouse, with its invocations counted"


def _one_invocation(order, confirmed_after_s):
    with _runtime() as runtime:
        runtime.create_function("confirm-shipping", capstone.CONFIRM_WAITING_CODE, timeout=900)
        result = runtime.invoke("confirm-shipping", {"order": order, "confirmed_after_s": confirmed_after_s})
    return (result.result or {}).get("errorType", "an error") if result.function_error else "success"


def _durable_invocations(order, confirmed_after_s):
    with _runtime() as runtime:
        runtime.create_function("confirm-shipping", capstone.CONFIRM_DURABLE_CODE, handler="lambda_function.handler",
                                runtime="python3.13", layers=[runtime.durable_sdk_layer()],
                                durable_config={"ExecutionTimeout": 30 * 86_400})
        arn = runtime.invoke("confirm-shipping:$LATEST", {"order": order},
                             invocation_type="Event").durable_execution_arn
        runtime.wait_durable_execution(arn)
        callback_id = next(e["CallbackStartedDetails"]["CallbackId"]
                           for e in runtime.get_durable_execution_history(arn)["Events"]
                           if e["EventType"] == "CallbackStarted")
        runtime.advance(seconds=confirmed_after_s)
        runtime.send_durable_execution_callback_success(callback_id, b'"shipped"')
        done = runtime.wait_durable_execution(arn)
        if done["Status"] != "SUCCEEDED":
            fail(f"the durable workflow ended {done['Status']}.")
        return len(runtime.durable_execution(arn).invocations)
