"""wsgi.apache.python on real bookworm hosts, with a Python newer than bookworm's (3.13): refusals
change nothing; check mode reports the compile and writes nothing; of two hosts in one play, one
compiles and the other installs the same build from the controller's build cache (no compiler, no
headers); on both, that Python serves a site app and an express app through mod_wsgi built against it,
and a second run changes nothing. Then the apps live on one host move to Debian's Python (mod_wsgi
built for it, their releases' virtualenvs of it) under load: once with one app unhealthy on it, when
every app and the module go back, then for good; neither time does a request get an answer but 2xx.

The source is python.org's Python-3.13.5.tar.xz as Debian's mirror keeps it (trixie's python3.13
orig tarball, the same file), from the mirror this machine's apt uses (testhost.cpython_source). The
compile here leaves out the optimisations (python_optimize false), which only make it longer,
CPython's own tests (python_test_modules false), and compiles at -O1 without debug information
(python_configure_flags: the compile takes half the CPU and the archive 28 MB instead of 62, for a Python
about a fifth slower); bench/serving.py --python-build measures what the optimisations are for.
"""
import json
import re

import pytest

import testhost
from conftest import ROOT, run_play
from helpers import files_digest, get, load

PLAYBOOK = ROOT / "tests" / "integration" / "playbooks" / "python.yml"
VERSION = "3.13.5"
SHA256 = testhost.CPYTHON_SOURCES[VERSION][0]
SERIES = ".".join(VERSION.split(".")[:2])
PREFIX = f"/opt/wsgi-apache/python/{VERSION}"
PROBE = str(ROOT / "tests" / "integration" / "apps" / "probe")
PROBE_APP = {"name": "probe", "server_name": "probe.test", "port": 8081, "wsgi_script": "app.wsgi", "src": PROBE}
# An app with requirements, so with a virtualenv of its own.
SAMPLE_APP = {"name": "sample", "server_name": "sample.test", "port": 8091, "src": str(ROOT / "examples" / "sample"),
              "wsgi_module": "app:app", "requirements": "requirements.txt"}
EXPRESS_APP = {"name": "xprobe", "src": PROBE, "entry": "app.wsgi", "port": 8000}
NAMES = ("python", "python-copy")
# CPython's configure takes CFLAGS as an argument; they come after its own -O3 -g, so they win.
QUICK_CFLAGS = "CFLAGS=-O1 -g0"


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("python-build-cache")


@pytest.fixture(scope="module")
def source_vars(cache):
    def make(**extra):
        """The role's variables for the mirror's tarball, a quick compile (see above); None drops one."""
        spec = {**testhost.cpython_source(VERSION), "python_optimize": False, "python_test_modules": False,
                "python_configure_flags": [QUICK_CFLAGS], "python_build_cache_dir": str(cache), **extra}
        return {k: v for k, v in spec.items() if v is not None}
    return make


@pytest.fixture(scope="module")
def hosts(start_host):
    return {name: start_host(name) for name in NAMES}


@pytest.fixture(scope="module")
def host(hosts):
    return hosts["python"]


@pytest.fixture(scope="module")
def fleet(hosts, tmp_path_factory):
    path = tmp_path_factory.mktemp("inv") / "fleet.ini"
    path.write_text("".join(host.inventory_line() + "\n" for host in hosts.values()))
    return path


def changed_on(result, task):
    """The hosts on which a task of the play reported a change."""
    found = re.search(r"TASK \[" + re.escape(task) + r"[^\]]*\][^\n]*\n(.*?)(?=\nTASK \[|\nRUNNING HANDLER|\nPLAY RECAP)",
                      result.output, re.S)
    return set(re.findall(r"^changed: \[([^\]]+)\]", found.group(1), re.M)) if found else set()


REFUSALS = [
    ({"python_version": None}, ["missing required arguments: python_version"]),
    ({"python_version": "3.11"}, ['python_version="3.11" is not a CPython release of 3.8 or newer', "such as 3.11.2"]),
    ({"python_version": "2.7.18"}, ['python_version="2.7.18" is not a CPython release of 3.8 or newer']),
    ({"python_source_sha256": "abc"}, ['python_source_sha256="abc" is not a SHA-256', "64 hex"]),
    ({"python_prefix": "/usr"}, ['python_prefix="/usr" is not a directory of its own',
                                 f"leave it empty for {PREFIX}"]),
]


