"""python3 -m agentrnn_envs: the env server's command line (see agentrnn_envs.server)."""

import sys

from .server import main

sys.exit(main(prog="python3 -m agentrnn_envs"))
