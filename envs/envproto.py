"""`import envproto` (with envs/ on sys.path) for code written before agentrnn_envs: this module is
agentrnn_envs.protocol itself (the codec, with the spaces re-exported)."""

import sys

from agentrnn_envs import protocol

sys.modules[__name__] = protocol
