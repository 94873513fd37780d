"""Lesson 13's scenario, as data: the shop the learner designs for, its traffic, budget and
goals, and its three pieces of code. The lesson's cells and checks/l13.py both read it, and
both deploy, measure and simulate through the functions here, so what the learner sees and
what the grader re-runs are the same computation (the grader with its own runtime, events and
simulation seed).

A month is 30 days of the traffic shape simulated arrival by arrival (lambdakit.scale.sim),
never one day multiplied. The API and the worker are simulated apart: each is one workload on
the simulator's fast path, and together they stay far below the account's concurrency. The
worker's month runs with its cap, the event source mapping's MaximumConcurrency: what the cap
holds back waits in the queue (lambdakit.scale.sim.queues) and the report says how long.
"""

import random
from dataclasses import dataclass
from decimal import Decimal

from ..cost.pricing import format_usd
from ..runtime.simulation import scenario as runtime_scenario
from ..scale.sim import Diurnal, SqsSource, Workload, simulate, simulated_bill

MONTH_S = 30 * 24 * 3600
LIVE = "live"       # the alias the API is invoked through (provisioned concurrency needs one)
WORKER_TIMEOUT_S = 60
# AWS: set the queue's visibility timeout to at least six times the function's timeout.
VISIBILITY_TIMEOUT_S = 6 * WORKER_TIMEOUT_S

API_CODE = '''
import json
from lambdakit import work

work(cpu_ms=600)   # INIT: the SDK clients and the pricing rules load once per environment

def lambda_handler(event, context):
    items = event["items"]
    work(cpu_ms=20 + 15 * items, io_ms=30)   # price the basket (CPU), then one DynamoDB write
    return {"statusCode": 201, "body": json.dumps({"order": event["order"], "items": items})}
'''

WORKER_CODE = '''
import json
from lambdakit import work

work(cpu_ms=300)   # INIT: the PDF library loads

def lambda_handler(event, context):
    for record in event["Records"]:
        order = json.loads(record["body"])
        work(cpu_ms=150 + 60 * order["items"], io_ms=250)   # render the invoice, store and email it
    return {"batchItemFailures": []}
'''

# The shipping confirmation as one invocation: it waits for the warehouse inside the handler.
CONFIRM_WAITING_CODE = '''
import time

def lambda_handler(event, context):
    time.sleep(event["confirmed_after_s"])            # until the warehouse says it has shipped
    return {"order": event["order"], "captured": True}
'''

# The same as a durable function: the wait for the warehouse is a callback, no code runs meanwhile.
CONFIRM_DURABLE_CODE = '''
from aws_durable_execution_sdk_python import durable_execution

@durable_execution
def handler(event, context):
    context.step(lambda step_context: "pick list sent", name="notify-warehouse")
    shipped = context.create_callback(name="shipped").result()     # a person confirms, within days
    context.step(lambda step_context: "payment captured", name="capture-payment")
    return {"order": event["order"], "shipped": shipped, "captured": True}
'''

# The month's days: weekends at half the traffic, and one sale day (the 24th) with three times as much.
SALE_DAY = 23
DAY_FACTORS = tuple(3.0 if day == SALE_DAY else 0.5 if day % 7 in (5, 6) else 1.0 for day in range(30))

# The choices for the shipping confirmation, as the design record names them.
LONG_STEP_CHOICES = ("sync", "async", "durable", "step_functions")
# Basket sizes (items) and their weights: most orders are small, a few are large.
BASKET = ((1, 30), (2, 22), (3, 16), (4, 11), (5, 7), (6, 5), (8, 4), (10, 3), (12, 2))


@dataclass(frozen=True)
class Capstone:
    api_traffic: Diurnal            # requests per second to the orders API, by hour of the day
    worker_traffic: Diurnal         # invoices to render (one SQS message each)
    budget: Decimal                 # dollars a month, Lambda's bill (list price, no free tier)
    api_p99_ms: int                 # 99 % of API requests answered within this (INIT included)
    invoice_connections: int        # the invoice store accepts this many connections at once
    busiest_hour_load: float        # worker capacity busy in the busiest hour, at most
    confirmation_days: int          # the warehouse confirms shipping within this many days

    def text(self):
        api, worker = self.api_traffic, self.worker_traffic
        return "\n".join([
            f"orders-api     on a weekday {api.mean_rps} requests/s on average, {max(api.hourly_rps()):.2f}/s "
            f"at {api.peak_hour:g}:00, {min(api.hourly_rps()):.2f}/s at night; weekends x{min(api.day_factors)}; "
            f"the sale on day {SALE_DAY + 1} x{max(api.day_factors)}",
            f"orders-worker  one invoice per order from an SQS queue: on a weekday {worker.mean_rps}/s on "
            f"average, {max(worker.hourly_rps()):.2f}/s at {worker.peak_hour:g}:00; same weekly shape and sale",
            f"goal           p99 of the API at most {self.api_p99_ms} ms, cold starts included; no request throttled",
            f"downstream     the invoice store takes at most {self.invoice_connections} connections; "
            f"workers at most {self.busiest_hour_load:.0%} busy in the busiest hour",
            f"long step      the warehouse confirms shipping within {self.confirmation_days} days, "
            "then the payment is captured",
            f"budget         {format_usd(self.budget)} a month for Lambda (list price, no free tier)",
        ])


