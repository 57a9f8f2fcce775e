#!/usr/bin/env python3
"""Runs Python with some modules made unimportable, as on a machine without them:

    python3 envs/tests/hide.py numpy,gymnasium -m unittest ...
    python3 envs/tests/hide.py gymnasium envs/serve.py --env ...

The first argument is a comma-separated list of module names (may be empty); the rest is what python3
would take: `-c CODE ARGS...`, `-m MODULE ARGS...` or `SCRIPT ARGS...`.
"""

import os
import runpy
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: hide.py MODULE[,MODULE...] (-c CODE | -m MODULE | SCRIPT) [ARGS...]")
    for name in filter(None, sys.argv[1].split(",")):
        sys.modules[name] = None  # `import name` now raises ImportError
    if sys.argv[2] == "-c":
        code = sys.argv[3]
        sys.argv = ["-c"] + sys.argv[4:]
        exec(compile(code, "<string>", "exec"), {"__name__": "__main__"})
    elif sys.argv[2] == "-m":
        sys.argv = [sys.argv[3]] + sys.argv[4:]
        runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
    else:
        sys.argv = sys.argv[2:]
        sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))  # as python3 SCRIPT would have it
        runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
