# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of wsgi.apache.file_set, which its action plugin validates and its module declares.

Paths on the host are str, not path: the controller must not expand ~ or $VARS in them.
"""

from __future__ import annotations

_OWNED = dict(owner=dict(type="str", default="root"), group=dict(type="str", default="root"))
STATES = ("directory", "file", "link")  # what an entry is

OPTIONS = dict(
    directories=dict(type="list", elements="dict", default=[], options=dict(
        path=dict(type="str", required=True), mode=dict(type="str", default="0755"), **_OWNED)),
    files=dict(type="list", elements="dict", default=[], options=dict(
        dest=dict(type="str", required=True), content=dict(type="str", required=True),
        mode=dict(type="str", default="0644"), secret=dict(type="bool", default=False), **_OWNED)),
    trees=dict(type="list", elements="dict", default=[], options=dict(
        src=dict(type="path", required=True), dest=dict(type="str", required=True), **_OWNED)),
    links=dict(type="list", elements="dict", default=[], options=dict(
        dest=dict(type="str", required=True), target=dict(type="str", required=True))),
    backup=dict(type="bool", default=False),
)

# What the action plugin sends the module: every directory, file and link as one entry.
INTERNAL = dict(
    entries=dict(type="list", elements="dict", default=[], options=dict(
        path=dict(type="str", required=True),
        state=dict(type="str", required=True, choices=list(STATES)),
        sha256=dict(type="str"),
        content=dict(type="str", no_log=True),
        target=dict(type="str"),
        mode=dict(type="str", default="0644"),
        secret=dict(type="bool", default=False),
        **_OWNED)),
    apply=dict(type="bool", default=False),
    want_before=dict(type="bool", default=False),
)
