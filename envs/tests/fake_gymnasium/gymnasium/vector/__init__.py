"""gymnasium.vector: VectorEnv, AutoresetMode and utils.batch_space."""

from gymnasium.vector import utils
from gymnasium.vector.vector_env import AutoresetMode, VectorEnv

__all__ = ["AutoresetMode", "VectorEnv", "utils"]
