"""wsgi.apache.mod_wsgi on a real bookworm host: refusals change nothing; sources; packaged module.

One host for the module, used in order: the refusals run while it is fresh (no Apache), then
mod_python is refused, then the role builds beside Debian's packaged mod_wsgi, then the other
sources and a venv interpreter are built from the tarball the first build downloaded.
"""
import base64
import gzip
import hashlib
import json
import re

import pytest

from conftest import ROOT, run_play
from helpers import wait_for

PLAYBOOK = ROOT / "tests" / "integration" / "playbooks" / "mod_wsgi.yml"
# What a refused run could touch: packages, configuration, the role's state and caches.
WATCHED = "/etc /usr /opt /srv /var/lib/dpkg /var/lib/wsgi-apache /var/cache/wsgi-apache /var/cache/apt"


@pytest.fixture(scope="module")
def host(start_host):
    return start_host("role")


def changed_since_marker(host):
    return host.ssh(f"find {WATCHED} -newer /root/marker 2>/dev/null | head -20", check=False).stdout.split()


def info(host):
    out = host.ssh("python3 -c \"import json,sys; print(open('/var/lib/wsgi-apache/mod_wsgi.json').read())\"").stdout
    return json.loads(out)


REFUSALS = [
    ({"mod_wsgi_python": "/usr/lib/python3"},
     ["mod_wsgi_python=/usr/lib/python3 is a directory, not an interpreter", "such as /usr/bin/python3"]),
    # a directory that holds interpreters: the suggestion is one of them, a file that is there
    ({"mod_wsgi_python": "/usr/bin/"},
     ["mod_wsgi_python=/usr/bin/ is a directory, not an interpreter", "such as /usr/bin/python3"]),
    ({"mod_wsgi_python": "/usr/bin/python9"}, ["mod_wsgi_python=/usr/bin/python9 is not there"]),
    ({"mod_wsgi_version": "4.1.0"},
     ["mod_wsgi_version=4.1.0 is refused", "does not build against Python 3.11", "the oldest release that does is 4.9.1",
      "set mod_wsgi_version to 4.9.1 or newer"]),
    ({"mod_wsgi_version": "latest"}, ["mod_wsgi_version='latest' is not a version"]),
    ({"mod_wsgi_version": "6.0.4"},
     ["mod_wsgi_version=6.0.4 is refused", "cut off request bodies", "set mod_wsgi_version to 6.0.5 or newer"]),
    ({"mod_wsgi_source": "url"}, ["mod_wsgi_source_sha256=\"\" is not a SHA-256", "64-hex-digit"]),
    ({"mod_wsgi_source": "archive", "mod_wsgi_source_archive": "/nonexistent/mod_wsgi.tar.gz"},
     ["mod_wsgi_source_archive=\"/nonexistent/mod_wsgi.tar.gz\" is not a file on the controller"]),
    ({"mod_wsgi_source": "git"}, ["mod_wsgi_source", "pip, url, archive", "git"]),
    ({"mod_wsgi_max_request_workers": 130},
     ["mod_wsgi_max_request_workers=130 is not a positive multiple of 64", "such as 192"]),
]


@pytest.mark.parametrize("extra, words", REFUSALS, ids=[json.dumps(r[0]) for r in REFUSALS])
def test_bad_input_is_refused_before_anything_changes(host, inventory, extra, words):
    host.ssh("touch /root/marker; sleep 1")
    result = run_play(PLAYBOOK, inventory, extra)
    assert result.rc != 0, result
    for word in words:
        assert word in result.output, f"{word!r} not in:\n{result.output[-3000:]}"
    assert changed_since_marker(host) == []
    assert host.ssh("dpkg -s apache2", check=False).returncode != 0, "apache2 got installed by a refused run"


def test_check_mode_on_a_fresh_host_changes_nothing(host, inventory):
    host.ssh("touch /root/marker; sleep 1")
    result = run_play(PLAYBOOK, inventory, check=True)
    assert result.rc == 0, result
    assert result.changed > 0, "check mode must report the install and build it would do"
    assert re.search(r"mod_wsgi [0-9.]+ for /usr/bin/python3 would be (compiled here|installed from the build cache)",
                     result.output), result
    assert changed_since_marker(host) == []


def test_mod_python_is_refused(host, inventory):
    host.ssh("apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q apache2 libapache2-mod-python && a2enmod python")
    modules_before = host.ssh("/usr/sbin/apache2ctl -M").stdout
    assert "python_module" in modules_before
    result = run_play(PLAYBOOK, inventory)
    assert result.rc != 0, result
    assert "mod_python is loaded in this Apache" in result.output and "a2dismod python" in result.output
    assert host.ssh("/usr/sbin/apache2ctl -M").stdout == modules_before
    assert host.ssh("test -e /etc/apache2/mods-available/wsgi_src.load", check=False).returncode != 0
    host.ssh("DEBIAN_FRONTEND=noninteractive apt-get purge -y -q libapache2-mod-python")


