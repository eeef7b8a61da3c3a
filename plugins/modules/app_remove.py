#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: app_remove
short_description: Find and remove the apps a role no longer deploys on a host
version_added: 0.3.0
description:
  - The apps to remove are the entries of O(absent) with something left on the host, and every app
    directory under O(root) (one with releases or an C(app.json)) whose name is not in O(keep) - an app
    dropped from the role's list.
  - With O(state=found), only says which (nothing changes). The role then takes each away from its web
    server (the site role's vhost, the express role's service) before O(state=absent) removes the rest.
  - With O(state=absent), for each app - waits up to O(wait) seconds for the processes of its account to
    end (then kills them); deletes its directory (its releases, virtualenvs, links, C(app.json)) but for its
    shared data (C(shared/)), which stays and is given to root, unless the entry says C(remove_shared);
    and deletes its account and group when they are the ones the roles make (C(wsgi-NAME)), never an
    account the entry named.
  - A shared directory given to root this way is given back to the app's account when the app is deployed
    again (the roles' shared directories step).
author: wsgi.apache contributors (@wsgi-apache)
options:
  root:
    description: The role's directory of apps, such as C(/srv/wsgi-apache).
    type: str
    required: true
  keep:
    description: The names of the apps the role deploys.
    type: list
    elements: str
    default: []
  absent:
    description: The role's entries with C(state=absent) (their C(name), C(user), C(group), C(remove_shared)).
    type: list
    elements: dict
    default: []
  state:
    description: C(found) to list the apps to remove, C(absent) to remove them.
    type: str
    choices: [found, absent]
    default: found
  wait:
    description: Seconds the processes of an app's account get to end before they are killed.
    type: int
    default: 60
extends_documentation_fragment:
  - wsgi.apache.attributes
attributes:
  check_mode:
    support: full
    description: Lists the apps it would remove.
  platform:
    platforms: posix
    support: full
    description: Runs as root; C(userdel) and C(groupdel) remove the accounts.
"""

EXAMPLES = r"""
- name: Find the site apps to remove (blog is kept; shop is to go, with its shared data)
  wsgi.apache.app_remove:
    root: /srv/wsgi-apache
    keep: [blog]
    absent: [{name: shop, remove_shared: true}]
  register: removed

- name: Remove them, once their vhosts are gone
  wsgi.apache.app_remove:
    root: /srv/wsgi-apache
    keep: [blog]
    absent: [{name: shop, remove_shared: true}]
    state: absent
"""

RETURN = r"""
apps:
  description: The apps to remove (O(state=found)) or removed (O(state=absent)).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The app's name.
      type: str
    path:
      description: Its directory.
      type: str
    user:
      description: Its account.
      type: str
    group:
      description: Its account's group.
      type: str
    account:
      description: Whether its account is the one the role made, and is removed.
      type: bool
    remove_shared:
      description: Whether its shared data is deleted too.
      type: bool
killed:
  description: With O(state=absent), the pids killed because they outlived O(wait).
  returned: success
  type: list
  elements: int
"""

import grp
import pwd

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.wsgi.apache.plugins.module_utils.removal import (
    WAIT, end_processes, group_is_primary_of_a_user, plan, remove_files)


def _remove_account(module, app):
    """Delete the account the role made for the app (once its files are gone: none keeps its uid)."""
    module.run_command(["userdel", app["user"]], check_rc=True)
    try:
        grp.getgrnam(app["group"])
    except KeyError:
        return
    if app["group"] == app["user"] and not group_is_primary_of_a_user(app["group"]):
        module.run_command(["groupdel", app["group"]], check_rc=True)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="str", required=True),
            keep=dict(type="list", elements="str", default=[]),
            absent=dict(type="list", elements="dict", default=[]),
            state=dict(type="str", default="found", choices=["found", "absent"]),
            wait=dict(type="int", default=WAIT),
        ),
        supports_check_mode=True,
    )
    params = module.params
    apps = plan(params["root"], set(params["keep"]), params["absent"])
    if params["state"] == "found" or module.check_mode:
        module.exit_json(changed=params["state"] == "absent" and bool(apps), apps=apps, killed=[])
    killed = []
    for app in apps:
        try:
            if app["account"]:
                killed += end_processes(pwd.getpwnam(app["user"]).pw_uid, params["wait"])
            remove_files(app)
            if app["account"]:
                _remove_account(module, app)
        except OSError as exc:
            module.fail_json(msg="cannot remove app %s (%s): %s" % (app["name"], app["path"], exc), apps=apps)
    module.exit_json(changed=bool(apps), apps=apps, killed=killed)


if __name__ == "__main__":
    main()
