s4_corrected = (round(my_monthly_cost(1_000_000, 200, 128), 2),
                round(my_monthly_cost(1_000_000, 200, 128, free_tier=True), 2))
