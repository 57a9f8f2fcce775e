"""gymnasium.vector.utils.batch_space (gymnasium/vector/utils/space_utils.py)."""

from copy import deepcopy
from functools import singledispatch

import numpy as np

from gymnasium.spaces import Box, Dict, Discrete, MultiDiscrete, Space


@singledispatch
def batch_space(space, n=1):
    raise TypeError(f"The space provided to `batch_space` is not a gymnasium Space instance, type: {type(space)}, {space}")


@batch_space.register(Box)
def _batch_space_box(space, n=1):
    repeats = tuple([n] + [1] * space.low.ndim)
    low, high = np.tile(space.low, repeats), np.tile(space.high, repeats)
    return Box(low=low, high=high, dtype=space.dtype, seed=deepcopy(space.np_random))


@batch_space.register(Discrete)
def _batch_space_discrete(space, n=1):
    return MultiDiscrete(np.full((n,), space.n, dtype=space.dtype), dtype=space.dtype,
                         seed=deepcopy(space.np_random), start=np.full((n,), space.start, dtype=space.dtype))


@batch_space.register(MultiDiscrete)
def _batch_space_multidiscrete(space, n=1):
    repeats = tuple([n] + [1] * space.nvec.ndim)
    low = np.tile(space.start, repeats)
    high = low + np.tile(space.nvec, repeats) - 1
    return Box(low=low, high=high, dtype=space.dtype, seed=deepcopy(space.np_random))


@batch_space.register(Dict)
def _batch_space_dict(space, n=1):
    return Dict({key: batch_space(subspace, n=n) for key, subspace in space.items()}, seed=deepcopy(space.np_random))


@batch_space.register(Space)
def _batch_space_custom(space, n=1):
    raise TypeError(f"the stand-in cannot batch {space}")
