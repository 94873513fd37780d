def first_alarm(datapoints, threshold, m, n):
    for minute in range(len(datapoints)):
        window = datapoints[max(0, minute - n + 1):minute + 1]
        if sum(value > threshold for value in window) >= m:
            return minute
    return None

error_rates = [per_minute[minute][1] / per_minute[minute][0] for minute in range(60)]
alarm_minute = first_alarm(error_rates, 0.01, 2, 3)
print(f"the alarm fires at minute {alarm_minute}")
