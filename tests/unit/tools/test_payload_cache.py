"""tools/ansible_callbacks/payload_cache.py: what one ansible-playbook builds of a module's payload, the next of
the same test run takes, as long as ansible-core and the paths modules come from are the same."""
import pytest

import ansible_play

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Run a module
      ansible.builtin.ping:
"""


def play(tmp_path, cache, collections=None):
    return ansible_play.run(tmp_path, PLAY, ["payload_cache"], cache, collections, ANSIBLE_DEBUG="1")


def payloads(cache):
    return sorted(p for p in cache.glob("*/ansible.modules.ping-*") if not p.name.endswith((".lock", "-part")))


@pytest.mark.slow
def test_the_next_play_takes_the_payload_the_first_built(tmp_path):
    cache = tmp_path / "cache"
    first = play(tmp_path, cache)
    built = payloads(cache)
    assert len(built) == 1, list(cache.rglob("*"))
    assert "ANSIBALLZ: Creating module" in first
    stat = built[0].stat()

    second = play(tmp_path, cache)
    assert f"/ansiballz_cache/{built[0].name}" in second and "ANSIBALLZ: Creating module" not in second
    assert payloads(cache) == built
    assert (built[0].stat().st_ino, built[0].stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)


@pytest.mark.slow
def test_other_module_paths_get_their_own_and_without_the_variable_nothing_is_kept(tmp_path):
    cache = tmp_path / "cache"
    play(tmp_path, cache)
    other = tmp_path / "other-collections"
    other.mkdir()
    assert "ANSIBALLZ: Creating module" in play(tmp_path, cache, collections=other)
    assert len(payloads(cache)) == 2

    # the callback enabled, without WSGIAH_PAYLOAD_CACHE: each play builds its own
    assert "ANSIBALLZ: Creating module" in play(tmp_path, None)
    assert "ANSIBALLZ: Creating module" in play(tmp_path, None)