@pytest.mark.parametrize("extra, words", REFUSALS, ids=[json.dumps(r[0]) for r in REFUSALS])
def test_bad_input_is_refused_before_anything_changes(host, inventory, source_vars, extra, words):
    before = files_digest(host, "/etc /opt /usr/local /var/cache/wsgi-apache /var/lib/dpkg")
    result = run_play(PLAYBOOK, inventory, source_vars(**extra))
    assert result.rc != 0, result
    for word in words:
        assert word in result.output, f"{word!r} not in:\n{result.output[-3000:]}"
    assert files_digest(host, "/etc /opt /usr/local /var/cache/wsgi-apache /var/lib/dpkg") == before


def test_check_mode_on_a_fresh_host_reports_the_compile_and_writes_nothing(host, inventory, source_vars):
    before = files_digest(host, "/etc /opt /usr/local /var/cache/wsgi-apache /var/lib/dpkg")
    result = run_play(PLAYBOOK, inventory, source_vars(), check=True)
    assert result.rc == 0 and result.changed > 0, result
    # The callback wraps long messages: compare words.
    said = " ".join(result.output.split())
    assert f"Python {VERSION} would be compiled into {PREFIX} (without PGO and LTO)" in said, result
    assert files_digest(host, "/etc /opt /usr/local /var/cache/wsgi-apache /var/lib/dpkg") == before


def test_one_host_compiles_the_other_installs_that_build_and_both_serve_site_and_express_apps(
        hosts, fleet, cache, source_vars):
    extra = source_vars(python_then_apps=True, site_apps=[PROBE_APP, SAMPLE_APP], express_apps=[EXPRESS_APP])
    first = run_play(PLAYBOOK, fleet, extra)
    assert first.rc == 0, first
    # One compile for the two hosts; the other unpacked the build the first put in the controller's cache.
    assert changed_on(first, f"wsgi.apache.python : Compile Python {VERSION}") == {"python"}, first
    assert changed_on(first, "wsgi.apache.python : Unpack the archive into the prefix") == {"python-copy"}, first
    entries = [path for path in cache.iterdir() if (path / "build.json").exists()]
    assert len(entries) == 1, sorted(cache.iterdir())
    entry = json.loads((entries[0] / "build.json").read_text())
    assert entry["built_on"] == "python" and entry["build"]["build"]["version"] == VERSION, entry
    assert any(package.startswith("libssl3") for package in entry["packages"]), entry  # found from the build, by ldd
    # The copy's host got no compiler and no headers (mod_wsgi came from its build cache too).
    assert hosts["python-copy"].ssh("dpkg-query -W -f '${Status}' gcc libssl-dev", check=False).stdout.count(
        "install ok installed") == 0
    for name, host in hosts.items():
        seen = get(host, 8081, "/env").json()
        # mod_wsgi embeds the new libpython, and the daemon's interpreter is the new Python's.
        assert seen["python_version"] == VERSION and seen["python_base_prefix"] == PREFIX, (name, seen)
        assert seen["libpython"] == [f"{PREFIX}/lib/libpython{SERIES}.so.1.0"], (name, seen)
        # The app with requirements: its virtualenv is the new Python's, and it answers.
        venv_base = host.ssh("/srv/wsgi-apache/sample/venv/bin/python -c 'import sys; print(sys.base_prefix)'").stdout.strip()
        assert venv_base == PREFIX and get(host, 8091, "/").status == 200, name
        # The express app: wsgi-express and its Apache on the same Python.
        express = get(host, 8000, "/env").json()
        assert express["python_version"] == VERSION and express["libpython"] == seen["libpython"], (name, express)
        # altinstall: python3.X only, no python3 that could shadow the system's; no build tree, no archive.
        listing = host.ssh(f"ls {PREFIX}/bin; ls /usr/local/src /var/cache/wsgi-apache").stdout.split()
        assert f"python{SERIES}" in listing and "python3" not in listing and "wsgi-apache-python" not in listing, listing
        assert not [f for f in listing if f.startswith("python-") and f.endswith(".tar.gz")], listing
        recorded = json.loads(host.ssh(f"cat {PREFIX}/wsgi-apache-build.json").stdout)
        assert recorded["version"] == VERSION and recorded["source_sha256"] == SHA256, recorded
        assert "--enable-shared" in recorded["configure"] and "--enable-optimizations" not in recorded["configure"]
        assert QUICK_CFLAGS in recorded["configure"], recorded  # python_configure_flags reach configure ...
        flags = host.ssh(f"{PREFIX}/bin/python{SERIES} -c \"import sysconfig; print(sysconfig.get_config_var('CFLAGS'))\"")
        assert flags.stdout.split()[-2:] == ["-O1", "-g0"], flags.stdout  # ... and the compile: last, so they win
        # python_test_modules false: no test package, no test extension modules
        missing = host.ssh(f"{PREFIX}/bin/python{SERIES} -c 'import test' 2>&1; ls {PREFIX}/lib/python{SERIES}/lib-dynload",
                           check=False).stdout
        assert "No module named 'test'" in missing and "_testcapi" not in missing and "_json" in missing, missing

    second = run_play(PLAYBOOK, fleet, extra)
    # The compile reports a change whenever it runs, so none is none.
    assert second.rc == 0 and second.changed == 0, second


