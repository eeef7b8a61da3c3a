# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action of wsgi.apache.app_lock: names this play (its controller, its ansible-playbook process, its
user), asks the host for the lock until it has it or the wait is over, and tells a holder that ran on
this controller and is gone (a killed play) from one that still runs."""

from __future__ import annotations

import getpass
import os
import socket
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.wsgi.apache.plugins.module_utils.locks import WAIT

MODULE = "wsgi.apache.app_lock"
POLL = 2  # seconds between two asks while another play holds the lock


def _started(pid):
    """The start time of a process (clock ticks since boot), which tells it from a later one of the same pid."""
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def this_play():
    """The play: the ansible-playbook process this worker was forked from."""
    pid = os.getppid()
    return {"controller": socket.gethostname(), "pid": pid, "started": _started(pid), "user": getpass.getuser()}


def gone(holder):
    """A holder that ran on this controller and whose process is no longer the one that took the lock."""
    return (holder.get("controller") == socket.gethostname() and holder.get("started") is not None
            and _started(int(holder.get("pid", 0))) != holder.get("started"))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args, holder=this_play())
        wait = int(args.get("wait", WAIT))
        deadline = time.monotonic() + wait
        waited_for = None
        while True:
            answer = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
            if answer.get("failed") or args.get("state", "locked") == "unlocked" or answer.get("taken"):
                break
            holder = answer.get("holder") or {}
            if gone(holder) and args.get("take_over") != holder:
                args["take_over"] = holder
                continue
            waited_for = answer.get("held_by")
            if time.monotonic() >= deadline:
                raise AnsibleActionFail(
                    "%s is being deployed on this host by another play: %s; this play waited %d s for it (its wait). "
                    "Deploy again once it ends, or give it longer" % (args["root"], answer.get("held_by"), wait))
            time.sleep(POLL)
        if waited_for and answer.get("taken"):
            answer["waited_for"] = waited_for
        return dict(result, **answer)
