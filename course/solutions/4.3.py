functions_in_free_tier = round(400_000 / (128 / 1024 * 30 * 24 * 3600), 2)
