"""gymnasium.vector.VectorEnv and AutoresetMode (gymnasium/vector/vector_env.py)."""

from enum import Enum

from gymnasium.utils.seeding import np_random as _np_random


class AutoresetMode(Enum):
    """How a vector env restarts finished sub-environments; declared in metadata["autoreset_mode"]."""

    NEXT_STEP = "NextStep"
    SAME_STEP = "SameStep"
    DISABLED = "Disabled"


class VectorEnv:
    """Base class of vector envs: num_envs, single_/observation_space, single_/action_space, metadata."""

    metadata = {}
    spec = None
    render_mode = None
    closed = False
    _np_random = None
    _np_random_seed = None

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self._np_random, self._np_random_seed = _np_random(seed)

    def step(self, actions):
        raise NotImplementedError(f"{self.__str__()} step function is not implemented.")

    def render(self):
        raise NotImplementedError(f"{self.__str__()} render function is not implemented.")

    def close(self, **kwargs):
        if self.closed:
            return
        self.close_extras(**kwargs)
        self.closed = True

    def close_extras(self, **kwargs):
        pass

    @property
    def np_random(self):
        if self._np_random is None:
            self._np_random, self._np_random_seed = _np_random()
        return self._np_random

    @property
    def unwrapped(self):
        return self

    def __repr__(self):
        if self.spec is None:
            return f"{self.__class__.__name__}(num_envs={self.num_envs})"
        return f"{self.__class__.__name__}({self.spec.id}, num_envs={self.num_envs})"
