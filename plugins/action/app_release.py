# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action of wsgi.apache.app_release: the code's digest is taken on the controller, so that content
the host has already costs one module run; new code goes straight into the release's staging
directory (one file_set run), then the module completes the release."""

from __future__ import annotations

import base64
import json
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.wsgi.apache.plugins.module_utils.releases import digest_of
from ansible_collections.wsgi.apache.plugins.plugin_utils.trees import tree_digest, tree_entries

MODULE = "wsgi.apache.app_release"


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def _module(self, args, task_vars, module=MODULE):
        result = self._execute_module(module_name=module, module_args=args, task_vars=task_vars)
        if result.get("failed"):
            raise AnsibleActionFail(result.get("msg", "%s failed" % module), result=result)
        return result

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        # The environment travels as one opaque, secret string: Ansible hides a secret wherever it
        # appears in the output, and a short value (such as "8") would hide parts of release ids.
        environment = args.pop("environment", None) or {}
        if not isinstance(environment, dict):
            raise AnsibleActionFail("environment=%r is not a dictionary of variable names and values" % (environment,))
        environment = {str(name): str(value) for name, value in environment.items()}
        args["environment_data"] = base64.b64encode(json.dumps(environment, sort_keys=True).encode()).decode()
        if args.get("state", "present") != "present":
            return dict(result, **self._module(args, task_vars))
        src = args.get("src")
        entries = []
        if src:
            local = src if os.path.isabs(src) else self._find_needle("files", src)
            if not os.path.isdir(local):
                raise AnsibleActionFail("src=%r is not a directory on the controller" % src)
            entries = tree_entries(local, "/", "root", "root")
            code = tree_digest(entries, "/")
        elif args.get("path"):
            code = "path:" + args["path"]
        else:
            raise AnsibleActionFail("give src (the code on the controller) or path (the code on the host)")
        args.pop("src", None)
        args["digest"] = digest_of(dict(code=code, environment=environment,
                                        entry=args.get("entry"), requirements=args.get("requirements"),
                                        python=args.get("python", "/usr/bin/python3"),
                                        packages=args.get("packages") or [],
                                        packages_digest=args.get("packages_digest", ""),
                                        # build commands and links are part of a release (a digest without them is as before)
                                        **({"build": args["build_commands"]} if args.get("build_commands") else {}),
                                        **({"links": args["links"]} if args.get("links") else {})))
        found = self._module(dict(args, stage="find"), task_vars)
        if not found.get("created") or self._task.check_mode:
            return dict(result, **found)
        if entries:
            staged = found["staging"]
            sent = []
            for entry in entries:
                entry = dict(entry, path=os.path.normpath(staged + entry["path"]))
                if entry["state"] == "file":
                    entry["content"] = base64.b64encode(entry.pop("data")).decode("ascii")
                sent.append(entry)
            self._module(dict(entries=sent, apply=True), task_vars, module="wsgi.apache.file_set")
        built = self._module(dict(args, stage="build", release=found["release"]), task_vars)
        built["staging"] = None
        return dict(result, **built)
