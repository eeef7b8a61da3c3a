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
def group():
    name = "(wsgi:test-%d)" % os.getpid()
    parent = subprocess.Popen([sys.executable, "-c", SUPERVISOR, name, "2", "0.3"])
    deadline = time.monotonic() + 30
    while len(group_pids(name)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    yield name
    parent.kill()
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
    assert len(after) == 2 and not set(after) & set(before)
    assert {new for old, new in done} <= set(after) | {new for old, new in done}


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
