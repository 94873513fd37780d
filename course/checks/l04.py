"""Checks for lesson 4, reading the bill."""

from decimal import Decimal

from lambdakit.cost import billing
from lambdakit.course.checking import as_decimal, learner_random
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


REQUEST = Decimal("0.0000002")
GB_SECOND = Decimal("0.0000166667")

# The mistakes 4.1's check can name: each is the right bill computed with one thing wrong.
MISTAKES = {
    "mb_per_gb": ("it counts 1,000 MB to the GB.",
                  "AWS bills memory in GB of 1,024 MB."),
    "round_to": ("it rounds each duration up to 100 ms.",
                 "Since December 2020 Lambda bills duration per 1 ms."),
    "no_ceil": ("it bills a fraction of a millisecond as it is.",
                "Lambda rounds each invocation's duration up to a whole millisecond."),
    "no_clamp": ("with the free tier the bill goes below zero (or a part of it does).",
                 "An allowance can take a part of the bill down to zero, not below."),
    "no_free_tier": ("it ignores free_tier=True.", "The free tier takes allowances off both parts."),
    "ms_per_s": ("it is off by a factor of 1,000: milliseconds are not seconds.",
                 "GB-seconds need seconds."),
    "no_requests": ("it leaves out the request charge.", "Requests are priced apart from duration."),
}


def _bill(invocations, ms, mb, free_tier, mistake=None):
    billed = Decimal(str(ms))
    if mistake == "round_to":
        billed = (billed / 100).to_integral_value(rounding="ROUND_CEILING") * 100
    elif mistake != "no_ceil":
        billed = billed.to_integral_value(rounding="ROUND_CEILING")
    gb_s = Decimal(invocations) * billed * mb / (1000 if mistake == "mb_per_gb" else 1024) \
        / (1 if mistake == "ms_per_s" else 1000)
    requests = Decimal(0) if mistake == "no_requests" else Decimal(invocations)
    if free_tier and mistake != "no_free_tier":
        floor = (lambda x: x) if mistake == "no_clamp" else (lambda x: max(x, 0))
        requests, gb_s = floor(requests - (0 if mistake == "no_requests" else 1_000_000)), floor(gb_s - 400_000)
    return requests * REQUEST + gb_s * GB_SECOND


def _months():
    rng = learner_random("4.1")
    drawn = [(rng.randrange(100_000, 9_000_000, 1000), rng.randint(1, 900) + rng.choice([0, 0.3, 0.75]),
              rng.choice([128, 256, 512, 1024, 2048]), rng.random() < 0.5) for _ in range(4)]
    return MONTHS + drawn


@exercise("4.1")
def monthly_cost_function(my_monthly_cost):
    if not callable(my_monthly_cost):
        fail("pass the function itself: check('4.1', my_monthly_cost).")
    for invocations, ms, mb, free_tier in _months():
        what = f"my_monthly_cost({invocations:_}, {ms}, {mb}, free_tier={free_tier})"
        got = as_decimal(my_monthly_cost(invocations, ms, mb, free_tier=free_tier), what)
        expected = billing.monthly_cost(invocations, ms, mb, free_tier=free_tier)
        if abs(got - expected) > Decimal("0.000001"):
            named = [m for m in MISTAKES if abs(got - _bill(invocations, ms, mb, free_tier, m)) <= Decimal("0.000001")]
            reason, hint = MISTAKES[named[0]] if named else ("it is not the bill.", None)
            fail(f"{what} is {got}: {reason}", hint)
    example = billing.monthly_cost(3_000_000, 1000, 512, free_tier=True)
    return (f"the pricing-page example is ${to_cents(example)}; "
            "an older AWS pricing page printed $18.74 by using the unit price rounded to $0.00001667")


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
    if abs(value - Decimal(400_000) / (Decimal("0.128") * month_s)) <= Decimal("0.005"):
        fail(f"{answer} counts 1,000 MB to the GB.", "AWS bills memory in GB of 1,024 MB.")
    expect(abs(value - exact) <= Decimal("0.005"), f"{answer} is not it.",
           "How many GB-seconds does one 128 MB function use in a 30-day month?")
    return f"{exact:.2f} functions at 128 MB: 400,000 GB-s / 324,000 GB-s per function-month"
