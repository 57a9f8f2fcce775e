"""AgentRnn's env bridge: play and serve Gymnasium-style environments over the AgentRnn env protocol.

    from agentrnn_envs import RemoteEnv, RemoteVectorEnv, serve

RemoteVectorEnv is a gymnasium.vector.VectorEnv and RemoteEnv a gymnasium.Env when gymnasium is
installed; serve(env, ...) serves a Python env to AgentRnn (or any protocol client). Standard library
only; numpy is used when present. See envs/README.md and envs/PROTOCOL.md.
"""

from .client import RemoteEnv, RemoteVectorEnv
from .server import EnvServer, StartError, serve

__version__ = "1.0.0"
__all__ = ["EnvServer", "RemoteEnv", "RemoteVectorEnv", "StartError", "serve", "__version__"]
