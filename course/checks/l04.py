"""Checks for lesson 4, reading the bill."""

from decimal import Decimal

from lambdakit.cost import billing
from lambdakit.course.checking import as_decimal
from lambdakit.course.exercises import exercise, expect, fail
from lambdakit.cost.pricing import to_cents

MONTHS = [  # invocations, duration ms, memory MB, free tier
    (3_000_000, 1000, 512, True),
    (3_000_000, 1000, 512, False),
    (10_000_000, 3000, 1024, True),
    (2_000_000, 0.4, 128, False),
    (1_500_000, 50, 128, True),
    (5_000_000, 100, 1024, True),
    (500_000, 120.3, 256, True),
    (1_000, 60_000, 10_240, False),
]


@exercise("4.1")
def monthly_cost_function(my_monthly_cost):
    if not callable(my_monthly_cost):
        fail("pass the function itself: check('4.1', my_monthly_cost).")
    for invocations, ms, mb, free_tier in MONTHS:
        got = my_monthly_cost(invocations, ms, mb, free_tier=free_tier)
        what = f"my_monthly_cost({invocations:_}, {ms}, {mb}, free_tier={free_tier})"
        got = as_decimal(got, what)
        expected = billing.monthly_cost(invocations, ms, mb, free_tier=free_tier)
        if abs(got - expected) > Decimal("0.000001"):
            if ms == 0.4:
                hint = "Round each invocation's duration up to a whole millisecond (math.ceil) before multiplying."
            elif free_tier and got > expected:
                hint = "Take both allowances off: 1M requests and 400,000 GB-s, never going below zero."
            elif got > expected * 1000 or got < expected / 1000:
                hint = "Milliseconds to seconds is / 1000, and MB to GB is / 1024."
            else:
                hint = "GB-s = invocations x billed ms / 1000 x MB / 1024; requests and GB-s are priced separately."
            fail(f"{what} is {got}; expected {expected}.", hint)
    example = billing.monthly_cost(3_000_000, 1000, 512, free_tier=True)
    return (f"the pricing-page example is ${to_cents(example)}; "
            "AWS prints $18.74 because it rounds each part up")


@exercise("4.2")
def corrected_s4_example(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        fail("s4_corrected should be a pair: (list price, after the free tier).")
    listed, free = (to_cents(as_decimal(a, "each price")) for a in answer)
    expected_list = to_cents(billing.monthly_cost(1_000_000, 200, 128))
    expected_free = to_cents(billing.monthly_cost(1_000_000, 200, 128, free_tier=True))
    if listed == Decimal("0.63"):
        fail("$0.63 is the README's own figure.", "How many GB is 128 MB when AWS bills it?")
    expect(listed == expected_list, f"the list price is not ${listed}.",
           "128 MB is 128/1024 = 0.125 GB; 1M x 0.2 s x 0.125 GB = 25,000 GB-s.")
    expect(free == expected_free, f"after the free tier it is not ${free}.",
           "25,000 GB-s and 1M requests are both within the monthly free tier.")
    return f"${expected_list} list, ${expected_free} after the free tier; 128 MB is 0.125 GB"


@exercise("4.3")
def free_tier_functions(answer):
    value = as_decimal(answer, "functions_in_free_tier")
    month_s = 30 * 24 * 3600
    exact = Decimal(400_000) / (Decimal("0.125") * month_s)
    if abs(value - 4) < Decimal("0.01"):
        fail("4 is the guide's claim, and it is wrong under either free-tier figure.",
             "Divide the free GB-s by what one function uses in a month: 0.125 GB x 2,592,000 s.")
    if abs(value - Decimal(3_600_000) / (Decimal("0.125") * month_s)) < Decimal("0.01"):
        fail("that uses 3,600,000 GB-s; the free tier is 400,000 GB-s a month.")
    expect(abs(value - exact) <= Decimal("0.005"), f"{answer} is not it.",
           "400,000 GB-s / (0.125 GB x 30 x 24 x 3600 s).")
    return f"{exact:.2f} functions at 128 MB: 400,000 GB-s / 324,000 GB-s per function-month"
