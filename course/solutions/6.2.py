two_wave_throttles = (1500 - 1000) + (1500 - 500)
