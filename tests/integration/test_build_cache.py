"""mod_wsgi's build cache: one compile per build fingerprint across the hosts of a play.

Three fresh bookworm hosts in one play: "one" and "two" need the same build (6.1.1), "other"
asks for 5.0.2, a different fingerprint. The cache is this test's own directory.
"""
import concurrent.futures
import json

import pytest

from conftest import ROOT, run_play

PLAYBOOK = ROOT / "tests" / "integration" / "playbooks" / "mod_wsgi.yml"
BUILT = "/usr/local/src/wsgi-apache-mod_wsgi/src/server/.libs/mod_wsgi.so"
LIVE = "/usr/lib/apache2/modules/mod_wsgi_src.so"
NAMES = ("cache-one", "cache-two", "cache-other")


@pytest.fixture(scope="module")
def hosts(start_host):
    return {name: start_host(name) for name in NAMES}


@pytest.fixture(scope="module")
def inventory(hosts, tmp_path_factory):
    path = tmp_path_factory.mktemp("inv") / "fleet.ini"
    path.write_text("".join(host.inventory_line() + (" mod_wsgi_version=5.0.2" if name == "cache-other" else "") + "\n"
                            for name, host in hosts.items()))
    return path


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("build-cache")


@pytest.fixture(scope="module")
def converged(inventory, cache):
    result = run_play(PLAYBOOK, inventory, {"mod_wsgi_build_cache_dir": str(cache)})
    assert result.rc == 0, result
    return result


def compiled_here(host):
    return host.ssh(f"test -e {BUILT}", check=False).returncode == 0


def sha256(host, path):
    return host.ssh(f"sha256sum {path}").stdout.split()[0]


def entries(cache):
    return {entry.name: json.loads((entry / "build.json").read_text()) for entry in cache.iterdir()}


def test_one_compile_per_fingerprint_and_every_host_loads_it(hosts, cache, converged):
    one, two, other = (hosts[name] for name in NAMES)
    assert compiled_here(one) and compiled_here(other) and not compiled_here(two)
    assert sha256(two, LIVE) == sha256(one, LIVE) != sha256(other, LIVE)
    for host in hosts.values():
        assert "wsgi_module" in host.ssh("/usr/sbin/apache2ctl -M 2>&1").stdout
    assert json.loads(other.ssh("cat /var/lib/wsgi-apache/mod_wsgi.json").stdout)["build"]["version"] == "5.0.2"


def test_the_cache_holds_each_module_with_its_checksum(hosts, cache, converged):
    recorded = entries(cache)
    assert sorted(entry["build"]["version"] for entry in recorded.values()) == ["5.0.2", "6.1.1"]
    for name, entry in recorded.items():
        host = hosts[entry["built_on"]]
        assert entry["sha256"] == sha256(host, BUILT) == sha256(host, LIVE)
        assert json.loads(host.ssh("cat /var/lib/wsgi-apache/mod_wsgi.json").stdout)["build"] == entry["build"]


def test_second_run_changes_nothing(inventory, cache, converged):
    again = run_play(PLAYBOOK, inventory, {"mod_wsgi_build_cache_dir": str(cache)})
    assert again.rc == 0 and again.changed == 0, again


def test_a_cached_module_that_does_not_match_its_checksum_is_refused(hosts, inventory, cache, converged):
    two = hosts["cache-two"]
    entry = next(cache / name for name, e in entries(cache).items() if e["build"]["version"] == "6.1.1")
    good = (entry / "mod_wsgi.so").read_bytes()
    before = sha256(two, LIVE)
    two.ssh("rm /var/lib/wsgi-apache/mod_wsgi.json")  # so that it needs its build again
    (entry / "mod_wsgi.so").write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    try:
        refused = run_play(PLAYBOOK, inventory, {"mod_wsgi_build_cache_dir": str(cache)})
    finally:
        (entry / "mod_wsgi.so").write_bytes(good)
    assert refused.rc != 0
    assert f"mod_wsgi_build_cache_dir entry {entry} holds a module whose SHA-256" in refused.output
    assert "remove that directory" in refused.output
    assert sha256(two, LIVE) == before and not compiled_here(two)
    restored = run_play(PLAYBOOK, inventory, {"mod_wsgi_build_cache_dir": str(cache)})
    assert restored.rc == 0 and sha256(two, LIVE) == before and not compiled_here(two), restored


def test_opting_out_compiles_on_every_host(hosts, inventory, cache, converged):
    two = hosts["cache-two"]
    two.ssh("rm /var/lib/wsgi-apache/mod_wsgi.json")
    result = run_play(PLAYBOOK, inventory, {"mod_wsgi_build_cache_dir": str(cache), "mod_wsgi_build_cache": False})
    assert result.rc == 0, result
    assert compiled_here(two)


def test_two_plays_compiling_the_same_build_at_once_leave_one_whole_entry(hosts, tmp_path, converged):
    """Two runs sharing a cache (CI jobs, say), each compiling the same build: both pass, and the cache
    holds one entry, whole (the module of the host it names), with nothing of the other left beside it."""
    pair = [hosts["cache-one"], hosts["cache-two"]]
    shared = tmp_path / "shared-cache"
    for host in pair:  # so that each needs the build and compiles it
        host.ssh("rm -rf /var/lib/wsgi-apache/mod_wsgi.json /usr/local/src/wsgi-apache-mod_wsgi")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda host: run_play(PLAYBOOK, host.inventory(tmp_path),
                                                      {"mod_wsgi_build_cache_dir": str(shared)}), pair))
    assert all(result.rc == 0 for result in results), results
    assert all(compiled_here(host) for host in pair)
    listed = [path.name for path in shared.iterdir()]
    assert len(listed) == 1, listed
    recorded = entries(shared)[listed[0]]
    assert recorded["sha256"] == sha256(hosts[recorded["built_on"]], BUILT)
