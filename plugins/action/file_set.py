# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action of wsgi.apache.file_set: the content is on the controller, one module run asks what differs."""

from __future__ import annotations

import base64
import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase

from ansible_collections.wsgi.apache.plugins.module_utils.file_set import OPTIONS
from ansible_collections.wsgi.apache.plugins.plugin_utils.trees import file_entry, tree_digest, tree_entries

MODULE = "wsgi.apache.file_set"


def _octal(mode, where):
    try:
        int(mode, 8)
    except ValueError:
        raise AnsibleActionFail(f"{where}: mode {mode!r} is not an octal mode; write it quoted, like \"0644\"") from None
    return mode


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def _tree(self, tree):
        """The directories and files of a controller directory tree, as entries under its dest."""
        src = tree["src"] if os.path.isabs(tree["src"]) else self._find_needle("files", tree["src"])
        if not os.path.isdir(src):
            raise AnsibleActionFail(f"trees: src {tree['src']!r} is not a directory on the controller")
        return tree_entries(src, tree["dest"], tree["owner"], tree["group"])

    def _entries(self, args):
        for key, field in (("directories", "path"), ("files", "dest"), ("trees", "dest"), ("links", "dest")):
            for given in args[key]:
                if not os.path.isabs(given[field]):
                    raise AnsibleActionFail(f"{key}: {field}={given[field]!r} is not an absolute path on the host; "
                                            f"write it from /, such as /srv/app/{given[field]}")
        entries = [dict(path=d["path"], state="directory", owner=d["owner"], group=d["group"],
                        mode=_octal(d["mode"], d["path"])) for d in args["directories"]]
        for tree in args["trees"]:
            entries += self._tree(tree)
        entries += [file_entry(f["dest"], to_bytes(f["content"]), f["owner"], f["group"], _octal(f["mode"], f["dest"]),
                               f["secret"]) for f in args["files"]]
        entries += [dict(path=link["dest"], state="link", target=link["target"]) for link in args["links"]]
        return entries

    def _run_module(self, entries, task_vars, **params):
        sent = [{k: v for k, v in e.items() if k != "data"} for e in entries]
        result = self._execute_module(module_name=MODULE, module_args=dict(entries=sent, **params),
                                      task_vars=task_vars)
        if result.get("failed"):
            stderr = (result.get("module_stderr") or "").strip().splitlines()
            raise AnsibleActionFail(result.get("msg") or "file_set failed: " + (stderr[-1] if stderr else "no message"),
                                    result=result)
        return result["files"]

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=OPTIONS)
        entries = self._entries(args)
        by_path = {e["path"]: e for e in entries}
        found = self._run_module(entries, task_vars, want_before=bool(self._task.diff))
        result["files"] = found
        result["digest"] = tree_digest(entries, "/")
        result["changed"] = bool(found)
        if self._task.diff:
            result["diff"] = [self._diff(by_path[r["dest"]], r) for r in found if by_path[r["dest"]]["state"] == "file"
                              and {"content", "type"} & set(r["differs"])]
        for report in found:
            report.pop("before", None)  # for the diff only, not for registered results
        if not found or self._task.check_mode:
            return result
        changing = []
        for report in found:
            entry = dict(by_path[report["dest"]])
            if entry["state"] == "file" and {"content", "type"} & set(report["differs"]):
                entry["content"] = base64.b64encode(entry["data"]).decode("ascii")
            changing.append(entry)
        result["files"] = self._run_module(changing, task_vars, apply=True, backup=args["backup"])
        return result

    @staticmethod
    def _diff(entry, report):
        if entry["secret"]:
            return dict(before_header=entry["path"], after_header=entry["path"],
                        before="(secret content hidden)\n", after="(secret content hidden, changed)\n")
        try:
            after = entry["data"].decode("utf-8")
        except UnicodeDecodeError:
            after = "(binary)\n"
        return dict(before_header=entry["path"], after_header=entry["path"],
                    before=report.get("before") or "", after=after)
