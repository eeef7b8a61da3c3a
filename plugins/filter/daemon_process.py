# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: daemon_process
short_description: Validate WSGIDaemonProcess options and render the directive
version_added: 0.1.0
description:
  - Checks a dictionary of WSGIDaemonProcess options against the option table in
    C(plugins/module_utils/daemon_options.py) (name, type, range, the mod_wsgi release that
    introduced each) and returns the directive line.
  - Keys are the option names with C(_) for C(-), such as C(request_timeout).
  - Fails with a message that names O(where), the option, the value and the fix; a misspelt
    option gets the closest valid name.
options:
  _input:
    description: "The options, such as C({processes: 2, request_timeout: 60})."
    type: dict
    required: true
  name:
    description: Name of the daemon process group.
    type: str
    required: true
  module_version:
    description: The mod_wsgi release that will load the directive; newer options are refused.
      Empty to skip that check.
    type: str
    default: ''
  where:
    description: How to name the options in error messages, such as C(site_apps[blog].daemon).
    type: str
    default: daemon
"""

EXAMPLES = r"""
- name: Render the directive of an app
  ansible.builtin.debug:
    msg: "{{ {'processes': 2, 'threads': 15, 'request_timeout': 60} | wsgi.apache.daemon_process('blog', '6.1.1') }}"
  # WSGIDaemonProcess blog processes=2 threads=15 request-timeout=60
"""

RETURN = r"""
_value:
  description: The WSGIDaemonProcess directive.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.wsgi.apache.plugins.module_utils.daemon_options import OptionError, render


def daemon_process(options, name, module_version="", where="daemon"):
    try:
        return render(name, options, module_version or None, where)
    except OptionError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {"daemon_process": daemon_process}
