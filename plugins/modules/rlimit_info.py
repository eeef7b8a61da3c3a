#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: rlimit_info
short_description: Find out whether the host enforces the rlimits behind mod_wsgi's limits
version_added: 0.1.0
description:
  - mod_wsgi applies C(memory-limit) as RLIMIT_DATA, C(virtual-memory-limit) as RLIMIT_AS (or
    RLIMIT_VMEM) and C(cpu-time-limit) as RLIMIT_CPU. Some platforms accept these and do not
    enforce them.
  - For each, reports whether the platform defines it, whether setrlimit accepts the value
    asked for, and whether it is enforced, found out in a forked child process that sets the
    limit and goes past it (allocates more memory, or spins past one second of CPU).
  - Nothing on the host changes.
author: wsgi.apache contributors (@wsgi-apache)
options:
  memory_limit:
    description: The memory-limit in bytes to check setrlimit accepts; enforcement is probed either way.
    type: int
  virtual_memory_limit:
    description: The virtual-memory-limit in bytes to check setrlimit accepts.
    type: int
  cpu_time_limit:
    description: The cpu-time-limit in seconds; when given, RLIMIT_CPU is probed (one second of CPU).
    type: int
  cpu:
    description: Probe RLIMIT_CPU even when O(cpu_time_limit) is not given.
    type: bool
    default: false
extends_documentation_fragment:
  - wsgi.apache.attributes.info
attributes:
  platform:
    platforms: posix
    support: full
    description: Forks the probing child with os.fork.
notes:
  - The same probe is behind C(wsgi-express check-rlimits).
"""

EXAMPLES = r"""
- name: Probe the memory rlimits
  wsgi.apache.rlimit_info:
    memory_limit: 536870912
  register: rlimits

- name: Stop when memory-limit would not be enforced
  ansible.builtin.assert:
    that: "'memory-limit' not in rlimits.unenforced"
"""

RETURN = r"""
options:
  description: Per mod_wsgi option, the report of the rlimit mod_wsgi uses for it.
  returned: always
  type: dict
  sample:
    memory-limit: {rlimit: RLIMIT_DATA, defined: true, accepted: true, enforced: true,
                   limit: 536870912, asked: 536870912, option: memory-limit,
                   detail: a child limited to 92 MiB could not allocate 92 MiB more}
rlimits:
  description: Per rlimit probed (RLIMIT_DATA, RLIMIT_AS, RLIMIT_VMEM, RLIMIT_CPU), the report.
  returned: always
  type: dict
unenforced:
  description: The options asked for whose rlimit this platform does not enforce.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.wsgi.apache.plugins.module_utils.rlimits import check


def main():
    module = AnsibleModule(
        argument_spec=dict(
            memory_limit=dict(type="int"),
            virtual_memory_limit=dict(type="int"),
            cpu_time_limit=dict(type="int"),
            cpu=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    result = check(params["memory_limit"], params["virtual_memory_limit"], params["cpu_time_limit"],
                   cpu=params["cpu"] or params["cpu_time_limit"] is not None)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
