# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An app's deploy lock on its host: one file, made with O_EXCL, that names the play holding it.

    /run/wsgi-apache/locks/KEY.json   {"holder": {...}, "since": "...Z", "expires": EPOCH}

KEY is the app's directory with its slashes as dashes. /run is emptied at boot, which ends every play
that held a lock. A lock past its expiry is taken over (the play that held it stopped without letting
go, on a controller this one cannot ask); a holder is one play: its controller, the pid and start time
of its ansible-playbook process, and its user (the action plugin can tell whether that play still runs
when it ran on the same controller).
"""

from __future__ import annotations

import json
import os
import time

LOCKS = "/run/wsgi-apache/locks"
WAIT = 300  # seconds a play waits for a lock another play holds
TTL = 3600  # seconds after which a lock its play never let go of is taken over
HOLDER_KEYS = ("controller", "pid", "started")


def lock_path(root, locks=LOCKS):
    return os.path.join(locks, root.strip("/").replace("/", "-") + ".json")


def same(a, b):
    return all(a.get(key) == b.get(key) for key in HOLDER_KEYS)


def _stamp(now):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))


def read(path):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _write_new(path, record):
    """Create the lock file, or False if there is one."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as fh:
        json.dump(record, fh)
    return True


def _replace(path, record):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as fh:
        json.dump(record, fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def acquire(root, holder, ttl, take_over=None, now=None, locks=LOCKS):
    """Take the lock of ``root`` for ``holder``. Returns (taken, the lock's record, why it was taken
    over or None): a lock this holder has already is renewed; one past its expiry, or held by
    ``take_over`` (a holder the caller found gone), is taken over."""
    now = time.time() if now is None else now
    os.makedirs(locks, mode=0o700, exist_ok=True)
    path = lock_path(root, locks)
    record = {"holder": holder, "root": root, "since": _stamp(now), "expires": now + ttl}
    for dummy in range(3):  # a lock removed between our look and our create: look again (bounded)
        if _write_new(path, record):
            return True, record, None
        found = read(path)
        if found is None:
            if os.path.exists(path):  # unreadable (a crash mid-write): it protects nothing
                _replace(path, record)
                return True, record, "an unreadable lock file"
            continue
        if same(found.get("holder", {}), holder):
            _replace(path, dict(found, expires=now + ttl))
            return True, dict(found, expires=now + ttl), None
        if take_over and same(found.get("holder", {}), take_over):
            _replace(path, record)
            return True, record, "its holder's play is no longer running"
        if found.get("expires", 0) < now:
            _replace(path, record)
            return True, record, "it expired at %s" % _stamp(found.get("expires", 0))
        return False, found, None
    raise OSError("cannot take the lock %s: it keeps appearing and going" % path)


def release(root, holder, locks=LOCKS):
    """Let go of the lock of ``root`` if ``holder`` has it; True if it did."""
    path = lock_path(root, locks)
    found = read(path)
    if found is None or not same(found.get("holder", {}), holder):
        return False
    os.unlink(path)
    return True


def describe(record):
    holder = record.get("holder", {})
    return "%s@%s (ansible-playbook pid %s) since %s" % (holder.get("user", "?"), holder.get("controller", "?"),
                                                         holder.get("pid", "?"), record.get("since", "?"))
