"""Idle execution environments of one function version, as the simulator keeps them.

Two simulation assumptions, not AWS guarantees: the most recently freed environment
serves the next request (so the surplus of a peak sits idle and is reclaimed), and an
environment idle for `reclaim_ms` or longer is gone (lambdakit.core.modelled.idle_reclaim_s).
"""


class EnvironmentPool:
    def __init__(self, reclaim_ms):
        self.reclaim_ms = reclaim_ms
        self._idle = []              # (freed at, environment id), oldest first

    def warm(self, now_ms):
        """Is there an idle environment that has not been reclaimed yet?"""
        # Environments are freed in time order, so the newest is last; if it has been
        # reclaimed, every older one has too.
        return bool(self._idle) and self._idle[-1][0] + self.reclaim_ms > now_ms

    def take(self):
        return self._idle.pop()[1]

    def reclaim_all(self):
        self._idle.clear()

    def put(self, environment_id, freed_ms):
        self._idle.append((freed_ms, environment_id))
