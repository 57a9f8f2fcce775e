"""Shared by the envs/tests unittest modules: paths, gymnasium (real or the stand-in), servers.

Each test module runs in its own process (`python3 envs/tests/run_all.py`, or one module:
`python3 -m unittest discover -s envs/tests -p test_client.py`): the client binds gymnasium, or its
absence, when it is first imported, and test_client blocks gymnasium while test_gymnasium needs it.
"""

import os
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ENVS = os.path.dirname(HERE)
REPO = os.path.dirname(ENVS)
FAKE_GYMNASIUM = os.path.join(HERE, "fake_gymnasium")
HIDE = os.path.join(HERE, "hide.py")
SERVE = os.path.join(ENVS, "serve.py")
TIMEOUT = 30.0

if ENVS not in sys.path:
    sys.path.insert(0, ENVS)


def block(*names):
    """Makes `import name` fail for each name in this process (before anything imports it)."""
    for name in names:
        loaded = sys.modules.get(name)
        if loaded is not None:
            raise RuntimeError(f"{name} is already imported; run this test module in its own process")
        sys.modules[name] = None


def gymnasium():
    """Real gymnasium when installed, else the stand-in under fake_gymnasium (on sys.path from now on).
    Returns (module, True when real)."""
    try:
        import gymnasium as gym
        return gym, True
    except ImportError:
        sys.path.insert(0, FAKE_GYMNASIUM)
        import gymnasium as gym
        return gym, False


def child_env(pythonpath=()):
    """os.environ for a child python3 with extra PYTHONPATH entries and no .pyc files written."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    parts = list(pythonpath) + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    if parts:
        env["PYTHONPATH"] = os.pathsep.join(parts)
    return env


def run(args, timeout=TIMEOUT, env=None, cwd=REPO, stdin=None):
    """Runs a command to completion (killed after timeout); returns the CompletedProcess (text)."""
    return subprocess.run(args, cwd=cwd, env=env or child_env(), input=stdin, capture_output=True, text=True,
                          timeout=timeout)


class Process:
    """A server subprocess; `address` comes from its first stdout line "listening on ADDRESS"."""

    def __init__(self, args, env=None, cwd=REPO, timeout=TIMEOUT):
        self.proc = subprocess.Popen(args, cwd=cwd, env=env or child_env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = _readline(self.proc.stdout, timeout)
        if not line.startswith("listening on "):
            self.stop()
            raise AssertionError(f"{' '.join(args)} did not start: {line!r} {self.stderr}")
        self.address = line[len("listening on "):].strip()
        self.stderr = ""

    def stop(self, timeout=10):
        """SIGTERM, then the exit status; stderr is collected."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            _, self.stderr = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, self.stderr = self.proc.communicate()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _readline(stream, timeout):
    out = []
    reader = threading.Thread(target=lambda: out.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return out[0] if out else ""


def serve_process(*args, hide=(), pythonpath=(), cwd=REPO):
    """envs/serve.py ARGS as a subprocess (through hide.py when modules are to be hidden)."""
    prefix = [sys.executable, HIDE, ",".join(hide), SERVE] if hide else [sys.executable, SERVE]
    return Process(prefix + list(args), env=child_env(pythonpath), cwd=cwd)


class ThreadServer:
    """An agentrnn_envs.EnvServer on a thread of this process, on a free loopback port."""

    def __init__(self, env, **kwargs):
        from agentrnn_envs import EnvServer
        kwargs.setdefault("address", "tcp://127.0.0.1:0")
        self.server = EnvServer(env, **kwargs)
        self.address = self.server.address
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.close()
        self.thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"{what} did not happen within {timeout} s")
