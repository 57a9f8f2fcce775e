#!/usr/bin/env python3
"""Runs every ```sh and ```python snippet of README.md as written, in document order, as a reader pasting them
would, and fails naming the first snippet that fails. Standard library only.

    python3 tools/readme/run_snippets.py [--readme README.md] [--agent PATH] [--no-dotnet] [--list] [--keep]

How a snippet runs:
- In a fresh temporary folder that holds a symbolic link to each top-level entry of the repository, so the paths
  the README writes (envs/serve.py, tools/reference/..., Agent.Tests/Fixtures/...) resolve as from the repository
  root, and what the snippets write (cue.safetensors, match.mp4, ...) lands in the temporary folder, never in the
  checkout. `dotnet` lines run in the repository root itself (a project reached through a link would restore
  into the checkout's obj/ under other paths).
- `agent` is the built CLI (README, Commands: "publish once and use the `agent` executable"): --agent PATH (an
  apphost or agent.dll), else Agent.Cli/bin/Release/net10.0/agent, else the Debug one; it is put first on PATH.
- Each shell line (a trailing backslash joins lines) runs with bash and must exit 0 within its time limit. A line
  ending in `&` starts a server: it runs in the background and the next line waits for its "listening on" line,
  as a reader pasting line by line would. Servers get SIGTERM at the end.
- Two rewrites keep concurrent runs apart, and are the only changes: ports 5550-5599 become free ports (the same
  port everywhere it appears) and /tmp/ becomes the temporary folder.
- A ```python snippet runs as `python3 -c SNIPPET` in the same folder.

Not run, and listed as such at the end: the lines in NOT_RUN below (each with its reason), `dotnet` lines with
--no-dotnet (the xunit test passes it: it runs inside `dotnet test`, and .ci/run runs them), and lines that need
a Python module this machine lacks (REQUIRES: torch for PyTorch checkpoints), together with every later line of
the snippets that depend on their outputs (DEPENDS).

The last line of stdout is `readme snippets: N lines run, M not run, ok in T s` or names the failure.
Exit status: 0 when every line run passed, 1 when one failed, 2 for a usage error.
"""
import argparse
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FENCE = re.compile(r"^```(sh|python)\n(.*?)^```", re.M | re.S)
PORT = re.compile(r"\b55[5-9]\d\b")
LINE_TIMEOUT = 300
SERVER_TIMEOUT = 60

# Lines that do not run here, with the reason the summary gives.
NOT_RUN = {
    "dotnet test AgentRnn.sln": "the test suite this check is part of (about 3 min); .ci/run runs it",
}
# A line needing a Python module: run only where it imports (python3-torch on Debian).
REQUIRES = {
    "torch": re.compile(r"\btorch\b|convert_state_dict\.py|example_checkpoint\.py"),
}
# Files a line writes, and the lines that read them: when the writer cannot run, the readers are listed too.
DEPENDS = re.compile(r"\bagent\.(pt|safetensors)\b")


