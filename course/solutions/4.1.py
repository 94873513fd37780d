import math

REQUEST_PRICE = Decimal("0.0000002")        # $0.20 per million requests
GB_SECOND_PRICE = Decimal("0.0000166667")   # x86_64, first volume tier
FREE_REQUESTS = 1_000_000
FREE_GB_SECONDS = 400_000

def my_monthly_cost(invocations, duration_ms, memory_mb, free_tier=False):
    billed_ms = math.ceil(Decimal(str(duration_ms)))
    gb_seconds = Decimal(invocations) * billed_ms * memory_mb / 1024 / 1000
    requests = Decimal(invocations)
    if free_tier:
        requests = max(requests - FREE_REQUESTS, 0)
        gb_seconds = max(gb_seconds - FREE_GB_SECONDS, 0)
    return requests * REQUEST_PRICE + gb_seconds * GB_SECOND_PRICE

print(round(my_monthly_cost(3_000_000, 1000, 512, free_tier=True), 2))
