# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: mod_wsgi_release
short_description: Pick the mod_wsgi release that builds against a Python and Apache
version_added: 0.1.0
description:
  - Resolves C(auto) to the newest release that builds against the given Python and Apache,
    or checks that an explicit release does.
  - Returns a dictionary with C(version) (the release, or V(None)) and C(error) (empty, or a
    message that names the variable, the value and the fix), so that a task can
    C(ansible.builtin.assert) on it.
  - The compatibility table lives in C(plugins/module_utils/compat.py).
options:
  _input:
    description: The requested release, C(auto) or C(X.Y.Z).
    type: str
    required: true
  python_version:
    description: Version of the Python that mod_wsgi is built for, such as C(3.11.2).
    type: str
    required: true
  apache_version:
    description: Version of Apache httpd, or an empty value when Apache is not installed yet.
    type: str
    default: ''
  variable:
    description: The variable name to use in error messages.
    type: str
    default: mod_wsgi_version
"""

EXAMPLES = r"""
- name: Resolve the release
  ansible.builtin.set_fact:
    release: "{{ 'auto' | wsgi.apache.mod_wsgi_release('3.11.2', '2.4.62') }}"
  # release.version == '6.1.1', release.error == ''
"""

RETURN = r"""
_value:
  description: C(version) and C(error).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.wsgi.apache.plugins.module_utils.compat import resolve


def mod_wsgi_release(requested, python_version, apache_version="", variable="mod_wsgi_version"):
    if not python_version:
        raise AnsibleFilterError("mod_wsgi_release: python_version is empty; probe the interpreter first")
    version, error = resolve(requested, python_version, apache_version or None, variable)
    return {"version": version, "error": error}


class FilterModule(object):
    def filters(self):
        return {"mod_wsgi_release": mod_wsgi_release}