def snippets(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for m in FENCE.finditer(text):
        yield m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def has_module(name):
    """Whether Debian's python3 (the one the README's torch lines name, /usr/bin/python3) imports it."""
    python = "/usr/bin/python3" if os.path.isfile("/usr/bin/python3") else sys.executable
    return subprocess.run([python, "-c", f"import {name}"], capture_output=True).returncode == 0


def find_agent(given):
    candidates = [given] if given else [os.path.join(REPO, "Agent.Cli", "bin", c, "net10.0", "agent")
                                        for c in ("Release", "Debug")]
    for c in candidates:
        if c and os.path.isfile(c):
            return os.path.abspath(c)
    sys.exit("error: no built agent CLI (" + ", ".join(candidates) + "); run `dotnet build Agent.Cli -c Release`"
             " or pass --agent PATH" if not given else f"error: --agent {given} is not a file")


def shell_lines(text, first_line):
    """(README line number, command) per command: backslash continuations joined, blank and comment lines out."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + " " + lines[i].strip()
        i += 1
        line = line.strip()
        if line and not line.startswith("#"):
            yield first_line + 1 + start, line


class Session:
    def __init__(self, agent, keep):
        self.dir = tempfile.mkdtemp(prefix="agentrnn-readme-snippets-")
        self.keep = keep
        for name in os.listdir(REPO):
            if name != ".git":
                os.symlink(os.path.join(REPO, name), os.path.join(self.dir, name))
        bin_dir = os.path.join(self.dir, ".bin")
        os.mkdir(bin_dir)
        wrapper = os.path.join(bin_dir, "agent")
        with open(wrapper, "w") as f:
            run = f'dotnet "{agent}"' if agent.endswith(".dll") else f'"{agent}"'
            f.write(f'#!/bin/sh\nexec {run} "$@"\n')
        os.chmod(wrapper, 0o755)
        self.env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""), PYTHONDONTWRITEBYTECODE="1")
        self.ports = {}
        self.servers = []

    def rewrite(self, text):
        text = PORT.sub(lambda m: str(self.ports.setdefault(m.group(0), free_port())), text)
        return text.replace("/tmp/", self.dir + "/")

    def cwd(self, line):
        return REPO if line.startswith("dotnet ") else self.dir

    def start(self, line):
        proc = subprocess.Popen(["bash", "-c", "exec " + line[:-1].strip()], cwd=self.cwd(line), env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.servers.append((proc, line))
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        ready = sel.select(SERVER_TIMEOUT)
        first = proc.stdout.readline() if ready else ""
        sel.close()
        if first.startswith("listening on "):
            return None
        proc.kill()
        _, err = proc.communicate()
        return f"did not start within {SERVER_TIMEOUT} s (first line {first!r}): {err.strip()[-2000:]}"

    def run(self, args, line):
        try:
            out = subprocess.run(args, cwd=self.cwd(line), env=self.env, capture_output=True, text=True,
                                 timeout=LINE_TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return f"did not end within {LINE_TIMEOUT} s"
        if out.returncode != 0:
            return f"exited {out.returncode}:\n{out.stdout[-3000:]}{out.stderr[-3000:]}"
        return None

    def close(self):
        failures = []
        for proc, line in self.servers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                failures.append(f"server `{line}` did not stop within 20 s of SIGTERM")
        if self.keep:
            print(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return failures


def main():
    ap = argparse.ArgumentParser(description="Runs every sh and python snippet of README.md as written.")
    ap.add_argument("--readme", default=os.path.join(REPO, "README.md"))
    ap.add_argument("--agent", help="the built agent CLI (apphost or agent.dll)")
    ap.add_argument("--no-dotnet", action="store_true", help="list `dotnet ...` lines as not run")
    ap.add_argument("--list", action="store_true", help="list the snippets and their lines, run nothing")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    a = ap.parse_args()
    if not os.path.isfile(a.readme):
        print(f"error: --readme {a.readme} is not a file", file=sys.stderr)
        return 2
    name = os.path.relpath(a.readme, REPO)
    name = a.readme if name.startswith("..") else name
    found = list(snippets(a.readme))
    if not found:
        print(f"error: {name} has no ```sh or ```python snippet", file=sys.stderr)
        return 2
    if a.list:
        for n, (kind, text, line) in enumerate(found, 1):
            print(f"snippet {n} ({kind}, {name} line {line})")
            for at, cmd in (shell_lines(text, line) if kind == "sh" else [(line + 1, text.strip())]):
                print(f"  {at}: {cmd}")
        return 0

    missing = {m for m in REQUIRES if not has_module(m)}
    session = Session(find_agent(a.agent), a.keep)
    began = time.monotonic()
    ran, not_run, failure, blocked = 0, [], None, False
    try:
        for n, (kind, text, line) in enumerate(found, 1):
            where = f"snippet {n} ({name} line {line})"
            items = list(shell_lines(text, line)) if kind == "sh" else [(line + 1, text)]
            for at, cmd in items:
                label = f"{where}, line {at}: " + (cmd if kind == "sh" else f"python3 -c {cmd.strip().splitlines()[0]!r}...")
                reason = NOT_RUN.get(cmd)
                if reason is None and a.no_dotnet and cmd.startswith("dotnet "):
                    reason = "--no-dotnet (the check runs inside dotnet test); .ci/run runs it"
                if reason is None:
                    need = [m for m in missing if REQUIRES[m].search(cmd)]
                    if need:
                        reason = f"needs Python's {', '.join(need)} (Debian: python3-{need[0]}), not installed"
                        blocked = blocked or bool(DEPENDS.search(cmd))
                    elif blocked and DEPENDS.search(cmd):
                        reason = "reads what a line not run would have written"
                if reason is not None:
                    not_run.append(f"{label}  ({reason})")
                    continue
                t0 = time.monotonic()
                text_run = session.rewrite(cmd if kind == "sh" else text)
                if kind == "python":
                    error = session.run(["python3", "-c", text_run], "")
                elif text_run.endswith("&"):
                    error = session.start(text_run)
                else:
                    error = session.run(["bash", "-c", text_run], text_run)
                ran += 1
                print(f"{'FAILED' if error else 'ok'} {time.monotonic() - t0:6.1f} s  {label}", flush=True)
                if error:
                    failure = f"{label}\n{error}"
                    break
            if failure:
                break
    finally:
        stop_failures = session.close()
    if not failure and stop_failures:
        failure = stop_failures[0]
    for item in not_run:
        print(f"not run: {item}")
    took = time.monotonic() - began
    if failure:
        print(failure.rstrip())
        print(f"readme snippets: FAILED at {failure.splitlines()[0]} ({ran} lines run, {len(not_run)} not run, "
              f"{took:.1f} s)")
        return 1
    print(f"readme snippets: {ran} lines run, {len(not_run)} not run, ok in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