SCENARIO = Capstone(
    api_traffic=Diurnal(mean_rps=1, swing=0.8, peak_hour=13, day_factors=DAY_FACTORS),
    worker_traffic=Diurnal(mean_rps=0.2, swing=0.8, peak_hour=14, day_factors=DAY_FACTORS),
    budget=Decimal("20"), api_p99_ms=300, invoice_connections=2, busiest_hour_load=0.7,
    confirmation_days=3)


def orders(seed, count):
    """`count` order events, the same for the same seed (a number or a random.Random)."""
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    sizes, weights = zip(*BASKET)
    return [{"order": f"o-{rng.randrange(10**6):06d}", "items": items}
            for items in rng.choices(sizes, weights, k=count)]


def sqs_event(order):
    """An SQS batch of one message carrying `order`, as the worker's event source mapping sends it."""
    import json
    return {"Records": [{"messageId": f"m-{order['order']}", "body": json.dumps(order),
                         "eventSource": "aws:sqs"}]}


def deploy_api(runtime, memory_mb, provisioned=0):
    """orders-api at `memory_mb`, version 1 behind the alias `live`, with `provisioned` environments."""
    runtime.create_function("orders-api", API_CODE, memory_size=memory_mb, timeout=10)
    runtime.publish_version("orders-api")
    runtime.create_alias("orders-api", LIVE, "1")
    if provisioned:
        runtime.put_provisioned_concurrency_config("orders-api", LIVE, provisioned)


def deploy_worker(runtime, memory_mb):
    """orders-worker at `memory_mb`; its cap belongs to the event source mapping (`month`)."""
    runtime.create_function("orders-worker", WORKER_CODE, memory_size=memory_mb, timeout=WORKER_TIMEOUT_S)


def measure(runtime, name, events):
    """Invoke `name` with each event; the records, which the month's simulation then draws from."""
    qualifier = LIVE if name == "orders-api" else None
    return [runtime.invoke(name, event, qualifier=qualifier).record for event in events]


@dataclass(frozen=True)
class Month:
    scenario: object     # the sim.Scenario that was run
    report: object       # its sim.SimReport
    bill: object         # its cost.billing.Bill

    def function(self):
        return self.report.functions[0]

    def text(self):
        fn = self.function()
        versions = self.report.versions_of(fn.function)
        return "\n".join([self.report.text(),
                          f"  cold starts {sum(v.cold_starts for v in versions):,}; "
                          f"bill {format_usd(self.bill.total(), 2)} a month"])


def month(runtime, name, seed=0, max_concurrency=None):
    """30 days of the scenario's traffic to `name` as deployed on `runtime`, with the durations
    measured there (call `measure` first), and its bill. The worker's orders arrive on an SQS
    queue whose event source mapping runs at most `max_concurrency` invocations at once."""
    if name == "orders-api":
        workloads = {f"{name}:{LIVE}": SCENARIO.api_traffic}
    else:
        source = SqsSource(maximum_concurrency=max_concurrency, visibility_timeout_s=VISIBILITY_TIMEOUT_S)
        workloads = [Workload(name, SCENARIO.worker_traffic, source=source)]
    run = runtime_scenario(runtime, workloads, duration_s=MONTH_S, samples=1, bucket_s=3600.0)
    report = simulate(run, seed=seed).report
    return Month(run, report, simulated_bill(run, report))


def busiest_hour_load(month_result, max_concurrency):
    """How busy a capped worker is in the month's busiest hour: the work run that hour (messages
    x mean duration / 3,600 s) over the cap. Throttled invocations count too: their messages
    stay in the queue and run later. Near 100 %, the queue grows faster than it drains."""
    fn = month_result.function()
    version = month_result.report.versions_of(fn.function)[0]
    mean_s = version.billed_ms / version.invocations / 1000.0
    series = fn.concurrency
    busiest = max(ran + held for ran, held in zip(series.invocations, series.throttles))
    return busiest * mean_s / 3600.0 / max_concurrency
