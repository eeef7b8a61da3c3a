# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: app_errors
short_description: Check the app entries of the site or express role
version_added: 0.2.0
description:
  - "Returns every refusal for a list of app entries (empty when all are acceptable), each naming
    the app and key, the value, what is wrong and the fix, such as
    C(site_apps[blog].path=\"srv/blog\" is not absolute: set it to the app's directory on the host, such as /srv/myapp)."
  - The rules are those of C(plugins/module_utils/apps.py), shared by both roles; rules that need
    the host (an existing user's uid) are the roles' own preflight tasks.
options:
  _input:
    description: The app entries, as the user wrote them.
    type: list
    elements: dict
    required: true
  role:
    description: Which role's entries these are.
    type: str
    choices: [site, express]
    required: true
  settings:
    description:
      - "Role-wide values some rules depend on - the role's app defaults (C(port), C(application_type) -
        O(wsgi.apache.site#role:main:site_app_defaults), O(wsgi.apache.express#role:main:express_app_defaults))
        and C(restrict_embedded) (site - O(wsgi.apache.site#role:main:site_restrict_embedded))."
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Refuse bad app entries before anything changes
  ansible.builtin.assert:
    that: _errors | length == 0
    fail_msg: "{{ _errors | join('; ') }}"
  vars:
    _errors: "{{ site_apps | wsgi.apache.app_errors('site', site_app_defaults | combine({'restrict_embedded': false})) }}"
"""

RETURN = r"""
_value:
  description: One message per refusal; empty when every entry is acceptable.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.wsgi.apache.plugins.module_utils.apps import ROLES, app_errors as _app_errors


def app_errors(apps, role, settings=None):
    if role not in ROLES:
        raise AnsibleFilterError("app_errors: role=%r is not one of %s" % (role, ", ".join(sorted(ROLES))))
    if not isinstance(apps, list):
        raise AnsibleFilterError("%s=%r is not a list: give a list of app entries" % (ROLES[role][0], apps))
    return _app_errors(apps, role, dict(settings or {}))


class FilterModule(object):
    def filters(self):
        return {"app_errors": app_errors}