def test_packaged_mod_wsgi_is_disabled_and_ours_loads_once(host, inventory):
    host.ssh("DEBIAN_FRONTEND=noninteractive apt-get install -y -q libapache2-mod-wsgi-py3")
    assert host.ssh("test -e /etc/apache2/mods-enabled/wsgi.load", check=False).returncode == 0
    # compiled here, not copied from the run's build cache: the tests after it use the tarball it downloads
    result = run_play(PLAYBOOK, inventory, {"mod_wsgi_version": "5.0.2", "mod_wsgi_build_cache": False})
    assert result.rc == 0, result
    assert host.ssh("test -e /etc/apache2/mods-enabled/wsgi.load", check=False).returncode != 0
    modules = host.ssh("/usr/sbin/apache2ctl -M 2>&1").stdout
    assert modules.count("wsgi_module") == 1 and "already loaded" not in modules, modules
    assert "mod_wsgi/5.0.2" in host.ssh("grep -h 'configured -- resuming' /var/log/apache2/error.log | tail -1").stdout
    # All of Apache's request threads run from the start: 16 children (Debian starts 2 and grows
    # them under load) of 64 worker threads, plus each child's main and listener threads.
    children = "ps --ppid $(cat /var/run/apache2/apache2.pid) -o nlwp="
    assert wait_for(lambda: host.ssh(children).stdout.split() == ["66"] * 16, 30), host.ssh(children).stdout
    again = run_play(PLAYBOOK, inventory, {"mod_wsgi_version": "5.0.2"})
    assert again.rc == 0 and again.changed == 0, again
    checked = run_play(PLAYBOOK, inventory, {"mod_wsgi_version": "5.0.2"}, check=True)
    assert checked.rc == 0 and checked.changed == 0, checked


def test_url_source_is_verified(host, inventory):
    before = info(host)
    tarball = "/var/cache/wsgi-apache/mod_wsgi-5.0.2.tar.gz"
    sha = host.ssh(f"sha256sum {tarball}").stdout.split()[0]
    host.ssh(f"mkdir -p /srv/dl && cp {tarball} /srv/dl/ && systemd-run --unit=dl "
             "python3 -m http.server 8765 --bind 127.0.0.1 --directory /srv/dl")
    url = "http://127.0.0.1:8765/mod_wsgi-5.0.2.tar.gz"
    wrong = run_play(PLAYBOOK, inventory, {"mod_wsgi_version": "5.0.2", "mod_wsgi_source": "url",
                                           "mod_wsgi_source_url": url, "mod_wsgi_source_sha256": "0" * 64,
                                           "mod_wsgi_cache_dir": "/var/cache/by-url-wrong"})
    assert wrong.rc != 0 and "checksum" in wrong.output.lower(), wrong
    right = run_play(PLAYBOOK, inventory, {"mod_wsgi_version": "5.0.2", "mod_wsgi_source": "url",
                                           "mod_wsgi_source_url": url, "mod_wsgi_source_sha256": sha,
                                           "mod_wsgi_cache_dir": "/var/cache/by-url"})
    assert right.rc == 0, right
    assert host.ssh("sha256sum /var/cache/by-url/mod_wsgi-5.0.2.tar.gz").stdout.split()[0] == sha
    # a pinned source is part of the build: the module was built again, for these bytes
    assert info(host)["build"]["source_sha256"] == sha != before["build"]["source_sha256"]
    host.ssh("systemctl stop dl")


def test_archive_source_is_copied(host, inventory, tmp_path):
    before = info(host)
    local = tmp_path / "mod_wsgi-5.0.2.tar.gz"
    local.write_bytes(base64.b64decode(host.ssh("base64 -w0 /var/cache/by-url/mod_wsgi-5.0.2.tar.gz").stdout))
    same = {"mod_wsgi_version": "5.0.2", "mod_wsgi_source": "archive", "mod_wsgi_source_archive": str(local),
            "mod_wsgi_cache_dir": "/var/cache/by-archive"}
    result = run_play(PLAYBOOK, inventory, same)
    assert result.rc == 0, result
    # the same source bytes as the url test's make the same fingerprint: nothing was compiled, and
    # the source is fetched only where it is compiled
    assert info(host) == before
    assert host.ssh("test -e /var/cache/by-archive/mod_wsgi-5.0.2.tar.gz", check=False).returncode != 0
    # the same source packed anew: other bytes, so a build of its own, from the copy
    repacked = tmp_path / "repacked" / "mod_wsgi-5.0.2.tar.gz"
    repacked.parent.mkdir()
    repacked.write_bytes(gzip.compress(gzip.decompress(local.read_bytes()), compresslevel=1, mtime=0))
    result = run_play(PLAYBOOK, inventory, {**same, "mod_wsgi_source_archive": str(repacked)})
    assert result.rc == 0, result
    remote = host.ssh("sha256sum /var/cache/by-archive/mod_wsgi-5.0.2.tar.gz").stdout.split()[0]
    assert remote == hashlib.sha256(repacked.read_bytes()).hexdigest() == info(host)["build"]["source_sha256"]


def test_venv_interpreter_builds_and_finds_libpython(host, inventory):
    host.ssh("apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv && python3 -m venv /opt/appvenv")
    result = run_play(PLAYBOOK, inventory, {"mod_wsgi_version": "5.0.2", "mod_wsgi_python": "/opt/appvenv/bin/python"})
    assert result.rc == 0, result
    assert info(host)["build"]["python"] == "/opt/appvenv/bin/python"
    # a new interpreter rebuilds: configure ran again, for it
    assert "--with-python=/opt/appvenv/bin/python" in host.ssh("head -20 /usr/local/src/wsgi-apache-mod_wsgi/config.log").stdout
    ldd = host.ssh("ldd /usr/lib/apache2/modules/mod_wsgi_src.so").stdout
    assert "libpython3.11" in ldd and "not found" not in ldd, ldd
    assert "wsgi_module" in host.ssh("/usr/sbin/apache2ctl -M").stdout
