"""The floor every other layer stands on: function configuration and quotas, errors, clocks,
timers, modelled parameters and invocation records. Nothing here imports from above."""
