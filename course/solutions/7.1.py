attempt_seconds = [0, 60, 180]
