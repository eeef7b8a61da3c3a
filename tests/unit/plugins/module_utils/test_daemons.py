"""Finding a daemon group's processes by display name, and restarting them one at a time, with real
processes that behave like mod_wsgi's: a parent that starts a new one when one exits on SIGUSR1."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from ansible_collections.wsgi.apache.plugins.module_utils.daemons import group_pids, restart

# A parent that keeps N children named NAME (argv[0]); a child exits on SIGUSR1 after DRAIN seconds.
SUPERVISOR = textwrap.dedent("""
    import os, signal, sys, time
    name, count, drain = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    def child():
        signal.signal(signal.SIGUSR1, lambda *a: (time.sleep(drain), os._exit(0)))
        os.execvp(sys.executable, [name, "-c", "import signal, time\\n"
                  "signal.signal(signal.SIGUSR1, lambda *a: (time.sleep(%r), exit(0)))\\n"
                  "while True: time.sleep(1)" % drain])
    kids = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        while len(kids) < count:
            pid = os.fork()
            if pid == 0:
                child()
            kids.add(pid)
        pid, status = os.waitpid(-1, 0)
        kids.discard(pid)
    """)


@pytest.fixture
def group(request):
    # A name of the test's own, and the supervisor in a process group of its own that the teardown kills whole:
    # a child it forked but had not yet named (exec) would otherwise outlive it and join the next test's group.
    name = "(wsgi:test-%d-%s)" % (os.getpid(), request.node.name.split("_", 2)[-1][:20])
    parent = subprocess.Popen([sys.executable, "-c", SUPERVISOR, name, "2", "0.3"], start_new_session=True)
    deadline = time.monotonic() + 30
    while len(group_pids(name)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    yield name
    os.killpg(parent.pid, signal.SIGKILL)
    parent.wait()
    for pid in group_pids(name):
        os.kill(pid, signal.SIGKILL)


def test_finds_the_group_by_display_name(group):
    pids = group_pids(group)
    assert len(pids) == 2
    assert group_pids(group + "x") == [] and group_pids("(wsgi:test") == []


def test_restarts_each_process_once_keeping_the_group_whole(group):
    before = group_pids(group)
    done = restart(group, timeout=30)
    after = group_pids(group)
    assert [old for old, new in done] == before
    assert len(after) == 2 and not set(after) & set(before), (before, done, after)


def test_together_signals_every_process_before_waiting_for_any(group, monkeypatch):
    before = group_pids(group)
    events = []
    real_kill = os.kill

    def kill(pid, sig):
        if sig == signal.SIGUSR1:
            events.append(("signal", pid))
        return real_kill(pid, sig)

    monkeypatch.setattr("ansible_collections.wsgi.apache.plugins.module_utils.daemons.os.kill", kill)
    done = restart(group, timeout=30, together=True, sleep=lambda seconds: (events.append(("wait",)), time.sleep(seconds)))
    after = group_pids(group)
    assert sorted(old for old, new in done) == before
    assert len(after) == 2 and not set(after) & set(before)
    signals = [event[1] for event in events if event[0] == "signal"]
    first_wait = events.index(("wait",)) if ("wait",) in events else len(events)
    assert sorted(signals) == before and all(event[0] == "signal" for event in events[:len(signals)]), events
    assert first_wait >= len(signals), events


@pytest.mark.slow
def test_a_process_that_does_not_exit_is_reported():
    name = "(wsgi:stuck-%d)" % os.getpid()
    # SIGUSR1 ignored before the exec (an ignored signal stays ignored across it), so that there is no
    # moment when the process has its name but would still die of the signal.
    stuck = subprocess.Popen(["bash", "-c", "trap '' USR1; exec -a '%s' %s -c 'import time; time.sleep(60)'"
                              % (name, sys.executable)])
    try:
        deadline = time.monotonic() + 10
        while not group_pids(name) and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(TimeoutError, match="did not exit within 1 s of SIGUSR1"):
            restart(name, timeout=1)
    finally:
        stuck.kill()
        stuck.wait()


def test_a_probe_that_finds_the_group_unhealthy_stops_the_restart_at_once(group, monkeypatch):
    from ansible_collections.wsgi.apache.plugins.module_utils.daemons import Unhealthy
    before = group_pids(group)
    signalled = []
    real_kill = os.kill
    monkeypatch.setattr("ansible_collections.wsgi.apache.plugins.module_utils.daemons.os.kill",
                        lambda pid, sig: (sig == signal.SIGUSR1 and signalled.append(pid), real_kill(pid, sig))[1])
    with pytest.raises(Unhealthy, match="answered 500"):
        restart(group, timeout=30, probe=lambda: "GET / answered 500")
    assert signalled == before[:1], "only the first process was signalled"
