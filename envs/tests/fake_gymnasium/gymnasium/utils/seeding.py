"""gymnasium.utils.seeding.np_random."""

import numpy as np

from gymnasium import error


def np_random(seed=None):
    """A PCG64 generator from a non-negative int seed (a random one when None), and that seed's entropy."""
    if seed is not None and not (isinstance(seed, int) and 0 <= seed):
        raise error.Error(f"Seed must be a python integer >= 0, actual value: {seed!r}")
    seed_seq = np.random.SeedSequence(seed)
    return np.random.Generator(np.random.PCG64(seed_seq)), seed_seq.entropy
