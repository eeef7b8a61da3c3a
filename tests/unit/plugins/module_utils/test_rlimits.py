"""The rlimit probe, run for real on this machine (Linux enforces RLIMIT_DATA, RLIMIT_AS and RLIMIT_CPU)."""
import resource

import pytest

from ansible_collections.wsgi.apache.plugins.module_utils import rlimits


def test_memory_rlimits_are_enforced_here():
    report = rlimits.check(memory_limit=256 * 2 ** 20, virtual_memory_limit=2 ** 30)
    assert report["options"]["memory-limit"]["rlimit"] == "RLIMIT_DATA"
    assert report["options"]["virtual-memory-limit"]["rlimit"] == "RLIMIT_AS"
    for option in ("memory-limit", "virtual-memory-limit"):
        assert report["options"][option]["defined"] and report["options"][option]["accepted"]
        assert report["options"][option]["enforced"], report["options"][option]
    assert report["unenforced"] == []
    assert "cpu-time-limit" not in report["options"], "RLIMIT_CPU is probed only when asked"


def test_the_caller_keeps_its_own_limits():
    before = resource.getrlimit(resource.RLIMIT_DATA)
    rlimits.check(memory_limit=2 ** 20)
    assert resource.getrlimit(resource.RLIMIT_DATA) == before


def test_an_undefined_rlimit_is_reported_as_such():
    report = rlimits.probe("RLIMIT_NOT_A_LIMIT", 5)
    assert report == {"rlimit": "RLIMIT_NOT_A_LIMIT", "defined": False, "accepted": None, "enforced": False,
                      "limit": 5, "detail": "RLIMIT_NOT_A_LIMIT is not defined on this platform"}
    assert rlimits.probe("RLIMIT_VMEM")["defined"] is hasattr(resource, "RLIMIT_VMEM")


@pytest.mark.slow
def test_cpu_limit_is_enforced_here():
    report = rlimits.check(cpu_time_limit=5)
    assert report["options"]["cpu-time-limit"]["enforced"], report["options"]["cpu-time-limit"]


def test_an_unenforced_limit_is_reported(monkeypatch):
    monkeypatch.setattr(rlimits, "_memory_enforced", lambda name: (rlimits._NOT_STOPPED, 2 ** 20))
    report = rlimits.check(memory_limit=2 ** 30)
    assert report["unenforced"] == ["memory-limit"]
    assert "allocated" in report["options"]["memory-limit"]["detail"]
