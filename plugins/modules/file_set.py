#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: file_set
short_description: Make a set of directories, files and links on the host as given, in one round trip
version_added: 0.1.0
description:
  - Each entry is a directory, a file with its content, or a symbolic link, with its owner, group
    and mode. The module reports what differs and, with O(apply), makes every entry as given.
  - Use it through its action plugin, which takes the files' content on the controller (text,
    or a directory tree to copy), asks the host once what differs, and sends content only for
    the files whose content differs. A host where nothing differs costs one module run, where
    M(ansible.builtin.template) or M(ansible.builtin.copy) cost two per file.
author: wsgi.apache contributors (@wsgi-apache)
attributes:
  check_mode:
    description: In check mode the action plugin only asks what differs and reports it as changed.
    support: full
  diff_mode:
    description: Text files whose content differs are shown before and after, except O(files[].secret) ones.
    support: full
  platform:
    platforms: posix
    support: full
    description: Uses POSIX owners, modes and symbolic links.
options:
  directories:
    description: Directories to create (missing parents too, owned by root, as C(mkdir -p) makes them).
    type: list
    elements: dict
    default: []
    suboptions:
      path: {description: The directory (absolute)., type: str, required: true}
      owner: {description: User name or uid., type: str, default: root}
      group: {description: Group name or gid., type: str, default: root}
      mode: {description: Octal mode., type: str, default: "0755"}
  files:
    description: Files with their content.
    type: list
    elements: dict
    default: []
    suboptions:
      dest: {description: The file (absolute); its directory must exist or be in O(directories)., type: str, required: true}
      content: {description: The content (text)., type: str, required: true}
      owner: {description: User name or uid., type: str, default: root}
      group: {description: Group name or gid., type: str, default: root}
      mode: {description: Octal mode., type: str, default: "0644"}
      secret: {description: Never show the content in a diff., type: bool, default: false}
  trees:
    description:
      - Directory trees on the controller to copy, each file and subdirectory of O(trees[].src) to the same
        place under O(trees[].dest). Files keep nothing of their controller mode but its execute bit
        (C(0755) or C(0644)); directories are C(0755). Files on the host that are not in the tree stay.
        Symbolic links in the tree are followed, except one back up the tree, which becomes an empty directory.
        Python's bytecode caches (C(__pycache__), C(.pyc)) are left out.
    type: list
    elements: dict
    default: []
    suboptions:
      src: {description: "The directory on the controller; a relative one is found as M(ansible.builtin.copy) finds it.", type: path, required: true}
      dest: {description: The directory on the host (absolute; created if missing)., type: str, required: true}
      owner: {description: User name or uid., type: str, default: root}
      group: {description: Group name or gid., type: str, default: root}
  links:
    description: Symbolic links. An absolute O(links[].target) is made relative to the link's directory, as C(a2enmod) does.
    type: list
    elements: dict
    default: []
    suboptions:
      dest: {description: The link (absolute)., type: str, required: true}
      target: {description: What it points to., type: str, required: true}
  backup:
    description: Keep a timestamped copy of each file whose content is replaced (returned as RV(files[].backup_file)).
    type: bool
    default: false
  entries:
    description: Internal, sent by the action plugin (which turns the options above into these); not for playbooks.
    type: list
    elements: dict
    default: []
    suboptions:
      path: {description: The path., type: str, required: true}
      state: {description: What it is., type: str, required: true, choices: [directory, file, link]}
      sha256: {description: SHA-256 of the file's content., type: str}
      content: {description: "The file's content in base64, only where it differs.", type: str}
      target: {description: The link's target., type: str}
      owner: {description: User name or uid., type: str, default: root}
      group: {description: Group name or gid., type: str, default: root}
      mode: {description: Octal mode., type: str, default: "0644"}
      secret: {description: No before text for a diff., type: bool, default: false}
  apply:
    description: Internal (the action plugin's second run); without it, only report what differs.
    type: bool
    default: false
  want_before:
    description: Internal; report the current text of files whose content differs, for a diff.
    type: bool
    default: false
notes:
  - The content is held in memory on the controller and sent as module arguments, so it suits
    configuration files and app code, not large data.
"""

EXAMPLES = r"""
- name: Write an app's code, entry script and vhost
  wsgi.apache.file_set:
    directories:
      - {path: /srv/wsgi/hello}
    trees:
      - {src: hello/, dest: /srv/wsgi/hello/app}
    files:
      - dest: /srv/wsgi/hello/env.json
        content: "{{ {'GREETING': 'hi'} | to_nice_json }}"
        group: wsgi-hello
        mode: "0640"
        secret: true
    links:
      - {dest: /etc/apache2/sites-enabled/wsgi-hello.conf, target: /etc/apache2/sites-available/wsgi-hello.conf}
  register: written
"""

RETURN = r"""
files:
  description: Each directory, file and link that differed, and what was (or in check mode would be) done.
  returned: always
  type: list
  elements: dict
  contains:
    dest: {description: Its path., type: str}
    state: {description: "directory, file or link.", type: str}
    created: {description: It did not exist., type: bool}
    differs: {description: "What differed: type, content, owner, group, mode or target.", type: list, elements: str}
    backup_file: {description: The copy of the replaced file (with O(backup))., type: str, returned: when a file was replaced}
digest:
  description:
    - SHA-256 of everything given (each path, its kind, mode and content or target), taken on the
      controller; it changes when and only when what is given changes.
  returned: always
  type: str
"""

import base64
import grp
import os
import pwd
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.wsgi.apache.plugins.module_utils.file_set import INTERNAL, OPTIONS, STATES
from ansible_collections.wsgi.apache.plugins.module_utils.layout import file_sha256

BEFORE_LIMIT = 256 * 1024  # larger files show no "before" in a diff
KINDS = dict(zip(STATES, (stat.S_ISDIR, stat.S_ISREG, stat.S_ISLNK)))  # each state's test of a file's mode


def uid_of(owner):
    """The uid, or None for a user the host does not have (yet: check mode on a new host)."""
    try:
        return int(owner) if owner.isdigit() else pwd.getpwnam(owner).pw_uid
    except KeyError:
        return None


def gid_of(group):
    try:
        return int(group) if group.isdigit() else grp.getgrnam(group).gr_gid
    except KeyError:
        return None


def link_target(entry):
    target = entry["target"]
    return os.path.relpath(target, os.path.dirname(entry["path"])) if os.path.isabs(target) else target


def differences(entry):
    """What differs between the entry and the host, and whether it exists: (created, [what])."""
    try:
        st = os.lstat(entry["path"])
    except FileNotFoundError:
        return True, ["type"]
    if not KINDS[entry["state"]](st.st_mode):
        return False, ["type"]
    if entry["state"] == "link":
        return False, [] if os.readlink(entry["path"]) == link_target(entry) else ["target"]
    found = []
    if entry["state"] == "file" and file_sha256(entry["path"]) != entry["sha256"]:
        found.append("content")
    if st.st_uid != uid_of(entry["owner"]):
        found.append("owner")
    if st.st_gid != gid_of(entry["group"]):
        found.append("group")
    if stat.S_IMODE(st.st_mode) != int(entry["mode"], 8):
        found.append("mode")
    return False, found


def set_attributes(path, entry):
    os.chown(path, uid_of(entry["owner"]), gid_of(entry["group"]))
    os.chmod(path, int(entry["mode"], 8))


def make(module, entry, report):
    path, state = entry["path"], entry["state"]
    if state != "directory" and not os.path.isdir(os.path.dirname(path)):
        module.fail_json(msg=f"{path}: its directory does not exist; list it in directories before the {state}")
    if state == "directory":
        if report["created"]:
            os.makedirs(path)  # with missing parents, as mkdir -p
        set_attributes(path, entry)
    elif state == "link":
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".file_set.")
        os.close(fd)
        os.unlink(tmp)
        os.symlink(link_target(entry), tmp)
        os.replace(tmp, path)
    elif {"content", "type"} & set(report["differs"]):
        if module.params["backup"] and not report["created"] and "content" in report["differs"]:
            report["backup_file"] = module.backup_local(path)
        # Owner and mode are set on the private (0600) temporary file before it takes the name, so a
        # secret is never readable by others for a moment (AnsibleModule.atomic_move would give the
        # new file the umask's mode, or the old file's, before a chmod after it).
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".file_set.")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(base64.b64decode(entry["content"]))
            set_attributes(tmp, entry)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    else:
        set_attributes(path, entry)


def before_text(entry, report):
    if entry["state"] != "file" or "content" not in report["differs"] or entry.get("secret"):
        return None
    with open(entry["path"], "rb") as fh:
        data = fh.read(BEFORE_LIMIT + 1)
    if len(data) > BEFORE_LIMIT:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def refusal(entry, report):
    """Why the entry cannot be made, or None: found for every entry before any is made."""
    path, state = entry["path"], entry["state"]
    if "type" in report["differs"] and not report["created"] and (state == "directory" or os.path.isdir(path)):
        return (f"{path} is in the way: the {state} wanted there would replace what is there "
                f"({'a directory' if os.path.isdir(path) else 'not a directory'}); remove it first")
    if state == "file" and entry["content"] is None and {"content", "type"} & set(report["differs"]):
        return f"{path}: its content changed since it was asked for; run again"
    return None


def main():
    module = AnsibleModule(
        argument_spec=dict(OPTIONS, **INTERNAL),
        supports_check_mode=True,
    )
    entries = module.params["entries"]
    apply = module.params["apply"] and not module.check_mode
    reports = []
    for entry in entries:
        created, found = differences(entry)
        if found:
            reports.append((entry, {"dest": entry["path"], "state": entry["state"], "created": created, "differs": found}))
    if apply:
        unknown = sorted({e["owner"] for e in entries if e["state"] != "link" and uid_of(e["owner"]) is None}
                         | {e["group"] for e in entries if e["state"] != "link" and gid_of(e["group"]) is None})
        refusals = [why for why in (refusal(*pair) for pair in reports) if why]
        if unknown:
            refusals.insert(0, f"the host has no user or group named {', '.join(unknown)}: create them before the files they own")
        if refusals:
            module.fail_json(msg="; ".join(refusals) + " (nothing was changed)")
    for number, (entry, report) in enumerate(reports):
        if apply:
            try:
                make(module, entry, report)
            except OSError as exc:
                module.fail_json(msg=f"{entry['path']}: {exc.strerror or exc} (the {number} before it were written; "
                                     "setting an owner needs root: become: true)",
                                 files=[done for dummy, done in reports[:number]])
        elif module.params["want_before"] and not report["created"]:
            report["before"] = before_text(entry, report)
    module.exit_json(changed=bool(reports) and apply, files=[report for dummy, report in reports])


if __name__ == "__main__":
    main()
