# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: express_args
short_description: Turn a dictionary of wsgi-express options into its command line arguments
version_added: 0.1.0
description:
  - Each key becomes a flag, with C(_) written as C(-) (C(request_timeout) is C(--request-timeout)).
  - V(true) gives the bare flag, V(false) and null leave it out, a list repeats the flag for
    each element, and an element that is itself a list gives the flag several values
    (C(url_alias) takes a URL and a path).
  - Values are not checked here; C(wsgi-express) checks them and names the flag when one is wrong.
options:
  _input:
    description: "The options, such as C({request_timeout: 60, reload_on_changes: true})."
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Arguments for setup-server
  ansible.builtin.debug:
    msg: "{{ {'processes': 2, 'url_alias': [['/static', '/srv/app/static']], 'access_log': true} | wsgi.apache.express_args }}"
  # ['--access-log', '--processes', '2', '--url-alias', '/static', '/srv/app/static']
"""

RETURN = r"""
_value:
  description: The arguments, in the order of the sorted keys.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError


def _words(value):
    if isinstance(value, (list, tuple)):
        return [str(word) for word in value]
    return [str(value)]


def express_args(options):
    if not isinstance(options, dict):
        raise AnsibleFilterError("express_args needs a dictionary of wsgi-express options, not %r" % (options,))
    args = []
    for key in sorted(options):
        flag = "--" + str(key).replace("_", "-")
        value = options[key]
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            for element in value:
                args += [flag] + _words(element)
        else:
            args += [flag, str(value)]
    return args


class FilterModule(object):
    def filters(self):
        return {"express_args": express_args}
