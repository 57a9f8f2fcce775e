"""Every ```sh and ```python snippet in envs/README.md, run as written, in document order, as one session.

- A shell line ending in `&` starts a server: it runs in the background, and the next snippet waits for
  its "listening on" line. A python snippet that calls serve(...) at top level is a server the same way.
  Every other line or snippet must exit 0 within its time limit. Servers stop (SIGTERM, exit 0) at the end.
- Commands run from the repository root with a fresh virtual environment first on PATH, so that
  `python3 -m pip install ./envs` installs there and nowhere else.
- Two rewrites keep concurrent test runs apart, and are the only changes: ports 5550-5599 become free
  ports (the same port everywhere it appears) and /tmp/ becomes a private temporary folder.
- Snippets that mention gymnasium get the stand-in on PYTHONPATH when real gymnasium is not installed.
"""

import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import unittest

import support

README = os.path.join(support.ENVS, "README.md")
TOP_README = os.path.join(support.REPO, "README.md")
FENCE = re.compile(r"^```(sh|python)\n(.*?)^```", re.M | re.S)
SERVES = re.compile(r"^serve\(", re.M)
PORT = re.compile(r"\b55[5-9]\d\b")


def snippets(path):
    with open(path, encoding="utf-8") as f:
        return FENCE.findall(f.read())


def real_gymnasium():
    out = support.run([sys.executable, "-c", "import gymnasium"])
    return out.returncode == 0


class Session:
    def __init__(self, test):
        self.test = test
        self.dir = tempfile.mkdtemp(prefix="agentrnn-readme-")
        venv = os.path.join(self.dir, "venv")
        out = support.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", venv])
        test.assertEqual(0, out.returncode, out.stderr)
        self.path = os.path.join(venv, "bin") + os.pathsep + os.environ["PATH"]
        self.ports = {}
        self.servers = []
        self.gymnasium_path = () if real_gymnasium() else (support.FAKE_GYMNASIUM,)

    def rewrite(self, text):
        text = PORT.sub(lambda m: str(self.ports.setdefault(m.group(0), support.free_port())), text)
        return text.replace("/tmp/", self.dir + "/")

    def env(self, text):
        env = support.child_env(self.gymnasium_path if "gymnasium" in text else ())
        env["PATH"] = self.path
        return env

    def start(self, args, text):
        proc = subprocess.Popen(args, cwd=support.REPO, env=self.env(text), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.servers.append((proc, text))
        line = support._readline(proc.stdout, support.TIMEOUT)
        if not line.startswith("listening on "):
            proc.kill()
            _, err = proc.communicate()
            self.test.fail(f"{text!r} did not start: {line!r} {err}")

    def run(self, args, text):
        out = support.run(args, timeout=120, env=self.env(text))
        self.test.assertEqual(0, out.returncode, f"{text!r} exited {out.returncode}:\n{out.stdout}\n{out.stderr}")

    def shell(self, text):
        for line in re.sub(r"\\\n", " ", text).splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.endswith("&"):
                self.start(["bash", "-c", "exec " + line[:-1].strip()], line)
            else:
                self.run(["bash", "-c", line], line)

    def python(self, text):
        if SERVES.search(text):
            self.start(["python3", "-c", text], text)
        else:
            self.run(["python3", "-c", text], text)

    def close(self):
        for proc, text in self.servers:
            os.killpg(proc.pid, signal.SIGTERM)
            _, err = proc.communicate(timeout=20)
            self.test.assertEqual(0, proc.returncode, f"{text!r} exited {proc.returncode} on SIGTERM: {err}")
        subprocess.run(["rm", "-rf", self.dir], check=True)


class ReadmeTests(unittest.TestCase):
    def test_EnvsReadme_EverySnippet_RunsAsWritten(self):
        found = snippets(README)
        kinds = [kind for kind, _ in found]
        self.assertGreaterEqual(kinds.count("sh"), 3, "the sh snippets were not found")
        self.assertGreaterEqual(kinds.count("python"), 3, "the python snippets were not found")
        session = Session(self)
        try:
            for i, (kind, text) in enumerate(found):
                text = session.rewrite(text)
                with self.subTest(snippet=i, first_line=text.splitlines()[0]):
                    (session.shell if kind == "sh" else session.python)(text)
        finally:
            session.close()

    def test_TopReadme_BridgeLines_RunAsWritten(self):
        """The top-level README's snippets mix serve.py with `agent` commands (tested with the CLI); here its
        bridge lines run as written and a Python client plays the server they start."""
        lines = [line.strip() for kind, text in snippets(TOP_README) if kind == "sh" for line in text.splitlines()
                 if line.strip().startswith(("python3 envs/", "python3 -m pip install ./envs"))]
        self.assertTrue(any("envs/serve.py" in line for line in lines), "the README's serve.py line was not found")
        session = Session(self)
        try:
            for line in lines:
                session.shell(session.rewrite(line))
            for proc, _ in session.servers:
                self.assertIsNone(proc.poll())
            for port in session.ports.values():
                session.python(f"import sys; sys.path.insert(0, 'envs')\nfrom agentrnn_envs import RemoteVectorEnv\n"
                               f"envs = RemoteVectorEnv('tcp://127.0.0.1:{port}')\nenvs.reset(seed=0)\n"
                               f"envs.step(envs.action_space.sample())\nenvs.close()\n")
        finally:
            session.close()

    def test_Snippets_ServerLines_AreTheServersTheClientsUse(self):
        """The clients' addresses appear in server lines above them (a snippet cannot pass against a server
        the README never starts)."""
        text = "".join(t for _, t in snippets(README))
        for address in re.findall(r'Remote(?:Vector)?Env\("([^"]+)"\)', text):
            where = address.split("://")[-1].split(":")[-1] if address.startswith("tcp") else address[5:]
            self.assertTrue(any(where in shlex.split(line) or f"--port {where}" in line for line in text.splitlines()
                                if "serve.py" in line), f"no server in the README listens on {address}")


if __name__ == "__main__":
    unittest.main()
