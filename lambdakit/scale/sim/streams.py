"""The simulator's random numbers: one seeded `random.Random` per purpose.

Each stream is seeded from the run's seed and a label, so adding a workload or changing a
duration model never shifts another stream, and both engines (exact and fast) draw the
same numbers for the same requests. Python's string seeding and `random()` sequence are
the same on every machine and every supported version.
"""

import random
import sys
import uuid
from array import array
from bisect import bisect_left
from itertools import chain, repeat

from .durations import slot_atoms

_SLOTS_PER_DRAW = 4096


def stream(seed, *labels):
    return random.Random(":".join(("lambdakit.sim", str(seed), *labels)))


def traffic_stream(seed, workload_index):
    return stream(seed, "traffic", str(workload_index))


class Draws:
    """One function's per-attempt draws: which duration atom, and whether the attempt fails."""

    def __init__(self, spec, seed):
        atoms = spec.duration.atoms()
        self.durations = [min(ms, spec.timeout_ms) for ms in atoms]   # by atom, cut at the timeout
        self.first_timeout = bisect_left(atoms, spec.timeout_ms)      # atoms from here time out
        self.indices = atom_indices(stream(seed, spec.name, "durations"), len(atoms))
        self.failures = error_flags(stream(seed, spec.name, "errors"), spec.error_rate)


def atom_indices(rng, atoms):
    """Endless atom indices, one per attempt, each through a 16-bit slot (see durations.py)."""
    if atoms == 1:
        return repeat(0)
    # A list of shared int objects: looking one up allocates nothing.
    index = list(range(atoms))
    atom_of_slot = [index[atom] for atom in slot_atoms(atoms)]
    return map(atom_of_slot.__getitem__, chain.from_iterable(_slot_blocks(rng)))


def _slot_blocks(rng):
    while True:
        block = array("H", rng.randbytes(2 * _SLOTS_PER_DRAW))
        if sys.byteorder == "big":    # randbytes is little-endian; read it the same everywhere
            block.byteswap()
        yield block


def error_flags(rng, error_rate):
    """Endless booleans, one per attempt: does this attempt end in a function error?"""
    if error_rate in (0, 1):
        return repeat(bool(error_rate))
    return map(float(error_rate).__gt__, iter(rng.random, 2.0))


def request_ids(rng):
    """Endless UUID4-shaped request ids."""
    while True:
        yield str(uuid.UUID(int=rng.getrandbits(128), version=4))
