# -*- coding: utf-8 -*-
# Copyright (c) wsgi.apache contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: python_hash_seed
short_description: Validate a WSGIPythonHashSeed value and give what to write for a mod_wsgi release
version_added: 0.1.0
description:
  - Checks that the seed is V(random) or an integer in [0, 4294967295] and returns the value to
    write after C(WSGIPythonHashSeed), or an empty string when the directive must be left out
    (an empty string, not null, so that every ansible-core release templates it alike).
  - mod_wsgi 6.x reads the directive with C(atol()), so V(random) would become seed 0 and turn
    hash randomisation off; for those releases V(random) returns an empty string, and Python's own default,
    a random seed, applies.
  - Fails with a message that names O(where), the value and the fix.
options:
  _input:
    description: The seed; null for unset.
    type: raw
    required: true
  module_version:
    description: The mod_wsgi release that will read the directive. Empty to skip that rule.
    type: str
    default: ''
  where:
    description: How to name the value in error messages.
    type: str
    default: python_hash_seed
"""

EXAMPLES = r"""
- name: The directive value for mod_wsgi 5.0.2
  ansible.builtin.debug:
    msg: "{{ 'random' | wsgi.apache.python_hash_seed('5.0.2') }}"
  # random; with '6.1.1' it is an empty string
"""

RETURN = r"""
_value:
  description: The value to write after WSGIPythonHashSeed, or an empty string to leave the directive out.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.wsgi.apache.plugins.module_utils.daemon_options import OptionError, python_hash_seed as seed_value


def python_hash_seed(seed, module_version="", where="python_hash_seed"):
    try:
        value = seed_value(seed, module_version or None, where)
    except OptionError as exc:
        raise AnsibleFilterError(str(exc))
    return "" if value is None else value


class FilterModule(object):
    def filters(self):
        return {"python_hash_seed": python_hash_seed}
