"""A gymnasium env registered on import, for `serve.py --env gymnasium:gym_count:AgentRnnTest/Count-v0`
(gymnasium's module:ID form). Needs gymnasium: real, or the stand-in the tests put on PYTHONPATH."""

import gymnasium
import numpy as np


class CountEnv(gymnasium.Env):
    """The observation counts the steps; the reward is the action; TimeLimit truncates the episode."""

    metadata = {"render_modes": []}

    def __init__(self, start=0):
        self.start = int(start)
        self.observation_space = gymnasium.spaces.Box(0, 1000, (1,), np.int64)
        self.action_space = gymnasium.spaces.Discrete(3)
        self.t = self.start

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = self.start
        return np.array([self.t], dtype=np.int64), {"t": self.t}

    def step(self, action):
        self.t += 1
        return np.array([self.t], dtype=np.int64), float(action), False, False, {"t": self.t}


gymnasium.register(id="AgentRnnTest/Count-v0", entry_point=CountEnv, max_episode_steps=4)
