from lambdakit.cost import billing

scenario_3 = {
    "invocations": 100_000_000 // 100,
    "shards_at_full_parallelization": 100 // 10,
    "list_price": round(billing.monthly_cost(1_000_000, 1000, 1024), 2),
    "after_free_tier": round(billing.monthly_cost(1_000_000, 1000, 1024, free_tier=True), 2),
}
