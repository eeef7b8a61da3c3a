# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: mod_wsgi_patches
short_description: The patches of the mod_wsgi role's patch set for one mod_wsgi release
version_added: 0.3.0
description:
  - Reads the header of each patch file (C(roles/mod_wsgi/files/patches/*.patch) on the controller) and
    returns those whose C(Releases) hold the release, in file-name order, with the SHA-256 of each file
    (the build fingerprint holds them, so a changed patch rebuilds once).
  - A patch file starts with a header, one key per line followed by a colon and its value (a value goes
    on over lines indented by spaces), ended by a line C(---); the unified diff follows. Required keys -
    C(Patch) (its name; files of one patch for different release lines share it), C(Subject),
    C(Releases) (a PEP 440 specifier set such as C(>=6.0.5,<=6.1.1)), C(Problem), C(Test) (the test
    that shows the behaviour), C(Upstream) (where the text for upstream is).
options:
  _input:
    description: The paths of the patch files.
    type: list
    elements: path
    required: true
  release:
    description: The mod_wsgi release to be built, such as C(6.1.1).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: The patches for 6.1.1
  ansible.builtin.set_fact:
    patch_set: "{{ lookup('ansible.builtin.fileglob', 'patches/*.patch', wantlist=True) | wsgi.apache.mod_wsgi_patches('6.1.1') }}"
"""

RETURN = r"""
_value:
  description:
    - C(apply), the patches for the release (each with C(name), C(file), C(path), C(sha256), C(subject)).
    - C(skipped), the patches with no file for the release (each with C(name) and the C(releases) of its
      files).
    - C(keeps_socket_path), whether the patches applied let a daemon process group's socket keep its path
      across a graceful restart (the module then runs with C(WSGISocketRotation Off)).
  type: dict
"""

import hashlib
import os

from ansible.errors import AnsibleFilterError

from ansible_collections.wsgi.apache.plugins.module_utils.layout import keeps_socket_path

try:  # ansible-core requires packaging; the sanity test's import environment does not have it
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version
except ImportError as exc:
    PACKAGING_ERROR = exc
    InvalidSpecifier = InvalidVersion = ValueError
else:
    PACKAGING_ERROR = None

KEYS = ("Patch", "Subject", "Releases", "Problem", "Test", "Upstream")


def parse(text, source):
    """The header of a patch file as a dict, plus "specifier" (Releases parsed); ValueError says what is wrong."""
    header, last = {}, None
    for line in text.splitlines():
        if line == "---":
            break
        if line.startswith(" ") and last:
            header[last] += " " + line.strip()
        elif ":" in line and not line.startswith(" "):
            last, value = line.split(":", 1)
            header[last] = value.strip()
        elif line.strip():
            raise ValueError("%s: header line %r is neither 'Key: value' nor an indented continuation" % (source, line))
    else:
        raise ValueError("%s: no line '---' ends the header" % source)
    missing = [key for key in KEYS if not header.get(key)]
    if missing:
        raise ValueError("%s: the header has no %s" % (source, ", ".join(missing)))
    try:
        header["specifier"] = SpecifierSet(header["Releases"])
    except InvalidSpecifier as exc:
        raise ValueError("%s: Releases: %s" % (source, exc)) from exc
    return header


def select(paths, release):
    """The patch set for ``release`` from the files at ``paths`` (see RETURN)."""
    version = Version(release)
    apply, releases = [], {}
    for path in sorted(paths, key=os.path.basename):
        with open(path, "rb") as fh:
            data = fh.read()
        name = os.path.basename(path)
        header = parse(data.decode("utf-8"), name)
        releases.setdefault(header["Patch"], []).append(header["Releases"])
        if version not in header["specifier"]:
            continue
        twice = [p["file"] for p in apply if p["name"] == header["Patch"]]
        if twice:
            raise ValueError("%s and %s are both patch %s for mod_wsgi %s: make their Releases disjoint"
                             % (twice[0], name, header["Patch"], release))
        apply.append({"name": header["Patch"], "file": name, "path": path,
                      "sha256": hashlib.sha256(data).hexdigest(), "subject": header["Subject"]})
    applied = {p["name"] for p in apply}
    skipped = [{"name": patch, "releases": "; ".join(specs)} for patch, specs in releases.items() if patch not in applied]
    return {"apply": apply, "skipped": skipped, "keeps_socket_path": keeps_socket_path(applied)}


def mod_wsgi_patches(paths, release):
    if PACKAGING_ERROR:
        raise AnsibleFilterError("mod_wsgi_patches needs the Python package packaging on the controller: %s" % PACKAGING_ERROR)
    try:
        return select(paths, release)
    except (OSError, ValueError, InvalidVersion) as exc:
        raise AnsibleFilterError("mod_wsgi_patches: %s" % exc) from exc


class FilterModule(object):
    def filters(self):
        return {"mod_wsgi_patches": mod_wsgi_patches}
