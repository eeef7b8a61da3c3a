# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Removing an app that the site or express role deployed: what is left of it, and taking it away.

An app's directory (ROOT/NAME) holds its releases, its live links and app.json; ROOT/NAME/shared holds
the data that outlives them. Removing the app deletes all of it but its shared data, which stays, root's
(no file keeps the uid of an account that is gone and may be given to another), until the entry says
remove_shared. The account goes when it is the one the role made (wsgi-NAME); an account the entry
named is the user's own and stays.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import signal
import time

from ansible_collections.wsgi.apache.plugins.module_utils.apps import SHARED, account
from ansible_collections.wsgi.apache.plugins.module_utils.daemons import pids
from ansible_collections.wsgi.apache.plugins.module_utils.releases import RELEASES

APP_FILE = "app.json"  # how the app is served: written by the roles once it is live
WAIT = 60  # seconds the app's processes get to end before they are killed
POLL = 0.2


def _is_app(path):
    return os.path.isdir(os.path.join(path, RELEASES)) or os.path.isfile(os.path.join(path, APP_FILE))


def _recorded(path):
    try:
        with open(os.path.join(path, APP_FILE)) as fh:
            record = json.load(fh)
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _exists(lookup, name):
    try:
        lookup(name)
        return True
    except KeyError:
        return False


def plan(root, keep, absent):
    """The apps under ``root`` to remove, in name order: each entry of ``absent`` (dicts with name and
    maybe user, group, remove_shared) with something left of it, and each app directory whose name is
    not in ``keep`` (an app dropped from the list: its shared data stays)."""
    entries = {entry["name"]: entry for entry in absent}
    try:
        names = [name for name in os.listdir(root) if not name.startswith(".")]
    except FileNotFoundError:
        names = []
    dropped = {name for name in names if name not in keep and _is_app(os.path.join(root, name))}
    apps = []
    for name in sorted(dropped | set(entries)):
        path = os.path.join(root, name)
        entry = entries.get(name, {"name": name})
        recorded = _recorded(path)
        owner = account({"name": name, "user": recorded.get("user") or entry.get("user"),
                         "group": recorded.get("group") or entry.get("group")}, root)
        ours = owner["user"] == account({"name": name}, root)["user"]
        app = {"name": name, "path": path, "user": owner["user"], "group": owner["group"],
               "account": ours and _exists(pwd.getpwnam, owner["user"]),
               "remove_shared": bool(entry.get("remove_shared", False))}
        shared = os.path.join(path, SHARED)
        left = [item for item in (os.listdir(path) if os.path.isdir(path) else [])
                if item != SHARED or app["remove_shared"] or not _given_to_root(shared)]
        if left or app["account"]:
            apps.append(app)
    return apps


def _given_to_root(shared):
    """Whether a removal gave the shared directories to root already (the roles make each the app's)."""
    return all(os.lstat(os.path.join(shared, name)).st_uid == 0 for name in os.listdir(shared))


def _real_uid(directory):
    with open(os.path.join(directory, "status")) as fh:
        return int(next(line for line in fh if line.startswith("Uid:")).split()[1])


def processes(uid, proc="/proc"):
    """The pids of the processes whose real uid is ``uid``."""
    return pids(lambda directory: _real_uid(directory) == uid, proc)


def end_processes(uid, wait=WAIT, clock=time.monotonic, sleep=time.sleep):
    """Wait up to ``wait`` seconds for the processes of ``uid`` to end, then kill the rest; the pids
    killed."""
    deadline = clock() + wait
    while processes(uid) and clock() < deadline:
        sleep(POLL)
    killed = processes(uid)
    for pid in killed:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = clock() + 10
    while processes(uid) and clock() < deadline:
        sleep(POLL)
    return killed


def _give(path, owner):
    for top, dirs, files in os.walk(path):
        for item in [top] + [os.path.join(top, name) for name in dirs + files]:
            os.lchown(item, *owner)


def remove_files(app, owner=(0, 0)):
    """Delete the app's directory, but for its shared data unless the app says remove_shared (that stays,
    given to ``owner``, root)."""
    path, shared = app["path"], os.path.join(app["path"], SHARED)
    if not os.path.isdir(path):
        return
    if app["remove_shared"] or not os.path.isdir(shared):
        shutil.rmtree(path)
        return
    for item in os.listdir(path):
        if item == SHARED:
            continue
        target = os.path.join(path, item)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        else:
            os.unlink(target)
    _give(shared, owner)


def group_is_primary_of_a_user(group):
    gid = grp.getgrnam(group).gr_gid
    return any(entry.pw_gid == gid for entry in pwd.getpwall())
