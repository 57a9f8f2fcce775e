"""gymnasium.Env and gymnasium.Wrapper (gymnasium/core.py)."""

from gymnasium.utils.seeding import np_random as _np_random


class Env:
    """gymnasium.Env: step, reset (seeding np_random), close, context manager, metadata/spec/render_mode."""

    metadata = {"render_modes": []}
    render_mode = None
    spec = None
    _np_random = None
    _np_random_seed = None

    def step(self, action):
        raise NotImplementedError

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self._np_random, self._np_random_seed = _np_random(seed)

    def render(self):
        raise NotImplementedError

    def close(self):
        pass

    @property
    def unwrapped(self):
        return self

    @property
    def np_random(self):
        if self._np_random is None:
            self._np_random, self._np_random_seed = _np_random()
        return self._np_random

    def __str__(self):
        return f"<{type(self).__name__} instance>" if self.spec is None else f"<{type(self).__name__}<{self.spec.id}>>"

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()
        return False


class Wrapper(Env):
    """gymnasium.Wrapper: forwards to the wrapped env, spaces and metadata included."""

    def __init__(self, env):
        if not isinstance(env, Env):
            raise TypeError(f"Expected env to be a `gymnasium.Env` but got {type(env)}")
        self.env = env

    def step(self, action):
        return self.env.step(action)

    def reset(self, *, seed=None, options=None):
        return self.env.reset(seed=seed, options=options)

    def close(self):
        return self.env.close()

    @property
    def unwrapped(self):
        return self.env.unwrapped

    @property
    def observation_space(self):
        return self.env.observation_space

    @property
    def action_space(self):
        return self.env.action_space

    @property
    def metadata(self):
        return self.env.metadata

    @property
    def spec(self):
        return self.env.spec

    @property
    def render_mode(self):
        return self.env.render_mode
