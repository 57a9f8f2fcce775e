"""`pip install ./envs` offline: a fresh virtual environment gets agentrnn_envs, the agentrnn-serve
command and nothing else (no tests, no gymnasium stand-in), and pip can uninstall it cleanly."""

import os
import sys
import tempfile
import unittest
import zipfile

import support


class InstallTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.venv = os.path.join(cls.dir.name, "venv")
        # --system-site-packages: the venv uses this Python's pip (Debian ships no ensurepip); packages go into the venv.
        out = support.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", cls.venv])
        assert out.returncode == 0, out.stderr
        cls.python = os.path.join(cls.venv, "bin", "python")

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def pip(self, *args, cwd=support.REPO):
        # --no-index: prove that nothing needs to be downloaded (no PyPI here, nor on many training machines).
        out = support.run([self.python, "-m", "pip", "--disable-pip-version-check", *args], timeout=120, cwd=cwd)
        self.assertEqual(0, out.returncode, out.stdout + out.stderr)
        return out

    def site_packages(self):
        out = support.run([self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
        return out.stdout.strip()

    def test_Install_Offline_PackageCommandAndNothingElse(self):
        self.pip("install", "--no-index", "./envs")
        try:
            site = self.site_packages()
            self.assertEqual(["agentrnn_envs", "agentrnn_envs-1.0.0.dist-info"],
                             sorted(n for n in os.listdir(site) if n != "__pycache__"))
            code = ("import agentrnn_envs as a, agentrnn_envs.samples.cue_memory; "
                    "print(a.__file__); print(a.RemoteEnv.__name__, a.RemoteVectorEnv.__name__, a.serve.__name__)")
            out = support.run([self.python, "-c", code], cwd=self.dir.name)
            self.assertEqual(0, out.returncode, out.stderr)
            path, names = out.stdout.splitlines()
            self.assertTrue(path.startswith(site), f"{path} is not the installed copy")
            self.assertEqual("RemoteEnv RemoteVectorEnv serve", names)

            serve = os.path.join(self.venv, "bin", "agentrnn-serve")
            for command in ([serve], [self.python, "-m", "agentrnn_envs"]):
                with support.Process(command + ["--env", "agentrnn_envs.samples.cue_memory:make", "--port", "0"],
                                     cwd=self.dir.name) as srv:
                    out = support.run([self.python, "-c",
                                       "import sys, agentrnn_envs as a; e = a.RemoteEnv(sys.argv[1]); "
                                       "print(e.reset(seed=1)[1])", srv.address], cwd=self.dir.name)
                    self.assertEqual(0, out.returncode, out.stderr)
                    self.assertIn("cue", out.stdout)
            bad = support.run([serve, "--env", "nope:make"], cwd=self.dir.name)
            self.assertEqual((2, "agentrnn-serve: error: --env: no module named 'nope'"),
                             (bad.returncode, bad.stderr.split(" (")[0]))
        finally:
            self.pip("uninstall", "--yes", "agentrnn-envs")
        self.assertEqual([], [n for n in os.listdir(self.site_packages()) if n != "__pycache__"])
        self.assertFalse(os.path.exists(os.path.join(self.venv, "bin", "agentrnn-serve")))

    def test_BuildWheel_Twice_IdenticalBytesAndOnlyThePackage(self):
        wheels = []
        for i in range(2):
            folder = os.path.join(self.dir.name, f"wheel{i}")
            self.pip("wheel", "--no-index", "--no-deps", "-w", folder, "./envs")
            [name] = os.listdir(folder)
            with open(os.path.join(folder, name), "rb") as f:
                wheels.append(f.read())
        self.assertEqual(wheels[0], wheels[1], "the wheel is reproducible")
        with zipfile.ZipFile(os.path.join(self.dir.name, "wheel0", name)) as z:
            names = z.namelist()
            metadata = z.read("agentrnn_envs-1.0.0.dist-info/METADATA").decode()
        self.assertEqual("agentrnn_envs-1.0.0-py3-none-any.whl", name)
        self.assertTrue(all(n.startswith(("agentrnn_envs/", "agentrnn_envs-1.0.0.dist-info/")) for n in names), names)
        self.assertIn("agentrnn_envs/samples/cue_memory.py", names)
        self.assertNotIn("Requires-Dist: gymnasium>=1.0\n", metadata, "gymnasium is an extra, never required")
        self.assertIn('Requires-Dist: gymnasium>=1.0; extra == "gymnasium"', metadata)

    def test_Sdist_BuiltByTheBackend_InstallsOffline(self):
        folder = os.path.join(self.dir.name, "sdist")
        os.mkdir(folder)
        code = ("import sys; sys.path.insert(0, sys.argv[1]); import agentrnn_envs_build as b; "
                "print(b.build_sdist(sys.argv[2]))")
        out = support.run([self.python, "-c", code, os.path.join(support.ENVS, "backend"), folder], cwd=support.ENVS)
        self.assertEqual(0, out.returncode, out.stderr)
        self.pip("install", "--no-index", os.path.join(folder, out.stdout.strip()))
        try:
            out = support.run([self.python, "-c", "import agentrnn_envs; print(agentrnn_envs.__version__)"],
                              cwd=self.dir.name)
            self.assertEqual("1.0.0", out.stdout.strip(), out.stderr)
        finally:
            self.pip("uninstall", "--yes", "agentrnn-envs")

    def test_InstallEditable_ExposesOnlyThePackage(self):
        self.pip("install", "--no-index", "--editable", "./envs")
        try:
            code = ("import importlib.util as u, agentrnn_envs as a; print(a.__file__); "
                    "print([m for m in ('client', 'serve', 'envproto', 'samples', 'support') if u.find_spec(m)])")
            out = support.run([self.python, "-c", code], cwd=self.dir.name)
            self.assertEqual(0, out.returncode, out.stderr)
            path, others = out.stdout.splitlines()
            self.assertEqual(os.path.join(support.ENVS, "agentrnn_envs", "__init__.py"), path)
            self.assertEqual("[]", others, "the checkout's other files must not become top-level modules")
        finally:
            self.pip("uninstall", "--yes", "agentrnn-envs")


if __name__ == "__main__":
    unittest.main()
