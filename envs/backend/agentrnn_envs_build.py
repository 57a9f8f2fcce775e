"""A PEP 517 build backend for agentrnn-envs, in the standard library only.

pip builds a project in an isolated environment into which it installs the backend's requirements
from an index. setuptools would be such a requirement, so `pip install ./envs` would fail offline. This
backend needs nothing: it zips the agentrnn_envs package into a pure-Python wheel (and an sdist), and
writes the metadata below. It implements build_wheel, build_sdist and build_editable (a .pth file that
puts only agentrnn_envs on the path, through a finder).
"""

import ast
import base64
import hashlib
import io
import os
import tarfile
import time
import zipfile

NAME = "agentrnn-envs"
DIST = "agentrnn_envs"
PACKAGE = "agentrnn_envs"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUMMARY = "AgentRnn's env bridge: serve and play Gymnasium environments over a socket (no dependencies)"
REQUIRES_PYTHON = ">=3.8"
EXTRAS = {"gymnasium": ["gymnasium>=1.0"], "numpy": ["numpy"]}
SCRIPTS = {"agentrnn-serve": "agentrnn_envs.server:main"}
TAG = "py3-none-any"


def _version():
    """agentrnn_envs.__version__, read without importing the package."""
    with open(os.path.join(ROOT, PACKAGE, "__init__.py"), encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise RuntimeError(f"{PACKAGE}/__init__.py does not set __version__")


def _metadata():
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {NAME}",
        f"Version: {_version()}",
        f"Summary: {SUMMARY}",
        f"Requires-Python: {REQUIRES_PYTHON}",
    ]
    for extra, requirements in EXTRAS.items():
        lines.append(f"Provides-Extra: {extra}")
        lines.extend(f'Requires-Dist: {r}; extra == "{extra}"' for r in requirements)
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    return "\n".join(lines + ["Description-Content-Type: text/markdown", "", readme])


def _package_files():
    """(path in the wheel, path on disk) of every .py file of the package, sorted."""
    out = []
    for folder, dirs, files in os.walk(os.path.join(ROOT, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                out.append((os.path.relpath(path, ROOT).replace(os.sep, "/"), path))
    return out


def _dist_info():
    return f"{DIST}-{_version()}.dist-info"


def _record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


def _write_wheel(directory, entries):
    """Writes a wheel of entries [(archive name, bytes)] plus its dist-info; returns the file name."""
    info = _dist_info()
    entries = list(entries) + [
        (f"{info}/METADATA", _metadata().encode("utf-8")),
        (f"{info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: {DIST}_build\nRoot-Is-Purelib: true\nTag: {TAG}\n".encode()),
        (f"{info}/entry_points.txt",
         ("[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in SCRIPTS.items())).encode()),
    ]
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries) + f"{info}/RECORD,,\n"
    filename = f"{DIST}-{_version()}-{TAG}.whl"
    with zipfile.ZipFile(os.path.join(directory, filename), "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in entries + [(f"{info}/RECORD", record.encode())]:
            entry = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible wheels
            entry.external_attr = 0o644 << 16
            wheel.writestr(entry, data, zipfile.ZIP_DEFLATED)
    return filename


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, [(name, _read(path)) for name, path in _package_files()])


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    # A .pth line runs at start-up: it maps the one name agentrnn_envs to the checkout, so that envs/'s
    # other files (serve.py, client.py, tests) do not become importable top-level modules.
    package = os.path.join(ROOT, PACKAGE)
    finder = (
        "import importlib.abc, importlib.util, sys\n\n\n"
        "class _Finder(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name != {PACKAGE!r}:\n"
        "            return None\n"
        f"        return importlib.util.spec_from_file_location(name, {os.path.join(package, '__init__.py')!r},\n"
        f"                                                      submodule_search_locations=[{package!r}])\n\n\n"
        "sys.meta_path.append(_Finder())\n"
    )
    return _write_wheel(wheel_directory, [(f"_{DIST}_editable.py", finder.encode()),
                                          (f"_{DIST}_editable.pth", f"import _{DIST}_editable\n".encode())])


def build_sdist(sdist_directory, config_settings=None):
    base = f"{DIST}-{_version()}"
    files = [("pyproject.toml", os.path.join(ROOT, "pyproject.toml")), ("README.md", os.path.join(ROOT, "README.md")),
             ("PROTOCOL.md", os.path.join(ROOT, "PROTOCOL.md")),
             ("backend/agentrnn_envs_build.py", os.path.abspath(__file__))] + _package_files()
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as sdist:
        for name, data in [(n, _read(p)) for n, p in files] + [("PKG-INFO", _metadata().encode("utf-8"))]:
            entry = tarfile.TarInfo(f"{base}/{name}")
            entry.size = len(data)
            entry.mtime = int(time.mktime((2020, 1, 1, 0, 0, 0, 0, 0, -1)))
            entry.mode = 0o644
            sdist.addfile(entry, io.BytesIO(data))
    return filename
