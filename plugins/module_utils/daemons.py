# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The processes of one mod_wsgi daemon process group, and their graceful restart.

A group's processes are found by their display name (WSGIDaemonProcess display-name, which
mod_wsgi writes over argv[0]).  SIGUSR1 asks a daemon process to restart gracefully: it stops
taking requests, lets those in flight finish (within eviction-timeout, or graceful-timeout) and
exits; Apache starts a new one, which takes requests from the same socket.  Requests that arrive
meanwhile wait in the socket's backlog, so a restart fails none.  One process at a time, so that
the group keeps serving at all times.
"""

from __future__ import annotations

import os
import signal
import time


def pids(wanted, proc="/proc"):
    """Pids of the processes for which wanted(their /proc directory) is true, in order; a process that is
    gone meanwhile is left out."""
    found = []
    for name in os.listdir(proc):
        if not name.isdigit():
            continue
        try:
            if wanted(os.path.join(proc, name)):
                found.append(int(name))
        except (OSError, StopIteration):
            continue
    return sorted(found)


def _cmdline(directory):
    with open(os.path.join(directory, "cmdline"), "rb") as fh:
        return fh.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()


def group_pids(display_name, proc="/proc"):
    """Pids of the processes whose command line starts with the display name, as ps shows it."""
    def named(directory):
        cmdline = _cmdline(directory)
        return cmdline == display_name or cmdline.startswith(display_name + " ")
    return pids(named, proc)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is gone for our purpose
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Unhealthy(Exception):
    """A probe's answer while the group restarted: the new release must stop serving."""


def restart(display_name, timeout, sleep=time.sleep, clock=time.monotonic, together=False, probe=None):
    """Restart the group's processes one at a time (or, ``together``, all at once); returns
    [(old pid, new pid)].

    For each process (or all): SIGUSR1, then wait until it has exited and the group is back to its
    size with new pids, within ``timeout`` seconds. Together, the group serves nothing until its new
    processes start (requests wait in its socket): for a release that must stop serving at once.
    ``probe()``, called while it waits, returns why the group must stop (Unhealthy is raised with it
    at once) or None. Raises TimeoutError naming what did not happen."""
    pids = group_pids(display_name)
    size = len(pids)
    replaced = []
    for batch in [pids] if together else [[pid] for pid in pids]:
        known = set(group_pids(display_name))
        signalled = []
        for pid in batch:
            try:
                os.kill(pid, signal.SIGUSR1)
                signalled.append(pid)
            except ProcessLookupError:
                pass  # gone by itself (maximum-requests, say): Apache replaces it anyway
        deadline = clock() + timeout
        while signalled:
            failure = probe() if probe else None
            if failure:
                raise Unhealthy(failure)
            now = group_pids(display_name)
            new = sorted(set(now) - known)
            alive = [pid for pid in signalled if _alive(pid)]
            if not alive and len(new) >= len(signalled) and len(now) >= size:
                replaced += list(zip(signalled, new))
                break
            if clock() > deadline:
                raise TimeoutError("daemon process %s of %r %s within %d s of SIGUSR1" % (
                    ", ".join(str(pid) for pid in alive or signalled), display_name,
                    "did not exit" if alive else "was not replaced", timeout))
            sleep(0.05)
    return replaced
