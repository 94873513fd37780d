concurrency_needed = (round(350 * 0.3), round(40 * 2.5))
