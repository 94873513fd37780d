import math

sd = math.sqrt(1000 * 0.1 * 0.9)
canary_range = (1000 * 0.1, 1000 * 0.1 - 1.96 * sd, 1000 * 0.1 + 1.96 * sd)
