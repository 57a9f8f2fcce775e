"""gymnasium.wrappers.TimeLimit."""

from gymnasium.core import Wrapper


class TimeLimit(Wrapper):
    """Truncates an episode once it has lasted max_episode_steps steps."""

    def __init__(self, env, max_episode_steps):
        super().__init__(env)
        self._max_episode_steps = max_episode_steps
        self._elapsed_steps = None

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        self._elapsed_steps += 1
        if self._elapsed_steps >= self._max_episode_steps:
            truncated = True
        return observation, reward, terminated, truncated, info

    def reset(self, *, seed=None, options=None):
        self._elapsed_steps = 0
        return super().reset(seed=seed, options=options)
