"""PointReach: vector observations and continuous actions.

A point moves in the square [-1, 1]² towards a target. Observation (float32, 4): the point's
x, y and the target's x, y. Action (float32, 2) in [-1, 1]: a velocity, scaled by 0.1 per step.
Reward: minus the distance to the target after the move, +1 on reaching it (distance < 0.1),
which terminates the episode; episodes are truncated after `max_steps` steps.
"""

import array
import math
import random

from agentrnn_envs.samples import episode_log
from agentrnn_envs.spaces import Box

try:
    import numpy as np
except ImportError:
    np = None


class PointReachEnv:
    """Gymnasium-style env (duck-typed); see the module docstring."""

    metadata = {"render_modes": []}

    def __init__(self, max_steps=50, log=None):
        self.max_steps = int(max_steps)
        self.log = log
        self.observation_space = Box(-1.0, 1.0, (4,), "float32")
        self.action_space = Box(-1.0, 1.0, (2,), "float32")
        self._rng = random.Random()
        self._pos = [0.0, 0.0]
        self._target = [0.0, 0.0]
        self._t = 0
        self._return = 0.0

    def _obs(self):
        values = self._pos + self._target
        if np is not None:
            return np.array(values, dtype=np.float32)
        return array.array("f", values)

    def reset(self, seed=None, options=None):
        if seed is not None:
            self._rng = random.Random(seed)
        self._pos = [self._rng.uniform(-1, 1), self._rng.uniform(-1, 1)]
        self._target = [self._rng.uniform(-1, 1), self._rng.uniform(-1, 1)]
        self._t = 0
        self._return = 0.0
        return self._obs(), {}

    def step(self, action):
        for k in range(2):
            v = min(1.0, max(-1.0, float(action[k])))
            self._pos[k] = min(1.0, max(-1.0, self._pos[k] + 0.1 * v))
        self._t += 1
        dist = math.dist(self._pos, self._target)
        terminated = dist < 0.1
        reward = -dist + (1.0 if terminated else 0.0)
        truncated = not terminated and self._t >= self.max_steps
        self._return += reward
        info = {}
        if terminated or truncated:
            info["episode"] = {"r": self._return, "l": self._t}
            episode_log.append(self.log, {"return": self._return, "length": self._t,
                                          "terminated": terminated, "truncated": truncated})
        return self._obs(), reward, terminated, truncated, info


def make(**kwargs):
    """Factory for serve.py: --env samples.point_reach:make."""
    return PointReachEnv(**kwargs)
