"""CueMemory: an image env that needs memory.

The first frame shows a cue (a bright square on the left or the right); then come `delay` blank
frames, then a frame with a green bar that asks for a choice. The action taken on that frame
pays +1 when it names the cue's side (0 = left, 1 = right) and -1 otherwise, and the episode
terminates. Actions before the question do nothing. A memoryless policy earns 0 on average.

Observations are uint8 (height, width, 3) frames, Gymnasium's image layout; with obs="vector" they are
float32 (3,) vectors instead, [left cue, right cue, question] (one-hot, all zero on a blank step), the
same task for small models (the delay sweep of `agent train sweep`).
"""

import array
import random

from agentrnn_envs.samples import episode_log
from agentrnn_envs.spaces import Box, Discrete

try:
    import numpy as np
except ImportError:
    np = None


class CueMemoryEnv:
    """Gymnasium-style env (duck-typed); see the module docstring."""

    metadata = {"render_modes": [], "render_fps": 30}

    def __init__(self, height=84, width=84, delay=4, log=None, max_steps=None, obs="image"):
        self.height, self.width, self.delay = int(height), int(width), int(delay)
        if self.delay < 0:
            raise ValueError(f"delay must be at least 0 (got {delay})")
        if obs not in ("image", "vector"):
            raise ValueError(f"obs must be 'image' or 'vector' (got {obs!r})")
        self.max_steps = None if max_steps is None else int(max_steps)
        self.log = log
        self.vector = obs == "vector"
        if self.vector:
            self.observation_space = Box(0.0, 1.0, (3,), "float32")
            self._frames = {"left": (1.0, 0.0, 0.0), "right": (0.0, 1.0, 0.0),
                            "blank": (0.0, 0.0, 0.0), "ask": (0.0, 0.0, 1.0)}
        else:
            self.observation_space = Box(0, 255, (self.height, self.width, 3), "uint8")
            self._frames = {name: self._render(name) for name in ("left", "right", "blank", "ask")}
        self.action_space = Discrete(2)
        self._rng = random.Random()
        self._cue = 0
        self._t = 0
        self._return = 0.0

    def _render(self, name):
        h, w = self.height, self.width
        frame = bytearray(b"\x20" * (h * w * 3))

        def rect(y0, y1, x0, x1, color):
            for y in range(y0, y1):
                off = (y * w) * 3
                frame[off + x0 * 3:off + x1 * 3] = bytes(color) * (x1 - x0)

        if name == "left":
            rect(h // 3, 2 * h // 3, 2, w // 3, (255, 64, 64))
        elif name == "right":
            rect(h // 3, 2 * h // 3, w - w // 3, w - 2, (64, 64, 255))
        elif name == "ask":
            rect(h - h // 6, h - 1, 1, w - 1, (64, 255, 64))
        return bytes(frame)

    def _obs(self, name):
        raw = self._frames[name]
        if self.vector:
            if np is not None:
                return np.array(raw, dtype=np.float32)
            return array.array("f", raw)
        if np is not None:
            return np.frombuffer(raw, dtype=np.uint8).reshape(self.height, self.width, 3)
        return raw

    def reset(self, seed=None, options=None):
        if seed is not None:
            self._rng = random.Random(seed)
        self._cue = self._rng.randrange(2)
        self._t = 0
        self._return = 0.0
        return self._obs("left" if self._cue == 0 else "right"), {"cue": self._cue}

    def step(self, action):
        action = int(action)
        self._t += 1
        reward, terminated = 0.0, False
        if self._t > self.delay:
            reward = 1.0 if action == self._cue else -1.0
            terminated = True
        truncated = not terminated and self.max_steps is not None and self._t >= self.max_steps
        self._return += reward
        info = {}
        if terminated or truncated:
            info["episode"] = {"r": self._return, "l": self._t}
            episode_log.append(self.log, {"return": self._return, "length": self._t,
                                          "terminated": terminated, "truncated": truncated})
        name = "ask" if self._t == self.delay else "blank"
        return self._obs(name), reward, terminated, truncated, info

    def close(self):
        pass


def make(**kwargs):
    """Factory for serve.py: --env samples.cue_memory:make."""
    return CueMemoryEnv(**kwargs)
