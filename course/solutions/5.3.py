cost_per_1000_at_1536 = round(1000 * (Decimal("1.465") * 1536 / 1024 * Decimal("0.0000166667")
                                     + Decimal("0.0000002")), 4)
