# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A directory tree on the controller as file_set entries, and its digest (for the action plugins)."""

from __future__ import annotations

import hashlib
import json
import os

BYTECODE_DIR = "__pycache__"
BYTECODE_SUFFIXES = (".pyc", ".pyo")


def file_entry(dest, data, owner, group, mode, secret=False):
    return dict(path=dest, state="file", data=data, sha256=hashlib.sha256(data).hexdigest(),
                owner=owner, group=group, mode=mode, secret=secret)


def tree_entries(src, dest, owner="root", group="root"):
    """The directories and files of the controller directory ``src``, as file_set entries under ``dest``.

    Files keep only their execute bit (0755 or 0644); links are followed, except one back up the
    tree, which becomes an empty directory. Python's bytecode caches (__pycache__, .pyc) are left out:
    they are the controller's, not the tree's."""
    owned = dict(owner=owner, group=group)
    entries = [dict(path=dest, state="directory", mode="0755", **owned)]
    seen = set()  # real paths walked: a link back up the tree stays an empty directory, not an endless walk
    for top, dirs, files in os.walk(src, followlinks=True):
        if os.path.realpath(top) in seen:
            dirs.clear()
            continue
        seen.add(os.path.realpath(top))
        dirs[:] = sorted(d for d in dirs if d != BYTECODE_DIR)
        rel = os.path.relpath(top, src)
        place = dest if rel == "." else os.path.join(dest, rel)
        entries += [dict(path=os.path.join(place, d), state="directory", mode="0755", **owned) for d in dirs]
        for name in sorted(f for f in files if not f.endswith(BYTECODE_SUFFIXES)):
            local = os.path.join(top, name)
            with open(local, "rb") as fh:
                data = fh.read()
            mode = "0755" if os.stat(local).st_mode & 0o111 else "0644"
            entries.append(file_entry(os.path.join(place, name), data, mode=mode, **owned))
    return entries


def tree_digest(entries, dest):
    """SHA-256 of a tree's content: each path under ``dest``, its kind, mode and content's digest (a
    link's: its target)."""
    described = [(os.path.relpath(e["path"], dest), e["state"], e.get("mode"), e.get("sha256") or e.get("target"))
                 for e in entries]
    return hashlib.sha256(json.dumps(sorted(described)).encode()).hexdigest()
