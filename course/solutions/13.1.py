# Measure a month at several sizes; keep the cheapest that meets the goal. No provisioned
# concurrency: cold starts are far fewer than the 1 % the p99 leaves out.
months = {memory: try_api(memory) for memory in (1024, 1280, 1536, 1769, 2048)}
meets = {memory: month for memory, month in months.items()
         if month.function().latency.percentile(99) <= SCENARIO.api_p99_ms}
memory = min(meets, key=lambda m: meets[m].bill.total())
api_design = {"memory_mb": memory, "provisioned": 0, "p99_ms": meets[memory].function().latency.percentile(99)}
