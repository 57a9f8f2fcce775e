#!/usr/bin/env python3
"""Serves a Gymnasium-style env over the AgentRnn env protocol: `python3 envs/serve.py --env ... --help`.

The server lives in agentrnn_envs.server; this file runs it from a checkout, and `import serve` (with
envs/ on sys.path) gives that module itself.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentrnn_envs import server  # noqa: E402  (a checkout is not an installed package)

if __name__ == "__main__":
    sys.exit(server.main(prog="serve.py"))
sys.modules[__name__] = server
