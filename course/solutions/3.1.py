cold_starts = 5   # minutes 0, 25, 40, 52 and 70: the first request, then every gap over 10 minutes
