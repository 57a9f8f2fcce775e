#!/usr/bin/env python3
"""Runs every envs/tests unittest module in its own process, with numpy and (where numpy changes the
code path) without; prints one line per run and ends with "N passed, N failed".

    python3 envs/tests/run_all.py [-v]
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# (module, modules hidden from it): test_spaces and test_client take another path without numpy.
RUNS = [("test_spaces", ""), ("test_spaces", "numpy"), ("test_client", ""), ("test_client", "numpy"),
        ("test_gymnasium", ""), ("test_serve_cli", ""), ("test_install", ""), ("test_readme", "")]


def command(module, hide, verbose=False):
    """The command line that runs one module (what Agent.Tests/Env/PythonBridgeTests.cs runs too)."""
    args = ["-m", "unittest", "discover"] + (["-v"] if verbose else []) + ["-s", HERE, "-t", HERE, "-p", f"{module}.py"]
    return [sys.executable, os.path.join(HERE, "hide.py"), hide] + args


def main():
    verbose = "-v" in sys.argv[1:]
    failed = 0
    for module, hide in RUNS:
        out = subprocess.run(command(module, hide, verbose), capture_output=True, text=True, timeout=600)
        name = module + (f" without {hide}" if hide else "")
        last = (out.stderr.strip().splitlines() or ["(no output)"])[-1]
        print(f"{'ok  ' if out.returncode == 0 else 'FAIL'} {name}: {last}", flush=True)
        if out.returncode != 0 or verbose:
            print(out.stderr, file=sys.stderr)
        failed += out.returncode != 0
    print(f"{len(RUNS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
