s2_comparison = {
    "cost_128": Decimal(128) / 1024 * 5 * Decimal("0.0000166667"),
    "cost_1024": Decimal(1024) / 1024 * 1 * Decimal("0.0000166667"),
    "percent_cheaper": (1 - Decimal(128) / 1024 * 5) * 100,
    "small_memory_suits": "io-bound",
}
