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


def group_pids(display_name, proc="/proc"):
    """Pids of the processes whose command line starts with the display name, as ps shows it."""
    found = []
    for name in os.listdir(proc):
        if not name.isdigit():
            continue
        try:
            with open(os.path.join(proc, name, "cmdline"), "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        if cmdline == display_name or cmdline.startswith(display_name + " "):
            found.append(int(name))
    return sorted(found)


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


def restart(display_name, timeout, sleep=time.sleep, clock=time.monotonic):
    """Restart the group's processes one at a time; returns [(old pid, new pid)].

    For each process: SIGUSR1, then wait until it has exited and the group is back to its size
    with a new pid, within ``timeout`` seconds for that process.  Raises TimeoutError naming what
    did not happen."""
    pids = group_pids(display_name)
    size = len(pids)
    replaced = []
    for pid in pids:
        known = set(group_pids(display_name))
        try:
            os.kill(pid, signal.SIGUSR1)
        except ProcessLookupError:
            continue  # gone by itself (maximum-requests, say): Apache replaces it anyway
        deadline = clock() + timeout
        while True:
            now = group_pids(display_name)
            new = sorted(set(now) - known)
            if not _alive(pid) and new and len(now) >= size:
                replaced.append((pid, new[0]))
                break
            if clock() > deadline:
                raise TimeoutError("daemon process %d of %r %s within %d s of SIGUSR1" % (
                    pid, display_name, "did not exit" if _alive(pid) else "was not replaced", timeout))
            sleep(0.05)
    return replaced
