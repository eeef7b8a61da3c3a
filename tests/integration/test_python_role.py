"""wsgi.apache.python on a real bookworm host: refusals change nothing; check mode reports the
compile and writes nothing; the Python it compiles serves site apps through mod_wsgi, and a second
run compiles nothing.

The source is python.org's Python-3.11.2.tgz as Debian's mirror keeps it (python3.11's orig
tarball, the same file), from the mirror this machine's apt uses (testhost.cpython_source). The
compile here leaves out the optimisations (python_optimize false), which only make it longer;
bench/serving.py --python-build measures what they are for.
"""
import json

import pytest

import testhost
from conftest import ROOT, run_play
from helpers import files_digest, get

PLAYBOOK = ROOT / "tests" / "integration" / "playbooks" / "python.yml"
VERSION, SHA256 = testhost.CPYTHON_VERSION, testhost.CPYTHON_SHA256
SERIES = ".".join(VERSION.split(".")[:2])
PREFIX = f"/opt/wsgi-apache/python/{VERSION}"
PROBE_APP = {"name": "probe", "server_name": "probe.test", "port": 8081, "wsgi_script": "app.wsgi",
             "src": str(ROOT / "tests" / "integration" / "apps" / "probe")}
# An app with requirements, so with a virtualenv of its own.
SAMPLE_APP = {"name": "sample", "server_name": "sample.test", "port": 8091, "src": str(ROOT / "examples" / "sample"),
              "wsgi_module": "app:app", "requirements": "requirements.txt"}


def source_vars(**extra):
    """The role's variables for the mirror's tarball, without the optimisations; None drops one."""
    spec = {**testhost.cpython_source(), "python_optimize": False, **extra}
    return {k: v for k, v in spec.items() if v is not None}


@pytest.fixture(scope="module")
def host(start_host):
    return start_host("python")


REFUSALS = [
    ({"python_version": None}, ["missing required arguments: python_version"]),
    ({"python_version": "3.11"}, ['python_version="3.11" is not a CPython release of 3.8 or newer', "such as 3.11.2"]),
    ({"python_version": "2.7.18"}, ['python_version="2.7.18" is not a CPython release of 3.8 or newer']),
    ({"python_source_sha256": "abc"}, ['python_source_sha256="abc" is not a SHA-256', "64 hex"]),
    ({"python_prefix": "/usr"}, ['python_prefix="/usr" is not a directory of its own',
                                 f"leave it empty for {PREFIX}"]),
]


@pytest.mark.parametrize("extra, words", REFUSALS, ids=[json.dumps(r[0]) for r in REFUSALS])
def test_bad_input_is_refused_before_anything_changes(host, inventory, extra, words):
    before = files_digest(host, "/etc /opt /usr/local /var/cache/wsgi-apache /var/lib/dpkg")
    result = run_play(PLAYBOOK, inventory, source_vars(**extra))
    assert result.rc != 0, result
    for word in words:
        assert word in result.output, f"{word!r} not in:\n{result.output[-3000:]}"
    assert files_digest(host, "/etc /opt /usr/local /var/cache/wsgi-apache /var/lib/dpkg") == before


def test_check_mode_on_a_fresh_host_reports_the_compile_and_writes_nothing(host, inventory):
    before = files_digest(host, "/etc /opt /usr/local /var/cache/wsgi-apache /var/lib/dpkg")
    result = run_play(PLAYBOOK, inventory, source_vars(), check=True)
    assert result.rc == 0 and result.changed > 0, result
    # The callback wraps long messages: compare words.
    said = " ".join(result.output.split())
    assert f"Python {VERSION} would be compiled into {PREFIX} (without PGO and LTO)" in said, result
    assert files_digest(host, "/etc /opt /usr/local /var/cache/wsgi-apache /var/lib/dpkg") == before


def test_its_python_serves_a_site_app_and_a_second_run_compiles_nothing(host, inventory):
    extra = source_vars(python_then_site=True, site_apps=[PROBE_APP, SAMPLE_APP])
    first = run_play(PLAYBOOK, inventory, extra)
    assert first.rc == 0, first
    seen = get(host, 8081, "/env").json()
    # mod_wsgi embeds the new libpython, and the daemon's interpreter is the new Python's.
    assert seen["python_version"] == VERSION and seen["python_base_prefix"] == PREFIX, seen
    assert seen["libpython"] == [f"{PREFIX}/lib/libpython{SERIES}.so.1.0"], seen
    # The app with requirements: its virtualenv is the new Python's, and it answers.
    venv_base = host.ssh("/srv/wsgi-apache/sample/venv/bin/python -c 'import sys; print(sys.base_prefix)'").stdout.strip()
    assert venv_base == PREFIX and get(host, 8091, "/").status == 200
    # altinstall: python3.X only, no python3 that could shadow the system's; the build tree is gone.
    listing = host.ssh(f"ls {PREFIX}/bin; ls /usr/local/src").stdout.split()
    assert f"python{SERIES}" in listing and "python3" not in listing and "wsgi-apache-python" not in listing, listing
    recorded = json.loads(host.ssh(f"cat {PREFIX}/wsgi-apache-build.json").stdout)
    assert recorded["version"] == VERSION and recorded["source_sha256"] == SHA256, recorded
    assert "--enable-shared" in recorded["configure"] and "--enable-optimizations" not in recorded["configure"]

    second = run_play(PLAYBOOK, inventory, extra)
    # The compile reports a change whenever it runs, so none is none.
    assert second.rc == 0 and second.changed == 0, second
