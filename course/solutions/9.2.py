retry_limited = (1 + (1 + 2) + 1, 10)
