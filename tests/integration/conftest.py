"""Fixtures for tests against real throwaway Debian hosts (tools/testhost.py).

These tests need root, namespaces and the network mirror: without them they fail, loudly.
"""
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import resource
import tempfile
import time

import pytest

import testhost

ROOT = pathlib.Path(__file__).resolve().parents[2]
TESTHOST = [sys.executable, str(ROOT / "tools" / "testhost.py")]
# mod_wsgi's build cache on the controller: empty when a test run starts, so that what one test compiles
# is shared with the tests after it (as in a fleet), never with an earlier run. `make hosts` gives its
# groups and Molecule one (WSGI_APACHE_TEST_BUILD_CACHE, emptied first); a session alone makes its own.
SHARED_BUILD_CACHE = os.environ.get("WSGI_APACHE_TEST_BUILD_CACHE")


def _own_build_cache():
    parent = ROOT / "build" / "test-cache"
    parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkdtemp(prefix="mod_wsgi-", dir=parent)


BUILD_CACHE = pathlib.Path(SHARED_BUILD_CACHE or _own_build_cache())


@pytest.fixture(scope="session", autouse=True)
def _require_root():
    if os.geteuid() != 0:
        pytest.fail("integration tests start test hosts and need root; run them as root (make test)")


@pytest.fixture(scope="session", autouse=True)
def _build_cache():
    yield BUILD_CACHE
    if not SHARED_BUILD_CACHE:
        shutil.rmtree(BUILD_CACHE, ignore_errors=True)


class Host(testhost.Host):
    def inventory(self, directory):
        path = pathlib.Path(directory) / f"{self.name}.ini"
        path.write_text(self.inventory_line() + "\n")
        return path


class ThisMachine:
    """This machine, with the interface of Host: commands run in a local bash, requests go to loopback."""
    name = "this-machine"
    address = "127.0.0.1"

    def ssh(self, command, check=True, timeout=300):
        """At the timeout every process the command started is killed too (its own session), so that a server
        that should have refused to start and did not is not left running here."""
        with subprocess.Popen(["bash", "-c", command], text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, start_new_session=True) as process:
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                raise
        res = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        if check and res.returncode != 0:
            raise AssertionError(f"{command!r} failed here ({res.returncode}): {res.stderr}{res.stdout}")
        return res

    def inventory(self, directory):
        """Debian's python3 runs the modules: python3-apt belongs to it, whatever python3 PATH finds."""
        path = pathlib.Path(directory) / f"{self.name}.ini"
        path.write_text("localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n")
        return path


# What each test module cost, printed at the end of the run: wall time, this machine's CPU (pytest and
# every command it waited for: ansible-playbook, wrk, ssh) and its test hosts' CPU (their cgroups).
COSTS = {}
RUNNING = {}  # "cost" and "module": those of the module running, where count_play counts its plays
PLAY_LOGS = ROOT / "build" / "logs" / "plays"


def host_cpu(name):
    """Seconds of CPU a running test host's processes used so far (its cgroup); 0 once it is gone."""
    try:
        stat = (testhost.cgroup(name) / "cpu.stat").read_text()
    except OSError:
        return 0.0
    return int(re.search(r"^usage_usec (\d+)$", stat, re.M).group(1)) / 1e6


def _own_cpu():
    return sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for field in ("ru_utime", "ru_stime"))


@pytest.fixture(scope="module", autouse=True)
def _cost(request):
    wall, cpu = time.monotonic(), _own_cpu()
    cost = COSTS.setdefault(request.module.__name__, {"hosts": 0.0})
    RUNNING.update(cost=cost, module=request.module.__name__)
    for old in PLAY_LOGS.glob(f"{request.module.__name__}-*.log"):
        old.unlink()
    yield
    cost.update(wall=time.monotonic() - wall, controller=_own_cpu() - cpu)


def stop_hosts(names, module):
    """Stop test hosts, counting their CPU to the module's cost."""
    COSTS.setdefault(module, {"hosts": 0.0})["hosts"] += sum(host_cpu(name) for name in names)
    subprocess.run([*TESTHOST, "stop", *names], check=False)


def pytest_terminal_summary(terminalreporter):
    if COSTS:
        terminalreporter.write_sep("=", "cost per test module (seconds)")
        terminalreporter.write_line(f"{'module':28} {'wall':>7} {'this machine CPU':>17} {'test hosts CPU':>15} "
                                    f"{'plays':>6}")
        for module, cost in COSTS.items():
            terminalreporter.write_line(f"{module:28} {cost.get('wall', 0):7.0f} {cost.get('controller', 0):17.0f} "
                                        f"{cost['hosts']:15.0f} {cost.get('plays', 0):6}")


@pytest.fixture(scope="module")
def start_host(request):
    """Start hosts on demand; every host a test module started is stopped when the module ends, pass or
    fail (an idle host still runs its Apache, its daemons and what checks them: HAProxy's health checks)."""
    started = []

    def start(name, release="bookworm"):
        res = subprocess.run([*TESTHOST, "start", "--release", release, name], text=True, capture_output=True, check=False)
        if res.returncode != 0:
            pytest.fail(f"could not start test host {name}: {res.stderr}")
        started.append(name)
        return Host(json.loads(res.stdout)[0])

    yield start
    if started:
        stop_hosts(started, request.module.__name__)


@pytest.fixture(scope="module")
def inventory(host, tmp_path_factory):
    """An inventory of the test module's ``host`` fixture."""
    return host.inventory(tmp_path_factory.mktemp("inv"))


class PlayResult:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        recap = re.search(r"changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", self.output)
        self.changed = int(recap.group(1)) if recap else None
        self.failed = int(recap.group(3)) if recap else None

    def __repr__(self):
        found = [at for at in (self.output.find("fatal:"), self.output.find("failed: [")) if at >= 0]
        failure = min(found) if found else -1
        shown = self.output[max(0, failure - 500):failure + 3000] if failure >= 0 else self.output[-3500:]
        return f"rc={self.rc} changed={self.changed}\n{shown}"


def run_play(playbook, inventory, extra_vars=None, env=None, ansible_playbook="ansible-playbook", cwd=ROOT,
             check=False):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump({"mod_wsgi_build_cache_dir": str(BUILD_CACHE), **(extra_vars or {})}, fh)
    try:
        proc = subprocess.run(
            [ansible_playbook, "-i", str(inventory), str(playbook), "-e", f"@{fh.name}", *(["--check"] if check else [])],
            text=True, capture_output=True, cwd=cwd, timeout=1200, check=False, stdin=subprocess.DEVNULL,
            env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOG_PATH": str(count_play()), **(env or {})},
        )
    finally:
        os.unlink(fh.name)
    return PlayResult(proc)


def count_play():
    """One more play in the running module's cost; the path for the log of its tasks, each with its time
    (build/logs/plays/MODULE-N.log: where a slow play spent its time)."""
    plays = 0
    if RUNNING:
        plays = RUNNING["cost"]["plays"] = RUNNING["cost"].get("plays", 0) + 1
    PLAY_LOGS.mkdir(parents=True, exist_ok=True)
    return PLAY_LOGS / f"{RUNNING.get('module', 'session')}-{plays:03d}.log"


def leftovers(*names):
    """What remains on the machine of the named hosts (their veths are named by address)."""
    found = {}
    for kind, items in testhost.leftovers().items():
        mine = [i for i in items if any(n in i for n in names) or (kind == "links" and i.startswith(testhost.PREFIX))]
        if kind == "processes":
            mine = [i for i in items if any(i.rstrip().endswith(f"_supervise {n}") for n in names)]
        if mine:
            found[kind] = mine
    return found
