"""Where an ansible-core release runs as the controller in the tests.

A release needs a controller Python it supports (2.20 and 2.21: 3.12 or newer), which a Debian 12
machine does not have of its own.  ``controller_for`` gives, in this order of preference:

- a virtualenv of a Python on this machine that is new enough (python3 itself, python3.N on PATH,
  or a pyenv installation), or
- a virtualenv on a trixie test host, whose Debian Python is 3.13: the collection, the playbooks and
  the key that reaches the other test hosts are copied there, and the commands run over SSH.

Both offer the same interface: ``put`` a file or directory, ``run`` a command of the release.
"""
import glob
import os
import pathlib
import shlex
import shutil
import subprocess
import sys
import tempfile

import testhost

PYENV_ROOT = pathlib.Path(os.environ.get("PYENV_ROOT", pathlib.Path.home() / ".pyenv"))
TRIXIE_PYTHON = "/usr/bin/python3"


class Ran:
    def __init__(self, rc, stdout, stderr):
        self.returncode, self.stdout, self.stderr = rc, stdout, stderr

    @property
    def output(self):
        return self.stdout + self.stderr


def python_version(executable):
    """(major, minor) of an interpreter that runs and has venv, or None."""
    try:
        done = subprocess.run([executable, "-c", "import sys, venv, ensurepip; print('%d %d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    if done.returncode != 0:
        return None
    major, minor = done.stdout.split()
    return int(major), int(minor)


def local_pythons():
    """Interpreters on this machine: this one first, then python3.N on PATH, then pyenv's."""
    found = [sys.executable]
    for minor in range(20, 8, -1):
        path = shutil.which("python3.%d" % minor)
        if path and "/shims/" not in path:  # a pyenv shim runs only the versions pyenv has selected
            found.append(path)
    found += sorted(glob.glob(str(PYENV_ROOT / "versions" / "*" / "bin" / "python3")), reverse=True)
    seen, unique = set(), []
    for path in found:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            unique.append(path)
    return unique


def find_local_python(minimum):
    """The first local interpreter at least ``minimum`` ((3, 12)), or None."""
    for path in local_pythons():
        version = python_version(path)
        if version and version >= minimum:
            return path
    return None


class LocalController:
    """A release in a virtualenv of one of this machine's Pythons."""

    where = "this machine"

    def __init__(self, python, core, key, parent=None):
        self.python, self.core, self.key = python, core, key
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="wsgi-apache-controller-", dir=parent))
        venv = self.work / "venv"
        subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"ansible-core=={core}"], check=True,
                       capture_output=True, timeout=900)
        self.bin = venv / "bin"
        self.python_shown = subprocess.run([str(self.bin / "python"), "--version"], capture_output=True,
                                           text=True, check=True).stdout.strip() + f" ({python})"

    def put(self, path):
        """Copy a file or directory into the controller's work directory; its path there."""
        path = pathlib.Path(path)
        target = self.work / path.name
        if path.is_dir():
            shutil.copytree(path, target)
        else:
            shutil.copy2(path, target)
        return str(target)

    def run(self, program, *args, env=None, cwd=None, timeout=1200):
        done = subprocess.run([str(self.bin / program), *map(str, args)], capture_output=True, text=True,
                              cwd=cwd or self.work, timeout=timeout, check=False, stdin=subprocess.DEVNULL,
                              env={**os.environ, "ANSIBLE_NOCOLOR": "1", **(env or {})})
        return Ran(done.returncode, done.stdout, done.stderr)

    def close(self):
        shutil.rmtree(self.work, ignore_errors=True)


class TestHostController:
    """A release in a virtualenv on a trixie test host (Debian's Python 3.13)."""

    where = "a trixie test host"

    def __init__(self, host, core, key, parent=None):
        del parent  # the work directory is on the host
        self.host, self.core = host, core
        self.work = f"/root/controller-{core}"
        self.bin = f"{self.work}/venv/bin"
        # under a lock of the host's: two releases set up at once (make sanity's two jobs) would both run apt-get,
        # and the second fail on apt's lock
        venv = (f"{TRIXIE_PYTHON} -c 'import ensurepip' 2>/dev/null || (apt-get update -q && "
                "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-venv) >/dev/null")
        host.ssh(f"flock /run/wsgiah-controller-setup.lock sh -c {shlex.quote(venv)}", timeout=900)
        host.ssh(f"rm -rf {self.work} && mkdir -p {self.work} && {TRIXIE_PYTHON} -m venv {self.work}/venv && "
                 f"{self.bin}/pip install -q ansible-core=={core}", timeout=900)
        self.key = key and self.put(key)
        if key:
            host.ssh(f"chmod 600 {self.key}")
        self.python_shown = host.ssh(f"{self.bin}/python --version").stdout.strip() + \
            f" (Debian's {TRIXIE_PYTHON} on {host.name})"

    def put(self, path):
        """Copy a file or directory into the controller's work directory; its path there."""
        path = pathlib.Path(path)
        target = f"{self.work}/{path.name}"
        subprocess.run(["scp", "-r", "-q", "-i", self.host.identity, "-o", "StrictHostKeyChecking=no",
                        "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                        str(path), f"root@{self.host.address}:{self.work}/"], check=True, capture_output=True)
        return target

    def run(self, program, *args, env=None, cwd=None, timeout=1200):
        variables = " ".join(f"{k}={shlex.quote(str(v))}" for k, v in {"ANSIBLE_NOCOLOR": "1", **(env or {})}.items())
        command = f"cd {shlex.quote(cwd or self.work)} && env {variables} {self.bin}/{program} " + \
            " ".join(shlex.quote(str(a)) for a in args)
        done = self.host.ssh(command, check=False, timeout=timeout)
        return Ran(done.returncode, done.stdout, done.stderr)

    def close(self):
        self.host.ssh(f"rm -rf {self.work}", check=False)


def controller_for(entry, trixie_host, key=None, parent=None):
    """A controller for one entry of tests/ansible_cores.yml ({core, python, controller});
    ``trixie_host()`` gives the trixie test host when one is needed.  ``key`` (default: the test
    hosts' key; False for none) is copied to the controller; a local controller works in a new
    directory under ``parent`` (default: the system's temporary directory)."""
    key = str(testhost.ssh_key()) if key is None else key
    minimum = tuple(int(part) for part in entry["python"].split("."))
    if entry.get("controller", "auto") == "auto":
        python = find_local_python(minimum)
        if python:
            return LocalController(python, entry["core"], key, parent)
    return TestHostController(trixie_host(), entry["core"], key, parent)
