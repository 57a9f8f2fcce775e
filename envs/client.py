"""`from client import RemoteEnv` (with envs/ on sys.path) for code written before agentrnn_envs:
this module is agentrnn_envs.client itself."""

import sys

from agentrnn_envs import client

sys.modules[__name__] = client
