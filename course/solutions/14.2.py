replay_prints = (3, 1)
