"""Test stand-in for gymnasium 1.x: the API surface agentrnn_envs uses (see ../README.md)."""

from gymnasium import error, spaces, vector, wrappers
from gymnasium.core import Env, Wrapper
from gymnasium.envs.registration import make, register, registry, spec

__version__ = "1.1.0+agentrnn.stand.in"
__all__ = ["Env", "Wrapper", "error", "make", "register", "registry", "spaces", "spec", "vector", "wrappers"]

register(id="CartPole-v1", entry_point="gymnasium.envs.classic_control.cartpole:CartPoleEnv",
         max_episode_steps=500, reward_threshold=475.0)
