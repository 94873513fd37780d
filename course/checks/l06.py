"""Checks for lesson 6, concurrency, scaling and throttling. Predictions are compared with
what the simulator says, so the answers follow its rules (AWS's, as lambdakit models them)."""

from lambdakit.course.checking import as_decimal
from lambdakit.course.exercises import exercise, expect, fail
from lambdakit.scale.sim import Fixed, Scenario, SimFunction, Trace, Workload, simulate


@exercise("6.1")
def littles_law(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        fail("concurrency_needed should be a pair of numbers.")
    api, consumer = (as_decimal(value, "each number") for value in answer)
    expect(api == 105, f"the API needs more or less than {answer[0]}.",
           "350 requests per second x 0.3 seconds each.")
    expect(consumer == 100, f"the queue consumer needs more or less than {answer[1]}.",
           "40 batches per second x 2.5 seconds each.")
    return "350 x 0.3 s = 105 and 40 x 2.5 s = 100"


@exercise("6.2")
def two_waves(answer):
    value = as_decimal(answer, "two_wave_throttles")
    spike = SimFunction("spike", duration=Fixed(30_000), timeout_s=60)
    report = simulate(Scenario([spike], [Workload("spike", Trace((0.0,) * 1500 + (5.0,) * 1500))],
                               duration_s=60, account_limit=5000), seed=1).report
    truth = report.function("spike").throttles
    if value == 1000:
        fail("1,000 would be right if the second wave came 10 seconds or more after the first.",
             "The rate refills continuously: 100 environments a second, so 500 by 5 s.")
    if value == 2000:
        fail("2,000 is what a rate refilled once every 10 seconds would give.",
             "AWS refills the scaling rate continuously: 100 environments a second.")
    expect(value == truth, f"{answer} is not it.",
           "The first wave can start 1,000 environments; none of them frees before 30 s.")
    return f"{truth} throttled: 500 of the first wave, 1,000 of the second (500 refilled in 5 s)"


@exercise("6.3")
def reserved_throttles(answer):
    if not isinstance(answer, dict) or set(answer) != {"A", "C"} or Ellipsis in answer.values():
        fail('throttled should be a dict {"A": number, "C": number}.')
    functions = [SimFunction("A", duration=Fixed(2000), reserved=200),
                 SimFunction("B", duration=Fixed(2000), reserved=100),
                 SimFunction("C", duration=Fixed(2000))]
    report = simulate(Scenario(functions, [Workload("C", Trace.burst(1000)), Workload("A", Trace.burst(150))],
                               duration_s=10), seed=1).report
    truth = {name: report.function(name).throttles for name in ("A", "C")}
    if answer.get("C") == 0:
        fail("C is throttled: it cannot use all 1,000.", "Reserved concurrency is taken out of the account's 1,000.")
    if answer.get("C") == 100:
        fail("not 100: B is idle, but its 100 are still reserved for B.",
             "Unreserved = 1,000 - 200 - 100, whether A and B use theirs or not.")
    expect(answer.get("A") == truth["A"], f"A: {answer.get('A')} is not it.",
           "A's 150 requests fit inside its own reservation of 200.")
    expect(answer.get("C") == truth["C"], f"C: {answer.get('C')} is not it.",
           "C shares the unreserved 700.")
    return f"A {truth['A']}, C {truth['C']}: C gets the 700 unreserved, B's idle 100 stay B's"