def moved_under_load(host, inventory, extra):
    """Run the play with wrk on the sample app (the healthy one) from before to after: (result, counts)."""
    under_load = load(host, 8091, "/")
    try:
        result = run_play(PLAYBOOK, inventory, extra)
    finally:
        counts = under_load.stop()
    return result, counts


def served_by(host, python, prefix):
    """Both site apps and the express app answer from python: the daemons' interpreter and the virtualenv's."""
    seen = get(host, 8081, "/env").json()
    assert seen["python_version"] == python and seen["python_base_prefix"] == prefix, seen
    venv_base = host.ssh("/srv/wsgi-apache/sample/venv/bin/python -c 'import sys; print(sys.base_prefix)'").stdout.strip()
    assert venv_base == prefix and get(host, 8091, "/").status == 200, venv_base
    express = get(host, 8000, "/env").json()
    assert express["python_version"] == python and express["python_base_prefix"] == prefix, express


def test_live_apps_move_to_another_python_together_or_all_go_back(hosts, tmp_path, source_vars):
    """python-copy's apps, live on 3.13 since the test before, move to Debian's Python. mod_wsgi built for it
    waits until every site app's new release (a virtualenv of it) is live, then Apache restarts on it: a daemon
    never runs a release of the other Python (which answered 500 before). One app unhealthy on it sends every
    app's release and the module of before back together; then the move goes through. The restarts are
    Apache's full ones (a new libpython cannot be loaded into a running Apache): connections refused while it
    restarts are printed, not counted as answers; an answer but 2xx fails the test."""
    host = hosts["python-copy"]
    inventory = host.inventory(tmp_path)
    system = host.ssh("python3 -c 'import sys; print(\"%d.%d.%d\" % sys.version_info[:3])'").stdout.strip()
    probe = {**PROBE_APP, "health_url": "/env"}

    def variables(probe_environment):
        return source_vars(python_then_apps=True, mod_wsgi_python="/usr/bin/python3", express_apps=[EXPRESS_APP],
                           site_apps=[{**probe, "environment": probe_environment}, SAMPLE_APP])

    result, counts = moved_under_load(host, inventory, variables({"PROBE_UNHEALTHY_LIVE": "1"}))
    print(f"a move to Debian's Python, back: {counts['non_2xx']} non-2xx, {counts['socket_errors']} socket errors "
          f"{counts['socket_error_kinds']} of {counts['requests']} requests")
    assert result.rc != 0, result
    said = " ".join(result.output.split())
    assert "site_apps[probe]" in said and "answered 500" in said, result
    assert "every app goes back to its release of before, with mod_wsgi of before" in said, result
    served_by(host, VERSION, PREFIX)
    assert json.loads(host.ssh("cat /var/lib/wsgi-apache/mod_wsgi.json").stdout)["build"]["python_version"] == VERSION
    assert counts["non_2xx"] == 0, counts["output"]

    result, counts = moved_under_load(host, inventory, variables({}))
    print(f"a move to Debian's Python: {counts['non_2xx']} non-2xx, {counts['socket_errors']} socket errors "
          f"{counts['socket_error_kinds']} of {counts['requests']} requests")
    assert result.rc == 0, result
    served_by(host, system, "/usr")
    assert counts["non_2xx"] == 0 and counts["requests"] > 100, counts["output"]

    again = run_play(PLAYBOOK, inventory, variables({}))
    assert again.rc == 0 and again.changed == 0, again
