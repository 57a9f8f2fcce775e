"""serve.py's command line and hostile peers.

Every argument or start-up error is one line on stderr, no traceback, exit status 2, and nothing is
deleted; a peer that stalls, trickles, floods or never reads costs only its own connection.
"""

import os
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from unittest import mock

import support
from agentrnn_envs import EnvServer, RemoteVectorEnv, StartError, protocol, server

CUE = "samples.cue_memory:make"


def serve_cli(*args, hide=(), cwd=support.REPO, timeout=support.TIMEOUT, pythonpath=()):
    prefix = [sys.executable, support.HIDE, ",".join(hide), support.SERVE] if hide else [sys.executable, support.SERVE]
    return support.run(prefix + list(args), timeout=timeout, cwd=cwd, env=support.child_env(pythonpath))


class StartErrorTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def assertOneLineExit2(self, out, *fragments):
        self.assertEqual(2, out.returncode, f"exit {out.returncode}: {out.stderr}")
        self.assertEqual("", out.stdout)
        self.assertNotIn("Traceback", out.stderr)
        lines = out.stderr.splitlines()
        self.assertEqual(1, len(lines), f"expected one line on stderr, got: {out.stderr!r}")
        for fragment in fragments:
            self.assertIn(fragment, lines[0])
        return lines[0]

    def test_Port_InUse_OneLineExit2(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            out = serve_cli("--env", CUE, "--port", str(port))
        self.assertOneLineExit2(out, f"cannot listen on tcp://127.0.0.1:{port}", "in use", "--port 0")

    def test_Port_OutOfRangeOrNotANumber_OneLineExit2(self):
        self.assertOneLineExit2(serve_cli("--env", CUE, "--port", "99999"), "--port", "0..65535, got 99999", "see --help")
        self.assertOneLineExit2(serve_cli("--env", CUE, "--port", "http"), "0..65535, got 'http'")

    def test_Env_MissingModule_OneLineExit2(self):
        self.assertOneLineExit2(serve_cli("--env", "no_such_module_xyz:make"), "no module named 'no_such_module_xyz'")

    def test_Env_ModuleRaisesOnImport_OneLineNamesFileAndLine(self):
        path = os.path.join(self.dir.name, "broken.py")
        with open(path, "w") as f:
            f.write("x = 1\nraise RuntimeError('no display')\n")
        line = self.assertOneLineExit2(serve_cli("--env", f"{path}:make"), "RuntimeError: no display", f"{path}, line 2")
        self.assertIn("loading", line)
        with open(os.path.join(self.dir.name, "syntax.py"), "w") as f:
            f.write("def make(:\n")
        self.assertOneLineExit2(serve_cli("--env", "syntax:make", cwd=self.dir.name), "SyntaxError", "line 1")

    def test_Env_ModuleImportsMissingDependency_NamesTheDependency(self):
        with open(os.path.join(self.dir.name, "needs_dep.py"), "w") as f:
            f.write("import not_installed_dep_xyz\n")
        self.assertOneLineExit2(serve_cli("--env", "needs_dep:make", cwd=self.dir.name),
                                "importing needs_dep failed", "not_installed_dep_xyz")

    def test_Env_BadSpecsAndFactories_OneLineExit2(self):
        with open(os.path.join(self.dir.name, "games.py"), "w") as f:
            f.write("value = 3\n"
                    "def make(level):\n    raise ValueError(f'no level {level}')\n"
                    "class NoSpaces:\n    pass\n"
                    "def tuple_space():\n"
                    "    class E:\n        observation_space = type('Tuple', (), {})()\n        action_space = None\n"
                    "    return E()\n")
        cases = [
            (["--env", "justaname"], "is not MODULE:FACTORY"),
            (["--env", "games:value"], "has no callable 'value'"),
            (["--env", "games:missing"], "has no callable 'missing'"),
            (["--env", "nofile.py:make"], "file 'nofile.py' does not exist"),
            (["--env", "games:make"], "making the env failed: TypeError"),
            (["--env", "games:make", "--env-kwargs", '{"level": 9}'], "ValueError: no level 9"),
            (["--env", "games:NoSpaces"], "the env has no observation_space"),
            (["--env", "games:tuple_space"], "is not Box, Discrete, MultiDiscrete or Dict"),
            (["--env", "games:make", "--env-kwargs", "{oops"], "--env-kwargs is not JSON"),
            (["--env", "games:make", "--env-kwargs", "[1]"], "--env-kwargs must be a JSON object"),
            (["--env", "games:make", "--num-envs", "0"], "--num-envs must be 1..65536"),
            (["--env", "games:make", "--max-message", "10"], "--max-message must be"),
            (["--env", "games:make", "--autoreset", "sometimes"], "invalid choice"),
            (["--port", "5"], "the following arguments are required: --env"),
            (["--env", "games:make", "--port", "0", "--unix", "x.sock"], "not allowed with argument"),
            (["--env", "games:make", "--host", "::1", "--unix", "x.sock"], "--host applies to TCP"),
        ]
        for args, fragment in cases:
            with self.subTest(args=args):
                self.assertOneLineExit2(serve_cli(*args, cwd=self.dir.name), fragment)

    def test_Env_StepResultTooLargeForMaxMessage_OneLineExit2(self):
        self.assertOneLineExit2(serve_cli("--env", CUE, "--num-envs", "16", "--max-message", "65536"),
                                "more than the maximum message size 65536")

    def test_Host_NotAnAddressOfThisMachine_OneLineExit2(self):
        # 192.0.2.1 is TEST-NET-1: binding to it fails locally, nothing is sent anywhere.
        self.assertOneLineExit2(serve_cli("--env", CUE, "--host", "192.0.2.1"), "cannot listen on tcp://192.0.2.1:5555")

    def test_Host_DoesNotResolve_StartErrorNamesHost(self):
        # getaddrinfo is replaced so that no name lookup leaves the machine.
        failure = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        with mock.patch.object(socket, "getaddrinfo", side_effect=failure):
            with self.assertRaisesRegex(StartError, "host 'no-such-host' does not resolve \\(Name or service not known\\)"):
                EnvServer(CUE, address="tcp://no-such-host:0")

    def test_Unix_RegularFile_RefusedAndLeftIntact(self):
        path = os.path.join(self.dir.name, "notes.txt")
        with open(path, "w") as f:
            f.write("precious")
        self.assertOneLineExit2(serve_cli("--env", CUE, "--unix", path), "exists and is not a socket")
        with open(path) as f:
            self.assertEqual("precious", f.read())

    def test_Unix_SymlinkToSocket_RefusedAndLeftIntact(self):
        target = os.path.join(self.dir.name, "real.sock")
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(target)
        link = os.path.join(self.dir.name, "link.sock")
        os.symlink(target, link)
        self.assertOneLineExit2(serve_cli("--env", CUE, "--unix", link), "exists and is not a socket")
        self.assertTrue(os.path.islink(link) and os.path.exists(target))

    def test_Unix_LiveSocket_RefusedAndOtherServerKeepsServing(self):
        path = os.path.join(self.dir.name, "live.sock")
        with support.serve_process("--env", CUE, "--unix", path) as first:
            self.assertOneLineExit2(serve_cli("--env", CUE, "--unix", path), "another server is listening there")
            with RemoteVectorEnv(first.address) as envs:
                envs.reset(seed=0)

    def test_Unix_StaleSocket_ReplacedAndRemovedOnSigterm(self):
        path = os.path.join(self.dir.name, "stale.sock")
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(path)  # bound, never listened on, then closed: the file stays, no server behind it
        with support.serve_process("--env", CUE, "--unix", path) as srv:
            self.assertEqual(f"unix:{path}", srv.address)
            with RemoteVectorEnv(srv.address) as envs:
                envs.reset(seed=0)
            self.assertEqual(0, srv.stop())
            self.assertEqual("serve.py: stopped (SIGTERM)", srv.stderr.strip())
        self.assertFalse(os.path.exists(path))

    def test_Unix_MissingFolderOrTooLong_OneLineExit2(self):
        self.assertOneLineExit2(serve_cli("--env", CUE, "--unix", os.path.join(self.dir.name, "no", "env.sock")),
                                "cannot listen on unix:")
        self.assertOneLineExit2(serve_cli("--env", CUE, "--unix", os.path.join(self.dir.name, "x" * 200 + ".sock")),
                                "cannot listen on unix:")

    def test_Gymnasium_NotInstalled_OneLineSaysSo(self):
        self.assertOneLineExit2(serve_cli("--env", "gymnasium:CartPole-v1", hide=("gymnasium",)),
                                "--env gymnasium:CartPole-v1 needs gymnasium, which is not installed")

    def test_Verbose_StartError_AddsTraceback(self):
        out = serve_cli("--env", "no_such_module_xyz:make", "--verbose")
        self.assertEqual(2, out.returncode)
        self.assertIn("Traceback", out.stderr)
        self.assertTrue(out.stderr.rstrip().endswith("no module named 'no_such_module_xyz' (run from the folder that "
                                                     "holds it, put it on PYTHONPATH, or give path/to/file.py:FACTORY)"))


class HostilePeerTests(unittest.TestCase):
    """EnvServer on a thread with short deadlines; every hostile connection must end on its own while a
    well-behaved client is served alongside."""

    def setUp(self):
        patches = [mock.patch.object(server, "HANDSHAKE_TIMEOUT", 1.0), mock.patch.object(server, "MESSAGE_TIMEOUT", 1.0)]
        for p in patches:
            p.start()
            self.addCleanup(p.stop)
        self.log = []
        self.srv = support.ThreadServer(CUE, env_kwargs={"height": 84, "width": 84}, num_envs=1, max_connections=4,
                                        log=self.log.append)
        self.addCleanup(self.srv.close)
        host, port = protocol.parse_address(self.srv.address)[1]
        self.sockaddr = (host, port)

    def raw(self):
        s = socket.create_connection(self.sockaddr, timeout=10)
        self.addCleanup(s.close)
        return s

    def assertClosedByServerWithin(self, s, seconds):
        start = time.monotonic()
        s.settimeout(seconds + 10)
        try:
            while s.recv(65536):
                pass
        except ConnectionResetError:
            pass
        elapsed = time.monotonic() - start
        self.assertLess(elapsed, seconds + 4, f"the server held the connection {elapsed:.1f} s")

    def assertServesOthers(self):
        with RemoteVectorEnv(self.srv.address, timeout=10) as envs:
            envs.reset(seed=0)
            envs.step([0])

    def test_Peer_ConnectsAndSaysNothing_ClosedAfterHandshakeTimeout(self):
        s = self.raw()
        self.assertServesOthers()
        self.assertClosedByServerWithin(s, 1.0)

    def test_Peer_DeclaresHugeMessageThenStalls_ClosedAfterMessageTimeout(self):
        s = self.raw()
        s.sendall(protocol.hello())
        protocol.Connection(s).recv()  # SPEC
        s.sendall(struct.pack("<IB", 60 << 20, protocol.STEP) + b"\x01\x02")
        self.assertServesOthers()
        self.assertClosedByServerWithin(s, 1.0)

    def test_Peer_TricklesBytes_ClosedAfterMessageTimeoutDespiteActivity(self):
        s = self.raw()
        message = protocol.hello()
        start = time.monotonic()
        closed = False
        for b in message:
            try:
                s.sendall(bytes([b]))
            except OSError:
                closed = True
                break
            time.sleep(0.4)
            s.settimeout(0.01)
            try:
                if s.recv(1) == b"":
                    closed = True
                    break
            except socket.timeout:
                pass
        self.assertTrue(closed, "the trickling peer was never cut off")
        self.assertLess(time.monotonic() - start, 4.5, "a 17-byte HELLO trickled over 6.8 s must be cut off after ~1 s")
        self.assertServesOthers()

    def test_Peer_NeverReadsReplies_ClosedWhenSendStalls(self):
        s = self.raw()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(protocol.hello())
        spec = protocol.decode_spec(protocol.Connection(s).recv()[1])
        step = protocol.step_msg(spec.action_space, [0])
        s.sendall(protocol.reset_msg(0))

        def flood():  # 21 KiB observations per reply, never read
            try:
                for _ in range(2000):
                    s.sendall(step)
            except OSError:
                pass

        threading.Thread(target=flood, daemon=True).start()
        support.wait_until(lambda: any("client went away" in line for line in self.log), 10,
                           "the server giving up on a peer that does not read")
        self.assertServesOthers()

    def test_Peers_MoreThanMaxConnections_ExtraOneRefusedWithError(self):
        held = [RemoteVectorEnv(self.srv.address) for _ in range(4)]
        try:
            with self.assertRaisesRegex(protocol.RemoteError, "at its limit of 4 connections"):
                RemoteVectorEnv(self.srv.address)
        finally:
            held.pop().close()
        support.wait_until(lambda: len(self.srv.server._active) < 4, 5, "a closed connection freeing its slot")
        self.assertServesOthers()
        for envs in held:
            envs.close()

    def test_Peer_SendsGarbage_ErrorThenClose(self):
        s = self.raw()
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        conn = protocol.Connection(s)
        mtype, payload = conn.recv()
        self.assertEqual(protocol.ERROR, mtype)
        self.assertIn("exceeds the maximum 1024", protocol.decode_error(payload)[1])
        self.assertServesOthers()


class FileDescriptorTests(unittest.TestCase):
    def test_Accept_OutOfFileDescriptors_ServerRecovers(self):
        """serve.py limited to 24 open files, 40 connections at once: accept fails (EMFILE) while they are
        open; the server logs it, keeps going, and serves again once they close."""
        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (24, 24))

        proc = subprocess.Popen([sys.executable, support.SERVE, "--env", CUE, "--port", "0"], cwd=support.REPO,
                                env=support.child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=limit)
        try:
            line = proc.stdout.readline()
            self.assertTrue(line.startswith("listening on "), line)
            address = line.split()[-1]
            sockaddr = protocol.parse_address(address)[1]
            flood = []
            for _ in range(40):
                s = socket.socket()
                s.settimeout(5)
                try:
                    s.connect(sockaddr)
                except OSError:
                    s.close()
                    continue
                flood.append(s)
            time.sleep(1.0)
            for s in flood:
                s.close()
            deadline = time.monotonic() + 20
            while True:
                try:
                    with RemoteVectorEnv(address, timeout=5) as envs:
                        envs.reset(seed=0)
                    break
                except (ConnectionError, TimeoutError, OSError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            self.assertIsNone(proc.poll(), "the server exited")
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=10)
        self.assertIn("accept failed", err)
        self.assertNotIn("Traceback", err)


if __name__ == "__main__":
    unittest.main()
