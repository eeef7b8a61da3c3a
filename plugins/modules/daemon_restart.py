#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: daemon_restart
short_description: Restart one mod_wsgi daemon process group gracefully, one process at a time
version_added: 0.2.0
description:
  - Finds the processes of a daemon process group by their display name (the C(display-name) of
    its C(WSGIDaemonProcess), which mod_wsgi writes over the process's command line) and sends each
    in turn the graceful restart signal (SIGUSR1). A process so signalled stops taking requests,
    lets those in flight finish (within its C(eviction-timeout), or C(graceful-timeout)) and exits,
    and Apache starts a new one on the same socket; the module waits for that before the next.
  - Requests that arrive meanwhile wait in the group's socket backlog or go to its other processes,
    so no request fails; the other groups of the same Apache, and Apache itself, are not touched.
  - This is how the site and express roles make new code, requirements or environment live without
    reloading Apache.
author: wsgi.apache contributors (@wsgi-apache)
options:
  display_name:
    description: The group's display name as C(ps) shows it, such as C((wsgi:blog)) for C(display-name=%{GROUP}).
    type: str
    required: true
  timeout:
    description:
      - Seconds to wait for each process to exit and be replaced; at least its drain time
        (C(eviction-timeout), or C(graceful-timeout)) plus its start.
    type: int
    default: 60
extends_documentation_fragment:
  - wsgi.apache.attributes
attributes:
  check_mode:
    support: full
    description: Reports the processes it would restart.
  platform:
    platforms: posix
    support: full
    description: Reads C(/proc); must run as root (or as the group's user).
"""

EXAMPLES = r"""
- name: Make the new release of blog live
  wsgi.apache.daemon_restart:
    display_name: (wsgi:blog)
    timeout: 75
"""

RETURN = r"""
restarted:
  description: Each process restarted, as its old and its new pid.
  returned: always
  type: list
  elements: dict
  sample: [{old: 4711, new: 4795}, {old: 4712, new: 4801}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.wsgi.apache.plugins.module_utils.daemons import group_pids, restart


def main():
    module = AnsibleModule(
        argument_spec=dict(display_name=dict(type="str", required=True), timeout=dict(type="int", default=60)),
        supports_check_mode=True,
    )
    name = module.params["display_name"]
    if module.check_mode:
        pids = group_pids(name)
        module.exit_json(changed=bool(pids), restarted=[dict(old=pid, new=None) for pid in pids])
    try:
        done = restart(name, module.params["timeout"])
    except TimeoutError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=bool(done), restarted=[dict(old=old, new=new) for old, new in done])


if __name__ == "__main__":
    main()
