"""Checks for lesson 13, the capstone."""

from decimal import Decimal

from lambdakit.cost import billing
from lambdakit.course.checking import as_decimal
from lambdakit.course.exercises import exercise, expect, fail
from lambdakit.cost.pricing import to_cents
from lambdakit.scale.sim import Diurnal, LogNormal, Scenario, SimFunction, Workload, simulate

MONTH_S = 30 * 24 * 3600
REST_PER_MILLION = Decimal("3.50")
HTTP_PER_MILLION = Decimal("1.00")


@exercise("13.1")
def scenario_2(answer):
    if not isinstance(answer, dict) or set(answer) != {"rest_api", "http_api"}:
        fail('scenario_2 should be {"rest_api": dollars, "http_api": dollars}.')
    rest, http = (to_cents(as_decimal(answer[k], k)) for k in ("rest_api", "http_api"))
    lam = billing.provisioned_cost(10, 512, MONTH_S, invocations=1_000_000, duration_ms=200).total
    truth_rest, truth_http = to_cents(lam + REST_PER_MILLION), to_cents(lam + HTTP_PER_MILLION)
    if rest in (Decimal("57.00"), Decimal("56.87"), Decimal("57.87")):
        fail("that keeps the guide's mistakes.",
             "REST APIs cost $3.50 per million, and provisioned-served duration is $0.0000097222 per GB-s.")
    expect(rest == truth_rest, f"behind a REST API it is not ${rest}.",
           "Four parts: the provisioned environments, the duration they serve (at the provisioned rate), "
           "the requests, and API Gateway.")
    expect(http == truth_http, f"behind an HTTP API it is not ${http}.", "Only the API Gateway price changes.")
    return f"${truth_rest} behind a REST API, ${truth_http} behind an HTTP API"


def checkout_cold_starts(provisioned):
    checkout = SimFunction("checkout", duration=LogNormal(median_ms=250), memory_mb=512, init_ms=900,
                           aliases={"live": "1"}, provisioned={"live": provisioned} if provisioned else {})
    traffic = Workload("checkout", Diurnal(mean_rps=4, swing=0.8, peak_hour=14), qualifier="live")
    report = simulate(Scenario([checkout], [traffic], duration_s=86_400), seed=7).report
    return report.function("checkout").latency_cold.total


@exercise("13.2")
def provisioned_for_no_cold_starts(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 2 or Ellipsis in answer:
        fail("provisioned_for_no_cold_starts should be a pair: (provisioned, monthly_cost).")
    provisioned = int(as_decimal(answer[0], "provisioned"))
    cost = to_cents(as_decimal(answer[1], "monthly_cost"))
    expect(provisioned >= 0, "provisioned concurrency cannot be negative.")
    cold = checkout_cold_starts(provisioned)
    expect(cold == 0, f"with {provisioned} there are still {cold} cold starts.",
           "Run checkout_day with increasing values and look at latency_cold.total.")
    if provisioned > 0:
        fewer = checkout_cold_starts(provisioned - 1)
        expect(fewer > 0, f"{provisioned} works, but {provisioned - 1} does too: find the smallest.")
    truth = to_cents(billing.provisioned_cost(provisioned, 512, MONTH_S).provisioned)
    expect(cost == truth, f"{provisioned} environments of 512 MB for 30 days do not cost ${cost}.",
           "environments x 0.5 GB x 2,592,000 s x $0.0000041667.")
    return f"{provisioned} environments, ${truth} a month to keep them ready"


ANSWERS = ["c", "b", "a", "c", "a", "a", "c", "a"]


@exercise("13.3")
def review(answer):
    if not isinstance(answer, (list, tuple)) or len(answer) != 8 or Ellipsis in answer:
        fail("review_answers should be a list of eight letters.")
    given = [str(a).strip().lower() for a in answer]
    right = sum(a == b for a, b in zip(given, ANSWERS))
    # A score, never which answers are wrong: that would let eight guesses find them all.
    expect(right == 8, f"{right} of 8 are right.",
           "Each question has a lesson: timeouts L2, /tmp L2, billing L4, cold starts L3, streams L9, "
           "retries and DLQs L7, throttling L6.")
    return "8 of 8"
