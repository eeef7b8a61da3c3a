# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the role puts the mod_wsgi it builds, and how the build is fingerprinted.

The module file has its own name so that a distribution's packaged mod_wsgi.so
(disabled by the role) can never overwrite it, nor it the packaged one.
"""

from __future__ import annotations

import hashlib
import json
import re

MODULE_FILENAME = "mod_wsgi_src.so"
FINGERPRINT_PATH = "/var/lib/wsgi-apache/mod_wsgi.json"
# Where distributions put Apache's modules, for a host without apxs (the -dev package): one that
# took its module from the build cache, or that only runs wsgi-express.
MODULE_DIRS = ("/usr/lib/apache2/modules", "/usr/lib64/httpd/modules", "/usr/lib/httpd/modules",
               "/usr/local/apache2/modules")
# MOD_WSGI_VERSION_STRING is a NUL-terminated "X.Y.Z" in the module's data; so is
# Python's PY_VERSION, but mod_wsgi releases this role builds have major >= 4.
VERSION_RE = re.compile(rb"\x00([4-9]|[1-9][0-9]+)\.(\d+)\.(\d+)\x00")


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def module_version(path):
    """The mod_wsgi release compiled into a module file, or None."""
    with open(path, "rb") as fh:
        found = {b".".join(m).decode() for m in VERSION_RE.findall(fh.read())}
    return found.pop() if len(found) == 1 else None


LDD_LIBPYTHON_RE = re.compile(r"^\s*(libpython(\d+)\.(\d+)\S*)\s+=>\s+(\S+)", re.M)


# The patches of the mod_wsgi role's set (roles/mod_wsgi/files/patches) that let a daemon process
# group's socket keep its path across a graceful restart: a module with both runs with
# WSGISocketRotation Off, and a reload fails no request (docs/mod_wsgi-patches.md).
SOCKET_KEPT_PATCHES = ("daemon-socket-missing", "daemon-token-kept")


def keeps_socket_path(patches):
    """Whether a module built with these patches (their names) takes WSGISocketRotation Off."""
    return all(name in patches for name in SOCKET_KEPT_PATCHES)


def module_patches(sha256, fingerprint_path=FINGERPRINT_PATH):
    """The names of the role's patches compiled into the module file whose SHA-256 is sha256: those of
    the build fingerprint the role stored, when it is this file's; none for any other module."""
    fingerprint = read_fingerprint(fingerprint_path) or {}
    if fingerprint.get("module_sha256") != sha256:
        return []
    return sorted((fingerprint.get("build") or {}).get("patches") or {})


def libpython_from_ldd(output):
    """From ``ldd MODULE`` output: the libpython the module needs, where the loader finds it
    (None if not found), and the Python (major, minor) it is; all None without libpython."""
    match = LDD_LIBPYTHON_RE.search(output)
    if not match:
        return {"needed": None, "path": None, "python": None}
    found = match.group(4)
    return {"needed": match.group(1), "path": None if found == "not" else found,
            "python": (int(match.group(2)), int(match.group(3)))}


def read_fingerprint(path=FINGERPRINT_PATH):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None
