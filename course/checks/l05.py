"""Checks for lesson 5, memory, CPU and cost."""

from decimal import Decimal

from lambdakit.course.checking import as_decimal, deployed
from lambdakit.course.exercises import exercise, expect, fail
from lambdakit.cost.tuning import DEFAULT_MEMORY_SIZES, power_tune

API = """
from lambdakit import work

def lambda_handler(event, context):
    work(cpu_ms=600)
    work(io_ms=50)
    return "ok"
"""
RATE = Decimal("0.0000166667")


@exercise("5.1")
def memory_for_deadline(answer):
    value = as_decimal(answer, "memory_for_api")
    with deployed(API, "api", timeout=30) as lam:
        tuning = power_tune("api", invocations=1, runtime=lam)
    fast_enough = [size for size in tuning.sizes if size.avg_ms < 1000]
    best = min(fast_enough, key=lambda size: size.cost)
    by_memory = {size.memory_mb: size for size in tuning.sizes}
    expect(int(value) in DEFAULT_MEMORY_SIZES, f"{answer} MB is not in the list.",
           "Choose one of 128, 256, 512, 1024, 1536, 1769, 3008, 4096.")
    chosen = by_memory[int(value)]
    expect(chosen.avg_ms < 1000, f"at {answer} MB the handler takes {chosen.avg_ms:,.2f} ms: too slow.",
           "600 ms of CPU at one vCPU takes 600 x 1769 / memory ms below 1,769 MB; add the 50 ms of waiting.")
    expect(chosen.memory_mb == best.memory_mb,
           f"{answer} MB is fast enough but not the cheapest that is.",
           "Among the sizes under 1,000 ms, compare cost per invocation: memory x duration.")
    return f"{best.memory_mb} MB: {best.avg_ms:,.2f} ms, the cheapest under 1 s"


@exercise("5.2")
def recomputed_comparison(answer):
    if not isinstance(answer, dict):
        fail("s2_comparison should stay a dict with the four keys.")
    cost_128 = as_decimal(answer.get("cost_128"), "cost_128")
    cost_1024 = as_decimal(answer.get("cost_1024"), "cost_1024")
    percent = as_decimal(answer.get("percent_cheaper"), "percent_cheaper")
    expected_128 = Decimal(128) / 1024 * 5 * RATE
    expected_1024 = Decimal(1024) / 1024 * 1 * RATE
    if abs(cost_128 - Decimal("0.00001067")) < Decimal("0.00000001"):
        fail("$0.00001067 is the guide's figure, which divides by 1,000.", "128 MB is 128/1024 GB.")
    expect(abs(cost_128 - expected_128) < Decimal("0.0000000001"),
           f"cost_128 is not {answer['cost_128']}.", "128/1024 GB x 5 s = 0.625 GB-s; times the rate.")
    expect(abs(cost_1024 - expected_1024) < Decimal("0.0000000001"),
           f"cost_1024 is not {answer['cost_1024']}.", "1 GB x 1 s = 1 GB-s; times the rate.")
    expect(abs(percent - Decimal("37.5")) < Decimal("0.05"), f"percent_cheaper is not {answer['percent_cheaper']}.",
           "(cost_1024 - cost_128) / cost_1024 x 100.")
    suits = answer.get("small_memory_suits")
    expect(suits == "io-bound", f"{suits!r} is not the kind of task that gains nothing from more CPU.",
           "Small memory means little CPU. Which tasks do not get faster with more CPU?")
    return f"${expected_128:.10f} vs ${expected_1024:.10f}: 37.5% cheaper, and small memory suits I/O-bound tasks"


@exercise("5.3")
def operator_guide_row(answer):
    value = as_decimal(answer, "cost_per_1000_at_1536")
    exact = 1000 * (Decimal("1.465") * Decimal(1536) / 1024 * RATE + Decimal("0.0000002"))
    if abs(value - Decimal("0.024638")) < Decimal("0.00005"):
        fail("that is the table's figure, which is the one in question.")
    if abs(value - (exact - Decimal("0.0002"))) < Decimal("0.00005"):
        fail("close: the table includes the request charge, as the 128 MB row shows.",
             "Add 1,000 x $0.0000002.")
    if abs(value - 1000 * (Decimal("1.465") * Decimal("1.536") * RATE + Decimal("0.0000002"))) < Decimal("0.00005"):
        fail(f"{answer} counts 1,000 MB to the GB.", "AWS bills memory in GB of 1,024 MB.")
    expect(abs(value - exact) < Decimal("0.00005"), f"{answer} is not it.",
           "Price one invocation at 1,536 MB and 1.465 s (duration and request), then take 1,000 of them.")
    implied = (Decimal("0.024638") - Decimal("0.0002")) / (1000 * Decimal(1536) / 1024 * RATE)
    return f"${exact:.4f} per 1,000; the table's $0.024638 would need {implied:.3f} s"
